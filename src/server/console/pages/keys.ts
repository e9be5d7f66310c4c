/** API key management (admin): list, create (the key is shown once, here), revoke. */
import type { ApiKeyInfo, CreatedApiKey } from '../../../store/types.js';
import { ApiKeyRoleSchema } from '../../../store/types.js';
import type { Principal } from '../../auth/principal.js';
import { time } from '../format.js';
import { html } from '../html.js';
import { CONSOLE_PREFIX, csrfField, page } from '../layout.js';
import type { Flash } from './finding.js';

export function keysPage(o: { principal: Principal; keys: ApiKeyInfo[]; created?: CreatedApiKey; flash?: Flash | undefined; pendingApprovals: number }): string {
  const body = html`<h1>API keys</h1>
${o.flash ? html`<p class="notice ${o.flash.kind}" role="${o.flash.kind === 'error' ? 'alert' : 'status'}">${o.flash.text}</p>` : ''}
${o.created
  ? html`<section class="notice success" aria-labelledby="new-key"><h2 id="new-key">New ${o.created.role} key “${o.created.label}”</h2>
  <p>Copy it now: it is shown only this once (only its hash is stored).</p>
  <p class="keybox mono" id="created-key">${o.created.key}</p>
  <button type="button" class="secondary" data-copy="created-key">Copy to clipboard</button></section>`
  : ''}
<h2 id="create">Create a key</h2>
<form method="post" action="${CONSOLE_PREFIX}/keys" class="filters">${csrfField(o.principal)}
  <div><label for="k-label">Label (who or what uses it)</label><input type="text" id="k-label" name="label" required maxlength="200"></div>
  <div><label for="k-role">Role</label><select id="k-role" name="role">${ApiKeyRoleSchema.options.map((r) => html`<option value="${r}"${r === 'viewer' ? html` selected` : ''}>${r}</option>`)}</select></div>
  <div><button type="submit">Create key</button></div>
</form>
<p class="muted">viewer: reads findings · responder: also acknowledges, assigns, resolves, marks false positives, revokes and approves · admin: also manages keys.</p>
<h2 id="existing">Keys</h2>
<table><caption class="visually-hidden">API keys</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Label</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Revoke</span></th></tr></thead>
<tbody>${o.keys.map(
    (k) => html`<tr><td class="mono">${k.id}</td><td>${k.label}</td><td>${k.role}</td><td>${time(k.createdAt)}</td><td>${time(k.lastUsedAt)}</td>
  <td>${k.revokedAt ? html`revoked ${time(k.revokedAt)}` : 'active'}${k.id === o.principal.keyId ? html` <strong>(yours)</strong>` : ''}</td>
  <td>${k.revokedAt ? '' : html`<form method="post" action="${CONSOLE_PREFIX}/keys/${k.id}/revoke" data-confirm="${`Revoke the key “${k.label}”? Its sessions end at once.`}">${csrfField(o.principal)}<button type="submit" class="danger">Revoke<span class="visually-hidden"> ${k.label}</span></button></form>`}</td></tr>`,
  )}</tbody></table>`;
  return page({ title: 'API keys', body, principal: o.principal, current: 'keys', pendingApprovals: o.pendingApprovals });
}
