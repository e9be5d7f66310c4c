/**
 * Dashboard: open findings by severity and by source, the 30-day trend (new vs revoked), the median
 * time from first seen to revoked, pending approvals. With no findings at all it points a new user
 * to the "connect a source" page.
 */
import { SEVERITY_ORDER } from '../../../core/types.js';
import type { Principal } from '../../auth/principal.js';
import type { Stats } from '../../api/schemas.js';
import { trendChart, SEVERITY_FILL } from '../charts.js';
import { duration, severityBadge } from '../format.js';
import { html, queryString, trusted } from '../html.js';
import { CONSOLE_PREFIX, page } from '../layout.js';

export function dashboardPage(o: { principal: Principal; stats: Stats; pendingApprovals: number; totalFindings: number }): string {
  const s = o.stats;
  const sevs = [...SEVERITY_ORDER].reverse();
  const maxSev = Math.max(1, ...sevs.map((v) => s.open.bySeverity[v]));
  const sources = Object.entries(s.open.bySource).sort((a, b) => b[1] - a[1]);
  const opened = s.series.reduce((a, d) => a + d.opened, 0);
  const revoked = s.series.reduce((a, d) => a + d.revoked, 0);

  const body = html`<h1>Dashboard</h1>
${o.totalFindings === 0
  ? html`<div class="notice" role="status"><strong>No findings yet.</strong> <a href="${CONSOLE_PREFIX}/welcome">Connect a source</a> (Slack, Jira, GitHub) or run <code>tokenradius demo</code> to load sample findings.</div>`
  : ''}
<div class="cards">
  <section class="card" aria-labelledby="c-open"><h2 id="c-open">Open findings</h2><p class="big">${s.open.total}</p>
    <p><a href="${CONSOLE_PREFIX}/findings${queryString([['status', 'open,acknowledged']])}">Review open findings</a></p></section>
  <section class="card" aria-labelledby="c-crit"><h2 id="c-crit">Critical and high</h2><p class="big">${s.open.bySeverity.critical + s.open.bySeverity.high}</p>
    <p><a href="${CONSOLE_PREFIX}/findings${queryString([['status', 'open,acknowledged'], ['severity', 'critical,high']])}">Show them</a></p></section>
  <section class="card" aria-labelledby="c-mttr"><h2 id="c-mttr">Median time to revoke</h2><p class="big">${duration(s.medianSecondsToRevoke)}</p>
    <p class="muted">first seen → revoked, last ${s.days} days</p></section>
  <section class="card" aria-labelledby="c-appr"><h2 id="c-appr">Awaiting approval</h2><p class="big">${o.pendingApprovals}</p>
    <p><a href="${CONSOLE_PREFIX}/approvals">Review revocations</a></p></section>
</div>

<h2 id="by-severity">Open findings by severity</h2>
<table aria-labelledby="by-severity">
  <thead><tr><th scope="col">Severity</th><th scope="col" class="num">Open</th><th scope="col"><span class="visually-hidden">Share</span></th></tr></thead>
  <tbody>${sevs.map(
    (v) => html`<tr><td><a href="${CONSOLE_PREFIX}/findings${queryString([['status', 'open,acknowledged'], ['severity', v]])}">${severityBadge(v)}</a></td>
      <td class="num">${s.open.bySeverity[v]}</td>
      <td>${trusted(`<svg viewBox="0 0 100 10" width="200" height="10" aria-hidden="true" focusable="false"><rect width="${(100 * s.open.bySeverity[v]) / maxSev}" height="10" fill="${SEVERITY_FILL[v]}"/></svg>`)}</td></tr>`,
  )}</tbody>
</table>

<h2 id="by-source">Open findings by source</h2>
${sources.length === 0
  ? html`<p class="muted">None.</p>`
  : html`<table aria-labelledby="by-source"><thead><tr><th scope="col">Source</th><th scope="col" class="num">Open</th></tr></thead>
  <tbody>${sources.map(([src, count]) => html`<tr><td><a href="${CONSOLE_PREFIX}/findings${queryString([['status', 'open,acknowledged'], ['source', src]])}">${src}</a></td><td class="num">${count}</td></tr>`)}</tbody></table>`}

<h2 id="trend">Last ${s.days} days</h2>
<p class="chart-legend"><span class="opened">■ bars: new findings (${opened})</span> · <span class="revoked">— line: revoked (${revoked})</span></p>
${trendChart(s.series)}
<details><summary>Daily numbers</summary>
<table><thead><tr><th scope="col">Day (UTC)</th><th scope="col" class="num">New</th><th scope="col" class="num">Revoked</th></tr></thead>
<tbody>${s.series.filter((d) => d.opened > 0 || d.revoked > 0).map((d) => html`<tr><td>${d.day}</td><td class="num">${d.opened}</td><td class="num">${d.revoked}</td></tr>`)}</tbody></table>
</details>`;
  return page({ title: 'Dashboard', body, principal: o.principal, current: 'dashboard', pendingApprovals: o.pendingApprovals });
}
