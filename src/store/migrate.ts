/**
 * Applies the migrations in `migrations/index.ts` that a database has not seen, each in its own
 * transaction, recording version, name and checksum in `schema_migrations`.
 *
 * Callers make it safe to run from several processes at once: PostgreSQL holds
 * `pg_advisory_lock` on one connection around it (`postgres.ts`); PGlite holds the data-directory
 * lock file (`pglite.ts`).
 */
import { createHash } from 'node:crypto';
import { TokenradiusError } from '../core/errors.js';
import type { SqlRunner } from './db.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export { MIGRATIONS, type Migration };

export function migrationChecksum(m: Migration): string {
  return createHash('sha256').update(m.sql, 'utf8').digest('hex');
}

/** A session that stays on ONE connection (migrations must run where the lock is held). */
export interface MigrationSession extends SqlRunner {
  /** BEGIN … COMMIT on that same connection; `q` runs inside it. */
  transaction<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T>;
}

export interface MigrationReport {
  /** Versions applied by this call. */
  applied: number[];
  /** Highest version present afterwards. */
  version: number;
}

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new TokenradiusError('INTERNAL', `migration list is not numbered 1..n (found ${m.version} at position ${i + 1})`);
  });
}

export async function applyMigrations(session: MigrationSession, now: Date, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  checkList(migrations);
  await session.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL
  )`);
  const rows = await session.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
  const done = new Map(rows.map((r) => [Number(r.version), r]));
  for (const m of migrations) {
    const row = done.get(m.version);
    if (row && row.checksum !== migrationChecksum(m)) {
      throw new TokenradiusError(
        'STORE_UNAVAILABLE',
        `migration ${String(m.version).padStart(3, '0')}_${m.name} was changed after it was applied to this database; restore it and add a new migration instead`,
        { retry: 'never', details: { version: m.version } },
      );
    }
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    await session.transaction(async (q) => {
      await q.exec(m.sql);
      await q.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [
        m.version,
        m.name,
        migrationChecksum(m),
        now.toISOString(),
      ]);
    });
    applied.push(m.version);
  }
  // A database migrated by a newer release keeps its higher version; older code runs against it
  // because migrations only ever add.
  const version = Math.max(0, ...done.keys(), ...applied);
  return { applied, version };
}
