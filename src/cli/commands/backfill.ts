/**
 * `tokenradius backfill <source-id>`: run one backfill of a configured source now.
 *
 * - `--inline`: pull the source in this process, scan every chunk, and print the findings of THIS
 *   run in the same report shapes as `scan` (json, jsonl, sarif, table); exit 0 (nothing found),
 *   1 (findings after filters) or 2 (error). Nothing is stored and no cursor is read or moved: it
 *   reads everything (or from `--since`). A progress line on a terminal's stderr.
 * - without `--inline`, with REDIS_URL: enqueue a poll job (the poll workers run it from the
 *   stored cursors) and print its id.
 * - without `--inline` and without REDIS_URL: run the poll here against the findings store
 *   (findings stored, alerts through the act stage, cursors advanced), and print a summary.
 *
 * `--since` is handed to the source as is (Slack: a ts, an ISO date/time, or `file:<id>`; Jira: an
 * ISO date/time or `issue:<KEY>[,<KEY>…]`; GitHub: an ISO date/time or `commits:<owner>/<repo>:<sha>`).
 */
import { Command, Option } from 'commander';
import { z } from 'zod';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import { SEVERITY_ORDER, SeveritySchema, type Severity } from '../../core/types.js';
import { createLogger } from '../../observe/logger.js';
import { createAggregator } from '../../pipeline/aggregate.js';
import { scanChunk } from '../../pipeline/scan-chunk.js';
import { buildScanDeps, ruleCatalogue } from '../../pipeline/scan-deps.js';
import { OUTPUT_FORMATS, RENDERERS, emptyBySeverity, severityAtLeast, toReportFinding, type OutputFormat, type Report, type ScanStats } from '../../output/index.js';
import { createSource, findSourceConfig } from '../../sources/registry.js';
import { EXIT, usageError } from '../errors.js';
import { stringifyForDisplay } from '../../core/display.js';
import { openOutput, processIo, writeAll, type CliIo } from '../io.js';
import { createProgress } from '../progress.js';
import { version } from '../program.js';

export const BackfillCliOptionsSchema = z.object({
  since: z.string().min(1).max(200).optional(),
  inline: z.boolean().default(false),
  format: z.enum(OUTPUT_FORMATS).optional(),
  output: z.string().min(1).optional(),
  minSeverity: SeveritySchema.optional(),
  progress: z.boolean().default(true),
  config: z.string().min(1).optional(),
});
export type BackfillCliOptions = z.input<typeof BackfillCliOptionsSchema>;

/** Logs of the run go to stderr (stdout carries the report), warnings and up unless asked. */
function cliLogger(io: CliIo, loaded: LoadedConfig) {
  return createLogger({ level: loaded.env.TOKENRADIUS_LOG_LEVEL ?? 'warn', destination: io.stderr });
}

export async function runBackfill(sourceId: string, rawOpts: BackfillCliOptions, io: CliIo = processIo()): Promise<number> {
  const parsed = BackfillCliOptionsSchema.safeParse(rawOpts);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw usageError(`invalid option ${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}`);
  }
  const opts = parsed.data;
  const loaded = loadConfig({ ...(opts.config ? { file: opts.config } : {}), env: io.env });
  const sourceConfig = findSourceConfig(loaded.config.sources, sourceId);
  if (opts.inline) return runInline(sourceConfig.id, loaded, opts, io);

  const redisUrl = loaded.env.REDIS_URL;
  if (redisUrl) {
    const { createQueueTransport } = await import('../../queue/transport.js');
    const { createMetrics } = await import('../../observe/metrics.js');
    const transport = createQueueTransport({
      redisUrl,
      options: loaded.config.queue,
      logger: cliLogger(io, loaded),
      metrics: createMetrics({ defaultMetrics: false }),
      // The job goes to its upstream's poll queue, where the service's workers and limiter expect it.
      sources: loaded.config.sources.map((s) => ({ id: s.id, type: s.type })),
    });
    try {
      const job = await transport.requestPoll(sourceConfig.id, { ...(opts.since ? { since: opts.since } : {}), reason: 'manual' });
      await writeAll(io.stdout, opts.format === 'json' ? JSON.stringify({ source: sourceConfig.id, job }) + '\n' : `enqueued backfill of ${sourceConfig.id}: job ${job}\n`);
    } finally {
      await transport.close();
    }
    return EXIT.CLEAN;
  }

  // No Redis: run the poll here, against the store, exactly as the inline service would.
  const { buildDeps } = await import('../../pipeline/deps.js');
  const { createInlineRunner } = await import('../../pipeline/runner-inline.js');
  const deps = await buildDeps(loaded, { logger: cliLogger(io, loaded) });
  try {
    const runner = createInlineRunner({ handlers: deps.handlers, sources: deps.sources, logger: deps.logger, metrics: deps.metrics, attempts: deps.config.queue.attempts, backoffMs: deps.config.queue.backoffMs, batchSize: deps.config.queue.batchSize });
    const summary = (await runner.runPoll({ sourceId: sourceConfig.id, since: opts.since, reason: 'manual' })) as { chunks?: number; batches?: number; aborted?: boolean };
    await runner.drain();
    await runner.close();
    const line = { source: sourceConfig.id, chunks: summary.chunks ?? 0, batches: summary.batches ?? 0, aborted: summary.aborted ?? false };
    await writeAll(io.stdout, opts.format === 'json' ? stringifyForDisplay(line) + '\n' : `backfill of ${line.source}: ${line.chunks} chunks scanned and stored\n`);
  } finally {
    await deps.close();
  }
  return EXIT.CLEAN;
}

async function runInline(sourceId: string, loaded: LoadedConfig, opts: z.infer<typeof BackfillCliOptionsSchema>, io: CliIo): Promise<number> {
  const started = Date.now();
  const now = new Date(started);
  const logger = cliLogger(io, loaded);
  // No store: this run neither reads nor moves cursors, and keeps its findings to itself.
  const source = createSource(findSourceConfig(loaded.config.sources, sourceId), { logger, scan: loaded.config.scan, env: loaded.env });
  const aggregator = createAggregator();
  const deps = buildScanDeps(loaded.config, { sink: aggregator, env: loaded.env });
  const progress = createProgress({ stream: io.stderr, enabled: opts.progress && io.stderrIsTTY, ...(io.columns ? { columns: io.columns } : {}) });
  const counters = { items: 0, chunks: 0, bytes: 0 };
  const errors = new Map<string, { code: string; message: string; count: number }>();
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    for await (const { chunk } of source.pull({
      ...(opts.since ? { since: opts.since } : {}),
      signal: controller.signal,
      onProgress: (p) => {
        counters.items = p.items;
      },
    })) {
      counters.chunks += 1;
      counters.bytes += Buffer.byteLength(chunk.text, 'utf8');
      const r = await scanChunk(chunk, deps, now);
      for (const e of r.errors) {
        const key = `${e.code}\u0000${e.message}`;
        const cur = errors.get(key);
        if (cur) cur.count += 1;
        else errors.set(key, { code: e.code, message: e.message, count: 1 });
      }
      progress.update({ files: counters.items, bytes: counters.bytes, findings: aggregator.size });
    }
  } catch (e) {
    progress.done();
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  progress.done();

  const min: Severity = opts.minSeverity ?? 'info';
  const all = aggregator.findings();
  const kept = all.filter((f) => severityAtLeast(f.blastRadius.severity, min));
  const rules = ruleCatalogue(loaded.config);
  const bySeverity = emptyBySeverity();
  for (const f of kept) bySeverity[f.blastRadius.severity] += 1;
  const stats: ScanStats = {
    targets: [sourceId],
    files: 0,
    items: counters.items,
    chunks: counters.chunks,
    bytes: counters.bytes,
    skipped: 0,
    findings: kept.length,
    bySeverity,
    suppressed: { baseline: 0, belowMinSeverity: all.length - kept.length },
    errors: [...errors.values()].sort((a, b) => b.count - a.count),
    durationMs: Date.now() - started,
    startedAt: now.toISOString(),
  };
  const report: Report = { findings: kept.map((f) => toReportFinding(f, rules.get(f.rule)?.name)), stats };
  const out = await openOutput(io, opts.output);
  const format: OutputFormat = opts.format ?? (out.isTTY ? 'table' : 'json');
  const text = RENDERERS[format](report, { color: out.isTTY && !io.env.NO_COLOR, ...(io.columns ? { columns: io.columns } : {}), rules, toolVersion: version() });
  await writeAll(out.stream, text);
  await out.close();
  for (const e of stats.errors) await writeAll(io.stderr, `tokenradius: warning: ${e.code}: ${e.message} (x${e.count})\n`);
  return kept.length > 0 ? EXIT.FINDINGS : EXIT.CLEAN;
}

export function backfillCommand(): Command {
  return new Command('backfill')
    .description('run one backfill of a configured source now (sources: in the config file)')
    .argument('<source-id>', 'id of a configured source, e.g. slack-main')
    .option('--since <point>', 'start here instead of the stored cursor (an ISO date; Slack: a ts; Jira: issue:<KEY>; GitHub: commits:<owner>/<repo>:<sha>)')
    .option('--inline', 'scan in this process and print the findings of this run like `scan` (stores nothing, moves no cursor)')
    .addOption(new Option('-f, --format <format>', 'report format with --inline (default: table on a terminal, json otherwise)').choices([...OUTPUT_FORMATS]))
    .option('-o, --output <file>', 'with --inline: write the report to a file instead of stdout')
    .addOption(new Option('--min-severity <level>', 'with --inline: report only findings at or above this severity').choices([...SEVERITY_ORDER]))
    .option('--no-progress', 'no progress line on stderr')
    .option('-c, --config <file>', 'configuration file (default: TOKENRADIUS_CONFIG)')
    .action(async (sourceId: string, o: BackfillCliOptions) => {
      process.exitCode = await runBackfill(sourceId, o);
    });
}
