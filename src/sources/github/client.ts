/**
 * The GitHub REST client of tokenradius: `octokit`'s `Octokit` (retry, throttling and pagination
 * plugins) configured so that
 *
 * - a rate limit (primary: `x-ratelimit-remaining: 0`; secondary: 403/429 with `retry-after` or
 *   "secondary rate limit") is waited for inside the job at most once and only when it ends within
 *   `maxRateLimitWaitSeconds`; otherwise it becomes `UPSTREAM_RATE_LIMITED` with
 *   `retry: { afterMs }` (`retry-after`, else until `x-ratelimit-reset`, else 60 s) so the queue
 *   pauses and no worker sleeps for minutes;
 * - 5xx and network errors are retried a few times (plugin-retry, small bounds), then surface as
 *   `UPSTREAM_UNAVAILABLE` (the job is retried later with its backoff);
 * - 409 (an EMPTY repository: "Git Repository is empty") is never retried — the plugin would retry
 *   it for seconds — and comes back as `CONFLICT` for the caller to skip the repository;
 * - 401 is `UPSTREAM_AUTH_FAILED`; 403 without rate-limit signs is `FORBIDDEN` (the token lacks a
 *   permission for that resource), 404 `NOT_FOUND`: callers decide whether that skips one repository;
 * - nothing octokit or GitHub says reaches our errors or logs (a silent logger; errors rebuilt from
 *   the status and headers only).
 *
 * Reused by the alerting stage (commit / issue comments, `POST /credentials/revoke`) through
 * `createGithubClient` + `toGithubError`.
 */
import { Octokit, RequestError } from 'octokit';
import { TokenradiusError, type ErrorCode, type RetryHint } from '../../core/errors.js';

export interface GithubClientOptions {
  token?: string;
  /** REST base URL without a trailing slash. */
  baseUrl: string;
  timeoutMs?: number;
  retry?: { retries: number; minTimeoutMs: number };
  /** Longest rate-limit wait done inside the client (once); longer ones are thrown. */
  maxRateLimitWaitSeconds?: number;
  /** Aborts requests in flight when the run stops. */
  signal?: AbortSignal;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Statuses plugin-retry must not retry: client errors, rate limits (the throttle decides), empty repositories. */
const DO_NOT_RETRY = [400, 401, 403, 404, 409, 410, 422, 429, 451];

export function createGithubClient(o: GithubClientOptions): Octokit {
  const maxWait = o.maxRateLimitWaitSeconds ?? 5;
  const timeoutMs = o.timeoutMs ?? 30_000;
  const retry = o.retry ?? { retries: 2, minTimeoutMs: 1000 };
  // Wait for a rate limit in the client only once, and only a short one.
  const onLimit = (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number): boolean => retryCount < 1 && retryAfter <= maxWait;
  const timedFetch: typeof fetch = (input, init) => {
    const signals = [AbortSignal.timeout(timeoutMs), ...(init?.signal ? [init.signal] : []), ...(o.signal ? [o.signal] : [])];
    return fetch(input, { ...init, signal: AbortSignal.any(signals) });
  };
  return new Octokit({
    ...(o.token ? { auth: o.token } : {}),
    baseUrl: o.baseUrl,
    userAgent: 'tokenradius',
    log: silent,
    request: { fetch: timedFetch },
    retry: { retries: retry.retries, retryAfterBaseValue: retry.minTimeoutMs, doNotRetry: DO_NOT_RETRY },
    throttle: { onRateLimit: onLimit, onSecondaryRateLimit: onLimit, fallbackSecondaryRateRetryAfter: 60 },
  });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

function headerOf(headers: unknown, name: string): string | undefined {
  if (!isObj(headers)) return undefined;
  const v = headers[name];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/**
 * How long GitHub asked us to wait, per its documentation: `retry-after` (seconds); else, with
 * `x-ratelimit-remaining: 0`, until `x-ratelimit-reset` (epoch seconds); else at least a minute.
 */
export function githubWaitMs(headers: unknown, nowMs = Date.now()): number {
  const after = Number(headerOf(headers, 'retry-after'));
  if (Number.isFinite(after) && after >= 0 && headerOf(headers, 'retry-after') !== undefined) return Math.max(1000, Math.round(after * 1000));
  const reset = Number(headerOf(headers, 'x-ratelimit-reset'));
  if (headerOf(headers, 'x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) return Math.max(1000, reset * 1000 - nowMs + 1000);
  return 60_000;
}

function isRateLimited(status: number, headers: unknown, message: string): boolean {
  if (status === 429) return true;
  if (status !== 403) return false;
  return headerOf(headers, 'retry-after') !== undefined || headerOf(headers, 'x-ratelimit-remaining') === '0' || /rate limit/i.test(message);
}

/** Turn anything an octokit call threw into a catalogue error with a safe message. */
export function toGithubError(e: unknown, ctx: { op: string; sourceId?: string; repo?: string }): TokenradiusError {
  if (e instanceof TokenradiusError) return e;
  const details: Record<string, unknown> = { op: ctx.op, ...(ctx.sourceId ? { source: ctx.sourceId } : {}), ...(ctx.repo ? { repo: ctx.repo } : {}) };
  const who = `GitHub ${ctx.op}${ctx.repo ? ` ${ctx.repo}` : ''}${ctx.sourceId ? ` (source ${ctx.sourceId})` : ''}`;
  const make = (code: ErrorCode, message: string, retry?: RetryHint) => new TokenradiusError(code, message, { details, ...(retry ? { retry } : {}) });
  const status = e instanceof RequestError ? e.status : isObj(e) && typeof e.status === 'number' ? e.status : undefined;
  const headers = e instanceof RequestError ? e.response?.headers : undefined;
  // GitHub's own message, matched against known phrases only — never echoed.
  const ghMessage = e instanceof RequestError && isObj(e.response?.data) && typeof (e.response.data as Obj).message === 'string' ? ((e.response.data as Obj).message as string) : '';
  if (status === undefined || (e instanceof RequestError && !e.response)) {
    const cause = isObj(e) && isObj(e.cause) && typeof e.cause.name === 'string' ? e.cause.name : isObj(e) && typeof e.name === 'string' ? e.name : 'Error';
    details.cause = /^[A-Za-z0-9_]{1,40}$/.test(cause) ? cause : 'Error';
    return make('UPSTREAM_UNAVAILABLE', `${who} could not be reached (${String(details.cause)})`);
  }
  details.status = status;
  if (isRateLimited(status, headers, ghMessage)) {
    const afterMs = githubWaitMs(headers);
    details.retryAfterMs = afterMs;
    details.limit = /secondary/i.test(ghMessage) || headerOf(headers, 'x-ratelimit-remaining') !== '0' ? 'secondary' : 'primary';
    return make('UPSTREAM_RATE_LIMITED', `${who} is rate limited (${String(details.limit)}): retry after ${Math.ceil(afterMs / 1000)} s`, { afterMs });
  }
  if (status === 401) return make('UPSTREAM_AUTH_FAILED', `${who} rejected the token (HTTP 401): create a new token and set it in the environment`);
  if (status === 403) return make('FORBIDDEN', `${who} was refused (HTTP 403): the token lacks a permission for it`);
  if (status === 404) return make('NOT_FOUND', `${who}: not found (HTTP 404), or not visible to the token`);
  if (status === 409) {
    details.empty = /empty/i.test(ghMessage);
    return make('CONFLICT', `${who}: ${details.empty ? 'the repository is empty' : 'conflict'} (HTTP 409)`);
  }
  if (status >= 500) return make('UPSTREAM_UNAVAILABLE', `${who} failed with HTTP ${status}`);
  return make('UPSTREAM_INVALID_RESPONSE', `${who} answered HTTP ${status}`, 'never');
}
