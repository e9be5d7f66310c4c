/**
 * Driver errors → catalogue errors. A driver's message may quote the values of the statement
 * (`Key (fingerprint)=(…) already exists`), so it is never surfaced: only the SQLSTATE, the
 * errno-style code and the operation name survive.
 */
import { TokenradiusError, wrapError } from '../core/errors.js';

const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
const READ_ONLY_ERRNO = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT']);

/** SQLSTATEs of a server that is going away, overloaded, or cancelled us: try again later. */
function transientSqlState(s: string): boolean {
  return (
    s.startsWith('08') || // connection exception
    s === '57P01' || // admin_shutdown (pg_terminate_backend, restart)
    s === '57P02' || // crash_shutdown
    s === '57P03' || // cannot_connect_now (starting up)
    s === '57014' || // query_canceled (statement_timeout)
    s === '53300' || // too_many_connections
    s === '53200' || // out_of_memory
    s === '40001' || // serialization_failure
    s === '40P01' || // deadlock_detected
    s === '55P03' // lock_not_available
  );
}

const UNAVAILABLE_MESSAGE = /Connection terminated|connection error|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client was closed|is closed|not queryable/i;
const READ_ONLY_MESSAGE = /No space left on device|Read-only file system|Permission denied|disk quota/i;

export function classifyDbError(e: unknown): 'unavailable' | 'read-only' | 'invalid' | 'unknown' {
  if (!(e instanceof Error)) return 'unknown';
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code) && !UNAVAILABLE_ERRNO.has(code) && !READ_ONLY_ERRNO.has(code)) {
      if (code === '53100' || code === '25006') return 'read-only'; // disk_full, read_only_sql_transaction
      if (transientSqlState(code)) return 'unavailable';
      if (code.startsWith('22')) return 'invalid'; // data exception
      if (code === '58030' || code === '58P01') return READ_ONLY_MESSAGE.test(e.message) ? 'read-only' : 'unknown'; // io_error
    }
    if (UNAVAILABLE_ERRNO.has(code)) return 'unavailable';
    if (READ_ONLY_ERRNO.has(code)) return 'read-only';
  }
  if (READ_ONLY_MESSAGE.test(e.message)) return 'read-only';
  if (UNAVAILABLE_MESSAGE.test(e.message)) return 'unavailable';
  return 'unknown';
}

function sqlState(e: unknown): string | undefined {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !UNAVAILABLE_ERRNO.has(code) && !READ_ONLY_ERRNO.has(code) ? code : undefined;
}

/** Map anything a driver threw during `op` to a TokenradiusError without its message. */
export function mapDbError(e: unknown, op: string): TokenradiusError {
  if (e instanceof TokenradiusError) return e;
  const details: Record<string, unknown> = { op };
  const state = sqlState(e);
  if (state) details.sqlState = state;
  switch (classifyDbError(e)) {
    case 'unavailable':
      return wrapError('STORE_UNAVAILABLE', `findings store unavailable during ${op}; will retry`, e, details);
    case 'read-only':
      return wrapError('STORE_READ_ONLY', `findings store refused a write during ${op}: the database or data directory is read-only or full`, e, details);
    case 'invalid':
      return wrapError('PAYLOAD_INVALID', `findings store rejected a value during ${op}`, e, details);
    default:
      if (state === '28000' || state === '28P01' || state === '3D000') {
        // bad credentials or missing database: a configuration problem, retrying will not help
        const err = wrapError('STORE_UNAVAILABLE', `findings store refused the connection during ${op} (check DATABASE_URL)`, e, details);
        return new TokenradiusError('STORE_UNAVAILABLE', err.message, { details: { ...err.details }, retry: 'never' });
      }
      return wrapError('INTERNAL', `findings store failed during ${op}`, e, details);
  }
}
