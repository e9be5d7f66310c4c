import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { temporalLiveness } from '../../../src/score/liveness/temporal.js';
import { LivenessSchema } from '../../../src/core/types.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const now = NOW.getTime() / 1000;
const SKEW = 120;

describe('temporal liveness', () => {
  it('a token whose exp passed is expired, with expiresAt and how long ago', () => {
    const l = temporalLiveness({ exp: now - 3600 }, NOW, SKEW);
    expect(l.state).toBe('expired');
    expect(l.expiresAt).toBe('2025-06-01T11:00:00.000Z');
    expect(l.reason).toContain('expired 60 min ago');
    expect(l.checkedBy).toEqual(['temporal']);
  });

  it('a token that expired within the skew allowance is still valid by time', () => {
    const l = temporalLiveness({ exp: now - 60 }, NOW, SKEW);
    expect(l.state).toBe('live');
    expect(l.reason).toContain('clock-skew');
  });

  it('the skew is configurable', () => {
    expect(temporalLiveness({ exp: now - 60 }, NOW, 30).state).toBe('expired');
    expect(temporalLiveness({ exp: now - 60 }, NOW, 0).state).toBe('expired');
    expect(temporalLiveness({ exp: now }, NOW, 0).state).toBe('expired');
    expect(temporalLiveness({ exp: now + 1 }, NOW, 0).state).toBe('live');
  });

  it('a token with nbf in the future is not-yet-valid; within skew it is valid', () => {
    expect(temporalLiveness({ nbf: now + 3600, exp: now + 7200 }, NOW, SKEW).state).toBe('not-yet-valid');
    expect(temporalLiveness({ nbf: now + 60, exp: now + 7200 }, NOW, SKEW).state).toBe('live');
  });

  it('an expired token is expired even when nbf is also in the future', () => {
    expect(temporalLiveness({ nbf: now + 3600, exp: now - 3600 }, NOW, SKEW).state).toBe('expired');
  });

  it('iat in the future beyond skew is noted without changing the state', () => {
    const l = temporalLiveness({ iat: now + 86_400, exp: now + 90_000 }, NOW, SKEW);
    expect(l.state).toBe('live');
    expect(l.reason).toContain('issued in the future');
    expect(temporalLiveness({ iat: now + 60, exp: now + 600 }, NOW, SKEW).reason).not.toContain('issued in the future');
  });

  it('no exp means not expired and is called long-lived', () => {
    const l = temporalLiveness({ sub: 'system:serviceaccount:kube-system:default' }, NOW, SKEW);
    expect(l.state).toBe('live');
    expect(l.expiresAt).toBeUndefined();
    expect(l.reason).toContain('no exp');
  });

  it('millisecond timestamps are detected and converted', () => {
    const future = temporalLiveness({ exp: (now + 3600) * 1000 }, NOW, SKEW);
    expect(future.state).toBe('live');
    expect(future.expiresAt).toBe('2025-06-01T13:00:00.000Z');
    expect(future.reason).toContain('milliseconds');
    const past = temporalLiveness({ exp: (now - 3600) * 1000 }, NOW, SKEW);
    expect(past.state).toBe('expired');
    expect(temporalLiveness({ nbf: (now + 3600) * 1000 }, NOW, SKEW).state).toBe('not-yet-valid');
  });

  it('numeric strings are read (noted); other junk is ignored (noted)', () => {
    const s = temporalLiveness({ exp: String(now - 3600) }, NOW, SKEW);
    expect(s.state).toBe('expired');
    expect(s.reason).toContain('exp is a string');
    for (const exp of ['soon', true, null, { $date: 1 }, [now - 100], '', 'NaN', 'Infinity']) {
      const l = temporalLiveness({ exp }, NOW, SKEW);
      expect(l.state).toBe('live');
      expect(l.reason).toContain('exp is not a number');
      expect(l.expiresAt).toBeUndefined();
    }
  });

  it('absurd values do not throw: far future is "never", far past is expired, fractional seconds work', () => {
    const far = temporalLiveness({ exp: 1e300 }, NOW, SKEW);
    expect(far.state).toBe('live');
    expect(far.expiresAt).toBeUndefined();
    expect(far.reason).toContain('beyond any representable date');
    expect(temporalLiveness({ exp: -1e300 }, NOW, SKEW).state).toBe('expired');
    expect(temporalLiveness({ exp: -5 }, NOW, SKEW).state).toBe('expired');
    expect(temporalLiveness({ exp: 0 }, NOW, SKEW).state).toBe('expired');
    expect(temporalLiveness({ exp: now + 0.5 + SKEW }, NOW, SKEW).state).toBe('live');
    expect(temporalLiveness({ exp: now + 30 }, NOW, Number.NaN).state).toBe('live');
    expect(temporalLiveness({ exp: now - 30 }, NOW, -500).state).toBe('expired');
  });

  it('no claims or an invalid clock give unknown', () => {
    expect(temporalLiveness(undefined, NOW, SKEW).state).toBe('unknown');
    expect(temporalLiveness({ exp: now + 10 }, new Date(Number.NaN), SKEW).state).toBe('unknown');
  });

  it('a hostile claims object (throwing getter) gives unknown instead of throwing', () => {
    const claims = Object.defineProperty({}, 'exp', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    }) as Record<string, unknown>;
    expect(temporalLiveness(claims, NOW, SKEW).state).toBe('unknown');
  });

  it('property: never throws and always returns a schema-valid liveness for arbitrary claims', () => {
    const timeish = fc.oneof(fc.double(), fc.integer(), fc.string(), fc.constant(null), fc.anything(), fc.bigInt().map(String));
    fc.assert(
      fc.property(
        fc.record({ exp: timeish, nbf: timeish, iat: timeish }, { requiredKeys: [] }),
        fc.dictionary(fc.string(), fc.anything()),
        fc.date({ noInvalidDate: false }),
        fc.oneof(fc.integer({ min: -1000, max: 100_000 }), fc.double()),
        (time, extra, at, skew) => {
          const l = temporalLiveness({ ...extra, ...time }, at, skew);
          expect(LivenessSchema.safeParse(l).success).toBe(true);
          expect(['live', 'expired', 'not-yet-valid', 'unknown']).toContain(l.state);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: with numeric seconds, expired exactly when now >= exp + skew', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: 0, max: 600 }), (offset, skew) => {
        const l = temporalLiveness({ exp: now + offset }, NOW, skew);
        expect(l.state === 'expired').toBe(now >= now + offset + skew);
      }),
    );
  });
});
