/**
 * The three things tokenradius may keep instead of a raw token:
 * - a fingerprint (`sha256:` + hex) that identifies it,
 * - a redacted preview a human can recognise but nobody can use,
 * - a sealed blob (AES-256-GCM) when the token must be kept to revoke it later.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { TokenradiusError } from './errors.js';

export function fingerprint(secret: string): string {
  return 'sha256:' + createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Sealing

const SEAL_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A 32-byte AES-256-GCM key. Parse once from config (hex or base64) and pass around. */
export class SealingKey {
  readonly #key: Buffer;
  /** Short, non-secret id of the key, stored beside sealed blobs so rotation can tell them apart. */
  readonly id: string;

  private constructor(key: Buffer) {
    this.#key = key;
    this.id = sha256Hex(Buffer.concat([Buffer.from('tokenradius-key-id:'), key])).slice(0, 12);
  }

  static fromBytes(bytes: Buffer): SealingKey {
    if (bytes.length !== 32) {
      throw new TokenradiusError('SEAL_KEY_INVALID', `sealing key must be 32 bytes, got ${bytes.length}`);
    }
    return new SealingKey(Buffer.from(bytes));
  }

  /** Accepts 64 hex characters or base64/base64url of 32 bytes. */
  static parse(text: string): SealingKey {
    const t = text.trim();
    if (/^[0-9a-fA-F]{64}$/.test(t)) return SealingKey.fromBytes(Buffer.from(t, 'hex'));
    if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) return SealingKey.fromBytes(Buffer.from(t, 'base64url'));
    throw new TokenradiusError('SEAL_KEY_INVALID', 'sealing key must be 64 hex characters or base64 of 32 bytes');
  }

  static generate(): SealingKey {
    return new SealingKey(randomBytes(32));
  }

  /** Hex form for writing a freshly generated key to its 0600 file. */
  exportHex(): string {
    return this.#key.toString('hex');
  }

  /** @internal */
  bytes(): Buffer {
    return this.#key;
  }
}

/**
 * Seal `plaintext` with AES-256-GCM. `context` is bound as additional authenticated data, so a blob
 * sealed for one purpose (e.g. `token:<fingerprint>`) cannot be replayed as another.
 * Output: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts) — safe to store in Redis or SQL.
 */
export function seal(key: SealingKey, plaintext: string | Buffer, context = ''): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.bytes(), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [SEAL_VERSION, key.id, iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.');
}

export function unsealBuffer(key: SealingKey, sealed: string, context = ''): Buffer {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== SEAL_VERSION) {
    throw new TokenradiusError('SEAL_OPEN_FAILED', 'sealed value has an unknown format');
  }
  const [, keyId, ivB64, tagB64, ctB64] = parts as [string, string, string, string, string];
  if (keyId !== key.id) {
    throw new TokenradiusError('SEAL_OPEN_FAILED', 'sealed value was made with a different key', { details: { keyId } });
  }
  const iv = Buffer.from(ivB64, 'base64url');
  const tag = Buffer.from(tagB64, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new TokenradiusError('SEAL_OPEN_FAILED', 'sealed value is truncated');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes(), iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ctB64, 'base64url')), decipher.final()]);
  } catch {
    throw new TokenradiusError('SEAL_OPEN_FAILED', 'sealed value failed authentication (wrong key, wrong context or tampered)');
  }
}

export function unseal(key: SealingKey, sealed: string, context = ''): string {
  return unsealBuffer(key, sealed, context).toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// Redaction

/** Well-known prefixes that identify a token family without revealing any of its secret part. */
const FAMILY_PREFIX =
  /^(?:xox[a-z]-|xoxe\.xox[bp]-|xoxe-|xapp-|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|gl[a-z]{1,3}t-|npm_|pypi-|sk-proj-|sk-svcacct-|sk-admin-|sk-ant-(?:api|admin)\d\d-|sk_live_|sk_test_|rk_live_|rk_test_|whsec_|SG\.|AKIA|ASIA|ABIA|ACCA|AIza|GOCSPX-|ya29\.|ATATT3|hf_|dop_v1_|shpat_|dapi|sb_secret_|eyJ|ey[A-Za-z0-9])/;

/**
 * A preview of a secret that a responder can recognise but that cannot be used or reconstructed:
 * the family prefix, at most 4 characters after it, an ellipsis, the last 4 characters, and the
 * length. Short secrets (under 20 characters) show no tail. PEM blocks show their header line.
 * URLs with credentials keep scheme, user and host and hide the password.
 */
export function redact(secret: string): string {
  const len = secret.length;
  const pem = /^-----BEGIN ([A-Z0-9 ]{1,40})-----/.exec(secret);
  if (pem) return `-----BEGIN ${pem[1]}-----…[${len} chars]`;
  const url = /^([a-z][a-z0-9+.-]{1,20}:\/\/)([^:@/\s]{0,64}):[^@\s]+@([^/\s?#]{1,255})/i.exec(secret);
  if (url) return `${url[1]}${url[2]}:****@${url[3]}…[${len} chars]`;
  const prefix = FAMILY_PREFIX.exec(secret)?.[0] ?? '';
  const visibleHead = Math.min(4, Math.max(0, Math.floor((len - prefix.length) / 8)));
  const head = secret.slice(0, prefix.length + visibleHead);
  // A connection string may end in its password (`…;Password=hunter2`, JDBC `?password=…`):
  // then the tail would be part of the password, so show none.
  const tail = len >= 20 && !/(?:password|passwd|pwd|secret|sig|token|key)\s*=/i.test(secret) ? secret.slice(-4) : '';
  return `${head}…${tail}[${len} chars]`;
}
