/**
 * Findings list: a filter form (GET, so a filtered view is a shareable URL), sortable columns
 * (score, first seen, last seen; `aria-sort` on the active one), severity badges, score bars,
 * liveness badges, and cursor pagination.
 */
import { LivenessStateSchema, SEVERITY_ORDER } from '../../../core/types.js';
import { FINDING_STATUSES, type FindingRecord, type FindingSort, type Page } from '../../../store/types.js';
import type { Principal } from '../../auth/principal.js';
import type { ListFindingsQuery } from '../../api/schemas.js';
import { scoreBar } from '../charts.js';
import { livenessBadge, severityBadge, time } from '../format.js';
import { html, queryString, type SafeHtml } from '../html.js';
import { CONSOLE_PREFIX, page } from '../layout.js';

type Filters = ListFindingsQuery;

/** The current filters as query pairs (lists comma-joined), minus cursor. */
export function filterPairs(f: Partial<Filters>): Array<[string, string | undefined]> {
  const list = (v: readonly string[] | undefined) => (v && v.length > 0 ? v.join(',') : undefined);
  return [
    ['q', f.q],
    ['severity', list(f.severity)],
    ['status', list(f.status)],
    ['liveness', list(f.liveness)],
    ['source', list(f.source)],
    ['rule', list(f.rule)],
    ['issuer', list(f.issuer)],
    ['tenant', list(f.tenant)],
  ];
}

function sortHeader(label: string, key: FindingSort, f: Filters): SafeHtml {
  const active = f.sort === key;
  const nextOrder = active && f.order === 'desc' ? 'asc' : 'desc';
  const href = `${CONSOLE_PREFIX}/findings${queryString([...filterPairs(f), ['sort', key], ['order', nextOrder]])}`;
  const aria = active ? (f.order === 'desc' ? 'descending' : 'ascending') : undefined;
  return html`<th scope="col"${aria ? html` aria-sort="${aria}"` : ''}><a href="${href}">${label}${active ? (f.order === 'desc' ? ' ▼' : ' ▲') : ''}<span class="visually-hidden">, sort ${nextOrder === 'desc' ? 'descending' : 'ascending'}</span></a></th>`;
}

function checkboxes(name: string, legend: string, options: readonly string[], selected: readonly string[] | undefined): SafeHtml {
  const set = new Set(selected ?? []);
  return html`<fieldset><legend>${legend}</legend>${options.map(
    (o) => html`<label><input type="checkbox" name="${name}" value="${o}"${set.has(o) ? html` checked` : ''}> ${o}</label>`,
  )}</fieldset>`;
}

function select(name: string, label: string, options: readonly string[], selected: readonly string[] | undefined): SafeHtml {
  const cur = selected?.[0] ?? '';
  return html`<div><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}"><option value="">any</option>${options.map(
    (o) => html`<option value="${o}"${o === cur ? html` selected` : ''}>${o}</option>`,
  )}</select></div>`;
}

function text(name: string, label: string, value: string | undefined, hint?: string): SafeHtml {
  return html`<div><label for="f-${name}">${label}</label><input type="text" id="f-${name}" name="${name}" value="${value ?? ''}"${hint ? html` placeholder="${hint}"` : ''}></div>`;
}

export function findingsPage(o: { principal: Principal; filters: Filters; page: Page<FindingRecord>; sources: string[]; pendingApprovals: number; first: boolean }): string {
  const f = o.filters;
  const sortPairs: Array<[string, string | undefined]> = [
    ['sort', f.sort === 'score' ? undefined : f.sort],
    ['order', f.order === 'desc' ? undefined : f.order],
  ];
  const next = o.page.nextCursor ? `${CONSOLE_PREFIX}/findings${queryString([...filterPairs(f), ...sortPairs, ['cursor', o.page.nextCursor]])}` : undefined;
  const firstHref = `${CONSOLE_PREFIX}/findings${queryString([...filterPairs(f), ...sortPairs])}`;
  const rows = o.page.items.map(
    (r) => html`<tr>
    <td>${severityBadge(r.blastRadius.severity)}</td>
    <td><span class="scorecell">${scoreBar(r.blastRadius.score, r.blastRadius.severity)} <span class="num">${Math.round(r.blastRadius.score)}</span></span></td>
    <td><a href="${CONSOLE_PREFIX}/findings/${r.fingerprint}"><span class="mono">${r.redacted}</span></a><br><span class="muted">${r.rule}${r.profile?.issuer ? html` · ${r.profile.issuer}` : ''}</span></td>
    <td>${livenessBadge(r.liveness.state)}</td>
    <td class="status">${r.status}${r.assignee ? html`<br>→ ${r.assignee}` : ''}</td>
    <td class="hide-sm">${r.sources.join(', ')}</td>
    <td class="num hide-sm">${r.occurrenceCount}</td>
    <td class="hide-sm">${time(r.firstSeen)}</td>
    <td class="hide-sm">${time(r.lastSeen)}</td>
  </tr>`,
  );

  const body = html`<h1>Findings</h1>
<form class="filters" method="get" action="${CONSOLE_PREFIX}/findings" role="search" aria-label="Filter findings">
  ${text('q', 'Text', f.q, 'preview, path, channel, issue…')}
  ${checkboxes('severity', 'Severity', [...SEVERITY_ORDER].reverse(), f.severity)}
  ${checkboxes('status', 'Status', FINDING_STATUSES, f.status)}
  ${select('liveness', 'Liveness', LivenessStateSchema.options, f.liveness)}
  ${select('source', 'Source', o.sources, f.source)}
  ${text('rule', 'Rule', f.rule?.join(','), 'jwt, github-pat, …')}
  ${text('issuer', 'Issuer', f.issuer?.join(','), 'URL or family (okta, entra-v2)')}
  ${text('tenant', 'Tenant', f.tenant?.join(','))}
  <input type="hidden" name="sort" value="${f.sort}"><input type="hidden" name="order" value="${f.order}">
  <div><button type="submit">Apply filters</button> <a href="${CONSOLE_PREFIX}/findings">Clear</a></div>
</form>
<p class="muted" role="status">${o.page.items.length === 0 ? 'No findings match.' : `Showing ${o.page.items.length} finding${o.page.items.length === 1 ? '' : 's'}${o.first ? '' : ' (later page)'}.`}</p>
${o.page.items.length > 0
  ? html`<table>
  <caption class="visually-hidden">Findings, sorted by ${f.sort} ${f.order === 'desc' ? 'descending' : 'ascending'}</caption>
  <thead><tr><th scope="col">Severity</th>${sortHeader('Score', 'score', f)}<th scope="col">Token</th><th scope="col">Liveness</th><th scope="col">Status</th>
    <th scope="col" class="hide-sm">Sources</th><th scope="col" class="num hide-sm">Places</th>${sortHeader('First seen', 'firstSeen', f)}${sortHeader('Last seen', 'lastSeen', f)}</tr></thead>
  <tbody>${rows}</tbody>
</table>`
  : ''}
<nav class="pager" aria-label="Pages">${o.first ? '' : html`<a href="${firstHref}">First page</a>`}${next ? html`<a href="${next}" rel="next">Next page</a>` : ''}</nav>`;
  return page({ title: 'Findings', body, principal: o.principal, current: 'findings', pendingApprovals: o.pendingApprovals });
}
