/**
 * Choose the store from the configuration: PostgreSQL when a database URL is given, else embedded
 * PGlite in `<dataDir>/pg`.
 */
import type { LoadedConfig } from '../config/load.js';
import type { StoreOptionsInput } from './options.js';
import { createPgliteStore } from './pglite.js';
import { createPostgresStore } from './postgres.js';
import type { FindingStore } from './types.js';

export interface OpenStoreConfig {
  /** From `LoadedConfig.env.DATABASE_URL`; empty or absent selects PGlite. */
  databaseUrl?: string;
  /** Embedded data directory (or `memory://`), used when there is no database URL. */
  dataDir: string;
  options?: StoreOptionsInput;
  clock?: () => Date;
}

export function openStore(config: OpenStoreConfig): Promise<FindingStore> {
  const base = { ...(config.options ? { options: config.options } : {}), ...(config.clock ? { clock: config.clock } : {}) };
  if (config.databaseUrl) return createPostgresStore({ url: config.databaseUrl, ...base });
  return createPgliteStore({ dataDir: config.dataDir, ...base });
}

/** `openStore` from a loaded configuration (`DATABASE_URL`, `dataDir`, `store:`). */
export function openStoreFromConfig(loaded: LoadedConfig, overrides: { dataDir?: string } = {}): Promise<FindingStore> {
  return openStore({
    ...(loaded.env.DATABASE_URL ? { databaseUrl: loaded.env.DATABASE_URL } : {}),
    dataDir: overrides.dataDir ?? loaded.config.dataDir,
    options: loaded.config.store,
  });
}
