/**
 * `tokenradius scan <targets...>`: scan folders, files, git clones (full history), Slack and Jira
 * exports and stdin (`-`) for leaked tokens; print a report; exit 0 (nothing found), 1 (findings
 * after filters) or 2 (usage or runtime error).
 *
 * How the work is split: folders are listed on the main thread (synchronously, a batch at a time)
 * and their files read and scanned in batches by worker threads, which open the files themselves;
 * ordered sources (git history, exports, stdin) are read on the main thread and their chunks handed
 * on in batches. The main thread scans too: a batch no worker has room for is scanned where it is,
 * in slices of a few milliseconds so that a worker that frees up gets the rest. By default there is
 * one worker per core but one (the main thread is the last scanner), and workers start only once
 * there is more than one batch of work — a small scan never pays for loading the engine twice.
 * Everything lands in one in-memory aggregator. With `--workers 0` everything runs on the main
 * thread.
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import { SEVERITY_ORDER, SeveritySchema, type Chunk, type Severity } from '../../core/types.js';
import { createAggregator } from '../../pipeline/aggregate.js';
import { loadBaseline } from '../../output/baseline.js';
import { STREAM_RENDERERS, OUTPUT_FORMATS, emptyBySeverity, rulesOf, severityAtLeast, toReportFinding, type OutputFormat, type ScanStats } from '../../output/index.js';
import { LocalSourceTypeSchema, type ScanOptions, type SourceNotice } from '../../sources/options.js';
import { resolveLocalTargets } from '../../sources/local.js';
import type { FilesSource } from '../../sources/files/source.js';
import type { Source } from '../../sources/types.js';
import { EXIT, usageError } from '../errors.js';
import { isClosed, openOutput, processIo, writeAll, type CliIo } from '../io.js';
import { createProgress } from '../progress.js';
import type { BatchScanner } from '../parallel/batch.js';
import { createScanPool, type ScanPool } from '../parallel/pool.js';
import { itemCount, itemRest, type BatchResult, type WorkItem } from '../parallel/protocol.js';
import { version } from '../version.js';

/** Options as commander hands them over (strings), validated here. */
export const ScanCliOptionsSchema = z.object({
  format: z.enum(OUTPUT_FORMATS).optional(),
  output: z.string().min(1).optional(),
  minSeverity: SeveritySchema.optional(),
  baseline: z.string().min(1).optional(),
  progress: z.boolean().default(true),
  config: z.string().min(1).optional(),
  type: LocalSourceTypeSchema.optional(),
  gitignore: z.boolean().optional(),
  maxFileSize: z.number().int().positive().optional(),
  workers: z.number().int().min(0).max(64).optional(),
});
export type ScanCliOptions = z.input<typeof ScanCliOptionsSchema>;

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i;
const UNIT: Record<string, number> = { b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** `10MB`, `512k`, `1048576` → bytes (binary units). */
export function parseSize(text: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw usageError(`--max-file-size: "${text.slice(0, 40)}" is not a size (examples: 1048576, 512k, 10MB)`);
  const n = Math.floor(Number(m[1]) * UNIT[(m[2] ?? 'b').toLowerCase()]!);
  if (!Number.isSafeInteger(n) || n <= 0) throw usageError('--max-file-size must be a positive size');
  return n;
}

function parseWorkers(text: string): number {
  if (!/^\d{1,2}$/.test(text)) throw usageError('--workers must be a whole number (0 = no worker threads)');
  return Number(text);
}

/**
 * Heap bounds of a scan worker. A worker holds one chunk of text (1 MiB by default) and what the
 * engine makes of it; V8 lets an unbounded heap grow long before it collects, so bounds keep N
 * isolates inside the RSS budget (a worker that still runs out of memory on one pathological file
 * loses only that batch, reported as an error).
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 };

/**
 * Batching. Files: the walk does not stat files (the reader sizes what it opens), so a batch is a
 * number of files chosen from the average file size seen so far — about `BATCH_BYTES` of work,
 * enough that messaging costs nothing, small enough to spread over cores. Chunks: by text size.
 */
const BATCH_BYTES = 2 * 1024 * 1024;
const BATCH_FILES_FIRST = 64;
const BATCH_FILES_MAX = 256;
const BATCH_CHUNK_BYTES = 2 * 1024 * 1024;
/** Time the main thread scans before it looks for an idle worker to give the rest of a batch to. */
const LOCAL_SLICE_MS = 4;

/** Worker threads by default: one per core but the main thread's. */
export function defaultWorkerCount(cores: number = availableParallelism()): number {
  return Math.max(0, Math.min(63, cores - 1));
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function isFilesSource(s: Source): s is Source & FilesSource {
  const f = s as Partial<FilesSource>;
  return s.id === 'files' && typeof f.listBatches === 'function' && typeof f.readOptions === 'object';
}

interface Counters {
  files: number;
  items: number;
  chunks: number;
  bytes: number;
  /** Items a source did not read (binary, too large, unreadable, unsafe), from notices. */
  skipped: number;
  errors: Map<string, { code: string; message: string; count: number }>;
  notices: SourceNotice[];
}

export async function runScan(targets: string[], rawOpts: ScanCliOptions, io: CliIo = processIo()): Promise<number> {
  const started = Date.now();
  const now = new Date(started);
  const parsedOpts = ScanCliOptionsSchema.safeParse(rawOpts);
  if (!parsedOpts.success) {
    const i = parsedOpts.error.issues[0];
    throw usageError(`invalid option ${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}`);
  }
  const opts = parsedOpts.data;
  if (targets.length === 0) throw usageError('nothing to scan: give at least one target (a folder, file, git clone, export, or - for stdin)');
  if (targets.filter((t) => t === '-').length > 1) throw usageError('stdin (-) can be given only once');

  const loaded: LoadedConfig = loadConfig({ ...(opts.config ? { file: opts.config } : {}), env: io.env });

  // Command-line switches override the configuration file.
  const scan: ScanOptions = {
    ...loaded.config.scan,
    ...(opts.gitignore !== undefined ? { respectGitignore: opts.gitignore } : {}),
    ...(opts.maxFileSize !== undefined ? { maxFileBytes: opts.maxFileSize } : {}),
  };

  const counters: Counters = { files: 0, items: 0, chunks: 0, bytes: 0, skipped: 0, errors: new Map(), notices: [] };
  const onNotice = (n: SourceNotice) => {
    if (n.level === 'skip') counters.skipped += 1;
    if (counters.notices.length < 10_000) counters.notices.push(n);
  };
  const aggregator = createAggregator();
  const progress = createProgress({ stream: io.stderr, enabled: opts.progress && io.stderrIsTTY, ...(io.columns ? { columns: io.columns } : {}) });
  const updateProgress = () => progress.update({ files: counters.files + counters.items + counters.skipped, bytes: counters.bytes, findings: aggregator.size });

  const absorb = (r: BatchResult) => {
    counters.files += r.files;
    counters.chunks += r.chunks;
    counters.bytes += r.bytes;
    for (const n of r.notices) onNotice(n);
    for (const e of r.errors) {
      const key = `${e.code}\u0000${e.message}`;
      const cur = counters.errors.get(key);
      if (cur) cur.count += 1;
      else counters.errors.set(key, { code: e.code, message: e.message, count: 1 });
    }
    for (const o of r.observations) aggregator.upsertCompact(o);
    updateProgress();
  };

  const workerCount = opts.workers ?? defaultWorkerCount();
  const controller = new AbortController();

  // Scanning on this thread: the engine is loaded on first use, so a scan with nothing to read
  // never loads it.
  let localScanner: BatchScanner | undefined;
  const local = async (): Promise<BatchScanner> => {
    if (!localScanner) {
      const [{ createBatchScanner }, { buildScanDeps }] = await Promise.all([import('../parallel/batch.js'), import('../../pipeline/scan-deps.js')]);
      localScanner = createBatchScanner((sink) => buildScanDeps(loaded.config, { sink }), now);
    }
    return localScanner;
  };
  // Batches the pool handed back because its workers could not run (see pool.ts): scanned here.
  const orphans: WorkItem[] = [];
  const pool: ScanPool | undefined =
    workerCount > 0
      ? createScanPool({
          size: workerCount,
          init: { config: loaded.config, now: now.toISOString() },
          onResult: absorb,
          onOrphans: (items) => orphans.push(...items),
          resourceLimits: WORKER_LIMITS,
        })
      : undefined;

  let dispatched = 0;
  /** Scan a batch on this thread, in slices; the rest goes to a worker as soon as one has room. */
  const scanHere = async (item: WorkItem): Promise<void> => {
    const scanner = await local();
    const n = itemCount(item);
    let from = 0;
    for (;;) {
      const { result, next } = await scanner.run(item, from, pool ? LOCAL_SLICE_MS : undefined);
      absorb(result);
      from = next;
      if (from >= n) return;
      // Let worker results in, then give the rest away if a worker has room.
      await nextTurn();
      if (pool && dispatched > 1 && pool.offer(itemRest(item, from))) return;
    }
  };
  /** Hand a batch to a worker with room, or scan it here. */
  const dispatch = async (item: WorkItem): Promise<void> => {
    dispatched += 1;
    // A second batch means there is work enough to be worth starting the workers.
    if (!(pool && dispatched > 1 && pool.offer(item))) await scanHere(item);
    while (orphans.length > 0) await scanHere(orphans.shift()!);
  };
  const finish = async () => {
    await pool?.close();
    while (orphans.length > 0) await scanHere(orphans.shift()!);
  };
  const abort = async () => {
    await pool?.destroy();
  };

  let baseline: Set<string> | undefined;
  let sources: Source[];
  try {
    baseline = opts.baseline ? await loadBaseline(opts.baseline) : undefined;
    sources = await resolveLocalTargets(targets, { scan, ...(opts.type ? { type: opts.type } : {}), stdin: io.stdin, onNotice });
  } catch (e) {
    await abort();
    throw e;
  }

  // Average size of the files read so far decides how many go in a batch.
  const filesPerBatch = () => {
    if (counters.files < 16) return BATCH_FILES_FIRST;
    const avg = counters.bytes / counters.files;
    return Math.max(1, Math.min(BATCH_FILES_MAX, Math.floor(BATCH_BYTES / Math.max(1, avg))));
  };
  const runFiles = async (s: Source & FilesSource) => {
    // Chunks stay in memory here: ids by place (no hash, no stat per file).
    const readOptions = { ...s.readOptions, ids: 'place' as const };
    for await (const files of s.listBatches(controller.signal, filesPerBatch)) {
      await dispatch({ kind: 'files', paths: files.map((f) => f.path), readOptions });
    }
  };

  let chunkBatch: Chunk[] = [];
  let chunkBatchBytes = 0;
  const flushChunks = async () => {
    if (chunkBatch.length === 0) return;
    const chunks = chunkBatch;
    chunkBatch = [];
    chunkBatchBytes = 0;
    await dispatch({ kind: 'chunks', chunks });
  };
  const submitChunk = async (chunk: Chunk) => {
    chunkBatch.push(chunk);
    chunkBatchBytes += chunk.text.length;
    if (chunkBatchBytes >= BATCH_CHUNK_BYTES) await flushChunks();
  };

  const runOrdered = async (s: Source) => {
    let lastItems = 0;
    for await (const { chunk } of s.pull({
      signal: controller.signal,
      onProgress: (p) => {
        counters.items += p.items - lastItems;
        lastItems = p.items;
      },
    })) {
      await submitChunk(chunk);
    }
    await flushChunks();
  };

  try {
    // Sources run one after another so chunk batches of one never mix with another's cursor; the
    // pool keeps every core busy regardless.
    for (const s of sources) {
      if (isFilesSource(s)) await runFiles(s);
      else await runOrdered(s);
    }
    await finish();
  } catch (e) {
    controller.abort();
    await abort();
    progress.done();
    throw e;
  }
  progress.done();

  // Filters: baseline, then minimum severity.
  const min: Severity = opts.minSeverity ?? 'info';
  let suppressedBaseline = 0;
  let belowMin = 0;
  // Filter on the aggregated entries; findings are materialised one at a time while writing.
  const kept = aggregator.entries().filter((f) => {
    if (baseline?.has(f.fingerprint)) {
      suppressedBaseline += 1;
      return false;
    }
    if (!severityAtLeast(f.severity, min)) {
      belowMin += 1;
      return false;
    }
    return true;
  });

  // Rule names for the report: only needed (and the rules only loaded) when there is something to report.
  const rules = kept.length > 0 ? (await import('../../pipeline/scan-deps.js')).ruleCatalogue(loaded.config) : new Map<string, never>();
  const bySeverity = emptyBySeverity();
  for (const f of kept) bySeverity[f.severity] += 1;
  const stats: ScanStats = {
    targets,
    files: counters.files,
    items: counters.items,
    chunks: counters.chunks,
    bytes: counters.bytes,
    skipped: counters.skipped,
    findings: kept.length,
    bySeverity,
    suppressed: { baseline: suppressedBaseline, belowMinSeverity: belowMin },
    errors: [...counters.errors.values()].sort((a, b) => b.count - a.count),
    durationMs: Date.now() - started,
    startedAt: now.toISOString(),
  };
  const findings = function* () {
    for (const e of kept) yield toReportFinding(e.finding(), rules.get(e.rule)?.name);
  };

  const out = await openOutput(io, opts.output);
  const format: OutputFormat = opts.format ?? (out.isTTY ? 'table' : 'json');
  const ctx = { color: out.isTTY && !io.env.NO_COLOR, ...(io.columns ? { columns: io.columns } : {}), rules, toolVersion: version() };
  const input = { findings: findings(), rules: rulesOf(kept), stats };
  // Coalesce pieces into ~256 KiB writes: few syscalls, bounded memory, backpressure honoured.
  let buf = '';
  for (const piece of STREAM_RENDERERS[format](input, ctx)) {
    buf += piece;
    if (buf.length >= 256 * 1024) {
      await writeAll(out.stream, buf);
      buf = '';
      if (isClosed(out.stream)) break;
    }
  }
  if (buf) await writeAll(out.stream, buf);
  await out.close();

  await writeAll(io.stderr, summariseNotices(counters.notices, stats));
  return kept.length > 0 ? EXIT.FINDINGS : EXIT.CLEAN;
}

/** What stderr says after the report: only things the user should act on (never file content). */
export function summariseNotices(notices: readonly SourceNotice[], stats: ScanStats): string {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  for (const n of notices) {
    if (n.level === 'skip' && n.reason === 'binary') continue;
    if (n.level === 'info') {
      lines.push(`tokenradius: note: ${n.source} ${n.path}: ${n.message}`);
      continue;
    }
    counts.set(n.reason, (counts.get(n.reason) ?? 0) + 1);
  }
  if (counts.size > 0) {
    const detail = [...counts].map(([r, c]) => `${r} ${c}`).join(', ');
    lines.push(`tokenradius: skipped ${[...counts.values()].reduce((a, b) => a + b, 0)} item(s) (${detail}); see stats in the report`);
  }
  for (const e of stats.errors) lines.push(`tokenradius: warning: ${e.code}: ${e.message} (x${e.count})`);
  return lines.length > 0 ? lines.slice(0, 50).join('\n') + '\n' : '';
}

export function scanCommand(): Command {
  return new Command('scan')
    .description('Scan folders, files, git clones (full history), Slack and Jira exports, or stdin (-) for leaked tokens.')
    .argument('<targets...>', 'folders, files, git clones, Slack export (.zip or folder), Jira export (JSON), or - for stdin')
    .addOption(new Option('-f, --format <format>', 'output format (default: table on a terminal, json otherwise)').choices([...OUTPUT_FORMATS]))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--min-severity <level>', 'report only findings at or above this severity').choices([...SEVERITY_ORDER]))
    .option('--baseline <report.json>', 'leave out findings whose fingerprint is in an earlier JSON report')
    .option('--no-progress', 'no progress line on stderr')
    .option('-c, --config <file>', 'configuration file (default: TOKENRADIUS_CONFIG or embedded defaults)')
    .addOption(new Option('--type <type>', 'scan every target as this kind instead of detecting it').choices([...LocalSourceTypeSchema.options]))
    .option('--gitignore', 'skip files that .gitignore files ignore')
    .option('--max-file-size <size>', 'skip files larger than this (e.g. 10MB)', parseSize)
    .option('--workers <n>', 'worker threads (default: one per core; 0 = scan on the main thread)', parseWorkers)
    .action(async (targets: string[], o: ScanCliOptions) => {
      process.exitCode = await runScan(targets, o);
    });
}
