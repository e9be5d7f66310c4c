/**
 * The live GitHub source through the REAL `octokit` client against the fake GitHub on 127.0.0.1:
 * organisation listing, commit pagination, patches with exact new-file line numbers (multiple
 * hunks, renames, deletions, binaries, file pages), empty repositories without the 409 retry loop,
 * visibility as exposure, permalinks, per-branch cursors, resume after a crash, comments, rate
 * limits (secondary and primary), 5xx, bad credentials.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TokenradiusError } from '../../../src/core/errors.js';
import { fingerprint } from '../../../src/core/secrets.js';
import type { Chunk } from '../../../src/core/types.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { pollSource } from '../../../src/pipeline/poll.js';
import { scanChunk } from '../../../src/pipeline/scan-chunk.js';
import { buildScanDeps } from '../../../src/pipeline/scan-deps.js';
import { decodeBranchCursor } from '../../../src/sources/github/cursor.js';
import { STATUS_SCOPE } from '../../../src/sources/connector.js';
import { createPgliteStore } from '../../../src/store/pglite.js';
import type { FindingStore } from '../../../src/store/types.js';
import { startFakeGithub, type FakeGithub } from '../../support/fake-github.js';
import { githubPat } from '../../support/token-factory.js';
import { expectPlaces, githubLoaded, githubSource, holding, lineOf, pullAll, seedGithub, TOKEN_ENV, type PlantedGithub } from './helpers.js';

let store: FindingStore;
beforeAll(async () => {
  store = await createPgliteStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await store.close();
});

let gh: FakeGithub;
let planted: PlantedGithub;
let seq = 0;
beforeEach(async () => {
  gh = await startFakeGithub({ filesPerPage: 2 });
  planted = seedGithub(gh);
});
afterEach(async () => {
  await gh.close();
});

const freshId = () => `gh-t${++seq}`;
const pollDeps = () => ({ cursors: store, logger: silentLogger(), batchSize: 3, batchMaxBytes: 1 << 20 });
const signal = () => new AbortController().signal;
const places = (chunks: readonly Chunk[], p = planted.places) => expectPlaces(chunks, p, (ok, msg) => expect(ok, msg).toBe(true));

describe('github source: one full read', () => {
  it('lists the organisation page by page, reads configured repositories, skips forks', async () => {
    const chunks = (await pullAll(githubSource(githubLoaded(gh)))).map((p) => p.chunk);
    places(chunks);
    for (const t of planted.unread) expect(holding(chunks, t)).toEqual([]);
    const orgPages = gh.calls('repos.listForOrg');
    expect(orgPages.length).toBeGreaterThanOrEqual(3); // 5 acme repositories at 2 per page
    expect(orgPages.slice(1).every((r) => Number(r.query.page) > 1)).toBe(true);
    expect(new Set(chunks.map((c) => (c.locator.kind === 'github' ? c.locator.repo : '')))).toEqual(new Set(['acme/api', 'acme/secret-svc', 'acme/internal-tools', 'other/lib']));
    // Commit lists are paged too (acme/api has 9 commits at 2 per page).
    const apiLists = gh.calls('repos.listCommits').filter((r) => r.path === '/repos/acme/api/commits');
    expect(apiLists.length).toBe(5);
    expect(apiLists[0]!.query).toMatchObject({ sha: gh.repos.get('acme/api')!.branches.get('main'), per_page: '2' });
    expect(gh.requests.every((r) => r.auth === 'valid')).toBe(true);
  });

  it('gives exact new-file lines across hunks, renames and file pages; removed lines and binaries add nothing', async () => {
    const chunks = (await pullAll(githubSource(githubLoaded(gh)))).map((p) => p.chunk);
    places(chunks);
    // The deletion commit's removed lines are not content of that commit.
    const { token, added, removedIn } = planted.deleted;
    expect(holding(chunks, token).map((c) => (c.locator.kind === 'github' ? c.locator.commit : ''))).toEqual([added.commit]);
    expect(chunks.some((c) => c.locator.kind === 'github' && c.locator.commit === removedIn)).toBe(false);
    // Two hunks are two runs of added lines, each at its own line.
    const hunks = chunks.filter((c) => c.locator.kind === 'github' && c.locator.commit === planted.commits.hunks!);
    expect(hunks.map((c) => [c.locator.line, c.text.split('\n').length])).toEqual([
      [4, 2],
      [40, 2],
    ]);
    // The commit with 5 files was read across 3 file pages.
    const pages = gh.calls('repos.getCommit').filter((r) => r.path.endsWith(planted.commits.many!));
    expect(pages.map((r) => r.query.page)).toEqual(['1', '2', '3']);
    // The binary and the too-large file have no patch: skipped, the text file beside them read.
    expect(chunks.filter((c) => c.locator.kind === 'github' && c.locator.commit === planted.commits.binary).map((c) => c.locator.kind === 'github' && c.locator.path)).toEqual(['k.txt']);
  });

  it('permalinks, author, date and exposure from the repository visibility', async () => {
    const chunks = (await pullAll(githubSource(githubLoaded(gh)))).map((p) => p.chunk);
    const [env, where] = [...planted.places].find(([, p]) => p.path === '.env')!;
    const hit = holding(chunks, env)[0]!;
    expect(hit.locator).toMatchObject({
      kind: 'github',
      repo: 'acme/api',
      commit: where.commit,
      path: '.env',
      url: `${gh.htmlBase}/acme/api/blob/${where.commit}/.env#L1-L3`,
      author: 'Alice',
      line: 1,
      column: 1,
    });
    expect(lineOf(hit, env)).toBe(3);
    expect(hit.at).toMatch(/^2024-05-01T/);
    const [renamed] = [...planted.places].find(([, p]) => p.path.includes(' '))!;
    expect(holding(chunks, renamed)[0]!.locator).toMatchObject({ url: `${gh.htmlBase}/acme/api/blob/${planted.commits.rename}/config/creds%20yml.txt#L2` });
    const exposure = (repo: string) => chunks.find((c) => c.locator.kind === 'github' && c.locator.repo === repo)!.exposure;
    expect(exposure('acme/api')).toEqual({ visibility: 'public', label: 'acme/api (public repository)' });
    expect(exposure('acme/secret-svc')).toEqual({ visibility: 'private', label: 'acme/secret-svc (private repository)' });
    expect(exposure('acme/internal-tools')).toEqual({ visibility: 'private', label: 'acme/internal-tools (internal: every enterprise member)' });
  });

  it('an empty repository is recognised at once: one request, no retries of a 409', async () => {
    const chunks = (await pullAll(githubSource(githubLoaded(gh, { orgs: [], repos: ['acme/empty', 'other/lib'] })))).map((p) => p.chunk);
    const empty = gh.requests.filter((r) => r.path.startsWith('/repos/acme/empty'));
    expect(empty.map((r) => `${r.route} ${r.status}`)).toEqual(['repos.get 200', 'repos.getBranch 404']);
    expect(chunks.length).toBeGreaterThan(0);
    // With every branch: listBranches answers [] and nothing else is asked.
    gh.requests.length = 0;
    await pullAll(githubSource(githubLoaded(gh, { orgs: [], repos: ['acme/empty'], branches: 'all' })));
    expect(gh.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['repos.get 200', 'repos.listBranches 200']);
    // A listCommits that does meet the 409 answers once and is not retried.
    gh.fail({ route: 'repos.listCommits', status: 409, message: 'Git Repository is empty.' });
    const none = await pullAll(githubSource(githubLoaded(gh, { orgs: [], repos: ['other/lib'] })));
    expect(none).toEqual([]);
    expect(gh.calls('repos.listCommits').map((r) => r.status)).toEqual([409]);
  });

  it('all branches: a feature branch is read too, a commit on both branches fetched once', async () => {
    const feature = githubPat();
    const sha = gh.commit('acme/api', { branch: 'feature/x', files: [{ path: 'f.txt', content: `f=${feature}\n` }] });
    const chunks = (await pullAll(githubSource(githubLoaded(gh, { orgs: [], repos: ['acme/api'], branches: 'all' })))).map((p) => p.chunk);
    expect(holding(chunks, feature)[0]!.locator).toMatchObject({ commit: sha, path: 'f.txt' });
    const fetched = gh.calls('repos.getCommit').map((r) => r.path.split('/').at(-1)! + (r.query.page ?? ''));
    expect(new Set(fetched).size).toBe(fetched.length);
  });

  it('commits:<repo>:<shas> reads exactly those commits (push webhooks); a bad since is a usage error', async () => {
    const { hunks, rename } = planted.commits;
    const chunks = (await pullAll(githubSource(githubLoaded(gh)), `commits:acme/api:${hunks},${rename}`)).map((p) => p.chunk);
    expect(new Set(chunks.map((c) => (c.locator.kind === 'github' ? c.locator.commit : '')))).toEqual(new Set([hunks, rename]));
    expect(gh.calls('repos.listCommits')).toEqual([]);
    await expect(pullAll(githubSource(githubLoaded(gh)), 'commits:acme/api:nothex')).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('github source: cursors', () => {
  it('a second run asks for nothing it has; a third reads exactly the new commit', async () => {
    const id = freshId();
    const loaded = githubLoaded(gh, { id });
    const got: Chunk[] = [];
    const submit = async (b: Chunk[]) => void got.push(...b);
    await pollSource(githubSource(loaded, { store }, id), submit, pollDeps(), { signal: signal() });
    places(got);
    const cur = decodeBranchCursor(await store.getCursor(id, 'acme/api@main'));
    expect(cur).toMatchObject({ head: gh.repos.get('acme/api')!.branches.get('main') });
    expect(cur?.run).toBeUndefined();

    got.length = 0;
    const before = gh.requests.length;
    await pollSource(githubSource(loaded, { store }, id), submit, pollDeps(), { signal: signal() });
    expect(got).toEqual([]);
    const second = gh.requests.slice(before);
    expect(second.filter((r) => r.route === 'repos.listCommits' || r.route === 'repos.getCommit')).toEqual([]);

    const fresh = githubPat();
    const sha = gh.commit('acme/api', { files: [{ path: 'new.txt', content: `n=${fresh}\n` }] });
    const mark = gh.requests.length;
    got.length = 0;
    await pollSource(githubSource(loaded, { store }, id), submit, pollDeps(), { signal: signal() });
    expect(holding(got, fresh)[0]!.locator).toMatchObject({ commit: sha });
    expect(new Set(got.map((c) => (c.locator.kind === 'github' ? c.locator.commit : '')))).toEqual(new Set([sha]));
    const third = gh.requests.slice(mark);
    expect(third.filter((r) => r.route === 'repos.getCommit').map((r) => r.path.split('/').at(-1))).toEqual([sha]);
    // The listing was bounded by the overlap window before the newest commit read.
    expect(third.find((r) => r.route === 'repos.listCommits')!.query.since).toBe(new Date(cur!.date! - 60 * 60_000).toISOString());
  });

  it('resumes after a crash mid-backfill at the next commit: no gap, and no finding stored twice', async () => {
    const id = freshId();
    const loaded = githubLoaded(gh, { id, orgs: [], repos: ['acme/api'] });
    const deps = buildScanDeps(loaded.config, { sink: store, env: {} });
    const now = new Date();
    let batches = 0;
    const crashing = async (b: Chunk[]) => {
      if (++batches === 2) throw new Error('worker killed');
      for (const c of b) await scanChunk(c, deps, now);
    };
    await expect(pollSource(githubSource(loaded, { store }, id), crashing, pollDeps(), { signal: signal() })).rejects.toThrow('worker killed');
    const mid = decodeBranchCursor(await store.getCursor(id, 'acme/api@main'));
    expect(mid?.run?.after).toBeDefined();
    const mark = gh.requests.length;
    await pollSource(
      githubSource(loaded, { store }, id),
      async (b) => {
        for (const c of b) await scanChunk(c, deps, now);
      },
      pollDeps(),
      { signal: signal() },
    );
    // The resumed run did not fetch the commits before the stored position again.
    const refetched = gh.requests.slice(mark).filter((r) => r.route === 'repos.getCommit').map((r) => r.path.split('/').at(-1));
    expect(refetched).not.toContain(planted.commits.added);
    for (const [token, p] of planted.places) {
      if (p.repo !== 'acme/api') continue;
      const f = await store.getFinding(fingerprint(token));
      expect(f, `${p.path}:${p.line}`).not.toBeNull();
      expect(f!.occurrences.filter((o) => o.source === id)).toHaveLength(1);
      expect(f!.occurrences[0]!.locator).toMatchObject({ kind: 'github', commit: p.commit, path: p.path, line: p.line });
    }
    expect(decodeBranchCursor(await store.getCursor(id, 'acme/api@main'))?.run).toBeUndefined();
  });

  it('issue and pull-request bodies, issue comments and review comments (includeComments), incrementally', async () => {
    const id = freshId();
    const t1 = githubPat();
    const t2 = githubPat();
    const t3 = githubPat();
    const t4 = githubPat();
    const issue = gh.addIssue('acme/api', { title: 'leak', body: `found ${t1}` });
    const pr = gh.addIssue('acme/api', { title: 'pr', body: `pr body ${t2}`, pr: true });
    const comment = gh.addIssueComment('acme/api', issue, `in a comment\n${t3}`);
    const review = gh.addReviewComment('acme/api', pr, `review ${t4}`, planted.commits.hunks!);
    const loaded = githubLoaded(gh, { id, orgs: [], repos: ['acme/api'], includeComments: true });
    const got: Chunk[] = [];
    await pollSource(githubSource(loaded, { store }, id), async (b) => void got.push(...b), pollDeps(), { signal: signal() });
    expect(holding(got, t1)[0]!.locator).toMatchObject({ field: 'issue-body', path: `issues/${issue}`, url: `${gh.htmlBase}/acme/api/issues/${issue}`, commit: '' });
    expect(holding(got, t2)[0]!.locator).toMatchObject({ field: 'pr-body', path: `pulls/${pr}` });
    expect(holding(got, t3)[0]!.locator).toMatchObject({ field: 'issue-comment', path: `issues/${issue}#issuecomment-${comment}`, line: 1, url: `${gh.htmlBase}/acme/api/issues/${issue}#issuecomment-${comment}` });
    expect(lineOf(holding(got, t3)[0]!, t3)).toBe(2);
    expect(holding(got, t4)[0]!.locator).toMatchObject({ field: 'review-comment', commit: planted.commits.hunks, path: `pulls/${pr}#discussion_r${review}` });
    const lists = gh.calls('issues.listForRepo');
    expect(lists[0]!.query).toMatchObject({ state: 'all', sort: 'updated', direction: 'asc' });

    got.length = 0;
    const late = githubPat();
    gh.addIssueComment('acme/api', issue, `late ${late}`);
    await pollSource(githubSource(loaded, { store }, id), async (b) => void got.push(...b), pollDeps(), { signal: signal() });
    expect(got.map((c) => c.text)).toEqual([`late ${late}`]);
    expect(gh.calls('issues.listCommentsForRepo').at(-1)!.query.since).toBeDefined();
  });
});

describe('github source: upstream failures', () => {
  it('a secondary rate limit with a long retry-after stops the run (no sleeping in a job); a short one is waited for once', async () => {
    const id = freshId();
    const loaded = githubLoaded(gh, { id, orgs: [], repos: ['acme/api'] });
    gh.fail({ route: 'repos.getCommit', status: 403, secondary: true, retryAfter: 90, after: 3 });
    const got: Chunk[] = [];
    const err = await pollSource(githubSource(loaded, { store }, id), async (b) => void got.push(...b), pollDeps(), { signal: signal() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenradiusError);
    expect(err).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retry: { afterMs: 90_000 }, details: { status: 403, limit: 'secondary', repo: 'acme/api' } });
    expect(gh.calls('repos.getCommit').filter((r) => r.status === 403)).toHaveLength(1);
    expect(got.length).toBeGreaterThan(0);
    // The next run continues and completes: no gap.
    await pollSource(githubSource(loaded, { store }, id), async (b) => void got.push(...b), pollDeps(), { signal: signal() });
    places(got, new Map([...planted.places].filter(([, p]) => p.repo === 'acme/api')));

    gh.fail({ route: 'repos.listCommits', status: 429, secondary: true, retryAfter: 1 });
    const ok = await pullAll(githubSource(githubLoaded(gh, { orgs: [], repos: ['other/lib'] })));
    expect(ok.length).toBeGreaterThan(0);
    expect(gh.calls('repos.listCommits').slice(-2).map((r) => r.status)).toEqual([429, 200]);
  });

  it('a primary rate limit waits until x-ratelimit-reset (as UPSTREAM_RATE_LIMITED)', async () => {
    gh.fail({ route: 'repos.get', status: 403, resetInSeconds: 600 });
    const err = await pullAll(githubSource(githubLoaded(gh))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', details: { limit: 'primary' } });
    const afterMs = ((err as TokenradiusError).retry as { afterMs: number }).afterMs;
    expect(afterMs).toBeGreaterThan(590_000);
    expect(afterMs).toBeLessThanOrEqual(602_000);
    expect(gh.calls('repos.get').filter((r) => r.status === 403)).toHaveLength(1);
  });

  it('retries a 5xx in the client and completes; past the retries it is UPSTREAM_UNAVAILABLE (retry later)', async () => {
    gh.fail({ route: 'repos.getCommit', status: 502, after: 1, times: 2 });
    const chunks = (await pullAll(githubSource(githubLoaded(gh)))).map((p) => p.chunk);
    places(chunks);
    const gets = gh.calls('repos.getCommit');
    const failed = gets.filter((r) => r.status === 502);
    expect(failed).toHaveLength(2);
    expect(gets[gets.indexOf(failed[1]!) + 1]).toMatchObject({ status: 200, path: failed[0]!.path });

    gh.fail({ route: 'repos.listCommits', status: 500, times: 10 });
    const err = await pullAll(githubSource(githubLoaded(gh, { orgs: [], repos: ['other/lib'] }))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retry: 'later', details: { status: 500 } });
    expect(gh.calls('repos.listCommits').filter((r) => r.status === 500)).toHaveLength(3);
  });

  it('bad credentials: a clear UPSTREAM_AUTH_FAILED, the source marked failed, the token never echoed', async () => {
    const id = freshId();
    const wrong = githubPat();
    const err = await pullAll(githubSource(githubLoaded(gh, { id }, [], { [TOKEN_ENV]: wrong }), { store }, id)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenradiusError);
    expect(err).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', retry: 'never', details: { status: 401 } });
    expect(JSON.stringify({ m: (err as Error).message, d: (err as TokenradiusError).details })).not.toContain(wrong);
    expect(gh.requests).toHaveLength(1);
    expect(JSON.parse((await store.getCursor(id, STATUS_SCOPE)) ?? '{}')).toMatchObject({ state: 'failed', code: 'UPSTREAM_AUTH_FAILED', status: 401 });
  });

  it('a repository the token cannot see is skipped; none visible at all is an auth failure', async () => {
    const chunks = (await pullAll(githubSource(githubLoaded(gh, { orgs: [], repos: ['acme/nope', 'other/lib'] })))).map((p) => p.chunk);
    expect(chunks.length).toBeGreaterThan(0);
    await expect(pullAll(githubSource(githubLoaded(gh, { orgs: ['ghost'], repos: ['acme/nope'] })))).rejects.toMatchObject({ code: 'UPSTREAM_AUTH_FAILED' });
  });
});
