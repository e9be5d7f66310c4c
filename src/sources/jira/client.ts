/**
 * The Jira Cloud REST v3 client of tokenradius: `jira.js` 5.x `Version3Client`, wrapped so that
 *
 * - search uses ONLY the current endpoint (`POST /rest/api/3/search/jql`, `nextPageToken`, explicit
 *   `fields`); the removed `/rest/api/3/search` (410 Gone) is never called;
 * - a 429 is NOT slept on inside a job: it becomes `UPSTREAM_RATE_LIMITED` with
 *   `retry: { afterMs: Retry-After }`, which the queue adapter turns into a paused queue;
 * - 5xx and network errors are retried a few times here (`retry`, small bounds), then surface as
 *   `UPSTREAM_UNAVAILABLE` (the job is retried later with its backoff);
 * - 401 / 403 are `UPSTREAM_AUTH_FAILED` (never retried: the credential or its permissions are wrong);
 * - nothing the library or Jira says reaches our errors or logs: axios errors carry the request
 *   (with the Basic credentials) and Jira's messages can quote issue text, so errors are rebuilt
 *   from the HTTP status alone.
 *
 * Every response is parsed with zod before use. Reused by the alerting stage (issue comments)
 * through `createJiraClient` + `toJiraError`.
 */
import { Version3Client } from 'jira.js';
import { z } from 'zod';
import { TokenradiusError, type ErrorCode, type RetryHint } from '../../core/errors.js';

export interface JiraClientOptions {
  /** Site URL without a trailing slash. */
  host: string;
  email: string;
  apiToken: string;
  timeoutMs?: number;
  retry?: { retries: number; minTimeoutMs: number; maxTimeoutMs: number };
  /** For error details (`source`). */
  sourceId?: string;
  /** Aborts back-off sleeps between retries. */
  signal?: AbortSignal;
}

export function createJiraClient(o: Pick<JiraClientOptions, 'host' | 'email' | 'apiToken' | 'timeoutMs'>): Version3Client {
  return new Version3Client({
    host: o.host,
    authentication: { basic: { email: o.email, apiToken: o.apiToken } },
    // No redirects: the Basic credentials must only ever go to the configured host.
    baseRequestConfig: { timeout: o.timeoutMs ?? 30_000, maxRedirects: 0 },
  });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

/** The HTTP status and response headers of whatever jira.js threw (HttpException or AxiosError), if any. */
function httpOf(e: unknown): { status?: number; headers: Obj; network?: string } {
  if (!isObj(e)) return { headers: {} };
  // HttpException keeps the AxiosError (with the response and its headers) as `cause`; a network
  // failure is thrown as the AxiosError itself, without a response.
  const cause = isObj(e.cause) ? e.cause : undefined;
  const axiosLike = e.isAxiosError === true ? e : cause?.isAxiosError === true ? cause : undefined;
  const response = axiosLike && isObj(axiosLike.response) ? axiosLike.response : undefined;
  const headers = response && isObj(response.headers) ? response.headers : {};
  if (response && typeof response.status === 'number') return { status: response.status, headers };
  if (axiosLike) {
    const code = typeof axiosLike.code === 'string' && /^[A-Z0-9_]{2,40}$/.test(axiosLike.code) ? axiosLike.code : 'NETWORK';
    return { headers, network: code };
  }
  if (typeof e.status === 'number') return { status: e.status, headers };
  return { headers, network: 'UNKNOWN' };
}

function header(headers: Obj, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

/** Retry-After in seconds or as an HTTP date → ms (at least 1 s; 60 s when absent or unreadable). */
export function retryAfterMs(value: string | undefined, nowMs = Date.now()): number {
  if (value !== undefined) {
    const s = Number(value.trim());
    if (Number.isFinite(s) && s >= 0) return Math.max(1000, Math.round(s * 1000));
    const at = Date.parse(value);
    if (Number.isFinite(at)) return Math.max(1000, at - nowMs);
  }
  return 60_000;
}

/** Turn anything a jira.js call threw into a catalogue error with a safe message. */
export function toJiraError(e: unknown, ctx: { op: string; sourceId?: string }): TokenradiusError {
  if (e instanceof TokenradiusError) return e;
  const details: Record<string, unknown> = { op: ctx.op, ...(ctx.sourceId ? { source: ctx.sourceId } : {}) };
  const who = `Jira ${ctx.op}${ctx.sourceId ? ` (source ${ctx.sourceId})` : ''}`;
  const make = (code: ErrorCode, message: string, retry?: RetryHint) => new TokenradiusError(code, message, { details, ...(retry ? { retry } : {}) });
  const { status, headers, network } = httpOf(e);
  if (status === undefined) {
    details.cause = network ?? 'unknown';
    return make('UPSTREAM_UNAVAILABLE', `${who} could not be reached (${String(details.cause)})`);
  }
  details.status = status;
  if (status === 429) {
    const afterMs = retryAfterMs(header(headers, 'retry-after'));
    details.retryAfterMs = afterMs;
    return make('UPSTREAM_RATE_LIMITED', `${who} is rate limited: retry after ${Math.ceil(afterMs / 1000)} s`, { afterMs });
  }
  if (status === 401) return make('UPSTREAM_AUTH_FAILED', `${who} rejected the credentials (HTTP 401): check the e-mail and API token in the environment`);
  if (status === 403) return make('UPSTREAM_AUTH_FAILED', `${who} was refused (HTTP 403): the user lacks a permission (Browse Projects) or the API token was revoked`);
  if (status === 404) return make('NOT_FOUND', `${who}: not found (HTTP 404)`);
  if (status === 410) return make('UPSTREAM_INVALID_RESPONSE', `${who}: the endpoint is gone (HTTP 410)`, 'never');
  if (status === 400) return make('CONFIG_INVALID', `${who} rejected the request (HTTP 400): check the source's jql and customFields`);
  if (status >= 500) return make('UPSTREAM_UNAVAILABLE', `${who} failed with HTTP ${status}`);
  return make('UPSTREAM_INVALID_RESPONSE', `${who} answered HTTP ${status}`, 'never');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Parse a response; an unexpected shape is UPSTREAM_INVALID_RESPONSE (retried later: Jira may be mid-deploy). */
export function parseJira<S extends z.ZodType>(schema: S, value: unknown, op: string, sourceId?: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `Jira ${op} answered with an unexpected shape`, {
      details: { op, ...(sourceId ? { source: sourceId } : {}), paths: r.error.issues.slice(0, 5).map((i) => i.path.join('.')) },
    });
  }
  return r.data;
}

// ---------------------------------------------------------------------------------------------
// Response shapes (only what tokenradius reads; everything else passes through)

export const MyselfSchema = z
  .object({
    accountId: z.string().optional().catch(undefined),
    timeZone: z.string().optional().catch(undefined),
  })
  .loose();

export const SearchPageSchema = z
  .object({
    issues: z.array(z.unknown()).default([]),
    nextPageToken: z.string().min(1).optional().catch(undefined),
    isLast: z.boolean().optional().catch(undefined),
  })
  .loose();
export type SearchPage = z.infer<typeof SearchPageSchema>;

export const CommentsPageSchema = z
  .object({
    comments: z.array(z.unknown()).default([]),
    startAt: z.number().int().optional().catch(undefined),
    maxResults: z.number().int().optional().catch(undefined),
    total: z.number().int().optional().catch(undefined),
  })
  .loose();
export type CommentsPage = z.infer<typeof CommentsPageSchema>;

/** The calls the Jira source makes, each retried and mapped as described above. */
export interface JiraApi {
  myself(): Promise<z.infer<typeof MyselfSchema>>;
  search(p: { jql: string; fields: string[]; maxResults: number; nextPageToken?: string; expand?: string }): Promise<SearchPage>;
  comments(issueIdOrKey: string, startAt: number, maxResults: number): Promise<CommentsPage>;
  /** One issue, or null when it does not exist (any more) or cannot be seen. */
  issue(issueIdOrKey: string, fields: string[], expand?: string): Promise<unknown>;
}

export function createJiraApi(o: JiraClientOptions): JiraApi {
  const client = createJiraClient(o);
  const retry = o.retry ?? { retries: 2, minTimeoutMs: 1000, maxTimeoutMs: 10_000 };

  async function call<T>(op: string, fn: () => Promise<unknown>, schema: z.ZodType<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return parseJira(schema, await fn(), op, o.sourceId);
      } catch (e) {
        const err = toJiraError(e, { op, ...(o.sourceId ? { sourceId: o.sourceId } : {}) });
        if (err.code !== 'UPSTREAM_UNAVAILABLE' || attempt >= retry.retries || o.signal?.aborted) throw err;
        const backoff = Math.min(retry.maxTimeoutMs, retry.minTimeoutMs * 2 ** attempt);
        await sleep(Math.round(backoff * (0.5 + Math.random() / 2)), o.signal);
      }
    }
  }

  return {
    myself: () => call('myself', () => client.myself.getCurrentUser(), MyselfSchema),
    search: (p) =>
      call(
        'search',
        () =>
          client.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
            jql: p.jql,
            fields: p.fields,
            maxResults: p.maxResults,
            ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}),
            ...(p.expand ? { expand: p.expand } : {}),
          }),
        SearchPageSchema,
      ),
    comments: (issueIdOrKey, startAt, maxResults) =>
      call('comments', () => client.issueComments.getComments({ issueIdOrKey, startAt, maxResults, orderBy: 'created' }), CommentsPageSchema),
    async issue(issueIdOrKey, fields, expand) {
      try {
        return await call('issue', () => client.issues.getIssue({ issueIdOrKey, fields, ...(expand ? { expand } : {}) }), z.unknown());
      } catch (e) {
        if (e instanceof TokenradiusError && e.code === 'NOT_FOUND') return null;
        throw e;
      }
    },
  };
}
