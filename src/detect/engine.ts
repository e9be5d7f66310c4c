/**
 * The detection engine: a keyword prefilter decides in one pass which detectors run and where,
 * then each selected detector's `find` runs on windows around its keyword occurrences, and the
 * matches are merged into one sorted, de-duplicated, overlap-free list.
 *
 * Contract of `scan`: pure, synchronous, never throws, whatever the input (any size, binary, NULs,
 * lone surrogates, megabyte lines). A detector that throws loses its matches for that window only;
 * a detector that yields garbage (bad offsets, empty secrets) has those matches dropped.
 *
 * Overlap policy (deterministic): when matches overlap, the one ranked first wins —
 *   1. higher `Detector.priority` (default 0; generic rules go negative, "this JWT is really a
 *      Supabase service key" rules go positive);
 *   2. a `jwt` match before a `credential` match — a credential-looking run inside a JWT (base64url
 *      signatures contain `_` and `-`, so `…ghp_…` or `AKIA…` can occur by chance) is part of the
 *      JWT, and the JWT carries the decoded claims;
 *   3. the longer span (the whole URL with its password beats a fragment of it);
 *   4. the earlier start, then the smaller rule id, then the smaller secret.
 * The same secret reported by two rules at the same span is therefore one match, from the more
 * specific rule (higher priority, or lexically first id when nobody said).
 */
import { DEFAULT_WINDOW, type Detector, type Match } from './types.js';
import { createPrefilter, foldAscii, type Prefilter } from './prefilter.js';

export interface Engine {
  /** The detectors this engine runs, in the order given to `createEngine`. */
  readonly detectors: readonly Detector[];
  /**
   * Every token in `text`: sorted by start, overlaps resolved (see the policy above). Offsets
   * are UTF-16 indices into `text`. Never throws.
   */
  scan(text: string): Match[];
}

export interface EngineOptions {
  /**
   * Told when a detector throws (contained) — for metrics. Gets the detector id and the error's
   * class name only: error messages of rule code may quote the text being scanned.
   */
  onDetectorError?: (detectorId: string, errorName: string) => void;
}

/** Snap a window edge to a line break when one is this close, so rules see whole lines. */
const SNAP = 256;
/** A detector that yields more than this many matches in one run is cut off (runaway rule). */
const MAX_MATCHES_PER_RUN = 10_000;
/** Upper bound on matches one scan returns (memory bound on pathological input). */
const MAX_MATCHES_PER_SCAN = 100_000;
/** A secret longer than this is not a token (PEM blocks and long JWTs are far below it). */
const MAX_SECRET = 1 << 20;

interface Compiled {
  detector: Detector;
  id: string;
  priority: number;
  whole: boolean;
  before: number;
  after: number;
  /** Runs on every chunk (declared no keyword). */
  always: boolean;
}

function nonNegInt(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : fallback;
}

function compile(d: Detector): Compiled | undefined {
  if (d === null || typeof d !== 'object' || typeof d.id !== 'string' || typeof d.find !== 'function') return undefined;
  const w = d.window;
  const whole = w === 'chunk';
  const win = typeof w === 'object' && w !== null ? w : DEFAULT_WINDOW;
  const keywords = Array.isArray(d.keywords) ? d.keywords.filter((k) => typeof k === 'string' && k.length > 0) : [];
  return {
    detector: d,
    id: d.id,
    priority: typeof d.priority === 'number' && Number.isFinite(d.priority) ? d.priority : 0,
    whole,
    before: nonNegInt(win.before, DEFAULT_WINDOW.before),
    after: nonNegInt(win.after, DEFAULT_WINDOW.after),
    always: keywords.length === 0,
  };
}

/** Copy a detector's match into a clean object with offsets into the chunk, or drop it. */
function sanitize(m: unknown, c: Compiled, windowLength: number, offset: number): Match | undefined {
  if (m === null || typeof m !== 'object') return undefined;
  const r = m as Partial<Match>;
  const { secret, start, end } = r;
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET) return undefined;
  if (!Number.isInteger(start) || !Number.isInteger(end)) return undefined;
  if ((start as number) < 0 || (end as number) <= (start as number) || (end as number) > windowLength) return undefined;
  const out: Match = {
    ruleId: typeof r.ruleId === 'string' && r.ruleId.length > 0 ? r.ruleId : c.id,
    kind: r.kind === 'jwt' || r.kind === 'credential' ? r.kind : c.detector.kind,
    secret,
    start: (start as number) + offset,
    end: (end as number) + offset,
  };
  if (r.jwt !== undefined && r.jwt !== null && typeof r.jwt === 'object') out.jwt = r.jwt;
  if (r.context !== undefined && r.context !== null && typeof r.context === 'object') {
    const ctx: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.context)) if (typeof v === 'string') ctx[k] = v;
    out.context = ctx;
  }
  return out;
}

function errorName(e: unknown): string {
  return e instanceof Error && typeof e.name === 'string' ? e.name.slice(0, 60) : typeof e;
}

/**
 * Rank for overlap resolution: negative when `a` should win over `b`. See the module comment.
 * `prio` maps a match to its detector's priority.
 */
function compareRank(a: Match, b: Match, pa: number, pb: number): number {
  if (pa !== pb) return pb - pa;
  if (a.kind !== b.kind) return a.kind === 'jwt' ? -1 : 1;
  const la = a.end - a.start;
  const lb = b.end - b.start;
  if (la !== lb) return lb - la;
  if (a.start !== b.start) return a.start - b.start;
  if (a.ruleId !== b.ruleId) return a.ruleId < b.ruleId ? -1 : 1;
  return a.secret < b.secret ? -1 : a.secret > b.secret ? 1 : 0;
}

/** Keep a maximal set of non-overlapping matches, choosing by rank; returns them sorted by start. */
export function resolveOverlaps(matches: Match[], priorityOf: (m: Match) => number): Match[] {
  if (matches.length <= 1) return matches;
  matches.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Match[] = [];
  // Sweep: matches that overlap transitively form a cluster; clusters are independent, and are
  // almost always a single match, so the quadratic greedy inside a cluster stays cheap.
  let i = 0;
  while (i < matches.length) {
    let j = i + 1;
    let clusterEnd = matches[i]!.end;
    while (j < matches.length && matches[j]!.start < clusterEnd) {
      clusterEnd = Math.max(clusterEnd, matches[j]!.end);
      j++;
    }
    if (j - i === 1) {
      out.push(matches[i]!);
    } else {
      const cluster = matches.slice(i, j).sort((a, b) => compareRank(a, b, priorityOf(a), priorityOf(b)));
      const kept: Match[] = [];
      for (const m of cluster) {
        if (kept.every((k) => m.end <= k.start || k.end <= m.start)) kept.push(m);
      }
      kept.sort((a, b) => a.start - b.start);
      out.push(...kept);
    }
    i = j;
  }
  return out;
}

/** Index of the last '\n' in [from - max, from), or -1. Bounded: never scans a megabyte line. */
function newlineBefore(text: string, from: number, max: number): number {
  const lo = Math.max(0, from - max);
  // A slice is O(1) in V8 and the search in it native; `lastIndexOf` on the whole text would not stop.
  const i = text.slice(lo, from).lastIndexOf('\n');
  return i < 0 ? -1 : lo + i;
}

/** Index of the first '\n' in [from, from + max), or -1. */
function newlineAfter(text: string, from: number, max: number): number {
  const i = text.slice(from, Math.min(text.length, from + max)).indexOf('\n');
  return i < 0 ? -1 : from + i;
}

/**
 * Merge [start, end) keyword spans of one detector into windows widened by before/after, then
 * snap each window's edges outwards to a nearby line break (or the chunk's edge).
 */
function windowsFor(text: string, spans: number[], before: number, after: number): number[] {
  const n = text.length;
  const order: number[] = [];
  for (let k = 0; k < spans.length; k += 2) order.push(k);
  order.sort((a, b) => spans[a]! - spans[b]!);
  const merged: number[] = [];
  for (const k of order) {
    const ws = Math.max(0, spans[k]! - before);
    const we = Math.min(n, spans[k + 1]! + after);
    const last = merged.length - 2;
    if (last >= 0 && ws <= merged[last + 1]!) merged[last + 1] = Math.max(merged[last + 1]!, we);
    else merged.push(ws, we);
  }
  const out: number[] = [];
  for (let k = 0; k < merged.length; k += 2) {
    let ws = merged[k]!;
    let we = merged[k + 1]!;
    if (ws > 0) {
      const nl = newlineBefore(text, ws, SNAP);
      if (nl >= 0) ws = nl + 1;
      else if (ws <= SNAP) ws = 0;
    }
    if (we < n) {
      const nl = newlineAfter(text, we, SNAP);
      if (nl >= 0) we = nl;
      else if (n - we <= SNAP) we = n;
    }
    const last = out.length - 2;
    if (last >= 0 && ws <= out[last + 1]!) out[last + 1] = Math.max(out[last + 1]!, we);
    else out.push(ws, we);
  }
  return out;
}

export function createEngine(detectors: readonly Detector[], opts: EngineOptions = {}): Engine {
  const compiled: Compiled[] = [];
  const kwIndex = new Map<string, number>();
  const kwDetectors: number[][] = [];
  const kwLength: number[] = [];
  for (const d of detectors) {
    const c = compile(d);
    if (!c) continue;
    const di = compiled.length;
    compiled.push(c);
    if (c.always) continue;
    for (const raw of d.keywords) {
      if (typeof raw !== 'string' || raw.length === 0) continue;
      const kw = foldAscii(raw);
      let id = kwIndex.get(kw);
      if (id === undefined) {
        id = kwDetectors.length;
        kwIndex.set(kw, id);
        kwDetectors.push([]);
        kwLength.push(kw.length);
      }
      const list = kwDetectors[id]!;
      if (!list.includes(di)) list.push(di);
    }
  }
  const prefilter: Prefilter = createPrefilter([...kwIndex.keys()]);
  const priorityById = new Map<string, number>();
  for (const c of compiled) if (!priorityById.has(c.id)) priorityById.set(c.id, c.priority);
  const priorityOf = (m: Match): number => priorityById.get(m.ruleId) ?? 0;
  const frozen = Object.freeze(compiled.map((c) => c.detector));

  function run(c: Compiled, text: string, start: number, end: number, out: Match[]): void {
    const slice = start === 0 && end === text.length ? text : text.slice(start, end);
    let count = 0;
    try {
      for (const m of c.detector.find(slice)) {
        if (++count > MAX_MATCHES_PER_RUN || out.length >= MAX_MATCHES_PER_SCAN) break;
        const s = sanitize(m, c, slice.length, start);
        if (s) out.push(s);
      }
    } catch (e) {
      try {
        opts.onDetectorError?.(c.id, errorName(e));
      } catch {
        // a failing metrics hook must not break the scan either
      }
    }
  }

  const alwaysRun = compiled.filter((c) => c.always);

  function scan(text: string): Match[] {
    if (typeof text !== 'string' || text.length === 0) return [];
    const out: Match[] = [];
    try {
      const hits = prefilter.scan(text);
      if (hits.length > 0) {
        // Keyword spans per detector, only for the detectors that were hit (most are not).
        const spans = new Map<number, number[]>();
        for (let k = 0; k < hits.length; k += 2) {
          const kw = hits[k]!;
          const start = hits[k + 1]!;
          const end = start + kwLength[kw]!;
          for (const di of kwDetectors[kw]!) {
            const s = spans.get(di);
            if (s) s.push(start, end);
            else spans.set(di, [start, end]);
          }
        }
        // Registry order, so a detector's matches do not depend on which others were hit.
        for (const di of [...spans.keys()].sort((a, b) => a - b)) {
          const c = compiled[di]!;
          if (c.whole) run(c, text, 0, text.length, out);
          else {
            const w = windowsFor(text, spans.get(di)!, c.before, c.after);
            for (let k = 0; k < w.length; k += 2) run(c, text, w[k]!, w[k + 1]!, out);
          }
        }
      }
      for (const c of alwaysRun) run(c, text, 0, text.length, out);
    } catch {
      // An engine bug must not take a worker down; whatever was found so far is still reported.
    }
    if (out.length === 0) return out;
    try {
      return resolveOverlaps(out, priorityOf);
    } catch {
      return out;
    }
  }

  return { detectors: frozen, scan };
}
