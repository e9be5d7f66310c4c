/**
 * The scan stage for a batch of chunks (one scan job): every chunk is scanned in memory with
 * `scanChunk` (detect → fingerprint → mask → profile → liveness → score → seal), then the batch's
 * observations are stored with ONE `upsertMany` per 1000 observations — one transaction, one commit
 * (fsync) per batch instead of one per match.
 *
 * Contract:
 * - The outcome list has one entry per chunk, in input order: the chunk's results (fingerprint,
 *   change, version, severity — exactly what single `upsert`s in chunk order would have reported),
 *   or the error that makes that chunk poison. A poison chunk never costs the others their results.
 * - Throws (the caller retries the WHOLE batch) only when the store itself fails with a retryable
 *   error (`STORE_UNAVAILABLE`, …). Upserts are idempotent, so a re-run after a crash stores nothing
 *   twice; its results then say `unchanged`, and the caller acts on every touched finding again
 *   (act's claim keys make that harmless).
 * - A group the store refuses for any other reason (`PAYLOAD_INVALID`: an observation it cannot
 *   store; `INTERNAL`: something unexpected) is stored again chunk by chunk, so only the chunk(s)
 *   it came from become poison (the runner retries those alone, then keeps them as failed).
 */
import { isTokenradiusError, wrapError, type TokenradiusError } from '../core/errors.js';
import type { Chunk, FindingObservation, UpsertResult } from '../core/types.js';
import { scanChunk, type ScanChunkResult, type ScanDeps } from './scan-chunk.js';

/** Where a batch's observations go: the findings store (`FindingStore.upsertMany`). */
export interface BatchSink {
  /** At most `MAX_UPSERT_BATCH` observations; all or nothing; results in input order. */
  upsertMany(observations: readonly FindingObservation[]): Promise<UpsertResult[]>;
}

/** One chunk's outcome: its scan result (stored), or why it is poison. */
export type ChunkOutcome = { chunk: Chunk; result: ScanChunkResult; error?: undefined } | { chunk: Chunk; result?: undefined; error: TokenradiusError };

/** `upsertMany` takes at most this many observations per call (one transaction each). */
export const MAX_UPSERT_BATCH = 1000;

/** Until the store answers, results carry this placeholder (never returned to callers). */
const PENDING: UpsertResult = { change: 'unchanged', version: 0 };

interface Scanned {
  chunk: Chunk;
  result?: ScanChunkResult;
  error?: TokenradiusError;
  observations: FindingObservation[];
}

function asError(e: unknown): TokenradiusError {
  return isTokenradiusError(e) ? e : wrapError('INTERNAL', 'unexpected error while scanning a chunk', e);
}

/**
 * Store failures that concern every chunk alike (the database is down, busy, restarting, full, or
 * asks us to wait): the whole batch is retried. Anything else (a value it refuses, an unexpected
 * error) may be one chunk's doing, so the group is stored again chunk by chunk to find it — as
 * one-chunk-at-a-time scanning isolated it before batches.
 */
function retryable(e: TokenradiusError): boolean {
  return e.code === 'STORE_UNAVAILABLE' || e.code === 'STORE_READ_ONLY' || e.code === 'QUEUE_UNAVAILABLE' || typeof e.retry === 'object';
}

/**
 * Groups of whole chunks with at most `max` observations each (a chunk with more than `max` matches
 * is split over several groups of its own).
 */
function groups(items: Scanned[], max: number): Scanned[][] {
  const out: Scanned[][] = [];
  let cur: Scanned[] = [];
  let n = 0;
  for (const it of items) {
    const k = it.observations.length;
    if (k === 0) continue;
    if (cur.length > 0 && n + k > max) {
      out.push(cur);
      cur = [];
      n = 0;
    }
    cur.push(it);
    n += k;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

async function store(sink: BatchSink, group: Scanned[], max: number): Promise<void> {
  const observations = group.flatMap((g) => g.observations);
  const results: UpsertResult[] = [];
  for (let i = 0; i < observations.length; i += max) results.push(...(await sink.upsertMany(observations.slice(i, i + max))));
  let k = 0;
  for (const g of group) {
    for (const m of g.result!.matches) {
      const r = results[k++]!;
      m.change = r.change;
      m.version = r.version;
    }
  }
}

export async function scanBatch(chunks: readonly Chunk[], deps: ScanDeps, sink: BatchSink, now: Date, opts: { maxPerUpsert?: number } = {}): Promise<ChunkOutcome[]> {
  const max = Math.max(1, Math.min(opts.maxPerUpsert ?? MAX_UPSERT_BATCH, MAX_UPSERT_BATCH));
  const scanned: Scanned[] = [];
  // One collecting sink for the whole batch: scanChunk hands it each observation in match order and
  // gets a placeholder back; the real change/version is filled in once the batch is stored.
  let current: FindingObservation[] = [];
  const collect: ScanDeps = {
    ...deps,
    sink: {
      upsert(o) {
        current.push(o);
        return Promise.resolve(PENDING);
      },
    },
  };
  for (const chunk of chunks) {
    current = [];
    try {
      const result = await scanChunk(chunk, collect, now);
      scanned.push({ chunk, result, observations: current });
    } catch (e) {
      scanned.push({ chunk, error: asError(e), observations: [] });
    }
  }

  for (const group of groups(scanned, max)) {
    try {
      await store(sink, group, max);
    } catch (e) {
      const err = asError(e);
      if (retryable(err)) throw err;
      // Not an outage: find the chunk(s) the store cannot take, one transaction per chunk.
      for (const g of group) {
        try {
          await store(sink, [g], max);
        } catch (e2) {
          const err2 = asError(e2);
          if (retryable(err2)) throw err2;
          g.error = err2;
          delete g.result;
        }
      }
    }
  }
  return scanned.map((s) => (s.error ? { chunk: s.chunk, error: s.error } : { chunk: s.chunk, result: s.result! }));
}
