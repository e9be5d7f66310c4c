/**
 * Redis restarted mid-backfill: a private redis-server (AOF, as docker-compose runs it) under the
 * running service (HTTP + poll, scan and act workers) while a Slack backfill is paging through the
 * fake Slack server. Redis goes down after the first channel is accepted and comes back 3 s later.
 * - meanwhile the webhook ingress answers 503 (QUEUE_UNAVAILABLE), never 500, and the process lives;
 * - the backfill completes by itself: every planted token stored once with its exact occurrence,
 *   acted on once, no failed job, `/readyz` 200 again; nothing planted in Redis or the logs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { fingerprint, SealingKey } from '../../src/core/secrets.js';
import { startService, type RunningService } from '../../src/pipeline/service.js';
import { STATUS_SCOPE } from '../../src/sources/connector.js';
import { eventEnvelope, slackSignedHeaders, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { dumpRedis, startRedisProcess, type RedisProcess } from '../support/redis-process.js';
import { POSTGRES_URL, requireServices, testId } from '../support/services.js';
import { githubPat } from '../support/token-factory.js';
import { findLeaks } from '../pipeline/helpers.js';
import { captureLogs, sleep, until } from './helpers.js';

const svc = await requireServices('postgres');
const SIGNING = 'redis-restart-signing';

describe.skipIf(svc.skip)('Redis restarted in the middle of a backfill', () => {
  const schema = testId('trredis');
  let redis: RedisProcess | undefined;
  let slack: FakeSlack | undefined;
  let service: RunningService | undefined;
  afterAll(async () => {
    await service?.close().catch(() => undefined);
    await redis?.destroy();
    await slack?.close();
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }, 120_000);

  it('completes the backfill by itself; webhooks get 503 while Redis is away', async () => {
    redis = await startRedisProcess();
    slack = await startFakeSlack();
    const places = new Map<string, { channel: string; ts: string }>();
    for (const name of ['alpha', 'beta', 'gamma', 'delta']) {
      const channel = slack.addChannel({ name, num_members: 12 }).id;
      for (let i = 0; i < 30; i++) {
        const t = i % 5 === 2 ? githubPat() : undefined;
        const m = slack.addMessage(channel, { text: t ? `${name} ci uses ${t} (rotate me)` : `${name} standup note ${i}`, user: 'U0DEV' });
        if (t) places.set(t, { channel, ts: m.ts });
      }
    }
    slack.fail({ method: /^conversations\.(history|replies)$/, delayMs: 150, times: Infinity });

    const logs = captureLogs();
    const loaded = resolveConfig(
      {
        dataDir: mkdtempSync(join(tmpdir(), 'tr-redis-restart-')),
        store: { schema },
        queue: { prefix: testId('trredis'), batchSize: 5, lockDurationMs: 3000, stalledIntervalMs: 1000, backoffMs: 300 },
        sources: [{ id: 'slack-main', type: 'slack', tokenEnv: 'SLACK_RR_TOKEN', signingSecretEnv: 'SLACK_RR_SIGNING', apiUrl: slack.apiUrl, pageSize: 3, lookbackDays: 0 }],
      },
      { REDIS_URL: redis.url, DATABASE_URL: POSTGRES_URL, TOKENRADIUS_SEALING_KEY: SealingKey.generate().exportHex(), SLACK_RR_TOKEN: slack.token, SLACK_RR_SIGNING: SIGNING },
    );
    service = await startService(loaded, { http: true, port: 0, roles: ['poll', 'scan', 'act'], deps: { logger: logs.logger } });
    const store = service.deps.store;
    await service.ingress!.requestPoll('slack-main');
    await until(async () => (await store.listCursors('slack-main')).some((c) => c.scope !== STATUS_SCOPE), 120_000, 'a channel accepted');

    expect(await store.getCursor('slack-main', STATUS_SCOPE)).toBeNull(); // still running
    await redis.stop();
    const body = JSON.stringify(eventEnvelope({ type: 'message', channel: 'C0RR', channel_type: 'channel', user: 'U1', ts: '1712345678.000300', text: 'no token here' }, { eventId: 'Ev0REDISDOWN' }));
    const refused = await fetch(`${service.url}/webhooks/slack/events`, { method: 'POST', body, headers: slackSignedHeaders(SIGNING, body) });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('QUEUE_UNAVAILABLE');
    const notReady = await fetch(`${service.url}/readyz`);
    expect(notReady.status).toBe(503);
    await sleep(3000);
    await redis.start();

    await until(async () => JSON.parse((await store.getCursor('slack-main', STATUS_SCOPE)) ?? '{}').state === 'ok', 180_000, 'backfill finished');
    await until(async () => (await service!.transport!.depth()).filter((d) => d.state !== 'failed').every((d) => d.count === 0), 120_000, 'queues drained');
    expect(await service.transport!.listFailed()).toEqual([]);
    for (const [t, p] of places) {
      const f = await store.getFinding(fingerprint(t), { occurrenceLimit: 50 });
      expect(f?.occurrences).toHaveLength(1);
      expect(f!.occurrences[0]!.locator).toMatchObject({ channel: p.channel, ts: p.ts });
      const audit = await store.listAudit({ fingerprint: fingerprint(t) });
      expect(audit.items.filter((a) => a.action === 'finding.alert-skipped')).toHaveLength(1);
    }
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    expect(findLeaks(await dumpRedis(redis.url, '*'), [...places.keys()])).toEqual([]);
    expect(findLeaks(logs.text(), [...places.keys()])).toEqual([]);
  }, 400_000);
});
