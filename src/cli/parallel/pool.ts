/**
 * A pool of scan worker threads. The main thread lists files and reads ordered sources (git,
 * exports, stdin); workers read files and run the engine, which is where the CPU goes.
 *
 * - Workers start on `start()` (or the first `offer`/`submit`), not at creation: a scan with little
 *   to do never pays for an isolate loading the engine.
 * - Back-pressure: at most `perWorker` batches are queued on a worker. `offer` queues a batch only
 *   if a worker has room and says so at once (the caller can scan it itself instead); `submit`
 *   waits for room, so a fast lister never piles up memory.
 * - A worker that dies (a bug, out of memory) loses only the batch it was running: that one is
 *   reported as an error through `onResult`, a replacement worker starts and takes over the
 *   batches queued behind it, and the scan goes on.
 * - Workers that keep dying before finishing a single batch (a broken install, no memory for
 *   another isolate) are given up after `MAX_FRUITLESS_DEATHS`: the pool stops taking work
 *   (`offer` says no, so the caller scans itself) and hands back the batches still queued through
 *   `onOrphans`.
 */
import { Worker } from 'node:worker_threads';
import { itemCount, type BatchResult, type FromWorker, type ToWorker, type WorkItem, type WorkerInit } from './protocol.js';

export interface PoolOptions {
  /** Worker threads to run (at least 1). */
  size: number;
  init: WorkerInit;
  /** Batches queued per worker (2 keeps a worker busy while its next batch is posted). */
  perWorker?: number;
  onResult(result: BatchResult): void;
  /** Worker module URL (default: the compiled scan-worker next to this file). */
  workerUrl?: URL;
  /** V8 limits per worker (bounded heaps keep the RSS of N isolates down). */
  resourceLimits?: { maxYoungGenerationSizeMb?: number; maxOldGenerationSizeMb?: number };
  /** Batches queued on workers when the pool gave up on them (see the module comment); default: reported lost. */
  onOrphans?(items: WorkItem[]): void;
}

/** Deaths of workers in a row, none of which finished a batch, after which the pool gives up. */
export const MAX_FRUITLESS_DEATHS = 3;

export interface ScanPool {
  /** Start the workers (idempotent). */
  start(): void;
  /** Queue the batch on a worker with room now; false (nothing queued) when every worker is full. */
  offer(item: WorkItem): boolean;
  /** Queue the batch on a worker, waiting for room. */
  submit(item: WorkItem): Promise<void>;
  /** Batches queued or running on workers. */
  readonly inflight: number;
  /** Wait for every queued batch, then stop the workers. */
  close(): Promise<void>;
  /** Stop the workers now (error path). */
  destroy(): Promise<void>;
}

interface Slot {
  worker: Worker;
  inflight: Map<number, WorkItem>;
  /** The worker loaded and said so: from then on, a death is blamed on the batch it was running. */
  ready: boolean;
}

function lostResult(item: WorkItem, message: string): BatchResult {
  const n = itemCount(item);
  return {
    observations: [],
    notices: [],
    errors: [{ code: 'INTERNAL', message: `${message}; ${n} ${item.kind === 'files' ? 'files' : 'chunks'} of its batch were not scanned` }],
    files: 0,
    chunks: 0,
    bytes: 0,
    skipped: item.kind === 'files' ? n : 0,
  };
}

export function createScanPool(opts: PoolOptions): ScanPool {
  const perWorker = opts.perWorker ?? 2;
  const url = opts.workerUrl ?? new URL('./scan-worker.js', import.meta.url);
  const slots: Slot[] = [];
  let started = false;
  let nextId = 1;
  let closing = false;
  /** Workers that died in a row without a finished batch; past the limit the pool is broken. */
  let fruitless = 0;
  let broken = false;
  const waiters: Array<() => void> = [];
  let idleWaiters: Array<() => void> = [];

  const inflightTotal = () => slots.reduce((n, s) => n + s.inflight.size, 0);
  const wake = () => {
    while (waiters.length > 0 && (broken || slots.some((s) => s.inflight.size < perWorker))) waiters.shift()!();
    if (inflightTotal() === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  };

  const post = (slot: Slot, item: WorkItem) => {
    const id = nextId++;
    slot.inflight.set(id, item);
    slot.worker.postMessage({ type: 'work', id, item } satisfies ToWorker);
  };

  const spawn = (): Slot => {
    const worker = new Worker(url, { workerData: opts.init, ...(opts.resourceLimits ? { resourceLimits: opts.resourceLimits } : {}) });
    const slot: Slot = { worker, inflight: new Map(), ready: false };
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready') {
        slot.ready = true;
        return;
      }
      const item = slot.inflight.get(msg.id);
      slot.inflight.delete(msg.id);
      fruitless = 0;
      if (msg.type === 'done') opts.onResult(msg.result);
      else if (item) opts.onResult(lostResult(item, `a scan worker failed (${msg.code})`));
      wake();
    });
    const onGone = (why: string) => {
      const idx = slots.indexOf(slot);
      if (idx === -1) return;
      slots.splice(idx, 1);
      // A worker runs its batches in order, so the oldest in flight is the one it died on: that
      // one is reported lost; the batches queued behind it are handed to the replacement. A
      // worker that died before it was ready ran nothing: all its batches are handed on.
      const ids = [...slot.inflight.keys()].sort((a, b) => a - b);
      const culprit = slot.ready ? ids.shift() : undefined;
      if (culprit !== undefined) opts.onResult(lostResult(slot.inflight.get(culprit)!, why));
      const requeue = ids.map((id) => slot.inflight.get(id)!);
      slot.inflight.clear();
      fruitless += 1;
      if (!broken && fruitless >= MAX_FRUITLESS_DEATHS) {
        broken = true;
        for (const s of slots) {
          for (const item of s.inflight.values()) requeue.push(item);
          s.inflight.clear();
          void s.worker.terminate();
        }
        slots.length = 0;
      }
      if (!closing && !broken) {
        const fresh = spawn();
        slots.push(fresh);
        for (const item of requeue) post(fresh, item);
      } else if (broken && opts.onOrphans && requeue.length > 0) {
        opts.onOrphans(requeue);
      } else {
        for (const item of requeue) opts.onResult(lostResult(item, why));
      }
      wake();
    };
    // The error object of a crashed worker can hold anything: only its class name is kept.
    worker.on('error', (e) => onGone(`a scan worker crashed (${e instanceof Error ? e.name : 'error'})`));
    worker.on('exit', (code) => {
      if (code !== 0 || slot.inflight.size > 0) onGone(`a scan worker exited (code ${code})`);
      else {
        const idx = slots.indexOf(slot);
        if (idx !== -1) slots.splice(idx, 1);
      }
    });
    return slot;
  };

  const start = () => {
    if (started || closing || broken) return;
    started = true;
    for (let i = 0; i < Math.max(1, opts.size); i++) slots.push(spawn());
  };

  const pick = (): Slot | undefined => {
    let best: Slot | undefined;
    for (const s of slots) if (s.inflight.size < perWorker && (!best || s.inflight.size < best.inflight.size)) best = s;
    return best;
  };

  const offer = (item: WorkItem): boolean => {
    start();
    const slot = pick();
    if (!slot) return false;
    post(slot, item);
    return true;
  };

  return {
    start,
    offer,
    get inflight() {
      return inflightTotal();
    },
    async submit(item) {
      while (!offer(item)) {
        if (broken) {
          // Nobody left to run it.
          if (opts.onOrphans) opts.onOrphans([item]);
          else opts.onResult(lostResult(item, 'no scan worker could be started'));
          return;
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    async close() {
      if (inflightTotal() > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      closing = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
    async destroy() {
      closing = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
