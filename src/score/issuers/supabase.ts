/**
 * Supabase: legacy project API keys are JWTs (`iss: supabase`, `role` anon | service_role,
 * ~10-year `exp`); user sessions come from `https://{ref}.supabase.co/auth/v1`.
 * https://supabase.com/docs/guides/api/api-keys · https://supabase.com/docs/guides/auth/jwt-fields
 */
import type { Privilege } from '../../core/profile.js';
import { bool, list, obj, own, str } from '../claims.js';
import { privilege } from './common.js';
import type { FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

const SUPABASE_HOST = /^([a-z0-9]+)\.supabase\.(co|in)$/;

export const supabase: IssuerFamilyReader = {
  id: 'supabase',
  kind: 'issuer',
  matches(input: FamilyInput): boolean {
    if (input.issuer === 'supabase') return true;
    if (input.issuerHost !== undefined && SUPABASE_HOST.test(input.issuerHost)) return true;
    const role = str(input.claims, 'role');
    return str(input.claims, 'ref') !== undefined && (role === 'anon' || role === 'service_role');
  },
  read(input: FamilyInput): FamilyFacts {
    const c = input.claims;
    const role = str(c, 'role');
    const ref = str(c, 'ref') ?? (input.issuerHost !== undefined ? SUPABASE_HOST.exec(input.issuerHost)?.[1] : undefined);
    const tenants = ref !== undefined ? [ref] : [];
    if (role === 'service_role') {
      return {
        family: 'supabase',
        tokenUse: 'api-key',
        subjectType: 'service',
        tenants,
        privileges: [{ name: 'service_role', source: 'role', level: 'owner', why: 'Supabase service_role: bypasses Row Level Security, full database access' }],
        notes: ['service_role key: must never leave the server'],
      };
    }
    if (role === 'anon') {
      return {
        family: 'supabase',
        tokenUse: 'api-key',
        subjectType: 'anonymous',
        tenants,
        privileges: [{ name: 'anon', source: 'role', level: 'read', why: 'Supabase anon role: what Row Level Security allows anyone' }],
        publicByDesign: 'Supabase anon key: shipped to browsers by design; access is limited by Row Level Security',
      };
    }
    // A user session. `user_metadata` is user-editable: never a privilege signal.
    const privileges: Privilege[] = [];
    const appMeta = obj(c, 'app_metadata');
    for (const r of [...list(own(appMeta, 'roles')), ...list(own(appMeta, 'role'))]) privileges.push(privilege(r, 'role', input.vocab));
    if (role !== undefined) privileges.push(privilege(role, 'role', input.vocab));
    const anonymous = bool(c, 'is_anonymous') === true;
    const sub = str(c, 'sub');
    const attestation: Array<[string, string]> = [];
    const aal = str(c, 'aal');
    if (aal !== undefined) attestation.push(['aal', aal]);
    return {
      family: 'supabase',
      tokenUse: 'access',
      subjectType: anonymous ? 'anonymous' : 'user',
      ...(sub !== undefined ? { subject: sub } : {}),
      tenants,
      privileges,
      attestation,
      notes: own(c, 'user_metadata') !== undefined ? ['user_metadata is user-editable and was ignored for privilege'] : [],
    };
  },
};
