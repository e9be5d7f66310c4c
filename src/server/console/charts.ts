/**
 * Inline SVG charts: numbers in, markup out, no script. Each chart has a text alternative (`<title>`
 * plus an accessible label, and the pages show the same numbers in a table), and colours are paired
 * with text so nothing relies on colour alone.
 */
import type { Factor, Severity } from '../../core/types.js';
import { escapeHtml, html, trusted, type SafeHtml } from './html.js';

export const SEVERITY_FILL: Record<Severity, string> = {
  critical: '#b91c1c',
  high: '#c2410c',
  medium: '#a16207',
  low: '#0369a1',
  info: '#64748b',
};

const n = (v: number, digits = 1): string => (Number.isFinite(v) ? String(Math.round(v * 10 ** digits) / 10 ** digits) : '0');

/** A 0–100 score as a horizontal bar. */
export function scoreBar(score: number, severity: Severity): SafeHtml {
  const w = Math.max(0, Math.min(100, score));
  return html`<svg class="scorebar" viewBox="0 0 100 8" width="100" height="8" role="img" aria-label="${`score ${Math.round(score)} of 100`}" focusable="false"><rect width="100" height="8" rx="2" fill="#e2e8f0"/>${trusted(
    `<rect width="${n(w)}" height="8" rx="2" fill="${SEVERITY_FILL[severity]}"/>`,
  )}</svg>`;
}

const FACTOR_COLOURS = ['#1d4ed8', '#b91c1c', '#047857', '#a16207', '#7c3aed', '#be185d', '#0e7490', '#4d7c0f', '#c2410c', '#475569'];

/**
 * The score broken into its factors: positive points as stacked segments (in factor order), with a
 * legend that repeats each factor's points in text; factors that lower the score are listed apart.
 */
export function factorBar(factors: readonly Factor[], score: number): SafeHtml {
  const positive = factors.filter((f) => f.points > 0);
  const total = positive.reduce((a, f) => a + f.points, 0);
  const scale = total > 0 ? 100 / Math.max(total, 100) : 0;
  let x = 0;
  const segments: string[] = [];
  positive.forEach((f, i) => {
    const w = f.points * scale;
    segments.push(`<rect x="${n(x, 2)}" width="${n(w, 2)}" height="14" fill="${FACTOR_COLOURS[i % FACTOR_COLOURS.length]}"/>`);
    x += w;
  });
  const legend = positive.map(
    (f, i) => html`<li><span class="swatch" data-colour="${String(i % FACTOR_COLOURS.length)}" aria-hidden="true">${trusted(
      `<svg viewBox="0 0 10 10" width="10" height="10"><rect width="10" height="10" fill="${FACTOR_COLOURS[i % FACTOR_COLOURS.length]}"/></svg>`,
    )}</span> <strong>+${f.points}</strong> ${f.id}</li>`,
  );
  const negative = factors.filter((f) => f.points < 0).map((f) => html`<li><strong>${f.points}</strong> ${f.id}</li>`);
  return html`<figure class="factors">
  <svg viewBox="0 0 100 14" preserveAspectRatio="none" class="factorbar" role="img" aria-label="${`score ${Math.round(score)} from ${positive.length} factors`}" focusable="false"><rect width="100" height="14" fill="#e2e8f0"/>${trusted(segments.join(''))}</svg>
  <figcaption><ul class="legend">${legend}${negative}</ul></figcaption>
</figure>`;
}

/** 30-day trend: findings first seen (bars) and revoked (line) per UTC day. */
export function trendChart(series: ReadonlyArray<{ day: string; opened: number; revoked: number }>): SafeHtml {
  const W = 600;
  const H = 160;
  const pad = { l: 32, r: 8, t: 10, b: 24 };
  const max = Math.max(1, ...series.map((s) => Math.max(s.opened, s.revoked)));
  const innerW = W - pad.l - pad.r;
  const innerH = H - pad.t - pad.b;
  const step = series.length > 0 ? innerW / series.length : innerW;
  const y = (v: number) => pad.t + innerH - (v / max) * innerH;
  const bars = series.map((s, i) => {
    const h = (s.opened / max) * innerH;
    return `<rect x="${n(pad.l + i * step + step * 0.15, 2)}" y="${n(y(s.opened), 2)}" width="${n(step * 0.7, 2)}" height="${n(h, 2)}" fill="#c2410c"><title>${escapeHtml(s.day)}: ${s.opened} new</title></rect>`;
  });
  const points = series.map((s, i) => `${n(pad.l + i * step + step / 2, 2)},${n(y(s.revoked), 2)}`).join(' ');
  const ticks = [0, Math.ceil(max / 2), max].map((v) => `<text x="${pad.l - 4}" y="${n(y(v) + 4, 2)}" text-anchor="end" class="tick">${v}</text>`);
  const first = series[0]?.day ?? '';
  const last = series[series.length - 1]?.day ?? '';
  const totalOpened = series.reduce((a, s) => a + s.opened, 0);
  const totalRevoked = series.reduce((a, s) => a + s.revoked, 0);
  const label = `Findings per day from ${first} to ${last}: ${totalOpened} new, ${totalRevoked} revoked`;
  return html`<svg class="trend" viewBox="0 0 ${W} ${H}" role="img" aria-label="${label}" focusable="false">${trusted(
    `<line x1="${pad.l}" y1="${pad.t + innerH}" x2="${W - pad.r}" y2="${pad.t + innerH}" stroke="#94a3b8"/>` +
      ticks.join('') +
      bars.join('') +
      (series.length > 0 ? `<polyline points="${points}" fill="none" stroke="#047857" stroke-width="2.5"/>` : '') +
      `<text x="${pad.l}" y="${H - 6}" class="tick">${escapeHtml(first)}</text><text x="${W - pad.r}" y="${H - 6}" text-anchor="end" class="tick">${escapeHtml(last)}</text>`,
  )}</svg>`;
}
