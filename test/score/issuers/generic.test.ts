import { describe, expect, it } from 'vitest';
import { HOUR, T, profileOf } from '../support.js';

describe('issuer family: generic RFC 9068 / OIDC', () => {
  it('at+jwt access token: scopes, SCIM roles/groups/entitlements, client, tenants', () => {
    const p = profileOf(
      { iss: 'https://as.acme.io', aud: ['https://a.acme.io', 'https://b.acme.io'], sub: 'u1', client_id: 'c1', scope: 'a:read b:write', roles: ['auditor'], groups: ['eng'], entitlements: [{ value: 'admin' }], org_id: 'org-7', iat: T, exp: T + HOUR },
      { alg: 'RS256', typ: 'at+jwt' },
    );
    expect(p.issuerFamily).toBe('generic');
    expect(p.tokenUse).toBe('access');
    expect(p.subjectType).toBe('user');
    expect(p.clientId).toBe('c1');
    expect(p.tenants).toEqual(['org-7']);
    expect(p.audiences).toEqual(['https://a.acme.io', 'https://b.acme.io']);
    expect(p.privileges.find((x) => x.name === 'admin')).toMatchObject({ source: 'permission', level: 'admin' });
    expect(p.privilegeLevel).toBe('admin');
  });

  it('token use from typ and tell-tale claims: DPoP proof, SET, logout, ID, refresh', () => {
    expect(profileOf({ htm: 'GET', htu: 'https://x', jti: 'j', iat: T }, { alg: 'ES256', typ: 'dpop+jwt' }).tokenUse).toBe('dpop-proof');
    expect(profileOf({ iss: 'https://i', events: { 'urn:x': {} }, iat: T }, { alg: 'RS256', typ: 'secevent+jwt' }).tokenUse).toBe('set');
    expect(profileOf({ iss: 'https://i', events: { 'http://schemas.openid.net/event/backchannel-logout': {} }, iat: T }).tokenUse).toBe('logout');
    expect(profileOf({ iss: 'https://i', sub: 's', nonce: 'n', exp: T + HOUR }).tokenUse).toBe('id');
    // The header wins over an issuer family: a DPoP proof is a proof whoever made it.
    expect(profileOf({ iss: 'https://acme.okta.com', htm: 'GET', htu: 'https://x', iat: T }, { alg: 'ES256', typ: 'dpop+jwt' }).tokenUse).toBe('dpop-proof');
  });

  it('client-credentials (sub = client_id) is a service identity', () => {
    expect(profileOf({ iss: 'https://as.acme.io', sub: 'svc', client_id: 'svc', scope: 'x', exp: T + HOUR }).subjectType).toBe('service');
  });
});
