/** `--format json`: `{"findings": [...], "stats": {...}}`, pretty-printed, newline-terminated. */
import type { Renderer } from './types.js';

export const renderJson: Renderer = (report) => JSON.stringify({ findings: report.findings, stats: report.stats }, null, 2) + '\n';
