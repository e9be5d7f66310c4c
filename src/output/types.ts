/**
 * The output-format contract: a pure function from a report to text. Formats never see a raw
 * token (the report is built from findings), never do I/O and never read the clock.
 */
import type { Report, ReportFinding, ScanStats } from './report.js';

export const OUTPUT_FORMATS = ['json', 'jsonl', 'sarif', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface RuleInfo {
  id: string;
  name: string;
  /** Link to the provider's documentation of the format. */
  docs?: string;
}

export interface RenderContext {
  /** Colour severities (table only; true only when writing to a terminal). */
  color: boolean;
  /** Terminal width, when writing to one. */
  columns?: number;
  /** Rule names and documentation links by rule id (SARIF rules, table). */
  rules: ReadonlyMap<string, RuleInfo>;
  toolVersion: string;
}

/** A whole report rendered to one string (small reports, tests). */
export type Renderer = (report: Report, ctx: RenderContext) => string;

/**
 * What a streaming renderer reads: findings as an iterable (materialised one at a time, so a
 * 1 GB scan's report never sits in memory twice) and, up front, the rule ids they use (SARIF lists
 * its rules before its results).
 */
export interface RenderInput {
  findings: Iterable<ReportFinding>;
  rules: ReadonlyArray<{ id: string; kind: string }>;
  stats: ScanStats;
}

/** Yields the output in pieces, in order; concatenated they are the whole document. */
export type StreamRenderer = (input: RenderInput, ctx: RenderContext) => Iterable<string>;

/** Rule ids (sorted) and their kinds, from a list of findings. */
export function rulesOf(findings: Iterable<{ rule: string; kind: string }>): Array<{ id: string; kind: string }> {
  const kinds = new Map<string, string>();
  for (const f of findings) if (!kinds.has(f.rule)) kinds.set(f.rule, f.kind);
  return [...kinds].map(([id, kind]) => ({ id, kind })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A string renderer from a streaming one. */
export function toStringRenderer(stream: StreamRenderer): Renderer {
  return (report, ctx) => {
    let out = '';
    for (const piece of stream({ findings: report.findings, rules: rulesOf(report.findings), stats: report.stats }, ctx)) out += piece;
    return out;
  };
}
