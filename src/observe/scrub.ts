/**
 * Log scrubbing: nothing token-shaped leaves the process through a log line.
 *
 * `createScrubber(primary)` chains the detection engine's `scrubText` (every rule the scanner knows)
 * with `fallbackScrub`, a cheap generic net for token-shaped strings the rules do not cover (JWTs,
 * well-known prefixes, long mixed-case base64 runs). `scrubDeep` applies a scrubber to every string
 * (and object key) of a value, turning Errors into a safe shape on the way.
 */
import { redact } from '../core/secrets.js';
import { TokenradiusError } from '../core/errors.js';

export type Scrubber = (text: string) => string;

// JWT / JWS / JWE compact forms: base64url JSON header starting `ey`, at least two dotted segments.
const JWT_SHAPE = /ey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,3}/g;
// Well-known credential prefixes followed by a token body.
const PREFIXED =
  /(?:xox[a-z]-|xoxe[.-]|xapp-|gh[pousr]_|github_pat_|glpat-|gl[a-z]{1,3}t-|npm_|pypi-|sk-|sk_live_|sk_test_|rk_live_|rk_test_|whsec_|AKIA|ASIA|AIza|GOCSPX-|ya29\.|ATATT3|hf_|dop_v1_|shpat_|SG\.|trk_)[A-Za-z0-9._\-/+=]{10,}/g;
// Long base64/base64url runs with upper, lower and digits: random key material, rarely prose.
const LONG_RUN = /[A-Za-z0-9+/_-]{32,}={0,2}/g;
// Credentials in URLs (scheme://user:password@host).
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]{1,20}:\/\/[^:@/\s]{0,64}):[^@\s/]{1,256}@/gi;

function looksRandom(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

/** Generic scrubber: replaces token-shaped substrings with their redacted preview. */
export function fallbackScrub(text: string): string {
  if (text.length < 10) return text;
  let out = text.replace(JWT_SHAPE, (m) => redact(m));
  out = out.replace(PREFIXED, (m) => redact(m));
  out = out.replace(URL_CREDENTIALS, '$1:****@');
  out = out.replace(LONG_RUN, (m) => (looksRandom(m) ? redact(m) : m));
  return out;
}

// Our own identifiers are hashes, not secrets, and responders need them verbatim (`jobs retry <id>`):
// fingerprints, scan/act job ids.
const OWN_IDS = /sha256:[0-9a-f]{64}|\b(?:scan|act)-[0-9a-f]{64}(?:-\d+)?\b/g;
const PLACEHOLDER = /\u0000(\d+)\u0000/g;

/**
 * `primary` (the engine's scrubText) first, then the generic net. Fingerprints and job ids pass
 * through untouched. A throwing primary is ignored (the fallback still runs).
 */
export function createScrubber(primary?: Scrubber): Scrubber {
  return (text) => {
    if (text.length < 10) return text;
    const kept: string[] = [];
    let t = text.replace(OWN_IDS, (m) => `\u0000${kept.push(m) - 1}\u0000`);
    if (primary) {
      try {
        t = primary(t);
      } catch {
        // The engine never throws by contract; if it does, the fallback still runs.
      }
    }
    t = fallbackScrub(t);
    return kept.length === 0 ? t : t.replace(PLACEHOLDER, (_m, i: string) => kept[Number(i)] ?? '');
  };
}

/** The shape an error takes in logs: never a third-party message or stack. */
export function safeError(e: unknown, scrub: Scrubber): Record<string, unknown> {
  if (e instanceof TokenradiusError) {
    return { type: 'TokenradiusError', code: e.code, message: scrub(e.message), details: scrubDeep(e.details, scrub) };
  }
  if (e instanceof Error) return { type: e.name, message: `unexpected ${e.name}` };
  return { type: typeof e };
}

const MAX_DEPTH = 10;

/** Deep copy of `value` with every string and key scrubbed; cycles and depth bounded. */
export function scrubDeep(value: unknown, scrub: Scrubber, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return safeError(value, scrub);
  if (depth >= MAX_DEPTH) return '[depth]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub, depth + 1, seen));
  if (value instanceof Map) return scrubDeep(Object.fromEntries(value), scrub, depth + 1, seen);
  if (value instanceof Set) return scrubDeep([...value], scrub, depth + 1, seen);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[scrub(k)] = scrubDeep(v, scrub, depth + 1, seen);
  return out;
}
