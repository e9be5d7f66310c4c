/**
 * Jira and GitHub webhook dedupe vs a failed hand-on: a delivery whose enqueue fails (503, so the
 * sender retries or an admin redelivers) must not stay remembered — the retry of it is accepted and
 * enqueued instead of being refused as a replay. A delivery that was handed on is still a replay.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import type { Ingress } from '../../src/pipeline/stages.js';
import { buildServer } from '../../src/server/app.js';
import { routes } from '../../src/server/routes/index.js';
import { ServerOptionsSchema } from '../../src/server/options.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { signGithubWebhook } from '../support/fake-github.js';
import { adfDoc, signJiraWebhook } from '../support/fake-jira.js';
import { githubPat } from '../support/token-factory.js';
import { flakyIngress } from '../support/flaky-ingress.js';

const JIRA_SECRET = `jira-dedupe-${Math.random().toString(36).slice(2)}`;
const GH_SECRET = `gh-dedupe-${Math.random().toString(36).slice(2)}`;
const loaded = resolveConfig(
  {
    sources: [
      { id: 'jira-main', type: 'jira', host: 'https://acme.atlassian.net', emailEnv: 'J_E', apiTokenEnv: 'J_T', jql: 'project = OPS', webhookSecretEnv: 'J_S' },
      { id: 'gh-main', type: 'github', tokenEnv: 'G_T', repos: ['acme/api'], webhookSecretEnv: 'G_S' },
    ],
  },
  { J_E: 'a@b.test', J_T: 'unused', J_S: JIRA_SECRET, G_T: 'unused', G_S: GH_SECRET },
);

let store: FindingStore;
beforeAll(async () => {
  store = await createPgliteStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store.close();
});

function app(ingress: Ingress | undefined, s: FindingStore = store): Promise<FastifyInstance> {
  return buildServer(
    { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), options: ServerOptionsSchema.parse({}), readiness: [], config: loaded.config, store: s, ...(ingress ? { ingress } : {}), env: loaded.env },
    { routes },
  );
}

let seq = 0;
const jiraIssue = (token: string) =>
  JSON.stringify({
    webhookEvent: 'jira:issue_updated',
    issue: { id: '10042', key: 'OPS-42', fields: { summary: 'deploy', description: adfDoc(`TOKEN=${token}`), updated: `2024-05-01T10:00:${String(++seq % 60).padStart(2, '0')}.000+0000`, project: { key: 'OPS' } } },
  });
const jiraBare = () => JSON.stringify({ webhookEvent: 'jira:issue_created', issue: { id: '10043', key: `OPS-${100 + ++seq}` } });

function deliverJira(a: FastifyInstance, body: string, id: string | undefined, retry?: number) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-hub-signature': signJiraWebhook(JIRA_SECRET, body) };
  if (id) headers['x-atlassian-webhook-identifier'] = id;
  if (retry) headers['x-atlassian-webhook-retry'] = String(retry);
  return a.inject({ method: 'POST', url: '/webhooks/jira/jira-main', payload: body, headers });
}

const sha = () => randomUUID().replace(/-/g, '').padEnd(40, '0').slice(0, 40);
const push = () => {
  const commits = [sha()];
  return JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: commits[0],
    commits: commits.map((id) => ({ id, distinct: true, message: 'm', timestamp: '2024-05-01T10:00:00Z', added: [], removed: [], modified: ['a'] })),
    head_commit: { id: commits[0] },
    repository: { full_name: 'acme/api', name: 'api', private: true, default_branch: 'main' },
  });
};

function deliverGithub(a: FastifyInstance, body: string, delivery: string | undefined) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signGithubWebhook(GH_SECRET, body) };
  if (delivery) headers['x-github-delivery'] = delivery;
  return a.inject({ method: 'POST', url: '/webhooks/github/gh-main', payload: body, headers });
}

describe('Jira webhook: dedupe after a failed enqueue', () => {
  it('answers 503 when the enqueue fails and accepts Jira’s retry of that delivery; a handed-on delivery stays a replay', async () => {
    const { ingress, state } = flakyIngress('throw', 1);
    const a = await app(ingress);
    const token = githubPat();
    const body = jiraIssue(token);
    const id = `wh-fail-${randomUUID()}`;
    const first = await deliverJira(a, body, id);
    expect(first.statusCode).toBe(503);
    expect(first.json()).toMatchObject({ error: { code: 'QUEUE_UNAVAILABLE' } });
    expect(state.chunks).toEqual([]);
    const retry = await deliverJira(a, body, id, 1);
    expect(retry.statusCode).toBe(202);
    expect(state.chunks.filter((c) => c.text.includes(token))).toHaveLength(1);
    const replay = await deliverJira(a, body, id, 2);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.message).toMatch(/already received/);
    expect(state.chunks.filter((c) => c.text.includes(token))).toHaveLength(1);
    await a.close();
  });

  it('also when the hand-on hung past its deadline, for an issue fetch, and for a delivery without an identifier (body hash)', async () => {
    const hung = flakyIngress('hang', 1);
    const a = await app(hung.ingress);
    const bare = jiraBare();
    expect((await deliverJira(a, bare, undefined)).statusCode).toBe(503);
    const retry = await deliverJira(a, bare, undefined, 1);
    expect(retry.statusCode).toBe(202);
    expect(hung.state.polls).toEqual([{ sourceId: 'jira-main', since: expect.stringMatching(/^issue:OPS-/) }]);
    expect((await deliverJira(a, bare, undefined, 2)).statusCode).toBe(401);
    expect(hung.state.polls).toHaveLength(1);
    await a.close();
  }, 20_000);

  it('a process without a pipeline answers 503 without burning the id; one with a pipeline then accepts it', async () => {
    const body = jiraIssue(githubPat());
    const id = `wh-nopipe-${randomUUID()}`;
    const a = await app(undefined);
    expect((await deliverJira(a, body, id)).statusCode).toBe(503);
    await a.close();
    const { ingress, state } = flakyIngress('throw', 0);
    const b = await app(ingress);
    expect((await deliverJira(b, body, id, 1)).statusCode).toBe(202);
    expect(state.chunks.length).toBeGreaterThan(0);
    await b.close();
  });

  it('concurrent deliveries of one id are handed on exactly once', async () => {
    const { ingress, state } = flakyIngress('throw', 0);
    const a = await app(ingress);
    const token = githubPat();
    const body = jiraIssue(token);
    const id = `wh-concurrent-${randomUUID()}`;
    const answers = await Promise.all([deliverJira(a, body, id), deliverJira(a, body, id, 1), deliverJira(a, body, id, 2)]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([202, 401, 401]);
    expect(state.chunks.filter((c) => c.text.includes(token))).toHaveLength(1);
    await a.close();
  });
});

describe('GitHub webhook: dedupe after a failed enqueue', () => {
  it('answers 503 when the enqueue fails and accepts the redelivery (same X-GitHub-Delivery); a handed-on delivery stays a replay', async () => {
    const { ingress, state } = flakyIngress('throw', 1);
    const a = await app(ingress);
    const body = push();
    const delivery = randomUUID();
    const first = await deliverGithub(a, body, delivery);
    expect(first.statusCode).toBe(503);
    expect(first.json()).toMatchObject({ error: { code: 'QUEUE_UNAVAILABLE' } });
    expect(state.polls).toEqual([]);
    const redelivery = await deliverGithub(a, body, delivery);
    expect(redelivery.statusCode).toBe(202);
    expect(state.polls).toEqual([{ sourceId: 'gh-main', since: expect.stringMatching(/^commits:acme\/api:[0-9a-f]{40}$/) }]);
    const replay = await deliverGithub(a, body, delivery);
    expect(replay.statusCode).toBe(401);
    expect(state.polls).toHaveLength(1);
    await a.close();
  });

  it('also when the enqueue hung past its deadline, and without a delivery header (body hash)', async () => {
    const { ingress, state } = flakyIngress('hang', 1);
    const a = await app(ingress);
    const body = push();
    expect((await deliverGithub(a, body, undefined)).statusCode).toBe(503);
    expect((await deliverGithub(a, body, undefined)).statusCode).toBe(202);
    expect((await deliverGithub(a, body, undefined)).statusCode).toBe(401);
    expect(state.polls).toHaveLength(1);
    await a.close();
  }, 20_000);

  it('a process without a pipeline answers 503 without burning the id', async () => {
    const body = push();
    const delivery = randomUUID();
    const a = await app(undefined);
    expect((await deliverGithub(a, body, delivery)).statusCode).toBe(503);
    await a.close();
    const { ingress, state } = flakyIngress('throw', 0);
    const b = await app(ingress);
    expect((await deliverGithub(b, body, delivery)).statusCode).toBe(202);
    expect(state.polls).toHaveLength(1);
    await b.close();
  });
});
