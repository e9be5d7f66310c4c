/**
 * Decoding JOSE compact serialisations found in text: JWS (3 segments, incl. unsecured `alg:
 * none`), JWE (5 segments, header only) and SD-JWT (`<JWS>~<disclosure>~…~[<KB-JWT>]`).
 *
 * Hostile-input safe: every size is bounded, invalid base64url or UTF-8 is rejected, JSON is
 * parsed natively (V8's JSON.parse is iterative, so deep nesting cannot overflow the stack) and
 * then copied into fresh plain objects with a depth and node budget; `__proto__` keys are dropped
 * so no later `Object.assign`/merge of the claims can reach a prototype. Claims are NOT verified.
 *
 * Error reasons never contain the token or any part of it.
 */
import { TokenradiusError } from '../../core/errors.js';
import type { DecodedJwt } from '../types.js';

export type { DecodedJwt } from '../types.js';

export const JWT_LIMITS = {
  /** Longest token (all segments, disclosures included) we decode. */
  maxToken: 131_072,
  /** Longest header segment (base64url chars). */
  maxHeader: 8_192,
  /** Nesting depth kept in decoded JSON; deeper values become a marker string. */
  maxDepth: 32,
  /** JSON values kept per decoded segment; past this, values become a marker string. */
  maxNodes: 20_000,
  /** Array elements kept per array. */
  maxArray: 2_000,
} as const;

/** Marker replacing JSON that exceeded a bound. */
export const TRUNCATED = '[truncated by tokenradius]';

const B64URL_RE = /^[A-Za-z0-9_-]*$/;

/** Strict base64url (no padding, no other alphabet); undefined when invalid. */
export function base64UrlBytes(seg: string): Buffer | undefined {
  if (seg.length % 4 === 1 || !B64URL_RE.test(seg)) return undefined;
  return Buffer.from(seg, 'base64url');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

type Failure = { ok: false; reason: string };
type Ok<T> = { ok: true; value: T };

function fail(reason: string): Failure {
  return { ok: false, reason };
}

function clean(v: unknown, depth: number, budget: { nodes: number }): unknown {
  if (--budget.nodes < 0) return TRUNCATED;
  if (v === null || typeof v !== 'object') return v;
  if (depth >= JWT_LIMITS.maxDepth) return TRUNCATED;
  if (Array.isArray(v)) {
    const n = Math.min(v.length, JWT_LIMITS.maxArray);
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = clean(v[i], depth + 1, budget);
    if (v.length > n) out.push(TRUNCATED);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    // JSON.parse makes `__proto__` an own property; copying it with `out[k] =` would set the
    // prototype of `out`, and a later merge could pollute. It is never a meaningful claim.
    if (k === '__proto__') continue;
    out[k] = clean((v as Record<string, unknown>)[k], depth + 1, budget);
  }
  return out;
}

/** base64url → UTF-8 → JSON → bounded plain copy. */
export function decodeJsonSegment(seg: string, what: string): Ok<unknown> | Failure {
  const bytes = base64UrlBytes(seg);
  if (!bytes) return fail(`${what} is not valid base64url`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return fail(`${what} is not valid UTF-8`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(`${what} is not JSON`);
  }
  return { ok: true, value: clean(parsed, 0, { nodes: JWT_LIMITS.maxNodes }) };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A decoded JOSE header: a JSON object with a plausible string `alg`. */
export function decodeHeader(seg: string): Ok<Record<string, unknown>> | Failure {
  if (seg.length === 0) return fail('header is empty');
  if (seg.length > JWT_LIMITS.maxHeader) return fail('header is too long');
  const r = decodeJsonSegment(seg, 'header');
  if (!r.ok) return r;
  if (!isPlainObject(r.value)) return fail('header is not a JSON object');
  const alg = r.value.alg;
  if (typeof alg !== 'string' || alg.length === 0 || alg.length > 64) return fail('header has no string "alg"');
  return { ok: true, value: r.value };
}

export function decodePayload(seg: string): Ok<Record<string, unknown>> | Failure {
  if (seg.length === 0) return fail('payload is empty');
  const r = decodeJsonSegment(seg, 'payload');
  if (!r.ok) return r;
  if (!isPlainObject(r.value)) return fail('payload is not a JSON object');
  return { ok: true, value: r.value };
}

/** An SD-JWT disclosure: base64url of `[salt, name, value]` or `[salt, value]` (array element). */
export function isDisclosure(seg: string): boolean {
  if (seg.length < 4 || seg.length > JWT_LIMITS.maxToken) return false;
  const r = decodeJsonSegment(seg, 'disclosure');
  return r.ok && Array.isArray(r.value) && (r.value.length === 2 || r.value.length === 3) && typeof r.value[0] === 'string';
}

export function isUnsecuredAlg(alg: string): boolean {
  // RFC 7518 says "none"; attackers and broken libraries send other casings, which some
  // verifiers accept — classify them the same way.
  return alg.toLowerCase() === 'none';
}

function decodeCompact(token: string): Ok<DecodedJwt> | Failure {
  const segs = token.split('.');
  if (segs.length !== 3 && segs.length !== 5) return fail(`expected 3 (JWS) or 5 (JWE) segments, found ${segs.length}`);
  const header = decodeHeader(segs[0]!);
  if (!header.ok) return header;
  if (segs.length === 5) {
    if (typeof header.value.enc !== 'string') return fail('5 segments but the header has no string "enc"');
    for (let i = 1; i < 5; i++) {
      const s = segs[i]!;
      if (s.length % 4 === 1 || !B64URL_RE.test(s)) return fail(`JWE segment ${i + 1} is not valid base64url`);
      // The encrypted key is empty for "dir" and ECDH-ES direct key agreement; IV, ciphertext and
      // tag are never empty.
      if (i > 1 && s.length === 0) return fail(`JWE segment ${i + 1} is empty`);
    }
    return { ok: true, value: { form: 'jwe', header: header.value } };
  }
  if (typeof header.value.enc === 'string') return fail('the header has "enc" (JWE) but there are 3 segments');
  const payload = decodePayload(segs[1]!);
  if (!payload.ok) return payload;
  const sig = segs[2]!;
  const unsecured = isUnsecuredAlg(header.value.alg as string);
  if (sig.length % 4 === 1 || !B64URL_RE.test(sig)) return fail('signature is not valid base64url');
  if (sig.length === 0 && !unsecured) return fail('signature is empty but "alg" is not "none"');
  return { ok: true, value: { form: unsecured ? 'unsecured' : 'jws', header: header.value, claims: payload.value } };
}

function decodeAny(token: unknown): Ok<DecodedJwt> | Failure {
  if (typeof token !== 'string') return fail('not a string');
  if (token.length === 0) return fail('empty');
  if (token.length > JWT_LIMITS.maxToken) return fail(`longer than ${JWT_LIMITS.maxToken} characters`);
  const tilde = token.indexOf('~');
  if (tilde < 0) return decodeCompact(token);
  // SD-JWT: <issuer-signed JWT>~<disclosure>~…~<disclosure>~[<KB-JWT>]
  const parts = token.split('~');
  const jws = decodeCompact(parts[0]!);
  if (!jws.ok) return jws;
  if (jws.value.form === 'jwe') return fail('an SD-JWT must start with a JWS, not a JWE');
  let disclosures = 0;
  for (let i = 1; i < parts.length - 1; i++) {
    if (!isDisclosure(parts[i]!)) return fail(`SD-JWT disclosure ${i} is not a base64url JSON array`);
    disclosures++;
  }
  const kb = parts[parts.length - 1]!;
  if (kb.length > 0) {
    const k = decodeCompact(kb);
    if (!k.ok || k.value.form === 'jwe') return fail('SD-JWT key-binding JWT is not a compact JWS');
  }
  return { ok: true, value: { ...jws.value, form: 'sd-jwt', disclosures } };
}

/** Decode a JWT (JWS, unsecured, JWE header, SD-JWT); null when it is not one. Never throws. */
export function decodeJwt(token: string): DecodedJwt | null {
  try {
    const r = decodeAny(token);
    return r.ok ? r.value : null;
  } catch {
    return null;
  }
}

/** Like `decodeJwt`, but says why: throws `TokenradiusError('JWT_MALFORMED')` (no token in the message). */
export function decodeJwtStrict(token: string): DecodedJwt {
  let r: Ok<DecodedJwt> | Failure;
  try {
    r = decodeAny(token);
  } catch {
    r = fail('could not be decoded');
  }
  if (r.ok) return r.value;
  throw new TokenradiusError('JWT_MALFORMED', `not a decodable JWT: ${r.reason}`, { details: { reason: r.reason } });
}

/**
 * Base64url lengths of a signature for algorithms with a fixed-size signature; undefined when
 * the algorithm is unknown. RSA sizes cover 1024–8192-bit keys.
 */
export function signatureLengths(alg: string): readonly number[] | undefined {
  switch (alg) {
    case 'HS256':
      return [43];
    case 'HS384':
      return [64];
    case 'HS512':
      return [86];
    case 'ES256':
    case 'ES256K':
    case 'Ed25519':
      return [86];
    case 'ES384':
      return [128];
    case 'ES512':
      return [176];
    case 'EdDSA':
      return [86, 152];
    case 'Ed448':
      return [152];
    case 'RS256':
    case 'RS384':
    case 'RS512':
    case 'PS256':
    case 'PS384':
    case 'PS512':
      return RSA_LENGTHS;
    default:
      return undefined;
  }
}

const RSA_LENGTHS = [128, 192, 256, 384, 512, 1024].map((bytes) => Math.ceil((bytes * 4) / 3));
