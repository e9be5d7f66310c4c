/**
 * Every HTTP route of the product (collected as they are registered, so a route added later is
 * covered without touching this file), against bad input:
 * - a body one byte over its limit ⇒ 413 on every route that reads a body, in every content type
 *   the route might parse — before authentication, signature checks or any handler work;
 * - the three webhooks (Slack, Jira, GitHub) with arbitrary bodies and headers ⇒ 4xx, never 5xx;
 *   and with VALID signatures over arbitrary bodies (an attacker holding a leaked signing secret, or
 *   a sender's bug) ⇒ 2xx or 4xx, never 5xx, and whatever is handed on is schema-valid;
 * - the review API with a valid admin key and arbitrary JSON bodies and queries ⇒ never 5xx.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { ChunkSchema, type Chunk } from '../../src/core/types.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import type { Ingress } from '../../src/pipeline/stages.js';
import { buildServer, type RoutePlugin } from '../../src/server/app.js';
import { routes } from '../../src/server/routes/index.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { signGithubWebhook } from '../support/fake-github.js';
import { signJiraWebhook } from '../support/fake-jira.js';
import { slackSignedHeaders } from '../support/fake-slack.js';
import { asyncBudget, testTimeout } from './budget.js';

const BODY_LIMIT = 2048;
const WEBHOOK_LIMIT = 8192;
const SECRETS = { SLACK_FZ_SIGNING: 'slack-fuzz-secret', JIRA_FZ_SECRET: 'jira-fuzz-secret', GH_FZ_SECRET: 'github-fuzz-secret' };

interface Registered {
  method: string;
  url: string;
  bodyLimit?: number;
}

let app: FastifyInstance;
let store: FindingStore;
let adminKey: string;
const registered: Registered[] = [];
const handedOn: Chunk[] = [];
const polls: string[] = [];

const ingress: Ingress = {
  async submitChunks(chunks) {
    for (const c of chunks) handedOn.push(ChunkSchema.parse(c));
  },
  async requestPoll(sourceId) {
    polls.push(sourceId);
    return `poll-${polls.length}`;
  },
};

beforeAll(async () => {
  const loaded = resolveConfig(
    {
      dataDir: 'memory://',
      server: { bodyLimitBytes: BODY_LIMIT, webhookBodyLimitBytes: WEBHOOK_LIMIT },
      sources: [
        { id: 'slack-main', type: 'slack', tokenEnv: 'SLACK_FZ_TOKEN', signingSecretEnv: 'SLACK_FZ_SIGNING', apiUrl: 'http://127.0.0.1:9/api/' },
        { id: 'jira-main', type: 'jira', host: 'http://127.0.0.1:9', emailEnv: 'JIRA_FZ_EMAIL', apiTokenEnv: 'JIRA_FZ_TOKEN', jql: 'project = OPS', webhookSecretEnv: 'JIRA_FZ_SECRET' },
        { id: 'gh-main', type: 'github', tokenEnv: 'GH_FZ_TOKEN', baseUrl: 'http://127.0.0.1:9', repos: ['acme/api'], orgs: [], webhookSecretEnv: 'GH_FZ_SECRET' },
      ],
    },
    { ...SECRETS, SLACK_FZ_TOKEN: 'xoxb-unused', JIRA_FZ_EMAIL: 'a@example.test', JIRA_FZ_TOKEN: 'unused', GH_FZ_TOKEN: 'unused' },
  );
  store = await createPgliteStore({ dataDir: 'memory://' });
  adminKey = (await store.createApiKey({ role: 'admin', label: 'fuzz' })).key;
  const collector: RoutePlugin = {
    id: 'route-collector',
    register(a) {
      a.addHook('onRoute', (r) => {
        for (const method of Array.isArray(r.method) ? r.method : [r.method]) registered.push({ method, url: r.url, ...(r.bodyLimit !== undefined ? { bodyLimit: r.bodyLimit } : {}) });
      });
    },
  };
  app = await buildServer(
    { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), options: loaded.config.server, readiness: [], config: loaded.config, store, env: loaded.env, ingress },
    { routes: [collector, ...routes] },
  );
  await app.ready();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
});

/** A concrete path for a route pattern (`:param` filled in, wildcards too). */
function pathOf(url: string): string {
  return url.replace(/:([A-Za-z]+)/g, (_m, name: string) => (name === 'fingerprint' ? `sha256:${'ab'.repeat(32)}` : `x${name}`)).replace(/\*/g, 'x');
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

describe('body limits on every route', () => {
  it('knows the product routes (webhooks, API, console)', () => {
    const urls = registered.map((r) => `${r.method} ${r.url}`);
    for (const expected of ['POST /webhooks/slack/events', 'POST /webhooks/jira', 'POST /webhooks/github']) expect(urls).toContain(expected);
    expect(urls.some((u) => u.startsWith('POST /api/v1/'))).toBe(true);
    expect(urls.some((u) => u.startsWith('POST /console/'))).toBe(true);
  });

  it('answers 413 to a body one byte over the limit, on every route that reads one, in every content type', async () => {
    const withBody = registered.filter((r) => BODY_METHODS.has(r.method));
    expect(withBody.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const r of withBody) {
      const limit = r.bodyLimit ?? BODY_LIMIT;
      expect(limit).toBeLessThanOrEqual(WEBHOOK_LIMIT);
      for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain']) {
        const payload = type === 'application/json' ? `{"a":"${'x'.repeat(limit)}"}` : `a=${'x'.repeat(limit)}`;
        const res = await app.inject({ method: r.method as 'POST', url: pathOf(r.url), payload, headers: { 'content-type': type, authorization: `Bearer ${adminKey}` } });
        // 415 means the route refuses the type before reading it: also never buffered past the limit.
        if (res.statusCode !== 413 && res.statusCode !== 415) failures.push(`${r.method} ${r.url} (${type}): ${res.statusCode}`);
        // JSON routes name the code; the console answers with its own HTML error page.
        if (res.statusCode === 413 && String(res.headers['content-type']).startsWith('application/json')) expect(res.json()).toMatchObject({ error: { code: 'INPUT_TOO_LARGE' } });
      }
    }
    expect(failures).toEqual([]);
    expect(handedOn).toHaveLength(0);
  });
});

// ------------------------------------------------------------------------------------------------
// Webhooks

const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 30 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('type', 'event', 'event_id', 'challenge', 'text', 'ts', 'channel', 'files', 'issue', 'comment', 'fields', 'webhookEvent', 'ref', 'commits', 'repository', 'id', 'key', '__proto__', 'constructor', 'blocks', 'attachments', 'message', 'previous_message', 'user', 'thread_ts', 'subtype', 'file_id', 'description', 'body', 'added', 'modified', 'after', 'before', 'full_name'), tie('v'), { maxKeys: 6 }),
  ),
})).v;

/** Bodies a sender might post: shaped like each provider's events, random, or not JSON at all. */
const slackBody = fc.oneof(
  jsonish.map((v) => JSON.stringify(v) ?? ''),
  fc.record({ type: fc.constantFrom('event_callback', 'url_verification', 'app_rate_limited', 'x'), event_id: fc.oneof(fc.string(), fc.integer()), challenge: fc.oneof(fc.string(), jsonish), event: jsonish }).map((v) => JSON.stringify(v)),
  fc.record({ type: fc.constant('event_callback'), event_id: fc.string({ minLength: 1, maxLength: 20 }), team_id: fc.string(), event: fc.record({ type: fc.constantFrom('message', 'file_shared', 'app_mention'), subtype: fc.constantFrom(undefined, 'message_changed', 'message_deleted', 'bot_message', 'file_share'), channel: fc.oneof(fc.string(), fc.integer()), ts: fc.oneof(fc.string(), fc.double()), text: fc.oneof(fc.string(), jsonish), message: jsonish, file_id: fc.string(), files: jsonish, blocks: jsonish, thread_ts: fc.string() }, { requiredKeys: ['type'] }) }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  // Well-formed messages with arbitrary text (the acceptance path).
  fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 300 })).map(([id, text]) =>
    JSON.stringify({ type: 'event_callback', event_id: `Ev${id}`, team_id: 'T0FZ', event: { type: 'message', channel: 'C0FZ', channel_type: 'channel', user: 'U0FZ', ts: '1700000000.000100', text } }),
  ),
);
const jiraBody = fc.oneof(
  jsonish.map((v) => JSON.stringify(v) ?? ''),
  fc.record({ webhookEvent: fc.constantFrom('jira:issue_created', 'jira:issue_updated', 'comment_created', 'comment_updated', 'x'), issue: fc.oneof(jsonish, fc.record({ key: fc.string(), id: fc.oneof(fc.string(), fc.integer()), fields: fc.record({ summary: fc.oneof(fc.string(), jsonish), description: jsonish, updated: fc.string() }, { requiredKeys: [] }) })), comment: jsonish, timestamp: fc.oneof(fc.integer(), fc.string()) }, { requiredKeys: ['webhookEvent'] }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 300 }).map((summary) =>
    JSON.stringify({ webhookEvent: 'jira:issue_created', timestamp: 1700000000000, issue: { id: '10001', key: 'OPS-1', fields: { summary, project: { key: 'OPS' }, updated: '2024-01-01T00:00:00.000+0000' } } }),
  ),
);
const githubBody = fc.oneof(
  jsonish.map((v) => JSON.stringify(v) ?? ''),
  fc.record({ ref: fc.oneof(fc.constantFrom('refs/heads/main', 'refs/tags/v1', ''), fc.string()), before: fc.string(), after: fc.string(), repository: fc.oneof(jsonish, fc.record({ full_name: fc.constantFrom('acme/api', 'evil/other', ''), default_branch: fc.string(), private: fc.boolean() })), commits: fc.array(fc.record({ id: fc.string(), added: jsonish, modified: jsonish }), { maxLength: 3 }), zen: fc.string() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
);
const headerValue = fc.oneof(fc.string({ maxLength: 80 }).filter((s) => /^[\t\x20-\x7e]*$/.test(s)), fc.constantFrom('v0=', 'sha256=', 'sha1=abc', '0', '-1', '99999999999', 'NaN'));
const contentType = fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x', '');

async function post(url: string, body: string, headers: Record<string, string>) {
  const res = await app.inject({ method: 'POST', url, payload: body, headers });
  return res.statusCode;
}

describe('webhooks on arbitrary input', () => {
  it(
    'unsigned or wrongly signed: always 4xx, nothing handed on',
    async () => {
      const before = handedOn.length + polls.length;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('/webhooks/slack/events', '/webhooks/slack/events/slack-main', '/webhooks/jira', '/webhooks/jira/jira-main', '/webhooks/github', '/webhooks/github/gh-main', '/webhooks/slack/events/nope'),
          fc.oneof(slackBody, jiraBody, githubBody),
          fc.dictionary(fc.constantFrom('x-slack-signature', 'x-slack-request-timestamp', 'x-hub-signature', 'x-hub-signature-256', 'x-github-event', 'x-github-delivery', 'x-atlassian-webhook-identifier', 'x-slack-retry-num', 'cookie', 'authorization'), headerValue, { maxKeys: 6 }),
          contentType,
          async (url, body, headers, type) => {
            const status = await post(url, body, { ...headers, ...(type ? { 'content-type': type } : {}) });
            expect(status).toBeGreaterThanOrEqual(400);
            expect(status).toBeLessThan(500);
          },
        ),
        asyncBudget(300, 5000),
      );
      expect(handedOn.length + polls.length).toBe(before);
    },
    testTimeout(),
  );

  it(
    'validly signed arbitrary bodies: 2xx or 4xx, never 5xx; what is handed on is valid',
    async () => {
      let n = 0;
      const signed = fc.oneof(
        slackBody.map((body) => ({ url: '/webhooks/slack/events', body, headers: slackSignedHeaders(SECRETS.SLACK_FZ_SIGNING, body) as Record<string, string> })),
        jiraBody.map((body) => ({ url: '/webhooks/jira', body, headers: { 'content-type': 'application/json', 'x-hub-signature': signJiraWebhook(SECRETS.JIRA_FZ_SECRET, body) } as Record<string, string> })),
        fc.tuple(githubBody, fc.constantFrom('push', 'ping', 'issues', 'pull_request', 'x')).map(([body, event]) => ({
          url: '/webhooks/github',
          body,
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signGithubWebhook(SECRETS.GH_FZ_SECRET, body), 'x-github-event': event } as Record<string, string>,
        })),
      );
      // Always run first (fast-check `examples`): a well-formed message each receiver must accept,
      // so the acceptance path is exercised however few random runs the time budget allows.
      const slackOk = JSON.stringify({ type: 'event_callback', event_id: 'EvFZOK', team_id: 'T0FZ', event: { type: 'message', channel: 'C0FZ', channel_type: 'channel', user: 'U0FZ', ts: '1700000000.000100', text: 'hello' } });
      const jiraOk = JSON.stringify({ webhookEvent: 'jira:issue_created', timestamp: 1700000000000, issue: { id: '10001', key: 'OPS-1', fields: { summary: 'hello', project: { key: 'OPS' }, updated: '2024-01-01T00:00:00.000+0000' } } });
      const examples: Array<[{ url: string; body: string; headers: Record<string, string> }]> = [
        [{ url: '/webhooks/slack/events', body: slackOk, headers: slackSignedHeaders(SECRETS.SLACK_FZ_SIGNING, slackOk) as Record<string, string> }],
        [{ url: '/webhooks/jira', body: jiraOk, headers: { 'content-type': 'application/json', 'x-hub-signature': signJiraWebhook(SECRETS.JIRA_FZ_SECRET, jiraOk) } }],
      ];
      await fc.assert(
        fc.asyncProperty(signed, async ({ url, body, headers }) => {
          // A fresh delivery id each time, so the dedupe does not answer for the parser.
          const h = { ...headers, 'x-github-delivery': `fz-${n}`, 'x-atlassian-webhook-identifier': `fz-${n++}` };
          const status = await post(url, body, h);
          expect(status, `${url} ${body.slice(0, 200)}`).toBeLessThan(500);
        }),
        { ...asyncBudget(300, 5000), examples },
      );
      for (const c of handedOn) expect(ChunkSchema.safeParse(c).success).toBe(true);
      // The acceptance path was exercised too, not only refusals.
      expect(handedOn.length + polls.length).toBeGreaterThan(0);
    },
    testTimeout(),
  );
});

describe('review API on arbitrary input', () => {
  it(
    'with a valid admin key, arbitrary bodies and queries never give a 5xx',
    async () => {
      const api = registered.filter((r) => r.url.startsWith('/api/v1/'));
      expect(api.length).toBeGreaterThan(5);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...api),
          jsonish,
          fc.dictionary(fc.constantFrom('severity', 'status', 'limit', 'cursor', 'sort', 'order', 'text', 'days', 'source', '__proto__'), fc.oneof(fc.string({ maxLength: 30 }), fc.constant('-1'), fc.constant('999999')), { maxKeys: 4 }),
          async (route, body, query) => {
            const qs = new URLSearchParams(query as Record<string, string>).toString();
            const res = await app.inject({
              method: route.method as 'GET',
              url: `${pathOf(route.url)}${qs ? `?${qs}` : ''}`,
              headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
              ...(BODY_METHODS.has(route.method) ? { payload: JSON.stringify(body) ?? 'null' } : {}),
            });
            expect(res.statusCode, `${route.method} ${route.url} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
          },
        ),
        asyncBudget(300, 5000),
      );
    },
    testTimeout(),
  );
});
