/**
 * GitHub credential revocation: `POST {apiUrl}credentials/revoke` with `{"credentials": [...]}`
 * (unauthenticated on github.com; GitHub revokes the valid ones and notifies their owners; 202).
 *
 * - Batching window: tokens arriving within `batchWindowMs` in this process go out in one request
 *   (at most `maxBatch`, GitHub's limit is 1000). Every waiting `revoke` call gets the batch's answer.
 * - Budget: GitHub allows 60 such requests per hour. Each request first reserves a slot of
 *   `hourlyBudget` for the current hour in the store (shared by every worker); when none is left the
 *   batch fails with UPSTREAM_RATE_LIMITED and `retry.afterMs` = until the next hour, which pauses
 *   the act queue (BullMQ rate limit) instead of spending attempts. GitHub's own 403/429 answers
 *   map the same way (`retry-after`, `x-ratelimit-reset`).
 * - 422 (validation failed or spam) ⇒ failed, not retried. Re-submitting a revoked token is
 *   harmless, so an interrupted attempt is simply submitted again.
 */
import { TokenradiusError } from '../../core/errors.js';
import type { SafeFetch } from '../../core/net/types.js';
import { githubWaitMs } from '../../sources/github/client.js';
import type { FindingStore, StoredFinding } from '../../store/types.js';
import { originOf } from '../http.js';
import type { RevokerConfig } from '../options.js';
import type { RevocationResult, Revoker } from '../types.js';

type GithubRevokerConfig = Extract<RevokerConfig, { type: 'github' }>;

/** Token families `POST /credentials/revoke` accepts (ghp_, github_pat_, gho_, ghu_, ghr_). */
export const GITHUB_REVOCABLE_RULES: ReadonlySet<string> = new Set([
  'github-classic-pat',
  'github-fine-grained-pat',
  'github-oauth-token',
  'github-user-to-server-token',
  'github-refresh-token',
]);

const HOUR_MS = 3_600_000;

export interface HourlyBudget {
  /** Take one request of the current hour's budget; `false` when it is spent. */
  reserve(): Promise<boolean>;
  /** ms until the next hour starts. */
  msUntilNextWindow(): number;
}

/** An hourly request budget shared by every process through the store's delivery-id table. */
export function createHourlyBudget(store: Pick<FindingStore, 'rememberDelivery'>, name: string, limit: number, now: () => number = Date.now): HourlyBudget {
  let hint = { hour: -1, slot: 1 };
  return {
    async reserve() {
      const hour = Math.floor(now() / HOUR_MS);
      if (hint.hour !== hour) hint = { hour, slot: 1 };
      for (let slot = hint.slot; slot <= limit; slot++) {
        if (await store.rememberDelivery('act-budget', `${name}-${hour}-${slot}`, 2 * 3600)) {
          hint.slot = slot + 1;
          return true;
        }
      }
      hint.slot = limit + 1;
      return false;
    },
    msUntilNextWindow: () => HOUR_MS - (now() % HOUR_MS) + 1000,
  };
}

interface Waiter {
  token: string;
  resolve(r: RevocationResult): void;
  reject(e: unknown): void;
}

export interface GithubRevokerDeps {
  fetch: SafeFetch;
  budget?: HourlyBudget;
}

export function createGithubRevoker(cfg: GithubRevokerConfig, deps: GithubRevokerDeps): Revoker {
  const url = `${cfg.apiUrl}credentials/revoke`;
  const origin = originOf(url);
  let pending: Waiter[] = [];
  let timer: NodeJS.Timeout | undefined;

  async function send(batch: Waiter[]): Promise<RevocationResult> {
    if (deps.budget && !(await deps.budget.reserve())) {
      const afterMs = deps.budget.msUntilNextWindow();
      throw new TokenradiusError('UPSTREAM_RATE_LIMITED', `GitHub credential revocation budget (${cfg.hourlyBudget}/hour) is spent; retrying in ${Math.ceil(afterMs / 60_000)} min`, {
        details: { origin },
        retry: { afterMs },
      });
    }
    const credentials = [...new Set(batch.map((w) => w.token))];
    const res = await deps.fetch(url, {
      method: 'POST',
      headers: { accept: 'application/vnd.github+json', 'content-type': 'application/json', 'x-github-api-version': '2022-11-28' },
      body: JSON.stringify({ credentials }),
      timeoutMs: cfg.timeoutMs,
    });
    const details = { origin, status: res.status, batchSize: credentials.length };
    if (res.status === 202 || res.status === 200) {
      return { outcome: 'revoked', confirmed: true, reason: `GitHub accepted the revocation (HTTP ${res.status}, batch of ${credentials.length}); it revokes valid tokens and notifies their owners`, details };
    }
    if (res.status === 403 || res.status === 429) {
      const afterMs = githubWaitMs(res.headers);
      throw new TokenradiusError('UPSTREAM_RATE_LIMITED', `GitHub rate-limited credential revocation (HTTP ${res.status})`, { details, retry: { afterMs } });
    }
    if (res.status === 422) return { outcome: 'failed', reason: 'GitHub refused the batch (HTTP 422: validation failed or flagged as spam)', details };
    return { outcome: 'failed', reason: `GitHub answered credential revocation with HTTP ${res.status}`, details };
  }

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    send(batch).then(
      (r) => batch.forEach((w) => w.resolve(r)),
      (e: unknown) => batch.forEach((w) => w.reject(e)),
    );
  }

  return {
    id: cfg.id,
    type: 'github',
    supports: (f: StoredFinding) => GITHUB_REVOCABLE_RULES.has(f.rule),
    revoke(secret, _f, o) {
      if (o.dryRun) return Promise.resolve({ outcome: 'dry-run', reason: `dry run: would submit the token to ${origin} /credentials/revoke` });
      return new Promise<RevocationResult>((resolve, reject) => {
        pending.push({ token: secret, resolve, reject });
        if (pending.length >= cfg.maxBatch || cfg.batchWindowMs === 0) flush();
        else timer ??= setTimeout(flush, cfg.batchWindowMs);
      });
    },
  };
}
