/**
 * API and console auth bypass attempts that test/server/api/auth.test.ts and
 * test/server/console/console.test.ts leave out:
 * - forged API keys: a real key id with a guessed, borrowed or one-character-off secret; a key
 *   offered anywhere but the Authorization header;
 * - forged and stale sessions: expired, issued in the future, or naming a role its key does not
 *   have (what a key whose role changed, or a tampered-but-resealed cookie, would carry);
 * - role escalation by mixing credentials: a lower Bearer key with an admin cookie, a bad Bearer
 *   key with a good cookie, a responder asking for an admin key;
 * - CSRF on EVERY state-changing route the server registers (collected as registered, so a new
 *   route is covered the day it is added): a session without its CSRF token, or from another
 *   origin, changes nothing.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { SealingKey } from '../../src/core/secrets.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { createSessionManager } from '../../src/server/auth/session.js';
import { buildServer, type RoutePlugin } from '../../src/server/app.js';
import { routes } from '../../src/server/routes/index.js';
import { scanChunk } from '../../src/pipeline/scan-chunk.js';
import { buildScanDeps } from '../../src/pipeline/scan-deps.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { adminJwt, bearer, form, json, signIn, startTestServer, type TestServer } from '../server/api/helpers.js';

const API = '/api/v1';

describe('forged API keys and keys in the wrong place', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a real key id with a wrong secret is 401, whatever the secret', async () => {
    const admin = s.keys.admin;
    const [, id = '', secret = ''] = /^trk_([a-z2-7]{12})_(.{43})$/.exec(admin)!;
    const otherSecret = s.keys.viewer.slice(-43);
    const flip = (c: string) => (c === 'A' ? 'B' : 'A');
    const forged = [
      `trk_${id}_${'A'.repeat(43)}`,
      `trk_${id}_${otherSecret}`, // the viewer's secret under the admin's id
      `trk_${id}_${secret.slice(0, -1)}${flip(secret.slice(-1))}`,
      `trk_${id}_${flip(secret[0]!)}${secret.slice(1)}`,
      `trk_${id}_${secret}x`,
      `trk_${id.toUpperCase()}_${secret}`,
      ` ${admin}`.slice(1) + '\u0000',
    ];
    for (const key of forged) {
      const res = await s.app.inject({ url: `${API}/me`, headers: bearer(key) });
      expect(res.statusCode, key.slice(0, 20)).toBe(401);
      expect(res.body).not.toContain(secret);
      const write = await s.app.inject({ method: 'POST', url: `${API}/keys`, headers: bearer(key), payload: { role: 'admin', label: 'escalated' } });
      expect(write.statusCode).toBe(401);
    }
    expect((await s.app.inject({ url: `${API}/me`, headers: bearer(admin) })).statusCode).toBe(200);
  });

  it('a genuine key outside the Authorization header authenticates nothing', async () => {
    const key = s.keys.admin;
    const attempts: Array<{ url: string; headers?: Record<string, string> }> = [
      { url: `${API}/me?api_key=${key}` },
      { url: `${API}/me?access_token=${key}` },
      { url: `${API}/me`, headers: { 'x-api-key': key } },
      { url: `${API}/me`, headers: { cookie: `tr_session=${key}` } },
      { url: `${API}/me`, headers: { cookie: `authorization=Bearer ${key}` } },
      { url: `${API}/me`, headers: { authorization: `Token ${key}` } },
      { url: `${API}/me`, headers: { authorization: `Basic ${Buffer.from(`admin:${key}`).toString('base64')}` } },
    ];
    for (const a of attempts) {
      const res = await s.app.inject({ url: a.url, ...(a.headers ? { headers: a.headers } : {}) });
      expect(res.statusCode, JSON.stringify(a).slice(0, 80)).toBe(401);
    }
  });
});

describe('forged and stale console sessions', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  /** A session cookie sealed with the server's own key: what a stolen or stale cookie would be. */
  const cookieFor = (o: { kid: string; role: 'viewer' | 'responder' | 'admin'; now: Date; ttlSeconds?: number }) => {
    const sessions = createSessionManager({ key: s.sealingKey, ttlSeconds: o.ttlSeconds ?? 8 * 3600 });
    return `tr_session=${sessions.issue({ id: o.kid, role: o.role, label: 'x' }, o.now).value}`;
  };

  it('control: a well-formed session for the key and its own role is accepted', async () => {
    const res = await s.app.inject({ url: `${API}/me`, headers: { cookie: cookieFor({ kid: s.keyIds.admin, role: 'admin', now: new Date() }) } });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({ role: 'admin', via: 'session' });
  });

  it('an expired session, and one issued in the future, are refused', async () => {
    const expired = cookieFor({ kid: s.keyIds.admin, role: 'admin', now: new Date(Date.now() - 3600_000), ttlSeconds: 60 });
    const future = cookieFor({ kid: s.keyIds.admin, role: 'admin', now: new Date(Date.now() + 3600_000) });
    for (const cookie of [expired, future]) {
      expect((await s.app.inject({ url: `${API}/me`, headers: { cookie } })).statusCode).toBe(401);
      const page = await s.app.inject({ url: '/console/keys', headers: { cookie } });
      expect(page.statusCode).toBe(303);
      expect(page.headers.location).toContain('/console/login');
    }
  });

  it('a session claiming a role its key does not have is refused (no escalation through the cookie)', async () => {
    for (const [kid, role] of [
      [s.keyIds.viewer, 'admin'],
      [s.keyIds.responder, 'admin'],
      [s.keyIds.viewer, 'responder'],
    ] as const) {
      const cookie = cookieFor({ kid, role, now: new Date() });
      expect((await s.app.inject({ url: `${API}/me`, headers: { cookie } })).statusCode, `${role} via ${kid}`).toBe(401);
    }
    // A session for a key id that does not exist.
    expect((await s.app.inject({ url: `${API}/me`, headers: { cookie: cookieFor({ kid: 'aaaaaaaaaaaa', role: 'admin', now: new Date() }) } })).statusCode).toBe(401);
    // A cookie sealed with another key (an attacker's own sealing key).
    const foreign = createSessionManager({ key: SealingKey.generate(), ttlSeconds: 3600 }).issue({ id: s.keyIds.admin, role: 'admin', label: 'x' }, new Date()).value;
    expect((await s.app.inject({ url: `${API}/me`, headers: { cookie: `tr_session=${foreign}` } })).statusCode).toBe(401);
  });

  it('mixing credentials never escalates: Bearer decides, and a bad Bearer does not fall back to the cookie', async () => {
    const admin = await signIn(s.app, s.keys.admin);
    const keysBefore = (await s.store.listApiKeys()).length;
    // A viewer Bearer beside an admin cookie acts as the viewer.
    const mixed = await s.app.inject({ method: 'POST', url: `${API}/keys`, headers: { ...bearer(s.keys.viewer), cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload: { role: 'admin', label: 'mixed' } });
    expect(mixed.statusCode).toBe(403);
    expect(json(await s.app.inject({ url: `${API}/me`, headers: { ...bearer(s.keys.viewer), cookie: admin.cookie } }))).toMatchObject({ role: 'viewer', via: 'bearer' });
    // A forged Bearer beside a valid admin cookie is refused outright.
    const bad = await s.app.inject({ url: `${API}/me`, headers: { ...bearer(`trk_${s.keyIds.admin}_${'A'.repeat(43)}`), cookie: admin.cookie } });
    expect(bad.statusCode).toBe(401);
    // A responder asking for an admin key.
    const ask = await s.app.inject({ method: 'POST', url: `${API}/keys`, headers: bearer(s.keys.responder), payload: { role: 'admin', label: 'please' } });
    expect(ask.statusCode).toBe(403);
    expect((await s.store.listApiKeys()).length).toBe(keysBefore);
  });
});

describe('CSRF on every state-changing route, as registered', () => {
  let app: FastifyInstance;
  let store: FindingStore;
  const registered: Array<{ method: string; url: string }> = [];
  let adminKey: string;

  beforeAll(async () => {
    const loaded = resolveConfig({}, {});
    store = await createPgliteStore({ dataDir: 'memory://' });
    adminKey = (await store.createApiKey({ role: 'admin', label: 'csrf', actor: 'test' })).key;
    const collector: RoutePlugin = {
      id: 'route-collector',
      register(a) {
        a.addHook('onRoute', (r) => {
          for (const method of Array.isArray(r.method) ? r.method : [r.method]) registered.push({ method, url: r.url });
        });
      },
    };
    app = await buildServer(
      { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), options: loaded.config.server, readiness: [], config: loaded.config, store, env: loaded.env, sealingKey: SealingKey.generate() },
      { routes: [collector, ...routes] },
    );
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  /** Cookie-authenticated routes that change state; webhooks (signed, no cookies) and sign-in (its own pre-session token) aside. */
  const stateChanging = () =>
    registered.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && !r.url.startsWith('/webhooks') && r.url !== '/console/login' && r.url !== '/console/login/');

  /** A concrete path naming real things: the planted finding, a real key, a well-formed action id. */
  const pathOf = (url: string, v: { fingerprint: string; keyId: string }) =>
    url
      .replace(/:([A-Za-z]+)/g, (_m, name: string) =>
        name === 'fingerprint' ? v.fingerprint : name === 'verb' ? 'acknowledge' : name === 'decision' ? 'approve' : name === 'id' && url.includes('/keys/') ? v.keyId : name === 'id' ? '00000000-0000-4000-8000-000000000000' : `x${name}`,
      )
      .replace(/\*/g, 'x');

  it('a session without its CSRF token, with a wrong one, or from another site changes nothing', async () => {
    const routesFound = stateChanging();
    // Reach: the console's and the API's write routes are all in the list.
    expect(routesFound.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining(['POST /console/logout', 'POST /console/findings/:fingerprint/:verb', 'POST /console/keys', 'POST /console/keys/:id/revoke']),
    );
    expect(routesFound.filter((r) => r.url.startsWith(API)).length).toBeGreaterThanOrEqual(4);

    const session = await signIn(app, adminKey);
    // Real targets, so that a missing CSRF check would show as a state change.
    const scanDeps = buildScanDeps(resolveConfig({}, {}).config, { sink: store, sealingKey: SealingKey.generate(), verify: false });
    const planted = await scanChunk({ id: 'csrf-1', source: 'files', text: `deploy ${adminJwt()}`, locator: { kind: 'file', path: 'a.md', line: 1, column: 1 } }, scanDeps, new Date());
    const fp = planted.matches[0]!.fingerprint;
    const victim = await store.createApiKey({ role: 'viewer', label: 'victim', actor: 'test' });
    const keysBefore = (await store.listApiKeys()).length;
    for (const r of routesFound) {
      const url = pathOf(r.url, { fingerprint: fp, keyId: victim.id });
      const isConsole = url.startsWith('/console');
      const body = isConsole ? form({ role: 'admin', label: 'csrf', reason: 'x' }) : { payload: JSON.stringify({ role: 'admin', label: 'csrf', reason: 'x' }), headers: { 'content-type': 'application/json' } };
      const variants: Array<[string, Record<string, string>]> = [
        ['no token', {}],
        ['wrong token', isConsole ? {} : { 'x-csrf-token': session.csrf.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }],
        ['cross-site', { 'x-csrf-token': session.csrf, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
      ];
      for (const [what, extra] of variants) {
        const payload = isConsole && what === 'wrong token' ? form({ role: 'admin', label: 'csrf', _csrf: 'A'.repeat(32) }).payload : body.payload;
        const res = await app.inject({ method: r.method as 'POST', url, payload, headers: { ...body.headers, cookie: session.cookie, ...extra } });
        expect(res.statusCode, `${what}: ${r.method} ${r.url} → ${res.statusCode}`).toBe(403);
      }
    }
    expect((await store.listApiKeys()).length).toBe(keysBefore);
    expect((await store.listApiKeys()).find((k) => k.id === victim.id)?.revokedAt).toBeUndefined();
    expect((await store.getFinding(fp))!.status).toBe('open');
    // The session is still signed in: the logout without a token did not end it.
    expect((await app.inject({ url: `${API}/me`, headers: { cookie: session.cookie } })).statusCode).toBe(200);
    // Control: the same session WITH its token can change state.
    const f = form({ role: 'viewer', label: 'made with csrf', _csrf: session.csrf });
    const ok = await app.inject({ method: 'POST', url: '/console/keys', payload: f.payload, headers: { ...f.headers, cookie: session.cookie } });
    expect(ok.statusCode).toBeLessThan(400);
    expect((await store.listApiKeys()).length).toBe(keysBefore + 1);
  });
});
