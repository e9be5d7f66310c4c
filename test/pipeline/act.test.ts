import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { act, alertKey, type AlertSink } from '../../src/pipeline/act.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore, StoredFinding } from '../../src/store/types.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { observation, randomFingerprint } from './helpers.js';

function recordingSink(id = 'test-sink', fail = false): AlertSink & { seen: StoredFinding[] } {
  const seen: StoredFinding[] = [];
  return {
    id,
    seen,
    async notify(f) {
      if (fail) throw new TokenradiusError('UPSTREAM_UNAVAILABLE', 'sink down');
      seen.push(f);
    },
  };
}

describe('act stage', () => {
  let store: FindingStore;
  // One embedded store for the file (opening PGlite is slow); random fingerprints keep tests apart.
  beforeAll(async () => {
    store = await createPgliteStore({ dataDir: 'memory://' });
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  it('alerts each sink once per finding version, however often (and however concurrently) it runs', async () => {
    const fp = randomFingerprint();
    const { version } = await store.upsert(observation(fp));
    const a = recordingSink('sink-a');
    const b = recordingSink('sink-b');
    const results = await Promise.all(Array.from({ length: 5 }, () => act({ fingerprint: fp, version }, { store, sinks: [a, b] })));
    expect(a.seen).toHaveLength(1);
    expect(b.seen).toHaveLength(1);
    expect(results.flatMap((r) => r.alerts).filter((x) => x.outcome === 'sent')).toHaveLength(2);
    // The sink got the stored finding: fingerprint and preview, no raw token field.
    expect(a.seen[0]).toMatchObject({ fingerprint: fp, redacted: expect.stringContaining('…') });
    const actions = await store.listActions(fp);
    expect(actions.items.map((x) => [x.key, x.status]).sort()).toEqual([
      [alertKey('sink-a', fp, version), 'succeeded'],
      [alertKey('sink-b', fp, version), 'succeeded'],
    ]);

    // Worse: a new version alerts again.
    const worse = await store.upsert(observation(fp, 'critical', '2026-01-02T00:00:00.000Z'));
    expect(worse.change).toBe('worse');
    await act({ fingerprint: fp, version: worse.version }, { store, sinks: [a] });
    expect(a.seen).toHaveLength(2);
    // The stale job for the old version is superseded, not re-sent.
    expect((await act({ fingerprint: fp, version }, { store, sinks: [a] })).outcome).toBe('superseded');
    expect(a.seen).toHaveLength(2);
  });

  it('with no sinks records exactly one audit line per finding version', async () => {
    const fp = randomFingerprint();
    const { version } = await store.upsert(observation(fp));
    for (let i = 0; i < 3; i++) expect((await act({ fingerprint: fp, version }, { store, sinks: [] })).outcome).toBe('no-sinks');
    const audit = await store.listAudit({ fingerprint: fp });
    expect(audit.items.filter((e) => e.action === 'finding.alert-skipped')).toHaveLength(1);
    expect((await store.listActions(fp)).items).toHaveLength(0);
  });

  it('records a failing sink as a failed action without its message, and does not alert suppressed findings', async () => {
    const fp = randomFingerprint();
    const { version } = await store.upsert(observation(fp));
    const r = await act({ fingerprint: fp, version }, { store, sinks: [recordingSink('down', true)] });
    expect(r.alerts).toEqual([{ sink: 'down', outcome: 'failed' }]);
    const [action] = (await store.listActions(fp)).items;
    expect(action).toMatchObject({ status: 'failed', reason: 'sink down failed (UPSTREAM_UNAVAILABLE)' });

    const fp2 = randomFingerprint();
    const v2 = await store.upsert(observation(fp2));
    await store.markFalsePositive(fp2, 'test data', 'user:alice');
    const sink = recordingSink();
    expect((await act({ fingerprint: fp2, version: v2.version }, { store, sinks: [sink] })).outcome).toBe('suppressed');
    expect(sink.seen).toHaveLength(0);
    expect((await act({ fingerprint: randomFingerprint(), version: 1 }, { store, sinks: [sink] })).outcome).toBe('missing');
  });
});
