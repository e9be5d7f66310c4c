/**
 * Events API deliveries → work for the pipeline. Pure: parse the (already signature-checked) body
 * and say what to do; the HTTP route does the I/O (dedupe, enqueue) and answers.
 *
 * - `url_verification` → answer the challenge;
 * - `event_callback` with a `message` event (plain, `message_changed` incl. the previous version,
 *   `thread_broadcast`, `bot_message`, `file_share`, `message_deleted`'s last version…) → chunks,
 *   exactly as a backfill would make them (same locator identity, so one occurrence either way);
 * - `file_shared` → a poll of that source for that one file (`since: file:<id>:<channel>`): the
 *   download happens in a worker, never in the request;
 * - anything else (other event types, conversations outside the configured `channelTypes` /
 *   `channels`) → ignored, answered 200 so Slack does not retry.
 */
import { z } from 'zod';
import type { Chunk } from '../../core/types.js';
import { conversationExposure } from '../slack-common/exposure.js';
import { messageChunks, type ChunkLimits } from './chunks.js';
import type { SlackChannelType, SlackSourceConfig } from './options.js';
import { fileSince } from './ts.js';

const SlackId = z.string().regex(/^[A-Z0-9]{2,40}$/);

export const UrlVerificationSchema = z
  .object({ type: z.literal('url_verification'), challenge: z.string().min(1).max(512) })
  .loose();

export const EventCallbackSchema = z
  .object({
    type: z.literal('event_callback'),
    team_id: SlackId,
    event_id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/),
    event_time: z.number().optional().catch(undefined),
    api_app_id: z.string().optional().catch(undefined),
    is_ext_shared_channel: z.boolean().optional().catch(undefined),
    event: z.record(z.string(), z.unknown()),
  })
  .loose();
export type EventCallback = z.infer<typeof EventCallbackSchema>;

export type EventPlan =
  | { kind: 'challenge'; challenge: string }
  | { kind: 'chunks'; eventId: string; chunks: Chunk[] }
  | { kind: 'file'; eventId: string; since: string }
  | { kind: 'ignore'; eventId?: string; reason: string };

/** Events API `channel_type` → the `channelTypes` entry that covers it. */
const CHANNEL_TYPE: Record<string, SlackChannelType> = { channel: 'public_channel', group: 'private_channel', im: 'im', mpim: 'mpim' };

function channelAllowed(config: SlackSourceConfig, channel: string, channelType: unknown): boolean {
  if (typeof channelType === 'string') {
    const t = CHANNEL_TYPE[channelType];
    if (!t || !config.channelTypes.includes(t)) return false;
  }
  if (config.channels.length === 0) return true;
  if (config.channels.includes(channel)) return true;
  // Names cannot be resolved without an API call in the request path: an allow-list with names
  // lets every conversation through here (the backfill applies it exactly).
  return config.channels.some((c) => !/^[A-Z0-9]{2,40}$/.test(c));
}

/**
 * What to do with a verified body. `body` is the parsed JSON (Fastify parsed it from the raw bytes
 * the signature covered).
 */
export function planSlackEvent(body: unknown, config: SlackSourceConfig, limits?: ChunkLimits): EventPlan {
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  if (type === 'url_verification') {
    const v = UrlVerificationSchema.safeParse(body);
    return v.success ? { kind: 'challenge', challenge: v.data.challenge } : { kind: 'ignore', reason: 'malformed url_verification' };
  }
  if (type !== 'event_callback') return { kind: 'ignore', reason: `envelope type ${typeof type === 'string' ? type.slice(0, 40) : 'missing'}` };
  const parsed = EventCallbackSchema.safeParse(body);
  if (!parsed.success) return { kind: 'ignore', reason: 'malformed event_callback' };
  const env = parsed.data;
  const ev = env.event;
  const eventId = env.event_id;

  if (ev.type === 'file_shared') {
    const fileId = typeof ev.file_id === 'string' ? ev.file_id : (ev.file as { id?: unknown } | undefined)?.id;
    const channel = typeof ev.channel_id === 'string' && SlackId.safeParse(ev.channel_id).success ? ev.channel_id : undefined;
    if (typeof fileId !== 'string' || !SlackId.safeParse(fileId).success) return { kind: 'ignore', eventId, reason: 'file_shared without a file id' };
    if (!config.files.enabled) return { kind: 'ignore', eventId, reason: 'file text disabled' };
    if (channel && !channelAllowed(config, channel, undefined)) return { kind: 'ignore', eventId, reason: 'conversation not configured' };
    return { kind: 'file', eventId, since: fileSince(fileId, channel) };
  }

  if (ev.type !== 'message') return { kind: 'ignore', eventId, reason: `event type ${typeof ev.type === 'string' ? ev.type.slice(0, 40) : 'missing'}` };
  const channel = ev.channel;
  if (typeof channel !== 'string' || !SlackId.safeParse(channel).success) return { kind: 'ignore', eventId, reason: 'message without a channel' };
  if (!channelAllowed(config, channel, ev.channel_type)) return { kind: 'ignore', eventId, reason: 'conversation not configured' };

  const ct = ev.channel_type;
  const exposure = conversationExposure({
    id: channel,
    ...(ct === 'group' ? { is_private: true } : {}),
    ...(ct === 'im' ? { is_im: true } : {}),
    ...(ct === 'mpim' ? { is_mpim: true } : {}),
    ...(env.is_ext_shared_channel ? { is_ext_shared: true } : {}),
  });
  const chunks = messageChunks(
    ev,
    {
      sourceId: config.id,
      workspace: env.team_id,
      ...(config.workspaceUrl ? { workspaceUrl: config.workspaceUrl } : {}),
      channel,
      exposure: typeof ct === 'string' ? exposure : { ...exposure, visibility: env.is_ext_shared_channel ? 'shared-external' : 'unknown' },
    },
    limits,
  );
  if (chunks.length === 0) return { kind: 'ignore', eventId, reason: 'message without text' };
  return { kind: 'chunks', eventId, chunks };
}
