/**
 * What the API and console route plugins share, built once per server from `ServerDeps`: the review
 * service (store + act operations + liveness re-check) and the authenticator (sessions, rate
 * limits). Both plugins call `reviewContext(deps)` and get the same instance, so a sign-out or a
 * rate-limit counter is seen by both.
 */
import { createActDeps } from '../../act/runtime.js';
import type { ActDeps } from '../../act/engine.js';
import type { ConsoleOptions } from '../console/options.js';
import type { ServerDeps } from '../app.js';
import { createAuthenticator, type Authenticator } from '../auth/authenticate.js';
import { createSessionManager } from '../auth/session.js';
import { createRechecker } from './recheck.js';
import { createReviewService, revocationOpsFrom, type ReviewService } from './review.js';
import { ConfigSchema } from '../../config/schema.js';

export interface ReviewContext {
  review: ReviewService;
  auth: Authenticator;
  options: ConsoleOptions;
}

const contexts = new WeakMap<ServerDeps, ReviewContext | null>();

function actDepsFor(deps: ServerDeps): ActDeps {
  if (deps.act) return deps.act;
  const store = deps.store!;
  if (!deps.config) return { store, sinks: [], logger: deps.logger, ...(deps.sealingKey ? { sealingKey: deps.sealingKey } : {}) };
  return createActDeps({ config: deps.config, env: deps.env ?? {}, store, logger: deps.logger, ...(deps.sealingKey ? { sealingKey: deps.sealingKey } : {}) });
}

/** The shared context, or null when the server has no store (the routes then answer 503). */
export function reviewContext(deps: ServerDeps): ReviewContext | null {
  const cached = contexts.get(deps);
  if (cached !== undefined) return cached;
  if (!deps.store) {
    contexts.set(deps, null);
    return null;
  }
  const config = deps.config ?? ConfigSchema.parse({});
  const options = config.console;
  const sessions = createSessionManager({ ttlSeconds: options.sessionTtlMinutes * 60, ...(deps.sealingKey ? { key: deps.sealingKey } : {}) });
  const auth = createAuthenticator({ store: deps.store, sessions, options });
  const rechecker = createRechecker({ store: deps.store, config, env: deps.env ?? {}, ...(deps.sealingKey ? { sealingKey: deps.sealingKey } : {}) });
  const review = createReviewService({ store: deps.store, revocations: revocationOpsFrom(actDepsFor(deps)), rechecker });
  const ctx: ReviewContext = { review, auth, options };
  contexts.set(deps, ctx);
  return ctx;
}
