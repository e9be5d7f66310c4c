/**
 * Messages between the scan command's main thread and its worker threads.
 *
 * Work goes out as batches — file paths (the worker reads and scans them itself, so file text
 * never crosses threads) or ready chunks from sources that must be read in order on the main
 * thread (git history, exports, stdin). Results come back as observations: fingerprints, redacted
 * previews and masked claims only — never a raw token (the CLI sets no sealing key).
 */
import type { Chunk } from '../../core/types.js';
import type { CompactObservation } from '../../pipeline/aggregate.js';
import type { Config } from '../../config/schema.js';
import type { SourceNotice } from '../../sources/options.js';
import type { ReadFileOptions } from '../../sources/files/read.js';
import type { ScanError } from '../../pipeline/scan-chunk.js';

/**
 * A batch of work. Files go as paths only (the worker opens, sizes, reads and scans them); a path
 * is also the one shown in locators. Chunks come from sources read in order on the main thread.
 */
export type WorkItem =
  | { kind: 'files'; paths: string[]; readOptions: Omit<ReadFileOptions, 'displayPath'> }
  | { kind: 'chunks'; chunks: Chunk[] };

/** Number of files or chunks in a batch. */
export function itemCount(item: WorkItem): number {
  return item.kind === 'files' ? item.paths.length : item.chunks.length;
}

/** The batch from its `from`-th file or chunk on (the part of a batch not yet scanned). */
export function itemRest(item: WorkItem, from: number): WorkItem {
  return item.kind === 'files' ? { kind: 'files', paths: item.paths.slice(from), readOptions: item.readOptions } : { kind: 'chunks', chunks: item.chunks.slice(from) };
}

export interface BatchStats {
  /** Files read (not skipped). */
  files: number;
  chunks: number;
  bytes: number;
  skipped: number;
}

export interface BatchResult extends BatchStats {
  /** Serialised by the worker (see `CompactObservation`): the main thread stores them as they are. */
  observations: CompactObservation[];
  notices: SourceNotice[];
  errors: ScanError[];
}

/** `workerData` of a scan worker. Plain data (structured clone). */
export interface WorkerInit {
  config: Config;
  /** The scan's clock, shared by every thread so all observations carry the same time. */
  now: string;
}

export type ToWorker = { type: 'work'; id: number; item: WorkItem };
export type FromWorker = { type: 'ready' } | { type: 'done'; id: number; result: BatchResult } | { type: 'failed'; id: number; code: string; message: string };
