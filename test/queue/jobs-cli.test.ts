/**
 * `tokenradius jobs failed|retry` as an operator uses them (the built CLI, real Redis): failed jobs
 * are listed with their code and a payload summary (never message text), and can be retried.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireServices, testId } from '../support/services.js';
import { deletePrefix } from '../support/redis-process.js';
import { createQueueTransport } from '../../src/queue/transport.js';
import { QueueOptionsSchema } from '../../src/queue/options.js';
import { SealingKey } from '../../src/core/secrets.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';

const svc = await requireServices('redis');
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const run = promisify(execFile);

describe.skipIf(svc.skip || !existsSync(CLI))('tokenradius jobs', () => {
  const prefix = testId('trjobs');
  afterAll(() => deletePrefix(REDIS_URL, prefix));

  it('lists failed jobs (table and JSON) and retries one by id or all of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tr-jobs-'));
    const cfg = join(dir, 'c.json');
    writeFileSync(cfg, JSON.stringify({ queue: { prefix } }));
    const env = { ...process.env, REDIS_URL, TOKENRADIUS_CONFIG: '' };
    const secretText = `message text ${testId('secret')}`;
    const t = createQueueTransport({
      redisUrl: REDIS_URL,
      options: QueueOptionsSchema.parse({ prefix }),
      sealingKey: SealingKey.generate(),
      logger: silentLogger(),
      metrics: createMetrics({ defaultMetrics: false }),
    });
    try {
      await t.submitChunks([{ id: 'c1', source: 'slack-main', text: secretText, locator: { kind: 'file', path: 'p', line: 1, column: 1 } }]);
      const w = await t.startWorkers(['scan'], {
        scanChunk: async () => {
          throw new TokenradiusError('INPUT_MALFORMED', 'cannot scan this');
        },
        act: async () => undefined,
        poll: async () => undefined,
      });
      for (let i = 0; i < 200 && (await t.listFailed()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await w.close();

      const table = await run(process.execPath, [CLI, 'jobs', 'failed', '--config', cfg], { env });
      expect(table.stdout).toMatch(/^QUEUE\s+JOB ID/);
      expect(table.stdout).toContain('INPUT_MALFORMED: cannot scan this');

      const json = JSON.parse((await run(process.execPath, [CLI, 'jobs', 'failed', '--format', 'json', '--queue', 'scan', '--config', cfg], { env })).stdout) as {
        failed: Array<{ id: string; queue: string; reason: string; summary: Record<string, unknown> }>;
      };
      expect(json.failed).toHaveLength(1);
      expect(json.failed[0]).toMatchObject({ queue: 'scan', reason: 'INPUT_MALFORMED: cannot scan this', summary: { source: 'slack-main', chunks: 1 } });
      expect(JSON.stringify(json)).not.toContain(secretText);

      const retried = await run(process.execPath, [CLI, 'jobs', 'retry', json.failed[0]!.id, '--config', cfg], { env });
      expect(retried.stdout).toBe('retried 1 job\n');
      expect((await t.depth()).find((d) => d.queue === 'scan' && d.state === 'waiting')?.count).toBe(1);
      expect(await t.listFailed()).toHaveLength(0);

      const none = await run(process.execPath, [CLI, 'jobs', 'retry', '--all', '--config', cfg], { env });
      expect(none.stdout).toBe('retried 0 jobs\n');
      const missing = await run(process.execPath, [CLI, 'jobs', 'retry', 'scan-nope', '--config', cfg], { env }).catch((e: { code: number; stderr: string }) => e);
      expect(missing).toMatchObject({ code: 2, stderr: 'tokenradius: NOT_FOUND: no failed job with id scan-nope\n' });
      const noRedis = await run(process.execPath, [CLI, 'jobs', 'failed', '--config', cfg], { env: { ...env, REDIS_URL: '' } }).catch((e: { code: number; stderr: string }) => e);
      expect(noRedis).toMatchObject({ code: 2, stderr: expect.stringContaining('USAGE: jobs needs REDIS_URL') });
    } finally {
      await t.close();
    }
  }, 120_000);

  it('`--queue poll` covers every poll queue (one per upstream); `jobs schedulers` names each queue', async () => {
    const pollPrefix = testId('trjobsp');
    const dir = mkdtempSync(join(tmpdir(), 'tr-jobs-'));
    const cfg = join(dir, 'c.json');
    writeFileSync(cfg, JSON.stringify({ queue: { prefix: pollPrefix } }));
    const env = { ...process.env, REDIS_URL, TOKENRADIUS_CONFIG: '' };
    const t = createQueueTransport({
      redisUrl: REDIS_URL,
      options: QueueOptionsSchema.parse({ prefix: pollPrefix, attempts: 1 }),
      sealingKey: SealingKey.generate(),
      logger: silentLogger(),
      metrics: createMetrics({ defaultMetrics: false }),
      sources: [{ id: 'slack-x', type: 'slack' }],
    });
    try {
      const w = await t.startWorkers(['poll'], {
        scanChunk: async () => [],
        act: async () => undefined,
        poll: async () => {
          throw new TokenradiusError('UPSTREAM_AUTH_FAILED', 'token rejected');
        },
      });
      await t.requestPoll('slack-x');
      for (let i = 0; i < 200 && (await t.listFailed()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await w.close();

      const json = JSON.parse((await run(process.execPath, [CLI, 'jobs', 'failed', '--format', 'json', '--queue', 'poll', '--config', cfg], { env })).stdout) as { failed: Array<{ queue: string; summary: Record<string, unknown> }> };
      expect(json.failed).toEqual([expect.objectContaining({ queue: 'poll-slack', summary: { sourceId: 'slack-x', reason: 'manual' } })]);
      const table = (await run(process.execPath, [CLI, 'jobs', 'failed', '--config', cfg], { env })).stdout.split('\n');
      // The QUEUE column fits the longest queue name: the job id starts at the header's JOB ID.
      expect(table[1]!.indexOf('poll-', 0)).toBe(0);
      expect(table[1]!.slice(table[0]!.indexOf('JOB ID'))).toMatch(/^poll-slack-x-/);
      expect((await run(process.execPath, [CLI, 'jobs', 'failed', '--queue', 'scan', '--config', cfg], { env })).stdout).toBe('no failed jobs\n');
      expect((await run(process.execPath, [CLI, 'jobs', 'retry', '--all', '--queue', 'poll', '--config', cfg], { env })).stdout).toBe('retried 1 job\n');

      await t.syncSchedulers([{ id: 'slack-x', schedule: '0 * * * *', type: 'slack' }], { maintenanceEveryMs: 3_600_000 });
      const lines = (await run(process.execPath, [CLI, 'jobs', 'schedulers', '--config', cfg], { env })).stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 3));
      expect(lines.sort()).toEqual([
        ['maintenance-purge', 'maintenance', 'every 3600s'],
        ['poll-slack-x', 'poll-slack', '0 * * * *'],
      ]);
    } finally {
      await t.syncSchedulers([]);
      await t.close();
      await deletePrefix(REDIS_URL, pollPrefix);
    }
  }, 120_000);
});
