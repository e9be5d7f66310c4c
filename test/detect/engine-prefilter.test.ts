/**
 * The prefilter against a naive reference: every occurrence of every keyword, ASCII-case-
 * insensitively, nothing else — on random text built from keyword fragments, case changes,
 * non-ASCII characters whose low byte looks like ASCII (the scan copies low bytes), and across
 * the block boundary.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createPrefilter, foldAscii } from '../../src/detect/prefilter.js';

function reference(keywords: readonly string[], text: string): string[] {
  const folded = foldAscii(text);
  const out: string[] = [];
  keywords.forEach((kw, id) => {
    for (let i = folded.indexOf(kw); i >= 0; i = folded.indexOf(kw, i + 1)) out.push(`${id}@${i}`);
  });
  return out.sort();
}

function actual(keywords: readonly string[], text: string): string[] {
  const hits = createPrefilter(keywords).scan(text);
  const out: string[] = [];
  for (let k = 0; k < hits.length; k += 2) out.push(`${hits[k]}@${hits[k + 1]}`);
  return out.sort();
}

const KEYWORDS = ['ghp_', 'xoxb-', 'akia', 'eyj', 'password=', 'q~', 'sk_live_', '-----begin', 'postgres://', 'clé:', 'hf_', 'pat', 'ssws', '1//0'];

/** Characters that stress the folding: case pairs, `_` vs `?` vs DEL, digits vs letters, U+0167 (low byte 'g'). */
const tricky = fc.constantFrom('g', 'G', 'h', 'p', 'P', '_', '?', '\u007f', 'x', 'o', 'b', '-', '\u0167', '\u0150', 'é', 'k', 'i', 'a', 'A', 'q', 'Q', '~', '\ud800', '1', '/', '0', ' ', '\n');

const text = fc.array(fc.oneof(fc.constantFrom(...KEYWORDS, ...KEYWORDS.map((k) => k.toUpperCase())), fc.string({ unit: tricky, maxLength: 6 }), fc.string({ maxLength: 6 })), { maxLength: 60 }).map((p) => p.join(''));

describe('prefilter', () => {
  it('reports exactly the keyword occurrences a naive search finds (property)', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(actual(KEYWORDS, t)).toEqual(reference(KEYWORDS, t));
      }),
      { numRuns: 500 },
    );
  });

  it('is exact across the block boundary of long texts', () => {
    const block = 1 << 18;
    fc.assert(
      fc.property(fc.integer({ min: block - 12, max: block + 4 }), fc.constantFrom(...KEYWORDS), (at, kw) => {
        const t = 'z'.repeat(at) + kw.toUpperCase() + 'z'.repeat(10) + kw;
        expect(actual(KEYWORDS, t)).toEqual(reference(KEYWORDS, t));
      }),
      { numRuns: 30 },
    );
  });

  it('reports overlapping and nested occurrences', () => {
    const kws = ['aaa', 'aaaa', 'xoxb-', 'xo'];
    expect(actual(kws, 'AAAAA xoxoxb-')).toEqual(reference(kws, 'AAAAA xoxoxb-'));
    expect(actual(kws, 'AAAAA xoxoxb-')).toHaveLength(3 + 2 + 1 + 2);
  });
});
