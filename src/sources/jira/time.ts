/**
 * Jira times and the JQL of an incremental read. Pure functions.
 *
 * - Jira returns `updated` as `2024-05-01T10:20:30.123+0200` (no colon in the offset);
 * - JQL date literals are `"yyyy-MM-dd HH:mm"` — minute precision, in the CALLING USER's time
 *   zone — so a cursor (UTC milliseconds) is written in that zone and floored to the minute, and an
 *   overlap window covers the imprecision; issues seen at the same version are skipped by the caller.
 */
import { TokenradiusError } from '../../core/errors.js';

/** Milliseconds since the epoch of a Jira time string (or any ISO 8601 time), or undefined. */
export function parseJiraTime(s: unknown): number | undefined {
  if (typeof s !== 'string' || s.length < 10 || s.length > 40) return undefined;
  // `+0200` → `+02:00`, which every JavaScript engine parses.
  const iso = s.replace(/([+-])(\d{2})(\d{2})$/, '$1$2:$3');
  if (!/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/.test(iso)) return undefined;
  // A date-time without an offset is read as UTC (never the host's local zone).
  const t = iso.replace(' ', 'T');
  const ms = Date.parse(t.length > 10 && !/(?:Z|[+-]\d{2}:\d{2})$/.test(t) ? `${t}Z` : t);
  return Number.isFinite(ms) ? ms : undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** `"yyyy-MM-dd HH:mm"` of an instant in a time zone (seconds dropped = floored to the minute). */
export function jqlDate(ms: number, timeZone: string): string {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour === '24' ? '00' : parts.hour}:${parts.minute}`;
}

/**
 * The JQL of one read: the configured query, bounded below by `updated >= start` when given,
 * oldest first (so a cursor can follow the results), ties in key order.
 */
export function buildJql(jql: string, start: { ms: number; timeZone: string } | undefined): string {
  const bound = start ? ` AND updated >= "${jqlDate(start.ms, start.timeZone)}"` : '';
  return `(${jql})${bound} ORDER BY updated ASC, key ASC`;
}

export type JiraSince =
  | { kind: 'time'; ms: number }
  | { kind: 'issues'; keys: string[] };

const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,49}-[1-9][0-9]{0,12}$/;

export function isIssueKey(s: string): boolean {
  return ISSUE_KEY.test(s);
}

/**
 * `--since` of a Jira source: an ISO date or date-time (`2024-05-01`, `2024-05-01T10:00:00Z`), or
 * `issue:OPS-1[,OPS-2…]` (what a webhook enqueues when its payload lacks the issue's fields).
 */
export function parseJiraSince(s: string): JiraSince {
  if (s.startsWith('issue:')) {
    const keys = s.slice(6).split(',').filter((k) => k.length > 0);
    if (keys.length === 0 || keys.length > 500 || !keys.every(isIssueKey)) {
      throw new TokenradiusError('USAGE', 'since must be issue:<KEY>[,<KEY>…] with Jira issue keys such as OPS-12');
    }
    return { kind: 'issues', keys: [...new Set(keys)] };
  }
  const ms = parseJiraTime(s);
  if (ms === undefined) throw new TokenradiusError('USAGE', 'since must be an ISO date or date-time (2024-05-01, 2024-05-01T10:00:00Z) or issue:<KEY>');
  return { kind: 'time', ms };
}
