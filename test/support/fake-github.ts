/**
 * A fake GitHub REST API on 127.0.0.1 (port 0), driven by the REAL `octokit` client
 * (`new Octokit({ baseUrl: fake.url })`). General on purpose: connector tests seed repositories,
 * branches, commits with patches, issues and comments; alerting tests post commit / issue comments
 * and revoke credentials (`POST /credentials/revoke`).
 *
 *   const gh = await startFakeGithub();
 *   const repo = gh.addRepo({ owner: 'acme', name: 'api', visibility: 'public' });
 *   const sha = gh.commit('acme/api', { files: [{ path: '.env', content: `TOKEN=${t}\n` }] });
 *   gh.commit('acme/api', { files: [{ path: 'a.ts', patch: '@@ -1,2 +1,3 @@\n a\n+b\n c' }] });
 *   gh.fail({ route: 'repos.listCommits', status: 403, secondary: true, retryAfter: 30 });
 *   gh.calls('repos.getCommit'); gh.requests; gh.revokedCredentials; await gh.close();
 *
 * Routes are named like octokit's methods (`repos.get`, `repos.listForOrg`, `repos.listBranches`,
 * `repos.getBranch`, `repos.listCommits`, `repos.getCommit`, `issues.listForRepo`,
 * `issues.listCommentsForRepo`, `pulls.listReviewCommentsForRepo`, `issues.createComment`,
 * `repos.createCommitComment`, `users.getAuthenticated`, `credentials.revoke`). Lists page with
 * `per_page`/`page` and a `Link` header (absolute URLs, as GitHub sends); a commit's files page at
 * `filesPerPage` (300 on GitHub). An EMPTY repository answers listCommits with 409 "Git Repository
 * is empty." and getBranch with 404, as GitHub does. Every response carries `x-ratelimit-*` headers.
 * Faults: a status (5xx, 401, 403/429 rate limits — primary with `x-ratelimit-remaining: 0` and a
 * reset, or secondary with a message and `retry-after`), matched in order and consumed.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Obj = Record<string, unknown>;

export interface FakeRepo {
  owner: string;
  name: string;
  fullName: string;
  visibility: 'public' | 'private' | 'internal';
  defaultBranch: string;
  archived: boolean;
  fork: boolean;
  branches: Map<string, string>;
  issues: Array<{ number: number; title: string; body: string | null; pr: boolean; user: string; updatedMs: number; createdMs: number }>;
  issueComments: Array<{ id: number; issue: number; body: string; user: string; updatedMs: number }>;
  reviewComments: Array<{ id: number; pull: number; body: string; user: string; commitId: string; path: string; updatedMs: number }>;
}

export interface FakeCommitFile {
  path: string;
  /** added | modified | removed | renamed | copied | changed (default: added with `content`, modified with `patch`). */
  status?: string;
  /** A unified-diff patch (hunks only, as GitHub's `files[].patch`). */
  patch?: string;
  /** Content of an added file: the patch is generated (`@@ -0,0 +1,N @@`). */
  content?: string;
  previousPath?: string;
  /** No patch (binary file, or a diff too large for GitHub); `additions` still reported. */
  noPatch?: boolean;
  additions?: number;
}

export interface FakeCommit {
  sha: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; login?: string };
  /** ms */
  authorDate: number;
  committerDate: number;
  files: Array<Obj>;
  repo: string;
}

export interface FakeGithubRequest {
  route: string;
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  auth: 'valid' | 'invalid' | 'none';
  status: number;
  at: number;
}

export interface GithubFault {
  /** Route name (see the module doc) or '*'. */
  route: string;
  after?: number;
  times?: number;
  status: number;
  /** Seconds, in `retry-after`. */
  retryAfter?: number;
  /** Primary rate limit: `x-ratelimit-remaining: 0` and `x-ratelimit-reset` this many seconds ahead. */
  resetInSeconds?: number;
  /** Secondary rate limit message ("You have exceeded a secondary rate limit"). */
  secondary?: boolean;
  message?: string;
  /** Only when the request path contains this. */
  pathIncludes?: string;
}

export type GithubHandler = (req: { method: string; path: string; query: Record<string, string>; body: unknown; fake: FakeGithub }) =>
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;

export interface FakeGithubOptions {
  tokens?: string[];
  /** Files per page of a commit (GitHub: 300). */
  filesPerPage?: number;
  /** Where html_url links point. */
  htmlBase?: string;
}

export interface FakeGithub {
  readonly url: string;
  readonly token: string;
  readonly htmlBase: string;
  readonly repos: Map<string, FakeRepo>;
  readonly commits: Map<string, FakeCommit>;
  readonly requests: FakeGithubRequest[];
  readonly postedComments: Array<{ kind: 'issue' | 'commit'; repo: string; target: string; body: string }>;
  readonly revokedCredentials: string[];
  addToken(t: string): void;
  addRepo(r: { owner: string; name: string; visibility?: FakeRepo['visibility']; defaultBranch?: string; archived?: boolean; fork?: boolean }): FakeRepo;
  /** A commit on a branch (default: the repository's default branch), whose parent is the branch head. Returns its sha. */
  commit(repo: string, c: { branch?: string; message?: string; author?: string; login?: string; date?: number; files: FakeCommitFile[]; parents?: string[] }): string;
  /** Point a branch at a commit (creates the branch). */
  setBranch(repo: string, branch: string, sha: string): void;
  addIssue(repo: string, i: { title?: string; body?: string | null; pr?: boolean; user?: string }): number;
  addIssueComment(repo: string, issue: number, body: string, user?: string): number;
  addReviewComment(repo: string, pull: number, body: string, commitId: string, path?: string, user?: string): number;
  /** Fake clock (ms) for commit dates and `updated_at`. */
  now(): number;
  tick(ms?: number): number;
  fail(f: GithubFault): void;
  clearFaults(): void;
  handle(method: string, path: RegExp, h: GithubHandler): void;
  calls(route: string): FakeGithubRequest[];
  close(): Promise<void>;
}

/** `sha256=<hex>` as GitHub signs a webhook body (`X-Hub-Signature-256`). */
export function signGithubWebhook(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The patch GitHub shows for a new file with this content. */
export function addedFilePatch(content: string): string {
  const lines = content.endsWith('\n') ? content.slice(0, -1).split('\n') : content.split('\n');
  const tail = content.endsWith('\n') ? '' : '\n\\ No newline at end of file';
  return `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}${tail}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

export async function startFakeGithub(opts: FakeGithubOptions = {}): Promise<FakeGithub> {
  const tokens = new Set(opts.tokens ?? [`ghp_test${randomBytes(16).toString('hex')}`]);
  const htmlBase = opts.htmlBase ?? 'https://github.example.test';
  const filesPerPage = opts.filesPerPage ?? 300;
  const repos = new Map<string, FakeRepo>();
  const commits = new Map<string, FakeCommit>();
  const requests: FakeGithubRequest[] = [];
  const postedComments: FakeGithub['postedComments'] = [];
  const revokedCredentials: string[] = [];
  const faults: Array<GithubFault & { seen: number; left: number }> = [];
  const custom: Array<{ method: string; path: RegExp; h: GithubHandler }> = [];
  let clock = Date.UTC(2024, 4, 1, 9, 0, 0);
  let ids = 1000;
  let remaining = 5000;
  let base = '';
  let fake!: FakeGithub;

  const tick = (ms = 60_000) => (clock += ms);
  const repoOf = (owner: string, name: string) => repos.get(`${owner}/${name}`.toLowerCase());

  function repoJson(r: FakeRepo): Obj {
    const empty = r.branches.size === 0;
    return {
      id: r.fullName.length * 1000 + r.name.length,
      name: r.name,
      full_name: r.fullName,
      owner: { login: r.owner, type: 'Organization' },
      private: r.visibility !== 'public',
      visibility: r.visibility,
      html_url: `${htmlBase}/${r.fullName}`,
      default_branch: r.defaultBranch,
      size: empty ? 0 : 120,
      archived: r.archived,
      fork: r.fork,
    };
  }

  function commitSummary(c: FakeCommit): Obj {
    return {
      sha: c.sha,
      html_url: `${htmlBase}/${c.repo}/commit/${c.sha}`,
      commit: {
        message: c.message,
        author: { name: c.author.name, email: c.author.email, date: iso(c.authorDate) },
        committer: { name: c.author.name, email: c.author.email, date: iso(c.committerDate) },
      },
      author: c.author.login ? { login: c.author.login } : null,
      parents: c.parents.map((p) => ({ sha: p })),
    };
  }

  /** Ancestors of a commit (itself included), each once. */
  function history(sha: string): FakeCommit[] {
    const out: FakeCommit[] = [];
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      const c = commits.get(s);
      if (!c) continue;
      out.push(c);
      stack.push(...c.parents);
    }
    return out;
  }

  function paged<T>(path: string, query: Record<string, string>, items: T[]): { slice: T[]; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? 30) || 30));
    const page = Math.max(1, Number(query.page ?? 1) || 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number) => `<${base}${path}?${new URLSearchParams({ ...query, page: String(p), per_page: String(perPage) }).toString()}>`;
    const parts: string[] = [];
    if (page < last) parts.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
    if (page > 1) parts.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
    return { slice, headers: parts.length > 0 ? { link: parts.join(', ') } : {} };
  }

  const notFound = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };
  const sinceFilter = (q: Record<string, string>) => (ms: number) => !q.since || ms >= Date.parse(q.since);
  const order = (q: Record<string, string>) => (q.direction === 'asc' ? 1 : -1);

  type R = { status: number; body?: unknown; headers?: Record<string, string> };
  const builtin: Array<{ route: string; method: string; path: RegExp; auth?: false; h: (m: RegExpExecArray, q: Record<string, string>, body: unknown, path: string) => R }> = [
    { route: 'users.getAuthenticated', method: 'GET', path: /^\/user$/, h: () => ({ status: 200, body: { login: 'tokenradius-bot', id: 1, type: 'User' } }) },
    {
      route: 'credentials.revoke',
      method: 'POST',
      path: /^\/credentials\/revoke$/,
      auth: false,
      h: (_m, _q, body) => {
        const list = (body as Obj | undefined)?.credentials;
        if (!Array.isArray(list) || list.length === 0 || list.length > 1000 || !list.every((x) => typeof x === 'string')) return { status: 422, body: { message: 'Validation Failed' } };
        revokedCredentials.push(...(list as string[]));
        return { status: 202, body: {} };
      },
    },
    {
      route: 'repos.listForOrg',
      method: 'GET',
      path: /^\/orgs\/([^/]+)\/repos$/,
      h: (m, q, _b, path) => {
        const org = m[1]!.toLowerCase();
        const list = [...repos.values()].filter((r) => r.owner.toLowerCase() === org);
        if (list.length === 0) return notFound;
        const p = paged(path, q, list.map(repoJson));
        return { status: 200, body: p.slice, headers: p.headers };
      },
    },
    {
      route: 'repos.listBranches',
      method: 'GET',
      path: /^\/repos\/([^/]+)\/([^/]+)\/branches$/,
      h: (m, q, _b, path) => {
        const r = repoOf(m[1]!, m[2]!);
        if (!r) return notFound;
        const p = paged(path, q, [...r.branches].map(([name, sha]) => ({ name, commit: { sha, url: `${base}/repos/${r.fullName}/commits/${sha}` }, protected: false })));
        return { status: 200, body: p.slice, headers: p.headers };
      },
    },
    {
      route: 'repos.getBranch',
      method: 'GET',
      path: /^\/repos\/([^/]+)\/([^/]+)\/branches\/(.+)$/,
      h: (m) => {
        const r = repoOf(m[1]!, m[2]!);
        if (!r) return notFound;
        const name = decodeURIComponent(m[3]!);
        const sha = r.branches.get(name);
        if (!sha) return { status: 404, body: { message: 'Branch not found', documentation_url: 'https://docs.github.com/rest/branches/branches#get-a-branch', status: '404' } };
        return { status: 200, body: { name, commit: commitSummary(commits.get(sha)!), protected: false } };
      },
    },
    {
      route: 'repos.listCommits',
      method: 'GET',
      path: /^\/repos\/([^/]+)\/([^/]+)\/commits$/,
      h: (m, q, _b, path) => {
        const r = repoOf(m[1]!, m[2]!);
        if (!r) return notFound;
        if (r.branches.size === 0) return { status: 409, body: { message: 'Git Repository is empty.', documentation_url: 'https://docs.github.com/rest/commits/commits#list-commits', status: '409' } };
        const start = q.sha ? (r.branches.get(q.sha) ?? (commits.has(q.sha) ? q.sha : undefined)) : r.branches.get(r.defaultBranch);
        if (!start) return { status: 404, body: { message: 'No commit found for SHA: x', status: '404' } };
        const list = history(start)
          .filter((c) => sinceFilter(q)(c.committerDate))
          .sort((a, b) => b.committerDate - a.committerDate || b.sha.localeCompare(a.sha));
        const p = paged(path, q, list.map(commitSummary));
        return { status: 200, body: p.slice, headers: p.headers };
      },
    },
    {
      route: 'repos.getCommit',
      method: 'GET',
      path: /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)$/,
      h: (m, q, _b, path) => {
        const r = repoOf(m[1]!, m[2]!);
        if (!r) return notFound;
        const ref = decodeURIComponent(m[3]!);
        const sha = r.branches.get(ref) ?? ref;
        const c = commits.get(sha);
        if (!c || c.repo.toLowerCase() !== r.fullName.toLowerCase()) return { status: 422, body: { message: `No commit found for SHA: ${ref}`, status: '422' } };
        // GitHub pages a commit's files at 300 whatever per_page says (here: `filesPerPage`).
        const per = filesPerPage;
        const page = Math.max(1, Number(q.page ?? 1) || 1);
        const files = c.files.slice((page - 1) * per, page * per);
        const more = page * per < c.files.length;
        const headers: Record<string, string> = more ? { link: `<${base}${path}?page=${page + 1}>; rel="next", <${base}${path}?page=${Math.ceil(c.files.length / per)}>; rel="last"` } : {};
        return { status: 200, body: { ...commitSummary(c), files, stats: { total: c.files.length } }, headers };
      },
    },
    {
      route: 'issues.listCommentsForRepo',
      method: 'GET',
      path: /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments$/,
      h: (m, q, _b, path) => {
        const r = repoOf(m[1]!, m[2]!);
        if (!r) return notFound;
        const list = r.issueComments
          .filter((c) => sinceFilter(q)(c.updatedMs))
          .sort((a, b) => order(q) * (a.updatedMs - b.updatedMs) || a.id - b.id)
          .map((c) => ({
            id: c.id,
            body: c.body,
            user: { login: c.user },
            html_url: `${htmlBase}/${r.fullName}/issues/${c.issue}#issuecomment-${c.id}`,
            issue_url: `${base}/repos/${r.fullName}/issues/${c.issue}`,
            created_at: iso(c.updatedMs),
            updated_at: iso(c.updatedMs),
          }));
        const p = paged(path, q, list);
        return { status: 200, body: p.slice, headers: p.headers };
      },
    },
    {
      route: 'issues.createComment',
      method: 'POST',
      path: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
      h: (m, _q, body) => {
        const r = repoOf(m[1]!, m[2]!);
        if (!r || !r.issues.some((i) => i.number === Number(m[3]))) return notFound;
        const text = String((body as Obj | undefined)?.body ?? '');
        const id = fake.addIssueComment(r.fullName, Number(m[3]), text, 'tokenradius-bot');
        postedComments.push({ kind: 'issue', repo: r.fullName, target: m[3]!, body: text });
        return { status: 201, body: { id, body: text, html_url: `${htmlBase}/${r.fullName}/issues/${m[3]}#issuecomment-${id}` } };
      },
    },
    {
      route: 'repos.createCommitComment',
      method: 'POST',
      path: /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]{40})\/comments$/,
      h: (m, _q, body) => {
        const r = repoOf(m[1]!, m[2]!);
        if (!r || !commits.has(m[3]!)) return notFound;
        const text = String((body as Obj | undefined)?.body ?? '');
        postedComments.push({ kind: 'commit', repo: r.fullName, target: m[3]!, body: text });
        const id = ++ids;
        return { status: 201, body: { id, body: text, commit_id: m[3], html_url: `${htmlBase}/${r.fullName}/commit/${m[3]}#commitcomment-${id}` } };
      },
    },
    {
      route: 'issues.listForRepo',
      method: 'GET',
      path: /^\/repos\/([^/]+)\/([^/]+)\/issues$/,
      h: (m, q, _b, path) => {
        const r = repoOf(m[1]!, m[2]!);
        if (!r) return notFound;
        const list = r.issues
          .filter((i) => sinceFilter(q)(i.updatedMs))
          .sort((a, b) => order(q) * (a.updatedMs - b.updatedMs) || a.number - b.number)
          .map((i) => ({
            number: i.number,
            title: i.title,
            body: i.body,
            user: { login: i.user },
            state: 'open',
            html_url: `${htmlBase}/${r.fullName}/${i.pr ? 'pull' : 'issues'}/${i.number}`,
            created_at: iso(i.createdMs),
            updated_at: iso(i.updatedMs),
            ...(i.pr ? { pull_request: { url: `${base}/repos/${r.fullName}/pulls/${i.number}` } } : {}),
          }));
        const p = paged(path, q, list);
        return { status: 200, body: p.slice, headers: p.headers };
      },
    },
    {
      route: 'pulls.listReviewCommentsForRepo',
      method: 'GET',
      path: /^\/repos\/([^/]+)\/([^/]+)\/pulls\/comments$/,
      h: (m, q, _b, path) => {
        const r = repoOf(m[1]!, m[2]!);
        if (!r) return notFound;
        const list = r.reviewComments
          .filter((c) => sinceFilter(q)(c.updatedMs))
          .sort((a, b) => order(q) * (a.updatedMs - b.updatedMs) || a.id - b.id)
          .map((c) => ({
            id: c.id,
            body: c.body,
            path: c.path,
            commit_id: c.commitId,
            user: { login: c.user },
            html_url: `${htmlBase}/${r.fullName}/pull/${c.pull}#discussion_r${c.id}`,
            pull_request_url: `${base}/repos/${r.fullName}/pulls/${c.pull}`,
            updated_at: iso(c.updatedMs),
          }));
        const p = paged(path, q, list);
        return { status: 200, body: p.slice, headers: p.headers };
      },
    },
    {
      route: 'repos.get',
      method: 'GET',
      path: /^\/repos\/([^/]+)\/([^/]+)$/,
      h: (m) => {
        const r = repoOf(m[1]!, m[2]!);
        return r ? { status: 200, body: repoJson(r) } : notFound;
      },
    },
  ];

  function matchFault(route: string, path: string): (GithubFault & { seen: number; left: number }) | undefined {
    for (const f of faults) {
      if (f.left <= 0) continue;
      if (f.route !== '*' && f.route !== route) continue;
      if (f.pathIncludes && !path.includes(f.pathIncludes)) continue;
      f.seen += 1;
      if (f.seen <= (f.after ?? 0)) continue;
      f.left -= 1;
      return f;
    }
    return undefined;
  }

  function authOf(req: IncomingMessage): FakeGithubRequest['auth'] {
    const h = req.headers.authorization;
    if (typeof h !== 'string') return 'none';
    const m = /^(?:token|bearer)\s+(.+)$/i.exec(h);
    return m && tokens.has(m[1]!) ? 'valid' : 'invalid';
  }

  function rateHeaders(): Record<string, string> {
    remaining = Math.max(1, remaining - 1);
    return {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-used': String(5000 - remaining),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
    };
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...rateHeaders(), ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const raw = await readBody(req);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = raw.toString('utf8');
      }
    }
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const auth = authOf(req);
    const path = url.pathname;
    const log = (route: string, status: number) => requests.push({ route, method, path, query, ...(body !== undefined ? { body } : {}), auth, status, at: Date.now() });

    for (const c of custom) {
      if (c.method === method && c.path.test(path)) {
        const r = await c.h({ method, path, query, body, fake });
        log(`custom:${path}`, r.status);
        return send(res, r.status, r.body, r.headers);
      }
    }
    let hit: { b: (typeof builtin)[number]; m: RegExpExecArray } | undefined;
    for (const b of builtin) {
      const m = b.path.exec(path);
      if (m && b.method === method) {
        hit = { b, m };
        break;
      }
    }
    const route = hit?.b.route ?? path;
    const fault = matchFault(route, path);
    if (fault) {
      log(route, fault.status);
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      if (fault.resetInSeconds !== undefined) {
        headers['x-ratelimit-remaining'] = '0';
        headers['x-ratelimit-reset'] = String(Math.floor(Date.now() / 1000) + fault.resetInSeconds);
      }
      if (fault.status >= 500) {
        res.writeHead(fault.status, { 'content-type': 'text/html', ...headers });
        res.end(`<html>upstream error ${fault.status}</html>`);
        return;
      }
      const message =
        fault.message ??
        (fault.secondary
          ? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
          : fault.resetInSeconds !== undefined
            ? 'API rate limit exceeded for user ID 1.'
            : fault.status === 401
              ? 'Bad credentials'
              : `fault ${fault.status}`);
      return send(res, fault.status, { message, documentation_url: 'https://docs.github.com/rest', status: String(fault.status) }, headers);
    }
    if (hit?.b.auth !== false && auth !== 'valid') {
      log(route, 401);
      return send(res, 401, { message: auth === 'none' ? 'Requires authentication' : 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }
    if (!hit) {
      log(route, 404);
      return send(res, 404, { message: 'Not Found', status: '404' });
    }
    const r = hit.b.h(hit.m, query, body, path);
    log(route, r.status);
    return send(res, r.status, r.body, r.headers);
  }

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const newSha = () => createHash('sha1').update(randomBytes(16)).digest('hex');

  fake = {
    url: base,
    token: [...tokens][0]!,
    htmlBase,
    repos,
    commits,
    requests,
    postedComments,
    revokedCredentials,
    addToken: (t) => void tokens.add(t),
    addRepo(r) {
      const repo: FakeRepo = {
        owner: r.owner,
        name: r.name,
        fullName: `${r.owner}/${r.name}`,
        visibility: r.visibility ?? 'private',
        defaultBranch: r.defaultBranch ?? 'main',
        archived: r.archived ?? false,
        fork: r.fork ?? false,
        branches: new Map(),
        issues: [],
        issueComments: [],
        reviewComments: [],
      };
      repos.set(repo.fullName.toLowerCase(), repo);
      return repo;
    },
    commit(repoName, c) {
      const r = repos.get(repoName.toLowerCase());
      if (!r) throw new Error(`no repo ${repoName}`);
      const branch = c.branch ?? r.defaultBranch;
      const head = r.branches.get(branch) ?? (branch !== r.defaultBranch ? r.branches.get(r.defaultBranch) : undefined);
      const date = c.date ?? tick();
      const sha = newSha();
      const files = c.files.map((f) => {
        const patch = f.noPatch ? undefined : (f.patch ?? (f.content !== undefined ? addedFilePatch(f.content) : undefined));
        const additions = f.additions ?? (patch ? patch.split('\n').filter((l) => l.startsWith('+')).length : 0);
        const deletions = patch ? patch.split('\n').filter((l) => l.startsWith('-')).length : 0;
        const status = f.status ?? (f.content !== undefined ? 'added' : f.previousPath ? 'renamed' : 'modified');
        return {
          sha: newSha(),
          filename: f.path,
          status,
          additions,
          deletions,
          changes: additions + deletions,
          blob_url: `${htmlBase}/${r.fullName}/blob/${sha}/${f.path}`,
          raw_url: `${htmlBase}/${r.fullName}/raw/${sha}/${f.path}`,
          ...(f.previousPath ? { previous_filename: f.previousPath } : {}),
          ...(patch !== undefined ? { patch } : {}),
        };
      });
      commits.set(sha, {
        sha,
        parents: c.parents ?? (head ? [head] : []),
        message: c.message ?? 'change',
        author: { name: c.author ?? 'Dev One', email: 'dev@example.test', ...(c.login ? { login: c.login } : {}) },
        authorDate: date,
        committerDate: date,
        files,
        repo: r.fullName,
      });
      r.branches.set(branch, sha);
      return sha;
    },
    setBranch(repoName, branch, sha) {
      const r = repos.get(repoName.toLowerCase());
      if (!r) throw new Error(`no repo ${repoName}`);
      r.branches.set(branch, sha);
    },
    addIssue(repoName, i) {
      const r = repos.get(repoName.toLowerCase());
      if (!r) throw new Error(`no repo ${repoName}`);
      const number = r.issues.length + 1;
      const t = tick();
      r.issues.push({ number, title: i.title ?? `Issue ${number}`, body: i.body ?? null, pr: i.pr ?? false, user: i.user ?? 'dev-one', updatedMs: t, createdMs: t });
      return number;
    },
    addIssueComment(repoName, issue, body, user = 'dev-one') {
      const r = repos.get(repoName.toLowerCase());
      if (!r) throw new Error(`no repo ${repoName}`);
      const id = ++ids;
      r.issueComments.push({ id, issue, body, user, updatedMs: tick() });
      return id;
    },
    addReviewComment(repoName, pull, body, commitId, path = 'src/app.ts', user = 'dev-one') {
      const r = repos.get(repoName.toLowerCase());
      if (!r) throw new Error(`no repo ${repoName}`);
      const id = ++ids;
      r.reviewComments.push({ id, pull, body, user, commitId, path, updatedMs: tick() });
      return id;
    },
    now: () => clock,
    tick,
    fail(f) {
      faults.push({ ...f, seen: 0, left: f.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    handle(method, path, h) {
      custom.push({ method, path, h });
    },
    calls(route) {
      return requests.filter((r) => r.route === route);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
