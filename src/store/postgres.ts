/**
 * The findings store on PostgreSQL (`DATABASE_URL`), through a `pg` Pool. Any number of processes
 * may open the same database: migrations run under `pg_advisory_lock`, upserts under row locks.
 *
 * When the server goes away, operations fail with STORE_UNAVAILABLE (retry later) and the pool
 * replaces broken connections by itself: nothing to restart when the server is back.
 */
import pg from 'pg';
import { TokenradiusError } from '../core/errors.js';
import type { Row, SqlDb, SqlRunner } from './db.js';
import { mapDbError } from './db-errors.js';
import { applyMigrations, type MigrationReport } from './migrate.js';
import { StoreOptionsSchema, type StoreOptionsInput } from './options.js';
import { createSqlStore } from './sql-store.js';
import type { FindingStore } from './types.js';

export interface PostgresStoreConfig {
  /** postgres://user:password@host:port/database — never logged. */
  url: string;
  /** Schema holding the tables (created if missing); overrides `options.schema`. Tests use a fresh one each. */
  schema?: string;
  options?: StoreOptionsInput;
  clock?: () => Date;
  /** `application_name` of the connections (pg_stat_activity); default `tokenradius`. */
  applicationName?: string;
}

const MIGRATION_LOCK = 'tokenradius:migrate';

function runnerOf(client: pg.PoolClient): SqlRunner {
  return {
    async query<R extends Row = Row>(text: string, params?: readonly unknown[], name?: string): Promise<R[]> {
      const res = name ? await client.query({ name, text, values: params as unknown[] }) : await client.query(text, params as unknown[] | undefined);
      return res.rows as R[];
    },
    async exec(text: string): Promise<void> {
      await client.query(text);
    },
  };
}

/**
 * Check a client out with an error listener attached: a connection that dies while checked out
 * emits 'error', which would crash the process without one. A broken client is destroyed on release.
 */
async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } catch (e) {
    if (mapDbError(e, 'query').code === 'STORE_UNAVAILABLE') broken = true;
    throw e;
  } finally {
    client.removeListener('error', onError);
    client.release(broken ? true : undefined);
  }
}

async function inTransaction<T>(client: pg.PoolClient, fn: (q: SqlRunner) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn(runnerOf(client));
    await client.query('COMMIT');
    return result;
  } catch (e) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // the connection is gone; the server rolls back on its own
    }
    throw e;
  }
}

function sqlDbOf(pool: pg.Pool): SqlDb {
  return {
    backend: 'postgres',
    async query<R extends Row = Row>(text: string, params?: readonly unknown[], name?: string): Promise<R[]> {
      const res = name ? await pool.query({ name, text, values: params as unknown[] }) : await pool.query(text, params as unknown[] | undefined);
      return res.rows as R[];
    },
    async exec(text: string): Promise<void> {
      await pool.query(text);
    },
    tx: (fn) => withClient(pool, (client) => inTransaction(client, fn)),
    close: () => pool.end(),
  };
}

/** Create the schema if needed and apply pending migrations, serialised across processes. */
async function migrate(pool: pg.Pool, schema: string | undefined, now: Date): Promise<MigrationReport> {
  return withClient(pool, async (client) => {
    const lockArgs = [MIGRATION_LOCK, schema ?? 'public'];
    await client.query('SELECT pg_advisory_lock(hashtext($1), hashtext($2))', lockArgs);
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      const runner = runnerOf(client);
      return await applyMigrations({ ...runner, transaction: (fn) => inTransaction(client, fn) }, now);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', lockArgs).catch(() => {
        // a dead session has released its locks already
      });
    }
  });
}

/** Open (and migrate) the PostgreSQL store. Throws STORE_UNAVAILABLE when the server cannot be reached. */
export async function createPostgresStore(config: PostgresStoreConfig): Promise<FindingStore> {
  const options = StoreOptionsSchema.parse(config.options ?? {});
  const schema = config.schema ?? options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new TokenradiusError('CONFIG_INVALID', 'store schema must be a lowercase SQL identifier');
  }
  const clock = config.clock ?? (() => new Date());
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: config.url,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: 10_000,
      // a CLI run may exit while idle connections remain
      allowExitOnIdle: true,
      statement_timeout: options.statementTimeoutMs,
      application_name: config.applicationName ?? 'tokenradius',
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
  } catch (e) {
    // pg parses the URL here; its message would quote the URL (and its password)
    throw new TokenradiusError('CONFIG_INVALID', 'DATABASE_URL is not a valid PostgreSQL connection string', { details: { cause: e instanceof Error ? e.name : 'unknown' } });
  }
  // An idle client whose server went away: the pool drops it and connects anew on demand.
  pool.on('error', () => undefined);
  try {
    await migrate(pool, schema, clock());
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw mapDbError(e, 'open');
  }
  return createSqlStore(sqlDbOf(pool), { sealedTokenRetentionDays: options.sealedTokenRetentionDays, clock });
}
