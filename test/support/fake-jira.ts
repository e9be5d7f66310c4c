/**
 * A fake Jira Cloud REST v3 on 127.0.0.1 (port 0), driven by the REAL `jira.js` client
 * (`Version3Client({ host: fake.url })`). General on purpose: connector tests seed issues, the
 * alerting stage posts comments.
 *
 *   const jira = await startFakeJira({ timeZone: 'Europe/Berlin' });
 *   const i = jira.addIssue({ project: 'OPS', summary: 'x', description: adfDoc('…') });   // OPS-1
 *   jira.addComment(i.key, adfDoc('…'));           // bumps the issue's `updated`
 *   jira.updateIssue(i.key, { description: … });   // new version
 *   jira.fail({ route: 'search', status: 429, retryAfter: 2, after: 1 });
 *   jira.handle('GET', /^\/rest\/api\/3\/project$/, (req) => ({ status: 200, body: […] }));
 *   jira.calls('search'); jira.requests; jira.postedComments; await jira.close();
 *
 * Routes (name → path): `myself` GET /rest/api/3/myself; `search` GET|POST /rest/api/3/search/jql
 * (`nextPageToken` paging, explicit `fields` — without them only `id` comes back, as Jira does);
 * `legacy-search` GET|POST /rest/api/3/search → 410 Gone, always (proves it is never called);
 * `issue` GET /rest/api/3/issue/{key} (`fields`, `expand=changelog`); `comments` GET
 * /rest/api/3/issue/{key}/comment (`startAt`/`maxResults`); `add-comment` POST the same path.
 * Search embeds at most `embeddedComments` comments per issue (with `total`), like Jira.
 *
 * JQL understood: `project = X` / `project in (X, Y)`, `updated >= "yyyy-MM-dd HH:mm"` (read in
 * the API user's `timeZone`, minute precision), `ORDER BY updated ASC, key ASC`. Auth: Basic
 * `email:apiToken`, 401 otherwise. Every response is in memory; the request log holds test
 * credentials only (as `auth: valid|invalid|none`, never the header).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';

type Obj = Record<string, unknown>;

export interface FakeJiraComment {
  id: string;
  body: unknown;
  author: { accountId: string; displayName: string };
  created: string;
  updated: string;
}

export interface FakeJiraIssue {
  id: string;
  key: string;
  project: string;
  /** ms */
  updatedMs: number;
  fields: Obj;
  comments: FakeJiraComment[];
  /** changelog histories (`expand=changelog`). */
  histories: Obj[];
}

export interface FakeJiraRequest {
  route: string;
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  auth: 'valid' | 'invalid' | 'none';
  status: number;
  at: number;
}

export interface JiraFault {
  /** Route name (`search`, `comments`, `issue`, `myself`, `add-comment`) or '*'. */
  route: string;
  /** Let this many matching calls through first. */
  after?: number;
  /** How many matching calls fail (default 1; Infinity = until cleared). */
  times?: number;
  status: number;
  /** Seconds, in Retry-After. */
  retryAfter?: number;
  delayMs?: number;
}

export type JiraHandler = (req: { method: string; path: string; query: Record<string, string>; body: unknown; fake: FakeJira }) =>
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;

export interface FakeJiraOptions {
  email?: string;
  apiToken?: string;
  /** The API user's time zone (JQL dates are read in it). Default UTC. */
  timeZone?: string;
  /** Comments embedded in a search result per issue (default 3, to exercise paging). */
  embeddedComments?: number;
  /** Largest search page served, whatever `maxResults` asks (default 100). */
  maxPage?: number;
}

export interface AddIssue {
  project?: string;
  key?: string;
  summary?: string;
  description?: unknown;
  environment?: unknown;
  security?: { id: string; name: string };
  /** Extra fields (custom fields). */
  fields?: Obj;
  updated?: number;
}

export interface FakeJira {
  readonly url: string;
  readonly email: string;
  readonly apiToken: string;
  readonly timeZone: string;
  readonly issues: Map<string, FakeJiraIssue>;
  readonly requests: FakeJiraRequest[];
  readonly postedComments: Array<{ issue: string; body: unknown; id: string }>;
  /** Fake clock (ms) used for `updated`; each change advances it. */
  now(): number;
  /** Move the fake clock forward. */
  tick(ms: number): void;
  addIssue(i?: AddIssue): FakeJiraIssue;
  updateIssue(key: string, fields: Obj, opts?: { history?: Obj }): FakeJiraIssue;
  addComment(key: string, body: unknown, author?: string): FakeJiraComment;
  fail(f: JiraFault): void;
  clearFaults(): void;
  handle(method: string, path: RegExp, h: JiraHandler): void;
  calls(route: string): FakeJiraRequest[];
  /** The issue as `GET /issue` returns it with the given fields. */
  issueJson(key: string, fields?: string[], expand?: string): Obj;
  close(): Promise<void>;
}

/** An ADF document with one paragraph per string (tests build richer ones by hand). */
export function adfDoc(...paragraphs: string[]): Obj {
  return { type: 'doc', version: 1, content: paragraphs.map((t) => ({ type: 'paragraph', content: t ? [{ type: 'text', text: t }] : [] })) };
}

/** `sha256=<hex>` as a Jira admin webhook with a secret signs its body. */
export function signJiraWebhook(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Offset of a time zone at an instant, in ms (local = utc + offset). */
function tzOffsetMs(ms: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(ms))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour === 24 ? 0 : p.hour!, p.minute!, p.second!);
  return asUtc - (ms - (ms % 1000));
}

/** "yyyy-MM-dd HH:mm" in a zone → ms. */
function zonedToMs(local: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(local);
  if (!m) return NaN;
  const guess = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  let ms = guess - tzOffsetMs(guess, timeZone);
  ms = guess - tzOffsetMs(ms, timeZone);
  return ms;
}

/** Jira's `2024-05-01T10:20:30.123+0200` in the user's zone. */
export function jiraTime(ms: number, timeZone = 'UTC'): string {
  const off = tzOffsetMs(ms, timeZone);
  const local = new Date(ms + off).toISOString().slice(0, 23);
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off) / 60_000;
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

export async function startFakeJira(opts: FakeJiraOptions = {}): Promise<FakeJira> {
  const email = opts.email ?? 'scanner@example.test';
  const apiToken = opts.apiToken ?? `test-api-token-${randomBytes(10).toString('hex')}`;
  const timeZone = opts.timeZone ?? 'UTC';
  const embedded = opts.embeddedComments ?? 3;
  const maxPage = opts.maxPage ?? 100;
  const issues = new Map<string, FakeJiraIssue>();
  const requests: FakeJiraRequest[] = [];
  const postedComments: FakeJira['postedComments'] = [];
  const faults: Array<JiraFault & { seen: number; left: number }> = [];
  const custom: Array<{ method: string; path: RegExp; h: JiraHandler }> = [];
  const counters = new Map<string, number>();
  let clock = Date.UTC(2024, 4, 1, 8, 0, 0);
  let ids = 10_000;
  let commentIds = 20_000;
  let base = '';
  let fake!: FakeJira;

  const tick = (ms = 61_000) => {
    clock += ms;
    return clock;
  };

  function fieldsOf(issue: FakeJiraIssue, wanted: string[] | undefined): Obj {
    const all: Obj = {
      ...issue.fields,
      updated: jiraTime(issue.updatedMs, timeZone),
      project: { id: `1${issue.project.length}`, key: issue.project, name: `Project ${issue.project}` },
      comment: { comments: issue.comments.slice(0, embedded), maxResults: embedded, total: issue.comments.length, startAt: 0 },
    };
    if (!wanted) return {};
    const out: Obj = {};
    const everything = wanted.includes('*all') || wanted.includes('*navigable');
    for (const [k, v] of Object.entries(all)) if (everything || wanted.includes(k)) out[k] = v;
    return out;
  }

  function issueJson(key: string, wanted?: string[], expand?: string): Obj {
    const issue = issues.get(key);
    if (!issue) throw new Error(`no issue ${key}`);
    return {
      id: issue.id,
      key: issue.key,
      self: `${base}/rest/api/3/issue/${issue.id}`,
      ...(wanted ? { fields: fieldsOf(issue, wanted) } : {}),
      ...(expand?.split(',').includes('changelog') ? { changelog: { startAt: 0, maxResults: issue.histories.length, total: issue.histories.length, histories: issue.histories } } : {}),
    };
  }

  /** Minimal JQL: project filter, updated lower bound, order. */
  function runJql(jql: string): FakeJiraIssue[] {
    let list = [...issues.values()];
    const inList = /project\s+in\s*\(([^)]*)\)/i.exec(jql);
    const eq = /project\s*=\s*"?([A-Z][A-Z0-9_]*)"?/i.exec(jql);
    if (inList) {
      const keys = new Set(inList[1]!.split(',').map((s) => s.trim().replace(/"/g, '').toUpperCase()));
      list = list.filter((i) => keys.has(i.project));
    } else if (eq) list = list.filter((i) => i.project === eq[1]!.toUpperCase());
    const upd = /updated\s*>=\s*"([^"]+)"/i.exec(jql);
    if (upd) {
      const from = zonedToMs(upd[1]!, timeZone);
      if (!Number.isFinite(from)) throw Object.assign(new Error('bad date'), { status: 400 });
      list = list.filter((i) => i.updatedMs >= from);
    }
    return list.sort((a, b) => a.updatedMs - b.updatedMs || a.key.localeCompare(b.key, 'en', { numeric: true }));
  }

  const tokens = new Map<string, { jql: string; offset: number }>();

  function search(params: { jql?: unknown; nextPageToken?: unknown; maxResults?: unknown; fields?: unknown; expand?: unknown }): { status: number; body: unknown } {
    let jql = typeof params.jql === 'string' ? params.jql : '';
    let offset = 0;
    if (typeof params.nextPageToken === 'string') {
      const t = tokens.get(params.nextPageToken);
      if (!t) return { status: 400, body: { errorMessages: ['Invalid nextPageToken'] } };
      jql = t.jql;
      offset = t.offset;
    }
    if (!jql.trim()) return { status: 400, body: { errorMessages: ['Unbounded JQL queries are not allowed here.'] } };
    let matched: FakeJiraIssue[];
    try {
      matched = runJql(jql);
    } catch {
      return { status: 400, body: { errorMessages: ['Invalid date format'] } };
    }
    const max = Math.min(maxPage, Math.max(1, Number(params.maxResults ?? 50) || 50));
    const fields = Array.isArray(params.fields) ? (params.fields as string[]) : typeof params.fields === 'string' ? params.fields.split(',') : undefined;
    const expand = Array.isArray(params.expand) ? params.expand.join(',') : typeof params.expand === 'string' ? params.expand : undefined;
    const slice = matched.slice(offset, offset + max);
    const more = offset + max < matched.length;
    let next: string | undefined;
    if (more) {
      next = randomBytes(9).toString('base64url');
      tokens.set(next, { jql, offset: offset + max });
    }
    return { status: 200, body: { issues: slice.map((i) => issueJson(i.key, fields ?? ['id'], expand)), ...(next ? { nextPageToken: next } : {}), isLast: !more } };
  }

  const builtin: Array<{ route: string; method: string | RegExp; path: RegExp; h: (m: RegExpExecArray, q: Record<string, string>, body: unknown) => { status: number; body?: unknown } }> = [
    {
      route: 'myself',
      method: 'GET',
      path: /^\/rest\/api\/3\/myself$/,
      h: () => ({ status: 200, body: { accountId: '5b10ac8d82e05b22cc7d4ef5', emailAddress: email, displayName: 'Scanner', timeZone, active: true } }),
    },
    {
      route: 'legacy-search',
      method: /^(GET|POST)$/,
      path: /^\/rest\/api\/3\/search$/,
      h: () => ({ status: 410, body: { errorMessages: ['The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.'] } }),
    },
    {
      route: 'search',
      method: 'GET',
      path: /^\/rest\/api\/3\/search\/jql$/,
      h: (_m, q) => search({ jql: q.jql, nextPageToken: q.nextPageToken, maxResults: q.maxResults, fields: q.fields, expand: q.expand }),
    },
    {
      route: 'search',
      method: 'POST',
      path: /^\/rest\/api\/3\/search\/jql$/,
      h: (_m, _q, body) => search((body ?? {}) as Obj),
    },
    {
      route: 'comments',
      method: 'GET',
      path: /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/,
      h: (m, q) => {
        const issue = issues.get(decodeURIComponent(m[1]!)) ?? [...issues.values()].find((i) => i.id === m[1]);
        if (!issue) return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'] } };
        const startAt = Math.max(0, Number(q.startAt ?? 0) || 0);
        const maxResults = Math.min(100, Math.max(1, Number(q.maxResults ?? 50) || 50));
        return { status: 200, body: { startAt, maxResults, total: issue.comments.length, comments: issue.comments.slice(startAt, startAt + maxResults) } };
      },
    },
    {
      route: 'add-comment',
      method: 'POST',
      path: /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/,
      h: (m, _q, body) => {
        const key = decodeURIComponent(m[1]!);
        if (!issues.has(key)) return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'] } };
        const c = fake.addComment(key, (body as Obj | undefined)?.body ?? null, 'Scanner');
        postedComments.push({ issue: key, body: c.body, id: c.id });
        return { status: 201, body: { ...c, self: `${base}/rest/api/3/issue/${key}/comment/${c.id}` } };
      },
    },
    {
      route: 'issue',
      method: 'GET',
      path: /^\/rest\/api\/3\/issue\/([^/]+)$/,
      h: (m, q) => {
        const key = decodeURIComponent(m[1]!);
        const issue = issues.get(key) ?? [...issues.values()].find((i) => i.id === key);
        if (!issue) return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'] } };
        const fields = q.fields ? q.fields.split(',') : ['*all'];
        const json = issueJson(issue.key, fields, q.expand);
        // GET /issue returns every comment (no embedding limit).
        if (isObj(json.fields) && isObj(json.fields.comment)) json.fields.comment = { comments: issue.comments, maxResults: issue.comments.length, total: issue.comments.length, startAt: 0 };
        return { status: 200, body: json };
      },
    },
  ];

  function matchFault(route: string): (JiraFault & { seen: number; left: number }) | undefined {
    for (const f of faults) {
      if (f.left <= 0) continue;
      if (f.route !== '*' && f.route !== route) continue;
      f.seen += 1;
      if (f.seen <= (f.after ?? 0)) continue;
      f.left -= 1;
      return f;
    }
    return undefined;
  }

  function authOf(req: IncomingMessage): FakeJiraRequest['auth'] {
    const h = req.headers.authorization;
    if (typeof h !== 'string' || !h.startsWith('Basic ')) return 'none';
    return Buffer.from(h.slice(6), 'base64').toString('utf8') === `${email}:${apiToken}` ? 'valid' : 'invalid';
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
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
    const log = (route: string, status: number) => requests.push({ route, method, path: url.pathname, query, ...(body !== undefined ? { body } : {}), auth, status, at: Date.now() });

    for (const c of custom) {
      if (c.method === method && c.path.test(url.pathname)) {
        const r = await c.h({ method, path: url.pathname, query, body, fake });
        log(`custom:${url.pathname}`, r.status);
        return send(res, r.status, r.body, r.headers);
      }
    }
    let hit: { route: string; m: RegExpExecArray; h: (typeof builtin)[number]['h'] } | undefined;
    for (const b of builtin) {
      const m = b.path.exec(url.pathname);
      if (m && (typeof b.method === 'string' ? b.method === method : b.method.test(method))) {
        hit = { route: b.route, m, h: b.h };
        break;
      }
    }
    const route = hit?.route ?? url.pathname;
    counters.set(route, (counters.get(route) ?? 0) + 1);
    const fault = matchFault(route);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault) {
      log(route, fault.status);
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      if (fault.status >= 500) {
        res.writeHead(fault.status, { 'content-type': 'text/html', ...headers });
        res.end(`<html>upstream error ${fault.status}</html>`);
        return;
      }
      return send(res, fault.status, { errorMessages: [`fault ${fault.status}`] }, headers);
    }
    if (auth !== 'valid') {
      log(route, 401);
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="protected-area"' });
      res.end('Client must be authenticated to access this resource.');
      return;
    }
    if (!hit) {
      log(route, 404);
      return send(res, 404, { errorMessages: ['Not found'] });
    }
    const r = hit.h(hit.m, query, body);
    log(route, r.status);
    return send(res, r.status, r.body);
  }

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  fake = {
    url: base,
    email,
    apiToken,
    timeZone,
    issues,
    requests,
    postedComments,
    now: () => clock,
    tick: (ms) => void tick(ms),
    addIssue(i = {}) {
      const project = (i.project ?? 'OPS').toUpperCase();
      const n = counters.get(`seq:${project}`) ?? 0;
      counters.set(`seq:${project}`, n + 1);
      const key = i.key ?? `${project}-${n + 1}`;
      const updatedMs = i.updated ?? tick();
      const issue: FakeJiraIssue = {
        id: String(++ids),
        key,
        project,
        updatedMs,
        fields: {
          summary: i.summary ?? `Issue ${key}`,
          description: i.description ?? null,
          environment: i.environment ?? null,
          ...(i.security ? { security: { self: `${base}/rest/api/3/securitylevel/${i.security.id}`, ...i.security } } : {}),
          ...i.fields,
        },
        comments: [],
        histories: [],
      };
      issues.set(key, issue);
      return issue;
    },
    updateIssue(key, fields, o = {}) {
      const issue = issues.get(key);
      if (!issue) throw new Error(`no issue ${key}`);
      Object.assign(issue.fields, fields);
      issue.updatedMs = tick();
      if (o.history) issue.histories.push({ id: String(issue.histories.length + 1), created: jiraTime(issue.updatedMs, timeZone), ...o.history });
      return issue;
    },
    addComment(key, body, author = 'Dev One') {
      const issue = issues.get(key);
      if (!issue) throw new Error(`no issue ${key}`);
      const at = jiraTime(tick(), timeZone);
      const c: FakeJiraComment = { id: String(++commentIds), body, author: { accountId: `acc-${author.replace(/\W/g, '')}`, displayName: author }, created: at, updated: at };
      issue.comments.push(c);
      issue.updatedMs = clock;
      return c;
    },
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
    issueJson,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
