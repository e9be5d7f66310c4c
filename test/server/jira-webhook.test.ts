/**
 * `POST /webhooks/jira[/<source-id>]`: every signature case (valid accepted; invalid, missing,
 * malformed, tampered and replayed rejected with 401 and nothing enqueued), issue / comment events
 * → chunks, an issue event without fields → a fetch of that issue, ignored events, routing, logs
 * without the token — and, through the real inline pipeline and the fake Jira, stored findings.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type LoadedConfig } from '../../src/config/load.js';
import { fingerprint } from '../../src/core/secrets.js';
import type { Chunk } from '../../src/core/types.js';
import { createLogger, silentLogger, type Logger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { startService } from '../../src/pipeline/service.js';
import type { Ingress } from '../../src/pipeline/stages.js';
import { buildServer } from '../../src/server/app.js';
import { routes } from '../../src/server/routes/index.js';
import { ServerOptionsSchema } from '../../src/server/options.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { adfDoc, signJiraWebhook, startFakeJira } from '../support/fake-jira.js';
import { githubPat } from '../support/token-factory.js';

const SECRET = `jira-webhook-secret-${Math.random().toString(36).slice(2)}`;
const OTHER = `jira-webhook-secret-other-${Math.random().toString(36).slice(2)}`;

interface Recorder extends Ingress {
  chunks: Chunk[];
  polls: Array<{ sourceId: string; since?: string; reason?: string }>;
}

function recorder(): Recorder {
  const r: Recorder = {
    chunks: [],
    polls: [],
    async submitChunks(chunks) {
      r.chunks.push(...chunks);
    },
    async requestPoll(sourceId, o = {}) {
      r.polls.push({ sourceId, ...o });
      return `poll-${sourceId}-1`;
    },
  };
  return r;
}

const source = (id: string, extra: Record<string, unknown> = {}) => ({ id, type: 'jira', host: 'https://acme.atlassian.net', emailEnv: 'J_E', apiTokenEnv: 'J_T', jql: 'project = OPS', webhookSecretEnv: 'J_S', ...extra });
const loadedWith = (sources: Array<Record<string, unknown>>): LoadedConfig => resolveConfig({ sources }, { J_E: 'a@b.test', J_T: 'unused', J_S: SECRET, J_S2: OTHER });

let store: FindingStore;
beforeAll(async () => {
  store = await createPgliteStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store.close();
});

async function server(loaded: LoadedConfig, ingress: Ingress, logger: Logger = silentLogger()): Promise<FastifyInstance> {
  return buildServer(
    { logger, metrics: createMetrics({ defaultMetrics: false }), options: ServerOptionsSchema.parse({}), readiness: [], config: loaded.config, store, ingress, env: loaded.env },
    { routes },
  );
}

let seq = 0;
function issueEvent(token: string, extra: Record<string, unknown> = {}) {
  return {
    timestamp: Date.now(),
    webhookEvent: 'jira:issue_updated',
    issue_event_type_name: 'issue_updated',
    issue: {
      id: '10042',
      key: 'OPS-42',
      self: 'https://acme.atlassian.net/rest/api/3/issue/10042',
      fields: { summary: 'Broken deploy', description: adfDoc('steps:', `export TOKEN=${token}`), updated: `2024-05-01T10:${String(++seq % 60).padStart(2, '0')}:00.000+0000`, project: { key: 'OPS' } },
    },
    ...extra,
  };
}

function post(app: FastifyInstance, path: string, body: string, headers: Record<string, string>) {
  return app.inject({ method: 'POST', url: path, payload: body, headers: { 'content-type': 'application/json', ...headers } });
}

const signed = (body: string, id = `wh-${Math.random().toString(36).slice(2)}`, secret = SECRET) => ({ 'x-hub-signature': signJiraWebhook(secret, body), 'x-atlassian-webhook-identifier': id });

describe('Jira webhook route', () => {
  it('accepts a validly signed issue event and hands its text on as chunks', async () => {
    const rec = recorder();
    const app = await server(loadedWith([source('jira-main')]), rec);
    const token = githubPat();
    const body = JSON.stringify(issueEvent(token));
    const res = await post(app, '/webhooks/jira', body, signed(body));
    expect(res.statusCode).toBe(202);
    const hit = rec.chunks.find((c) => c.text.includes(token))!;
    expect(hit.locator).toMatchObject({ kind: 'jira', site: 'https://acme.atlassian.net', issue: 'OPS-42', field: 'description', line: 1, column: 1, url: 'https://acme.atlassian.net/browse/OPS-42' });
    expect(hit.text.split('\n')[1]).toBe(`export TOKEN=${token}`);
    expect(hit.source).toBe('jira-main');
    expect(res.body).not.toContain(token);
    await app.close();
  });

  it('rejects invalid, missing, malformed and tampered signatures with 401; nothing enqueued, nothing remembered', async () => {
    const rec = recorder();
    const app = await server(loadedWith([source('jira-main')]), rec);
    const body = JSON.stringify(issueEvent(githubPat()));
    const id = `wh-reject-${seq}`;
    const cases: Array<[string, Record<string, string>, string]> = [
      ['wrong secret', signed(body, id, OTHER), body],
      ['missing', { 'x-atlassian-webhook-identifier': id }, body],
      ['malformed', { 'x-hub-signature': 'sha1=0123', 'x-atlassian-webhook-identifier': id }, body],
      ['tampered body', signed(body, id), body.replace('Broken deploy', 'Fixed deploy')],
      ['not JSON, unsigned', { 'x-atlassian-webhook-identifier': id }, 'not json at all'],
    ];
    for (const [what, headers, payload] of cases) {
      const res = await post(app, '/webhooks/jira', payload, headers);
      expect(res.statusCode, what).toBe(401);
      expect(res.json(), what).toMatchObject({ error: { code: 'SIGNATURE_INVALID' } });
    }
    expect(rec.chunks).toEqual([]);
    expect(rec.polls).toEqual([]);
    // None of the rejected requests burned the delivery id: the genuine one is accepted.
    expect((await post(app, '/webhooks/jira', body, signed(body, id))).statusCode).toBe(202);
    await app.close();
  });

  it('rejects a replayed delivery (same identifier, or same body without one) with 401 and enqueues once', async () => {
    const rec = recorder();
    const app = await server(loadedWith([source('jira-main')]), rec);
    const token = githubPat();
    const body = JSON.stringify(issueEvent(token));
    const headers = signed(body, `wh-replay-${seq}`);
    expect((await post(app, '/webhooks/jira', body, headers)).statusCode).toBe(202);
    const again = await post(app, '/webhooks/jira', body, { ...headers, 'x-atlassian-webhook-retry': '1' });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.message).toMatch(/already received/);
    const bare = JSON.stringify(issueEvent(githubPat()));
    const sig = { 'x-hub-signature': signJiraWebhook(SECRET, bare) };
    expect((await post(app, '/webhooks/jira', bare, sig)).statusCode).toBe(202);
    expect((await post(app, '/webhooks/jira', bare, sig)).statusCode).toBe(401);
    expect(rec.chunks.filter((c) => c.text.includes(token))).toHaveLength(1);
    await app.close();
  });

  it('comment events → that comment; issue events without fields → a fetch of the issue; other events → 200 ignored', async () => {
    const rec = recorder();
    const app = await server(loadedWith([source('jira-main')]), rec);
    const token = githubPat();
    const comment = JSON.stringify({
      webhookEvent: 'comment_created',
      issue: { id: '10042', key: 'OPS-42', fields: { summary: 'not rescanned', project: { key: 'OPS' } } },
      comment: { id: '30077', body: adfDoc(`try ${token}`), author: { displayName: 'Eve' }, created: '2024-05-01T10:00:00.000+0000', updated: '2024-05-01T10:00:00.000+0000' },
    });
    expect((await post(app, '/webhooks/jira', comment, signed(comment))).statusCode).toBe(202);
    expect(rec.chunks.map((c) => [c.locator.kind === 'jira' && c.locator.field, c.locator.kind === 'jira' && c.locator.commentId])).toEqual([['comment', '30077']]);

    const bare = JSON.stringify({ webhookEvent: 'jira:issue_created', issue: { id: '10043', key: 'OPS-43' } });
    expect((await post(app, '/webhooks/jira', bare, signed(bare))).statusCode).toBe(202);
    expect(rec.polls).toEqual([{ sourceId: 'jira-main', since: 'issue:OPS-43', reason: 'webhook' }]);

    const deleted = JSON.stringify({ webhookEvent: 'jira:issue_deleted', issue: { id: '1', key: 'OPS-1', fields: { summary: 'x', description: null } } });
    const res = await post(app, '/webhooks/jira', deleted, signed(deleted));
    expect([res.statusCode, res.json().ignored]).toEqual([200, 'event not scanned']);
    const junk = 'not json';
    expect((await post(app, '/webhooks/jira', junk, signed(junk))).statusCode).toBe(200);
    expect(rec.chunks).toHaveLength(1);
    expect(rec.polls).toHaveLength(1);
    await app.close();
  });

  it('routes per source id; the plain path is 404 when ambiguous; a source without a secret receives nothing', async () => {
    const rec = recorder();
    const app = await server(loadedWith([source('jira-a'), source('jira-b', { webhookSecretEnv: 'J_S2' }), source('jira-c', { webhookSecretEnv: undefined })]), rec);
    const token = githubPat();
    const body = JSON.stringify(issueEvent(token));
    expect((await post(app, '/webhooks/jira', body, signed(body))).statusCode).toBe(404);
    expect((await post(app, '/webhooks/jira/jira-c', body, signed(body))).statusCode).toBe(404);
    expect((await post(app, '/webhooks/jira/nope', body, signed(body))).statusCode).toBe(404);
    // jira-b verifies with ITS secret.
    expect((await post(app, '/webhooks/jira/jira-b', body, signed(body))).statusCode).toBe(401);
    expect((await post(app, '/webhooks/jira/jira-b', body, signed(body, undefined, OTHER))).statusCode).toBe(202);
    expect(rec.chunks.every((c) => c.source === 'jira-b')).toBe(true);
    await app.close();
  });

  it('logs outcomes without the token or the signature', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(c, _e, cb) {
          lines.push(String(c));
          cb();
        },
      }),
    });
    const app = await server(loadedWith([source('jira-main')]), recorder(), logger);
    const token = githubPat();
    const body = JSON.stringify(issueEvent(token));
    const headers = signed(body);
    await post(app, '/webhooks/jira', body, headers);
    await post(app, '/webhooks/jira', body, { 'x-hub-signature': signJiraWebhook(OTHER, body) });
    const all = lines.join('');
    expect(all).toContain('jira webhook: enqueued');
    expect(all).toContain('jira webhook: signature rejected');
    expect(all).not.toContain(token);
    expect(all).not.toContain(headers['x-hub-signature']!.slice(7));
    await app.close();
  });
});

describe('Jira webhooks through the inline pipeline', () => {
  it('a signed comment event and an issue event needing a fetch both end as stored findings at their Jira places', async () => {
    const jira = await startFakeJira();
    const token = githubPat();
    const fetched = githubPat();
    const issue = jira.addIssue({ project: 'OPS', summary: 'fetched later', description: adfDoc(`desc ${fetched}`) });
    const loaded = resolveConfig(
      { sources: [{ id: 'jira-main', type: 'jira', host: jira.url, emailEnv: 'J_E', apiTokenEnv: 'J_T', jql: 'project = OPS', webhookSecretEnv: 'J_S' }] },
      { J_E: jira.email, J_T: jira.apiToken, J_S: SECRET },
    );
    const service = await startService(loaded, { http: true, roles: ['poll', 'scan', 'act'], port: 0, deps: { logger: silentLogger(), store: await createPgliteStore({ dataDir: 'memory://' }) } });
    try {
      const comment = JSON.stringify({
        webhookEvent: 'comment_created',
        issue: { id: issue.id, key: issue.key, self: `${jira.url}/rest/api/3/issue/${issue.id}`, fields: { summary: 'x', project: { key: 'OPS' } } },
        comment: { id: '31000', body: adfDoc('line one', `line two ${token}`), author: { displayName: 'Eve' }, updated: '2024-05-01T10:00:00.000+0000' },
      });
      const r1 = await fetch(`${service.url}/webhooks/jira/jira-main`, { method: 'POST', body: comment, headers: { 'content-type': 'application/json', ...signed(comment) } });
      expect(r1.status).toBe(202);
      const bare = JSON.stringify({ webhookEvent: 'jira:issue_updated', issue: { id: issue.id, key: issue.key } });
      const r2 = await fetch(`${service.url}/webhooks/jira/jira-main`, { method: 'POST', body: bare, headers: { 'content-type': 'application/json', ...signed(bare) } });
      expect(r2.status).toBe(202);
      await service.inline!.drain();
      const f1 = await service.deps.store.getFinding(fingerprint(token));
      expect(f1?.occurrences[0]).toMatchObject({ source: 'jira-main', locator: { kind: 'jira', site: jira.url, issue: issue.key, field: 'comment', commentId: '31000', line: 2, column: 10 } });
      const f2 = await service.deps.store.getFinding(fingerprint(fetched));
      expect(f2?.occurrences[0]).toMatchObject({ source: 'jira-main', locator: { kind: 'jira', issue: issue.key, field: 'description', column: 6 } });
      expect(jira.calls('issue')).toHaveLength(1);
    } finally {
      await service.close();
      await jira.close();
    }
  });
});
