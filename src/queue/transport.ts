/**
 * The BullMQ transport: queues `poll`, `scan`, `act` and their workers, running the same stage
 * functions as the inline runner (`StageHandlers`). Only `src/queue/` imports bullmq.
 *
 * Guarantees (each covered by an integration test):
 * - scan payloads are sealed before they reach Redis; completed jobs are removed, failed jobs are
 *   kept (bounded by `queue.keepFailed` / `keepFailedDays`);
 * - a chunk that throws inside a batch is split into its own job, the rest of the batch completes;
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
import { QUEUE_NAMES, actJobId, pollJobId, pollSchedulerId, scanJobId, type QueueName } from './names.js';
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
import { needsAct, toBatches, type Ingress, type StageHandlers } from '../pipeline/stages.js';

export type { ChunkScanResult, Ingress, StageHandlers, PollRunContext } from '../pipeline/stages.js';

export type WorkerRole = 'poll' | 'scan' | 'act' | 'scheduler';
export const WORKER_ROLES: readonly WorkerRole[] = ['poll', 'scan', 'act', 'scheduler'];

export interface ScheduledSource {
  id: string;
  schedule?: string | undefined;
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

export interface QueueTransport extends Ingress {
  readonly options: QueueOptions;
  enqueueScanBatch(chunks: Chunk[], opts?: { isolated?: boolean }): Promise<string>;
  enqueueAct(inputs: ActJobData[]): Promise<void>;
  /** Start workers for the given roles in this process. */
  startWorkers(roles: WorkerRole[], handlers: StageHandlers): Promise<RunningWorkers>;
  /** Upsert one job scheduler per scheduled source; remove those of sources no longer configured. */
  syncSchedulers(sources: ScheduledSource[]): Promise<{ upserted: string[]; removed: string[] }>;
  listSchedulers(): Promise<Array<{ id: string; pattern?: string; next?: number }>>;
  listFailed(queue?: QueueName, limit?: number): Promise<FailedJobInfo[]>;
  /** Retry one failed job by id (searching every queue unless `queue` is given), or all failed jobs. */
  retryFailed(target: { id: string } | { all: true }, queue?: QueueName): Promise<number>;
  depth(): Promise<QueueDepthSample[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Errors that say the infrastructure is down: retry the whole batch rather than isolating a chunk. */
function isInfraError(code: string): boolean {
  return code === 'STORE_UNAVAILABLE' || code === 'QUEUE_UNAVAILABLE' || code === 'STORE_READ_ONLY';
}

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

  async function addScanBatch(q: Queue, chunks: Chunk[], isolated: boolean, guard: boolean): Promise<string> {
    const jobId = scanJobId(chunks.map((c) => c.id));
    const data = sealScanBatch(sealingKeyOf(), chunks, { isolated });
    const p = q.add('scan', data, { jobId });
    await (guard ? withTimeout(p, timeoutMs, 'enqueue scan batch') : p);
    return jobId;
  }

  async function addActs(q: Queue, inputs: ActJobData[], guard: boolean): Promise<void> {
    if (inputs.length === 0) return;
    const p = q.addBulk(inputs.map((i) => ({ name: 'act', data: i, opts: { jobId: actJobId(i.fingerprint, i.version) } })));
    await (guard ? withTimeout(p, timeoutMs, 'enqueue act') : p);
  }

  async function submitBatches(q: Queue, chunks: Chunk[], guard: boolean): Promise<void> {
    for (const batch of toBatches(chunks, options.batchSize, options.batchMaxBytes)) await addScanBatch(q, batch, false, guard);
  }

  function onJobError(queue: QueueName) {
    return (job: Job, err: TokenradiusError) => {
      metrics.jobsFailed.inc({ queue, code: err.code });
      logger.warn({ queue, jobId: job.id, attempt: job.attemptsMade + 1, err: safeError(err, scrub) }, 'job attempt failed');
    };
  }

  // ------------------------------------------------------------------------------------------
  // Processors

  function scanProcessor(handlers: StageHandlers) {
    const actQueue = workerQueue('act');
    const scanQueue = workerQueue('scan');
    return async (job: Job<ScanJobData>): Promise<{ chunks: number; matches: number; isolated: number }> => {
      const { meta, chunks } = openScanBatch(sealingKeyOf(), job.data);
      // A re-run (stall after a crash, retry) cannot know which act jobs the earlier run enqueued:
      // enqueue act for every finding touched; act's claim keys make the repeats harmless.
      const rerun = (job.attemptsStarted ?? 0) > 1 || job.attemptsMade > 0;
      const acts = new Map<string, ActJobData>();
      let matches = 0;
      let isolated = 0;
      for (const chunk of chunks) {
        const started = performance.now();
        try {
          const results = await handlers.scanChunk(chunk);
          matches += results.length;
          for (const r of results) {
            metrics.findings.inc({ severity: r.severity ?? 'unknown', change: r.change });
            const worth = needsAct(r.change) || (rerun && r.change !== 'suppressed');
            if (worth) acts.set(actJobId(r.fingerprint, r.version), { fingerprint: r.fingerprint, version: r.version });
          }
          metrics.chunksScanned.inc({ source: chunk.source });
        } catch (e) {
          const err = toTokenradiusError(e);
          if (chunks.length === 1 || isInfraError(err.code)) throw err;
          // Poison chunk: give it a job of its own (kept as failed if it keeps failing) and go on.
          metrics.chunksFailed.inc({ source: chunk.source, code: err.code });
          logger.warn({ queue: 'scan', jobId: job.id, chunkId: scrub(chunk.id), source: chunk.source, err: safeError(err, scrub) }, 'chunk failed; isolated into its own job');
          await addScanBatch(scanQueue, [chunk], true, false);
          isolated++;
        } finally {
          metrics.stageSeconds.observe({ stage: 'scan' }, (performance.now() - started) / 1000);
        }
      }
      await addActs(actQueue, [...acts.values()], false);
      if (meta.enqueuedAt) metrics.stageSeconds.observe({ stage: 'enqueue-to-stored' }, Math.max(0, Date.now() - meta.enqueuedAt) / 1000);
      return { chunks: chunks.length, matches, isolated };
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

    async requestPoll(sourceId, o = {}) {
      const jobId = pollJobId(sourceId, `${o.reason ?? 'manual'}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
      const data: PollJobData = { sourceId, reason: o.reason ?? 'manual', ...(o.since ? { since: o.since } : {}) };
      await withTimeout(apiQueue('poll').add('poll', data, { jobId }), timeoutMs, 'enqueue poll');
      return jobId;
    },

    async startWorkers(roles, handlers) {
      const started: Worker[] = [];
      const conn = (workerConn ??= createRedisConnection(opts.redisUrl, 'worker', { timeoutMs, name: 'tokenradius-worker' }));
      const make = <D>(name: QueueName, fn: (job: Job<D>) => Promise<unknown>, concurrency: number) => {
        const limiter = options.limiters[name];
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
      if (roles.includes('poll')) make<PollJobData>('poll', pollProcessor(handlers), options.concurrency.poll);
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

    async syncSchedulers(sources) {
      const q = workerQueue('poll');
      const upserted: string[] = [];
      const wanted = new Set<string>();
      for (const s of sources) {
        if (!s.schedule) continue;
        const id = pollSchedulerId(s.id);
        wanted.add(id);
        await q.upsertJobScheduler(id, { pattern: s.schedule, tz: 'UTC' }, { name: 'poll', data: { sourceId: s.id, reason: 'schedule' } satisfies PollJobData });
        upserted.push(id);
      }
      const removed: string[] = [];
      for (const existing of await q.getJobSchedulers(0, -1)) {
        const id = existing.key ?? existing.id;
        if (typeof id === 'string' && !wanted.has(id)) {
          await q.removeJobScheduler(id);
          removed.push(id);
        }
      }
      logger.info({ upserted, removed }, 'job schedulers synchronised');
      return { upserted, removed };
    },

    async listSchedulers() {
      const list = await workerQueue('poll').getJobSchedulers(0, -1);
      return list.map((s) => ({ id: String(s.key ?? s.id), ...(s.pattern ? { pattern: s.pattern } : {}), ...(s.next ? { next: s.next } : {}) }));
    },

    async listFailed(queue, limit = 100) {
      const out: FailedJobInfo[] = [];
      for (const name of queue ? [queue] : QUEUE_NAMES) {
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
      for (const name of queue ? [queue] : QUEUE_NAMES) {
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
      const out: QueueDepthSample[] = [];
      for (const name of QUEUE_NAMES) {
        const counts = await withTimeout(apiQueue(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'), timeoutMs, 'queue depth');
        for (const [state, count] of Object.entries(counts)) out.push({ queue: name, state, count });
      }
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
  return { sourceId: d.sourceId, reason: d.reason };
}
