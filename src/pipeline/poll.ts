/**
 * Connector work: pull a source from its stored cursor, hand its chunks on in batches, and advance
 * the cursor ONLY after the batch that covers it is durably accepted (enqueued in Redis, or
 * scanned and stored inline). A crash therefore resumes at the last accepted batch: chunks after it
 * are pulled again (the store and deterministic job ids absorb the repeat), none are skipped.
 */
import type { Chunk } from '../core/types.js';
import { TokenradiusError } from '../core/errors.js';
import type { Source } from '../sources/types.js';
import type { FindingStore } from '../store/types.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { Batcher } from './stages.js';

export interface PollDeps {
  cursors: Pick<FindingStore, 'getCursor' | 'setCursor'>;
  logger: Logger;
  metrics?: Metrics;
  batchSize: number;
  batchMaxBytes: number;
}

export interface PollOptions {
  /** Overrides the stored cursor (`backfill --since`). */
  since?: string | undefined;
  signal: AbortSignal;
  /** Cursor scope ('' = the whole source). */
  scope?: string;
}

export interface PollSummary {
  sourceId: string;
  chunks: number;
  batches: number;
  /** The cursor stored at the end ('' / absent for sources that always scan everything). */
  cursor?: string;
  aborted: boolean;
}

export async function pollSource(
  source: Source,
  submitBatch: (chunks: Chunk[]) => Promise<void>,
  deps: PollDeps,
  opts: PollOptions,
): Promise<PollSummary> {
  const scope = opts.scope ?? '';
  const since = opts.since ?? (await deps.cursors.getCursor(source.id, scope)) ?? undefined;
  const batcher = new Batcher(deps.batchSize, deps.batchMaxBytes);
  const summary: PollSummary = { sourceId: source.id, chunks: 0, batches: 0, aborted: false };
  let pendingCursor = '';
  // Per-scope cursors (a Slack channel, …) of chunks already in the batcher: stored with the batch.
  let pendingScoped = new Map<string, string>();
  let lastLog = Date.now();
  const labels = { source: source.id };
  deps.metrics?.pollRunning.set(labels, 1);
  deps.logger.info({ source: source.id, since: since ?? null }, 'backfill started');

  let submitting = false;
  const flush = async (batch: Chunk[], cursorAfter: string) => {
    if (batch.length === 0) return;
    await submitBatch(batch);
    summary.batches++;
    summary.chunks += batch.length;
    deps.metrics?.pollChunks.inc(labels, batch.length);
    const scoped = pendingScoped;
    pendingScoped = new Map();
    for (const [s, c] of scoped) await deps.cursors.setCursor(source.id, s, c);
    if (cursorAfter) {
      await deps.cursors.setCursor(source.id, scope, cursorAfter);
      summary.cursor = cursorAfter;
      deps.metrics?.pollCursorAdvancedAt.set(labels, Math.floor(Date.now() / 1000));
    }
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      deps.logger.info({ source: source.id, chunks: summary.chunks, batches: summary.batches }, 'backfill progress');
    }
  };

  try {
    for await (const pulled of source.pull({ ...(since ? { since } : {}), signal: opts.signal })) {
      const { chunk, cursor } = pulled;
      // The cursor that comes with a chunk points AFTER it: it may be stored once the batch holding
      // this chunk is accepted, not before.
      const full = batcher.add(chunk);
      if (full) {
        submitting = true;
        await flush(full, pendingCursor);
        submitting = false;
      }
      if (pulled.scope !== undefined) {
        if (cursor) pendingScoped.set(pulled.scope, cursor);
      } else pendingCursor = cursor || pendingCursor;
      if (opts.signal.aborted) break;
    }
    if (opts.signal.aborted) summary.aborted = true;
    submitting = true;
    await flush(batcher.flush(), pendingCursor);
    submitting = false;
    deps.metrics?.pollRuns.inc({ ...labels, outcome: summary.aborted ? 'aborted' : 'completed' });
    deps.logger.info({ source: source.id, chunks: summary.chunks, batches: summary.batches, aborted: summary.aborted }, 'backfill finished');
    return summary;
  } catch (e) {
    // The SOURCE hit an upstream error it says is worth retrying (429 Retry-After, 5xx): hand on
    // what it pulled before it, with its cursor, so the retry resumes there. Without this a source
    // held to tiny rate-limited pages would re-pull the same first pages on every retry and never
    // get further. (An unexpected error — or a failure to hand on — stores nothing more.)
    if (!submitting && e instanceof TokenradiusError && e.retry !== 'never') {
      try {
        await flush(batcher.flush(), pendingCursor);
      } catch {
        // The original error decides what happens next; nothing past the last accepted batch was stored.
      }
    }
    deps.metrics?.pollRuns.inc({ ...labels, outcome: 'failed' });
    if (opts.signal.aborted && !(e instanceof TokenradiusError)) {
      summary.aborted = true;
      return summary;
    }
    throw e;
  } finally {
    deps.metrics?.pollRunning.set(labels, 0);
  }
}
