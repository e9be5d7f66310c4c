/**
 * `--format jsonl`: one finding per line (the same objects as in the JSON report), then exactly one
 * final line `{"stats": {...}}`. A consumer tells them apart by the `fingerprint` / `stats` key.
 */
import type { StreamRenderer } from './types.js';
import { toStringRenderer } from './types.js';
import { stringifyForDisplay } from '../core/display.js';

export const streamJsonl: StreamRenderer = function* (input) {
  for (const f of input.findings) yield stringifyForDisplay(f) + '\n';
  yield stringifyForDisplay({ stats: input.stats }) + '\n';
};

export const renderJsonl = toStringRenderer(streamJsonl);
