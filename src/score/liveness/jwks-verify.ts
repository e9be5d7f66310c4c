/**
 * The signature rung: verify a compact JWS against a TRUSTED issuer's JWKS with jose.
 *
 * - The algorithm must be on the issuer's allowlist (ours, not the header's choice); `none` and a
 *   non-allowlisted algorithm are `invalid`; HS* (shared secret) is `unverifiable`.
 * - Keys come only from the issuer's pinned/discovered JWKS. `jku`, `x5u`, `x5c` and an embedded
 *   `jwk` in the token header are never read.
 * - A JWK is a candidate only if its `kty`/`crv` fit the algorithm, its `use` is `sig` (or absent),
 *   its `key_ops` allow `verify` (or are absent), its `alg` (if any) equals the algorithm, and it
 *   carries no private members.
 * - An unknown `kid` refetches the JWKS once (rate-limited by IssuerMetadata): still unknown ⇒
 *   `invalid`; refetch suppressed ⇒ `unknown`.
 * - Network failures ⇒ `unknown`, never `valid` or `invalid`.
 */
import { compactVerify, importJWK, errors as joseErrors, type JWK } from 'jose';
import { TokenradiusError } from '../../core/errors.js';
import type { IssuerMetadata, JwksSnapshot } from './issuer-metadata.js';
import type { ResolvedIssuer } from './trust-list.js';

export type SignatureResult =
  | { kind: 'valid'; reason: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'unverifiable'; reason: string }
  | { kind: 'unknown'; reason: string };

const MAX_CANDIDATES = 8;

function familyOk(jwk: JWK, alg: string): boolean {
  if (/^(?:RS|PS)(?:256|384|512)$/.test(alg)) return jwk.kty === 'RSA';
  if (alg === 'ES256') return jwk.kty === 'EC' && jwk.crv === 'P-256';
  if (alg === 'ES384') return jwk.kty === 'EC' && jwk.crv === 'P-384';
  if (alg === 'ES512') return jwk.kty === 'EC' && jwk.crv === 'P-521';
  if (alg === 'EdDSA' || alg === 'Ed25519') return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  return false;
}

function algCompatible(jwkAlg: unknown, alg: string): boolean {
  if (jwkAlg === undefined) return true;
  if (jwkAlg === alg) return true;
  // RFC 9864 renamed EdDSA-with-Ed25519 to Ed25519; a key published under either name verifies both.
  return (jwkAlg === 'EdDSA' || jwkAlg === 'Ed25519') && (alg === 'EdDSA' || alg === 'Ed25519');
}

export function candidateKeys(keys: readonly JWK[], alg: string, kid: string | undefined): Array<{ jwk: JWK; index: number }> {
  const out: Array<{ jwk: JWK; index: number }> = [];
  keys.forEach((jwk, index) => {
    if (out.length >= MAX_CANDIDATES) return;
    if (jwk === null || typeof jwk !== 'object') return;
    if (kid !== undefined && jwk.kid !== kid) return;
    if (jwk.use !== undefined && jwk.use !== 'sig') return;
    if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return;
    if (!algCompatible(jwk.alg, alg)) return;
    if ('d' in jwk || 'p' in jwk || 'k' in jwk) return; // private or symmetric material: never a verification key
    if (!familyOk(jwk, alg)) return;
    out.push({ jwk, index });
  });
  return out;
}

async function importKey(snapshot: JwksSnapshot, jwk: JWK, index: number, alg: string): Promise<unknown> {
  const cacheKey = `${index}|${alg}`;
  if (snapshot.imported.has(cacheKey)) return snapshot.imported.get(cacheKey);
  let key: unknown;
  try {
    const { kid: _kid, use: _use, key_ops: _ops, alg: _alg, x5c: _x5c, x5u: _x5u, ...pub } = jwk as JWK & { x5u?: unknown };
    key = await importJWK({ ...pub }, alg);
  } catch {
    key = null; // a malformed published key is skipped, not fatal
  }
  snapshot.imported.set(cacheKey, key);
  return key;
}

async function tryKeys(jws: string, snapshot: JwksSnapshot, cands: Array<{ jwk: JWK; index: number }>, alg: string): Promise<'valid' | 'invalid' | 'malformed'> {
  let sawMalformed = false;
  for (const { jwk, index } of cands) {
    const key = await importKey(snapshot, jwk, index, alg);
    if (!key) continue;
    try {
      await compactVerify(jws, key as Parameters<typeof compactVerify>[1], { algorithms: [alg] });
      return 'valid';
    } catch (e) {
      // jose messages may quote token data: only the class is inspected, never surfaced.
      if (!(e instanceof joseErrors.JWSSignatureVerificationFailed)) sawMalformed = true;
    }
  }
  return sawMalformed ? 'malformed' : 'invalid';
}

function unknownFrom(e: unknown, what: string): SignatureResult {
  if (e instanceof TokenradiusError) {
    const why =
      e.code === 'UPSTREAM_RATE_LIMITED'
        ? 'rate-limited by the issuer'
        : e.code === 'UPSTREAM_BLOCKED'
          ? 'refused by the outbound address guard'
          : e.code === 'UPSTREAM_INVALID_RESPONSE'
            ? 'the issuer answered with something unexpected'
            : 'the issuer is unreachable or failing';
    return { kind: 'unknown', reason: `${what} failed: ${why} (${e.code})` };
  }
  return { kind: 'unknown', reason: `${what} failed unexpectedly` };
}

/**
 * Verify `jws` (compact JWS) from `entry`'s JWKS. `header` is the decoded protected header.
 */
export async function verifyWithJwks(jws: string, header: Record<string, unknown>, entry: ResolvedIssuer, meta: IssuerMetadata): Promise<SignatureResult> {
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.length === 0) return { kind: 'invalid', reason: 'the token header has no algorithm' };
  if (alg.toLowerCase() === 'none') return { kind: 'invalid', reason: 'unsigned token (alg none) naming a trusted issuer' };
  if (/^HS(?:256|384|512)$/.test(alg)) return { kind: 'unverifiable', reason: `${alg} uses a shared secret; a third party cannot verify it` };
  // Microsoft Graph tokens are signed over a hashed header nonce: third-party checks fail by design.
  if (typeof header.nonce === 'string') return { kind: 'unverifiable', reason: 'the header carries a nonce (Microsoft Graph-style); third-party verification is not possible' };
  if (!entry.algorithms.includes(alg)) return { kind: 'invalid', reason: `algorithm ${alg.slice(0, 20)} is not allowed for this issuer` };
  const kid = typeof header.kid === 'string' ? header.kid : undefined;

  let snapshot: JwksSnapshot;
  let fresh: boolean;
  try {
    ({ snapshot, fresh } = await meta.jwks());
  } catch (e) {
    return unknownFrom(e, 'fetching the issuer JWKS');
  }
  let cands = candidateKeys(snapshot.keys, alg, kid);
  if (cands.length === 0 && !fresh) {
    let refreshed: JwksSnapshot | undefined;
    try {
      refreshed = await meta.refreshJwks();
    } catch (e) {
      return unknownFrom(e, 'refetching the issuer JWKS for an unknown key id');
    }
    if (!refreshed) return { kind: 'unknown', reason: 'no published key matches the token; JWKS refetch is rate-limited' };
    snapshot = refreshed;
    cands = candidateKeys(snapshot.keys, alg, kid);
  }
  if (cands.length === 0) {
    return { kind: 'invalid', reason: kid !== undefined ? "the issuer publishes no key with the token's kid" : `the issuer publishes no ${alg} key` };
  }
  const outcome = await tryKeys(jws, snapshot, cands, alg);
  if (outcome === 'valid') return { kind: 'valid', reason: `signature verified (${alg}) against the issuer JWKS` };
  if (outcome === 'malformed') return { kind: 'invalid', reason: 'the token failed verification (malformed or unsupported critical header)' };
  return { kind: 'invalid', reason: 'the signature does not match the issuer key' };
}
