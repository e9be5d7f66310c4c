/**
 * The batch scan stage (`scanBatch`): a whole scan job scanned in memory and stored with ONE
 * `upsertMany`, with the same results single upserts give; poison chunks isolated; a store outage
 * fails the whole batch; a re-run stores nothing twice.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { fingerprint, SealingKey } from '../../src/core/secrets.js';
import type { Chunk, FindingObservation, UpsertResult } from '../../src/core/types.js';
import { scanBatch, type BatchSink } from '../../src/pipeline/scan-batch.js';
import { scanChunk, type ScanDeps } from '../../src/pipeline/scan-chunk.js';
import { buildScanDeps } from '../../src/pipeline/scan-deps.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { fakeSignedJwt, inHours } from '../support/jwt-factory.js';
import { githubPat } from '../support/token-factory.js';

const now = new Date();
const key = SealingKey.generate();

function slackChunk(i: number, text: string): Chunk {
  return { id: `slack-C0B-${i}`, source: 'slack-test', text, locator: { kind: 'slack', channel: 'C0B', ts: `1700000002.${String(i).padStart(6, '0')}`, path: 'C0B', line: 1, column: 1 } };
}

/** The store, counting its write calls. */
function counting(store: FindingStore): BatchSink & { calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    async upsertMany(obs) {
      calls.push(obs.length);
      return store.upsertMany(obs);
    },
  };
}

describe('scanBatch', () => {
  let store: FindingStore;
  let deps: ScanDeps;
  beforeEach(async () => {
    store = await createPgliteStore({ dataDir: 'memory://' });
    deps = buildScanDeps(resolveConfig({}, {}).config, { sink: store, sealingKey: key });
  });
  afterEach(async () => {
    await store.close();
  });

  it('stores a whole batch with one upsertMany and reports what one-by-one upserts would', async () => {
    const jwt = fakeSignedJwt({ iss: 'https://idp.example.test/', sub: 'svc-batch', exp: inHours(2) });
    const pat = githubPat();
    const chunks = [
      slackChunk(0, 'nothing to see here'),
      slackChunk(1, `deploy with ${jwt} please`),
      slackChunk(2, `and the PAT ${pat}`),
      slackChunk(3, `again: ${jwt}`), // the same token at a second place: a repeat within the batch
      slackChunk(4, 'still nothing'),
    ];
    const sink = counting(store);
    const out = await scanBatch(chunks, deps, sink, now);
    expect(sink.calls).toEqual([3]);
    expect(out.map((o) => o.chunk.id)).toEqual(chunks.map((c) => c.id));
    expect(out.every((o) => !o.error)).toBe(true);
    expect(out[0]!.result!.matches).toEqual([]);
    expect(out[1]!.result!.matches).toMatchObject([{ fingerprint: fingerprint(jwt), change: 'new', version: 1 }]);
    expect(out[2]!.result!.matches).toMatchObject([{ fingerprint: fingerprint(pat), change: 'new', version: 1 }]);
    // Seen again, at another place with the same visibility: unchanged, still version 1.
    expect(out[3]!.result!.matches).toMatchObject([{ fingerprint: fingerprint(jwt), change: 'unchanged', version: 1 }]);

    // The same chunks through scanChunk + single upserts on a fresh store give the same results.
    const other = await createPgliteStore({ dataDir: 'memory://' });
    try {
      const single = buildScanDeps(resolveConfig({}, {}).config, { sink: other, sealingKey: key });
      const one: unknown[] = [];
      for (const c of chunks) one.push((await scanChunk(c, single, now)).matches.map((m) => ({ fingerprint: m.fingerprint, change: m.change, version: m.version })));
      expect(out.map((o) => o.result!.matches.map((m) => ({ fingerprint: m.fingerprint, change: m.change, version: m.version })))).toEqual(one);
    } finally {
      await other.close();
    }

    const f = await store.getFinding(fingerprint(jwt));
    expect(f?.occurrences.map((o) => o.locator)).toMatchObject([{ ts: '1700000002.000001' }, { ts: '1700000002.000003' }]);
    // Kept sealed for revocation, as single upserts do.
    expect(await store.getSealedToken(fingerprint(jwt))).toMatchObject({ keyId: key.id });
  });

  it('re-running a batch (a worker killed after its commit) stores nothing twice and reports unchanged', async () => {
    const toks = Array.from({ length: 4 }, () => githubPat());
    const chunks = toks.map((t, i) => slackChunk(i, `token ${t}`));
    const first = await scanBatch(chunks, deps, store, now);
    const again = await scanBatch(chunks, deps, store, now);
    expect(first.flatMap((o) => o.result!.matches.map((m) => m.change))).toEqual(['new', 'new', 'new', 'new']);
    expect(again.flatMap((o) => o.result!.matches.map((m) => [m.change, m.version]))).toEqual(toks.map(() => ['unchanged', 1]));
    for (const t of toks) expect((await store.getFinding(fingerprint(t)))?.occurrences).toHaveLength(1);
  });

  it('splits a batch into upsertMany calls of at most maxPerUpsert observations, keeping chunks whole', async () => {
    const chunks = Array.from({ length: 5 }, (_, i) => slackChunk(i, `a ${githubPat()} b`));
    chunks.push(slackChunk(9, `two at once ${githubPat()} and ${githubPat()}`));
    const sink = counting(store);
    const out = await scanBatch(chunks, deps, sink, now, { maxPerUpsert: 2 });
    expect(sink.calls).toEqual([2, 2, 1, 2]);
    expect(out.flatMap((o) => o.result!.matches.map((m) => m.change))).toEqual(Array(7).fill('new'));
  });

  it.each(['PAYLOAD_INVALID', 'INTERNAL'] as const)('isolates the chunk whose observation the store refuses (%s); the others are stored', async (code) => {
    const bad = githubPat();
    const good = [githubPat(), githubPat()];
    const chunks = [slackChunk(0, `ok ${good[0]}`), slackChunk(1, `poison ${bad}`), slackChunk(2, `ok ${good[1]}`)];
    // A store that refuses any write containing the poison observation (as it refuses an
    // observation it cannot validate), all or nothing like upsertMany.
    const sink: BatchSink & { calls: number } = {
      calls: 0,
      async upsertMany(obs: readonly FindingObservation[]): Promise<UpsertResult[]> {
        sink.calls++;
        if (obs.some((o) => o.fingerprint === fingerprint(bad))) throw new TokenradiusError(code, 'observation refused');
        return store.upsertMany(obs);
      },
    };
    const out = await scanBatch(chunks, deps, sink, now);
    expect(out[1]!.error?.code).toBe(code);
    expect(out[1]!.result).toBeUndefined();
    expect(out[0]!.result!.matches).toMatchObject([{ fingerprint: fingerprint(good[0]!), change: 'new' }]);
    expect(out[2]!.result!.matches).toMatchObject([{ fingerprint: fingerprint(good[1]!), change: 'new' }]);
    expect(await store.getFinding(fingerprint(bad))).toBeNull();
    // The batch, then each chunk on its own.
    expect(sink.calls).toBe(4);
  });

  it('isolates a chunk that cannot be scanned without losing the rest of the batch', async () => {
    const pat = githubPat();
    const engine = deps.engine;
    const hostile: ScanDeps = {
      ...deps,
      engine: {
        scan(text) {
          // A detector that breaks its contract on one chunk: a match with no secret.
          if (text.includes('hostile')) return [{ ruleId: 'x', kind: 'credential', secret: undefined as unknown as string, start: 0, end: 1 }];
          return engine.scan(text);
        },
      },
    };
    const out = await scanBatch([slackChunk(0, 'hostile'), slackChunk(1, `fine ${pat}`)], hostile, store, now);
    expect(out[0]!.error).toBeInstanceOf(TokenradiusError);
    expect(out[1]!.result!.matches).toMatchObject([{ fingerprint: fingerprint(pat), change: 'new' }]);
  });

  it('throws (the whole batch is retried) when the store is unavailable, and stores nothing of it', async () => {
    const pat = githubPat();
    const down: BatchSink = {
      async upsertMany() {
        throw new TokenradiusError('STORE_UNAVAILABLE', 'database restarting');
      },
    };
    await expect(scanBatch([slackChunk(0, `x ${pat}`), slackChunk(1, 'y')], deps, down, now)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const readOnly: BatchSink = {
      async upsertMany() {
        throw new TokenradiusError('STORE_READ_ONLY', 'disk full');
      },
    };
    await expect(scanBatch([slackChunk(0, `x ${pat}`)], deps, readOnly, now)).rejects.toMatchObject({ code: 'STORE_READ_ONLY' });
    expect(await store.getFinding(fingerprint(pat))).toBeNull();
  });

  it('never calls the store for a batch without matches', async () => {
    const sink = counting(store);
    const out = await scanBatch([slackChunk(0, 'a'), slackChunk(1, 'b')], deps, sink, now);
    expect(sink.calls).toEqual([]);
    expect(out.map((o) => o.result!.matches)).toEqual([[], []]);
  });
});
