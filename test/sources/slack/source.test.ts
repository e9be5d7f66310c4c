/**
 * The live Slack source through the REAL `@slack/web-api` client against the fake Slack server on
 * 127.0.0.1: pagination, threads, edits, attachments, blocks, file snippets, exposure, permalinks,
 * per-channel cursors and look-back, resume after a crash, 429 / 5xx / bad credentials.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Chunk } from '../../../src/core/types.js';
import { TokenradiusError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { pollSource } from '../../../src/pipeline/poll.js';
import { createPgliteStore } from '../../../src/store/pglite.js';
import type { FindingStore } from '../../../src/store/types.js';
import { decodeChannelCursor } from '../../../src/sources/slack/cursor.js';
import { STATUS_SCOPE } from '../../../src/sources/connector.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { githubPat } from '../../support/token-factory.js';
import { holding, pullAll, seedWorkspace, slackLoaded, slackSource, type Planted } from './helpers.js';

let store: FindingStore;
beforeAll(async () => {
  store = await createPgliteStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store.close();
});

let slack: FakeSlack;
let planted: Planted;
let sourceSeq = 0;
beforeEach(async () => {
  slack = await startFakeSlack();
  planted = seedWorkspace(slack);
});
afterEach(async () => {
  await slack.close();
});

/** A fresh source id per test so cursors in the shared store never mix. */
function freshId(): string {
  return `slack-t${++sourceSeq}`;
}

function pollDeps() {
  return { cursors: store, logger: silentLogger(), batchSize: 3, batchMaxBytes: 1 << 20 };
}

function expectPlacesFound(chunks: readonly Chunk[], p: Planted = planted): void {
  for (const [token, where] of p.places) {
    const hits = holding(chunks, token);
    expect(hits.length, `token at ${where.channel}/${where.ts}/${where.field}`).toBeGreaterThanOrEqual(1);
    expect(hits[0]!.locator).toMatchObject({ kind: 'slack', channel: where.channel, ts: where.ts, field: where.field });
    if (where.threadTs) expect(hits[0]!.locator).toMatchObject({ threadTs: where.threadTs });
  }
}

describe('slack source: one full read', () => {
  it('reads every readable conversation page by page, every place a message carries text, and nothing else', async () => {
    const pulled = await pullAll(slackSource(slackLoaded(slack)));
    const chunks = pulled.map((p) => p.chunk);
    expectPlacesFound(chunks);
    // Each planted token is ONE place: the rich_text copy of a message text is not a second one.
    for (const token of planted.places.keys()) expect(holding(chunks, token), token.slice(0, 6)).toHaveLength(1);
    for (const token of planted.unreadable) expect(holding(chunks, token)).toEqual([]);
    // Pagination really happened: #general holds 7 top-level messages at 2 per page.
    const generalPages = slack.calls('conversations.history').filter((r) => r.params.channel === planted.channels.general);
    expect(generalPages.length).toBeGreaterThanOrEqual(4);
    expect(generalPages.slice(1).every((r) => r.params.cursor)).toBe(true);
    expect(slack.calls('conversations.list').length).toBeGreaterThanOrEqual(3);
    // Replies are fetched for the thread parent only, paged too.
    const replies = slack.calls('conversations.replies');
    expect(new Set(replies.map((r) => r.params.ts))).toEqual(new Set([planted.parentTs]));
    expect(replies.length).toBeGreaterThanOrEqual(2);
    // The app's non-member channel is not even asked for.
    expect(slack.calls('conversations.history').some((r) => r.params.channel === planted.channels.outside)).toBe(false);
    // Every request carried the bearer token.
    expect(slack.requests.every((r) => r.auth === 'valid')).toBe(true);
  });

  it('gives every chunk its workspace, channel name, exposure, author, time and permalink', async () => {
    const chunks = (await pullAll(slackSource(slackLoaded(slack)))).map((p) => p.chunk);
    const [jwt, jwtPlace] = [...planted.places].find(([, w]) => w.threadTs)!;
    const reply = holding(chunks, jwt)[0]!;
    expect(reply.source).toBe('slack-main');
    expect(reply.locator).toMatchObject({
      workspace: slack.team.id,
      channelName: 'general',
      threadTs: planted.parentTs,
      permalink: `${slack.workspaceUrl}archives/${planted.channels.general}/p${jwtPlace.ts.replace('.', '')}?thread_ts=${planted.parentTs}&cid=${planted.channels.general}`,
      line: 1,
      column: 1,
    });
    // The chunk starts at line 1 of the message text; the token is on its second line.
    expect(reply.text.split('\n')[1]).toContain(jwt);
    expect(reply.author).toBe('U0USER001');
    expect(reply.at).toBe(new Date(Number(jwtPlace.ts) * 1000).toISOString());
    const exposureOf = (channel: string) => chunks.find((c) => c.locator.kind === 'slack' && c.locator.channel === channel)!.exposure;
    expect(exposureOf(planted.channels.general)).toEqual({ visibility: 'public', audience: 25, label: '#general' });
    expect(exposureOf(planted.channels.secret)).toMatchObject({ visibility: 'private', audience: 4 });
    expect(exposureOf(planted.channels.shared)).toMatchObject({ visibility: 'shared-external', audience: 60 });
    const bot = chunks.find((c) => c.text.includes('pushed with'))!;
    expect(bot.author).toBe('ci-bot');
  });

  it('reads the edited text, and the text of a shared snippet from its file (token not in the preview)', async () => {
    const chunks = (await pullAll(slackSource(slackLoaded(slack)))).map((p) => p.chunk);
    const [fileToken, fileWhere] = [...planted.places].find(([, w]) => w.field.startsWith('file:'))!;
    const hit = holding(chunks, fileToken)[0]!;
    expect(hit.locator).toMatchObject({ field: fileWhere.field, ts: fileWhere.ts, channel: planted.channels.secret });
    expect(hit.text.split('\n')[2]).toContain(fileToken); // line 3 of the file
    expect(slack.calls('file').every((r) => r.auth === 'valid')).toBe(true);
    // The edit replaced the text: the current version is read, the placeholder is gone.
    expect(chunks.some((c) => c.text.startsWith('oops pasted'))).toBe(true);
    expect(chunks.some((c) => c.text.includes('placeholder'))).toBe(false);
  });

  it('never sends the token to a file host that is not allowed', async () => {
    const msg = slack.addMessage(planted.channels.general, { text: 'attached', subtype: 'file_share' });
    const evil = slack.addFile({ name: 'evil.txt', content: `x ${githubPat()}`, url_private: `http://localhost:${new URL(slack.url).port}/files-pri/T-FEVIL/evil.txt` }, planted.channels.general, msg.ts);
    await pullAll(slackSource(slackLoaded(slack)));
    expect(slack.requests.filter((r) => r.method === 'file' && JSON.stringify(r).includes('EVIL'))).toEqual([]);
    expect(slack.calls('file').length).toBeGreaterThanOrEqual(1); // the allowed one was fetched
    expect(evil.id).toBeTruthy();
  });

  it('reads DMs and group DMs when configured, and only the listed channels when channels is set', async () => {
    const dms = (await pullAll(slackSource(slackLoaded(slack, { channelTypes: ['im', 'mpim'] })))).map((p) => p.chunk);
    expect(holding(dms, planted.unreadable[0]!)).toHaveLength(1);
    expect(holding(dms, planted.unreadable[0]!)[0]!.exposure).toMatchObject({ visibility: 'private', label: 'direct message' });
    expect(dms.every((c) => c.locator.kind === 'slack' && c.locator.channel === planted.channels.dm)).toBe(true);
    const only = (await pullAll(slackSource(slackLoaded(slack, { channels: ['#partners'] })))).map((p) => p.chunk);
    expect(new Set(only.map((c) => c.locator.kind === 'slack' && c.locator.channel))).toEqual(new Set([planted.channels.shared]));
  });

  it('skips a conversation it cannot read and finishes the others', async () => {
    slack.fail({ method: 'conversations.history', error: 'not_in_channel', params: { channel: planted.channels.secret }, times: 5 });
    const chunks = (await pullAll(slackSource(slackLoaded(slack)))).map((p) => p.chunk);
    expect(chunks.some((c) => c.locator.kind === 'slack' && c.locator.channel === planted.channels.secret)).toBe(false);
    expect(chunks.some((c) => c.locator.kind === 'slack' && c.locator.channel === planted.channels.shared)).toBe(true);
  });

  it('--since rescans from that time and leaves stored cursors alone; file:<id> fetches one file', async () => {
    const id = freshId();
    const loaded = slackLoaded(slack, { id });
    const general = slack.channels.get(planted.channels.general)!.messages;
    const cut = general[5]!.ts; // the thread parent
    const since = (await pullAll(slackSource(loaded, { store }, id), cut)).map((p) => p);
    expect(since.every((p) => p.cursor === '' && p.scope === undefined)).toBe(true);
    const texts = since.map((p) => p.chunk.text).join('\n');
    expect(texts).toContain('oops pasted');
    expect(texts).not.toContain('deploy with');
    expect(await store.listCursors(id)).toEqual([expect.objectContaining({ scope: STATUS_SCOPE })]);

    const [fileToken, where] = [...planted.places].find(([, w]) => w.field.startsWith('file:'))!;
    const fileChunks = (await pullAll(slackSource(loaded, { store }, id), `file:${where.field.slice(5)}:${where.channel}`)).map((p) => p.chunk);
    expect(holding(fileChunks, fileToken)[0]!.locator).toMatchObject({ channel: where.channel, ts: where.ts, field: where.field, channelName: 'secret-ops' });
    expect(holding(fileChunks, fileToken)[0]!.exposure).toMatchObject({ visibility: 'private', audience: 4 });
  });
});

describe('slack source: cursors, look-back and resume', () => {
  it('a second run reads nothing old; a third reads exactly the new message, the new reply in an old thread and the edit', async () => {
    const id = freshId();
    const loaded = slackLoaded(slack, { id, lookbackDays: 30 });
    const got: Chunk[] = [];
    const submit = async (b: Chunk[]) => void got.push(...b);
    await pollSource(slackSource(loaded, { store }, id), submit, pollDeps(), { signal: new AbortController().signal });
    expectPlacesFound(got);
    const cursors = await store.listCursors(id);
    const general = decodeChannelCursor(cursors.find((c) => c.scope === planted.channels.general)?.cursor);
    const newest = slack.channels.get(planted.channels.general)!.messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts).map((m) => m.ts).sort().at(-1);
    expect(general).toEqual({ v: 1, done: newest });

    got.length = 0;
    await pollSource(slackSource(loaded, { store }, id), submit, pollDeps(), { signal: new AbortController().signal });
    expect(got).toEqual([]);

    const fresh = githubPat();
    const inOldThread = githubPat();
    const editedIn = githubPat();
    const g = planted.channels.general;
    const newMsg = slack.addMessage(g, { text: `new ${fresh}` });
    const lateReply = slack.addReply(g, planted.parentTs, { text: `late ${inOldThread}` });
    const firstTs = slack.channels.get(g)!.messages[0]!.ts;
    slack.editMessage(g, firstTs, `good morning, edited with ${editedIn}`);
    got.length = 0;
    await pollSource(slackSource(loaded, { store }, id), submit, pollDeps(), { signal: new AbortController().signal });
    expect(holding(got, fresh)[0]!.locator).toMatchObject({ ts: newMsg.ts });
    expect(holding(got, inOldThread)[0]!.locator).toMatchObject({ ts: lateReply.ts, threadTs: planted.parentTs });
    expect(holding(got, editedIn)[0]!.locator).toMatchObject({ ts: firstTs, field: 'text' });
    // Nothing old came back: only those three messages (and no earlier reply of the thread).
    expect(new Set(got.map((c) => (c.locator.kind === 'slack' ? c.locator.ts : '')))).toEqual(new Set([newMsg.ts, lateReply.ts, firstTs]));
  });

  it('resumes after a crash mid-backfill from the last accepted batch: no gap, at most the held-back message again', async () => {
    const id = freshId();
    const loaded = slackLoaded(slack, { id });
    const accepted: Chunk[] = [];
    let batches = 0;
    const crashing = async (b: Chunk[]) => {
      if (++batches === 3) throw new Error('worker killed');
      accepted.push(...b);
    };
    await expect(pollSource(slackSource(loaded, { store }, id), crashing, pollDeps(), { signal: new AbortController().signal })).rejects.toThrow('worker killed');
    const mid = decodeChannelCursor((await store.getCursor(id, planted.channels.general)) ?? '');
    expect(mid?.phase).toBe('new');
    expect(mid?.latest).toBeDefined();
    const before = slack.calls('conversations.history').length;
    const after: Chunk[] = [];
    await pollSource(slackSource(loaded, { store }, id), async (b) => void after.push(...b), pollDeps(), { signal: new AbortController().signal });
    // The resumed run continued below the stored position of #general, not from its newest message.
    const resumed = slack.calls('conversations.history').slice(before).find((r) => r.params.channel === planted.channels.general)!;
    expect(resumed.params.latest).toBe(mid!.thread ? undefined : mid!.latest);
    expectPlacesFound([...accepted, ...after]);
    // Repeats are limited to what was not yet accepted at the crash (the failed batch).
    const acceptedIds = new Set(accepted.map((c) => c.id));
    expect(after.filter((c) => acceptedIds.has(c.id)).length).toBeLessThanOrEqual(1);
  });

  it('resumes inside a long thread at the reply it had reached', async () => {
    const id = freshId();
    const loaded = slackLoaded(slack, { id, pageSize: 1 });
    const g = planted.channels.general;
    const tail: string[] = [];
    for (let i = 0; i < 6; i++) {
      const t = githubPat();
      tail.push(t);
      slack.addReply(g, planted.parentTs, { text: `reply ${i} ${t}` });
    }
    // Fail (as a 5xx that outlasts the client's retries) in the middle of the thread.
    slack.fail({ method: 'conversations.replies', status: 503, after: 5, times: 3 });
    const got: Chunk[] = [];
    await expect(pollSource(slackSource(loaded, { store }, id), async (b) => void got.push(...b), pollDeps(), { signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    const mid = decodeChannelCursor(await store.getCursor(id, g));
    expect(mid?.thread?.ts).toBe(planted.parentTs);
    expect(mid?.thread?.after).toBeDefined();
    const before = slack.calls('conversations.replies').length;
    await pollSource(slackSource(loaded, { store }, id), async (b) => void got.push(...b), pollDeps(), { signal: new AbortController().signal });
    expect(slack.calls('conversations.replies')[before]!.params).toMatchObject({ ts: planted.parentTs, oldest: mid!.thread!.after });
    for (const t of tail) expect(holding(got, t).length).toBeGreaterThanOrEqual(1);
    expectPlacesFound(got);
  });
});

describe('slack source: upstream failures', () => {
  it('a 429 stops the run with its Retry-After; what was pulled before it is kept and the next run goes on from there', async () => {
    const id = freshId();
    const loaded = slackLoaded(slack, { id });
    slack.fail({ method: 'conversations.history', status: 429, retryAfter: 7, after: 2 });
    const got: Chunk[] = [];
    // Batches far larger than what is read before the 429: only the error path can hand anything on.
    const bigBatches = { ...pollDeps(), batchSize: 1000 };
    const err = await pollSource(slackSource(loaded, { store }, id), async (b) => void got.push(...b), bigBatches, { signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenradiusError);
    expect(err).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retry: { afterMs: 7000 } });
    // The client did not sleep and retry by itself: exactly one 429 was seen.
    expect(slack.calls('conversations.history').filter((r) => r.status === 429)).toHaveLength(1);
    // Everything pulled before the 429 was handed on and its position stored, even the part that
    // did not fill a batch: the retry starts there instead of at the channel's newest message.
    const firstRun = [...got];
    expect(firstRun.length).toBeGreaterThan(0);
    const rateLimited = slack.calls('conversations.history').find((r) => r.status === 429)!;
    const stored = decodeChannelCursor(await store.getCursor(id, rateLimited.params.channel!));
    expect(stored).toMatchObject({ phase: 'new' });
    expect(stored?.latest).toBeDefined();
    const before = slack.requests.length;
    const second: Chunk[] = [];
    await pollSource(slackSource(loaded, { store }, id), async (b) => void second.push(...b), pollDeps(), { signal: new AbortController().signal });
    const resumed = slack.requests.slice(before).find((r) => r.method === 'conversations.history' && r.params.channel === rateLimited.params.channel)!;
    expect(resumed.params.latest).toBe(stored!.latest);
    const firstIds = new Set(firstRun.map((c) => c.id));
    expect(second.filter((c) => firstIds.has(c.id)).length).toBeLessThanOrEqual(1);
    expectPlacesFound([...firstRun, ...second]);
  });

  it('retries a 5xx inside the client and completes; past the retries it is UPSTREAM_UNAVAILABLE (retry later)', async () => {
    slack.fail({ method: 'conversations.history', status: 502, after: 1, times: 2 });
    const chunks = (await pullAll(slackSource(slackLoaded(slack)))).map((p) => p.chunk);
    expectPlacesFound(chunks);
    const hist = slack.calls('conversations.history');
    const failed = hist.filter((r) => r.status === 502);
    expect(failed).toHaveLength(2);
    const retried = hist[hist.indexOf(failed[1]!) + 1]!;
    expect([retried.status, retried.params]).toEqual([200, failed[0]!.params]);

    slack.fail({ method: 'conversations.list', status: 500, times: 10 });
    const err = await pullAll(slackSource(slackLoaded(slack))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retry: 'later' });
    expect(slack.calls('conversations.list').filter((r) => r.status === 500)).toHaveLength(3); // 1 + 2 retries
  });

  it('bad credentials: a clear UPSTREAM_AUTH_FAILED, the source marked failed in the store, no retry', async () => {
    const id = freshId();
    const loaded = slackLoaded(slack, { id }, [], { SLACK_TEST_BOT_TOKEN: 'xoxb-not-a-valid-token-for-this-workspace' });
    const err = await pullAll(slackSource(loaded, { store }, id)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenradiusError);
    expect(err).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', retry: 'never', details: { slackError: 'invalid_auth', method: 'auth.test' } });
    expect((err as Error).message).toMatch(/rejected the token \(invalid_auth\)/);
    expect((err as Error).message).not.toContain('xoxb-not-a-valid');
    expect(slack.calls('auth.test')).toHaveLength(1);
    const status = JSON.parse((await store.getCursor(id, STATUS_SCOPE)) ?? '{}') as Record<string, unknown>;
    expect(status).toMatchObject({ state: 'failed', code: 'UPSTREAM_AUTH_FAILED', slackError: 'invalid_auth' });
    // A revoked token mid-run is the same outcome.
    slack.fail({ method: 'conversations.history', error: 'token_revoked', after: 1 });
    await expect(pullAll(slackSource(slackLoaded(slack)))).rejects.toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', details: { slackError: 'token_revoked' } });
  });

  it('a server that repeats its page cursor cannot keep the source looping', async () => {
    slack.handle('conversations.list', () => ({ ok: true, channels: [], response_metadata: { next_cursor: 'same' } }));
    await expect(pullAll(slackSource(slackLoaded(slack)))).rejects.toMatchObject({ code: 'UPSTREAM_INVALID_RESPONSE' });
    expect(slack.calls('conversations.list')).toHaveLength(2);
  });

  it('a missing token variable is a clear config error before any request', async () => {
    const loaded = slackLoaded(slack);
    const source = slackSource({ ...loaded, env: {} });
    await expect(pullAll(source)).rejects.toMatchObject({ code: 'CONFIG_ENV_MISSING' });
    expect(slack.requests).toHaveLength(0);
  });
});
