import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { createSafeFetch, parseRetryAfter } from '../../../src/core/net/safe-fetch.js';
import type { OutboundEvent, Resolver } from '../../../src/core/net/types.js';
import { TokenradiusError } from '../../../src/core/errors.js';
import { startTcpTrap, type TcpTrap } from '../../support/fake-oidc.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface TestServer {
  origin: string;
  port: number;
  seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

async function startServer(handler: Handler, host = '127.0.0.1', port = 0): Promise<TestServer> {
  const seen: TestServer['seen'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  const p = (server.address() as AddressInfo).port;
  return {
    origin: `http://${host}:${p}`,
    port: p,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function failure(p: Promise<unknown>): Promise<TokenradiusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TokenradiusError) return e;
    throw new Error(`expected a TokenradiusError, got ${String(e)}`);
  }
  throw new Error('expected the request to fail');
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('safe fetch', () => {
  let api: TestServer;
  let trap: TcpTrap;
  let cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    api = await startServer((req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/echo':
          return json(res, 200, { method: req.method, body, cookie: req.headers.cookie ?? null, auth: req.headers.authorization ?? null }, { 'set-cookie': 'sid=abc' });
        case '/404':
          return json(res, 404, { error: 'nope' });
        case '/429':
          return json(res, 429, {}, { 'retry-after': '7' });
        case '/429-date':
          return json(res, 429, {}, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() });
        case '/429-bare':
          return json(res, 429, {});
        case '/500':
          return json(res, 500, { error: 'boom' });
        case '/503':
          return json(res, 503, {}, { 'retry-after': '5' });
        case '/redirect':
          res.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
          return res.end();
        case '/big-declared':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) });
          res.write('{"a":"');
          return res.end('x'.repeat(1000));
        case '/big-chunked': {
          res.writeHead(200, { 'content-type': 'application/json' });
          const piece = 'y'.repeat(64 * 1024);
          let n = 0;
          const pump = (): void => {
            while (n < 64) {
              n++;
              if (!res.write(piece)) {
                res.once('drain', pump);
                return;
              }
            }
            res.end();
          };
          res.on('error', () => undefined);
          return pump();
        }
        case '/gzip-bomb': {
          const z = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(z.length) });
          return res.end(z);
        }
        case '/gzip-ok': {
          const z = gzipSync(Buffer.from(JSON.stringify({ ok: true })));
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          return res.end(z);
        }
        case '/bad-utf8':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
        case '/bad-json':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('{"a":');
        case '/hang':
          return; // never answers
        default:
          return json(res, 200, { path: url.pathname });
      }
    });
    trap = await startTcpTrap('127.0.0.3');
  });

  afterAll(async () => {
    await api.close();
    await trap.close();
  });

  afterEach(async () => {
    for (const c of cleanups) await c();
    cleanups = [];
    expect(trap.connections).toBe(0);
  });

  const base = () => createSafeFetch({ configuredUrls: [api.origin] });

  it('fetches from a configured http origin on a loopback IP literal and returns 2xx/4xx to the caller', async () => {
    const f = base();
    const ok = await f(`${api.origin}/hello`);
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ path: '/hello' });
    const nf = await f(`${api.origin}/404`);
    expect(nf.status).toBe(404);
  });

  it('posts a form body and sends no cookies even after the server set one', async () => {
    const f = base();
    const r1 = await f(`${api.origin}/echo`, { method: 'POST', body: new URLSearchParams({ a: 'b' }), headers: { Cookie: 'x=1' } });
    expect(r1.json()).toMatchObject({ method: 'POST', body: 'a=b', cookie: null });
    const r2 = await f(`${api.origin}/echo`);
    expect(r2.json()).toMatchObject({ cookie: null });
    expect(api.seen.at(-2)?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('refuses another port on the same loopback address: only the configured ip:port is allowed', async () => {
    const f = createSafeFetch({ configuredUrls: [api.origin, `http://127.0.0.3:${trap.port + 1}`] });
    const e = await failure(f(`http://127.0.0.3:${trap.port}/x`));
    expect(e.code).toBe('UPSTREAM_BLOCKED');
  });

  it('refuses plain http to an origin that is not configured', async () => {
    const before = api.seen.length;
    const e = await failure(createSafeFetch()(`${api.origin}/hello`));
    expect(e.code).toBe('UPSTREAM_BLOCKED');
    expect(e.message).toContain('plain http');
    expect(api.seen.length).toBe(before);
  });

  it.each([
    (p: number) => `https://127.0.0.3:${p}/`,
    (p: number) => `https://[::ffff:127.0.0.3]:${p}/`,
    (p: number) => `https://[::ffff:7f00:3]:${p}/`,
    (p: number) => `https://2130706435:${p}/`,
    (p: number) => `https://0x7f000003:${p}/`,
    (p: number) => `https://127.000.000.003:${p}/`,
  ])('refuses loopback in any spelling (%#) without connecting', async (mk) => {
    const e = await failure(createSafeFetch()(mk(trap.port)));
    expect(e.code).toBe('UPSTREAM_BLOCKED');
    expect(String(e.details.range)).toContain('loopback');
  });

  it('refuses metadata addresses and names, even when private ranges are allowed, without asking DNS', async () => {
    let lookups = 0;
    const resolve: Resolver = async () => {
      lookups++;
      return [{ address: '169.254.169.254' }];
    };
    const f = createSafeFetch({ allowCidrs: ['169.254.0.0/16', '10.0.0.0/8'], resolve });
    expect((await failure(f('https://169.254.169.254/latest/meta-data/'))).message).toContain('metadata');
    expect((await failure(f('https://[fd00:ec2::254]/'))).message).toContain('metadata');
    expect((await failure(f('https://metadata.google.internal/computeMetadata/v1/'))).code).toBe('UPSTREAM_BLOCKED');
    expect((await failure(f('https://localhost/'))).code).toBe('UPSTREAM_BLOCKED');
    expect(lookups).toBe(0);
    expect((await failure(f('https://innocent.example/'))).message).toContain('metadata');
    expect(lookups).toBe(1);
  });

  it.each([['10.0.0.7'], ['192.168.1.20'], ['127.0.0.3'], ['::1'], ['fe80::1'], ['100.64.1.1'], ['0.0.0.0']])(
    'refuses a host name that resolves to %s',
    async (address) => {
      const f = createSafeFetch({ resolve: async () => [{ address }] });
      const e = await failure(f(`https://intranet.example:${trap.port}/`));
      expect(e.code).toBe('UPSTREAM_BLOCKED');
      expect(e.details.address).toBeDefined();
    },
  );

  it('refuses a name when any of its DNS answers is private (mixed answers are a rebinding trick)', async () => {
    const f = createSafeFetch({ resolve: async () => [{ address: '93.184.215.14' }, { address: '127.0.0.3' }] });
    expect((await failure(f(`https://mixed.example:${trap.port}/`))).code).toBe('UPSTREAM_BLOCKED');
  });

  it('connects to the validated address: a DNS answer that changes after validation is never used', async () => {
    // The name resolves to an allowed address once, then to a trapped one. The system resolver cannot
    // resolve `rebind.test` at all, so a response proves the connection used the validated address.
    const good = await startServer((_req, res) => json(res, 200, { from: 'validated' }), '127.0.0.2', trap.port);
    cleanups.push(() => good.close());
    const answers = ['127.0.0.2', '127.0.0.3', '127.0.0.3'];
    let lookups = 0;
    const resolve: Resolver = async () => [{ address: answers[Math.min(lookups++, answers.length - 1)] as string }];
    const f = createSafeFetch({ configuredUrls: [`http://rebind.test:${trap.port}`], allowCidrs: ['127.0.0.2/32'], resolve });
    const r = await f(`http://rebind.test:${trap.port}/jwks`);
    expect(r.json()).toEqual({ from: 'validated' });
    expect(lookups).toBe(1);
    expect(good.seen[0]?.headers.host).toBe(`rebind.test:${trap.port}`);
    // The next request sees the changed answer, validates it, and refuses.
    expect((await failure(f(`http://rebind.test:${trap.port}/jwks`))).code).toBe('UPSTREAM_BLOCKED');
  });

  it('does not follow redirects by default', async () => {
    const e = await failure(base()(`${api.origin}/redirect?to=${encodeURIComponent(`${api.origin}/hello`)}`));
    expect(e.code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(e.details.status).toBe(302);
  });

  it('when following redirects, re-validates every hop: a redirect into a private range is refused before connecting', async () => {
    const f = createSafeFetch({ configuredUrls: [api.origin], maxRedirects: 3 });
    const same = await f(`${api.origin}/redirect?to=/landed`);
    expect(same.json()).toEqual({ path: '/landed' });
    expect(same.url).toBe(`${api.origin}/landed`);
    for (const to of [`http://127.0.0.3:${trap.port}/`, `https://127.0.0.3:${trap.port}/`, 'https://169.254.169.254/', `https://[::ffff:127.0.0.3]:${trap.port}/`]) {
      expect((await failure(f(`${api.origin}/redirect?to=${encodeURIComponent(to)}`))).code).toBe('UPSTREAM_BLOCKED');
    }
  });

  it('never follows a redirect for POST and never carries Authorization to another origin', async () => {
    const other = await startServer((req, res) => json(res, 200, { auth: req.headers.authorization ?? null }));
    cleanups.push(() => other.close());
    const f = createSafeFetch({ configuredUrls: [api.origin, other.origin], maxRedirects: 3 });
    const e = await failure(f(`${api.origin}/redirect?to=${encodeURIComponent(`${other.origin}/x`)}`, { method: 'POST', body: 'token=abc' }));
    expect(e.code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(other.seen).toHaveLength(0);
    const r = await f(`${api.origin}/redirect?to=${encodeURIComponent(`${other.origin}/x`)}`, { headers: { Authorization: 'Basic abc' } });
    expect(r.json()).toEqual({ auth: null });
  });

  it('caps the response size: declared, streamed and after decompression', async () => {
    const f = createSafeFetch({ configuredUrls: [api.origin], maxResponseBytes: 1024 * 1024 });
    for (const path of ['/big-declared', '/big-chunked', '/gzip-bomb']) {
      const e = await failure(f(`${api.origin}${path}`));
      expect(e.code).toBe('UPSTREAM_INVALID_RESPONSE');
      expect(e.details.limit).toBe(1024 * 1024);
    }
    expect((await f(`${api.origin}/gzip-ok`)).json()).toEqual({ ok: true });
  });

  it('times out a server that never answers', async () => {
    const e = await failure(createSafeFetch({ configuredUrls: [api.origin], timeoutMs: 300 })(`${api.origin}/hang`));
    expect(e.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(e.details.timeout).toBe(true);
  });

  it('maps 429 with Retry-After to a rate-limit error that says when to retry; 5xx to unavailable', async () => {
    const f = base();
    const rl = await failure(f(`${api.origin}/429`));
    expect(rl.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(rl.retry).toEqual({ afterMs: 7000 });
    const rlDate = await failure(f(`${api.origin}/429-date`));
    expect(typeof rlDate.retry === 'object' && rlDate.retry.afterMs).toBeGreaterThan(20_000);
    expect((await failure(f(`${api.origin}/429-bare`))).retry).toBe('later');
    const five = await failure(f(`${api.origin}/500`));
    expect(five.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(five.retry).toBe('later');
    expect((await failure(f(`${api.origin}/503`))).retry).toEqual({ afterMs: 5000 });
  });

  it('maps a refused connection to unavailable', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const e = await failure(createSafeFetch({ configuredUrls: [closed.origin] })(`${closed.origin}/`));
    expect(e.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(e.details.causeCode).toBe('ECONNREFUSED');
  });

  it('reports undecodable bodies as invalid responses', async () => {
    const f = base();
    const r = await f(`${api.origin}/bad-utf8`);
    expect(() => r.text()).toThrow(TokenradiusError);
    const bad = await f(`${api.origin}/bad-json`);
    expect(() => bad.json()).toThrowError(/invalid JSON/);
  });

  it.each([
    ['a file URL', 'file:///etc/passwd'],
    ['ftp', 'ftp://example.com/'],
    ['embedded credentials', 'https://user:pw@example.com/'],
    ['a non-URL', 'not a url'],
    ['a 5000-character URL', `https://example.com/${'a'.repeat(5000)}`],
  ])('refuses %s', async (_label, u) => {
    expect((await failure(createSafeFetch()(u))).code).toBe('UPSTREAM_BLOCKED');
  });

  it('errors and audit events name the origin only: never the path, query or body', async () => {
    const events: OutboundEvent[] = [];
    const f = createSafeFetch({ configuredUrls: [api.origin], onRequest: (e) => events.push(e) });
    const secret = randomBytes(12).toString('hex');
    const e = await failure(f(`${api.origin}/500?access_token=${secret}`, { method: 'POST', body: `token=${secret}` }));
    const e2 = await failure(createSafeFetch({ resolve: async () => [{ address: '10.0.0.1' }] })(`https://h.example/${secret}?t=${secret}`));
    for (const text of [e.message, JSON.stringify(e.toJSON()), e2.message, JSON.stringify(e2.toJSON()), JSON.stringify(events)]) {
      expect(text).not.toContain(secret);
    }
    expect(events.at(-1)).toEqual({ method: 'POST', origin: api.origin, address: '127.0.0.1', status: 500 });
  });

  it('parses Retry-After in both forms and caps it', () => {
    const now = new Date('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('999999999', now)).toBe(3_600_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
