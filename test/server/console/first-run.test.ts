/**
 * First run of `tokenradius serve` on embedded defaults: a one-time admin key (printed on a
 * terminal, written to a 0600 file otherwise — never into JSON logs), the demo loaded into an empty
 * embedded store so the console has findings at once; nothing of that on the second start, with
 * `--no-demo` / `console.demo: false`, or on a shared PostgreSQL store.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import type { ConfigInput } from '../../../src/config/schema.js';
import { SEVERITY_ORDER } from '../../../src/core/types.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { startService, type RunningService } from '../../../src/pipeline/service.js';
import { ADMIN_KEY_FILE, firstRun } from '../../../src/demo/first-run.js';
import { FIRST_RUN_LABEL } from '../../../src/server/auth/bootstrap.js';
import { POSTGRES_URL, requireServices, testId } from '../../support/services.js';

function terminal(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = isTTY;
  let text = '';
  stream.on('data', (d) => (text += String(d)));
  return { stream, text: () => text };
}

async function serve(dataDir: string, config: ConfigInput = {}, env: Record<string, string> = {}): Promise<RunningService> {
  return startService(resolveConfig(config, env), { http: true, roles: [], host: '127.0.0.1', port: 0, dataDir, deps: { logger: silentLogger() } });
}

const services: RunningService[] = [];
afterAll(async () => {
  for (const s of services) await s.close().catch(() => undefined);
});

describe('serve first run (embedded store)', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'tr-first-')), 'data');

  it('prints a one-time admin key on a terminal and loads the demo into the empty store', async () => {
    const service = await serve(dataDir);
    services.push(service);
    const out = terminal(true);
    const first = await firstRun(service, { demo: true, dataDir, stdout: out.stream });
    const key = /^ {4}(trk_\S+)$/m.exec(out.text())?.[1];
    expect(key).toBeDefined();
    expect(out.text()).toContain(`tokenradius console: ${service.url!.replace('127.0.0.1', 'localhost')}/console/`);
    expect(out.text()).toContain('Loading the demo');
    expect(await service.deps.store.verifyApiKey(key!)).toMatchObject({ role: 'admin', label: FIRST_RUN_LABEL });
    const demo = await first.demo;
    expect(demo).not.toBeNull();
    for (const s of SEVERITY_ORDER) expect(demo!.bySeverity[s]).toBeGreaterThan(0);
    // the console shows them to the new admin
    const res = await fetch(`${service.url}/api/v1/stats`, { headers: { authorization: `Bearer ${key}` } });
    const stats = (await res.json()) as { open: { total: number } };
    expect(stats.open.total).toBe(demo!.findings);
    await service.close();
    services.pop();
  });

  it('does nothing the second time: an admin key exists and the store has findings', async () => {
    const service = await serve(dataDir);
    services.push(service);
    const out = terminal(true);
    const first = await firstRun(service, { demo: true, dataDir, stdout: out.stream });
    expect(out.text()).toBe('');
    expect(await first.demo).toBeNull();
    expect((await service.deps.store.listApiKeys()).filter((k) => k.role === 'admin')).toHaveLength(1);
    await service.close();
    services.pop();
  });
});

describe('serve first run without a terminal', () => {
  it('writes the key to a 0600 file instead of printing it, and skips the demo when asked', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'tr-first-')), 'data');
    const service = await serve(dataDir);
    services.push(service);
    const out = terminal(false);
    const first = await firstRun(service, { demo: false, dataDir, stdout: out.stream });
    expect(out.text()).toBe('');
    expect(await first.demo).toBeNull();
    const file = join(dataDir, ADMIN_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readFileSync(file, 'utf8').trim();
    expect(await service.deps.store.verifyApiKey(key)).toMatchObject({ role: 'admin' });
    expect((await service.deps.store.listFindings({ limit: 1 })).items).toEqual([]);
  });

  it('honours console.demo: false in the configuration', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'tr-first-')), 'data');
    const service = await serve(dataDir, { console: { demo: false } });
    services.push(service);
    const first = await firstRun(service, { demo: true, dataDir, stdout: terminal(true).stream });
    expect(await first.demo).toBeNull();
  });
});

const pgsvc = await requireServices('postgres');

describe.skipIf(pgsvc.skip)('serve first run on PostgreSQL', () => {
  const schema = testId('first_run');
  afterAll(async () => {
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  it('never loads demo data into a shared store', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'tr-first-')), 'data');
    const service = await serve(dataDir, { store: { schema } }, { DATABASE_URL: POSTGRES_URL });
    services.push(service);
    const out = terminal(true);
    const first = await firstRun(service, { demo: true, dataDir, stdout: out.stream });
    expect(await first.demo).toBeNull();
    expect(out.text()).toMatch(/^ {4}trk_/m);
    expect(out.text()).not.toContain('Loading the demo');
    expect((await service.deps.store.listFindings({ limit: 1 })).items).toEqual([]);
  });
});
