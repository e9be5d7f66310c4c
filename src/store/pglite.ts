/**
 * The findings store embedded in the process (PGlite: PostgreSQL compiled to WebAssembly), for
 * `tokenradius scan` and `serve` with no DATABASE_URL. Same SQL, same migrations as PostgreSQL.
 * Files live in `<dataDir>/pg`; `memory://` keeps everything in memory (tests, one-off scans).
 *
 * One process per data directory (see data-dir-lock.ts): a second opener fails with
 * STORE_UNAVAILABLE naming the holder. Inside the process PGlite runs one statement or transaction
 * at a time, which is what makes concurrent upserts safe here.
 */
import { closeSync, existsSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { TokenradiusError } from '../core/errors.js';
import { acquireDataDirLock, dataDirError, type DataDirLock } from './data-dir-lock.js';
import type { Row, SqlDb, SqlRunner } from './db.js';
import { classifyDbError, mapDbError } from './db-errors.js';
import { applyMigrations } from './migrate.js';
import { StoreOptionsSchema, type StoreOptionsInput } from './options.js';
import { createSqlStore } from './sql-store.js';
import type { FindingStore } from './types.js';

export interface PgliteStoreConfig {
  /** A directory (created if missing) or `memory://`. */
  dataDir: string;
  options?: StoreOptionsInput;
  clock?: () => Date;
}

export const MEMORY_DATA_DIR = 'memory://';

function runnerOf(db: PGlite | Transaction): SqlRunner {
  return {
    async query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]> {
      const res = await db.query<R>(text, params as unknown[] | undefined);
      return res.rows;
    },
    async exec(text: string): Promise<void> {
      await db.exec(text);
    },
  };
}

function sqlDbOf(db: PGlite): SqlDb {
  return {
    backend: 'pglite',
    ...runnerOf(db),
    // PGlite's transaction() holds its own mutex: plain queries from other callers wait for it.
    // Inside, only `q` may be used (calling `db` would wait on ourselves).
    tx: (fn) => db.transaction((tx) => fn(runnerOf(tx))),
    close: () => db.close(),
  };
}

/** Open (and migrate) the embedded store. */
export async function createPgliteStore(config: PgliteStoreConfig): Promise<FindingStore> {
  const options = StoreOptionsSchema.parse(config.options ?? {});
  const clock = config.clock ?? (() => new Date());
  const memory = config.dataDir === MEMORY_DATA_DIR || config.dataDir.startsWith(MEMORY_DATA_DIR);
  let lock: DataDirLock | undefined;
  let db: PGlite | undefined;
  const dir = memory ? MEMORY_DATA_DIR : resolve(config.dataDir);
  try {
    if (!memory) {
      try {
        mkdirSync(join(dir, 'pg'), { recursive: true, mode: 0o700 });
      } catch (e) {
        throw dataDirError(e, dir, 'creating it');
      }
      lock = await acquireDataDirLock(join(dir, 'pg.lock'));
      probeWritable(dir);
    }
    try {
      const settings = { postgresqlconf: `shared_buffers = ${options.embeddedSharedBuffersMb}MB` };
      db = memory ? await PGlite.create(settings) : await PGlite.create(join(dir, 'pg'), settings);
    } catch (e) {
      throw openError(e, dir);
    }
    const sql = sqlDbOf(db);
    try {
      await applyMigrations({ ...sql, transaction: sql.tx }, clock());
    } catch (e) {
      throw mapDbError(e, 'open');
    }
  } catch (e) {
    await db?.close().catch(() => undefined);
    lock?.release();
    throw e;
  }
  const held = lock;
  return createSqlStore(sqlDbOf(db), {
    sealedTokenRetentionDays: options.sealedTokenRetentionDays,
    clock,
    onClose: () => held?.release(),
  });
}

/**
 * PGlite reports an unwritable database only as an opaque error deep into start-up, so check first
 * that its directory and control file can be written (a read-only copy, a chmod -R, a wrong owner).
 */
function probeWritable(dir: string): void {
  const pgDir = join(dir, 'pg');
  try {
    const probe = join(pgDir, `.write-probe-${process.pid}`);
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
    const control = join(pgDir, 'global', 'pg_control');
    if (existsSync(control)) closeSync(openSync(control, 'r+'));
  } catch (e) {
    throw dataDirError(e, dir, 'checking that the database files in pg/ are writable');
  }
}

function openError(e: unknown, dir: string): TokenradiusError {
  if (e instanceof TokenradiusError) return e;
  if (classifyDbError(e) === 'read-only') return dataDirError(Object.assign(new Error('read-only'), { code: 'EACCES' }), dir, 'opening the database');
  return new TokenradiusError('STORE_UNAVAILABLE', `cannot open the embedded database in ${dir} (damaged, or written by an incompatible version?)`, {
    retry: 'never',
    details: { dataDir: dir, cause: e instanceof Error ? e.name : 'unknown' },
  });
}
