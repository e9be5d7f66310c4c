/**
 * SIGKILL of each worker role mid-job, as deployed: four worker PROCESSES of the built CLI
 * (`worker --role poll|scan|act|scheduler`) against the real Redis and PostgreSQL, a Slack
 * workspace on the fake Slack server (read through the real @slack/web-api client), a fake
 * identity provider (JWKS, RFC 7662, RFC 7009) and a Standard Webhooks receiver.
 *
 * One deployment, one workspace; each role in turn is killed while it holds work:
 * - poll: mid-backfill (a channel done, the run unfinished) → the stalled job resumes;
 * - scan: with scan jobs in flight (some findings stored, not all) → the stalled jobs re-run;
 * - act: with alerts and revocations in flight → the stalled jobs re-run, claims dedupe them;
 * - scheduler: right after it synchronised → a new one keeps exactly one schedule, and the
 *   scheduled polls go on (a token posted later is found by them).
 * At the end: every planted token stored once with exactly its occurrences; one alert per finding
 * at the receiver (one webhook-id each; a redelivery only ever repeats an id); every live JWT
 * revoked at the IdP exactly once; no failed job; nothing leaked to Redis or any process output.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint, SealingKey } from '../../src/core/secrets.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { QueueOptionsSchema } from '../../src/queue/options.js';
import { createQueueTransport, type QueueTransport } from '../../src/queue/transport.js';
import { STATUS_SCOPE } from '../../src/sources/connector.js';
import { createPostgresStore } from '../../src/store/postgres.js';
import type { FindingStore } from '../../src/store/types.js';
import { startFakeOidc, type FakeOidc } from '../support/fake-oidc.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { inHours } from '../support/jwt-factory.js';
import { deletePrefix, dumpRedis } from '../support/redis-process.js';
import { POSTGRES_URL, REDIS_URL, requireServices, testId } from '../support/services.js';
import { githubPat } from '../support/token-factory.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { findLeaks } from '../pipeline/helpers.js';
import { countStored, sleep, spawnWorker, stopWorker, until, type WorkerChild } from './helpers.js';

const svc = await requireServices('redis', 'postgres');
const CLI = join(resolve(import.meta.dirname, '../..'), 'dist/src/cli/main.js');
const CLIENT = 'tokenradius-revoker';

interface Place {
  channel: string;
  ts: string;
}

describe.skipIf(svc.skip || !existsSync(CLI))('SIGKILL of each worker role mid-job', () => {
  const schema = testId('trkill');
  const prefix = testId('trkill');
  const workers: WorkerChild[] = [];
  let slack: FakeSlack | undefined;
  let idp: FakeOidc | undefined;
  let hook: WebhookReceiver | undefined;
  let store: FindingStore | undefined;
  let producer: QueueTransport | undefined;

  afterAll(async () => {
    if (process.env.TR_DEBUG) writeFileSync('/tmp/tr-kill-workers.log', workers.map((w) => `== ${w.role}\n${w.output.join('')}`).join('\n'));
    for (const w of workers) await stopWorker(w, 'SIGKILL').catch(() => undefined);
    await producer?.close();
    await store?.close();
    await Promise.all([slack?.close(), idp?.close(), hook?.close()]);
    await deletePrefix(REDIS_URL, prefix).catch(() => undefined);
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }, 120_000);

  it('loses nothing, duplicates no alert or revocation, and recovers by itself', async () => {
    const secrets = { IDP_REVOKE_SECRET: `rv-${randomBytes(12).toString('hex')}`, IDP_RS_SECRET: `rs-${randomBytes(12).toString('hex')}`, SOC_SECRET: `whsec_${randomBytes(32).toString('base64')}` };
    [slack, idp, hook] = await Promise.all([
      startFakeSlack(),
      startFakeOidc({ clients: { [CLIENT]: { secret: secrets.IDP_REVOKE_SECRET }, rs: { secret: secrets.IDP_RS_SECRET } } }),
      startWebhookReceiver(),
    ]);
    // The receiver is slow, so alerts are in flight when the act worker dies.
    hook.respond(async () => {
      await sleep(250);
      return { status: 204 };
    });

    // The workspace: three channels of filler with GitHub PATs and live IdP-issued JWTs planted.
    const places = new Map<string, Place>();
    const liveJwts: string[] = [];
    for (const name of ['general', 'deploys', 'oncall']) {
      const channel = slack.addChannel({ name, num_members: 40 }).id;
      for (let i = 0; i < 36; i++) {
        let text = `${name} update ${i}: all quiet, nothing to report`;
        if (i % 6 === 1) {
          const t = githubPat();
          text = `${name}: use ${t} for the mirror job`;
          places.set(t, { channel, ts: '' });
        } else if (i % 12 === 4) {
          const t = await idp.signToken({ sub: `svc-${name}-${i}`, azp: CLIENT, exp: inHours(2), scope: 'openid admin write:all', roles: ['admin'] });
          text = `${name}: prod call works with Authorization: Bearer ${t}`;
          places.set(t, { channel, ts: '' });
          liveJwts.push(t);
        }
        const m = slack.addMessage(channel, { text, user: 'U0DEV' });
        for (const [t, p] of places) if (p.ts === '' && text.includes(t)) p.ts = m.ts;
      }
    }
    // Slow Slack down so the backfill is still going when the poll worker dies.
    slack.fail({ method: /^conversations\.(history|replies)$/, delayMs: 120, times: Infinity });

    const dataDir = mkdtempSync(join(tmpdir(), 'tr-kill-'));
    const queue = { prefix, batchSize: 6, lockDurationMs: 2000, stalledIntervalMs: 1000, maxStalledCount: 5, backoffMs: 200, attempts: 10 };
    const source = { id: 'slack-main', type: 'slack', tokenEnv: 'SLACK_KILL_TOKEN', apiUrl: slack.apiUrl, pageSize: 4, listPageSize: 2, lookbackDays: 0 };
    const config = {
      dataDir,
      store: { schema },
      queue,
      sources: [source],
      trust: {
        verify: true,
        issuers: [{ issuer: idp.issuer, introspection: { clientId: 'rs', clientSecretEnv: 'IDP_RS_SECRET' }, revocation: { clientId: CLIENT, clientSecretEnv: 'IDP_REVOKE_SECRET' } }],
      },
      act: {
        sinks: [{ id: 'soc', type: 'webhook', url: hook.url, secretEnv: 'SOC_SECRET', events: ['finding.created', 'finding.updated'] }],
        revokers: [{ id: 'idp', type: 'rfc7009' }],
        revocation: [{ name: 'live-high', match: { minSeverity: 'high', liveness: ['live'], kinds: ['jwt'] }, revokers: ['idp'] }],
        delivery: { reclaimAfterMs: 1000 },
      },
    };
    const cfgFile = join(dataDir, 'tokenradius.json');
    writeFileSync(cfgFile, JSON.stringify(config));
    const key = SealingKey.generate();
    const env = { ...secrets, REDIS_URL, DATABASE_URL: POSTGRES_URL, TOKENRADIUS_SEALING_KEY: key.exportHex(), SLACK_KILL_TOKEN: slack.token, TOKENRADIUS_CONFIG: '' };
    const start = (role: string) => {
      const w = spawnWorker(CLI, role, cfgFile, env);
      workers.push(w);
      return w;
    };

    store = await createPostgresStore({ url: POSTGRES_URL, schema });
    producer = createQueueTransport({ redisUrl: REDIS_URL, options: QueueOptionsSchema.parse(queue), sealingKey: key, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    const tokens = [...places.keys()];
    const st = store;
    const pending = async () => (await producer!.depth()).filter((d) => d.state !== 'failed').reduce((n, d) => n + d.count, 0);
    const pendingIn = async (q: string) => (await producer!.depth()).filter((d) => d.queue === q && d.state !== 'failed').reduce((n, d) => n + d.count, 0);

    // ---- poll: killed mid-backfill -----------------------------------------------------------
    let poll = start('poll');
    await producer.requestPoll('slack-main');
    await until(async () => (await st.listCursors('slack-main')).some((c) => c.scope !== STATUS_SCOPE), 120_000, 'a channel accepted');
    expect(await st.getCursor('slack-main', STATUS_SCOPE)).toBeNull(); // the run is unfinished
    expect(await stopWorker(poll, 'SIGKILL')).toBeNull();
    poll = start('poll');
    await until(async () => JSON.parse((await st.getCursor('slack-main', STATUS_SCOPE)) ?? '{}').state === 'ok', 180_000, 'backfill finished');
    expect(await countStored(st, tokens)).toBe(0); // no scan worker yet: everything waits in the queue

    // ---- scan: killed with scan jobs in flight -----------------------------------------------
    // Slow liveness checks (introspection) keep the scan jobs busy long enough to be caught.
    idp.fault('introspection', { kind: 'slow', delayMs: 700 });
    let scan = start('scan');
    await until(async () => (await countStored(st, tokens)) >= 2, 120_000, 'first findings stored');
    expect(await countStored(st, tokens)).toBeLessThan(tokens.length);
    expect(await pendingIn('scan')).toBeGreaterThan(0);
    expect(await stopWorker(scan, 'SIGKILL')).toBeNull();
    idp.clearFaults();
    scan = start('scan');
    await until(async () => (await countStored(st, tokens)) === tokens.length, 180_000, 'every token stored');
    await until(async () => (await pendingIn('scan')) === 0, 120_000, 'scan queue drained');

    // ---- act: killed with alerts and revocations in flight -----------------------------------
    // Fingerprints that got at least one alert through.
    const alerted = () => new Set(hook!.requests.filter((r) => r.status === 204).map((r) => (JSON.parse(r.body) as { data: { finding: { fingerprint: string } } }).data.finding.fingerprint)).size;
    let actW = start('act');
    await until(() => alerted() >= 3, 120_000, 'first alerts delivered');
    expect(alerted()).toBeLessThan(tokens.length);
    expect(await stopWorker(actW, 'SIGKILL')).toBeNull();
    actW = start('act');
    await until(() => alerted() === tokens.length, 180_000, 'every finding alerted');
    await until(async () => (await pendingIn('act')) === 0, 120_000, 'act queue drained');
    await until(async () => (await Promise.all(liveJwts.map((t) => st.getFinding(fingerprint(t))))).every((f) => f?.status === 'revoked'), 180_000, 'live JWTs revoked');

    // ---- scheduler: killed after synchronising -----------------------------------------------
    // A schedule every 4 s from now on (the config file is re-read by each new process).
    writeFileSync(cfgFile, JSON.stringify({ ...config, sources: [{ ...source, schedule: '*/4 * * * * *' }] }));
    let scheduler = start('scheduler');
    await until(() => scheduler.output.join('').includes('job schedulers synchronised'), 60_000, 'schedulers synchronised');
    expect(await stopWorker(scheduler, 'SIGKILL')).toBeNull();
    scheduler = start('scheduler');
    await until(() => scheduler.output.join('').includes('job schedulers synchronised'), 60_000, 'schedulers synchronised again');
    expect((await producer.listSchedulers()).map((s) => s.id)).toEqual(['poll-slack-main']);
    // The schedule keeps running: a token posted now is found by a scheduled poll.
    const late = githubPat();
    const lateMsg = slack.addMessage([...places.values()][0]!.channel, { text: `late paste ${late}`, user: 'U0DEV' });
    places.set(late, { channel: [...places.values()][0]!.channel, ts: lateMsg.ts });
    await until(async () => (await st.getFinding(fingerprint(late))) !== null, 120_000, 'late token found by a scheduled poll');
    await until(() => alerted() === tokens.length + 1, 120_000, 'late token alerted');

    // ---- the end state -----------------------------------------------------------------------
    await stopWorker(scheduler, 'SIGTERM');
    await producer.syncSchedulers([]); // stop the schedule so the queues can drain
    await until(async () => (await pending()) === 0, 120_000, 'queues drained');
    expect(await producer.listFailed()).toEqual([]);

    for (const [t, p] of places) {
      const f = await st.getFinding(fingerprint(t), { occurrenceLimit: 50 });
      expect(f?.occurrences, `token in ${p.channel}`).toHaveLength(1);
      expect(f!.occurrences[0]!.locator).toMatchObject({ kind: 'slack', channel: p.channel, ts: p.ts });
    }
    // One alert (one webhook-id) per finding version at most (a finding first stored while its
    // issuer was slow is stored again as live: version 2, alerted as an update and the superseded
    // version skipped); a redelivery after the crash repeats an id, never mints a new one.
    const ok = hook.requests
      .filter((r) => r.status === 204)
      .map((r) => {
        const f = (JSON.parse(r.body) as { data: { finding: { fingerprint: string; version: number } } }).data.finding;
        return { id: r.headers['webhook-id']!, fp: f.fingerprint, version: f.version };
      });
    const idsByFinding = new Map<string, Set<string>>();
    const idsByVersion = new Map<string, Set<string>>();
    for (const d of ok) {
      idsByFinding.set(d.fp, (idsByFinding.get(d.fp) ?? new Set()).add(d.id));
      idsByVersion.set(`${d.fp}:${d.version}`, (idsByVersion.get(`${d.fp}:${d.version}`) ?? new Set()).add(d.id));
    }
    expect([...idsByFinding.keys()].sort()).toEqual([...places.keys()].map(fingerprint).sort());
    for (const ids of idsByVersion.values()) expect(ids.size).toBe(1);
    const redelivered = ok.length - idsByVersion.size;
    expect(redelivered).toBeLessThanOrEqual(4); // at most what one act worker held at the kill (concurrency 4)
    // Each live JWT revoked exactly once at the IdP.
    for (const t of liveJwts) expect(idp.requests.filter((r) => r.endpoint === 'revocation' && r.form?.token === t)).toHaveLength(1);

    // Nothing leaked: Redis (every key of the deployment), every worker's output.
    const all = [...places.keys()];
    expect(findLeaks(await dumpRedis(REDIS_URL, `${prefix}:*`), all)).toEqual([]);
    for (const w of workers) expect(findLeaks(w.output.join(''), all), `output of ${w.role}`).toEqual([]);
    for (const w of [poll, scan, actW]) expect(await stopWorker(w, 'SIGTERM')).toBe(0);
  }, 900_000);
});
