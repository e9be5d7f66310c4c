/**
 * Streaming parser of `git log -p --unified=0` output (format set by `GIT_LOG_FORMAT`) that turns
 * the ADDED lines of every commit into chunks with `git` locators. Pure: bytes in, chunks out.
 *
 * - Consecutive added lines of a file (consecutive in the NEW file) become one chunk whose locator
 *   is the first added line; a long run goes through the line-aligned chunker.
 * - Hunk line counts from the `@@ … @@` header decide where a hunk ends, so an added line that
 *   looks like a header (`+++ x`, `diff --git`) is still content.
 * - Combined diffs of merge commits (`diff --cc`, `@@@ … @@@`, N prefix columns): only lines new
 *   relative to EVERY parent (all columns `+`) are taken — lines a parent already had were
 *   scanned with that parent's own commit; this catches secrets added while resolving a merge.
 * - File names: `+++ b/<path>` (git appends a TAB after names with spaces) or C-quoted
 *   (`"b/na\"me"`, octal escapes for bytes), decoded as UTF-8.
 * - Invalid UTF-8 becomes U+FFFD. Lines are split on bytes; a line longer than 64 KiB is streamed
 *   in segments (added lines into the chunker, anything else discarded) so a minified megabyte
 *   line never sits whole in memory; an added line over `maxLineBytes` is truncated (notice).
 */
import type { Chunk } from '../../core/types.js';
import { createDecoder, type StreamDecoder } from '../files/binary.js';
import { chunkId, TextChunker, type TextPiece } from '../files/chunker.js';

/** `--format` for `git log`: a NUL-led header line no diff line can look like. */
export const GIT_LOG_FORMAT = '%x00commit%x00%H%x00%aI%x00%an%x00%ae';

export interface GitParserOptions {
  /** Repository as shown in locators. */
  repo: string;
  chunkBytes: number;
  chunkOverlapBytes: number;
  /** An added line longer than this is cut (the rest is not scanned). */
  maxLineBytes: number;
  emit: (chunk: Chunk) => void;
  /** A file's added line was truncated. */
  onTruncated?: (commit: string, path: string) => void;
}

interface Commit {
  sha: string;
  date: string;
  author: string;
}

interface Run {
  chunker: TextChunker;
  /** New-file line number the next consecutive added line would have. */
  next: number;
  empty: boolean;
}

const LONG_LINE = 64 * 1024;
const PLUS = 0x2b;
const MINUS = 0x2d;
const SPACE = 0x20;
const BACKSLASH = 0x5c;

function startsWith(buf: Buffer, s: number, e: number, ascii: string): boolean {
  if (e - s < ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[s + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Decode a C-quoted git path (`"a/x\"y\303\251"`) to UTF-8 text. */
export function unquoteGitPath(quoted: string): string {
  if (!quoted.startsWith('"') || !quoted.endsWith('"') || quoted.length < 2) return quoted;
  const body = quoted.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\' || i + 1 >= body.length) {
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
      continue;
    }
    const nx = body[i + 1]!;
    if (/[0-7]/.test(nx)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      bytes.push(parseInt(oct, 8) & 0xff);
      i += oct.length;
    } else {
      bytes.push(simple[nx] ?? nx.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The path of a `+++ ` line (without the prefix), or null for `/dev/null`. */
export function parseNewPath(rest: string): string | null {
  let p = rest;
  if (p.endsWith('\t')) p = p.slice(0, -1);
  if (p === '/dev/null') return null;
  if (p.startsWith('"')) p = unquoteGitPath(p);
  return p.startsWith('b/') ? p.slice(2) : p;
}

export class GitLogParser {
  readonly #o: GitParserOptions;
  #commit: Commit | undefined;
  #path: string | null = null;
  #inHunk = false;
  #parents = 1;
  #newLine = 0;
  #newRemain = 0;
  #oldRemain: number[] = [];
  #run: Run | undefined;
  // line assembly
  #pending: Buffer[] = [];
  #pendingLen = 0;
  /** A line longer than LONG_LINE is being streamed: 'added' (into the run) or 'skip'. */
  #long: 'added' | 'skip' | undefined;
  #longDecoder: StreamDecoder | undefined;
  #longBytes = 0;
  #truncatedReported = false;
  commits = 0;
  bytes = 0;

  constructor(o: GitParserOptions) {
    this.#o = o;
  }

  feed(data: Buffer): void {
    this.bytes += data.length;
    let pos = 0;
    while (pos < data.length) {
      const nl = data.indexOf(10, pos);
      if (nl === -1) {
        this.#partial(data.subarray(pos));
        return;
      }
      if (this.#pendingLen > 0 || this.#long) {
        this.#partial(data.subarray(pos, nl));
        this.#lineEnd();
      } else {
        this.#line(data, pos, nl);
      }
      pos = nl + 1;
    }
  }

  /** End of input: flush the last run. */
  end(): void {
    if (this.#pendingLen > 0 || this.#long) this.#lineEnd();
    this.#flushRun();
  }

  // ------------------------------------------------------------------ line assembly

  #partial(seg: Buffer): void {
    if (seg.length === 0) return;
    if (this.#long) {
      this.#longSegment(seg, false);
      return;
    }
    this.#pending.push(Buffer.from(seg)); // copy: the stream may reuse its buffer
    this.#pendingLen += seg.length;
    if (this.#pendingLen > LONG_LINE) {
      const first = Buffer.concat(this.#pending, this.#pendingLen);
      this.#pending = [];
      this.#pendingLen = 0;
      this.#longStart(first);
    }
  }

  #lineEnd(): void {
    if (this.#long) {
      this.#longSegment(Buffer.alloc(0), true);
      this.#long = undefined;
      this.#longDecoder = undefined;
      return;
    }
    const line = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingLen);
    this.#pending = [];
    this.#pendingLen = 0;
    this.#line(line, 0, line.length);
  }

  #longStart(first: Buffer): void {
    // Only an added line inside a hunk is worth streaming; a long header or removed line is dropped.
    const added = this.#inHunk ? this.#hunkPrefix(first, 0, first.length) : undefined;
    if (added === true) {
      this.#long = 'added';
      this.#longDecoder = createDecoder('utf-8');
      this.#longBytes = 0;
      this.#pushAdded(this.#decodeLong(first.subarray(this.#parents), false), true);
    } else {
      this.#long = 'skip';
    }
  }

  #longSegment(seg: Buffer, last: boolean): void {
    if (this.#long !== 'added') return;
    this.#pushAdded(this.#decodeLong(seg, last), false);
  }

  #decodeLong(seg: Buffer, last: boolean): string {
    if (this.#longBytes > this.#o.maxLineBytes) return '';
    this.#longBytes += seg.length;
    if (this.#longBytes > this.#o.maxLineBytes) {
      if (!this.#truncatedReported && this.#commit && this.#path !== null) {
        this.#truncatedReported = true;
        this.#o.onTruncated?.(this.#commit.sha, this.#path);
      }
      const keep = seg.length - (this.#longBytes - this.#o.maxLineBytes);
      return this.#longDecoder!.write(seg.subarray(0, Math.max(0, keep))) + this.#longDecoder!.end();
    }
    const text = this.#longDecoder!.write(seg);
    return last ? text + this.#longDecoder!.end() : text;
  }

  // ------------------------------------------------------------------ lines

  #line(buf: Buffer, s: number, e: number): void {
    if (this.#inHunk) {
      const added = this.#hunkPrefix(buf, s, e);
      if (added === true) {
        this.#pushAdded(buf.toString('utf8', s + this.#parents, e), true);
        return;
      }
      if (added === false) return;
      // not a hunk line: the counts were off (should not happen); read it as a header
      this.#inHunk = false;
    }
    this.#header(buf, s, e);
  }

  /**
   * Account for one hunk line from its prefix columns. Returns true for a line added relative to
   * every parent (its new-file line is then `#newLine - 1`), false for any other hunk line, and
   * undefined when the bytes are not a hunk line at all.
   */
  #hunkPrefix(buf: Buffer, s: number, e: number): boolean | undefined {
    const n = this.#parents;
    if (e - s >= 1 && buf[s] === BACKSLASH) return false; // "\ No newline at end of file"
    if (e - s < n) return undefined;
    let added = true;
    let inResult = true;
    for (let i = 0; i < n; i++) {
      const c = buf[s + i];
      if (c === PLUS) continue;
      added = false;
      if (c === MINUS) inResult = false;
      else if (c !== SPACE) return undefined;
    }
    let line = 0;
    if (inResult) {
      line = this.#newLine++;
      this.#newRemain--;
    }
    for (let i = 0; i < n; i++) if (buf[s + i] !== PLUS) this.#oldRemain[i] = (this.#oldRemain[i] ?? 0) - 1;
    if (this.#newRemain <= 0 && this.#oldRemain.every((r) => r <= 0)) this.#inHunk = false;
    if (added && this.#run && this.#run.next !== line) this.#flushRun();
    if (added && !this.#run) this.#startRun(line);
    if (added) this.#run!.next = line + 1;
    return added;
  }

  #header(buf: Buffer, s: number, e: number): void {
    const c0 = buf[s];
    if (c0 === 0) {
      this.#flushRun();
      const parts = buf.toString('utf8', s + 1, e).split('\u0000');
      if (parts[0] === 'commit' && parts[1]) {
        this.commits++;
        this.#commit = { sha: parts[1], date: parts[2] ?? '', author: `${parts[3] ?? ''} <${parts[4] ?? ''}>` };
      }
      this.#path = null;
      return;
    }
    if (c0 === 0x64 /* d */ && (startsWith(buf, s, e, 'diff --git ') || startsWith(buf, s, e, 'diff --cc ') || startsWith(buf, s, e, 'diff --combined '))) {
      this.#flushRun();
      this.#path = null;
      this.#truncatedReported = false;
      return;
    }
    if (c0 === PLUS && startsWith(buf, s, e, '+++ ')) {
      this.#flushRun();
      this.#path = parseNewPath(buf.toString('utf8', s + 4, e));
      return;
    }
    if (c0 === 0x40 /* @ */) this.#hunkHeader(buf.toString('latin1', s, e));
    // everything else (index, mode, rename, similarity, Binary files …, blank) carries no added text
  }

  #hunkHeader(line: string): void {
    const m = /^(@{2,}) (.*?) \1/.exec(line);
    if (!m) return;
    const parents = m[1]!.length - 1;
    let newStart = 0;
    let newCount = 0;
    const old: number[] = [];
    for (const r of m[2]!.split(' ')) {
      const rm = /^([+-])(\d+)(?:,(\d+))?$/.exec(r);
      if (!rm) return;
      const count = rm[3] === undefined ? 1 : Number(rm[3]);
      if (rm[1] === '+') {
        newStart = Number(rm[2]);
        newCount = count;
      } else old.push(count);
    }
    if (old.length !== parents) return;
    this.#parents = parents;
    this.#newLine = newStart;
    this.#newRemain = newCount;
    this.#oldRemain = old;
    this.#inHunk = newCount > 0 || old.some((c) => c > 0);
  }

  // ------------------------------------------------------------------ runs → chunks

  #startRun(line: number): void {
    this.#run = {
      chunker: new TextChunker({ chunkChars: this.#o.chunkBytes, overlapChars: this.#o.chunkOverlapBytes, startLine: line, startColumn: 1 }),
      next: line,
      empty: true,
    };
  }

  /** Text of an added line (`lineStart`: first segment of a new line, so a newline separates it from the previous one). */
  #pushAdded(text: string, lineStart: boolean): void {
    const run = this.#run;
    if (!run) return;
    const piece = lineStart && !run.empty ? `\n${text}` : text;
    run.empty = false;
    this.#emitPieces(run.chunker.push(piece));
  }

  #flushRun(): void {
    const run = this.#run;
    if (!run) return;
    this.#run = undefined;
    this.#emitPieces(run.chunker.end());
  }

  #emitPieces(pieces: TextPiece[]): void {
    const commit = this.#commit;
    const path = this.#path;
    if (!commit || path === null) return;
    for (const p of pieces) {
      this.#o.emit({
        id: chunkId('git', this.#o.repo, commit.sha, path, p.line, p.column),
        source: 'git',
        locator: {
          kind: 'git',
          repo: this.#o.repo,
          commit: commit.sha,
          path,
          line: p.line,
          column: p.column,
          ...(commit.author !== ' <>' ? { author: commit.author } : {}),
          ...(commit.date ? { date: commit.date } : {}),
        },
        text: p.text,
        ...(commit.author !== ' <>' ? { author: commit.author } : {}),
        ...(commit.date ? { at: commit.date } : {}),
      });
    }
  }
}
