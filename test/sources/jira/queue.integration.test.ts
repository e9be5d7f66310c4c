/**
 * The Jira source as BullMQ poll jobs against the real Redis (random prefix per test): a 429 with
 * Retry-After pauses the poll queue (no worker sleeps, no attempt used) and the job completes later
 * from where it stopped — no gap, no chunk handed on twice; a source with invalid credentials fails
 * at once (kept as failed, marked failed) while another source completes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig, type LoadedConfig } from '../../../src/config/load.js';
import { STATUS_SCOPE } from '../../../src/sources/connector.js';
import { startFakeJira, type FakeJira } from '../../support/fake-jira.js';
import { startPollHarness, until, type PollHarness } from '../../support/poll-harness.js';
import { requireServices } from '../../support/services.js';
import { EMAIL_ENV, expectPlaces, seedJira, TOKEN_ENV } from './helpers.js';

const svc = await requireServices('redis');

describe.skipIf(svc.skip)('jira source on BullMQ', () => {
  let harness: PollHarness | undefined;
  let jira: FakeJira | undefined;

  afterEach(async () => {
    await harness?.close();
    await jira?.close();
    harness = jira = undefined;
  });

  async function start(loaded: LoadedConfig) {
    harness = await startPollHarness(loaded, 'trj');
    return harness;
  }

  const config = (j: FakeJira, sources: Array<Record<string, unknown>>, env: Record<string, string> = {}) =>
    resolveConfig(
      {
        sources: sources.map((x) => ({
          type: 'jira',
          host: j.url,
          emailEnv: EMAIL_ENV,
          apiTokenEnv: TOKEN_ENV,
          jql: 'project in (OPS, SEC)',
          customFields: ['customfield_10010', 'customfield_10011'],
          pageSize: 2,
          retry: { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 10 },
          ...x,
        })),
      },
      { [EMAIL_ENV]: j.email, [TOKEN_ENV]: j.apiToken, ...env },
    );

  it('a 429 pauses the poll queue for Retry-After; the job then completes from where it stopped', async () => {
    jira = await startFakeJira();
    const planted = seedJira(jira);
    jira.fail({ route: 'search', status: 429, retryAfter: 1, after: 2 });
    const loaded = config(jira, [{ id: 'jira-main' }]);
    const { transport: t, scanned, polls } = await start(loaded);
    await t.requestPoll('jira-main', { reason: 'manual' });
    await until(() => polls.some((p) => p.outcome === 'completed'));
    await until(() => planted.places.size > 0 && [...planted.places.keys()].every((tok) => scanned.some((c) => c.text.includes(tok))));
    expect(polls.map((p) => p.outcome)).toEqual(['UPSTREAM_RATE_LIMITED', 'completed']);
    expectPlaces(scanned, planted.places, (ok, msg) => expect(ok, msg).toBe(true));
    // One 429, then the resumed run asked for the issues after what it had handed on.
    const searches = jira.calls('search');
    expect(searches.filter((r) => r.status === 429)).toHaveLength(1);
    const resumed = searches[searches.findIndex((r) => r.status === 429) + 1]!;
    expect((resumed.body as { jql: string }).jql).toMatch(/updated >= "/);
    expect((resumed.body as { nextPageToken?: string }).nextPageToken).toBeUndefined();
    // No chunk was handed on twice, and nothing is left as failed.
    expect(new Set(scanned.map((c) => c.id)).size).toBe(scanned.length);
    expect(await t.listFailed()).toEqual([]);
  });

  it('invalid credentials fail that source at once (kept as failed, marked failed); another source completes', async () => {
    jira = await startFakeJira();
    const planted = seedJira(jira);
    const loaded = config(jira, [{ id: 'jira-bad', apiTokenEnv: 'JIRA_BAD_TOKEN' }, { id: 'jira-good' }], { JIRA_BAD_TOKEN: 'not-the-token' });
    const { transport: t, scanned, polls, store: s } = await start(loaded);
    await t.requestPoll('jira-bad', { reason: 'manual' });
    await t.requestPoll('jira-good', { reason: 'manual' });
    await until(() => polls.length >= 2);
    await until(async () => (await t.listFailed('poll')).length === 1);
    const failed = await t.listFailed('poll');
    expect(failed[0]).toMatchObject({ attemptsMade: 1, summary: { sourceId: 'jira-bad' } });
    expect(failed[0]!.reason).toMatch(/^UPSTREAM_AUTH_FAILED: Jira myself \(source jira-bad\) rejected the credentials/);
    expect(failed[0]!.reason).not.toContain('not-the-token');
    expect(polls.filter((p) => p.sourceId === 'jira-bad').map((p) => p.outcome)).toEqual(['UPSTREAM_AUTH_FAILED']);
    expect(polls.filter((p) => p.sourceId === 'jira-good').map((p) => p.outcome)).toEqual(['completed']);
    await until(() => [...planted.places.keys()].every((tok) => scanned.some((c) => c.text.includes(tok))));
    expect(scanned.every((c) => c.source === 'jira-good')).toBe(true);
    expect(JSON.parse((await s.getCursor('jira-bad', STATUS_SCOPE)) ?? '{}')).toMatchObject({ state: 'failed', code: 'UPSTREAM_AUTH_FAILED' });
    expect(JSON.parse((await s.getCursor('jira-good', STATUS_SCOPE)) ?? '{}')).toMatchObject({ state: 'ok' });
  });
});
