/**
 * A fake OpenID Connect / OAuth provider on 127.0.0.1 (port 0) for liveness and revocation tests.
 *
 *   const idp = await startFakeOidc({ keys: ['RS256', 'ES256', 'EdDSA'], clients: { rs: { secret } } });
 *   const token = await idp.signToken({ sub: 'svc', exp: inHours(1) }, { alg: 'ES256' });
 *   idp.fault('jwks', { kind: 'status', status: 429, retryAfter: '30' }, { times: 1 });
 *   idp.count('jwks');   idp.requests;   await idp.close();
 *
 * Endpoints (relative to the issuer): `/.well-known/openid-configuration`, `/jwks`, `/introspect`
 * (RFC 7662), `/revoke` (RFC 7009). Keys are real (jose); `rotate()` adds and switches to a new key,
 * `retireKey()` unpublishes one. Introspection and revocation check client authentication
 * (`client_secret_basic` or `client_secret_post`) and share in-memory state: which issued tokens
 * are revoked. Faults (status + Retry-After, slow, oversized, redirect, reset) are switchable per
 * endpoint. Every request is logged (in memory only; the log holds test-generated tokens).
 *
 * `startTcpTrap(host)` is a bare TCP listener that counts accepted connections: the proof, in SSRF
 * tests, that nothing connected to an address a token named.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, decodeJwt, type JWK, type CryptoKey } from 'jose';

export type FakeAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
/** `signToken` also issues HS256 tokens (a shared-secret issuer): never in the JWKS, but introspectable. */
export type FakeSignAlg = FakeAlg | 'HS256';
export type FakeEndpoint = 'discovery' | 'jwks' | 'introspection' | 'revocation';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'slow'; delayMs: number }
  /** A JWKS-shaped body of about `bytes` bytes; `declareLength: false` streams it chunked. */
  | { kind: 'oversized'; bytes: number; declareLength?: boolean }
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  /** Destroy the socket without answering. */
  | { kind: 'reset' };

export interface FakeClient {
  secret: string;
  /** Which client authentication the client must use; default: either. */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
}

export interface FakeOidcOptions {
  /** Bind address (any 127.x). Default 127.0.0.1. */
  host?: string;
  /** Issuer path after the origin, e.g. `/realms/test`. Default ''. */
  issuerPath?: string;
  /** One initial key per algorithm. Default ['RS256']. */
  keys?: FakeAlg[];
  clients?: Record<string, FakeClient>;
}

export interface FakeRequest {
  method: string;
  path: string;
  endpoint: FakeEndpoint | 'other';
  status: number;
  /** The authenticated client, when authentication succeeded. */
  clientId?: string;
  authMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
  form?: Record<string, string>;
  /** Fault applied, if any. */
  fault?: Fault['kind'];
}

interface KeyEntry {
  kid: string;
  alg: FakeAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
  published: boolean;
}

export interface FakeOidc {
  readonly issuer: string;
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  readonly requests: FakeRequest[];
  /** Accepted TCP connections since start. */
  readonly connections: number;
  url(path: string): string;
  /** Requests that reached an endpoint (faulted ones included). */
  count(endpoint: FakeEndpoint): number;
  /**
   * Sign claims with the current key of `alg` (or the key `kid`). `iss` defaults to this issuer and
   * a random `jti` is added unless given, so two tokens are never identical.
   */
  signToken(claims: Record<string, unknown>, opts?: { alg?: FakeSignAlg; kid?: string; header?: Record<string, unknown> }): Promise<string>;
  /** Add a key; `publish: false` keeps it out of the JWKS (a forger's key). Returns its kid. */
  addKey(alg: FakeAlg, opts?: { kid?: string; publish?: boolean }): Promise<string>;
  /** Add a new published key for `alg` and make it the one `signToken` uses. Returns its kid. */
  rotate(alg?: FakeAlg): Promise<string>;
  /** Remove a key from the JWKS (tokens it signed stop verifying). */
  retireKey(kid: string): void;
  publishedKids(): string[];
  revoke(token: string): void;
  isRevoked(token: string): boolean;
  /** Override discovery fields (`issuer`, `jwks_uri`, …); `undefined` removes a field. */
  setDiscovery(patch: Record<string, unknown>): void;
  /** Serve `fault` on `endpoint` (all requests, or the next `times`). `null` clears it. */
  fault(endpoint: FakeEndpoint, fault: Fault | null, opts?: { times?: number }): void;
  clearFaults(): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function formDecode(v: string): string {
  return new URLSearchParams(`v=${v}`).get('v') ?? '';
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): number {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
  return status;
}

export async function startFakeOidc(opts: FakeOidcOptions = {}): Promise<FakeOidc> {
  const host = opts.host ?? '127.0.0.1';
  const issuerPath = (opts.issuerPath ?? '').replace(/\/+$/, '');
  const clients = opts.clients ?? {};
  const keys: KeyEntry[] = [];
  const current = new Map<FakeAlg, string>();
  const issued = new Set<string>();
  const revoked = new Set<string>();
  const requests: FakeRequest[] = [];
  const faults = new Map<FakeEndpoint, { fault: Fault; times?: number }>();
  const discoveryPatch: Record<string, unknown> = {};
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  let keySeq = 0;
  const hmacSecret = randomBytes(32);

  async function addKey(alg: FakeAlg, o: { kid?: string; publish?: boolean } = {}): Promise<string> {
    const kp = (await generateKeyPair(alg, { extractable: true })) as { privateKey: CryptoKey; publicKey: CryptoKey };
    const kid = o.kid ?? `${alg.toLowerCase()}-${++keySeq}`;
    const publicJwk: JWK = { ...(await exportJWK(kp.publicKey)), kid, alg, use: 'sig' };
    keys.push({ kid, alg, privateKey: kp.privateKey, publicJwk, published: o.publish ?? true });
    if ((o.publish ?? true) && !current.has(alg)) current.set(alg, kid);
    return kid;
  }

  for (const alg of opts.keys ?? ['RS256']) await addKey(alg);

  const server: Server = createServer();
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${port}`;
  const issuer = `${origin}${issuerPath}`;

  function discoveryDoc(): Record<string, unknown> {
    const doc: Record<string, unknown> = {
      issuer,
      jwks_uri: `${issuer}/jwks`,
      introspection_endpoint: `${issuer}/introspect`,
      revocation_endpoint: `${issuer}/revoke`,
      token_endpoint: `${issuer}/token`,
      id_token_signing_alg_values_supported: [...new Set(keys.map((k) => k.alg))],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    };
    for (const [k, v] of Object.entries(discoveryPatch)) {
      if (v === undefined) delete doc[k];
      else doc[k] = v;
    }
    return doc;
  }

  function authenticate(req: IncomingMessage, form: URLSearchParams): { clientId?: string; method: FakeRequest['authMethod'] } {
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const id = formDecode(decoded.slice(0, i));
      const secret = formDecode(decoded.slice(i + 1));
      const c = clients[id];
      const ok = i > 0 && c !== undefined && c.secret === secret && (c.authMethod ?? 'client_secret_basic') === 'client_secret_basic';
      return ok ? { clientId: id, method: 'client_secret_basic' } : { method: 'client_secret_basic' };
    }
    const id = form.get('client_id');
    const secret = form.get('client_secret');
    if (id !== null && secret !== null) {
      const c = clients[id];
      const ok = c !== undefined && c.secret === secret && (c.authMethod ?? 'client_secret_post') === 'client_secret_post';
      return ok ? { clientId: id, method: 'client_secret_post' } : { method: 'client_secret_post' };
    }
    return { method: 'none' };
  }

  function tokenState(token: string): { active: boolean; claims?: Record<string, unknown> } {
    if (!issued.has(token) || revoked.has(token)) return { active: false };
    let claims: Record<string, unknown>;
    try {
      claims = decodeJwt(token) as Record<string, unknown>;
    } catch {
      return { active: false };
    }
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) return { active: false };
    return { active: true, claims };
  }

  function applyFault(res: ServerResponse, req: IncomingMessage, f: Fault, endpoint: FakeEndpoint, proceed: () => Promise<number>): Promise<number> {
    switch (f.kind) {
      case 'status':
        if (f.body !== undefined) {
          res.writeHead(f.status, { 'content-type': 'application/json', ...(f.retryAfter ? { 'retry-after': f.retryAfter } : {}) });
          res.end(f.body);
          return Promise.resolve(f.status);
        }
        return Promise.resolve(json(res, f.status, { error: 'fault' }, f.retryAfter ? { 'retry-after': f.retryAfter } : {}));
      case 'redirect':
        res.writeHead(f.status ?? 302, { location: f.location, 'content-length': '0' });
        res.end();
        return Promise.resolve(f.status ?? 302);
      case 'reset':
        req.socket.destroy();
        return Promise.resolve(0);
      case 'slow':
        return new Promise((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            if (res.destroyed || req.socket.destroyed) {
              resolve(0);
              return;
            }
            proceed().then(resolve, () => resolve(0));
          }, f.delayMs);
          timers.add(t);
        });
      case 'oversized': {
        const pad = 'A'.repeat(1024);
        const pieces = Math.ceil(f.bytes / 1024);
        const head = JSON.stringify({ keys: keys.filter((k) => k.published).map((k) => k.publicJwk) }).slice(0, -1) + ',"padding":"';
        const tail = '"}';
        const headers: Record<string, string | number> = { 'content-type': 'application/json' };
        if (f.declareLength ?? true) headers['content-length'] = Buffer.byteLength(head) + pieces * 1024 + Buffer.byteLength(tail);
        res.writeHead(200, headers);
        res.write(head);
        let i = 0;
        const pump = (): void => {
          while (i < pieces) {
            i++;
            if (!res.write(pad)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end(tail);
        };
        res.on('error', () => undefined);
        pump();
        void endpoint;
        return Promise.resolve(200);
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const rel = issuerPath && url.pathname.startsWith(issuerPath) ? url.pathname.slice(issuerPath.length) : url.pathname;
    const endpoint: FakeEndpoint | 'other' =
      rel === '/.well-known/openid-configuration'
        ? 'discovery'
        : rel === '/jwks'
          ? 'jwks'
          : rel === '/introspect'
            ? 'introspection'
            : rel === '/revoke'
              ? 'revocation'
              : 'other';
    const entry: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, endpoint, status: 0 };
    requests.push(entry);
    let form = new URLSearchParams();
    if (req.method === 'POST') {
      try {
        form = new URLSearchParams(await readBody(req));
      } catch {
        entry.status = json(res, 413, { error: 'invalid_request' });
        return;
      }
      entry.form = Object.fromEntries(form);
    }

    const serve = async (): Promise<number> => {
      switch (endpoint) {
        case 'discovery':
          return json(res, 200, discoveryDoc());
        case 'jwks':
          return json(res, 200, { keys: keys.filter((k) => k.published).map((k) => k.publicJwk) }, { 'content-type': 'application/jwk-set+json' });
        case 'introspection':
        case 'revocation': {
          if (req.method !== 'POST') return json(res, 405, { error: 'invalid_request' });
          const auth = authenticate(req, form);
          entry.authMethod = auth.method;
          if (!auth.clientId) return json(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="fake-oidc"' });
          entry.clientId = auth.clientId;
          const token = form.get('token');
          if (token === null || token === '') return json(res, 400, { error: 'invalid_request' });
          if (endpoint === 'introspection') {
            const st = tokenState(token);
            if (!st.active) return json(res, 200, { active: false });
            const c = st.claims ?? {};
            return json(res, 200, {
              active: true,
              token_type: 'access_token',
              ...(['exp', 'iat', 'nbf', 'sub', 'aud', 'iss', 'jti', 'scope', 'client_id'] as const).reduce<Record<string, unknown>>((acc, k) => {
                if (c[k] !== undefined) acc[k] = c[k];
                return acc;
              }, {}),
            });
          }
          // RFC 7009 §2.1: the token must have been issued to the calling client.
          if (issued.has(token)) {
            let owner: unknown;
            try {
              const c = decodeJwt(token);
              owner = c.client_id ?? c.azp;
            } catch {
              owner = undefined;
            }
            if (typeof owner === 'string' && owner !== auth.clientId) return json(res, 400, { error: 'unauthorized_client' });
            revoked.add(token);
          }
          res.writeHead(200, { 'content-length': '0' });
          res.end();
          return 200;
        }
        default:
          return json(res, 404, { error: 'not_found' });
      }
    };

    const f = endpoint === 'other' ? undefined : faults.get(endpoint);
    if (f && endpoint !== 'other') {
      if (f.times !== undefined) {
        f.times--;
        if (f.times <= 0) faults.delete(endpoint);
      }
      entry.fault = f.fault.kind;
      entry.status = await applyFault(res, req, f.fault, endpoint, serve);
      return;
    }
    entry.status = await serve();
  }

  server.on('request', (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'server_error' });
      else res.destroy();
    });
  });

  const fake: FakeOidc = {
    issuer,
    origin,
    host,
    port,
    requests,
    get connections() {
      return connections;
    },
    url: (path) => `${issuer}${path.startsWith('/') ? path : `/${path}`}`,
    count: (endpoint) => requests.filter((r) => r.endpoint === endpoint).length,
    async signToken(claims, o = {}) {
      const alg = o.alg ?? 'RS256';
      const body = { iss: issuer, jti: randomUUID(), ...claims };
      if (alg === 'HS256') {
        const token = await new SignJWT(body).setProtectedHeader({ typ: 'JWT', ...o.header, alg }).sign(hmacSecret);
        issued.add(token);
        return token;
      }
      let kid = o.kid ?? current.get(alg);
      if (kid === undefined) kid = await addKey(alg);
      const key = keys.find((k) => k.kid === kid);
      if (!key) throw new Error(`fake-oidc: no key ${kid}`);
      const token = await new SignJWT(body)
        .setProtectedHeader({ typ: 'JWT', kid: key.kid, ...o.header, alg: key.alg })
        .sign(key.privateKey);
      issued.add(token);
      return token;
    },
    addKey,
    async rotate(alg = 'RS256') {
      const kid = await addKey(alg);
      current.set(alg, kid);
      return kid;
    },
    retireKey(kid) {
      const k = keys.find((x) => x.kid === kid);
      if (k) k.published = false;
    },
    publishedKids: () => keys.filter((k) => k.published).map((k) => k.kid),
    revoke: (token) => void revoked.add(token),
    isRevoked: (token) => revoked.has(token),
    setDiscovery(patch) {
      Object.assign(discoveryPatch, patch);
    },
    fault(endpoint, fault, o = {}) {
      if (fault === null) faults.delete(endpoint);
      else faults.set(endpoint, { fault, ...(o.times !== undefined ? { times: o.times } : {}) });
    },
    clearFaults: () => faults.clear(),
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

export interface TcpTrap {
  host: string;
  port: number;
  /** `http://host:port` */
  origin: string;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** A TCP listener that accepts, counts and immediately closes connections. Any 127.x address works on Linux. */
export async function startTcpTrap(host = '127.0.0.2'): Promise<TcpTrap> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    origin: `http://${host}:${port}`,
    get connections() {
      return connections;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
