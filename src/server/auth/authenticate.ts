/**
 * Authentication for the REST API and the console.
 *
 * - `Authorization: Bearer trk_…` (scripts, integrations): the key is verified against its stored
 *   hash on every request. A Bearer request carries no ambient credential a browser could attach on
 *   its own, so it needs no CSRF token. A present but bad Authorization header is 401 — it never
 *   falls back to a cookie.
 * - The console session cookie (after signing in with a key): the sealed session is opened, its key
 *   looked up again (a revoked key ends its sessions at once), and every state-changing request must
 *   carry the session's CSRF token (`_csrf` form field or `X-CSRF-Token` header) and must not come
 *   from another origin.
 * - Sign-in is rate-limited per client IP and per key id (429 + Retry-After), counting every attempt.
 *
 * Webhook routes do not use this module: they keep their own signature checks and never look at a
 * session.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { TokenradiusError } from '../../core/errors.js';
import { apiKeyId } from '../../store/api-keys.js';
import type { FindingStore } from '../../store/types.js';
import type { ConsoleOptions } from '../console/options.js';
import { clearCookie, cookieName, parseCookies, serializeCookie } from './cookies.js';
import type { Principal } from './principal.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import type { Session, SessionManager } from './session.js';

export const SESSION_COOKIE = 'tr_session';
export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthDeps {
  store: Pick<FindingStore, 'verifyApiKey' | 'listApiKeys'>;
  sessions: SessionManager;
  options: ConsoleOptions;
  now?: () => Date;
}

export interface LoginResult {
  principal: Principal;
  session: Session;
  /** The Set-Cookie header value. */
  setCookie: string;
}

export interface Authenticator {
  readonly sessions: SessionManager;
  /** Bearer first, then the session cookie; undefined when neither is present. Bad Bearer ⇒ UNAUTHENTICATED. */
  authenticate(request: FastifyRequest): Promise<Principal | undefined>;
  /** For state-changing requests: a session needs its CSRF token and a same-origin request; Bearer is exempt. */
  checkCsrf(request: FastifyRequest, principal: Principal, provided: unknown): void;
  /** Sign in with a key (rate-limited). UPSTREAM_RATE_LIMITED (429) or UNAUTHENTICATED (401). */
  login(request: FastifyRequest, key: string): Promise<LoginResult>;
  /** Sign out: the session is refused from now on; returns the Set-Cookie that clears it. */
  logout(request: FastifyRequest, principal: Principal | undefined): string;
  /** Whether cookies set on this request get `Secure` (https, or `secureCookies: always`). */
  secure(request: FastifyRequest): boolean;
}

/** Constant-time string comparison (false on length mismatch). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

function bearerOf(request: FastifyRequest): string | undefined | null {
  const h = request.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(h);
  return m ? m[1]! : null;
}

/** The request's own origin, as a browser would send it in `Origin`. */
function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

export function createAuthenticator(deps: AuthDeps): Authenticator {
  const now = deps.now ?? (() => new Date());
  const perIp: RateLimiter = createRateLimiter(deps.options.loginRateLimit.perIp);
  const perKey: RateLimiter = createRateLimiter(deps.options.loginRateLimit.perKey);

  const secure = (request: FastifyRequest): boolean => {
    if (deps.options.secureCookies === 'always') return true;
    if (deps.options.secureCookies === 'never') return false;
    return request.protocol === 'https';
  };

  function sessionCookieValue(request: FastifyRequest): string | undefined {
    const cookies = parseCookies(request.headers.cookie);
    return cookies.get(cookieName(SESSION_COOKIE, true)) ?? cookies.get(SESSION_COOKIE);
  }

  async function keyStillValid(session: Session): Promise<boolean> {
    const keys = await deps.store.listApiKeys();
    const k = keys.find((x) => x.id === session.kid);
    return k !== undefined && k.revokedAt === undefined && k.role === session.role;
  }

  return {
    sessions: deps.sessions,
    secure,

    async authenticate(request) {
      const bearer = bearerOf(request);
      if (bearer === null) throw new TokenradiusError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <API key>"');
      if (bearer !== undefined) {
        const k = await deps.store.verifyApiKey(bearer);
        if (!k) throw new TokenradiusError('UNAUTHENTICATED', 'the API key is not valid (unknown, revoked or malformed)');
        return { keyId: k.id, role: k.role, label: k.label, via: 'bearer' };
      }
      const value = sessionCookieValue(request);
      if (!value) return undefined;
      const session = deps.sessions.open(value, now());
      if (!session || !(await keyStillValid(session))) return undefined;
      return {
        keyId: session.kid,
        role: session.role,
        label: session.label,
        via: 'session',
        csrf: session.csrf,
        sessionId: session.sid,
        sessionExpiresAt: session.exp,
      };
    },

    checkCsrf(request, principal, provided) {
      if (principal.via === 'bearer' || SAFE_METHODS.has(request.method)) return;
      // Defence in depth beside the token (and SameSite=Strict): refuse what the browser says came
      // from another site. Our pages send `Referrer-Policy: no-referrer`, under which browsers send
      // `Origin: null` even for same-origin form posts, so `null` is judged by Sec-Fetch-Site.
      const origin = request.headers.origin;
      if (typeof origin === 'string' && origin !== 'null' && origin !== ownOrigin(request)) {
        throw new TokenradiusError('FORBIDDEN', 'cross-origin request refused');
      }
      const site = request.headers['sec-fetch-site'];
      if (site === 'cross-site' || site === 'same-site') throw new TokenradiusError('FORBIDDEN', 'cross-origin request refused');
      const header = request.headers[CSRF_HEADER];
      const token = typeof provided === 'string' && provided.length > 0 ? provided : typeof header === 'string' ? header : '';
      if (!principal.csrf || !safeEqual(token, principal.csrf)) {
        throw new TokenradiusError('FORBIDDEN', 'missing or invalid CSRF token: reload the page and try again');
      }
    },

    async login(request, key) {
      const t = now().getTime();
      const byIp = perIp.hit(`ip:${request.ip}`, t);
      const id = apiKeyId(key.trim());
      const byKey = id ? perKey.hit(`key:${id}`, t) : { allowed: true, retryAfterSeconds: 0 };
      if (!byIp.allowed || !byKey.allowed) {
        const after = Math.max(byIp.allowed ? 0 : byIp.retryAfterSeconds, byKey.allowed ? 0 : byKey.retryAfterSeconds);
        throw new TokenradiusError('UPSTREAM_RATE_LIMITED', `too many sign-in attempts; try again in ${after} s`, { retry: { afterMs: after * 1000 } });
      }
      const k = id ? await deps.store.verifyApiKey(key.trim()) : null;
      if (!k) throw new TokenradiusError('UNAUTHENTICATED', 'that API key is not valid (unknown, revoked or mistyped)');
      const { value, session } = deps.sessions.issue(k, now());
      const isSecure = secure(request);
      return {
        session,
        principal: { keyId: k.id, role: k.role, label: k.label, via: 'session', csrf: session.csrf, sessionId: session.sid, sessionExpiresAt: session.exp },
        setCookie: serializeCookie(cookieName(SESSION_COOKIE, isSecure), value, { secure: isSecure, maxAgeSeconds: deps.sessions.ttlSeconds }),
      };
    },

    logout(request, principal) {
      if (principal?.sessionId && principal.sessionExpiresAt) deps.sessions.end({ sid: principal.sessionId, exp: principal.sessionExpiresAt }, now());
      const isSecure = secure(request);
      return clearCookie(cookieName(SESSION_COOKIE, isSecure), { secure: isSecure });
    },
  };
}
