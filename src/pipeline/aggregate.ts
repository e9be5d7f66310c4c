/**
 * The CLI's in-memory `FindingSink`: one finding per fingerprint with every place it was seen.
 *
 * - Occurrences are deduplicated by location (the same token at the same place reported twice —
 *   e.g. a Slack message's text and its rich-text copy at the same position — is one occurrence).
 * - The finding keeps the worst assessment seen (highest score); liveness and profile travel with
 *   the score they produced so the report explains itself.
 * - `findings()` is deterministic whatever order parallel workers delivered in: score desc, then
 *   first location; occurrences oldest first (by `at`), then by path/line/column.
 *
 * Memory: per distinct token, its assessment kept as a compact JSON string (a fifth of the object
 * graph; a 1 GB scan can hold tens of thousands of findings) plus one small occurrence per place.
 * `entries()` lets a writer materialise findings one at a time.
 */
import { SEVERITY_ORDER, type Exposure, type Finding, type FindingObservation, type FindingSink, type Occurrence, type UpsertResult } from '../core/types.js';

/** One aggregated token: what filters need, without materialising the finding. */
export interface AggregatedEntry {
  fingerprint: string;
  rule: string;
  kind: Finding['kind'];
  score: number;
  severity: Finding['blastRadius']['severity'];
  /** Builds the full finding (parses the stored assessment). */
  finding(): Finding;
}

/**
 * An observation reduced to what the aggregator keeps: the assessment already serialised. Worker
 * threads send these, so the main thread never rebuilds (and garbage-collects) the object graph of
 * every observation — only a string it stores as is when the token is new or worse.
 */
export interface CompactObservation {
  fingerprint: string;
  rule: string;
  kind: Finding['kind'];
  score: number;
  severity: Finding['blastRadius']['severity'];
  livenessState: string;
  occurrence: Occurrence;
  /** JSON of the observation without `occurrence` and `sealedToken`. */
  json: string;
}

export function compactObservation(o: FindingObservation): CompactObservation {
  return {
    fingerprint: o.fingerprint,
    rule: o.rule,
    kind: o.kind,
    score: o.blastRadius.score,
    severity: o.blastRadius.severity,
    livenessState: o.liveness.state,
    occurrence: o.occurrence,
    json: assessmentJson(o),
  };
}

export interface Aggregator extends FindingSink {
  /** `upsert` for an observation already compacted (by a worker thread). */
  upsertCompact(c: CompactObservation): UpsertResult;
  /** Findings sorted by score desc (ties: first location). Occurrences sorted as documented above. */
  findings(): Finding[];
  /** The same order as `findings()`, materialised lazily. */
  entries(): AggregatedEntry[];
  /** Distinct fingerprints so far (cheap; for progress lines). */
  readonly size: number;
}

const VISIBILITY_RANK: Record<Exposure['visibility'], number> = { unknown: 0, private: 1, 'shared-external': 2, public: 3 };

/** Identity of a place; two observations with the same key are one occurrence. */
export function occurrenceKey(o: Occurrence): string {
  const l = o.locator;
  switch (l.kind) {
    case 'git':
    case 'github':
      return `${l.kind}\u0000${l.repo}\u0000${l.commit}\u0000${l.path}\u0000${l.line}\u0000${l.column}\u0000${l.kind === 'github' ? (l.field ?? '') : ''}`;
    case 'slack':
      // Field deliberately left out: text and its blocks copy are the same message.
      return `slack\u0000${l.workspace ?? ''}\u0000${l.channel}\u0000${l.ts}\u0000${l.path}\u0000${l.line}\u0000${l.column}`;
    case 'jira':
      return `jira\u0000${l.site ?? ''}\u0000${l.issue}\u0000${l.field}\u0000${l.commentId ?? ''}\u0000${l.line}\u0000${l.column}`;
    default:
      return `${l.kind}\u0000${l.path}\u0000${l.line}\u0000${l.column}`;
  }
}

export function compareOccurrences(a: Occurrence, b: Occurrence): number {
  const at = (a.at ?? '').localeCompare(b.at ?? '');
  if (at !== 0) return at;
  if (a.locator.path !== b.locator.path) return a.locator.path < b.locator.path ? -1 : 1;
  if (a.locator.line !== b.locator.line) return a.locator.line - b.locator.line;
  if (a.locator.column !== b.locator.column) return a.locator.column - b.locator.column;
  const ka = occurrenceKey(a);
  const kb = occurrenceKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

interface Entry {
  fingerprint: string;
  rule: string;
  kind: Finding['kind'];
  score: number;
  severity: Finding['blastRadius']['severity'];
  livenessState: string;
  /** JSON of the assessment (the observation without occurrence and sealed token). */
  json: string;
  occurrences: Occurrence[];
  firstSeen: string;
  lastSeen: string;
  keys: Set<string>;
  maxVisibility: number;
  version: number;
  sorted: boolean;
}

type Assessment = Omit<Finding, 'occurrences' | 'firstSeen' | 'lastSeen'>;

function assessmentJson(o: FindingObservation): string {
  const { occurrence: _occ, sealedToken: _sealed, ...rest } = o;
  return JSON.stringify(rest satisfies Assessment);
}

function materialise(e: Entry): Finding {
  if (!e.sorted) {
    e.occurrences.sort(compareOccurrences);
    e.sorted = true;
  }
  return { ...(JSON.parse(e.json) as Assessment), occurrences: e.occurrences, firstSeen: e.firstSeen, lastSeen: e.lastSeen };
}

export function createAggregator(): Aggregator {
  const byFp = new Map<string, Entry>();

  function entries(): AggregatedEntry[] {
    const list = [...byFp.values()];
    for (const e of list) {
      if (!e.sorted) {
        e.occurrences.sort(compareOccurrences);
        e.sorted = true;
      }
    }
    list.sort((a, b) => {
      if (b.score !== a.score) return b.score - a.score;
      const c = compareOccurrences(a.occurrences[0]!, b.occurrences[0]!);
      if (c !== 0) return c;
      return a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;
    });
    return list.map((e) => ({ fingerprint: e.fingerprint, rule: e.rule, kind: e.kind, score: e.score, severity: e.severity, finding: () => materialise(e) }));
  }

  function upsertCompact(o: CompactObservation): UpsertResult {
    const key = occurrenceKey(o.occurrence);
    const vis = VISIBILITY_RANK[o.occurrence.exposure?.visibility ?? 'unknown'];
    const entry = byFp.get(o.fingerprint);
    const seen = o.occurrence.firstSeen;
    if (!entry) {
      byFp.set(o.fingerprint, {
        fingerprint: o.fingerprint,
        rule: o.rule,
        kind: o.kind,
        score: o.score,
        severity: o.severity,
        livenessState: o.livenessState,
        json: o.json,
        occurrences: [o.occurrence],
        firstSeen: seen,
        lastSeen: seen,
        keys: new Set([key]),
        maxVisibility: vis,
        version: 1,
        sorted: true,
      });
      return { change: 'new', version: 1 };
    }
    let change: UpsertResult['change'] = 'unchanged';
    if (!entry.keys.has(key)) {
      entry.keys.add(key);
      entry.occurrences.push(o.occurrence);
      entry.sorted = false;
      if (vis > entry.maxVisibility) {
        entry.maxVisibility = vis;
        change = 'changed';
      }
    }
    if (seen < entry.firstSeen) entry.firstSeen = seen;
    if (seen > entry.lastSeen) entry.lastSeen = seen;
    if (o.score > entry.score) {
      const worse = SEVERITY_ORDER.indexOf(o.severity) > SEVERITY_ORDER.indexOf(entry.severity);
      const livenessChanged = o.livenessState !== entry.livenessState;
      entry.score = o.score;
      entry.severity = o.severity;
      entry.livenessState = o.livenessState;
      entry.rule = o.rule;
      entry.kind = o.kind;
      entry.json = o.json;
      if (worse) change = 'worse';
      else if (livenessChanged) change = 'changed';
    }
    if (change !== 'unchanged') entry.version += 1;
    return { change, version: entry.version };
  }

  return {
    get size() {
      return byFp.size;
    },
    upsert: async (o: FindingObservation) => upsertCompact(compactObservation(o)),
    upsertCompact,
    entries,
    findings: () => entries().map((e) => e.finding()),
  };
}
