/**
 * `tokenradius serve` as a user runs it on a fresh machine (no Redis, no PostgreSQL): it listens,
 * reports ready (embedded store), generates its sealing key with 0600 permissions, writes JSON log
 * lines, and stops cleanly (exit 0) on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

describe.skipIf(!existsSync(CLI))('tokenradius serve (inline, embedded store)', () => {
  it('serves health, readiness and metrics, then shuts down gracefully on SIGTERM', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'tr-serve-')), 'data');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['REDIS_URL', 'DATABASE_URL', 'TOKENRADIUS_SEALING_KEY', 'TOKENRADIUS_CONFIG'].includes(k)) env[k] = v;
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setInterval(() => {
          const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
          if (m) {
            clearInterval(timer);
            resolveUrl(m[1]!);
          }
          if (child.exitCode !== null) {
            clearInterval(timer);
            reject(new Error(`serve exited early: ${out.slice(-500)}`));
          }
        }, 50);
      });
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready', checks: { store: 'ok' } });
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('tokenradius_process_resident_memory_bytes');
      expect(statSync(join(dataDir, 'sealing.key')).mode & 0o777).toBe(0o600);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const lines = out.trim().split('\n');
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(out).toContain('"msg":"stopped"');
  }, 180_000);
});
