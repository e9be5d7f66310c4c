/**
 * Slack message → chunks, the same way for a backfill page and an Events API delivery, so the
 * same message seen both ways is the same place (the store keeps one occurrence): locator
 * identity = workspace (team id) + channel + ts + field + line/column.
 *
 * Text comes from the shared extractor (`slack-common/message-text.ts`: text, blocks incl.
 * preformatted, attachments, file previews, and for an edit both versions); file contents fetched
 * separately get the field `file:<file id>`. A chunk of an edited message carries the edit's ts in
 * its id, so the new version is a new piece of content.
 */
import type { Chunk, Exposure } from '../../core/types.js';
import { chunkId, chunkText } from '../files/chunker.js';
import { extractMessageTexts } from '../slack-common/message-text.js';
import { permalink, tsToIso } from './ts.js';

/** Where a message lives and how widely it is seen. */
export interface ChannelContext {
  /** Configured source id. */
  sourceId: string;
  /** Team id (`T…`) from `auth.test` or the event envelope. */
  workspace: string;
  /** `https://acme.slack.com/` for permalinks, when known. */
  workspaceUrl?: string;
  channel: string;
  channelName?: string;
  exposure: Exposure;
}

import { chunkLimits, type ChunkLimits } from '../connector.js';
export type { ChunkLimits };

const DEFAULT_LIMITS: ChunkLimits = chunkLimits();

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The ts an edit was made at (`edited.ts`), for a message or the new version inside `message_changed`. */
export function editTsOf(message: unknown): string | undefined {
  if (!isObj(message)) return undefined;
  const inner = message.subtype === 'message_changed' && isObj(message.message) ? message.message : message;
  const edited = inner.edited;
  return isObj(edited) && typeof edited.ts === 'string' ? edited.ts : undefined;
}

function locatorPath(ctx: ChannelContext, ts: string): string {
  return `slack/${ctx.workspace}/${ctx.channelName ?? ctx.channel}/${ts}`;
}

/** Chunks of one text segment at one place (long texts are cut with exact line/column). */
export function textChunks(
  ctx: ChannelContext,
  seg: { field: string; text: string; ts: string; threadTs?: string; user?: string; version?: string },
  limits: ChunkLimits = DEFAULT_LIMITS,
): Chunk[] {
  const out: Chunk[] = [];
  const link = permalink(ctx.workspaceUrl, ctx.channel, seg.ts, seg.threadTs);
  const at = tsToIso(seg.ts);
  for (const piece of chunkText(seg.text, { chunkChars: limits.chunkChars, overlapChars: limits.overlapChars })) {
    out.push({
      id: chunkId('slack', ctx.sourceId, ctx.workspace, ctx.channel, seg.ts, seg.field, seg.version ?? '', piece.line, piece.column),
      source: ctx.sourceId,
      locator: {
        kind: 'slack',
        workspace: ctx.workspace,
        channel: ctx.channel,
        ...(ctx.channelName ? { channelName: ctx.channelName } : {}),
        ts: seg.ts,
        ...(seg.threadTs && seg.threadTs !== seg.ts ? { threadTs: seg.threadTs } : {}),
        ...(link ? { permalink: link } : {}),
        field: seg.field,
        path: locatorPath(ctx, seg.ts),
        line: piece.line,
        column: piece.column,
      },
      text: piece.text,
      exposure: ctx.exposure,
      ...(seg.user ? { author: seg.user } : {}),
      ...(at ? { at } : {}),
    });
  }
  return out;
}

/**
 * Chunks of a message (API / event shape, incl. `message_changed` / `message_deleted` /
 * `thread_broadcast` / `bot_message`). Never throws; a message without text gives none.
 */
export function messageChunks(message: unknown, ctx: ChannelContext, limits: ChunkLimits = DEFAULT_LIMITS): Chunk[] {
  const out: Chunk[] = [];
  const version = editTsOf(message);
  const fallbackTs = isObj(message) && typeof message.ts === 'string' ? message.ts : undefined;
  for (const seg of extractMessageTexts(message)) {
    const ts = seg.ts ?? fallbackTs;
    if (!ts) continue;
    out.push(
      ...textChunks(
        ctx,
        {
          field: seg.field,
          text: seg.text,
          ts,
          ...(seg.threadTs ? { threadTs: seg.threadTs } : {}),
          ...(seg.user ? { user: seg.user } : {}),
          ...(version && !seg.field.startsWith('previous_message.') ? { version } : {}),
        },
        limits,
      ),
    );
  }
  return out;
}
