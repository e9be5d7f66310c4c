/**
 * Readings shared by several issuer families: the standard authorization claims (RFC 6749 `scope`,
 * RFC 9068 / SCIM `roles` `groups` `entitlements`, `permissions`), token use from the JOSE `typ`
 * and tell-tale claims, and subject type from client-credentials conventions.
 */
import type { Privilege, SubjectType, TokenUse } from '../../core/profile.js';
import { isObject, list, own, scopes, str } from '../claims.js';
import { levelOf, type CompiledVocab } from '../vocab.js';
import type { FamilyInput } from './types.js';

export function privilege(name: string, source: Privilege['source'], vocab: CompiledVocab): Privilege {
  const { level, why } = levelOf(name, vocab);
  return { name, source, level, why };
}

export function privileges(names: readonly string[], source: Privilege['source'], vocab: CompiledVocab): Privilege[] {
  return names.map((n) => privilege(n, source, vocab));
}

/** `scope`/`scp` (string or array), `roles`, `groups`, `entitlements`, `permissions`, `role`. */
export function standardPrivileges(claims: unknown, vocab: CompiledVocab): Privilege[] {
  return [
    ...privileges(scopes(own(claims, 'scope')), 'scope', vocab),
    ...privileges(scopes(own(claims, 'scp')), 'scope', vocab),
    ...privileges(list(own(claims, 'roles')), 'role', vocab),
    ...privileges(list(own(claims, 'role')), 'role', vocab),
    ...privileges(list(own(claims, 'groups')), 'group', vocab),
    ...privileges(list(own(claims, 'entitlements')), 'permission', vocab),
    ...privileges(list(own(claims, 'permissions')), 'permission', vocab),
  ];
}

/** Token use from the JOSE `typ` header and claims that only one kind of JOSE object carries. */
export function tokenUseFromShape(header: unknown, claims: unknown): TokenUse | undefined {
  const typ = (str(header, 'typ') ?? '').toLowerCase().replace(/^application\//, '');
  if (typ === 'at+jwt') return 'access';
  if (typ === 'dpop+jwt') return 'dpop-proof';
  if (typ === 'secevent+jwt') return 'set';
  if (typ === 'logout+jwt') return 'logout';
  if (typ === 'rt+jwt' || typ === 'refresh+jwt') return 'refresh';
  const events = own(claims, 'events');
  if (isObject(events)) {
    return Object.prototype.hasOwnProperty.call(events, 'http://schemas.openid.net/event/backchannel-logout') ? 'logout' : 'set';
  }
  if (str(claims, 'htm') !== undefined && str(claims, 'htu') !== undefined) return 'dpop-proof';
  if (own(claims, 'nonce') !== undefined || own(claims, 'at_hash') !== undefined || own(claims, 'c_hash') !== undefined) return 'id';
  if (own(claims, 'scope') !== undefined || own(claims, 'scp') !== undefined || own(claims, 'client_id') !== undefined) return 'access';
  return undefined;
}

/** The OAuth client the token was issued to, by the names issuers use. */
export function clientIdOf(claims: unknown): string | undefined {
  return str(claims, 'client_id') ?? str(claims, 'azp') ?? str(claims, 'appid') ?? str(claims, 'cid');
}

const USER_CLAIMS = ['email', 'preferred_username', 'name', 'given_name', 'family_name', 'upn', 'unique_name', 'username', 'uid', 'nickname'];

/**
 * Client-credentials tokens (RFC 9068 §2.2: `sub` is the client id) are machine identities; a
 * token with person-shaped claims is a user's.
 */
export function subjectTypeOf(claims: unknown, clientId: string | undefined): SubjectType | undefined {
  const sub = str(claims, 'sub');
  if (sub !== undefined && clientId !== undefined && sub === clientId) return 'service';
  if (USER_CLAIMS.some((k) => own(claims, k) !== undefined)) return 'user';
  // RFC 9068: a `sub` that is not the client is the resource owner the client acts for.
  if (sub !== undefined && clientId !== undefined) return 'user';
  return undefined;
}

export function issuerPath(input: FamilyInput): string {
  if (!input.issuer) return '';
  try {
    return new URL(input.issuer).pathname;
  } catch {
    return '';
  }
}
