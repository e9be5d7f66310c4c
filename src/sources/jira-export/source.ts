/**
 * The `jira-export` source: issue JSON as the Jira REST API returns it — one issue, search
 * results (`{issues: […]}`, including the `/search/jql` shape with `nextPageToken`), a webhook
 * payload, a JSON array of those, or a folder (walked recursively) of such files.
 *
 * Each field text becomes chunks with a `jira` locator (site from the issue's `self` URL, issue
 * key, field, comment id, browse URL, file path, line/column within the field text) and the
 * issue's exposure. A file that is not valid JSON, or JSON that holds no issue, or any non-JSON
 * file in the folder, is still scanned as plain text (with a notice), so nothing is left unread.
 */
import { readFile } from 'node:fs/promises';
import type { Chunk } from '../../core/types.js';
import { chunkId, chunkText } from '../files/chunker.js';
import { readFileAsync } from '../files/read.js';
import { readOptionsFrom } from '../files/source.js';
import { listFiles } from '../files/walk.js';
import { extractIssueText, issuesIn, type IssueText } from '../jira-common/issue-text.js';
import type { LocalSource } from '../local.js';
import type { NoticeHandler, ScanOptions } from '../options.js';
import type { PulledChunk, PullOptions } from '../types.js';

export interface JiraExportSourceOptions {
  onNotice?: NoticeHandler;
}

/** Chunks of one extracted issue. */
export function issueChunks(issue: IssueText, path: string, scan: Pick<ScanOptions, 'chunkBytes' | 'chunkOverlapBytes'>, source = 'jira-export'): Chunk[] {
  const out: Chunk[] = [];
  for (const t of issue.texts) {
    const url = issue.url && t.commentId ? `${issue.url}?focusedCommentId=${encodeURIComponent(t.commentId)}` : issue.url;
    for (const piece of chunkText(t.text, { chunkChars: scan.chunkBytes, overlapChars: scan.chunkOverlapBytes })) {
      out.push({
        id: chunkId('jira', path, issue.key, t.field, t.commentId ?? '', piece.line, piece.column),
        source,
        locator: {
          kind: 'jira',
          ...(issue.site ? { site: issue.site } : {}),
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
        ...((t.at ?? issue.updated) ? { at: (t.at ?? issue.updated)! } : {}),
      });
    }
  }
  return out;
}

export function createJiraExportSource(target: string, scan: ScanOptions, opts: JiraExportSourceOptions = {}): LocalSource {
  const readOptions = readOptionsFrom(scan, 'jira-export');
  return {
    id: 'jira-export',
    target,
    describe: `Jira export ${target}`,
    async *pull(p: PullOptions): AsyncIterable<PulledChunk> {
      let bytes = 0;
      let items = 0;
      const files = listFiles(target, {
        // JSON documents may be larger than ordinary files; the per-kind limits apply below.
        maxFileBytes: Math.max(scan.maxFileBytes, scan.maxJsonBytes),
        respectGitignore: scan.respectGitignore,
        includeHidden: scan.includeHidden,
        includeNodeModules: scan.includeNodeModules,
        followSymlinks: scan.followSymlinks,
        excludePaths: scan.excludePaths,
        source: 'jira-export',
        signal: p.signal,
        ...(opts.onNotice ? { onNotice: opts.onNotice } : {}),
      });
      for await (const f of files) {
        if (p.signal.aborted) return;
        const plain = async function* (why?: string): AsyncGenerator<PulledChunk> {
          if (why) opts.onNotice?.({ level: 'info', reason: 'not-an-export', source: 'jira-export', path: f.path, message: `${why}; scanned as plain text` });
          const r = await readFileAsync(f.path, { ...readOptions, displayPath: f.path });
          if (r.skipped) {
            opts.onNotice?.({ level: 'skip', reason: r.skipped.reason, source: 'jira-export', path: f.path, message: r.skipped.message, ...(r.skipped.code ? { code: r.skipped.code } : {}) });
          }
          for (const chunk of r.chunks) yield { chunk, cursor: '' };
        };
        bytes += f.size;
        if (!/\.json$/i.test(f.path)) {
          yield* plain();
          p.onProgress?.({ bytes, items });
          continue;
        }
        if (f.size > scan.maxJsonBytes) {
          opts.onNotice?.({ level: 'skip', reason: 'too-large', source: 'jira-export', path: f.path, message: `${f.size} bytes, over maxJsonBytes (${scan.maxJsonBytes})`, code: 'INPUT_TOO_LARGE' });
          continue;
        }
        let doc: unknown;
        try {
          // invalid UTF-8 becomes U+FFFD; a BOM is not JSON
          const text = (await readFile(f.path)).toString('utf8');
          doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
        } catch (e) {
          if (e instanceof SyntaxError) yield* plain('not valid JSON');
          else opts.onNotice?.({ level: 'skip', reason: 'unreadable', source: 'jira-export', path: f.path, message: 'cannot read', code: 'INPUT_UNREADABLE' });
          continue;
        }
        const issues = issuesIn(doc);
        if (issues.length === 0) {
          doc = undefined;
          yield* plain('no Jira issue in this JSON');
          continue;
        }
        doc = undefined; // let the parsed document go while its issues are turned into chunks
        for (const raw of issues) {
          const issue = extractIssueText(raw, { customFields: scan.jiraCustomFields });
          if (!issue) continue;
          items += 1;
          for (const chunk of issueChunks(issue, f.path, scan)) yield { chunk, cursor: '' };
        }
        p.onProgress?.({ bytes, items });
      }
    },
  };
}
