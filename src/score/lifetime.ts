/**
 * Token lifetime from the registered time claims (RFC 7519 §4.1.4–4.1.6). Pure: `now` is an argument.
 * NumericDate is seconds; values above 1e11 are milliseconds (an issuer bug) and are converted.
 */
import type { TokenProfile } from '../core/profile.js';
import { own } from './claims.js';

/** Above this a NumericDate is taken to be milliseconds (1e11 s is the year 5138). */
const MS_THRESHOLD = 1e11;
/** Largest instant a JS Date can hold, in seconds. */
const MAX_DATE_SECONDS = 8.64e12;

interface TimeClaim {
  seconds?: number;
  ms: boolean;
  /** Present but unusable (not a number, absurd). */
  invalid: boolean;
}

function readTime(claims: unknown, key: string): TimeClaim {
  const v = own(claims, key);
  if (v === undefined || v === null) return { ms: false, invalid: false };
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\d{1,16}(\.\d{1,6})?$/.test(v)) n = Number(v);
  if (n === undefined || !Number.isFinite(n) || n < 0) return { ms: false, invalid: true };
  const ms = n > MS_THRESHOLD;
  const seconds = ms ? n / 1000 : n;
  if (seconds > MAX_DATE_SECONDS) return { ms, invalid: true };
  return { seconds, ms, invalid: false };
}

const iso = (s: number): string => new Date(Math.round(s * 1000)).toISOString();

export function readLifetime(claims: unknown, now: Date): { lifetime: TokenProfile['lifetime']; notes: string[] } {
  const exp = readTime(claims, 'exp');
  const iat = readTime(claims, 'iat');
  const nbf = readTime(claims, 'nbf');
  const nowS = now.getTime() / 1000;
  const notes: string[] = [];
  const ms = exp.ms || iat.ms || nbf.ms;
  if (ms) notes.push('time claims are in milliseconds instead of seconds (issuer bug); converted');
  if (exp.invalid) notes.push('exp is not a usable NumericDate: treated as absent (long-lived)');
  if (iat.invalid) notes.push('iat is not a usable NumericDate');
  if (nbf.invalid) notes.push('nbf is not a usable NumericDate');
  const start = iat.seconds ?? nbf.seconds;
  const lifetime: TokenProfile['lifetime'] = { unbounded: exp.seconds === undefined };
  if (iat.seconds !== undefined) lifetime.issuedAt = iso(iat.seconds);
  if (nbf.seconds !== undefined) lifetime.notBefore = iso(nbf.seconds);
  if (exp.seconds !== undefined) {
    lifetime.expiresAt = iso(exp.seconds);
    lifetime.remainingSeconds = Math.round(exp.seconds - nowS);
    if (start !== undefined) lifetime.totalSeconds = Math.round(exp.seconds - start);
  }
  if (ms) lifetime.millisecondTimestamps = true;
  if (iat.seconds !== undefined && iat.seconds > nowS + 300) notes.push('iat is in the future');
  if (lifetime.totalSeconds !== undefined && lifetime.totalSeconds < 0) notes.push('exp is before iat/nbf');
  return { lifetime, notes };
}

/** Remaining seconds at `now` (negative once expired); undefined when the token has no `exp`. */
export function remainingAt(lifetime: TokenProfile['lifetime'], now: Date): number | undefined {
  if (lifetime.unbounded || lifetime.expiresAt === undefined) return undefined;
  const t = Date.parse(lifetime.expiresAt);
  return Number.isFinite(t) ? Math.round((t - now.getTime()) / 1000) : undefined;
}

/** "3 days", "45 minutes", "2 years" — for reasons. */
export function humanDuration(seconds: number): string {
  const s = Math.abs(seconds);
  const unit = (n: number, u: string) => `${n} ${u}${n === 1 ? '' : 's'}`;
  if (s < 120) return unit(Math.round(s), 'second');
  if (s < 2 * 3600) return unit(Math.round(s / 60), 'minute');
  if (s < 2 * 86400) return unit(Math.round(s / 3600), 'hour');
  if (s < 60 * 86400) return unit(Math.round(s / 86400), 'day');
  if (s < 2 * 365 * 86400) return unit(Math.round(s / (30 * 86400)), 'month');
  return unit(Math.round(s / (365 * 86400)), 'year');
}
