/**
 * Revokers against fake upstreams on 127.0.0.1: RFC 7009 + RFC 7662 at a fake IdP (only our
 * client's tokens; confirmed inactive; dry run sends nothing), Slack auth.revoke with the leaked
 * token (confirmed by auth.test; already-invalid; test=1 in dry run), GitHub /credentials/revoke
 * (one request per batching window, shared hourly budget, 422), and an in-house webhook revoker.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActFetch } from '../../src/act/http.js';
import { GithubRevokerSchema, Rfc7009RevokerSchema, SlackRevokerSchema, WebhookRevokerSchema } from '../../src/act/options.js';
import { createGithubRevoker, createHourlyBudget } from '../../src/act/revokers/github.js';
import { createRfc7009Revoker } from '../../src/act/revokers/rfc7009.js';
import { createSlackRevoker } from '../../src/act/revokers/slack.js';
import { createWebhookRevoker } from '../../src/act/revokers/webhook.js';
import type { RevokeOptions } from '../../src/act/types.js';
import { fingerprint } from '../../src/core/secrets.js';
import { TrustOptionsSchema } from '../../src/score/liveness/options.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { startFakeGithub, type FakeGithub } from '../support/fake-github.js';
import { startFakeOidc, type FakeOidc } from '../support/fake-oidc.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { inHours } from '../support/jwt-factory.js';
import { githubPat, slackBotToken } from '../support/token-factory.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { findLeaks, storedFinding, webhookSecret } from './helpers.js';

const opts = (o: Partial<RevokeOptions> = {}): RevokeOptions => ({ dryRun: false, now: new Date(), deliveryId: 'revoke-test-1', actor: 'policy:test', ...o });
const CLIENT = 'tokenradius-revoker';
const secrets = { IDP_REVOKE_SECRET: `rv-${randomBytes(12).toString('hex')}`, IDP_RS_SECRET: `rs-${randomBytes(12).toString('hex')}` };

describe('rfc7009 revoker', () => {
  let idp: FakeOidc;
  beforeAll(async () => {
    idp = await startFakeOidc({ clients: { [CLIENT]: { secret: secrets.IDP_REVOKE_SECRET }, rs: { secret: secrets.IDP_RS_SECRET, authMethod: 'client_secret_post' } } });
  });
  afterAll(() => idp.close());

  const revokerFor = (withIntrospection: boolean) => {
    const trust = TrustOptionsSchema.parse({
      issuers: [
        {
          issuer: idp.issuer,
          revocation: { clientId: CLIENT, clientSecretEnv: 'IDP_REVOKE_SECRET' },
          ...(withIntrospection ? { introspection: { clientId: 'rs', clientSecretEnv: 'IDP_RS_SECRET', authMethod: 'client_secret_post' } } : {}),
        },
      ],
    });
    return createRfc7009Revoker(Rfc7009RevokerSchema.parse({ id: 'idp', type: 'rfc7009' }), { trust, env: secrets, fetch: createActFetch({ configuredUrls: [idp.issuer] }) });
  };
  const findingOf = (token: string) => storedFinding({ fingerprint: fingerprint(token), claims: { iss: idp.issuer } });

  it('revokes a token issued to our client and confirms it inactive by introspection', async () => {
    const token = await idp.signToken({ sub: 'svc', azp: CLIENT, exp: inHours(1), scope: 'admin' });
    const r = revokerFor(true);
    expect(r.supports(findingOf(token))).toBe(true);
    expect(await r.check!(token, findingOf(token))).toBe('valid');
    const res = await r.revoke(token, findingOf(token), opts());
    expect(res).toMatchObject({ outcome: 'revoked', confirmed: true });
    expect(idp.isRevoked(token)).toBe(true);
    expect(await r.check!(token, findingOf(token))).toBe('invalid');
    const revokeCall = idp.requests.filter((q) => q.endpoint === 'revocation').at(-1);
    expect(revokeCall).toMatchObject({ clientId: CLIENT, authMethod: 'client_secret_basic', status: 200 });
    // Nothing we return quotes the token.
    expect(findLeaks(JSON.stringify(res), [token])).toEqual([]);
  });

  it("does not call the issuer for another client's token, or one that names no client", async () => {
    const r = revokerFor(true);
    const before = idp.count('revocation');
    const foreign = await idp.signToken({ sub: 'svc', client_id: 'someone-else', exp: inHours(1) });
    expect(await r.revoke(foreign, findingOf(foreign), opts())).toMatchObject({ outcome: 'unsupported', reason: expect.stringContaining('another client (someone-else)') });
    const anonymous = await idp.signToken({ sub: 'svc', exp: inHours(1) });
    expect(await r.revoke(anonymous, findingOf(anonymous), opts())).toMatchObject({ outcome: 'unsupported', reason: expect.stringContaining('names no client') });
    expect(idp.count('revocation')).toBe(before);
    expect(idp.isRevoked(foreign)).toBe(false);
  });

  it('sends nothing in dry run, and without introspection records an unconfirmed revocation', async () => {
    const token = await idp.signToken({ sub: 'svc', azp: CLIENT, exp: inHours(1) });
    const before = idp.count('revocation');
    expect(await revokerFor(true).revoke(token, findingOf(token), opts({ dryRun: true }))).toMatchObject({ outcome: 'dry-run' });
    expect(idp.count('revocation')).toBe(before);
    expect(idp.isRevoked(token)).toBe(false);

    const res = await revokerFor(false).revoke(token, findingOf(token), opts());
    expect(res).toMatchObject({ outcome: 'revoked', confirmed: false, reason: expect.stringMatching(/may stay valid until exp/) });
    expect(await revokerFor(false).check!(token, findingOf(token))).toBe('unknown');
  });

  it('throws a retryable error when the issuer is down, and never for a trust-list miss', async () => {
    const token = await idp.signToken({ sub: 'svc', azp: CLIENT, exp: inHours(1) });
    idp.fault('revocation', { kind: 'status', status: 503, retryAfter: '7' }, { times: 1 });
    const err = await revokerFor(true).revoke(token, findingOf(token), opts()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retry: { afterMs: 7000 } });
    expect(revokerFor(true).supports(storedFinding({ claims: { iss: 'https://not-trusted.example.test' } }))).toBe(false);
  });
});

describe('slack revoker', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(() => slack.close());
  const revoker = () => createSlackRevoker(SlackRevokerSchema.parse({ id: 'slack', type: 'slack', apiUrl: slack.apiUrl }));
  const f = (t: string) => storedFinding({ fingerprint: fingerprint(t), rule: 'slack-bot-token', kind: 'credential', claims: undefined });

  it('revokes with auth.revoke (the leaked token itself) and confirms with auth.test', async () => {
    const token = slackBotToken();
    slack.addToken(token);
    const r = revoker();
    expect(r.supports(f(token))).toBe(true);
    expect(await r.revoke(token, f(token), opts())).toMatchObject({ outcome: 'revoked', confirmed: true, reason: expect.stringContaining('auth.test now fails') });
    expect(slack.revoked.has(token)).toBe(true);
    expect(slack.calls('auth.test').at(-1)).toMatchObject({ error: 'token_revoked' });
    // Running again: Slack says the token is gone.
    expect(await r.revoke(token, f(token), opts())).toMatchObject({ outcome: 'already-invalid' });
    expect(await r.check!(token, f(token))).toBe('invalid');
  });

  it('uses test=1 in dry run and revokes nothing', async () => {
    const token = slackBotToken();
    slack.addToken(token);
    expect(await revoker().revoke(token, f(token), opts({ dryRun: true }))).toMatchObject({ outcome: 'dry-run' });
    expect(slack.calls('auth.revoke').at(-1)?.params.test).toBe('true');
    expect(slack.revoked.has(token)).toBe(false);
    expect(await revoker().check!(token, f(token))).toBe('valid');
  });

  it('passes rate limits on as retry-after', async () => {
    const token = slackBotToken();
    slack.addToken(token);
    slack.fail({ method: 'auth.revoke', status: 429, retryAfter: 3 });
    const err = await revoker().revoke(token, f(token), opts()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retry: { afterMs: 3000 } });
    expect(slack.revoked.has(token)).toBe(false);
  });
});

describe('github revoker', () => {
  let gh: FakeGithub;
  let store: FindingStore;
  beforeAll(async () => {
    gh = await startFakeGithub();
    store = await createPgliteStore({ dataDir: 'memory://' });
  }, 120_000);
  afterAll(async () => {
    await gh.close();
    await store.close();
  });
  const cfg = (o: Record<string, unknown> = {}) => GithubRevokerSchema.parse({ id: 'github', type: 'github', apiUrl: gh.url, batchWindowMs: 200, ...o });
  const f = (t: string) => storedFinding({ fingerprint: fingerprint(t), rule: 'github-classic-pat', kind: 'credential', claims: undefined });

  it('submits every token arriving within the batching window in one request', async () => {
    const r = createGithubRevoker(cfg(), { fetch: createActFetch({ configuredUrls: [gh.url] }) });
    const tokens = [githubPat('ghp'), githubPat('ghp'), githubPat('gho')];
    const before = gh.calls('credentials.revoke').length;
    const results = await Promise.all(tokens.map((t) => r.revoke(t, f(t), opts())));
    expect(results.every((x) => x.outcome === 'revoked' && x.details?.batchSize === 3)).toBe(true);
    expect(gh.calls('credentials.revoke').length - before).toBe(1);
    expect(gh.revokedCredentials).toEqual(expect.arrayContaining(tokens));
    // Unauthenticated: no Authorization header reached GitHub.
    expect(gh.calls('credentials.revoke').at(-1)?.auth).toBe('none');
    expect(await r.revoke(tokens[0]!, f(tokens[0]!), opts({ dryRun: true }))).toMatchObject({ outcome: 'dry-run' });
    expect(gh.calls('credentials.revoke').length - before).toBe(1);
  });

  it('splits at maxBatch, and holds an hourly budget shared through the store', async () => {
    const budget = createHourlyBudget(store, `gh-test-${randomBytes(3).toString('hex')}`, 2, () => Date.UTC(2026, 0, 1, 10, 30));
    const r = createGithubRevoker(cfg({ maxBatch: 2, hourlyBudget: 2 }), { fetch: createActFetch({ configuredUrls: [gh.url] }), budget });
    const before = gh.calls('credentials.revoke').length;
    const tokens = Array.from({ length: 4 }, () => githubPat('ghp'));
    await Promise.all(tokens.map((t) => r.revoke(t, f(t), opts())));
    expect(gh.calls('credentials.revoke').length - before).toBe(2);
    // The hour's budget of 2 requests is spent: the next batch waits for the next hour, nothing is sent.
    const t = githubPat('ghp');
    const err = await r.revoke(t, f(t), opts()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retry: { afterMs: 30 * 60_000 + 1000 } });
    expect(gh.calls('credentials.revoke').length - before).toBe(2);
  });

  it('fails (no retry) on 422 and pauses on 403 rate limits', async () => {
    const r = createGithubRevoker(cfg({ batchWindowMs: 0 }), { fetch: createActFetch({ configuredUrls: [gh.url] }) });
    const t = githubPat('ghp');
    gh.fail({ route: 'credentials.revoke', status: 422, message: 'Validation Failed' });
    expect(await r.revoke(t, f(t), opts())).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('422') });
    gh.fail({ route: 'credentials.revoke', status: 403, retryAfter: 120, secondary: true });
    expect(await r.revoke(t, f(t), opts()).catch((e: unknown) => e)).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retry: { afterMs: 120_000 } });
  });
});

describe('webhook revoker', () => {
  let rx: WebhookReceiver;
  beforeAll(async () => {
    rx = await startWebhookReceiver();
  });
  afterAll(() => rx.close());

  it('sends a signed request without the token (unless includeToken) and maps the documented answers', async () => {
    const secret = webhookSecret();
    const make = (includeToken = false) =>
      createWebhookRevoker(WebhookRevokerSchema.parse({ id: 'inhouse', type: 'webhook', url: rx.url, secretEnv: 'S', includeToken }), { env: { S: secret }, fetch: createActFetch({ configuredUrls: [rx.url] }) });
    const token = `ik_live_${randomBytes(20).toString('hex')}`;
    const finding = storedFinding({ fingerprint: fingerprint(token), rule: 'internal-api-key', kind: 'credential', claims: undefined });
    rx.respond(() => ({ status: 200, json: { outcome: 'revoked', reason: `disabled ${token.slice(0, 10)}…` } }));
    expect(await make().revoke(token, finding, opts({ deliveryId: 'revoke-abc-inhouse' }))).toMatchObject({ outcome: 'revoked', confirmed: true });
    const req = rx.requests.at(-1)!;
    const body = new Webhook(secret).verify(req.body, req.headers) as { id: string; data: { credential: Record<string, unknown> } };
    expect(body.id).toBe('revoke-abc-inhouse');
    expect(body.data.credential).toMatchObject({ fingerprint: finding.fingerprint, sha256: finding.fingerprint.slice(7), rule: 'internal-api-key' });
    expect(body.data.credential).not.toHaveProperty('token');
    expect(findLeaks(req.body, [token])).toEqual([]);

    await make(true).revoke(token, finding, opts());
    expect((JSON.parse(rx.requests.at(-1)!.body) as { data: { credential: { token?: string } } }).data.credential.token).toBe(token);

    rx.respond(() => ({ status: 200, json: { outcome: 'already-invalid' } }));
    expect(await make().revoke(token, finding, opts())).toMatchObject({ outcome: 'already-invalid' });
    rx.respond(() => ({ status: 200, json: { nope: true } }));
    expect(await make().revoke(token, finding, opts()).catch((e: unknown) => e)).toMatchObject({ code: 'UPSTREAM_INVALID_RESPONSE', retry: 'never' });
    rx.failNext(1, 502);
    expect(await make().revoke(token, finding, opts()).catch((e: unknown) => e)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    const n = rx.requests.length;
    expect(await make().revoke(token, finding, opts({ dryRun: true }))).toMatchObject({ outcome: 'dry-run' });
    expect(rx.requests.length).toBe(n);
  });
});
