import { describe, expect, it } from 'vitest';
import { HOUR, T, profileOf } from '../support.js';

const ISS = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34E';

describe('issuer family: AWS Cognito', () => {
  it('access token: token_use, pool as tenant, region attested, self-service admin scope is only write', () => {
    const p = profileOf({ iss: ISS, token_use: 'access', client_id: 'c1', username: 'erin', sub: 'u1', scope: 'aws.cognito.signin.user.admin', exp: T + HOUR });
    expect(p.issuerFamily).toBe('cognito');
    expect(p.tokenUse).toBe('access');
    expect(p.subjectType).toBe('user');
    expect(p.tenants).toEqual(['eu-west-1_Ab12Cd34E']);
    expect(p.attestation).toMatchObject({ region: 'eu-west-1', userPool: 'eu-west-1_Ab12Cd34E' });
    expect(p.privileges[0]).toMatchObject({ name: 'aws.cognito.signin.user.admin', level: 'write' });
  });

  it('ID token: groups and IAM role ARNs (account attested), client id from aud', () => {
    const p = profileOf({ iss: ISS, token_use: 'id', aud: 'c2', sub: 'u2', 'cognito:username': 'frank', 'cognito:groups': ['admins', 'staff'], 'cognito:roles': ['arn:aws:iam::123456789012:role/ProdAdmin'], exp: T + HOUR });
    expect(p.tokenUse).toBe('id');
    expect(p.clientId).toBe('c2');
    expect(p.privileges.find((x) => x.name === 'admins')).toMatchObject({ source: 'group', level: 'admin' });
    expect(p.privileges.find((x) => x.name.startsWith('arn:'))?.level).toBe('admin');
    expect(p.attestation.awsAccounts).toBe('123456789012');
    expect(p.notes.join(' ')).toMatch(/IAM role ARNs/);
  });

  it('client-credentials: sub = client id, no username ⇒ service', () => {
    const p = profileOf({ iss: ISS, token_use: 'access', client_id: 'c3', sub: 'c3', scope: 'orders/write', exp: T + HOUR });
    expect(p.subjectType).toBe('service');
    expect(p.privilegeLevel).toBe('write');
  });
});
