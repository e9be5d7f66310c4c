/**
 * Scanning one batch of work: the code a worker thread runs, and the main thread too (it scans
 * batches itself whenever every worker is busy, and everything with `--workers 0`). Never throws
 * for bad input: unreadable, binary or oversized files become notices, failing matches become
 * typed errors.
 *
 * Files are read and scanned chunk by chunk (`fileChunksSync`): a large file never sits in memory
 * whole, and the read buffer is reused from file to file.
 */
import type { Chunk, FindingSink } from '../../core/types.js';
import { compactObservation, type CompactObservation } from '../../pipeline/aggregate.js';
import { isTokenradiusError, wrapError } from '../../core/errors.js';
import { scanChunk, type ScanDeps } from '../../pipeline/scan-chunk.js';
import { fileChunksSync, type FileReadStatus } from '../../sources/files/read.js';
import { itemCount, type BatchResult, type WorkItem } from './protocol.js';

/** A sink that only collects (compacted): the main thread's aggregator decides what is new. */
export function createCollectingSink(): FindingSink & { drain(): CompactObservation[] } {
  let buf: CompactObservation[] = [];
  return {
    async upsert(o) {
      buf.push(compactObservation(o));
      return { change: 'new', version: 1 };
    },
    drain() {
      const out = buf;
      buf = [];
      return out;
    },
  };
}

export interface BatchRun {
  result: BatchResult;
  /** Index of the first file or chunk of the batch not scanned (its count when all were). */
  next: number;
}

export interface BatchScanner {
  /**
   * Scan `item` from its `from`-th file or chunk on. With `budgetMs`, stop at the first file or
   * chunk boundary after that much time (the main thread keeps its event loop responsive so idle
   * workers get the rest); without it, scan to the end.
   */
  run(item: WorkItem, from?: number, budgetMs?: number): Promise<BatchRun>;
}

export function emptyResult(): BatchResult {
  return { observations: [], notices: [], errors: [], files: 0, chunks: 0, bytes: 0, skipped: 0 };
}

/** `makeDeps(sink)` builds the scan deps once around a collecting sink; `now` is the scan's shared clock. */
export function createBatchScanner(makeDeps: (sink: FindingSink) => ScanDeps, now: Date): BatchScanner {
  const sink = createCollectingSink();
  const deps = makeDeps(sink);

  const scanOne = async (chunk: Chunk, result: BatchResult): Promise<void> => {
    result.chunks += 1;
    try {
      const r = await scanChunk(chunk, deps, now);
      for (const e of r.errors) result.errors.push(e);
    } catch (e) {
      const err = isTokenradiusError(e) ? e : wrapError('INTERNAL', 'scanning a chunk failed', e);
      result.errors.push({ code: err.code, message: err.message });
    }
  };

  return {
    async run(item, from = 0, budgetMs) {
      const result = emptyResult();
      const n = itemCount(item);
      const deadline = budgetMs === undefined ? Infinity : performance.now() + budgetMs;
      let i = Math.max(0, from);
      if (item.kind === 'files') {
        const ro = item.readOptions;
        const source = ro.source ?? 'files';
        while (i < n) {
          const path = item.paths[i++]!;
          const status: FileReadStatus = { bytes: 0 };
          for (const chunk of fileChunksSync(path, ro, status)) await scanOne(chunk, result);
          const skip = status.skipped;
          if (skip) {
            result.skipped += 1;
            result.notices.push({ level: 'skip', reason: skip.reason, source, path, message: skip.message, ...(skip.code ? { code: skip.code } : {}) });
          } else {
            result.files += 1;
            result.bytes += status.bytes;
          }
          if (deadline !== Infinity && performance.now() >= deadline) break;
        }
      } else {
        while (i < n) {
          const c = item.chunks[i++]!;
          result.bytes += Buffer.byteLength(c.text, 'utf8');
          await scanOne(c, result);
          if (deadline !== Infinity && performance.now() >= deadline) break;
        }
      }
      result.observations = sink.drain();
      return { result, next: i };
    },
  };
}
