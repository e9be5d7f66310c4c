/**
 * Queue names and deterministic job ids. Ids never contain `:` (BullMQ uses it in its keys) and are
 * derived from content, so a retried producer adds the same job instead of a second one.
 */
import { sha256Hex } from '../core/secrets.js';

/** The three pipeline queues. Plugins that need their own rate budget may add queues (see README). */
export const QUEUE_NAMES = ['poll', 'scan', 'act'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export function isQueueName(s: string): s is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(s);
}

/** `scan-<sha256 of the chunk ids>`: the same batch enqueued twice is one job. */
export function scanJobId(chunkIds: readonly string[]): string {
  return `scan-${sha256Hex(chunkIds.join('\n'))}`;
}

/** `act-<fingerprint hex>-<version>`: one act job per finding version. */
export function actJobId(fingerprint: string, version: number): string {
  return `act-${fingerprint.replace(/^sha256:/, '')}-${version}`;
}

/** Scheduler id of a source's recurring poll. */
export function pollSchedulerId(sourceId: string): string {
  return `poll-${sourceId}`;
}

/** A one-off poll (manual backfill or webhook poke): unique per request. */
export function pollJobId(sourceId: string, nonce: string): string {
  return `poll-${sourceId}-${nonce}`.replace(/:/g, '-');
}
