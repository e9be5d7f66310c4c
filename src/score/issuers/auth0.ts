/**
 * Auth0 access and ID tokens (`https://{tenant}[.{region}].auth0.com/` or a custom domain).
 * RBAC permissions: https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis
 * Custom (namespaced) claims: https://auth0.com/docs/secure/tokens/json-web-tokens/create-custom-claims
 */
import type { Privilege } from '../../core/profile.js';
import { list, own, str } from '../claims.js';
import { levelRank } from '../vocab.js';
import { clientIdOf, standardPrivileges, subjectTypeOf, tokenUseFromShape, privileges } from './common.js';
import type { FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

export const auth0: IssuerFamilyReader = {
  id: 'auth0',
  kind: 'issuer',
  matches(input: FamilyInput): boolean {
    if (input.issuerHost !== undefined && /(^|\.)auth0\.com$/.test(input.issuerHost)) return true;
    // `gty` (grant type) is an Auth0-only claim, present on custom domains too.
    return str(input.claims, 'gty') !== undefined;
  },
  read(input: FamilyInput): FamilyFacts {
    const c = input.claims;
    const host = input.issuerHost;
    const tenant = host === undefined ? undefined : host.endsWith('.auth0.com') ? host.split('.')[0] : host;
    const sub = str(c, 'sub');
    const m2m = str(c, 'gty') === 'client-credentials' || (sub !== undefined && sub.endsWith('@clients'));
    const clientId = clientIdOf(c) ?? (m2m && sub ? sub.replace(/@clients$/, '') : undefined);
    const managementApi = input.audiences.some((a) => /^https:\/\/[^/]+\/api\/v2\/?$/.test(a) && (a.includes('.auth0.com/') || (host !== undefined && a.includes(`//${host}/`))));
    let privs: Privilege[] = [...standardPrivileges(c, input.vocab), ...namespacedPrivileges(c, input)];
    const notes: string[] = [];
    if (managementApi) {
      // On the Management API, anything that changes users, clients, connections or grants is tenant takeover.
      privs = privs.map((p) => (levelRank(p.level) >= levelRank('write') ? { ...p, level: 'owner', why: 'Auth0 Management API write scope: changes the tenant itself (users, clients, connections)' } : p));
      notes.push('audience is the Auth0 Management API: write scopes there amount to tenant takeover');
    }
    return {
      family: 'auth0',
      tokenUse: tokenUseFromShape(input.header, c) ?? (own(c, 'permissions') !== undefined || managementApi || m2m ? 'access' : undefined),
      subjectType: m2m ? 'service' : subjectTypeOf(c, clientId),
      ...(sub !== undefined ? { subject: sub } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      tenants: tenant !== undefined ? [tenant] : [],
      privileges: privs,
      notes,
    };
  },
};

/** `https://example.com/roles`-style custom claims carrying roles, permissions or groups. */
function namespacedPrivileges(c: Record<string, unknown>, input: FamilyInput): Privilege[] {
  const out: Privilege[] = [];
  let seen = 0;
  for (const key of Object.keys(c)) {
    if (++seen > 300) break;
    if (!/^https?:\/\//.test(key)) continue;
    const tail = key.slice(key.lastIndexOf('/') + 1).toLowerCase();
    if (tail === 'roles' || tail === 'role') out.push(...privileges(list(own(c, key)), 'role', input.vocab));
    else if (tail === 'permissions') out.push(...privileges(list(own(c, key)), 'permission', input.vocab));
    else if (tail === 'groups') out.push(...privileges(list(own(c, key)), 'group', input.vocab));
  }
  return out;
}
