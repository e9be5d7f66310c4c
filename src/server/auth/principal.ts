/**
 * Who is calling and what their role allows. Every API key has one role:
 *
 * | role        | read findings, stats, audit | act on findings and revocations | manage API keys |
 * |-------------|-----------------------------|---------------------------------|-----------------|
 * | `viewer`    | yes                         |                                 |                 |
 * | `responder` | yes                         | yes                             |                 |
 * | `admin`     | yes                         | yes                             | yes             |
 *
 * `authorize` is the one place a permission is checked: the REST API and the console both call
 * the review service, which calls it first thing in every operation.
 */
import { TokenradiusError } from '../../core/errors.js';
import type { ApiKeyRole } from '../../store/types.js';

export type Permission = 'read' | 'act' | 'admin';
export const PERMISSIONS: readonly Permission[] = ['read', 'act', 'admin'];

const GRANTS: Record<ApiKeyRole, readonly Permission[]> = {
  viewer: ['read'],
  responder: ['read', 'act'],
  admin: ['read', 'act', 'admin'],
};

/** The role needed for a permission (the lowest that has it), for docs and error messages. */
export const ROLE_FOR: Record<Permission, ApiKeyRole> = { read: 'viewer', act: 'responder', admin: 'admin' };

/** An authenticated caller: an API key, presented as a Bearer token or through a console session. */
export interface Principal {
  keyId: string;
  role: ApiKeyRole;
  label: string;
  via: 'bearer' | 'session';
  /** Session-bound CSRF token (console sessions only). */
  csrf?: string;
  /** Session id (console sessions only), for sign-out. */
  sessionId?: string;
  /** Session expiry (seconds since the epoch), console sessions only. */
  sessionExpiresAt?: number;
}

export function permissionsOf(role: ApiKeyRole): readonly Permission[] {
  return GRANTS[role];
}

export function can(role: ApiKeyRole, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

/** How the audit log names a caller: `api-key:<id>` (the console shows the key's label beside it). */
export function actorOf(p: Pick<Principal, 'keyId'>): string {
  return `api-key:${p.keyId}`;
}

/** The principal, if it may do this; else UNAUTHENTICATED (nobody) or FORBIDDEN (role too low). */
export function authorize(p: Principal | undefined, permission: Permission): Principal {
  if (!p) throw new TokenradiusError('UNAUTHENTICATED', 'sign in or send an API key as "Authorization: Bearer <key>"');
  if (!can(p.role, permission)) {
    throw new TokenradiusError('FORBIDDEN', `the ${p.role} role cannot do this (needs ${ROLE_FOR[permission]})`, {
      details: { role: p.role, needs: ROLE_FOR[permission] },
    });
  }
  return p;
}
