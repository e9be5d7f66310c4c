/**
 * How widely a Slack conversation is seen, from its metadata as `conversations.list` /
 * `conversations.info` return it or as an export's channels.json / groups.json / dms.json /
 * mpims.json lists it. Shared by the export source and the live connector.
 *
 * - externally shared (`is_ext_shared`, or `is_shared` without `is_org_shared`: Slack Connect) ⇒ `shared-external`
 * - DM, group DM, private channel (`is_im`, `is_mpim`, `is_private`, `is_group`, or listed in
 *   groups.json / dms.json / mpims.json) ⇒ `private`
 * - public channel ⇒ `public`
 * Audience: `num_members`, else the length of `members`.
 */
import { z } from 'zod';
import type { Exposure } from '../../core/types.js';

/** Conversation metadata fields tokenradius reads; everything else passes through. */
export const SlackConversationSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional().catch(undefined),
    is_channel: z.boolean().optional().catch(undefined),
    is_group: z.boolean().optional().catch(undefined),
    is_im: z.boolean().optional().catch(undefined),
    is_mpim: z.boolean().optional().catch(undefined),
    is_private: z.boolean().optional().catch(undefined),
    is_shared: z.boolean().optional().catch(undefined),
    is_ext_shared: z.boolean().optional().catch(undefined),
    is_org_shared: z.boolean().optional().catch(undefined),
    is_archived: z.boolean().optional().catch(undefined),
    num_members: z.number().int().nonnegative().optional().catch(undefined),
    members: z.array(z.string()).optional().catch(undefined),
    /** DMs: the other user. */
    user: z.string().optional().catch(undefined),
  })
  .loose();
export type SlackConversation = z.infer<typeof SlackConversationSchema>;

/** Which export list a conversation came from (the lists imply the kind when flags are absent). */
export type ConversationKind = 'public' | 'private' | 'im' | 'mpim';

export function conversationKind(c: SlackConversation, listedAs?: ConversationKind): ConversationKind {
  if (c.is_im) return 'im';
  if (c.is_mpim) return 'mpim';
  if (c.is_private || c.is_group) return 'private';
  if (listedAs) return listedAs;
  return 'public';
}

export function conversationLabel(c: SlackConversation, kind: ConversationKind): string {
  switch (kind) {
    case 'im':
      return 'direct message';
    case 'mpim':
      return `group DM${c.name ? ` ${c.name}` : ''}`;
    case 'private':
      return `#${c.name ?? c.id} (private)`;
    default:
      return `#${c.name ?? c.id}`;
  }
}

export function conversationExposure(c: SlackConversation, listedAs?: ConversationKind): Exposure {
  const kind = conversationKind(c, listedAs);
  const audience = c.num_members ?? c.members?.length;
  const external = c.is_ext_shared === true || (c.is_shared === true && c.is_org_shared !== true);
  const visibility: Exposure['visibility'] = external ? 'shared-external' : kind === 'public' ? 'public' : 'private';
  const label = conversationLabel(c, kind) + (external ? ' (shared with another organisation)' : '');
  return { visibility, ...(audience !== undefined ? { audience } : {}), label: label.slice(0, 300) };
}
