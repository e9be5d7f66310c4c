/** Revocations waiting for a responder: approve (it runs now) or reject (nothing is revoked). */
import type { Action, FindingRecord } from '../../../store/types.js';
import { can, type Principal } from '../../auth/principal.js';
import { actorName, severityBadge, time } from '../format.js';
import { html } from '../html.js';
import { CONSOLE_PREFIX, page } from '../layout.js';
import { decisionForms, type Flash } from './finding.js';

export function approvalsPage(o: {
  principal: Principal;
  items: Array<{ action: Action; finding: FindingRecord | null }>;
  labels: ReadonlyMap<string, string>;
  flash?: Flash | undefined;
}): string {
  const act = can(o.principal.role, 'act');
  const body = html`<h1>Revocations awaiting approval</h1>
${o.flash ? html`<p class="notice ${o.flash.kind}" role="${o.flash.kind === 'error' ? 'alert' : 'status'}">${o.flash.text}</p>` : ''}
${o.items.length === 0
  ? html`<p class="muted">Nothing is waiting. With <code>act.approval: required</code>, revocations the policy (or a responder's "Revoke now") starts wait here.</p>`
  : html`<table><caption class="visually-hidden">Pending revocations</caption>
<thead><tr><th scope="col">Finding</th><th scope="col">Revoker</th><th scope="col">Requested by</th><th scope="col">Since</th>${act ? html`<th scope="col">Decision</th>` : ''}</tr></thead>
<tbody>${o.items.map(
      ({ action: a, finding: f }) => html`<tr>
  <td>${f ? html`${severityBadge(f.blastRadius.severity)} <a href="${CONSOLE_PREFIX}/findings/${a.fingerprint}"><span class="mono">${f.redacted}</span></a><br><span class="muted">${f.rule}</span>` : html`<span class="mono">${a.fingerprint}</span>`}</td>
  <td>${a.target}</td><td>${actorName(a.actor, o.labels)}</td><td>${time(a.createdAt)}</td>
  ${act ? html`<td>${decisionForms(a, o.principal, `${CONSOLE_PREFIX}/approvals`)}</td>` : ''}
</tr>`,
    )}</tbody></table>`}`;
  return page({ title: 'Approvals', body, principal: o.principal, current: 'approvals', pendingApprovals: o.items.length });
}
