/**
 * `runScan` in-process (no worker threads) with a fake terminal: the choices that depend on
 * where output goes — table + colours on a terminal, JSON into a pipe, the progress line only on a
 * terminal stderr and never with --no-progress.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runScan } from '../../src/cli/commands/scan.js';
import type { CliIo } from '../../src/cli/io.js';
import { removeDir, tempDir } from '../support/fixtures-git.js';
import { githubPat } from './scan-fixtures.js';

const dir = tempDir('tr-inproc');
afterAll(() => removeDir(dir));
const token = githubPat();
mkdirSync(join(dir, 'src'));
writeFileSync(join(dir, 'src', 'a.env'), `X=${token}\n`);

function fakeIo(tty: { out: boolean; err: boolean }) {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  err.on('data', (d: Buffer) => (e += d.toString()));
  const io: CliIo = { stdin: new PassThrough(), stdout: out, stderr: err, stdoutIsTTY: tty.out, stderrIsTTY: tty.err, columns: 200, env: {} };
  return { io, out: () => o, err: () => e };
}

describe('runScan output choices', () => {
  it('prints a coloured table and a progress line on a terminal', async () => {
    const t = fakeIo({ out: true, err: true });
    const code = await runScan([dir], { workers: 0 }, t.io);
    expect(code).toBe(1);
    expect(t.out()).toMatch(/^SEVERITY\s+SCORE\s+RULE/);
    expect(t.out()).toMatch(/\x1b\[[0-9;]+m(MEDIUM|HIGH|CRITICAL|LOW|INFO)\x1b\[0m/);
    expect(t.err()).toContain('scanning: ');
    expect(t.err().endsWith('\r\x1b[2K')).toBe(true);
    expect(t.out() + t.err()).not.toContain(token);
  });

  it('prints JSON and no progress into a pipe', async () => {
    const t = fakeIo({ out: false, err: false });
    expect(await runScan([dir], { workers: 0 }, t.io)).toBe(1);
    expect(JSON.parse(t.out()).findings).toHaveLength(1);
    expect(t.err()).toBe('');
  });

  it('--no-progress silences the progress line even on a terminal; NO_COLOR drops colours', async () => {
    const t = fakeIo({ out: true, err: true });
    t.io.env = { NO_COLOR: '1' };
    await runScan([dir], { workers: 0, progress: false }, t.io);
    expect(t.err()).toBe('');
    expect(t.out()).not.toContain('\x1b[');
  });

  it('--format overrides the terminal default', async () => {
    const t = fakeIo({ out: true, err: false });
    await runScan([dir], { workers: 0, format: 'jsonl' }, t.io);
    const lines = t.out().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1]!)).toHaveProperty('stats');
  });

  it('rejects invalid options with a usage error', async () => {
    const t = fakeIo({ out: false, err: false });
    await expect(runScan([dir], { workers: 0, format: 'xml' as never }, t.io)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(runScan([], { workers: 0 }, t.io)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(runScan(['-', '-'], { workers: 0 }, t.io)).rejects.toMatchObject({ code: 'USAGE' });
  });
});
