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
 * Memory: one finding object per distinct token plus one small occurrence per place; no text.
 */
import { SEVERITY_ORDER, type Exposure, type Finding, type FindingObservation, type FindingSink, type Occurrence, type UpsertResult } from '../core/types.js';

export interface Aggregator extends FindingSink {
  /** Findings sorted by score desc (ties: first location). Occurrences sorted as documented above. */
  findings(): Finding[];
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
  finding: Finding;
  keys: Set<string>;
  maxVisibility: number;
  version: number;
  sorted: boolean;
}

function assessment(o: FindingObservation): Omit<Finding, 'occurrences' | 'firstSeen' | 'lastSeen'> {
  const { occurrence: _occ, sealedToken: _sealed, ...rest } = o;
  return rest;
}

export function createAggregator(): Aggregator {
  const byFp = new Map<string, Entry>();

  return {
    get size() {
      return byFp.size;
    },

    async upsert(o: FindingObservation): Promise<UpsertResult> {
      const key = occurrenceKey(o.occurrence);
      const vis = VISIBILITY_RANK[o.occurrence.exposure?.visibility ?? 'unknown'];
      const entry = byFp.get(o.fingerprint);
      if (!entry) {
        byFp.set(o.fingerprint, {
          finding: { ...assessment(o), occurrences: [o.occurrence], firstSeen: o.occurrence.firstSeen, lastSeen: o.occurrence.firstSeen },
          keys: new Set([key]),
          maxVisibility: vis,
          version: 1,
          sorted: true,
        });
        return { change: 'new', version: 1 };
      }
      const f = entry.finding;
      let change: UpsertResult['change'] = 'unchanged';
      if (!entry.keys.has(key)) {
        entry.keys.add(key);
        f.occurrences.push(o.occurrence);
        entry.sorted = false;
        if (vis > entry.maxVisibility) {
          entry.maxVisibility = vis;
          change = 'changed';
        }
      }
      if (o.occurrence.firstSeen < f.firstSeen) f.firstSeen = o.occurrence.firstSeen;
      if (o.occurrence.firstSeen > f.lastSeen) f.lastSeen = o.occurrence.firstSeen;
      if (o.blastRadius.score > f.blastRadius.score) {
        const worse = SEVERITY_ORDER.indexOf(o.blastRadius.severity) > SEVERITY_ORDER.indexOf(f.blastRadius.severity);
        const livenessChanged = o.liveness.state !== f.liveness.state;
        entry.finding = { ...assessment(o), occurrences: f.occurrences, firstSeen: f.firstSeen, lastSeen: f.lastSeen };
        if (worse) change = 'worse';
        else if (livenessChanged) change = 'changed';
      }
      if (change !== 'unchanged') entry.version += 1;
      return { change, version: entry.version };
    },

    findings(): Finding[] {
      const out: Finding[] = [];
      for (const e of byFp.values()) {
        if (!e.sorted) {
          e.finding.occurrences.sort(compareOccurrences);
          e.sorted = true;
        }
        out.push(e.finding);
      }
      out.sort((a, b) => {
        if (b.blastRadius.score !== a.blastRadius.score) return b.blastRadius.score - a.blastRadius.score;
        const c = compareOccurrences(a.occurrences[0]!, b.occurrences[0]!);
        if (c !== 0) return c;
        return a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;
      });
      return out;
    },
  };
}
