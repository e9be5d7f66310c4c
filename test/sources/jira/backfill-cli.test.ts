/**
 * `tokenradius backfill jira-main …` end to end: the BUILT CLI as a child process, a config file
 * pointing at the fake Jira, credentials in the environment. `--inline --format json` prints the
 * findings of the run like `scan` (issue key, field, comment id, browse URL; exit 1); without
 * `--inline` (no REDIS_URL) it stores findings and moves the cursor, so a second run reads nothing;
 * bad credentials exit 2 with a clear message. No output ever carries a planted token.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../../src/core/secrets.js';
import { leakedWindows, runCli } from '../../cli/scan-fixtures.js';
import { startFakeJira, type FakeJira } from '../../support/fake-jira.js';
import { seedJira, type PlantedJira } from './helpers.js';

let jira: FakeJira;
let planted: PlantedJira;
let dir: string;
let configFile: string;
let env: Record<string, string>;

beforeAll(async () => {
  jira = await startFakeJira({ timeZone: 'Europe/Berlin' });
  planted = seedJira(jira);
  dir = mkdtempSync(join(tmpdir(), 'tr-jira-cli-'));
  configFile = join(dir, 'tokenradius.yaml');
  writeFileSync(
    configFile,
    [
      `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
      'sources:',
      '  - id: jira-main',
      '    type: jira',
      `    host: ${JSON.stringify(jira.url)}`,
      '    emailEnv: JIRA_EMAIL',
      '    apiTokenEnv: JIRA_API_TOKEN',
      '    jql: "project in (OPS, SEC)"',
      '    customFields: [customfield_10010, customfield_10011]',
      '    pageSize: 3',
      '',
    ].join('\n'),
  );
  env = { JIRA_EMAIL: jira.email, JIRA_API_TOKEN: jira.apiToken, REDIS_URL: '', DATABASE_URL: '', TOKENRADIUS_CONFIG: '', TOKENRADIUS_SEALING_KEY: '' };
});

afterAll(async () => {
  await jira.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Loc {
  kind: string;
  issue?: string;
  field?: string;
  commentId?: string;
  url?: string;
  site?: string;
  line: number;
  column: number;
}

describe('backfill <jira source> (built CLI)', () => {
  it('--inline --format json prints this run’s findings with issue key, field, comment id and browse URL; exit 1', async () => {
    const r = await runCli(['backfill', 'jira-main', '--inline', '--format', 'json', '--config', configFile], { cwd: dir, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: Array<{ fingerprint: string; location: Loc; occurrences: Loc[] }>; stats: { targets: string[]; items: number } };
    expect(report.stats.targets).toEqual(['jira-main']);
    expect(report.stats.items).toBe(8);
    const byFp = new Map(report.findings.map((f) => [f.fingerprint, f]));
    for (const [token, where] of planted.places) {
      const f = byFp.get(fingerprint(token));
      expect(f, `${where.issue}/${where.field}`).toBeDefined();
      expect(f!.occurrences.some((o) => o.kind === 'jira' && o.issue === where.issue && o.field === where.field && (where.commentId === undefined || o.commentId === where.commentId))).toBe(true);
    }
    const comment = report.findings.flatMap((f) => f.occurrences).find((o) => o.commentId)!;
    expect(comment).toMatchObject({ site: jira.url, url: `${jira.url}/browse/${comment.issue}?focusedCommentId=${comment.commentId}` });
    for (const t of planted.unread) expect(byFp.has(fingerprint(t))).toBe(false);
    expect(leakedWindows([...planted.places.keys()], r.stdout + r.stderr)).toEqual([]);
    expect(jira.calls('legacy-search')).toEqual([]);
  });

  it('without --inline (no Redis): stores findings and advances the cursor, so the next run reads nothing new', async () => {
    const first = await runCli(['backfill', 'jira-main', '--format', 'json', '--config', configFile], { cwd: dir, env });
    expect(first.code).toBe(0);
    const s1 = JSON.parse(first.stdout) as { source: string; chunks: number };
    expect(s1.source).toBe('jira-main');
    expect(s1.chunks).toBeGreaterThan(planted.places.size / 2);
    const second = await runCli(['backfill', 'jira-main', '--format', 'json', '--config', configFile], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ source: 'jira-main', chunks: 0 });
    const last = jira.calls('search').at(-1)!;
    expect((last.body as { jql: string }).jql).toMatch(/updated >= "2024-05-01 \d\d:\d\d"/);
    expect(leakedWindows([...planted.places.keys()], first.stdout + first.stderr + second.stdout + second.stderr)).toEqual([]);
  });

  it('bad credentials exit 2 with a clear, token-free message', async () => {
    const wrong = `wrong-token-${Math.random().toString(36).slice(2)}`;
    const r = await runCli(['backfill', 'jira-main', '--inline', '--format', 'json', '--config', configFile], { cwd: dir, env: { ...env, JIRA_API_TOKEN: wrong } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/UPSTREAM_AUTH_FAILED: Jira myself \(source jira-main\) rejected the credentials \(HTTP 401\)/);
    expect(r.stderr).not.toContain(wrong);
  });
});
