/** Output formats by name: one explicit list. */
import { renderJson, streamJson } from './json.js';
import { renderJsonl, streamJsonl } from './jsonl.js';
import { renderSarif, streamSarif } from './sarif.js';
import { renderTable, streamTable } from './table.js';
import type { OutputFormat, Renderer, StreamRenderer } from './types.js';

export const RENDERERS: Readonly<Record<OutputFormat, Renderer>> = {
  json: renderJson,
  jsonl: renderJsonl,
  sarif: renderSarif,
  table: renderTable,
};

/** The same formats, yielding the document piece by piece (what `scan` writes to its output). */
export const STREAM_RENDERERS: Readonly<Record<OutputFormat, StreamRenderer>> = {
  json: streamJson,
  jsonl: streamJsonl,
  sarif: streamSarif,
  table: streamTable,
};

export {
  OUTPUT_FORMATS,
  rulesOf,
  toStringRenderer,
  type OutputFormat,
  type RenderContext,
  type RenderInput,
  type Renderer,
  type RuleInfo,
  type StreamRenderer,
} from './types.js';
export * from './report.js';
export { loadBaseline, parseBaseline } from './baseline.js';
