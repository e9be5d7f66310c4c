/**
 * The per-channel resume point of a Slack source (cursor scope = channel id).
 *
 * Slack pages `conversations.history` from the NEWEST message down, so "the newest ts seen" may only
 * become the channel's cursor once everything below it in the window is handed on. A run over a
 * channel therefore walks, and records where it is:
 *
 *   idle        { done }                       every message with ts ≤ done is covered
 *   phase new   { done, top, phase:'new', latest?, thread? }
 *               messages in (done, top] are being read newest-first; those in [latest, top] are
 *               covered; `thread` = a thread whose replies up to `after` are covered
 *   phase look  { done, top, phase:'lookback', latest?, thread? }
 *               new messages are covered up to top; the look-back window (done − lookbackDays, done]
 *               is re-read for new replies and edits, covered down to `latest`
 *   finished    { done: top }
 *
 * A crash anywhere resumes at the exact message (and reply) after the last accepted batch: no gap.
 * Repeats are possible only for chunks of the message being handed on at the crash; the store
 * keeps one occurrence per place.
 */
import { z } from 'zod';
import { isSlackTs } from './ts.js';

const Ts = z.string().refine(isSlackTs);

export const ChannelCursorSchema = z
  .object({
    v: z.literal(1),
    done: Ts.optional(),
    top: Ts.optional(),
    phase: z.enum(['new', 'lookback']).optional(),
    latest: Ts.optional(),
    thread: z.object({ ts: Ts, after: Ts.optional() }).strict().optional(),
  })
  .strict();
export type ChannelCursor = z.infer<typeof ChannelCursorSchema>;

export function encodeChannelCursor(c: Omit<ChannelCursor, 'v'>): string {
  const out: ChannelCursor = { v: 1 };
  if (c.done) out.done = c.done;
  if (c.top) out.top = c.top;
  if (c.phase) out.phase = c.phase;
  if (c.latest) out.latest = c.latest;
  if (c.thread) out.thread = c.thread.after ? { ts: c.thread.ts, after: c.thread.after } : { ts: c.thread.ts };
  return JSON.stringify(out);
}

/** A stored cursor, or undefined when absent or unreadable (then the channel is read from the start). */
export function decodeChannelCursor(text: string | null | undefined): ChannelCursor | undefined {
  if (!text) return undefined;
  try {
    const parsed = ChannelCursorSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

