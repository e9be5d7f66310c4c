import { describe, expect, it } from 'vitest';
import { HOUR, T, profileOf } from '../support.js';

describe('issuer family: Auth0', () => {
  it('M2M Management API token: service subject, tenant from the host, write scopes become owner (tenant takeover)', () => {
    const p = profileOf({ iss: 'https://acme.eu.auth0.com/', sub: 'k3y@clients', aud: 'https://acme.eu.auth0.com/api/v2/', azp: 'k3y', gty: 'client-credentials', scope: 'read:users delete:users', exp: T + HOUR });
    expect(p.issuerFamily).toBe('auth0');
    expect(p.subjectType).toBe('service');
    expect(p.clientId).toBe('k3y');
    expect(p.tenants).toEqual(['acme']);
    expect(p.tokenUse).toBe('access');
    expect(p.privileges.find((x) => x.name === 'delete:users')).toMatchObject({ level: 'owner' });
    expect(p.privileges.find((x) => x.name === 'read:users')?.level).toBe('read');
    expect(p.notes.join(' ')).toMatch(/Management API/);
  });

  it('custom domain recognised by gty; RBAC permissions and namespaced role claims are read', () => {
    const p = profileOf({ iss: 'https://login.acme.io/', sub: 'auth0|u1', aud: 'https://api.acme.io', azp: 'spa', gty: 'password', permissions: ['read:reports', 'update:reports'], 'https://acme.io/roles': ['billing-admin'], exp: T + HOUR });
    expect(p.issuerFamily).toBe('auth0');
    expect(p.subjectType).toBe('user');
    expect(p.privileges.map((x) => [x.name, x.source, x.level])).toEqual(expect.arrayContaining([
      ['update:reports', 'permission', 'write'],
      ['billing-admin', 'role', 'admin'],
    ]));
    expect(p.privilegeLevel).toBe('admin');
  });

  it('an ID token (nonce) is recognised as such', () => {
    const p = profileOf({ iss: 'https://acme.us.auth0.com/', sub: 'auth0|u2', aud: 'spa-client', nonce: 'n1', exp: T + HOUR });
    expect(p.tokenUse).toBe('id');
  });
});
