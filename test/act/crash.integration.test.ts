/**
 * A crash between the revoke call and its record never causes a second call: an act worker CHILD
 * PROCESS (the built CLI, `worker --role act`, BullMQ + PostgreSQL) is SIGKILLed after the fake
 * IdP received the RFC 7009 revocation and while the confirming introspection hangs. A new worker
 * takes the stalled job over, finds the stale claim, checks (introspection: inactive) and records
 * `already-invalid` — the IdP saw exactly one revocation request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { actionKeys } from '../../src/act/engine.js';
import { resolveConfig } from '../../src/config/load.js';
import { fingerprint, SealingKey } from '../../src/core/secrets.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { startService, type RunningService } from '../../src/pipeline/service.js';
import { startFakeOidc, type FakeOidc } from '../support/fake-oidc.js';
import { inHours } from '../support/jwt-factory.js';
import { deletePrefix } from '../support/redis-process.js';
import { POSTGRES_URL, REDIS_URL, requireServices, testId } from '../support/services.js';
import { findLeaks, until } from './helpers.js';

const svc = await requireServices('redis', 'postgres');
const CLI = join(resolve(import.meta.dirname, '../..'), 'dist/src/cli/main.js');
const CLIENT = 'tokenradius-revoker';

describe.skipIf(svc.skip)('revocation survives a SIGKILL between the call and its record', () => {
  const schema = testId('tractcrash');
  const prefix = testId('tractcrash');
  const children: ChildProcess[] = [];
  let idp: FakeOidc | undefined;
  let scanner: RunningService | undefined;

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await scanner?.close();
    await idp?.close();
    await deletePrefix(REDIS_URL, prefix);
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }, 120_000);

  it('re-runs the job after the crash and records already-invalid without a second revocation call', async () => {
    const secrets = { IDP_REVOKE_SECRET: `rv-${randomBytes(12).toString('hex')}`, IDP_RS_SECRET: `rs-${randomBytes(12).toString('hex')}` };
    idp = await startFakeOidc({ clients: { [CLIENT]: { secret: secrets.IDP_REVOKE_SECRET }, rs: { secret: secrets.IDP_RS_SECRET } } });
    const dataDir = mkdtempSync(join(tmpdir(), 'tr-act-crash-'));
    const config = {
      dataDir,
      store: { schema },
      queue: { prefix, lockDurationMs: 1000, stalledIntervalMs: 500, maxStalledCount: 5, attempts: 25, backoffMs: 200 },
      trust: {
        verify: true,
        issuers: [{ issuer: idp.issuer, introspection: { clientId: 'rs', clientSecretEnv: 'IDP_RS_SECRET' }, revocation: { clientId: CLIENT, clientSecretEnv: 'IDP_REVOKE_SECRET' } }],
      },
      act: {
        revokers: [{ id: 'idp', type: 'rfc7009' }],
        revocation: [{ name: 'live-high', match: { minSeverity: 'high', liveness: ['live'] }, revokers: ['idp'] }],
        delivery: { reclaimAfterMs: 1000 },
      },
    };
    const cfgFile = join(dataDir, 'tokenradius.yaml');
    writeFileSync(cfgFile, JSON.stringify(config)); // JSON is YAML
    const key = SealingKey.generate();
    const env = { ...secrets, REDIS_URL, DATABASE_URL: POSTGRES_URL, TOKENRADIUS_SEALING_KEY: key.exportHex() };

    // This process scans (the liveness check introspects the token: live); act runs in children.
    scanner = await startService(resolveConfig(config, env), { http: false, roles: ['scan'], deps: { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) } });
    const token = await idp.signToken({ sub: 'svc-deploy', azp: CLIENT, exp: inHours(2), scope: 'openid admin write:all', roles: ['admin'] });
    const fp = fingerprint(token);
    await scanner.ingress!.submitChunks([
      {
        id: 'crash-1',
        source: 'slack-main',
        text: `prod token: Bearer ${token}`,
        locator: { kind: 'slack', channel: 'C0CRASH', ts: '1700000000.000100', path: 'C0CRASH', line: 1, column: 1 },
        exposure: { visibility: 'public', audience: 500 },
      },
    ]);
    const store = scanner.deps.store;
    await until(async () => (await store.getFinding(fp))?.liveness.state === 'live', 60_000, 'finding stored live');

    // From now on the confirming introspection hangs: the worker will sit between call and record.
    idp.fault('introspection', { kind: 'slow', delayMs: 600_000 });
    let output = '';
    const startWorker = () => {
      const child = spawn(process.execPath, [CLI, 'worker', '--role', 'act', '--config', cfgFile], { env: { ...process.env, ...env, TOKENRADIUS_LOG_LEVEL: 'debug' }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      children.push(child);
      return child;
    };
    const revokeCalls = () => idp!.requests.filter((r) => r.endpoint === 'revocation' && r.form?.token === token).length;

    const first = startWorker();
    await until(() => revokeCalls() === 1, 120_000, 'revocation call');
    await until(() => idp!.requests.some((r) => r.endpoint === 'introspection' && r.fault === 'slow'), 60_000, 'hanging confirmation');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const claim = (await store.listActions(fp)).items.find((a) => a.key === actionKeys.revoke(fp, 'idp'));
    expect(claim).toMatchObject({ status: 'pending', attempts: 1 });
    expect(idp.isRevoked(token)).toBe(true);

    idp.clearFaults();
    startWorker();
    await until(async () => (await store.getFinding(fp))?.status === 'revoked', 180_000, 'finding marked revoked');
    const done = (await store.listActions(fp)).items.find((a) => a.key === actionKeys.revoke(fp, 'idp'));
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, details: expect.objectContaining({ outcome: 'already-invalid', confirmed: true }) });
    expect(revokeCalls()).toBe(1);
    expect(await store.getSealedToken(fp)).toBeNull();
    expect(findLeaks(output, [token])).toEqual([]);
  }, 400_000);
});
