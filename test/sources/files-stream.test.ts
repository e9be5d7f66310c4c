/**
 * The streaming file reader the scan command's threads use (`fileChunksSync`, chunk ids by place,
 * no stat for files that fit in one read) and the batched walk that feeds it (`statFiles: false`).
 * A token that straddles a read-block boundary must still be found once, at its exact place, and a
 * large file must be handed out block by block rather than read whole first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Chunk } from '../../src/core/types.js';
import { fileChunksSync, readFileAsync, type FileReadStatus, type ReadFileOptions } from '../../src/sources/files/read.js';
import { listFileBatches, listFiles } from '../../src/sources/files/walk.js';
import type { SourceNotice } from '../../src/sources/options.js';
import { removeDir, tempDir } from '../support/fixtures-git.js';
import { findAll, randomToken } from '../support/fixtures-locate.js';

const dirs: string[] = [];
const mk = (label: string) => {
  const d = tempDir(label);
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(removeDir));

function write(root: string, rel: string, content: string | Buffer): string {
  const abs = join(root, rel);
  mkdirSync(join(abs, '..'), { recursive: true });
  writeFileSync(abs, content);
  return abs;
}

/** The read block of the place reader is max(64 KiB, min(chunkBytes, maxFileBytes + 1)). */
const BLOCK = 64 * 1024;
const placeOpts: ReadFileOptions = { maxFileBytes: 25 * 1024 * 1024, chunkBytes: BLOCK, chunkOverlapBytes: 4096, ids: 'place' };

function readPlace(path: string, opts: ReadFileOptions = placeOpts): { chunks: Chunk[]; status: FileReadStatus } {
  const status: FileReadStatus = { bytes: 0 };
  const chunks = [...fileChunksSync(path, opts, status)];
  return { chunks, status };
}

const FILLER = 'lorem ipsum dolor sit amet, consectetur adipiscing elit 42\n';

/**
 * ASCII text where a token starts `before` bytes ahead of every multiple of BLOCK (so it is split
 * between two reads), with the line and column of each.
 */
function straddling(blocks: number, token: string, before: number): { text: string; planted: Array<{ line: number; column: number }> } {
  let text = '';
  let line = 1;
  const planted: Array<{ line: number; column: number }> = [];
  for (let k = 1; k <= blocks; k++) {
    const start = k * BLOCK - before;
    while (text.length + FILLER.length < start - 1) {
      text += FILLER;
      line++;
    }
    const pad = start - text.length - 1;
    text += `${'x'.repeat(pad)} ${token}\n`;
    planted.push({ line, column: pad + 2 });
    line++;
  }
  return { text: text + FILLER, planted };
}

describe('fileChunksSync (ids by place)', () => {
  it('finds a token split across every read-block boundary once, at its exact place, same as the collecting reader', async () => {
    const root = mk('straddle');
    const token = randomToken('ghp_');
    const { text, planted } = straddling(8, token, 17);
    const f = write(root, 'big.log', text);
    const { chunks, status } = readPlace(f);
    expect(status).toEqual({ bytes: Buffer.byteLength(text) });
    expect(chunks.length).toBeGreaterThan(8);
    expect(findAll(chunks, token).map((h) => ({ line: h.locator.line, column: h.locator.column }))).toEqual(planted);
    // Ids name the place; text and locators are those of the reader the queued sources use.
    expect(chunks[0]!.id).toBe(`file:${f}:1:1`);
    const collected = await readFileAsync(f, placeOpts);
    expect(chunks.map((c) => [c.text, c.locator])).toEqual(collected.chunks.map((c) => [c.text, c.locator]));
  });

  it('keeps a multi-byte character and an invalid byte that fall on a block boundary', () => {
    const root = mk('utf8edge');
    const token = randomToken('xoxb-');
    // A 4-byte emoji whose first two bytes end block 1; a lone 0xC3 as the last byte of block 2.
    const head = Buffer.from('a'.repeat(BLOCK - 2));
    const emojiLine = Buffer.from(`😀 T=${token}\n`);
    const fill2 = Buffer.from('b'.repeat(2 * BLOCK - 1 - head.length - emojiLine.length));
    const tail = Buffer.from(`\nU=${token}\n`);
    const f = write(root, 'edge.txt', Buffer.concat([head, emojiLine, fill2, Buffer.from([0xc3]), tail]));
    const { chunks, status } = readPlace(f);
    expect(status.skipped).toBeUndefined();
    const all = chunks.map((c) => c.text).join('');
    expect(all).toContain('😀');
    expect(all).toContain('\uFFFD\nU=');
    // The emoji is one character of two UTF-16 units on line 1.
    expect(findAll(chunks, token).map((h) => [h.locator.line, h.locator.column])).toEqual([
      [1, BLOCK - 2 + 2 + 1 + 2 + 1],
      [3, 3],
    ]);
  });

  it('hands a large file out block by block instead of reading it whole first', () => {
    const root = mk('lazy');
    const f = write(root, 'big.log', FILLER.repeat(Math.ceil((10 * BLOCK) / FILLER.length)));
    const status: FileReadStatus = { bytes: 0 };
    const gen = fileChunksSync(f, placeOpts, status);
    const first = gen.next();
    expect(first.done).toBe(false);
    expect(status.bytes).toBeLessThanOrEqual(2 * BLOCK);
    let n = 1;
    while (!gen.next().done) n++;
    expect(n).toBeGreaterThanOrEqual(10);
    expect(status.bytes).toBe(FILLER.length * Math.ceil((10 * BLOCK) / FILLER.length));
  });

  it('decodes a UTF-16 file larger than a block and finds a token in its second block', () => {
    const root = mk('u16');
    const token = randomToken('xoxp-');
    const body = `${'z'.repeat(BLOCK)}\r\n$t = "${token}"\r\n`;
    const f = write(root, 'win.ps1', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, 'utf16le')]));
    const { chunks, status } = readPlace(f);
    expect(status.skipped).toBeUndefined();
    expect(findAll(chunks, token).map((h) => [h.locator.line, h.locator.column])).toEqual([[2, 7]]);
  });

  it('applies maxFileBytes without a stat: the limit itself is read, one byte more is skipped, both below and above one block', () => {
    const root = mk('limits');
    for (const max of [1000, 3 * BLOCK]) {
      const opts = { ...placeOpts, maxFileBytes: max };
      const at = write(root, `at-${max}.txt`, 'y'.repeat(max - 1) + '\n');
      const over = write(root, `over-${max}.txt`, 'y'.repeat(max) + '\n');
      expect(readPlace(at, opts).status).toEqual({ bytes: max });
      const r = readPlace(over, opts);
      expect(r.chunks).toEqual([]);
      expect(r.status.skipped).toMatchObject({ reason: 'too-large', code: 'INPUT_TOO_LARGE' });
    }
    // Over a block and over the limit: sized after the first read and skipped, nothing scanned.
    const huge = write(root, 'huge.txt', 'y'.repeat(5 * BLOCK));
    const r = readPlace(huge, { ...placeOpts, maxFileBytes: 2 * BLOCK });
    expect(r.chunks).toEqual([]);
    expect(r.status.skipped?.message).toContain(`${5 * BLOCK} bytes`);
  });

  it('gives a typed skip for a folder, a missing file and binary content, never an exception', () => {
    const root = mk('bad');
    expect(readPlace(root).status.skipped).toMatchObject({ reason: 'unreadable', code: 'INPUT_UNREADABLE' });
    expect(readPlace(join(root, 'gone.txt')).status.skipped).toMatchObject({ reason: 'unreadable', code: 'INPUT_UNREADABLE' });
    const bin = write(root, 'blob.dat', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(3 * BLOCK), Buffer.from(randomToken())]));
    const r = readPlace(bin);
    expect(r.chunks).toEqual([]);
    expect(r.status.skipped).toMatchObject({ reason: 'binary' });
  });

  it.runIf(existsSync('/proc/self/fd'))('closes the file when the consumer stops early or the file is skipped', () => {
    const root = mk('fds');
    const f = write(root, 'big.log', FILLER.repeat(Math.ceil((4 * BLOCK) / FILLER.length)));
    const bin = write(root, 'b.bin.txt', Buffer.alloc(100));
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    const gen = fileChunksSync(f, placeOpts, { bytes: 0 });
    expect(gen.next().done).toBe(false);
    expect(open()).toBe(before + 1);
    gen.return();
    expect(open()).toBe(before);
    readPlace(bin);
    expect(open()).toBe(before);
  });
});

describe('batched walk without a stat per file', () => {
  it('lists the same files as listFiles in batches of at most the size asked, sizes left to the reader', async () => {
    const root = mk('walkb');
    for (let i = 0; i < 25; i++) write(root, `d${i % 3}/f${String(i).padStart(2, '0')}.txt`, `file ${i}\n`);
    write(root, 'big.txt', 'y'.repeat(5000));
    const all: string[] = [];
    for await (const e of listFiles(root, { maxFileBytes: 100 })) all.push(e.path);
    expect(all).not.toContain(join(root, 'big.txt')); // listFiles stats and skips it

    const asked: number[] = [];
    const batches: string[][] = [];
    let sizes = new Set<number>();
    let want = 1;
    for await (const b of listFileBatches(root, { maxFileBytes: 100, statFiles: false }, () => {
      asked.push(want);
      return want++;
    })) {
      batches.push(b.map((e) => e.path));
      sizes = new Set([...sizes, ...b.map((e) => e.size)]);
    }
    batches.forEach((b, i) => expect(b.length).toBeLessThanOrEqual(asked[i]!));
    // Same order as listFiles (names sorted per folder; big.txt sorts first), plus the file only the reader can size.
    expect(batches.flat()).toEqual([join(root, 'big.txt'), ...all]);
    expect([...sizes]).toEqual([-1]);
  });

  it.runIf(process.platform !== 'win32')('refuses a FIFO named as the target instead of blocking on it', async () => {
    const root = mk('fifo');
    const fifo = join(root, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const notices: SourceNotice[] = [];
    const out: string[] = [];
    for await (const e of listFiles(fifo, { maxFileBytes: 100, onNotice: (n) => notices.push(n) })) out.push(e.path);
    expect(out).toEqual([]);
    expect(notices).toMatchObject([{ reason: 'unreadable', path: fifo, code: 'INPUT_UNREADABLE' }]);
    // The reader, handed the FIFO directly, neither blocks nor reports it as an empty file.
    expect(readPlace(fifo).status.skipped).toMatchObject({ reason: 'unreadable', message: 'not a regular file' });
  });
});
