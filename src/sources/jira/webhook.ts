/**
 * Jira webhook deliveries → work for the pipeline. Pure functions: the HTTP route
 * (`src/server/routes/jira-webhook.ts`) does the I/O (dedupe, enqueue) and answers.
 *
 * Signature (admin webhooks with a secret): `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw
 * body>` — verified over the RAW bytes, in constant time. There is no timestamp in it: replays are
 * caught by remembering `X-Atlassian-Webhook-Identifier` (stable across Jira's retries).
 *
 * Events:
 * - `jira:issue_created` / `jira:issue_updated` with the issue's fields in the payload → chunks
 *   exactly as a backfill makes them (same locator identity, one occurrence either way); the
 *   changelog items of the update are scanned too (a token edited out survives in `fromString`);
 * - an issue event without the fields we read → a poll of that one issue (`since: issue:<KEY>`);
 * - `comment_created` / `comment_updated` → chunks of that comment;
 * - anything else → ignored (answered 200 so Jira does not retry).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Chunk } from '../../core/types.js';
import { issueChunksLive, issueTextOf } from './chunks.js';
import type { JiraSourceConfig } from './options.js';
import { isIssueKey } from './time.js';

export type JiraSignatureFailure = 'missing' | 'malformed' | 'mismatch';

/** `sha256=<hex>` for a body (tests and the fake Jira server sign with it). */
export function signJiraBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export function verifyJiraSignature(i: { rawBody: Buffer; signature: string | undefined; secret: string }): { ok: true } | { ok: false; reason: JiraSignatureFailure } {
  if (!i.signature) return { ok: false, reason: 'missing' };
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(i.signature.trim());
  if (!m) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', i.secret).update(i.rawBody).digest();
  const given = Buffer.from(m[1]!, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'mismatch' };
  return { ok: true };
}

const WebhookSchema = z
  .object({
    webhookEvent: z.string().max(100),
    timestamp: z.number().optional().catch(undefined),
    issue: z
      .object({
        key: z.string(),
        id: z.union([z.string(), z.number()]).optional().catch(undefined),
        self: z.string().optional().catch(undefined),
        fields: z.record(z.string(), z.unknown()).optional().catch(undefined),
      })
      .loose()
      .optional()
      .catch(undefined),
    comment: z.record(z.string(), z.unknown()).optional().catch(undefined),
    changelog: z.record(z.string(), z.unknown()).optional().catch(undefined),
  })
  .loose();

export type JiraWebhookPlan =
  | { kind: 'chunks'; event: string; issue: string; chunks: Chunk[] }
  | { kind: 'fetch'; event: string; issue: string; since: string }
  | { kind: 'ignore'; event?: string; reason: string };

const ISSUE_EVENTS = new Set(['jira:issue_created', 'jira:issue_updated']);
const COMMENT_EVENTS = new Set(['comment_created', 'comment_updated']);

/** Fields whose presence shows the payload carries the issue's text (Jira sends all fields on issue events). */
const TEXT_FIELDS = ['summary', 'description'] as const;

/**
 * What to do with a verified body. `limits` are the scan options' chunk sizes. Never throws.
 */
export function planJiraWebhook(body: unknown, config: JiraSourceConfig, limits: { chunkChars: number; overlapChars: number }): JiraWebhookPlan {
  const parsed = WebhookSchema.safeParse(body);
  if (!parsed.success) return { kind: 'ignore', reason: 'not a Jira webhook payload' };
  const p = parsed.data;
  const event = p.webhookEvent;
  const ctx = { sourceId: config.id, host: config.host, customFields: config.customFields, limits };
  if (!p.issue || !isIssueKey(p.issue.key)) return { kind: 'ignore', event, reason: 'no issue in the payload' };
  const key = p.issue.key;

  if (ISSUE_EVENTS.has(event)) {
    const fields = p.issue.fields;
    if (!fields || !TEXT_FIELDS.every((f) => f in fields)) return { kind: 'fetch', event, issue: key, since: `issue:${key}` };
    // The update's changelog is one history entry: give it the shape the extractor reads.
    const changelog = p.changelog && Array.isArray(p.changelog.items) ? { histories: [{ ...p.changelog, created: typeof fields.updated === 'string' ? fields.updated : undefined }] } : undefined;
    const text = issueTextOf({ ...p.issue, ...(changelog ? { changelog } : {}) }, ctx);
    if (!text) return { kind: 'ignore', event, reason: 'issue without text' };
    const chunks = issueChunksLive(text, ctx);
    return chunks.length > 0 ? { kind: 'chunks', event, issue: key, chunks } : { kind: 'ignore', event, reason: 'issue without text' };
  }

  if (COMMENT_EVENTS.has(event)) {
    if (!p.comment || p.comment.id === undefined) return { kind: 'ignore', event, reason: 'comment event without a comment' };
    // Only the comment: the issue's other fields did not change with it.
    const fields: Record<string, unknown> = { comment: { comments: [p.comment] } };
    const issueFields = p.issue.fields ?? {};
    for (const f of ['project', 'security', 'updated'] as const) if (f in issueFields) fields[f] = issueFields[f];
    const text = issueTextOf({ key, ...(p.issue.self ? { self: p.issue.self } : {}), fields }, ctx);
    const chunks = text ? issueChunksLive({ ...text, texts: text.texts.filter((t) => t.field === 'comment') }, ctx) : [];
    return chunks.length > 0 ? { kind: 'chunks', event, issue: key, chunks } : { kind: 'ignore', event, reason: 'comment without text' };
  }

  return { kind: 'ignore', event: event.slice(0, 60), reason: 'event not scanned' };
}
