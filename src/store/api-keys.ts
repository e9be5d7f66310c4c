/**
 * API key format and hashing. A key is `trk_<id>_<secret>`: `id` (12 lowercase base32 characters)
 * is public and names the row; `secret` is 32 random bytes in base64url. Only SHA-256 of the whole
 * key is stored: with 256 bits of entropy a fast hash is enough (nothing to brute-force), and
 * comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_LENGTH = 12;
export const API_KEY_PATTERN = /^trk_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): { id: string; key: string; hash: string } {
  const bytes = randomBytes(ID_LENGTH);
  let id = '';
  for (const b of bytes) id += ID_ALPHABET[b & 31];
  const key = `trk_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, hash: hashApiKey(key) };
}

/** The public id of a well-formed key, else null. */
export function apiKeyId(key: string): string | null {
  return API_KEY_PATTERN.exec(key)?.[1] ?? null;
}

export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}
