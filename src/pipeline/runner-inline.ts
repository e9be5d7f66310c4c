/**
 * The inline runner: the same stage functions as the BullMQ transport, in one process, with no
 * Redis. `serve` uses it when REDIS_URL is not set, so a fresh machine runs the whole product.
 *
 * - Ingress (webhooks): chunks are queued in memory (bounded: beyond `maxPendingChunks` it refuses
 *   with QUEUE_UNAVAILABLE, which the HTTP layer answers 503 so the sender retries) and scanned in
 *   order, in batches of up to `batchSize` stored with one store transaction each
 *   (`StageHandlers.scanBatch`); new/worse/changed findings go straight to `act`.
 * - Schedules: in-process timers per source with a cron `schedule`; one run per source and `since`
 *   at a time (a `file_shared` fetch with its own `since` is not swallowed by a running backfill).
 * - Maintenance: `handlers.maintain` (purge expired sealed tokens and delivery ids) once at start and
 *   every `maintenanceEveryMs`.
 * - Failures mirror the queue's semantics: `later` is retried with exponential backoff, `{afterMs}`
 *   waits that long, `never` is logged and dropped (there is no failed-job list inline).
 * Nothing is durable across a restart except what the store holds (findings, cursors): a restart
 * loses chunks still queued in memory, and the next poll resumes from the stored cursor.
 */
import type { Chunk } from '../core/types.js';
import { TokenradiusError, wrapError } from '../core/errors.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { safeError, fallbackScrub } from '../observe/scrub.js';
import { nextCronTime, parseCron } from './cron.js';
import { needsAct, type ChunkScanResult, type Ingress, type MaintenanceResult, type PollInput, type StageHandlers } from './stages.js';

export interface InlineRunnerOptions {
  handlers: StageHandlers;
  /** Sources with a cron `schedule` get a timer; all configured sources may be polled on request. */
  sources: ReadonlyArray<{ id: string; schedule?: string | undefined }>;
  logger: Logger;
  metrics?: Metrics;
  /** Chunks accepted but not yet scanned, at most. */
  maxPendingChunks?: number;
  /** Attempts for `later` failures (like `queue.attempts`). */
  attempts?: number;
  backoffMs?: number;
  /** Chunks scanned and stored together (one store transaction), like `queue.batchSize`. */
  batchSize?: number;
  /** Run `handlers.maintain` this often once started (and once at start); 0 or absent = never. */
  maintenanceEveryMs?: number;
}

export interface InlineRunner extends Ingress {
  /** Arm the schedule timers (and the maintenance timer). */
  start(): void;
  /** Run one poll now (coalesced with a run of the same source AND the same `since` already in progress). */
  runPoll(input: PollInput): Promise<unknown>;
  /** Run maintenance now (coalesced with a run in progress); undefined when it failed or there is none. */
  runMaintenance(): Promise<MaintenanceResult | undefined>;
  /** Resolves when no chunk is pending and no poll is running. */
  drain(): Promise<void>;
  /** Chunks accepted and not yet processed. */
  readonly pending: number;
  /** Stop timers, abort polls, finish the chunks already accepted. */
  close(): Promise<void>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export function createInlineRunner(opts: InlineRunnerOptions): InlineRunner {
  const { handlers, logger, metrics } = opts;
  const maxPending = opts.maxPendingChunks ?? 10_000;
  const attempts = opts.attempts ?? 5;
  const backoffMs = opts.backoffMs ?? 1000;
  const batchSize = Math.max(1, opts.batchSize ?? 200);
  const known = new Set(opts.sources.map((s) => s.id));
  const queue: Chunk[] = [];
  const timers = new Map<string, NodeJS.Timeout>();
  const polls = new Map<string, Promise<unknown>>();
  let maintenanceTimer: NodeJS.Timeout | undefined;
  let maintaining: Promise<MaintenanceResult | undefined> | undefined;
  const closing = new AbortController();
  let pump: Promise<void> | undefined;
  let idleWaiters: Array<() => void> = [];
  let closed = false;

  /** Run `fn` with the queue's retry semantics. Returns undefined when the work was dropped. */
  async function withRetries<T>(what: string, queueName: string, fn: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await fn();
        metrics?.jobsProcessed.inc({ queue: queueName });
        return out;
      } catch (e) {
        const err = e instanceof TokenradiusError ? e : wrapError('INTERNAL', `unexpected error in ${what}`, e);
        metrics?.jobsFailed.inc({ queue: queueName, code: err.code });
        if (typeof err.retry === 'object') {
          logger.warn({ queue: queueName, waitMs: err.retry.afterMs, err: safeError(err, fallbackScrub) }, `${what}: rate limited, waiting`);
          await sleep(err.retry.afterMs, closing.signal);
          if (closing.signal.aborted) return undefined;
          attempt--;
          continue;
        }
        if (err.retry === 'never' || attempt >= attempts || closing.signal.aborted) {
          logger.error({ queue: queueName, attempts: attempt, err: safeError(err, fallbackScrub) }, `${what} failed; dropped`);
          return undefined;
        }
        await sleep(backoffMs * 2 ** (attempt - 1), closing.signal);
      }
    }
  }

  /**
   * Act on what a scan reported. `rerun`: the scan succeeded only after a failed attempt, which may
   * have stored part of it already (those findings now say `unchanged`), so every touched finding
   * is acted on — act's claim keys make the repeats harmless, as for a re-run queue job. `done`:
   * the finding versions already acted on for this batch (one act each, as the queue's job ids give).
   */
  async function actOn(results: readonly ChunkScanResult[], rerun: boolean, done = new Set<string>()): Promise<void> {
    for (const r of results) {
      metrics?.findings.inc({ severity: r.severity ?? 'unknown', change: r.change });
      if (!needsAct(r.change) && !(rerun && r.change !== 'suppressed')) continue;
      const key = `${r.fingerprint}\u0000${r.version}`;
      if (done.has(key)) continue;
      done.add(key);
      const t = performance.now();
      await withRetries('act', 'act', () => handlers.act({ fingerprint: r.fingerprint, version: r.version }));
      metrics?.stageSeconds.observe({ stage: 'act' }, (performance.now() - t) / 1000);
    }
  }

  async function processChunk(chunk: Chunk): Promise<void> {
    const started = performance.now();
    let tries = 0;
    const results = await withRetries('scan', 'scan', () => {
      tries++;
      return handlers.scanChunk(chunk);
    });
    metrics?.stageSeconds.observe({ stage: 'scan' }, (performance.now() - started) / 1000);
    if (!results) {
      metrics?.chunksFailed.inc({ source: chunk.source, code: 'DROPPED' });
      return;
    }
    metrics?.chunksScanned.inc({ source: chunk.source });
    await actOn(results, tries > 1);
  }

  /** A batch: scanned in memory, stored in one transaction; a poison chunk goes the single-chunk way. */
  async function processBatch(chunks: Chunk[]): Promise<void> {
    const scanBatch = handlers.scanBatch?.bind(handlers);
    if (!scanBatch || chunks.length === 1) {
      for (const c of chunks) await processChunk(c);
      return;
    }
    const started = performance.now();
    let tries = 0;
    const outcomes = await withRetries('scan', 'scan', () => {
      tries++;
      return scanBatch(chunks);
    });
    metrics?.stageSeconds.observe({ stage: 'scan-batch' }, (performance.now() - started) / 1000);
    if (!outcomes) {
      for (const c of chunks) metrics?.chunksFailed.inc({ source: c.source, code: 'DROPPED' });
      return;
    }
    const done = new Set<string>();
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      const o = outcomes[i];
      // Alone, with the usual retries; dropped (logged, counted) if it fails again.
      if (!o || o.error) await processChunk(chunk);
      else {
        metrics?.chunksScanned.inc({ source: chunk.source });
        await actOn(o.results, tries > 1, done);
      }
    }
  }

  function notifyIdle(): void {
    if (queue.length === 0 && !pump && polls.size === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  }

  function ensurePump(): void {
    if (pump) return;
    pump = (async () => {
      while (queue.length > 0) await processBatch(queue.splice(0, batchSize));
    })().finally(() => {
      pump = undefined;
      if (queue.length > 0) ensurePump();
      else notifyIdle();
    });
  }

  function runPoll(input: PollInput): Promise<unknown> {
    // The same source with another `since` (a webhook's `file:<id>` fetch during a backfill) is
    // other work: it runs too. Only identical requests are coalesced.
    const key = `${input.sourceId}\u0000${input.since ?? ''}`;
    const running = polls.get(key);
    if (running) return running;
    const ac = new AbortController();
    const onClose = () => ac.abort();
    closing.signal.addEventListener('abort', onClose);
    const p = (async () => {
      const started = performance.now();
      try {
        return await handlers.poll(input, {
          signal: ac.signal,
          // Inline, "durably accepted" means scanned and stored: the cursor then moves past it.
          submitBatch: (chunks) => processBatch(chunks),
        });
      } finally {
        metrics?.stageSeconds.observe({ stage: 'poll' }, (performance.now() - started) / 1000);
        closing.signal.removeEventListener('abort', onClose);
      }
    })();
    polls.set(key, p);
    void p.catch(() => undefined).finally(() => {
      polls.delete(key);
      notifyIdle();
    });
    return p;
  }

  function runMaintenance(): Promise<MaintenanceResult | undefined> {
    const maintain = handlers.maintain?.bind(handlers);
    if (!maintain) return Promise.resolve(undefined);
    maintaining ??= (async () => {
      const started = performance.now();
      try {
        const r = await maintain();
        metrics?.jobsProcessed.inc({ queue: 'maintenance' });
        return r;
      } catch (e) {
        const err = e instanceof TokenradiusError ? e : wrapError('INTERNAL', 'unexpected error in maintenance', e);
        metrics?.jobsFailed.inc({ queue: 'maintenance', code: err.code });
        logger.warn({ err: safeError(err, fallbackScrub) }, 'maintenance failed; the next run tries again');
        return undefined;
      } finally {
        metrics?.stageSeconds.observe({ stage: 'maintenance' }, (performance.now() - started) / 1000);
        maintaining = undefined;
      }
    })();
    return maintaining;
  }

  function arm(source: { id: string; schedule: string }): void {
    const schedule = parseCron(source.schedule);
    const next = nextCronTime(schedule, new Date());
    if (!next || closed) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next.getTime() - Date.now()));
    const t = setTimeout(() => {
      timers.delete(source.id);
      if (Date.now() + 1000 >= next.getTime()) {
        runPoll({ sourceId: source.id, reason: 'schedule' }).catch((e) =>
          logger.error({ source: source.id, err: safeError(e, fallbackScrub) }, 'scheduled backfill failed'),
        );
      }
      arm(source);
    }, delay);
    t.unref();
    timers.set(source.id, t);
  }

  return {
    async submitChunks(chunks) {
      if (closed) throw new TokenradiusError('QUEUE_UNAVAILABLE', 'the pipeline is shutting down');
      if (queue.length + chunks.length > maxPending) {
        throw new TokenradiusError('QUEUE_UNAVAILABLE', `the inline pipeline is busy (${queue.length} chunks pending)`);
      }
      queue.push(...chunks);
      ensurePump();
    },
    async requestPoll(sourceId, o = {}) {
      if (!known.has(sourceId)) throw new TokenradiusError('NOT_FOUND', `no configured source with id ${sourceId}`);
      if (closed) throw new TokenradiusError('QUEUE_UNAVAILABLE', 'the pipeline is shutting down');
      runPoll({ sourceId, since: o.since, reason: o.reason ?? 'manual' }).catch((e) =>
        logger.error({ source: sourceId, err: safeError(e, fallbackScrub) }, 'backfill failed'),
      );
      return `inline-poll-${sourceId}`;
    },
    start() {
      for (const s of opts.sources) if (s.schedule) arm({ id: s.id, schedule: s.schedule });
      const every = opts.maintenanceEveryMs ?? 0;
      if (every > 0 && handlers.maintain && !maintenanceTimer && !closed) {
        // Once now (a process restarted more often than `every` still purges), then periodically.
        void runMaintenance();
        maintenanceTimer = setInterval(() => void runMaintenance(), Math.min(every, MAX_TIMER_MS));
        maintenanceTimer.unref();
      }
      logger.info({ scheduled: [...timers.keys()], maintenanceEveryMs: maintenanceTimer ? every : 0 }, 'inline runner started');
    },
    runPoll,
    runMaintenance,
    get pending() {
      return queue.length;
    },
    drain() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        notifyIdle();
      });
    },
    async close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      if (maintenanceTimer) clearInterval(maintenanceTimer);
      maintenanceTimer = undefined;
      closing.abort();
      await Promise.allSettled([...polls.values()]);
      if (pump) await pump;
      if (maintaining) await maintaining;
    },
  };
}
