/**
 * Slack token revocation: `auth.revoke`, authenticated WITH THE LEAKED TOKEN (Slack offers no
 * other way; configuring this revoker is that policy decision), then `auth.test` with it to
 * confirm it no longer works. Dry run: `auth.revoke` with `test=1` (Slack checks the token and
 * revokes nothing).
 *
 * `invalid_auth`, `token_revoked`, `not_authed`, `account_inactive` from `auth.revoke` mean the
 * token already does not work ⇒ `already-invalid`, which is also what a re-run after an
 * interrupted attempt finds (`check` = `auth.test`).
 */
import { z } from 'zod';
import type { WebClient } from '@slack/web-api';
import { TokenradiusError } from '../../core/errors.js';
import { AuthTestSchema, callSlack, createSlackWebClient } from '../../sources/slack/client.js';
import type { StoredFinding } from '../../store/types.js';
import type { RevokerConfig } from '../options.js';
import type { RevocationResult, Revoker } from '../types.js';

type SlackRevokerConfig = Extract<RevokerConfig, { type: 'slack' }>;

/** Token families `auth.revoke` accepts (bot, user, legacy, rotating access tokens). */
export const SLACK_REVOCABLE_RULES: ReadonlySet<string> = new Set(['slack-bot-token', 'slack-user-token', 'slack-legacy-token', 'slack-rotating-token']);
const GONE = new Set(['invalid_auth', 'token_revoked', 'not_authed', 'account_inactive', 'token_expired']);

const RevokeSchema = z.object({ ok: z.literal(true), revoked: z.boolean().optional().catch(undefined) }).loose();

export interface SlackRevokerDeps {
  /** Tests may inject a client factory; default: the connector's WebClient on `apiUrl`. */
  client?: (token: string) => WebClient;
}

function slackCode(e: unknown): string | undefined {
  if (e instanceof TokenradiusError && typeof e.details.slackError === 'string') return e.details.slackError;
  return undefined;
}

export function createSlackRevoker(cfg: SlackRevokerConfig, deps: SlackRevokerDeps = {}): Revoker {
  const clientFor = deps.client ?? ((token: string) => createSlackWebClient({ token, apiUrl: cfg.apiUrl, timeoutMs: cfg.timeoutMs, retry: { retries: 0, minTimeoutMs: 100, maxTimeoutMs: 100 } }));

  async function stillWorks(client: WebClient): Promise<boolean | undefined> {
    try {
      await callSlack(client, 'auth.test', {}, AuthTestSchema);
      return true;
    } catch (e) {
      const code = slackCode(e);
      if (code && GONE.has(code)) return false;
      return undefined;
    }
  }

  return {
    id: cfg.id,
    type: 'slack',
    supports: (f: StoredFinding) => SLACK_REVOCABLE_RULES.has(f.rule),
    async revoke(secret, _f, o): Promise<RevocationResult> {
      const client = clientFor(secret);
      let res: z.infer<typeof RevokeSchema>;
      try {
        res = await callSlack(client, 'auth.revoke', o.dryRun ? { test: true } : {}, RevokeSchema);
      } catch (e) {
        const code = slackCode(e);
        if (code && GONE.has(code)) return { outcome: 'already-invalid', confirmed: true, reason: `Slack says the token no longer works (${code})`, details: { slackError: code } };
        throw e;
      }
      if (o.dryRun) return { outcome: 'dry-run', reason: 'dry run: Slack accepted a test revocation (auth.revoke test=1); nothing was revoked' };
      if (res.revoked !== true) return { outcome: 'failed', reason: 'Slack answered auth.revoke without revoking the token' };
      const works = await stillWorks(client);
      if (works === false) return { outcome: 'revoked', confirmed: true, reason: 'revoked with auth.revoke; auth.test now fails' };
      if (works === true) return { outcome: 'failed', reason: 'auth.revoke reported success but auth.test still accepts the token' };
      return { outcome: 'revoked', confirmed: true, reason: 'revoked with auth.revoke (revoked: true); the auth.test confirmation could not be made' };
    },
    async check(secret) {
      const works = await stillWorks(clientFor(secret));
      return works === undefined ? 'unknown' : works ? 'valid' : 'invalid';
    },
  };
}
