/**
 * What every webhook receiver (Slack Events, Jira, GitHub) does once a signature checks out:
 * remember the delivery id (so a retry or replay is recognised), hand the work on within a
 * deadline shorter than the sender's, and — when handing on fails, which answers 503 so the sender
 * retries — forget the id again, so that the retry is accepted instead of dropped as a duplicate.
 * Only if forgetting fails too is the retry lost; the source's next scheduled backfill still reads
 * the item.
 */
import type { FastifyRequest } from 'fastify';
import { TokenradiusError } from '../../core/errors.js';
import type { Logger } from '../../observe/logger.js';
import type { FindingStore } from '../../store/types.js';

/** A request header as one string (the first, when repeated). */
export function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

/** `p`, or QUEUE_UNAVAILABLE (503: the sender retries) when it takes longer than `ms`. */
export async function withDeadline<T>(p: Promise<T>, what: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TokenradiusError('QUEUE_UNAVAILABLE', `${what} took too long; retry`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export interface RememberedDelivery {
  /** None: nothing was remembered (a process without a store does no dedupe), nothing to forget. */
  store: Pick<FindingStore, 'forgetDelivery'> | undefined;
  sourceId: string;
  deliveryId: string;
  /** `slack events`, `jira webhook`… for the log line. */
  receiver: string;
  logger: Pick<Logger, 'warn'>;
  /** Budget for forgetting, so the 503 still reaches the sender within its own deadline. */
  forgetDeadlineMs: number;
}

/** Runs `handOn`; if it throws, forgets the remembered delivery id (best effort) and rethrows. */
export async function handOnOrForget<T>(d: RememberedDelivery, handOn: () => Promise<T>): Promise<T> {
  try {
    return await handOn();
  } catch (e) {
    if (!d.store) throw e;
    await withDeadline(d.store.forgetDelivery(d.sourceId, d.deliveryId), 'forgetting the delivery', d.forgetDeadlineMs).catch((fe: unknown) => {
      d.logger.warn(
        { source: d.sourceId, code: fe instanceof TokenradiusError ? fe.code : 'INTERNAL' },
        `${d.receiver}: could not forget the delivery id; its retry will be refused (the next backfill reads it)`,
      );
    });
    throw e;
  }
}
