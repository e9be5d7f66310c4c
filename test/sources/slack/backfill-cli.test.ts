/**
 * `tokenradius backfill slack-main …` end to end: the built CLI as a child process, configured by a
 * file, reading the fake Slack workspace through the real WebClient.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../../src/core/secrets.js';
import { ReportSchema } from '../../../src/output/report.js';
import { REDIS_URL, requireServices, testId } from '../../support/services.js';
import { deletePrefix } from '../../support/redis-process.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { findLeaks } from '../../pipeline/helpers.js';
import { seedWorkspace, TOKEN_ENV, type Planted } from './helpers.js';

const CLI = join(resolve(import.meta.dirname, '../../..'), 'dist/src/cli/main.js');
const svc = await requireServices('redis');

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1', REDIS_URL: '', DATABASE_URL: '', TOKENRADIUS_CONFIG: '', TOKENRADIUS_SEALING_KEY: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

let slack: FakeSlack;
let planted: Planted;
let dir: string;
let cfg: string;
let env: Record<string, string>;

beforeAll(async () => {
  slack = await startFakeSlack();
  planted = seedWorkspace(slack);
  dir = mkdtempSync(join(tmpdir(), 'tr-backfill-'));
  cfg = join(dir, 'tokenradius.yaml');
  writeFileSync(
    cfg,
    [
      `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
      'sources:',
      '  - id: slack-main',
      '    type: slack',
      `    tokenEnv: ${TOKEN_ENV}`,
      `    apiUrl: ${JSON.stringify(slack.apiUrl)}`,
      '    pageSize: 2',
      '    schedule: "*/15 * * * *"',
      '',
    ].join('\n'),
  );
  env = { [TOKEN_ENV]: slack.token };
});
afterAll(async () => {
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tokenradius backfill (Slack)', () => {
  it('--inline --format json prints every finding with channel, ts, thread and permalink, and exits 1', async () => {
    const r = await run(['backfill', 'slack-main', '--inline', '--format', 'json', '--config', cfg], env);
    expect(r.code, r.stderr).toBe(1);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(report.stats.targets).toEqual(['slack-main']);
    expect(report.stats.items).toBeGreaterThan(10);
    for (const [token, where] of planted.places) {
      const f = report.findings.find((x) => x.fingerprint === fingerprint(token));
      expect(f, `${where.channel}/${where.ts}/${where.field}`).toBeDefined();
      expect(f!.location).toMatchObject({ source: 'slack-main', kind: 'slack', workspace: slack.team.id, channel: where.channel, ts: where.ts, field: where.field });
      expect(f!.location.permalink).toMatch(new RegExp(`^${slack.workspaceUrl}archives/${where.channel}/p${where.ts.replace('.', '')}`));
      if (where.threadTs) expect(f!.location.thread).toBe(where.threadTs);
      expect(f!.location.exposure?.visibility).toBeDefined();
    }
    const jwt = report.findings.find((x) => x.kind === 'jwt')!;
    expect(jwt.claims).toMatchObject({ sub: 'svc-staging' });
    expect(report.findings.length).toBe(planted.places.size);
    expect(findLeaks(r.stdout + r.stderr, [...planted.places.keys()])).toEqual([]);
  });

  it('exits 0 with an empty report when nothing is found after --since, and 2 with a clear line on errors', async () => {
    const none = await run(['backfill', 'slack-main', '--inline', '--format', 'json', '--since', '2099-01-01', '--config', cfg], env);
    expect(none.code, none.stderr).toBe(0);
    expect(ReportSchema.parse(JSON.parse(none.stdout)).findings).toEqual([]);

    const unknown = await run(['backfill', 'slack-nope', '--inline', '--config', cfg], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/NOT_FOUND: no configured source with id "slack-nope"/);

    const bad = await run(['backfill', 'slack-main', '--inline', '--format', 'json', '--config', cfg], { [TOKEN_ENV]: 'xoxb-0000-not-valid' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/UPSTREAM_AUTH_FAILED: Slack auth\.test \(source slack-main\) rejected the token \(invalid_auth\)/);
    expect(bad.stderr).not.toContain('xoxb-0000-not-valid');
    expect(bad.stdout).toBe('');

    const noEnv = await run(['backfill', 'slack-main', '--inline', '--config', cfg], { [TOKEN_ENV]: '' });
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toMatch(/sources\[0\]\.tokenEnv: environment variable SLACK_TEST_BOT_TOKEN is not set/);
  });

  it('without --inline and without Redis, runs the backfill against the store and moves the cursors', async () => {
    const key = { TOKENRADIUS_SEALING_KEY: 'a'.repeat(64) };
    const first = await run(['backfill', 'slack-main', '--format', 'json', '--config', cfg], { ...env, ...key });
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as { source: string; chunks: number };
    expect(summary.source).toBe('slack-main');
    expect(summary.chunks).toBeGreaterThan(10);
    // The second run starts from the stored channel cursors: nothing old is read again.
    const second = await run(['backfill', 'slack-main', '--format', 'json', '--config', cfg], { ...env, ...key });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ source: 'slack-main', chunks: 0 });
  });

  it.skipIf(svc.skip)('without --inline and with REDIS_URL, enqueues a poll job and prints its id', async () => {
    const prefix = testId('trbackfill');
    const withQueue = join(dir, 'queue.yaml');
    writeFileSync(withQueue, `queue:\n  prefix: ${prefix}\nsources:\n  - { id: slack-main, type: slack, tokenEnv: ${TOKEN_ENV}, apiUrl: ${JSON.stringify(slack.apiUrl)} }\n`);
    const r = await run(['backfill', 'slack-main', '--since', '2024-01-01', '--format', 'json', '--config', withQueue], { ...env, REDIS_URL });
    expect(r.code, r.stderr).toBe(0);
    const { job } = JSON.parse(r.stdout) as { job: string };
    const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    // On the Slack poll queue: a Slack 429 pauses only Slack's polls.
    const q = new Queue('poll-slack', { connection: conn, prefix });
    try {
      const j = await q.getJob(job);
      expect(j?.data).toEqual({ sourceId: 'slack-main', reason: 'manual', since: '2024-01-01' });
    } finally {
      await q.close();
      conn.disconnect();
      await deletePrefix(REDIS_URL, prefix);
    }
  });
});
