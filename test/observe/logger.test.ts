import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createLogger } from '../../src/observe/logger.js';
import { fallbackScrub, scrubDeep } from '../../src/observe/scrub.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { fakeSignedJwt, inHours } from '../support/jwt-factory.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream, text: () => lines.join('') };
}

const b64 = (n: number) => randomBytes(n).toString('base64url');

function plantedTokens(): string[] {
  return [
    fakeSignedJwt({ iss: 'https://login.example.test/', sub: 'svc-1', exp: inHours(1) }),
    `ghp_${b64(27).slice(0, 36)}`,
    `xoxb-${randomBytes(5).readUInt32BE(0)}-${randomBytes(5).readUInt32BE(0)}-${b64(18).slice(0, 24)}`,
    `glpat-${b64(15).slice(0, 20)}`,
    `AKIA${randomBytes(8).toString('hex').toUpperCase().slice(0, 16)}`,
    b64(40),
  ];
}

describe('logger', () => {
  it('never writes a token found in the message, interpolation values, objects, bindings or errors', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream, level: 'debug' });
    const tokens = plantedTokens();
    const [jwt, ghp, xoxb, glpat, akia, random] = tokens as [string, string, string, string, string, string];
    log.info(`message with ${jwt} inside`);
    log.warn({ headers: { authorization: `Bearer ${ghp}` }, list: [xoxb, { deep: { deeper: glpat } }] }, 'object fields');
    log.info('interpolated %s and %s', akia, random);
    log.child({ token: jwt }).info('child binding');
    log.error(new Error(`invalid token: ${jwt}`));
    log.error({ err: new TokenradiusError('JWT_MALFORMED', `could not decode ${ghp}`) }, 'typed');
    log.info({ [ghp]: 'key holds the token' }, 'keys too');
    const text = out.text();
    expect(out.lines.length).toBe(7);
    for (const t of tokens) expect(text).not.toContain(t);
    // Every line is JSON with a level and the redacted previews are there instead.
    for (const line of out.lines) expect(JSON.parse(line)).toHaveProperty('level');
    expect(text).toContain('[');
    expect(text).toContain('JWT_MALFORMED');
  });

  it('keeps fingerprints, job ids and ordinary text readable', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    const fp = `sha256:${randomBytes(32).toString('hex')}`;
    log.info({ fingerprint: fp, jobId: `scan-${randomBytes(32).toString('hex')}`, path: '/srv/repos/api/src/config.ts' }, 'stored finding in #general');
    const line = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    expect(line.fingerprint).toBe(fp);
    expect(line.path).toBe('/srv/repos/api/src/config.ts');
    expect(line.msg).toBe('stored finding in #general');
  });

  it('uses the engine scrubber first when one is given', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream, scrub: (s) => s.replaceAll('short-secret-1', '[engine]') });
    log.info('value short-secret-1');
    expect(out.text()).toContain('[engine]');
    expect(out.text()).not.toContain('short-secret-1');
  });

  it('scrubDeep survives cycles, depth and odd values', () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 50; i++) deep = (deep.next = {}) as Record<string, unknown>;
    const out = scrubDeep({ a, root, buf: Buffer.from('x'), when: new Date(0), m: new Map([['k', 'v']]) }, fallbackScrub) as Record<string, unknown>;
    expect((out.a as Record<string, unknown>).self).toBe('[circular]');
    expect(JSON.stringify(out)).toContain('[depth]');
    expect(out.buf).toBe('[1 bytes]');
  });

  it('fallbackScrub never throws and removes a planted JWT wherever it sits (property)', () => {
    const jwt = fakeSignedJwt({ sub: 'p', exp: inHours(2) });
    fc.assert(
      fc.property(fc.string(), fc.string(), (before, after) => {
        const out = fallbackScrub(`${before} ${jwt} ${after}`);
        expect(out).not.toContain(jwt);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(typeof fallbackScrub(s)).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});

describe('scrubber with the engine', () => {
  it('keeps our own fingerprints and job ids even when the primary scrubber would redact hex runs', async () => {
    const { createScrubber } = await import('../../src/observe/scrub.js');
    const hex = randomBytes(32).toString('hex');
    const scrub = createScrubber((t) => t.replace(/[0-9a-f]{32,}/g, '[hex]'));
    const text = `fp sha256:${hex} job scan-${hex} act act-${hex}-3 raw ${randomBytes(32).toString('hex')}`;
    const out = scrub(text);
    expect(out).toContain(`sha256:${hex}`);
    expect(out).toContain(`scan-${hex}`);
    expect(out).toContain(`act-${hex}-3`);
    expect(out).toContain('raw [hex]');
  });
});
