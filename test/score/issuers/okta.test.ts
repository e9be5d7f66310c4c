import { describe, expect, it } from 'vitest';
import { HOUR, T, profileOf } from '../support.js';

describe('issuer family: Okta', () => {
  it('org authorization server: okta.* manage scopes are admin, client-credentials is a service', () => {
    const p = profileOf({ ver: 1, jti: 'AT.x1', iss: 'https://acme.okta.com', aud: 'https://acme.okta.com', cid: 'c1', sub: 'c1', scp: ['okta.users.manage', 'okta.users.read'], exp: T + HOUR });
    expect(p.issuerFamily).toBe('okta');
    expect(p.tokenUse).toBe('access');
    expect(p.subjectType).toBe('service');
    expect(p.tenants).toEqual(['acme']);
    expect(p.privileges.find((x) => x.name === 'okta.users.manage')?.level).toBe('admin');
    expect(p.privileges.find((x) => x.name === 'okta.users.read')?.level).toBe('read');
    expect(p.notes.join(' ')).toMatch(/org authorization server/);
  });

  it('custom authorization server user token: uid ⇒ user, server id attested, dev org ⇒ dev', () => {
    const p = profileOf({ ver: 1, jti: 'ID.y2', iss: 'https://dev-123456.okta.com/oauth2/aus1abc', aud: 'c2', cid: 'c2', uid: '00u1', sub: 'erin@acme.io', exp: T + HOUR });
    expect(p.tokenUse).toBe('id');
    expect(p.subjectType).toBe('user');
    expect(p.attestation.authorizationServer).toBe('aus1abc');
    expect(p.environment).toBe('dev');
    expect(p.environmentEvidence).toMatch(/issuer/);
  });
});
