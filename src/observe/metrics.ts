/**
 * Prometheus metrics (prom-client) on a registry of our own, so several services (tests, `serve`
 * with workers) never collide on the global one. `/metrics` renders `metrics.render()`.
 *
 * Names are stable (dashboards rely on them): `tokenradius_*`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface QueueDepthSample {
  queue: string;
  state: string;
  count: number;
}

export interface Metrics {
  readonly registry: Registry;
  /** Jobs (or inline work items) finished successfully, per queue: `scan`, `act`, `poll`. */
  readonly jobsProcessed: Counter<'queue'>;
  /** Jobs that failed an attempt, per queue and error code. */
  readonly jobsFailed: Counter<'queue' | 'code'>;
  /** Waiting/active/delayed/failed jobs per queue, sampled at scrape time from the provider. */
  readonly queueDepth: Gauge<'queue' | 'state'>;
  /** Seconds spent per stage: `scan` (one chunk), `act`, `poll` (one run), `enqueue-to-stored` (one batch). */
  readonly stageSeconds: Histogram<'stage'>;
  /** Observations stored, by severity and change (`new`, `worse`, `changed`, `unchanged`, `suppressed`). */
  readonly findings: Counter<'severity' | 'change'>;
  /** Chunks scanned per source. */
  readonly chunksScanned: Counter<'source'>;
  /** Chunks that failed (and were isolated into their own job) per source and error code. */
  readonly chunksFailed: Counter<'source' | 'code'>;
  /** Backfill progress: chunks handed to the scan stage per source. */
  readonly pollChunks: Counter<'source'>;
  /** Backfill runs per source and outcome (`completed`, `failed`, `aborted`). */
  readonly pollRuns: Counter<'source' | 'outcome'>;
  /** 1 while a backfill of that source runs. */
  readonly pollRunning: Gauge<'source'>;
  /** Unix time (s) the source's cursor last advanced. */
  readonly pollCursorAdvancedAt: Gauge<'source'>;
  /** Register the function that samples queue depths at scrape time (the BullMQ transport does). */
  setQueueDepthProvider(fn: (() => Promise<QueueDepthSample[]>) | undefined): void;
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'tokenradius_' });
  let depthProvider: (() => Promise<QueueDepthSample[]>) | undefined;

  const queueDepth = new Gauge({
    name: 'tokenradius_queue_depth',
    help: 'Jobs per queue and state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      if (!depthProvider) return;
      try {
        const samples = await depthProvider();
        this.reset();
        for (const s of samples) this.set({ queue: s.queue, state: s.state }, s.count);
      } catch {
        // Redis down: keep the last values rather than failing the whole scrape.
      }
    },
  });

  return {
    registry,
    queueDepth,
    jobsProcessed: new Counter({ name: 'tokenradius_jobs_processed_total', help: 'Jobs completed per queue', labelNames: ['queue'] as const, registers: [registry] }),
    jobsFailed: new Counter({ name: 'tokenradius_jobs_failed_total', help: 'Job attempts failed per queue and error code', labelNames: ['queue', 'code'] as const, registers: [registry] }),
    stageSeconds: new Histogram({
      name: 'tokenradius_stage_duration_seconds',
      help: 'Time spent per pipeline stage',
      labelNames: ['stage'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    findings: new Counter({ name: 'tokenradius_findings_observed_total', help: 'Finding observations stored by severity and change', labelNames: ['severity', 'change'] as const, registers: [registry] }),
    chunksScanned: new Counter({ name: 'tokenradius_chunks_scanned_total', help: 'Chunks scanned per source', labelNames: ['source'] as const, registers: [registry] }),
    chunksFailed: new Counter({ name: 'tokenradius_chunks_failed_total', help: 'Chunks that failed to scan per source and code', labelNames: ['source', 'code'] as const, registers: [registry] }),
    pollChunks: new Counter({ name: 'tokenradius_backfill_chunks_total', help: 'Chunks handed to the scan stage by backfills per source', labelNames: ['source'] as const, registers: [registry] }),
    pollRuns: new Counter({ name: 'tokenradius_backfill_runs_total', help: 'Backfill runs per source and outcome', labelNames: ['source', 'outcome'] as const, registers: [registry] }),
    pollRunning: new Gauge({ name: 'tokenradius_backfill_running', help: '1 while a backfill of the source runs', labelNames: ['source'] as const, registers: [registry] }),
    pollCursorAdvancedAt: new Gauge({ name: 'tokenradius_backfill_cursor_advanced_timestamp_seconds', help: 'When the source cursor last advanced', labelNames: ['source'] as const, registers: [registry] }),
    setQueueDepthProvider(fn) {
      depthProvider = fn;
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
