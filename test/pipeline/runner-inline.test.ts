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
});
