import { describe, expect, it } from 'vitest';
import { HOUR, T, profileOf } from '../support.js';

const NS = 'https://hasura.io/jwt/claims';

describe('claim family: Hasura', () => {
  it('admin among allowed roles ⇒ owner, with a note', () => {
    const p = profileOf({ iss: 'https://auth.acme.io/', sub: 'u', [NS]: { 'x-hasura-allowed-roles': ['user', 'admin'], 'x-hasura-default-role': 'user', 'x-hasura-user-id': 'u' }, exp: T + HOUR });
    expect(p.issuerFamily).toBe('hasura');
    expect(p.privilegeLevel).toBe('owner');
    expect(p.attestation.hasuraUserId).toBe('u');
    expect(p.notes.join(' ')).toMatch(/x-hasura-role/);
  });

  it('stringified namespace (and the DDN namespace) are parsed; garbage is ignored', () => {
    expect(profileOf({ iss: 'https://auth.acme.io/', [NS]: JSON.stringify({ 'x-hasura-allowed-roles': ['editor'] }), exp: T + HOUR }).privilegeLevel).toBe('write');
    expect(profileOf({ iss: 'https://auth.acme.io/', 'claims.jwt.hasura.io': { 'x-hasura-default-role': 'admin' }, exp: T + HOUR }).privilegeLevel).toBe('owner');
    expect(profileOf({ iss: 'https://auth.acme.io/', [NS]: '{not json', scope: 'read', exp: T + HOUR }).issuerFamily).toBe('generic');
  });

  it('rides on another issuer: the family stays the issuer, Hasura roles are added', () => {
    const p = profileOf({ iss: 'https://acme.us.auth0.com/', sub: 'auth0|u', aud: 'https://api.acme.io', scope: 'read:x', [NS]: { 'x-hasura-allowed-roles': ['admin'] }, exp: T + HOUR });
    expect(p.issuerFamily).toBe('auth0');
    expect(p.privileges.map((x) => x.name)).toEqual(expect.arrayContaining(['admin', 'read:x']));
    expect(p.privilegeLevel).toBe('owner');
  });
});
