/**
 * Resume points of a GitHub source. Pure data and functions.
 *
 * Branch (store scope `<owner>/<repo>@<branch>`):
 *
 *   completed   { head, date, seen }   every commit reachable from `head` is covered; `date` is the
 *                                      newest commit date read, `seen` the shas dated within the
 *                                      overlap window before it (skipped when listed again)
 *   in a run    { …completed, run: { target, floor?, after? } }
 *               commits reachable from `target` dated ≥ `floor` are read OLDEST first; those up to
 *               and including `after` are covered. The listing of (target, floor) never changes
 *               (a sha names its history), so a crash resumes at the next commit: no gap.
 *
 * A run of a branch whose head moved reads `target = new head`, `floor = date − overlap`.
 *
 * Comment streams (scope `<owner>/<repo>#<stream>`: issues, issue-comments, review-comments),
 * listed by `updated` ascending: `{ updated, seen: ["<id>@<updated ms>"] }` as for Jira.
 */
import { z } from 'zod';

const Sha = z.string().regex(/^[0-9a-f]{40}$/);
export const MAX_SEEN = 5000;

export const BranchCursorSchema = z
  .object({
    v: z.literal(1),
    head: Sha.optional(),
    date: z.number().int().nonnegative().optional(),
    seen: z.array(Sha).max(MAX_SEEN).default([]),
    run: z
      .object({ target: Sha, floor: z.number().int().nonnegative().optional(), after: Sha.optional() })
      .strict()
      .optional(),
  })
  .strict();
export type BranchCursor = z.infer<typeof BranchCursorSchema>;

export const UpdatedCursorSchema = z
  .object({
    v: z.literal(1),
    updated: z.number().int().nonnegative().optional(),
    seen: z.array(z.string().max(120)).max(MAX_SEEN).default([]),
  })
  .strict();
export type UpdatedCursor = z.infer<typeof UpdatedCursorSchema>;

function decode<S extends z.ZodType>(schema: S, text: string | null | undefined): z.infer<S> | undefined {
  if (!text) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export const decodeBranchCursor = (text: string | null | undefined): BranchCursor | undefined => decode(BranchCursorSchema, text);
export const decodeUpdatedCursor = (text: string | null | undefined): UpdatedCursor | undefined => decode(UpdatedCursorSchema, text);

export function encodeBranchCursor(c: BranchCursor): string {
  return JSON.stringify({
    v: 1,
    ...(c.head ? { head: c.head } : {}),
    ...(c.date !== undefined ? { date: c.date } : {}),
    seen: c.seen,
    ...(c.run ? { run: { target: c.run.target, ...(c.run.floor !== undefined ? { floor: c.run.floor } : {}), ...(c.run.after ? { after: c.run.after } : {}) } } : {}),
  });
}

export function encodeUpdatedCursor(c: UpdatedCursor): string {
  return JSON.stringify({ v: 1, ...(c.updated !== undefined ? { updated: c.updated } : {}), seen: c.seen });
}

/** The completed state after reading every commit of `listed` (newest first or any order) from `target`. */
export function completeBranch(prev: BranchCursor | undefined, target: string, listed: ReadonlyArray<{ sha: string; date: number }>, overlapMs: number): BranchCursor {
  let date = prev?.date;
  for (const c of listed) if (date === undefined || c.date > date) date = c.date;
  const floor = date === undefined ? 0 : date - overlapMs;
  const seen = listed.filter((c) => c.date >= floor).map((c) => c.sha);
  return { v: 1, head: target, ...(date !== undefined ? { date } : {}), seen: seen.length > MAX_SEEN ? seen.slice(0, MAX_SEEN) : seen };
}

/** The stream cursor once this item version is handed on. */
/** The `updated` ms of a `<id>@<ms>` key (0 when unreadable, so it expires first). */
function msOf(k: string): number {
  const ms = Number(k.slice(k.lastIndexOf('@') + 1));
  return Number.isFinite(ms) ? ms : 0;
}

export function advanceUpdated(c: UpdatedCursor, key: string, updatedMs: number, overlapMs: number): UpdatedCursor {
  const updated = Math.max(c.updated ?? 0, updatedMs);
  const floor = updated - overlapMs - 1000;
  // Versions arrive (nearly) in `updated` order: append, and drop expired ones from the front.
  const seen = c.seen.includes(key) ? [...c.seen] : [...c.seen, key];
  let drop = 0;
  while (drop < seen.length && msOf(seen[drop]!) < floor) drop += 1;
  if (drop > 0) seen.splice(0, drop);
  return { v: 1, updated, seen: seen.length > MAX_SEEN ? seen.slice(seen.length - MAX_SEEN) : seen };
}
