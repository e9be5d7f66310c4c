/**
 * The whole pipeline — scanChunk → store → act — against fakes on 127.0.0.1: an identity provider
 * (discovery, JWKS, RFC 7009, RFC 7662), Slack, GitHub, a Standard Webhooks receiver and an RFC 8935
 * SET receiver. Through the inline runner (embedded PGlite) and through BullMQ (real Redis +
 * PostgreSQL):
 * - a live high-severity JWT from a trusted issuer is revoked via RFC 7009 and confirmed inactive;
 *   an expired one is alerted only; a Slack token is revoked with auth.revoke (confirmed); GitHub
 *   PATs go to /credentials/revoke;
 * - webhook deliveries verify with `standardwebhooks`, SETs with jose `jwtVerify` against OUR
 *   /.well-known/jwks.json;
 * - dry run revokes nothing; approval mode waits, revokes on approval and nothing on reject;
 * - a failing receiver is retried with the same webhook-id, then dead-lettered;
 * - no raw token in any alert, webhook body, SET, log line, the database or Redis.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveRevocation, listDeadLetters, rejectRevocation } from '../../src/act/operations.js';
import { resolveConfig } from '../../src/config/load.js';
import type { Chunk } from '../../src/core/types.js';
import { fingerprint, SealingKey } from '../../src/core/secrets.js';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { buildDeps } from '../../src/pipeline/deps.js';
import { createInlineRunner } from '../../src/pipeline/runner-inline.js';
import { ALL_ROLES, startService, type RunningService } from '../../src/pipeline/service.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { Action, FindingStore } from '../../src/store/types.js';
import { startFakeGithub, type FakeGithub } from '../support/fake-github.js';
import { startFakeOidc, type FakeOidc } from '../support/fake-oidc.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { inHours, inSeconds } from '../support/jwt-factory.js';
import { deletePrefix, dumpRedis } from '../support/redis-process.js';
import { POSTGRES_URL, REDIS_URL, requireServices, testId } from '../support/services.js';
import { githubPat, slackBotToken } from '../support/token-factory.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { findLeaks, until, webhookSecret } from './helpers.js';

const svc = await requireServices('redis', 'postgres');

const CLIENT = 'tokenradius-revoker';
const SET_ISSUER = 'https://tokenradius.example.test';
const SET_AUDIENCE = 'https://receiver.example.test';

function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(c, _e, cb) {
      lines.push(String(c));
      cb();
    },
  });
  return { lines, logger: createLogger({ destination: stream, level: 'debug' }) };
}

async function dumpStore(store: FindingStore): Promise<string> {
  const parts: string[] = [];
  for await (const t of store.dumpTables()) parts.push(t.table, ...t.rows);
  return parts.join('\n');
}

interface Fakes {
  idp: FakeOidc;
  slack: FakeSlack;
  gh: FakeGithub;
  hook: WebhookReceiver;
  sets: WebhookReceiver;
  env: Record<string, string>;
  hookSecret: string;
}

async function startFakes(): Promise<Fakes> {
  const env = { IDP_REVOKE_SECRET: `rv-${randomBytes(12).toString('hex')}`, IDP_RS_SECRET: `rs-${randomBytes(12).toString('hex')}` };
  const [idp, slack, gh, hook, sets] = await Promise.all([
    startFakeOidc({ clients: { [CLIENT]: { secret: env.IDP_REVOKE_SECRET }, rs: { secret: env.IDP_RS_SECRET } } }),
    startFakeSlack(),
    startFakeGithub(),
    startWebhookReceiver(),
    startWebhookReceiver({ path: '/events' }),
  ]);
  sets.respond(() => ({ status: 202 }));
  const hookSecret = webhookSecret();
  return { idp, slack, gh, hook, sets, hookSecret, env: { ...env, SLACK_ALERT_TOKEN: slack.token, SOC_WEBHOOK_SECRET: hookSecret } };
}

async function closeFakes(f: Fakes | undefined): Promise<void> {
  if (!f) return;
  await Promise.all([f.idp.close(), f.slack.close(), f.gh.close(), f.hook.close(), f.sets.close()]);
}

function trustOf(f: Fakes) {
  return {
    verify: true,
    issuers: [{ issuer: f.idp.issuer, introspection: { clientId: 'rs', clientSecretEnv: 'IDP_RS_SECRET' }, revocation: { clientId: CLIENT, clientSecretEnv: 'IDP_REVOKE_SECRET' } }],
  };
}

/** Every sink, every revoker; live high JWTs → the IdP; Slack and GitHub tokens → their providers. */
function actOf(f: Fakes, over: Record<string, unknown> = {}) {
  return {
    sinks: [
      { id: 'sec-slack', type: 'slack', tokenEnv: 'SLACK_ALERT_TOKEN', channel: 'C0SEC', apiUrl: f.slack.apiUrl, threadReplySources: ['slack-main'] },
      { id: 'soc', type: 'webhook', url: f.hook.url, secretEnv: 'SOC_WEBHOOK_SECRET' },
      { id: 'ssf-rx', type: 'ssf', url: f.sets.url, audience: SET_AUDIENCE },
    ],
    revokers: [
      { id: 'idp', type: 'rfc7009' },
      { id: 'slack', type: 'slack', apiUrl: f.slack.apiUrl },
      { id: 'github', type: 'github', apiUrl: f.gh.url, batchWindowMs: 1500 },
    ],
    revocation: [
      { name: 'live-high', match: { minSeverity: 'high', liveness: ['live'], kinds: ['jwt'] }, revokers: ['idp'] },
      { name: 'chat-and-git-tokens', match: { rules: ['slack-bot-token', 'github-classic-pat'] }, revokers: ['slack', 'github'] },
    ],
    ssf: { issuer: SET_ISSUER },
    ...over,
  };
}

interface Planted {
  live: string;
  expired: string;
  slackToken: string;
  pats: string[];
  chunks: Chunk[];
  all: string[];
}

async function plant(f: Fakes, label: string, pats = 1): Promise<Planted> {
  const live = await f.idp.signToken({ sub: `svc-${label}`, azp: CLIENT, exp: inHours(2), scope: 'openid admin write:all', roles: ['admin'] });
  const expired = await f.idp.signToken({ sub: `old-${label}`, azp: CLIENT, exp: inSeconds(-3600), iat: inSeconds(-7200), scope: 'admin' });
  const slackToken = slackBotToken();
  f.slack.addToken(slackToken);
  const patList = Array.from({ length: pats }, () => githubPat('ghp'));
  const slackChunk = (i: number, text: string): Chunk => ({
    id: `slack-C0LEAK-${label}-${i}`,
    source: 'slack-main',
    text,
    locator: { kind: 'slack', channel: 'C0LEAK', ts: `1700000${String(i).padStart(3, '0')}.000100`, path: 'C0LEAK', line: 1, column: 1, permalink: `https://acme.slack.com/archives/C0LEAK/p1700000${String(i).padStart(3, '0')}000100` },
    author: 'U0AUTHOR1',
    exposure: { visibility: 'public', audience: 500 },
  });
  const chunks = [
    slackChunk(1, `prod deploy token, please rotate later: Bearer ${live}`),
    slackChunk(2, `the old one was ${expired}`),
    slackChunk(3, `bot token for the alerts app: ${slackToken}`),
    {
      id: `git-${label}`,
      source: 'repo-main',
      text: patList.map((p, i) => `GH_TOKEN_${i}=${p}`).join('\n'),
      locator: { kind: 'git', repo: 'acme/api', commit: 'a'.repeat(40), path: '.env', line: 1, column: 1 },
      exposure: { visibility: 'public' },
    } satisfies Chunk,
  ];
  return { live, expired, slackToken, pats: patList, chunks, all: [live, expired, slackToken, ...patList] };
}

/** Everything tokenradius sent anywhere except to the token's own issuer/provider, plus logs and the store. */
async function everythingSent(f: Fakes, store: FindingStore, logs: string[]): Promise<string> {
  const setPayloads = f.sets.requests.map((r) => JSON.stringify(decodeJwt(r.body)));
  return [
    JSON.stringify(f.slack.posted),
    JSON.stringify(f.slack.requests),
    ...f.hook.bodies(),
    ...f.sets.bodies(),
    ...setPayloads,
    JSON.stringify(f.gh.requests.filter((r) => r.route !== 'credentials.revoke')),
    logs.join(''),
    await dumpStore(store),
  ].join('\n');
}

function revocationsOf(actions: Action[], target?: string): Action[] {
  return actions.filter((a) => a.type === 'revocation' && (target === undefined || a.target === target));
}

async function verifyDeliveries(f: Fakes, baseUrl: string): Promise<Array<{ type: string; id: string; data: { finding: { fingerprint: string }; revocations?: Array<{ outcome: string }> } }>> {
  const wh = new Webhook(f.hookSecret);
  const events = f.hook.requests.map((r) => {
    const e = wh.verify(r.body, r.headers) as { type: string; id: string; data: { finding: { fingerprint: string } } };
    expect(e.id).toBe(r.headers['webhook-id']);
    return e;
  });
  const jwks = createRemoteJWKSet(new URL(`${baseUrl}/.well-known/jwks.json`));
  for (const r of f.sets.requests) {
    expect(r.headers['content-type']).toBe('application/secevent+jwt');
    const { payload } = await jwtVerify(r.body, jwks, { issuer: SET_ISSUER, audience: SET_AUDIENCE, typ: 'secevent+jwt' });
    expect(payload).not.toHaveProperty('sub');
    expect(payload).not.toHaveProperty('exp');
  }
  return events as never;
}

describe('alerting and revocation through the inline runner (embedded PGlite)', () => {
  let f: Fakes | undefined;
  let service: RunningService | undefined;
  beforeAll(async () => {
    f = await startFakes();
  });
  afterAll(async () => {
    await service?.close();
    await closeFakes(f);
  });

  it('revokes and confirms a live high JWT, alerts an expired one only, revokes Slack and GitHub tokens; deliveries verify; nothing leaks', async () => {
    const fk = f!;
    const dataDir = mkdtempSync(join(tmpdir(), 'tr-act-inline-'));
    const loaded = resolveConfig({ dataDir, trust: trustOf(fk), queue: { attempts: 3, backoffMs: 20 }, act: actOf(fk) }, fk.env);
    const logs = logSink();
    service = await startService(loaded, { http: true, port: 0, roles: ALL_ROLES, deps: { logger: logs.logger, metrics: createMetrics({ defaultMetrics: false }) } });
    expect(service.mode).toBe('inline');
    const store = service.deps.store;
    const p = await plant(fk, 'inline', 2);
    await service.ingress!.submitChunks(p.chunks);
    await service.inline!.drain();

    // Live, high, trusted issuer, issued to our client: revoked at the IdP, confirmed by introspection.
    const fpLive = fingerprint(p.live);
    const live = await store.getFinding(fpLive);
    expect(live).toMatchObject({ status: 'revoked', liveness: { state: 'live' }, blastRadius: { severity: 'high' } });
    const liveActions = (await store.listActions(fpLive)).items;
    expect(revocationsOf(liveActions)).toEqual([
      expect.objectContaining({ target: 'idp', status: 'succeeded', actor: 'policy:live-high', details: expect.objectContaining({ outcome: 'revoked', confirmed: true }) }),
    ]);
    expect(fk.idp.isRevoked(p.live)).toBe(true);
    expect(fk.idp.requests.filter((r) => r.endpoint === 'revocation' && r.form?.token === p.live)).toHaveLength(1);
    expect(fk.idp.requests.filter((r) => r.endpoint === 'introspection' && r.form?.token === p.live).at(-1)).toMatchObject({ status: 200 });
    expect(await store.getSealedToken(fpLive)).toBeNull();

    // Expired: alerted, never revoked, never sent to the IdP's revocation endpoint.
    const fpExpired = fingerprint(p.expired);
    expect((await store.getFinding(fpExpired))?.liveness.state).toBe('expired');
    const expiredActions = (await store.listActions(fpExpired)).items;
    expect(revocationsOf(expiredActions)).toEqual([]);
    expect(expiredActions.filter((a) => a.type === 'alert' && a.status === 'succeeded').map((a) => a.target).sort()).toEqual(['sec-slack', 'soc', 'ssf-rx']);
    expect(fk.idp.requests.filter((r) => r.endpoint === 'revocation' && r.form?.token === p.expired)).toEqual([]);

    // Slack token: auth.revoke with the token itself, confirmed by auth.test failing.
    expect(fk.slack.revoked.has(p.slackToken)).toBe(true);
    expect(revocationsOf((await store.listActions(fingerprint(p.slackToken))).items, 'slack')).toEqual([
      expect.objectContaining({ status: 'succeeded', details: expect.objectContaining({ outcome: 'revoked', confirmed: true }) }),
    ]);
    // GitHub PATs: submitted to /credentials/revoke, unauthenticated.
    expect(fk.gh.revokedCredentials).toEqual(expect.arrayContaining(p.pats));
    expect(fk.gh.calls('credentials.revoke').every((c) => c.auth === 'none')).toBe(true);

    // Deliveries verify with the receivers' own tools.
    const events = await verifyDeliveries(fk, service.url!);
    const liveCreated = events.find((e) => e.type === 'finding.created' && e.data.finding.fingerprint === fpLive);
    expect(liveCreated?.data.revocations?.[0]?.outcome).toBe('revoked');
    expect(events.filter((e) => e.type === 'revocation.completed').map((e) => e.data.finding.fingerprint)).toEqual(expect.arrayContaining([fpLive, fingerprint(p.slackToken)]));
    const setSubjects = fk.sets.requests.map((r) => decodeJwt(r.body).sub_id as { format: string });
    expect(setSubjects).toHaveLength(3 + p.pats.length);
    expect(setSubjects.filter((s) => s.format === 'jwt_id')).toHaveLength(2);
    // Slack: one alert per finding in the security channel, one thread reply per leaking message.
    expect(fk.slack.posted.filter((m) => m.channel === 'C0SEC')).toHaveLength(3 + p.pats.length);
    expect(fk.slack.posted.filter((m) => m.channel === 'C0LEAK').map((m) => m.thread_ts).sort()).toEqual(['1700000001.000100', '1700000002.000100', '1700000003.000100']);

    // Re-running every act job changes nothing (idempotent per version / per fingerprint+revoker).
    const sentBefore = fk.hook.requests.length + fk.sets.requests.length + fk.slack.posted.length;
    for (const t of p.all) {
      const fnd = await store.getFinding(fingerprint(t));
      await service.deps.handlers.act({ fingerprint: fingerprint(t), version: fnd!.version });
    }
    expect(fk.hook.requests.length + fk.sets.requests.length + fk.slack.posted.length).toBe(sentBefore);
    expect(fk.idp.requests.filter((r) => r.endpoint === 'revocation')).toHaveLength(1);

    expect(findLeaks(await everythingSent(fk, store, logs.lines), p.all)).toEqual([]);
  }, 300_000);
});

describe('dry run, approval and dead letters through the inline runner (embedded PGlite)', () => {
  let f: Fakes | undefined;
  let store: FindingStore | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'tr-act-modes-'));
  const logs = logSink();
  beforeAll(async () => {
    [f, store] = await Promise.all([startFakes(), createPgliteStore({ dataDir: 'memory://' })]);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await closeFakes(f);
  });

  async function pipeline(act: Record<string, unknown>) {
    const loaded = resolveConfig({ dataDir, trust: trustOf(f!), queue: { attempts: 3, backoffMs: 20 }, act }, f!.env);
    const deps = await buildDeps(loaded, { store: store!, logger: logs.logger, metrics: createMetrics({ defaultMetrics: false }) });
    const runner = createInlineRunner({ handlers: deps.handlers, sources: [], logger: logs.logger, attempts: 3, backoffMs: 20 });
    return {
      deps,
      async run(chunks: Chunk[]) {
        await runner.submitChunks(chunks);
        await runner.drain();
      },
    };
  }

  it('dry run revokes nothing: no revocation call at the IdP, Slack only a test revocation', async () => {
    const fk = f!;
    const { run } = await pipeline(actOf(fk, { dryRun: true }));
    const p = await plant(fk, 'dry');
    const revocationsBefore = fk.idp.count('revocation');
    await run(p.chunks);
    expect(fk.idp.count('revocation')).toBe(revocationsBefore);
    expect(fk.idp.isRevoked(p.live)).toBe(false);
    expect(revocationsOf((await store!.listActions(fingerprint(p.live))).items)).toEqual([expect.objectContaining({ target: 'idp', status: 'dry-run' })]);
    expect(fk.slack.revoked.has(p.slackToken)).toBe(false);
    expect(fk.slack.calls('auth.revoke').at(-1)?.params.test).toBe('true');
    expect(fk.gh.revokedCredentials).not.toContain(p.pats[0]);
    expect((await store!.getFinding(fingerprint(p.live)))?.status).toBe('open');
    // Alerts still go out.
    expect(fk.hook.requests.length).toBeGreaterThan(0);
  });

  it('approval mode waits, revokes on approval, and revokes nothing on reject', async () => {
    const fk = f!;
    const act = actOf(fk, { approval: 'required', revocation: [{ name: 'live-high', match: { minSeverity: 'high', liveness: ['live'], kinds: ['jwt'] }, revokers: ['idp'] }] });
    const { run, deps } = await pipeline(act);
    const a = await plant(fk, 'approve');
    const b = await plant(fk, 'reject');
    const before = fk.idp.count('revocation');
    await run([a.chunks[0]!, b.chunks[0]!]);
    expect(fk.idp.count('revocation')).toBe(before);
    const pending = (await store!.listPendingApprovals()).filter((x) => [fingerprint(a.live), fingerprint(b.live)].includes(x.fingerprint));
    expect(pending).toHaveLength(2);
    // The alert told responders it is waiting for them.
    const wh = new Webhook(fk.hookSecret);
    const created = fk.hook.requests.map((r) => wh.verify(r.body, r.headers) as { type: string; data: { finding: { fingerprint: string }; revocations: Array<{ outcome: string }> } });
    expect(created.find((e) => e.data.finding.fingerprint === fingerprint(a.live))?.data.revocations[0]?.outcome).toBe('awaiting-approval');

    const approved = await approveRevocation(pending.find((x) => x.fingerprint === fingerprint(a.live))!.id, 'user:alice', deps.act);
    expect(approved.status).toMatchObject({ outcome: 'revoked', confirmed: true });
    expect(fk.idp.isRevoked(a.live)).toBe(true);
    expect(fk.idp.count('revocation')).toBe(before + 1);
    expect((await store!.getFinding(fingerprint(a.live)))?.status).toBe('revoked');
    const audit = (await store!.listAudit({ fingerprint: fingerprint(a.live) })).items;
    expect(audit.find((x) => x.action === 'action.approved')).toMatchObject({ actor: 'user:alice' });

    const rejected = await rejectRevocation(pending.find((x) => x.fingerprint === fingerprint(b.live))!.id, 'user:bob', deps.act, 'test token');
    expect(rejected.status.outcome).toBe('rejected');
    expect(fk.idp.isRevoked(b.live)).toBe(false);
    expect(fk.idp.count('revocation')).toBe(before + 1);
    expect(findLeaks(await everythingSent(fk, store!, logs.lines), [...a.all, ...b.all])).toEqual([]);
  });

  it('retries a failing receiver with the same webhook-id, then dead-letters it', async () => {
    const fk = f!;
    const flaky = await startWebhookReceiver();
    try {
      flaky.failAll(500);
      const secret = webhookSecret();
      const loadedEnv = { ...fk.env, FLAKY_SECRET: secret };
      const loaded = resolveConfig({ dataDir, queue: { attempts: 3, backoffMs: 20 }, act: { sinks: [{ id: 'flaky', type: 'webhook', url: flaky.url, secretEnv: 'FLAKY_SECRET' }] } }, loadedEnv);
      const deps = await buildDeps(loaded, { store: store!, logger: logs.logger, metrics: createMetrics({ defaultMetrics: false }) });
      const runner = createInlineRunner({ handlers: deps.handlers, sources: [], logger: logs.logger, attempts: 3, backoffMs: 20 });
      const token = githubPat('ghp');
      await runner.submitChunks([{ id: 'flaky-1', source: 'repo-main', text: `TOKEN=${token}`, locator: { kind: 'file', path: '.env', line: 1, column: 1 } }]);
      await runner.drain();
      expect(flaky.requests).toHaveLength(3);
      expect(new Set(flaky.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
      for (const r of flaky.requests) expect(() => new Webhook(secret).verify(r.body, r.headers)).not.toThrow();
      const dead = (await listDeadLetters(deps.act)).items.filter((x) => x.fingerprint === fingerprint(token));
      expect(dead).toEqual([expect.objectContaining({ type: 'alert', target: 'flaky', status: 'dead-letter' })]);
      expect(findLeaks(flaky.bodies().join('\n'), [token])).toEqual([]);
    } finally {
      await flaky.close();
    }
  });
});

describe.skipIf(svc.skip)('alerting and revocation on BullMQ + PostgreSQL', () => {
  const schema = testId('tract');
  const prefix = testId('tract');
  let f: Fakes | undefined;
  let service: RunningService | undefined;
  beforeAll(async () => {
    f = await startFakes();
  });
  afterAll(async () => {
    await service?.close();
    await closeFakes(f);
    await deletePrefix(REDIS_URL, prefix);
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }, 120_000);

  it('revokes, batches GitHub PATs, retries then dead-letters a failing receiver, approves through the act deps; nothing leaks to Redis, PostgreSQL, logs or receivers', async () => {
    const fk = f!;
    const flaky = await startWebhookReceiver();
    flaky.failAll(503);
    const dataDir = mkdtempSync(join(tmpdir(), 'tr-act-bull-'));
    const key = SealingKey.generate();
    const env = { ...fk.env, FLAKY_SECRET: webhookSecret(), REDIS_URL, DATABASE_URL: POSTGRES_URL, TOKENRADIUS_SEALING_KEY: key.exportHex() };
    const act = actOf(fk);
    act.sinks.push({ id: 'flaky', type: 'webhook', url: flaky.url, secretEnv: 'FLAKY_SECRET', events: ['finding.created'] } as never);
    const loaded = resolveConfig(
      { dataDir, trust: trustOf(fk), store: { schema }, queue: { prefix, attempts: 3, backoffMs: 100, concurrency: { act: 8 } }, act },
      env,
    );
    const logs = logSink();
    service = await startService(loaded, { http: true, port: 0, roles: ALL_ROLES, deps: { logger: logs.logger, metrics: createMetrics({ defaultMetrics: false }) } });
    expect(service.mode).toBe('bullmq');
    const store = service.deps.store;
    const p = await plant(fk, 'bull', 4);
    await service.ingress!.submitChunks(p.chunks);

    await until(async () => (await store.getFinding(fingerprint(p.live)))?.status === 'revoked', 120_000, 'live JWT revoked');
    await until(() => p.pats.every((t) => fk.gh.revokedCredentials.includes(t)), 120_000, 'PATs submitted');
    await until(async () => (await listDeadLetters(service!.deps.act)).items.filter((x) => x.target === 'flaky').length === 3 + p.pats.length, 180_000, 'dead letters');

    expect(fk.idp.isRevoked(p.live)).toBe(true);
    expect(revocationsOf((await store.listActions(fingerprint(p.live))).items)).toEqual([expect.objectContaining({ target: 'idp', status: 'succeeded', details: expect.objectContaining({ confirmed: true }) })]);
    expect(revocationsOf((await store.listActions(fingerprint(p.expired))).items)).toEqual([]);
    // Four PATs from one scan job: act jobs run concurrently and share the batching window.
    const batches = fk.gh.calls('credentials.revoke');
    expect(batches.length).toBeLessThan(p.pats.length);
    // Every flaky delivery: 3 attempts with one webhook-id each.
    const byId = new Map<string, number>();
    for (const r of flaky.requests) byId.set(r.headers['webhook-id']!, (byId.get(r.headers['webhook-id']!) ?? 0) + 1);
    expect([...byId.values()].every((n) => n === 3)).toBe(true);
    await verifyDeliveries(fk, service.url!);

    // Approval through the same act deps the review API gets (PipelineDeps.act).
    const more = await plant(fk, 'bull-approve');
    const approvalLoaded = resolveConfig(
      { dataDir, trust: trustOf(fk), store: { schema }, queue: { prefix: `${prefix}b`, attempts: 3, backoffMs: 100 }, act: { ...actOf(fk), approval: 'required' } },
      env,
    );
    const deps2 = await buildDeps(approvalLoaded, { store, logger: logs.logger, metrics: createMetrics({ defaultMetrics: false }) });
    await deps2.handlers.scanChunk(more.chunks[0]!);
    const f2 = await store.getFinding(fingerprint(more.live));
    await deps2.handlers.act({ fingerprint: fingerprint(more.live), version: f2!.version });
    const [waiting] = (await store.listPendingApprovals()).filter((x) => x.fingerprint === fingerprint(more.live));
    expect(fk.idp.isRevoked(more.live)).toBe(false);
    expect((await approveRevocation(waiting!.id, 'user:alice', deps2.act)).status.outcome).toBe('revoked');
    expect(fk.idp.isRevoked(more.live)).toBe(true);

    await until(async () => (await service!.transport!.depth()).filter((d) => d.state !== 'failed' && d.state !== 'delayed').every((d) => d.count === 0), 60_000, 'queues idle');
    const sent = await everythingSent(fk, store, logs.lines);
    const all = [...p.all, ...more.all];
    expect(findLeaks(sent, all)).toEqual([]);
    expect(findLeaks(flaky.bodies().join('\n'), all)).toEqual([]);
    expect(findLeaks(await dumpRedis(REDIS_URL, `${prefix}:*`), all)).toEqual([]);
    await flaky.close();
  }, 400_000);
});
