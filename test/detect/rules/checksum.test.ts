/**
 * Checksum recipes, checked against computations derived independently of our code: the CRC-32
 * check value from its specification, a base62-CRC32 vector published in secretlint's issue
 * tracker (computed there with a 0-9a-zA-Z alphabet, so ours is its case-swap), and BIP-173's
 * Bech32 test vectors.
 */
import { describe, expect, it } from 'vitest';
import { base62, base62Crc32Checksum, crc32, encodeBech32, toWords, verifyBase62Crc32Token, verifyBech32 } from '../../../src/detect/checksum.js';
import { ALNUM, randomBody } from '../../../src/detect/rules/gen.js';

const swapCase = (s: string): string => s.replace(/[a-zA-Z]/g, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));

describe('crc32', () => {
  it('matches the CRC-32/ISO-HDLC check value and zlib on byte input', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
    expect(crc32(new Uint8Array([0xff, 0x00, 0x7f]))).toBe(crc32(Buffer.from([0xff, 0x00, 0x7f])));
  });
});

describe('base62', () => {
  it('encodes with 0-9A-Za-z and pads on the left', () => {
    expect(base62(0, 6)).toBe('000000');
    expect(base62(61)).toBe('z');
    expect(base62(62)).toBe('10');
    expect(base62(0xffffffff, 6)).toBe('4gfFC3');
  });

  it('reproduces the published GitHub-style checksum vector', () => {
    // secretlint issue 202: base62(crc32("qkJaB6MffYVzZXWqmcoF49yrUxP3wf")).padStart(6, "0") === "0lSAKp" with a 0-9a-zA-Z alphabet.
    expect(base62Crc32Checksum('qkJaB6MffYVzZXWqmcoF49yrUxP3wf')).toBe(swapCase('0lSAKp'));
  });
});

describe('verifyBase62Crc32Token', () => {
  it('accepts generated tokens and rejects any single-character change', () => {
    for (let i = 0; i < 50; i++) {
      const random = randomBody(ALNUM, 30);
      const token = `ghp_${random}${base62Crc32Checksum(random)}`;
      expect(verifyBase62Crc32Token(token, 4)).toBe(true);
      const pos = 4 + (i % 36);
      const c = token[pos]!;
      const mutated = token.slice(0, pos) + (c === 'a' ? 'b' : 'a') + token.slice(pos + 1);
      expect(verifyBase62Crc32Token(mutated, 4)).toBe(false);
    }
  });

  it('rejects the widely copied documentation example and malformed input', () => {
    expect(verifyBase62Crc32Token(['ghp_16C7e42F292c6912E7710c838347', 'Ae178B4a'].join(''), 4)).toBe(false);
    expect(verifyBase62Crc32Token('ghp_short', 4)).toBe(false);
    expect(verifyBase62Crc32Token(`ghp_${'é'.repeat(36)}`, 4)).toBe(false);
  });
});

describe('bech32', () => {
  it('accepts the BIP-173 valid test vectors', () => {
    for (const v of ['A12UEL5L', 'a12uel5l', 'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw', 'split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w']) {
      expect(verifyBech32(v), v).toBe(true);
    }
  });

  it('rejects the BIP-173 invalid vectors (bad checksum, mixed case, empty hrp)', () => {
    for (const v of ['A1G7SGD8', '10a06t8', '1qzzfhee', 'a12UEL5L', 'pzry9x0s0muk']) expect(verifyBech32(v), v).toBe(false);
  });

  it('round-trips what it encodes', () => {
    const words = toWords(Buffer.from(randomBody(ALNUM, 32)));
    const s = encodeBech32('AGE-SECRET-KEY-', words);
    expect(verifyBech32(s)).toBe(true);
    expect(verifyBech32(s.toUpperCase())).toBe(true);
    expect(verifyBech32(s.slice(0, -1) + (s.endsWith('q') ? 'p' : 'q'))).toBe(false);
  });
});
