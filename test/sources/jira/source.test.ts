/**
 * The live Jira source through the REAL `jira.js` client against the fake Jira on 127.0.0.1:
 * search paging by nextPageToken, explicit fields, ADF with every node type, comments past the
 * embedded page, custom fields, exposure, locators, incremental reads with an overlap window and
 * dedupe (in the user's time zone), resume after a crash, 429 / 5xx / bad credentials.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TokenradiusError } from '../../../src/core/errors.js';
import { fingerprint } from '../../../src/core/secrets.js';
import type { Chunk } from '../../../src/core/types.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { pollSource } from '../../../src/pipeline/poll.js';
import { scanChunk } from '../../../src/pipeline/scan-chunk.js';
import { buildScanDeps } from '../../../src/pipeline/scan-deps.js';
import { decodeJiraCursor, jqlScope } from '../../../src/sources/jira/cursor.js';
import { jqlDate } from '../../../src/sources/jira/time.js';
import { STATUS_SCOPE } from '../../../src/sources/connector.js';
import { createPgliteStore } from '../../../src/store/pglite.js';
import type { FindingStore } from '../../../src/store/types.js';
import { adfDoc, startFakeJira, type FakeJira } from '../../support/fake-jira.js';
import { githubPat } from '../../support/token-factory.js';
import { expectPlaces, holding, jiraLoaded, jiraSource, pullAll, seedJira, TOKEN_ENV, type PlantedJira } from './helpers.js';

let store: FindingStore;
beforeAll(async () => {
  store = await createPgliteStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store.close();
});

let jira: FakeJira;
let planted: PlantedJira;
let seq = 0;
beforeEach(async () => {
  jira = await startFakeJira({ timeZone: 'America/New_York' });
  planted = seedJira(jira);
});
afterEach(async () => {
  await jira.close();
});

const freshId = () => `jira-t${++seq}`;
const pollDeps = () => ({ cursors: store, logger: silentLogger(), batchSize: 3, batchMaxBytes: 1 << 20 });
const signal = () => new AbortController().signal;
const places = (chunks: readonly Chunk[], p = planted.places) => expectPlaces(chunks, p, (ok, msg) => expect(ok, msg).toBe(true));

describe('jira source: one full read', () => {
  it('pages the current search endpoint with nextPageToken and explicit fields, never the removed /search', async () => {
    const chunks = (await pullAll(jiraSource(jiraLoaded(jira)))).map((p) => p.chunk);
    places(chunks);
    for (const t of planted.unread) expect(holding(chunks, t)).toEqual([]);
    const searches = jira.calls('search');
    // 8 issues in OPS and SEC at 2 per page.
    expect(searches.length).toBe(4);
    expect(searches.every((r) => r.method === 'POST' && r.status === 200)).toBe(true);
    expect(searches[0]!.body).toMatchObject({ jql: '(project in (OPS, SEC)) ORDER BY updated ASC, key ASC', maxResults: 2, expand: 'changelog' });
    expect((searches[0]!.body as { fields: string[] }).fields).toEqual(['summary', 'description', 'environment', 'comment', 'updated', 'security', 'project', 'customfield_10010', 'customfield_10011']);
    expect(searches.slice(1).every((r) => typeof (r.body as { nextPageToken?: unknown }).nextPageToken === 'string')).toBe(true);
    expect(jira.calls('legacy-search')).toEqual([]);
    expect(jira.requests.every((r) => r.auth === 'valid')).toBe(true);
  });

  it('reads every ADF node type; atoms and hard breaks never merge two tokens into one', async () => {
    const chunks = (await pullAll(jiraSource(jiraLoaded(jira)))).map((p) => p.chunk);
    const desc = chunks.filter((c) => c.locator.kind === 'jira' && c.locator.issue === 'OPS-1' && c.locator.field === 'description');
    const text = desc.map((c) => c.text).join('\n');
    for (const t of planted.adf.tokens) expect(text, t.slice(0, 8)).toContain(t);
    const [a, b] = planted.adf.breakPair;
    const lines = text.split('\n');
    expect(lines).toContain(a);
    expect(lines).toContain(b);
    // Mentions, emoji, status and dates are words of their own.
    expect(text).toMatch(/hi @Dev One 🔑 https:\/\/vault\.example\.test\/\S+ LEAKED 2024-05-01/);
    // The code block is verbatim, on its own lines.
    expect(lines.some((l) => l.startsWith('export GITHUB_TOKEN='))).toBe(true);
  });

  it('reads comments beyond the embedded page, custom fields, and gives locators, exposure, author and time', async () => {
    const chunks = (await pullAll(jiraSource(jiraLoaded(jira)))).map((p) => p.chunk);
    // OPS-2 has 5 comments; the search embeds 3; the rest came from the comments endpoint, paged.
    const commentCalls = jira.calls('comments');
    expect(commentCalls.length).toBeGreaterThanOrEqual(3);
    expect(commentCalls.every((r) => r.path === '/rest/api/3/issue/OPS-2/comment')).toBe(true);
    const lastComment = jira.issues.get('OPS-2')!.comments.at(-1)!.id;
    const [jwt, where] = [...planted.places].find(([, w]) => w.commentId === lastComment)!;
    const hit = holding(chunks, jwt)[0]!;
    expect(hit.locator).toEqual({
      kind: 'jira',
      site: jira.url,
      issue: 'OPS-2',
      field: 'comment',
      commentId: where.commentId,
      url: `${jira.url}/browse/OPS-2?focusedCommentId=${where.commentId}`,
      path: `jira/OPS-2/comment/${where.commentId}`,
      line: 1,
      column: 1,
    });
    expect(hit.author).toBe('Dev Two');
    expect(hit.at).toMatch(/^2024-05-01T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(hit.source).toBe('jira-main');
    const secured = chunks.find((c) => c.locator.kind === 'jira' && c.locator.issue === 'OPS-4')!;
    expect(secured.exposure).toEqual({ visibility: 'private', label: 'project OPS, security level Incident responders' });
    expect(chunks.find((c) => c.locator.kind === 'jira' && c.locator.issue === 'OPS-1')!.exposure).toEqual({ visibility: 'unknown', label: 'project OPS' });
  });

  it('issue:<KEY> reads exactly those issues; an unknown key is skipped', async () => {
    const chunks = (await pullAll(jiraSource(jiraLoaded(jira)), 'issue:OPS-2,OPS-99')).map((p) => p.chunk);
    expect(new Set(chunks.map((c) => c.locator.kind === 'jira' && c.locator.issue))).toEqual(new Set(['OPS-2']));
    const ops2 = new Map([...planted.places].filter(([, w]) => w.issue === 'OPS-2'));
    places(chunks, ops2);
    expect(jira.calls('search')).toEqual([]);
    expect(jira.calls('issue').map((r) => r.status)).toEqual([200, 404]);
  });

  it('an invalid --since is a clear usage error', async () => {
    await expect(pullAll(jiraSource(jiraLoaded(jira)), 'yesterday')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(pullAll(jiraSource(jiraLoaded(jira)), 'issue:ops 1')).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('jira source: incremental reads', () => {
  it('re-reads only the overlap window (in the user time zone), skips versions already read, and picks up edits and new comments', async () => {
    const id = freshId();
    const loaded = jiraLoaded(jira, { id, overlapMinutes: 10 });
    const got: Chunk[] = [];
    const submit = async (b: Chunk[]) => void got.push(...b);
    await pollSource(jiraSource(loaded, { store }, id), submit, pollDeps(), { signal: signal() });
    places(got);
    const scope = jqlScope('project in (OPS, SEC)');
    const cursor = decodeJiraCursor(await store.getCursor(id, scope));
    const newest = Math.max(...[...jira.issues.values()].filter((i) => i.project !== 'MKT').map((i) => i.updatedMs));
    expect(cursor?.updated).toBe(newest);

    got.length = 0;
    const before = jira.calls('search').length;
    await pollSource(jiraSource(loaded, { store }, id), submit, pollDeps(), { signal: signal() });
    expect(got).toEqual([]);
    const second = jira.calls('search').slice(before);
    // JQL minute precision in America/New_York, 10 minutes before the newest version read.
    expect((second[0]!.body as { jql: string }).jql).toBe(`(project in (OPS, SEC)) AND updated >= "${jqlDate(newest - 10 * 60_000, 'America/New_York')}" ORDER BY updated ASC, key ASC`);
    expect((second[0]!.body as { jql: string }).jql).toMatch(/updated >= "2024-05-01 0[45]:\d\d"/);

    const edited = githubPat();
    const commented = githubPat();
    jira.updateIssue('OPS-5', { description: adfDoc(`now with ${edited}`) }, { history: { items: [{ field: 'description', fromString: 'old text', toString: `now with ${edited}` }] } });
    const c = jira.addComment('SEC-1', adfDoc(`late ${commented}`));
    got.length = 0;
    await pollSource(jiraSource(loaded, { store }, id), submit, pollDeps(), { signal: signal() });
    expect(holding(got, edited)[0]!.locator).toMatchObject({ issue: 'OPS-5', field: 'description' });
    expect(holding(got, commented)[0]!.locator).toMatchObject({ issue: 'SEC-1', field: 'comment', commentId: c.id });
    expect(new Set(got.map((x) => (x.locator.kind === 'jira' ? x.locator.issue : '')))).toEqual(new Set(['OPS-5', 'SEC-1']));
  });

  it('an issue updated in the same minute as the cursor is still read (overlap), once', async () => {
    const id = freshId();
    const loaded = jiraLoaded(jira, { id, overlapMinutes: 1 });
    const got: Chunk[] = [];
    await pollSource(jiraSource(loaded, { store }, id), async (b) => void got.push(...b), pollDeps(), { signal: signal() });
    // A new version 2 seconds after the newest one read: the same JQL minute.
    jira.tick(-59_000);
    const t = githubPat();
    jira.updateIssue('OPS-7', { description: adfDoc(`same minute ${t}`) });
    got.length = 0;
    await pollSource(jiraSource(loaded, { store }, id), async (b) => void got.push(...b), pollDeps(), { signal: signal() });
    expect(holding(got, t)).toHaveLength(1);
    expect(new Set(got.map((x) => (x.locator.kind === 'jira' ? x.locator.issue : '')))).toEqual(new Set(['OPS-7']));
  });

  it('--since reads from that date and neither reads nor moves stored cursors', async () => {
    const id = freshId();
    const loaded = jiraLoaded(jira, { id });
    const all = await pullAll(jiraSource(loaded, { store }, id), '2024-05-01T08:05:00Z');
    expect(all.every((p) => p.cursor === '' && p.scope === undefined)).toBe(true);
    expect((jira.calls('search')[0]!.body as { jql: string }).jql).toBe('(project in (OPS, SEC)) AND updated >= "2024-05-01 04:05" ORDER BY updated ASC, key ASC');
    expect((await store.listCursors(id)).map((c) => c.scope)).toEqual([STATUS_SCOPE]);
  });

  it('resumes after a crash mid-backfill: no gap, and no finding stored twice', async () => {
    const id = freshId();
    const loaded = jiraLoaded(jira, { id });
    const deps = buildScanDeps(loaded.config, { sink: store, env: {} });
    const now = new Date();
    let batches = 0;
    const crashing = async (b: Chunk[]) => {
      if (++batches === 3) throw new Error('worker killed');
      for (const c of b) await scanChunk(c, deps, now);
    };
    await expect(pollSource(jiraSource(loaded, { store }, id), crashing, pollDeps(), { signal: signal() })).rejects.toThrow('worker killed');
    const mid = decodeJiraCursor(await store.getCursor(id, jqlScope('project in (OPS, SEC)')));
    expect(mid?.updated).toBeDefined();
    const last = Math.max(...[...jira.issues.values()].map((i) => i.updatedMs));
    expect(mid!.updated).toBeLessThan(last);
    const scanned: Chunk[] = [];
    await pollSource(
      jiraSource(loaded, { store }, id),
      async (b) => {
        scanned.push(...b);
        for (const c of b) await scanChunk(c, deps, now);
      },
      pollDeps(),
      { signal: signal() },
    );
    // The resumed run started at the stored cursor, not from the beginning.
    expect(scanned.some((c) => c.locator.kind === 'jira' && c.locator.issue === 'OPS-1')).toBe(false);
    for (const [token, where] of planted.places) {
      const f = await store.getFinding(fingerprint(token));
      expect(f, `${where.issue}/${where.field}`).not.toBeNull();
      expect(f!.occurrences.filter((o) => o.source === id)).toHaveLength(1);
      expect(f!.occurrences[0]!.locator).toMatchObject({ kind: 'jira', issue: where.issue, field: where.field });
    }
  });
});

describe('jira source: upstream failures', () => {
  it('a 429 stops the run with its Retry-After (no sleeping in the client); the next run goes on from what was handed on', async () => {
    const id = freshId();
    const loaded = jiraLoaded(jira, { id });
    jira.fail({ route: 'search', status: 429, retryAfter: 7, after: 2 });
    const got: Chunk[] = [];
    const err = await pollSource(jiraSource(loaded, { store }, id), async (b) => void got.push(...b), pollDeps(), { signal: signal() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenradiusError);
    expect(err).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retry: { afterMs: 7000 }, details: { status: 429, op: 'search' } });
    expect(jira.calls('search').filter((r) => r.status === 429)).toHaveLength(1);
    expect(jira.calls('search')).toHaveLength(3);
    const firstRun = got.length;
    expect(firstRun).toBeGreaterThan(0);
    // What was pulled before the 429 was handed on with its cursor.
    expect(decodeJiraCursor(await store.getCursor(id, jqlScope('project in (OPS, SEC)')))?.updated).toBeDefined();
    const before = jira.calls('search').length;
    await pollSource(jiraSource(loaded, { store }, id), async (b) => void got.push(...b), pollDeps(), { signal: signal() });
    expect((jira.calls('search')[before]!.body as { jql: string }).jql).toMatch(/updated >= "/);
    places(got);
  });

  it('retries a 5xx in the client and completes; past the retries it is UPSTREAM_UNAVAILABLE (retry later)', async () => {
    jira.fail({ route: 'search', status: 502, after: 1, times: 2 });
    const chunks = (await pullAll(jiraSource(jiraLoaded(jira)))).map((p) => p.chunk);
    places(chunks);
    const searches = jira.calls('search');
    expect(searches.filter((r) => r.status === 502)).toHaveLength(2);
    const failed = searches.find((r) => r.status === 502)!;
    const retried = searches[searches.indexOf(failed) + 2]!;
    expect([retried.status, retried.body]).toEqual([200, failed.body]);

    jira.fail({ route: 'comments', status: 503, times: 10 });
    const err = await pullAll(jiraSource(jiraLoaded(jira))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retry: 'later', details: { status: 503, op: 'comments' } });
    expect(jira.calls('comments').filter((r) => r.status === 503)).toHaveLength(3);
  });

  it('bad credentials: a clear UPSTREAM_AUTH_FAILED before any search, the source marked failed, the token never echoed', async () => {
    const id = freshId();
    const wrong = `wrong-${githubPat()}`;
    const loaded = jiraLoaded(jira, { id }, [], { [TOKEN_ENV]: wrong });
    const err = await pullAll(jiraSource(loaded, { store }, id)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenradiusError);
    expect(err).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', retry: 'never', details: { status: 401, op: 'myself' } });
    expect((err as Error).message).toMatch(/rejected the credentials \(HTTP 401\)/);
    expect(JSON.stringify({ m: (err as Error).message, d: (err as TokenradiusError).details })).not.toContain(wrong);
    expect(jira.calls('myself')).toHaveLength(1);
    expect(jira.calls('search')).toEqual([]);
    expect(JSON.parse((await store.getCursor(id, STATUS_SCOPE)) ?? '{}')).toMatchObject({ state: 'failed', code: 'UPSTREAM_AUTH_FAILED', status: 401 });
    // A permission lost mid-run (403) is the same outcome.
    jira.fail({ route: 'comments', status: 403 });
    await expect(pullAll(jiraSource(jiraLoaded(jira)))).rejects.toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', details: { status: 403 } });
  });

  it('missing credential variables are a clear config error before any request', async () => {
    const loaded = jiraLoaded(jira);
    await expect(pullAll(jiraSource({ ...loaded, env: {} }))).rejects.toMatchObject({ code: 'CONFIG_ENV_MISSING' });
    expect(jira.requests).toHaveLength(0);
  });
});
