/**
 * `tokenradius scan` end to end: the built CLI as a child process over a corpus with planted
 * tokens in a folder, a git history, a Slack export zip and a Jira export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint } from '../../src/core/secrets.js';
import { ReportSchema, type Report } from '../../src/output/report.js';
import { removeDir } from '../support/fixtures-git.js';
import { buildCorpus, CLI, gitAvailable, githubPat, leakedWindows, runCli, type Corpus } from './scan-fixtures.js';

let c: Corpus;
let full: Report;
let fullRun: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  c = await buildCorpus();
  fullRun = await runCli(['scan', c.folder, c.repo, c.slackZip, c.jiraFile, '--format', 'json', '--no-progress']);
  full = ReportSchema.parse(JSON.parse(fullRun.stdout));
});
afterAll(() => removeDir(c.root));

const byFp = (r: Report, token: string) => r.findings.find((f) => f.fingerprint === fingerprint(token));

describe.runIf(gitAvailable())('scan over every local source', () => {
  it('exits 1 and reports every planted token exactly once', () => {
    expect(fullRun.code, fullRun.stderr).toBe(1);
    const fps = new Set(full.findings.map((f) => f.fingerprint));
    expect(fps.size).toBe(full.findings.length);
    const missing = c.tokens.filter((t) => !fps.has(fingerprint(t)));
    expect(missing.map((t) => t.slice(0, 8))).toEqual([]);
    expect(full.stats.findings).toBe(full.findings.length);
    expect(full.stats.targets).toEqual([c.folder, c.repo, c.slackZip, c.jiraFile]);
    expect(full.stats.bytes).toBeGreaterThan(0);
    expect(full.stats.skipped).toBeGreaterThanOrEqual(1); // blob.bin
  });

  it('one token in three files is one finding with three occurrences at exact positions', () => {
    const f = byFp(full, c.repeated.token)!;
    expect(f.occurrences.map((o) => ({ path: o.path, line: o.line, column: o.column }))).toEqual(c.repeated.places);
    expect(f.location).toMatchObject(c.repeated.places[0]!);
    expect(f.rule).toBe('github-classic-pat');
    expect(f.redacted).not.toContain(c.repeated.token.slice(8, 30));
  });

  it('locates git, Slack and Jira occurrences with their own context', () => {
    expect(byFp(full, c.gitToken)!.location).toMatchObject({ kind: 'git', commit: c.gitCommit, path: 'deploy/config.env', line: 2, column: 7 });
    expect(byFp(full, c.gitToken)!.location.author).toContain('Test Author');
    expect(byFp(full, c.slackToken)!.location).toMatchObject({ kind: 'slack', channel: 'C0GENERAL', ts: '1704189700.000200', column: 19 });
    expect(byFp(full, c.jiraToken)!.location).toMatchObject({ kind: 'jira', issue: 'OPS-42', field: 'description' });
  });

  it('carries header, masked claims, profile, liveness and blast radius for a JWT, and sorts by score', () => {
    const f = byFp(full, c.jwt)!;
    expect(f.kind).toBe('jwt');
    expect(f.header).toMatchObject({ alg: 'RS256' });
    expect(f.claims).toMatchObject({ sub: 'svc-deploy' });
    expect(JSON.stringify(f.claims)).not.toMatch(/client_secret":"[A-Za-z0-9_-]{24}"/);
    expect(f.profile).toBeDefined();
    expect(f.liveness.state).not.toBe('live'); // nothing verified offline
    expect(f.blastRadius.factors.length).toBeGreaterThan(0);
    const scores = full.findings.map((x) => x.blastRadius.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('prints no raw token, nor any long piece of one, in any format or on stderr', async () => {
    const targets = [c.folder, c.repo, c.slackZip, c.jiraFile];
    const outputs = [fullRun.stdout + fullRun.stderr];
    for (const format of ['jsonl', 'sarif', 'table']) {
      const r = await runCli(['scan', ...targets, '--format', format, '--no-progress']);
      expect(r.code, r.stderr).toBe(1);
      outputs.push(r.stdout, r.stderr);
    }
    const all = outputs.join('\n');
    expect(leakedWindows(c.tokens, all)).toEqual([]);
    // The check itself works: a planted token in the haystack is caught.
    expect(leakedWindows([c.repeated.token], `x ${c.repeated.token.slice(14, 34)} y`).length).toBe(1);
  });

  it('gives the same report with worker threads and without', async () => {
    const r = await runCli(['scan', c.folder, '--format', 'json', '--no-progress', '--workers', '0']);
    const single = ReportSchema.parse(JSON.parse(r.stdout));
    const multi = ReportSchema.parse(JSON.parse((await runCli(['scan', c.folder, '--format', 'json', '--no-progress', '--workers', '2'])).stdout));
    // Two runs happen at two times: compare what does not depend on the clock.
    const strip = (x: Report) => x.findings.map((f) => ({ fingerprint: f.fingerprint, rule: f.rule, redacted: f.redacted, occurrences: f.occurrences, claims: f.claims }));
    expect(strip(single)).toEqual(strip(multi));
    expect(single.findings.length).toBeGreaterThan(10);
    expect(single.stats.files).toBe(multi.stats.files);
    expect(single.stats.bytes).toBe(multi.stats.bytes);
  });

  it('spreads a folder of many files over the main thread and a worker, and reports exactly what one thread does', async () => {
    // Enough files for many batches: the main thread scans some, the worker the others.
    const many = join(c.root, 'many');
    const planted: string[] = [];
    for (let d = 0; d < 6; d++) {
      mkdirSync(join(many, `d${d}`), { recursive: true });
      for (let i = 0; i < 100; i++) {
        const t = i % 10 === 3 ? githubPat() : undefined;
        if (t) planted.push(t);
        writeFileSync(join(many, `d${d}`, `f${i}.log`), `line ${i}\n${'filler text without secrets '.repeat(20)}\n${t ? `token=${t}\n` : ''}`);
      }
    }
    const one = await runCli(['scan', many, '--format', 'json', '--no-progress', '--workers', '0']);
    const two = await runCli(['scan', many, '--format', 'json', '--no-progress', '--workers', '1']);
    expect(one.code, one.stderr).toBe(1);
    expect(two.code, two.stderr).toBe(1);
    const a = ReportSchema.parse(JSON.parse(one.stdout));
    const b = ReportSchema.parse(JSON.parse(two.stdout));
    expect(new Set(b.findings.map((f) => f.fingerprint))).toEqual(new Set(planted.map((t) => fingerprint(t))));
    expect(b.findings.map((f) => [f.fingerprint, f.occurrences])).toEqual(a.findings.map((f) => [f.fingerprint, f.occurrences]));
    expect(b.stats).toMatchObject({ files: 600, chunks: 600, bytes: a.stats.bytes, skipped: 0, errors: [] });
  });

  it('finds tokens split across the read blocks of a file larger than a chunk, at exact places, with and without workers', async () => {
    // The default chunk (and read block) is 1 MiB: each token starts 10 bytes before a MiB boundary.
    const blocks = join(c.root, 'read-blocks');
    mkdirSync(blocks, { recursive: true });
    const filler = 'INFO request served in 12ms path=/api/v1/items status=200\n';
    const planted: Array<{ token: string; line: number; column: number }> = [];
    let text = '';
    let line = 1;
    for (let k = 1; k <= 3; k++) {
      const start = k * 1024 * 1024 - 10;
      while (text.length + filler.length < start - 'token='.length) {
        text += filler;
        line++;
      }
      const pad = start - 'token='.length - text.length;
      const token = githubPat();
      text += `${' '.repeat(pad)}token=${token}\n`;
      planted.push({ token, line, column: pad + 'token='.length + 1 });
      line++;
    }
    writeFileSync(join(blocks, 'server.log'), text + filler.repeat(1000));
    // Small files around it, so the large one is one batch among several.
    for (let i = 0; i < 150; i++) writeFileSync(join(blocks, `n${String(i).padStart(3, '0')}.txt`), `note ${i}\n`);
    for (const workers of ['0', '1']) {
      const r = await runCli(['scan', blocks, '--format', 'json', '--no-progress', '--workers', workers]);
      expect(r.code, r.stderr).toBe(1);
      const rep = ReportSchema.parse(JSON.parse(r.stdout));
      const got = planted.map((p) => byFp(rep, p.token)?.occurrences.map((o) => ({ path: o.path, line: o.line, column: o.column })));
      expect(got).toEqual(planted.map((p) => [{ path: join(blocks, 'server.log'), line: p.line, column: p.column }]));
      expect(rep.findings).toHaveLength(3);
      expect(rep.stats).toMatchObject({ files: 151, skipped: 0, errors: [] });
    }
  });

  it('--min-severity leaves out lower findings and counts them', async () => {
    const r = await runCli(['scan', c.folder, '--format', 'json', '--no-progress', '--min-severity', 'high']);
    const rep = ReportSchema.parse(JSON.parse(r.stdout));
    expect(rep.findings.every((f) => ['high', 'critical'].includes(f.blastRadius.severity))).toBe(true);
    const all = ReportSchema.parse(JSON.parse((await runCli(['scan', c.folder, '--format', 'json', '--no-progress'])).stdout));
    const low = all.findings.filter((f) => !['high', 'critical'].includes(f.blastRadius.severity)).length;
    expect(low).toBeGreaterThan(0);
    expect(rep.stats.suppressed.belowMinSeverity).toBe(low);
    expect(rep.findings.length + low).toBe(all.findings.length);
    expect(r.code).toBe(rep.findings.length > 0 ? 1 : 0);
  });

  it('--baseline suppresses findings of an earlier report; a new token still fails the run', async () => {
    const dir = join(c.root, 'baseline');
    mkdirSync(dir);
    const base = join(dir, 'report.json');
    const first = await runCli(['scan', c.folder, '--format', 'json', '--no-progress', '--output', base]);
    expect(first.code).toBe(1);
    expect(first.stdout).toBe('');
    const again = await runCli(['scan', c.folder, '--format', 'json', '--no-progress', '--baseline', base]);
    expect(again.code).toBe(0);
    const rep = ReportSchema.parse(JSON.parse(again.stdout));
    expect(rep.findings).toEqual([]);
    expect(rep.stats.suppressed.baseline).toBe(ReportSchema.parse(JSON.parse(readFileSync(base, 'utf8'))).findings.length);
    const fresh = githubPat();
    writeFileSync(join(c.folder, 'new.txt'), `t=${fresh}\n`);
    try {
      const third = await runCli(['scan', c.folder, '--format', 'json', '--no-progress', '--baseline', base]);
      expect(third.code).toBe(1);
      expect(ReportSchema.parse(JSON.parse(third.stdout)).findings.map((f) => f.fingerprint)).toEqual([fingerprint(fresh)]);
    } finally {
      writeFileSync(join(c.folder, 'new.txt'), 'nothing here\n');
    }
  });

  it('reads stdin for -', async () => {
    const t = githubPat();
    const r = await runCli(['scan', '-', '--format', 'json', '--no-progress'], { input: `first\nsecond ${t}\n` });
    expect(r.code).toBe(1);
    const rep = ReportSchema.parse(JSON.parse(r.stdout));
    expect(rep.findings).toHaveLength(1);
    expect(rep.findings[0]!.location).toMatchObject({ path: '-', line: 2, column: 8 });
  });
});

describe('scan exit codes and errors', () => {
  it('exits 0 with an empty report when nothing is found', async () => {
    const dir = join(c.root, 'clean');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.txt'), 'nothing to see\nghp_your_token_here\n');
    const r = await runCli(['scan', dir, '--format', 'json']);
    expect(r.code).toBe(0);
    const rep = ReportSchema.parse(JSON.parse(r.stdout));
    expect(rep.findings).toEqual([]);
    expect(rep.stats.files).toBe(1);
    expect(r.stderr).toBe('');
  });

  it('defaults to JSON when stdout is not a terminal', async () => {
    const dir = join(c.root, 'clean2');
    mkdirSync(dir);
    const r = await runCli(['scan', dir]);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  const cases: Array<[string, string[], RegExp]> = [
    ['a missing target', ['scan', '/nonexistent/tr-target'], /INPUT_NOT_FOUND.*\/nonexistent\/tr-target/],
    ['an unknown format', ['scan', '.', '--format', 'xml'], /format/],
    ['an unknown option', ['scan', '.', '--frobnicate'], /unknown option/],
    ['no target', ['scan'], /missing required argument/],
    ['a bad severity', ['scan', '.', '--min-severity', 'urgent'], /min-severity/],
    ['a bad size', ['scan', '.', '--max-file-size', 'lots'], /max-file-size/],
  ];
  for (const [what, args, message] of cases) {
    it(`exits 2 on ${what}, with a clear message and no stack trace`, async () => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    });
  }

  it('exits 2 on a bad config file, naming every problem', async () => {
    const cfg = join(c.root, 'bad.yaml');
    writeFileSync(cfg, 'scan:\n  maxFileBytes: -3\nnoSuchKey: 1\n');
    const r = await runCli(['scan', c.folder, '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CONFIG_INVALID');
    expect(r.stderr).toContain('scan.maxFileBytes');
    expect(r.stderr).toContain('noSuchKey');
  });

  it('exits 2 on a malformed baseline without echoing it', async () => {
    const t = githubPat();
    const bad = join(c.root, 'bad-baseline.json');
    writeFileSync(bad, `{"findings": [${t}]}`);
    const r = await runCli(['scan', c.folder, '--baseline', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/INPUT_MALFORMED: baseline .*bad-baseline\.json is not valid JSON/);
    expect(r.stderr).not.toContain(t.slice(4, 20));
    expect(r.stdout).toBe('');
  });
});

describe.runIf(gitAvailable())('scan output to pipes', () => {
  let big: string;
  beforeAll(() => {
    // Enough findings that the report is far larger than a pipe buffer (64 KiB).
    big = join(c.root, 'big');
    mkdirSync(big);
    for (let i = 0; i < 40; i++) writeFileSync(join(big, `f${i}.txt`), Array.from({ length: 10 }, () => `t=${githubPat()}`).join('\n') + '\n');
  });

  it('a slow reader gets the complete report', async () => {
    const child = spawn(process.execPath, [CLI, 'scan', big, '--format', 'json', '--no-progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const parts: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => {
      parts.push(d);
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 5);
    });
    const code = await new Promise<number | null>((res) => child.on('close', res));
    const text = Buffer.concat(parts).toString('utf8');
    expect(text.length).toBeGreaterThan(200_000);
    expect(code).toBe(1);
    expect(ReportSchema.parse(JSON.parse(text)).findings).toHaveLength(400);
  });

  it('a reader that stops early (| head -c 10) ends the scan quietly', async () => {
    const child = spawn('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" scan "${big}" --format json --no-progress 2>err.txt | head -c 10; echo " status=\${PIPESTATUS[0]}"`], { cwd: c.root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await new Promise((res) => child.on('close', res));
    expect(out).toBe('{\n  "findi status=1\n');
    const err = readFileSync(join(c.root, 'err.txt'), 'utf8');
    expect(err).not.toMatch(/EPIPE|Error|\n\s+at /);
  });
});
