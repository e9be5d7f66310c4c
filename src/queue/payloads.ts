/**
 * Job payloads. Everything that reaches Redis is parsed with zod on the way out, and anything that
 * carries message text (chunks) is sealed with AES-256-GCM, bound to the queue name, before `add`:
 * a Redis dump shows a chunk count and a source id, never text.
 */
import { z } from 'zod';
import { ChunkSchema, type Chunk } from '../core/types.js';
import { TokenradiusError } from '../core/errors.js';
import { seal, unseal, type SealingKey } from '../core/secrets.js';

export const ScanJobDataSchema = z
  .object({
    v: z.literal(1),
    /** Number of chunks inside (for `jobs failed` listings). */
    count: z.number().int().positive(),
    /** Source id of the first chunk (for listings and metrics). */
    source: z.string(),
    /** `seal(key, JSON.stringify(chunks), 'scan')`. */
    sealed: z.string(),
    /** Set when the batch is one chunk split out of a batch in which it failed. */
    isolated: z.boolean().optional(),
    /** When the batch was handed to the queue (enqueue→stored latency). */
    enqueuedAt: z.number().int().optional(),
  })
  .strict();
export type ScanJobData = z.infer<typeof ScanJobDataSchema>;

export const ActJobDataSchema = z
  .object({
    fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    version: z.number().int().nonnegative(),
  })
  .strict();
export type ActJobData = z.infer<typeof ActJobDataSchema>;

export const PollJobDataSchema = z
  .object({
    sourceId: z.string().min(1),
    /** Start here instead of the stored cursor (`backfill --since`). */
    since: z.string().optional(),
    reason: z.enum(['schedule', 'manual', 'webhook']).default('schedule'),
  })
  .strict();
export type PollJobData = z.infer<typeof PollJobDataSchema>;

/**
 * Consumer-side shape check of an opened batch. The payload is authenticated (AES-GCM, bound to the
 * queue name), so only a producer holding the key made it, and producers validate every chunk with
 * the full `ChunkSchema` before sealing (`sealScanBatch`); re-running the full schema per chunk on
 * the hot path cost as much CPU as scanning the chunk.
 */
const OpenedChunkListSchema = z
  .array(
    z.looseObject({
      id: z.string().min(1),
      source: z.string().min(1),
      text: z.string(),
      locator: z.looseObject({ kind: z.string(), line: z.number(), column: z.number() }),
    }),
  )
  .min(1);
const ChunkListSchema = z.array(ChunkSchema).min(1);

/** Validate (full schema: this is where chunks from connectors and webhooks enter the queue) and seal. */
export function sealScanBatch(key: SealingKey, chunks: Chunk[], opts: { isolated?: boolean; now?: number } = {}): ScanJobData {
  const valid = ChunkListSchema.safeParse(chunks);
  if (!valid.success) {
    throw new TokenradiusError('PAYLOAD_INVALID', 'chunks failed validation', { details: { paths: valid.error.issues.slice(0, 10).map((i) => i.path.join('.')) } });
  }
  return {
    v: 1,
    count: chunks.length,
    source: chunks[0]?.source ?? 'unknown',
    sealed: seal(key, JSON.stringify(chunks), 'scan'),
    ...(opts.isolated ? { isolated: true } : {}),
    enqueuedAt: opts.now ?? Date.now(),
  };
}

/** Open and validate a scan job's chunks. Tampered, foreign-key or malformed payloads fail for good. */
export function openScanBatch(key: SealingKey, data: unknown): { meta: ScanJobData; chunks: Chunk[] } {
  const meta = parsePayload(ScanJobDataSchema, data, 'scan');
  const text = unseal(key, meta.sealed, 'scan');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new TokenradiusError('PAYLOAD_INVALID', 'scan job payload is not JSON');
  }
  const parsed = OpenedChunkListSchema.safeParse(raw);
  // Never echo the payload: it is message text.
  if (!parsed.success) throw new TokenradiusError('PAYLOAD_INVALID', 'scan job payload does not hold valid chunks', { details: { issues: parsed.error.issues.length } });
  return { meta, chunks: parsed.data as Chunk[] };
}

export function parsePayload<T extends z.ZodType>(schema: T, data: unknown, queue: string): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new TokenradiusError('PAYLOAD_INVALID', `${queue} job payload failed validation`, {
      details: { queue, paths: parsed.error.issues.map((i) => i.path.join('.')) },
    });
  }
  return parsed.data;
}
