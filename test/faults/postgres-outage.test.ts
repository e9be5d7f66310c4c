/**
 * PostgreSQL unavailable for 30 s, then back — on a private server this test stops and restarts
 * (test/support/pg-process.ts), under the real service (BullMQ on Redis, HTTP ingress), with the
 * DEFAULT retry settings: the service must ride the outage out with no manual step (no
 * `jobs retry`, no restart). Checks:
 * - during the outage: `/readyz` says 503 naming the store; a signed Slack event is answered 503
 *   (so Slack retries) — never 500, never a crash; new work is still accepted into the queue;
 * - afterwards: every planted token (before and during the outage) stored once with exactly its
 *   occurrences, each finding acted on once, no failed job, `/readyz` 200 again, Slack's retry of
 *   the refused event accepted and its token stored; no planted token in the logs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { fingerprint, SealingKey } from '../../src/core/secrets.js';
import { startService, type RunningService } from '../../src/pipeline/service.js';
import { REDIS_URL, requireServices, testId } from '../support/services.js';
import { deletePrefix } from '../support/redis-process.js';
import { requirePgBinaries, startPgProcess, type PgProcess } from '../support/pg-process.js';
import { eventEnvelope, slackSignedHeaders } from '../support/fake-slack.js';
import { githubPat } from '../support/token-factory.js';
import { findLeaks } from '../pipeline/helpers.js';
import { captureLogs, countStored, expectStoredOnce, plantChunks, sleep, until } from './helpers.js';

const svc = await requireServices('redis');
const bins = requirePgBinaries();
const OUTAGE_MS = 30_000;
const SIGNING = 'outage-signing-secret';

describe.skipIf(svc.skip || bins.skip)('PostgreSQL down for 30 s under the running service', () => {
  let pgp: PgProcess | undefined;
  let service: RunningService | undefined;
  const prefix = testId('trpgout');
  afterAll(async () => {
    await service?.close().catch(() => undefined);
    await pgp?.destroy();
    await deletePrefix(REDIS_URL, prefix).catch(() => undefined);
  }, 120_000);

  it('recovers by itself: nothing lost, nothing duplicated, webhooks answered 503 meanwhile', async () => {
    pgp = await startPgProcess();
    const logs = captureLogs();
    const loaded = resolveConfig(
      {
        dataDir: mkdtempSync(join(tmpdir(), 'tr-pgout-')),
        // Default attempts and backoff on purpose: recovery must not depend on tuning.
        queue: { prefix },
        sources: [{ id: 'slack-main', type: 'slack', tokenEnv: 'SLACK_OUTAGE_TOKEN', signingSecretEnv: 'SLACK_OUTAGE_SIGNING', apiUrl: 'http://127.0.0.1:9/api/' }],
      },
      {
        REDIS_URL,
        DATABASE_URL: pgp.url,
        TOKENRADIUS_SEALING_KEY: SealingKey.generate().exportHex(),
        SLACK_OUTAGE_TOKEN: 'xoxb-not-used-by-this-test',
        SLACK_OUTAGE_SIGNING: SIGNING,
      },
    );
    service = await startService(loaded, { http: true, port: 0, roles: ['scan', 'act'], deps: { logger: logs.logger } });
    const store = service.deps.store;
    const before = plantChunks(400, 40, 'before');
    await service.ingress!.submitChunks(before.chunks);
    await until(async () => (await countStored(store, before.tokens)) >= 5, 90_000, 'first findings stored');

    // The outage: a crash-like stop (connections die mid-statement).
    await pgp.stop('immediate');
    const downAt = Date.now();

    // Work keeps arriving and is accepted into the queue (Redis is up).
    const during = plantChunks(400, 40, 'during');
    await service.ingress!.submitChunks(during.chunks);

    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks).toMatchObject({ store: 'STORE_UNAVAILABLE', redis: 'ok' });

    // A webhook that needs the store (event dedupe) is refused with 503 so the sender retries.
    const eventToken = githubPat();
    const body = JSON.stringify(
      eventEnvelope({ type: 'message', channel: 'C0OUTAGE', channel_type: 'channel', user: 'U1', ts: '1712345678.000200', text: `rotating ${eventToken} now` }, { eventId: 'Ev0OUTAGE01' }),
    );
    const refused = await fetch(`${service.url}/webhooks/slack/events`, { method: 'POST', body, headers: slackSignedHeaders(SIGNING, body) });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toMatch(/^(STORE|QUEUE)_UNAVAILABLE$/);

    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
    await pgp.start();

    const all = [...before.tokens, ...during.tokens];
    await until(async () => (await countStored(store, all)) === all.length, 180_000, 'every planted token stored after the outage');
    await until(async () => (await service!.transport!.depth()).filter((d) => d.state !== 'failed').every((d) => d.count === 0), 120_000, 'queues drained');
    // No manual step: nothing was given up on.
    expect(await service.transport!.listFailed()).toEqual([]);
    await expectStoredOnce(store, [...before.chunks, ...during.chunks], all);
    for (const t of all) {
      const audit = await store.listAudit({ fingerprint: fingerprint(t) });
      expect(audit.items.filter((a) => a.action === 'finding.alert-skipped')).toHaveLength(1);
    }
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);

    // Slack retries the refused delivery: accepted now, and its token is found.
    const retried = await fetch(`${service.url}/webhooks/slack/events`, { method: 'POST', body, headers: { ...slackSignedHeaders(SIGNING, body), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_error' } });
    expect(retried.status).toBe(200);
    await until(async () => (await store.getFinding(fingerprint(eventToken))) !== null, 60_000, 'the retried event stored');

    expect(findLeaks(logs.text(), [...all, eventToken])).toEqual([]);
    expect(logs.text()).toMatch(/STORE_UNAVAILABLE/);
  }, 420_000);
});
