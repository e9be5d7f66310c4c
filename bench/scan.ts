/**
 * End-to-end benchmark of `tokenradius scan` (the BUILT CLI, as a user runs it):
 *
 *   npm run build && node dist/bench/scan.js [--size-mb 112] [--git-mb 32] [--workers N]
 *
 * 1. Folder: writes the synthetic corpus of bench/corpus.ts to `.bench/corpus` (once per size/seed)
 *    and runs `node dist/src/cli/main.js scan .bench/corpus --format json --no-progress`.
 * 2. Git history: commits part of the same corpus into `.bench/git-repo` (once) and scans its full
 *    history (`--type git`).
 *
 * Prints MB/s (corpus bytes / wall time, process start to exit) and peak RSS (VmHWM of the process,
 * polled from /proc; worker threads share the process, so this covers them). Targets (issue 2):
 * folder ≥ 200 MB/s on 2 cores, peak RSS < 300 MB. Nothing is asserted: these are measurements.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generateCorpus, writeCorpus } from './corpus.js';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const cli = join(root, 'dist/src/cli/main.js');
const benchDir = join(root, '.bench');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v >= 0 ? v : fallback;
}

const sizeMb = arg('--size-mb', 112);
const gitMb = arg('--git-mb', 32);
const workers = process.argv.includes('--workers') ? arg('--workers', 0) : undefined;
const seed = 1;

function readKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

interface RunResult {
  seconds: number;
  peakRssMb: number;
  code: number | null;
  stats: { files: number; bytes: number; findings: number; chunks: number };
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
  const poll = setInterval(() => {
    if (child.pid) peakKb = Math.max(peakKb, readKb(child.pid, 'VmHWM'), readKb(child.pid, 'VmRSS'));
  }, 20);
  const code = await new Promise<number | null>((res) => child.on('close', res));
  clearInterval(poll);
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0 && code !== 1) throw new Error(`scan failed (exit ${code}): ${stderr.slice(0, 2000)}`);
  const stats = (JSON.parse(readFileSync(report, 'utf8')) as { stats: RunResult['stats'] }).stats;
  return { seconds, peakRssMb: peakKb / 1024, code, stats };
}

function ensureCorpus(): string {
  const dir = join(benchDir, 'corpus');
  const marker = join(benchDir, 'corpus.meta.json');
  const want = JSON.stringify({ sizeMb, seed });
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== want) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const r = writeCorpus(dir, { sizeBytes: sizeMb * 1024 * 1024, seed });
    writeFileSync(marker, want);
    console.log(`corpus: wrote ${r.files} files, ${(r.bytes / 1048576).toFixed(1)} MiB, ${r.planted} planted tokens`);
  }
  return dir;
}

/** A repository whose history adds the corpus files in commits of ~40 files each. */
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

function line(label: string, r: RunResult): string {
  const mb = r.stats.bytes / 1048576;
  return `${label.padEnd(28)} ${mb.toFixed(1).padStart(8)} MiB  ${r.seconds.toFixed(2).padStart(7)} s  ${(mb / r.seconds).toFixed(1).padStart(7)} MiB/s  peak RSS ${r.peakRssMb.toFixed(0).padStart(4)} MiB  (${r.stats.files} files, ${r.stats.findings} findings)`;
}

if (!existsSync(cli)) {
  console.error('bench/scan: build first (npm run build)');
  process.exit(2);
}
mkdirSync(benchDir, { recursive: true });
const corpus = ensureCorpus();
// `--type files`: the corpus has a tickets/ folder of Jira-shaped JSON, which auto-detection would
// take for a Jira export (read in order on the main thread); this figure is the folder scanner's.
await runScan([corpus, '--type', 'files']); // warm the page cache: measure scanning, not the disk
const folder = await runScan([corpus, '--type', 'files']);
console.log(line('scan folder (end to end)', folder));
let gitOk = true;
try {
  execFileSync('git', ['--version'], { stdio: 'ignore' });
} catch {
  gitOk = false;
}
if (gitOk && gitMb > 0) {
  const repo = ensureGitRepo();
  const hist = await runScan([repo, '--type', 'git']);
  console.log(line('scan git history', hist));
}
