/**
 * A fake Slack Web API on 127.0.0.1 (port 0), driven by the REAL `@slack/web-api` client
 * (`slackApiUrl: fake.apiUrl`). General on purpose: connector tests seed a workspace, alerting tests
 * use chat.postMessage / chat.update / auth.revoke / auth.test.
 *
 *   const slack = await startFakeSlack({ tokens: ['xoxb-…'] });
 *   const c = slack.addChannel({ name: 'general', num_members: 40 });
 *   slack.addMessage(c.id, { text: 'hello', user: 'U1' });        // ts assigned, increasing
 *   slack.addReply(c.id, parentTs, { text: '…' });               // thread reply (not in history)
 *   slack.addFile({ name: 'creds.env', content: '…' }, c.id, ts); // file shared in a message
 *   slack.fail({ method: 'conversations.history', status: 429, retryAfter: 1, after: 2, times: 1 });
 *   slack.handle('users.info', (params) => ({ ok: true, user: { … } }));
 *   slack.calls('conversations.history'); slack.requests; await slack.close();
 *
 * Methods: auth.test, auth.revoke, conversations.list / history / replies / info, files.info,
 * chat.postMessage / chat.update / chat.getPermalink, users.info (minimal); anything else answers
 * `unknown_method` unless `handle`d. Files are served at `/files-pri/<team>-<id>/<name>` with the
 * bearer token (an HTML login page without it, as Slack does).
 *
 * Paging is Slack's: `limit` + opaque `cursor` (`response_metadata.next_cursor`, '' at the end).
 * History is newest first; `oldest`/`latest` are exclusive unless `inclusive`; replies start with
 * the parent. Faults (status + Retry-After, a Slack error code, a delay) are matched in order and
 * consumed. The request log holds test tokens only and lives in memory.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';

export type Params = Record<string, string>;

export interface FakeChannel {
  id: string;
  name?: string;
  is_channel?: boolean;
  is_group?: boolean;
  is_im?: boolean;
  is_mpim?: boolean;
  is_private?: boolean;
  is_shared?: boolean;
  is_ext_shared?: boolean;
  is_org_shared?: boolean;
  is_archived?: boolean;
  is_member?: boolean;
  num_members?: number;
  user?: string;
  [k: string]: unknown;
}

export type FakeMessage = Record<string, unknown> & { ts: string; type?: string; thread_ts?: string; text?: string; user?: string };

export interface FakeFile {
  id: string;
  name: string;
  title?: string;
  mimetype?: string;
  filetype?: string;
  mode?: string;
  size?: number;
  /** Override where `url_private` points (tests of the host allow-list). */
  url_private?: string;
  content: string | Buffer;
  [k: string]: unknown;
}

export interface FakeSlackRequest {
  /** Web API method, or `file` for a download. */
  method: string;
  params: Params;
  auth: 'valid' | 'invalid' | 'none';
  status: number;
  /** Slack error code when the answer was `ok: false`. */
  error?: string;
  at: number;
}

export interface Fault {
  /** Method name, '*' for any, or a pattern. `file` matches file downloads. */
  method: string | RegExp;
  /** Let this many matching calls through first. */
  after?: number;
  /** How many matching calls fail (default 1; Infinity = until cleared). */
  times?: number;
  /** HTTP status (429, 500, 503…). With 429, `retryAfter` seconds goes in Retry-After. */
  status?: number;
  retryAfter?: number;
  /** `ok: false` with this Slack error code (HTTP 200). */
  error?: string;
  /** Answer normally but only after this many ms. */
  delayMs?: number;
  /** Only when the call's params match (e.g. `{ channel: 'C1' }`). */
  params?: Params;
}

export type Handler = (params: Params, ctx: { token?: string; fake: FakeSlack }) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface FakeSlackOptions {
  /** Valid tokens (default: one random xoxb-shaped token, see `fake.token`). */
  tokens?: string[];
  team?: { id?: string; name?: string; domain?: string };
  /** `url` that auth.test returns (permalink base). Default `https://<domain>.slack.com/`. */
  workspaceUrl?: string;
  host?: string;
}

export interface FakeSlack {
  readonly url: string;
  /** `${url}/api/` — give this to `WebClient({ slackApiUrl })` / config `apiUrl`. */
  readonly apiUrl: string;
  readonly token: string;
  readonly team: { id: string; name: string; domain: string };
  readonly workspaceUrl: string;
  readonly channels: Map<string, FakeChannel & { messages: FakeMessage[] }>;
  readonly files: Map<string, FakeFile>;
  /** chat.postMessage / chat.update log (what an alert sink sent). */
  readonly posted: Array<{ channel: string; ts: string; text?: string; blocks?: unknown; thread_ts?: string; updated?: boolean }>;
  readonly revoked: Set<string>;
  readonly requests: FakeSlackRequest[];
  addToken(token: string): void;
  addChannel(c?: Partial<FakeChannel>): FakeChannel & { messages: FakeMessage[] };
  /** Adds a top-level message; `ts` defaults to the next increasing ts. Returns it. */
  addMessage(channel: string, m?: Partial<FakeMessage>): FakeMessage;
  addReply(channel: string, parentTs: string, m?: Partial<FakeMessage>): FakeMessage;
  /** Replace a message's text as an edit (`edited.ts` = a new ts). */
  editMessage(channel: string, ts: string, text: string): FakeMessage;
  /** Registers a file and, when `channel` and `ts` are given, attaches it to that message. */
  addFile(f: Partial<FakeFile> & { content: string | Buffer; name: string }, channel?: string, ts?: string): FakeFile;
  fileObject(id: string): Record<string, unknown>;
  fail(f: Fault): void;
  clearFaults(): void;
  handle(method: string, h: Handler): void;
  calls(method: string): FakeSlackRequest[];
  nextTs(): string;
  close(): Promise<void>;
}

const b64 = (n: number) => Buffer.from(`o:${n}`).toString('base64');
const unb64 = (s: string | undefined) => {
  if (!s) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(s, 'base64').toString('utf8'));
  return m ? Number(m[1]) : -1;
};

function tsNum(ts: string): number {
  return Number(ts);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const tokens = new Set(opts.tokens ?? [`xoxb-test-${randomBytes(12).toString('hex')}`]);
  const team = { id: opts.team?.id ?? 'T0TEST01', name: opts.team?.name ?? 'Acme Test', domain: opts.team?.domain ?? 'acme-test' };
  const workspaceUrl = opts.workspaceUrl ?? `https://${team.domain}.slack.com/`;
  const channels = new Map<string, FakeChannel & { messages: FakeMessage[] }>();
  const files = new Map<string, FakeFile>();
  const posted: FakeSlack['posted'] = [];
  const revoked = new Set<string>();
  const requests: FakeSlackRequest[] = [];
  const faults: Array<Fault & { seen: number; left: number }> = [];
  const handlers = new Map<string, Handler>();
  let clock = 1_700_000_000;
  let micro = 100;
  let seq = 0;
  const host = opts.host ?? '127.0.0.1';

  const nextTs = () => {
    clock += 7;
    micro = (micro + 37) % 999_999;
    return `${clock}.${String(micro).padStart(6, '0')}`;
  };
  const id = (prefix: string) => `${prefix}${(++seq).toString(36).toUpperCase().padStart(8, '0')}`;

  let fake!: FakeSlack;
  let base = '';

  const err = (error: string, extra: Record<string, unknown> = {}) => ({ ok: false, error, ...extra });

  function channelPublic(c: FakeChannel & { messages: FakeMessage[] }): Record<string, unknown> {
    const { messages: _m, ...rest } = c;
    return rest;
  }

  /** Top-level view of a message with thread metadata, as history returns it. */
  function withThreadMeta(c: FakeChannel & { messages: FakeMessage[] }, m: FakeMessage): FakeMessage {
    const replies = c.messages.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts);
    if (replies.length === 0) return m;
    const latest = replies.map((r) => r.ts).sort((a, b) => tsNum(a) - tsNum(b)).at(-1)!;
    return { ...m, thread_ts: m.ts, reply_count: replies.length, latest_reply: latest, reply_users: [...new Set(replies.map((r) => r.user).filter(Boolean))] };
  }

  const within = (ts: string, p: Params) => {
    const inclusive = p.inclusive === 'true' || p.inclusive === '1';
    const t = tsNum(ts);
    if (p.oldest) {
      const o = tsNum(p.oldest);
      if (inclusive ? t < o : t <= o) return false;
    }
    if (p.latest) {
      const l = tsNum(p.latest);
      if (inclusive ? t > l : t >= l) return false;
    }
    return true;
  };

  function page<T>(items: T[], p: Params, max = 1000): { slice: T[]; next: string } | undefined {
    const offset = unb64(p.cursor);
    if (offset < 0) return undefined;
    const limit = Math.max(1, Math.min(max, Number(p.limit ?? 100) || 100));
    const slice = items.slice(offset, offset + limit);
    return { slice, next: offset + limit < items.length ? b64(offset + limit) : '' };
  }

  const builtin: Record<string, Handler> = {
    'auth.test': () => ({ ok: true, url: workspaceUrl, team: team.name, team_id: team.id, user: 'tokenradius', user_id: 'U0BOT0001', bot_id: 'B0BOT0001' }),
    'auth.revoke': (p, ctx) => {
      if (p.test === 'true' || p.test === '1') return { ok: true, revoked: false };
      if (ctx.token) {
        revoked.add(ctx.token);
        tokens.delete(ctx.token);
      }
      return { ok: true, revoked: true };
    },
    'conversations.list': (p) => {
      const types = new Set((p.types ?? 'public_channel').split(','));
      const exclude = p.exclude_archived === 'true' || p.exclude_archived === '1';
      const list = [...channels.values()].filter((c) => {
        if (exclude && c.is_archived) return false;
        const t = c.is_im ? 'im' : c.is_mpim ? 'mpim' : c.is_private ? 'private_channel' : 'public_channel';
        return types.has(t);
      });
      const pg = page(list, p, 1000);
      if (!pg) return err('invalid_cursor');
      return { ok: true, channels: pg.slice.map(channelPublic), response_metadata: { next_cursor: pg.next } };
    },
    'conversations.info': (p) => {
      const c = channels.get(p.channel ?? '');
      return c ? { ok: true, channel: channelPublic(c) } : err('channel_not_found');
    },
    'conversations.history': (p) => {
      const c = channels.get(p.channel ?? '');
      if (!c) return err('channel_not_found');
      if (c.is_member === false && !c.is_im && !c.is_mpim) return err('not_in_channel');
      const top = c.messages
        .filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast')
        .filter((m) => within(m.ts, p))
        .sort((a, b) => tsNum(b.ts) - tsNum(a.ts))
        .map((m) => withThreadMeta(c, m));
      const pg = page(top, p, 999);
      if (!pg) return err('invalid_cursor');
      return { ok: true, messages: pg.slice, has_more: pg.next !== '', response_metadata: { next_cursor: pg.next } };
    },
    'conversations.replies': (p) => {
      const c = channels.get(p.channel ?? '');
      if (!c) return err('channel_not_found');
      if (c.is_member === false && !c.is_im && !c.is_mpim) return err('not_in_channel');
      const parent = c.messages.find((m) => m.ts === p.ts);
      if (!parent) return err('thread_not_found');
      const replies = c.messages
        .filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts)
        .filter((m) => within(m.ts, p))
        .sort((a, b) => tsNum(a.ts) - tsNum(b.ts));
      const all = [withThreadMeta(c, parent), ...replies];
      const pg = page(all, p, 999);
      if (!pg) return err('invalid_cursor');
      return { ok: true, messages: pg.slice, has_more: pg.next !== '', response_metadata: { next_cursor: pg.next } };
    },
    'files.info': (p) => {
      const f = files.get(p.file ?? '');
      return f ? { ok: true, file: fake.fileObject(f.id) } : err('file_not_found');
    },
    'chat.postMessage': (p) => {
      if (!p.channel) return err('channel_not_found');
      const ts = nextTs();
      const blocks = p.blocks ? (JSON.parse(p.blocks) as unknown) : undefined;
      posted.push({ channel: p.channel, ts, ...(p.text ? { text: p.text } : {}), ...(blocks ? { blocks } : {}), ...(p.thread_ts ? { thread_ts: p.thread_ts } : {}) });
      return { ok: true, channel: p.channel, ts, message: { ts, text: p.text ?? '' } };
    },
    'chat.update': (p) => {
      const prev = posted.find((x) => x.channel === p.channel && x.ts === p.ts);
      if (!prev) return err('message_not_found');
      if (p.text) prev.text = p.text;
      if (p.blocks) prev.blocks = JSON.parse(p.blocks) as unknown;
      prev.updated = true;
      return { ok: true, channel: p.channel, ts: p.ts };
    },
    'chat.getPermalink': (p) => {
      if (!p.channel || !p.message_ts) return err('invalid_arguments');
      return { ok: true, channel: p.channel, permalink: `${workspaceUrl}archives/${p.channel}/p${p.message_ts.replace('.', '')}` };
    },
    'users.info': (p) => ({ ok: true, user: { id: p.user, name: `user-${(p.user ?? '').toLowerCase()}`, real_name: `User ${p.user}` } }),
  };

  function matchFault(method: string, params: Params): (Fault & { seen: number; left: number }) | undefined {
    for (const f of faults) {
      if (f.left <= 0) continue;
      const m = f.method === '*' || (typeof f.method === 'string' ? f.method === method : f.method.test(method));
      if (!m) continue;
      if (f.params && !Object.entries(f.params).every(([k, v]) => params[k] === v)) continue;
      f.seen += 1;
      if (f.seen <= (f.after ?? 0)) continue;
      f.left -= 1;
      return f;
    }
    return undefined;
  }

  function authOf(req: IncomingMessage, params: Params): { auth: FakeSlackRequest['auth']; token?: string } {
    const h = req.headers.authorization;
    const token = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : params.token;
    if (!token) return { auth: 'none' };
    return { auth: tokens.has(token) ? 'valid' : 'invalid', token };
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const raw = await readBody(req);
    const params: Params = Object.fromEntries(url.searchParams);
    const type = String(req.headers['content-type'] ?? '');
    if (raw.length > 0) {
      if (type.includes('application/json')) {
        try {
          for (const [k, v] of Object.entries(JSON.parse(raw.toString('utf8')) as Record<string, unknown>)) params[k] = typeof v === 'string' ? v : JSON.stringify(v);
        } catch {
          /* ignore */
        }
      } else for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) params[k] = v;
    }
    const { auth, token } = authOf(req, params);
    delete params.token;
    const log = (method: string, status: number, error?: string) => requests.push({ method, params, auth, status, ...(error ? { error } : {}), at: Date.now() });

    // File downloads.
    const fm = /^\/files-pri\/[^/]+-([A-Z0-9]+)\/[^/]*$/.exec(url.pathname);
    if (fm) {
      const fault = matchFault('file', params);
      if (fault?.status) {
        log('file', fault.status);
        res.writeHead(fault.status, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
        res.end();
        return;
      }
      const f = files.get(fm[1]!);
      if (auth !== 'valid') {
        log('file', 200, 'login_page');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<html><body>Sign in to Slack</body></html>');
        return;
      }
      if (!f) {
        log('file', 404);
        res.writeHead(404);
        res.end();
        return;
      }
      log('file', 200);
      res.writeHead(200, { 'content-type': f.mimetype ?? 'text/plain' });
      res.end(f.content);
      return;
    }

    const am = /^\/api\/([A-Za-z.]+)$/.exec(url.pathname);
    if (!am) {
      log(url.pathname, 404);
      res.writeHead(404);
      res.end();
      return;
    }
    const method = am[1]!;
    const fault = matchFault(method, params);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.status) {
      log(method, fault.status);
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      if (fault.status === 429) return send(res, 429, { ok: false, error: 'ratelimited' }, headers);
      res.writeHead(fault.status, { 'content-type': 'text/html', ...headers });
      res.end(`<html>upstream error ${fault.status}</html>`);
      return;
    }
    if (fault?.error) {
      log(method, 200, fault.error);
      return send(res, 200, { ok: false, error: fault.error });
    }
    if (auth !== 'valid') {
      const error = auth === 'none' ? 'not_authed' : revoked.has(token ?? '') ? 'token_revoked' : 'invalid_auth';
      log(method, 200, error);
      return send(res, 200, { ok: false, error });
    }
    const h = handlers.get(method) ?? builtin[method];
    if (!h) {
      log(method, 200, 'unknown_method');
      return send(res, 200, { ok: false, error: 'unknown_method' });
    }
    const out = await h(params, { ...(token ? { token } : {}), fake });
    log(method, 200, out.ok === false && typeof out.error === 'string' ? out.error : undefined);
    return send(res, 200, out);
  }

  const server: Server = createServer((req, res) => {
    onRequest(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://${host}:${port}`;

  fake = {
    url: base,
    apiUrl: `${base}/api/`,
    token: [...tokens][0]!,
    team,
    workspaceUrl,
    channels,
    files,
    posted,
    revoked,
    requests,
    addToken: (t) => void tokens.add(t),
    addChannel(c = {}) {
      const ch = { id: c.id ?? id('C'), is_channel: !c.is_im && !c.is_mpim && !c.is_private, is_member: true, ...c, messages: [] as FakeMessage[] };
      channels.set(ch.id, ch);
      return ch;
    },
    addMessage(channel, m = {}) {
      const c = channels.get(channel);
      if (!c) throw new Error(`no channel ${channel}`);
      const msg: FakeMessage = { type: 'message', user: 'U0USER001', text: '', ...m, ts: m.ts ?? nextTs() };
      c.messages.push(msg);
      return msg;
    },
    addReply(channel, parentTs, m = {}) {
      return fake.addMessage(channel, { ...m, thread_ts: parentTs, parent_user_id: 'U0USER001' });
    },
    editMessage(channel, ts, text) {
      const c = channels.get(channel);
      const msg = c?.messages.find((x) => x.ts === ts);
      if (!msg) throw new Error(`no message ${ts}`);
      msg.text = text;
      msg.edited = { user: msg.user, ts: nextTs() };
      return msg;
    },
    addFile(f, channel, ts) {
      const fileId = (f.id as string | undefined) ?? id('F');
      const file: FakeFile = { mimetype: 'text/plain', filetype: 'text', mode: 'snippet', ...f, id: fileId, size: Buffer.byteLength(f.content) };
      files.set(fileId, file);
      if (channel && ts) {
        const msg = channels.get(channel)?.messages.find((x) => x.ts === ts);
        if (!msg) throw new Error(`no message ${ts}`);
        msg.files = [...((msg.files as unknown[]) ?? []), fake.fileObject(fileId)];
        file.shares = { [channels.get(channel)?.is_private ? 'private' : 'public']: { [channel]: [{ ts, ...(msg.thread_ts && msg.thread_ts !== ts ? { thread_ts: msg.thread_ts } : {}) }] } };
        file.channels = [channel];
      }
      return file;
    },
    fileObject(fileId) {
      const f = files.get(fileId);
      if (!f) throw new Error(`no file ${fileId}`);
      const { content, ...meta } = f;
      const text = typeof content === 'string' ? content : '';
      return {
        ...meta,
        url_private: f.url_private ?? `${base}/files-pri/${team.id}-${fileId}/${encodeURIComponent(f.name)}`,
        url_private_download: f.url_private ?? `${base}/files-pri/${team.id}-${fileId}/${encodeURIComponent(f.name)}`,
        // Slack shows the first lines of a snippet as its preview.
        ...(f.mode === 'snippet' && text ? { preview: text.split('\n').slice(0, 1).join('\n') } : {}),
      };
    },
    fail(f) {
      faults.push({ ...f, seen: 0, left: f.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    handle(method, h) {
      handlers.set(method, h);
    },
    calls(method) {
      return requests.filter((r) => r.method === method);
    },
    nextTs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

// ---------------------------------------------------------------------------------------------
// Events API helpers (what Slack would POST to our webhook)

/** Headers Slack sends with a signed request; `timestamp` defaults to now. */
export function slackSignedHeaders(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const sig = 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': sig };
}

let eventSeq = 0;
/** An `event_callback` envelope around `event`. */
export function eventEnvelope(event: Record<string, unknown>, o: { teamId?: string; eventId?: string; extShared?: boolean } = {}): Record<string, unknown> {
  return {
    token: 'verification-token-unused',
    team_id: o.teamId ?? 'T0TEST01',
    api_app_id: 'A0TEST01',
    event,
    type: 'event_callback',
    event_id: o.eventId ?? `Ev${Date.now().toString(36).toUpperCase()}${(++eventSeq).toString(36).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    ...(o.extShared !== undefined ? { is_ext_shared_channel: o.extShared } : {}),
  };
}
