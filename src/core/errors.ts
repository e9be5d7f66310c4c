/**
 * The one catalogue of tokenradius error codes. A code is stable forever (users grep for it) and
 * carries, as data, how a failure of that kind behaves when it happens inside a job:
 *
 * - `never`      – retrying cannot help (bad input, bad config): fail the job at once.
 * - `later`      – transient (network, 5xx, database restarting): retry with exponential backoff.
 * - `{ afterMs }` – the upstream told us when (HTTP 429 Retry-After): pause that queue that long.
 *
 * Only `src/queue/` translates these into BullMQ's UnrecoverableError / RateLimitError.
 *
 * Messages never contain a found token. Third-party libraries do put tokens in their messages
 * (a JWT library's "invalid token: <token>"), so wrap their errors with `wrapError`, which keeps
 * the class name of the cause but not its message unless the caller vouches it is safe.
 */

export type RetryHint = 'never' | 'later' | { afterMs: number };

export const ERROR_CATALOGUE = {
  // configuration and usage
  CONFIG_INVALID: { retry: 'never', exitCode: 2, summary: 'configuration is invalid' },
  CONFIG_ENV_MISSING: { retry: 'never', exitCode: 2, summary: 'an environment variable named in the configuration is not set' },
  USAGE: { retry: 'never', exitCode: 2, summary: 'the command line is invalid' },
  // input
  INPUT_NOT_FOUND: { retry: 'never', exitCode: 2, summary: 'a target to scan does not exist' },
  INPUT_UNREADABLE: { retry: 'never', exitCode: 2, summary: 'a target could not be read' },
  INPUT_MALFORMED: { retry: 'never', exitCode: 2, summary: 'input is malformed' },
  INPUT_TOO_LARGE: { retry: 'never', exitCode: 2, summary: 'input exceeds a configured limit' },
  OUTPUT_UNWRITABLE: { retry: 'never', exitCode: 2, summary: 'a report or output file could not be written' },
  ARCHIVE_UNSAFE: { retry: 'never', exitCode: 2, summary: 'an archive entry is unsafe (path traversal, compression ratio)' },
  JWT_MALFORMED: { retry: 'never', exitCode: 2, summary: 'not a decodable JWT' },
  PAYLOAD_INVALID: { retry: 'never', exitCode: 2, summary: 'a job or request payload failed validation' },
  // crypto
  SEAL_KEY_INVALID: { retry: 'never', exitCode: 2, summary: 'the sealing key is missing or not 32 bytes' },
  SEAL_OPEN_FAILED: { retry: 'never', exitCode: 2, summary: 'a sealed value could not be opened (wrong key or tampered)' },
  // webhooks and API
  SIGNATURE_INVALID: { retry: 'never', exitCode: 2, summary: 'a request signature is missing, invalid or stale' },
  UNAUTHENTICATED: { retry: 'never', exitCode: 2, summary: 'authentication required' },
  FORBIDDEN: { retry: 'never', exitCode: 2, summary: 'the role does not allow this' },
  NOT_FOUND: { retry: 'never', exitCode: 2, summary: 'no such resource' },
  CONFLICT: { retry: 'never', exitCode: 2, summary: 'the resource is in a state that does not allow this' },
  // upstreams
  UPSTREAM_RATE_LIMITED: { retry: 'later', exitCode: 2, summary: 'an upstream API rate-limited us' },
  UPSTREAM_UNAVAILABLE: { retry: 'later', exitCode: 2, summary: 'an upstream API failed or is unreachable' },
  UPSTREAM_AUTH_FAILED: { retry: 'never', exitCode: 2, summary: 'an upstream API rejected our credentials' },
  UPSTREAM_INVALID_RESPONSE: { retry: 'later', exitCode: 2, summary: 'an upstream API answered with something unexpected' },
  UPSTREAM_BLOCKED: { retry: 'never', exitCode: 2, summary: 'an outbound address is not allowed (SSRF guard)' },
  // storage and queue
  STORE_UNAVAILABLE: { retry: 'later', exitCode: 2, summary: 'the findings store is unavailable' },
  STORE_READ_ONLY: { retry: 'never', exitCode: 2, summary: 'the data directory is not writable or full' },
  QUEUE_UNAVAILABLE: { retry: 'later', exitCode: 2, summary: 'the queue (Redis) is unavailable' },
  // everything else
  INTERNAL: { retry: 'later', exitCode: 2, summary: 'internal error' },
} as const satisfies Record<string, { retry: RetryHint; exitCode: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class TokenradiusError extends Error {
  override readonly name = 'TokenradiusError';
  readonly code: ErrorCode;
  readonly retry: RetryHint;
  /** Safe, structured context (never a token): path, status, source id. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: Record<string, unknown>; retry?: RetryHint; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retry = opts.retry ?? ERROR_CATALOGUE[code].retry;
    this.details = Object.freeze({ ...(opts.details ?? {}) });
  }

  get exitCode(): number {
    return ERROR_CATALOGUE[this.code].exitCode;
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: { ...this.details } };
  }
}

export function isTokenradiusError(e: unknown): e is TokenradiusError {
  return e instanceof TokenradiusError;
}

/**
 * Wrap an error thrown by code we do not control. The cause's message is dropped (it may quote the
 * token it failed on); only its class name and, for Node system errors, its `code` survive.
 */
export function wrapError(code: ErrorCode, message: string, cause: unknown, details: Record<string, unknown> = {}): TokenradiusError {
  if (cause instanceof TokenradiusError) return cause;
  const safe: Record<string, unknown> = { ...details };
  if (cause instanceof Error) {
    safe.cause = cause.name;
    const sysCode = (cause as NodeJS.ErrnoException).code;
    if (typeof sysCode === 'string' && /^[A-Z0-9_]{2,40}$/.test(sysCode)) safe.causeCode = sysCode;
  }
  return new TokenradiusError(code, message, { details: safe });
}

/** A one-line description for logs and CLI errors that never includes a third-party message. */
export function describeError(e: unknown): string {
  if (e instanceof TokenradiusError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return `INTERNAL: unexpected ${e.name}`;
  return 'INTERNAL: unexpected non-error thrown';
}
