/**
 * Microsoft Entra ID (Azure AD) access and ID tokens, v1 (`sts.windows.net`) and v2
 * (`login.microsoftonline.com/{tid}/v2.0`).
 * Claims: https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference
 * Directory roles (`wids`): https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
 */
import type { Privilege } from '../../core/profile.js';
import { list, own, scopes, str } from '../claims.js';
import { privilege, tokenUseFromShape } from './common.js';
import type { FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

const HOSTS = new Set([
  'sts.windows.net',
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'sts.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
]);

/** Tenant of personal Microsoft accounts (MSA). */
const CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const GRAPH_AUDIENCES = new Set(['https://graph.microsoft.com', 'https://graph.microsoft.com/', '00000003-0000-0000-c000-000000000000']);

export const entra: IssuerFamilyReader = {
  id: 'entra',
  kind: 'issuer',
  matches(input: FamilyInput): boolean {
    if (input.issuerHost !== undefined && HOSTS.has(input.issuerHost)) return true;
    const c = input.claims;
    return str(c, 'tid') !== undefined && str(c, 'oid') !== undefined && (str(c, 'appid') !== undefined || str(c, 'azp') !== undefined);
  },
  read(input: FamilyInput): FamilyFacts {
    const c = input.claims;
    const v2 = str(c, 'ver') === '2.0' || (input.issuer ?? '').endsWith('/v2.0');
    const tid = str(c, 'tid') ?? tenantFromIssuer(input.issuer);
    const clientId = str(c, 'appid') ?? str(c, 'azp');
    const scp = scopes(own(c, 'scp'));
    const roles = list(own(c, 'roles'));
    const wids = list(own(c, 'wids'));
    const sub = str(c, 'sub');
    const appOnly = str(c, 'idtyp') === 'app' || (scp.length === 0 && sub !== undefined && sub === str(c, 'oid') && str(c, 'upn') === undefined && str(c, 'preferred_username') === undefined && clientId !== undefined);
    const notes: string[] = [];
    const privileges: Privilege[] = [
      ...scp.map((s) => privilege(s, 'scope', input.vocab)),
      ...roles.map((r) => graphOrVocab(r, appOnly, input)),
      ...wids.map((w) => directoryRole(w, input)),
      ...list(own(c, 'groups')).map((g) => privilege(g, 'group', input.vocab)),
    ];
    if (own(c, '_claim_names') !== undefined) notes.push('groups overage: the user is in more groups than fit in the token (over 200); group-based access is not visible here');
    if (str(c, 'acct') === '1') notes.push('guest account (acct = 1) in this tenant');
    if (tid === CONSUMER_TENANT) notes.push('personal Microsoft account (consumer tenant)');
    if (input.audiences.some((a) => GRAPH_AUDIENCES.has(a))) {
      notes.push('Microsoft Graph token: it fails third-party signature checks by design — not a forgery signal');
    }
    const acr = str(c, 'appidacr') ?? str(c, 'azpacr');
    const attestation: Array<[string, string]> = [];
    if (acr !== undefined) attestation.push(['clientAuthentication', acr === '0' ? 'public client' : acr === '1' ? 'client secret' : acr === '2' ? 'certificate' : acr]);
    return {
      family: v2 ? 'entra-v2' : 'entra-v1',
      tokenUse: tokenUseFromShape(input.header, c) ?? (scp.length > 0 || roles.length > 0 || appOnly || clientId !== undefined ? 'access' : 'id'),
      subjectType: appOnly ? 'service' : 'user',
      ...(sub !== undefined ? { subject: sub } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      tenants: tid !== undefined ? [tid] : [],
      privileges,
      attestation,
      notes,
    };
  },
};

function tenantFromIssuer(iss: string | undefined): string | undefined {
  if (!iss) return undefined;
  const m = /^https:\/\/[^/]+\/([^/]+)\//.exec(iss);
  return m?.[1];
}

/** App permissions in an app-only token: Graph's dangerous ones by name, else the vocabulary. */
function graphOrVocab(role: string, appOnly: boolean, input: FamilyInput): Privilege {
  const graph = input.vocab.graphPermissions.get(role.toLowerCase());
  if (graph !== undefined) {
    return { name: role, source: appOnly ? 'permission' : 'role', level: graph, why: `high-risk Microsoft Graph ${appOnly ? 'application ' : ''}permission` };
  }
  return privilege(role, appOnly ? 'permission' : 'role', input.vocab);
}

function directoryRole(id: string, input: FamilyInput): Privilege {
  const known = input.vocab.entraRoles.get(id.toLowerCase());
  if (known !== undefined) return { name: id, source: 'directory-role', level: known.level, why: `Entra ${known.name}` };
  const level = input.vocab.opts.vocab.unknownEntraRoleLevel;
  return { name: id, source: 'directory-role', level, why: `Entra directory role not in the vocabulary; assumed ${level}` };
}

