import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { neutralise, stringifyForDisplay } from '../../src/core/display.js';

// Everything that can drive a terminal, start a line or reorder text.
const UNSAFE = ['\u0000', '\u0007', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009b', '\u061c', '\u200e', '\u200f', '\u2028', '\u2029', '\u202a', '\u202e', '\u2066', '\u2069'];
const hasUnsafe = (s: string) => UNSAFE.some((c) => s.includes(c));
const hostile = fc.string({ unit: fc.oneof(fc.constantFrom(...UNSAFE), fc.constantFrom('a', 'é', '€', '😀', '"', '\\', '/')), maxLength: 30 });

describe('display safety', () => {
  it('neutralise replaces every unsafe character and keeps the rest', () => {
    expect(neutralise('ok\u001b[31mred\u202etxt.exe\r\nFAKE')).toBe('ok\ufffd[31mred\ufffdtxt.exe\ufffd\ufffdFAKE');
    expect(neutralise('a\u2028b', '?')).toBe('a?b');
    expect(neutralise('plain é € 😀')).toBe('plain é € 😀');
    fc.assert(fc.property(hostile, (s) => !hasUnsafe(neutralise(s)) && neutralise(s).length === s.length));
  });

  it('stringifyForDisplay: the same data for a JSON parser, no raw unsafe character in the text', () => {
    const value = { path: 'src/\u202eexe.txt', claim: 'x\u0085y\u2028z\u009b31m', nested: ['\u061c', { k: '\u2066\u2069' }] };
    const text = stringifyForDisplay(value, 2);
    expect(text).toContain('\\u202e');
    expect(hasUnsafe(text.replace(/\n {0,8}/g, ''))).toBe(false);
    expect(JSON.parse(text)).toEqual(value);
    fc.assert(
      fc.property(fc.dictionary(hostile, fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }), fc.integer())), (v) => {
        const compact = stringifyForDisplay(v);
        expect(hasUnsafe(compact)).toBe(false);
        expect(JSON.parse(compact)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 500 },
    );
  });
});
