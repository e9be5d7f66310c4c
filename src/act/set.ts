/**
 * Shared Signals: RISC `credential-compromise` Security Event Tokens (RFC 8417, SSF 1.0 profile),
 * the transmitter's signing key, its JWKS and its SSF metadata.
 *
 * - A SET is a JWT with header `typ: secevent+jwt` and claims `iss`, `iat`, `jti`, `aud`, `events`,
 *   `sub_id` — and, per SSF, never `sub` or `exp`. `jti` is the delivery id, stable across retries,
 *   so a receiver that dedupes on `jti` sees one event however often we push it.
 * - The subject (`sub_id`, RFC 9493 / SSF): `jwt_id` (`iss` + `jti`) for a leaked JWT that has
 *   both, which identifies that token exactly; otherwise `opaque` with the fingerprint.
 * - The signing key: `act.ssf.signingKeyEnv` or `signingKeyFile` (PKCS#8 PEM or a private JWK), else
 *   generated once into `<dataDir>/set-signing-key.jwk` (mode 0600; like the sealing key, every
 *   process of a multi-machine deployment must share it, so set it in the environment there).
 *   Its public half is served at `/.well-known/jwks.json` with `kid` = RFC 7638 thumbprint.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { TokenradiusError } from '../core/errors.js';
import type { StoredFinding } from '../store/types.js';
import type { SsfOptions } from './options.js';
import { issuerOf } from './policy.js';

export const RISC_CREDENTIAL_COMPROMISE = 'https://schemas.openid.net/secevent/risc/event-type/credential-compromise';
export const SET_TYP = 'secevent+jwt';
export const PUSH_DELIVERY = 'urn:ietf:rfc:8935';

export interface SetSigningKey {
  alg: SsfOptions['alg'];
  kid: string;
  privateKey: CryptoKey;
  /** Public JWK with `kid`, `alg`, `use: sig`. */
  publicJwk: JWK;
  origin: 'env' | 'file' | 'generated';
  path?: string;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

function publicPart(jwk: JWK): JWK {
  const out: JWK = { ...jwk };
  for (const m of PRIVATE_MEMBERS) delete (out as Record<string, unknown>)[m];
  delete out.key_ops;
  delete out.ext;
  return out;
}

export function signingKeyPath(dataDir: string): string {
  return join(dataDir, 'set-signing-key.jwk');
}

async function importText(text: string, alg: SsfOptions['alg'], where: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const t = text.trim();
  try {
    if (t.startsWith('-----BEGIN')) {
      const privateKey = await importPKCS8(t, alg, { extractable: true });
      return { privateKey, jwk: await exportJWK(privateKey) };
    }
    const jwk = JSON.parse(t) as JWK;
    if (typeof jwk !== 'object' || jwk === null || typeof jwk.d !== 'string') throw new Error('not a private JWK');
    const privateKey = (await importJWK(jwk, alg)) as CryptoKey;
    return { privateKey, jwk };
  } catch {
    // Never quote the key material (or the library's message about it).
    throw new TokenradiusError('CONFIG_INVALID', `${where}: the SET signing key must be a PKCS#8 PEM or a private JWK usable with ${alg}`);
  }
}

async function finish(privateKey: CryptoKey, jwk: JWK, alg: SsfOptions['alg'], origin: SetSigningKey['origin'], path?: string): Promise<SetSigningKey> {
  const pub = publicPart(jwk);
  const kid = await calculateJwkThumbprint(pub);
  return { alg, kid, privateKey, publicJwk: { ...pub, kid, alg, use: 'sig' }, origin, ...(path ? { path } : {}) };
}

function readPrivateFile(path: string): string {
  const st = statSync(path);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new TokenradiusError('CONFIG_INVALID', `${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${path}`, { details: { path } });
  }
  return readFileSync(path, 'utf8');
}

/** Load (or, on embedded defaults, create) the SET signing key. */
export async function loadSetSigningKey(ssf: SsfOptions, o: { env: Readonly<Record<string, string>>; dataDir: string }): Promise<SetSigningKey> {
  if (ssf.signingKeyEnv) {
    const text = o.env[ssf.signingKeyEnv];
    if (!text) throw new TokenradiusError('CONFIG_ENV_MISSING', `act.ssf.signingKeyEnv: environment variable ${ssf.signingKeyEnv} is not set`);
    const k = await importText(text, ssf.alg, `act.ssf.signingKeyEnv (${ssf.signingKeyEnv})`);
    return finish(k.privateKey, k.jwk, ssf.alg, 'env');
  }
  const path = ssf.signingKeyFile ?? signingKeyPath(o.dataDir);
  let text: string | undefined;
  try {
    text = readPrivateFile(path);
  } catch (e) {
    if (e instanceof TokenradiusError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' || ssf.signingKeyFile) {
      throw new TokenradiusError(code === 'ENOENT' ? 'INPUT_NOT_FOUND' : 'INPUT_UNREADABLE', `cannot read the SET signing key ${path}${code ? ` (${code})` : ''}`, { details: { path } });
    }
  }
  if (text !== undefined) {
    const k = await importText(text, ssf.alg, path);
    return finish(k.privateKey, k.jwk, ssf.alg, 'file', path);
  }
  const kp = (await generateKeyPair(ssf.alg, { extractable: true })) as { privateKey: CryptoKey };
  const jwk = { ...(await exportJWK(kp.privateKey)), alg: ssf.alg };
  try {
    mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
    // `wx`: a process that lost the race uses the key the winner wrote.
    writeFileSync(path, JSON.stringify(jwk) + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      const k = await importText(readPrivateFile(path), ssf.alg, path);
      return finish(k.privateKey, k.jwk, ssf.alg, 'file', path);
    }
    throw new TokenradiusError('STORE_READ_ONLY', `cannot create ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { details: { path } });
  }
  return finish(kp.privateKey, jwk, ssf.alg, 'generated', path);
}

/** `/.well-known/jwks.json`. */
export function jwksDocument(keys: readonly SetSigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/** `/.well-known/ssf-configuration` (SSF 1.0 transmitter metadata; we push, streams are configured statically). */
export function ssfConfiguration(issuer: string): Record<string, unknown> {
  const base = issuer.replace(/\/+$/, '');
  return {
    spec_version: '1_0',
    issuer,
    jwks_uri: `${base}/.well-known/jwks.json`,
    delivery_methods_supported: [PUSH_DELIVERY],
    critical_subject_members: [],
  };
}

export type SubjectId = { format: 'jwt_id'; iss: string; jti: string } | { format: 'opaque'; id: string };

/** `jwt_id` for a JWT with `iss` and `jti`, else `opaque` with the fingerprint. */
export function subjectIdOf(f: Pick<StoredFinding, 'kind' | 'claims' | 'profile' | 'fingerprint'>): SubjectId {
  const iss = issuerOf(f);
  const jti = f.claims?.jti;
  if (f.kind === 'jwt' && iss && typeof jti === 'string' && jti.length > 0 && jti.length <= 512) return { format: 'jwt_id', iss, jti };
  return { format: 'opaque', id: f.fingerprint };
}

export interface SetClaimsInput {
  issuer: string;
  audience: string;
  /** The SET's `jti` (the delivery id). */
  jti: string;
  credentialType: string;
  now: Date;
}

/** The claims of a RISC credential-compromise SET for a finding (pure). */
export function credentialCompromiseClaims(f: StoredFinding, o: SetClaimsInput): Record<string, unknown> {
  const firstSeen = Date.parse(f.firstSeen);
  const where = f.occurrenceCount === 1 ? '1 place' : `${f.occurrenceCount} places`;
  return {
    iss: o.issuer,
    iat: Math.floor(o.now.getTime() / 1000),
    jti: o.jti,
    aud: o.audience,
    sub_id: subjectIdOf(f),
    events: {
      [RISC_CREDENTIAL_COMPROMISE]: {
        credential_type: o.credentialType,
        ...(Number.isFinite(firstSeen) ? { event_timestamp: Math.floor(firstSeen / 1000) } : {}),
        reason_admin: {
          en: `tokenradius found this ${f.kind === 'jwt' ? 'token' : 'credential'} (${f.rule}, ${f.redacted}) exposed in ${where}; severity ${f.blastRadius.severity}, liveness ${f.liveness.state}.`,
        },
      },
    },
  };
}

export async function signSet(claims: Record<string, unknown>, key: SetSigningKey): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: SET_TYP, kid: key.kid }).sign(key.privateKey);
}
