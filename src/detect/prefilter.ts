/**
 * The keyword prefilter: one pass over a chunk that reports every occurrence of every rule keyword
 * (ASCII-case-insensitively), so the engine runs a rule only where one of its keywords occurs.
 *
 * Why this shape (measured on this project's 2-core machine, see bench/engine.ts --compare):
 * - one combined RegExp of ~100 keywords (`/ghp_|xoxb-|…/gi`) runs at ~50–70 MB/s: irregexp tries
 *   every alternative at every position;
 * - `toLowerCase()` + `indexOf` per keyword costs one native pass per keyword (~20 MB/s for 100);
 * - a JavaScript loop that looks at every character's 3-gram in a direct-indexed table runs at
 *   ~0.6–1 GB/s, because the inner loop is a handful of integer operations and one byte load.
 *
 * So: each keyword is represented by one *anchor* 3-gram (its rarest-looking three characters,
 * folded with `| 0x20`), the chunk is copied into a scratch buffer one byte per UTF-16 code unit
 * (`buf.write(s, 0, 'latin1')`: native and offset-preserving; characters above U+00FF keep their
 * low byte, which can only add candidates, never hide an ASCII keyword), and the loop reads it four bytes at a
 * time, testing the 3-gram at each position in a 16 MiB table (reads of untouched pages cost no
 * memory). A hit is verified against the original string with an exact ASCII-case-insensitive
 * comparison. Keywords with no ASCII 3-gram (two characters, or non-ASCII) go through one
 * combined case-insensitive RegExp — correct, but slower; avoid them.
 */

/** Lowercase ASCII letters only; everything else is compared exactly. */
export function foldAscii(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}

export interface Prefilter {
  /** The distinct folded keywords, indexed by keyword id. */
  readonly keywords: readonly string[];
  /**
   * Every occurrence of every keyword in `text`, as a flat array of `[keywordId, start, …]`
   * pairs (start = UTF-16 offset of the keyword's first character). Overlapping occurrences are
   * all reported. Order is roughly by position (not strictly: callers sort when they need to).
   */
  scan(text: string): Int32Array;
}

// Rough rarity of a bigram in chat, tickets and code (lower = rarer). Only used to pick anchors,
// so a wrong guess costs speed, never correctness.
const COMMON_BIGRAMS = new Set(
  (
    'th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve co me de hi ri ' +
    'ro ic ne ea ra ce li ch ll be ma si om ur ca el ta la ns di fo ho pe ec pr no ct us ac ot il tr ly nc et ut ' +
    'ss so rs un lo wa ge ie wh ee wi em ad ol rt po we na ul ni ts mo ow pa im mi ai sh ir su id os iv ia am fi ' +
    'ci vi pl ig tu ev ld ry mp fe bl ab gh ty op wo sa ay ex ke fr oo av ag if ap gr od bo sp rd do uc bu ei ov ' +
    'by rm ep tt oc fa ef cu rn sc gi da yo cr cl du ga qu ue ff ba ey ls va um pp ua up lu go ht ru ug ds lt pi ' +
    'rc rr eg au ck ew mu br bi pt ak pu ui rg ib tl ny ki rk ys ob mm fu ph og ms ye ud mb ip ub oi rl gu dr hr ' +
    'cc tw ft wn nu af hu nn eo vo rv nf xp gn sm fl iz ok nl my gl aw ju oa eq sy sl ps jo lf nv wr rp dy'
  ).split(' '),
);

function isLetter(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function bigramCost(a: number, b: number): number {
  if (a === 32 || b === 32 || a === 9 || b === 9 || a === 10 || b === 10) return 100;
  if (isLetter(a) && isLetter(b)) return COMMON_BIGRAMS.has(String.fromCharCode(a, b)) ? 50 : 10;
  if (isDigit(a) && isDigit(b)) return 15;
  if ((isLetter(a) && isDigit(b)) || (isDigit(a) && isLetter(b))) return 8;
  // snake_case, kebab-case and sentence ends are common in code and prose
  if ((isLetter(a) && (b === 95 || b === 45)) || (isLetter(b) && (a === 95 || a === 45))) return 25;
  if (isLetter(a) && (b === 46 || b === 44 || b === 58)) return 35;
  if (a === 46 && isLetter(b)) return 25;
  if ((a === 47 && b === 47) || (a === 45 && b === 45)) return 25;
  if (a === 58 && b === 47) return 20;
  return 5;
}

/** Offset of the 3-gram of `kw` to anchor on, or -1 when it has no all-ASCII 3-gram. */
export function anchorOffset(kw: string): number {
  let best = -1;
  let bestCost = Infinity;
  for (let o = 0; o + 3 <= kw.length; o++) {
    const a = kw.charCodeAt(o);
    const b = kw.charCodeAt(o + 1);
    const c = kw.charCodeAt(o + 2);
    if (a > 127 || b > 127 || c > 127) continue;
    const cost = 2 * bigramCost(a, b) + bigramCost(b, c);
    if (cost < bestCost) {
      bestCost = cost;
      best = o;
    }
  }
  return best;
}

const TABLE_BITS = 24;
const BLOCK = 1 << 18; // chars per latin1 copy: fits in L2 next to the hot part of the table
const PAD = 8;

// One scratch buffer for every prefilter: scans are synchronous and never nested (the engine
// finishes the pass before any detector runs), so sharing is safe and saves memory.
const scratch = new ArrayBuffer(BLOCK + 16);
const scratchU8 = new Uint8Array(scratch);
const scratchU32 = new Uint32Array(scratch);
const scratchBuf = Buffer.from(scratch);

/** Verify folded keyword `kw` at `start` of `text` (ASCII-case-insensitive). */
function matchesAt(text: string, start: number, kw: string): boolean {
  if (start < 0 || start + kw.length > text.length) return false;
  for (let j = 0; j < kw.length; j++) {
    let c = text.charCodeAt(start + j);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== kw.charCodeAt(j)) return false;
  }
  return true;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

class HitList {
  data = new Int32Array(64);
  length = 0;
  push(a: number, b: number): void {
    if (this.length + 2 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = a;
    this.data[this.length++] = b;
  }
  result(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

class TablePrefilter implements Prefilter {
  readonly keywords: readonly string[];
  /** 3-gram → 0 (no anchor) or 1 + index into `anchors`. */
  readonly #table: Uint8Array;
  /** For anchor slot k: the keyword ids and offsets anchored on that 3-gram. */
  readonly #anchors: Array<Array<{ kw: number; offset: number }>> = [];
  readonly #anchorByGram = new Map<number, number>();
  /** Keywords without an ASCII 3-gram, found with one combined RegExp. */
  readonly #slow: RegExp | undefined;
  readonly #slowIds = new Map<string, number>();
  readonly #cand = new Int32Array(4096);

  constructor(keywords: readonly string[]) {
    this.keywords = keywords;
    this.#table = new Uint8Array(1 << TABLE_BITS);
    const slow: string[] = [];
    keywords.forEach((kw, id) => {
      const o = anchorOffset(kw);
      if (o < 0) {
        slow.push(kw);
        this.#slowIds.set(kw, id);
        return;
      }
      const gram = (kw.charCodeAt(o) | 0x20) | ((kw.charCodeAt(o + 1) | 0x20) << 8) | ((kw.charCodeAt(o + 2) | 0x20) << 16);
      let slot = this.#anchorByGram.get(gram);
      if (slot === undefined) {
        slot = this.#anchors.length;
        this.#anchors.push([]);
        this.#anchorByGram.set(gram, slot);
        // The table is a presence flag; the slot is found through the map on a hit (hits are rare).
        this.#table[gram] = 1;
      }
      this.#anchors[slot]!.push({ kw: id, offset: o });
    });
    this.#slow = slow.length > 0 ? new RegExp(slow.sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'gi') : undefined;
  }

  scan(text: string): Int32Array {
    const hits = new HitList();
    const n = text.length;
    if (this.#anchors.length > 0 && n >= 3) {
      for (let a = 0; a < n; a += BLOCK) {
        const limit = Math.min(BLOCK, n - a);
        // Two characters of look-ahead so a 3-gram at the block's last positions is complete.
        const piece = a === 0 && n <= BLOCK + 2 ? text : text.slice(a, Math.min(n, a + BLOCK + 2));
        const written = scratchBuf.write(piece, 0, 'latin1');
        scratchU8.fill(0, written, written + PAD);
        this.#scanBlock(text, a, limit, hits);
      }
    }
    if (this.#slow) this.#scanSlow(text, hits);
    return hits.result();
  }

  #scanBlock(text: string, base: number, limit: number, hits: HitList): void {
    const table = this.#table;
    const u32 = scratchU32;
    const cand = this.#cand;
    const cap = cand.length - 4;
    const words = (limit + 3) >>> 2;
    let nc = 0;
    let w0 = u32[0]! | 0x20202020;
    for (let j = 0; j < words; j++) {
      const w1 = u32[j + 1]! | 0x20202020;
      // The 3-grams starting at the four byte positions of word j (little-endian).
      if (table[w0 & 0xffffff] !== 0) cand[nc++] = 4 * j;
      if (table[w0 >>> 8] !== 0) cand[nc++] = 4 * j + 1;
      if (table[(w0 >>> 16) | ((w1 & 0xff) << 16)] !== 0) cand[nc++] = 4 * j + 2;
      if (table[(w0 >>> 24) | ((w1 & 0xffff) << 8)] !== 0) cand[nc++] = 4 * j + 3;
      w0 = w1;
      if (nc >= cap) {
        this.#verify(text, base, limit, cand, nc, hits);
        nc = 0;
      }
    }
    if (nc > 0) this.#verify(text, base, limit, cand, nc, hits);
  }

  #verify(text: string, base: number, limit: number, cand: Int32Array, nc: number, hits: HitList): void {
    const u8 = scratchU8;
    for (let k = 0; k < nc; k++) {
      const p = cand[k]!;
      if (p >= limit) continue;
      const gram = (u8[p]! | 0x20) | ((u8[p + 1]! | 0x20) << 8) | ((u8[p + 2]! | 0x20) << 16);
      const slot = this.#anchorByGram.get(gram);
      if (slot === undefined) continue;
      for (const { kw, offset } of this.#anchors[slot]!) {
        const start = base + p - offset;
        if (matchesAt(text, start, this.keywords[kw]!)) hits.push(kw, start);
      }
    }
  }

  #scanSlow(text: string, hits: HitList): void {
    const re = this.#slow!;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const at = m.index;
      // The alternation reports one keyword per position; check every slow keyword there so a
      // shorter keyword sharing the start is not lost, then step one character for overlaps.
      for (const [kw, id] of this.#slowIds) if (matchesAt(text, at, kw)) hits.push(id, at);
      re.lastIndex = at + 1;
    }
  }
}

/** Keyword lists seen recently → their prefilter (engines built from the same rules share one). */
const cache = new Map<string, Prefilter>();
const CACHE_MAX = 8;

/**
 * A prefilter for `keywords` (folded and de-duplicated by the caller; order defines ids).
 * Prefilters are cached by keyword list, so building several engines over the same rules is cheap.
 */
export function createPrefilter(keywords: readonly string[]): Prefilter {
  const key = keywords.join('\u0000');
  const hit = cache.get(key);
  if (hit) return hit;
  const pf = new TablePrefilter([...keywords]);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, pf);
  return pf;
}
