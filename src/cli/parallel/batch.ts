/**
 * Scanning one batch of work: the code a worker thread runs, and the main thread too when the scan
 * runs without workers (`--workers 0`, tests). Never throws for bad input: unreadable, binary or
 * oversized files become notices, failing matches become typed errors.
 */
import type { Chunk, FindingSink } from '../../core/types.js';
import { compactObservation, type CompactObservation } from '../../pipeline/aggregate.js';
import { isTokenradiusError, wrapError } from '../../core/errors.js';
import { scanChunk, type ScanDeps } from '../../pipeline/scan-chunk.js';
import { readFileSync } from '../../sources/files/read.js';
import type { SourceNotice } from '../../sources/options.js';
import type { BatchResult, WorkItem } from './protocol.js';

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

export interface BatchScanner {
  run(item: WorkItem): Promise<BatchResult>;
}

/** `makeDeps(sink)` builds the scan deps once around a collecting sink; `now` is the scan's shared clock. */
export function createBatchScanner(makeDeps: (sink: FindingSink) => ScanDeps, now: Date): BatchScanner {
  const sink = createCollectingSink();
  const deps = makeDeps(sink);
  return {
    async run(item) {
      const result: BatchResult = { observations: [], notices: [], errors: [], files: 0, chunks: 0, bytes: 0, skipped: 0 };
      const onNotice = (n: SourceNotice) => {
        result.notices.push(n);
      };
      const scanAll = async (chunks: Iterable<Chunk>) => {
        for (const chunk of chunks) {
          result.chunks += 1;
          try {
            const r = await scanChunk(chunk, deps, now);
            for (const e of r.errors) result.errors.push(e);
          } catch (e) {
            const err = isTokenradiusError(e) ? e : wrapError('INTERNAL', 'scanning a chunk failed', e);
            result.errors.push({ code: err.code, message: err.message });
          }
        }
      };
      if (item.kind === 'files') {
        const readOptions = item.readOptions;
        for (const f of item.files) {
          const r = readFileSync(f.path, { ...readOptions, ...(f.displayPath ? { displayPath: f.displayPath } : {}) });
          if (r.skipped) {
            result.skipped += 1;
            onNotice({
              level: 'skip',
              reason: r.skipped.reason,
              source: readOptions.source ?? 'files',
              path: f.displayPath ?? f.path,
              message: r.skipped.message,
              ...(r.skipped.code ? { code: r.skipped.code } : {}),
            });
            continue;
          }
          result.files += 1;
          result.bytes += r.bytes;
          await scanAll(r.chunks);
        }
      } else {
        for (const c of item.chunks) result.bytes += Buffer.byteLength(c.text, 'utf8');
        await scanAll(item.chunks);
      }
      result.observations = sink.drain();
      return result;
    },
  };
}
