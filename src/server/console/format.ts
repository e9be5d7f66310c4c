/** Small display helpers for console pages (all return escaped `SafeHtml` or plain strings). */
import type { LivenessState, Severity } from '../../core/types.js';
import { describeLocator } from '../../act/payload.js';
import type { StoredOccurrence } from '../../store/types.js';
import { html, safeHref, type SafeHtml } from './html.js';

export function severityBadge(s: Severity): SafeHtml {
  return html`<span class="badge sev-${s}">${s}</span>`;
}

const LIVENESS_TEXT: Record<LivenessState, string> = {
  live: 'live',
  expired: 'expired',
  'not-yet-valid': 'not yet valid',
  revoked: 'revoked',
  'invalid-signature': 'invalid signature',
  unverifiable: 'unverifiable',
  unknown: 'unknown',
};

export function livenessBadge(s: LivenessState): SafeHtml {
  return html`<span class="badge live-${s}" title="liveness">${LIVENESS_TEXT[s]}</span>`;
}

/** `2024-05-01 12:34 UTC` (machine-readable in `datetime`). */
export function time(iso: string | undefined): SafeHtml {
  if (!iso) return html`<span class="muted">—</span>`;
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return html`${iso}`;
  const d = new Date(t).toISOString();
  return html`<time datetime="${d}">${d.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

/** `3 d 4 h`, `12 min`, `45 s`. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.round((s % 86_400) / 3600)} h`;
}

/** Where an occurrence is, with a link back to the Slack message / Jira issue / GitHub commit when known. */
export function occurrencePlace(o: StoredOccurrence): { where: SafeHtml; link?: SafeHtml } {
  const d = describeLocator(o.locator);
  const href = safeHref(d.url);
  const text =
    o.locator.kind === 'slack'
      ? 'Open in Slack'
      : o.locator.kind === 'jira'
        ? 'Open in Jira'
        : o.locator.kind === 'github'
          ? 'Open on GitHub'
          : 'Open';
  return {
    where: html`<span class="mono">${d.where}</span>`,
    ...(href ? { link: html`<a href="${href}" rel="noopener noreferrer" target="_blank">${text}<span class="visually-hidden"> (opens in a new tab)</span></a>` } : {}),
  };
}

/** How the audit log names a caller, with the key's label when known. */
export function actorName(actor: string, labels: ReadonlyMap<string, string>): SafeHtml {
  const m = /^api-key:([a-z2-7]{12})$/.exec(actor);
  const label = m ? labels.get(m[1]!) : undefined;
  return label ? html`${label} <span class="muted mono">(${actor})</span>` : html`<span class="mono">${actor}</span>`;
}
