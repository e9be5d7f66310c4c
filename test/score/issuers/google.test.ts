import { describe, expect, it } from 'vitest';
import { HOUR, T, profileOf } from '../support.js';

describe('issuer family: Google', () => {
  it('service-account ID token: project from the SA email, environment from the project, invoke privilege', () => {
    const p = profileOf({ iss: 'https://accounts.google.com', aud: 'https://api-x7.a.run.app', azp: '1047', sub: '1047', email: 'runner@shop-prod.iam.gserviceaccount.com', exp: T + HOUR });
    expect(p.issuerFamily).toBe('google');
    expect(p.tokenUse).toBe('id');
    expect(p.subjectType).toBe('service');
    expect(p.tenants).toContain('shop-prod');
    expect(p.environment).toBe('prod');
    expect(p.privileges[0]).toMatchObject({ source: 'claim', level: 'write' });
    // A service-account email is not personal data.
    expect(p.overEnrichment.filter((o) => o.kind === 'pii')).toEqual([]);
  });

  it('user ID token: user subject, hosted domain as tenant, email is personal data', () => {
    const p = profileOf({ iss: 'accounts.google.com', aud: 'client.apps.googleusercontent.com', sub: '1101', email: 'gina@acme.io', hd: 'acme.io', exp: T + HOUR });
    expect(p.subjectType).toBe('user');
    expect(p.tenants).toEqual(['acme.io']);
    expect(p.privileges).toEqual([]);
    expect(p.overEnrichment).toContainEqual(expect.objectContaining({ claim: 'email', kind: 'pii' }));
  });
});
