/**
 * The bundled demo: a generated Slack export and git repository whose planted tokens (built at run
 * time) span every severity, scanned through the normal pipeline into the store — and not one of
 * those tokens is stored raw anywhere in the database.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { createDefaultEngine } from '../../../src/detect/index.js';
import { buildDeps, type PipelineDeps } from '../../../src/pipeline/deps.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { openStore } from '../../../src/store/open.js';
import { runDemo, storeIsEmpty, type DemoResult } from '../../../src/demo/index.js';
import { SEVERITY_ORDER } from '../../../src/core/types.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === '.git' ? [] : filesUnder(join(dir, e.name))) : [join(dir, e.name)]));
}

describe('tokenradius demo', () => {
  let deps: PipelineDeps;
  let dataDir: string;
  let result: DemoResult;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tr-demo-'));
    const loaded = resolveConfig({}, {});
    deps = await buildDeps(loaded, { logger: silentLogger(), dataDir, store: await openStore({ dataDir: 'memory://' }) });
    expect(await storeIsEmpty(deps.store)).toBe(true);
    result = await runDemo(dataDir, { handlers: deps.handlers, store: deps.store, scan: loaded.config.scan });
  });
  afterAll(async () => {
    await deps?.close();
  });

  it('plants findings of every severity, from the Slack export and from git history', async () => {
    expect(result.gitSkipped).toBeUndefined();
    for (const s of SEVERITY_ORDER) expect(result.bySeverity[s], s).toBeGreaterThan(0);
    const all = (await deps.store.listFindings({ limit: 500 })).items;
    expect(all.length).toBe(result.findings);
    expect(new Set(all.flatMap((f) => f.sources))).toEqual(new Set(['slack-export', 'git']));
    const critical = all.filter((f) => f.blastRadius.severity === 'critical');
    expect(critical.some((f) => f.widestVisibility === 'shared-external')).toBe(true);
    expect(await storeIsEmpty(deps.store)).toBe(false);
  });

  it('keeps a leaked .env in git history after it was "removed"', () => {
    const repo = join(result.dir, 'billing-api');
    const log = execFileSync('git', ['log', '--format=%s'], { cwd: repo, encoding: 'utf8' });
    expect(log).toContain('remove .env (oops)');
    expect(() => statSync(join(repo, '.env'))).toThrow();
  });

  it('stores none of the planted tokens raw (only fingerprints, previews and sealed blobs)', async () => {
    const engine = createDefaultEngine(resolveConfig({}, {}).config.detect);
    const planted = new Set<string>();
    for (const f of filesUnder(result.dir)) for (const m of engine.scan(readFileSync(f, 'utf8'))) planted.add(m.secret);
    const history = execFileSync('git', ['log', '-p', '--all'], { cwd: join(result.dir, 'billing-api'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    for (const m of engine.scan(history)) planted.add(m.secret);
    expect(planted.size).toBeGreaterThanOrEqual(result.findings);
    let dump = '';
    for await (const t of deps.store.dumpTables()) dump += `${t.table}\n${t.rows.join('\n')}\n`;
    for (const secret of planted) expect(dump.includes(secret), `${secret.slice(0, 8)}… stored raw`).toBe(false);
  });
});
