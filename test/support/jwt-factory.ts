/**
 * Builds JWTs at test time so no token is ever committed. Keys are generated per process.
 *
 *   const t = await signJwt({ iss: 'https://login.microsoftonline.com/x/v2.0', exp: inHours(1) }, { alg: 'RS256' });
 *   const u = unsignedJwt({ alg: 'none' }, { sub: 'x' });          // header.payload.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, generateKeyPair, exportJWK, CompactEncrypt, type JWK, type CryptoKey } from 'jose';

export type SigningAlg = 'HS256' | 'RS256' | 'ES256' | 'EdDSA' | 'PS256';

const keyCache = new Map<string, { privateKey: CryptoKey; publicKey: CryptoKey }>();

export async function keyPair(alg: Exclude<SigningAlg, 'HS256'>, id = 'default'): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; kid: string; publicJwk: JWK }> {
  const cacheKey = `${alg}:${id}`;
  let kp = keyCache.get(cacheKey);
  if (!kp) {
    kp = (await generateKeyPair(alg, { extractable: true })) as { privateKey: CryptoKey; publicKey: CryptoKey };
    keyCache.set(cacheKey, kp);
  }
  const kid = `${alg.toLowerCase()}-${id}`;
  const publicJwk = { ...(await exportJWK(kp.publicKey)), kid, alg, use: 'sig' };
  return { ...kp, kid, publicJwk };
}

const hmacSecret = randomBytes(32);

export const b64url = (v: string | Buffer | object): string =>
  Buffer.from(typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v)).toString('base64url');

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
export const inSeconds = (s: number): number => nowSeconds() + s;
export const inHours = (h: number): number => inSeconds(h * 3600);
export const inDays = (d: number): number => inSeconds(d * 86400);

/** A signed compact JWS. `header` extras (typ, kid, jku, cnf…) are merged into the protected header. */
export async function signJwt(
  claims: Record<string, unknown>,
  opts: { alg?: SigningAlg; header?: Record<string, unknown>; keyId?: string } = {},
): Promise<string> {
  const alg = opts.alg ?? 'RS256';
  const jws = new SignJWT(claims as Record<string, unknown>);
  if (alg === 'HS256') {
    return jws.setProtectedHeader({ typ: 'JWT', ...opts.header, alg }).sign(hmacSecret);
  }
  const kp = await keyPair(alg, opts.keyId);
  return jws.setProtectedHeader({ typ: 'JWT', kid: kp.kid, ...opts.header, alg }).sign(kp.privateKey);
}

/** `alg: none` JWT with an empty signature segment. */
export function unsignedJwt(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  return `${b64url({ alg: 'none', ...header })}.${b64url(claims)}.`;
}

/** A JWS-shaped token with a random signature (for scoring tests that never verify). */
export function fakeSignedJwt(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT' }): string {
  return `${b64url(header)}.${b64url(claims)}.${randomBytes(256).toString('base64url')}`;
}

/** Compact JWE (5 segments) whose protected header may replicate claims. */
export async function encryptedJwt(header: Record<string, unknown> = {}, plaintext = '{"sub":"x"}'): Promise<string> {
  const kp = (await generateKeyPair('RSA-OAEP-256', { extractable: true })) as { publicKey: CryptoKey };
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', ...header })
    .encrypt(kp.publicKey);
}

/** SD-JWT: a JWS followed by `~disclosure~…~`. */
export async function sdJwt(claims: Record<string, unknown>, disclosures: Array<[string, unknown]>): Promise<string> {
  const jws = await signJwt({ _sd_alg: 'sha-256', ...claims }, { alg: 'ES256', header: { typ: 'dc+sd-jwt' } });
  const parts = disclosures.map(([name, value]) => b64url(JSON.stringify([randomBytes(16).toString('base64url'), name, value])));
  return `${jws}~${parts.join('~')}~`;
}

/** Re-encode a JWT's header or payload as pretty-printed JSON (starts `ewo`, `eyA`, `ew0K`). */
export function prettyJwt(header: Record<string, unknown>, claims: Record<string, unknown>, style: 'newline' | 'space' | 'crlf'): string {
  const enc = (o: object) => {
    const body = JSON.stringify(o, null, 2);
    const text = style === 'newline' ? body : style === 'crlf' ? body.replace(/\n/g, '\r\n') : body.replace(/^\{\n\s*/, '{ ').replace(/\n\s*/g, ' ');
    return b64url(text);
  };
  return `${enc(header)}.${enc(claims)}.${randomBytes(64).toString('base64url')}`;
}
