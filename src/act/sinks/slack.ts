/**
 * Slack alert sink: a Block Kit message (`chat.postMessage`) to the configured channel — redacted
 * preview, score and severity, top factors, liveness, where it leaked (permalinks), the suggested
 * action and any revocation — and, for occurrences from `threadReplySources`, a reply in the thread
 * of the leaking message telling its author what happened and what to do.
 *
 * Thread replies are best effort: the alert counts as delivered once the channel message is
 * posted (a retry would post the channel message twice); failed replies are counted in the details.
 * Client errors map through the Slack connector's `toSlackError` (429 ⇒ retry after, auth ⇒ never).
 */
import { z } from 'zod';
import type { WebClient } from '@slack/web-api';
import { TokenradiusError } from '../../core/errors.js';
import { neutralise } from '../../core/display.js';
import { callSlack, createSlackWebClient } from '../../sources/slack/client.js';
import type { StoredFinding } from '../../store/types.js';
import type { SinkConfig } from '../options.js';
import { summarizeFinding, type FindingSummary, type RevocationStatus } from '../payload.js';
import type { AlertContext, AlertSink } from '../types.js';

type SlackSinkConfig = Extract<SinkConfig, { type: 'slack' }>;

const PostedSchema = z.object({ ok: z.literal(true), ts: z.string().optional().catch(undefined), channel: z.string().optional().catch(undefined) }).loose();

/**
 * One fragment of content (a path, a claim, a reason) made safe inside our mrkdwn: `&`, `<`, `>`
 * escaped (no mentions or links from content), and control characters — CR/LF included — and bidi
 * controls replaced by U+FFFD, so that a hostile file name cannot start a line of its own in the
 * alert (a forged "*Revocation*" line) or reorder what the responder reads.
 */
export function mrkdwn(text: string): string {
  return neutralise(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const SEVERITY_EMOJI: Record<string, string> = { critical: ':red_circle:', high: ':large_orange_circle:', medium: ':large_yellow_circle:', low: ':large_blue_circle:', info: ':white_circle:' };

function revocationLine(r: RevocationStatus): string {
  return `• ${mrkdwn(r.revoker)}: *${r.outcome}*${r.reason ? ` — ${mrkdwn(clip(r.reason, 200))}` : ''}`;
}

/** The Block Kit blocks and fallback text of an alert (pure; exported for tests). */
export function alertMessage(s: FindingSummary, ctx: Pick<AlertContext, 'type' | 'revocations' | 'revocation'>): { text: string; blocks: unknown[] } {
  const what = s.kind === 'jwt' ? 'JWT' : 'credential';
  const title =
    ctx.type === 'revocation.completed' && ctx.revocation
      ? `Revocation ${ctx.revocation.outcome}: ${s.rule} ${what}`
      : `${ctx.type === 'finding.created' ? 'Leaked' : 'Update on leaked'} ${what}: ${s.severity} (${Math.round(s.score)}/100)`;
  const facts = [
    `*Rule:* \`${mrkdwn(s.rule)}\``,
    `*Preview:* \`${mrkdwn(s.redacted)}\``,
    `*Liveness:* ${mrkdwn(s.liveness.state)}${s.liveness.reason ? ` — ${mrkdwn(clip(s.liveness.reason, 300))}` : ''}`,
    ...(s.issuer ? [`*Issuer:* ${mrkdwn(s.issuer)}${s.subject ? ` · *subject* ${mrkdwn(s.subject)}` : ''}`] : []),
    ...(s.liveness.expiresAt ? [`*Expires:* ${mrkdwn(s.liveness.expiresAt)}`] : []),
  ].join('\n');
  const factors = s.topFactors.length > 0 ? s.topFactors.map((f) => `• ${mrkdwn(clip(f.reason, 200))} (${f.points > 0 ? '+' : ''}${f.points})`).join('\n') : '• (no factors)';
  const where = s.locations
    .slice(0, 8)
    .map((l) => `• ${l.url ? `<${l.url.replace(/[|<>]/g, encodeURIComponent)}|${mrkdwn(clip(l.where, 150))}>` : mrkdwn(clip(l.where, 150))}${l.visibility ? ` (${l.visibility})` : ''}`)
    .join('\n');
  const more = s.occurrenceCount > 8 ? `\n…and ${s.occurrenceCount - 8} more` : '';
  const revs = ctx.revocation ? [ctx.revocation] : ctx.revocations;
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`${SEVERITY_EMOJI[s.severity] ?? ''} ${facts}`, 2900) } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*Why it matters*\n${factors}`, 2900) } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*Where (${s.occurrenceCount})*\n${where || '• (unknown)'}${more}`, 2900) } },
    ...(revs.length > 0 ? [{ type: 'section', text: { type: 'mrkdwn', text: clip(`*Revocation*\n${revs.map(revocationLine).join('\n')}`, 2900) } }] : []),
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*Suggested action*\n${mrkdwn(s.suggestedAction)}`, 2900) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: clip(`\`${s.fingerprint.slice(0, 19)}…\` · version ${s.version} · status ${s.status} · tokenradius`, 300) }] },
  ];
  return { text: clip(`${title} — ${s.rule} ${s.redacted}`, 300), blocks };
}

/** What the author of the leaking message is told (pure; exported for tests). */
export function authorNotice(s: FindingSummary, author: string | undefined, revocations: readonly RevocationStatus[]): string {
  const who = author && /^[UW][A-Z0-9]{2,20}$/.test(author) ? `<@${author}> ` : '';
  const revoked = revocations.some((r) => r.outcome === 'revoked' || r.outcome === 'already-invalid');
  const done = revoked ? 'It has been revoked automatically' : 'The security team has been alerted';
  return `${who}:warning: This message contains a ${s.kind === 'jwt' ? 'token' : 'credential'} (\`${mrkdwn(s.redacted)}\`, ${mrkdwn(s.rule)}). ${done}. Please delete the message (or edit the token out), and if it was yours, create a new one and store it in a secrets manager instead of chat.`;
}

export interface SlackSinkDeps {
  env: Readonly<Record<string, string>>;
  /** Tests inject a client; otherwise one is built from the config. */
  client?: WebClient;
}

export function createSlackSink(cfg: SlackSinkConfig, deps: SlackSinkDeps): AlertSink {
  const token = deps.env[cfg.tokenEnv];
  if (!deps.client && !token) throw new TokenradiusError('CONFIG_ENV_MISSING', `act sink ${cfg.id}: environment variable ${cfg.tokenEnv} is not set`);
  // Retries belong to the act stage (with its attempt count): the client makes one try.
  const client = deps.client ?? createSlackWebClient({ token: token!, apiUrl: cfg.apiUrl, timeoutMs: cfg.timeoutMs, retry: { retries: 0, minTimeoutMs: 100, maxTimeoutMs: 100 } });
  const replySources = new Set(cfg.threadReplySources);

  return {
    id: cfg.id,
    events: cfg.events,
    async notify(finding: StoredFinding, ctx?: AlertContext) {
      const type = ctx?.type ?? 'finding.created';
      const revocations = ctx?.revocations ?? [];
      const summary = summarizeFinding(finding, ctx?.revocation ? [ctx.revocation] : revocations);
      const msg = alertMessage(summary, { type, revocations, ...(ctx?.revocation ? { revocation: ctx.revocation } : {}) });
      const posted = await callSlack(client, 'chat.postMessage', { channel: cfg.channel, text: msg.text, blocks: msg.blocks, unfurl_links: false, unfurl_media: false }, PostedSchema, cfg.id);

      let replies = 0;
      let replyFailures = 0;
      if (type === 'finding.created' && replySources.size > 0) {
        const seen = new Set<string>();
        for (const o of finding.occurrences) {
          if (o.locator.kind !== 'slack' || !replySources.has(o.source)) continue;
          const thread = o.locator.threadTs ?? o.locator.ts;
          const key = `${o.locator.channel}/${thread}`;
          if (seen.has(key)) continue;
          seen.add(key);
          try {
            await callSlack(client, 'chat.postMessage', { channel: o.locator.channel, thread_ts: thread, text: authorNotice(summary, o.author, revocations), unfurl_links: false }, PostedSchema, cfg.id);
            replies++;
          } catch {
            replyFailures++;
          }
        }
      }
      return { channel: posted.channel ?? cfg.channel, ...(posted.ts ? { ts: posted.ts } : {}), ...(replies || replyFailures ? { threadReplies: replies, threadReplyFailures: replyFailures } : {}) };
    },
  };
}
