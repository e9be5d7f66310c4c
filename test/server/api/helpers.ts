/**
 * A review server for tests: the real HTTP app with every route plugin, an embedded (PGlite
 * `memory://`) store, a sealing key, one API key per role, and findings planted through the real
 * scan stage (tokens built at test time).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { resolveConfig } from '../../../src/config/load.js';
import type { ConfigInput } from '../../../src/config/schema.js';
import { SealingKey } from '../../../src/core/secrets.js';
import type { Chunk, Exposure, Locator } from '../../../src/core/types.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { scanChunk } from '../../../src/pipeline/scan-chunk.js';
import { buildScanDeps } from '../../../src/pipeline/scan-deps.js';
import { buildServer, type ServerDeps } from '../../../src/server/app.js';
import { routes } from '../../../src/server/routes/index.js';
import { openStore } from '../../../src/store/open.js';
import type { ApiKeyRole, FindingStore } from '../../../src/store/types.js';
import type { ActDeps } from '../../../src/act/engine.js';
import { fakeSignedJwt, inDays, inHours, nowSeconds } from '../../support/jwt-factory.js';
import { githubPat } from '../../support/token-factory.js';

export interface TestServer {
  app: FastifyInstance;
  store: FindingStore;
  sealingKey: SealingKey;
  deps: ServerDeps;
  keys: Record<ApiKeyRole, string>;
  keyIds: Record<ApiKeyRole, string>;
  /** Plant one chunk of text through the scan stage; returns the fingerprints found. */
  plant(text: string, o?: { source?: string; locator?: Partial<Locator>; exposure?: Exposure; author?: string; at?: Date }): Promise<string[]>;
  close(): Promise<void>;
}

export async function startTestServer(o: { config?: ConfigInput; env?: Record<string, string>; act?: (store: FindingStore, sealingKey: SealingKey) => ActDeps; dataDir?: string } = {}): Promise<TestServer> {
  const loaded = resolveConfig(o.config ?? {}, o.env ?? {});
  const store = await openStore({ dataDir: o.dataDir ?? 'memory://' });
  const sealingKey = SealingKey.generate();
  const deps: ServerDeps = {
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    options: loaded.config.server,
    readiness: [],
    config: loaded.config,
    store,
    env: loaded.env,
    sealingKey,
    ...(o.act ? { act: o.act(store, sealingKey) } : {}),
  };
  const app = await buildServer(deps, { routes });
  const keys = {} as Record<ApiKeyRole, string>;
  const keyIds = {} as Record<ApiKeyRole, string>;
  for (const [role, label] of [
    ['viewer', 'vera viewer'],
    ['responder', 'rita responder'],
    ['admin', 'ada admin'],
  ] as const) {
    const k = await store.createApiKey({ role, label, actor: 'test' });
    keys[role] = k.key;
    keyIds[role] = k.id;
  }
  const scanDeps = buildScanDeps(loaded.config, { sink: store, sealingKey, verify: false });
  let n = 0;
  return {
    app,
    store,
    sealingKey,
    deps,
    keys,
    keyIds,
    async plant(text, p = {}) {
      n++;
      const locator = { kind: 'file', path: `notes/leak-${n}.md`, line: 1, column: 1, ...(p.locator ?? {}) } as Locator;
      const chunk: Chunk = {
        id: `chunk-${n}-${randomBytes(4).toString('hex')}`,
        source: p.source ?? 'files',
        locator,
        text,
        ...(p.exposure ? { exposure: p.exposure } : {}),
        ...(p.author ? { author: p.author } : {}),
      };
      const r = await scanChunk(chunk, scanDeps, p.at ?? new Date());
      return r.matches.map((m) => m.fingerprint);
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

export function json(res: LightMyRequestResponse): any {
  return JSON.parse(res.body);
}

/** A high-severity looking JWT: admin scopes in prod, long-lived. */
export function adminJwt(extra: Record<string, unknown> = {}): string {
  return fakeSignedJwt({
    iss: 'https://login.acme-corp.example/',
    sub: `svc-${randomBytes(3).toString('hex')}`,
    aud: 'https://api.acme-corp.example',
    scope: 'admin:org write:all',
    roles: ['Global Administrator'],
    env: 'prod',
    iat: nowSeconds() - 60,
    exp: inDays(300),
    ...extra,
  });
}

/** A short-lived read-only JWT (lower severity). */
export function readJwt(extra: Record<string, unknown> = {}): string {
  return fakeSignedJwt({ iss: 'https://auth.example.test/', sub: 'reader', scope: 'read:docs', env: 'test', iat: nowSeconds() - 60, exp: inHours(1), ...extra });
}

export { githubPat };

/** The value of a cookie set by a response (`name=value`), or undefined. */
export function setCookie(res: LightMyRequestResponse, name: string): { pair: string; header: string } | undefined {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  const header = list.find((c) => c.startsWith(`${name}=`));
  if (!header) return undefined;
  return { pair: header.split(';')[0]!, header };
}

/** The CSRF token embedded in a console page's forms. */
export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]*)"/.exec(html);
  if (!m) throw new Error('no CSRF field on the page');
  return m[1]!;
}

export function form(fields: Record<string, string>): { payload: string; headers: Record<string, string> } {
  return { payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

/** Sign in to the console like a browser: fetch the form, post the key; returns the session cookie and its CSRF token. */
export async function signIn(app: FastifyInstance, key: string, o: { headers?: Record<string, string> } = {}): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const loginPage = await app.inject({ url: '/console/login', headers: o.headers ?? {} });
  const login = setCookie(loginPage, 'tr_login') ?? setCookie(loginPage, '__Host-tr_login');
  if (!login) throw new Error('no login cookie');
  const f = form({ key, _csrf: csrfOf(loginPage.body) });
  const res = await app.inject({ method: 'POST', url: '/console/login', payload: f.payload, headers: { ...f.headers, ...(o.headers ?? {}), cookie: login.pair } });
  if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode}`);
  const session = setCookie(res, 'tr_session') ?? setCookie(res, '__Host-tr_session');
  if (!session) throw new Error('no session cookie');
  const home = await app.inject({ url: '/console/', headers: { ...(o.headers ?? {}), cookie: session.pair } });
  return { cookie: session.pair, csrf: csrfOf(home.body), setCookie: session.header };
}
