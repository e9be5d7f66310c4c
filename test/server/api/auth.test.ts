/**
 * Authentication and roles for the review API and console: Bearer keys, 401 for every route,
 * role checks (403) on every route, console sessions (cookie attributes, revocation, sign-out,
 * tampering), CSRF on state-changing session requests, sign-in rate limits (429), and webhook
 * routes that never accept a session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, apiRoutes, type ApiRoute } from '../../../src/server/api/routes.js';
import { can } from '../../../src/server/auth/principal.js';
import type { ApiKeyRole } from '../../../src/store/types.js';
import { adminJwt, bearer, form, json, signIn, startTestServer, type TestServer } from './helpers.js';

const FP = `sha256:${'ab'.repeat(32)}`;
const ACTION = '00000000-0000-4000-8000-000000000000';
const KEY_ID = 'aaaaaaaaaaaa';

function urlOf(r: ApiRoute): string {
  return `${API_PREFIX}${r.path}`.replace(':fingerprint', FP).replace(':id', r.tag === 'keys' ? KEY_ID : ACTION);
}

function bodyOf(r: ApiRoute): unknown {
  if (r.operationId === 'createApiKey') return { role: 'viewer', label: 'probe' };
  if (r.operationId === 'assignFinding') return { assignee: 'someone' };
  if (r.operationId === 'markFalsePositive') return { reason: 'test data' };
  return r.method === 'GET' || r.method === 'DELETE' ? undefined : {};
}

describe('review API authentication and roles', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers 401 on every route without a key, with a malformed header, or with an unknown key', async () => {
    for (const r of apiRoutes) {
      for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer trk_aaaaaaaaaaaa_' + 'A'.repeat(43) }, { authorization: 'Bearer' }]) {
        const res = await s.app.inject({ method: r.method, url: urlOf(r), headers, ...(bodyOf(r) !== undefined ? { payload: bodyOf(r) as object } : {}) });
        expect(res.statusCode, `${r.method} ${r.path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(json(res).error.code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('lets each role do exactly what it may: 403 for the rest, on every route', async () => {
    for (const role of ['viewer', 'responder', 'admin'] as ApiKeyRole[]) {
      for (const r of apiRoutes) {
        const res = await s.app.inject({ method: r.method, url: urlOf(r), headers: bearer(s.keys[role]), ...(bodyOf(r) !== undefined ? { payload: bodyOf(r) as object } : {}) });
        const label = `${role} ${r.method} ${r.path} → ${res.statusCode}`;
        if (can(role, r.permission)) {
          expect([200, 201, 404, 409], label).toContain(res.statusCode);
        } else {
          expect(res.statusCode, label).toBe(403);
          expect(json(res).error.code).toBe('FORBIDDEN');
        }
      }
    }
  });

  it('refuses a revoked key at once, through the API and its console sessions', async () => {
    const k = await s.store.createApiKey({ role: 'responder', label: 'short-lived', actor: 'test' });
    const session = await signIn(s.app, k.key);
    expect((await s.app.inject({ url: `${API_PREFIX}/me`, headers: bearer(k.key) })).statusCode).toBe(200);
    expect((await s.app.inject({ url: '/console/', headers: { cookie: session.cookie } })).statusCode).toBe(200);
    const del = await s.app.inject({ method: 'DELETE', url: `${API_PREFIX}/keys/${k.id}`, headers: bearer(s.keys.admin) });
    expect(del.statusCode).toBe(200);
    expect(json(del).apiKey.revokedAt).toBeTypeOf('string');
    expect((await s.app.inject({ url: `${API_PREFIX}/me`, headers: bearer(k.key) })).statusCode).toBe(401);
    const page = await s.app.inject({ url: '/console/', headers: { cookie: session.cookie } });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/console/login');
    expect((await s.app.inject({ url: `${API_PREFIX}/me`, headers: { cookie: session.cookie } })).statusCode).toBe(401);
  });

  it('says who the caller is', async () => {
    const me = json(await s.app.inject({ url: `${API_PREFIX}/me`, headers: bearer(s.keys.responder) }));
    expect(me).toEqual({ keyId: s.keyIds.responder, role: 'responder', label: 'rita responder', via: 'bearer', permissions: ['read', 'act'] });
  });

  it('sets the session cookie HttpOnly and SameSite=Strict, never echoing the key', async () => {
    const session = await signIn(s.app, s.keys.viewer);
    expect(session.setCookie).toMatch(/^tr_session=[A-Za-z0-9._-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(session.setCookie).not.toContain('Secure');
    expect(session.setCookie).not.toContain(s.keys.viewer.slice(4));
    expect(session.cookie).not.toContain(s.keys.viewer);
  });

  it('signs out: the old cookie no longer works', async () => {
    const session = await signIn(s.app, s.keys.viewer);
    const f = form({ _csrf: session.csrf });
    const out = await s.app.inject({ method: 'POST', url: '/console/logout', payload: f.payload, headers: { ...f.headers, cookie: session.cookie } });
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/^tr_session=; .*Max-Age=0/);
    const again = await s.app.inject({ url: '/console/findings', headers: { cookie: session.cookie } });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toContain('/console/login');
  });

  it('ignores a tampered session cookie or one sealed by another server', async () => {
    const session = await signIn(s.app, s.keys.admin);
    const [name, value] = session.cookie.split('=') as [string, string];
    const flipped = `${name}=${value.slice(0, -3)}${value.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`;
    expect((await s.app.inject({ url: `${API_PREFIX}/me`, headers: { cookie: flipped } })).statusCode).toBe(401);
    const other = await startTestServer();
    try {
      const res = await other.app.inject({ url: `${API_PREFIX}/me`, headers: { cookie: session.cookie } });
      expect(res.statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('needs the CSRF token for state changes with a session; Bearer calls need none', async () => {
    const fp = (await s.plant(`deploy token ${adminJwt()}`))[0]!;
    const session = await signIn(s.app, s.keys.responder);
    const url = `${API_PREFIX}/findings/${fp}/acknowledge`;
    // reads need no token
    expect((await s.app.inject({ url: `${API_PREFIX}/findings/${fp}`, headers: { cookie: session.cookie } })).statusCode).toBe(200);
    const missing = await s.app.inject({ method: 'POST', url, headers: { cookie: session.cookie } });
    expect(missing.statusCode).toBe(403);
    expect(json(missing).error.message).toMatch(/CSRF/);
    const wrong = await s.app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) } });
    expect(wrong.statusCode).toBe(403);
    const crossSite = await s.app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, origin: 'https://evil.example' } });
    expect(crossSite.statusCode).toBe(403);
    expect((await s.store.getFinding(fp))!.status).toBe('open');
    const ok = await s.app.inject({ method: 'POST', url, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
    expect(ok.statusCode).toBe(200);
    expect(json(ok).finding.status).toBe('acknowledged');
    const viaBearer = await s.app.inject({ method: 'POST', url: `${API_PREFIX}/findings/${fp}/resolve`, headers: bearer(s.keys.responder), payload: { reason: 'rotated' } });
    expect(viaBearer.statusCode).toBe(200);
  });

  it('never accepts a session on a webhook route: a cookie changes nothing', async () => {
    const session = await signIn(s.app, s.keys.admin);
    for (const url of ['/webhooks/slack/events', '/webhooks/jira', '/webhooks/github']) {
      const payload = { type: 'event_callback', event: { type: 'message', text: 'hi' } };
      const without = await s.app.inject({ method: 'POST', url, payload });
      const withCookie = await s.app.inject({ method: 'POST', url, payload, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
      expect(withCookie.statusCode, url).toBe(without.statusCode);
      expect(withCookie.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(withCookie.body).toBe(without.body);
    }
  });
});

describe('sign-in rate limits', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ config: { console: { loginRateLimit: { perIp: { max: 4, windowSeconds: 60 }, perKey: { max: 2, windowSeconds: 300 } } } } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('rate-limits sign-in per client IP and per key id (429 with Retry-After)', async () => {
    const attempt = async (key: string, ip: string) => {
      const page = await s.app.inject({ url: '/console/login', remoteAddress: ip });
      const cookie = String(page.headers['set-cookie']).split(';')[0]!;
      const token = /name="_csrf" value="([^"]*)"/.exec(page.body)![1]!;
      const f = form({ key, _csrf: token });
      return s.app.inject({ method: 'POST', url: '/console/login', remoteAddress: ip, payload: f.payload, headers: { ...f.headers, cookie } });
    };
    // per IP: 4 attempts allowed, the 5th is refused, even with a valid key
    for (const c of 'abcd') expect((await attempt(`trk_${c.repeat(12)}_${'x'.repeat(43)}`, '10.9.8.7')).statusCode).toBe(401);
    const limited = await attempt(s.keys.viewer, '10.9.8.7');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toContain('Too many attempts');
    // another IP is unaffected
    expect((await attempt(s.keys.viewer, '10.9.8.8')).statusCode).toBe(303);
    // per key id: 2 attempts on one key id from different IPs, then refused
    const k = await s.store.createApiKey({ role: 'viewer', label: 'target', actor: 'test' });
    const guess = `trk_${k.id}_${'Z'.repeat(43)}`;
    expect((await attempt(guess, '10.1.0.1')).statusCode).toBe(401);
    expect((await attempt(guess, '10.1.0.2')).statusCode).toBe(401);
    const keyLimited = await attempt(k.key, '10.1.0.3');
    expect(keyLimited.statusCode).toBe(429);
    expect(keyLimited.body).not.toContain(k.key);
  });

});

describe('session cookies behind TLS', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ config: { server: { trustProxy: true } } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('are __Host- prefixed and Secure when the request came over https', async () => {
    const https = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'tokenradius.example' };
    const session = await signIn(s.app, s.keys.viewer, { headers: https });
    expect(session.setCookie).toMatch(/^__Host-tr_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    expect((await s.app.inject({ url: `${API_PREFIX}/me`, headers: { ...https, cookie: session.cookie } })).statusCode).toBe(200);
  });
});
