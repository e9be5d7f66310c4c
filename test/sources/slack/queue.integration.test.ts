/**
 * The Slack connector on the real service: BullMQ on Redis, the findings store on PostgreSQL, the
 * REAL `@slack/web-api` client against the fake Slack server.
 *
 * - a 429 with Retry-After pauses the poll queue through BullMQ (no sleeping in the job) and the
 *   job later completes with no gap;
 * - bad credentials: a clear error, the job failed for good (kept for `jobs failed`), the source
 *   marked failed in the store and the metric counted — while a second configured source completes;
 * - a poll worker PROCESS SIGKILLed mid-backfill and restarted: the stalled job resumes from the
 *   per-channel cursors — no gap, no duplicate finding or occurrence;
 * - a signed Events API delivery reaches the scan queue sealed (no text in Redis).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { fingerprint, SealingKey } from '../../../src/core/secrets.js';
import { createLogger, silentLogger } from '../../../src/observe/logger.js';
import { QueueOptionsSchema } from '../../../src/queue/options.js';
import { createQueueTransport } from '../../../src/queue/transport.js';
import { createMetrics, type Metrics } from '../../../src/observe/metrics.js';
import { startService, type RunningService } from '../../../src/pipeline/service.js';
import { createPostgresStore } from '../../../src/store/postgres.js';
import type { FindingStore } from '../../../src/store/types.js';
import { decodeChannelCursor } from '../../../src/sources/slack/cursor.js';
import { STATUS_SCOPE } from '../../../src/sources/connector.js';
import { POSTGRES_URL, REDIS_URL, requireServices, testId } from '../../support/services.js';
import { deletePrefix, dumpRedis } from '../../support/redis-process.js';
import { eventEnvelope, slackSignedHeaders, startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { githubPat } from '../../support/token-factory.js';
import { findLeaks } from '../../pipeline/helpers.js';
import { seedWorkspace, TOKEN_ENV, type Planted } from './helpers.js';

const svc = await requireServices('redis', 'postgres');
const CLI = join(resolve(import.meta.dirname, '../../..'), 'dist/src/cli/main.js');

async function until(cond: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

async function counter(metrics: Metrics, name: 'jobsFailed', labels: Record<string, string>): Promise<number> {
  const v = await metrics[name].get();
  return v.values.filter((x) => Object.entries(labels).every(([k, val]) => (x.labels as Record<string, unknown>)[k] === val)).reduce((a, x) => a + x.value, 0);
}

/** Each planted token: exactly one finding with exactly one occurrence, at its place. */
async function expectEachOnce(store: FindingStore, p: Planted, sourceId = 'slack-main'): Promise<void> {
  for (const [token, where] of p.places) {
    const f = await store.getFinding(fingerprint(token), { occurrenceLimit: 50 });
    expect(f, `${where.channel}/${where.ts}/${where.field}`).not.toBeNull();
    expect(f!.occurrences).toHaveLength(1);
    expect(f!.occurrences[0]).toMatchObject({ source: sourceId, locator: { kind: 'slack', channel: where.channel, ts: where.ts, field: where.field } });
  }
}

describe.skipIf(svc.skip)('slack connector on BullMQ + PostgreSQL', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    cleanups.length = 0;
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  async function fixture(queue: Record<string, unknown> = {}) {
    const schema = testId('trslack');
    const prefix = testId('trslack');
    const dataDir = mkdtempSync(join(tmpdir(), 'tr-slack-'));
    const key = SealingKey.generate();
    const store = await createPostgresStore({ url: POSTGRES_URL, schema });
    const slack = await startFakeSlack();
    const planted = seedWorkspace(slack);
    cleanups.push(async () => {
      await slack.close();
      await store.close();
      await deletePrefix(REDIS_URL, prefix).catch(() => undefined);
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    });
    const q = { prefix, backoffMs: 50, batchSize: 3, lockDurationMs: 2000, stalledIntervalMs: 1000, ...queue };
    const source = (extra: Record<string, unknown> = {}) => ({
      id: 'slack-main',
      type: 'slack',
      tokenEnv: TOKEN_ENV,
      signingSecretEnv: 'SLACK_TEST_SIGNING',
      apiUrl: slack.apiUrl,
      pageSize: 2,
      listPageSize: 2,
      retry: { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 20 },
      ...extra,
    });
    const env = { REDIS_URL, DATABASE_URL: POSTGRES_URL, TOKENRADIUS_SEALING_KEY: key.exportHex(), [TOKEN_ENV]: slack.token, SLACK_TEST_SIGNING: 'signing-secret-queue-test', BAD_SLACK_TOKEN: 'xoxb-revoked-long-ago-000' };
    return { schema, prefix, dataDir, key, store, slack, planted, queue: q, source, env };
  }

  async function service(fx: Awaited<ReturnType<typeof fixture>>, sources: Array<Record<string, unknown>>, metrics: Metrics, http = false): Promise<RunningService> {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    const loaded = resolveConfig({ dataDir: fx.dataDir, queue: fx.queue, store: { schema: fx.schema }, sources }, fx.env);
    const s = await startService(loaded, { http, port: 0, roles: ['poll', 'scan', 'act'], deps: { logger, metrics, store: fx.store } });
    cleanups.push(async () => {
      await s.close();
      expect(findLeaks(lines.join(''), [...fx.planted.places.keys()])).toEqual([]);
    });
    return s;
  }

  it('a 429 with Retry-After pauses the Slack poll queue through BullMQ, and the job later completes with no gap', async () => {
    const fx = await fixture();
    fx.slack.fail({ method: 'conversations.history', status: 429, retryAfter: 3, after: 2 });
    const metrics = createMetrics({ defaultMetrics: false });
    const s = await service(fx, [fx.source()], metrics);
    const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const pollQueue = new Queue('poll-slack', { connection: conn, prefix: fx.prefix });
    cleanups.push(async () => {
      await pollQueue.close();
      conn.disconnect();
    });
    await s.transport!.requestPoll('slack-main');

    await until(async () => fx.slack.calls('conversations.history').some((r) => r.status === 429));
    // The queue itself is paused for the Retry-After (BullMQ's rate limiter), not a sleeping job.
    await until(async () => (await pollQueue.getRateLimitTtl()) > 0, 10_000);
    expect(await counter(metrics, 'jobsFailed', { queue: 'poll-slack', code: 'UPSTREAM_RATE_LIMITED' })).toBe(1);

    await until(async () => JSON.parse((await fx.store.getCursor('slack-main', STATUS_SCOPE)) ?? '{}').state === 'ok');
    await until(async () => (await s.transport!.depth()).every((d) => d.count === 0));
    await expectEachOnce(fx.store, fx.planted);
    // The refused page was asked for again, after the pause.
    const refused = fx.slack.calls('conversations.history').find((r) => r.status === 429)!;
    const later = fx.slack.requests.slice(fx.slack.requests.indexOf(refused) + 1);
    expect(later.some((r) => r.method === 'conversations.history' && r.params.channel === refused.params.channel && r.status === 200)).toBe(true);
    expect(await s.transport!.listFailed()).toEqual([]);
  });

  it('bad credentials fail that source for good (marked failed, counted) while another source completes', async () => {
    const fx = await fixture();
    const metrics = createMetrics({ defaultMetrics: false });
    const s = await service(fx, [fx.source(), fx.source({ id: 'slack-bad', tokenEnv: 'BAD_SLACK_TOKEN', signingSecretEnv: undefined })], metrics);
    await s.transport!.requestPoll('slack-bad');
    await s.transport!.requestPoll('slack-main');
    await until(async () => (await s.transport!.listFailed('poll')).length === 1);
    await until(async () => JSON.parse((await fx.store.getCursor('slack-main', STATUS_SCOPE)) ?? '{}').state === 'ok');
    await until(async () => (await s.transport!.depth()).filter((d) => d.state !== 'failed').every((d) => d.count === 0));

    const [failed] = await s.transport!.listFailed('poll');
    expect(failed).toMatchObject({ queue: 'poll-slack', summary: { sourceId: 'slack-bad' }, attemptsMade: 1 });
    expect(failed!.reason).toMatch(/^UPSTREAM_AUTH_FAILED: Slack auth\.test \(source slack-bad\) rejected the token \(invalid_auth\)/);
    expect(failed!.reason).not.toContain('xoxb-revoked');
    expect(JSON.parse((await fx.store.getCursor('slack-bad', STATUS_SCOPE)) ?? '{}')).toMatchObject({ state: 'failed', code: 'UPSTREAM_AUTH_FAILED', slackError: 'invalid_auth' });
    expect(await counter(metrics, 'jobsFailed', { queue: 'poll-slack', code: 'UPSTREAM_AUTH_FAILED' })).toBe(1);
    // Not retried: one auth.test with the bad token.
    expect(fx.slack.calls('auth.test').filter((r) => r.auth === 'invalid')).toHaveLength(1);
    await expectEachOnce(fx.store, fx.planted);
  });

  it.skipIf(!existsSync(CLI))('a poll worker process SIGKILLed mid-backfill resumes from the channel cursors: no gap, no duplicate', async () => {
    const fx = await fixture();
    // Slow Slack down so the run is still going when the worker dies (the channels after #general
    // slower still: the kill comes once #general is done).
    for (const channel of [fx.planted.channels.secret, fx.planted.channels.shared, fx.planted.channels.empty]) {
      fx.slack.fail({ method: 'conversations.history', params: { channel }, delayMs: 1500, times: Infinity });
    }
    fx.slack.fail({ method: /^conversations\.(history|replies)$/, delayMs: 150, times: Infinity });
    const cfg = join(fx.dataDir, 'tokenradius.json');
    writeFileSync(cfg, JSON.stringify({ dataDir: fx.dataDir, queue: fx.queue, store: { schema: fx.schema }, sources: [fx.source()] }));
    const env = { ...process.env, ...fx.env, TOKENRADIUS_CONFIG: '' };
    const output: string[] = [];
    const startWorker = (): ChildProcess => {
      const child = spawn(process.execPath, [CLI, 'worker', '--role', 'poll,scan,act', '--config', cfg], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d) => output.push(String(d)));
      child.stderr!.on('data', (d) => output.push(String(d)));
      return child;
    };
    const stop = async (child: ChildProcess, signal: NodeJS.Signals) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    };
    // This process only produces; the child worker does the work.
    const transport = createQueueTransport({ redisUrl: REDIS_URL, options: QueueOptionsSchema.parse(fx.queue), sealingKey: fx.key, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    cleanups.push(() => transport.close());

    const first = startWorker();
    cleanups.push(() => stop(first, 'SIGKILL'));
    await transport.requestPoll('slack-main');
    const general = fx.planted.channels.general;
    // Kill once #general is fully accepted and the run has moved on (mid-backfill).
    await until(async () => decodeChannelCursor(await fx.store.getCursor('slack-main', general))?.phase === undefined && (await fx.store.getCursor('slack-main', general)) !== null);
    await stop(first, 'SIGKILL');
    const atKill = await fx.store.listCursors('slack-main');
    expect(atKill.some((c) => c.scope === STATUS_SCOPE)).toBe(false); // the run had not finished
    const doneAtKill = decodeChannelCursor(atKill.find((c) => c.scope === general)!.cursor)!.done!;
    const requestsAtKill = fx.slack.requests.length;

    const second = startWorker();
    cleanups.push(() => stop(second, 'SIGKILL'));
    await until(async () => JSON.parse((await fx.store.getCursor('slack-main', STATUS_SCOPE)) ?? '{}').state === 'ok', 120_000);
    await until(async () => (await transport.depth()).every((d) => d.count === 0));
    await expectEachOnce(fx.store, fx.planted);
    expect(await transport.listFailed()).toEqual([]);
    // The stalled job resumed: #general was read again only from its cursor on, not from the top.
    const resumedGeneral = fx.slack.requests.slice(requestsAtKill).filter((r) => r.method === 'conversations.history' && r.params.channel === general);
    expect(resumedGeneral.length).toBeGreaterThan(0);
    expect(resumedGeneral.every((r) => r.params.oldest !== undefined && Number(r.params.oldest) >= Number(doneAtKill) - 7 * 86_400)).toBe(true);
    expect(resumedGeneral.some((r) => r.params.oldest === doneAtKill)).toBe(true);

    await stop(second, 'SIGTERM');
    const tokens = [...fx.planted.places.keys()];
    expect(findLeaks(await dumpRedis(REDIS_URL, `${fx.prefix}:*`), tokens)).toEqual([]);
    expect(findLeaks(output.join(''), tokens)).toEqual([]);
  });

  it('a signed Events API delivery is enqueued sealed and scanned by the workers', async () => {
    const fx = await fixture();
    const metrics = createMetrics({ defaultMetrics: false });
    const s = await service(fx, [fx.source()], metrics, true);
    const token = githubPat();
    const body = JSON.stringify(eventEnvelope({ type: 'message', channel: fx.planted.channels.general, channel_type: 'channel', user: 'U1', ts: '1712345678.000100', text: `hot fix ${token}` }));
    const res = await fetch(`${s.url}/webhooks/slack/events`, { method: 'POST', body, headers: slackSignedHeaders('signing-secret-queue-test', body) });
    expect(res.status).toBe(200);
    await until(async () => (await fx.store.getFinding(fingerprint(token))) !== null);
    expect(findLeaks(await dumpRedis(REDIS_URL, `${fx.prefix}:*`), [token])).toEqual([]);
  });
});
