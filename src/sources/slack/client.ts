/**
 * The Slack Web API client of tokenradius: `@slack/web-api`'s `WebClient`, configured so that
 *
 * - a 429 is NOT slept on inside a job: `rejectRateLimitedCalls` makes the client throw at once and
 *   `toSlackError` turns it into `UPSTREAM_RATE_LIMITED` with `retry: { afterMs: Retry-After }`,
 *   which the queue adapter turns into a paused queue (BullMQ `rateLimit`) — nobody waits in a job;
 * - 5xx and network errors are retried a few times in the client (`retry`, small bounds), then
 *   surface as `UPSTREAM_UNAVAILABLE` (retry later, with the job's backoff);
 * - bad credentials (`invalid_auth`, `not_authed`, `account_inactive`, `token_revoked`…) are
 *   `UPSTREAM_AUTH_FAILED` (never retried), missing scopes too (naming the scope);
 * - nothing the library says reaches our logs or errors (its messages can quote request data): it
 *   gets a silent logger, and errors are rebuilt from their class and Slack's short error code.
 *
 * Every response is parsed with zod before use. Reused by the alerting stage (chat.postMessage,
 * auth.revoke) through `createSlackWebClient` + `toSlackError`.
 */
import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  type Logger as SlackLogger,
} from '@slack/web-api';
import { z } from 'zod';
import { TokenradiusError, type ErrorCode } from '../../core/errors.js';
import { SlackConversationSchema } from '../slack-common/exposure.js';

export interface SlackClientOptions {
  token: string;
  /** Web API base URL ending with `/` (`https://slack.com/api/`, or a proxy / test server). */
  apiUrl: string;
  timeoutMs?: number;
  retry?: { retries: number; minTimeoutMs: number; maxTimeoutMs: number };
  /** For error details (`source`). */
  sourceId?: string;
}

/** The library may log request bodies at debug level and error text at warn: say nothing. */
const silent: SlackLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

export function createSlackWebClient(o: SlackClientOptions): WebClient {
  const retry = o.retry ?? { retries: 2, minTimeoutMs: 1000, maxTimeoutMs: 10_000 };
  return new WebClient(o.token, {
    slackApiUrl: o.apiUrl,
    logger: silent,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: retry.retries, factor: 2, minTimeout: retry.minTimeoutMs, maxTimeout: retry.maxTimeoutMs, randomize: true },
    timeout: o.timeoutMs ?? 30_000,
    maxRequestConcurrency: 4,
    // Method names only: an absolute URL must never redirect the token elsewhere.
    allowAbsoluteUrls: false,
  });
}

/** Slack error codes that mean the credential itself is bad (the source cannot work until fixed). */
export const SLACK_AUTH_ERRORS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'ekm_access_denied',
  'org_login_required',
  'team_access_not_granted',
  'not_allowed_token_type',
  'two_factor_setup_required',
]);

/** Transient failures Slack reports inside a 200 response. */
const SLACK_TRANSIENT_ERRORS: ReadonlySet<string> = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

/** Slack's error codes are short snake_case words; anything else is not echoed. */
function safeCode(v: unknown): string | undefined {
  return typeof v === 'string' && /^[a-z0-9_.]{1,64}$/.test(v) ? v : undefined;
}

const scopeList = (v: unknown): string | undefined => (typeof v === 'string' && /^[a-z:.,_]{1,300}$/.test(v) ? v : undefined);

/**
 * Turn anything the WebClient threw into a catalogue error with a safe message:
 * `details.slackError` is Slack's error code, `details.method` the method called.
 */
export function toSlackError(e: unknown, ctx: { method: string; sourceId?: string }): TokenradiusError {
  if (e instanceof TokenradiusError) return e;
  const details: Record<string, unknown> = { method: ctx.method, ...(ctx.sourceId ? { source: ctx.sourceId } : {}) };
  const who = `Slack ${ctx.method}${ctx.sourceId ? ` (source ${ctx.sourceId})` : ''}`;
  const make = (code: ErrorCode, message: string, retry?: TokenradiusError['retry']) =>
    new TokenradiusError(code, message, { details, ...(retry ? { retry } : {}) });

  if (e instanceof WebAPIRateLimitedError) {
    const afterMs = Math.max(1000, Math.round((Number.isFinite(e.retryAfter) ? e.retryAfter : 60) * 1000));
    details.retryAfterMs = afterMs;
    return make('UPSTREAM_RATE_LIMITED', `${who} is rate limited: retry after ${Math.ceil(afterMs / 1000)} s`, { afterMs });
  }
  if (e instanceof WebAPIPlatformError) {
    const code = safeCode((e.data as { error?: unknown }).error) ?? 'unknown_error';
    details.slackError = code;
    if (SLACK_AUTH_ERRORS.has(code)) return make('UPSTREAM_AUTH_FAILED', `${who} rejected the token (${code}): create a new token and set it in the environment`);
    if (code === 'missing_scope') {
      const needed = scopeList((e.data as { needed?: unknown }).needed);
      if (needed) details.needed = needed;
      return make('UPSTREAM_AUTH_FAILED', `${who}: the token lacks a scope (missing_scope${needed ? `, needs ${needed}` : ''}); add it to the Slack app and reinstall`);
    }
    if (code === 'ratelimited') {
      const sec = Number((e.data as { response_metadata?: { retryAfter?: unknown } }).response_metadata?.retryAfter ?? 60);
      const afterMs = Math.max(1000, (Number.isFinite(sec) ? sec : 60) * 1000);
      details.retryAfterMs = afterMs;
      return make('UPSTREAM_RATE_LIMITED', `${who} is rate limited: retry after ${Math.ceil(afterMs / 1000)} s`, { afterMs });
    }
    if (SLACK_TRANSIENT_ERRORS.has(code)) return make('UPSTREAM_UNAVAILABLE', `${who} failed (${code})`);
    return make('UPSTREAM_INVALID_RESPONSE', `${who} answered with error ${code}`, 'never');
  }
  if (e instanceof WebAPIHTTPError) {
    details.status = e.statusCode;
    if (e.statusCode >= 500) return make('UPSTREAM_UNAVAILABLE', `${who} failed with HTTP ${e.statusCode} (after retries)`);
    if (e.statusCode === 401 || e.statusCode === 403) return make('UPSTREAM_AUTH_FAILED', `${who} refused the request (HTTP ${e.statusCode})`);
    return make('UPSTREAM_INVALID_RESPONSE', `${who} answered HTTP ${e.statusCode}`);
  }
  if (e instanceof WebAPIRequestError) {
    const cause = (e.original as NodeJS.ErrnoException | undefined)?.code ?? (e.original as Error | undefined)?.name;
    if (typeof cause === 'string' && /^[A-Za-z0-9_]{2,40}$/.test(cause)) details.cause = cause;
    return make('UPSTREAM_UNAVAILABLE', `${who} could not be reached${typeof details.cause === 'string' ? ` (${details.cause})` : ''}`);
  }
  if (e instanceof Error) details.cause = e.name;
  return make('UPSTREAM_UNAVAILABLE', `${who} failed unexpectedly`);
}

// ---------------------------------------------------------------------------------------------
// Response shapes (only what tokenradius reads; everything else passes through)

const Meta = z.object({ next_cursor: z.string().optional().catch(undefined) }).loose().optional().catch(undefined);

export const AuthTestSchema = z
  .object({
    ok: z.literal(true),
    url: z.string().optional().catch(undefined),
    team: z.string().optional().catch(undefined),
    team_id: z.string().optional().catch(undefined),
    user_id: z.string().optional().catch(undefined),
    bot_id: z.string().optional().catch(undefined),
  })
  .loose();
export type AuthTest = z.infer<typeof AuthTestSchema>;

export const ConversationsListSchema = z
  .object({ ok: z.literal(true), channels: z.array(z.unknown()), response_metadata: Meta })
  .loose();

/** Message fields the walker reads (text extraction takes the whole object). */
export const MessageMetaSchema = z
  .object({
    ts: z.string(),
    thread_ts: z.string().optional().catch(undefined),
    reply_count: z.number().optional().catch(undefined),
    latest_reply: z.string().optional().catch(undefined),
    subtype: z.string().optional().catch(undefined),
    edited: z.object({ ts: z.string().optional().catch(undefined) }).loose().optional().catch(undefined),
  })
  .loose();
export type MessageMeta = z.infer<typeof MessageMetaSchema>;

export const MessagesPageSchema = z
  .object({
    ok: z.literal(true),
    messages: z.array(z.unknown()).default([]),
    has_more: z.boolean().optional().catch(undefined),
    response_metadata: Meta,
  })
  .loose();
export type MessagesPage = z.infer<typeof MessagesPageSchema>;

export const FileInfoSchema = z.object({ ok: z.literal(true), file: z.record(z.string(), z.unknown()) }).loose();

export { SlackConversationSchema };

/** Parse a response; an unexpected shape is UPSTREAM_INVALID_RESPONSE (retried later: Slack may be mid-deploy). */
export function parseSlack<S extends z.ZodType>(schema: S, value: unknown, method: string, sourceId?: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `Slack ${method} answered with an unexpected shape`, {
      details: { method, ...(sourceId ? { source: sourceId } : {}), paths: r.error.issues.slice(0, 5).map((i) => i.path.join('.')) },
    });
  }
  return r.data;
}

/** Call one Web API method: typed arguments out, zod-checked result in, catalogue errors only. */
export async function callSlack<S extends z.ZodType>(
  client: WebClient,
  method: string,
  args: Record<string, unknown>,
  schema: S,
  sourceId?: string,
): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await client.apiCall(method, args);
  } catch (e) {
    throw toSlackError(e, { method, ...(sourceId ? { sourceId } : {}) });
  }
  return parseSlack(schema, raw, method, sourceId);
}
