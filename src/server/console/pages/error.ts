/** Error page: the status, the error's own (safe) message, and a way on. Never echoes the request. */
import type { Principal } from '../../auth/principal.js';
import { html } from '../html.js';
import { CONSOLE_PREFIX, page } from '../layout.js';

const TITLES: Record<number, string> = {
  400: 'That request is malformed',
  401: 'Sign in first',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not possible in the current state',
  413: 'Too large',
  422: 'Check the form',
  429: 'Too many attempts',
  503: 'Temporarily unavailable',
};

export function errorPage(o: { status: number; code: string; message: string; principal?: Principal | undefined; back?: string | undefined }): string {
  const title = TITLES[o.status] ?? 'Something went wrong';
  const body = html`<h1>${title}</h1>
<p class="notice error" role="alert">${o.message} <span class="muted">(${o.code})</span></p>
<p>${o.back ? html`<a href="${o.back}">Go back</a> · ` : ''}${o.status === 401 ? html`<a href="${CONSOLE_PREFIX}/login">Sign in</a>` : html`<a href="${CONSOLE_PREFIX}/">Dashboard</a>`}</p>`;
  return page({ title, body, ...(o.principal ? { principal: o.principal } : {}) });
}
