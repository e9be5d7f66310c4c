/**
 * GitHub content → chunks with `github` locators. Pure functions, the same for a backfill and a
 * push webhook's commits, so one place is one occurrence either way (identity: repo + commit +
 * path + field + line/column).
 *
 * - A commit file's ADDED lines (from its patch), in runs of consecutive new-file lines; each
 *   chunk's `url` is the permalink of its lines at that commit (`…/blob/<sha>/<path>#L<a>-L<b>`),
 *   which the scan stage narrows to the finding's own line (`#L<line>`).
 * - Issue / pull-request bodies and comments: their markdown, with the comment's `html_url`.
 * - Exposure from the repository's visibility: public, private, or internal (every member of the
 *   enterprise: private, labelled so).
 */
import type { Chunk, Exposure } from '../../core/types.js';
import { chunkId, chunkText } from '../files/chunker.js';
import { addedRuns } from './patch.js';

export interface RepoInfo {
  /** `owner/name` as GitHub spells it. */
  fullName: string;
  owner: string;
  name: string;
  htmlUrl: string;
  visibility: 'public' | 'private' | 'internal';
  defaultBranch?: string;
  /** KiB; 0 for an empty repository (and, briefly, for a new one). */
  size?: number;
  archived?: boolean;
  fork?: boolean;
}

import type { ChunkLimits } from '../connector.js';
export type { ChunkLimits };

export function repoExposure(repo: RepoInfo): Exposure {
  if (repo.visibility === 'public') return { visibility: 'public', label: `${repo.fullName} (public repository)` };
  if (repo.visibility === 'internal') return { visibility: 'private', label: `${repo.fullName} (internal: every enterprise member)` };
  return { visibility: 'private', label: `${repo.fullName} (private repository)` };
}

/** `a/b c.txt` → `a/b%20c.txt` (each segment encoded, slashes kept). */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export interface CommitMeta {
  sha: string;
  /** The commit's html_url. */
  url?: string;
  author?: string;
  /** ISO author date. */
  date?: string;
}

/** Chunks of one file's added lines at one commit. */
export function patchChunks(sourceId: string, repo: RepoInfo, commit: CommitMeta, path: string, patch: string, limits: ChunkLimits): Chunk[] {
  const out: Chunk[] = [];
  const blob = `${repo.htmlUrl}/blob/${commit.sha}/${encodePath(path)}`;
  const exposure = repoExposure(repo);
  for (const run of addedRuns(patch)) {
    for (const piece of chunkText(run.text, { chunkChars: limits.chunkChars, overlapChars: limits.overlapChars, startLine: run.line })) {
      let last = piece.line;
      for (let i = piece.text.indexOf('\n'); i !== -1 && i < piece.text.length - 1; i = piece.text.indexOf('\n', i + 1)) last += 1;
      out.push({
        id: chunkId('github', sourceId, repo.fullName, commit.sha, path, piece.line, piece.column),
        source: sourceId,
        locator: {
          kind: 'github',
          repo: repo.fullName,
          commit: commit.sha,
          path,
          url: last > piece.line ? `${blob}#L${piece.line}-L${last}` : `${blob}#L${piece.line}`,
          ...(commit.author ? { author: commit.author } : {}),
          ...(commit.date ? { date: commit.date } : {}),
          line: piece.line,
          column: piece.column,
        },
        text: piece.text,
        exposure,
        ...(commit.author ? { author: commit.author } : {}),
        ...(commit.date ? { at: commit.date } : {}),
      });
    }
  }
  return out;
}

export type CommentField = 'issue-body' | 'pr-body' | 'issue-comment' | 'review-comment';

export interface CommentItem {
  field: CommentField;
  /** Stable id of the item (issue number for bodies, comment id otherwise). */
  id: string;
  /** Place shown in reports: `issues/12`, `issues/12#issuecomment-345`, `pulls/7#discussion_r89`. */
  path: string;
  body: string;
  url?: string;
  author?: string;
  /** ISO `updated_at` (the version of the text). */
  updated?: string;
  /** Review comments: the commit they were made on. */
  commit?: string;
}

export function commentChunks(sourceId: string, repo: RepoInfo, item: CommentItem, limits: ChunkLimits): Chunk[] {
  const out: Chunk[] = [];
  const exposure = repoExposure(repo);
  for (const piece of chunkText(item.body, { chunkChars: limits.chunkChars, overlapChars: limits.overlapChars })) {
    out.push({
      id: chunkId('github', sourceId, repo.fullName, item.field, item.id, item.updated ?? '', piece.line, piece.column),
      source: sourceId,
      locator: {
        kind: 'github',
        repo: repo.fullName,
        commit: item.commit ?? '',
        path: item.path,
        field: item.field,
        ...(item.url ? { url: item.url } : {}),
        ...(item.author ? { author: item.author } : {}),
        ...(item.updated ? { date: item.updated } : {}),
        line: piece.line,
        column: piece.column,
      },
      text: piece.text,
      exposure,
      ...(item.author ? { author: item.author } : {}),
      ...(item.updated ? { at: item.updated } : {}),
    });
  }
  return out;
}
