/**
 * `--format json`: `{"findings": [...], "stats": {...}}`, pretty-printed, newline-terminated —
 * byte for byte what `JSON.stringify(report, null, 2)` gives (but for display-unsafe characters,
 * written as `\uXXXX`: see src/core/display.ts), written one finding at a time.
 */
import type { StreamRenderer } from './types.js';
import { toStringRenderer } from './types.js';
import { stringifyForDisplay } from '../core/display.js';

function indent(json: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  // JSON escapes newlines inside strings, so every '\n' here is a line break of the layout.
  return json.replace(/\n/g, '\n' + pad);
}

export const streamJson: StreamRenderer = function* (input) {
  yield '{\n  "findings": [';
  let first = true;
  for (const f of input.findings) {
    yield (first ? '\n    ' : ',\n    ') + indent(stringifyForDisplay(f, 2), 4);
    first = false;
  }
  yield first ? '],\n' : '\n  ],\n';
  yield '  "stats": ' + indent(stringifyForDisplay(input.stats, 2), 2) + '\n}\n';
};

export const renderJson = toStringRenderer(streamJson);
