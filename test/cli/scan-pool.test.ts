/**
 * The worker pool with stand-in worker scripts (written at test time): results flow back, back
 * pressure holds, and a worker that dies loses only its own batch — the scan goes on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createScanPool } from '../../src/cli/parallel/pool.js';
import type { BatchResult, WorkItem } from '../../src/cli/parallel/protocol.js';
import { removeDir, tempDir } from '../support/fixtures-git.js';

const dir = tempDir('tr-pool');
afterAll(() => removeDir(dir));

/**
 * A worker that, like the real one, runs batches one after another; answers each with
 * `files = number of files`, and dies on a file named "crash".
 */
const script = `
import { parentPort } from 'node:worker_threads';
let queue = Promise.resolve();
parentPort.on('message', (m) => {
  queue = queue.then(async () => {
    await new Promise((r) => setTimeout(r, 5));
    if (m.item.paths.includes('crash')) process.exit(7);
    parentPort.postMessage({ type: 'done', id: m.id, result: { observations: [], notices: [], errors: [], files: m.item.paths.length, chunks: 0, bytes: 0, skipped: 0 } });
  });
});
parentPort.postMessage({ type: 'ready' });
`;
const workerUrl = pathToFileURL(join(dir, 'fake-worker.mjs'));
writeFileSync(workerUrl, script);

const item = (...paths: string[]): WorkItem => ({ kind: 'files', paths, readOptions: { maxFileBytes: 1, chunkBytes: 4096, chunkOverlapBytes: 0 } });

describe('scan worker pool', () => {
  it('runs every batch and waits for all of them on close', async () => {
    const results: BatchResult[] = [];
    const pool = createScanPool({ size: 2, init: { config: {} as never, now: new Date().toISOString() }, onResult: (r) => results.push(r), workerUrl });
    for (let i = 0; i < 20; i++) await pool.submit(item('a', 'b'));
    await pool.close();
    expect(results).toHaveLength(20);
    expect(results.reduce((n, r) => n + r.files, 0)).toBe(40);
  });

  it('reports the batch of a worker that died and keeps scanning with a new one', async () => {
    const results: BatchResult[] = [];
    const pool = createScanPool({ size: 1, init: { config: {} as never, now: new Date().toISOString() }, onResult: (r) => results.push(r), workerUrl });
    await pool.submit(item('a'));
    await pool.submit(item('crash', 'x', 'y'));
    for (let i = 0; i < 5; i++) await pool.submit(item('b'));
    await pool.close();
    const lost = results.filter((r) => r.errors.length > 0);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.errors[0]).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('3 files of its batch were not scanned') });
    expect(lost[0]!.skipped).toBe(3);
    expect(results.filter((r) => r.errors.length === 0).reduce((n, r) => n + r.files, 0)).toBe(6);
  });
});

describe('scan worker pool whose workers cannot start', () => {
  const brokenUrl = pathToFileURL(join(dir, 'broken-worker.mjs'));
  writeFileSync(brokenUrl, `throw new Error('cannot load');\n`);

  it('gives up after a few deaths and hands every batch back, none lost', async () => {
    const results: BatchResult[] = [];
    const orphans: WorkItem[] = [];
    const pool = createScanPool({ size: 1, init: { config: {} as never, now: new Date().toISOString() }, onResult: (r) => results.push(r), onOrphans: (o) => orphans.push(...o), workerUrl: brokenUrl });
    await pool.submit(item('a'));
    await pool.submit(item('b', 'c'));
    // Later batches are refused at once (the caller scans them itself) or handed back.
    for (let i = 0; i < 5 && pool.offer(item('d')); i++) await new Promise((r) => setTimeout(r, 50));
    await pool.close();
    const back = orphans.flatMap((o) => (o.kind === 'files' ? o.paths : []));
    expect(back).toEqual(expect.arrayContaining(['a', 'b', 'c']));
    expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
    expect(pool.offer(item('e'))).toBe(false);
  });
});
