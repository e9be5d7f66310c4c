/**
 * A recording HTTP receiver on 127.0.0.1 (port 0) for alerting tests: webhook sinks, RFC 8935 SET
 * push receivers and in-house revocation services. Every request is kept (method, path, lowercase
 * headers, raw body, the status answered) so tests can verify signatures with the receiver's own
 * tools and search every outbound body for leaked tokens.
 *
 *   const rx = await startWebhookReceiver();
 *   rx.failNext(2, 500);                                   // the next two answers are HTTP 500
 *   rx.respond((req) => ({ status: 200, json: { outcome: 'revoked' } }));
 *   rx.requests; rx.bodies(); await rx.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** What the receiver answered. */
  status: number;
  at: number;
}

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hook` */
  readonly url: string;
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  /** Answer the next `n` requests with `status` (and an optional body), then go back to normal. */
  failNext(n: number, status?: number, reply?: Omit<Reply, 'status'>): void;
  /** Fail every request with `status` until `failNext(0)` / `respond`. */
  failAll(status?: number): void;
  /** Normal answer (default 204, empty). */
  respond(fn: (req: ReceivedRequest) => Reply | Promise<Reply>): void;
  /** Every request body. */
  bodies(): string[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: Reply): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let body = '';
  if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    headers['content-type'] ??= 'application/json';
  } else if (r.text !== undefined) body = r.text;
  res.writeHead(r.status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export async function startWebhookReceiver(o: { host?: string; path?: string } = {}): Promise<WebhookReceiver> {
  const host = o.host ?? '127.0.0.1';
  const path = o.path ?? '/hook';
  const requests: ReceivedRequest[] = [];
  let failing: { left: number; status: number; reply?: Omit<Reply, 'status'> } | undefined;
  let handler: (req: ReceivedRequest) => Reply | Promise<Reply> = () => ({ status: 204 });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      const entry: ReceivedRequest = { method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://x').pathname, headers, body, status: 0, at: Date.now() };
      requests.push(entry);
      let reply: Reply;
      if (failing && failing.left > 0) {
        failing.left--;
        reply = { status: failing.status, ...(failing.reply ?? { json: { error: 'fault' } }) };
      } else {
        reply = await handler(entry);
      }
      entry.status = reply.status;
      send(res, reply);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${port}`;
  return {
    url: `${origin}${path}`,
    origin,
    requests,
    failNext(n, status = 500, reply) {
      failing = { left: n, status, ...(reply ? { reply } : {}) };
    },
    failAll(status = 500) {
      failing = { left: Number.POSITIVE_INFINITY, status };
    },
    respond(fn) {
      failing = undefined;
      handler = fn;
    },
    bodies: () => requests.map((r) => r.body),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
