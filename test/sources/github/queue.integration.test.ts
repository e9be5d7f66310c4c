/**
 * The GitHub source as BullMQ poll jobs against the real Redis (random prefix per test): a
 * secondary rate limit pauses the poll queue for its retry-after (octokit does not sleep in the
 * job) and the job completes later from the commit where it stopped — no gap, no chunk handed on
 * twice; a source with an invalid token fails at once while another source completes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig, type LoadedConfig } from '../../../src/config/load.js';
import { STATUS_SCOPE } from '../../../src/sources/connector.js';
import { startFakeGithub, type FakeGithub } from '../../support/fake-github.js';
import { startPollHarness, until, type PollHarness } from '../../support/poll-harness.js';
import { requireServices } from '../../support/services.js';
import { expectPlaces, seedGithub, TOKEN_ENV } from './helpers.js';

const svc = await requireServices('redis');

describe.skipIf(svc.skip)('github source on BullMQ', () => {
  let harness: PollHarness | undefined;
  let gh: FakeGithub | undefined;

  afterEach(async () => {
    await harness?.close();
    await gh?.close();
    harness = gh = undefined;
  });

  async function start(loaded: LoadedConfig) {
    harness = await startPollHarness(loaded, 'trg');
    return harness;
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
