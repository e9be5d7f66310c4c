import { describe, expect, it } from 'vitest';
import { createInlineRunner } from '../../src/pipeline/runner-inline.js';
import type { StageHandlers } from '../../src/pipeline/stages.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { chunk, randomFingerprint } from './helpers.js';

function handlers(over: Partial<StageHandlers> = {}) {
  const scanned: string[] = [];
  const acted: string[] = [];
  const fps = new Map<string, string>();
  const h: StageHandlers = {
    async scanChunk(c) {
      scanned.push(c.id);
      const fp = fps.get(c.text) ?? randomFingerprint();
      const change = fps.has(c.text) ? 'unchanged' : 'new';
      fps.set(c.text, fp);
      return [{ fingerprint: fp, change, version: 1, severity: 'high' }];
    },
    async act(i) {
      acted.push(i.fingerprint);
    },
    async poll(input, ctx) {
      await ctx.submitBatch([chunk(`${input.sourceId}-1`, 'p1'), chunk(`${input.sourceId}-2`, 'p2')]);
    },
    ...over,
  };
  return { h, scanned, acted };
}

describe('inline runner', () => {
  it('scans submitted chunks in order and acts only on new/worse/changed findings', async () => {
    const { h, scanned, acted } = handlers();
    const r = createInlineRunner({ handlers: h, sources: [], logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    await r.submitChunks([chunk('a', 'tok-1'), chunk('b', 'tok-2'), chunk('c', 'tok-1')]);
    await r.drain();
    expect(scanned).toEqual(['a', 'b', 'c']);
    expect(acted).toHaveLength(2); // the repeat of tok-1 is `unchanged`
    await r.close();
  });

  it('drops a poison chunk, retries transient failures, and keeps going', async () => {
    let flaky = 0;
    const { h, scanned } = handlers({
      async scanChunk(c) {
        if (c.id === 'poison') throw new TokenradiusError('INPUT_MALFORMED', 'bad');
        if (c.id === 'flaky' && flaky++ < 2) throw new TokenradiusError('STORE_UNAVAILABLE', 'restarting');
        scanned.push(c.id);
        return [];
      },
    });
    const metrics = createMetrics({ defaultMetrics: false });
    const r = createInlineRunner({ handlers: h, sources: [], logger: silentLogger(), metrics, backoffMs: 5 });
    await r.submitChunks([chunk('a', 'x'), chunk('poison', 'y'), chunk('flaky', 'z'), chunk('b', 'w')]);
    await r.drain();
    expect(scanned).toEqual(['a', 'flaky', 'b']);
    const text = await metrics.render();
    expect(text).toContain('tokenradius_jobs_failed_total{queue="scan",code="INPUT_MALFORMED"} 1');
    expect(text).toContain('tokenradius_jobs_failed_total{queue="scan",code="STORE_UNAVAILABLE"} 2');
    await r.close();
  });

  it('refuses work beyond its bound with QUEUE_UNAVAILABLE (the HTTP layer answers 503)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { h } = handlers({
      async scanChunk() {
        await gate;
        return [];
      },
    });
    const r = createInlineRunner({ handlers: h, sources: [], logger: silentLogger(), maxPendingChunks: 2 });
    await r.submitChunks([chunk('a', '1')]);
    await r.submitChunks([chunk('b', '2'), chunk('c', '3')]);
    await expect(r.submitChunks([chunk('d', '4'), chunk('e', '5')])).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
    release();
    await r.drain();
    await r.close();
    await expect(r.submitChunks([chunk('f', '6')])).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE' });
  });

  it('polls configured sources on request and on their schedule, one run per source at a time', async () => {
    let polls = 0;
    const { h, scanned } = handlers({
      async poll(input, ctx) {
        polls++;
        await ctx.submitBatch([chunk(`${input.sourceId}-${polls}`, `t${polls}`)]);
      },
    });
    const r = createInlineRunner({ handlers: h, sources: [{ id: 'every-second', schedule: '* * * * * *' }, { id: 'manual' }], logger: silentLogger() });
    await expect(r.requestPoll('unknown')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const [p1, p2] = [r.runPoll({ sourceId: 'manual' }), r.runPoll({ sourceId: 'manual' })];
    expect(p1).toBe(p2); // coalesced
    await p1;
    r.start();
    const until = Date.now() + 20_000;
    while (!scanned.some((id) => id.startsWith('every-second')) && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    expect(scanned.some((id) => id.startsWith('every-second'))).toBe(true);
    await r.close();
  });

  it('runs a poll with its own `since` beside a running backfill of the same source; identical requests coalesce', async () => {
    // A scheduled backfill of slack-main is running (held at a gate) when a `file_shared` event asks
    // for one file of the same source: that file must be fetched, not swallowed by the backfill.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const runs: Array<string | undefined> = [];
    const { h, scanned } = handlers({
      async poll(input, ctx) {
        runs.push(input.since);
        if (!input.since) await gate;
        await ctx.submitBatch([chunk(`${input.sourceId}-${input.since ?? 'backfill'}`, `t-${input.since ?? 'b'}`)]);
      },
    });
    const r = createInlineRunner({ handlers: h, sources: [{ id: 'slack-main' }], logger: silentLogger() });
    const backfill = r.runPoll({ sourceId: 'slack-main', reason: 'schedule' });
    const file = r.runPoll({ sourceId: 'slack-main', since: 'file:F0FILE1', reason: 'webhook' });
    expect(file).not.toBe(backfill);
    expect(r.runPoll({ sourceId: 'slack-main', since: 'file:F0FILE1', reason: 'webhook' })).toBe(file);
    expect(r.runPoll({ sourceId: 'slack-main', reason: 'manual' })).toBe(backfill);
    await file;
    // The file was fetched and scanned while the backfill still runs.
    expect(scanned).toEqual(['slack-main-file:F0FILE1']);
    await r.requestPoll('slack-main', { since: 'file:F0FILE2', reason: 'webhook' });
    await new Promise((res) => setTimeout(res, 0));
    release();
    await backfill;
    await r.drain();
    expect(runs.map((x) => x ?? '(stored cursor)').sort()).toEqual(['(stored cursor)', 'file:F0FILE1', 'file:F0FILE2']);
    expect(scanned.sort()).toEqual(['slack-main-backfill', 'slack-main-file:F0FILE1', 'slack-main-file:F0FILE2']);
    await r.close();
  });

  it('scans in batches with scanBatch (one store write per batch) and retries a poison chunk alone', async () => {
    const batches: string[][] = [];
    const single: string[] = [];
    const { h, acted } = handlers({
      async scanBatch(cs) {
        batches.push(cs.map((c) => c.id));
        return cs.map((c) =>
          c.id === 'poison'
            ? { error: new TokenradiusError('PAYLOAD_INVALID', 'refused by the store') }
            : { results: [{ fingerprint: `sha256:${c.id.padEnd(64, '0')}`, change: 'new' as const, version: 1 }] },
        );
      },
      async scanChunk(c) {
        single.push(c.id);
        if (c.id === 'poison') throw new TokenradiusError('PAYLOAD_INVALID', 'refused by the store');
        return [];
      },
    });
    const metrics = createMetrics({ defaultMetrics: false });
    const r = createInlineRunner({ handlers: h, sources: [], logger: silentLogger(), metrics, batchSize: 2 });
    await r.submitChunks([chunk('a', '1'), chunk('poison', '2'), chunk('c', '3'), chunk('d', '4'), chunk('e', '5')]);
    await r.drain();
    expect(batches).toEqual([
      ['a', 'poison'],
      ['c', 'd'],
    ]);
    // The poison chunk alone (and dropped: `never`), the lone last chunk the single-chunk way.
    expect(single).toEqual(['poison', 'e']);
    expect(acted).toHaveLength(3);
    expect(await metrics.render()).toContain('tokenradius_chunks_failed_total{source="test-src",code="DROPPED"} 1');
    await r.close();
  });

  it('acts on every finding of a batch that was stored in part before a retried failure (nothing lost)', async () => {
    // An idempotent store: a finding is `new` the first time only. The first attempt stores the
    // first chunk's finding, then the database goes away; the retry then sees it as `unchanged`.
    const stored = new Map<string, number>();
    const fpOf = new Map<string, string>();
    let attempt = 0;
    const upsert = (text: string) => {
      const fp = fpOf.get(text) ?? randomFingerprint();
      fpOf.set(text, fp);
      const change = stored.has(fp) ? ('unchanged' as const) : ('new' as const);
      stored.set(fp, 1);
      return { fingerprint: fp, change, version: 1 };
    };
    const { h, acted } = handlers({
      async scanBatch(cs) {
        attempt++;
        if (attempt === 1) {
          upsert(cs[0]!.text);
          throw new TokenradiusError('STORE_UNAVAILABLE', 'connection lost after the first group');
        }
        return cs.map((c) => ({ results: [upsert(c.text)] }));
      },
    });
    const r = createInlineRunner({ handlers: h, sources: [], logger: silentLogger(), backoffMs: 5, batchSize: 3 });
    await r.submitChunks([chunk('a', 'tok-a'), chunk('b', 'tok-b'), chunk('c', 'tok-a')]);
    await r.drain();
    expect(attempt).toBe(2);
    // tok-a (stored by the failed attempt, twice in the batch) and tok-b: each acted on once.
    expect(acted.sort()).toEqual([fpOf.get('tok-a'), fpOf.get('tok-b')].sort());
    await r.close();
  });

  it('runs maintenance at start and periodically, survives a failing run, and stops on close', async () => {
    let runs = 0;
    const { h } = handlers({
      async maintain() {
        runs++;
        if (runs === 2) throw new TokenradiusError('STORE_UNAVAILABLE', 'database restarting');
        return { sealedTokens: runs, deliveries: 0 };
      },
    });
    const metrics = createMetrics({ defaultMetrics: false });
    const r = createInlineRunner({ handlers: h, sources: [], logger: silentLogger(), metrics, maintenanceEveryMs: 30 });
    expect(runs).toBe(0); // nothing before start()
    r.start();
    const until = Date.now() + 20_000;
    while (runs < 4 && Date.now() < until) await new Promise((res) => setTimeout(res, 10));
    expect(runs).toBeGreaterThanOrEqual(4);
    const text = await metrics.render();
    expect(text).toContain('tokenradius_jobs_failed_total{queue="maintenance",code="STORE_UNAVAILABLE"} 1');
    expect(text).toMatch(/tokenradius_jobs_processed_total\{queue="maintenance"\} [3-9]/);
    await r.close();
    const after = runs;
    await new Promise((res) => setTimeout(res, 120));
    expect(runs).toBe(after);
  });

  it('never runs maintenance when its interval is 0', async () => {
    let runs = 0;
    const { h } = handlers({
      async maintain() {
        runs++;
        return { sealedTokens: 0, deliveries: 0 };
      },
    });
    const r = createInlineRunner({ handlers: h, sources: [], logger: silentLogger(), maintenanceEveryMs: 0 });
    r.start();
    await new Promise((res) => setTimeout(res, 50));
    expect(runs).toBe(0);
    // On request it still runs (e.g. an operator's `doctor`).
    expect(await r.runMaintenance()).toEqual({ sealedTokens: 0, deliveries: 0 });
    await r.close();
  });
});

