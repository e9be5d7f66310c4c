/**
 * SSRF through the whole service, where the unit tests (test/core/net/safe-fetch.test.ts,
 * test/score/liveness/checker.test.ts) stop: scanned tokens naming private addresses, and configured
 * receivers that point (or redirect) into private ranges, driven through config → scan → liveness →
 * store → act (alert sinks and revokers) by the inline runner. A bare TCP listener on 127.0.0.2
 * counts connections: the proof that nothing was dialled.
 *
 * The rule under test (src/core/net/safe-fetch.ts): an http origin or private IP literal is
 * contacted only when configuration names that exact origin (or `allowPrivateCidrs` covers it);
 * names for the local host and cloud metadata are refused whatever DNS or config says; redirects
 * are never followed for act traffic, and each hop is re-validated where they are (discovery/JWKS).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import type { Chunk } from '../../src/core/types.js';
import { fingerprint } from '../../src/core/secrets.js';
import { silentLogger } from '../../src/observe/logger.js';
import { ALL_ROLES, startService, type RunningService } from '../../src/pipeline/service.js';
import { startFakeOidc, startTcpTrap, type FakeOidc } from '../support/fake-oidc.js';
import { fakeSignedJwt, inHours } from '../support/jwt-factory.js';
import { githubPat } from '../support/token-factory.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const CLIENT = 'tokenradius-revoker';
type Trap = Awaited<ReturnType<typeof startTcpTrap>>;

let idp: FakeOidc;
let trap: Trap;
let hook: WebhookReceiver;
const env = { IDP_REVOKE_SECRET: `rv-${randomBytes(12).toString('hex')}`, SOC_SECRET: `whsec_${randomBytes(32).toString('base64')}`, REVOKER_SECRET: `whsec_${randomBytes(32).toString('base64')}` };
const running: RunningService[] = [];

beforeAll(async () => {
  [idp, trap, hook] = await Promise.all([startFakeOidc({ clients: { [CLIENT]: { secret: env.IDP_REVOKE_SECRET } } }), startTcpTrap('127.0.0.2'), startWebhookReceiver()]);
});
afterEach(async () => {
  for (const s of running.splice(0)) await s.close().catch(() => undefined);
});
afterAll(async () => {
  await Promise.all([idp.close(), trap.close(), hook.close()]);
});

const trustedIssuer = () => ({ verify: true, issuers: [{ issuer: idp.issuer, revocation: { clientId: CLIENT, clientSecretEnv: 'IDP_REVOKE_SECRET' } }] });

async function run(config: Record<string, unknown>, chunks: Chunk[]): Promise<RunningService> {
  const loaded = resolveConfig({ dataDir: mkdtempSync(join(tmpdir(), 'tr-ssrf-')), queue: { attempts: 2, backoffMs: 20 }, ...config }, env);
  const service = await startService(loaded, { http: false, roles: ALL_ROLES, deps: { logger: silentLogger() } });
  running.push(service);
  await service.ingress!.submitChunks(chunks);
  await service.inline!.drain();
  return service;
}

const chunkOf = (id: string, text: string): Chunk => ({ id, source: 'chat', text, locator: { kind: 'file', path: `/chat/${id}.txt`, line: 1, column: 1 }, exposure: { visibility: 'public', audience: 500 } });

async function selfSigned(claims: Record<string, unknown>, header: Record<string, unknown>): Promise<string> {
  const kp = (await generateKeyPair('ES256')) as { privateKey: CryptoKey };
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', ...header }).sign(kp.privateKey);
}

describe('tokens naming private addresses, through the whole pipeline', () => {
  it('liveness and revocation never dial what a scanned token names; only the configured issuer is contacted', async () => {
    const hostile = [
      await selfSigned({ iss: trap.origin, sub: 'a', exp: inHours(2), scope: 'admin' }, { kid: 'k', jku: `${trap.origin}/jwks`, x5u: `${trap.origin}/x5u` }),
      await selfSigned({ iss: `${trap.origin}/realms/master`, sub: 'b', exp: inHours(2) }, {}),
      await selfSigned({ iss: 'http://169.254.169.254/latest/meta-data/', sub: 'c', exp: inHours(2) }, {}),
      await selfSigned({ iss: `http://localhost:${trap.port}`, sub: 'd', exp: inHours(2) }, {}),
      await selfSigned({ iss: `http://[::ffff:127.0.0.2]:${trap.port}`, sub: 'e', exp: inHours(2) }, {}),
      await selfSigned({ iss: 'https://login.partner.example.test/', sub: 'f', exp: inHours(2) }, { jku: `${trap.origin}/jwks`, x5u: `${trap.origin}/cert`, x5c: [Buffer.from(trap.origin).toString('base64')] }),
      fakeSignedJwt({ iss: `http://127.0.0.2:${trap.port}/`, sub: 'g', exp: inHours(2) }),
    ];
    // A genuine token from the trusted issuer whose header names the trap: verified from the issuer's own JWKS.
    const genuine = await idp.signToken({ sub: 'svc', azp: CLIENT, exp: inHours(2), scope: 'openid admin', roles: ['admin'] }, { header: { jku: `${trap.origin}/jwks`, x5u: `${trap.origin}/x5u` } });
    const chunks = [...hostile, genuine].map((t, i) => chunkOf(`jwt-${i}`, `Authorization: Bearer ${t}`));
    const service = await run(
      {
        trust: trustedIssuer(),
        act: {
          sinks: [{ id: 'soc', type: 'webhook', url: hook.url, secretEnv: 'SOC_SECRET' }],
          revokers: [{ id: 'idp', type: 'rfc7009' }],
          revocation: [{ name: 'every-jwt', match: { kinds: ['jwt'] }, revokers: ['idp'] }],
        },
      },
      chunks,
    );
    const store = service.deps.store;
    for (const t of hostile) {
      const f = await store.getFinding(fingerprint(t));
      expect(f, t.slice(0, 12)).not.toBeNull();
      expect(['unverifiable', 'unknown', 'invalid-signature']).toContain(f!.liveness.state);
      // The policy asked for revocation; the token went nowhere (no trusted issuer to send it to).
      expect(idp.requests.filter((r) => r.form?.token === t)).toEqual([]);
    }
    const g = await store.getFinding(fingerprint(genuine));
    expect(g?.liveness.state).toBe('live');
    expect(idp.isRevoked(genuine)).toBe(true);
    expect(trap.connections).toBe(0);
    // Reach: alerts went out for every finding (the act stage really ran for the hostile tokens).
    for (const t of [...hostile, genuine]) expect(hook.bodies().join('\n')).toContain(fingerprint(t));
  });

  it('a trusted issuer whose discovery names a revocation endpoint in a private range gets no token sent there', async () => {
    idp.setDiscovery({ revocation_endpoint: `${trap.origin}/revoke` });
    try {
      const token = await idp.signToken({ sub: 'svc-2', azp: CLIENT, exp: inHours(2), scope: 'openid admin', roles: ['admin'] });
      const service = await run(
        { trust: trustedIssuer(), act: { revokers: [{ id: 'idp', type: 'rfc7009' }], revocation: [{ name: 'every-jwt', match: { kinds: ['jwt'] }, revokers: ['idp'] }] } },
        [chunkOf('disc', `token ${token}`)],
      );
      expect(trap.connections).toBe(0);
      expect(idp.isRevoked(token)).toBe(false);
      const revocations = (await service.deps.store.listActions(fingerprint(token))).items.filter((a) => a.type === 'revocation');
      expect(revocations.length).toBeGreaterThan(0);
      expect(revocations.every((a) => a.status !== 'succeeded')).toBe(true);
    } finally {
      idp.setDiscovery({ revocation_endpoint: undefined });
    }
  });
});

describe('configured receivers pointing or redirecting into private ranges', () => {
  it('a webhook sink and a webhook revoker that answer with a redirect into a private range are not followed', async () => {
    const redirecting = await startWebhookReceiver();
    try {
      redirecting.respond(() => ({ status: 307, headers: { location: `${trap.origin}/hook` } }));
      const pat = githubPat();
      const service = await run(
        {
          act: {
            sinks: [{ id: 'soc', type: 'webhook', url: redirecting.url, secretEnv: 'SOC_SECRET' }],
            revokers: [{ id: 'inhouse', type: 'webhook', url: `${redirecting.origin}/revoke`, secretEnv: 'REVOKER_SECRET', includeToken: true }],
            revocation: [{ name: 'pats', match: { rules: ['github-classic-pat'] }, revokers: ['inhouse'] }],
          },
        },
        [chunkOf('pat', `GH_TOKEN=${pat}`)],
      );
      // Both were tried (reach), neither redirect was followed.
      expect(redirecting.requests.some((r) => r.path === '/hook')).toBe(true);
      expect(redirecting.requests.some((r) => r.path === '/revoke')).toBe(true);
      expect(trap.connections).toBe(0);
      const actions = (await service.deps.store.listActions(fingerprint(pat))).items;
      expect(actions.filter((a) => a.type === 'alert' && a.target === 'soc').every((a) => a.status !== 'succeeded')).toBe(true);
      expect(actions.filter((a) => a.type === 'revocation' && a.target === 'inhouse').every((a) => a.status !== 'succeeded')).toBe(true);
    } finally {
      await redirecting.close();
    }
  });

  it('a configured URL naming the local host is refused even though configured; a configured IP literal is the explicit allowance', async () => {
    const pat = githubPat();
    const service = await run(
      { act: { sinks: [{ id: 'by-name', type: 'webhook', url: `http://localhost:${trap.port}/hook`, secretEnv: 'SOC_SECRET' }, { id: 'by-ip', type: 'webhook', url: hook.url, secretEnv: 'SOC_SECRET' }] } },
      [chunkOf('local', `GH_TOKEN=${pat}`)],
    );
    expect(trap.connections).toBe(0);
    const alerts = (await service.deps.store.listActions(fingerprint(pat))).items.filter((a) => a.type === 'alert');
    expect(alerts.filter((a) => a.target === 'by-name').every((a) => a.status !== 'succeeded')).toBe(true);
    expect(JSON.stringify(alerts.filter((a) => a.target === 'by-name'))).toContain('UPSTREAM_BLOCKED');
    expect(alerts.some((a) => a.target === 'by-ip' && a.status === 'succeeded')).toBe(true);
    expect(hook.bodies().join('\n')).toContain(fingerprint(pat));
  });
});
