/**
 * Human-readable rendering of a blast radius: one line per factor with a bar proportional to its
 * points (`█` adds, `░` subtracts), so a reader can follow the score from top to bottom.
 * Shared by `tokenradius inspect` and any text report.
 */
import type { BlastRadius } from '../core/types.js';
import { clean } from './claims.js';

export interface FactorBarOptions {
  /** Points per bar cell (default 2). */
  pointsPerCell?: number;
  /** Longest bar, in cells (default 25). */
  maxCells?: number;
}

export function factorBar(points: number, o: FactorBarOptions = {}): string {
  const per = o.pointsPerCell ?? 2;
  const max = o.maxCells ?? 25;
  const cells = Math.min(max, Math.ceil(Math.abs(points) / per));
  return (points >= 0 ? '█' : '░').repeat(points === 0 ? 0 : cells);
}

/** Lines like `  privilege        +45  ███████████████████████  owner: …`, then the total. */
export function renderFactors(br: BlastRadius, o: FactorBarOptions = {}): string[] {
  const idWidth = Math.max(10, ...br.factors.map((f) => f.id.length));
  const barWidth = o.maxCells ?? 25;
  const lines = br.factors.map((f) => {
    const pts = (f.points > 0 ? '+' : f.points < 0 ? '' : ' ') + String(f.points);
    return `  ${clean(f.id).padEnd(idWidth)} ${pts.padStart(4)}  ${factorBar(f.points, o).padEnd(barWidth)}  ${clean(f.reason)}`;
  });
  lines.push(`  ${'='.padEnd(idWidth, '=')} ${String(br.score).padStart(4)}  ${br.severity}`);
  return lines;
}
