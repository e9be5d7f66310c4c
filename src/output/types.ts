/**
 * The output-format contract: a pure function from a report to text. Formats never see a raw
 * token (the report is built from findings), never do I/O and never read the clock.
 */
import type { Report } from './report.js';

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

export type Renderer = (report: Report, ctx: RenderContext) => string;
