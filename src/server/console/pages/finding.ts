/**
 * Finding detail: what leaked (redacted preview, rule, severity, liveness), the score broken into
 * its factors, the token profile, the masked header and claims, every place it was seen (with links
 * back to the Slack message / Jira issue / GitHub commit), a timeline of actions and audit entries,
 * and the forms the caller's role allows (each with the session's CSRF token).
 */
import type { Action, AuditEntry, FindingStatus, StoredFinding } from '../../../store/types.js';
import { revocationStatusOf } from '../../../act/engine.js';
import { suggestedAction } from '../../../act/payload.js';
import { can, type Principal } from '../../auth/principal.js';
import { factorBar } from '../charts.js';
import { actorName, livenessBadge, occurrencePlace, severityBadge, time } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { CONSOLE_PREFIX, csrfField, page } from '../layout.js';

export interface Flash {
  kind: 'success' | 'error';
  text: string;
}

const DONE_TEXT: Record<string, string> = {
  acknowledge: 'Acknowledged.',
  assign: 'Assignment saved.',
  'false-positive': 'Marked as a false positive: this token will not alert again.',
  resolve: 'Resolved.',
  reopen: 'Reopened.',
  revoke: 'Revocation requested.',
  recheck: 'Liveness re-checked.',
  approve: 'Revocation approved.',
  reject: 'Revocation rejected.',
};

export function doneFlash(verb: string | undefined): Flash | undefined {
  const text = verb ? DONE_TEXT[verb] : undefined;
  return text ? { kind: 'success', text } : undefined;
}

function kv(rows: Array<[string, SafeHtml | SafeHtml[] | string | number | undefined | null]>): SafeHtml {
  const shown = rows.filter(([, v]) => v !== undefined && v !== null && v !== '');
  return html`<dl class="kv">${shown.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function list(values: readonly string[] | undefined): string | undefined {
  return values && values.length > 0 ? values.join(', ') : undefined;
}

function profileSection(f: StoredFinding): SafeHtml {
  const p = f.profile;
  if (!p) return html`<p class="muted">No token profile (this is ${f.kind === 'jwt' ? 'an undecodable or encrypted JWT' : 'a credential, not a JWT'}).</p>`;
  const lt = p.lifetime;
  return kv([
    ['Issuer family', p.issuerFamily],
    ['Issuer', p.issuer],
    ['Token use', p.tokenUse],
    ['Subject', p.subject ? html`${p.subject} <span class="muted">(${p.subjectType})</span>` : p.subjectType],
    ['Client', p.clientId],
    ['Tenants', list(p.tenants)],
    ['Audiences', list(p.audiences)],
    ['Privilege', html`<strong>${p.privilegeLevel}</strong>${p.privileges.length > 0 ? html` — ${p.privileges.slice(0, 30).map((x, i) => html`${i > 0 ? ', ' : ''}${x.name} <span class="muted">(${x.source}: ${x.level})</span>`)}` : ''}`],
    ['Environment', p.environmentEvidence ? html`${p.environment} <span class="muted">(${p.environmentEvidence})</span>` : p.environment],
    ['Issued', lt.issuedAt ? time(lt.issuedAt) : undefined],
    ['Expires', lt.unbounded ? html`<strong>never</strong> (no exp claim: valid until revoked)` : lt.expiresAt ? time(lt.expiresAt) : undefined],
    ['Bound to a key', p.binding.bound ? `yes (${p.binding.method ?? 'other'})` : 'no (bearer: anyone holding it can use it)'],
    ['Delegation', list(p.delegation)],
    ['Attestation', Object.keys(p.attestation).length > 0 ? Object.entries(p.attestation).map(([k, v], i) => html`${i > 0 ? '; ' : ''}${k}: ${v}`) : undefined],
    ['Over-enrichment', p.overEnrichment.length > 0 ? p.overEnrichment.map((o, i) => html`${i > 0 ? '; ' : ''}${o.claim} (${o.kind}: ${o.detail})`) : undefined],
    ['Public by design', p.publicByDesign],
    ['Notes', p.notes.length > 0 ? p.notes.map((n, i) => html`${i > 0 ? html`<br>` : ''}${n}`) : undefined],
  ]);
}

function occurrencesSection(f: StoredFinding): SafeHtml {
  const rows = f.occurrences.map((o) => {
    const place = occurrencePlace(o);
    return html`<tr><td>${o.source}</td><td>${place.where}${o.locator.kind === 'slack' && o.locator.channelName ? html`<br><span class="muted">channel #${o.locator.channelName}</span>` : ''}</td>
      <td>${place.link ?? html`<span class="muted">—</span>`}</td>
      <td>${o.exposure ? html`${o.exposure.visibility}${o.exposure.label ? html`<br><span class="muted">${o.exposure.label}</span>` : ''}${o.exposure.audience !== undefined ? html`<br><span class="muted">${o.exposure.audience} people</span>` : ''}` : 'unknown'}</td>
      <td>${o.author ?? ''}</td><td>${time(o.firstSeen)}</td><td>${time(o.lastSeen)}</td></tr>`;
  });
  const more = f.occurrenceCount > f.occurrences.length ? html`<p class="muted">Showing ${f.occurrences.length} of ${f.occurrenceCount} places (all of them: <code>GET /api/v1/findings/${f.fingerprint}/occurrences</code>).</p>` : '';
  return html`<table><caption class="visually-hidden">Places this token was seen</caption>
  <thead><tr><th scope="col">Source</th><th scope="col">Where</th><th scope="col">Link</th><th scope="col">Visibility</th><th scope="col">Author</th><th scope="col">First seen</th><th scope="col">Last seen</th></tr></thead>
  <tbody>${rows}</tbody></table>${more}`;
}

function summarizeDetails(d: Record<string, unknown>): string {
  const parts: string[] = [];
  const pick = (k: string, label = k) => {
    const v = d[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') parts.push(`${label}: ${String(v)}`);
  };
  if (typeof d.from === 'string' && typeof d.to === 'string' && d.from !== d.to) parts.push(`${d.from} → ${d.to}`);
  pick('assignee');
  pick('reason');
  pick('outcome');
  pick('severity');
  pick('change');
  return parts.join(' · ').slice(0, 500);
}

type TimelineItem = { at: string; text: SafeHtml };

function timeline(actions: readonly Action[], audit: readonly AuditEntry[], labels: ReadonlyMap<string, string>): SafeHtml {
  const items: TimelineItem[] = [
    ...audit.map((a) => ({
      at: a.at,
      text: html`<strong>${a.action}</strong> by ${actorName(a.actor, labels)}${summarizeDetails(a.details) ? html` — ${summarizeDetails(a.details)}` : ''}`,
    })),
    ...actions
      .filter((a) => a.status === 'pending' || a.status === 'awaiting-approval' || a.status === 'approved')
      .map((a) => ({ at: a.updatedAt, text: html`<strong>${a.type} ${a.target}</strong>: ${a.status} (started by ${actorName(a.actor, labels)})` })),
  ].sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
  if (items.length === 0) return html`<p class="muted">Nothing yet.</p>`;
  return html`<ol class="timeline">${items.map((i) => html`<li>${time(i.at)} ${i.text}</li>`)}</ol>`;
}

function actionsTable(actions: readonly Action[], principal: Principal, labels: ReadonlyMap<string, string>): SafeHtml {
  if (actions.length === 0) return html`<p class="muted">No alerts or revocations yet.</p>`;
  const act = can(principal.role, 'act');
  return html`<table><caption class="visually-hidden">Alerts, revocations and remediations</caption>
<thead><tr><th scope="col">Type</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">By</th><th scope="col">When</th>${act ? html`<th scope="col">Decision</th>` : ''}</tr></thead>
<tbody>${actions.map(
    (a) => html`<tr><td>${a.type}</td><td>${a.target}</td><td>${a.status}${a.decidedBy ? html`<br><span class="muted">decided by ${actorName(a.decidedBy, labels)}</span>` : ''}</td>
    <td>${a.reason ?? ''}</td><td>${actorName(a.actor, labels)}</td><td>${time(a.completedAt ?? a.updatedAt)}</td>
    ${act ? html`<td>${a.type === 'revocation' && a.status === 'awaiting-approval' ? decisionForms(a, principal, `${CONSOLE_PREFIX}/findings/${a.fingerprint}`) : ''}</td>` : ''}</tr>`,
  )}</tbody></table>`;
}

/** Approve / reject buttons for one pending revocation. */
export function decisionForms(a: Action, principal: Principal, back: string): SafeHtml {
  return html`<form method="post" action="${CONSOLE_PREFIX}/actions/${a.id}/approve" data-confirm="${`Revoke this token now with ${a.target}?`}">${csrfField(principal)}<input type="hidden" name="back" value="${back}">
      <button type="submit" class="danger">Approve revocation<span class="visually-hidden"> by ${a.target}</span></button></form>
    <form method="post" action="${CONSOLE_PREFIX}/actions/${a.id}/reject">${csrfField(principal)}<input type="hidden" name="back" value="${back}">
      <button type="submit" class="secondary">Reject<span class="visually-hidden"> revocation by ${a.target}</span></button></form>`;
}

const ALLOWED: Record<string, readonly FindingStatus[]> = {
  acknowledge: ['open'],
  assign: ['open', 'acknowledged'],
  'false-positive': ['open', 'acknowledged'],
  resolve: ['open', 'acknowledged'],
  reopen: ['resolved', 'false-positive', 'revoked'],
  revoke: ['open', 'acknowledged', 'resolved'],
  recheck: ['open', 'acknowledged', 'resolved', 'revoked'],
};

function actionForms(f: StoredFinding, principal: Principal): SafeHtml {
  if (!can(principal.role, 'act')) return html`<p class="muted">Your role (${principal.role}) can read findings; a responder or admin key can act on them.</p>`;
  const base = `${CONSOLE_PREFIX}/findings/${f.fingerprint}`;
  const ok = (verb: string) => ALLOWED[verb]!.includes(f.status);
  const forms: SafeHtml[] = [];
  if (ok('acknowledge')) forms.push(html`<form method="post" action="${base}/acknowledge">${csrfField(principal)}<p>Take it: others see someone is on it.</p><button type="submit">Acknowledge</button></form>`);
  if (ok('assign'))
    forms.push(html`<form method="post" action="${base}/assign">${csrfField(principal)}<label for="assignee">Assign to</label>
      <input type="text" id="assignee" name="assignee" value="${f.assignee ?? principal.label}" maxlength="200"><button type="submit">Save assignment</button></form>`);
  if (ok('revoke'))
    forms.push(html`<form method="post" action="${base}/revoke" data-confirm="Revoke this token now?">${csrfField(principal)}<label for="revoke-reason">Revoke now (reason, optional)</label>
      <input type="text" id="revoke-reason" name="reason" maxlength="2000"><button type="submit" class="danger">Revoke now</button></form>`);
  if (ok('false-positive'))
    forms.push(html`<form method="post" action="${base}/false-positive">${csrfField(principal)}<label for="fp-reason">Not a real leak? Reason (required)</label>
      <input type="text" id="fp-reason" name="reason" required maxlength="2000"><button type="submit" class="secondary">Mark false positive</button></form>`);
  if (ok('resolve'))
    forms.push(html`<form method="post" action="${base}/resolve">${csrfField(principal)}<label for="resolve-reason">Handled elsewhere? Reason (optional)</label>
      <input type="text" id="resolve-reason" name="reason" maxlength="2000"><button type="submit" class="secondary">Resolve</button></form>`);
  if (ok('reopen'))
    forms.push(html`<form method="post" action="${base}/reopen">${csrfField(principal)}<label for="reopen-reason">Reopen (reason, optional)</label>
      <input type="text" id="reopen-reason" name="reason" maxlength="2000"><button type="submit" class="secondary">Reopen</button></form>`);
  if (ok('recheck')) forms.push(html`<form method="post" action="${base}/recheck">${csrfField(principal)}<p>Ask the issuer (or the clock) again whether it still works.</p><button type="submit" class="secondary">Re-check liveness</button></form>`);
  return forms.length > 0 ? html`<div class="actions">${forms}</div>` : html`<p class="muted">No action applies to a ${f.status} finding.</p>`;
}

export function findingPage(o: {
  principal: Principal;
  finding: StoredFinding;
  actions: Action[];
  audit: AuditEntry[];
  labels: ReadonlyMap<string, string>;
  flash?: Flash | undefined;
  pendingApprovals: number;
}): string {
  const f = o.finding;
  const revocations = o.actions.filter((a) => a.type === 'revocation').map(revocationStatusOf);
  const br = f.blastRadius;
  const body = html`<p><a href="${CONSOLE_PREFIX}/findings">← All findings</a></p>
${o.flash ? html`<p class="notice ${o.flash.kind}" role="${o.flash.kind === 'error' ? 'alert' : 'status'}">${o.flash.text}</p>` : ''}
<h1><span class="mono">${f.redacted}</span></h1>
<p>${severityBadge(br.severity)} score <strong>${Math.round(br.score)}</strong>/100 · ${livenessBadge(f.liveness.state)} · status <strong>${f.status}</strong>${f.assignee ? html` · assigned to <strong>${f.assignee}</strong>` : ''} · rule <code>${f.rule}</code>${f.jwtForm ? html` · ${f.jwtForm}` : ''}</p>
<p class="muted mono">${f.fingerprint}</p>
${f.statusReason ? html`<p>Reason: ${f.statusReason}</p>` : ''}
<p class="notice"><strong>What to do:</strong> ${suggestedAction(f, revocations)}</p>

<h2 id="act">Actions</h2>
${actionForms(f, o.principal)}

<h2 id="score">Why this score</h2>
${factorBar(br.factors, br.score)}
<table><caption class="visually-hidden">Score factors</caption><thead><tr><th scope="col">Factor</th><th scope="col" class="num">Points</th><th scope="col">Reason</th></tr></thead>
<tbody>${br.factors.map((x) => html`<tr><td><code>${x.id}</code></td><td class="num">${x.points > 0 ? `+${x.points}` : x.points}</td><td>${x.reason}</td></tr>`)}</tbody></table>

<h2 id="liveness">Liveness</h2>
${kv([
  ['State', livenessBadge(f.liveness.state)],
  ['Why', f.liveness.reason],
  ['Checked by', list(f.liveness.checkedBy)],
  ['Checked', f.liveness.checkedAt ? time(f.liveness.checkedAt) : undefined],
  ['Expires', f.liveness.expiresAt ? time(f.liveness.expiresAt) : undefined],
])}

<h2 id="profile">Token profile</h2>
${profileSection(f)}

${f.header || f.claims
  ? html`<h2 id="claims">Header and claims <span class="muted">(secret and personal values masked)</span></h2>
${f.maskedClaims && f.maskedClaims.length > 0 ? html`<p>Masked: ${f.maskedClaims.map((m, i) => html`${i > 0 ? ', ' : ''}<code>${m.path}</code> (${m.reason})`)}</p>` : ''}
${f.header ? html`<h3>Header</h3><pre>${JSON.stringify(f.header, null, 2)}</pre>` : ''}
${f.claims ? html`<h3>Claims</h3><pre>${JSON.stringify(f.claims, null, 2)}</pre>` : ''}`
  : ''}

<h2 id="occurrences">Where it was seen (${f.occurrenceCount})</h2>
${occurrencesSection(f)}

<h2 id="actions">Alerts and revocations</h2>
${actionsTable(o.actions, o.principal, o.labels)}

<h2 id="timeline">Timeline</h2>
${timeline(o.actions, o.audit, o.labels)}`;
  return page({ title: f.redacted, body, principal: o.principal, current: 'findings', pendingApprovals: o.pendingApprovals });
}
