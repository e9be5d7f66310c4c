import { describe, expect, it } from 'vitest';
import { createAggregator } from '../../src/pipeline/aggregate.js';
import type { FindingObservation, Occurrence, Severity } from '../../src/core/types.js';
import { fp } from '../output/fixtures.js';

function obs(seed: string, score: number, severity: Severity, locator: Occurrence['locator'], extra: Partial<Occurrence> = {}): FindingObservation {
  return {
    fingerprint: fp(seed),
    rule: 'github-classic-pat',
    kind: 'credential',
    redacted: 'ghp_…',
    liveness: { state: score > 50 ? 'live' : 'unknown', checkedBy: ['temporal'] },
    blastRadius: { score, severity, factors: [{ id: 'x', points: score, reason: 'r' }] },
    occurrence: { source: 'files', locator, firstSeen: '2026-01-01T00:00:00.000Z', ...extra },
  };
}

const file = (path: string, line = 1, column = 1) => ({ kind: 'file' as const, path, line, column });

describe('aggregator', () => {
  it('makes one finding per token with every place it was seen, deduplicated by location', async () => {
    const agg = createAggregator();
    expect(await agg.upsert(obs('t', 40, 'medium', file('b.txt', 3)))).toEqual({ change: 'new', version: 1 });
    expect((await agg.upsert(obs('t', 40, 'medium', file('a.txt', 9)))).change).toBe('unchanged');
    expect((await agg.upsert(obs('t', 40, 'medium', file('b.txt', 3)))).change).toBe('unchanged');
    await agg.upsert(obs('u', 10, 'low', file('c.txt')));
    const [f, g] = agg.findings();
    expect(agg.size).toBe(2);
    expect(f!.occurrences.map((o) => o.locator.path)).toEqual(['a.txt', 'b.txt']);
    expect(g!.occurrences).toHaveLength(1);
  });

  it('keeps the worst assessment and reports it as worse', async () => {
    const agg = createAggregator();
    await agg.upsert(obs('t', 20, 'low', file('a.txt')));
    expect(await agg.upsert(obs('t', 80, 'high', file('b.txt')))).toEqual({ change: 'worse', version: 2 });
    expect((await agg.upsert(obs('t', 30, 'low', file('c.txt')))).change).toBe('unchanged');
    const [f] = agg.findings();
    expect(f!.blastRadius.score).toBe(80);
    expect(f!.liveness.state).toBe('live');
    expect(f!.occurrences).toHaveLength(3);
  });

  it('reports a wider exposure as changed', async () => {
    const agg = createAggregator();
    await agg.upsert(obs('t', 20, 'low', file('a.txt'), { exposure: { visibility: 'private' } }));
    expect((await agg.upsert(obs('t', 20, 'low', file('b.txt'), { exposure: { visibility: 'public' } }))).change).toBe('changed');
  });

  it('sorts by score desc and is independent of arrival order', async () => {
    const inputs = [obs('a', 10, 'low', file('z.txt')), obs('b', 90, 'critical', file('y.txt')), obs('c', 50, 'medium', file('x.txt')), obs('c', 50, 'medium', file('w.txt', 2))];
    const one = createAggregator();
    const two = createAggregator();
    for (const o of inputs) await one.upsert(o);
    for (const o of [...inputs].reverse()) await two.upsert(o);
    expect(one.findings().map((f) => f.blastRadius.score)).toEqual([90, 50, 10]);
    expect(JSON.stringify(one.findings())).toBe(JSON.stringify(two.findings()));
  });

  it('orders dated occurrences (git history) oldest first', async () => {
    const agg = createAggregator();
    const git = (commit: string) => ({ kind: 'git' as const, repo: 'r', commit, path: 'p', line: 1, column: 1 });
    await agg.upsert(obs('t', 20, 'low', git('new'), { at: '2025-06-01T00:00:00Z' }));
    await agg.upsert(obs('t', 20, 'low', git('old'), { at: '2024-01-01T00:00:00Z' }));
    expect(agg.findings()[0]!.occurrences.map((o) => (o.locator as { commit: string }).commit)).toEqual(['old', 'new']);
  });

  it('treats a Slack message text and its blocks copy at the same place as one occurrence', async () => {
    const agg = createAggregator();
    const slack = (field: string) => ({ kind: 'slack' as const, channel: 'C1', ts: '1.2', path: 'general/2024-01-01.json', line: 1, column: 5, field });
    await agg.upsert(obs('t', 20, 'low', slack('text')));
    await agg.upsert(obs('t', 20, 'low', slack('blocks')));
    expect(agg.findings()[0]!.occurrences).toHaveLength(1);
  });
});
