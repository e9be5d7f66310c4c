/**
 * GitHub webhook ingress (push events).
 *
 * Routes:
 * - `POST /webhooks/github/<source-id>` — one per configured `type: github` source with a
 *   `webhookSecretEnv`; create the repository or organisation webhook with that secret, content
 *   type `application/json` (form-encoded works too) and the `push` event;
 * - `POST /webhooks/github` — the same, for the ONE GitHub source with a secret when exactly one
 *   exists; 404 otherwise. A source without a secret receives no webhooks.
 *
 * Per request, in this order:
 * 1. `X-Hub-Signature-256` verified over the raw body (`@octokit/webhooks` `verify`, constant time)
 *    — missing or wrong ⇒ 401, nothing parsed further, remembered or enqueued;
 * 2. `X-GitHub-Delivery` (or, when absent, the body's SHA-256) remembered in the store: a replay of
 *    an accepted delivery ⇒ 401, nothing enqueued again;
 * 3. `ping` ⇒ 200; `push` to a configured repository / branch ⇒ poll jobs that fetch the pushed
 *    commits (never fetched in the request); anything else ⇒ 200, ignored.
 * GitHub wants an answer within 10 s; handing on is bounded by a deadline (503 past it).
 *
 * The delivery id is remembered BEFORE handing on (so two concurrent deliveries enqueue once) and
 * forgotten again (`forgetDelivery`) when handing on fails: a redelivery of that delivery (GitHub's
 * "Redeliver", same `X-GitHub-Delivery`) must then be accepted, not refused as a replay.
 */
import { Webhooks } from '@octokit/webhooks';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenradiusError } from '../../core/errors.js';
import { sha256Hex } from '../../core/secrets.js';
import { isGithubSource, type GithubSourceConfig } from '../../sources/github/options.js';
import { planGithubWebhook } from '../../sources/github/webhook.js';
import type { RoutePlugin, ServerDeps } from '../app.js';
import { handOnOrForget, header, registerWebhookReceiver, withDeadline } from './webhook-delivery.js';

const HAND_ON_DEADLINE_MS = 5000;
/** Budget for forgetting the delivery id after a failed hand-on (the 503 must still come promptly). */
const FORGET_DEADLINE_MS = 1000;

/** `sha256=<hex>` over the raw string body, as GitHub signs; false for anything missing or malformed. */
async function verified(webhooks: Webhooks, raw: Buffer, signature: string | undefined): Promise<'ok' | 'missing' | 'invalid'> {
  if (!signature || raw.length === 0) return 'missing';
  if (!/^sha256=[0-9a-f]{64}$/.test(signature)) return 'invalid';
  try {
    return (await webhooks.verify(raw.toString('utf8'), signature)) ? 'ok' : 'invalid';
  } catch {
    return 'invalid';
  }
}

function deliveryId(request: FastifyRequest, raw: Buffer): string {
  const id = header(request, 'x-github-delivery');
  return id && /^[A-Za-z0-9-]{1,100}$/.test(id) ? `github-${id}` : `github-body-${sha256Hex(raw)}`;
}

export function githubWebhookHandler(deps: ServerDeps, resolve: (request: FastifyRequest) => GithubSourceConfig | undefined) {
  const { logger } = deps;
  const verifiers = new Map<string, Webhooks>();
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const source = resolve(request);
    if (!source || !source.webhookSecretEnv) throw new TokenradiusError('NOT_FOUND', 'no GitHub source receives webhooks at this path');
    const secret = deps.env?.[source.webhookSecretEnv];
    if (!secret) throw new TokenradiusError('NOT_FOUND', `GitHub source ${source.id} has no webhook secret in this process (${source.webhookSecretEnv})`);
    const key = `${source.id}\u0000${secret}`;
    let webhooks = verifiers.get(key);
    if (!webhooks) {
      webhooks = new Webhooks({ secret });
      verifiers.set(key, webhooks);
    }

    const raw = request.rawBody ?? Buffer.alloc(0);
    const verdict = await verified(webhooks, raw, header(request, 'x-hub-signature-256'));
    if (verdict !== 'ok') {
      logger.warn({ source: source.id, reason: verdict }, 'github webhook: signature rejected');
      throw new TokenradiusError('SIGNATURE_INVALID', `GitHub webhook signature is ${verdict}`);
    }

    const store = deps.store;
    if (!store) throw new TokenradiusError('STORE_UNAVAILABLE', 'this process has no findings store to remember webhook deliveries');
    const id = deliveryId(request, raw);
    const fresh = await withDeadline(store.rememberDelivery(source.id, id, source.dedupeTtlSeconds), 'remembering the delivery', HAND_ON_DEADLINE_MS);
    if (!fresh) {
      logger.warn({ source: source.id }, 'github webhook: replayed delivery rejected');
      throw new TokenradiusError('SIGNATURE_INVALID', 'this GitHub webhook delivery was already received (replay)');
    }

    const event = header(request, 'x-github-event');
    const plan = planGithubWebhook(event, request.body, source);
    if (plan.kind === 'pong') return reply.status(200).send({ ok: true, pong: true });
    if (plan.kind === 'ignore') {
      logger.debug({ source: source.id, reason: plan.reason }, 'github webhook: ignored');
      return reply.status(200).send({ ok: true, ignored: plan.reason });
    }
    // Not handed on (503): the id is forgotten so that the redelivery is not taken for a replay. A
    // poll enqueued before the failure may then run twice: harmless, as findings are upserted by
    // fingerprint and alerted once per version, whereas a refused redelivery would lose the push.
    return handOnOrForget({ store, sourceId: source.id, deliveryId: id, receiver: 'github webhook', logger, forgetDeadlineMs: FORGET_DEADLINE_MS }, async () => {
      const ingress = deps.ingress;
      if (!ingress) throw new TokenradiusError('QUEUE_UNAVAILABLE', 'this process does not run a pipeline (start it with workers or REDIS_URL)');
      const jobs = await withDeadline(Promise.all(plan.since.map((since) => ingress.requestPoll(source.id, { since, reason: 'webhook' }))), 'enqueueing the commit fetch', HAND_ON_DEADLINE_MS);
      logger.info({ source: source.id, repo: plan.repo, branch: plan.branch, commits: plan.commits, jobs: jobs.length }, 'github webhook: push enqueued');
      return reply.status(202).send({ ok: true, commits: plan.commits, jobs: jobs.length });
    });
  };
}

/** JSON, or `payload=<json>` form bodies (GitHub's `application/x-www-form-urlencoded` content type). */
function parseBody(raw: Buffer, contentType: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    const text = raw.toString('utf8');
    if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
      const payload = new URLSearchParams(text).get('payload');
      return payload ? (JSON.parse(payload) as unknown) : undefined;
    }
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export const githubWebhookRoutes: RoutePlugin = {
  id: 'github-webhook',
  async register(app, deps) {
    await registerWebhookReceiver(app, deps, {
      path: '/webhooks/github',
      sources: (deps.config?.sources ?? []).filter(isGithubSource),
      receives: (s) => s.webhookSecretEnv !== undefined,
      parse: parseBody,
      handler: (resolve) => githubWebhookHandler(deps, resolve),
    });
  },
};
