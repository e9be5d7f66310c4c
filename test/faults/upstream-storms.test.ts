/**
 * 429 storms and 5xx from every upstream at once, under the running service (BullMQ + PostgreSQL,
 * in-process): the Slack, Jira and GitHub APIs the connectors read (real client libraries against
 * the fakes), the identity provider (JWKS, RFC 7009 revocation), the Standard Webhooks receiver,
 * the Slack alert channel (chat.postMessage) and GitHub's credential revocation endpoint.
 *
 * Nothing is tuned per fault: the service rides it out by itself. At the end:
 * - every planted token of every source is stored once, with exactly its occurrence;
 * - one webhook delivery id per event (finding version / revocation), one Slack alert post per
 *   finding version, one successful revocation call per revoked token (IdP and GitHub);
 * - a JWT checked while the IdP was rate-limiting is `unknown`, never `live` or `invalid-signature`;
 * - no job failed for good, nothing planted in Redis, the logs, or anything sent to a receiver.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { fingerprint, SealingKey } from '../../src/core/secrets.js';
import { startService, type RunningService } from '../../src/pipeline/service.js';
import { STATUS_SCOPE } from '../../src/sources/connector.js';
import { startFakeGithub, type FakeGithub } from '../support/fake-github.js';
import { adfDoc, startFakeJira, type FakeJira } from '../support/fake-jira.js';
import { startFakeOidc, type FakeOidc } from '../support/fake-oidc.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { inHours } from '../support/jwt-factory.js';
import { deletePrefix, dumpRedis } from '../support/redis-process.js';
import { POSTGRES_URL, REDIS_URL, requireServices, testId } from '../support/services.js';
import { githubPat } from '../support/token-factory.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { findLeaks } from '../pipeline/helpers.js';
import { captureLogs, until } from './helpers.js';

const svc = await requireServices('redis', 'postgres');
const CLIENT = 'tokenradius-revoker';

describe.skipIf(svc.skip)('429 storms and 5xx from every upstream', () => {
  const schema = testId('trstorm');
  const prefix = testId('trstorm');
  let slack: FakeSlack | undefined;
  let jira: FakeJira | undefined;
  let gh: FakeGithub | undefined;
  let idp: FakeOidc | undefined;
  let hook: WebhookReceiver | undefined;
  let service: RunningService | undefined;

  afterAll(async () => {
    await service?.close().catch(() => undefined);
    await Promise.all([slack?.close(), jira?.close(), gh?.close(), idp?.close(), hook?.close()]);
    await deletePrefix(REDIS_URL, prefix).catch(() => undefined);
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }, 120_000);

  it('rides every storm out: nothing missed, nothing sent twice, nothing failed', async () => {
    const secrets = { IDP_REVOKE_SECRET: `rv-${randomBytes(12).toString('hex')}`, IDP_RS_SECRET: `rs-${randomBytes(12).toString('hex')}`, SOC_SECRET: `whsec_${randomBytes(32).toString('base64')}` };
    [slack, jira, gh, idp, hook] = await Promise.all([
      startFakeSlack(),
      startFakeJira(),
      startFakeGithub(),
      startFakeOidc({ clients: { [CLIENT]: { secret: secrets.IDP_REVOKE_SECRET }, rs: { secret: secrets.IDP_RS_SECRET } } }),
      startWebhookReceiver(),
    ]);
    const places = new Map<string, string>(); // token → where
    const jwts: string[] = [];
    const pats: string[] = [];
    const liveJwt = async (sub: string) => {
      const t = await idp!.signToken({ sub, azp: CLIENT, exp: inHours(2), scope: 'openid admin write:all', roles: ['admin'] });
      jwts.push(t);
      return t;
    };
    const pat = () => {
      const t = githubPat();
      pats.push(t);
      return t;
    };

    // Slack: three channels, PATs and live JWTs.
    const alertChannel = slack.addChannel({ name: 'security-alerts', num_members: 5 }).id;
    for (const name of ['general', 'deploys', 'oncall']) {
      const channel = slack.addChannel({ name, num_members: 30 }).id;
      for (let i = 0; i < 12; i++) {
        const t = i === 3 ? pat() : i === 8 ? await liveJwt(`svc-${name}`) : undefined;
        const m = slack.addMessage(channel, { text: t ? `${name}: ${t}` : `${name} note ${i}`, user: 'U0DEV' });
        if (t) places.set(t, `slack ${channel}/${m.ts}`);
      }
    }
    // Jira: issues with JWTs in descriptions and PATs in comments.
    for (let i = 0; i < 4; i++) {
      const t = await liveJwt(`svc-jira-${i}`);
      const issue = jira.addIssue({ project: 'OPS', summary: `Incident ${i}`, description: adfDoc(`the failing call used Bearer ${t}`) });
      places.set(t, `jira ${issue.key} description`);
      const p = pat();
      jira.addComment(issue.key, adfDoc(`and the CI token ${p}`));
      places.set(p, `jira ${issue.key} comment`);
    }
    // GitHub: commits adding PATs.
    gh.addRepo({ owner: 'acme', name: 'api', visibility: 'private' });
    for (let i = 0; i < 4; i++) {
      const p = pat();
      const sha = gh.commit('acme/api', { message: `config ${i}`, files: [{ path: `deploy/${i}.env`, content: `A=1\nGH_TOKEN=${p}\n` }] });
      places.set(p, `github ${sha} deploy/${i}.env:2`);
    }

    // ---- the storms ---------------------------------------------------------------------------
    slack.fail({ method: 'conversations.list', status: 503, times: 2 });
    slack.fail({ method: 'conversations.history', status: 429, retryAfter: 1, after: 1, times: 3 });
    slack.fail({ method: 'conversations.history', status: 500, after: 4, times: 2 });
    slack.fail({ method: 'chat.postMessage', status: 429, retryAfter: 1, times: 3 });
    jira.fail({ route: 'search', status: 429, retryAfter: 1, times: 2 });
    jira.fail({ route: 'search', status: 503, times: 2 });
    jira.fail({ route: 'comments', status: 502, times: 1 });
    gh.fail({ route: 'repos.listCommits', status: 403, secondary: true, retryAfter: 1, times: 2 });
    gh.fail({ route: 'repos.getCommit', status: 502, times: 2 });
    gh.fail({ route: 'credentials.revoke', status: 503, times: 2 });
    idp.fault('jwks', { kind: 'status', status: 429, retryAfter: '1' }, { times: 1 });
    idp.fault('introspection', { kind: 'status', status: 429, retryAfter: '1' }, { times: 1 });
    idp.fault('revocation', { kind: 'status', status: 503 }, { times: 3 });
    hook.failNext(6, 503);

    const logs = captureLogs();
    const env = {
      ...secrets,
      REDIS_URL,
      DATABASE_URL: POSTGRES_URL,
      TOKENRADIUS_SEALING_KEY: SealingKey.generate().exportHex(),
      SLACK_STORM_TOKEN: slack.token,
      JIRA_STORM_EMAIL: jira.email,
      JIRA_STORM_TOKEN: jira.apiToken,
      GH_STORM_TOKEN: gh.token,
    };
    const loaded = resolveConfig(
      {
        dataDir: mkdtempSync(join(tmpdir(), 'tr-storm-')),
        store: { schema },
        queue: { prefix, batchSize: 5, backoffMs: 300, attempts: 8 },
        sources: [
          { id: 'slack-main', type: 'slack', tokenEnv: 'SLACK_STORM_TOKEN', apiUrl: slack.apiUrl, pageSize: 4, channels: ['general', 'deploys', 'oncall'], lookbackDays: 0 },
          { id: 'jira-main', type: 'jira', host: jira.url, emailEnv: 'JIRA_STORM_EMAIL', apiTokenEnv: 'JIRA_STORM_TOKEN', jql: 'project in (OPS)', pageSize: 2 },
          { id: 'gh-main', type: 'github', tokenEnv: 'GH_STORM_TOKEN', baseUrl: gh.url, repos: ['acme/api'], orgs: [], pageSize: 2 },
        ],
        trust: { verify: true, issuers: [{ issuer: idp.issuer, introspection: { clientId: 'rs', clientSecretEnv: 'IDP_RS_SECRET' }, revocation: { clientId: CLIENT, clientSecretEnv: 'IDP_REVOKE_SECRET' } }] },
        act: {
          sinks: [
            { id: 'soc', type: 'webhook', url: hook.url, secretEnv: 'SOC_SECRET' },
            { id: 'sec-slack', type: 'slack', tokenEnv: 'SLACK_STORM_TOKEN', channel: alertChannel, apiUrl: slack.apiUrl },
          ],
          revokers: [
            { id: 'idp', type: 'rfc7009' },
            { id: 'github', type: 'github', apiUrl: gh.url, batchWindowMs: 300 },
          ],
          revocation: [
            { name: 'live-high', match: { minSeverity: 'high', liveness: ['live'], kinds: ['jwt'] }, revokers: ['idp'] },
            { name: 'pats', match: { rules: ['github-classic-pat'] }, revokers: ['github'] },
          ],
          delivery: { maxAttempts: 8 },
        },
      },
      env,
    );
    service = await startService(loaded, { http: false, roles: ['poll', 'scan', 'act'], deps: { logger: logs.logger } });
    const store = service.deps.store;
    for (const id of ['slack-main', 'jira-main', 'gh-main']) await service.ingress!.requestPoll(id);

    const fps = [...places.keys()].map(fingerprint);
    await until(async () => (await Promise.all(fps.map((fp) => store.getFinding(fp)))).every((f) => f !== null), 240_000, 'every planted token stored');
    await until(async () => JSON.parse((await store.getCursor('slack-main', STATUS_SCOPE)) ?? '{}').state === 'ok', 120_000, 'slack backfill finished');
    await until(async () => (await service!.transport!.depth()).filter((d) => d.state !== 'failed').every((d) => d.count === 0), 240_000, 'queues drained');
    expect(await service.transport!.listFailed()).toEqual([]);

    // Every token once, with exactly one occurrence.
    for (const [t, where] of places) {
      const f = await store.getFinding(fingerprint(t), { occurrenceLimit: 50 });
      expect(f?.occurrences, where).toHaveLength(1);
    }
    // Every storm actually hit.
    expect(slack.calls('conversations.history').filter((r) => r.status === 429).length).toBe(3);
    expect(jira.calls('search').filter((r) => r.status === 429 || r.status === 503).length).toBe(4);
    expect(gh.calls('repos.getCommit').filter((r) => r.status === 502).length).toBe(2);
    expect(hook.requests.filter((r) => r.status === 503)).toHaveLength(6);
    expect(idp.requests.filter((r) => r.endpoint === 'revocation' && r.status === 503)).toHaveLength(3);

    // JWTs: never live/invalid-signature because of the IdP's 429; live ones revoked exactly once.
    const states = await Promise.all(jwts.map(async (t) => (await store.getFinding(fingerprint(t)))!));
    for (const f of states) expect(['live', 'unknown', 'revoked']).toContain(f.liveness.state);
    expect(states.some((f) => f.liveness.state === 'unknown')).toBe(true); // the one checked during the 429
    const revokedJwts = jwts.filter((t, i) => states[i]!.status === 'revoked');
    expect(revokedJwts.length).toBeGreaterThan(0);
    for (const t of jwts) {
      const ok = idp.requests.filter((r) => r.endpoint === 'revocation' && r.status === 200 && r.form?.token === t).length;
      expect(ok).toBe(revokedJwts.includes(t) ? 1 : 0);
    }
    // PATs: each sent to GitHub's revocation endpoint in exactly one accepted request.
    for (const p of pats) expect(gh.revokedCredentials.filter((c) => c === p)).toHaveLength(1);

    // Webhook: one id per event, every finding alerted.
    const delivered = hook.requests
      .filter((r) => r.status === 204)
      .map((r) => {
        const e = JSON.parse(r.body) as { type: string; data: { finding: { fingerprint: string; version: number }; revocation?: { revoker: string } } };
        return { id: r.headers['webhook-id']!, key: `${e.type}:${e.data.finding.fingerprint}:${e.data.revocation?.revoker ?? e.data.finding.version}`, fp: e.data.finding.fingerprint };
      });
    const byEvent = new Map<string, Set<string>>();
    for (const d of delivered) byEvent.set(d.key, (byEvent.get(d.key) ?? new Set()).add(d.id));
    for (const [event, ids] of byEvent) expect(ids.size, event).toBe(1);
    expect(new Set(delivered.map((d) => d.id)).size).toBe(delivered.length); // no id delivered twice
    expect(new Set(delivered.map((d) => d.fp))).toEqual(new Set(fps));
    // Slack alert channel: one post per finding version.
    const posts = slack.posted.filter((p) => p.channel === alertChannel).map((p) => /`(sha256:[0-9a-f]{12})…` · version (\d+)/.exec(JSON.stringify(p.blocks))?.slice(1, 3).join(':'));
    expect(posts.every(Boolean)).toBe(true);
    expect(new Set(posts).size).toBe(posts.length);
    expect(new Set(posts.map((p) => p!.split(':').slice(0, 2).join(':')))).toEqual(new Set(fps.map((fp) => fp.slice(0, 19))));

    // Nothing planted anywhere it should not be.
    const all = [...places.keys()];
    expect(findLeaks(await dumpRedis(REDIS_URL, `${prefix}:*`), all)).toEqual([]);
    expect(findLeaks(logs.text(), all)).toEqual([]);
    expect(findLeaks(hook.bodies().join('\n') + JSON.stringify(slack.posted), all)).toEqual([]);
  }, 600_000);
});
