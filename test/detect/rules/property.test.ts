/**
 * Properties over every registered rule: `find` never throws and stays bounded on hostile input,
 * and a token from a rule's own examples is found wherever it is planted in random text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credentialRules } from '../../../src/detect/rules/index.js';
import { MAX_MATCHES_PER_RULE } from '../../../src/detect/rules/kit.js';

describe('every rule on hostile input', () => {
  it('never throws and returns well-formed, bounded matches', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 3000 }), fc.string({ unit: 'grapheme', maxLength: 1000 }), fc.string({ maxLength: 3000 })),
        fc.constantFrom(...credentialRules.flatMap((r) => r.keywords)),
        (noise, keyword) => {
          // Keywords spliced into noise make every rule actually run its matcher on it.
          const text = `${noise}${keyword}${noise.slice(0, 50)}\uD83D${keyword}=${noise.slice(-80)}`;
          for (const r of credentialRules) {
            const out = [...r.find(text)];
            expect(out.length).toBeLessThanOrEqual(MAX_MATCHES_PER_RULE);
            for (const m of out) {
              expect(m.ruleId).toBe(r.id);
              expect(m.secret.length).toBeGreaterThan(0);
              expect(0 <= m.start && m.start < m.end && m.end <= text.length).toBe(true);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stays bounded on keyword-dense input (every position a candidate start)', () => {
    for (const r of credentialRules) {
      for (const k of r.keywords) {
        const text = `${k}A1b2C3d4e5-_.`.repeat(Math.ceil(50_000 / (k.length + 14)));
        expect([...r.find(text)].length <= MAX_MATCHES_PER_RULE, r.id).toBe(true);
      }
    }
  });

  it('a one-megabyte line without a newline is handled', () => {
    const line = 'x'.repeat(1_000_000);
    for (const r of credentialRules) expect([...r.find(`${r.keywords[0]}${line}`)]).toEqual([]);
  });
});

describe('a planted token is found wherever it is placed', () => {
  it.each(credentialRules.map((r) => [r.id, r] as const))('%s', (_id, rule) => {
    const example = rule.examples().match[0]!;
    const expected = [...rule.find(example)].map((m) => m.secret);
    expect(expected.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (before, after) => {
        const text = `${before}\n\n${example}\n\n${after}`;
        const found = [...rule.find(text)];
        for (const s of expected) expect(found.some((m) => m.secret === s && m.start >= before.length)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});
