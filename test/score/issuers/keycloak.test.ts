import { describe, expect, it } from 'vitest';
import { DAY, HOUR, T, profileOf } from '../support.js';

describe('issuer family: Keycloak', () => {
  it('realm from the issuer, realm and client roles, realm-management admin roles', () => {
    const p = profileOf({
      iss: 'https://sso.acme.io/realms/prod',
      typ: 'Bearer',
      azp: 'console',
      sub: 'u1',
      preferred_username: 'ops',
      realm_access: { roles: ['offline_access', 'editor'] },
      resource_access: { 'realm-management': { roles: ['manage-users', 'view-users'] }, billing: { roles: ['viewer'] } },
      exp: T + HOUR,
    });
    expect(p.issuerFamily).toBe('keycloak');
    expect(p.tokenUse).toBe('access');
    expect(p.tenants).toEqual(['prod']);
    expect(p.environment).toBe('prod');
    expect(p.environmentEvidence).toMatch(/Keycloak realm/);
    expect(p.privileges.find((x) => x.name === 'realm-management:manage-users')).toMatchObject({ level: 'admin' });
    expect(p.privileges.find((x) => x.name === 'billing:viewer')?.level).toBe('read');
    expect(p.privileges.find((x) => x.name === 'editor')?.level).toBe('write');
  });

  it('master-realm admin is owner of every realm; service accounts are services', () => {
    const p = profileOf({ iss: 'https://sso.acme.io/auth/realms/master', typ: 'Bearer', azp: 'ops-bot', preferred_username: 'service-account-ops-bot', sub: 'sa', realm_access: { roles: ['admin'] }, exp: T + HOUR });
    expect(p.privilegeLevel).toBe('owner');
    expect(p.privileges[0]?.why).toMatch(/every realm/);
    expect(p.subjectType).toBe('service');
  });

  it('Refresh and Offline payload typ are refresh tokens; Offline is noted as surviving logout', () => {
    expect(profileOf({ iss: 'https://sso.acme.io/realms/a', typ: 'Refresh', sub: 'u', exp: T + HOUR }).tokenUse).toBe('refresh');
    const off = profileOf({ iss: 'https://sso.acme.io/realms/a', typ: 'Offline', sub: 'u', exp: T + 30 * DAY });
    expect(off.tokenUse).toBe('refresh');
    expect(off.notes.join(' ')).toMatch(/offline token/);
    expect(profileOf({ iss: 'https://sso.acme.io/realms/a', typ: 'ID', sub: 'u', exp: T + HOUR }).tokenUse).toBe('id');
  });
});
