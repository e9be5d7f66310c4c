/**
 * Webhook ingress under load (issue 8; measured, not asserted): signed Slack Events API deliveries
 * to `POST /webhooks/slack/events` on 127.0.0.1, each message carrying its own planted token.
 *
 * 1. Rising rates (`LOAD_RATES`, events/s, each for `LOAD_STEP_SECONDS`): for each step the p50 /
 *    p99 / max response time, non-200 answers, and whether every event's token was stored
 *    (nothing lost). Prints the highest rate sustained with p99 < 200 ms and nothing lost; stops at
 *    the first step that fails.
 * 2. Soak (`LOAD_SOAK_SECONDS`, default 600; 0 skips it) at `LOAD_SOAK_RATE` (default: half the
 *    highest sustained rate): the server's RSS sampled every 10 s, its growth from the first sample
 *    after warm-up to the end, and again nothing lost.
 *
 * Processes: THIS process is the server (`startService`: HTTP ingress; with Redis, the queue
 * producer); `LOAD_WORKERS` worker processes of the built CLI scan and store (`worker --role
 * scan,act`); the load generator is a second process (this file with `generate`), open-loop (it
 * sends on schedule whatever the answers), keep-alive connections.
 *
 *   npm run build && node dist/bench/load.js        # BullMQ + PostgreSQL (REDIS_URL, DATABASE_URL)
 *   LOAD_MODE=inline node dist/bench/load.js        # no Redis: inline runner on embedded PGlite
 *
 * Every request loop is bounded in count and time and targets 127.0.0.1 only. A random queue
 * prefix and a fresh schema are used and removed afterwards.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';

const root = resolve(import.meta.dirname, '../..');
const CLI = join(root, 'dist/src/cli/main.js');
const SELF = fileURLToPath(import.meta.url);
const SIGNING = `load-${randomBytes(8).toString('hex')}`;

interface StepPlan {
  url: string;
  /** The Slack signing secret (made by the server process). */
  secret: string;
  rate: number;
  seconds: number;
  run: string;
}
interface StepResult {
  rate: number;
  sent: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
  /** Fingerprints of the tokens planted in the events that were answered 200. */
  fingerprints: string[];
}

// ------------------------------------------------------------------------------------------------
// The load generator (child process)

function b64(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

/** A JWT-shaped token with a random signature from an untrusted issuer (no network at scan time). */
function plantToken(run: string, i: number): string {
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss: 'https://idp.load.test/', sub: `load-${run}-${i}`, exp: Math.floor(Date.now() / 1000) + 7200, jti: randomBytes(6).toString('hex') })}.${randomBytes(96).toString('base64url')}`;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function generate(plan: StepPlan): Promise<StepResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(plan.url);
  const total = Math.round(plan.rate * plan.seconds);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const fingerprints: string[] = [];
  let ok = 0;
  let errors = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();

  const one = (i: number): Promise<void> =>
    new Promise((done) => {
      const tok = plantToken(plan.run, i);
      const ts = `${Math.floor(Date.now() / 1000)}.${String(i % 1_000_000).padStart(6, '0')}`;
      const body = JSON.stringify({
        token: 'unused',
        team_id: 'T0LOAD',
        api_app_id: 'A0LOAD',
        type: 'event_callback',
        event_id: `Ev${plan.run}${i}`,
        event_time: Math.floor(Date.now() / 1000),
        event: { type: 'message', channel: `C0LOAD${i % 8}`, channel_type: 'channel', user: 'U0LOAD', ts, text: `deploy ${i} done, use Authorization: Bearer ${tok} for the smoke test` },
      });
      const now = Math.floor(Date.now() / 1000);
      const sig = `v0=${createHmac('sha256', plan.secret).update(`v0:${now}:${body}`).digest('hex')}`;
      const t0 = performance.now();
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-slack-request-timestamp': String(now), 'x-slack-signature': sig } },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - t0);
            statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
            if (res.statusCode === 200) {
              ok++;
              fingerprints.push(`sha256:${createHash('sha256').update(tok, 'utf8').digest('hex')}`);
            }
            done();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy());
      req.on('error', () => {
        errors++;
        latencies.push(performance.now() - t0);
        done();
      });
      req.end(body);
    });

  // Open loop: every 5 ms send what the schedule says is due by now.
  await new Promise<void>((resolveAll) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * plan.rate));
      while (sent < due) {
        const p = one(sent++);
        inFlight.add(p);
        void p.then(() => inFlight.delete(p));
      }
      if (sent >= total) {
        clearInterval(timer);
        resolveAll();
      }
    }, 5);
  });
  await Promise.all(inFlight);
  agent.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  return { rate: plan.rate, sent, ok, errors, statuses, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? 0, fingerprints };
}

// ------------------------------------------------------------------------------------------------
// The server side (main process)

const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);

async function main(): Promise<void> {
  const inline = process.env.LOAD_MODE === 'inline';
  const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const rates = (process.env.LOAD_RATES ?? '25,50,100,200,400,800,1600,3200').split(',').map(Number).filter((n) => n > 0);
  const stepSeconds = num('LOAD_STEP_SECONDS', 15);
  const soakSeconds = num('LOAD_SOAK_SECONDS', 600);
  const workersWanted = inline ? 0 : num('LOAD_WORKERS', 1);
  const drainSeconds = num('LOAD_DRAIN_SECONDS', 120);
  const run = randomBytes(3).toString('hex');
  const prefix = `trload_${run}`;
  const schema = `trload_${run}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tr-load-'));

  const { resolveConfig } = await import('../src/config/load.js');
  const { SealingKey } = await import('../src/core/secrets.js');
  const { silentLogger } = await import('../src/observe/logger.js');
  const { createMetrics } = await import('../src/observe/metrics.js');
  const { startService } = await import('../src/pipeline/service.js');

  const key = SealingKey.generate();
  const config = {
    dataDir,
    queue: { prefix, batchSize: 100 },
    store: { schema },
    server: { port: 0 },
    sources: [{ id: 'slack-main', type: 'slack', tokenEnv: 'LOAD_SLACK_TOKEN', signingSecretEnv: 'LOAD_SLACK_SIGNING', apiUrl: 'http://127.0.0.1:9/api/' }],
  };
  const env: Record<string, string> = {
    ...(inline ? {} : { REDIS_URL, DATABASE_URL }),
    TOKENRADIUS_SEALING_KEY: key.exportHex(),
    LOAD_SLACK_TOKEN: 'xoxb-load-test-unused',
    LOAD_SLACK_SIGNING: SIGNING,
  };
  const loaded = resolveConfig(config, env);
  const service = await startService(loaded, { http: true, port: 0, roles: inline ? ['scan', 'act'] : [], deps: { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) } });
  const url = `${service.url}/webhooks/slack/events`;
  const store = service.deps.store;

  const cfgFile = join(dataDir, 'load.json');
  writeFileSync(cfgFile, JSON.stringify(config));
  const workers: ChildProcess[] = [];
  for (let i = 0; i < workersWanted; i++) {
    workers.push(spawn(process.execPath, [CLI, 'worker', '--role', 'scan,act', '--config', cfgFile], { env: { ...process.env, ...env, TOKENRADIUS_CONFIG: '', TOKENRADIUS_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] }));
  }
  const generator = fork(SELF, ['generate'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const step = (p: Omit<StepPlan, 'secret'>, plan: StepPlan = { ...p, secret: SIGNING }) =>
    new Promise<StepResult>((res, rej) => {
      const onExit = (c: number | null) => rej(new Error(`generator exited (${c})`));
      generator.once('exit', onExit);
      generator.once('message', (m) => {
        generator.off('exit', onExit);
        res(m as StepResult);
      });
      generator.send(plan);
    });

  /** How many of `fps` are not stored after waiting up to `drainSeconds`. */
  const lost = async (fps: string[]): Promise<number> => {
    let missing = fps;
    const until = Date.now() + drainSeconds * 1000;
    while (missing.length > 0 && Date.now() < until) {
      const still: string[] = [];
      for (let i = 0; i < missing.length; i += 64) {
        const slice = missing.slice(i, i + 64);
        const found = await Promise.all(slice.map((fp) => store.getFinding(fp, { occurrenceLimit: 1 })));
        slice.forEach((fp, j) => {
          if (!found[j]) still.push(fp);
        });
      }
      missing = still;
      if (missing.length > 0) await new Promise((r) => setTimeout(r, 500));
    }
    return missing.length;
  };

  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(`load: mode=${inline ? 'inline+PGlite' : `BullMQ+PostgreSQL, ${workersWanted} worker process(es)`}, steps of ${stepSeconds} s, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('rate/s   sent    200   other  p50        p99        max        lost');
  let best = 0;
  try {
    // Warm-up (JIT, connections, first migrations): not counted.
    await step({ url, rate: 20, seconds: 3, run: `${run}w` });
    for (const rate of rates) {
      const r = await step({ url, rate, seconds: stepSeconds, run: `${run}r${rate}` });
      const missing = await lost(r.fingerprints);
      const other = r.sent - r.ok;
      const pass = r.p99 < 200 && other === 0 && missing === 0;
      console.log(`${String(rate).padEnd(8)} ${String(r.sent).padEnd(7)} ${String(r.ok).padEnd(6)} ${String(other).padEnd(6)} ${ms(r.p50).padEnd(10)} ${ms(r.p99).padEnd(10)} ${ms(r.max).padEnd(10)} ${missing}${pass ? '' : '   <- fails'}${other ? ` ${JSON.stringify(r.statuses)}` : ''}`);
      if (!pass) break;
      best = rate;
    }
    console.log(`highest rate sustained with p99 < 200 ms and nothing lost: ${best > 0 ? `${best} events/s` : 'none of the steps'}`);

    if (soakSeconds > 0 && best > 0) {
      const rate = num('LOAD_SOAK_RATE', Math.max(1, Math.floor(best / 2)));
      console.log(`soak: ${soakSeconds} s at ${rate} events/s; server RSS every 10 s`);
      const samples: Array<{ t: number; rss: number }> = [];
      const t0 = Date.now();
      const sampler = setInterval(() => samples.push({ t: Math.round((Date.now() - t0) / 1000), rss: process.memoryUsage().rss }), 10_000);
      const fps: string[] = [];
      let slowest = 0;
      let failed = 0;
      // In 60 s slices so the generator's own memory stays flat too.
      for (let done = 0; done < soakSeconds; done += 60) {
        const r = await step({ url, rate, seconds: Math.min(60, soakSeconds - done), run: `${run}s${done}` });
        fps.push(...r.fingerprints);
        slowest = Math.max(slowest, r.p99);
        failed += r.sent - r.ok;
      }
      clearInterval(sampler);
      const missing = await lost(fps);
      const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
      const afterWarmup = samples.find((s) => s.t >= 60) ?? samples[0];
      const last = samples[samples.length - 1];
      console.log(`soak RSS MB (t s → MB): ${samples.map((s) => `${s.t}→${mb(s.rss)}`).join(' ')}`);
      if (afterWarmup && last) {
        const growth = last.rss - afterWarmup.rss;
        console.log(
          `soak: ${fps.length} events stored of ${fps.length + failed} sent, lost ${missing}, worst 1-minute p99 ${ms(slowest)}; RSS ${mb(afterWarmup.rss)} MB at ${afterWarmup.t} s → ${mb(last.rss)} MB at ${last.t} s (growth ${mb(growth)} MB, ${((growth / afterWarmup.rss) * 100).toFixed(1)} %), max ${mb(Math.max(...samples.map((s) => s.rss)))} MB`,
        );
      }
    }
  } finally {
    generator.kill();
    for (const w of workers) w.kill('SIGTERM');
    await service.close().catch(() => undefined);
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    if (!inline) {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'generate') {
  process.on('message', (plan) => {
    void generate(plan as StepPlan).then((r) => process.send!(r));
  });
  process.on('disconnect', () => process.exit(0));
} else {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`load: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      process.exit(2);
    },
  );
}
