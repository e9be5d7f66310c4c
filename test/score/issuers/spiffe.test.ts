import { describe, expect, it } from 'vitest';
import { MIN, T, profileOf, scoreJwt } from '../support.js';

describe('issuer family: SPIFFE JWT-SVID', () => {
  it('trust domain as tenant, SPIFFE id, namespace and service account from the path', () => {
    const p = profileOf({ sub: 'spiffe://acme.io/ns/payments-staging/sa/api', aud: ['ledger'], exp: T + 5 * MIN }, { alg: 'ES256', typ: 'JOSE' });
    expect(p.issuerFamily).toBe('spiffe');
    expect(p.subjectType).toBe('service');
    expect(p.tenants).toEqual(['acme.io']);
    expect(p.attestation).toMatchObject({ spiffeId: 'spiffe://acme.io/ns/payments-staging/sa/api', namespace: 'payments-staging', serviceAccount: 'api' });
    expect(p.environment).toBe('staging');
  });

  it('a multi-audience SVID is replayable to each audience: noted and scored as breadth', () => {
    const claims = { sub: 'spiffe://acme.io/ns/a/sa/b', aud: ['x', 'y', 'z'], exp: T + 5 * MIN };
    expect(profileOf(claims).notes.join(' ')).toMatch(/replayable to every listed service/);
    const one = scoreJwt({ ...claims, aud: ['x'] });
    const three = scoreJwt(claims);
    expect(three.factors.find((f) => f.id === 'breadth')?.points).toBe(6);
    expect(three.score).toBeGreaterThan(one.score);
  });
});
