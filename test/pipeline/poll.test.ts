import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollSource } from '../../src/pipeline/poll.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import type { Chunk } from '../../src/core/types.js';
import { chunk, scriptedSource } from './helpers.js';

describe('poll (backfill) stage', () => {
  let store: FindingStore;
  beforeAll(async () => {
    store = await createPgliteStore({ dataDir: 'memory://' });
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });
  const deps = () => ({ cursors: store, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), batchSize: 3, batchMaxBytes: 1 << 20 });
  const chunks = Array.from({ length: 10 }, (_, i) => chunk(`m${i}`, `message ${i}`));

  it('hands chunks on in batches and stores the cursor after each accepted batch', async () => {
    const batches: string[][] = [];
    const cursorsSeen: Array<string | null> = [];
    const summary = await pollSource(
      scriptedSource('src-a', chunks),
      async (b) => {
        // The cursor must not have moved past this batch before it is accepted.
        cursorsSeen.push(await store.getCursor('src-a'));
        batches.push(b.map((c) => c.id));
      },
      deps(),
      { signal: new AbortController().signal },
    );
    expect(batches).toEqual([['m0', 'm1', 'm2'], ['m3', 'm4', 'm5'], ['m6', 'm7', 'm8'], ['m9']]);
    expect(cursorsSeen).toEqual([null, '3', '6', '9']);
    expect(summary).toMatchObject({ chunks: 10, batches: 4, cursor: '10', aborted: false });
    expect(await store.getCursor('src-a')).toBe('10');
  });

  it('resumes after a crash from the last accepted batch: no gap, repeats only after the cursor', async () => {
    const seen: string[] = [];
    const pulls: Array<string | undefined> = [];
    const source = scriptedSource('src-b', chunks, { failAt: 7, pulls });
    const submit = async (b: Chunk[]) => {
      seen.push(...b.map((c) => c.id));
    };
    await expect(pollSource(source, submit, deps(), { signal: new AbortController().signal })).rejects.toThrow();
    expect(await store.getCursor('src-b')).toBe('6');
    await pollSource(source, submit, deps(), { signal: new AbortController().signal });
    expect(pulls).toEqual([undefined, '6']);
    expect(new Set(seen)).toEqual(new Set(chunks.map((c) => c.id)));
    expect(await store.getCursor('src-b')).toBe('10');
  });

  it('does not advance the cursor when handing a batch on fails, and honours --since', async () => {
    let calls = 0;
    const failing = async () => {
      if (++calls === 2) throw new Error('queue down');
    };
    await expect(pollSource(scriptedSource('src-c', chunks), failing, deps(), { signal: new AbortController().signal })).rejects.toThrow('queue down');
    expect(await store.getCursor('src-c')).toBe('3');
    const got: string[] = [];
    await pollSource(scriptedSource('src-c', chunks), async (b) => void got.push(...b.map((c) => c.id)), deps(), { since: '8', signal: new AbortController().signal });
    expect(got).toEqual(['m8', 'm9']);
  });

  it('stops early when aborted, keeping what was accepted', async () => {
    const ac = new AbortController();
    const got: string[] = [];
    const summary = await pollSource(
      scriptedSource('src-d', chunks),
      async (b) => {
        got.push(...b.map((c) => c.id));
        ac.abort();
      },
      deps(),
      { signal: ac.signal },
    );
    expect(summary.aborted).toBe(true);
    expect(got.length).toBeLessThan(10);
    expect(await store.getCursor('src-d')).toBe(String(got.length));
  });
});
