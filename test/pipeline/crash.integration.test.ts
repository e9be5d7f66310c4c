/**
 * Crash and outage semantics on the real services:
 * - a worker CHILD PROCESS SIGKILLed mid-batch and restarted ⇒ every planted token stored exactly
 *   once (one finding, one occurrence per place), one act per finding, nothing failed;
 * - Redis stopped and restarted mid-run (a private redis-server with AOF) ⇒ the run completes;
 * afterwards no planted token in Redis, the database, or the workers' output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, REDIS_URL, requireServices, testId } from '../support/services.js';
import { fakeSignedJwt, inHours } from '../support/jwt-factory.js';
import { deletePrefix, dumpRedis, startRedisProcess, type RedisProcess } from '../support/redis-process.js';
import { resolveConfig } from '../../src/config/load.js';
import { fingerprint, SealingKey } from '../../src/core/secrets.js';
import { createLogger, silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { startService } from '../../src/pipeline/service.js';
import { createQueueTransport, type QueueTransport } from '../../src/queue/transport.js';
import { QueueOptionsSchema } from '../../src/queue/options.js';
import { createPostgresStore } from '../../src/store/postgres.js';
import type { FindingStore } from '../../src/store/types.js';
import type { Chunk } from '../../src/core/types.js';
import { findLeaks } from './helpers.js';

const svc = await requireServices('redis', 'postgres');
const root = resolve(import.meta.dirname, '../..');
const CLI = join(root, 'dist/src/cli/main.js');

function plant(messages: number, tokens: number): { chunks: Chunk[]; tokens: string[] } {
  const toks = Array.from({ length: tokens }, (_, i) => fakeSignedJwt({ iss: 'https://idp.example.test/', sub: `k-${i}-${randomBytes(4).toString('hex')}`, exp: inHours(3) }));
  const chunks: Chunk[] = [];
  for (let i = 0; i < messages; i++) {
    // Every fifth message carries a token; each token lives in its own stretch of the stream, so the
    // tokens are first stored in stream order and "some stored, not all" is a state the run passes
    // through for most of its length (a kill early in the run lands mid-run however fast it goes).
    const tok = i % 5 === 0 ? toks[Math.floor((i * tokens) / messages)] : undefined;
    chunks.push({
      id: `slack-C0KILL-${i}`,
      source: 'slack-test',
      text: `message ${i} about the release train and the on-call rota${tok ? ` token=${tok}` : ''} — see thread`,
      locator: { kind: 'slack', channel: 'C0KILL', ts: `1700000001.${String(i).padStart(6, '0')}`, path: 'C0KILL', line: 1, column: 1 },
    });
  }
  return { chunks, tokens: toks };
}

async function until(cond: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

async function countStored(store: FindingStore, fps: string[]): Promise<number> {
  let n = 0;
  for (const fp of fps) if (await store.getFinding(fp)) n++;
  return n;
}

async function dumpStore(store: FindingStore): Promise<string> {
  const parts: string[] = [];
  for await (const t of store.dumpTables()) parts.push(t.table, ...t.rows);
  return parts.join('\n');
}

/** Each planted token: one finding, with exactly the occurrences it was planted in, acted on once. */
async function expectExactlyOnce(store: FindingStore, chunks: Chunk[], tokens: string[]): Promise<void> {
  for (const t of tokens) {
    const places = chunks.filter((c) => c.text.includes(t)).length;
    const f = await store.getFinding(fingerprint(t), { occurrenceLimit: 1000 });
    expect(f?.occurrences).toHaveLength(places);
    const audit = await store.listAudit({ fingerprint: fingerprint(t) });
    expect(audit.items.filter((a) => a.action === 'finding.alert-skipped')).toHaveLength(1);
  }
}

describe.skipIf(svc.skip)('crash and outage', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }, 120_000);

  async function fixture(redisUrl: string, queue: Record<string, unknown>) {
    const schema = testId('trcrash');
    const prefix = testId('trcrash');
    const dataDir = mkdtempSync(join(tmpdir(), 'tr-crash-'));
    const key = SealingKey.generate();
    const store = await createPostgresStore({ url: POSTGRES_URL, schema });
    const options = QueueOptionsSchema.parse({ prefix, ...queue });
    const producer = createQueueTransport({ redisUrl, options, sealingKey: key, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    cleanups.push(async () => {
      await producer.close();
      await store.close();
      await deletePrefix(redisUrl, prefix).catch(() => undefined);
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    });
    return { schema, prefix, dataDir, key, store, producer: producer as QueueTransport };
  }

  it.skipIf(!existsSync(CLI))('a worker process SIGKILLed mid-batch and restarted loses nothing and duplicates nothing', async () => {
    // Small batches, many messages: enough jobs that the run is still going when the kill comes
    // (one upsertMany per batch stores 2,000 messages in well under a second).
    const queue = { batchSize: 20, lockDurationMs: 2000, stalledIntervalMs: 1000, backoffMs: 100 };
    const fx = await fixture(REDIS_URL, queue);
    const cfg = join(fx.dataDir, 'tokenradius.json');
    writeFileSync(cfg, JSON.stringify({ dataDir: fx.dataDir, queue: { prefix: fx.prefix, ...queue }, store: { schema: fx.schema } }));
    const env = { ...process.env, REDIS_URL, DATABASE_URL: POSTGRES_URL, TOKENRADIUS_SEALING_KEY: fx.key.exportHex(), TOKENRADIUS_CONFIG: '' };
    const output: string[] = [];
    const startWorker = (): ChildProcess => {
      const child = spawn(process.execPath, [CLI, 'worker', '--role', 'scan,act', '--config', cfg], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d) => output.push(String(d)));
      child.stderr!.on('data', (d) => output.push(String(d)));
      return child;
    };

    const { chunks, tokens } = plant(20_000, 200);
    const fps = tokens.map(fingerprint);
    await fx.producer.submitChunks(chunks);

    const first = startWorker();
    await until(async () => (await countStored(fx.store, fps.slice(0, 20))) > 0);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const storedAtKill = await countStored(fx.store, fps);
    expect(storedAtKill).toBeLessThan(fps.length); // killed mid-run, with work in hand

    const second = startWorker();
    cleanups.push(async () => {
      if (second.exitCode !== null || second.signalCode !== null) return;
      second.kill('SIGKILL');
      await new Promise((r) => second.once('exit', r));
    });
    await until(async () => (await countStored(fx.store, fps)) === fps.length);
    await until(async () => (await fx.producer.depth()).every((d) => d.count === 0));
    await expectExactlyOnce(fx.store, chunks, tokens);
    expect(await fx.producer.listFailed()).toEqual([]);

    // Graceful stop on SIGTERM: exits 0.
    second.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => second.once('exit', (c) => r(c)));
    expect(code).toBe(0);

    expect(findLeaks(await dumpRedis(REDIS_URL, `${fx.prefix}:*`), tokens)).toEqual([]);
    expect(findLeaks(await dumpStore(fx.store), tokens)).toEqual([]);
    expect(output.join('')).toContain('"msg":"workers started"');
    expect(findLeaks(output.join(''), tokens)).toEqual([]);
  }, 300_000);

  it('Redis stopped and restarted mid-run: the run completes', async () => {
    const redis: RedisProcess = await startRedisProcess();
    cleanups.push(() => redis.destroy());
    const queue = { batchSize: 50, backoffMs: 200, attempts: 10, lockDurationMs: 3000, stalledIntervalMs: 1000 };
    const fx = await fixture(redis.url, queue);
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({
        write(c, _e, cb) {
          lines.push(String(c));
          cb();
        },
      }),
    });
    const loaded = resolveConfig(
      { dataDir: fx.dataDir, queue: { prefix: fx.prefix, ...queue }, store: { schema: fx.schema } },
      { REDIS_URL: redis.url, DATABASE_URL: POSTGRES_URL, TOKENRADIUS_SEALING_KEY: fx.key.exportHex() },
    );
    const { chunks, tokens } = plant(1500, 150);
    const fps = tokens.map(fingerprint);
    await fx.producer.submitChunks(chunks);
    const service = await startService(loaded, { http: false, roles: ['scan', 'act'], deps: { logger } });
    cleanups.push(() => service.close());

    await until(async () => (await countStored(fx.store, fps.slice(0, 10))) > 0).catch((e) => {
      console.log(lines.slice(-30).join(''));
      throw e;
    });
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();

    await until(async () => (await countStored(fx.store, fps)) === fps.length, 120_000);
    // The producer fails fast (QUEUE_UNAVAILABLE) until its connection is back from its reconnect
    // backoff, which may be after the workers (offline queue, retry forever) have stored everything.
    await until(async () => (await fx.producer.depth().catch(() => undefined))?.filter((d) => d.state !== 'failed').every((d) => d.count === 0) ?? false, 60_000);
    await expectExactlyOnce(fx.store, chunks, tokens);
    expect(await fx.producer.listFailed()).toEqual([]);
    expect(findLeaks(await dumpRedis(redis.url, '*'), tokens)).toEqual([]);
    expect(findLeaks(lines.join(''), tokens)).toEqual([]);
  }, 300_000);
});
