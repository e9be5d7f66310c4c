/**
 * End-to-end benchmark of `tokenradius scan` (the BUILT CLI, as a user runs it):
 *
 *   npm run build && node dist/bench/scan.js [--size-mb 112] [--git-mb 32] [--runs 3] [--workers N]
 *                                            [--large] [--large-mb 1024] [--keep-large] [--help]
 *
 * 1. Folder: writes the synthetic corpus of bench/corpus.ts to `.bench/corpus` (once per
 *    size/seed) and runs `node dist/src/cli/main.js scan .bench/corpus --format json` on it — the
 *    target as a user gives it, detection included (the corpus holds Jira-shaped tickets among
 *    chat logs, diffs and source, which must be scanned as a folder of files).
 * 2. Git history: commits another corpus into `.bench/git-repo` (once) and scans its full history.
 * 3. With `--large`: a 1 GB corpus in `.bench/corpus-1g`, deleted afterwards unless `--keep-large`
 *    (the disk is shared).
 *
 * For each: MiB/s by wall clock (process start to exit) and by CPU time (user + system of the
 * process: every thread, and the git child it waited for), and peak RSS (VmHWM, which covers the
 * worker threads). Folder and git runs are repeated (`--runs`, after one warm-up run that fills
 * the page cache) and the best and the median are printed: the machine is shared, and wall-clock
 * figures suffer when the load average is above the number of CPUs.
 *
 * Folder runs are also checked against the corpus manifest (`<dir>.manifest.json`, written with the
 * corpus): every planted token must be in the report at its file, line and column with its
 * fingerprint — "planted N, found N, missed 0", or the misses listed by rule.
 *
 * Targets (issue 2): folder ≥ 200 MB/s end to end on 2 cores, peak RSS < 300 MB for a 1 GB folder
 * or a large git history. Nothing is asserted: these are measurements.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { CORPUS_VERSION, defaultManifestPath, generateCorpus, writeCorpus, type CorpusManifest } from './corpus.js';
import { checkAgainstManifest, describeCheck, type Reported } from './manifest.js';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const cli = join(root, 'dist/src/cli/main.js');
const benchDir = join(root, '.bench');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v >= 0 ? v : fallback;
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`node dist/bench/scan.js [options]   (build first: npx tsc -p tsconfig.build.json)

  --size-mb N     folder corpus size in MiB (default 112), kept in .bench/corpus between runs
  --git-mb N      git history corpus size in MiB (default 32; 0 skips the git run)
  --runs N        measured runs of the folder and git scans after one warm-up run (default 3)
  --workers N     passed to tokenradius scan --workers (default: the CLI's own, CPUs - 1)
  --large         also scan a large folder once (.bench/corpus-1g), deleted afterwards
  --large-mb N    size of that folder in MiB (default 1024)
  --keep-large    keep .bench/corpus-1g for the next run

Prints MiB/s by wall clock and per CPU-second, peak RSS (VmHWM, all threads) and the load average,
and checks each folder report against the corpus manifest (planted, found, missed by rule).`);
  process.exit(0);
}

const sizeMb = arg('--size-mb', 112);
const gitMb = arg('--git-mb', 32);
const largeMb = arg('--large-mb', 1024);
const runs = Math.max(1, Math.floor(arg('--runs', 3)));
const large = process.argv.includes('--large');
const keepLarge = process.argv.includes('--keep-large');
const workers = process.argv.includes('--workers') ? arg('--workers', 0) : undefined;
const seed = 1;
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ is 100 on Linux)

/** utime + stime (+ children waited for) in seconds, from /proc/<pid>/stat; 0 when gone. */
function cpuSeconds(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields 14-17 of stat(5): utime stime cutime cstime (here offset by the two fields before ')')
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
  } catch {
    return 0;
  }
}

function hwmKb(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

interface RunResult {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  stats: { files: number; items: number; bytes: number; findings: number; chunks: number };
  /** Every file occurrence in the report (paths relative to the scanned folder). */
  occurrences: Reported[];
}

interface ReportFinding {
  fingerprint: string;
  rule: string;
  occurrences: Array<{ kind: string; path?: string; line?: number; column?: number }>;
}

async function runScan(args: string[]): Promise<RunResult> {
  const report = join(benchDir, 'scan-report.json');
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'scan', ...args, '--format', 'json', '--no-progress', '--output', report, ...(workers !== undefined ? ['--workers', String(workers)] : [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let peakKb = 0;
  let cpu = 0;
  // Sampled until the process is gone: the last sample misses at most one interval of CPU.
  const poll = setInterval(() => {
    if (!child.pid) return;
    peakKb = Math.max(peakKb, hwmKb(child.pid));
    cpu = Math.max(cpu, cpuSeconds(child.pid));
  }, 10);
  const code = await new Promise<number | null>((res) => child.on('close', res));
  clearInterval(poll);
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0 && code !== 1) throw new Error(`scan failed (exit ${code}): ${stderr.slice(0, 2000)}`);
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as { stats: RunResult['stats']; findings: ReportFinding[] };
  rmSync(report, { force: true });
  const occurrences: Reported[] = [];
  for (const f of parsed.findings) {
    for (const o of f.occurrences) {
      if (o.kind !== 'file' || o.path === undefined || o.line === undefined || o.column === undefined) continue;
      occurrences.push({ path: relative(resolve(args[0]!), resolve(o.path)), line: o.line, column: o.column, fingerprint: f.fingerprint, ruleId: f.rule });
    }
  }
  return { seconds, cpuSeconds: cpu, peakRssMb: peakKb / 1024, stats: parsed.stats, occurrences };
}

/** Writes the corpus and its manifest unless this generator version already wrote them; returns the manifest path. */
function ensureCorpus(dir: string, mb: number): string {
  const marker = `${dir}.meta.json`;
  const manifest = defaultManifestPath(dir);
  const want = JSON.stringify({ sizeMb: mb, seed, version: CORPUS_VERSION });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === want && existsSync(dir) && existsSync(manifest)) return manifest;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const r = writeCorpus(dir, { sizeBytes: mb * 1024 * 1024, seed }, manifest);
  writeFileSync(marker, want);
  console.log(`corpus: wrote ${r.files} files, ${(r.bytes / 1048576).toFixed(1)} MiB, ${r.planted} planted tokens in ${dir} (manifest ${manifest})`);
  return manifest;
}

/** A repository whose history adds a corpus in commits of ~40 files each. */
function ensureGitRepo(): string {
  const dir = join(benchDir, 'git-repo');
  const marker = join(benchDir, 'git-repo.meta.json');
  const want = JSON.stringify({ gitMb, seed });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === want) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.test', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.test' };
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, env, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  let bytes = 0;
  let inCommit = 0;
  let commits = 0;
  for (const f of generateCorpus({ sizeBytes: gitMb * 1024 * 1024, seed: seed + 1 })) {
    const p = join(dir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.text);
    bytes += Buffer.byteLength(f.text);
    if (++inCommit >= 40) {
      git('add', '-A');
      git('commit', '-q', '-m', `batch ${++commits}`);
      inCommit = 0;
    }
  }
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', `batch ${++commits}`);
  writeFileSync(marker, want);
  console.log(`git repo: ${commits} commits adding ${(bytes / 1048576).toFixed(1)} MiB`);
  return dir;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function report(label: string, results: RunResult[]): void {
  const mb = results[0]!.stats.bytes / 1048576;
  const wall = results.map((r) => r.seconds);
  const cpu = results.map((r) => r.cpuSeconds);
  const rss = Math.max(...results.map((r) => r.peakRssMb));
  const s = results[0]!.stats;
  const what = s.files > 0 ? `${s.files} files` : `${s.items} commits/items, ${s.chunks} chunks`;
  const fmt = (secs: number) => `${(mb / secs).toFixed(1)} MiB/s`;
  const spread = results.length > 1 ? `best of ${results.length}` : '1 run';
  console.log(
    `${label.padEnd(24)} ${mb.toFixed(1).padStart(7)} MiB  wall ${Math.min(...wall).toFixed(2)} s = ${fmt(Math.min(...wall))} (median ${fmt(median(wall))})  ` +
      `CPU ${Math.min(...cpu).toFixed(2)} s = ${fmt(Math.min(...cpu))} per CPU-second (median ${fmt(median(cpu))})  peak RSS ${rss.toFixed(0)} MiB  ` +
      `[${spread}; ${what}, ${s.findings} findings]`,
  );
}

/** The last run's report against the manifest: every planted token at its place, by fingerprint. */
function checkReport(label: string, manifestPath: string, run: RunResult): void {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as CorpusManifest;
  const check = checkAgainstManifest(m.tokens, run.occurrences);
  const [head, ...rest] = describeCheck(check);
  console.log(`${label.padEnd(24)} manifest: ${head} (${run.stats.findings} findings: one per distinct secret)`);
  for (const line of rest) console.log(`${' '.repeat(24)} ${line}`);
}

async function measure(label: string, args: string[], n: number, warm: boolean, manifestPath?: string): Promise<void> {
  if (warm) await runScan(args); // fill the page cache: measure scanning, not the disk
  const results: RunResult[] = [];
  for (let i = 0; i < n; i++) results.push(await runScan(args));
  report(label, results);
  if (manifestPath) checkReport(label, manifestPath, results[results.length - 1]!);
}

if (!existsSync(cli)) {
  console.error('bench/scan: build first (npm run build)');
  process.exit(2);
}
mkdirSync(benchDir, { recursive: true });
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs; workers: ${workers ?? 'default (one per CPU but one; the main thread scans too)'}`);

const corpus = join(benchDir, 'corpus');
await measure('scan folder', [corpus], runs, true, ensureCorpus(corpus, sizeMb));

let gitOk = true;
try {
  execFileSync('git', ['--version'], { stdio: 'ignore' });
} catch {
  gitOk = false;
}
if (gitOk && gitMb > 0) await measure('scan git history', [ensureGitRepo()], runs, true);

if (large) {
  const dir = join(benchDir, 'corpus-1g');
  const manifest = ensureCorpus(dir, largeMb);
  try {
    // Just written or kept from an earlier run: in the page cache either way (if memory allows).
    await measure(`scan folder ${largeMb} MiB`, [dir], 1, false, manifest);
  } finally {
    if (!keepLarge) {
      rmSync(dir, { recursive: true, force: true });
      rmSync(`${dir}.meta.json`, { force: true });
      rmSync(manifest, { force: true });
    }
  }
}
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
