/**
 * vitest global setup: tests that run the real CLI as a child process need `dist/` to match the
 * sources. Build once per test run, and only when a source file is newer than the built CLI.
 *
 * Type errors do not stop the build (tsc still emits; `npm run typecheck` is what fails on them);
 * only a missing `dist/src/cli/main.js` afterwards is fatal. Several test runs on one machine take
 * turns through a lock file instead of writing `dist/` at the same time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
export const BUILT_CLI = join(root, 'dist/src/cli/main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function stale(): boolean {
  if (!existsSync(BUILT_CLI)) return true;
  const built = statSync(BUILT_CLI).mtimeMs;
  const sources = Math.max(...['src', 'workers', 'bench'].map((d) => (existsSync(join(root, d)) ? newestMtime(join(root, d)) : 0)));
  return sources > built;
}

export default function setup(): void {
  if (!stale()) return;
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const args = [tsc, '-p', join(root, 'tsconfig.build.json')];
  const hasFlock = spawnSync('flock', ['--version'], { stdio: 'ignore' }).status === 0;
  const r = hasFlock
    ? spawnSync('flock', ['/tmp/tokenradius-test-build.lock', process.execPath, ...args], { cwd: root, encoding: 'utf8' })
    : spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (!existsSync(BUILT_CLI)) {
    throw new Error(`build failed; dist/src/cli/main.js is missing\n${(r.stdout ?? '').slice(0, 4000)}${(r.stderr ?? '').slice(0, 2000)}`);
  }
}
