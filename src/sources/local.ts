/**
 * Turns the targets of `tokenradius scan <targets...>` into Sources. What a target is, unless
 * `--type` says otherwise:
 *
 * | target                                                   | sources                                    |
 * |----------------------------------------------------------|--------------------------------------------|
 * | `-`                                                      | stdin                                      |
 * | a folder with `.git`                                     | git history + working-tree files git history lacks (untracked, modified) |
 * | a bare repository (`HEAD`, `objects/`, `refs/`)          | git history                                |
 * | `*.zip`, or a folder of only JSON at its root with a Slack `channels.json` (or `users.json` + `dms.json`/`groups.json`/`mpims.json`) | slack-export |
 * | a `.json` file holding Jira issues, or a folder holding nothing but `.json` files (up to 3 levels deep) whose first ones hold Jira issues | jira-export |
 * | any other folder or file                                 | files                                      |
 *
 * Detection is narrow on purpose: a folder that merely contains an export-shaped JSON file among
 * other files is `files`, and the files scanner reads that JSON as text too. `--type` forces a
 * kind (`--type git` scans history only; `--type files` walks a clone as plain files). A missing
 * target is INPUT_NOT_FOUND naming it. Detection reads a few bytes of a few files and lists at
 * most the directories it must; nothing is scanned here.
 */
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { TokenradiusError } from '../core/errors.js';
import { createFilesSource } from './files/source.js';
import { scanOptions, type LocalSourceType, type NoticeHandler, type ScanOptions } from './options.js';
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

/** The first `SNIFF` bytes of a file as text ('' when unreadable). */
async function head(path: string): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
    const buf = Buffer.alloc(SNIFF);
    const { bytesRead } = await fh.read(buf, 0, SNIFF, 0);
    return buf.toString('utf8', 0, bytesRead);
  } catch {
    return '';
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Does the start of this JSON file look like Jira issue JSON? (Reads at most 64 KiB.) */
export async function looksLikeJiraJson(path: string): Promise<boolean> {
  const text = await head(path);
  return /^\s*[[{]/.test(text) && /"fields"\s*:\s*\{/.test(text) && /"(?:key|issues|issue)"\s*:/.test(text);
}

/** A Slack export's list file (`channels.json`, `dms.json`…): a JSON array, empty or of objects with an `id`. */
async function looksLikeSlackList(path: string): Promise<boolean> {
  const text = await head(path);
  return /^\uFEFF?\s*\[\s*(?:\]|\{[^]*?"id"\s*:)/.test(text);
}

const SLACK_LISTS = ['channels.json', 'dms.json', 'groups.json', 'mpims.json'];
const JSON_NAME = /\.json$/i;

/**
 * An unpacked Slack export: a list file at the root (`channels.json`, or `users.json` with
 * `dms.json`/`groups.json`/`mpims.json`) that reads as a Slack list, and nothing but JSON files at
 * the root (the channel folders hold the day files). A project that merely has a `channels.json`
 * is not one.
 */
async function isSlackExportFolder(dir: string, entries: readonly Dirent[]): Promise<boolean> {
  const names = new Set(entries.filter((d) => d.isFile()).map((d) => d.name));
  const marker = names.has('channels.json') ? 'channels.json' : names.has('users.json') ? SLACK_LISTS.find((n) => n !== 'channels.json' && names.has(n)) : undefined;
  if (!marker) return false;
  for (const d of entries) if (!d.name.startsWith('.') && !d.isDirectory() && !JSON_NAME.test(d.name)) return false;
  return looksLikeSlackList(join(dir, marker));
}

/** How deep below the target a Jira export may keep its files (`project/2024/KEY-1.json`). */
const JIRA_MAX_DEPTH = 3;
/** Files whose content is sampled: all of them must be Jira issue JSON. */
const JIRA_SAMPLE = 3;

/**
 * A folder of Jira issue JSON, and nothing else: every regular file (dot-files aside, down to
 * `JIRA_MAX_DEPTH` levels) is `.json`, there is at least one, and the first few in name order all
 * hold Jira issues. A source tree that merely contains some Jira-shaped JSON among other files is
 * scanned as files (which reads the JSON as text, tokens included). The first non-JSON name ends
 * the check, so ordinary folders are told apart after listing a directory or two.
 */
async function isJiraFolder(dir: string, entries: readonly Dirent[]): Promise<boolean> {
  const sample: string[] = [];
  const visit = async (at: string, list: readonly Dirent[], depth: number): Promise<boolean> => {
    const sorted = [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const d of sorted) {
      if (d.name.startsWith('.')) continue;
      if (d.isDirectory()) subdirs.push(d.name);
      else if (d.isFile()) {
        if (!JSON_NAME.test(d.name)) return false;
        if (sample.length < JIRA_SAMPLE) sample.push(join(at, d.name));
      } else return false; // links, sockets…: not an export's content
    }
    for (const name of subdirs) {
      if (depth >= JIRA_MAX_DEPTH) return false;
      let inner: Dirent[];
      try {
        inner = await readdir(join(at, name), { withFileTypes: true });
      } catch {
        return false;
      }
      if (!(await visit(join(at, name), inner, depth + 1))) return false;
    }
    return true;
  };
  if (!(await visit(dir, entries, 1)) || sample.length === 0) return false;
  for (const f of sample) if (!(await looksLikeJiraJson(f))) return false;
  return true;
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
  let entries: Dirent[];
  try {
    entries = await readdir(target, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TokenradiusError('INPUT_UNREADABLE', `cannot list ${target}${code ? ` (${code})` : ''}`, { details: { path: target } });
  }
  const set = new Set(entries.map((d) => d.name));
  if (set.has('.git')) return 'git';
  if (set.has('HEAD') && set.has('objects') && set.has('refs') && (await exists(join(target, 'objects')))) return 'git-bare';
  if (await isSlackExportFolder(target, entries)) return 'slack-export';
  if (await isJiraFolder(target, entries)) return 'jira-export';
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
      const { createStdinSource } = await import('./stdin.js');
      out.push(createStdinSource(opts.stdin ?? process.stdin, scan));
      continue;
    }
    const detected = await detectTargetType(target); // also proves the target exists
    const kind: DetectedType = opts.type ?? detected;
    // Source modules other than files load only when a target needs them (zip reader, git, JSON).
    switch (kind) {
      case 'files':
        out.push(createFilesSource(target, scan, notice));
        break;
      case 'slack-export':
        out.push((await import('./slack-export/source.js')).createSlackExportSource(target, scan, notice));
        break;
      case 'jira-export':
        out.push((await import('./jira-export/source.js')).createJiraExportSource(target, scan, notice));
        break;
      case 'git-bare':
        out.push((await import('./git/source.js')).createGitSource(target, scan, notice));
        break;
      case 'git':
        out.push((await import('./git/source.js')).createGitSource(target, scan, notice));
        // History holds what was committed; the working tree may hold more. `--type git` = history only.
        if (!opts.type && scan.gitWorkingTree) out.push(await (await import('./git/worktree.js')).createWorktreeSource(target, scan, notice));
        break;
    }
  }
  return out;
}
