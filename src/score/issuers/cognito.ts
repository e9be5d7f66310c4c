/**
 * Amazon Cognito user-pool tokens: `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`,
 * `token_use` id | access, `cognito:groups`, `cognito:roles` (IAM role ARNs).
 * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
 */
import { list, own, str } from '../claims.js';
import { issuerPath, privileges, standardPrivileges } from './common.js';
import type { FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

const COGNITO_HOST = /^cognito-idp\.([a-z0-9-]+)\.amazonaws\.com$/;

export const cognito: IssuerFamilyReader = {
  id: 'cognito',
  kind: 'issuer',
  matches(input: FamilyInput): boolean {
    if (input.issuerHost !== undefined && COGNITO_HOST.test(input.issuerHost)) return true;
    const use = str(input.claims, 'token_use');
    return (use === 'id' || use === 'access') && (own(input.claims, 'cognito:username') !== undefined || own(input.claims, 'username') !== undefined || own(input.claims, 'client_id') !== undefined);
  },
  read(input: FamilyInput): FamilyFacts {
    const c = input.claims;
    const region = input.issuerHost !== undefined ? COGNITO_HOST.exec(input.issuerHost)?.[1] : undefined;
    const pool = issuerPath(input).replace(/^\//, '').split('/')[0] || undefined;
    const use = str(c, 'token_use');
    const clientId = str(c, 'client_id') ?? (use === 'id' ? input.audiences[0] : undefined);
    const sub = str(c, 'sub');
    const username = str(c, 'cognito:username') ?? str(c, 'username');
    const roles = [...list(own(c, 'cognito:roles')), ...list(own(c, 'cognito:preferred_role'))];
    const accounts = [...new Set(roles.map((r) => /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(r)?.[1]).filter((a): a is string => a !== undefined))];
    const attestation: Array<[string, string]> = [];
    if (region !== undefined) attestation.push(['region', region]);
    if (pool !== undefined) attestation.push(['userPool', pool]);
    if (accounts.length > 0) attestation.push(['awsAccounts', accounts.join(',')]);
    const notes: string[] = [];
    if (roles.length > 0) notes.push('carries IAM role ARNs: an identity pool may exchange it for AWS credentials in those accounts');
    return {
      family: 'cognito',
      tokenUse: use === 'id' ? 'id' : use === 'access' ? 'access' : undefined,
      // Client-credentials access tokens: `sub` = client id and no username.
      subjectType: username === undefined && sub !== undefined && sub === clientId ? 'service' : 'user',
      ...(sub !== undefined ? { subject: sub } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      tenants: pool !== undefined ? [pool] : [],
      privileges: [
        ...standardPrivileges(c, input.vocab),
        ...privileges(list(own(c, 'cognito:groups')), 'group', input.vocab),
        ...privileges([...new Set(roles)], 'role', input.vocab),
      ],
      environmentHints: pool !== undefined ? [{ text: pool, evidence: 'Cognito user pool' }] : [],
      attestation,
      notes,
    };
  },
};
