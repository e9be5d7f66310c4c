import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { createLivenessChecker, type LivenessChecker } from '../../../src/score/liveness/checker.js';
import { TrustOptionsSchema, type TrustOptionsInput } from '../../../src/score/liveness/options.js';
import { createSafeFetch } from '../../../src/core/net/safe-fetch.js';
import type { DecodedJwt } from '../../../src/detect/types.js';
import { LivenessSchema, type Liveness } from '../../../src/core/types.js';
import { startFakeOidc, startTcpTrap, type FakeOidc, type TcpTrap } from '../../support/fake-oidc.js';
import { b64url, encryptedJwt, inHours, nowSeconds, signJwt, unsignedJwt } from '../../support/jwt-factory.js';

/** Test-local decode (the engine's decoder is another engineer's module). */
function decode(token: string): DecodedJwt {
  const parts = token.split('~')[0]!.split('.');
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (parts.length === 5) return { form: 'jwe', header };
  const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { form: token.includes('~') ? 'sd-jwt' : header.alg === 'none' ? 'unsecured' : 'jws', header, claims };
}

const SECRET = randomBytes(16).toString('hex');
const ENV = { IDP_SECRET: SECRET, IDP_POST_SECRET: SECRET + 'p' };

describe('liveness ladder against a fake OIDC provider', () => {
  let idp: FakeOidc;
  let trap: TcpTrap;
  let trap2: TcpTrap;
  let checkers: LivenessChecker[] = [];
  const extra: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    idp = await startFakeOidc({
      keys: ['RS256', 'ES256', 'EdDSA'],
      issuerPath: '/realms/test',
      clients: { 'rs-basic': { secret: SECRET, authMethod: 'client_secret_basic' }, 'rs-post': { secret: SECRET + 'p', authMethod: 'client_secret_post' } },
    });
    trap = await startTcpTrap('127.0.0.2');
    trap2 = await startTcpTrap('127.0.0.3');
  });

  afterAll(async () => {
    await idp.close();
    await trap.close();
    await trap2.close();
    for (const c of extra) await c();
  });

  afterEach(() => {
    for (const c of checkers) c.close();
    checkers = [];
    idp.clearFaults();
    idp.setDiscovery({ jwks_uri: `${idp.issuer}/jwks`, introspection_endpoint: `${idp.issuer}/introspect`, issuer: idp.issuer });
    idp.requests.length = 0;
    // No test may ever have made a connection to an address a token (or a discovery document) named.
    expect(trap.connections).toBe(0);
    expect(trap2.connections).toBe(0);
  });

  function checker(input: Partial<TrustOptionsInput> & { issuer?: Record<string, unknown> } = {}, deps: Parameters<typeof createLivenessChecker>[2] = {}): LivenessChecker {
    const { issuer, ...rest } = input;
    const opts = TrustOptionsSchema.parse({ issuers: [{ issuer: idp.issuer, ...issuer }], ...rest });
    const c = createLivenessChecker(opts, ENV, deps);
    checkers.push(c);
    return c;
  }

  const check = async (c: LivenessChecker, token: string, o?: { verify?: boolean }): Promise<Liveness> => {
    const l = await c.check({ token, decoded: decode(token), kind: 'jwt' }, new Date(), o);
    // Every answer is a valid Liveness (it lands in findings as is).
    return LivenessSchema.parse(l);
  };

  describe('signature (JWKS)', () => {
    it.each(['RS256', 'ES256', 'EdDSA'] as const)('a %s token from the trusted issuer verifies: live', async (alg) => {
      const c = checker();
      const token = await idp.signToken({ sub: 'svc', exp: inHours(1) }, { alg });
      const l = await check(c, token);
      expect(l.state).toBe('live');
      expect(l.checkedBy).toEqual(['temporal', 'jwks']);
      expect(l.expiresAt).toBeDefined();
      expect(l.reason).toContain(`signature verified (${alg})`);
      expect(idp.count('discovery')).toBe(1);
      expect(idp.count('jwks')).toBe(1);
    });

    it('caches discovery and JWKS: many checks, one fetch each', async () => {
      const c = checker();
      for (let i = 0; i < 5; i++) expect((await check(c, await idp.signToken({ sub: `u${i}`, exp: inHours(1) }))).state).toBe('live');
      expect(idp.count('discovery')).toBe(1);
      expect(idp.count('jwks')).toBe(1);
    });

    it('concurrent first checks share one fetch', async () => {
      const c = checker();
      const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => idp.signToken({ sub: `c${i}`, exp: inHours(1) }, { alg: 'ES256' })));
      const states = await Promise.all(tokens.map((t) => check(c, t)));
      expect(states.every((s) => s.state === 'live')).toBe(true);
      expect(idp.count('jwks')).toBe(1);
    });

    it('the cache expires after the configured TTL', async () => {
      let clock = Date.now();
      const c = checker({ jwksCacheTtlSeconds: 60 }, { now: () => new Date(clock) });
      await check(c, await idp.signToken({ exp: inHours(1) }));
      clock += 61_000;
      await check(c, await idp.signToken({ exp: inHours(1) }));
      expect(idp.count('jwks')).toBe(2);
    });

    it('a tampered token (claims edited, signature kept) is invalid-signature', async () => {
      const c = checker();
      const token = await idp.signToken({ sub: 'reader', scope: 'read', exp: inHours(1) });
      const [h, , s] = token.split('.');
      const forged = `${h}.${b64url({ iss: idp.issuer, sub: 'reader', scope: 'admin', exp: inHours(1) })}.${s}`;
      const l = await check(c, forged);
      expect(l.state).toBe('invalid-signature');
      expect(l.checkedBy).toEqual(['temporal', 'jwks']);
    });

    it("a token signed with a key the issuer does not publish, reusing a published kid, is invalid-signature", async () => {
      const c = checker();
      const kp = (await generateKeyPair('RS256')) as { privateKey: CryptoKey };
      const kid = idp.publishedKids()[0]!;
      const forged = await new SignJWT({ iss: idp.issuer, exp: inHours(1) }).setProtectedHeader({ alg: 'RS256', kid }).sign(kp.privateKey);
      expect((await check(c, forged)).state).toBe('invalid-signature');
    });

    it('an embedded jwk / jku / x5u / x5c in the header is never used or fetched', async () => {
      const c = checker();
      const kp = (await generateKeyPair('ES256', { extractable: true })) as { privateKey: CryptoKey; publicKey: CryptoKey };
      const jwk = await exportJWK(kp.publicKey);
      const forged = await new SignJWT({ iss: idp.issuer, exp: inHours(1) })
        .setProtectedHeader({
          alg: 'ES256',
          kid: 'attacker',
          jwk,
          jku: `${trap.origin}/jwks.json`,
          x5u: `${trap2.origin}/cert.pem`,
          x5c: [Buffer.from(`${trap.origin}/chain`).toString('base64')],
        })
        .sign(kp.privateKey);
      const l = await check(c, forged);
      expect(l.state).toBe('invalid-signature');
      expect(l.reason).toContain("no key with the token's kid");
      // A genuine token with hostile URLs in its header verifies from the issuer's JWKS only.
      const genuine = await idp.signToken({ exp: inHours(1) }, { header: { jku: `${trap.origin}/k`, x5u: `${trap2.origin}/c` } });
      expect((await check(c, genuine)).state).toBe('live');
    });

    it('rotation: a new kid refetches the JWKS once, then verifies from cache', async () => {
      const c = checker();
      expect((await check(c, await idp.signToken({ exp: inHours(1) }))).state).toBe('live');
      expect(idp.count('jwks')).toBe(1);
      const newKid = await idp.rotate('RS256');
      const rotated = await idp.signToken({ exp: inHours(1) });
      expect(decode(rotated).header.kid).toBe(newKid);
      const l = await check(c, rotated);
      expect(l.state).toBe('live');
      expect(idp.count('jwks')).toBe(2);
      expect((await check(c, await idp.signToken({ sub: 'again', exp: inHours(1) }))).state).toBe('live');
      expect(idp.count('jwks')).toBe(2);
    });

    it('a retired key stops verifying after the next refetch', async () => {
      let clock = Date.now();
      const c = checker({ jwksCacheTtlSeconds: 10 }, { now: () => new Date(clock) });
      const kid = await idp.addKey('ES256', { kid: 'short-lived' });
      const token = await idp.signToken({ exp: inHours(1) }, { kid });
      expect((await check(c, token)).state).toBe('live');
      idp.retireKey(kid);
      clock += 11_000;
      expect((await check(c, token)).state).toBe('invalid-signature');
    });

    it('a flood of unknown kids causes at most one refetch per cooldown and never a live verdict', async () => {
      let clock = Date.now();
      const c = checker({ jwksRefetchCooldownSeconds: 60 }, { now: () => new Date(clock) });
      await check(c, await idp.signToken({ exp: inHours(1) }));
      expect(idp.count('jwks')).toBe(1);
      const kp = (await generateKeyPair('RS256')) as { privateKey: CryptoKey };
      const flood = await Promise.all(
        Array.from({ length: 40 }, () =>
          new SignJWT({ iss: idp.issuer, exp: inHours(1) }).setProtectedHeader({ alg: 'RS256', kid: randomBytes(8).toString('hex') }).sign(kp.privateKey),
        ),
      );
      const concurrent = await Promise.all(flood.slice(0, 20).map((t) => check(c, t)));
      for (const t of flood.slice(20)) concurrent.push(await check(c, t));
      expect(idp.count('jwks')).toBe(2);
      expect(concurrent.some((l) => l.state === 'live')).toBe(false);
      expect(new Set(concurrent.map((l) => l.state))).toEqual(new Set(['invalid-signature', 'unknown']));
      expect(concurrent.filter((l) => l.state === 'unknown').every((l) => l.reason?.includes('rate-limited'))).toBe(true);
      clock += 61_000;
      await check(c, flood[0]!);
      expect(idp.count('jwks')).toBe(3);
    });

    it('an algorithm outside the issuer allowlist is refused without trusting the header', async () => {
      const c = checker({ issuer: { algorithms: ['ES256'] } });
      const l = await check(c, await idp.signToken({ exp: inHours(1) }, { alg: 'RS256' }));
      expect(l.state).toBe('invalid-signature');
      expect(l.reason).toContain('not allowed');
      expect((await check(c, await idp.signToken({ exp: inHours(1) }, { alg: 'ES256' }))).state).toBe('live');
    });

    it('alg none naming a trusted issuer is invalid-signature, and nothing is fetched', async () => {
      const c = checker();
      const l = await check(c, unsignedJwt({}, { iss: idp.issuer, exp: inHours(1) }));
      expect(l.state).toBe('invalid-signature');
      expect(idp.requests).toHaveLength(0);
    });

    it('HS256 from a trusted issuer is unverifiable, keeps its expiry, and fetches nothing', async () => {
      const c = checker();
      const exp = inHours(2);
      const l = await check(c, await signJwt({ iss: idp.issuer, exp, role: 'service_role' }, { alg: 'HS256' }));
      expect(l.state).toBe('unverifiable');
      expect(l.expiresAt).toBe(new Date(exp * 1000).toISOString());
      expect(l.reason).toContain('shared secret');
      expect(idp.requests).toHaveLength(0);
    });

    it('a JWE is unverifiable; a non-JWT credential is unknown; neither touches the network', async () => {
      const c = checker();
      const jwe = await encryptedJwt({ iss: idp.issuer });
      expect((await c.check({ token: jwe, decoded: decode(jwe), kind: 'jwt' }, new Date())).state).toBe('unverifiable');
      const cred = await c.check({ token: `ghp_${randomBytes(18).toString('base64url')}`, decoded: undefined, kind: 'credential' }, new Date());
      expect(cred).toMatchObject({ state: 'unknown', reason: 'no safe check for this credential family' });
      expect(idp.requests).toHaveLength(0);
    });

    it('an SD-JWT verifies its issuer-signed part', async () => {
      const c = checker();
      const jws = await idp.signToken({ exp: inHours(1), _sd_alg: 'sha-256' }, { alg: 'ES256' });
      const sd = `${jws}~${b64url(JSON.stringify(['salt', 'email', 'a@example.com']))}~`;
      expect((await check(c, sd)).state).toBe('live');
    });

    it('a configured audience that does not match is reported, but the token stays live', async () => {
      const c = checker({ issuer: { audience: 'https://api.example' } });
      const l = await check(c, await idp.signToken({ aud: 'https://other.example', exp: inHours(1) }));
      expect(l.state).toBe('live');
      expect(l.reason).toContain('audience');
    });
  });

  describe('temporal rung in the ladder', () => {
    it('an expired token is expired and nothing is fetched', async () => {
      const c = checker();
      const l = await check(c, await idp.signToken({ exp: nowSeconds() - 3600 }));
      expect(l).toMatchObject({ state: 'expired', checkedBy: ['temporal'] });
      expect(idp.requests).toHaveLength(0);
    });

    it('a not-yet-valid token is verified but stays not-yet-valid (and is not introspected)', async () => {
      const c = checker({ issuer: { introspection: { clientId: 'rs-basic', clientSecretEnv: 'IDP_SECRET' } } });
      const l = await check(c, await idp.signToken({ nbf: nowSeconds() + 3600, exp: inHours(2) }));
      expect(l.state).toBe('not-yet-valid');
      expect(l.checkedBy).toEqual(['temporal', 'jwks']);
      expect(idp.count('introspection')).toBe(0);
    });

    it('millisecond timestamps are read correctly on a verified token', async () => {
      const c = checker();
      const expMs = (nowSeconds() + 3600) * 1000;
      const l = await check(c, await idp.signToken({ exp: expMs }));
      expect(l.state).toBe('live');
      expect(l.expiresAt).toBe(new Date(expMs).toISOString());
      expect((await check(c, await idp.signToken({ exp: (nowSeconds() - 3600) * 1000 }))).state).toBe('expired');
    });
  });

  describe('untrusted issuers and verification off', () => {
    it('a valid token from an issuer not on the trust list is unverifiable, decoded offline, and never contacted', async () => {
      const other = await startFakeOidc({ host: '127.0.0.4', keys: ['ES256'] });
      extra.push(() => other.close());
      const c = checker();
      const l = await check(c, await other.signToken({ exp: inHours(1) }, { alg: 'ES256' }));
      expect(l.state).toBe('unverifiable');
      expect(l.checkedBy).toEqual(['temporal']);
      expect(l.reason).toContain('issuer not on trust list (decoded offline)');
      expect(l.expiresAt).toBeDefined();
      expect(other.connections).toBe(0);
    });

    it('a token whose iss names a private address is never fetched', async () => {
      const c = checker();
      for (const iss of [trap.origin, `${trap.origin}/realms/test`, 'http://169.254.169.254/latest', `http://[::ffff:127.0.0.2]:${trap.port}`]) {
        const t = await signJwt({ iss, exp: inHours(1) }, { alg: 'RS256', header: { jku: `${trap2.origin}/jwks`, x5u: `${trap2.origin}/x5u` } });
        expect((await check(c, t)).state).toBe('unverifiable');
      }
    });

    it('verify: false means no issuer is contacted; a per-call verify overrides it', async () => {
      const c = checker({ verify: false });
      const token = await idp.signToken({ exp: inHours(1) });
      const off = await check(c, token);
      expect(off.state).toBe('unverifiable');
      expect(off.reason).toContain('verification is off');
      expect(idp.requests).toHaveLength(0);
      expect((await check(c, token, { verify: true })).state).toBe('live');
      const on = checker();
      expect((await check(on, token, { verify: false })).state).toBe('unverifiable');
    });

    it('an expired token from an untrusted issuer stays expired', async () => {
      const c = checker();
      const l = await check(c, await signJwt({ iss: 'https://unknown.example', exp: nowSeconds() - 10_000 }));
      expect(l.state).toBe('expired');
    });
  });

  describe('failures never produce live or invalid-signature', () => {
    it.each([
      ['429 with Retry-After', { kind: 'status', status: 429, retryAfter: '30' }, 'rate-limited'],
      ['500', { kind: 'status', status: 500 }, 'UPSTREAM_UNAVAILABLE'],
      ['a reset connection', { kind: 'reset' }, 'UPSTREAM_UNAVAILABLE'],
      ['an oversized JWKS (declared length)', { kind: 'oversized', bytes: 2 * 1024 * 1024 }, 'UPSTREAM_INVALID_RESPONSE'],
      ['an oversized JWKS (chunked)', { kind: 'oversized', bytes: 2 * 1024 * 1024, declareLength: false }, 'UPSTREAM_INVALID_RESPONSE'],
      ['a non-JSON body', { kind: 'status', status: 200, body: '<html>' }, 'UPSTREAM_INVALID_RESPONSE'],
    ] as const)('JWKS answering %s gives unknown', async (_label, fault, why) => {
      const c = checker();
      idp.fault('jwks', fault);
      const l = await check(c, await idp.signToken({ exp: inHours(1) }));
      expect(l.state).toBe('unknown');
      expect(l.reason).toContain(why);
      expect(l.checkedBy).toEqual(['temporal', 'jwks']);
    });

    it('a slow issuer times out: unknown', async () => {
      const c = checker({ timeoutMs: 300 });
      idp.fault('discovery', { kind: 'slow', delayMs: 10_000 });
      const l = await check(c, await idp.signToken({ exp: inHours(1) }));
      expect(l.state).toBe('unknown');
    });

    it('after a 429 the issuer is left alone until Retry-After has passed', async () => {
      let clock = Date.now();
      const c = checker({}, { now: () => new Date(clock) });
      idp.fault('jwks', { kind: 'status', status: 429, retryAfter: '30' }, { times: 1 });
      const token = await idp.signToken({ exp: inHours(1) });
      expect((await check(c, token)).state).toBe('unknown');
      expect((await check(c, token)).state).toBe('unknown');
      expect(idp.count('jwks')).toBe(1);
      clock += 31_000;
      expect((await check(c, token)).state).toBe('live');
      expect(idp.count('jwks')).toBe(2);
    });

    it('a discovery document naming another issuer is refused', async () => {
      const c = checker();
      idp.setDiscovery({ issuer: 'https://evil.example' });
      const l = await check(c, await idp.signToken({ exp: inHours(1) }));
      expect(l.state).toBe('unknown');
      expect(idp.count('jwks')).toBe(0);
    });
  });

  describe('SSRF through configured issuers', () => {
    it("a discovery document whose jwks_uri points at another host is refused; no connection is made", async () => {
      const c = checker();
      idp.setDiscovery({ jwks_uri: `${trap.origin}/jwks` });
      const l = await check(c, await idp.signToken({ exp: inHours(1) }));
      expect(l.state).toBe('unknown');
      expect(l.reason).toContain('UPSTREAM_BLOCKED');
    });

    it('a pinned jwksUri is used instead of discovery', async () => {
      const c = checker({ issuer: { jwksUri: `${idp.issuer}/jwks`, discovery: false } });
      idp.setDiscovery({ jwks_uri: `${trap.origin}/jwks` });
      expect((await check(c, await idp.signToken({ exp: inHours(1) }))).state).toBe('live');
      expect(idp.count('discovery')).toBe(0);
    });

    it.each(['discovery', 'jwks'] as const)('a redirect from the issuer %s endpoint into a private range is refused', async (endpoint) => {
      const c = checker();
      idp.fault(endpoint, { kind: 'redirect', location: `${trap.origin}/jwks` });
      const l = await check(c, await idp.signToken({ exp: inHours(1) }));
      expect(l.state).toBe('unknown');
    });

    it('a configured issuer host name that resolves to a private address is refused', async () => {
      const issuer = `http://idp.internal.test:${trap.port}`;
      const fetch = createSafeFetch({ configuredUrls: [issuer], resolve: async () => [{ address: '127.0.0.2' }] });
      const opts = TrustOptionsSchema.parse({ issuers: [{ issuer }] });
      const c = createLivenessChecker(opts, ENV, { fetch });
      checkers.push(c);
      const l = await check(c, await signJwt({ iss: issuer, exp: inHours(1) }));
      expect(l.state).toBe('unknown');
      expect(l.reason).toContain('UPSTREAM_BLOCKED');
    });
  });

  describe('introspection (RFC 7662)', () => {
    const basic = { introspection: { clientId: 'rs-basic', clientSecretEnv: 'IDP_SECRET' } };
    const post = { introspection: { clientId: 'rs-post', clientSecretEnv: 'IDP_POST_SECRET', authMethod: 'client_secret_post' } };

    it('active ⇒ live, with client_secret_basic', async () => {
      const c = checker({ issuer: basic });
      const l = await check(c, await idp.signToken({ exp: inHours(1), client_id: 'app' }));
      expect(l.state).toBe('live');
      expect(l.checkedBy).toEqual(['temporal', 'jwks', 'introspection']);
      const req = idp.requests.find((r) => r.endpoint === 'introspection');
      expect(req).toMatchObject({ clientId: 'rs-basic', authMethod: 'client_secret_basic', path: '/realms/test/introspect' });
    });

    it('revoked at the issuer ⇒ revoked, with client_secret_post', async () => {
      const c = checker({ issuer: post });
      const token = await idp.signToken({ exp: inHours(1) });
      idp.revoke(token);
      const l = await check(c, token);
      expect(l.state).toBe('revoked');
      expect(l.checkedBy).toEqual(['temporal', 'jwks', 'introspection']);
      expect(idp.requests.find((r) => r.endpoint === 'introspection')).toMatchObject({ clientId: 'rs-post', authMethod: 'client_secret_post' });
    });

    it('an HS256 token the issuer reports active is live through introspection alone; one it does not know is revoked', async () => {
      const c = checker({ issuer: basic });
      const hs = await idp.signToken({ exp: inHours(1) }, { alg: 'HS256' });
      const l = await check(c, hs);
      expect(l.state).toBe('live');
      expect(l.checkedBy).toEqual(['temporal', 'jwks', 'introspection']);
      expect(l.reason).toContain('shared secret');
      expect(idp.count('jwks')).toBe(0);
      // Same issuer, but a token the issuer never issued (signed with another secret): inactive.
      const stranger = await signJwt({ iss: idp.issuer, exp: inHours(1) }, { alg: 'HS256' });
      expect((await check(c, stranger)).state).toBe('revoked');
    });

    it('rejected client credentials leave the verified signature verdict, saying revocation is unconfirmed', async () => {
      const c = createLivenessChecker(TrustOptionsSchema.parse({ issuers: [{ issuer: idp.issuer, ...basic }] }), { IDP_SECRET: 'wrong' });
      checkers.push(c);
      const l = await check(c, await idp.signToken({ exp: inHours(1) }));
      expect(l.state).toBe('live');
      expect(l.reason).toContain('UPSTREAM_AUTH_FAILED');
      expect(l.reason).toContain('revocation status not confirmed');
    });

    it('introspection failing with no verifiable signature gives no live verdict', async () => {
      const c = checker({ issuer: basic });
      idp.fault('introspection', { kind: 'status', status: 503, retryAfter: '10' });
      const l = await check(c, await signJwt({ iss: idp.issuer, exp: inHours(1) }, { alg: 'HS256' }));
      expect(l.state).toBe('unverifiable');
      expect(l.reason).toContain('introspection failed');
    });

    it('a discovered introspection endpoint on another origin is refused: the token is not sent there', async () => {
      const c = checker({ issuer: basic });
      idp.setDiscovery({ introspection_endpoint: `${trap.origin}/introspect` });
      const l = await check(c, await idp.signToken({ exp: inHours(1) }));
      expect(l.reason).toContain('introspection failed (UPSTREAM_BLOCKED)');
      expect(idp.count('introspection')).toBe(0);
    });

    it('never sends a token that is huge or not compact-JWS text', async () => {
      const c = checker({ issuer: basic });
      const big = await idp.signToken({ exp: inHours(1), pad: 'x'.repeat(40_000) });
      const l = await check(c, big);
      expect(l.state).toBe('unverifiable');
      expect(l.reason).toContain('too large');
      expect(idp.requests).toHaveLength(0);
    });
  });

  it('a closed checker answers unknown', async () => {
    const c = checker();
    c.close();
    expect((await check(c, await idp.signToken({ exp: inHours(1) }))).state).toBe('unknown');
  });

  it('reasons never contain the token or its signature', async () => {
    const c = checker({ issuer: { introspection: { clientId: 'rs-basic', clientSecretEnv: 'IDP_SECRET' } } });
    const tokens = [await idp.signToken({ exp: inHours(1) }), await signJwt({ iss: idp.issuer, exp: inHours(1) }, { alg: 'HS256' })];
    idp.fault('introspection', { kind: 'status', status: 500 }, { times: 1 });
    for (const t of tokens) {
      const l = await check(c, t);
      const text = JSON.stringify(l);
      expect(text).not.toContain(t.split('.')[2]!);
      expect(text).not.toContain(t.split('.')[1]!);
      expect(text).not.toContain(SECRET);
    }
  });
});
