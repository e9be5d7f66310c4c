/**
 * Helpers for scoring tests: every profile is built from a real token string made at test time by
 * `test/support/jwt-factory.ts` and decoded again, so tests see exactly what a scan sees.
 */
import type { TokenProfile } from '../../src/core/profile.js';
import type { BlastRadius, Exposure, Liveness, MaskedClaim } from '../../src/core/types.js';
import { decodeJwt, maskClaims } from '../../src/detect/jwt/index.js';
import { buildProfile } from '../../src/score/profile.js';
import { scoreFinding } from '../../src/score/score.js';
import { defaultScoreOptions, ScoreOptionsSchema, type ScoreOptions, type ScoreOptionsInput } from '../../src/score/options.js';
import { fakeSignedJwt } from '../support/jwt-factory.js';

/** A fixed clock: scoring is pure in `now`. */
export const NOW = new Date('2025-06-02T12:00:00.000Z');
export const T = Math.floor(NOW.getTime() / 1000);
export const MIN = 60;
export const HOUR = 3600;
export const DAY = 86400;
export const YEAR = 365 * DAY;

export const DEFAULTS: ScoreOptions = defaultScoreOptions();
export const options = (o: ScoreOptionsInput): ScoreOptions => ScoreOptionsSchema.parse(o);

/**
 * What the scan stage does with a token: the engine's decoder, then its claim masker. Tests
 * therefore score exactly the masked view a finding carries.
 */
export function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown>; masked: MaskedClaim[] } {
  const d = decodeJwt(token);
  if (d === null || d.claims === undefined) throw new Error('test token did not decode');
  const m = maskClaims(d.claims);
  return { header: d.header, claims: m.claims, masked: m.masked };
}

export function profileOf(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }, opts: ScoreOptions = DEFAULTS): TokenProfile {
  const d = decode(fakeSignedJwt(claims, header));
  return buildProfile({ header: d.header, claims: d.claims, maskedClaims: d.masked, now: NOW }, opts);
}

/** Liveness as the offline CLI reports it: the clock only. */
export function byTime(claims: Record<string, unknown>): Liveness {
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  if (exp !== undefined && exp <= T) return { state: 'expired', checkedBy: ['temporal'] };
  return { state: 'live', checkedBy: ['temporal'] };
}
export const LIVE: Liveness = { state: 'live', checkedBy: ['temporal', 'jwks'] };
export const UNVERIFIABLE: Liveness = { state: 'unverifiable', checkedBy: ['temporal'], reason: 'issuer not on trust list' };
export const UNKNOWN: Liveness = { state: 'unknown', checkedBy: [] };

export interface ScoreCase {
  header?: Record<string, unknown>;
  liveness?: Liveness;
  exposures?: Exposure[];
  context?: Record<string, string>;
  opts?: ScoreOptions;
}

export function scoreJwt(claims: Record<string, unknown>, c: ScoreCase = {}): BlastRadius & { profile: TokenProfile } {
  const opts = c.opts ?? DEFAULTS;
  const profile = profileOf(claims, c.header, opts);
  const br = scoreFinding(
    { kind: 'jwt', rule: 'jwt', profile, liveness: c.liveness ?? byTime(claims), exposures: c.exposures ?? [], ...(c.context ? { context: c.context } : {}) },
    opts,
    NOW,
  );
  return { ...br, profile };
}

export const sum = (br: BlastRadius): number => br.factors.reduce((s, f) => s + f.points, 0);
export const factor = (br: BlastRadius, id: string) => br.factors.find((f) => f.id === id);

export const PUBLIC_REPO: Exposure = { visibility: 'public', label: 'github.com/acme/site' };
export const PRIVATE_CHANNEL: Exposure = { visibility: 'private', audience: 12, label: '#ops' };
export const EXTERNAL_CHANNEL: Exposure = { visibility: 'shared-external', audience: 400, label: '#partner-acme (ext-shared)' };

/** A random GUID-shaped id (tenants, object ids) made at test time. */
export function guid(): string {
  const h = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
