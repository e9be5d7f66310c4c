/**
 * A pool of scan worker threads (one per core by default). The main thread lists files and reads
 * ordered sources (git, exports, stdin); workers read files and run the engine, which is where
 * the CPU goes. Back-pressure: `submit` resolves only once the batch is queued on a worker with
 * room (at most `perWorker` batches in flight each), so a fast lister never piles up memory.
 *
 * A worker that dies (a bug, out of memory) loses only the batch it was running: that one is
 * reported as an error through `onResult`, a replacement worker starts and takes over the batches
 * queued behind it, and the scan goes on.
 */
import { Worker } from 'node:worker_threads';
import type { BatchResult, FromWorker, ToWorker, WorkItem, WorkerInit } from './protocol.js';

export interface PoolOptions {
  size: number;
  init: WorkerInit;
  /** Batches queued per worker (2 keeps a worker busy while its next batch is posted). */
  perWorker?: number;
  onResult(result: BatchResult): void;
  /** Worker module URL (default: the compiled scan-worker next to this file). */
  workerUrl?: URL;
  /** V8 limits per worker (a smaller young generation keeps the RSS of N isolates down). */
  resourceLimits?: { maxYoungGenerationSizeMb?: number; maxOldGenerationSizeMb?: number };
}

export interface ScanPool {
  submit(item: WorkItem): Promise<void>;
  /** Wait for every submitted batch, then stop the workers. */
  close(): Promise<void>;
  /** Stop the workers now (error path). */
  destroy(): Promise<void>;
}

interface Slot {
  worker: Worker;
  inflight: Map<number, WorkItem>;
}

function lostResult(item: WorkItem, message: string): BatchResult {
  const n = item.kind === 'files' ? item.files.length : item.chunks.length;
  return {
    observations: [],
    notices: [],
    errors: [{ code: 'INTERNAL', message: `${message}; ${n} ${item.kind === 'files' ? 'files' : 'chunks'} of its batch were not scanned` }],
    files: 0,
    chunks: 0,
    bytes: 0,
    skipped: item.kind === 'files' ? item.files.length : 0,
  };
}

export function createScanPool(opts: PoolOptions): ScanPool {
  const perWorker = opts.perWorker ?? 2;
  const url = opts.workerUrl ?? new URL('./scan-worker.js', import.meta.url);
  const slots: Slot[] = [];
  let nextId = 1;
  let closing = false;
  const waiters: Array<() => void> = [];
  let idleWaiters: Array<() => void> = [];

  const inflightTotal = () => slots.reduce((n, s) => n + s.inflight.size, 0);
  const wake = () => {
    while (waiters.length > 0 && slots.some((s) => s.inflight.size < perWorker)) waiters.shift()!();
    if (inflightTotal() === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  };

  const spawn = (): Slot => {
    const worker = new Worker(url, { workerData: opts.init, ...(opts.resourceLimits ? { resourceLimits: opts.resourceLimits } : {}) });
    const slot: Slot = { worker, inflight: new Map() };
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready') return;
      const item = slot.inflight.get(msg.id);
      slot.inflight.delete(msg.id);
      if (msg.type === 'done') opts.onResult(msg.result);
      else if (item) opts.onResult(lostResult(item, `a scan worker failed (${msg.code})`));
      wake();
    });
    const onGone = (why: string) => {
      const idx = slots.indexOf(slot);
      if (idx === -1) return;
      slots.splice(idx, 1);
      // A worker runs its batches in order, so the oldest in flight is the one it died on: that
      // one is reported lost; the batches queued behind it are handed to the replacement.
      const ids = [...slot.inflight.keys()].sort((a, b) => a - b);
      const culprit = ids.shift();
      if (culprit !== undefined) opts.onResult(lostResult(slot.inflight.get(culprit)!, why));
      const requeue = ids.map((id) => slot.inflight.get(id)!);
      slot.inflight.clear();
      if (!closing) {
        const fresh = spawn();
        slots.push(fresh);
        for (const item of requeue) {
          const id = nextId++;
          fresh.inflight.set(id, item);
          fresh.worker.postMessage({ type: 'work', id, item } satisfies ToWorker);
        }
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

  for (let i = 0; i < Math.max(1, opts.size); i++) slots.push(spawn());

  const pick = (): Slot | undefined => {
    let best: Slot | undefined;
    for (const s of slots) if (s.inflight.size < perWorker && (!best || s.inflight.size < best.inflight.size)) best = s;
    return best;
  };

  return {
    async submit(item) {
      for (;;) {
        const slot = pick();
        if (slot) {
          const id = nextId++;
          slot.inflight.set(id, item);
          slot.worker.postMessage({ type: 'work', id, item } satisfies ToWorker);
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
