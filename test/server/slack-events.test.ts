/**
 * `POST /webhooks/slack/events[/<source-id>]`: every signature case (valid accepted; invalid,
 * missing, stale and replayed-old rejected with 401 and nothing enqueued), url_verification, event
 * dedupe on retries and replays, message → chunks, file_shared → a file poll, the 3 s deadline, the
 * path mapping, and — through the real inline pipeline — a finding stored at the message's place.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { resolveConfig, type LoadedConfig } from '../../src/config/load.js';
import type { Chunk } from '../../src/core/types.js';
import { fingerprint, SealingKey } from '../../src/core/secrets.js';
import { createLogger, silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import type { Ingress } from '../../src/pipeline/stages.js';
import { startService } from '../../src/pipeline/service.js';
import { buildServer } from '../../src/server/app.js';
import { routes } from '../../src/server/routes/index.js';
import { ServerOptionsSchema } from '../../src/server/options.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { eventEnvelope, slackSignedHeaders } from '../support/fake-slack.js';
import { githubPat } from '../support/token-factory.js';

const SECRET = 'slack-signing-secret-for-tests-0001';
const OTHER_SECRET = 'slack-signing-secret-for-tests-0002';

interface Recorder extends Ingress {
  chunks: Chunk[];
  polls: Array<{ sourceId: string; since?: string; reason?: string }>;
  hang: boolean;
}

function recorder(): Recorder {
  const r: Recorder = {
    chunks: [],
    polls: [],
    hang: false,
    async submitChunks(chunks) {
      if (r.hang) await new Promise(() => undefined);
      r.chunks.push(...chunks);
    },
    async requestPoll(sourceId, o = {}) {
      r.polls.push({ sourceId, ...o });
      return `poll-${sourceId}-1`;
    },
  };
  return r;
}

function loadedWith(sources: Array<Record<string, unknown>>): LoadedConfig {
  return resolveConfig({ sources }, { SLACK_T: 'xoxb-unused', SLACK_S: SECRET, SLACK_S2: OTHER_SECRET });
}

const one = [{ id: 'slack-main', type: 'slack', tokenEnv: 'SLACK_T', signingSecretEnv: 'SLACK_S', workspaceUrl: 'https://acme-test.slack.com/' }];

let store: FindingStore;
beforeAll(async () => {
  store = await createPgliteStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store.close();
});

async function app(loaded: LoadedConfig, ingress: Ingress, logLines?: string[]): Promise<FastifyInstance> {
  const logger = logLines
    ? createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => (logLines.push(String(c)), cb()) }) })
    : silentLogger();
  return buildServer(
    { logger, metrics: createMetrics({ defaultMetrics: false }), options: ServerOptionsSchema.parse({}), readiness: [], config: loaded.config, store, ingress, env: loaded.env },
    { routes },
  );
}

function post(a: FastifyInstance, body: string, headers: Record<string, string>, url = '/webhooks/slack/events') {
  return a.inject({ method: 'POST', url, payload: body, headers });
}

const messageBody = (token: string, eventId: string) =>
  JSON.stringify(eventEnvelope({ type: 'message', channel: 'C0GEN', channel_type: 'channel', user: 'U1', ts: '1712345678.000100', text: `creds ${token}` }, { eventId }));

describe('Slack Events API route', () => {
  it('answers url_verification with the challenge (signed), and 401 without a signature', async () => {
    const a = await app(loadedWith(one), recorder());
    const body = JSON.stringify({ token: 'legacy', challenge: 'c-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
    const ok = await post(a, body, slackSignedHeaders(SECRET, body));
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.body).toBe('c-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
    const unsigned = await post(a, body, { 'content-type': 'application/json' });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.body).not.toContain('c-3eZbrw');
    await a.close();
  });

  it('accepts a validly signed message and hands its chunks on; rejects invalid, missing and stale signatures with 401 and nothing enqueued', async () => {
    const ing = recorder();
    const a = await app(loadedWith(one), ing);
    const token = githubPat();
    const now = Math.floor(Date.now() / 1000);

    // Rejections first, all for the SAME event id: none of them may be remembered either.
    const body = messageBody(token, 'EvSIGCASES1');
    const valid = slackSignedHeaders(SECRET, body, now);
    const cases: Array<[string, Record<string, string>, string]> = [
      ['wrong secret', slackSignedHeaders(OTHER_SECRET, body, now), body],
      ['body altered after signing', valid, body.replace('creds', 'CREDS')],
      ['signature of another timestamp', { ...valid, 'x-slack-request-timestamp': String(now - 1) }, body],
      ['missing signature', { 'content-type': 'application/json', 'x-slack-request-timestamp': String(now) }, body],
      ['missing timestamp', { 'content-type': 'application/json', 'x-slack-signature': valid['x-slack-signature']! }, body],
      ['no headers at all', { 'content-type': 'application/json' }, body],
      ['stale: signed 6 minutes ago', slackSignedHeaders(SECRET, body, now - 360), body],
      ['from the future: 6 minutes ahead', slackSignedHeaders(SECRET, body, now + 360), body],
      ['garbage signature', { ...valid, 'x-slack-signature': 'v0=zz' }, body],
      ['unsigned invalid JSON', { 'content-type': 'application/json' }, '{"type":'],
      ['unsigned form body', { 'content-type': 'application/x-www-form-urlencoded' }, 'payload=%7B%7D'],
      ['unsigned text body', { 'content-type': 'text/plain' }, body],
      ['no content type', {}, body],
      ['empty body', {}, ''],
    ];
    for (const [what, headers, payload] of cases) {
      const res = await post(a, payload, headers);
      expect(res.statusCode, what).toBe(401);
      expect(res.json(), what).toMatchObject({ error: { code: 'SIGNATURE_INVALID' } });
      expect(res.body, what).not.toContain(token);
    }
    expect(ing.chunks).toEqual([]);

    const res = await post(a, body, valid);
    expect(res.statusCode).toBe(200);
    expect(ing.chunks).toHaveLength(1);
    expect(ing.chunks[0]!.text).toContain(token);
    expect(ing.chunks[0]).toMatchObject({
      source: 'slack-main',
      locator: { kind: 'slack', workspace: 'T0TEST01', channel: 'C0GEN', ts: '1712345678.000100', field: 'text', permalink: 'https://acme-test.slack.com/archives/C0GEN/p1712345678000100' },
      exposure: { visibility: 'public' },
    });
    expect(res.body).not.toContain(token);
    await a.close();
  });

  it('drops Slack retries and replays of an accepted event (200, nothing enqueued twice); an old replay is 401', async () => {
    const ing = recorder();
    const a = await app(loadedWith(one), ing);
    const token = githubPat();
    const body = messageBody(token, 'EvREPLAY01');
    const headers = slackSignedHeaders(SECRET, body);
    expect((await post(a, body, headers)).statusCode).toBe(200);
    const retry = await post(a, body, { ...headers, 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ ok: true, duplicate: true });
    const replay = await post(a, body, slackSignedHeaders(SECRET, body));
    expect(replay.statusCode).toBe(200);
    expect(ing.chunks).toHaveLength(1);
    // A captured request replayed after the 5-minute window: rejected outright.
    const old = await post(a, body, slackSignedHeaders(SECRET, body, Math.floor(Date.now() / 1000) - 301));
    expect(old.statusCode).toBe(401);
    expect(ing.chunks).toHaveLength(1);
    await a.close();
  });

  it('turns file_shared into a poll that fetches the file, and answers 200 to events it does not handle', async () => {
    const ing = recorder();
    const a = await app(loadedWith(one), ing);
    const file = JSON.stringify(eventEnvelope({ type: 'file_shared', file_id: 'F0SNIP01', user_id: 'U1', channel_id: 'C0GEN', file: { id: 'F0SNIP01' } }));
    expect((await post(a, file, slackSignedHeaders(SECRET, file))).statusCode).toBe(200);
    expect(ing.polls).toEqual([{ sourceId: 'slack-main', since: 'file:F0SNIP01:C0GEN', reason: 'webhook' }]);
    const other = JSON.stringify(eventEnvelope({ type: 'reaction_added', user: 'U1', reaction: 'eyes' }));
    expect((await post(a, other, slackSignedHeaders(SECRET, other))).statusCode).toBe(200);
    const signedJunk = '{"type":';
    expect((await post(a, signedJunk, slackSignedHeaders(SECRET, signedJunk))).statusCode).toBe(200);
    expect(ing.chunks).toEqual([]);
    expect(ing.polls).toHaveLength(1);
    await a.close();
  });

  it('answers 503 (so Slack retries) when the pipeline cannot take the event in time, instead of holding the request', async () => {
    const ing = recorder();
    ing.hang = true;
    const a = await app(loadedWith(one), ing);
    const body = messageBody(githubPat(), 'EvSLOW0001');
    const res = await post(a, body, slackSignedHeaders(SECRET, body));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'QUEUE_UNAVAILABLE' } });
    await a.close();
  });

  it('routes per source id; the plain path serves the one Slack source, and is 404 when that is ambiguous', async () => {
    const two = [...one, { id: 'slack-other', type: 'slack', tokenEnv: 'SLACK_T', signingSecretEnv: 'SLACK_S2' }, { id: 'slack-quiet', type: 'slack', tokenEnv: 'SLACK_T' }];
    const ing = recorder();
    const a = await app(loadedWith(two), ing);
    const body = messageBody(githubPat(), 'EvROUTE001');
    const plain = await post(a, body, slackSignedHeaders(SECRET, body));
    expect(plain.statusCode).toBe(404);
    // Each source verifies with ITS secret.
    expect((await post(a, body, slackSignedHeaders(SECRET, body), '/webhooks/slack/events/slack-other')).statusCode).toBe(401);
    expect((await post(a, body, slackSignedHeaders(OTHER_SECRET, body), '/webhooks/slack/events/slack-other')).statusCode).toBe(200);
    expect(ing.chunks[0]!.source).toBe('slack-other');
    expect((await post(a, body, slackSignedHeaders(SECRET, body), '/webhooks/slack/events/slack-quiet')).statusCode).toBe(404);
    expect((await post(a, body, slackSignedHeaders(SECRET, body), '/webhooks/slack/events/nope')).statusCode).toBe(404);
    await a.close();
  });

  it('logs the outcome without the token', async () => {
    const lines: string[] = [];
    const a = await app(loadedWith(one), recorder(), lines);
    const token = githubPat();
    const body = messageBody(token, 'EvLOGS0001');
    await post(a, body, slackSignedHeaders(SECRET, body));
    await post(a, body, slackSignedHeaders(OTHER_SECRET, body));
    const all = lines.join('');
    expect(all).toContain('slack events: message enqueued');
    expect(all).toContain('signature rejected');
    expect(all).not.toContain(token);
    await a.close();
  });
});

describe('Slack Events API through the inline pipeline', () => {
  it('a signed message event becomes a stored finding at its Slack place', async () => {
    const loaded = resolveConfig({ sources: one }, { SLACK_T: 'xoxb-unused', SLACK_S: SECRET, TOKENRADIUS_SEALING_KEY: SealingKey.generate().exportHex() });
    const service = await startService(loaded, { http: true, roles: ['scan', 'act'], port: 0, deps: { logger: silentLogger(), store: await createPgliteStore({ dataDir: 'memory://' }) } });
    try {
      const token = githubPat();
      const body = messageBody(token, 'EvINLINE01');
      const res = await fetch(`${service.url}/webhooks/slack/events/slack-main`, { method: 'POST', body, headers: slackSignedHeaders(SECRET, body) });
      expect(res.status).toBe(200);
      await service.inline!.drain();
      const f = await service.deps.store.getFinding(fingerprint(token));
      expect(f?.rule).toBe('github-classic-pat');
      expect(f?.occurrences[0]).toMatchObject({ source: 'slack-main', locator: { kind: 'slack', channel: 'C0GEN', ts: '1712345678.000100', column: 7 } });
    } finally {
      await service.close();
    }
  });
});
