/**
 * Keycloak (and Red Hat build of Keycloak / RH-SSO) tokens: `…/realms/{realm}` issuers, payload
 * `typ` Bearer / ID / Refresh / Offline, `realm_access` and `resource_access` roles.
 * https://www.keycloak.org/docs/latest/server_admin/#_oidc-token-and-userinfo-endpoints
 */
import type { Privilege } from '../../core/profile.js';
import { isObject, list, obj, own, str } from '../claims.js';
import { clientIdOf, issuerPath, privilege, standardPrivileges, subjectTypeOf } from './common.js';
import type { FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

/** realm-management client roles that administer the realm. */
const REALM_ADMIN_ROLES = new Set(['realm-admin', 'manage-users', 'manage-realm', 'manage-clients', 'manage-authorization', 'manage-identity-providers', 'manage-events', 'impersonation']);

export const keycloak: IssuerFamilyReader = {
  id: 'keycloak',
  kind: 'issuer',
  matches(input: FamilyInput): boolean {
    if (/\/realms\/[^/]+\/?$/.test(issuerPath(input))) return true;
    return isObject(own(input.claims, 'realm_access')) || isObject(own(input.claims, 'resource_access'));
  },
  read(input: FamilyInput): FamilyFacts {
    const c = input.claims;
    const realm = /\/realms\/([^/]+)\/?$/.exec(issuerPath(input))?.[1];
    const master = realm === 'master';
    const typ = (str(c, 'typ') ?? '').toLowerCase();
    const notes: string[] = [];
    const privileges: Privilege[] = [];
    for (const r of list(own(obj(c, 'realm_access'), 'roles'))) {
      // Master-realm `admin` / `create-realm` administer every realm on the server.
      if (master && (r === 'admin' || r === 'create-realm')) privileges.push({ name: r, source: 'role', level: 'owner', why: 'Keycloak master realm: administers every realm' });
      else privileges.push(privilege(r, 'role', input.vocab));
    }
    const resourceAccess = obj(c, 'resource_access');
    if (resourceAccess !== undefined) {
      let n = 0;
      for (const client of Object.keys(resourceAccess)) {
        if (++n > 100) break;
        for (const r of list(own(obj(resourceAccess, client), 'roles'))) {
          const name = `${client}:${r}`;
          if (client === 'realm-management' && REALM_ADMIN_ROLES.has(r)) {
            privileges.push({ name, source: 'role', level: r === 'realm-admin' && master ? 'owner' : 'admin', why: `Keycloak realm-management ${r}${master ? ' in the master realm' : ''}` });
          } else privileges.push(privilege(name, 'role', input.vocab));
        }
      }
    }
    privileges.push(...standardPrivileges(c, input.vocab).filter((p) => p.source === 'scope' || p.source === 'group'));
    if (typ === 'offline') notes.push('offline token: a refresh token that survives logout and session expiry');
    const clientId = clientIdOf(c);
    const username = str(c, 'preferred_username');
    const serviceAccount = username !== undefined && username.startsWith('service-account-');
    const sub = str(c, 'sub');
    return {
      family: 'keycloak',
      tokenUse: typ === 'bearer' ? 'access' : typ === 'id' ? 'id' : typ === 'refresh' || typ === 'offline' ? 'refresh' : typ === 'logout' ? 'logout' : undefined,
      subjectType: serviceAccount ? 'service' : subjectTypeOf(c, clientId),
      ...(sub !== undefined ? { subject: sub } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      tenants: realm !== undefined ? [realm] : [],
      privileges,
      environmentHints: realm !== undefined ? [{ text: realm, evidence: 'Keycloak realm' }] : [],
      notes,
    };
  },
};
