/**
 * Generators for token-shaped example strings. Rules build their `examples()` from these at call
 * time (random bodies, real checksums), and `test/support/token-factory.ts` re-exports them for
 * other tests — so no live-looking credential is ever committed.
 *
 * Not on the scanning path: only `examples()` and tests call these.
 */
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { base62Crc32Checksum } from '../checksum.js';
import { isPlaceholder, shannonEntropy, defaultMinEntropy } from '../filters.js';

export const DIGITS = '0123456789';
export const HEX = '0123456789abcdef';
export const HEX_UPPER = '0123456789ABCDEF';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const ALNUM = DIGITS + UPPER + LOWER;
export const LOWER_ALNUM = DIGITS + LOWER;
export const UPPER_ALNUM = DIGITS + UPPER;
export const BASE64 = UPPER + LOWER + DIGITS + '+/';
export const BASE64URL = UPPER + LOWER + DIGITS + '-_';
export const BASE32 = UPPER + '234567';

/** `n` characters drawn uniformly from `alphabet`. */
export function randomChars(alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[randomInt(alphabet.length)]!;
  return s;
}

/**
 * Like `randomChars`, but re-drawn until it passes the placeholder and entropy filters, so an
 * example can never flake because chance produced `aaaaaa` or `abcdef`.
 */
export function randomBody(alphabet: string, n: number): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    const s = randomChars(alphabet, n);
    if (!isPlaceholder(s) && shannonEntropy(s) >= defaultMinEntropy(n)) return s;
  }
  return randomChars(alphabet, n);
}

/** `<prefix><30 random base62><6-char base62 CRC32>`: GitHub `ghp_ gho_ ghu_ ghs_ ghr_`, npm `npm_`. */
export function base62ChecksumToken(prefix: string): string {
  const random = randomBody(ALNUM, 30);
  return `${prefix}${random}${base62Crc32Checksum(random)}`;
}

/** The same shape with a checksum that does not verify (for ignore examples). */
export function badChecksumToken(prefix: string): string {
  const random = randomBody(ALNUM, 30);
  const good = base62Crc32Checksum(random);
  let bad = good;
  while (bad === good) bad = randomBody(ALNUM, 6);
  return `${prefix}${random}${bad}`;
}

/** Typical places a token is pasted: env files, JSON, an HTTP header, chat backticks. */
export function placements(token: string, name = 'TOKEN'): string[] {
  return [
    `${name}=${token}`,
    `{"${name.toLowerCase()}": "${token}", "note": "rotate me"}`,
    `curl -H "Authorization: Bearer ${token}" https://api.example.test/v1`,
    `hey can you try with \`${token}\` ?`,
  ];
}

/** Redacted, truncated and templated forms of a token that must not be findings. */
export function redactedForms(token: string, prefixLength: number): string[] {
  const head = token.slice(0, prefixLength);
  return [
    `${head}${'•'.repeat(8)}${token.slice(-4)}`,
    `${token.slice(0, Math.max(prefixLength + 4, token.length - 6))}...`,
    `${token.slice(0, Math.max(prefixLength + 4, token.length - 6))}***`,
    `${head}<your-token>`,
    `${head}\${TOKEN}`,
    `${head}${'x'.repeat(Math.max(8, token.length - prefixLength))}`,
  ];
}

export type PrivateKeyType = 'rsa' | 'ec' | 'pkcs8' | 'encrypted-pkcs8' | 'encrypted-rsa' | 'dsa' | 'openssh' | 'encrypted-openssh' | 'pgp' | 'putty' | 'encrypted-putty';

function wrap64(b64: string): string {
  return (b64.match(/.{1,64}/g) ?? []).join('\n');
}

function sshString(b: Buffer | string): Buffer {
  const data = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, data]);
}

/**
 * A private key block generated now. PEM types are real keys from node:crypto (RSA 1024 bits to
 * stay fast); `openssh`, `pgp` and `putty` are structurally faithful containers around random
 * bytes (node cannot export those formats). Lines end with `\n`, no trailing newline.
 */
export function privateKeyBlock(type: PrivateKeyType): string {
  const passphrase = randomChars(ALNUM, 16);
  switch (type) {
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 1024, publicKeyEncoding: { type: 'pkcs1', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } }).privateKey.trim();
    case 'encrypted-rsa':
      return generateKeyPairSync('rsa', {
        modulusLength: 1024,
        publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase },
      }).privateKey.trim();
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'sec1', format: 'pem' } }).privateKey.trim();
    case 'pkcs8':
      return generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }).privateKey.trim();
    case 'encrypted-pkcs8':
      return generateKeyPairSync('ed25519', {
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
      }).privateKey.trim();
    case 'dsa': {
      // A DER SEQUENCE under the traditional OpenSSL label (node exports DSA keys only as PKCS#8).
      const der = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' });
      return `-----BEGIN DSA PRIVATE KEY-----\n${wrap64(Buffer.concat([der, randomBytes(300)]).toString('base64'))}\n-----END DSA PRIVATE KEY-----`;
    }
    case 'openssh':
    case 'encrypted-openssh': {
      const enc = type === 'encrypted-openssh';
      const body = Buffer.concat([
        Buffer.from('openssh-key-v1\0', 'latin1'),
        sshString(enc ? 'aes256-ctr' : 'none'),
        sshString(enc ? 'bcrypt' : 'none'),
        sshString(enc ? Buffer.concat([sshString(randomBytes(16)), Buffer.from([0, 0, 0, 24])]) : Buffer.alloc(0)),
        Buffer.from([0, 0, 0, 1]),
        sshString(Buffer.concat([sshString('ssh-ed25519'), sshString(randomBytes(32))])),
        sshString(randomBytes(144)),
      ]);
      return `-----BEGIN OPENSSH PRIVATE KEY-----\n${(body.toString('base64').match(/.{1,70}/g) ?? []).join('\n')}\n-----END OPENSSH PRIVATE KEY-----`;
    }
    case 'pgp': {
      const body = Buffer.concat([Buffer.from([0x95, 0x03, 0xc6]), randomBytes(960)]);
      const crc = randomBytes(3).toString('base64');
      return `-----BEGIN PGP PRIVATE KEY BLOCK-----\nComment: generated for a test\n\n${wrap64(body.toString('base64'))}\n=${crc}\n-----END PGP PRIVATE KEY BLOCK-----`;
    }
    case 'putty':
    case 'encrypted-putty': {
      const enc = type === 'encrypted-putty';
      const pub = Buffer.concat([sshString('ssh-ed25519'), sshString(randomBytes(32))]).toString('base64');
      const priv = randomBytes(enc ? 48 : 36).toString('base64');
      const kdf = enc ? `Key-Derivation: Argon2id\nArgon2-Memory: 8192\nArgon2-Passes: 13\nArgon2-Parallelism: 1\nArgon2-Salt: ${randomBytes(16).toString('hex')}\n` : '';
      return `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: ${enc ? 'aes256-cbc' : 'none'}\nComment: eddsa-key-${randomChars(DIGITS, 8)}\nPublic-Lines: 2\n${pub.slice(0, 64)}\n${pub.slice(64)}\n${kdf}Private-Lines: 1\n${priv}\nPrivate-MAC: ${randomBytes(32).toString('hex')}`;
    }
  }
}
