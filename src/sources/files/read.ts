/**
 * Reads one file into chunks: binary files and files over `maxFileBytes` are skipped, invalid
 * UTF-8 becomes U+FFFD (never an exception), UTF-16 files with a byte-order mark are decoded, and
 * large files are streamed block by block through the line-aligned chunker.
 *
 * Variants: `fileChunksSync` yields chunks as blocks are read (the scan command's worker threads:
 * a worker has nothing else to do while it reads, and scanning each chunk as it comes keeps one
 * block of a large file in memory, not the file); `readFileSync` / `readFileAsync` collect them
 * (the `files` Source uses the async one). Options are plain data so they can be posted to a worker.
 *
 * Small files (nearly all of them) take a fast path: one read, one decode, one chunk.
 */
import { isAscii } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
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
  /**
   * What `Chunk.id` identifies. `version` (default): a hash of the path, the file's size and
   * mtime, line and column — stable across runs, what queues use as idempotent job ids. `place`:
   * `file:<path>:<line>:<column>`, for scans that keep chunks in memory (the scan command's
   * workers): no hash and no `stat` per file.
   */
  ids?: 'version' | 'place';
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

/** What `fileChunksSync` reports besides the chunks it yields. */
export interface FileReadStatus {
  bytes: number;
  skipped?: FileSkip;
}

const MIN_BLOCK = 64 * 1024;

// One read buffer per thread for the sync reader: a fresh megabyte per file would sit outside the
// JS heap until a GC notices it. Sharing it is safe even between two suspended `fileChunksSync`
// generators: a block is decoded (copied into a string) before the generator yields, so nothing
// in it is needed after a yield.
let sharedBlock: Buffer | undefined;
function syncBlock(size: number): Buffer {
  if (!sharedBlock || sharedBlock.length < size) sharedBlock = Buffer.allocUnsafe(size);
  return sharedBlock;
}

// Opening a FIFO that appeared where the walk saw a file must not block the reader for ever.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

const BINARY_SKIP: FileSkip = { reason: 'binary', message: 'binary file (NUL byte in the first 8 KiB)' };

/** Turns the bytes of one file into chunks. Fed block by block; decoding is streaming so a character split across blocks survives. */
class FileChunkBuilder {
  readonly #opts: ReadFileOptions;
  readonly #path: string;
  /** Content version for chunk ids (`size:mtime`), or undefined for `place` ids. */
  readonly #version: string | undefined;
  #decoder: StreamDecoder | undefined;
  #chunker: TextChunker | undefined;
  /** Chunks made and not yet taken. */
  chunks: Chunk[] = [];
  skipped: FileSkip | undefined;
  bytes = 0;

  constructor(path: string, opts: ReadFileOptions, version: string | undefined) {
    this.#opts = opts;
    this.#path = opts.displayPath ?? path;
    this.#version = version;
  }

  /**
   * The whole file in one block (the common case): decoded at once and, when it fits in a chunk,
   * emitted as one without going through the chunker.
   */
  whole(block: Buffer, n: number): void {
    const enc = textEncodingOf(block.subarray(0, Math.min(n, SNIFF_BYTES)));
    if (enc === null) {
      this.skipped = BINARY_SKIP;
      return;
    }
    this.bytes = n;
    if (n > this.#opts.maxFileBytes) {
      this.skipped = this.#tooLarge();
      return;
    }
    let text: string;
    if (enc === 'utf-8' && isAscii(block.subarray(0, n))) {
      // Plain ASCII (most source and logs): the cheapest decode there is, to a one-byte string.
      text = block.toString('latin1', 0, n);
    } else if (enc === 'utf-8') {
      // Invalid sequences become U+FFFD; the BOM is dropped so columns match editors.
      const bom = n >= 3 && block[0] === 0xef && block[1] === 0xbb && block[2] === 0xbf ? 3 : 0;
      text = block.toString('utf8', bom, n);
    } else {
      const d = createDecoder(enc);
      text = d.write(block.subarray(0, n)) + d.end();
    }
    if (text.length === 0) return;
    if (text.length <= this.#opts.chunkBytes) this.#emit([{ text, line: 1, column: 1 }]);
    else {
      const c = new TextChunker({ chunkChars: this.#opts.chunkBytes, overlapChars: this.#opts.chunkOverlapBytes });
      const pieces = c.push(text);
      for (const p of c.end()) pieces.push(p);
      this.#emit(pieces);
    }
  }

  /** Returns false when reading should stop. */
  feed(block: Uint8Array): boolean {
    if (this.#decoder === undefined) {
      const enc = textEncodingOf(block.subarray(0, SNIFF_BYTES));
      if (enc === null) {
        this.skipped = BINARY_SKIP;
        return false;
      }
      // invalid sequences become U+FFFD; the BOM is dropped so columns match editors
      this.#decoder = createDecoder(enc);
      this.#chunker = new TextChunker({ chunkChars: this.#opts.chunkBytes, overlapChars: this.#opts.chunkOverlapBytes });
    }
    this.bytes += block.length;
    if (this.bytes > this.#opts.maxFileBytes) {
      this.skipped = this.#tooLarge();
      return false;
    }
    this.#emit(this.#chunker!.push(this.#decoder.write(block)));
    return true;
  }

  /** After the last `feed`: the rest of the text. */
  finish(): void {
    if (this.skipped || !this.#decoder || !this.#chunker) return;
    this.#emit(this.#chunker.push(this.#decoder.end()));
    this.#emit(this.#chunker.end());
  }

  take(): Chunk[] {
    const out = this.chunks;
    this.chunks = [];
    return out;
  }

  #tooLarge(): FileSkip {
    return { reason: 'too-large', message: `larger than maxFileBytes (${this.#opts.maxFileBytes})`, code: 'INPUT_TOO_LARGE' };
  }

  #emit(pieces: TextPiece[]): void {
    for (const p of pieces) {
      this.chunks.push({
        id: this.#version === undefined ? `file:${this.#path}:${p.line}:${p.column}` : chunkId('file', this.#path, this.#version, p.line, p.column),
        source: this.#opts.source ?? 'files',
        locator: { kind: 'file', path: this.#path, line: p.line, column: p.column },
        text: p.text,
      });
    }
  }
}

function unreadableSkip(e: unknown): FileSkip {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return { reason: 'unreadable', message: `cannot read${code ? ` (${code})` : ''}`, code: 'INPUT_UNREADABLE' };
}

const NOT_REGULAR: FileSkip = { reason: 'unreadable', message: 'not a regular file', code: 'INPUT_UNREADABLE' };

function tooLargeSkip(size: number, max: number): FileSkip {
  return { reason: 'too-large', message: `${size} bytes, larger than maxFileBytes (${max})`, code: 'INPUT_TOO_LARGE' };
}

/**
 * The chunks of one file, yielded as they are read (synchronous). Never throws: an unreadable,
 * binary or oversized file yields nothing and `status.skipped` says why; `status.bytes` counts
 * what was read. The file is closed when the generator ends (or is returned early).
 */
export function* fileChunksSync(path: string, opts: ReadFileOptions, status: FileReadStatus): Generator<Chunk, void, undefined> {
  status.bytes = 0;
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    status.skipped = unreadableSkip(e);
    return;
  }
  try {
    const byPlace = opts.ids === 'place';
    let b: FileChunkBuilder;
    let blockSize: number;
    let block: Buffer;
    let first: number;
    try {
      if (byPlace) {
        // No stat: a file that fits in one block is read whole in one call; only a larger one is
        // sized (and skipped unread when it is over the limit). A directory fails the read.
        blockSize = Math.max(MIN_BLOCK, Math.min(opts.chunkBytes, opts.maxFileBytes + 1));
        block = syncBlock(blockSize);
        first = readSync(fd, block, 0, blockSize, null);
        if (first === blockSize) {
          // More than one block: size it, and never stream a device that would not end.
          const st = fstatSync(fd);
          if (!st.isFile()) {
            status.skipped = NOT_REGULAR;
            return;
          }
          if (st.size > opts.maxFileBytes) {
            status.skipped = tooLargeSkip(st.size, opts.maxFileBytes);
            return;
          }
        }
        // Nothing to read: an empty file, or a FIFO that appeared where the walk saw a file.
        if (first === 0 && !fstatSync(fd).isFile()) {
          status.skipped = NOT_REGULAR;
          return;
        }
        b = new FileChunkBuilder(path, opts, undefined);
      } else {
        const st = fstatSync(fd);
        if (!st.isFile()) {
          status.skipped = NOT_REGULAR;
          return;
        }
        if (st.size > opts.maxFileBytes) {
          status.skipped = tooLargeSkip(st.size, opts.maxFileBytes);
          return;
        }
        b = new FileChunkBuilder(path, opts, `${st.size}:${Math.trunc(st.mtimeMs)}`);
        // Small files (the common case) in one read; large ones block by block.
        blockSize = Math.max(MIN_BLOCK, Math.min(opts.chunkBytes, st.size + 1));
        block = syncBlock(blockSize);
        first = readSync(fd, block, 0, blockSize, null);
      }
      if (first === 0) return;
    } catch (e) {
      status.skipped = unreadableSkip(e);
      return;
    }
    // A regular file reads short only at its end: then the whole file is in `block`.
    if (first < blockSize) {
      b.whole(block, first);
      status.bytes = b.bytes;
      if (b.skipped) status.skipped = b.skipped;
      else yield* b.take();
      return;
    }
    let n = first;
    for (;;) {
      const more = b.feed(block.subarray(0, n));
      status.bytes = b.bytes;
      if (!more) break;
      // Handed out before the next read: the consumer scans a chunk before the file goes on.
      const ready = b.take();
      if (ready.length > 0) yield* ready;
      try {
        n = readSync(fd, block, 0, blockSize, null);
      } catch (e) {
        status.skipped = unreadableSkip(e);
        return;
      }
      if (n === 0) break;
    }
    if (b.skipped) {
      status.skipped = b.skipped;
      return;
    }
    b.finish();
    yield* b.take();
  } finally {
    try {
      closeSync(fd);
    } catch {
      // already closed or gone: nothing to release
    }
  }
}

/** Read one file synchronously. Never throws: unreadable files come back as `skipped`. */
export function readFileSync(path: string, opts: ReadFileOptions): FileReadResult {
  const status: FileReadStatus = { bytes: 0 };
  const chunks = [...fileChunksSync(path, opts, status)];
  // A file skipped part-way (grew past the limit) reports no chunks: all or nothing, as before.
  return status.skipped ? { chunks: [], bytes: status.bytes, skipped: status.skipped } : { chunks, bytes: status.bytes };
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
    return { chunks: [], bytes: 0, skipped: unreadableSkip(e) };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { chunks: [], bytes: 0, skipped: NOT_REGULAR };
    if (st.size > opts.maxFileBytes) return { chunks: [], bytes: 0, skipped: tooLargeSkip(st.size, opts.maxFileBytes) };
    const b = new FileChunkBuilder(path, opts, `${st.size}:${Math.trunc(st.mtimeMs)}`);
    const blockSize = Math.max(MIN_BLOCK, Math.min(opts.chunkBytes, st.size + 1));
    const block = scratch && scratch.length >= blockSize ? scratch : Buffer.allocUnsafe(blockSize);
    const chunks: Chunk[] = [];
    let first = true;
    for (;;) {
      const { bytesRead } = await fh.read(block, 0, blockSize, null);
      if (bytesRead === 0) break;
      if (first && bytesRead < blockSize) {
        b.whole(block, bytesRead);
        break;
      }
      first = false;
      if (!b.feed(block.subarray(0, bytesRead))) break;
      for (const c of b.take()) chunks.push(c);
    }
    if (b.skipped) return { chunks: [], bytes: b.bytes, skipped: b.skipped };
    b.finish();
    for (const c of b.take()) chunks.push(c);
    return { chunks, bytes: b.bytes };
  } catch (e) {
    return { chunks: [], bytes: 0, skipped: unreadableSkip(e) };
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

/** Sync variant of `readFileChunks`. */
export function readFileChunksSync(path: string, opts: ReadFileOptions & { onNotice?: NoticeHandler }): Chunk[] {
  return report(path, opts, readFileSync(path, opts));
}
