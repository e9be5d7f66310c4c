/**
 * `createActDeps`: the act stage's dependencies, built once per process from the configuration —
 * sinks, revokers, remediators, the policy, one SafeFetch for every configured URL (trusted issuers,
 * receivers, revocation services), the lazily loaded SET signing key, and the retry settings.
 * `buildDeps` (src/pipeline/deps.ts) calls it for the pipeline; the review API uses the same
 * object for approve / reject / revoke-now (src/act/operations.ts).
 */
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config/schema.js';
import type { SealingKey } from '../core/secrets.js';
import type { OutboundEvent } from '../core/net/types.js';
import type { Logger } from '../observe/logger.js';
import { expandTrustList, trustConfiguredUrls } from '../score/liveness/trust-list.js';
import type { FindingStore } from '../store/types.js';
import type { ActDeps } from './engine.js';
import { createActFetch } from './http.js';
import { createRemediator } from './remediate/index.js';
import { createRevoker } from './revokers/index.js';
import { loadSetSigningKey, type SetSigningKey } from './set.js';
import { createSink } from './sinks/index.js';
import type { AlertSink } from './types.js';

export interface CreateActDepsOptions {
  config: Pick<Config, 'act' | 'trust' | 'queue' | 'sources' | 'dataDir'>;
  env: Readonly<Record<string, string>>;
  store: FindingStore;
  sealingKey?: SealingKey;
  logger?: Logger;
  /** Overrides `config.dataDir` (CLI `--data-dir`): where a generated SET signing key lives. */
  dataDir?: string;
  now?: () => Date;
  /** Sinks added in code besides the configured ones (tests, embedders). */
  extraSinks?: readonly AlertSink[];
  /** Tests: prebuilt Slack clients per sink id, and a client factory for the Slack revoker. */
  slackClients?: Readonly<Record<string, WebClient>>;
  slackRevokerClient?: (token: string) => WebClient;
  /** Audit hook for every outbound request (origin, method, status; never a path or body). */
  onRequest?: (e: OutboundEvent) => void;
}

/** Every URL the act configuration names (the SSRF guard lets exactly these origins use http / a private IP literal). */
export function actConfiguredUrls(config: Pick<Config, 'act'>): string[] {
  const urls: string[] = [];
  for (const s of config.act.sinks) if (s.type !== 'slack') urls.push(s.url);
  for (const r of config.act.revokers) {
    if (r.type === 'github') urls.push(r.apiUrl);
    if (r.type === 'webhook') urls.push(r.url);
  }
  return urls;
}

export function createActDeps(o: CreateActDepsOptions): ActDeps & { signingKey?: () => Promise<SetSigningKey> } {
  const { config, env, store, logger } = o;
  const act = config.act;
  const fetch = createActFetch({
    configuredUrls: [...trustConfiguredUrls(expandTrustList(config.trust)), ...actConfiguredUrls(config)],
    allowCidrs: [...config.trust.allowPrivateCidrs, ...act.allowPrivateCidrs],
    onRequest: o.onRequest ?? ((e) => logger?.debug({ outbound: e }, 'act outbound request')),
  });

  let keyPromise: Promise<SetSigningKey> | undefined;
  const signingKey = act.ssf
    ? () => {
        const ssf = act.ssf!;
        keyPromise ??= loadSetSigningKey(ssf, { env, dataDir: o.dataDir ?? config.dataDir }).catch((e: unknown) => {
          keyPromise = undefined; // a later call may succeed (e.g. the data dir became writable)
          throw e;
        });
        return keyPromise;
      }
    : undefined;

  const sinks: AlertSink[] = act.sinks.map((s) =>
    createSink(s, { env, fetch, ...(act.ssf ? { ssf: act.ssf } : {}), ...(signingKey ? { signingKey } : {}), ...(o.slackClients ? { slackClients: o.slackClients } : {}) }),
  );
  sinks.push(...(o.extraSinks ?? []));
  const revokers = act.revokers.map((r) => createRevoker(r, { env, fetch, trust: config.trust, store, ...(o.slackRevokerClient ? { slackClient: o.slackRevokerClient } : {}) }));
  const remediators = act.remediation.map((r) => createRemediator(r, { sources: config.sources, env }));
  // A worker that stops renewing its lock is presumed dead after lockDuration; never take over sooner.
  const reclaim = Math.max(act.delivery.reclaimAfterMs, config.queue.lockDurationMs * 2);

  return {
    store,
    sinks,
    revokers,
    remediators,
    ...(logger ? { logger } : {}),
    ...(o.sealingKey ? { sealingKey: o.sealingKey } : {}),
    ...(o.now ? { now: o.now } : {}),
    policy: { routes: act.routes, revocation: act.revocation, approval: act.approval, remediation: act.remediation },
    dryRun: act.dryRun,
    // The queue (or inline runner) re-runs a failed act job `queue.attempts` times: no more can be used.
    maxAttempts: Math.min(act.delivery.maxAttempts, config.queue.attempts),
    reclaimPendingAfterMs: reclaim,
    revocationReclaimAfterMs: reclaim,
    ...(signingKey ? { signingKey } : {}),
  };
}
