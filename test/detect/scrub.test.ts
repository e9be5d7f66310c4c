import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fingerprint } from '../../src/core/secrets.js';
import { createEngine } from '../../src/detect/engine.js';
import { jwtDetector } from '../../src/detect/jwt/detector.js';
import { scrubText } from '../../src/detect/scrub.js';
import { fakeSignedJwt, signJwt } from '../support/jwt-factory.js';

describe('scrubText', () => {
  it('replaces a detected JWT with its redacted preview', async () => {
    const t = await signJwt({ sub: 'svc', scope: 'admin' });
    const out = scrubText(`request failed with Authorization: Bearer ${t} (401)`);
    expect(out).not.toContain(t);
    expect(out).not.toContain(t.split('.')[1]!);
    expect(out).toMatch(/^request failed with Authorization: Bearer eyJ.*….*\[\d+ chars\] \(401\)$/);
  });

  it('redacts a wrapped JWT over the whole mangled span', async () => {
    const t = await signJwt({ sub: 'svc' }, { alg: 'RS256' });
    const wrapped = t.match(/.{1,64}/g)!.map((l) => '    ' + l).join('\n');
    const out = scrubText(`token: |\n${wrapped}\nnext: 1`);
    for (const line of wrapped.split('\n')) expect(out).not.toContain(line.trim());
    expect(out).toContain('next: 1');
  });

  it('catches token-shaped strings no rule knows: eyJ…, long hex, long mixed base64', () => {
    const hex = randomBytes(24).toString('hex');
    const b64 = randomBytes(30).toString('base64');
    const notJwt = 'eyJ' + randomBytes(20).toString('base64url');
    const out = scrubText(`hex=${hex} b64=${b64} blob=${notJwt}`, createEngine([]));
    expect(out).not.toContain(hex);
    expect(out).not.toContain(b64);
    expect(out).not.toContain(notJwt);
  });

  it('keeps what logs need: fingerprints, ordinary words, paths, short ids', () => {
    const fp = fingerprint('anything');
    const text = `finding ${fp} in /home/user/projects/payments-service/src/config.ts line 42, job chunk-1a2b3c`;
    expect(scrubText(text)).toBe(text);
    expect(scrubText('short')).toBe('short');
    expect(scrubText('')).toBe('');
  });

  it('is idempotent', () => {
    const t = fakeSignedJwt({ sub: 'x' });
    const once = scrubText(`a ${t} b ${randomBytes(20).toString('hex')}`);
    expect(scrubText(once)).toBe(once);
  });

  it('never returns a planted token, wherever it is placed (property)', () => {
    const engine = createEngine([jwtDetector]);
    const token = fakeSignedJwt({ sub: 'prop', exp: 2_000_000_000 });
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), fc.constantFrom(' ', '\n', '"', '`', '=', '<', '|'), (before, after, sep) => {
        const out = scrubText(before + sep + token + sep + after, engine);
        expect(out).not.toContain(token.split('.')[1]!);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on hostile input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        expect(typeof scrubText(s)).toBe('string');
      }),
      { numRuns: 200 },
    );
    expect(scrubText(undefined as unknown as string)).toBe('');
  });
});
