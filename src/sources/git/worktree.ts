/**
 * The working tree of a clone, minus what its history already holds: untracked files (ignored
 * ones too, unless `respectGitignore`) and tracked files whose content differs from the index.
 *
 * "Differs" is decided by hashing the file as a git blob and comparing with `git ls-files -s`,
 * NOT with `git status`: status runs the repository's clean filters and fsmonitor hook, which a
 * hostile repository could point at any command. Files whose line endings git normalises
 * (autocrlf) hash differently and are scanned too: a duplicate location is harmless.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ScanOptions, NoticeHandler } from '../options.js';
import { createFilesSource, type FilesSource } from '../files/source.js';
import { gitOutput } from './exec.js';

/** Tracked paths (POSIX, relative to the repository root) → blob id in the index (`null` for a conflict). */
export async function trackedBlobs(repo: string): Promise<{ blobs: Map<string, string | null>; objectFormat: 'sha1' | 'sha256' }> {
  const fmt = await gitOutput(repo, ['rev-parse', '--show-object-format'], 'git rev-parse');
  const objectFormat = fmt.ok && fmt.stdout.toString('utf8').trim() === 'sha256' ? 'sha256' : 'sha1';
  const r = await gitOutput(repo, ['ls-files', '-s', '-z'], 'git ls-files');
  if (!r.ok) throw r.fail();
  const blobs = new Map<string, string | null>();
  // "<mode> <object> <stage>\t<path>\0"
  for (const rec of r.stdout.toString('utf8').split('\u0000')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const [mode, object, stage] = rec.slice(0, tab).split(' ');
    const path = rec.slice(tab + 1);
    if (!mode || !object) continue;
    if (mode === '160000') continue; // a submodule: its files are not in this index
    blobs.set(path, stage === '0' && !blobs.has(path) ? object : null);
  }
  return { blobs, objectFormat };
}

/** Git's blob id of a file's content. */
export function blobId(path: string, size: number, objectFormat: 'sha1' | 'sha256'): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash(objectFormat);
    h.update(`blob ${size}\u0000`);
    const s = createReadStream(path);
    s.on('data', (d) => h.update(d));
    s.on('error', reject);
    s.on('end', () => resolve(h.digest('hex')));
  });
}

export async function createWorktreeSource(repo: string, scan: ScanOptions, opts: { onNotice?: NoticeHandler } = {}): Promise<FilesSource> {
  const { blobs, objectFormat } = await trackedBlobs(repo);
  return createFilesSource(repo, scan, {
    ...(opts.onNotice ? { onNotice: opts.onNotice } : {}),
    label: `working tree of ${repo} (untracked or modified files)`,
    accept: async ({ rel, path, size }) => {
      const want = blobs.get(rel);
      if (want === undefined || want === null) return true;
      try {
        return (await blobId(path, size, objectFormat)) !== want;
      } catch {
        return true; // let the reader report what it cannot read
      }
    },
  });
}
