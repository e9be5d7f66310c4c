/**
 * Running git on a repository we are auditing, which may be hostile: its `.git/config` could name
 * pagers, external diff tools, textconv filters or an fsmonitor hook. Every invocation pins the
 * options that would run such commands or change the output format (prefixes, quoting, colour,
 * signatures), and nothing git prints on stderr is ever surfaced (it is matched, never echoed).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { TokenradiusError } from '../../core/errors.js';

export const GIT_SAFE_ARGS: readonly string[] = [
  '--no-pager',
  '-c', 'core.quotePath=false',
  '-c', 'core.fsmonitor=false',
  '-c', 'core.pager=cat',
  '-c', 'log.showSignature=false',
  '-c', 'i18n.logOutputEncoding=UTF-8',
  '-c', 'diff.noprefix=false',
  '-c', 'diff.mnemonicPrefix=false',
  '-c', 'color.ui=false',
];

export type GitChild = ChildProcessByStdio<null, Readable, Readable>;

export function spawnGit(repo: string, args: readonly string[]): GitChild {
  return spawn('git', [...GIT_SAFE_ARGS, ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
}

/** Keeps the first bytes of stderr for classification; drains the rest so git never blocks on it. */
export function collectStderr(child: GitChild, max = 8192): () => string {
  let text = '';
  child.stderr.on('data', (d: Buffer) => {
    if (text.length < max) text += d.toString('utf8').slice(0, max - text.length);
  });
  return () => text;
}

/** Resolves with the exit code (or the spawn error). */
export function exitOf(child: GitChild): Promise<{ code: number | null; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    let done = false;
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (!done) {
        done = true;
        resolve({ code: null, error });
      }
    });
    child.once('close', (code) => {
      if (!done) {
        done = true;
        resolve({ code });
      }
    });
  });
}

/** A typed error for a failed git call, from its exit and (classified, never quoted) stderr. */
export function gitFailure(repo: string, what: string, exit: { code: number | null; error?: NodeJS.ErrnoException }, stderr: string): TokenradiusError {
  if (exit.error?.code === 'ENOENT') {
    return new TokenradiusError('INPUT_UNREADABLE', `cannot scan git history of ${repo}: the git executable was not found on PATH (--type files scans the folder as plain files)`, { details: { path: repo } });
  }
  if (/dubious ownership/i.test(stderr)) {
    return new TokenradiusError(
      'INPUT_UNREADABLE',
      `git refuses to read ${repo} because another user owns it; if you trust it: git config --global --add safe.directory <path>`,
      { details: { path: repo } },
    );
  }
  if (/not a git repository/i.test(stderr)) {
    return new TokenradiusError('INPUT_MALFORMED', `${repo} is not a git repository`, { details: { path: repo } });
  }
  return new TokenradiusError('INPUT_UNREADABLE', `${what} failed in ${repo} (git exit ${exit.code ?? 'signal'})`, { details: { path: repo, exitCode: exit.code } });
}

/** Run a short git command and return its stdout (bounded). */
export async function gitOutput(repo: string, args: readonly string[], what: string, maxBytes = 512 * 1024 * 1024): Promise<{ ok: boolean; stdout: Buffer; fail: () => TokenradiusError }> {
  let child: GitChild;
  try {
    child = spawnGit(repo, args);
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    return { ok: false, stdout: Buffer.alloc(0), fail: () => gitFailure(repo, what, { code: null, error }, '') };
  }
  const stderr = collectStderr(child);
  const parts: Buffer[] = [];
  let len = 0;
  child.stdout.on('data', (d: Buffer) => {
    if (len <= maxBytes) {
      parts.push(d);
      len += d.length;
    }
  });
  const exit = await exitOf(child);
  const ok = exit.code === 0 && len <= maxBytes;
  return { ok, stdout: Buffer.concat(parts, len), fail: () => gitFailure(repo, what, exit, stderr()) };
}
