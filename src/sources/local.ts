/**
 * Turns the targets of `tokenradius scan <targets...>` into Sources. What a target is, unless
 * `--type` says otherwise:
 *
 * | target                                                   | sources                                    |
 * |----------------------------------------------------------|--------------------------------------------|
 * | `-`                                                      | stdin                                      |
 * | `*.zip`, or a folder with `channels.json` (or `users.json` + `dms.json`/`groups.json`/`mpims.json`) | slack-export |
 * | a folder with `.git`                                     | git history + working-tree files git history lacks (untracked, modified) |
 * | a bare repository (`HEAD`, `objects/`, `refs/`)          | git history                                |
 * | a `.json` file holding Jira issues, or a folder of such files | jira-export                           |
 * | any other folder or file                                 | files                                      |
 *
 * `--type git` scans history only; `--type files` walks a clone as plain files. A missing target
 * is INPUT_NOT_FOUND naming it. Detection only reads a few bytes; nothing is scanned here.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { TokenradiusError } from '../core/errors.js';
import { createFilesSource } from './files/source.js';
import { createGitSource } from './git/source.js';
import { createWorktreeSource } from './git/worktree.js';
import { createJiraExportSource } from './jira-export/source.js';
import { scanOptions, type LocalSourceType, type NoticeHandler, type ScanOptions } from './options.js';
import { createSlackExportSource } from './slack-export/source.js';
import { createStdinSource } from './stdin.js';
import type { Source } from './types.js';

export type LocalSourceKind = LocalSourceType | 'stdin';

/** A Source over something on this machine. */
export interface LocalSource extends Source {
  id: LocalSourceKind;
  /** The target as the user gave it (`-` for stdin). */
  target: string;
  /** One line for progress and logs: "git history ./repo". */
  describe: string;
}

export interface ResolveOptions {
  /** Parsed `scan:` options (defaults when omitted). */
  scan?: ScanOptions;
  /** `--type`: force how every target is read. */
  type?: LocalSourceType;
  /** Where `-` reads from (default: process.stdin). */
  stdin?: Readable;
  onNotice?: NoticeHandler;
}

const SNIFF = 64 * 1024;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Does the start of this JSON file look like Jira issue JSON? (Reads at most 64 KiB.) */
export async function looksLikeJiraJson(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(SNIFF);
    const { bytesRead } = await fh.read(buf, 0, SNIFF, 0);
    const head = buf.toString('utf8', 0, bytesRead);
    return /^\s*[[{]/.test(head) && /"fields"\s*:\s*\{/.test(head) && /"(?:key|issues|issue)"\s*:/.test(head);
  } catch {
    return false;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

function isSlackExportFolder(names: Set<string>): boolean {
  if (names.has('channels.json')) return true;
  return names.has('users.json') && (names.has('dms.json') || names.has('groups.json') || names.has('mpims.json'));
}

/** Only JSON files at the top (or none, with JSON one level down), and Jira issues in the first few. */
async function isJiraFolder(dir: string, names: string[]): Promise<boolean> {
  const files: string[] = [];
  const subdirs: string[] = [];
  for (const n of names) {
    if (n.startsWith('.')) continue;
    const st = await stat(join(dir, n)).catch(() => undefined);
    if (st?.isFile()) files.push(n);
    else if (st?.isDirectory()) subdirs.push(n);
  }
  if (!files.every((n) => /\.json$/i.test(n))) return false;
  const sample = files.map((n) => join(dir, n)).slice(0, 3);
  for (const d of subdirs) {
    if (sample.length >= 3) break;
    const inner = await readdir(join(dir, d)).catch(() => [] as string[]);
    for (const n of inner.filter((x) => /\.json$/i.test(x)).slice(0, 3 - sample.length)) sample.push(join(dir, d, n));
  }
  for (const f of sample) if (await looksLikeJiraJson(f)) return true;
  return false;
}

export type DetectedType = LocalSourceType | 'git-bare';

/** What a target is (see the module table). Throws INPUT_NOT_FOUND / INPUT_UNREADABLE. */
export async function detectTargetType(target: string): Promise<DetectedType> {
  let st;
  try {
    st = await stat(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new TokenradiusError('INPUT_NOT_FOUND', `no such file or folder: ${target}`, { details: { path: target } });
    throw new TokenradiusError('INPUT_UNREADABLE', `cannot read ${target}${code ? ` (${code})` : ''}`, { details: { path: target } });
  }
  if (st.isFile()) {
    if (/\.zip$/i.test(target)) return 'slack-export';
    if (/\.json$/i.test(target) && (await looksLikeJiraJson(target))) return 'jira-export';
    return 'files';
  }
  if (!st.isDirectory()) throw new TokenradiusError('INPUT_UNREADABLE', `${target} is neither a file nor a folder`, { details: { path: target } });
  let names: string[];
  try {
    names = await readdir(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TokenradiusError('INPUT_UNREADABLE', `cannot list ${target}${code ? ` (${code})` : ''}`, { details: { path: target } });
  }
  const set = new Set(names);
  if (isSlackExportFolder(set)) return 'slack-export';
  if (set.has('.git')) return 'git';
  if (set.has('HEAD') && set.has('objects') && set.has('refs') && (await exists(join(target, 'objects')))) return 'git-bare';
  if (await isJiraFolder(target, names)) return 'jira-export';
  return 'files';
}

/** Sources for the given targets, in order. */
export async function resolveLocalTargets(targets: string[], opts: ResolveOptions = {}): Promise<LocalSource[]> {
  const scan = opts.scan ?? scanOptions();
  const notice = opts.onNotice ? { onNotice: opts.onNotice } : {};
  const out: LocalSource[] = [];
  let stdinSeen = false;
  if (targets.length === 0) throw new TokenradiusError('USAGE', 'nothing to scan: give at least one file, folder, export or - for stdin');
  for (const target of targets) {
    if (target === '-') {
      if (stdinSeen) throw new TokenradiusError('USAGE', '- (standard input) can be given only once');
      stdinSeen = true;
      out.push(createStdinSource(opts.stdin ?? process.stdin, scan));
      continue;
    }
    const detected = await detectTargetType(target); // also proves the target exists
    const kind: DetectedType = opts.type ?? detected;
    switch (kind) {
      case 'files':
        out.push(createFilesSource(target, scan, notice));
        break;
      case 'slack-export':
        out.push(createSlackExportSource(target, scan, notice));
        break;
      case 'jira-export':
        out.push(createJiraExportSource(target, scan, notice));
        break;
      case 'git-bare':
        out.push(createGitSource(target, scan, notice));
        break;
      case 'git':
        out.push(createGitSource(target, scan, notice));
        // History holds what was committed; the working tree may hold more. `--type git` = history only.
        if (!opts.type && scan.gitWorkingTree) out.push(await createWorktreeSource(target, scan, notice));
        break;
    }
  }
  return out;
}
