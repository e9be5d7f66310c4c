/**
 * Console sessions: after signing in with an API key, the browser holds a cookie that is the session
 * SEALED (AES-256-GCM, `core/secrets.seal`) with the service's sealing key under its own context, so
 * it can be neither read nor forged nor replayed as any other sealed value. Every process sharing
 * the sealing key accepts it (BullMQ deployments already must share it).
 *
 * A session holds the key's id, role and label, a random CSRF token and its expiry — never the API
 * key itself. On every request the key is looked up again (`SessionManager.open` → caller checks it
 * is still unrevoked), so revoking a key ends its sessions at once. Signing out adds the session id
 * to an in-memory deny list until the session would have expired (per process; the cookie is also
 * cleared in the browser).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SealingKey, seal, unseal } from '../../core/secrets.js';
import { ApiKeyRoleSchema, type ApiKeyRole } from '../../store/types.js';

const CONTEXT = 'tokenradius:console-session:v1';
const MAX_COOKIE_CHARS = 4096;

export const SessionSchema = z
  .object({
    v: z.literal(1),
    /** Random session id (sign-out deny list). */
    sid: z.string().min(16).max(64),
    /** API key id. */
    kid: z.string().min(1).max(64),
    role: ApiKeyRoleSchema,
    label: z.string().max(200),
    /** Synchronizer CSRF token bound to this session. */
    csrf: z.string().min(16).max(64),
    /** Issued / expires, seconds since the epoch. */
    iat: z.number().int(),
    exp: z.number().int(),
  })
  .strict();
export type Session = z.infer<typeof SessionSchema>;

export interface SessionManager {
  /** A new session for this key, and the cookie value that carries it. */
  issue(key: { id: string; role: ApiKeyRole; label: string }, now: Date): { value: string; session: Session };
  /** The session in a cookie value, or null (unreadable, tampered, expired, signed out). */
  open(value: string, now: Date): Session | null;
  /** Sign out: the session is refused from now on (this process). */
  end(session: Pick<Session, 'sid' | 'exp'>, now: Date): void;
  readonly ttlSeconds: number;
}

export function createSessionManager(o: { key?: SealingKey; ttlSeconds: number; maxEnded?: number }): SessionManager {
  // Without a configured key, sessions last as long as this process (and are not shared).
  const key = o.key ?? SealingKey.generate();
  const maxEnded = o.maxEnded ?? 100_000;
  const ended = new Map<string, number>(); // sid -> exp (seconds)

  function prune(nowS: number): void {
    for (const [sid, exp] of ended) if (exp <= nowS) ended.delete(sid);
    for (const sid of ended.keys()) {
      if (ended.size < maxEnded) break;
      ended.delete(sid);
    }
  }

  return {
    ttlSeconds: o.ttlSeconds,
    issue(k, now) {
      const iat = Math.floor(now.getTime() / 1000);
      const session: Session = {
        v: 1,
        sid: randomBytes(16).toString('base64url'),
        kid: k.id,
        role: k.role,
        label: k.label.slice(0, 200),
        csrf: randomBytes(24).toString('base64url'),
        iat,
        exp: iat + o.ttlSeconds,
      };
      return { value: seal(key, JSON.stringify(session), CONTEXT), session };
    },
    open(value, now) {
      if (value.length === 0 || value.length > MAX_COOKIE_CHARS) return null;
      let parsed: unknown;
      try {
        parsed = JSON.parse(unseal(key, value, CONTEXT));
      } catch {
        return null; // another key, tampered, truncated: simply not a session
      }
      const r = SessionSchema.safeParse(parsed);
      if (!r.success) return null;
      const nowS = Math.floor(now.getTime() / 1000);
      if (r.data.exp <= nowS || r.data.iat > nowS + 300) return null;
      if (ended.has(r.data.sid)) return null;
      return r.data;
    },
    end(s, now) {
      const nowS = Math.floor(now.getTime() / 1000);
      if (ended.size >= maxEnded) prune(nowS);
      ended.set(s.sid, s.exp);
    },
  };
}
