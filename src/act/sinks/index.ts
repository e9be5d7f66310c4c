/**
 * The sink registry: one `case` per sink type. To add a sink: write `sinks/<type>.ts` exporting a
 * `createXSink(config, deps): AlertSink` (contract in ../types.ts), add its config schema to
 * `SinkConfigSchema` in ../options.ts, and one `case` here.
 */
import type { WebClient } from '@slack/web-api';
import { TokenradiusError } from '../../core/errors.js';
import type { SafeFetch } from '../../core/net/types.js';
import type { SinkConfig, SsfOptions } from '../options.js';
import type { SetSigningKey } from '../set.js';
import type { AlertSink } from '../types.js';
import { createSlackSink } from './slack.js';
import { createSsfSink } from './ssf.js';
import { createWebhookSink } from './webhook.js';

export interface SinkDeps {
  env: Readonly<Record<string, string>>;
  fetch: SafeFetch;
  ssf?: SsfOptions;
  signingKey?: () => Promise<SetSigningKey>;
  /** Tests: a prebuilt Slack client per sink id. */
  slackClients?: Readonly<Record<string, WebClient>>;
}

export function createSink(cfg: SinkConfig, deps: SinkDeps): AlertSink {
  switch (cfg.type) {
    case 'slack': {
      const client = deps.slackClients?.[cfg.id];
      return createSlackSink(cfg, { env: deps.env, ...(client ? { client } : {}) });
    }
    case 'webhook':
      return createWebhookSink(cfg, { env: deps.env, fetch: deps.fetch });
    case 'ssf': {
      if (!deps.ssf || !deps.signingKey) throw new TokenradiusError('CONFIG_INVALID', `act sink ${cfg.id}: an ssf sink needs act.ssf (issuer and signing key)`);
      return createSsfSink(cfg, { env: deps.env, fetch: deps.fetch, ssf: deps.ssf, signingKey: deps.signingKey });
    }
  }
}

export { createSlackSink, createWebhookSink, createSsfSink };
