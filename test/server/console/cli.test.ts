/**
 * The built CLI as users and scripts run it: `keys create` writes the key and nothing else to
 * stdout (`KEY=$(tokenradius keys create --role viewer)`), `keys list` never shows a key, and
 * `serve` on a fresh data directory without a terminal keeps its stdout pure JSON log lines while
 * leaving the first-run admin key in a 0600 file — a key that then signs in to the console.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_KEY_PATTERN } from '../../../src/store/api-keys.js';

const CLI = resolve(import.meta.dirname, '../../../dist/src/cli/main.js');

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !['REDIS_URL', 'DATABASE_URL', 'TOKENRADIUS_SEALING_KEY', 'TOKENRADIUS_CONFIG'].includes(k)) env[k] = v;
  return env;
}

describe.skipIf(!existsSync(CLI))('tokenradius keys (built CLI)', () => {
  it('prints only the key on stdout, exit 0', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'tr-cli-keys-')), 'data');
    const r = spawnSync(process.execPath, [CLI, 'keys', 'create', '--role', 'responder', '--label', 'oncall', '--data-dir', dataDir], { env: cleanEnv(), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${API_KEY_PATTERN.source.slice(1, -1)}\\n$`));
    expect(r.stderr).not.toContain(r.stdout.trim());
    const list = spawnSync(process.execPath, [CLI, 'keys', 'list', '--data-dir', dataDir], { env: cleanEnv(), encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('responder');
    expect(list.stdout).toContain('oncall');
    expect(list.stdout).not.toContain(r.stdout.trim().slice(17));
    const bad = spawnSync(process.execPath, [CLI, 'keys', 'create', '--role', 'superuser', '--data-dir', dataDir], { env: cleanEnv(), encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
  });
});

describe.skipIf(!existsSync(CLI))('tokenradius serve first run (built CLI, no terminal)', () => {
  it('keeps stdout to JSON log lines and leaves the admin key in a 0600 file that signs in', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'tr-cli-serve-')), 'data');
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--no-demo'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setInterval(() => {
          const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
          if (m && out.includes('first run: an admin API key was written')) {
            clearInterval(timer);
            resolveUrl(m[1]!);
          }
          if (child.exitCode !== null) {
            clearInterval(timer);
            reject(new Error(`serve exited early: ${out.slice(-500)}`));
          }
        }, 50);
      });
      const file = join(dataDir, 'first-run-admin.key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = readFileSync(file, 'utf8').trim();
      expect(key).toMatch(API_KEY_PATTERN);
      expect(out).not.toContain(key);
      const me = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
      expect(await me.json()).toMatchObject({ role: 'admin', label: 'first-run admin' });
      const page = await fetch(`${url}/console/`, { redirect: 'manual' });
      expect(page.status).toBe(303);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    for (const l of out.trim().split('\n')) expect(() => JSON.parse(l)).not.toThrow();
  }, 180_000);
});
