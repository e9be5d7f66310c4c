/**
 * The checker on hostile input: whatever the header, claims and token string hold (wrong types,
 * lone surrogates, huge values, URLs pointing at private addresses), `check` resolves to a valid
 * Liveness, never `live` unless the trusted issuer's key verified it, and never connects anywhere
 * but the trusted issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createLivenessChecker, type LivenessChecker } from '../../../src/score/liveness/checker.js';
import { TrustOptionsSchema } from '../../../src/score/liveness/options.js';
import { LivenessSchema } from '../../../src/core/types.js';
import type { OutboundEvent } from '../../../src/core/net/types.js';
import type { DecodedJwt } from '../../../src/detect/types.js';
import { startFakeOidc, startTcpTrap, type FakeOidc, type TcpTrap } from '../../support/fake-oidc.js';
import { b64url, inHours } from '../../support/jwt-factory.js';

describe('liveness checker on arbitrary input', () => {
  let idp: FakeOidc;
  let trap: TcpTrap;
  let checker: LivenessChecker;
  const events: OutboundEvent[] = [];

  beforeAll(async () => {
    idp = await startFakeOidc({ keys: ['ES256'] });
    trap = await startTcpTrap('127.0.0.2');
    checker = createLivenessChecker(TrustOptionsSchema.parse({ issuers: [{ issuer: idp.issuer }] }), {}, { onRequest: (e) => events.push(e) });
  });
  afterAll(async () => {
    checker.close();
    await idp.close();
    await trap.close();
  });

  it('always resolves to a valid Liveness, never live for a forgery, and contacts only the trusted issuer', async () => {
    const genuine = await idp.signToken({ exp: inHours(1) }, { alg: 'ES256' });
    const sig = genuine.split('.')[2]!;
    // Not vacuous: the checker does reach the trusted issuer and does say live for a genuine token.
    expect((await checker.check({ token: genuine, decoded: { form: 'jws', header: { alg: 'ES256', kid: idp.publishedKids()[0] }, claims: { iss: idp.issuer, exp: inHours(1) } }, kind: 'jwt' }, new Date())).state).toBe('live');
    const hostileUrl = fc.constantFrom(trap.origin, `${trap.origin}/jwks`, 'http://169.254.169.254/', 'http://[::1]/', 'file:///etc/passwd');
    const value = fc.oneof(fc.anything(), hostileUrl, fc.string({ unit: 'binary' }), fc.double());
    const header = fc.record(
      { alg: fc.oneof(fc.constantFrom('ES256', 'RS256', 'HS256', 'none', 'EdDSA', 'PS512'), value), kid: value, jku: hostileUrl, x5u: hostileUrl, nonce: value, crit: value },
      { requiredKeys: [] },
    );
    const claims = fc.record({ iss: fc.oneof(fc.constant(idp.issuer), hostileUrl, value), exp: value, nbf: value, iat: value, aud: value }, { requiredKeys: [] });
    const form = fc.constantFrom<DecodedJwt['form']>('jws', 'unsecured', 'jwe', 'sd-jwt');
    const tokenTail = fc.oneof(fc.constant(sig), fc.string(), fc.string({ unit: 'binary' }));

    await fc.assert(
      fc.asyncProperty(header, claims, form, tokenTail, fc.boolean(), async (h, c, f, tail, credential) => {
        const token = `${b64url(h)}.${b64url(c)}.${tail}`;
        const decoded: DecodedJwt = f === 'jwe' ? { form: f, header: h } : { form: f, header: h, claims: c };
        const l = await checker.check({ token, decoded, kind: credential ? 'credential' : 'jwt' }, new Date());
        expect(LivenessSchema.safeParse(l).success).toBe(true);
        // The header and claims were re-encoded, so the issuer's signature cannot match them.
        expect(l.state).not.toBe('live');
      }),
      { numRuns: 300 },
    );
    expect(trap.connections).toBe(0);
    expect(events.every((e) => e.origin === idp.origin)).toBe(true);
    expect(events.length).toBeGreaterThan(0);
  });
});
