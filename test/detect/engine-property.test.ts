/**
 * Property-based tests of the engine on untrusted text: it never throws, its output is always
 * well-formed, and a token planted anywhere (between separators) in random text is found — a JWT
 * built at test time, and every credential rule's own match examples.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createDefaultEngine, createEngine } from '../../src/detect/index.js';
import { jwtDetector } from '../../src/detect/jwt/detector.js';
import { credentialRules } from '../../src/detect/rules/index.js';
import type { Match } from '../../src/detect/types.js';
import { fakeSignedJwt, unsignedJwt } from '../support/jwt-factory.js';

const engine = createDefaultEngine({ disabledRules: [], customRules: [] });

/** Text of every kind: ASCII, full Unicode (lone surrogates included), binary-ish. */
const anyText = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: fc.constantFrom('\ud800', '\udfff', '\u0000', 'e', 'y', 'J', '.', '_', '-', '~', '\n', ' ', 'A', '%', '2', 'E'), maxLength: 400 }),
);

/** Prose-like filler: words, digits and punctuation, never glued to the planted token. */
const filler = fc.array(fc.constantFrom('the', 'deploy', 'token', 'key', 'secret', 'password', 'failed', '42', 'on', 'staging', 'see', 'OPS-12', '🙂', 'naïve', ':', ','), { maxLength: 30 }).map((w) => w.join(' '));
const separator = fc.constantFrom(' ', '\n', '\t', ' `', '"', "'", ' (', ': ', ' = ', '\n\n');
const closing = fc.constantFrom(' ', '\n', '\t', '` ', '"', "'", ') ', ' ,', '\n\n');

function wellFormed(text: string, found: Match[]): void {
  let last = -1;
  for (const m of found) {
    expect(m.secret.length).toBeGreaterThan(0);
    expect(m.start).toBeGreaterThanOrEqual(0);
    expect(m.end).toBeLessThanOrEqual(text.length);
    expect(m.end).toBeGreaterThan(m.start);
    expect(m.start).toBeGreaterThanOrEqual(last); // sorted, no overlaps
    last = m.end;
  }
}

describe('engine properties', () => {
  it('never throws and always returns sorted, non-overlapping, in-bounds matches', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const found = engine.scan(text);
        wellFormed(text, found);
      }),
      { numRuns: 300 },
    );
  });

  it('finds a JWT planted anywhere in random text', () => {
    const tokens = [fakeSignedJwt({ sub: 'svc-a', scope: 'admin', exp: 2_000_000_000 }), unsignedJwt({}, { sub: 'none-user' })];
    fc.assert(
      fc.property(anyText, separator, fc.constantFrom(...tokens), closing, anyText, (before, open, token, close, after) => {
        const text = before + open + token + close + after;
        const found = engine.scan(text);
        wellFormed(text, found);
        const at = before.length + open.length;
        const m = found.find((x) => x.ruleId === 'jwt' && x.start === at);
        expect(m?.secret).toBe(token);
      }),
      { numRuns: 300 },
    );
  });

  it('the JWT detector alone agrees with the engine on random text around a JWT', () => {
    const token = fakeSignedJwt({ sub: 'svc-b' });
    const jwtOnly = createEngine([jwtDetector]);
    fc.assert(
      fc.property(filler, separator, closing, filler, (before, open, close, after) => {
        const text = before + open + token + close + after;
        expect(jwtOnly.scan(text).map((m) => m.secret)).toEqual([token]);
      }),
      { numRuns: 100 },
    );
  });

  // One property per rule: its own match examples, planted in prose, are still found.
  const cases = credentialRules.flatMap((rule) =>
    rule.examples().match.map((example, i) => ({ rule, example, name: `${rule.id} example ${i + 1}` })),
  );

  it.each(cases.map((c) => [c.name, c] as const))('finds a planted credential: %s', (_name, { rule, example }) => {
    const expected = createEngine([rule]).scan(example).filter((m) => m.ruleId === rule.id);
    expect(expected.length, 'the rule finds its own example').toBeGreaterThan(0);
    fc.assert(
      fc.property(filler, filler, (before, after) => {
        const text = `${before}\n${example}\n${after}`;
        const base = before.length + 1;
        const found = engine.scan(text);
        wellFormed(text, found);
        for (const e of expected) {
          // Found at the same place — by this rule, or by a rule the overlap policy ranks higher.
          const m = found.find((x) => x.start <= base + e.start && x.end >= base + e.end);
          expect(m, `${rule.id} at ${e.start}`).toBeDefined();
        }
      }),
      { numRuns: 5 },
    );
  });
});
