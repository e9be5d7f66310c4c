/**
 * Slack source remediation (opt-in): edit the leaking message so the token is replaced by a notice
 * (`chat.update`), or delete the message (`mode: delete`, `chat.delete`).
 *
 * To replace only the token, the message is read back (`conversations.history` /
 * `conversations.replies`) and the token — unsealed for this call only — is replaced in its text;
 * the update sends text only, which also drops blocks that repeated it. A token that is not in the
 * message text (a file, an attachment, an edit already made) is `skipped` with a reason.
 * `chat.update` edits only messages of the token's own user (use a user token of the author, or
 * `mode: delete` with an admin token): Slack answers `cant_update_message` otherwise ⇒ failed.
 */
import { z } from 'zod';
import type { WebClient } from '@slack/web-api';
import { TokenradiusError } from '../../core/errors.js';
import { callSlack, createSlackWebClient, MessagesPageSchema } from '../../sources/slack/client.js';
import type { StoredOccurrence } from '../../store/types.js';
import type { RemediatorConfig } from '../options.js';
import type { Remediator, RemediationResult } from '../types.js';

const OkSchema = z.object({ ok: z.literal(true) }).loose();
const MessageSchema = z.object({ ts: z.string(), text: z.string().optional().catch(undefined) }).loose();

export interface SlackRemediatorDeps {
  token: string;
  apiUrl: string;
  timeoutMs?: number;
  client?: WebClient;
}

/** The notice that replaces the token in the message text (never the token). */
export function tokenNotice(redacted: string, revoked: boolean): string {
  return `[credential removed by tokenradius: ${redacted}${revoked ? ', revoked' : ''}]`;
}

export function createSlackRemediator(cfg: RemediatorConfig, deps: SlackRemediatorDeps): Remediator {
  const client = deps.client ?? createSlackWebClient({ token: deps.token, apiUrl: deps.apiUrl, timeoutMs: deps.timeoutMs ?? 30_000, retry: { retries: 0, minTimeoutMs: 100, maxTimeoutMs: 100 } });

  async function readMessage(channel: string, ts: string, threadTs: string | undefined): Promise<string | undefined> {
    const page =
      threadTs && threadTs !== ts
        ? await callSlack(client, 'conversations.replies', { channel, ts: threadTs, oldest: ts, latest: ts, inclusive: true, limit: 2 }, MessagesPageSchema, cfg.source)
        : await callSlack(client, 'conversations.history', { channel, oldest: ts, latest: ts, inclusive: true, limit: 1 }, MessagesPageSchema, cfg.source);
    for (const raw of page.messages) {
      const m = MessageSchema.safeParse(raw);
      if (m.success && m.data.ts === ts) return m.data.text ?? '';
    }
    return undefined;
  }

  return {
    id: cfg.id,
    type: 'slack',
    needsSecret: cfg.mode === 'update',
    applies: (o: StoredOccurrence) => o.source === cfg.source && o.locator.kind === 'slack',
    async remediate(finding, occurrence, o): Promise<RemediationResult> {
      if (occurrence.locator.kind !== 'slack') return { outcome: 'skipped', reason: 'not a Slack message' };
      const { channel, ts, threadTs } = occurrence.locator;
      const revoked = o.revocations.some((r) => r.outcome === 'revoked' || r.outcome === 'already-invalid');
      if (cfg.mode === 'delete') {
        if (o.dryRun) return { outcome: 'dry-run', reason: `dry run: would delete message ${ts} in ${channel}` };
        await callSlack(client, 'chat.delete', { channel, ts }, OkSchema, cfg.source);
        return { outcome: 'succeeded', reason: `deleted message ${ts} in ${channel}`, details: { channel, ts } };
      }
      if (!o.secret) throw new TokenradiusError('INTERNAL', 'slack remediation needs the token to find it in the message');
      const text = await readMessage(channel, ts, threadTs);
      if (text === undefined) return { outcome: 'skipped', reason: `message ${ts} in ${channel} is gone` };
      // Slack escapes &, < and > in text; a token never contains them, so a plain replace is exact.
      if (!text.includes(o.secret)) return { outcome: 'skipped', reason: 'the token is not in the message text (file, attachment or already edited): delete the message instead' };
      if (o.dryRun) return { outcome: 'dry-run', reason: `dry run: would replace the token in message ${ts} in ${channel}` };
      const updated = text.split(o.secret).join(tokenNotice(finding.redacted, revoked));
      await callSlack(client, 'chat.update', { channel, ts, text: updated, blocks: [] }, OkSchema, cfg.source);
      return { outcome: 'succeeded', reason: `replaced the token in message ${ts} in ${channel}`, details: { channel, ts } };
    },
  };
}
