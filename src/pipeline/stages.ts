/**
 * The contract between the stage functions and the two runners that drive them (the inline runner
 * and the BullMQ transport in `src/queue/`). "Two runners, one logic": both call the same
 * `StageHandlers`, built once by `buildDeps`, and both implement `Ingress`, the one door through
 * which webhook routes, the API and `backfill` hand work to the pipeline.
 */
import type { TokenradiusError } from '../core/errors.js';
import type { Chunk, UpsertResult } from '../core/types.js';

/** What the scan stage reports per match (never the raw token). */
export interface ChunkScanResult {
  fingerprint: string;
  change: UpsertResult['change'];
  version: number;
  severity?: string;
}

/** Input of the act stage: one version of one finding. */
export interface ActInput {
  fingerprint: string;
  version: number;
}

/** Input of a poll (backfill) run. */
export interface PollInput {
  sourceId: string;
  /** Start here instead of the stored cursor (`backfill --since`). */
  since?: string | undefined;
  reason?: 'schedule' | 'manual' | 'webhook' | undefined;
}

export interface PollRunContext {
  signal: AbortSignal;
  /** Hand a batch of chunks on; resolves once it is durably accepted (enqueued / scanned). */
  submitBatch(chunks: Chunk[]): Promise<void>;
}

/** One chunk of a scanned batch: its results, or the error that makes it poison. */
export type BatchChunkOutcome = { results: ChunkScanResult[]; error?: undefined } | { results?: undefined; error: TokenradiusError };

/** What one maintenance run removed (see `StageHandlers.maintain`). */
export interface MaintenanceResult {
  sealedTokens: number;
  deliveries: number;
  /** Stale pending revocations taken over (see `resumeStaleRevocations`). */
  resumed?: number;
}

export interface StageHandlers {
  /** Scan one chunk and store its findings. Throws only when the store fails (retry the chunk). */
  scanChunk(chunk: Chunk): Promise<ChunkScanResult[]>;
  /**
   * Scan a batch and store its findings with one store transaction (`upsertMany`). One outcome per
   * chunk, in order; a chunk that cannot be scanned or stored is an `error` outcome (poison: the
   * runner isolates or drops it) and the others keep their results. Throws only when the store is
   * unavailable: retry the whole batch (upserts are idempotent). Runners fall back to `scanChunk`
   * per chunk when a handler set has no `scanBatch`.
   */
  scanBatch?(chunks: Chunk[]): Promise<BatchChunkOutcome[]>;
  act(input: ActInput): Promise<unknown>;
  poll(input: PollInput, ctx: PollRunContext): Promise<unknown>;
  /**
   * Periodic housekeeping (`store.purgeExpired`: sealed tokens past their expiry or retention,
   * expired webhook delivery ids; then revocations left pending by a dead act worker). Run by the
   * scheduler role's maintenance job, or by the inline runner's timer. Idempotent; throws when the
   * store fails (the next run tries again).
   */
  maintain?(): Promise<MaintenanceResult>;
}

/**
 * How producers (webhook routes, the review API, `backfill`) hand work to the pipeline, whichever
 * runner is active.
 */
export interface Ingress {
  /**
   * Scan these chunks (e.g. messages from a webhook). Resolves once accepted: enqueued in Redis
   * (BullMQ) or queued in memory (inline). Throws QUEUE_UNAVAILABLE quickly when it cannot accept.
   */
  submitChunks(chunks: Chunk[]): Promise<void>;
  /** Poll a configured source now, from its stored cursor (`since` overrides it). Returns a run id. */
  requestPoll(sourceId: string, opts?: { since?: string; reason?: 'manual' | 'webhook' }): Promise<string>;
}

/** True when the act stage should look at this result (it may alert). */
export function needsAct(change: UpsertResult['change']): boolean {
  return change === 'new' || change === 'worse' || change === 'changed';
}

function chunkBytes(c: Chunk): number {
  return c.text.length * 2 + 256;
}

/**
 * Accumulates chunks into batches bounded by count and (approximate UTF-16) bytes. A chunk larger
 * than the byte bound goes alone.
 */
export class Batcher {
  #cur: Chunk[] = [];
  #bytes = 0;
  constructor(
    private readonly maxCount: number,
    private readonly maxBytes: number,
  ) {}

  /** Adds a chunk; returns the batch that is full BEFORE it, if any. */
  add(c: Chunk): Chunk[] | undefined {
    const b = chunkBytes(c);
    let full: Chunk[] | undefined;
    if (this.#cur.length > 0 && (this.#cur.length >= this.maxCount || this.#bytes + b > this.maxBytes)) full = this.flush();
    this.#cur.push(c);
    this.#bytes += b;
    return full;
  }

  get size(): number {
    return this.#cur.length;
  }

  flush(): Chunk[] {
    const out = this.#cur;
    this.#cur = [];
    this.#bytes = 0;
    return out;
  }
}

export function toBatches(chunks: readonly Chunk[], maxCount: number, maxBytes: number): Chunk[][] {
  const b = new Batcher(maxCount, maxBytes);
  const out: Chunk[][] = [];
  for (const c of chunks) {
    const full = b.add(c);
    if (full) out.push(full);
  }
  if (b.size > 0) out.push(b.flush());
  return out;
}
