import { describe, expect, it } from 'vitest';
import { HOUR, T, profileOf } from '../support.js';

describe('issuer family: Firebase', () => {
  it('project from the issuer, boolean custom claims as privileges, project names the environment', () => {
    const p = profileOf({ iss: 'https://securetoken.google.com/shop-staging', aud: 'shop-staging', sub: 'u1', user_id: 'u1', admin: true, beta: true, firebase: { sign_in_provider: 'google.com', tenant: 'tenant-eu' }, exp: T + HOUR });
    expect(p.issuerFamily).toBe('firebase');
    expect(p.tokenUse).toBe('id');
    expect(p.tenants).toEqual(['shop-staging', 'tenant-eu']);
    expect(p.environment).toBe('staging');
    expect(p.privileges.find((x) => x.name === 'admin')).toMatchObject({ source: 'claim', level: 'admin' });
    expect(p.attestation.signInProvider).toBe('google.com');
  });

  it('anonymous sign-in ⇒ anonymous subject', () => {
    expect(profileOf({ iss: 'https://securetoken.google.com/p', aud: 'p', sub: 'a', firebase: { sign_in_provider: 'anonymous' }, exp: T + HOUR }).subjectType).toBe('anonymous');
  });
});
