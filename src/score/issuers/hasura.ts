/**
 * Hasura GraphQL Engine claims, carried on tokens from any issuer (Auth0, Firebase, Cognito…):
 * namespace `https://hasura.io/jwt/claims` (configurable; DDN `claims.jwt.hasura.io`), possibly a
 * stringified JSON object, with `x-hasura-allowed-roles`, `x-hasura-default-role`, `x-hasura-user-id`.
 * https://hasura.io/docs/latest/auth/authentication/jwt/
 */
import type { Privilege } from '../../core/profile.js';
import { isObject, list, own, str, type Json } from '../claims.js';
import { privilege } from './common.js';
import type { FamilyFacts, FamilyInput, IssuerFamilyReader } from './types.js';

const NAMESPACES = ['https://hasura.io/jwt/claims', 'claims.jwt.hasura.io'];
/** A stringified claims namespace bigger than this is not parsed (hostile input). */
const MAX_STRINGIFIED = 64 * 1024;

export function hasuraClaims(claims: Json): Json | undefined {
  for (const ns of NAMESPACES) {
    const v = own(claims, ns);
    if (isObject(v)) return v;
    if (typeof v === 'string' && v.length <= MAX_STRINGIFIED) {
      try {
        const parsed: unknown = JSON.parse(v);
        if (isObject(parsed)) return parsed;
      } catch {
        // not JSON: ignore the namespace
      }
    }
  }
  // Hasura can also read `x-hasura-*` claims at the top level (claims_map / no namespace).
  if (Object.keys(claims).some((k) => k.toLowerCase().startsWith('x-hasura-'))) return claims;
  return undefined;
}

export const hasura: IssuerFamilyReader = {
  id: 'hasura',
  kind: 'claims',
  matches(input: FamilyInput): boolean {
    return hasuraClaims(input.claims) !== undefined;
  },
  read(input: FamilyInput): FamilyFacts {
    const h = hasuraClaims(input.claims) ?? {};
    const allowed = list(own(h, 'x-hasura-allowed-roles'));
    const def = str(h, 'x-hasura-default-role');
    const roles = [...new Set([...allowed, ...(def !== undefined ? [def] : [])])];
    const privileges: Privilege[] = roles.map((r) =>
      r === 'admin' ? { name: r, source: 'role', level: 'owner', why: 'Hasura admin role: every table, bypasses permissions' } : privilege(r, 'role', input.vocab),
    );
    const userId = str(h, 'x-hasura-user-id');
    const notes: string[] = [];
    if (allowed.includes('admin')) notes.push('admin is among x-hasura-allowed-roles: a client may switch to it with x-hasura-role');
    return {
      family: 'hasura',
      subjectType: userId !== undefined ? 'user' : def === 'anonymous' ? 'anonymous' : 'unknown',
      privileges,
      ...(userId !== undefined ? { attestation: [['hasuraUserId', userId] as [string, string]] } : {}),
      notes,
    };
  },
};
