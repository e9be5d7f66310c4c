/**
 * A Jira issue (as REST v3 returns it: search result, `GET /issue`, or a webhook payload) → chunks,
 * the same way for a backfill and a webhook delivery, so one place is one occurrence either way:
 * locator identity = site + issue key + field + comment id + line/column.
 *
 * Text extraction is the shared one (`jira-common/issue-text.ts`: summary, description and
 * environment in ADF, comments, custom fields, changelog `fromString`/`toString`). The chunk id
 * carries the version of the text (issue `updated`, comment `updated`), so an edit is new content.
 */
import type { Chunk } from '../../core/types.js';
import { chunkId, chunkText } from '../files/chunker.js';
import { extractIssueText, type IssueText } from '../jira-common/issue-text.js';
import { parseJiraTime } from './time.js';

/** Jira's `2024-05-01T10:20:30.123+0200` as ISO 8601 UTC (as given when unreadable). */
function isoOf(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const ms = parseJiraTime(s);
  return ms === undefined ? s : new Date(ms).toISOString();
}

export interface JiraChunkContext {
  sourceId: string;
  /** Configured site URL: the site when the issue carries no `self` link. */
  host: string;
  customFields: readonly string[];
  limits: { chunkChars: number; overlapChars: number };
}

/** The texts of one issue with the site filled in (from `self`, else the configured host). */
export function issueTextOf(raw: unknown, ctx: Pick<JiraChunkContext, 'host' | 'customFields'>): IssueText | null {
  const t = extractIssueText(raw, { customFields: ctx.customFields });
  if (!t) return null;
  if (t.site) return t;
  return { ...t, site: ctx.host, url: `${ctx.host}/browse/${encodeURIComponent(t.key)}` };
}

export function issueChunksLive(issue: IssueText, ctx: JiraChunkContext): Chunk[] {
  const out: Chunk[] = [];
  for (const t of issue.texts) {
    const url = issue.url && t.commentId ? `${issue.url}?focusedCommentId=${encodeURIComponent(t.commentId)}` : issue.url;
    const version = (t.commentId ? t.at : undefined) ?? issue.updated ?? '';
    const path = `jira/${issue.key}/${t.field}${t.commentId ? `/${t.commentId}` : ''}`;
    for (const piece of chunkText(t.text, { chunkChars: ctx.limits.chunkChars, overlapChars: ctx.limits.overlapChars })) {
      out.push({
        id: chunkId('jira', ctx.sourceId, issue.site ?? ctx.host, issue.key, t.field, t.commentId ?? '', version, piece.line, piece.column),
        source: ctx.sourceId,
        locator: {
          kind: 'jira',
          site: issue.site ?? ctx.host,
          issue: issue.key,
          field: t.field,
          ...(t.commentId ? { commentId: t.commentId } : {}),
          ...(url ? { url } : {}),
          path,
          line: piece.line,
          column: piece.column,
        },
        text: piece.text,
        exposure: issue.exposure,
        ...(t.author ? { author: t.author } : {}),
        ...(isoOf(t.at ?? issue.updated) ? { at: isoOf(t.at ?? issue.updated)! } : {}),
      });
    }
  }
  return out;
}
