/**
 * Making caller data storable and keeping tokens out of it. Pure functions.
 *
 * PostgreSQL text and jsonb cannot hold NUL, and jsonb rejects lone UTF-16 surrogates; both can
 * come from attacker-controlled input (a crafted JWT claim, a file name). Rejecting them would let
 * an attacker make a finding unstorable, so they are replaced with U+FFFD instead.
 */
import { TokenradiusError } from '../core/errors.js';

// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function storableString(s: string): string {
  return s.replace(UNSTORABLE, '\uFFFD');
}

/**
 * Token-shaped strings, as a backstop behind the scan stage (which must hand over only redacted
 * data): a compact JWS/JWE (base64url JSON header `eyJ`, then at least one more dot-separated
 * segment of substance), a few unmistakable credential formats, and our own API keys. A redacted
 * preview (`eyJh…x9Q[812 chars]`, `ghp_…a1B2[40 chars]`) does not match.
 */
const TOKEN_SHAPED = new RegExp(
  [
    'eyJ[A-Za-z0-9_-]{6,}\\.[A-Za-z0-9_-]{6,}\\.[A-Za-z0-9_-]*',
    'gh[pousr]_[A-Za-z0-9]{30,}',
    'github_pat_[A-Za-z0-9_]{40,}',
    'xox[abposre]-[A-Za-z0-9-]{20,}',
    'glpat-[A-Za-z0-9_-]{20,}',
    '[sr]k_live_[A-Za-z0-9]{20,}',
    '\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b',
    'trk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}',
  ].join('|'),
  'g',
);

export function looksLikeToken(s: string): boolean {
  TOKEN_SHAPED.lastIndex = 0;
  return TOKEN_SHAPED.test(s);
}

/** Replace token-shaped substrings (a token the scan stage failed to mask) with a marker. */
export function maskTokenShaped(s: string): string {
  return s.replace(TOKEN_SHAPED, '[token removed by store]');
}

/**
 * Deep copy with every string (and key) made storable; `transform` is applied to string values
 * after that. Depth-limited: deeper than 64 levels is PAYLOAD_INVALID.
 */
export function deepStorable<T>(value: T, transform: (s: string) => string = (s) => s, depth = 0): T {
  if (depth > 64) throw new TokenradiusError('PAYLOAD_INVALID', 'value is nested too deeply to store');
  if (typeof value === 'string') return transform(storableString(value)) as T;
  if (Array.isArray(value)) return value.map((v) => deepStorable(v, transform, depth + 1)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      out[transform(storableString(k))] = deepStorable(v, transform, depth + 1);
    }
    return out as T;
  }
  return value;
}

/**
 * Free-form caller data (audit details, reasons, labels) must already be redacted. As a backstop,
 * refuse any that carries a token-shaped string, naming only where it was.
 */
export function assertNoTokenShaped(value: unknown, what: string, depth = 0): void {
  if (depth > 64) throw new TokenradiusError('PAYLOAD_INVALID', `${what} is nested too deeply to store`);
  if (typeof value === 'string') {
    if (looksLikeToken(value)) {
      throw new TokenradiusError('PAYLOAD_INVALID', `${what} contains a token-shaped string; pass redacted data only`, { details: { field: what } });
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoTokenShaped(v, `${what}[${i}]`, depth + 1));
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      assertNoTokenShaped(k, `${what} key`, depth + 1);
      assertNoTokenShaped(v, `${what}.${k.slice(0, 40)}`, depth + 1);
    }
  }
}
