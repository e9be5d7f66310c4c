/**
 * https through the SSRF guard: we dial the validated IP literal, yet the certificate must still
 * match the host NAME (SNI + hostname check). Certificates are generated at test time with the
 * openssl CLI; nothing is committed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSafeFetch } from '../../../src/core/net/safe-fetch.js';
import { TokenradiusError } from '../../../src/core/errors.js';

let dir: string;
let server: Server;
let port: number;
let cert: string;
let sni: string | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tr-tls-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=idp.test', '-addext', 'subjectAltName=DNS:idp.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
    sni = (req.socket as { servername?: string }).servername;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ host: req.headers.host }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('safe fetch over https', () => {
  const resolve = async () => [{ address: '127.0.0.1' }];

  it('dials the validated address but checks the certificate against the host name', async () => {
    const f = createSafeFetch({ resolve, allowCidrs: ['127.0.0.1/32'], ca: cert });
    const r = await f(`https://idp.test:${port}/.well-known/openid-configuration`);
    expect(r.json()).toEqual({ host: `idp.test:${port}` });
    expect(sni).toBe('idp.test');
  });

  it('refuses a certificate for another name', async () => {
    const f = createSafeFetch({ resolve, allowCidrs: ['127.0.0.1/32'], ca: cert });
    const e = await f(`https://other.test:${port}/`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TokenradiusError);
    expect((e as TokenradiusError).code).toBe('UPSTREAM_UNAVAILABLE');
    expect((e as TokenradiusError).details.causeCode).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('refuses a certificate from an untrusted CA', async () => {
    const f = createSafeFetch({ resolve, allowCidrs: ['127.0.0.1/32'] });
    const e = await f(`https://idp.test:${port}/`).catch((x: unknown) => x);
    expect((e as TokenradiusError).code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
