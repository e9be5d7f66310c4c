/**
 * Any other issuer: RFC 9068 JWT access tokens and plain OIDC tokens. Reads the registered and
 * standard authorization claims; always matches, so it is last in the registry.
 * https://www.rfc-editor.org/rfc/rfc9068 · https://openid.net/specs/openid-connect-core-1_0.html
 */
import { list, own, str } from '../claims.js';
import { clientIdOf, standardPrivileges, subjectTypeOf, tokenUseFromShape } from './common.js';
import type { FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

const TENANT_CLAIMS = ['tid', 'tenant', 'tenant_id', 'tenantId', 'org_id', 'organization', 'organization_id', 'org', 'realm'];
const TENANT_LISTS = ['tenants', 'organizations', 'orgs'];

export function genericTenants(claims: unknown): string[] {
  const out: string[] = [];
  for (const k of TENANT_CLAIMS) {
    const v = str(claims, k);
    if (v !== undefined) out.push(v);
  }
  for (const k of TENANT_LISTS) out.push(...list(own(claims, k), 50));
  return [...new Set(out)];
}

export const generic: IssuerFamilyReader = {
  id: 'generic',
  kind: 'issuer',
  matches(): boolean {
    return true;
  },
  read(input: FamilyInput): FamilyFacts {
    const c = input.claims;
    const clientId = clientIdOf(c);
    const sub = str(c, 'sub');
    const subjectType = subjectTypeOf(c, clientId);
    return {
      family: 'generic',
      tokenUse: tokenUseFromShape(input.header, c) ?? (clientId !== undefined ? 'access' : undefined),
      ...(subjectType !== undefined ? { subjectType } : {}),
      ...(sub !== undefined ? { subject: sub } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      tenants: genericTenants(c),
      privileges: input.skipPrivileges === true ? [] : standardPrivileges(c, input.vocab),
    };
  },
};
