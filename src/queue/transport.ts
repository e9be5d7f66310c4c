/**
 * The BullMQ transport: the poll queues (one per upstream, see `names.ts`), `scan`, `act`,
 * `maintenance` and their workers, running the same stage functions as the inline runner
 * (`StageHandlers`). Only `src/queue/` imports bullmq.
 *
 * Guarantees (each covered by an integration test):
 * - scan payloads are sealed before they reach Redis; completed jobs are removed, failed jobs are
 *   kept (bounded by `queue.keepFailed` / `keepFailedDays`);
 * - a scan job scans its whole batch in memory and stores it with one store transaction
 *   (`StageHandlers.scanBatch`), then enqueues its act jobs with one `addBulk`;
 * - a chunk that fails inside a batch is split into its own job, the rest of the batch completes;
 * - a rate-limited upstream pauses only its own poll queue;
 * - a batch re-run after a crash (stalled job) re-enqueues `act` for every finding it touches, and
 *   `act` is idempotent (claim keys), so a SIGKILL loses no alert and sends none twice;
 * - producers on request paths fail fast with QUEUE_UNAVAILABLE; workers ride out Redis restarts.
 */
import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Chunk } from '../core/types.js';
import { TokenradiusError } from '../core/errors.js';
import type { SealingKey } from '../core/secrets.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics, QueueDepthSample } from '../observe/metrics.js';
import { createScrubber, safeError, type Scrubber } from '../observe/scrub.js';
import type { QueueOptions } from './options.js';
import {
  MAINTENANCE_SCHEDULER_ID,
  POLL_QUEUES,
  QUEUE_NAMES,
  actJobId,
  isPollQueue,
  pollJobId,
  pollQueueForType,
  pollSchedulerId,
  queuesMatching,
  scanJobId,
  type PollQueueName,
  type QueueName,
} from './names.js';
import {
  ActJobDataSchema,
  PollJobDataSchema,
  openScanBatch,
  parsePayload,
  sealScanBatch,
  type ActJobData,
  type PollJobData,
  type ScanJobData,
} from './payloads.js';
import { adaptProcessor, toTokenradiusError } from './adapter.js';
import { createRedisConnection, withTimeout } from './connection.js';
import { needsAct, toBatches, type BatchChunkOutcome, type Ingress, type StageHandlers } from '../pipeline/stages.js';

export type { ChunkScanResult, Ingress, StageHandlers, PollRunContext } from '../pipeline/stages.js';

export type WorkerRole = 'poll' | 'scan' | 'act' | 'scheduler';
export const WORKER_ROLES: readonly WorkerRole[] = ['poll', 'scan', 'act', 'scheduler'];

export interface ScheduledSource {
  id: string;
  schedule?: string | undefined;
  /** Source type (`slack`, `jira`, …): picks its poll queue. Falls back to `QueueTransportOptions.sources`. */
  type?: string | undefined;
}

export interface QueueTransportOptions {
  redisUrl: string;
  options: QueueOptions;
  /** Required to enqueue or process scan jobs; admin use (`jobs failed|retry`) needs none. */
  sealingKey?: SealingKey;
  logger: Logger;
  metrics: Metrics;
  scrub?: Scrubber;
  /** See `AdapterContext.isOutage`: a failed job waits out an outage without using an attempt. */
  isOutage?: (err: TokenradiusError) => Promise<boolean>;
  /**
   * The configured sources (id and type), so that `requestPoll` puts a source's work on its own
   * upstream's poll queue. A source id not listed here goes to the generic `poll` queue.
   */
  sources?: ReadonlyArray<{ id: string; type: string }>;
}

export interface FailedJobInfo {
  queue: string;
  id: string;
  name: string;
  /** `CODE: message` as the adapter wrote it (never a token). */
  reason: string;
  attemptsMade: number;
  failedAt?: string;
  createdAt?: string;
  /** Non-secret summary of the payload: source and chunk count, fingerprint and version, source id. */
  summary: Record<string, unknown>;
}

export interface RunningWorkers {
  roles: WorkerRole[];
  close(): Promise<void>;
}

export interface SchedulerInfo {
  id: string;
  queue: QueueName;
  pattern?: string;
  /** Interval in ms (the maintenance scheduler). */
  every?: number;
  next?: number;
}

export interface QueueTransport extends Ingress {
  readonly options: QueueOptions;
  enqueueScanBatch(chunks: Chunk[], opts?: { isolated?: boolean }): Promise<string>;
  enqueueAct(inputs: ActJobData[]): Promise<void>;
  /** The poll queue a source's jobs go to (`poll` for a source this transport does not know). */
  pollQueueOf(sourceId: string): PollQueueName;
  /**
   * Start workers for the given roles in this process: `poll` consumes every poll queue, `scan`,
   * `act` their queue, `scheduler` the maintenance queue (concurrency 1).
   */
  startWorkers(roles: WorkerRole[], handlers: StageHandlers): Promise<RunningWorkers>;
  /**
   * Make the job schedulers exactly: one per scheduled source (on its poll queue), plus the
   * maintenance scheduler (every `maintenanceEveryMs`) when that is > 0. Everything else is removed
   * (sources no longer configured, a source's scheduler left on another poll queue, the maintenance
   * scheduler when not asked for). Idempotent: a second deploy with the same config changes nothing.
   */
  syncSchedulers(sources: ScheduledSource[], opts?: { maintenanceEveryMs?: number }): Promise<{ upserted: string[]; removed: string[] }>;
  /** The sources' job schedulers (with `includeMaintenance`, the maintenance scheduler too). */
  listSchedulers(opts?: { includeMaintenance?: boolean }): Promise<SchedulerInfo[]>;
  /** Failed jobs, newest first per queue; `queue: 'poll'` lists every poll queue. */
  listFailed(queue?: QueueName, limit?: number): Promise<FailedJobInfo[]>;
  /**
   * Retry one failed job by id (searching every queue unless `queue` is given; `poll` = every poll
   * queue), or all failed jobs.
   */
  retryFailed(target: { id: string } | { all: true }, queue?: QueueName): Promise<number>;
  depth(): Promise<QueueDepthSample[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Errors that say the infrastructure is down: retry the whole batch rather than isolating a chunk. */
function isInfraError(code: string): boolean {
  return code === 'STORE_UNAVAILABLE' || code === 'QUEUE_UNAVAILABLE' || code === 'STORE_READ_ONLY';
}

/** Bounds of one `addBulk` of scan jobs (one Redis MULTI). */
const ADD_BULK_JOBS = 32;
const ADD_BULK_BYTES = 16 * 1024 * 1024;

export function createQueueTransport(opts: QueueTransportOptions): QueueTransport {
  const { options, logger, metrics } = opts;
  const sealingKeyOf = (): SealingKey => {
    if (!opts.sealingKey) throw new TokenradiusError('SEAL_KEY_INVALID', 'no sealing key: this process cannot seal or open scan payloads');
    return opts.sealingKey;
  };
  const scrub = opts.scrub ?? createScrubber();
  const timeoutMs = options.producerTimeoutMs;
  const jobDefaults: JobsOptions = {
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffMs },
    removeOnComplete: true,
    removeOnFail: { count: options.keepFailed, age: options.keepFailedDays * 86_400 },
  };

  // Request-path producer: fails fast.
  const producerConn: Redis = createRedisConnection(opts.redisUrl, 'producer', { timeoutMs, name: 'tokenradius-producer' });
  const apiQueues = new Map<QueueName, Queue>();
  const queueFor = (name: QueueName, conn: Redis, map: Map<QueueName, Queue>): Queue => {
    let q = map.get(name);
    if (!q) {
      q = new Queue(name, { connection: conn, prefix: options.prefix, defaultJobOptions: jobDefaults });
      q.on('error', (e) => logger.warn({ queue: name, err: safeError(e, scrub) }, 'queue connection error'));
      map.set(name, q);
    }
    return q;
  };
  const apiQueue = (name: QueueName) => queueFor(name, producerConn, apiQueues);

  // Worker-side connection and queues (created on first startWorkers): ride out outages.
  let workerConn: Redis | undefined;
  const workerQueues = new Map<QueueName, Queue>();
  const workerQueue = (name: QueueName) => {
    workerConn ??= createRedisConnection(opts.redisUrl, 'worker', { timeoutMs, name: 'tokenradius-worker' });
    return queueFor(name, workerConn, workerQueues);
  };

  const sourceTypes = new Map((opts.sources ?? []).map((s) => [s.id, s.type]));
  const pollQueueOf = (sourceId: string): PollQueueName => pollQueueForType(sourceTypes.get(sourceId));

  function scanJob(chunks: Chunk[], isolated: boolean): { name: string; data: ScanJobData; opts: JobsOptions } {
    return { name: 'scan', data: sealScanBatch(sealingKeyOf(), chunks, { isolated }), opts: { jobId: scanJobId(chunks.map((c) => c.id)) } };
  }

  async function addScanBatch(q: Queue, chunks: Chunk[], isolated: boolean, guard: boolean): Promise<string> {
    const job = scanJob(chunks, isolated);
    const p = q.add(job.name, job.data, job.opts);
    await (guard ? withTimeout(p, timeoutMs, 'enqueue scan batch') : p);
    return job.opts.jobId!;
  }

  /**
   * Several scan jobs in one Redis round trip (`addBulk` is one MULTI). Bounded so that one call
   * never builds a huge transaction: at most ADD_BULK_JOBS jobs / ADD_BULK_BYTES of payload each.
   */
  async function addScanJobs(q: Queue, jobs: Array<ReturnType<typeof scanJob>>, guard: boolean): Promise<void> {
    let group: typeof jobs = [];
    let bytes = 0;
    const flush = async () => {
      if (group.length === 0) return;
      const p: Promise<unknown> = group.length === 1 ? q.add(group[0]!.name, group[0]!.data, group[0]!.opts) : q.addBulk(group);
      group = [];
      bytes = 0;
      await (guard ? withTimeout(p, timeoutMs, 'enqueue scan batches') : p);
    };
    for (const j of jobs) {
      if (group.length >= ADD_BULK_JOBS || (group.length > 0 && bytes + j.data.sealed.length > ADD_BULK_BYTES)) await flush();
      group.push(j);
      bytes += j.data.sealed.length;
    }
    await flush();
  }

  async function addActs(q: Queue, inputs: ActJobData[], guard: boolean): Promise<void> {
    if (inputs.length === 0) return;
    const p = q.addBulk(inputs.map((i) => ({ name: 'act', data: i, opts: { jobId: actJobId(i.fingerprint, i.version) } })));
    await (guard ? withTimeout(p, timeoutMs, 'enqueue act') : p);
  }

  async function submitBatches(q: Queue, chunks: Chunk[], guard: boolean): Promise<void> {
    await addScanJobs(q, toBatches(chunks, options.batchSize, options.batchMaxBytes).map((b) => scanJob(b, false)), guard);
  }

  function onJobError(queue: QueueName) {
    return (job: Job, err: TokenradiusError) => {
      metrics.jobsFailed.inc({ queue, code: err.code });
      logger.warn({ queue, jobId: job.id, attempt: job.attemptsMade + 1, err: safeError(err, scrub) }, 'job attempt failed');
    };
  }

  // ------------------------------------------------------------------------------------------
  // Processors

  /** Handlers without `scanBatch` (tests, plugins): chunk by chunk, same outcome shape. */
  async function scanEach(handlers: StageHandlers, chunks: Chunk[]): Promise<BatchChunkOutcome[]> {
    const out: BatchChunkOutcome[] = [];
    for (const chunk of chunks) {
      try {
        out.push({ results: await handlers.scanChunk(chunk) });
      } catch (e) {
        const err = toTokenradiusError(e);
        if (isInfraError(err.code)) throw err;
        out.push({ error: err });
      }
    }
    return out;
  }

  function scanProcessor(handlers: StageHandlers) {
    const actQueue = workerQueue('act');
    const scanQueue = workerQueue('scan');
    return async (job: Job<ScanJobData>): Promise<{ chunks: number; matches: number; isolated: number }> => {
      const started = performance.now();
      const { meta, chunks } = openScanBatch(sealingKeyOf(), job.data);
      // A re-run (stall after a crash, retry) cannot know which act jobs the earlier run enqueued:
      // enqueue act for every finding touched; act's claim keys make the repeats harmless.
      const rerun = (job.attemptsStarted ?? 0) > 1 || job.attemptsMade > 0;
      // Scan every chunk in memory, store the batch in one transaction. Throws when the store is
      // down: the whole batch is retried (idempotent upserts).
      const outcomes = handlers.scanBatch ? await handlers.scanBatch(chunks) : await scanEach(handlers, chunks);
      const acts = new Map<string, ActJobData>();
      const poison: Chunk[] = [];
      const scannedBySource = new Map<string, number>();
      let matches = 0;
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i]!;
        const o = outcomes[i];
        if (!o) throw new TokenradiusError('INTERNAL', 'the scan stage returned fewer outcomes than chunks');
        if (o.error) {
          if (chunks.length === 1 || isInfraError(o.error.code)) throw o.error;
          // Poison chunk: give it a job of its own (kept as failed if it keeps failing) and go on.
          metrics.chunksFailed.inc({ source: chunk.source, code: o.error.code });
          logger.warn({ queue: 'scan', jobId: job.id, chunkId: scrub(chunk.id), source: chunk.source, err: safeError(o.error, scrub) }, 'chunk failed; isolated into its own job');
          poison.push(chunk);
          continue;
        }
        scannedBySource.set(chunk.source, (scannedBySource.get(chunk.source) ?? 0) + 1);
        matches += o.results.length;
        for (const r of o.results) {
          metrics.findings.inc({ severity: r.severity ?? 'unknown', change: r.change });
          const worth = needsAct(r.change) || (rerun && r.change !== 'suppressed');
          if (worth) acts.set(actJobId(r.fingerprint, r.version), { fingerprint: r.fingerprint, version: r.version });
        }
      }
      if (poison.length > 0) await addScanJobs(scanQueue, poison.map((c) => scanJob([c], true)), false);
      await addActs(actQueue, [...acts.values()], false);
      // Counted once per batch and source (a labelled counter per chunk cost more than detection).
      for (const [source, n] of scannedBySource) metrics.chunksScanned.inc({ source }, n);
      metrics.stageSeconds.observe({ stage: 'scan-batch' }, (performance.now() - started) / 1000);
      if (meta.enqueuedAt) metrics.stageSeconds.observe({ stage: 'enqueue-to-stored' }, Math.max(0, Date.now() - meta.enqueuedAt) / 1000);
      return { chunks: chunks.length, matches, isolated: poison.length };
    };
  }

  function actProcessor(handlers: StageHandlers) {
    return async (job: Job<ActJobData>): Promise<unknown> => {
      const input = parsePayload(ActJobDataSchema, job.data, 'act');
      const started = performance.now();
      try {
        return await handlers.act(input);
      } finally {
        metrics.stageSeconds.observe({ stage: 'act' }, (performance.now() - started) / 1000);
      }
    };
  }

  function maintenanceProcessor(handlers: StageHandlers) {
    return async (): Promise<unknown> => {
      const started = performance.now();
      try {
        return handlers.maintain ? await handlers.maintain() : { skipped: true };
      } finally {
        metrics.stageSeconds.observe({ stage: 'maintenance' }, (performance.now() - started) / 1000);
      }
    };
  }

  const pollAborts = new Set<AbortController>();
  function pollProcessor(handlers: StageHandlers) {
    const scanQueue = workerQueue('scan');
    return async (job: Job<PollJobData>): Promise<unknown> => {
      const input = parsePayload(PollJobDataSchema, job.data, 'poll');
      const ac = new AbortController();
      pollAborts.add(ac);
      const started = performance.now();
      try {
        return await handlers.poll({ sourceId: input.sourceId, since: input.since, reason: input.reason }, {
          signal: ac.signal,
          submitBatch: async (chunks) => {
            await submitBatches(scanQueue, chunks, false);
          },
        });
      } finally {
        pollAborts.delete(ac);
        metrics.stageSeconds.observe({ stage: 'poll' }, (performance.now() - started) / 1000);
      }
    };
  }

  // ------------------------------------------------------------------------------------------

  const running = new Set<Worker>();

  const transport: QueueTransport = {
    options,

    enqueueScanBatch: (chunks, o) => addScanBatch(apiQueue('scan'), chunks, o?.isolated ?? false, true),
    enqueueAct: (inputs) => addActs(apiQueue('act'), inputs, true),
    submitChunks: (chunks) => submitBatches(apiQueue('scan'), chunks, true),
    pollQueueOf,

    async requestPoll(sourceId, o = {}) {
      const jobId = pollJobId(sourceId, `${o.reason ?? 'manual'}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
      const data: PollJobData = { sourceId, reason: o.reason ?? 'manual', ...(o.since ? { since: o.since } : {}) };
      await withTimeout(apiQueue(pollQueueOf(sourceId)).add('poll', data, { jobId }), timeoutMs, 'enqueue poll');
      return jobId;
    },

    async startWorkers(roles, handlers) {
      const started: Worker[] = [];
      const conn = (workerConn ??= createRedisConnection(opts.redisUrl, 'worker', { timeoutMs, name: 'tokenradius-worker' }));
      const make = <D>(name: QueueName, fn: (job: Job<D>) => Promise<unknown>, concurrency: number) => {
        const limiter = options.limiters[name] ?? (isPollQueue(name) ? options.limiters.poll : undefined);
        const w = new Worker(name, adaptProcessor(fn, {
            queue: workerQueue(name),
            scrub,
            onError: onJobError(name),
            ...(opts.isOutage ? { isOutage: opts.isOutage, outagePauseMs: options.backoffMs } : {}),
          }), {
          connection: conn,
          prefix: options.prefix,
          concurrency,
          lockDuration: options.lockDurationMs,
          stalledInterval: options.stalledIntervalMs,
          maxStalledCount: options.maxStalledCount,
          removeOnComplete: { count: 0 },
          removeOnFail: { count: options.keepFailed, age: options.keepFailedDays * 86_400 },
          ...(limiter ? { limiter: { max: limiter.max, duration: limiter.durationMs } } : {}),
        });
        w.on('error', (e) => logger.warn({ queue: name, err: safeError(e, scrub) }, 'worker connection error'));
        w.on('completed', () => metrics.jobsProcessed.inc({ queue: name }));
        w.on('failed', (job, _err, prev) => {
          if (job && prev === 'active' && job.finishedOn) logger.error({ queue: name, jobId: job.id, attempts: job.attemptsMade }, 'job failed for good; kept for `tokenradius jobs failed`');
        });
        w.on('stalled', (jobId) => logger.warn({ queue: name, jobId }, 'stalled job handed to another worker (its previous worker died or hung)'));
        running.add(w);
        started.push(w);
      };
      if (roles.includes('scan')) make<ScanJobData>('scan', scanProcessor(handlers), options.concurrency.scan);
      if (roles.includes('act')) make<ActJobData>('act', actProcessor(handlers), options.concurrency.act);
      // One worker per poll queue: a 429 pauses (rateLimit) only the queue of that upstream.
      if (roles.includes('poll')) for (const q of POLL_QUEUES) make<PollJobData>(q, pollProcessor(handlers), options.concurrency.poll);
      if (roles.includes('scheduler')) make('maintenance', maintenanceProcessor(handlers), 1);
      await Promise.all(started.map((w) => w.waitUntilReady()));
      logger.info({ roles, prefix: options.prefix }, 'workers started');
      return {
        roles,
        async close() {
          for (const ac of pollAborts) ac.abort();
          await Promise.all(
            started.map(async (w) => {
              await w.close();
              running.delete(w);
            }),
          );
        },
      };
    },

    async syncSchedulers(sources, o = {}) {
      const upserted: string[] = [];
      const wanted = new Set<string>();
      const key = (queue: QueueName, id: string) => `${queue}\u0000${id}`;
      for (const s of sources) {
        if (!s.schedule) continue;
        const queue = s.type ? pollQueueForType(s.type) : pollQueueOf(s.id);
        const id = pollSchedulerId(s.id);
        wanted.add(key(queue, id));
        await workerQueue(queue).upsertJobScheduler(id, { pattern: s.schedule, tz: 'UTC' }, { name: 'poll', data: { sourceId: s.id, reason: 'schedule' } satisfies PollJobData });
        upserted.push(id);
      }
      const every = o.maintenanceEveryMs ?? 0;
      if (every > 0) {
        await workerQueue('maintenance').upsertJobScheduler(MAINTENANCE_SCHEDULER_ID, { every }, { name: 'maintenance', data: {}, opts: { removeOnComplete: true, removeOnFail: { count: 100 } } });
        wanted.add(key('maintenance', MAINTENANCE_SCHEDULER_ID));
        upserted.push(MAINTENANCE_SCHEDULER_ID);
      }
      const removed: string[] = [];
      // Also sweeps schedulers left on another poll queue (a source whose type changed, or the
      // single `poll` queue of earlier versions).
      for (const queue of [...POLL_QUEUES, 'maintenance'] as const) {
        const q = workerQueue(queue);
        for (const existing of await q.getJobSchedulers(0, -1)) {
          const id = existing.key ?? existing.id;
          if (typeof id === 'string' && !wanted.has(key(queue, id))) {
            await q.removeJobScheduler(id);
            removed.push(id);
          }
        }
      }
      logger.info({ upserted, removed }, 'job schedulers synchronised');
      return { upserted, removed };
    },

    async listSchedulers(o = {}) {
      const out: SchedulerInfo[] = [];
      const queues: readonly QueueName[] = o.includeMaintenance ? [...POLL_QUEUES, 'maintenance'] : POLL_QUEUES;
      for (const queue of queues) {
        for (const s of await workerQueue(queue).getJobSchedulers(0, -1)) {
          out.push({
            id: String(s.key ?? s.id),
            queue,
            ...(s.pattern ? { pattern: s.pattern } : {}),
            ...(s.every ? { every: Number(s.every) } : {}),
            ...(s.next ? { next: s.next } : {}),
          });
        }
      }
      return out;
    },

    async listFailed(queue, limit = 100) {
      const out: FailedJobInfo[] = [];
      for (const name of queuesMatching(queue)) {
        const jobs = await withTimeout(apiQueue(name).getFailed(0, Math.max(0, limit - 1)), timeoutMs, 'list failed jobs');
        for (const j of jobs) {
          if (!j) continue;
          out.push({
            queue: name,
            id: String(j.id),
            name: j.name,
            reason: scrub(j.failedReason ?? ''),
            attemptsMade: j.attemptsMade,
            ...(j.finishedOn ? { failedAt: new Date(j.finishedOn).toISOString() } : {}),
            ...(j.timestamp ? { createdAt: new Date(j.timestamp).toISOString() } : {}),
            summary: summarise(name, j.data),
          });
        }
      }
      return out;
    },

    async retryFailed(target, queue) {
      let n = 0;
      for (const name of queuesMatching(queue)) {
        const q = apiQueue(name);
        if ('all' in target) {
          const count = await withTimeout(q.getFailedCount(), timeoutMs, 'count failed jobs');
          if (count > 0) {
            await withTimeout(q.retryJobs({ state: 'failed', count: 1000 }), timeoutMs * 4, 'retry failed jobs');
            n += count;
          }
        } else {
          const job = await withTimeout(q.getJob(target.id), timeoutMs, 'find job');
          if (!job) continue;
          const state = await job.getState();
          if (state !== 'failed') throw new TokenradiusError('CONFLICT', `job ${target.id} in queue ${name} is ${state}, not failed`);
          await withTimeout(job.retry('failed'), timeoutMs, 'retry job');
          n++;
        }
      }
      if (!('all' in target) && n === 0) throw new TokenradiusError('NOT_FOUND', `no failed job with id ${target.id}`);
      return n;
    },

    async depth() {
      // Every queue at once: the commands share one connection and one round trip's wait. The
      // maintenance scheduler always holds its next run as a delayed job: that is not backlog, so
      // its delayed count is left out (a due run shows as waiting, a failed one as failed).
      const states = (name: QueueName) => (name === 'maintenance' ? (['waiting', 'active', 'failed'] as const) : (['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const));
      const all = await withTimeout(
        Promise.all(QUEUE_NAMES.map(async (name) => ({ name, counts: await apiQueue(name).getJobCounts(...states(name)) }))),
        timeoutMs,
        'queue depth',
      );
      const out: QueueDepthSample[] = [];
      for (const { name, counts } of all) for (const [state, count] of Object.entries(counts)) out.push({ queue: name, state, count });
      return out;
    },

    async ping() {
      await withTimeout(producerConn.ping(), timeoutMs, 'ping');
    },

    async close() {
      for (const ac of pollAborts) ac.abort();
      await Promise.all([...running].map((w) => w.close().catch(() => undefined)));
      running.clear();
      await Promise.all([...apiQueues.values(), ...workerQueues.values()].map((q) => q.close().catch(() => undefined)));
      for (const c of [producerConn, workerConn]) {
        if (!c) continue;
        try {
          await c.quit();
        } catch {
          c.disconnect();
        }
      }
    },
  };
  return transport;
}

function summarise(queue: QueueName, data: unknown): Record<string, unknown> {
  if (data === null || typeof data !== 'object') return {};
  const d = data as Record<string, unknown>;
  if (queue === 'scan') return { source: d.source, chunks: d.count, ...(d.isolated ? { isolated: true } : {}) };
  if (queue === 'act') return { fingerprint: d.fingerprint, version: d.version };
  if (queue === 'maintenance') return {};
  return { sourceId: d.sourceId, reason: d.reason };
}
