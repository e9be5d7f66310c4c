/**
 * A connector source run as BullMQ poll jobs against the real Redis (a random prefix each), its
 * chunks recorded by a scan stage that only collects them: what the Jira and GitHub queue
 * integration tests share. The store is an in-memory PGlite (cursors, source health).
 */
import type { LoadedConfig } from '../../src/config/load.js';
import { SealingKey } from '../../src/core/secrets.js';
import type { Chunk } from '../../src/core/types.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { pollSource } from '../../src/pipeline/poll.js';
import type { StageHandlers } from '../../src/pipeline/stages.js';
import { QueueOptionsSchema } from '../../src/queue/options.js';
import { createQueueTransport, type QueueTransport } from '../../src/queue/transport.js';
import { createSource, findSourceConfig } from '../../src/sources/registry.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { deletePrefix } from './redis-process.js';
import { REDIS_URL, testId } from './services.js';

export interface PollHarness {
  transport: QueueTransport;
  store: FindingStore;
  /** Every chunk the poll jobs handed on, in order. */
  scanned: Chunk[];
  /** Each poll job's end: `completed` or its error code. */
  polls: Array<{ sourceId: string; outcome: string }>;
  close(): Promise<void>;
}

/** Poll and scan workers on a fresh prefix (3 attempts, 50 ms backoff, batches of 3). */
export async function startPollHarness(loaded: LoadedConfig, tag: string): Promise<PollHarness> {
  const prefix = testId(tag);
  const store = await createPgliteStore({ dataDir: 'memory://' });
  const options = QueueOptionsSchema.parse({ prefix, attempts: 3, backoffMs: 50, batchSize: 3 });
  const transport = createQueueTransport({ redisUrl: REDIS_URL, options, sealingKey: SealingKey.generate(), logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
  const scanned: Chunk[] = [];
  const polls: PollHarness['polls'] = [];
  const handlers: StageHandlers = {
    async scanChunk(chunk) {
      scanned.push(chunk);
      return [];
    },
    async act() {
      return undefined;
    },
    async poll(input, ctx) {
      const source = createSource(findSourceConfig(loaded.config.sources, input.sourceId), { logger: silentLogger(), scan: loaded.config.scan, store, env: loaded.env });
      try {
        const r = await pollSource(source, ctx.submitBatch, { cursors: store, logger: silentLogger(), batchSize: 3, batchMaxBytes: 1 << 20 }, { since: input.since, signal: ctx.signal });
        polls.push({ sourceId: input.sourceId, outcome: 'completed' });
        return r;
      } catch (e) {
        polls.push({ sourceId: input.sourceId, outcome: (e as { code?: string }).code ?? 'error' });
        throw e;
      }
    },
  };
  const workers = await transport.startWorkers(['poll', 'scan'], handlers);
  return {
    transport,
    store,
    scanned,
    polls,
    async close() {
      await workers.close();
      await transport.close();
      await store.close();
      await deletePrefix(REDIS_URL, prefix);
    },
  };
}

/** Waits for `cond`, polling every 50 ms; throws after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
