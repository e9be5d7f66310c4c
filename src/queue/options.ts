/** Options of the BullMQ transport (`queue:` in the config file). Used only when REDIS_URL is set. */
import { z } from 'zod';

const LimiterSchema = z
  .object({
    /** At most `max` jobs of that queue start per `durationMs`, across every worker process. */
    max: z.number().int().positive(),
    durationMs: z.number().int().positive(),
  })
  .strict();
export type LimiterOptions = z.infer<typeof LimiterSchema>;

export const QueueOptionsSchema = z
  .object({
    /**
     * Redis key prefix of every queue. Wrap it in braces (`{tokenradius}`) on Redis Cluster so a
     * queue's keys share one hash slot. Tests use a random prefix each.
     */
    prefix: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_{}-]+$/, 'letters, digits, _ - { } only')
      .default('tokenradius'),
    /** Jobs processed at once per worker process, per role (`poll`: per poll queue). */
    concurrency: z
      .object({
        poll: z.number().int().min(1).max(64).default(2),
        scan: z.number().int().min(1).max(256).default(8),
        act: z.number().int().min(1).max(256).default(4),
      })
      .strict()
      .prefault({}),
    /** Attempts per job before it is kept as failed (errors whose code says `never` fail at once). */
    attempts: z.number().int().min(1).max(50).default(5),
    /** First retry delay; doubles each attempt (exponential backoff). */
    backoffMs: z.number().int().min(10).max(3_600_000).default(2000),
    /** Failed jobs kept per queue for `tokenradius jobs failed|retry` (older ones are dropped). */
    keepFailed: z.number().int().min(0).max(1_000_000).default(10_000),
    /** …and for at most this many days. */
    keepFailedDays: z.number().int().min(1).max(365).default(14),
    /** Chunks per scan job (a job carries a batch, not one message). */
    batchSize: z.number().int().min(1).max(5000).default(200),
    /** …and at most this many bytes of chunk text per scan job. */
    batchMaxBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
    /** A job whose worker stops renewing its lock (crash, SIGKILL) is handed to another after this. */
    lockDurationMs: z.number().int().min(1000).max(600_000).default(30_000),
    /** How often workers look for such stalled jobs. */
    stalledIntervalMs: z.number().int().min(500).max(600_000).default(30_000),
    /** A job that stalls more often than this is failed (a job that kills its worker every time). */
    maxStalledCount: z.number().int().min(0).max(20).default(2),
    /** Producer (API, poll) timeout for one Redis command: fail fast rather than hang a webhook. */
    producerTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
    /**
     * Rate limits per queue name: `poll-slack`, `poll-jira`, `poll-github`, `poll-local`, `scan`,
     * `act` (or a queue a plugin adds). `poll` applies to every poll queue without a limiter of its
     * own. Each poll queue is limited (and paused by an upstream's 429) on its own.
     */
    limiters: z.record(z.string().regex(/^[a-z0-9-]+$/), LimiterSchema).default({}),
  })
  .strict()
  .prefault({});
export type QueueOptions = z.infer<typeof QueueOptionsSchema>;
