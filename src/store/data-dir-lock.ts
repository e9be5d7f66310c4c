/**
 * One process per embedded data directory: PGlite is a single-process database, and two processes
 * writing the same files corrupt them. The lock is `<dataDir>/pg.lock` holding `{ pid, host,
 * startedAt }`, created atomically (write a temporary file, then `link`, which fails if the lock
 * exists). A lock whose process is gone (same host, pid not running) is stale and is broken — under
 * a second short-lived lock (`pg.lock.break`) so that two processes finding the same stale lock
 * cannot both take it. The lock is released on `release()` and on normal process exit.
 */
import { hostname } from 'node:os';
import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TokenradiusError } from '../core/errors.js';

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

const READ_ONLY_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT']);
const BREAK_LOCK_STALE_MS = 10_000;

const held = new Map<string, string>(); // lock path -> content we wrote
let exitHookInstalled = false;

function errno(e: unknown): string | undefined {
  const c = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** Turn a filesystem failure on the data directory into STORE_READ_ONLY / STORE_UNAVAILABLE. */
export function dataDirError(e: unknown, dir: string, doing: string): TokenradiusError {
  if (e instanceof TokenradiusError) return e;
  const code = errno(e);
  if (code && READ_ONLY_CODES.has(code)) {
    const why = code === 'ENOSPC' || code === 'EDQUOT' ? 'is full' : 'is not writable';
    return new TokenradiusError('STORE_READ_ONLY', `data directory ${dir} ${why} (${code} while ${doing}); fix it or choose another with --data-dir`, {
      details: { dataDir: dir, causeCode: code },
    });
  }
  return new TokenradiusError('STORE_UNAVAILABLE', `cannot use data directory ${dir}${code ? ` (${code} while ${doing})` : ` while ${doing}`}`, {
    retry: 'never',
    details: { dataDir: dir, ...(code ? { causeCode: code } : {}) },
  });
}

function readLock(path: string): { info: LockInfo | null; raw: string } | null {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    if (errno(e) === 'ENOENT') return null;
    throw e;
  }
  try {
    const v = JSON.parse(raw) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0 && typeof v.host === 'string') {
      return { info: { pid: v.pid, host: v.host, startedAt: String(v.startedAt ?? '') }, raw };
    }
  } catch {
    // unparsable: treated as stale below
  }
  return { info: null, raw };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM'; // exists, owned by someone else
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [path, content] of held) {
      try {
        if (readFileSync(path, 'utf8') === content) unlinkSync(path);
      } catch {
        // nothing more to do while exiting
      }
    }
  });
}

/** Break a stale lock unless someone else is breaking it; returns whether the lock file is gone. */
function breakStale(path: string, staleRaw: string): void {
  const breaker = `${path}.break`;
  try {
    writeFileSync(breaker, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if (errno(e) !== 'EEXIST') throw e;
    try {
      if (Date.now() - statSync(breaker).mtimeMs > BREAK_LOCK_STALE_MS) tryUnlink(breaker); // its breaker died
    } catch {
      // gone meanwhile
    }
    return;
  }
  try {
    // Still the same stale content? Then nobody has taken the lock since we looked.
    const now = readLock(path);
    if (now && now.raw === staleRaw) unlinkSync(path);
  } finally {
    tryUnlink(breaker);
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/**
 * Take the lock at `lockPath` or fail: STORE_UNAVAILABLE naming the process that holds it,
 * STORE_READ_ONLY when the directory cannot be written.
 */
export async function acquireDataDirLock(lockPath: string): Promise<DataDirLock> {
  const dir = dirname(lockPath);
  const content = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() } satisfies LockInfo);
  for (let attempt = 0; attempt < 20; attempt++) {
    const tmp = join(dir, `.${basename(lockPath)}.${process.pid}.${randomBytes(4).toString('hex')}`);
    try {
      writeFileSync(tmp, content, { flag: 'wx', mode: 0o600 });
      try {
        linkSync(tmp, lockPath);
      } finally {
        tryUnlink(tmp);
      }
      held.set(lockPath, content);
      installExitHook();
      return {
        path: lockPath,
        release() {
          if (!held.has(lockPath)) return;
          held.delete(lockPath);
          try {
            if (readFileSync(lockPath, 'utf8') === content) unlinkSync(lockPath);
          } catch {
            // already gone
          }
        },
      };
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw dataDirError(e, dir, 'taking the lock');
    }
    let current: ReturnType<typeof readLock>;
    try {
      current = readLock(lockPath);
    } catch (e) {
      throw dataDirError(e, dir, 'reading the lock');
    }
    if (current === null) continue; // released meanwhile
    const info = current.info;
    if (info && (info.host !== hostname() || processAlive(info.pid))) {
      const who = info.pid === process.pid ? 'this process (the store is already open)' : `process ${info.pid} on ${info.host}`;
      throw new TokenradiusError(
        'STORE_UNAVAILABLE',
        `data directory ${dir} is in use by ${who}; only one process may open an embedded data directory — stop it, or set DATABASE_URL to share PostgreSQL between processes` +
          (info.host !== hostname() ? ` (if that process is gone, delete ${lockPath})` : ''),
        { retry: 'never', details: { dataDir: dir, pid: info.pid, host: info.host } },
      );
    }
    try {
      breakStale(lockPath, current.raw);
    } catch (e) {
      throw dataDirError(e, dir, 'breaking a stale lock');
    }
    await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 20)));
  }
  throw new TokenradiusError('STORE_UNAVAILABLE', `could not take the lock on data directory ${dir}; try again`, { details: { dataDir: dir } });
}
