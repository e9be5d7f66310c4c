/**
 * Slack Events dedupe vs a failed hand-on: an event whose enqueue fails (503, so Slack retries) must
 * not be remembered as delivered — Slack's retry of it is accepted and enqueued. A delivered event's
 * retry is still dropped as a duplicate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { resolveConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import type { Ingress } from '../../src/pipeline/stages.js';
import { buildServer } from '../../src/server/app.js';
import { routes } from '../../src/server/routes/index.js';
import { ServerOptionsSchema } from '../../src/server/options.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { eventEnvelope, slackSignedHeaders } from '../support/fake-slack.js';
import { githubPat } from '../support/token-factory.js';
import { flakyIngress } from '../support/flaky-ingress.js';

const SECRET = 'slack-signing-secret-for-dedupe-tests';
const loaded = resolveConfig(
  { sources: [{ id: 'slack-main', type: 'slack', tokenEnv: 'SLACK_T', signingSecretEnv: 'SLACK_S' }] },
  { SLACK_T: 'xoxb-unused', SLACK_S: SECRET },
);

let store: FindingStore;
beforeAll(async () => {
  store = await createPgliteStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store.close();
});

function app(ingress: Ingress, s: FindingStore = store): Promise<FastifyInstance> {
  return buildServer(
    { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), options: ServerOptionsSchema.parse({}), readiness: [], config: loaded.config, store: s, ingress, env: loaded.env },
    { routes },
  );
}

function deliver(a: FastifyInstance, body: string, retryNum?: number) {
  const headers = { ...slackSignedHeaders(SECRET, body), ...(retryNum ? { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_error' } : {}) };
  return a.inject({ method: 'POST', url: '/webhooks/slack/events', payload: body, headers });
}

const message = (eventId: string) =>
  JSON.stringify(eventEnvelope({ type: 'message', channel: 'C0DEDUP', channel_type: 'channel', user: 'U1', ts: '1712345678.000200', text: `creds ${githubPat()}` }, { eventId }));

describe('Slack Events: dedupe after a failed enqueue', () => {
  it('answers 503 when the enqueue fails, and accepts and enqueues Slack’s retry of that event', async () => {
    const { ingress, state } = flakyIngress('throw', 1);
    const a = await app(ingress);
    const body = message('EvFAILONCE1');
    const first = await deliver(a, body);
    expect(first.statusCode).toBe(503);
    expect(first.json()).toMatchObject({ error: { code: 'QUEUE_UNAVAILABLE' } });
    expect(state.chunks).toEqual([]);
    const retry = await deliver(a, body, 1);
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual({ ok: true });
    expect(state.chunks).toHaveLength(1);
    expect(state.chunks[0]!.locator).toMatchObject({ kind: 'slack', channel: 'C0DEDUP' });
    // Once handed on, a further retry is the duplicate it is.
    const again = await deliver(a, body, 2);
    expect(again.json()).toMatchObject({ ok: true, duplicate: true });
    expect(state.chunks).toHaveLength(1);
    await a.close();
  });

  it('also after the hand-on deadline passed (the pipeline hung), and for a file_shared fetch', async () => {
    const { ingress, state } = flakyIngress('hang', 1);
    const a = await app(ingress);
    const body = message('EvHANGONCE1');
    expect((await deliver(a, body)).statusCode).toBe(503);
    const retry = await deliver(a, body, 1);
    expect(retry.statusCode).toBe(200);
    expect(state.chunks).toHaveLength(1);

    const file = flakyIngress('throw', 2);
    const b = await app(file.ingress);
    const shared = JSON.stringify(eventEnvelope({ type: 'file_shared', file_id: 'F0DEDUP1', channel_id: 'C0DEDUP', user_id: 'U1' }, { eventId: 'EvFILE00001' }));
    expect((await deliver(b, shared)).statusCode).toBe(503);
    expect((await deliver(b, shared, 1)).statusCode).toBe(503);
    expect((await deliver(b, shared, 2)).statusCode).toBe(200);
    expect(file.state.polls).toEqual([{ sourceId: 'slack-main', since: expect.stringContaining('F0DEDUP1') }]);
    expect((await deliver(b, shared, 3)).json()).toMatchObject({ duplicate: true });
    await a.close();
    await b.close();
  });

  it('keeps exactly-once hand-on for concurrent deliveries of one event', async () => {
    const { ingress, state } = flakyIngress('throw', 0);
    const a = await app(ingress);
    const body = message('EvCONCURRENT');
    const answers = await Promise.all([deliver(a, body), deliver(a, body, 1), deliver(a, body, 2)]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(state.chunks).toHaveLength(1);
    expect(answers.filter((r) => (r.json() as { duplicate?: boolean }).duplicate)).toHaveLength(2);
    await a.close();
  });

  it('answers 503 without remembering the event when this process has no pipeline to hand it to', async () => {
    const a = await buildServer(
      { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), options: ServerOptionsSchema.parse({}), readiness: [], config: loaded.config, store, env: loaded.env },
      { routes },
    );
    const body = message('EvNOPIPE001');
    expect((await deliver(a, body)).statusCode).toBe(503);
    await a.close();
    // A process that has one accepts Slack's retry.
    const { ingress, state } = flakyIngress('throw', 0);
    const b = await app(ingress);
    expect((await deliver(b, body, 1)).json()).toEqual({ ok: true });
    expect(state.chunks).toHaveLength(1);
    await b.close();
  });
});
