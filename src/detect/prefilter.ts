/**
 * The keyword prefilter: one pass over a chunk that reports every occurrence of every rule keyword
 * (ASCII-case-insensitively), so the engine runs a rule only where one of its keywords occurs.
 *
 * Why this shape (measured on this project's 2-core machine; `node dist/bench/engine.js --compare`):
 * - one combined RegExp of ~180 keywords (`/ghp_|xoxb-|…/gi`) runs at ~50–100 MB/s: irregexp tries
 *   every alternative at every position;
 * - `toLowerCase()` + `indexOf` per keyword costs one native pass per keyword (~13–20 MB/s);
 * - a JavaScript loop over a byte copy of the text that looks 3-grams up in a direct-indexed
 *   table runs at ~0.6–1 GB/s — if it tests several positions with one branch (a branch per
 *   position mispredicts often enough to halve the speed) and looks at as few positions as it can.
 *
 * So: the chunk is copied into a scratch buffer one byte per UTF-16 code unit (`buf.write(s, 0,
 * 'latin1')`: native and offset-preserving; characters above U+00FF keep their low byte, which can
 * only add candidates, never hide an ASCII keyword). The loop reads it four bytes at a time and
 * looks up the 3-grams starting at the two EVEN positions of each word, in a 2 MiB table indexed
 * by the low five bits of each byte — which folds ASCII case for free and keeps the touched part
 * of the table small (the few other characters that fold together only add candidates). Every
 * keyword is registered so that one of its anchors starts at an even position whatever the parity
 * of its own start: a keyword of 4+ characters by two adjacent 3-grams (its rarest-looking pair);
 * a 3-character keyword by itself and by "any character + its first two"; a 2-character one by
 * itself followed or preceded by any character. A candidate passes a cheap filter on the
 * characters around the 3-gram, then an exact ASCII-case-insensitive comparison with the original
 * string. Non-ASCII and 1-character keywords go through one case-insensitive RegExp — correct,
 * but slower: avoid them.
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
   * The array is a view of a buffer the next `scan` reuses: read it before scanning again.
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

function gramCost(kw: string, o: number): number {
  const a = kw.charCodeAt(o);
  const b = kw.charCodeAt(o + 1);
  const c = kw.charCodeAt(o + 2);
  if (a > 127 || b > 127 || c > 127) return Infinity;
  return 2 * bigramCost(a, b) + bigramCost(b, c);
}

/**
 * For a keyword of 4 or more characters: the offset `o` of the two adjacent 3-grams (at `o` and
 * `o + 1`) to anchor on — the scan looks at every other position, so one of the two is always
 * seen. -1 when no such pair is all ASCII.
 */
export function anchorOffset(kw: string): number {
  let best = -1;
  let bestCost = Infinity;
  for (let o = 0; o + 4 <= kw.length; o++) {
    const cost = gramCost(kw, o) + gramCost(kw, o + 1);
    if (cost < bestCost) {
      bestCost = cost;
      best = o;
    }
  }
  return best;
}

/** Table index of a 3-gram: the low five bits of each byte, in bytes 0, 1 and 2. */
const TABLE_SIZE = 0x1f1f1f + 1;
const BLOCK = 1 << 18; // chars per latin1 copy: the block stays in L2 next to the table
const SUB = 1024; // words per inner run: at most 2 candidates per word fit in `cand`
const PAD = 8;

// One scratch buffer for every prefilter: scans are synchronous and never nested (the engine
// finishes the pass before any detector runs), so sharing is safe and saves memory.
const scratch = new ArrayBuffer(BLOCK + 16);
const scratchU8 = new Uint8Array(scratch);
const scratchU32 = new Uint32Array(scratch);
const scratchBuf = Buffer.from(scratch);

function gramIndex(a: number, b: number, c: number): number {
  return (a & 31) | ((b & 31) << 8) | ((c & 31) << 16);
}

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

/** A growable pair list, reused across scans (scans are synchronous and never nested). */
class HitList {
  data = new Int32Array(256);
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
  /** A view of the hits: valid until the next scan. */
  result(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
const sharedHits = new HitList();

class TablePrefilter implements Prefilter {
  readonly keywords: readonly string[];
  /** 3-gram index → 1 when a keyword is anchored on it (bytes, not slots: half the cache lines). */
  readonly #table: Uint8Array;
  /** 3-gram index → anchor slot, read only for candidates (so its pages are rarely touched). */
  readonly #slotOf: Uint16Array;
  /** For anchor slot k: the keyword ids and offsets anchored on that (folded) 3-gram. */
  readonly #anchors: Array<Array<{ kw: number; offset: number }>> = [];
  /**
   * For anchor slot k: which (5-bit folded) characters may follow / precede the 3-gram in one of
   * its keywords — a second, cheap filter before the exact comparison. All bits set when some
   * keyword has no character there.
   */
  #nextMask = new Int32Array(16);
  #prevMask = new Int32Array(16);
  /** Keywords with no ASCII 3-gram, found with one combined RegExp. */
  readonly #slow: RegExp | undefined;
  readonly #slowIds = new Map<string, number>();
  readonly #cand = new Int32Array(2 * SUB + 8);

  constructor(keywords: readonly string[]) {
    this.keywords = keywords;
    this.#table = new Uint8Array(TABLE_SIZE);
    this.#slotOf = new Uint16Array(TABLE_SIZE);
    const slots = new Map<number, number>();
    const slow: string[] = [];
    const anchor = (gram: number, id: number, o: number, kw: string): void => {
      let slot = slots.get(gram);
      if (slot === undefined) {
        slot = this.#anchors.length;
        this.#anchors.push([]);
        slots.set(gram, slot);
        this.#table[gram] = 1;
        this.#slotOf[gram] = slot;
        if (slot >= this.#nextMask.length) {
          const grow = (a: Int32Array) => {
            const b = new Int32Array(a.length * 2);
            b.set(a);
            return b;
          };
          this.#nextMask = grow(this.#nextMask);
          this.#prevMask = grow(this.#prevMask);
        }
      }
      this.#anchors[slot]!.push({ kw: id, offset: o });
      // The characters just outside the 3-gram, when they belong to the keyword.
      const after = o + 3;
      const before = o - 1;
      this.#nextMask[slot] = this.#nextMask[slot]! | (after >= 0 && after < kw.length ? 1 << (kw.charCodeAt(after) & 31) : -1);
      this.#prevMask[slot] = this.#prevMask[slot]! | (before >= 0 && before < kw.length ? 1 << (kw.charCodeAt(before) & 31) : -1);
    };
    const ascii = (kw: string) => [...kw].every((c) => c.charCodeAt(0) < 128);
    const code = (kw: string, i: number) => kw.charCodeAt(i);
    keywords.forEach((kw, id) => {
      const o = anchorOffset(kw);
      if (slots.size < 0xfe00 && o >= 0) {
        anchor(gramIndex(code(kw, o), code(kw, o + 1), code(kw, o + 2)), id, o, kw);
        anchor(gramIndex(code(kw, o + 1), code(kw, o + 2), code(kw, o + 3)), id, o + 1, kw);
      } else if (slots.size < 0xfe00 && kw.length === 3 && ascii(kw)) {
        // At an even start the 3-gram itself is seen; at an odd start, the 3-gram one character
        // earlier — any character, then the keyword's first two (offset -1: 32 entries).
        anchor(gramIndex(code(kw, 0), code(kw, 1), code(kw, 2)), id, 0, kw);
        for (let x = 0; x < 32; x++) anchor(gramIndex(x, code(kw, 0), code(kw, 1)), id, -1, kw);
      } else if (slots.size < 0xfe00 && kw.length === 2 && ascii(kw)) {
        // The same with a wildcard on either side (the zero padding after the text stands for
        // "end of text").
        for (let x = 0; x < 32; x++) {
          anchor(gramIndex(code(kw, 0), code(kw, 1), x), id, 0, kw);
          anchor(gramIndex(x, code(kw, 0), code(kw, 1)), id, -1, kw);
        }
      } else {
        // Non-ASCII, a single character, or absurdly many anchors: the slow path.
        slow.push(kw);
        this.#slowIds.set(kw, id);
      }
    });
    this.#slow = slow.length > 0 ? new RegExp(slow.sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'gi') : undefined;
  }

  scan(text: string): Int32Array {
    const hits = sharedHits;
    hits.length = 0;
    const n = text.length;
    if (this.#anchors.length > 0 && n >= 2) {
      for (let a = 0; a < n; a += BLOCK) {
        const limit = Math.min(BLOCK, n - a);
        // Three characters of look-ahead: the 3-gram at the block's last position is complete, and
        // so is the character after it that the second filter looks at.
        const piece = a === 0 && n <= BLOCK + 3 ? text : text.slice(a, Math.min(n, a + BLOCK + 3));
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
    const words = (limit + 3) >>> 2;
    for (let j0 = 0; j0 < words; j0 += SUB) {
      const j1 = Math.min(words, j0 + SUB);
      let nc = 0;
      let w0 = u32[j0]! & 0x1f1f1f1f;
      for (let j = j0; j < j1; j++) {
        const w1 = u32[j + 1]! & 0x1f1f1f1f;
        // The 3-grams starting at the two even byte positions of word j (little-endian): every
        // keyword has an anchor at an even position whatever its start's parity. One branch for
        // both: hits are rare, and a branch per position would mispredict too often.
        const t0 = table[w0 & 0xffffff]!;
        const t2 = table[(w0 >>> 16) | ((w1 & 0xff) << 16)]!;
        if ((t0 | t2) !== 0) {
          const p = 4 * j;
          if (t0 !== 0) cand[nc++] = p;
          if (t2 !== 0) cand[nc++] = p + 2;
        }
        w0 = w1;
      }
      if (nc > 0) this.#verify(text, base, limit, nc, hits);
    }
  }

  #verify(text: string, base: number, limit: number, nc: number, hits: HitList): void {
    const u8 = scratchU8;
    const cand = this.#cand;
    const next = this.#nextMask;
    const prev = this.#prevMask;
    for (let k = 0; k < nc; k++) {
      const p = cand[k]!;
      if (p >= limit) continue;
      const slot = this.#slotOf[gramIndex(u8[p]!, u8[p + 1]!, u8[p + 2]!)]!;
      // The byte before the block start is not in the buffer: skip the previous-character filter there.
      if (((next[slot]! >>> (u8[p + 3]! & 31)) & 1) === 0) continue;
      if (p > 0 && ((prev[slot]! >>> (u8[p - 1]! & 31)) & 1) === 0) continue;
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
