/**
 * Firebase Authentication ID tokens: `https://securetoken.google.com/{projectId}`, `aud` = project,
 * `firebase.sign_in_provider`, custom claims (e.g. `admin: true`) at the top level.
 * https://firebase.google.com/docs/auth/admin/verify-id-tokens
 */
import type { Privilege } from '../../core/profile.js';
import { isObject, obj, own, str } from '../claims.js';
import { levelOf } from '../vocab.js';
import { issuerPath, standardPrivileges } from './common.js';
import type { FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

/** Claims Firebase itself sets; anything else at the top level is a developer's custom claim. */
const RESERVED = new Set(['iss', 'aud', 'auth_time', 'user_id', 'sub', 'iat', 'exp', 'email', 'email_verified', 'firebase', 'name', 'picture', 'phone_number', 'nbf', 'jti', 'uid']);

export const firebase: IssuerFamilyReader = {
  id: 'firebase',
  kind: 'issuer',
  matches(input: FamilyInput): boolean {
    return input.issuerHost === 'securetoken.google.com' || isObject(own(input.claims, 'firebase'));
  },
  read(input: FamilyInput): FamilyFacts {
    const c = input.claims;
    const project = issuerPath(input).replace(/^\//, '').split('/')[0] || input.audiences[0];
    const fb = obj(c, 'firebase');
    const provider = str(fb, 'sign_in_provider');
    const tenant = str(fb, 'tenant');
    const privileges: Privilege[] = [...standardPrivileges(c, input.vocab)];
    let seen = 0;
    for (const key of Object.keys(c)) {
      if (++seen > 300) break;
      if (RESERVED.has(key) || key === 'role' || key === 'roles') continue;
      // Boolean custom claims are how Firebase apps grant roles: `admin: true`, `editor: true`.
      if (own(c, key) === true) {
        const { level, why } = levelOf(key, input.vocab);
        privileges.push({ name: key, source: 'claim', level, why: `custom claim ${key}=true; ${why}` });
      }
    }
    const sub = str(c, 'sub') ?? str(c, 'user_id');
    const attestation: Array<[string, string]> = [];
    if (provider !== undefined) attestation.push(['signInProvider', provider]);
    return {
      family: 'firebase',
      tokenUse: 'id',
      subjectType: provider === 'anonymous' ? 'anonymous' : 'user',
      ...(sub !== undefined ? { subject: sub } : {}),
      tenants: [project, tenant].filter((t): t is string => t !== undefined),
      privileges,
      environmentHints: project !== undefined ? [{ text: project, evidence: 'Firebase project' }] : [],
      attestation,
    };
  },
};
