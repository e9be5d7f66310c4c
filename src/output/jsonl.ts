/**
 * `--format jsonl`: one finding per line (the same objects as in the JSON report), then exactly one
 * final line `{"stats": {...}}`. A consumer tells them apart by the `fingerprint` / `stats` key.
 */
import type { Renderer } from './types.js';

export const renderJsonl: Renderer = (report) => {
  let out = '';
  for (const f of report.findings) out += JSON.stringify(f) + '\n';
  out += JSON.stringify({ stats: report.stats }) + '\n';
  return out;
};
