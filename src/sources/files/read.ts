/**
 * Reads one file into chunks: binary files and files over `maxFileBytes` are skipped, invalid
 * UTF-8 becomes U+FFFD (never an exception), UTF-16 files with a byte-order mark are decoded, and
 * large files are streamed block by block through the line-aligned chunker.
 *
 * Both an async and a sync variant: the scan command's worker threads call the sync one (a worker
 * has nothing else to do while it reads), the `files` Source uses the async one. Options are plain
 * data so they can be posted to a worker.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ErrorCode } from '../../core/errors.js';
import type { Chunk } from '../../core/types.js';
import type { NoticeHandler, SourceNoticeReason } from '../options.js';
import { createDecoder, SNIFF_BYTES, textEncodingOf, type StreamDecoder } from './binary.js';
import { chunkId, TextChunker, type TextPiece } from './chunker.js';

export interface ReadFileOptions {
  maxFileBytes: number;
  chunkBytes: number;
  chunkOverlapBytes: number;
  /** Path shown in locators (default: the path read). */
  displayPath?: string;
  /** `Chunk.source` (default `files`). */
  source?: string;
}

export interface FileSkip {
  reason: Extract<SourceNoticeReason, 'binary' | 'too-large' | 'unreadable'>;
  message: string;
  code?: ErrorCode;
}

export interface FileReadResult {
  chunks: Chunk[];
  /** Bytes read from disk. */
  bytes: number;
  skipped?: FileSkip;
}

const MIN_BLOCK = 64 * 1024;

// One read buffer per thread for the sync reader (a sync call cannot interleave with another):
// a fresh megabyte per file would sit outside the JS heap until a GC notices it.
let sharedBlock: Buffer | undefined;
function syncBlock(size: number): Buffer {
  if (!sharedBlock || sharedBlock.length < size) sharedBlock = Buffer.allocUnsafe(size);
  return sharedBlock;
}

/** Turns the bytes of one file into chunks. Fed block by block; decoding is streaming so a character split across blocks survives. */
class FileChunkBuilder {
  readonly #opts: ReadFileOptions;
  readonly #path: string;
  readonly #version: string;
  #decoder: StreamDecoder | undefined;
  #chunker: TextChunker;
  readonly chunks: Chunk[] = [];
  skipped: FileSkip | undefined;
  bytes = 0;

  constructor(path: string, opts: ReadFileOptions, version: string) {
    this.#opts = opts;
    this.#path = opts.displayPath ?? path;
    this.#version = version;
    this.#chunker = new TextChunker({ chunkChars: opts.chunkBytes, overlapChars: opts.chunkOverlapBytes });
  }

  /** Returns false when reading should stop. */
  feed(block: Uint8Array): boolean {
    if (this.#decoder === undefined) {
      const enc = textEncodingOf(block.subarray(0, SNIFF_BYTES));
      if (enc === null) {
        this.skipped = { reason: 'binary', message: 'binary file (NUL byte in the first 8 KiB)' };
        return false;
      }
      // invalid sequences become U+FFFD; the BOM is dropped so columns match editors
      this.#decoder = createDecoder(enc);
    }
    this.bytes += block.length;
    if (this.bytes > this.#opts.maxFileBytes) {
      this.skipped = { reason: 'too-large', message: `larger than maxFileBytes (${this.#opts.maxFileBytes})`, code: 'INPUT_TOO_LARGE' };
      return false;
    }
    this.#emit(this.#chunker.push(this.#decoder.write(block)));
    return true;
  }

  finish(): FileReadResult {
    if (this.skipped) return { chunks: [], bytes: this.bytes, skipped: this.skipped };
    if (this.#decoder) {
      const tail = this.#decoder.end();
      this.#emit(this.#chunker.push(tail));
    }
    this.#emit(this.#chunker.end());
    return { chunks: this.chunks, bytes: this.bytes };
  }

  #emit(pieces: TextPiece[]): void {
    for (const p of pieces) {
      this.chunks.push({
        id: chunkId('file', this.#path, this.#version, p.line, p.column),
        source: this.#opts.source ?? 'files',
        locator: { kind: 'file', path: this.#path, line: p.line, column: p.column },
        text: p.text,
      });
    }
  }
}

function unreadable(e: unknown): FileReadResult {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return { chunks: [], bytes: 0, skipped: { reason: 'unreadable', message: `cannot read${code ? ` (${code})` : ''}`, code: 'INPUT_UNREADABLE' } };
}

function tooLarge(size: number, max: number): FileReadResult {
  return { chunks: [], bytes: 0, skipped: { reason: 'too-large', message: `${size} bytes, larger than maxFileBytes (${max})`, code: 'INPUT_TOO_LARGE' } };
}

/** Read one file synchronously (for worker threads). Never throws: unreadable files come back as `skipped`. */
export function readFileSync(path: string, opts: ReadFileOptions): FileReadResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return unreadable(e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { chunks: [], bytes: 0, skipped: { reason: 'unreadable', message: 'not a regular file', code: 'INPUT_UNREADABLE' } };
    if (st.size > opts.maxFileBytes) return tooLarge(st.size, opts.maxFileBytes);
    const b = new FileChunkBuilder(path, opts, `${st.size}:${Math.trunc(st.mtimeMs)}`);
    // Small files (the common case) in one read; large ones block by block.
    const blockSize = Math.max(MIN_BLOCK, Math.min(opts.chunkBytes, st.size + 1));
    const block = syncBlock(blockSize);
    for (;;) {
      const n = readSync(fd, block, 0, blockSize, null);
      if (n === 0) break;
      if (!b.feed(block.subarray(0, n))) break;
    }
    return b.finish();
  } catch (e) {
    return unreadable(e);
  } finally {
    try {
      closeSync(fd);
    } catch {
      // already closed or gone: nothing to release
    }
  }
}

/**
 * Read one file asynchronously. Never throws: unreadable files come back as `skipped`.
 * `scratch`: a read buffer the caller reuses across sequential calls (never share one between concurrent calls).
 */
export async function readFileAsync(path: string, opts: ReadFileOptions, scratch?: Buffer): Promise<FileReadResult> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    return unreadable(e);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { chunks: [], bytes: 0, skipped: { reason: 'unreadable', message: 'not a regular file', code: 'INPUT_UNREADABLE' } };
    if (st.size > opts.maxFileBytes) return tooLarge(st.size, opts.maxFileBytes);
    const b = new FileChunkBuilder(path, opts, `${st.size}:${Math.trunc(st.mtimeMs)}`);
    const blockSize = Math.max(MIN_BLOCK, Math.min(opts.chunkBytes, st.size + 1));
    const block = scratch && scratch.length >= blockSize ? scratch : Buffer.allocUnsafe(blockSize);
    for (;;) {
      const { bytesRead } = await fh.read(block, 0, blockSize, null);
      if (bytesRead === 0) break;
      if (!b.feed(block.subarray(0, bytesRead))) break;
    }
    return b.finish();
  } catch (e) {
    return unreadable(e);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function report(path: string, opts: ReadFileOptions & { onNotice?: NoticeHandler }, r: FileReadResult): Chunk[] {
  if (r.skipped && opts.onNotice) {
    opts.onNotice({
      level: 'skip',
      reason: r.skipped.reason,
      source: opts.source ?? 'files',
      path: opts.displayPath ?? path,
      message: r.skipped.message,
      ...(r.skipped.code ? { code: r.skipped.code } : {}),
    });
  }
  return r.chunks;
}

/** The chunks of one file (empty when skipped; the reason goes to `onNotice`). */
export async function readFileChunks(path: string, opts: ReadFileOptions & { onNotice?: NoticeHandler }): Promise<Chunk[]> {
  return report(path, opts, await readFileAsync(path, opts));
}

/** Sync variant of `readFileChunks`, for worker threads. */
export function readFileChunksSync(path: string, opts: ReadFileOptions & { onNotice?: NoticeHandler }): Chunk[] {
  return report(path, opts, readFileSync(path, opts));
}
