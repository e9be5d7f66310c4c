/**
 * The `files` source: every text file under a folder (or one file), as line-aligned chunks with
 * `file` locators. The scan command's multi-core scanner does not call `pull`: it lists with
 * `listBatches()` on the main thread and hands the paths plus `readOptions` (plain data) to
 * worker threads, which read them with `fileChunksSync`.
 */
import type { PulledChunk, PullOptions } from '../types.js';
import type { LocalSource } from '../local.js';
import type { NoticeHandler, ScanOptions } from '../options.js';
import { readFileAsync, type ReadFileOptions } from './read.js';
import { listFileBatches, listFiles, type FileEntry, type ListFilesOptions } from './walk.js';

export interface FilesSource extends LocalSource {
  id: 'files';
  /** The files `pull` would read, already filtered by name, size and ignore rules. */
  listFiles(signal?: AbortSignal): AsyncIterable<FileEntry>;
  /**
   * The same files in batches of at most `max()` (asked before each batch), without a `stat` per
   * file when nothing needs the size: `size` may be -1, and the reader applies `maxFileBytes`.
   */
  listBatches(signal: AbortSignal | undefined, max: () => number): AsyncIterable<FileEntry[]>;
  /** Options for `readFileChunks(Sync)` of each listed path (structured-cloneable). */
  readonly readOptions: ReadFileOptions;
}

export interface FilesSourceOptions {
  onNotice?: NoticeHandler;
  /** Extra filter after every other rule (the git working-tree source keeps only files history lacks). */
  accept?: ListFilesOptions['accept'];
  /** Shown by `describe` (default: `files <target>`). */
  label?: string;
}

export function readOptionsFrom(scan: ScanOptions, source = 'files'): ReadFileOptions {
  return { maxFileBytes: scan.maxFileBytes, chunkBytes: scan.chunkBytes, chunkOverlapBytes: scan.chunkOverlapBytes, source };
}

export function createFilesSource(target: string, scan: ScanOptions, opts: FilesSourceOptions = {}): FilesSource {
  const readOptions = readOptionsFrom(scan);
  const walkOptions = (signal?: AbortSignal): ListFilesOptions => ({
    maxFileBytes: scan.maxFileBytes,
    respectGitignore: scan.respectGitignore,
    includeHidden: scan.includeHidden,
    includeNodeModules: scan.includeNodeModules,
    followSymlinks: scan.followSymlinks,
    excludePaths: scan.excludePaths,
    ...(opts.onNotice ? { onNotice: opts.onNotice } : {}),
    ...(signal ? { signal } : {}),
    ...(opts.accept ? { accept: opts.accept } : {}),
  });
  const list = (signal?: AbortSignal): AsyncIterable<FileEntry> => listFiles(target, walkOptions(signal));

  return {
    id: 'files',
    target,
    describe: opts.label ?? `files ${target}`,
    readOptions,
    listFiles: (signal) => list(signal),
    listBatches: (signal, max) => listFileBatches(target, { ...walkOptions(signal), statFiles: false }, max),
    async *pull(p: PullOptions): AsyncIterable<PulledChunk> {
      let bytes = 0;
      let items = 0;
      const scratch = Buffer.allocUnsafe(Math.max(64 * 1024, readOptions.chunkBytes));
      for await (const f of list(p.signal)) {
        if (p.signal.aborted) return;
        const r = await readFileAsync(f.path, { ...readOptions, displayPath: f.path }, scratch);
        bytes += r.bytes;
        items += 1;
        if (r.skipped) {
          opts.onNotice?.({
            level: 'skip',
            reason: r.skipped.reason,
            source: 'files',
            path: f.path,
            message: r.skipped.message,
            ...(r.skipped.code ? { code: r.skipped.code } : {}),
          });
        }
        for (const chunk of r.chunks) {
          if (p.signal.aborted) return;
          yield { chunk, cursor: '' };
        }
        p.onProgress?.({ bytes, items });
      }
    },
  };
}
