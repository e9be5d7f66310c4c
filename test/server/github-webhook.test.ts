/**
 * `POST /webhooks/github[/<source-id>]`: every signature case (valid accepted — GitHub's own test
 * vector included; invalid, missing, legacy SHA-1 only, tampered and replayed rejected with 401 and
 * nothing enqueued), ping, push → poll jobs of the pushed commits, form-encoded bodies, ignored
 * pushes, routing — and, through the real inline pipeline and the fake GitHub, a stored finding at
 * the pushed commit's file and line.
 */
import { randomUUID } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type LoadedConfig } from '../../src/config/load.js';
import { fingerprint } from '../../src/core/secrets.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { startService } from '../../src/pipeline/service.js';
import type { Ingress } from '../../src/pipeline/stages.js';
import { buildServer } from '../../src/server/app.js';
import { routes } from '../../src/server/routes/index.js';
import { ServerOptionsSchema } from '../../src/server/options.js';
import { parseGithubSince } from '../../src/sources/github/since.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { signGithubWebhook, startFakeGithub } from '../support/fake-github.js';
import { githubPat } from '../support/token-factory.js';

const SECRET = `gh-webhook-secret-${Math.random().toString(36).slice(2)}`;
const OTHER = `gh-webhook-secret-other-${Math.random().toString(36).slice(2)}`;

interface Recorder extends Ingress {
  chunks: number;
  polls: Array<{ sourceId: string; since?: string; reason?: string }>;
}

function recorder(): Recorder {
  const r: Recorder = {
    chunks: 0,
    polls: [],
    async submitChunks(chunks) {
      r.chunks += chunks.length;
    },
    async requestPoll(sourceId, o = {}) {
      r.polls.push({ sourceId, ...o });
      return `poll-${sourceId}-${r.polls.length}`;
    },
  };
  return r;
}

const source = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'github', tokenEnv: 'G_T', repos: ['acme/api'], webhookSecretEnv: 'G_S', ...extra });
const loadedWith = (sources: Array<Record<string, unknown>>, env: Record<string, string> = {}): LoadedConfig => resolveConfig({ sources }, { G_T: 'unused', G_S: SECRET, G_S2: OTHER, ...env });

let store: FindingStore;
beforeAll(async () => {
  store = await createPgliteStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store.close();
});

async function server(loaded: LoadedConfig, ingress: Ingress): Promise<FastifyInstance> {
  return buildServer(
    { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), options: ServerOptionsSchema.parse({}), readiness: [], config: loaded.config, store, ingress, env: loaded.env },
    { routes },
  );
}

const sha = () => randomUUID().replace(/-/g, '').padEnd(40, '0').slice(0, 40);

function pushBody(extra: Record<string, unknown> = {}, commits = [sha(), sha()]): string {
  return JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: commits.at(-1),
    created: false,
    deleted: false,
    forced: false,
    commits: commits.map((id) => ({ id, distinct: true, message: 'm', timestamp: '2024-05-01T10:00:00Z', added: [], removed: [], modified: ['a'] })),
    head_commit: { id: commits.at(-1) },
    repository: { full_name: 'acme/api', name: 'api', private: true, default_branch: 'main' },
    pusher: { name: 'dev' },
    ...extra,
  });
}

function post(app: FastifyInstance, path: string, body: string, headers: Record<string, string>, contentType = 'application/json') {
  return app.inject({ method: 'POST', url: path, payload: body, headers: { 'content-type': contentType, ...headers } });
}

const signed = (body: string, event = 'push', delivery: string = randomUUID(), secret = SECRET) => ({ 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': signGithubWebhook(secret, body) });

describe('GitHub webhook route', () => {
  it('a validly signed push enqueues a poll of exactly its commits; ping is answered', async () => {
    const rec = recorder();
    const app = await server(loadedWith([source('gh-main')]), rec);
    const commits = [sha(), sha(), sha()];
    const body = pushBody({}, commits);
    const res = await post(app, '/webhooks/github', body, signed(body));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ ok: true, commits: 3, jobs: 1 });
    expect(rec.polls).toEqual([{ sourceId: 'gh-main', since: `commits:acme/api:${commits.join(',')}`, reason: 'webhook' }]);
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    const pong = await post(app, '/webhooks/github', ping, signed(ping, 'ping'));
    expect([pong.statusCode, pong.json()]).toEqual([200, { ok: true, pong: true }]);
    expect(rec.chunks).toBe(0);
    await app.close();
  });

  it('the signature is the one @octokit/webhooks computes, and GitHub’s documented test vector verifies', async () => {
    const rec = recorder();
    const body = pushBody();
    const octo = await new Webhooks({ secret: SECRET }).sign(body);
    const app = await server(loadedWith([source('gh-main')]), rec);
    expect((await post(app, '/webhooks/github', body, { ...signed(body), 'x-hub-signature-256': octo })).statusCode).toBe(202);
    await app.close();
    const vector = await server(loadedWith([source('gh-main')], { G_S: "It's a Secret to Everybody" }), rec);
    const res = await post(vector, '/webhooks/github', 'Hello, World!', { 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' }, 'text/plain');
    expect([res.statusCode, res.json().ignored]).toEqual([200, 'not a push payload']);
    await vector.close();
  });

  it('rejects invalid, missing, SHA-1-only and tampered signatures with 401; nothing enqueued, nothing remembered', async () => {
    const rec = recorder();
    const app = await server(loadedWith([source('gh-main')]), rec);
    const body = pushBody();
    const delivery = randomUUID();
    const cases: Array<[string, Record<string, string>, string]> = [
      ['wrong secret', signed(body, 'push', delivery, OTHER), body],
      ['missing', { 'x-github-event': 'push', 'x-github-delivery': delivery }, body],
      ['legacy sha1 only', { 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature': 'sha1=0123456789abcdef0123456789abcdef01234567' }, body],
      ['uppercase / malformed', { ...signed(body, 'push', delivery), 'x-hub-signature-256': signGithubWebhook(SECRET, body).toUpperCase() }, body],
      ['tampered', signed(body, 'push', delivery), body.replace('acme/api', 'acme/apj')],
    ];
    for (const [what, headers, payload] of cases) {
      const res = await post(app, '/webhooks/github', payload, headers);
      expect(res.statusCode, what).toBe(401);
      expect(res.json(), what).toMatchObject({ error: { code: 'SIGNATURE_INVALID' } });
    }
    expect(rec.polls).toEqual([]);
    expect((await post(app, '/webhooks/github', body, signed(body, 'push', delivery))).statusCode).toBe(202);
    await app.close();
  });

  it('rejects a replayed delivery (same X-GitHub-Delivery, or the same body without one) with 401; enqueued once', async () => {
    const rec = recorder();
    const app = await server(loadedWith([source('gh-main')]), rec);
    const body = pushBody();
    const headers = signed(body);
    expect((await post(app, '/webhooks/github', body, headers)).statusCode).toBe(202);
    const again = await post(app, '/webhooks/github', body, headers);
    expect(again.statusCode).toBe(401);
    expect(again.json().error.message).toMatch(/already received/);
    const other = pushBody();
    const noId = { 'x-github-event': 'push', 'x-hub-signature-256': signGithubWebhook(SECRET, other) };
    expect((await post(app, '/webhooks/github', other, noId)).statusCode).toBe(202);
    expect((await post(app, '/webhooks/github', other, noId)).statusCode).toBe(401);
    expect(rec.polls).toHaveLength(2);
    await app.close();
  });

  it('form-encoded bodies work; pushes the source does not read are answered 200 and ignored; big pushes split', async () => {
    const rec = recorder();
    const app = await server(loadedWith([source('gh-main')]), rec);
    const form = `payload=${encodeURIComponent(pushBody())}`;
    expect((await post(app, '/webhooks/github', form, signed(form), 'application/x-www-form-urlencoded')).statusCode).toBe(202);
    for (const [what, body] of [
      ['other repository', pushBody({ repository: { full_name: 'evil/api', default_branch: 'main' } })],
      ['deleted branch', pushBody({ deleted: true }, [])],
      ['other branch', pushBody({ ref: 'refs/heads/feature' })],
      ['tag', pushBody({ ref: 'refs/tags/v1.0.0' })],
    ] as const) {
      const res = await post(app, '/webhooks/github', body, signed(body));
      expect(res.statusCode, what).toBe(200);
    }
    const issues = JSON.stringify({ action: 'opened' });
    expect((await post(app, '/webhooks/github', issues, signed(issues, 'issues'))).statusCode).toBe(200);
    expect(rec.polls).toHaveLength(1);
    const big = pushBody({}, Array.from({ length: 230 }, sha));
    const res = await post(app, '/webhooks/github', big, signed(big));
    expect(res.json()).toEqual({ ok: true, commits: 230, jobs: 3 });
    expect(rec.polls.slice(1).map((p) => { const s = parseGithubSince(p.since!); return s.kind === 'commits' ? s.shas.length : 0; })).toEqual([100, 100, 30]);
    await app.close();
  });

  it('routes per source id with each source’s own secret; the plain path is 404 when ambiguous or without a secret', async () => {
    const rec = recorder();
    const app = await server(loadedWith([source('gh-a'), source('gh-b', { webhookSecretEnv: 'G_S2' }), source('gh-c', { webhookSecretEnv: undefined })]), rec);
    const body = pushBody();
    expect((await post(app, '/webhooks/github', body, signed(body))).statusCode).toBe(404);
    expect((await post(app, '/webhooks/github/gh-c', body, signed(body))).statusCode).toBe(404);
    expect((await post(app, '/webhooks/github/gh-b', body, signed(body))).statusCode).toBe(401);
    expect((await post(app, '/webhooks/github/gh-b', body, signed(body, 'push', randomUUID(), OTHER))).statusCode).toBe(202);
    expect(rec.polls.map((p) => p.sourceId)).toEqual(['gh-b']);
    await app.close();
  });
});

describe('GitHub push webhooks through the inline pipeline', () => {
  it('a signed push ends as a stored finding at the pushed commit, file and line, with its permalink', async () => {
    const gh = await startFakeGithub();
    gh.addRepo({ owner: 'acme', name: 'api', visibility: 'public' });
    gh.commit('acme/api', { files: [{ path: 'README.md', content: '# api\n' }] });
    const token = githubPat();
    const pushed = gh.commit('acme/api', { files: [{ path: 'deploy/.env', content: `A=1\nGITHUB_TOKEN=${token}\n` }] });
    const loaded = resolveConfig({ sources: [{ ...source('gh-main'), baseUrl: gh.url }] }, { G_T: gh.token, G_S: SECRET });
    const service = await startService(loaded, { http: true, roles: ['poll', 'scan', 'act'], port: 0, deps: { logger: silentLogger(), store: await createPgliteStore({ dataDir: 'memory://' }) } });
    try {
      const body = pushBody({}, [pushed]);
      const res = await fetch(`${service.url}/webhooks/github/gh-main`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...signed(body) } });
      expect(res.status).toBe(202);
      await service.inline!.drain();
      const f = await service.deps.store.getFinding(fingerprint(token));
      expect(f?.rule).toBe('github-classic-pat');
      expect(f?.occurrences[0]).toMatchObject({
        source: 'gh-main',
        exposure: { visibility: 'public' },
        locator: { kind: 'github', repo: 'acme/api', commit: pushed, path: 'deploy/.env', line: 2, column: 14, url: `${gh.htmlBase}/acme/api/blob/${pushed}/deploy/.env#L2` },
      });
      // Only the pushed commit was fetched: no listing, no backfill.
      expect(gh.calls('repos.getCommit').map((r) => r.path.split('/').at(-1))).toEqual([pushed]);
      expect(gh.calls('repos.listCommits')).toEqual([]);
    } finally {
      await service.close();
      await gh.close();
    }
  });
});
