/**
 * Pure parts of the GitHub connector: the patch parser (cases and a property over generated
 * diffs), `since` forms, push-webhook planning, cursors, rate-limit waits and error mapping.
 */
import fc from 'fast-check';
import { RequestError } from 'octokit';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/load.js';
import { addedRuns } from '../../../src/sources/github/patch.js';
import { parseGithubSince, commitsSince, MAX_SHAS_PER_JOB } from '../../../src/sources/github/since.js';
import { planGithubWebhook, repoConfigured } from '../../../src/sources/github/webhook.js';
import { advanceUpdated, completeBranch, decodeBranchCursor, encodeBranchCursor } from '../../../src/sources/github/cursor.js';
import { githubWaitMs, toGithubError } from '../../../src/sources/github/client.js';
import { commentChunks, patchChunks, type RepoInfo } from '../../../src/sources/github/chunks.js';
import { scanChunk } from '../../../src/pipeline/scan-chunk.js';
import { buildScanDeps } from '../../../src/pipeline/scan-deps.js';
import type { FindingObservation } from '../../../src/core/types.js';
import { githubPat } from '../../support/token-factory.js';
import type { GithubSourceConfig } from '../../../src/sources/github/options.js';

const sha = (c: string) => c.repeat(40).slice(0, 40);

function config(extra: Record<string, unknown> = {}): GithubSourceConfig {
  const loaded = resolveConfig({ sources: [{ id: 'gh-main', type: 'github', tokenEnv: 'GH_T', repos: ['acme/api'], orgs: ['tools'], ...extra }] }, { GH_T: 'x' });
  return loaded.config.sources[0] as GithubSourceConfig;
}

describe('addedRuns', () => {
  it('numbers added lines in the new file across hunks, context and removals', () => {
    const patch = ['@@ -1,3 +1,4 @@', ' a', '-b', '+B1', '+B2', ' c', '@@ -20,2 +21,3 @@ fn x() {', ' y', '+z', ' w'].join('\n');
    expect(addedRuns(patch)).toEqual([
      { line: 2, text: 'B1\nB2', lines: 2 },
      { line: 22, text: 'z', lines: 1 },
    ]);
  });

  it('a new file from line 1; a deleted file adds nothing; the no-newline note is not content', () => {
    expect(addedRuns('@@ -0,0 +1,2 @@\n+x\n+y\n\\ No newline at end of file')).toEqual([{ line: 1, text: 'x\ny', lines: 2 }]);
    expect(addedRuns('@@ -1,2 +0,0 @@\n-x\n-y')).toEqual([]);
    expect(addedRuns('@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+y\n\\ No newline at end of file')).toEqual([{ line: 1, text: 'y', lines: 1 }]);
  });

  it('content that looks like headers inside a hunk is content; CR stays part of the line', () => {
    const patch = '@@ -1,1 +1,4 @@\n ctx\n++++ not a header\n+@@ -1 +1 @@ also content\n+crlf\r';
    expect(addedRuns(patch)).toEqual([{ line: 2, text: '+++ not a header\n@@ -1 +1 @@ also content\ncrlf\r', lines: 3 }]);
  });

  it('separates runs that are not consecutive in the new file', () => {
    expect(addedRuns('@@ -1,3 +1,5 @@\n+a\n x\n+b\n y\n z').map((r) => r.line)).toEqual([1, 3]);
  });

  it('never throws on garbage', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => Array.isArray(addedRuns(s))));
    expect(addedRuns('')).toEqual([]);
    expect(addedRuns(undefined as unknown as string)).toEqual([]);
  });

  it('property: every added line of a generated diff is reported with its exact new-file line', () => {
    const op = fc.record({ kind: fc.constantFrom(' ', '+', '-'), text: fc.string({ maxLength: 30 }).map((s) => s.replace(/\n/g, ' ')) });
    const hunk = fc.record({ gap: fc.integer({ min: 0, max: 50 }), ops: fc.array(op, { minLength: 1, maxLength: 12 }) });
    fc.assert(
      fc.property(fc.array(hunk, { minLength: 1, maxLength: 5 }), (hunks) => {
        const lines: string[] = [];
        const expected = new Map<number, string>();
        let oldLine = 1;
        let newLine = 1;
        for (const h of hunks) {
          oldLine += h.gap;
          newLine += h.gap;
          const olds = h.ops.filter((o) => o.kind !== '+').length;
          const news = h.ops.filter((o) => o.kind !== '-').length;
          lines.push(`@@ -${olds === 0 ? oldLine - 1 : oldLine},${olds} +${news === 0 ? newLine - 1 : newLine},${news} @@`);
          for (const o of h.ops) {
            lines.push(`${o.kind}${o.text}`);
            if (o.kind === '+') expected.set(newLine, o.text);
            if (o.kind !== '+') oldLine += 1;
            if (o.kind !== '-') newLine += 1;
          }
        }
        const got = new Map<number, string>();
        for (const r of addedRuns(lines.join('\n'))) r.text.split('\n').forEach((t, i) => got.set(r.line + i, t));
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('patch chunks', () => {
  const repo: RepoInfo = { fullName: 'acme/api', owner: 'acme', name: 'api', htmlUrl: 'https://github.example.test/acme/api', visibility: 'public' };
  it('cut a long run with exact lines; each chunk links its own lines', () => {
    const body = Array.from({ length: 3000 }, (_, i) => `+line ${i + 1} ${'x'.repeat(40)}`).join('\n');
    const chunks = patchChunks('gh', repo, { sha: sha('a') }, 'big.txt', `@@ -0,0 +10,3000 @@\n${body}`, { chunkChars: 16_384, overlapChars: 1024 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) {
      expect(c.text.split('\n')[0]).toMatch(new RegExp(`^line ${c.locator.line - 9} `));
      const [, a, b] = /#L(\d+)-L(\d+)$/.exec((c.locator as { url: string }).url)!;
      expect(Number(a)).toBe(c.locator.line);
      expect(Number(b)).toBe(c.locator.line + c.text.replace(/\n$/, '').split('\n').length - 1);
    }
    expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
  });

  it("a finding's permalink points at its own line, not the chunk's range; comment links are kept", async () => {
    const seen: FindingObservation[] = [];
    const deps = buildScanDeps(resolveConfig({}, {}).config, { sink: { upsert: async (o) => (seen.push(o), { change: 'new', version: 1 }) } });
    const [first, second] = [githubPat(), githubPat()];
    // Added lines 41..45 of the new file; the tokens on 42 and 45.
    const patch = ['@@ -40,1 +40,6 @@', ' ctx', '+// config', `+const a = "${first}";`, '+', '+// more', `+export const b = "${second}";`].join('\n');
    const chunks = patchChunks('gh', repo, { sha: sha('b') }, 'src/some file.ts', patch, { chunkChars: 16_384, overlapChars: 1024 });
    expect(chunks).toHaveLength(1);
    expect((chunks[0]!.locator as { url: string }).url).toMatch(/#L41-L45$/);
    await scanChunk(chunks[0]!, deps, new Date());
    const blob = `https://github.example.test/acme/api/blob/${sha('b')}/src/some%20file.ts`;
    expect(seen.map((o) => [o.occurrence.locator.line, (o.occurrence.locator as { url?: string }).url])).toEqual([
      [42, `${blob}#L42`],
      [45, `${blob}#L45`],
    ]);

    seen.length = 0;
    const comment = commentChunks('gh', repo, { field: 'issue-comment', id: '77', path: 'issues/3#issuecomment-77', body: `oops\n${first}`, url: 'https://github.example.test/acme/api/issues/3#issuecomment-77' }, { chunkChars: 16_384, overlapChars: 1024 });
    await scanChunk(comment[0]!, deps, new Date());
    expect(seen.map((o) => [o.occurrence.locator.line, (o.occurrence.locator as { url?: string }).url])).toEqual([[2, 'https://github.example.test/acme/api/issues/3#issuecomment-77']]);
  });
});

describe('since', () => {
  it('parses dates and commit lists; refuses anything else', () => {
    expect(parseGithubSince('2024-05-01')).toEqual({ kind: 'time', ms: Date.UTC(2024, 4, 1) });
    expect(parseGithubSince('2024-05-01T10:00:00+02:00')).toEqual({ kind: 'time', ms: Date.UTC(2024, 4, 1, 8) });
    expect(parseGithubSince('2024-05-01 10:00')).toEqual({ kind: 'time', ms: Date.UTC(2024, 4, 1, 10) });
    expect(parseGithubSince(commitsSince('acme/api', [sha('a'), sha('b'), sha('a')]))).toEqual({ kind: 'commits', repo: 'acme/api', shas: [sha('a'), sha('b')] });
    for (const bad of ['yesterday', 'commits:acme/api:', 'commits:acme:' + sha('a'), 'commits:a/b:xyz', commitsSince('a/b', Array.from({ length: MAX_SHAS_PER_JOB + 1 }, (_, i) => sha(String(i % 10))))]) {
      expect(() => parseGithubSince(bad), bad.slice(0, 30)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    }
  });
});

describe('push webhook planning', () => {
  const push = (extra: Record<string, unknown> = {}) => ({
    ref: 'refs/heads/main',
    before: sha('0'),
    after: sha('b'),
    deleted: false,
    repository: { full_name: 'acme/api', default_branch: 'main', private: true },
    commits: [{ id: sha('a') }, { id: sha('b') }],
    ...extra,
  });

  it('a push to the default branch of a configured repository → one poll of exactly its commits', () => {
    expect(planGithubWebhook('push', push(), config())).toEqual({ kind: 'polls', repo: 'acme/api', branch: 'main', commits: 2, since: [commitsSince('acme/api', [sha('a'), sha('b')])] });
    // An organisation listed in orgs covers its repositories (case-insensitive).
    expect(planGithubWebhook('push', push({ repository: { full_name: 'Tools/Ci', default_branch: 'main' } }), config()).kind).toBe('polls');
  });

  it('splits big pushes into jobs of at most MAX_SHAS_PER_JOB commits', () => {
    const commits = Array.from({ length: 250 }, (_, i) => ({ id: i.toString(16).padStart(40, '0') }));
    const plan = planGithubWebhook('push', push({ commits }), config());
    expect(plan.kind === 'polls' && plan.since.map((s) => parseGithubSince(s)).map((s) => (s.kind === 'commits' ? s.shas.length : 0))).toEqual([100, 100, 50]);
  });

  it('ignores what the source does not read', () => {
    const c = config();
    expect(planGithubWebhook('ping', { zen: 'x' }, c)).toEqual({ kind: 'pong' });
    expect(planGithubWebhook('issues', {}, c).kind).toBe('ignore');
    expect(planGithubWebhook('push', push({ repository: { full_name: 'evil/api', default_branch: 'main' } }), c)).toMatchObject({ kind: 'ignore', reason: 'repository not configured' });
    expect(planGithubWebhook('push', push({ deleted: true, commits: [] }), c)).toMatchObject({ reason: 'branch deleted' });
    expect(planGithubWebhook('push', push({ ref: 'refs/tags/v1' }), c)).toMatchObject({ reason: 'not a branch' });
    expect(planGithubWebhook('push', push({ ref: 'refs/heads/feature' }), c)).toMatchObject({ reason: 'branch not configured' });
    expect(planGithubWebhook('push', push({ ref: 'refs/heads/feature' }), config({ branches: 'all' })).kind).toBe('polls');
    expect(planGithubWebhook('push', push({ ref: 'refs/heads/release' }), config({ branches: ['release'] })).kind).toBe('polls');
    expect(planGithubWebhook('push', push({ commits: [{ id: 'not-a-sha' }] }), c)).toMatchObject({ reason: 'push without commits' });
    expect(repoConfigured(c, 'ACME/API')).toBe(true);
  });

  it('never throws on arbitrary payloads', () => {
    const c = config();
    fc.assert(fc.property(fc.option(fc.string({ maxLength: 10 })), fc.jsonValue(), (event, body) => ['pong', 'polls', 'ignore'].includes(planGithubWebhook(event ?? undefined, body, c).kind)));
  });
});

describe('cursors', () => {
  it('a completed branch keeps the shas inside the overlap window before the newest date', () => {
    const listed = [
      { sha: sha('c'), date: 10_000_000 },
      { sha: sha('b'), date: 9_000_000 },
      { sha: sha('a'), date: 1_000_000 },
    ];
    const done = completeBranch(undefined, sha('c'), listed, 2_000_000);
    expect(done).toEqual({ v: 1, head: sha('c'), date: 10_000_000, seen: [sha('c'), sha('b')] });
    expect(decodeBranchCursor(encodeBranchCursor({ ...done, run: { target: sha('d'), floor: 8_000_000, after: sha('c') } }))).toEqual({ ...done, run: { target: sha('d'), floor: 8_000_000, after: sha('c') } });
    expect(decodeBranchCursor('{"v":2}')).toBeUndefined();
    expect(decodeBranchCursor('not json')).toBeUndefined();
  });

  it('a stream cursor forgets versions older than the window', () => {
    let c = advanceUpdated({ v: 1, seen: [] }, 'issue-body-1@1000', 1000, 60_000);
    c = advanceUpdated(c, 'issue-body-2@200000', 200_000, 60_000);
    expect(c).toEqual({ v: 1, updated: 200_000, seen: ['issue-body-2@200000'] });
  });
});

describe('rate limits and errors', () => {
  const err = (status: number, headers: Record<string, string>, message = 'x') =>
    new RequestError(message, status, { request: { method: 'GET', url: 'http://127.0.0.1/x', headers: { authorization: 'token SECRET' } }, response: { status, url: 'http://127.0.0.1/x', headers, data: { message } } });

  it('waits for retry-after, else until the reset, else a minute', () => {
    const now = 1_700_000_000_000;
    expect(githubWaitMs({ 'retry-after': '30' }, now)).toBe(30_000);
    expect(githubWaitMs({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 120) }, now)).toBe(121_000);
    expect(githubWaitMs({}, now)).toBe(60_000);
  });

  it('maps statuses to catalogue codes without echoing GitHub or the request', () => {
    expect(toGithubError(err(403, { 'retry-after': '5' }, 'You have exceeded a secondary rate limit'), { op: 'x' })).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retry: { afterMs: 5000 }, details: { limit: 'secondary' } });
    expect(toGithubError(err(429, {}), { op: 'x' })).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retry: { afterMs: 60_000 } });
    expect(toGithubError(err(401, {}, 'Bad credentials'), { op: 'x' })).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', retry: 'never' });
    expect(toGithubError(err(403, {}, 'Resource not accessible'), { op: 'x' })).toMatchObject({ code: 'FORBIDDEN' });
    expect(toGithubError(err(404, {}), { op: 'x' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(toGithubError(err(409, {}, 'Git Repository is empty.'), { op: 'x' })).toMatchObject({ code: 'CONFLICT', details: { empty: true } });
    expect(toGithubError(err(503, {}), { op: 'x' })).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retry: 'later' });
    expect(toGithubError(new TypeError('fetch failed'), { op: 'x' })).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', details: { cause: 'TypeError' } });
    const e = toGithubError(err(422, {}, 'token ghp_leaked in message'), { op: 'x' });
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toMatch(/SECRET|leaked/);
  });
});

describe('config', () => {
  it('needs repos or orgs; repository names are owner/name; defaults as documented', () => {
    expect(() => resolveConfig({ sources: [{ id: 'g', type: 'github', tokenEnv: 'T' }] }, { T: 'x' })).toThrow(/sources\[0\]\.repos: list at least one repository/);
    expect(() => resolveConfig({ sources: [{ id: 'g', type: 'github', tokenEnv: 'T', repos: ['api'] }] }, { T: 'x' })).toThrow(/owner\/name/);
    const c = config();
    expect(c).toMatchObject({ baseUrl: 'https://api.github.com', branches: 'default', includeComments: false, pageSize: 100, overlapMinutes: 60, maxRateLimitWaitSeconds: 5 });
    expect(config({ baseUrl: 'https://ghe.example.test/api/v3/' }).baseUrl).toBe('https://ghe.example.test/api/v3');
  });
});
