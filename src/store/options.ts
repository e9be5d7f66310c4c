/** Options of the findings store (`store:` in the config file). `DATABASE_URL` comes from the environment, not from here. */
import { z } from 'zod';

export const StoreOptionsSchema = z
  .object({
    /** PostgreSQL schema holding the tables (created if missing). Default: `public`. Ignored by embedded PGlite. */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase SQL identifier (letters, digits, underscore)')
      .optional(),
    /** Maximum PostgreSQL connections per process. */
    poolSize: z.number().int().min(1).max(200).default(10),
    /** A statement running longer than this is cancelled (STORE_UNAVAILABLE, retried later). PostgreSQL only. */
    statementTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /** How long to wait for a PostgreSQL connection before failing with STORE_UNAVAILABLE. */
    connectTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
    /**
     * Embedded PGlite only: its shared buffer cache. The default keeps an embedded process near
     * 220 MB resident (PostgreSQL's own default of 128 MB would add ~120 MB); raise it for big stores.
     */
    embeddedSharedBuffersMb: z.number().int().min(1).max(4096).default(16),
    /** Sealed tokens are deleted at the token's expiry, or after this many days when it has none (or a later one). */
    sealedTokenRetentionDays: z.number().int().min(1).max(3650).default(30),
    /**
     * How often expired sealed tokens and webhook delivery ids are deleted (`purgeExpired`): a job
     * scheduler run by the `scheduler` role on BullMQ, a timer in `serve` without Redis. 0 = never.
     */
    purgeIntervalSeconds: z.union([z.literal(0), z.number().int().min(10).max(7 * 86_400)]).default(3600),
  })
  .strict()
  .prefault({});
export type StoreOptions = z.infer<typeof StoreOptionsSchema>;
export type StoreOptionsInput = z.input<typeof StoreOptionsSchema>;
