/**
 * The processor adapter: the one place that translates tokenradius error codes into BullMQ
 * outcomes (conventions: a processor *throws* to choose what happens next).
 *
 * - retry `never`      → UnrecoverableError: failed at once, kept for `jobs failed` / `jobs retry`;
 * - retry `later`      → a plain Error: BullMQ retries with exponential backoff up to `attempts`;
 * - retry `{ afterMs }` → pause the whole queue that long (`queue.rateLimit`) and throw
 *   RateLimitError: the job goes back to waiting without using an attempt, nobody sleeps in a job.
 *
 * BullMQ stores the thrown message as `failedReason` and its stack in Redis, so the adapter always
 * throws an error of its own making whose message is `CODE: safe message` (scrubbed) — never a
 * third-party message.
 */
import { RateLimitError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import { TokenradiusError, wrapError } from '../core/errors.js';
import type { Scrubber } from '../observe/scrub.js';

export interface AdapterContext {
  queue: Pick<Queue, 'rateLimit'>;
  scrub: Scrubber;
  /** Called with the typed error before it is translated (metrics, logs). */
  onError?: (job: Job, err: TokenradiusError) => void;
  /**
   * Whether a retryable error means that something every job needs is down right now (the store
   * answers no ping). Then the whole queue pauses for `outagePauseMs` and the job waits WITHOUT
   * using an attempt, so an outage of any length fails no job and needs no `jobs retry`; a job
   * that fails on its own while everything is up still uses its attempts.
   */
  isOutage?: (err: TokenradiusError) => Promise<boolean>;
  outagePauseMs?: number;
}

export function toTokenradiusError(e: unknown): TokenradiusError {
  return e instanceof TokenradiusError ? e : wrapError('INTERNAL', 'unexpected error in job', e);
}

/** Translate an error thrown by a stage into what BullMQ should do. Always throws. */
export async function rethrowForBullmq(e: unknown, ctx: Pick<AdapterContext, 'queue' | 'scrub'>): Promise<never> {
  const err = toTokenradiusError(e);
  const message = `${err.code}: ${ctx.scrub(err.message)}`;
  if (err.retry === 'never') throw new UnrecoverableError(message);
  if (typeof err.retry === 'object') {
    const ms = Math.max(1, Math.min(err.retry.afterMs, 24 * 3_600_000));
    await ctx.queue.rateLimit(ms);
    throw new RateLimitError();
  }
  const plain = new Error(message);
  plain.name = 'JobError';
  throw plain;
}

/** Wrap a stage function as a BullMQ processor. */
export function adaptProcessor<D, R>(fn: (job: Job<D>, token?: string) => Promise<R>, ctx: AdapterContext): (job: Job<D>, token?: string) => Promise<R> {
  return async (job, token) => {
    try {
      return await fn(job, token);
    } catch (e) {
      const err = toTokenradiusError(e);
      ctx.onError?.(job as Job, err);
      if (err.retry === 'later' && ctx.isOutage && (await ctx.isOutage(err).catch(() => false))) {
        await ctx.queue.rateLimit(Math.max(1, ctx.outagePauseMs ?? 2000));
        throw new RateLimitError();
      }
      return rethrowForBullmq(err, ctx);
    }
  };
}
