/**
 * The revoker registry: one `case` per revoker type. To add a revoker: write
 * `revokers/<type>.ts` exporting `createXRevoker(config, deps): Revoker` (contract in ../types.ts:
 * `supports` offline, `revoke` with the unsealed token, optional `check` for re-runs), add its
 * config schema to `RevokerConfigSchema` in ../options.ts, and one `case` here.
 */
import type { WebClient } from '@slack/web-api';
import type { SafeFetch } from '../../core/net/types.js';
import type { TrustOptions } from '../../score/liveness/options.js';
import type { FindingStore } from '../../store/types.js';
import type { RevokerConfig } from '../options.js';
import type { Revoker } from '../types.js';
import { createGithubRevoker, createHourlyBudget } from './github.js';
import { createRfc7009Revoker } from './rfc7009.js';
import { createSlackRevoker } from './slack.js';
import { createWebhookRevoker } from './webhook.js';

export interface RevokerDeps {
  env: Readonly<Record<string, string>>;
  fetch: SafeFetch;
  trust: TrustOptions;
  /** For the GitHub revoker's hourly budget (shared across workers). */
  store?: Pick<FindingStore, 'rememberDelivery'>;
  /** Tests: Slack client factory for the Slack revoker. */
  slackClient?: (token: string) => WebClient;
}

export function createRevoker(cfg: RevokerConfig, deps: RevokerDeps): Revoker {
  switch (cfg.type) {
    case 'rfc7009':
      return createRfc7009Revoker(cfg, { trust: deps.trust, env: deps.env, fetch: deps.fetch });
    case 'slack':
      return createSlackRevoker(cfg, deps.slackClient ? { client: deps.slackClient } : {});
    case 'github':
      return createGithubRevoker(cfg, { fetch: deps.fetch, ...(deps.store ? { budget: createHourlyBudget(deps.store, `github-revoke-${cfg.id}`, cfg.hourlyBudget) } : {}) });
    case 'webhook':
      return createWebhookRevoker(cfg, { env: deps.env, fetch: deps.fetch });
  }
}

export { createRfc7009Revoker, createSlackRevoker, createGithubRevoker, createWebhookRevoker, createHourlyBudget };
