/**
 * The BullMQ transport against the real Redis, with stub stage handlers: sealing, batching,
 * act fan-out, poison-chunk isolation, error-code → BullMQ outcome mapping, failed-job listing and
 * retry, job schedulers.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { requireServices, REDIS_URL, testId } from '../support/services.js';
import { deletePrefix, dumpRedis } from '../support/redis-process.js';
import { createQueueTransport, type QueueTransport, type StageHandlers } from '../../src/queue/transport.js';
import { QueueOptionsSchema } from '../../src/queue/options.js';
import { SealingKey } from '../../src/core/secrets.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { silentLogger } from '../../src/observe/logger.js';
import type { Chunk } from '../../src/core/types.js';
import type { ChunkScanResult } from '../../src/pipeline/stages.js';

const svc = await requireServices('redis');

function chunk(id: string, text: string, source = 'test-src'): Chunk {
  return { id, source, text, locator: { kind: 'file', path: `/x/${id}.txt`, line: 1, column: 1 } };
}

const fp = (s: string) => `sha256:${Buffer.from(s.padEnd(32, '0')).toString('hex').slice(0, 64).padEnd(64, '0')}`;

async function until(cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}

describe.skipIf(svc.skip)('BullMQ transport', () => {
  let prefix: string;
  let transport: QueueTransport;
  const key = SealingKey.generate();

  afterEach(async () => {
    await transport?.close();
    await deletePrefix(REDIS_URL, prefix);
  });

  function make(extra: Record<string, unknown> = {}, sources?: Array<{ id: string; type: string }>) {
    prefix = testId('trq');
    const options = QueueOptionsSchema.parse({ prefix, attempts: 3, backoffMs: 50, batchSize: 4, ...extra });
    transport = createQueueTransport({ redisUrl: REDIS_URL, options, sealingKey: key, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), ...(sources ? { sources } : {}) });
    return transport;
  }

  function handlers(over: Partial<StageHandlers> = {}) {
    const scanned: string[] = [];
    const acted: string[] = [];
    const h: StageHandlers = {
      async scanChunk(c) {
        scanned.push(c.id);
        return [{ fingerprint: fp(c.id), change: 'new', version: 1, severity: 'high' } satisfies ChunkScanResult];
      },
      async act(input) {
        acted.push(`${input.fingerprint}@${input.version}`);
      },
      async poll() {
        return undefined;
      },
      ...over,
    };
    return { h, scanned, acted };
  }

  it('seals chunk text before it reaches Redis, batches chunks, and fans out act jobs once per finding version', async () => {
    const t = make();
    const secretText = `planted-${randomBytes(12).toString('hex')}`;
    const chunks = Array.from({ length: 10 }, (_, i) => chunk(`c${i}`, `line ${i} ${secretText}`));
    await t.submitChunks(chunks);
    // Before any worker runs: jobs wait in Redis with sealed payloads only.
    const dump = await dumpRedis(REDIS_URL, `${prefix}:*`);
    expect(dump).toContain('scan-');
    expect(dump).not.toContain(secretText);
    expect(dump).not.toContain('line 1');
    const depth = await t.depth();
    expect(depth.find((d) => d.queue === 'scan' && d.state === 'waiting')?.count).toBe(3); // 10 chunks / batchSize 4

    // The same chunks submitted again are the same jobs (deterministic ids).
    await t.submitChunks(chunks);
    expect((await t.depth()).find((d) => d.queue === 'scan' && d.state === 'waiting')?.count).toBe(3);

    const { h, scanned, acted } = handlers();
    const w = await t.startWorkers(['scan', 'act'], h);
    await until(() => acted.length === 10);
    expect(scanned.sort()).toEqual(chunks.map((c) => c.id).sort());
    expect(new Set(acted).size).toBe(10);
    await until(async () => (await t.depth()).every((d) => d.count === 0));
    await w.close();
    // Completed jobs are removed.
    const after = await dumpRedis(REDIS_URL, `${prefix}:scan:scan-*`);
    expect(after).toBe('');
  });

  it('isolates a poison chunk into its own failed job while the rest of its batch completes', async () => {
    const t = make();
    const { h, scanned, acted } = handlers({
      async scanChunk(c) {
        if (c.id === 'poison') throw new TokenradiusError('INPUT_MALFORMED', 'chunk text cannot be scanned');
        scanned.push(c.id);
        return [{ fingerprint: fp(c.id), change: 'new', version: 1 }];
      },
    });
    await t.submitChunks([chunk('a', 'x'), chunk('poison', 'y'), chunk('b', 'z')]);
    await t.startWorkers(['scan', 'act'], h);
    await until(async () => (await t.listFailed('scan')).length === 1 && acted.length === 2);
    expect(scanned.sort()).toEqual(['a', 'b']);
    const [failed] = await t.listFailed('scan');
    expect(failed?.reason).toBe('INPUT_MALFORMED: chunk text cannot be scanned');
    expect(failed?.summary).toMatchObject({ chunks: 1, isolated: true, source: 'test-src' });
    // `never` errors use one attempt only.
    expect(failed?.attemptsMade).toBe(1);
  });

  it('retries `later` errors with backoff, and a failed job can be retried after the cause is fixed', async () => {
    const t = make({ attempts: 2 });
    let calls = 0;
    let healthy = false;
    const { h, acted } = handlers({
      async act(input) {
        calls++;
        if (!healthy) throw new TokenradiusError('UPSTREAM_UNAVAILABLE', 'sink is down');
        acted.push(input.fingerprint);
      },
    });
    await t.enqueueAct([{ fingerprint: fp('r'), version: 3 }]);
    await t.startWorkers(['act'], h);
    await until(async () => (await t.listFailed('act')).length === 1);
    expect(calls).toBe(2);
    const [failed] = await t.listFailed();
    expect(failed).toMatchObject({ queue: 'act', id: `act-${fp('r').slice(7)}-3`, attemptsMade: 2, reason: 'UPSTREAM_UNAVAILABLE: sink is down' });
    healthy = true;
    expect(await t.retryFailed({ id: failed!.id })).toBe(1);
    await until(() => acted.length === 1);
    await until(async () => (await t.listFailed()).length === 0);
    await expect(t.retryFailed({ id: 'act-nope-1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('pauses the queue on a rate-limit hint instead of failing or sleeping in the job', async () => {
    const t = make({ attempts: 1 });
    let calls = 0;
    const { h, acted } = handlers({
      async act(input) {
        calls++;
        if (calls === 1) throw new TokenradiusError('UPSTREAM_RATE_LIMITED', 'slow down', { retry: { afterMs: 400 } });
        acted.push(input.fingerprint);
      },
    });
    await t.enqueueAct([{ fingerprint: fp('rl'), version: 1 }]);
    await t.startWorkers(['act'], h);
    await until(() => acted.length === 1);
    // With attempts: 1 a counted failure would have been final: the rate limit did not use an attempt.
    expect(calls).toBe(2);
    expect(await t.listFailed('act')).toHaveLength(0);
  });

  it('fails a tampered scan payload for good without echoing it', async () => {
    const t = make();
    const other = createQueueTransport({
      redisUrl: REDIS_URL,
      options: t.options,
      sealingKey: SealingKey.generate(), // a different key: our workers cannot open it
      logger: silentLogger(),
      metrics: createMetrics({ defaultMetrics: false }),
    });
    await other.submitChunks([chunk('foreign', 'text')]);
    await other.close();
    const { h, scanned } = handlers();
    await t.submitChunks([chunk('mine', 'text')]);
    await t.startWorkers(['scan', 'act'], h);
    await until(async () => (await t.listFailed('scan')).length === 1 && scanned.length === 1);
    const [failed] = await t.listFailed('scan');
    expect(failed?.reason).toMatch(/^SEAL_OPEN_FAILED: /);
    expect(scanned).toEqual(['mine']);
  });

  it('upserts one job scheduler per scheduled source and removes those no longer configured', async () => {
    const t = make();
    const first = await t.syncSchedulers([{ id: 'repo-a', schedule: '*/5 * * * *' }, { id: 'repo-b', schedule: '0 * * * *' }, { id: 'no-schedule' }]);
    expect(first.upserted.sort()).toEqual(['poll-repo-a', 'poll-repo-b']);
    // A second deploy with the same config duplicates nothing.
    await t.syncSchedulers([{ id: 'repo-a', schedule: '*/5 * * * *' }, { id: 'repo-b', schedule: '0 * * * *' }]);
    expect((await t.listSchedulers()).map((s) => s.id).sort()).toEqual(['poll-repo-a', 'poll-repo-b']);
    const second = await t.syncSchedulers([{ id: 'repo-a', schedule: '*/10 * * * *' }]);
    expect(second.removed).toEqual(['poll-repo-b']);
    const list = await t.listSchedulers();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: 'poll-repo-a', pattern: '*/10 * * * *' });
  });

  it("scans a job's whole batch with scanBatch (one store write per job), isolating the chunks it reports as poison", async () => {
    const t = make({ batchSize: 5 });
    const calls: string[][] = [];
    const { h, acted } = handlers({
      async scanChunk(c) {
        // Only the isolated poison job comes here (a one-chunk batch still goes through scanBatch).
        throw new Error(`scanChunk called for ${c.id}`);
      },
      async scanBatch(cs) {
        calls.push(cs.map((c) => c.id));
        return cs.map((c) =>
          c.id === 'poison'
            ? { error: new TokenradiusError('PAYLOAD_INVALID', 'the store refused an observation') }
            : { results: [{ fingerprint: fp(c.id), change: 'new' as const, version: 1 }] },
        );
      },
    });
    await t.submitChunks([chunk('a', '1'), chunk('b', '2'), chunk('poison', '3'), chunk('c', '4'), chunk('d', '5')]);
    await t.startWorkers(['scan', 'act'], h);
    await until(async () => (await t.listFailed('scan')).length === 1 && acted.length === 4);
    // One call for the batch, then the poison chunk alone in its own job (which fails for good).
    expect(calls).toEqual([['a', 'b', 'poison', 'c', 'd'], ['poison']]);
    const [failed] = await t.listFailed('scan');
    expect(failed).toMatchObject({ reason: 'PAYLOAD_INVALID: the store refused an observation', summary: { chunks: 1, isolated: true }, attemptsMade: 1 });
    expect(new Set(acted).size).toBe(4);
  });

  it('retries the whole batch when scanBatch says the store is down, then completes it', async () => {
    const t = make({ batchSize: 3 });
    let down = 2;
    const calls: number[] = [];
    const { h, acted } = handlers({
      async scanBatch(cs) {
        calls.push(cs.length);
        if (down-- > 0) throw new TokenradiusError('STORE_UNAVAILABLE', 'database restarting');
        return cs.map((c) => ({ results: [{ fingerprint: fp(c.id), change: 'new' as const, version: 1 }] }));
      },
    });
    await t.submitChunks([chunk('x', '1'), chunk('y', '2'), chunk('z', '3')]);
    await t.startWorkers(['scan', 'act'], h);
    await until(() => acted.length === 3);
    // No chunk was split off: an outage is not a poison chunk.
    expect(calls).toEqual([3, 3, 3]);
    expect(await t.listFailed()).toEqual([]);
  });

  it('gives each upstream its own poll queue: a rate-limited Slack poll does not hold up GitHub or local polls', async () => {
    const sources = [
      { id: 'slack-main', type: 'slack' },
      { id: 'gh-main', type: 'github' },
      { id: 'share', type: 'files' },
    ];
    const t = make({ attempts: 1, concurrency: { poll: 1 } }, sources);
    expect(sources.map((s) => t.pollQueueOf(s.id))).toEqual(['poll-slack', 'poll-github', 'poll-local']);
    expect(t.pollQueueOf('not-configured')).toBe('poll');
    const done: string[] = [];
    let slackCalls = 0;
    let slackPausedWhenOthersDone: boolean | undefined;
    const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const slackQueue = new Queue('poll-slack', { connection: conn, prefix });
    try {
      const { h } = handlers({
        async poll(input) {
          if (input.sourceId === 'slack-main' && slackCalls++ === 0) {
            // Slack answered 429 with Retry-After: 3 s.
            throw new TokenradiusError('UPSTREAM_RATE_LIMITED', 'Slack rate limit', { retry: { afterMs: 3000 } });
          }
          done.push(input.sourceId);
          if (done.includes('gh-main') && done.includes('share') && slackPausedWhenOthersDone === undefined) {
            slackPausedWhenOthersDone = !done.includes('slack-main') && (await slackQueue.getRateLimitTtl()) > 0;
          }
          return undefined;
        },
      });
      await t.startWorkers(['poll'], h);
      await t.requestPoll('slack-main');
      await until(() => slackCalls === 1);
      await t.requestPoll('gh-main');
      await t.requestPoll('share');
      await until(() => done.length === 3);
      // GitHub and the file share were polled while Slack's queue was still paused; then Slack ran.
      expect(slackPausedWhenOthersDone).toBe(true);
      expect(done.at(-1)).toBe('slack-main');
      // The rate limit used no attempt (attempts: 1 would have failed it for good).
      expect(await t.listFailed('poll')).toEqual([]);
    } finally {
      await slackQueue.close();
      conn.disconnect();
    }
  });

  it('lists and retries failed jobs across every poll queue with `poll`, or one queue by its name', async () => {
    const t = make({ attempts: 1 }, [
      { id: 'jira-bad', type: 'jira' },
      { id: 'gh-bad', type: 'github' },
    ]);
    let healthy = false;
    const polled: string[] = [];
    const { h } = handlers({
      async poll(input) {
        if (!healthy) throw new TokenradiusError('UPSTREAM_AUTH_FAILED', `credentials of ${input.sourceId} rejected`);
        polled.push(input.sourceId);
        return undefined;
      },
    });
    await t.startWorkers(['poll'], h);
    await t.requestPoll('jira-bad');
    await t.requestPoll('gh-bad');
    await t.requestPoll('legacy-source'); // not in the list: the generic `poll` queue
    await until(async () => (await t.listFailed('poll')).length === 3);
    const failed = await t.listFailed('poll');
    expect(failed.map((f) => [f.queue, f.summary.sourceId]).sort()).toEqual([
      ['poll', 'legacy-source'],
      ['poll-github', 'gh-bad'],
      ['poll-jira', 'jira-bad'],
    ]);
    expect((await t.listFailed('poll-jira')).map((f) => f.summary.sourceId)).toEqual(['jira-bad']);
    expect(await t.listFailed('scan')).toEqual([]);
    healthy = true;
    expect(await t.retryFailed({ id: failed.find((f) => f.queue === 'poll-github')!.id }, 'poll')).toBe(1);
    await until(() => polled.length === 1);
    expect(await t.retryFailed({ all: true }, 'poll')).toBe(2);
    await until(() => polled.length === 3);
    expect(polled.sort()).toEqual(['gh-bad', 'jira-bad', 'legacy-source']);
  });

  it("keeps each source's scheduler on its own poll queue, moves it when the type changes, and runs maintenance on its scheduler", async () => {
    const t = make({}, [{ id: 'x', type: 'slack' }]);
    // The scheduler role runs the maintenance job its scheduler produces (the first one at once).
    let maintained = 0;
    const { h } = handlers({
      async maintain() {
        maintained++;
        return { sealedTokens: 0, deliveries: 0 };
      },
    });
    await t.syncSchedulers([], { maintenanceEveryMs: 60_000 });
    const w = await t.startWorkers(['scheduler'], h);
    await until(() => maintained === 1);
    // A resync (the scheduler role resyncs every few minutes, every deploy syncs) does not run it
    // again before its interval.
    await t.syncSchedulers([], { maintenanceEveryMs: 60_000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(maintained).toBe(1);
    await w.close();
    // Its next run waits as a delayed job, which queue depth does not count as backlog.
    const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const maintenanceQueue = new Queue('maintenance', { connection: conn, prefix });
    try {
      expect(await maintenanceQueue.getDelayedCount()).toBe(1);
    } finally {
      await maintenanceQueue.close();
      conn.disconnect();
    }
    expect((await t.depth()).filter((d) => d.queue === 'maintenance')).toEqual([
      { queue: 'maintenance', state: 'waiting', count: 0 },
      { queue: 'maintenance', state: 'active', count: 0 },
      { queue: 'maintenance', state: 'failed', count: 0 },
    ]);

    const sync1 = await t.syncSchedulers([{ id: 'repo-a', schedule: '*/5 * * * *', type: 'git' }, { id: 'ws', schedule: '0 * * * *', type: 'slack' }], { maintenanceEveryMs: 60_000 });
    expect(sync1.upserted.sort()).toEqual(['maintenance-purge', 'poll-repo-a', 'poll-ws']);
    expect((await t.listSchedulers()).map((s) => [s.id, s.queue]).sort()).toEqual([
      ['poll-repo-a', 'poll-local'],
      ['poll-ws', 'poll-slack'],
    ]);
    expect(await t.listSchedulers({ includeMaintenance: true })).toContainEqual(expect.objectContaining({ id: 'maintenance-purge', queue: 'maintenance', every: 60_000 }));
    // The same source now configured as a GitHub source: its scheduler moves queues, no duplicate.
    const sync2 = await t.syncSchedulers([{ id: 'repo-a', schedule: '*/5 * * * *', type: 'github' }], { maintenanceEveryMs: 60_000 });
    expect(sync2.removed.sort()).toEqual(['poll-repo-a', 'poll-ws']);
    expect((await t.listSchedulers()).map((s) => [s.id, s.queue])).toEqual([['poll-repo-a', 'poll-github']]);
    // Maintenance off (purgeIntervalSeconds: 0): its scheduler goes too.
    const sync3 = await t.syncSchedulers([{ id: 'repo-a', schedule: '*/5 * * * *', type: 'github' }]);
    expect(sync3.removed).toEqual(['maintenance-purge']);
    expect((await t.listSchedulers({ includeMaintenance: true })).map((s) => s.id)).toEqual(['poll-repo-a']);
    await t.syncSchedulers([]);
  });

  it('producers fail fast with QUEUE_UNAVAILABLE when Redis cannot be reached', async () => {
    prefix = testId('trq');
    transport = createQueueTransport({
      redisUrl: 'redis://127.0.0.1:1',
      options: QueueOptionsSchema.parse({ prefix, producerTimeoutMs: 300 }),
      sealingKey: key,
      logger: silentLogger(),
      metrics: createMetrics({ defaultMetrics: false }),
    });
    await expect(transport.submitChunks([chunk('a', 'b')])).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    await expect(transport.ping()).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
  });
});

describe('scan payloads', () => {
  it('refuse invalid chunks at the producer, naming the paths but not the text', async () => {
    const { sealScanBatch, openScanBatch } = await import('../../src/queue/payloads.js');
    const key = SealingKey.generate();
    const bad = [{ id: 'x', source: 's', text: 'secret text here', locator: { kind: 'file', path: 'p', line: 0, column: 1 } }] as unknown as Chunk[];
    expect(() => sealScanBatch(key, bad)).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID' }));
    try {
      sealScanBatch(key, bad);
    } catch (e) {
      expect(JSON.stringify(e)).not.toContain('secret text here');
      expect((e as TokenradiusError).details.paths).toEqual(['0.locator.line']);
    }
    const good = [chunk('a', 'hello')];
    const sealed = sealScanBatch(key, good);
    expect(openScanBatch(key, sealed).chunks).toEqual(good);
    expect(() => openScanBatch(key, { ...sealed, sealed: sealed.sealed.slice(0, -4) + 'AAAA' })).toThrow(expect.objectContaining({ code: 'SEAL_OPEN_FAILED' }));
    expect(() => openScanBatch(key, { ...sealed, extra: 1 })).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID' }));
  });
});
