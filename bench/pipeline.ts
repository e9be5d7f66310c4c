/**
 * Pipeline benchmark through the real Redis and PostgreSQL (issue 4 targets, measured, not asserted):
 *
 * 1. throughput: N Slack-sized messages (1 in `TOKEN_EVERY` carries a unique JWT) enqueued as fast
 *    as the producer can, scanned and stored by `BENCH_WORKERS` worker processes
 *    (`tokenradius worker --role scan,act`); messages/s from the first enqueue until every planted
 *    token is stored and the queues are empty;
 * 2. latency: a steady 1,000 messages/s for `LATENCY_SECONDS`; for every planted token, the time from
 *    its enqueue until its finding is visible (committed) in PostgreSQL, polled every 25 ms; p50 / p99;
 * 3. peak RSS of every process (this producer, each worker);
 * 4. CPU seconds used by the workers and the producer (the machine may be shared: messages per worker
 *    CPU-second says what the pipeline costs whatever else runs), with the load average.
 *
 * `BENCH_ROLES` (default `scan,act`) picks the worker roles: `scan` alone measures the scan stage
 * without the act stage (act jobs then wait in their queue and are not waited for).
 * Worker CPU is the worker processes' own; PostgreSQL's and Redis's server CPU is not in it.
 *
 * Options (environment): BENCH_MESSAGES (100000), BENCH_WORKERS (2), BENCH_TOKEN_EVERY (100: one
 * planted JWT per this many messages), BENCH_LATENCY_SECONDS (20), BENCH_BATCH (200 chunks per scan
 * job), BENCH_ROLES (scan,act), BENCH_SCAN_CONCURRENCY (4), BENCH_POOL (8 PostgreSQL connections per
 * worker), BENCH_PRODUCER_IN_FLIGHT (4), BENCH_WORKER_NODE_ARGS (e.g. --cpu-prof).
 *
 *   npx tsc -p tsconfig.build.json && REDIS_URL=redis://127.0.0.1:6379 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node dist/bench/pipeline.js
 *
 * Uses a random queue prefix and a fresh schema, both removed afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { Chunk } from '../src/core/types.js';
import { fingerprint, SealingKey } from '../src/core/secrets.js';
import { silentLogger } from '../src/observe/logger.js';
import { createMetrics } from '../src/observe/metrics.js';
import { QueueOptionsSchema } from '../src/queue/options.js';
import { createQueueTransport } from '../src/queue/transport.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const TOKEN_EVERY = Number(process.env.BENCH_TOKEN_EVERY ?? 100);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const BATCH = Number(process.env.BENCH_BATCH ?? 200);
const ROLES = process.env.BENCH_ROLES ?? 'scan,act';
const SCAN_CONCURRENCY = Number(process.env.BENCH_SCAN_CONCURRENCY ?? 4);
const POOL = Number(process.env.BENCH_POOL ?? 8);
const PRODUCER_IN_FLIGHT = Number(process.env.BENCH_PRODUCER_IN_FLIGHT ?? 4);

const root = resolve(import.meta.dirname, '../..');
const CLI = join(root, 'dist/src/cli/main.js');
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A JWT-shaped token with random signature, built here so nothing is committed. */
function token(i: number): string {
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: 'https://idp.bench.test/', sub: `bench-${i}-${randomBytes(4).toString('hex')}`, exp: Math.floor(Date.now() / 1000) + 7200 })}.${randomBytes(128).toString('base64url')}`;
}

const FILLER = 'the deploy to staging finished, dashboards look fine, rolling to prod after lunch unless someone objects in the thread; ping @oncall if alerts fire. ';

function message(run: string, i: number, tok?: string): Chunk {
  const text = `${FILLER.slice(0, 120 + (i % 120))}${tok ? ` Authorization: Bearer ${tok}` : ''} (#${i})`;
  return {
    id: `bench-${run}-${i}`,
    source: 'bench-slack',
    text,
    locator: { kind: 'slack', channel: 'CBENCH', ts: `1700000000.${String(i).padStart(6, '0')}`, path: 'CBENCH', line: 1, column: 1 },
  };
}

function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** User+system CPU seconds a process has used so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const schema = prefix;
  const dir = mkdtempSync(join(tmpdir(), 'tr-bench-'));
  const key = SealingKey.generate();
  const queue = { prefix, batchSize: BATCH, concurrency: { poll: 1, scan: SCAN_CONCURRENCY, act: 8 } };
  const cfg = join(dir, 'bench.json');
  writeFileSync(cfg, JSON.stringify({ dataDir: dir, queue, store: { schema, poolSize: POOL } }));
  const load0 = loadavg();
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const options = QueueOptionsSchema.parse(queue);
  const producer = createQueueTransport({ redisUrl: REDIS_URL, options, sealingKey: key, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
  const env = { ...process.env, REDIS_URL, DATABASE_URL, TOKENRADIUS_SEALING_KEY: key.exportHex(), TOKENRADIUS_LOG_LEVEL: 'warn', TOKENRADIUS_CONFIG: '' };
  const workers: ChildProcess[] = [];
  const stored = async (fps: string[]): Promise<Map<string, number>> => {
    const r = await db.query<{ fingerprint: string; first_seen: Date | string }>(`SELECT fingerprint, first_seen FROM ${schema}.findings WHERE fingerprint = ANY($1)`, [fps]);
    return new Map(r.rows.map((row) => [row.fingerprint, new Date(row.first_seen).getTime()]));
  };
  const actsRun = ROLES.split(',').includes('act');
  const drained = async () => (await producer.depth()).filter((d) => d.state !== 'failed' && (actsRun || d.queue !== 'act')).every((d) => d.count === 0);

  try {
    // Each worker logs `workers started` (info) once its workers are registered with Redis; start-up
    // (loading modules, migrating) is not part of what is measured.
    let ready = 0;
    for (let i = 0; i < WORKERS; i++) {
      const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
      const w = spawn(process.execPath, [...nodeArgs, CLI, 'worker', '--role', ROLES, '--config', cfg], { env: { ...env, TOKENRADIUS_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
      let seen = false;
      let tail = '';
      w.stdout!.on('data', (d: Buffer) => {
        if (seen) return;
        tail = (tail + d.toString('utf8')).slice(-4096);
        if (tail.includes('"msg":"workers started"')) {
          seen = true;
          ready++;
        }
      });
      workers.push(w);
    }
    for (let i = 0; ready < WORKERS; i++) {
      if (workers.some((w) => w.exitCode !== null)) throw new Error('a worker process exited during start-up (see its stderr above)');
      if (i > 1200) throw new Error('workers did not start within 120 s');
      await new Promise((r) => setTimeout(r, 100));
    }

    // 1. Throughput.
    const planted: string[] = [];
    const cpu0 = workers.map((w) => cpuSeconds(w.pid!));
    const prodCpu0 = process.cpuUsage();
    const t0 = performance.now();
    // Like several webhook requests at once: up to PRODUCER_IN_FLIGHT submissions wait on Redis together.
    const inFlight = new Set<Promise<void>>();
    for (let start = 0; start < MESSAGES; start += BATCH * 10) {
      const chunks: Chunk[] = [];
      for (let i = start; i < Math.min(MESSAGES, start + BATCH * 10); i++) {
        const tok = i % TOKEN_EVERY === 0 ? token(i) : undefined;
        if (tok) planted.push(fingerprint(tok));
        chunks.push(message('t', i, tok));
      }
      const p: Promise<void> = producer.submitChunks(chunks).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= PRODUCER_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const enqueued = performance.now();
    for (;;) {
      if ((await stored(planted)).size === planted.length && (await drained())) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const elapsed = (performance.now() - t0) / 1000;
    const throughput = MESSAGES / elapsed;
    // CPU actually used, so a run on a busy machine still says what the pipeline costs.
    const workerCpu = workers.reduce((sum, w, i) => sum + cpuSeconds(w.pid!) - cpu0[i]!, 0);
    const prodCpuUsage = process.cpuUsage(prodCpu0);
    const producerCpu = (prodCpuUsage.user + prodCpuUsage.system) / 1e6;

    // 2. Latency at 1,000 messages/s: from enqueue until the finding is committed (visible).
    const sent = new Map<string, number>();
    const visible = new Map<string, number>();
    let sending = true;
    const watcher = (async () => {
      for (let idle = 0; idle < 2400; ) {
        const open = [...sent.keys()].filter((fp) => !visible.has(fp));
        if (open.length > 0) {
          const found = await stored(open);
          const at = Date.now();
          for (const fp of found.keys()) visible.set(fp, at);
        }
        if (!sending && visible.size === sent.size) return;
        if (!sending) idle++;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const rate = 1000;
    const tickMs = 100;
    const perTick = (rate * tickMs) / 1000;
    const ticks = (LATENCY_SECONDS * 1000) / tickMs;
    const l0 = Date.now();
    for (let t = 0; t < ticks; t++) {
      const chunks: Chunk[] = [];
      const batchTokens: string[] = [];
      for (let j = 0; j < perTick; j++) {
        const i = t * perTick + j;
        const tok = i % 10 === 0 ? token(MESSAGES + i) : undefined;
        if (tok) batchTokens.push(fingerprint(tok));
        chunks.push(message('l', i, tok));
      }
      const now = Date.now();
      for (const fp of batchTokens) sent.set(fp, now);
      await producer.submitChunks(chunks);
      const wait = l0 + (t + 1) * tickMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    sending = false;
    await watcher;
    const latencies = [...sent].map(([fp, at]) => (visible.get(fp) ?? NaN) - at).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);

    // 3. Peak RSS.
    const rss = workers.map((w) => peakRssMb(w.pid!));
    const producerRss = process.resourceUsage().maxRSS / 1024;

    const out = {
      messages: MESSAGES,
      workers: WORKERS,
      plantedTokens: planted.length,
      enqueueSeconds: +((enqueued - t0) / 1000).toFixed(2),
      endToEndSeconds: +elapsed.toFixed(2),
      throughputMessagesPerSecond: Math.round(throughput),
      cpuSeconds: { workers: +workerCpu.toFixed(2), producer: +producerCpu.toFixed(2) },
      messagesPerWorkerCpuSecond: Math.round(MESSAGES / workerCpu),
      latencyAt1000PerSecond: { samples: latencies.length, of: sent.size, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: latencies.at(-1) },
      peakRssMb: { producer: +producerRss.toFixed(1), workers: rss.map((x) => +x.toFixed(1)) },
      roles: ROLES,
      batchSize: BATCH,
      loadAverage: { start: +load0[0]!.toFixed(2), end: +loadavg()[0]!.toFixed(2) },
    };
    process.stdout.write(`pipeline throughput: ${out.throughputMessagesPerSecond} messages/s end to end (${MESSAGES} messages, ${WORKERS} worker processes; target >= 20000)\n`);
    process.stdout.write(`pipeline cost: ${out.messagesPerWorkerCpuSecond} messages per worker CPU-second (workers used ${out.cpuSeconds.workers} s CPU, producer ${out.cpuSeconds.producer} s)\n`);
    process.stdout.write(`pipeline latency at 1000 messages/s: p50 ${out.latencyAt1000PerSecond.p50Ms} ms, p99 ${out.latencyAt1000PerSecond.p99Ms} ms (target p99 < 500 ms)\n`);
    process.stdout.write(`peak RSS: producer ${out.peakRssMb.producer} MB, workers ${out.peakRssMb.workers.join(' / ')} MB (target < 300 MB per process)\n`);
    process.stdout.write(`load average (1 min) ${out.loadAverage.start} at start, ${out.loadAverage.end} at end (${WORKERS} worker processes, roles ${ROLES}, batch ${BATCH})\n`);
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await producer.close();
    const r = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
    r.disconnect();
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
