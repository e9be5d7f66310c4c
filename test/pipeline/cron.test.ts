import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidCron, nextCronTime, parseCron } from '../../src/pipeline/cron.js';

const at = (iso: string) => new Date(iso);

describe('cron', () => {
  it('finds the next matching time in UTC', () => {
    expect(nextCronTime('*/15 * * * *', at('2026-01-01T10:07:30Z'))?.toISOString()).toBe('2026-01-01T10:15:00.000Z');
    expect(nextCronTime('0 3 * * *', at('2026-01-01T10:07:30Z'))?.toISOString()).toBe('2026-01-02T03:00:00.000Z');
    expect(nextCronTime('30 9 * * 1-5', at('2026-01-02T10:00:00Z'))?.toISOString()).toBe('2026-01-05T09:30:00.000Z'); // Friday → Monday
    expect(nextCronTime('0 0 1 */3 *', at('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(nextCronTime('*/10 * * * * *', at('2026-01-01T00:00:01Z'))?.toISOString()).toBe('2026-01-01T00:00:10.000Z');
    expect(nextCronTime('0 12 29 2 *', at('2026-03-01T00:00:00Z'))?.toISOString()).toBe('2028-02-29T12:00:00.000Z');
    // Both day fields restricted: either matches (Vixie cron).
    expect(nextCronTime('0 0 13 * 5', at('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    // 7 is Sunday too.
    expect(nextCronTime('0 0 * * 7', at('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-01-04T00:00:00.000Z');
  });

  it('rejects malformed expressions with a config error', () => {
    for (const bad of ['', '* * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '*/0 * * * *', '5-1 * * * *', 'a b c d e', '* * * * * * *']) {
      expect(isValidCron(bad), bad).toBe(false);
    }
    expect(() => parseCron('61 * * * *')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(isValidCron('0,30 8-18/2 * 1,6,12 0-6')).toBe(true);
  });

  it('never throws on arbitrary text and the next time always matches and is in the future (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(typeof isValidCron(s)).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }), fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (m, h, d) => {
        const next = nextCronTime(`${m} ${h} * * *`, d)!;
        expect(next.getTime()).toBeGreaterThan(d.getTime());
        expect(next.getTime() - d.getTime()).toBeLessThanOrEqual(86_400_000);
        expect(next.getUTCMinutes()).toBe(m);
        expect(next.getUTCHours()).toBe(h);
      }),
    );
  });
});
