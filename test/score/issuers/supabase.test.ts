import { describe, expect, it } from 'vitest';
import { HOUR, PUBLIC_REPO, T, YEAR, profileOf, scoreJwt } from '../support.js';

const key = (role: string) => ({ iss: 'supabase', ref: 'abcdefghijklmnop', role, iat: T, exp: T + 10 * YEAR });

describe('issuer family: Supabase', () => {
  it('service_role key: owner (bypasses RLS), API key, project ref as tenant', () => {
    const p = profileOf(key('service_role'), { alg: 'HS256', typ: 'JWT' });
    expect(p.issuerFamily).toBe('supabase');
    expect(p.tokenUse).toBe('api-key');
    expect(p.subjectType).toBe('service');
    expect(p.tenants).toEqual(['abcdefghijklmnop']);
    expect(p.privilegeLevel).toBe('owner');
    expect(p.publicByDesign).toBeUndefined();
  });

  it('anon key: public by design, anonymous, capped at low with the reason', () => {
    const p = profileOf(key('anon'), { alg: 'HS256', typ: 'JWT' });
    expect(p.subjectType).toBe('anonymous');
    expect(p.publicByDesign).toMatch(/anon key/);
    const br = scoreJwt(key('anon'), { exposures: [PUBLIC_REPO], header: { alg: 'HS256', typ: 'JWT' } });
    expect(br.severity).toBe('low');
    expect(br.factors.find((f) => f.id === 'cap-public-by-design')?.reason).toMatch(/public by design: Supabase anon key/);
  });

  it('user sessions: user_metadata never grants privilege; app_metadata roles do; session_id is not a secret', () => {
    const p = profileOf({
      iss: 'https://abcdefghijklmnop.supabase.co/auth/v1',
      aud: 'authenticated',
      role: 'authenticated',
      aal: 'aal2',
      session_id: '2f0c6a4e-9a7e-4d1b-8f7e-3c1d2b4a5e6f',
      sub: 'u1',
      user_metadata: { role: 'admin' },
      app_metadata: { roles: ['editor'] },
      exp: T + HOUR,
    });
    expect(p.tenants).toEqual(['abcdefghijklmnop']);
    expect(p.privileges.map((x) => x.name)).not.toContain('admin');
    expect(p.privilegeLevel).toBe('write');
    expect(p.attestation.aal).toBe('aal2');
    expect(p.notes.join(' ')).toMatch(/user_metadata is user-editable/);
    expect(p.overEnrichment.filter((o) => o.kind === 'secret')).toEqual([]);
  });
});
