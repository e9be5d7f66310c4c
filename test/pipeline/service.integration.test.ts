/**
 * The whole service pipeline against the real Redis and PostgreSQL (random queue prefix and fresh
 * schema per test), and the same scenario through the inline runner on embedded PGlite:
 * chunks → stored findings; a configured source polled into the queue; a poison job isolated;
 * afterwards no planted raw token anywhere in Redis, in the database, or in the logs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, REDIS_URL, requireServices, testId } from '../support/services.js';
import { fakeSignedJwt, inHours } from '../support/jwt-factory.js';
import { deletePrefix, dumpRedis } from '../support/redis-process.js';
import { resolveConfig } from '../../src/config/load.js';
import { fingerprint, SealingKey } from '../../src/core/secrets.js';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { ALL_ROLES, startService, type RunningService } from '../../src/pipeline/service.js';
import { createQueueTransport } from '../../src/queue/transport.js';
import type { FindingStore } from '../../src/store/types.js';
import type { Chunk } from '../../src/core/types.js';
import { findLeaks } from './helpers.js';

const svc = await requireServices('redis', 'postgres');

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

/** Slack-sized messages, some carrying a planted JWT (each token planted in two places). */
function plant(messages: number, tokens: number): { chunks: Chunk[]; tokens: string[] } {
  const toks = Array.from({ length: tokens }, (_, i) =>
    fakeSignedJwt({ iss: 'https://idp.example.test/', sub: `svc-${i}-${randomBytes(4).toString('hex')}`, aud: 'api', exp: inHours(4), scope: 'admin' }),
  );
  const chunks: Chunk[] = [];
  for (let i = 0; i < messages; i++) {
    const tok = i < tokens * 2 ? toks[i % tokens] : undefined;
    const text = `deploy #${i} finished on build-${i % 7}; logs in the usual place.${tok ? ` curl -H "Authorization: Bearer ${tok}" https://api.example.test/v1/items` : ''} thanks`;
    chunks.push({
      id: `slack-C0TEST-${i}`,
      source: 'slack-test',
      text,
      locator: { kind: 'slack', channel: 'C0TEST', ts: `1700000000.${String(i).padStart(6, '0')}`, path: 'C0TEST', line: 1, column: 1 },
      exposure: { visibility: 'private', audience: 12 },
    });
  }
  return { chunks, tokens: toks };
}

/** A JWT that expires 8 s from now. */
function shortLivedToken(): string {
  return fakeSignedJwt({ iss: 'https://idp.example.test/', sub: `short-${randomBytes(4).toString('hex')}`, exp: Math.floor(Date.now() / 1000) + 8 });
}

function shortLivedChunk(token: string): Chunk {
  return {
    id: `slack-C0SHORT-${fingerprint(token).slice(7, 19)}`,
    source: 'slack-test',
    text: `temporary token ${token} for the demo`,
    locator: { kind: 'slack', channel: 'C0SHORT', ts: '1700000100.000001', path: 'C0SHORT', line: 1, column: 1 },
    exposure: { visibility: 'private', audience: 3 },
  };
}

async function until(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

async function allStored(store: FindingStore, fps: string[]): Promise<boolean> {
  for (const fp of fps) if (!(await store.getFinding(fp))) return false;
  return true;
}

async function dumpStore(store: FindingStore): Promise<string> {
  const parts: string[] = [];
  for await (const t of store.dumpTables()) parts.push(t.table, ...t.rows);
  return parts.join('\n');
}

describe.skipIf(svc.skip)('service pipeline on BullMQ + PostgreSQL', () => {
  const schema = testId('trsvc');
  const prefix = testId('trsvc');
  const dataDir = mkdtempSync(join(tmpdir(), 'tr-svc-'));
  let service: RunningService | undefined;

  afterAll(async () => {
    await service?.close();
    await deletePrefix(REDIS_URL, prefix);
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }, 120_000);

  it('stores every planted token once, polls a configured source, isolates a poison job, and leaks nothing', async () => {
    const folder = join(dataDir, 'share');
    mkdirSync(folder);
    const fileToken = fakeSignedJwt({ iss: 'https://idp.example.test/', sub: 'file-svc', exp: inHours(2) });
    writeFileSync(join(folder, 'notes.env'), `# staging\nAPI_TOKEN=${fileToken}\n`);

    const key = SealingKey.generate();
    const env = { REDIS_URL, DATABASE_URL: POSTGRES_URL, TOKENRADIUS_SEALING_KEY: key.exportHex() };
    const loaded = resolveConfig(
      {
        dataDir,
        queue: { prefix, batchSize: 25, backoffMs: 100 },
        // Maintenance every 10 s (the minimum): the short-lived token's sealed copy must go.
        store: { schema, purgeIntervalSeconds: 10 },
        sources: [{ id: 'share-files', type: 'files', path: folder }],
      },
      env,
    );
    const logs = logSink();
    service = await startService(loaded, { http: true, port: 0, roles: ALL_ROLES, deps: { logger: logs.logger, metrics: createMetrics() } });
    const store = service.deps.store;

    const { chunks, tokens } = plant(300, 40);
    const fps = tokens.map(fingerprint);
    // A token that expires a few seconds from now: kept sealed until its expiry, then purged by the
    // scheduler role's maintenance job while the service runs.
    const shortLived = shortLivedToken();
    await service.ingress!.submitChunks([shortLivedChunk(shortLived)]);
    await until(async () => (await store.getFinding(fingerprint(shortLived))) !== null);
    expect(await store.getSealedToken(fingerprint(shortLived))).not.toBeNull();
    await service.ingress!.submitChunks(chunks);
    await service.ingress!.requestPoll('share-files');

    // A poison job: sealed with a key our workers do not have.
    const foreign = createQueueTransport({ redisUrl: REDIS_URL, options: loaded.config.queue, sealingKey: SealingKey.generate(), logger: logs.logger, metrics: createMetrics({ defaultMetrics: false }) });
    await foreign.submitChunks([{ ...chunks[0]!, id: 'poison-1' }]);
    await foreign.close();

    await until(() => allStored(store, [...fps, fingerprint(fileToken)]));
    // Drained (the maintenance scheduler's next run is not backlog: depth leaves it out).
    await until(async () => (await service!.transport!.depth()).filter((d) => d.state !== 'failed').every((d) => d.count === 0));
    expect(await service.transport!.listSchedulers({ includeMaintenance: true })).toContainEqual(expect.objectContaining({ id: 'maintenance-purge', queue: 'maintenance', every: 10_000 }));
    await until(async () => (await store.getSealedToken(fingerprint(shortLived))) === null, 60_000);

    // Each token: one finding, two occurrences (two messages), one act (audit line: no sinks configured).
    for (const fp of fps) {
      const f = await store.getFinding(fp);
      expect(f?.occurrences).toHaveLength(2);
      expect(f?.blastRadius.severity).toBeDefined();
      const audit = await store.listAudit({ fingerprint: fp });
      expect(audit.items.filter((a) => a.action === 'finding.alert-skipped')).toHaveLength(1);
    }
    expect((await store.getFinding(fingerprint(fileToken)))?.occurrences[0]?.source).toBe('share-files');

    const failed = await service.transport!.listFailed();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ queue: 'scan', reason: expect.stringMatching(/^SEAL_OPEN_FAILED/) });

    // Readiness and metrics over HTTP.
    const ready = await fetch(`${service.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', redis: 'ok' } });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/tokenradius_jobs_processed_total\{queue="scan"\} \d+/);
    expect(metrics).toMatch(/tokenradius_findings_observed_total\{severity="[a-z]+",change="new"\} \d+/);
    expect(metrics).toContain('tokenradius_backfill_chunks_total{source="share-files"} 1');

    // No planted token anywhere: Redis (every key under the prefix), the database, the logs.
    const all = [...tokens, fileToken, shortLived];
    expect(findLeaks(await dumpRedis(REDIS_URL, `${prefix}:*`), all)).toEqual([]);
    expect(findLeaks(await dumpStore(store), all)).toEqual([]);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(findLeaks(logs.lines.join(''), all)).toEqual([]);
    // The tokens were kept sealed for revocation (not in clear).
    expect(await store.getSealedToken(fps[0]!)).toMatchObject({ keyId: key.id });
  }, 240_000);
});

describe('service pipeline inline on embedded PGlite (no Redis, no PostgreSQL)', () => {
  it('runs the same scenario through the inline runner and leaks nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tr-inline-'));
    const loaded = resolveConfig({ dataDir, queue: { batchSize: 25 }, store: { purgeIntervalSeconds: 10 } }, {});
    const logs = logSink();
    const service = await startService(loaded, { http: true, port: 0, roles: ALL_ROLES, deps: { logger: logs.logger, metrics: createMetrics() } });
    try {
      expect(service.mode).toBe('inline');
      const { chunks, tokens } = plant(120, 15);
      const store = service.deps.store;
      // Sealed while it can still be revoked; gone after its expiry, by the inline maintenance timer.
      const shortLived = shortLivedToken();
      await service.ingress!.submitChunks([shortLivedChunk(shortLived)]);
      await service.inline!.drain();
      expect(await store.getSealedToken(fingerprint(shortLived))).not.toBeNull();
      await service.ingress!.submitChunks(chunks);
      await service.inline!.drain();
      await until(async () => (await store.getSealedToken(fingerprint(shortLived))) === null, 60_000);
      expect(await store.getFinding(fingerprint(shortLived))).not.toBeNull();
      for (const t of tokens) {
        const f = await store.getFinding(fingerprint(t));
        expect(f?.occurrences).toHaveLength(2);
        expect((await store.listAudit({ fingerprint: fingerprint(t) })).items.filter((a) => a.action === 'finding.alert-skipped')).toHaveLength(1);
      }
      const ready = await fetch(`${service.url}/readyz`);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok' } });
      expect(findLeaks(await dumpStore(store), [...tokens, shortLived])).toEqual([]);
      expect(findLeaks(logs.lines.join(''), [...tokens, shortLived])).toEqual([]);
      // A generated sealing key in the data directory, readable by its owner only.
      expect(service.deps.sealing.origin).toBe('generated');
    } finally {
      await service.close();
    }
  }, 240_000);
});
