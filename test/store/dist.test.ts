/**
 * The store as built by `tsc` (what `npm run build` ships in dist/), run in real child processes:
 * the migrations travel inside the compiled modules (no .sql file to copy), and the data-directory
 * lock holds between separate processes — including one killed with SIGKILL.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrate.js';

const repo = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'tr-store-dist-'));
const out = join(work, 'out');
const dataDir = join(work, 'data');
const child = join(work, 'child.mjs');
const openJs = join(out, 'src/store/open.js');
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Report {
  ok: boolean;
  code?: string;
  message?: string;
  version?: number;
  backend?: string;
}

/** Start a child that opens the store; resolves with its report line. `hold` keeps it open until stdin ends. */
function opener(mode: 'hold' | 'once'): { proc: ChildProcess; report: Promise<Report>; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [child, openJs, dataDir, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  const report = new Promise<Report>((res, rej) => {
    const rl = createInterface({ input: proc.stdout! });
    rl.once('line', (l) => res(JSON.parse(l) as Report));
    proc.once('exit', (c) => rej(new Error(`child exited (${c}) without a report`)));
  });
  const exited = new Promise<number | null>((res) => proc.once('exit', (c) => res(c)));
  return { proc, report, exited };
}

beforeAll(() => {
  // Compile only what the store needs, with the project's own build settings, into a scratch dir.
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      extends: join(repo, 'tsconfig.build.json'),
      compilerOptions: { outDir: out, rootDir: repo, sourceMap: false, noEmitOnError: false, incremental: false },
      include: [],
      files: [join(repo, 'src/store/open.ts')],
    }),
  );
  // tsc exits non-zero if a file another engineer is still writing has a type error; it emits anyway.
  spawnSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(work, 'tsconfig.json')], { encoding: 'utf8' });
  writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(repo, 'node_modules'), join(work, 'node_modules'), 'dir');
  writeFileSync(
    child,
    `const [, , mod, dataDir, mode] = process.argv;
const { openStore } = await import(mod);
try {
  const store = await openStore({ dataDir });
  const p = await store.ping();
  process.stdout.write(JSON.stringify({ ok: true, version: p.schemaVersion, backend: p.backend }) + '\\n');
  if (mode === 'hold') await new Promise((r) => { process.stdin.on('end', r); process.stdin.resume(); });
  await store.close();
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, code: e.code, message: e.message }) + '\\n');
  process.exitCode = 3;
}
`,
  );
}, 240_000);

// Child processes start PGlite (initdb on the first): slow on a loaded two-core machine.
describe('the compiled store', { timeout: 240_000 }, () => {
  it('carries its migrations inside the compiled modules and applies them', async () => {
    expect(existsSync(join(out, 'src/store/migrations/001_init.js'))).toBe(true);
    expect(readFileSync(join(out, 'src/store/migrations/001_init.js'), 'utf8')).toContain('CREATE TABLE findings');
    const first = opener('once');
    const r = await first.report;
    expect(r).toEqual({ ok: true, version: MIGRATIONS.length, backend: 'pglite' });
    expect(await first.exited).toBe(0);
    expect(existsSync(join(dataDir, 'pg.lock'))).toBe(false);
  });

  it('lets exactly one of several processes opening one data directory at once have it', async () => {
    const racers = Array.from({ length: 4 }, () => opener('hold'));
    const reports = await Promise.all(racers.map((r) => r.report));
    const winners = reports.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    for (const r of reports.filter((x) => !x.ok)) {
      expect(r.code).toBe('STORE_UNAVAILABLE');
      expect(r.message).toMatch(/is in use by process \d+/);
    }
    for (const r of racers) r.proc.stdin!.end();
    const codes = await Promise.all(racers.map((r) => r.exited));
    expect(codes.filter((c) => c === 0)).toHaveLength(1);
    expect(existsSync(join(dataDir, 'pg.lock'))).toBe(false);
  });

  it('takes over the lock of a process killed with SIGKILL', async () => {
    const victim = opener('hold');
    expect((await victim.report).ok).toBe(true);
    victim.proc.kill('SIGKILL');
    await victim.exited;
    const stale = JSON.parse(readFileSync(join(dataDir, 'pg.lock'), 'utf8')) as { pid: number };
    expect(stale.pid).toBe(victim.proc.pid);
    const next = opener('once');
    expect(await next.report).toMatchObject({ ok: true, version: MIGRATIONS.length });
    expect(await next.exited).toBe(0);
  });
});
