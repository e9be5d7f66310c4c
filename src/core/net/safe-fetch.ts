/**
 * `createSafeFetch`: the outbound HTTP client with SSRF defences. Contract in ./types.ts.
 *
 * Built on `node:http` / `node:https` rather than the global fetch: we dial an IP literal we have
 * validated ourselves (with the original host name kept for the Host header, SNI and certificate
 * checks), so nothing between validation and connect can resolve the name again.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { lookup as dnsLookup } from 'node:dns/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import { TokenradiusError, type ErrorCode, type RetryHint } from '../errors.js';
import { classifyIp, cidrContains, isBlockedHostname, parseCidr, parseIp, formatIp, type Cidr, type ParsedIp } from './ip.js';
import type { OutboundEvent, Resolver, SafeFetch, SafeFetchOptions, SafeRequest, SafeResponse } from './types.js';

export type { Resolver, SafeFetch, SafeFetchOptions, SafeRequest, SafeResponse, OutboundEvent } from './types.js';

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const MAX_URL_LENGTH = 4096;
const MAX_RETRY_AFTER_MS = 3_600_000;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const systemResolver: Resolver = async (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Parse a Retry-After header (delta seconds or HTTP date) into milliseconds, capped at one hour. */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^[0-9]{1,10}$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now.getTime()), MAX_RETRY_AFTER_MS);
}

function fail(code: ErrorCode, message: string, details: Record<string, unknown>, retry?: RetryHint): TokenradiusError {
  return new TokenradiusError(code, message, retry === undefined ? { details } : { details, retry });
}

interface Policy {
  configuredOrigins: Set<string>;
  allowCidrs: Cidr[];
}

function originOf(url: URL): string {
  return url.origin;
}

function bareHost(url: URL): string {
  const h = url.hostname;
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

function checkUrl(url: URL, policy: Policy): void {
  const origin = originOf(url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw fail('UPSTREAM_BLOCKED', `scheme ${url.protocol} is not allowed`, { origin: url.protocol });
  }
  if (url.username !== '' || url.password !== '') {
    throw fail('UPSTREAM_BLOCKED', 'URLs with embedded credentials are not allowed', { origin });
  }
  if (url.protocol === 'http:' && !policy.configuredOrigins.has(origin)) {
    throw fail('UPSTREAM_BLOCKED', `plain http is allowed only for configured http origins; refused ${origin}`, { origin });
  }
  if (bareHost(url) === '') throw fail('UPSTREAM_BLOCKED', 'URL has no host', { origin });
}

function checkAddress(ip: ParsedIp, url: URL, policy: Policy): void {
  const cls = classifyIp(ip);
  if (cls.kind === 'public') return;
  const origin = originOf(url);
  const address = formatIp(ip);
  const details = { origin, address, range: cls.range };
  if (cls.metadata) throw fail('UPSTREAM_BLOCKED', `${origin} resolves to a cloud metadata address (${address}); refused`, details);
  if (policy.allowCidrs.some((c) => cidrContains(c, ip))) return;
  // A configured URL that itself names a private IP literal allows exactly that ip:port.
  const literal = parseIp(bareHost(url));
  if (literal && policy.configuredOrigins.has(origin) && formatIp(literal) === address) return;
  throw fail('UPSTREAM_BLOCKED', `${origin} resolves to a ${cls.range} address (${address}); refused`, details);
}

async function withDeadline<T>(p: Promise<T>, deadline: number, origin: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(fail('UPSTREAM_UNAVAILABLE', `${origin} timed out`, { origin, timeout: true })), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function pickAddress(url: URL, policy: Policy, resolve: Resolver, deadline: number): Promise<ParsedIp> {
  const origin = originOf(url);
  const host = bareHost(url);
  const literal = parseIp(host);
  if (literal) {
    checkAddress(literal, url, policy);
    return literal;
  }
  const named = isBlockedHostname(host);
  if (named) throw fail('UPSTREAM_BLOCKED', `${origin} names a ${named} host; refused`, { origin, range: named });
  let answers: ReadonlyArray<{ address: string }>;
  try {
    answers = await withDeadline(resolve(host), deadline, origin);
  } catch (e) {
    if (e instanceof TokenradiusError) throw e;
    const causeCode = (e as NodeJS.ErrnoException | undefined)?.code;
    throw fail('UPSTREAM_UNAVAILABLE', `${origin}: DNS lookup failed`, { origin, ...(typeof causeCode === 'string' ? { causeCode } : {}) });
  }
  const parsed = answers.map((a) => parseIp(a.address));
  if (parsed.length === 0) throw fail('UPSTREAM_UNAVAILABLE', `${origin}: DNS returned no address`, { origin });
  // Every answer must pass: a mixed answer (one public, one private) is a rebinding trick.
  for (const ip of parsed) {
    if (!ip) throw fail('UPSTREAM_BLOCKED', `${origin}: DNS returned an unparseable address`, { origin });
    checkAddress(ip, url, policy);
  }
  return parsed[0] as ParsedIp;
}

function decoderFor(encoding: string | undefined): Transform | undefined | 'unsupported' {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return undefined;
  if (e === 'gzip' || e === 'x-gzip') return createGunzip();
  if (e === 'deflate') return createInflate();
  if (e === 'br') return createBrotliDecompress();
  return 'unsupported';
}

function flattenHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

interface Hop {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function oneHop(
  url: URL,
  address: ParsedIp,
  req: SafeRequest,
  body: Buffer | undefined,
  headers: Record<string, string>,
  deadline: number,
  maxBytes: number,
  ca: SafeFetchOptions['ca'],
): Promise<Hop> {
  const origin = originOf(url);
  const addressText = formatIp(address);
  const family = address.family;
  const host = bareHost(url);
  const isHttps = url.protocol === 'https:';
  const options: RequestOptions & { servername?: string } = {
    host: addressText,
    family,
    port: url.port === '' ? (isHttps ? 443 : 80) : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: req.method ?? 'GET',
    headers,
    agent: false,
    // `host` is an IP literal, so Node never looks it up; this hook only makes sure that if it ever
    // did, it could get nothing but the address we validated.
    lookup: ((_h: string, o: { all?: boolean }, cb: (...args: unknown[]) => void) => {
      if (o && o.all) cb(null, [{ address: addressText, family }]);
      else cb(null, addressText, family);
    }) as unknown as RequestOptions['lookup'],
  };
  if (isHttps && !parseIp(host)) options.servername = host;
  if (isHttps && ca !== undefined) (options as RequestOptions & { ca?: string | string[] }).ca = typeof ca === 'string' ? ca : [...ca];

  return new Promise<Hop>((resolve, reject) => {
    let settled = false;
    const finish = (err: TokenradiusError | undefined, hop?: Hop): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (err) {
        r.destroy();
        reject(err);
      } else resolve(hop as Hop);
    };
    const timer = setTimeout(
      () => finish(fail('UPSTREAM_UNAVAILABLE', `${origin} timed out`, { origin, timeout: true })),
      Math.max(0, deadline - Date.now()),
    );
    const onAbort = (): void => finish(fail('UPSTREAM_UNAVAILABLE', `request to ${origin} was aborted`, { origin, aborted: true }));
    const r = (isHttps ? httpsRequest : httpRequest)(options, (res) => {
      const status = res.statusCode ?? 0;
      const resHeaders = flattenHeaders(res);
      const declared = Number(resHeaders['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        finish(fail('UPSTREAM_INVALID_RESPONSE', `${origin} response exceeds ${maxBytes} bytes`, { origin, status, limit: maxBytes }));
        return;
      }
      const decoder = decoderFor(resHeaders['content-encoding']);
      if (decoder === 'unsupported') {
        finish(fail('UPSTREAM_INVALID_RESPONSE', `${origin} used an unsupported content-encoding`, { origin, status }));
        return;
      }
      const stream = decoder ? res.pipe(decoder) : res;
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          decoder?.destroy();
          finish(fail('UPSTREAM_INVALID_RESPONSE', `${origin} response exceeds ${maxBytes} bytes`, { origin, status, limit: maxBytes }));
          return;
        }
        chunks.push(c);
      });
      stream.on('end', () => finish(undefined, { status, headers: resHeaders, body: Buffer.concat(chunks) }));
      stream.on('error', (e: NodeJS.ErrnoException) => {
        const code = decoder && e.code?.startsWith('Z_') ? 'UPSTREAM_INVALID_RESPONSE' : 'UPSTREAM_UNAVAILABLE';
        finish(fail(code, `${origin}: response could not be read`, { origin, status, ...(e.code ? { causeCode: e.code } : {}) }));
      });
      res.on('error', () => finish(fail('UPSTREAM_UNAVAILABLE', `${origin} closed the connection mid-response`, { origin, status })));
      res.on('aborted', () => finish(fail('UPSTREAM_UNAVAILABLE', `${origin} closed the connection mid-response`, { origin, status })));
    });
    r.on('error', (e: NodeJS.ErrnoException) =>
      finish(fail('UPSTREAM_UNAVAILABLE', `${origin} is unreachable`, { origin, ...(typeof e.code === 'string' ? { causeCode: e.code } : {}) })),
    );
    if (req.signal?.aborted) {
      onAbort();
      return;
    }
    req.signal?.addEventListener('abort', onAbort, { once: true });
    r.end(body);
  });
}

function buildBody(body: SafeRequest['body']): { buf?: Buffer; type?: string } {
  if (body === undefined) return {};
  if (body instanceof URLSearchParams) return { buf: Buffer.from(body.toString(), 'utf8'), type: 'application/x-www-form-urlencoded' };
  if (typeof body === 'string') return { buf: Buffer.from(body, 'utf8') };
  return { buf: body };
}

function makeResponse(hop: Hop, url: URL): SafeResponse {
  const origin = originOf(url);
  const text = (): string => {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(hop.body);
    } catch {
      throw fail('UPSTREAM_INVALID_RESPONSE', `${origin} answered with invalid UTF-8`, { origin, status: hop.status });
    }
  };
  return {
    status: hop.status,
    headers: Object.freeze({ ...hop.headers }),
    url: url.toString(),
    body: hop.body,
    text,
    json: () => {
      const t = text();
      try {
        return JSON.parse(t) as unknown;
      } catch {
        throw fail('UPSTREAM_INVALID_RESPONSE', `${origin} answered with invalid JSON`, { origin, status: hop.status });
      }
    },
  };
}

function positiveInt(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

/** Build a SafeFetch. See ./types.ts for the guarantees. */
export function createSafeFetch(opts: SafeFetchOptions = {}): SafeFetch {
  const configuredOrigins = new Set<string>();
  for (const u of opts.configuredUrls ?? []) {
    try {
      configuredOrigins.add(new URL(u).origin);
    } catch {
      throw new TokenradiusError('CONFIG_INVALID', 'a configured outbound URL is not a valid URL');
    }
  }
  const allowCidrs = (opts.allowCidrs ?? []).map((c) => {
    const parsed = parseCidr(c);
    if (!parsed) throw new TokenradiusError('CONFIG_INVALID', `"${c}" is not a CIDR range or IP address`);
    return parsed;
  });
  const policy: Policy = { configuredOrigins, allowCidrs };
  const resolve = opts.resolve ?? systemResolver;
  const defaultTimeout = positiveInt(opts.timeoutMs, DEFAULT_TIMEOUT_MS);
  const defaultMax = positiveInt(opts.maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES);
  const maxRedirects = Math.max(0, Math.floor(opts.maxRedirects ?? 0));
  const userAgent = opts.userAgent ?? 'tokenradius';
  const emit = (e: OutboundEvent): void => {
    try {
      opts.onRequest?.(e);
    } catch {
      // an audit hook must not change the outcome of a request
    }
  };

  return async function safeFetch(input: string | URL, req: SafeRequest = {}): Promise<SafeResponse> {
    const text = typeof input === 'string' ? input : input.toString();
    if (text.length > MAX_URL_LENGTH) throw fail('UPSTREAM_BLOCKED', `URL longer than ${MAX_URL_LENGTH} characters`, {});
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw fail('UPSTREAM_BLOCKED', 'not a valid URL', {});
    }
    const method = req.method ?? 'GET';
    const deadline = Date.now() + positiveInt(req.timeoutMs, defaultTimeout);
    const maxBytes = positiveInt(req.maxResponseBytes, defaultMax);
    const { buf, type } = buildBody(req.body);
    const firstOrigin = originOf(url);

    for (let hop = 0; ; hop++) {
      const origin = originOf(url);
      let address: ParsedIp | undefined;
      let result: Hop;
      try {
        checkUrl(url, policy);
        address = await pickAddress(url, policy, resolve, deadline);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers ?? {})) {
          const lk = k.toLowerCase();
          if (lk === 'host' || lk === 'cookie' || lk === 'content-length') continue;
          // Credentials go only to the origin the caller addressed, never across a redirect.
          if (lk === 'authorization' && origin !== firstOrigin) continue;
          headers[lk] = v;
        }
        headers.host = url.host;
        headers['user-agent'] ??= userAgent;
        headers['accept-encoding'] = 'gzip, deflate, br';
        headers.connection = 'close';
        if (buf) {
          headers['content-length'] = String(buf.length);
          if (type && headers['content-type'] === undefined) headers['content-type'] = type;
        }
        result = await oneHop(url, address, req, buf, headers, deadline, maxBytes, opts.ca);
      } catch (e) {
        const err =
          e instanceof TokenradiusError ? e : fail('UPSTREAM_UNAVAILABLE', `${origin} request failed`, { origin, cause: e instanceof Error ? e.name : 'unknown' });
        emit({ method, origin, ...(address ? { address: formatIp(address) } : {}), error: err.code });
        throw err;
      }
      emit({ method, origin, address: formatIp(address), status: result.status });

      const { status } = result;
      if (REDIRECT_STATUSES.has(status)) {
        const location = result.headers.location;
        if (method !== 'GET' || hop >= maxRedirects || location === undefined) {
          throw fail('UPSTREAM_INVALID_RESPONSE', `${origin} answered with a redirect (${status}) that was not followed`, { origin, status });
        }
        try {
          url = new URL(location, url);
        } catch {
          throw fail('UPSTREAM_INVALID_RESPONSE', `${origin} redirected to an invalid URL`, { origin, status });
        }
        continue;
      }
      if (status === 429) {
        const afterMs = parseRetryAfter(result.headers['retry-after']);
        throw fail('UPSTREAM_RATE_LIMITED', `${origin} rate-limited the request`, { origin, status, ...(afterMs !== undefined ? { afterMs } : {}) }, afterMs !== undefined ? { afterMs } : 'later');
      }
      if (status >= 500 || status < 100) {
        const afterMs = status === 503 ? parseRetryAfter(result.headers['retry-after']) : undefined;
        throw fail('UPSTREAM_UNAVAILABLE', `${origin} failed with HTTP ${status}`, { origin, status }, afterMs !== undefined ? { afterMs } : undefined);
      }
      return makeResponse(result, url);
    }
  };
}
