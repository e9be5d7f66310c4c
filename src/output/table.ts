/**
 * `--format table`: for a human at a terminal. Sorted by score (the report already is), one row per
 * finding with its redacted preview, first location (+N more), liveness and its top factors, then a
 * summary. Severity is coloured only when writing to a terminal (`ctx.color`).
 */
import type { Severity } from '../core/types.js';
import { neutralise } from '../core/display.js';
import { shortLocation, type ReportFinding } from './report.js';
import type { Renderer, StreamRenderer } from './types.js';

const COLOURS: Record<Severity, string> = {
  critical: '\x1b[1;37;41m',
  high: '\x1b[1;31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  info: '\x1b[2m',
};
const RESET = '\x1b[0m';

function truncate(s: string, width: number): string {
  if (width <= 1) return s.slice(0, Math.max(0, width));
  return s.length <= width ? s : s.slice(0, width - 1) + '…';
}

/** Strips control characters a hostile path or channel name could use to rewrite the terminal. */
function clean(s: string): string {
  return neutralise(s, '?');
}

function topFactors(f: ReportFinding, n: number): string {
  return [...f.blastRadius.factors]
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points))
    .slice(0, n)
    .map((x) => `${x.id} ${x.points >= 0 ? '+' : ''}${x.points}`)
    .join(', ');
}

interface Column {
  title: string;
  max: number;
  get(f: ReportFinding): string;
}

/** A table needs every row to size its columns: it is for terminals, where reports are short. */
export const streamTable: StreamRenderer = function* (input, ctx) {
  yield renderTable({ findings: [...input.findings], stats: input.stats }, ctx);
};

export const renderTable: Renderer = (report, ctx) => {
  const { findings, stats } = report;
  const lines: string[] = [];
  if (findings.length === 0) {
    lines.push('No leaked tokens found.');
  } else {
    const columns: Column[] = [
      { title: 'SEVERITY', max: 8, get: (f) => f.blastRadius.severity.toUpperCase() },
      { title: 'SCORE', max: 5, get: (f) => String(f.blastRadius.score) },
      { title: 'RULE', max: 32, get: (f) => f.rule },
      { title: 'TOKEN', max: 40, get: (f) => f.redacted },
      {
        title: 'LOCATION',
        max: 60,
        get: (f) => shortLocation(f.location) + (f.occurrences.length > 1 ? ` (+${f.occurrences.length - 1} more)` : ''),
      },
      { title: 'LIVENESS', max: 17, get: (f) => f.liveness.state },
      { title: 'TOP FACTORS', max: 60, get: (f) => topFactors(f, 3) },
    ];
    const cells = findings.map((f) => columns.map((c) => truncate(clean(c.get(f)), c.max)));
    const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i]!.length)));
    const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - s.length));
    lines.push(columns.map((c, i) => pad(c.title, widths[i]!)).join('  ').trimEnd());
    findings.forEach((f, r) => {
      const row = cells[r]!.map((cell, i) => {
        const padded = pad(cell, widths[i]!);
        if (i === 0 && ctx.color) return COLOURS[f.blastRadius.severity] + cell + RESET + padded.slice(cell.length);
        return padded;
      });
      lines.push(row.join('  ').trimEnd());
    });
  }
  const sev = stats.bySeverity;
  const mb = (stats.bytes / (1024 * 1024)).toFixed(1);
  lines.push('');
  lines.push(
    `${findings.length} finding${findings.length === 1 ? '' : 's'} (critical ${sev.critical}, high ${sev.high}, medium ${sev.medium}, low ${sev.low}, info ${sev.info})` +
      ` · ${stats.files} files${stats.items > 0 ? `, ${stats.items} commits/messages/issues` : ''}, ${mb} MiB in ${(stats.durationMs / 1000).toFixed(1)} s`,
  );
  const hidden = stats.suppressed.baseline + stats.suppressed.belowMinSeverity;
  if (hidden > 0) lines.push(`${hidden} hidden (baseline ${stats.suppressed.baseline}, below --min-severity ${stats.suppressed.belowMinSeverity})`);
  if (stats.errors.length > 0) lines.push(`errors: ${stats.errors.map((e) => `${e.code} x${e.count}`).join(', ')}`);
  return lines.join('\n') + '\n';
};
