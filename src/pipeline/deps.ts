/**
 * `buildDeps(loaded)`: everything the pipeline needs, built once per process from the loaded
 * configuration — logger, metrics, sealing key, findings store, scan-stage dependencies, alert
 * sinks, configured sources — and the `StageHandlers` both runners call.
 */
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { SealingKey } from '../core/secrets.js';
import { createLogger, type Logger } from '../observe/logger.js';
import { createMetrics, type Metrics } from '../observe/metrics.js';
import { createScrubber, safeError, type Scrubber } from '../observe/scrub.js';
import { scrubText } from '../detect/scrub.js';
import { openStoreFromConfig } from '../store/open.js';
import type { FindingStore } from '../store/types.js';
import { createSource, findSourceConfig, type SourceConfig } from '../sources/registry.js';
import type { Source } from '../sources/types.js';
import { act, type ActDeps, type AlertSink } from './act.js';
import { resumeStaleRevocations } from '../act/engine.js';
import { createActDeps } from '../act/runtime.js';
import { pollSource } from './poll.js';
import { scanBatch } from './scan-batch.js';
import { scanChunk, type ScanChunkResult, type ScanDeps } from './scan-chunk.js';
import { buildScanDeps } from './scan-deps.js';
import { loadSealingKey, type LoadedSealingKey } from './sealing-key.js';
import type { ChunkScanResult, StageHandlers } from './stages.js';

export interface PipelineDeps {
  loaded: LoadedConfig;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  scrub: Scrubber;
  sealing: LoadedSealingKey;
  sealingKey: SealingKey;
  store: FindingStore;
  scanDeps: ScanDeps;
  sinks: readonly AlertSink[];
  /** The act stage's dependencies (sinks, revokers, policy): also what the review API approves revocations with. */
  act: ActDeps;
  sources: readonly SourceConfig[];
  createSource(id: string): Source;
  /** The stage functions, for the inline runner and the BullMQ processors. */
  handlers: StageHandlers;
  /** Closes the store (the logger and metrics need no closing). */
  close(): Promise<void>;
}

export interface BuildDepsOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** Use this store instead of opening one from the config (tests). */
  store?: FindingStore;
  /** Alert sinks added in code besides the configured ones (`act.sinks`). */
  sinks?: readonly AlertSink[];
  /** Overrides `dataDir` (CLI `--data-dir`). */
  dataDir?: string;
  /** Fields on every log line, e.g. `{ role: 'scan' }`. */
  logBase?: Record<string, unknown>;
  /** Clock for the stages (tests). */
  now?: () => Date;
}

export async function buildDeps(loaded: LoadedConfig, o: BuildDepsOptions = {}): Promise<PipelineDeps> {
  const config = loaded.config;
  const dataDir = o.dataDir ?? config.dataDir;
  // Every rule the scanner knows, then the generic net: logs and failed-job reasons go through it.
  const scrub = createScrubber((t) => scrubText(t));
  const logger = o.logger ?? createLogger({ level: loaded.env.TOKENRADIUS_LOG_LEVEL ?? 'info', scrub: (t) => scrubText(t), ...(o.logBase ? { base: o.logBase } : {}) });
  const metrics = o.metrics ?? createMetrics();
  const now = o.now ?? (() => new Date());

  const sealing = loadSealingKey({ env: loaded.env, dataDir });
  if (sealing.origin === 'generated') logger.info({ path: sealing.path }, 'generated a new sealing key (mode 0600); back it up with the data directory');
  if (sealing.origin !== 'env' && loaded.env.REDIS_URL) {
    logger.warn({ path: sealing.path }, 'REDIS_URL is set but TOKENRADIUS_SEALING_KEY is not: every process must share one key; set it in the environment');
  }

  const store = o.store ?? (await openStoreFromConfig(loaded, { dataDir }));
  const scanDeps = buildScanDeps(config, { sink: store, sealingKey: sealing.key, verify: config.trust.verify, env: loaded.env });
  // The SET signing key lives in config.dataDir (not a --data-dir override): /.well-known/jwks.json reads it there.
  const actDeps = createActDeps({ config, env: loaded.env, store, sealingKey: sealing.key, logger, now, ...(o.sinks ? { extraSinks: o.sinks } : {}) });
  const sinks = actDeps.sinks;
  const sources = config.sources;
  const queue = config.queue;

  const makeSource = (id: string) => createSource(findSourceConfig(sources, id), { logger, scan: config.scan, store, env: loaded.env });

  /** Log the matches a chunk could not fully assess, and reduce its result to what runners need. */
  const report = (chunk: { source: string; id: string }, r: ScanChunkResult): ChunkScanResult[] => {
    for (const e of r.errors) {
      metrics.chunksFailed.inc({ source: chunk.source, code: e.code });
      logger.warn({ source: chunk.source, chunkId: chunk.id, code: e.code, rule: e.ruleId, fingerprint: e.fingerprint, message: e.message }, 'match not fully assessed');
    }
    return r.matches.map((m) => ({ fingerprint: m.fingerprint, change: m.change, version: m.version, severity: m.severity }));
  };

  const handlers: StageHandlers = {
    async scanChunk(chunk) {
      return report(chunk, await scanChunk(chunk, scanDeps, now()));
    },
    async scanBatch(chunks) {
      const outcomes = await scanBatch(chunks, scanDeps, store, now());
      return outcomes.map((o) => (o.error ? { error: o.error } : { results: report(o.chunk, o.result) }));
    },
    async maintain() {
      const purged = await store.purgeExpired(now());
      // Revocations left pending by a dead act worker whose job is gone (failed for good): nothing
      // else would ever pick them up again. The one place housekeeping runs (scheduler role's
      // maintenance job, or the inline runner's timer), every `store.purgeIntervalSeconds`.
      const resumed = await resumeStaleRevocations(actDeps);
      const r = { ...purged, resumed };
      if (r.sealedTokens > 0 || r.deliveries > 0 || resumed > 0) logger.info(r, 'maintenance: purged expired sealed tokens and delivery ids, resumed stale revocations');
      else logger.debug(r, 'maintenance: nothing to do');
      return r;
    },
    act: (input) => act(input, actDeps),
    async poll(input, ctx) {
      const source = makeSource(input.sourceId);
      return pollSource(source, ctx.submitBatch, { cursors: store, logger, metrics, batchSize: queue.batchSize, batchMaxBytes: queue.batchMaxBytes }, { since: input.since, signal: ctx.signal });
    },
  };

  return {
    loaded,
    config,
    logger,
    metrics,
    scrub,
    sealing,
    sealingKey: sealing.key,
    store,
    scanDeps,
    sinks,
    act: actDeps,
    sources,
    createSource: makeSource,
    handlers,
    async close() {
      try {
        await store.close();
      } catch (e) {
        logger.warn({ err: safeError(e, scrub) }, 'closing the store failed');
      }
    },
  };
}
