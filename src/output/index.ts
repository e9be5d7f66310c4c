/** Output formats by name: one explicit list. */
import { renderJson } from './json.js';
import { renderJsonl } from './jsonl.js';
import { renderSarif } from './sarif.js';
import { renderTable } from './table.js';
import type { OutputFormat, Renderer } from './types.js';

export const RENDERERS: Readonly<Record<OutputFormat, Renderer>> = {
  json: renderJson,
  jsonl: renderJsonl,
  sarif: renderSarif,
  table: renderTable,
};

export { OUTPUT_FORMATS, type OutputFormat, type RenderContext, type Renderer, type RuleInfo } from './types.js';
export * from './report.js';
export { loadBaseline, parseBaseline } from './baseline.js';
