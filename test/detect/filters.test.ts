import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultMinEntropy,
  falsePositiveReason,
  isKnownExample,
  isPlaceholder,
  isTruncatedAt,
  knownExampleLabel,
  longestRun,
  longestSequence,
  looksRedacted,
  shannonEntropy,
} from '../../src/detect/filters.js';
import { ALNUM, BASE64, HEX, randomBody } from '../../src/detect/rules/gen.js';

// Public documentation examples, assembled at test time (the repository never holds them whole).
const AWS_DOCS_ID = ['AKIAIOSFODNN7', 'EXAMPLE'].join('');
const AWS_DOCS_SECRET = ['wJalrXUtnFEMI/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'].join('');
const AWS_DOCS_ID_2 = ['AKIAI44QH8DHB', 'EXAMPLE'].join('');
const STRIPE_DOCS_TEST_KEY = ['sk_test_4eC39HqLyjWDarjtT', '1zdp7dc'].join('');
const STRIPE_DOCS_PK = ['pk_test_TYooMQauvdEDq54NiTphI', '7jx'].join('');

/** The jwt.io sample token, rebuilt from its documented header, claims and HS256 secret. */
function jwtIoSample(): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: '1234567890', name: 'John Doe', iat: 1516239022 })}`;
  return `${input}.${createHmac('sha256', 'your-256-bit-secret').update(input).digest('base64url')}`;
}

describe('shannonEntropy', () => {
  it('measures bits per character', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaaaaaa')).toBe(0);
    expect(shannonEntropy('abababab')).toBeCloseTo(1, 10);
    expect(shannonEntropy('abcd')).toBeCloseTo(2, 10);
    expect(shannonEntropy(randomBody(ALNUM, 64))).toBeGreaterThan(4.5);
    expect(shannonEntropy(randomBody(HEX, 64))).toBeGreaterThan(3.5);
  });

  it('random token bodies clear the default bar, fillers do not', () => {
    for (const n of [16, 20, 32, 40, 64]) {
      expect(shannonEntropy(randomBody(HEX, n))).toBeGreaterThanOrEqual(defaultMinEntropy(n));
      expect(shannonEntropy(randomBody(ALNUM, n))).toBeGreaterThanOrEqual(defaultMinEntropy(n));
    }
    expect(shannonEntropy('test1234test1234test1234')).toBeLessThan(defaultMinEntropy(24));
  });
});

describe('isPlaceholder', () => {
  it.each([
    'your-token',
    'xoxb-your-token',
    'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    'XXXXXXXXXXXXXXXXXXXX',
    '<token>',
    '<YOUR_API_KEY>',
    '${TOKEN}',
    '$GITHUB_TOKEN',
    '{{ secrets.NPM_TOKEN }}',
    '%(password)s',
    '%API_KEY%',
    'changeme',
    'change-me-please',
    'your-api-key',
    'insert_your_key_here',
    'aaaaaaaaaaaaaaaaaaaa',
    'abcdefghijklmnop',
    '1234567890123456',
    'zyxwvutsrq',
    'abababababababab',
    'sk_live_placeholder_for_docs',
    'dummy-token-value',
    'AKIAIOSFODNN7EXAMPLE',
    'my-secret-EXAMPLEKEY',
    'REDACTED',
    '00000000000000000000',
  ])('%s is a placeholder', (s) => {
    expect(isPlaceholder(s)).toBe(true);
  });

  it('random token bodies are not placeholders', () => {
    for (let i = 0; i < 200; i++) {
      expect(isPlaceholder(randomBody(ALNUM, 36))).toBe(false);
      expect(isPlaceholder(randomBody(BASE64, 40))).toBe(false);
    }
  });

  it('counts runs and sequences', () => {
    expect(longestRun('abbbbc')).toBe(4);
    expect(longestSequence('x1234567y')).toBe(7);
    expect(longestSequence('fedcba')).toBe(6);
  });
});

describe('isKnownExample', () => {
  it.each([
    ['AWS documentation access key id', AWS_DOCS_ID],
    ['AWS documentation secret access key', AWS_DOCS_SECRET],
    ['AWS documentation access key id', AWS_DOCS_ID_2],
    ['Stripe documentation test secret key', STRIPE_DOCS_TEST_KEY],
    ['Stripe documentation publishable key', STRIPE_DOCS_PK],
    ['GitHub documentation token example', ['ghp_16C7e42F292c6912E7710c838347', 'Ae178B4a'].join('')],
    ['jwt.io sample token', jwtIoSample()],
  ])('recognises the %s by hash', (label, s) => {
    expect(isKnownExample(s)).toBe(true);
    expect(knownExampleLabel(s)).toBe(label);
  });

  it('matches exact strings only, not prefixes or near misses', () => {
    expect(isKnownExample(AWS_DOCS_ID.toLowerCase())).toBe(false);
    expect(isKnownExample(`${STRIPE_DOCS_TEST_KEY}x`)).toBe(false);
    expect(isKnownExample(`sk_test_${randomBody(ALNUM, 24)}`)).toBe(false);
    expect(isKnownExample('')).toBe(false);
  });
});

describe('looksRedacted / isTruncatedAt', () => {
  it.each(['sk_live_••••4242', 'eyJ***', 'ghp_abcd...', 'xoxb-…', '[REDACTED]', '<redacted>', 'token: ****', 'abc█████'])('%s looks redacted', (s) => {
    expect(looksRedacted(s)).toBe(true);
  });

  it('a real token does not look redacted', () => {
    expect(looksRedacted(randomBody(ALNUM, 40))).toBe(false);
    expect(looksRedacted('https://hooks.slack.com/services/T0/B0/x')).toBe(false);
  });

  it('detects a preview cut short by a mark right after or before the span', () => {
    const t = 'key ghp_abcdef… more';
    const s = t.indexOf('ghp_');
    expect(isTruncatedAt(t, s, t.indexOf('…'))).toBe(true);
    expect(isTruncatedAt('x ...abcdef y', 5, 11)).toBe(true);
    expect(isTruncatedAt('x abcdef. y', 2, 8)).toBe(false);
  });
});

describe('falsePositiveReason', () => {
  it('names why a candidate is not a finding', () => {
    expect(falsePositiveReason(AWS_DOCS_ID)).toBe('known-example');
    expect(falsePositiveReason('ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', { body: 'x'.repeat(36) })).toBe('placeholder');
    expect(falsePositiveReason('sk_live_••••4242', { body: '••••4242' })).toBe('redacted');
    expect(falsePositiveReason('tok_q1w2q1w2q1w2q1w2q1w2', { body: 'q1w2q1w2q1w2q1w2q1w2' })).toBe('low-entropy');
    expect(falsePositiveReason(`tok_${randomBody(ALNUM, 32)}`)).toBeNull();
  });

  it('structured bodies (DER, counters) skip only the run/sequence heuristics', () => {
    const der = `MIIB${'A'.repeat(12)}${randomBody(BASE64, 60)}`;
    expect(falsePositiveReason(der, { structured: true })).toBeNull();
    expect(falsePositiveReason('<your key here>', { structured: true })).toBe('placeholder');
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), fc.option(fc.double({ noNaN: false })), (s, min) => {
        falsePositiveReason(s, min === null ? {} : { minEntropy: min });
        isPlaceholder(s);
        looksRedacted(s);
        isKnownExample(s);
        expect(Number.isFinite(shannonEntropy(s))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
