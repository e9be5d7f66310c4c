/**
 * The page frame every console page shares: skip link, top navigation (only what the role may
 * use), who is signed in with a sign-out button (a form: sign-out changes state, so it carries the
 * CSRF token), and the `main` landmark the skip link targets.
 */
import type { Principal } from '../auth/principal.js';
import { can } from '../auth/principal.js';
import { CSRF_FIELD } from '../auth/authenticate.js';
import { html, type SafeHtml } from './html.js';

export const CONSOLE_PREFIX = '/console';
export const ASSET_VERSION = '1';

export type NavItem = 'dashboard' | 'findings' | 'approvals' | 'keys' | 'welcome' | 'none';

export interface PageOptions {
  title: string;
  body: SafeHtml;
  principal?: Principal;
  current?: NavItem;
  /** Pending approvals (shown as a count in the navigation). */
  pendingApprovals?: number;
}

/** A hidden CSRF field for a state-changing form. */
export function csrfField(principal: Principal | undefined): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${principal?.csrf ?? ''}">`;
}

function navLink(href: string, label: string | SafeHtml, item: NavItem, current: NavItem | undefined): SafeHtml {
  return html`<li><a href="${href}"${current === item ? html` aria-current="page"` : ''}>${label}</a></li>`;
}

export function page(o: PageOptions): string {
  const p = o.principal;
  const nav = p
    ? html`<nav aria-label="Main"><ul>
        ${navLink(`${CONSOLE_PREFIX}/`, 'Dashboard', 'dashboard', o.current)}
        ${navLink(`${CONSOLE_PREFIX}/findings`, 'Findings', 'findings', o.current)}
        ${navLink(`${CONSOLE_PREFIX}/approvals`, o.pendingApprovals ? html`Approvals <span class="badge sev-high">${o.pendingApprovals}</span>` : 'Approvals', 'approvals', o.current)}
        ${can(p.role, 'admin') ? navLink(`${CONSOLE_PREFIX}/keys`, 'API keys', 'keys', o.current) : ''}
        ${navLink(`${CONSOLE_PREFIX}/welcome`, 'Connect a source', 'welcome', o.current)}
        ${navLink('/api/openapi.json', 'API', 'none', o.current)}
      </ul></nav>
      <div class="who"><span>Signed in as <strong>${p.label}</strong> (${p.role})</span>
        <form method="post" action="${CONSOLE_PREFIX}/logout">${csrfField(p)}<button type="submit">Sign out</button></form>
      </div>`
    : '';
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${o.title} · tokenradius</title>
<link rel="stylesheet" href="${CONSOLE_PREFIX}/assets/app.css?v=${ASSET_VERSION}">
<script src="${CONSOLE_PREFIX}/assets/app.js?v=${ASSET_VERSION}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header class="top"><a class="brand" href="${CONSOLE_PREFIX}/">tokenradius</a>${nav}</header>
<main id="main" tabindex="-1">
${o.body}
</main>
</body>
</html>`.value}`;
}
