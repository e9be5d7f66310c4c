import { describe, expect, it } from 'vitest';
import { HOUR, T, guid, profileOf, scoreJwt } from '../support.js';

const GA = '62e90394-69f5-4237-9190-012177145e10';
const tid = guid();

describe('issuer family: Microsoft Entra ID', () => {
  it('v2 delegated user token: tenant, client, scopes, directory roles by template id', () => {
    const p = profileOf({
      iss: `https://login.microsoftonline.com/${tid}/v2.0`,
      ver: '2.0',
      tid,
      aud: 'https://graph.microsoft.com',
      azp: 'c-1',
      oid: 'o-1',
      sub: 's-1',
      preferred_username: 'admin@contoso-corp.io',
      scp: 'User.Read Mail.ReadWrite',
      wids: [GA, 'b79fbf4d-3ef9-4689-8143-76b194e85509'],
      exp: T + HOUR,
    });
    expect(p.issuerFamily).toBe('entra-v2');
    expect(p.tokenUse).toBe('access');
    expect(p.subjectType).toBe('user');
    expect(p.tenants).toEqual([tid]);
    expect(p.clientId).toBe('c-1');
    expect(p.privilegeLevel).toBe('owner');
    expect(p.privileges.find((x) => x.name === GA)).toMatchObject({ source: 'directory-role', level: 'owner', why: 'Entra Global Administrator' });
    expect(p.privileges.find((x) => x.name === 'Mail.ReadWrite')).toMatchObject({ source: 'scope', level: 'write' });
    expect(p.privileges.find((x) => x.name === 'b79fbf4d-3ef9-4689-8143-76b194e85509')?.level).toBe('none');
    expect(p.notes.join(' ')).toMatch(/Graph token.*signature checks by design/);
  });

  it('v1 app-only token: service identity, high-risk Graph application permissions', () => {
    const p = profileOf({ iss: `https://sts.windows.net/${tid}/`, tid, aud: '00000003-0000-0000-c000-000000000000', appid: 'app-1', appidacr: '2', idtyp: 'app', oid: 'sp-1', sub: 'sp-1', roles: ['Application.ReadWrite.All', 'User.Read.All'], exp: T + HOUR });
    expect(p.issuerFamily).toBe('entra-v1');
    expect(p.subjectType).toBe('service');
    expect(p.privileges.find((x) => x.name === 'Application.ReadWrite.All')).toMatchObject({ source: 'permission', level: 'admin' });
    expect(p.privileges.find((x) => x.name === 'User.Read.All')?.level).toBe('read');
    expect(p.attestation.clientAuthentication).toBe('certificate');
  });

  it('unknown wids are levelled by unknownEntraRoleLevel; guests and group overage are noted', () => {
    const p = profileOf({ iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid, ver: '2.0', azp: 'c', oid: 'o', sub: 's', scp: 'User.Read', acct: 1, wids: ['11111111-2222-3333-4444-555555555555'], _claim_names: { groups: 'src1' }, exp: T + HOUR });
    expect(p.privileges.find((x) => x.source === 'directory-role')?.level).toBe('write');
    expect(p.notes.join(' ')).toMatch(/guest/);
    expect(p.notes.join(' ')).toMatch(/overage/);
  });

  it('Global Administrator raises the score by the privilege weight', () => {
    const claims = { iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid, ver: '2.0', azp: 'c', oid: 'o', sub: 's', scp: 'User.Read', exp: T + HOUR };
    const without = scoreJwt(claims);
    const withGa = scoreJwt({ ...claims, wids: [GA] });
    expect(withGa.factors.find((f) => f.id === 'privilege')?.reason).toMatch(/Global Administrator/);
    expect(withGa.score).toBeGreaterThan(without.score + 20);
  });
});
