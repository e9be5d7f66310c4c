/**
 * Slack message timestamps (`ts`): `"<epoch seconds>.<6 digits>"`, unique per channel, and the
 * only ordering Slack gives. Pure helpers: compare, convert, build permalinks, parse `--since`.
 */
import { TokenradiusError } from '../../core/errors.js';

const TS = /^(\d{1,12})(?:\.(\d{1,9}))?$/;

export function isSlackTs(v: unknown): v is string {
  return typeof v === 'string' && TS.test(v);
}

/** `ts` as [seconds, micro-ish fraction padded to 9 digits] for exact comparison (no float rounding). */
function parts(ts: string): [bigint, bigint] {
  const m = TS.exec(ts);
  if (!m) return [0n, 0n];
  return [BigInt(m[1]!), BigInt((m[2] ?? '').padEnd(9, '0'))];
}

/** <0, 0, >0 like a comparator. Malformed values sort first. */
export function compareTs(a: string, b: string): number {
  const [as, af] = parts(a);
  const [bs, bf] = parts(b);
  if (as !== bs) return as < bs ? -1 : 1;
  if (af !== bf) return af < bf ? -1 : 1;
  return 0;
}

export function maxTs(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareTs(a, b) >= 0 ? a : b;
}

/** ISO 8601 of a ts, or undefined when it is not one. */
export function tsToIso(ts: string | undefined): string | undefined {
  if (!ts || !TS.test(ts)) return undefined;
  const d = new Date(Number(ts) * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** A ts `seconds` earlier (never below 0), for look-back windows. */
export function tsMinusSeconds(ts: string, seconds: number): string {
  const [s, f] = parts(ts);
  const back = s - BigInt(Math.floor(seconds));
  if (back < 0n) return '0.000000';
  return `${back}.${f.toString().padStart(9, '0').slice(0, 6)}`;
}

/**
 * `https://acme.slack.com/archives/C123/p1712345678000100`, with `?thread_ts=…&cid=…` for a reply —
 * the form Slack's own "copy link" produces. `workspaceUrl` is `auth.test`'s `url`.
 */
export function permalink(workspaceUrl: string | undefined, channel: string, ts: string, threadTs?: string): string | undefined {
  if (!workspaceUrl || !TS.test(ts) || !/^[A-Z0-9]{2,40}$/i.test(channel)) return undefined;
  let base: URL;
  try {
    base = new URL(workspaceUrl);
  } catch {
    return undefined;
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') return undefined;
  const [s, f] = ts.split('.') as [string, string | undefined];
  const u = new URL(`archives/${channel}/p${s}${(f ?? '').padEnd(6, '0').slice(0, 6)}`, base.origin + '/');
  if (threadTs && threadTs !== ts && TS.test(threadTs)) {
    u.searchParams.set('thread_ts', threadTs);
    u.searchParams.set('cid', channel);
  }
  return u.toString();
}

/** What `backfill --since` (or a poll job's `since`) asks a Slack source for. */
export type SlackSince =
  /** Rescan every conversation from this ts on (stored cursors are neither read nor moved). */
  | { kind: 'ts'; ts: string }
  /** Fetch one file's text (the Events API `file_shared` poll); channel when the event named one. */
  | { kind: 'file'; fileId: string; channel?: string };

const FILE_SINCE = /^file:([A-Z0-9]{2,40})(?::([A-Z0-9]{2,40}))?$/;

export function fileSince(fileId: string, channel?: string): string {
  return `file:${fileId}${channel ? `:${channel}` : ''}`;
}

/**
 * `--since` for a Slack source: a Slack ts (`1712345678.000100`), epoch seconds, an ISO 8601 date
 * or time (`2024-05-01`, `2024-05-01T12:00:00Z`), or `file:<id>[:<channel>]`.
 */
export function parseSince(text: string): SlackSince {
  const t = text.trim();
  const f = FILE_SINCE.exec(t);
  if (f) return { kind: 'file', fileId: f[1]!, ...(f[2] ? { channel: f[2] } : {}) };
  if (TS.test(t)) {
    const [s, frac] = t.split('.') as [string, string | undefined];
    return { kind: 'ts', ts: `${s}.${(frac ?? '').padEnd(6, '0').slice(0, 6)}` };
  }
  if (/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    const ms = Date.parse(t.length === 10 ? `${t}T00:00:00Z` : t);
    if (!Number.isNaN(ms) && ms >= 0) return { kind: 'ts', ts: `${Math.floor(ms / 1000)}.000000` };
  }
  throw new TokenradiusError('USAGE', `--since for a Slack source must be a Slack ts (1712345678.000100), an ISO date (2024-05-01) or time, or file:<id>; got "${t.slice(0, 40)}"`);
}
