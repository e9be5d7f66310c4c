/**
 * The resume point of a Jira source, one per JQL (store scope `jql-<hash>`: changing the query
 * starts a new full read instead of silently skipping the issues the new query adds).
 *
 *   { v: 1, updated?: <ms of the newest issue version handed on>, seen: ["<issue id>@<updated ms>", …] }
 *
 * A run reads `updated >= updated − overlap` oldest first. Every issue version inside that window
 * that was already handed on is in `seen` and skipped, so the overlap costs one search page, not a
 * re-scan. Because results come oldest first, everything older than the newest handed-on version is
 * covered: a crash resumes at the next issue (no gap), and repeats are limited to the issue being
 * handed on at the crash.
 */
import { z } from 'zod';
import { sha256Hex } from '../../core/secrets.js';

/** Most `seen` entries kept (the newest); past it, a few issues of a busy minute may be read twice. */
export const MAX_SEEN = 5000;

export const JiraCursorSchema = z
  .object({
    v: z.literal(1),
    updated: z.number().int().nonnegative().optional(),
    seen: z.array(z.string().max(120)).max(MAX_SEEN).default([]),
  })
  .strict();
export type JiraCursor = z.infer<typeof JiraCursorSchema>;

/** Store scope of a query's cursor. */
export function jqlScope(jql: string): string {
  return `jql-${sha256Hex(jql.trim()).slice(0, 16)}`;
}

export function encodeJiraCursor(c: JiraCursor): string {
  return JSON.stringify({ v: 1, ...(c.updated !== undefined ? { updated: c.updated } : {}), seen: c.seen });
}

/** A stored cursor, or undefined when absent or unreadable (then the query is read from the start). */
export function decodeJiraCursor(text: string | null | undefined): JiraCursor | undefined {
  if (!text) return undefined;
  try {
    const r = JiraCursorSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** `<id>@<updated ms>`: one version of one issue. */
export function versionKey(issueId: string, updatedMs: number): string {
  return `${issueId}@${updatedMs}`;
}

/**
 * The cursor once this issue version is handed on: `updated` moves forward, `seen` keeps the
 * versions that a later window (`updated − overlap`, floored to the minute) can return again.
 */
/** The `updated` ms of a `<id>@<ms>` key (0 when unreadable, so it expires first). */
function msOf(k: string): number {
  const ms = Number(k.slice(k.lastIndexOf('@') + 1));
  return Number.isFinite(ms) ? ms : 0;
}

export function advanceJiraCursor(c: JiraCursor, key: string, updatedMs: number, overlapMs: number): JiraCursor {
  const updated = Math.max(c.updated ?? 0, updatedMs);
  const floor = updated - overlapMs - 60_000;
  // Versions arrive (nearly) in `updated` order: append, and drop expired ones from the front.
  const seen = c.seen.includes(key) ? [...c.seen] : [...c.seen, key];
  let drop = 0;
  while (drop < seen.length && msOf(seen[drop]!) < floor) drop += 1;
  if (drop > 0) seen.splice(0, drop);
  return { v: 1, updated, seen: seen.length > MAX_SEEN ? seen.slice(seen.length - MAX_SEEN) : seen };
}
