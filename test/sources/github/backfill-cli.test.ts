/**
 * `tokenradius backfill gh-main …` end to end: the BUILT CLI as a child process, a config file
 * pointing at the fake GitHub, the token in the environment. `--inline --format json` prints the
 * findings of the run like `scan` (repo, commit, path, exact line, html_url permalink; exit 1);
 * `--since commits:<repo>:<sha>` reads just that commit; without `--inline` (no Redis) it stores
 * findings and cursors, so a second run fetches nothing. No output ever carries a planted token.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../../src/core/secrets.js';
import { leakedWindows, runCli } from '../../cli/scan-fixtures.js';
import { startFakeGithub, type FakeGithub } from '../../support/fake-github.js';
import { seedGithub, type PlantedGithub } from './helpers.js';

let gh: FakeGithub;
let planted: PlantedGithub;
let dir: string;
let configFile: string;
let env: Record<string, string>;

beforeAll(async () => {
  gh = await startFakeGithub({ filesPerPage: 2 });
  planted = seedGithub(gh);
  dir = mkdtempSync(join(tmpdir(), 'tr-gh-cli-'));
  configFile = join(dir, 'tokenradius.yaml');
  writeFileSync(
    configFile,
    [
      `dataDir: ${JSON.stringify(join(dir, 'data'))}`,
      'sources:',
      '  - id: gh-main',
      '    type: github',
      '    tokenEnv: GITHUB_TOKEN',
      `    baseUrl: ${JSON.stringify(gh.url)}`,
      '    repos: ["other/lib"]',
      '    orgs: [acme]',
      '',
    ].join('\n'),
  );
  env = { GITHUB_TOKEN: gh.token, REDIS_URL: '', DATABASE_URL: '', TOKENRADIUS_CONFIG: '', TOKENRADIUS_SEALING_KEY: '' };
});

afterAll(async () => {
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Loc {
  kind: string;
  repo?: string;
  commit?: string;
  path: string;
  line: number;
  column: number;
  url?: string;
  exposure?: { visibility: string };
}

describe('backfill <github source> (built CLI)', () => {
  it('--inline --format json prints findings with repo, commit, path, exact line and html_url; exit 1', async () => {
    const r = await runCli(['backfill', 'gh-main', '--inline', '--format', 'json', '--config', configFile], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(1);
    // The files without a patch (a binary, a diff too large for GitHub) are reported, not silently dropped.
    expect(r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; files?: number })).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'github: files without a patch (binary or too large to diff) were not scanned', files: 1 }),
    ]);
    const report = JSON.parse(r.stdout) as { findings: Array<{ fingerprint: string; rule: string; occurrences: Loc[] }> };
    const byFp = new Map(report.findings.map((f) => [f.fingerprint, f]));
    for (const [token, p] of planted.places) {
      const f = byFp.get(fingerprint(token));
      expect(f, `${p.repo}:${p.path}:${p.line}`).toBeDefined();
      const o = f!.occurrences.find((x) => x.commit === p.commit)!;
      expect(o).toMatchObject({ kind: 'github', repo: p.repo, path: p.path, line: p.line });
      // The permalink of the finding's own line.
      expect(o.url).toMatch(new RegExp(`^${gh.htmlBase}/${p.repo}/blob/${p.commit}/\\S+#L${p.line}$`));
    }
    // The deleted .env token is reported once, at the commit that added it.
    expect(byFp.get(fingerprint(planted.deleted.token))!.occurrences.map((o) => o.commit)).toEqual([planted.deleted.added.commit]);
    const pub = report.findings.flatMap((f) => f.occurrences).find((o) => o.repo === 'acme/api')!;
    expect(pub.exposure).toMatchObject({ visibility: 'public' });
    for (const t of planted.unread) expect(byFp.has(fingerprint(t))).toBe(false);
    expect(leakedWindows([...planted.places.keys()], r.stdout + r.stderr)).toEqual([]);
  });

  it('--since commits:<repo>:<sha> reads just that commit', async () => {
    const r = await runCli(['backfill', 'gh-main', '--inline', '--format', 'json', '--config', configFile, '--since', `commits:acme/api:${planted.commits.hunks}`], { cwd: dir, env });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: Array<{ occurrences: Loc[] }> };
    expect(report.findings.flatMap((f) => f.occurrences).map((o) => [o.path, o.line])).toEqual([
      ['src/config.ts', 5],
      ['src/config.ts', 41],
    ]);
  });

  it('without --inline (no Redis): stores findings and cursors; the next run fetches no commit', async () => {
    const first = await runCli(['backfill', 'gh-main', '--format', 'json', '--config', configFile], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).chunks).toBeGreaterThan(0);
    const mark = gh.requests.length;
    const second = await runCli(['backfill', 'gh-main', '--format', 'json', '--config', configFile], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ source: 'gh-main', chunks: 0 });
    expect(gh.requests.slice(mark).filter((r) => r.route === 'repos.getCommit' || r.route === 'repos.listCommits')).toEqual([]);
  });
});
