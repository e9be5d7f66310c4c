/**
 * Checks what a scan reported against what bench/corpus.ts planted (its manifest): every planted
 * token must be reported at its place (file, line, column) with its fingerprint. Compared by
 * occurrence, not by finding — a report folds every place one secret was seen into one finding.
 *
 * Used by bench/engine.ts (engine matches) and bench/scan.ts (the CLI's JSON report).
 */
import type { PlantedToken } from './corpus.js';

export type Planted = PlantedToken & { path: string };

/** One place a scan reported a secret. `path` is relative to the corpus directory. */
export interface Reported {
  path: string;
  line: number;
  column: number;
  fingerprint: string;
  ruleId: string;
}

export interface ManifestCheck {
  planted: number;
  /** Planted tokens reported at their place with their fingerprint (under any rule). */
  found: number;
  missed: Planted[];
  /** Found, but under another rule than the one expected. */
  otherRule: Array<{ planted: Planted; ruleId: string }>;
  /** Reported where nothing was planted: a token the generator made by accident, or a false positive. */
  unplanted: Reported[];
}

const key = (t: { path: string; line: number; column: number; fingerprint: string }): string => `${t.path}\u0000${t.line}\u0000${t.column}\u0000${t.fingerprint}`;

export function checkAgainstManifest(planted: readonly Planted[], reported: readonly Reported[]): ManifestCheck {
  const byPlace = new Map<string, Reported[]>();
  for (const r of reported) {
    const k = key(r);
    const list = byPlace.get(k);
    if (list) list.push(r);
    else byPlace.set(k, [r]);
  }
  const missed: Planted[] = [];
  const otherRule: ManifestCheck['otherRule'] = [];
  let found = 0;
  for (const p of planted) {
    const list = byPlace.get(key(p));
    const r = list?.shift();
    if (!r) {
      missed.push(p);
      continue;
    }
    found++;
    if (r.ruleId !== p.ruleId) otherRule.push({ planted: p, ruleId: r.ruleId });
  }
  const unplanted = [...byPlace.values()].flat();
  return { planted: planted.length, found, missed, otherRule, unplanted };
}

/** Lines for the bench output: the totals, then every miss grouped by rule and placement. */
export function describeCheck(c: ManifestCheck, examplesPerGroup = 3): string[] {
  const out = [`planted ${c.planted}, found ${c.found}, missed ${c.missed.length}${c.otherRule.length ? `, under another rule ${c.otherRule.length}` : ''}${c.unplanted.length ? `, reported but not planted ${c.unplanted.length}` : ''}`];
  const groups = new Map<string, Planted[]>();
  for (const m of c.missed) {
    const g = `${m.ruleId} (${m.placement}, ${m.path.split('/')[0]})`;
    const list = groups.get(g);
    if (list) list.push(m);
    else groups.set(g, [m]);
  }
  for (const [g, list] of [...groups].sort((a, b) => b[1].length - a[1].length)) {
    out.push(`  missed ${list.length} ${g}: ${list.slice(0, examplesPerGroup).map((m) => `${m.path}:${m.line}:${m.column}`).join(', ')}${list.length > examplesPerGroup ? ', …' : ''}`);
  }
  for (const o of c.otherRule.slice(0, 10)) out.push(`  ${o.planted.path}:${o.planted.line}:${o.planted.column} planted as ${o.planted.ruleId}, reported as ${o.ruleId}`);
  for (const u of c.unplanted.slice(0, 10)) out.push(`  not planted: ${u.ruleId} at ${u.path}:${u.line}:${u.column}`);
  return out;
}

/** 1-based line and UTF-16 column of each offset (ascending order not required). */
export function lineColumns(text: string, offsets: readonly number[]): Array<{ line: number; column: number }> {
  const order = offsets.map((o, i) => [o, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<{ line: number; column: number }>(offsets.length);
  let line = 1;
  let lineStart = 0;
  let nl = text.indexOf('\n');
  for (const [o, i] of order) {
    while (nl !== -1 && nl < o) {
      line++;
      lineStart = nl + 1;
      nl = text.indexOf('\n', nl + 1);
    }
    out[i] = { line, column: o - lineStart + 1 };
  }
  return out;
}
