/**
 * Cuts a stream of text into engine-sized pieces, each with the exact 1-based line and column
 * (UTF-16) of its first character. Used by files, stdin and git (a run of added lines).
 *
 * - Cuts fall at line ends; a line longer than a chunk is cut after a separator character
 *   (whitespace, quote, bracket, comma…) that cannot be part of a token, and only as a last
 *   resort anywhere (never inside a surrogate pair).
 * - Consecutive pieces overlap: the next piece starts at the beginning of a line at least
 *   `overlapChars` before the cut. A single-line token is never cut (cuts are at line ends); a
 *   multi-line one (PEM block) that a cut truncates is seen whole by the next piece. A token that
 *   lies inside the overlap is seen by both pieces at the SAME line/column, so the aggregator's
 *   dedupe by location keeps one occurrence.
 * - Memory: at most about one chunk plus one pushed piece of text is held.
 */
import { sha256Hex } from '../../core/secrets.js';

export interface TextPiece {
  text: string;
  /** 1-based line of `text[0]`. */
  line: number;
  /** 1-based UTF-16 column of `text[0]`. */
  column: number;
}

export interface ChunkerOptions {
  /** Maximum characters per piece (≥ 64). */
  chunkChars: number;
  /** Characters repeated from the end of one piece at the start of the next (≤ chunkChars / 4). */
  overlapChars: number;
  startLine?: number;
  startColumn?: number;
}

// Characters that never occur inside a token of any rule, so cutting right after one cannot split a token.
const SEPARATOR = new Uint8Array(128);
for (const c of ' \t\r\n\f\v"\'`,;<>(){}[]|\\') SEPARATOR[c.charCodeAt(0)] = 1;
/** How far back from the cut to look for a separator in a line longer than a chunk. */
const SEPARATOR_WINDOW = 64 * 1024;

function isSeparator(code: number): boolean {
  return code < 128 && SEPARATOR[code] === 1;
}

export class TextChunker {
  readonly #chunkChars: number;
  readonly #overlapChars: number;
  #buf = '';
  /** Position of #buf[0]. */
  #line: number;
  #column: number;
  /** Length of the prefix of #buf already emitted (the overlap carried from the previous piece). */
  #carried = 0;
  /** Text emitted by `end()` whose lines are not yet counted into the position (see `end`). */
  #ended = '';

  constructor(opts: ChunkerOptions) {
    this.#chunkChars = Math.max(64, Math.floor(opts.chunkChars));
    this.#overlapChars = Math.max(0, Math.min(Math.floor(opts.overlapChars), Math.floor(this.#chunkChars / 4)));
    this.#line = opts.startLine ?? 1;
    this.#column = opts.startColumn ?? 1;
  }

  /** Add text; returns the pieces that are complete. */
  push(text: string): TextPiece[] {
    if (text.length === 0) return [];
    if (this.#ended.length > 0) {
      this.#advance(this.#ended, this.#ended.length);
      this.#ended = '';
    }
    this.#buf = this.#buf.length === 0 ? text : this.#buf + text;
    const out: TextPiece[] = [];
    while (this.#buf.length > this.#chunkChars) this.#cut(out);
    return out;
  }

  /** Flush what remains (nothing if only already-emitted overlap remains). */
  end(): TextPiece[] {
    const out: TextPiece[] = [];
    while (this.#buf.length > this.#chunkChars) this.#cut(out);
    if (this.#buf.length > this.#carried) out.push({ text: this.#buf, line: this.#line, column: this.#column });
    // Counting the lines of the tail is deferred to a later `push`: a chunker is nearly always done
    // here, and the count would walk every line of every small text once more.
    // (`#buf` is non-empty only after a `push`, which has already counted an earlier tail.)
    if (this.#buf.length > 0) this.#ended = this.#buf;
    this.#buf = '';
    this.#carried = 0;
    return out;
  }

  #cut(out: TextPiece[]): void {
    const buf = this.#buf;
    const max = this.#chunkChars;
    const min = this.#carried; // the cut must move past the overlap, or nothing progresses
    let cut = -1;
    const nl = buf.lastIndexOf('\n', max - 1);
    if (nl >= min) cut = nl + 1;
    if (cut < 0) {
      const stop = Math.max(min, max - SEPARATOR_WINDOW);
      for (let i = max - 1; i >= stop; i--) {
        if (isSeparator(buf.charCodeAt(i))) {
          cut = i + 1;
          break;
        }
      }
    }
    if (cut <= min) {
      cut = max;
      const c = buf.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff && cut - 1 > min) cut -= 1;
    }
    out.push({ text: buf.slice(0, cut), line: this.#line, column: this.#column });

    // Where the next piece starts: a line start at least `overlap` before the cut, else a separator, else exactly.
    let next = cut;
    if (this.#overlapChars > 0) {
      const want = cut - this.#overlapChars;
      const limit = Math.max(min + 1, cut - 2 * this.#overlapChars);
      next = cut;
      if (want > limit) {
        const ls = buf.lastIndexOf('\n', want - 1) + 1;
        if (ls >= limit) next = ls;
        else {
          let i = want - 1;
          while (i >= limit && !isSeparator(buf.charCodeAt(i))) i--;
          next = i >= limit ? i + 1 : want;
          const c = buf.charCodeAt(next);
          if (c >= 0xdc00 && c <= 0xdfff && next - 1 > min) next -= 1;
        }
      }
    }
    this.#advance(buf, next);
    this.#buf = buf.slice(next);
    this.#carried = cut - next;
  }

  /** Move the position of `buf[0]` (the current start) forward by n characters of `buf`. */
  #advance(buf: string, n: number): void {
    let nl = buf.indexOf('\n');
    if (nl === -1 || nl >= n) {
      this.#column += n;
      return;
    }
    let last = nl;
    let lines = 0;
    while (nl !== -1 && nl < n) {
      lines++;
      last = nl;
      nl = buf.indexOf('\n', nl + 1);
    }
    this.#line += lines;
    this.#column = n - last;
  }
}

/** Cut a whole text at once (pure). */
export function chunkText(text: string, opts: ChunkerOptions): TextPiece[] {
  const c = new TextChunker(opts);
  const out = c.push(text);
  for (const p of c.end()) out.push(p);
  return out;
}

/**
 * Stable id of a piece of content at a place, for idempotent job ids: a hash of the parts that
 * identify it (kind, place, version such as commit sha or file size+mtime, line, column).
 */
export function chunkId(kind: string, ...parts: Array<string | number>): string {
  return `${kind}-${sha256Hex(parts.join('\u0000')).slice(0, 32)}`;
}
