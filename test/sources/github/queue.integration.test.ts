/**
 * The GitHub source as BullMQ poll jobs against the real Redis (random prefix per test): a
 * secondary rate limit pauses the poll queue for its retry-after (octokit does not sleep in the
 * job) and the job completes later from the commit where it stopped — no gap, no chunk handed on
 * twice; a source with an invalid token fails at once while another source completes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig, type LoadedConfig } from '../../../src/config/load.js';
import { SealingKey } from '../../../src/core/secrets.js';
import type { Chunk } from '../../../src/core/types.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { pollSource } from '../../../src/pipeline/poll.js';
import type { StageHandlers } from '../../../src/pipeline/stages.js';
import { QueueOptionsSchema } from '../../../src/queue/options.js';
import { createQueueTransport, type QueueTransport, type RunningWorkers } from '../../../src/queue/transport.js';
import { createSource, findSourceConfig } from '../../../src/sources/registry.js';
import { STATUS_SCOPE } from '../../../src/sources/connector.js';
import { createPgliteStore } from '../../../src/store/pglite.js';
import type { FindingStore } from '../../../src/store/types.js';
import { startFakeGithub, type FakeGithub } from '../../support/fake-github.js';
import { deletePrefix } from '../../support/redis-process.js';
import { REDIS_URL, requireServices, testId } from '../../support/services.js';
import { expectPlaces, seedGithub, TOKEN_ENV } from './helpers.js';

const svc = await requireServices('redis');

async function until(cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

describe.skipIf(svc.skip)('github source on BullMQ', () => {
  let prefix = '';
  let transport: QueueTransport | undefined;
  let workers: RunningWorkers | undefined;
  let store: FindingStore | undefined;
  let gh: FakeGithub | undefined;

  afterEach(async () => {
    await workers?.close();
    await transport?.close();
    await store?.close();
    await gh?.close();
    if (prefix) await deletePrefix(REDIS_URL, prefix);
    workers = transport = store = gh = undefined;
  });

  async function start(loaded: LoadedConfig) {
    prefix = testId('trg');
    store = await createPgliteStore({ dataDir: 'memory://' });
    const options = QueueOptionsSchema.parse({ prefix, attempts: 3, backoffMs: 50, batchSize: 3 });
    transport = createQueueTransport({ redisUrl: REDIS_URL, options, sealingKey: SealingKey.generate(), logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    const scanned: Chunk[] = [];
    const polls: Array<{ sourceId: string; outcome: string }> = [];
    const s = store;
    const handlers: StageHandlers = {
      async scanChunk(chunk) {
        scanned.push(chunk);
        return [];
      },
      async act() {
        return undefined;
      },
      async poll(input, ctx) {
        const source = createSource(findSourceConfig(loaded.config.sources, input.sourceId), { logger: silentLogger(), scan: loaded.config.scan, store: s, env: loaded.env });
        try {
          const r = await pollSource(source, ctx.submitBatch, { cursors: s, logger: silentLogger(), batchSize: 3, batchMaxBytes: 1 << 20 }, { since: input.since, signal: ctx.signal });
          polls.push({ sourceId: input.sourceId, outcome: 'completed' });
          return r;
        } catch (e) {
          polls.push({ sourceId: input.sourceId, outcome: (e as { code?: string }).code ?? 'error' });
          throw e;
        }
      },
    };
    workers = await transport.startWorkers(['poll', 'scan'], handlers);
    return { transport, scanned, polls, store: s };
  }

  const config = (g: FakeGithub, sources: Array<Record<string, unknown>>, env: Record<string, string> = {}) =>
    resolveConfig(
      {
        sources: sources.map((x) => ({
          type: 'github',
          tokenEnv: TOKEN_ENV,
          baseUrl: g.url,
          orgs: [],
          repos: ['acme/api'],
          pageSize: 2,
          maxRateLimitWaitSeconds: 0,
          retry: { retries: 1, minTimeoutMs: 5 },
          ...x,
        })),
      },
      { [TOKEN_ENV]: g.token, ...env },
    );

  it('a secondary rate limit pauses the poll queue for its retry-after; the job then completes from the commit where it stopped', async () => {
    gh = await startFakeGithub({ filesPerPage: 2 });
    const planted = seedGithub(gh);
    const places = new Map([...planted.places].filter(([, p]) => p.repo === 'acme/api'));
    gh.fail({ route: 'repos.getCommit', status: 403, secondary: true, retryAfter: 1, after: 3 });
    const loaded = config(gh, [{ id: 'gh-main' }]);
    const { transport: t, scanned, polls } = await start(loaded);
    await t.requestPoll('gh-main', { reason: 'manual' });
    await until(() => polls.some((p) => p.outcome === 'completed'));
    expect(polls.map((p) => p.outcome)).toEqual(['UPSTREAM_RATE_LIMITED', 'completed']);
    await until(() => [...places.keys()].every((tok) => scanned.some((c) => c.text.includes(tok))));
    expectPlaces(scanned, places, (ok, msg) => expect(ok, msg).toBe(true));
    const gets = gh.calls('repos.getCommit');
    expect(gets.filter((r) => r.status === 403)).toHaveLength(1);
    // The refused commit is asked for again right after the pause; earlier ones are not.
    const i = gets.findIndex((r) => r.status === 403);
    expect(gets[i + 1]).toMatchObject({ status: 200, path: gets[i]!.path });
    expect(gets.slice(i + 1).some((r) => r.path.endsWith(planted.commits.added!))).toBe(false);
    expect(new Set(scanned.map((c) => c.id)).size).toBe(scanned.length);
    expect(await t.listFailed()).toEqual([]);
  });

  it('an invalid token fails that source at once (kept as failed, marked failed); another source completes', async () => {
    gh = await startFakeGithub();
    const planted = seedGithub(gh);
    const loaded = config(gh, [{ id: 'gh-bad', tokenEnv: 'GH_BAD_TOKEN' }, { id: 'gh-good', repos: ['other/lib'] }], { GH_BAD_TOKEN: 'ghp_not_the_token' });
    const { transport: t, scanned, polls, store: s } = await start(loaded);
    await t.requestPoll('gh-bad', { reason: 'manual' });
    await t.requestPoll('gh-good', { reason: 'manual' });
    await until(() => polls.length >= 2);
    await until(async () => (await t.listFailed('poll')).length === 1);
    const failed = await t.listFailed('poll');
    expect(failed[0]).toMatchObject({ attemptsMade: 1, summary: { sourceId: 'gh-bad' } });
    expect(failed[0]!.reason).toMatch(/^UPSTREAM_AUTH_FAILED: GitHub repos.get acme\/api \(source gh-bad\) rejected the token/);
    expect(failed[0]!.reason).not.toContain('ghp_not_the_token');
    expect(polls.filter((p) => p.sourceId === 'gh-good').map((p) => p.outcome)).toEqual(['completed']);
    const lib = [...planted.places].find(([, p]) => p.repo === 'other/lib')![0];
    await until(() => scanned.some((c) => c.text.includes(lib)));
    expect(scanned.every((c) => c.source === 'gh-good')).toBe(true);
    expect(JSON.parse((await s.getCursor('gh-bad', STATUS_SCOPE)) ?? '{}')).toMatchObject({ state: 'failed', code: 'UPSTREAM_AUTH_FAILED', status: 401 });
    expect(JSON.parse((await s.getCursor('gh-good', STATUS_SCOPE)) ?? '{}')).toMatchObject({ state: 'ok' });
  });
});
