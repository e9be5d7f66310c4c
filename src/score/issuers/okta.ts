/**
 * Okta access and ID tokens: the org authorization server (`https://{org}.okta.com`, `okta.*`
 * scopes reach the Okta management API) and custom servers (`…/oauth2/{authServerId}`).
 * https://developer.okta.com/docs/reference/api/oidc/#tokens-and-claims
 */
import { str } from '../claims.js';
import { issuerPath, standardPrivileges, subjectTypeOf, tokenUseFromShape } from './common.js';
import type { FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

const OKTA_HOST = /(^|\.)(okta|oktapreview|okta-emea|okta-gov|okta-mil)\.com$/;

export const okta: IssuerFamilyReader = {
  id: 'okta',
  kind: 'issuer',
  matches(input: FamilyInput): boolean {
    if (input.issuerHost !== undefined && OKTA_HOST.test(input.issuerHost)) return true;
    const jti = str(input.claims, 'jti') ?? '';
    return str(input.claims, 'cid') !== undefined && (jti.startsWith('AT.') || jti.startsWith('ID.'));
  },
  read(input: FamilyInput): FamilyFacts {
    const c = input.claims;
    const host = input.issuerHost;
    const org = host !== undefined && OKTA_HOST.test(host) ? host.split('.')[0] : host;
    const path = issuerPath(input);
    const orgServer = path === '' || path === '/';
    const clientId = str(c, 'cid') ?? str(c, 'azp');
    const uid = str(c, 'uid');
    const sub = str(c, 'sub');
    const jti = str(c, 'jti') ?? '';
    const notes: string[] = [];
    if (orgServer) notes.push('org authorization server: okta.* scopes call the Okta management API');
    const attestation: Array<[string, string]> = [];
    const server = /\/oauth2\/([^/]+)/.exec(path)?.[1];
    if (server !== undefined) attestation.push(['authorizationServer', server]);
    return {
      family: 'okta',
      tokenUse: jti.startsWith('AT.') ? 'access' : jti.startsWith('ID.') ? 'id' : (tokenUseFromShape(input.header, c) ?? (clientId !== undefined ? 'access' : undefined)),
      // Client-credentials tokens have no `uid` and `sub` = the client id.
      subjectType: uid === undefined && sub !== undefined && sub === clientId ? 'service' : uid !== undefined ? 'user' : subjectTypeOf(c, clientId),
      ...(sub !== undefined ? { subject: sub } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      tenants: org !== undefined ? [org] : [],
      privileges: standardPrivileges(c, input.vocab),
      attestation,
      notes,
    };
  },
};
