/**
 * Integrity checks built into some token formats. A failed checksum is the strongest
 * false-positive signal there is: a token-shaped string whose checksum does not verify was never
 * issued (a typo, a hand-made placeholder, a widely copied fake).
 *
 * All functions are pure and never throw on any string input.
 */
import * as zlib from 'node:zlib';

/** `0-9A-Za-z`: the alphabet GitHub and npm use for their checksums. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

// Node 20.15+ ships a native CRC32; the table version keeps older runtimes (and odd builds) working.
const nativeCrc32: ((data: string | Uint8Array) => number) | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (zlib as unknown as { crc32: (d: string | Uint8Array) => number }).crc32 : undefined;

/** CRC-32 (IEEE 802.3 / zlib) of the UTF-8 bytes of `data`, as an unsigned 32-bit integer. */
export function crc32(data: string | Uint8Array): number {
  if (nativeCrc32) return nativeCrc32(data) >>> 0;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Base62 (`0-9A-Za-z`) of a non-negative integer, left-padded with `0` to `width`. */
export function base62(n: number, width = 0): string {
  let v = Math.max(0, Math.floor(n));
  let out = '';
  do {
    out = BASE62_ALPHABET[v % 62]! + out;
    v = Math.floor(v / 62);
  } while (v > 0);
  return out.padStart(width, '0');
}

/** The 6-character checksum GitHub and npm append to 30 random base62 characters. */
export function base62Crc32Checksum(random: string): string {
  return base62(crc32(random), 6);
}

/**
 * Verifies a GitHub-style token: `<prefix><30 random><6 checksum>`, where the checksum is the
 * base62 CRC32 of the random part (GitHub `ghp_ gho_ ghu_ ghs_ ghr_`, npm `npm_`).
 * `prefixLength` is the length of the literal prefix (`ghp_` = 4).
 */
export function verifyBase62Crc32Token(token: string, prefixLength: number): boolean {
  if (token.length !== prefixLength + 36) return false;
  const random = token.slice(prefixLength, prefixLength + 30);
  const check = token.slice(prefixLength + 30);
  if (!/^[0-9A-Za-z]{30}$/.test(random) || !/^[0-9A-Za-z]{6}$/.test(check)) return false;
  return base62Crc32Checksum(random) === check;
}

// ---------------------------------------------------------------------------------------------
// Bech32 (BIP 173), used by age secret keys (`AGE-SECRET-KEY-1…`).

const BECH32_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function bech32Polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= BECH32_GEN[i]!;
  }
  return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

/** True when `s` (either all upper or all lower case) is a valid Bech32 string. */
export function verifyBech32(s: string): boolean {
  if (s.length < 8 || s.length > 1000) return false;
  if (s !== s.toLowerCase() && s !== s.toUpperCase()) return false;
  const lower = s.toLowerCase();
  const sep = lower.lastIndexOf('1');
  if (sep < 1 || sep + 7 > lower.length) return false;
  const hrp = lower.slice(0, sep);
  const data: number[] = [];
  for (const ch of lower.slice(sep + 1)) {
    const v = BECH32_CHARSET.indexOf(ch);
    if (v === -1) return false;
    data.push(v);
  }
  return bech32Polymod([...hrpExpand(hrp), ...data]) === 1;
}

/** Bech32-encode 5-bit `words` under `hrp` (lower case). For generating test examples. */
export function encodeBech32(hrp: string, words: number[]): string {
  const lower = hrp.toLowerCase();
  const values = [...hrpExpand(lower), ...words, 0, 0, 0, 0, 0, 0];
  const mod = bech32Polymod(values) ^ 1;
  const check: number[] = [];
  for (let i = 0; i < 6; i++) check.push((mod >>> (5 * (5 - i))) & 31);
  return `${lower}1${[...words, ...check].map((w) => BECH32_CHARSET[w]!).join('')}`;
}

/** Regroup 8-bit bytes into 5-bit words (with padding), as Bech32 payloads are encoded. */
export function toWords(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push((acc >>> bits) & 31);
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out.push((acc << (5 - bits)) & 31);
  return out;
}
