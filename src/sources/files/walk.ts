/**
 * Walks a folder (or yields a single file) and lists the files to scan, in a stable order (names
 * sorted per directory). It decides everything that needs no file content: skipped directories
 * (`.git/` always, `node_modules/` unless asked), hidden files when asked, `excludePaths`,
 * `.gitignore` rules (nested files, negations, `.git/info/exclude`) when asked, symbolic links
 * (not followed unless asked; loops detected when followed), known binary extensions and files
 * over `maxFileBytes`. Binary content (NUL bytes) is checked when the file is read.
 *
 * Memory: one directory listing per level of the current path, plus the gitignore matchers of
 * the directories on that path.
 */
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import { join, posix } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { TokenradiusError } from '../../core/errors.js';
import type { NoticeHandler } from '../options.js';
import { hasBinaryExtension } from './binary.js';

export interface FileEntry {
  /** Path to read and to report: the root as given joined with the path below it. */
  path: string;
  size: number;
}

export interface ListFilesOptions {
  maxFileBytes: number;
  respectGitignore?: boolean;
  includeHidden?: boolean;
  includeNodeModules?: boolean;
  followSymlinks?: boolean;
  /** gitignore-style patterns relative to the root. */
  excludePaths?: readonly string[];
  onNotice?: NoticeHandler;
  signal?: AbortSignal;
  /** `source` in notices (default `files`). */
  source?: string;
  /**
   * Last word on a candidate (after every other rule), e.g. "only files git history does not
   * contain". `rel` is the POSIX path below the root.
   */
  accept?: (entry: FileEntry & { rel: string }) => boolean | Promise<boolean>;
}

interface IgnoreLevel {
  /** POSIX path of the directory holding the rules, relative to the root ('' = root). */
  dir: string;
  ig: Ignore;
}

async function loadIgnoreFile(file: string): Promise<string | undefined> {
  try {
    const buf = await readFile(file);
    // An ignore file is a handful of lines; a huge one is not worth holding.
    return buf.length > 4 * 1024 * 1024 ? undefined : buf.toString('utf8');
  } catch {
    return undefined;
  }
}

/** gitignore semantics across levels: the deepest rule that matches wins (so a nested `!x` re-includes). */
function isIgnored(levels: readonly IgnoreLevel[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const { dir, ig } of levels) {
    const sub = dir === '' ? rel : rel.slice(dir.length + 1);
    if (sub === '') continue;
    let r;
    try {
      r = ig.test(isDir ? `${sub}/` : sub);
    } catch {
      // `ignore` refuses some legal names (`...`); such a name matches no rule
      continue;
    }
    if (r.ignored) ignored = true;
    else if (r.unignored) ignored = false;
  }
  return ignored;
}

function excluded(ig: Ignore | undefined, rel: string): boolean {
  if (!ig) return false;
  try {
    return ig.ignores(rel);
  } catch {
    return false;
  }
}

/** List the files under `root` (or `root` itself when it is a file) that a scan should read. */
export async function* listFiles(root: string, opts: ListFilesOptions): AsyncGenerator<FileEntry> {
  const source = opts.source ?? 'files';
  const notice = opts.onNotice ?? (() => undefined);
  let rootStat: Stats;
  try {
    rootStat = await stat(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new TokenradiusError('INPUT_NOT_FOUND', `no such file or folder: ${root}`, { details: { path: root } });
    throw new TokenradiusError('INPUT_UNREADABLE', `cannot read ${root}${code ? ` (${code})` : ''}`, { details: { path: root } });
  }

  const candidate = async (path: string, rel: string, size: number): Promise<FileEntry | undefined> => {
    if (hasBinaryExtension(path)) {
      notice({ level: 'skip', reason: 'binary', source, path, message: 'binary file type' });
      return undefined;
    }
    if (size > opts.maxFileBytes) {
      notice({ level: 'skip', reason: 'too-large', source, path, message: `${size} bytes, larger than maxFileBytes (${opts.maxFileBytes})`, code: 'INPUT_TOO_LARGE' });
      return undefined;
    }
    const entry = { path, size };
    if (opts.accept && !(await opts.accept({ ...entry, rel }))) return undefined;
    return entry;
  };

  if (!rootStat.isDirectory()) {
    const e = await candidate(root, posix.basename(root.replace(/\\/g, '/')), rootStat.size);
    if (e) yield e;
    return;
  }

  const exclude = opts.excludePaths && opts.excludePaths.length > 0 ? ignore().add([...opts.excludePaths]) : undefined;
  const levels: IgnoreLevel[] = [];
  if (opts.respectGitignore) {
    const ig = ignore();
    let any = false;
    for (const f of ['.git/info/exclude', '.gitignore']) {
      const text = await loadIgnoreFile(join(root, f));
      if (text !== undefined) {
        ig.add(text);
        any = true;
      }
    }
    if (any) levels.push({ dir: '', ig });
  }
  const visited = new Set<string>();
  if (opts.followSymlinks) {
    try {
      visited.add(await realpath(root));
    } catch {
      // the walk below reports what cannot be read
    }
  }

  // Depth-first with an explicit stack of directory frames so huge trees never recurse on the JS stack.
  interface Frame {
    rel: string;
    entries: Dirent[];
    next: number;
    /** Number of gitignore levels that belong to this directory and its ancestors. */
    levelCount: number;
  }
  const openDir = async (rel: string): Promise<Frame | undefined> => {
    const abs = rel === '' ? root : join(root, rel);
    let entries: Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      notice({ level: 'skip', reason: 'unreadable', source, path: abs, message: `cannot list folder${code ? ` (${code})` : ''}`, code: 'INPUT_UNREADABLE' });
      return undefined;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (opts.respectGitignore && rel !== '' && entries.some((d) => d.name === '.gitignore' && !d.isDirectory())) {
      const text = await loadIgnoreFile(join(abs, '.gitignore'));
      if (text !== undefined) levels.push({ dir: rel, ig: ignore().add(text) });
    }
    return { rel, entries, next: 0, levelCount: levels.length };
  };

  const first = await openDir('');
  if (!first) return;
  const stack: Frame[] = [first];
  while (stack.length > 0) {
    if (opts.signal?.aborted) return;
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.entries.length) {
      stack.pop();
      const parent = stack[stack.length - 1];
      levels.length = parent ? parent.levelCount : Math.min(levels.length, first.levelCount);
      continue;
    }
    const d = frame.entries[frame.next++]!;
    const name = d.name;
    const rel = frame.rel === '' ? name : `${frame.rel}/${name}`;
    const abs = join(root, rel);
    if (!opts.includeHidden && name.startsWith('.')) continue;

    let isDir = d.isDirectory();
    let isFile = d.isFile();
    let size = -1;
    if (d.isSymbolicLink()) {
      if (!opts.followSymlinks) {
        notice({ level: 'skip', reason: 'symlink', source, path: abs, message: 'symbolic link not followed (scan.followSymlinks is off)' });
        continue;
      }
      let st: Stats;
      let real: string;
      try {
        st = await stat(abs);
        real = await realpath(abs);
      } catch {
        notice({ level: 'skip', reason: 'unreadable', source, path: abs, message: 'broken symbolic link' });
        continue;
      }
      isDir = st.isDirectory();
      isFile = st.isFile();
      size = st.size;
      if (isDir) {
        if (visited.has(real)) {
          notice({ level: 'skip', reason: 'symlink', source, path: abs, message: 'symbolic link loop (folder already scanned)' });
          continue;
        }
        visited.add(real);
      }
    } else if (!isDir && !isFile) {
      // DT_UNKNOWN on some file systems: ask stat; sockets, fifos and devices are never read.
      try {
        const st = await stat(abs);
        isDir = st.isDirectory();
        isFile = st.isFile();
        size = st.size;
      } catch {
        continue;
      }
    }

    if (isDir) {
      if (name === '.git' || (name === 'node_modules' && !opts.includeNodeModules)) continue;
      if (excluded(exclude, `${rel}/`)) continue;
      if (levels.length > 0 && isIgnored(levels, rel, true)) continue;
      if (opts.followSymlinks && !d.isSymbolicLink()) {
        try {
          const real = await realpath(abs);
          if (visited.has(real)) continue;
          visited.add(real);
        } catch {
          continue;
        }
      }
      const child = await openDir(rel);
      if (child) stack.push(child);
      continue;
    }
    if (!isFile) continue;
    if (excluded(exclude, rel)) continue;
    if (levels.length > 0 && isIgnored(levels, rel, false)) continue;
    if (size < 0) {
      try {
        size = (await stat(abs)).size;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        notice({ level: 'skip', reason: 'unreadable', source, path: abs, message: `cannot stat${code ? ` (${code})` : ''}`, code: 'INPUT_UNREADABLE' });
        continue;
      }
    }
    const entry = await candidate(abs, rel, size);
    if (entry) yield entry;
  }
}
