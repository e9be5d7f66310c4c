/**
 * The `git` source: the added lines of every commit reachable from any ref (optionally from the
 * reflogs too) of a local clone, streamed from one `git log -p` child process through the diff
 * parser. Nothing of the history is held beyond the chunk being handed on: the child's stdout is
 * read only as fast as the consumer pulls chunks (backpressure reaches git through the pipe).
 *
 * `since` (PullOptions or the user's `--since`) is a commit sha (scan only commits not reachable
 * from it) or an ISO date (`--since`). Chunk cursors are '' (a local history is rescanned whole).
 */
import ignore from 'ignore';
import { TokenradiusError } from '../../core/errors.js';
import type { Chunk } from '../../core/types.js';
import type { LocalSource } from '../local.js';
import type { NoticeHandler, ScanOptions } from '../options.js';
import type { PulledChunk, PullOptions } from '../types.js';
import { GIT_LOG_FORMAT, GitLogParser } from './diff-parser.js';
import { collectStderr, exitOf, gitFailure, gitOutput, spawnGit, type GitChild } from './exec.js';

export interface GitSourceOptions {
  onNotice?: NoticeHandler;
}

const SHA = /^[0-9a-f]{4,64}$/i;

/** The `git log` arguments (exported for tests and the README). */
export function gitLogArgs(opts: { reflog: boolean; range: string[] }): string[] {
  return [
    'log',
    '--all',
    ...(opts.reflog ? ['--reflog'] : []),
    '-p',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--unified=0',
    // merges: only lines new relative to every parent (the parents' lines come with their own commits)
    '--diff-merges=dense-combined',
    '--find-renames',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    `--format=${GIT_LOG_FORMAT}`,
    ...opts.range,
  ];
}

/** Turn a user `since` into git log arguments, checking it first (it is never passed through unchecked). */
async function rangeFor(repo: string, since: string | undefined): Promise<string[]> {
  if (since === undefined || since === '') return [];
  if (SHA.test(since)) {
    const r = await gitOutput(repo, ['rev-parse', '--verify', '--quiet', `${since}^{commit}`], 'git rev-parse');
    // the value is not echoed: a hex string on a command line could be anything, a key included
    if (!r.ok) throw new TokenradiusError('USAGE', `--since is not a commit of ${repo}`, { details: { path: repo } });
    return ['--not', r.stdout.toString('utf8').trim()];
  }
  const t = Date.parse(since);
  if (Number.isNaN(t)) throw new TokenradiusError('USAGE', '--since must be a commit sha or an ISO date (2024-05-01T00:00:00Z)');
  return [`--since=${new Date(t).toISOString()}`];
}

/** Fails with a typed error when `repo` is not a readable git repository. */
export async function checkRepository(repo: string): Promise<{ shallow: boolean }> {
  const r = await gitOutput(repo, ['rev-parse', '--git-dir', '--is-shallow-repository'], 'git rev-parse');
  if (!r.ok) throw r.fail();
  const lines = r.stdout.toString('utf8').trim().split('\n');
  return { shallow: lines[lines.length - 1]?.trim() === 'true' };
}

export function createGitSource(repo: string, scan: ScanOptions, opts: GitSourceOptions = {}): LocalSource {
  return {
    id: 'git',
    target: repo,
    describe: `git history ${repo}`,
    async *pull(p: PullOptions): AsyncIterable<PulledChunk> {
      const { shallow } = await checkRepository(repo);
      if (shallow) {
        opts.onNotice?.({
          level: 'info',
          reason: 'shallow',
          source: 'git',
          path: repo,
          message: 'shallow clone: commits before the clone depth are not scanned (git fetch --unshallow for the full history)',
        });
      }
      const range = await rangeFor(repo, p.since);
      if (p.signal.aborted) return;

      let queue: Chunk[] = [];
      // `scan.excludePaths` (gitignore syntax) apply to paths in history too; one decision per path.
      const exclude = scan.excludePaths.length > 0 ? ignore().add(scan.excludePaths) : undefined;
      let lastPath = '';
      let lastExcluded = false;
      const isExcluded = (path: string): boolean => {
        if (!exclude || path === '') return false;
        if (path !== lastPath) {
          lastPath = path;
          try {
            lastExcluded = exclude.ignores(path);
          } catch {
            lastExcluded = false; // a name `ignore` cannot judge is scanned
          }
        }
        return lastExcluded;
      };
      const parser = new GitLogParser({
        repo,
        chunkBytes: scan.chunkBytes,
        chunkOverlapBytes: scan.chunkOverlapBytes,
        maxLineBytes: scan.maxFileBytes,
        emit: (c) => {
          if (!isExcluded(c.locator.kind === 'git' ? c.locator.path : '')) queue.push(c);
        },
        onTruncated: (commit, path) =>
          opts.onNotice?.({
            level: 'info',
            reason: 'truncated',
            source: 'git',
            path: `${repo}@${commit.slice(0, 12)}:${path}`,
            message: `an added line longer than maxFileBytes (${scan.maxFileBytes}) was cut`,
          }),
      });

      let child: GitChild;
      try {
        child = spawnGit(repo, gitLogArgs({ reflog: scan.gitReflog, range }));
      } catch (e) {
        throw gitFailure(repo, 'git log', { code: null, error: e as NodeJS.ErrnoException }, '');
      }
      const stderr = collectStderr(child);
      const exited = exitOf(child);
      let finished = false;
      const onAbort = () => child.kill('SIGTERM');
      p.signal.addEventListener('abort', onAbort, { once: true });
      try {
        let lastCommits = 0;
        for await (const data of child.stdout as AsyncIterable<Buffer>) {
          parser.feed(data);
          if (queue.length > 0) {
            const ready = queue;
            queue = [];
            for (const chunk of ready) yield { chunk, cursor: '' };
          }
          if (parser.commits !== lastCommits) {
            lastCommits = parser.commits;
            p.onProgress?.({ bytes: parser.bytes, items: parser.commits });
          }
          if (p.signal.aborted) return;
        }
        parser.end();
        for (const chunk of queue) yield { chunk, cursor: '' };
        queue = [];
        p.onProgress?.({ bytes: parser.bytes, items: parser.commits });
        const exit = await exited;
        if (exit.code !== 0 && !p.signal.aborted) throw gitFailure(repo, 'git log', exit, stderr());
        finished = true;
      } finally {
        p.signal.removeEventListener('abort', onAbort);
        // The consumer stopped early (break, error, abort): do not leave git running.
        if (!finished && child.exitCode === null) child.kill('SIGTERM');
      }
    },
  };
}
