/**
 * Walks a folder (or yields a single file) and lists the files to scan, in a stable order (names
 * sorted per directory). It decides everything that needs no file content: skipped directories
 * (`.git/` always, `node_modules/` unless asked), hidden files when asked, `excludePaths`,
 * `.gitignore` rules (nested files, negations, `.git/info/exclude`) when asked, symbolic links
 * (not followed unless asked; loops detected when followed), known binary extensions and files
 * over `maxFileBytes`. Binary content (NUL bytes) is checked when the file is read.
 *
 * The walk itself is synchronous and resumable (`openFileWalk(...).next(max)`): listing is a few
 * microseconds per entry with sync calls against tens with promises, and a caller takes entries in
 * batches, so it never lists further ahead than it consumes. `listFiles` / `listFileBatches` wrap
 * it for async consumers (and the optional async `accept` filter).
 *
 * Memory: the names of one directory per level of the current path (as strings and a byte of type
 * each — no `Dirent` objects kept), plus the gitignore matchers of the directories on that path.
 * Nothing already handed out is retained.
 */
import { readFileSync, readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join, posix, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { TokenradiusError } from '../../core/errors.js';
import type { NoticeHandler } from '../options.js';
import { hasBinaryExtension } from './binary.js';

export interface FileEntry {
  /** Path to read and to report: the root as given joined with the path below it. */
  path: string;
  /** Size in bytes; -1 when the walk was told not to stat files (`statFiles: false`). */
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
   * Stat every regular file for its size (default true) so files over `maxFileBytes` are skipped
   * here. `false` saves a system call per file when the reader checks the size of what it opens
   * anyway (the scan command's workers): `size` is then -1. Always on when `accept` is given.
   */
  statFiles?: boolean;
  /**
   * Last word on a candidate (after every other rule), e.g. "only files git history does not
   * contain". `rel` is the POSIX path below the root.
   */
  accept?: (entry: FileEntry & { rel: string }) => boolean | Promise<boolean>;
}

/** A walk in progress. */
export interface FileWalk {
  /** Up to `max` more files (before `accept`); an empty array once the walk is over. */
  next(max: number): Array<FileEntry & { rel: string }>;
}

interface IgnoreLevel {
  /** POSIX path of the directory holding the rules, relative to the root ('' = root). */
  dir: string;
  ig: Ignore;
}

function loadIgnoreFile(file: string): string | undefined {
  try {
    const buf = readFileSync(file);
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

// Entry types kept per listed name (a byte each instead of a Dirent object).
const T_FILE = 1;
const T_DIR = 2;
const T_LINK = 3;
const T_OTHER = 4;
const T_UNKNOWN = 5;

function typeOf(d: Dirent): number {
  if (d.isFile()) return T_FILE;
  if (d.isDirectory()) return T_DIR;
  if (d.isSymbolicLink()) return T_LINK;
  if (d.isFIFO() || d.isSocket() || d.isCharacterDevice() || d.isBlockDevice()) return T_OTHER;
  return T_UNKNOWN; // DT_UNKNOWN on some file systems
}

interface Frame {
  rel: string;
  /** `join(root, rel)` plus a separator: a child's path is this plus its name (what `join` would give, without re-normalising). */
  prefix: string;
  names: string[];
  types: Uint8Array;
  next: number;
  /** Number of gitignore levels that belong to this directory and its ancestors. */
  levelCount: number;
}

function rootError(root: string, e: unknown): TokenradiusError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new TokenradiusError('INPUT_NOT_FOUND', `no such file or folder: ${root}`, { details: { path: root } });
  return new TokenradiusError('INPUT_UNREADABLE', `cannot read ${root}${code ? ` (${code})` : ''}`, { details: { path: root } });
}

/**
 * Start walking `root` (a folder, or one file). Throws INPUT_NOT_FOUND / INPUT_UNREADABLE for the
 * root itself; everything below it that cannot be read becomes a notice.
 */
export function openFileWalk(root: string, opts: ListFilesOptions): FileWalk {
  const source = opts.source ?? 'files';
  const notice = opts.onNotice ?? (() => undefined);
  const statFiles = opts.statFiles !== false || opts.accept !== undefined;
  let rootStat: Stats;
  try {
    rootStat = statSync(root);
  } catch (e) {
    throw rootError(root, e);
  }

  /** Name-only checks (binary extension, size when known). */
  const candidate = (path: string, rel: string, size: number): (FileEntry & { rel: string }) | undefined => {
    if (hasBinaryExtension(path)) {
      notice({ level: 'skip', reason: 'binary', source, path, message: 'binary file type' });
      return undefined;
    }
    if (size > opts.maxFileBytes) {
      notice({ level: 'skip', reason: 'too-large', source, path, message: `${size} bytes, larger than maxFileBytes (${opts.maxFileBytes})`, code: 'INPUT_TOO_LARGE' });
      return undefined;
    }
    return { path, size, rel };
  };

  if (!rootStat.isDirectory()) {
    let pending = true;
    return {
      next() {
        if (!pending) return [];
        pending = false;
        // A FIFO or device named as the target: reading it could block or never end.
        if (!rootStat.isFile()) {
          notice({ level: 'skip', reason: 'unreadable', source, path: root, message: 'not a regular file', code: 'INPUT_UNREADABLE' });
          return [];
        }
        const e = candidate(root, posix.basename(root.replace(/\\/g, '/')), rootStat.size);
        return e ? [e] : [];
      },
    };
  }

  const exclude = opts.excludePaths && opts.excludePaths.length > 0 ? ignore().add([...opts.excludePaths]) : undefined;
  const levels: IgnoreLevel[] = [];
  if (opts.respectGitignore) {
    const ig = ignore();
    let any = false;
    for (const f of ['.git/info/exclude', '.gitignore']) {
      const text = loadIgnoreFile(join(root, f));
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
      visited.add(realpathSync(root));
    } catch {
      // the walk below reports what cannot be read
    }
  }

  const openDir = (rel: string, abs: string, prefix: string): Frame | undefined => {
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      notice({ level: 'skip', reason: 'unreadable', source, path: abs, message: `cannot list folder${code ? ` (${code})` : ''}`, code: 'INPUT_UNREADABLE' });
      return undefined;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const names = new Array<string>(entries.length);
    const types = new Uint8Array(entries.length);
    let hasGitignore = false;
    for (let i = 0; i < entries.length; i++) {
      const d = entries[i]!;
      names[i] = d.name;
      types[i] = typeOf(d);
      if (d.name === '.gitignore' && types[i] !== T_DIR) hasGitignore = true;
    }
    if (opts.respectGitignore && rel !== '' && hasGitignore) {
      const text = loadIgnoreFile(join(abs, '.gitignore'));
      if (text !== undefined) levels.push({ dir: rel, ig: ignore().add(text) });
    }
    return { rel, prefix, names, types, next: 0, levelCount: levels.length };
  };

  // `join(root, 'x')` minus the `x`: the normalised root with its separator ('' for '.').
  const rootFrame = openDir('', root, join(root, 'x').slice(0, -1));
  const stack: Frame[] = rootFrame ? [rootFrame] : [];
  const baseLevels = rootFrame ? rootFrame.levelCount : 0;

  const next = (max: number): Array<FileEntry & { rel: string }> => {
    const out: Array<FileEntry & { rel: string }> = [];
    while (stack.length > 0 && out.length < max) {
      if (opts.signal?.aborted) {
        stack.length = 0;
        break;
      }
      const frame = stack[stack.length - 1]!;
      if (frame.next >= frame.names.length) {
        stack.pop();
        const parent = stack[stack.length - 1];
        levels.length = parent ? parent.levelCount : Math.min(levels.length, baseLevels);
        continue;
      }
      const i = frame.next++;
      const name = frame.names[i]!;
      let type = frame.types[i]!;
      if (!opts.includeHidden && name.charCodeAt(0) === 46 /* . */) continue;
      const rel = frame.rel === '' ? name : `${frame.rel}/${name}`;
      const abs = frame.prefix + name;

      let size = -1;
      if (type === T_LINK) {
        if (!opts.followSymlinks) {
          notice({ level: 'skip', reason: 'symlink', source, path: abs, message: 'symbolic link not followed (scan.followSymlinks is off)' });
          continue;
        }
        let st: Stats;
        let real: string;
        try {
          st = statSync(abs);
          real = realpathSync(abs);
        } catch {
          notice({ level: 'skip', reason: 'unreadable', source, path: abs, message: 'broken symbolic link' });
          continue;
        }
        type = st.isDirectory() ? T_DIR : st.isFile() ? T_FILE : T_OTHER;
        size = st.size;
        if (type === T_DIR) {
          if (visited.has(real)) {
            notice({ level: 'skip', reason: 'symlink', source, path: abs, message: 'symbolic link loop (folder already scanned)' });
            continue;
          }
          visited.add(real);
        }
      } else if (type === T_UNKNOWN) {
        // Sockets, fifos and devices are never read; an unknown type asks stat.
        try {
          const st = statSync(abs);
          type = st.isDirectory() ? T_DIR : st.isFile() ? T_FILE : T_OTHER;
          size = st.size;
        } catch {
          continue;
        }
      }

      if (type === T_DIR) {
        if (name === '.git' || (name === 'node_modules' && !opts.includeNodeModules)) continue;
        if (excluded(exclude, `${rel}/`)) continue;
        if (levels.length > 0 && isIgnored(levels, rel, true)) continue;
        if (opts.followSymlinks && frame.types[i] !== T_LINK) {
          try {
            const real = realpathSync(abs);
            if (visited.has(real)) continue;
            visited.add(real);
          } catch {
            continue;
          }
        }
        const child = openDir(rel, abs, abs + sep);
        if (child) stack.push(child);
        continue;
      }
      if (type !== T_FILE) continue;
      if (excluded(exclude, rel)) continue;
      if (levels.length > 0 && isIgnored(levels, rel, false)) continue;
      if (size < 0 && statFiles) {
        try {
          size = statSync(abs).size;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          notice({ level: 'skip', reason: 'unreadable', source, path: abs, message: `cannot stat${code ? ` (${code})` : ''}`, code: 'INPUT_UNREADABLE' });
          continue;
        }
      }
      const entry = candidate(abs, rel, size);
      if (entry) out.push(entry);
    }
    return out;
  };
  return { next };
}

/** Entries per step of the async wrappers: big enough to amortise a promise, small enough to stay lazy. */
const STEP = 256;

/**
 * The files under `root` in batches of at most `max` (never empty; a function is asked before each
 * batch), `accept` applied. For consumers that hand files on in groups (the scan command's workers).
 */
export async function* listFileBatches(root: string, opts: ListFilesOptions, max: number | (() => number) = STEP): AsyncGenerator<FileEntry[]> {
  const walk = openFileWalk(root, opts);
  for (;;) {
    if (opts.signal?.aborted) return;
    const want = typeof max === 'function' ? max() : max;
    const got = walk.next(Number.isFinite(want) ? Math.max(1, Math.floor(want)) : STEP);
    if (got.length === 0) return;
    const out: FileEntry[] = [];
    for (const e of got) {
      if (opts.accept && !(await opts.accept(e))) continue;
      out.push({ path: e.path, size: e.size });
    }
    if (out.length > 0) yield out;
  }
}

/** List the files under `root` (or `root` itself when it is a file) that a scan should read. */
export async function* listFiles(root: string, opts: ListFilesOptions): AsyncGenerator<FileEntry> {
  for await (const batch of listFileBatches(root, opts)) yield* batch;
}
