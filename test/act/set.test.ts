/**
 * Shared Signals: the SET a receiver gets verifies with jose `jwtVerify` against the JWKS our
 * server publishes; claims follow RFC 8417 / SSF (typ, iss, aud, jti, events, sub_id; no sub/exp);
 * the signing key is generated once into the data directory (0600) or read from env/file; the push
 * follows RFC 8935 (202, 400 invalid_* not retried, 5xx retried).
 */
import { mkdtempSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActFetch } from '../../src/act/http.js';
import { SsfOptionsSchema } from '../../src/act/options.js';
import { credentialCompromiseClaims, loadSetSigningKey, RISC_CREDENTIAL_COMPROMISE, signingKeyPath, subjectIdOf } from '../../src/act/set.js';
import { createSsfSink } from '../../src/act/sinks/ssf.js';
import { resolveConfig } from '../../src/config/load.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { buildServer } from '../../src/server/app.js';
import { wellKnownRoutes } from '../../src/server/routes/well-known.js';
import { ServerOptionsSchema } from '../../src/server/options.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { storedFinding } from './helpers.js';

const ISSUER = 'https://tokenradius.example.test';

describe('SET signing key', () => {
  it('is generated once into the data directory with mode 0600 and reused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tr-set-'));
    const ssf = SsfOptionsSchema.parse({ issuer: ISSUER });
    const a = await loadSetSigningKey(ssf, { env: {}, dataDir });
    expect(a.origin).toBe('generated');
    expect(statSync(signingKeyPath(dataDir)).mode & 0o777).toBe(0o600);
    const b = await loadSetSigningKey(ssf, { env: {}, dataDir });
    expect(b).toMatchObject({ origin: 'file', kid: a.kid });
    // The JWKS shows the public half only.
    expect(a.publicJwk).toMatchObject({ kid: a.kid, alg: 'ES256', use: 'sig', kty: 'EC' });
    expect(a.publicJwk).not.toHaveProperty('d');
  });

  it('reads a PKCS#8 PEM from the environment and refuses garbage without quoting it', async () => {
    const kp = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportPKCS8(kp.privateKey);
    const k = await loadSetSigningKey(SsfOptionsSchema.parse({ issuer: ISSUER, alg: 'RS256', signingKeyEnv: 'SET_KEY' }), { env: { SET_KEY: pem }, dataDir: '/nonexistent' });
    expect(k).toMatchObject({ origin: 'env', alg: 'RS256' });
    const garbage = '-----BEGIN PRIVATE KEY-----\nAAAAsecretmaterialAAAA\n-----END PRIVATE KEY-----';
    const err = await loadSetSigningKey(SsfOptionsSchema.parse({ issuer: ISSUER, signingKeyEnv: 'SET_KEY' }), { env: { SET_KEY: garbage }, dataDir: '/nonexistent' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((err as Error).message).not.toContain('secretmaterial');
  });

  it('refuses a key file others can read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tr-set-'));
    const path = join(dir, 'k.jwk');
    const gen = mkdtempSync(join(tmpdir(), 'tr-set-'));
    await loadSetSigningKey(SsfOptionsSchema.parse({ issuer: ISSUER }), { env: {}, dataDir: gen });
    writeFileSync(path, readFileSync(signingKeyPath(gen)), { mode: 0o644 });
    await expect(loadSetSigningKey(SsfOptionsSchema.parse({ issuer: ISSUER, signingKeyFile: path }), { env: {}, dataDir: dir })).rejects.toThrow(/chmod 600/);
  });
});

describe('credential-compromise SET', () => {
  it('uses jwt_id (iss + jti) for a leaked JWT and opaque (fingerprint) otherwise; never sub or exp', () => {
    const jwt = storedFinding();
    expect(subjectIdOf(jwt)).toEqual({ format: 'jwt_id', iss: 'https://idp.example.test', jti: 'jti-1' });
    const pat = storedFinding({ kind: 'credential', rule: 'github-classic-pat', claims: undefined });
    expect(subjectIdOf(pat)).toEqual({ format: 'opaque', id: pat.fingerprint });
    const claims = credentialCompromiseClaims(jwt, { issuer: ISSUER, audience: 'rx', jti: 'alert-x-1-ssf', credentialType: 'bearer-token', now: new Date('2026-01-01T00:00:10Z') });
    expect(claims).toMatchObject({ iss: ISSUER, aud: 'rx', jti: 'alert-x-1-ssf', iat: 1767225610 });
    expect(claims).not.toHaveProperty('sub');
    expect(claims).not.toHaveProperty('exp');
    const ev = (claims.events as Record<string, Record<string, unknown>>)[RISC_CREDENTIAL_COMPROMISE];
    expect(ev).toMatchObject({ credential_type: 'bearer-token', event_timestamp: 1767225600 });
    expect((ev!.reason_admin as { en: string }).en).toContain(jwt.redacted);
  });
});

describe('SSF sink and /.well-known routes', () => {
  let rx: WebhookReceiver;
  let app: Awaited<ReturnType<typeof buildServer>>;
  let base = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'tr-ssf-'));
  const loaded = resolveConfig({ dataDir, act: { ssf: { issuer: ISSUER } } }, {});

  beforeAll(async () => {
    rx = await startWebhookReceiver();
    app = await buildServer(
      { logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), options: ServerOptionsSchema.parse({}), readiness: [], config: loaded.config, env: loaded.env },
      { routes: [wellKnownRoutes] },
    );
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await rx.close();
  });

  it('pushes a SET that verifies against our published JWKS; metadata names the push method', async () => {
    const ssf = loaded.config.act.ssf!;
    const sink = createSsfSink(
      { id: 'rx', type: 'ssf', url: rx.url, audience: 'https://receiver.example.test', authorizationEnv: 'RX_AUTH', events: ['finding.created'], timeoutMs: 10_000 },
      { env: { RX_AUTH: 'Bearer rx-test-credential' }, fetch: createActFetch({ configuredUrls: [rx.url] }), ssf, signingKey: () => loadSetSigningKey(ssf, { env: {}, dataDir }) },
    );
    rx.respond(() => ({ status: 202 }));
    const f = storedFinding();
    await expect(sink.notify(f, { type: 'finding.created', deliveryId: 'alert-set-1', attempt: 1, revocations: [], now: new Date() })).resolves.toMatchObject({ status: 202, jti: 'alert-set-1' });
    const [req] = rx.requests;
    expect(req!.headers['content-type']).toBe('application/secevent+jwt');
    expect(req!.headers.accept).toBe('application/json');
    expect(req!.headers.authorization).toBe('Bearer rx-test-credential');
    expect(decodeProtectedHeader(req!.body)).toMatchObject({ typ: 'secevent+jwt', alg: 'ES256' });

    const jwks = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(req!.body, jwks, { issuer: ISSUER, audience: 'https://receiver.example.test', typ: 'secevent+jwt' });
    expect(payload.jti).toBe('alert-set-1');
    expect(payload.sub_id).toEqual({ format: 'jwt_id', iss: 'https://idp.example.test', jti: 'jti-1' });
    expect(Object.keys(payload.events as object)).toEqual([RISC_CREDENTIAL_COMPROMISE]);

    const meta = (await (await fetch(`${base}/.well-known/ssf-configuration`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ spec_version: '1_0', issuer: ISSUER, jwks_uri: `${ISSUER}/.well-known/jwks.json`, delivery_methods_supported: ['urn:ietf:rfc:8935'] });

    // 400 invalid_audience: failed for good; 5xx: retried.
    rx.failNext(1, 400, { json: { err: 'invalid_audience', description: 'aud mismatch' } });
    const bad = await sink.notify(f, { type: 'finding.created', deliveryId: 'alert-set-2', attempt: 1, revocations: [], now: new Date() }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(TokenradiusError);
    expect(bad).toMatchObject({ retry: 'never', details: { err: 'invalid_audience' } });
    rx.failNext(1, 500);
    const down = await sink.notify(f, { type: 'finding.created', deliveryId: 'alert-set-3', attempt: 1, revocations: [], now: new Date() }).catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('answers 404 when this instance is not a transmitter', async () => {
    const plain = await buildServer(
      { logger: createLogger({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), options: ServerOptionsSchema.parse({}), readiness: [], config: resolveConfig({}, {}).config },
      { routes: [wellKnownRoutes] },
    );
    const r = await plain.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(r.statusCode).toBe(404);
    await plain.close();
  });
});
