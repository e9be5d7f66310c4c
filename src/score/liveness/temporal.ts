/**
 * The first rung of the liveness ladder: what `exp`, `nbf` and `iat` say at time `now`. Pure, never
 * throws, whatever the claims hold (they are attacker-controlled input).
 *
 * - `exp` in the past (beyond skew) ⇒ `expired`; `nbf` in the future (beyond skew) ⇒ `not-yet-valid`;
 *   otherwise `live` — meaning only "valid by time": the ladder decides whether that is a verified
 *   `live`. No `exp` ⇒ not expired (the scorer treats the token as long-lived).
 * - `iat` in the future beyond skew is noted in `reason` without changing the state.
 * - Values above 1e11 are taken as milliseconds (an issuer bug seen in the wild) and converted.
 * - Numeric strings are accepted (noted); other non-numeric values are ignored (noted). Values beyond
 *   the representable date range are treated as "never" (for `exp`: no expiry).
 * - No claims at all ⇒ `unknown`.
 */
import type { Liveness } from '../../core/types.js';

/** Seconds since the epoch above which a NumericDate is taken as milliseconds (year 5138 in seconds, 1973 in ms). */
export const MILLISECONDS_THRESHOLD = 1e11;
/** Largest seconds value a JS Date can represent. */
const MAX_DATE_SECONDS = 8.64e12;
const MAX_SKEW_SECONDS = 86_400;

export interface TimeClaim {
  /** Seconds since the epoch (possibly fractional), or `undefined` when absent or unusable. */
  seconds?: number;
  /** Human-readable notes about how the value was read. */
  notes: string[];
  /** The value exists but is beyond the representable date range. */
  beyondRange?: boolean;
}

/** Read one NumericDate claim leniently. */
export function readTimeClaim(claims: Record<string, unknown>, name: string): TimeClaim {
  const notes: string[] = [];
  if (!Object.prototype.hasOwnProperty.call(claims, name)) return { notes };
  let raw: unknown = claims[name];
  if (typeof raw === 'string' && /^\s*-?[0-9]{1,20}(?:\.[0-9]{1,9})?\s*$/.test(raw)) {
    notes.push(`${name} is a string; read as a number`);
    raw = Number(raw);
  }
  if (typeof raw !== 'number' || !Number.isFinite(raw)) {
    notes.push(`${name} is not a number; ignored`);
    return { notes };
  }
  let seconds = raw;
  if (Math.abs(seconds) > MILLISECONDS_THRESHOLD) {
    notes.push(`${name} looks like milliseconds; converted to seconds`);
    seconds = seconds / 1000;
  }
  if (seconds < -MAX_DATE_SECONDS) {
    notes.push(`${name} is before any representable date`);
    return { seconds: -MAX_DATE_SECONDS, notes };
  }
  if (seconds > MAX_DATE_SECONDS) {
    notes.push(`${name} is beyond any representable date`);
    return { notes, beyondRange: true };
  }
  return { seconds, notes };
}

function iso(seconds: number): string | undefined {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function formatDuration(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

export function temporalLiveness(claims: Record<string, unknown> | undefined, now: Date, skewSeconds: number): Liveness {
  const checkedBy = ['temporal'];
  const nowMs = now instanceof Date ? now.getTime() : NaN;
  if (!Number.isFinite(nowMs)) return { state: 'unknown', checkedBy, reason: 'no valid current time' };
  const checkedAt = new Date(nowMs).toISOString();
  if (claims === undefined || claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    return { state: 'unknown', checkedBy, reason: 'no readable claims', checkedAt };
  }
  const skew = Number.isFinite(skewSeconds) ? Math.min(Math.max(0, skewSeconds), MAX_SKEW_SECONDS) : 0;
  const nowS = nowMs / 1000;

  let exp: TimeClaim;
  let nbf: TimeClaim;
  let iat: TimeClaim;
  try {
    exp = readTimeClaim(claims, 'exp');
    nbf = readTimeClaim(claims, 'nbf');
    iat = readTimeClaim(claims, 'iat');
  } catch {
    // A hostile object (getter that throws, proxy) — nothing temporal can be said.
    return { state: 'unknown', checkedBy, reason: 'claims could not be read', checkedAt };
  }
  const notes = [...exp.notes, ...nbf.notes, ...iat.notes];
  const expiresAt = exp.seconds !== undefined ? iso(exp.seconds) : undefined;
  const base = { checkedBy, checkedAt, ...(expiresAt ? { expiresAt } : {}) };
  const withNotes = (main: string): string => [main, ...notes].join('; ');

  if (exp.seconds !== undefined && nowS >= exp.seconds + skew) {
    return { state: 'expired', ...base, reason: withNotes(`expired ${formatDuration(nowS - exp.seconds)} ago`) };
  }
  if (nbf.seconds !== undefined && nowS < nbf.seconds - skew) {
    return { state: 'not-yet-valid', ...base, reason: withNotes(`not valid before ${iso(nbf.seconds) ?? 'a future time'}`) };
  }
  if (iat.seconds !== undefined && iat.seconds > nowS + skew) notes.push(`issued in the future (iat ${formatDuration(iat.seconds - nowS)} ahead)`);
  const main =
    exp.seconds !== undefined
      ? exp.seconds > nowS
        ? `valid by time for ${formatDuration(exp.seconds - nowS)}`
        : `exp passed ${formatDuration(nowS - exp.seconds)} ago, within the ${skew}s clock-skew allowance`
      : exp.beyondRange
        ? 'valid by time; exp is effectively never'
        : 'valid by time; no exp (long-lived)';
  return { state: 'live', ...base, reason: withNotes(main) };
}
