/**
 * The live Slack source (`type: slack`): a workspace read through the Web API with `@slack/web-api`.
 *
 * One run (`pull`):
 *   auth.test (team id = locator workspace, workspace URL for permalinks)
 *   → conversations.list (configured types, paged) → for each readable conversation:
 *     conversations.history from the channel's cursor (paged by Slack's cursor, newest first),
 *     conversations.replies for every thread parent (replies are not in history),
 *     file text of shared snippets / text files (url_private, allowed hosts only),
 *     then a look-back window for new replies in older threads and edits of older messages.
 * Every chunk carries the channel's exposure (public / private / shared with another organisation,
 * member count), a permalink, and its field (text, blocks, attachments, files, file:<id>).
 *
 * Cursors: one per channel (store scope = channel id), see `cursor.ts`. Each chunk is yielded with
 * the channel state that holds once IT has been handed on (the source holds one chunk back until it
 * knows what follows), so the poll runner stores a channel's cursor only past accepted chunks.
 *
 * `since`: a ts / date rescans every channel from then on and neither reads nor moves the stored
 * cursors; `file:<id>[:<channel>]` fetches one file (what an Events API `file_shared` enqueues).
 *
 * Failures: see `client.ts` (429 ⇒ UPSTREAM_RATE_LIMITED with Retry-After, 5xx ⇒ retried then
 * UPSTREAM_UNAVAILABLE, bad credentials ⇒ UPSTREAM_AUTH_FAILED). A conversation the token cannot
 * read (not a member, gone) is skipped with a log line; a bad credential marks the source failed in
 * the store (scope `~status`) and fails the run.
 */
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { TokenradiusError, isTokenradiusError } from '../../core/errors.js';
import type { Chunk, Exposure } from '../../core/types.js';
import type { SourceDeps } from '../registry.js';
import type { PulledChunk, PullOptions, Source } from '../types.js';
import { conversationExposure, SlackConversationSchema, type SlackConversation } from '../slack-common/exposure.js';
import {
  AuthTestSchema,
  ConversationsListSchema,
  FileInfoSchema,
  MessageMetaSchema,
  MessagesPageSchema,
  callSlack,
  createSlackWebClient,
  type MessageMeta,
} from './client.js';
import { messageChunks, textChunks, type ChannelContext, type ChunkLimits } from './chunks.js';
import { decodeChannelCursor, encodeChannelCursor, type ChannelCursor } from './cursor.js';
import { chunkLimits, markSourceStatus } from '../connector.js';
import { fetchFileText } from './files.js';
import type { SlackChannelType, SlackSourceConfig } from './options.js';
import { compareTs, maxTs, parseSince, tsMinusSeconds, type SlackSince } from './ts.js';

export interface SlackSourceDeps extends SourceDeps {
  /** File downloads (tests inject; default global fetch). */
  fetch?: typeof fetch;
}

export interface SlackSource extends Source {
  readonly config: SlackSourceConfig;
}

type State = Omit<ChannelCursor, 'v'>;
/** What a channel walk produces: chunks, resume points, and a tick per message read (progress). */
type Ev = { chunk: Chunk } | { checkpoint: State } | { message: true };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Slack per-conversation errors that mean "this one is not readable": skip it, go on. */
const SKIP_CHANNEL_ERRORS = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'access_denied', 'method_not_supported_for_channel_type']);

const KIND_TYPES: Record<string, SlackChannelType> = { public: 'public_channel', private: 'private_channel', im: 'im', mpim: 'mpim' };

/** The token of a configured Slack source, from the loaded config's environment snapshot. */
export function slackToken(config: SlackSourceConfig, env: Readonly<Record<string, string>> | undefined): string {
  const token = env?.[config.tokenEnv];
  if (!token) {
    throw new TokenradiusError('CONFIG_ENV_MISSING', `source ${config.id}: environment variable ${config.tokenEnv} (tokenEnv) is not set`, {
      details: { source: config.id, path: 'tokenEnv' },
    });
  }
  return token;
}

export function createSlackSource(config: SlackSourceConfig, deps: SlackSourceDeps): SlackSource {
  const logger = deps.logger;
  const limits: ChunkLimits = chunkLimits(deps.scan);
  const lookbackSec = Math.round(config.lookbackDays * 86_400);

  const markStatus = (state: 'ok' | 'failed', extra: Record<string, unknown> = {}) => markSourceStatus(deps.store, config.id, state, extra);

  return {
    id: config.id,
    config,
    async *pull(opts: PullOptions): AsyncIterable<PulledChunk> {
      const since: SlackSince | undefined = opts.since ? parseSince(opts.since) : undefined;
      const token = slackToken(config, deps.env);
      const client = createSlackWebClient({ token, apiUrl: config.apiUrl, timeoutMs: config.timeoutMs, retry: config.retry, sourceId: config.id });
      const call = <S extends Parameters<typeof callSlack>[3]>(method: string, args: Record<string, unknown>, schema: S) =>
        callSlack(client, method, args, schema, config.id);
      let items = 0;
      let bytes = 0;

      try {
        const auth = await call('auth.test', {}, AuthTestSchema);
        const workspace = auth.team_id ?? 'unknown';
        const workspaceUrl = auth.url ?? config.workspaceUrl;
        const walker = createWalker({ config, deps, client, token, workspace, ...(workspaceUrl ? { workspaceUrl } : {}), limits, lookbackSec, signal: opts.signal });

        if (since?.kind === 'file') {
          for (const chunk of await walker.fileById(since.fileId, since.channel)) yield { chunk, cursor: '' };
          await markStatus('ok');
          return;
        }

        const channels = await walker.listChannels();
        logger.info({ source: config.id, channels: channels.length }, 'slack: conversations to read');
        for (const ch of channels) {
          if (opts.signal.aborted) return;
          const track = !since && deps.store !== undefined;
          const stored = track ? await deps.store!.getCursor(config.id, ch.id) : null;
          const state: State | undefined = since ? { done: since.ts } : decodeChannelCursor(stored);
          const events = walker.channelEvents(ch, state, { lookback: !since && state?.done !== undefined && lookbackSec > 0, checkpoints: track });
          // Hold one chunk back: its cursor is the last checkpoint before the NEXT chunk (or the end).
          let held: Chunk | undefined;
          let cursor = stored ?? '';
          for await (const ev of events) {
            if ('checkpoint' in ev) {
              cursor = encodeChannelCursor(ev.checkpoint);
              continue;
            }
            if ('message' in ev) {
              items += 1;
              opts.onProgress?.({ bytes, items });
              continue;
            }
            if (held) yield track ? { chunk: held, cursor, scope: ch.id } : { chunk: held, cursor: '' };
            held = ev.chunk;
            bytes += ev.chunk.text.length;
            if (opts.signal.aborted) break;
          }
          if (held) yield track ? { chunk: held, cursor, scope: ch.id } : { chunk: held, cursor: '' };
        }
        await markStatus('ok');
      } catch (e) {
        if (isTokenradiusError(e) && e.code === 'UPSTREAM_AUTH_FAILED') {
          await markStatus('failed', { code: e.code, ...(typeof e.details.slackError === 'string' ? { slackError: e.details.slackError } : {}) });
          logger.error({ source: config.id, code: e.code, slackError: e.details.slackError, method: e.details.method }, 'slack source failed: credentials rejected');
        }
        throw e;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------

interface WalkerOptions {
  config: SlackSourceConfig;
  deps: SlackSourceDeps;
  client: WebClient;
  token: string;
  workspace: string;
  workspaceUrl?: string;
  limits: ChunkLimits;
  lookbackSec: number;
  signal: AbortSignal;
}

interface Conversation {
  id: string;
  name?: string;
  exposure: Exposure;
}

function createWalker(w: WalkerOptions) {
  const { config, client, deps } = w;
  const logger = deps.logger;
  const call = <S extends Parameters<typeof callSlack>[3]>(method: string, args: Record<string, unknown>, schema: S) => callSlack(client, method, args, schema, config.id);

  const ctxOf = (ch: Conversation): ChannelContext => ({
    sourceId: config.id,
    workspace: w.workspace,
    ...(w.workspaceUrl ? { workspaceUrl: w.workspaceUrl } : {}),
    channel: ch.id,
    ...(ch.name ? { channelName: ch.name } : {}),
    exposure: ch.exposure,
  });

  const wanted = new Set(config.channels.map((c) => c.replace(/^#/, '')));
  const types = new Set<SlackChannelType>(config.channelTypes);

  function toConversation(raw: unknown): { conv: Conversation; meta: SlackConversation } | undefined {
    const p = SlackConversationSchema.safeParse(raw);
    if (!p.success) return undefined;
    const c = p.data;
    const exposure = conversationExposure(c);
    return { conv: { id: c.id, ...(c.name ? { name: c.name } : {}), exposure }, meta: c };
  }

  async function listChannels(): Promise<Conversation[]> {
    const out: Conversation[] = [];
    let cursor: string | undefined;
    let notMember = 0;
    do {
      const page = await call(
        'conversations.list',
        { types: config.channelTypes.join(','), limit: config.listPageSize, exclude_archived: !config.includeArchived, ...(cursor ? { cursor } : {}) },
        ConversationsListSchema,
      );
      for (const raw of page.channels) {
        const r = toConversation(raw);
        if (!r) continue;
        const { conv, meta } = r;
        // Public and private channels: only those the token's user/bot is in can be read.
        if (!meta.is_im && !meta.is_mpim && (raw as Obj).is_member === false) {
          notMember += 1;
          continue;
        }
        if (wanted.size > 0 && !wanted.has(conv.id) && !(conv.name && wanted.has(conv.name))) continue;
        const kind = meta.is_im ? 'im' : meta.is_mpim ? 'mpim' : meta.is_private || meta.is_group ? 'private' : 'public';
        if (!types.has(KIND_TYPES[kind]!)) continue;
        out.push(conv);
      }
      const next = page.response_metadata?.next_cursor || undefined;
      if (next !== undefined && next === cursor) throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', 'Slack conversations.list returned the same page cursor twice', { details: { method: 'conversations.list', source: config.id } });
      cursor = next;
      if (w.signal.aborted) break;
    } while (cursor);
    if (notMember > 0) logger.info({ source: config.id, skipped: notMember }, 'slack: channels the app is not a member of are skipped (invite it to scan them)');
    return out;
  }

  /** Message chunks plus the text of its readable files (field `file:<id>`). */
  async function messageAndFiles(message: unknown, ctx: ChannelContext): Promise<Chunk[]> {
    const out = messageChunks(message, ctx, w.limits);
    if (!config.files.enabled || !isObj(message) || !Array.isArray(message.files)) return out;
    const ts = typeof message.ts === 'string' ? message.ts : undefined;
    if (!ts) return out;
    const threadTs = typeof message.thread_ts === 'string' ? message.thread_ts : undefined;
    for (const f of message.files) {
      if (!isObj(f) || typeof f.id !== 'string') continue;
      out.push(...(await fileChunks(f, ctx, ts, threadTs)));
    }
    return out;
  }

  async function fileChunks(file: Obj, ctx: ChannelContext, ts: string, threadTs?: string): Promise<Chunk[]> {
    const r = await fetchFileText(file, {
      token: w.token,
      apiUrl: config.apiUrl,
      hosts: config.files.hosts,
      maxBytes: config.files.maxBytes,
      timeoutMs: config.timeoutMs,
      signal: w.signal,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    if (!r.ok) {
      if (r.reason !== 'not-text') logger.debug({ source: config.id, channel: ctx.channel, file: String(file.id), reason: r.reason }, 'slack: file text not fetched');
      return [];
    }
    const user = typeof file.user === 'string' ? file.user : undefined;
    return textChunks(ctx, { field: `file:${String(file.id)}`, text: r.text, ts, ...(threadTs ? { threadTs } : {}), ...(user ? { user } : {}) }, w.limits);
  }

  const isParent = (m: MessageMeta) => m.thread_ts === m.ts && ((m.reply_count ?? 0) > 0 || m.latest_reply !== undefined);

  /** Pages of messages (history or replies), oldest-window-bounded, following Slack's cursor. */
  async function* pages(method: 'conversations.history' | 'conversations.replies', args: Record<string, unknown>): AsyncGenerator<Array<{ raw: unknown; meta: MessageMeta }>> {
    let cursor: string | undefined;
    do {
      const page = await call(method, { ...args, limit: config.pageSize, ...(cursor ? { cursor } : {}) }, MessagesPageSchema);
      const batch: Array<{ raw: unknown; meta: MessageMeta }> = [];
      for (const raw of page.messages) {
        const meta = MessageMetaSchema.safeParse(raw);
        if (meta.success) batch.push({ raw, meta: meta.data });
      }
      yield batch;
      const next = page.has_more === false ? undefined : page.response_metadata?.next_cursor || undefined;
      if (next !== undefined && next === cursor) throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `Slack ${method} returned the same page cursor twice`, { details: { method, source: config.id } });
      cursor = next;
    } while (cursor && !w.signal.aborted);
  }

  /**
   * Replies of one thread after `after` (exclusive), each followed by a checkpoint naming the thread
   * and the reply reached. `thread_broadcast` replies are also in history: read there.
   */
  async function* replies(ch: Conversation, parentTs: string, after: string | undefined, base: State, checkpoints: boolean): AsyncGenerator<Ev> {
    const ctx = ctxOf(ch);
    for await (const batch of pages('conversations.replies', { channel: ch.id, ts: parentTs, ...(after ? { oldest: after } : {}) })) {
      for (const { raw, meta } of batch) {
        if (meta.ts === parentTs || meta.subtype === 'thread_broadcast') continue;
        if (after && compareTs(meta.ts, after) <= 0) continue;
        for (const chunk of await messageAndFiles(raw, ctx)) yield { chunk };
        yield { message: true };
        if (checkpoints) yield { checkpoint: { ...base, thread: { ts: parentTs, after: meta.ts } } };
      }
    }
  }

  /**
   * One channel's run as chunks and checkpoints (see cursor.ts for the states). `state.done` is
   * where new messages start (exclusive); `lookback` re-reads the window before it.
   */
  async function* channelEvents(ch: Conversation, state: State | undefined, o: { lookback: boolean; checkpoints: boolean }): AsyncGenerator<Ev> {
    const ctx = ctxOf(ch);
    const done = state?.done;
    let top = state?.top;
    let phase = state?.phase ?? 'new';
    let latest = state?.latest;
    let thread = state?.thread;
    const cp = (s: State): Ev[] => (o.checkpoints ? [{ checkpoint: s }] : []);

    try {
      if (phase === 'new') {
        const base = (): State => ({ ...(done ? { done } : {}), ...(top ? { top } : {}), phase: 'new', ...(latest ? { latest } : {}) });
        if (thread) {
          // A thread was cut short: finish it, then continue below its parent.
          yield* replies(ch, thread.ts, thread.after, base(), o.checkpoints);
          latest = thread.ts;
          thread = undefined;
          yield* cp(base());
        }
        if (!(latest && done && compareTs(latest, done) <= 0)) {
          for await (const batch of pages('conversations.history', { channel: ch.id, ...(done ? { oldest: done } : {}), ...(latest ? { latest } : {}), inclusive: false })) {
            for (const { raw, meta } of batch) {
              if (done && compareTs(meta.ts, done) <= 0) continue;
              top = maxTs(top, meta.ts);
              for (const chunk of await messageAndFiles(raw, ctx)) yield { chunk };
              yield { message: true };
              if (isParent(meta)) yield* replies(ch, meta.ts, undefined, base(), o.checkpoints);
              latest = meta.ts;
              yield* cp(base());
              if (w.signal.aborted) return;
            }
          }
        }
        top ??= done;
        phase = 'lookback';
        latest = undefined;
        if (o.lookback && done) yield* cp({ done, ...(top ? { top } : {}), phase: 'lookback' });
      }

      if (phase === 'lookback' && o.lookback && done) {
        const base = (): State => ({ done, ...(top ? { top } : {}), phase: 'lookback', ...(latest ? { latest } : {}) });
        if (thread) {
          yield* replies(ch, thread.ts, maxTs(thread.after, done), base(), o.checkpoints);
          latest = thread.ts;
          thread = undefined;
          yield* cp(base());
        }
        const oldest = tsMinusSeconds(done, w.lookbackSec);
        // The first window includes the message AT `done` (its thread may have grown since).
        const window = latest ? { oldest, latest, inclusive: false } : { oldest, latest: done, inclusive: true };
        for await (const batch of pages('conversations.history', { channel: ch.id, ...window })) {
          for (const { raw, meta } of batch) {
            if (compareTs(meta.ts, done) > 0) continue;
            // Edited after the cursor: the new version is new content.
            if (meta.edited?.ts && compareTs(meta.edited.ts, done) > 0) for (const chunk of messageChunks(raw, ctx, w.limits)) yield { chunk };
            // A thread that got replies after the cursor: read those replies.
            if (isParent(meta) && meta.latest_reply && compareTs(meta.latest_reply, done) > 0) yield* replies(ch, meta.ts, done, base(), o.checkpoints);
            latest = meta.ts;
            yield* cp(base());
            if (w.signal.aborted) return;
          }
        }
      }
      const end = maxTs(top, done);
      if (end) yield* cp({ done: end });
    } catch (e) {
      if (isTokenradiusError(e) && typeof e.details.slackError === 'string' && SKIP_CHANNEL_ERRORS.has(e.details.slackError)) {
        logger.warn({ source: config.id, channel: ch.id, slackError: e.details.slackError }, 'slack: conversation not readable; skipped');
        return;
      }
      throw e;
    }
  }

  /** One file by id (Events API `file_shared`): its title/preview and text, at the message that shared it. */
  async function fileById(fileId: string, channelHint?: string): Promise<Chunk[]> {
    let info;
    try {
      info = await call('files.info', { file: fileId }, FileInfoSchema);
    } catch (e) {
      if (isTokenradiusError(e) && (e.details.slackError === 'file_not_found' || e.details.slackError === 'file_deleted')) return [];
      throw e;
    }
    const file = info.file;
    const share = shareOf(file, channelHint);
    if (!share) {
      logger.info({ source: config.id, file: fileId }, 'slack: shared file has no conversation to place it in; skipped');
      return [];
    }
    let conv: Conversation = { id: share.channel, exposure: { visibility: 'unknown' } };
    try {
      const r = await call('conversations.info', { channel: share.channel }, ConversationInfoSchema);
      conv = toConversation(r.channel)?.conv ?? conv;
    } catch (e) {
      if (!isTokenradiusError(e) || e.code === 'UPSTREAM_RATE_LIMITED' || e.code === 'UPSTREAM_AUTH_FAILED') throw e;
    }
    const ctx = ctxOf(conv);
    const meta = messageChunks({ ts: share.ts, ...(share.threadTs ? { thread_ts: share.threadTs } : {}), files: [file] }, ctx, w.limits);
    return [...meta, ...(config.files.enabled ? await fileChunks(file, ctx, share.ts, share.threadTs) : [])];
  }

  return { listChannels, channelEvents, fileById };
}

const ConversationInfoSchema = z.object({ ok: z.literal(true), channel: z.unknown() }).loose();

/** Where a file was shared: `shares.{public,private}[channel][0]` (ts of the sharing message). */
function shareOf(file: Obj, channelHint?: string): { channel: string; ts: string; threadTs?: string } | undefined {
  const shares = isObj(file.shares) ? file.shares : {};
  const candidates: Array<[string, unknown]> = [];
  for (const kind of ['public', 'private'] as const) {
    const byChannel = shares[kind];
    if (isObj(byChannel)) for (const [ch, list] of Object.entries(byChannel)) candidates.push([ch, list]);
  }
  const pick = candidates.find(([ch]) => ch === channelHint) ?? candidates[0];
  if (pick && Array.isArray(pick[1]) && isObj(pick[1][0]) && typeof pick[1][0].ts === 'string') {
    const s = pick[1][0];
    return { channel: pick[0], ts: s.ts as string, ...(typeof s.thread_ts === 'string' ? { threadTs: s.thread_ts } : {}) };
  }
  return undefined;
}
