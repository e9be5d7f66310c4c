/**
 * `--format json`: `{"findings": [...], "stats": {...}}`, pretty-printed, newline-terminated —
 * byte for byte what `JSON.stringify(report, null, 2)` gives, written one finding at a time.
 */
import type { StreamRenderer } from './types.js';
import { toStringRenderer } from './types.js';

function indent(json: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  // JSON escapes newlines inside strings, so every '\n' here is a line break of the layout.
  return json.replace(/\n/g, '\n' + pad);
}

export const streamJson: StreamRenderer = function* (input) {
  yield '{\n  "findings": [';
  let first = true;
  for (const f of input.findings) {
    yield (first ? '\n    ' : ',\n    ') + indent(JSON.stringify(f, null, 2), 4);
    first = false;
  }
  yield first ? '],\n' : '\n  ],\n';
  yield '  "stats": ' + indent(JSON.stringify(input.stats, null, 2), 2) + '\n}\n';
};

export const renderJson = toStringRenderer(streamJson);
