import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { removeDir, tempDir, TestRepo } from '../support/fixtures-git.js';
import { findAll, pullAll, randomToken } from '../support/fixtures-locate.js';
import { buildZip } from '../support/fixtures-slack.js';
import { detectTargetType, resolveLocalTargets } from '../../src/sources/local.js';
import { createStdinSource } from '../../src/sources/stdin.js';
import { scanOptions } from '../../src/sources/options.js';
import { ConfigSchema } from '../../src/config/schema.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
const mk = () => {
  const d = tempDir('local');
  dirs.push(d);
  return d;
};

describe('detectTargetType / resolveLocalTargets', () => {
  it('tells files, git clones, bare repos, Slack exports and Jira exports apart', async () => {
    const root = mk();
    mkdirSync(join(root, 'plain'));
    writeFileSync(join(root, 'plain', 'a.txt'), 'x');
    writeFileSync(join(root, 'package.json'), '{"name":"x","version":"1.0.0"}');
    writeFileSync(join(root, 'issue.json'), JSON.stringify({ key: 'A-1', fields: { summary: 'x' } }));
    writeFileSync(join(root, 'export.zip'), await buildZip([{ name: 'channels.json', data: Buffer.from('[]') }]));
    mkdirSync(join(root, 'slack'));
    writeFileSync(join(root, 'slack', 'channels.json'), '[]');
    mkdirSync(join(root, 'jira'));
    writeFileSync(join(root, 'jira', 'p1.json'), JSON.stringify({ issues: [{ key: 'A-1', fields: {} }] }));
    mkdirSync(join(root, 'jira-nested', '2024'), { recursive: true });
    writeFileSync(join(root, 'jira-nested', '2024', 'OPS-1.json'), JSON.stringify({ key: 'OPS-1', fields: { summary: 'x' } }));
    mkdirSync(join(root, 'json-configs'));
    writeFileSync(join(root, 'json-configs', 'tsconfig.json'), '{"compilerOptions": {}}');
    const repo = TestRepo.init(join(root, 'clone'));
    repo.write('x.txt', 'x').commit('c');
    repo.git('clone', '-q', '--bare', repo.dir, join(root, 'bare.git'));

    expect(await detectTargetType(join(root, 'plain'))).toBe('files');
    expect(await detectTargetType(join(root, 'plain', 'a.txt'))).toBe('files');
    expect(await detectTargetType(join(root, 'package.json'))).toBe('files');
    expect(await detectTargetType(join(root, 'issue.json'))).toBe('jira-export');
    expect(await detectTargetType(join(root, 'export.zip'))).toBe('slack-export');
    expect(await detectTargetType(join(root, 'slack'))).toBe('slack-export');
    expect(await detectTargetType(join(root, 'jira'))).toBe('jira-export');
    expect(await detectTargetType(join(root, 'jira-nested'))).toBe('jira-export');
    expect(await detectTargetType(join(root, 'json-configs'))).toBe('files');
    expect(await detectTargetType(join(root, 'clone'))).toBe('git');
    expect(await detectTargetType(join(root, 'bare.git'))).toBe('git-bare');

    const sources = await resolveLocalTargets([join(root, 'plain'), join(root, 'clone'), join(root, 'bare.git'), '-'], { stdin: Readable.from([]) });
    expect(sources.map((s) => s.id)).toEqual(['files', 'git', 'files', 'git', 'stdin']);
    expect(sources.map((s) => s.describe)).toContain(`working tree of ${join(root, 'clone')} (untracked or modified files)`);
    const forced = await resolveLocalTargets([join(root, 'clone')], { type: 'files' });
    expect(forced.map((s) => s.id)).toEqual(['files']);
  });

  it('takes a folder for a Jira export only when it holds nothing but Jira issue JSON', async () => {
    const root = mk();
    const issue = (key: string) => JSON.stringify({ key, fields: { summary: 'x', description: 'y' } });
    const w = (rel: string, text: string) => {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), text);
    };
    // A project that contains some Jira-shaped JSON among other files (the benchmark corpus looks like this).
    w('mixed/tickets/OPS-1.json', issue('OPS-1'));
    w('mixed/tickets/OPS-2.json', issue('OPS-2'));
    w('mixed/src/app.ts', 'export {}\n');
    // Jira JSON next to a README at the top.
    w('readme/OPS-1.json', issue('OPS-1'));
    w('readme/README.md', '# export\n');
    // Only JSON, but the sampled files are not Jira issues.
    w('configs/a.json', '{"compilerOptions": {}}');
    w('configs/b.json', issue('OPS-3'));
    // A clean export: JSON only, nested two levels, dot-files ignored.
    w('export/.DS_Store', 'x');
    w('export/OPS/2024/OPS-1.json', issue('OPS-1'));
    w('export/OPS/2024/OPS-2.json', issue('OPS-2'));
    w('export/DEV/DEV-1.json', issue('DEV-1'));
    // Too deep to be an export.
    w('deep/a/b/c/OPS-1.json', issue('OPS-1'));
    // Empty folder.
    mkdirSync(join(root, 'empty'));

    expect(await detectTargetType(join(root, 'mixed'))).toBe('files');
    expect(await detectTargetType(join(root, 'mixed', 'tickets'))).toBe('jira-export');
    expect(await detectTargetType(join(root, 'mixed', 'tickets', 'OPS-1.json'))).toBe('jira-export');
    expect(await detectTargetType(join(root, 'readme'))).toBe('files');
    expect(await detectTargetType(join(root, 'configs'))).toBe('files');
    expect(await detectTargetType(join(root, 'export'))).toBe('jira-export');
    expect(await detectTargetType(join(root, 'deep'))).toBe('files');
    expect(await detectTargetType(join(root, 'empty'))).toBe('files');
  });

  it('takes a folder for a Slack export only when its root is Slack JSON with a Slack channel list', async () => {
    const root = mk();
    const w = (rel: string, text: string) => {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), text);
    };
    const channels = JSON.stringify([{ id: 'C01', name: 'general', created: 1 }], null, 4);
    w('export/channels.json', channels);
    w('export/users.json', '[]');
    w('export/general/2024-01-02.json', '[]');
    w('dms-only/users.json', '[]');
    w('dms-only/dms.json', JSON.stringify([{ id: 'D01', members: ['U1', 'U2'] }]));
    // An application that happens to keep a channels.json next to its code.
    w('app/channels.json', channels);
    w('app/server.js', 'module.exports = {}\n');
    // Only JSON, but channels.json is not a Slack channel list.
    w('notslack/channels.json', '{"channels": {"alerts": "#ops"}}');
    // A clone with a channels.json is a clone.
    const repo = TestRepo.init(join(root, 'clone'));
    repo.write('channels.json', channels).commit('c');

    expect(await detectTargetType(join(root, 'export'))).toBe('slack-export');
    expect(await detectTargetType(join(root, 'dms-only'))).toBe('slack-export');
    expect(await detectTargetType(join(root, 'app'))).toBe('files');
    expect(await detectTargetType(join(root, 'notslack'))).toBe('files');
    expect(await detectTargetType(join(root, 'clone'))).toBe('git');
  });

  it('scans a folder with Jira-shaped JSON among other files as files: every file read, tokens in the JSON found as text', async () => {
    const root = mk();
    const inJson = randomToken();
    const inCode = randomToken();
    mkdirSync(join(root, 'tickets'));
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'tickets', 'OPS-1.json'), JSON.stringify({ key: 'OPS-1', fields: { summary: 'x', description: `token ${inJson}` } }));
    writeFileSync(join(root, 'src', 'a.env'), `TOKEN=${inCode}\n`);
    const sources = await resolveLocalTargets([root]);
    expect(sources.map((s) => s.id)).toEqual(['files']);
    const chunks = await pullAll(sources[0]!);
    expect(findAll(chunks, inJson).map((h) => h.locator.kind)).toEqual(['file']);
    expect(findAll(chunks, inCode).map((h) => h.locator)).toEqual([{ kind: 'file', path: join(root, 'src', 'a.env'), line: 1, column: 7 }]);
  });

  it('names a missing target and refuses stdin twice or no target', async () => {
    const missing = join(mk(), 'nope', 'x.zip');
    await expect(resolveLocalTargets([missing])).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND', message: expect.stringContaining(missing), details: { path: missing } });
    await expect(resolveLocalTargets(['-', '-'], { stdin: Readable.from([]) })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(resolveLocalTargets([])).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('is configured under `scan:` with defaults and validation', () => {
    const c = ConfigSchema.parse({});
    expect(c.scan).toMatchObject({ maxFileBytes: 25 * 1024 * 1024, respectGitignore: false, includeHidden: true, gitReflog: false, jiraCustomFields: [] });
    expect(ConfigSchema.safeParse({ scan: { maxFileBytes: -1 } }).success).toBe(false);
    expect(ConfigSchema.safeParse({ scan: { chunkBytes: 8192, chunkOverlapBytes: 4096 } }).success).toBe(false);
    expect(ConfigSchema.safeParse({ scan: { nope: 1 } }).success).toBe(false);
    expect(ConfigSchema.parse({ scan: { excludePaths: ['vendor/'] } }).scan.excludePaths).toEqual(['vendor/']);
  });
});

describe('stdin source', () => {
  it('chunks piped input with stdin locators, replacing invalid UTF-8', async () => {
    const tok = randomToken();
    const input = Readable.from([Buffer.from('line one\nbad \xff byte\n', 'latin1'), Buffer.from(`x=${tok.slice(0, 5)}`), Buffer.from(`${tok.slice(5)}\n`)]);
    const chunks = await pullAll(createStdinSource(input, scanOptions()));
    expect(findAll(chunks, tok).map((h) => h.locator)).toEqual([{ kind: 'stdin', path: '-', line: 3, column: 3 }]);
    expect(chunks[0]!.text).toContain('bad \uFFFD byte');
  });

  it('streams large input in line-aligned chunks and stops past maxFileBytes with INPUT_TOO_LARGE', async () => {
    const tok = randomToken();
    const lines = Array.from({ length: 20_000 }, (_, i) => (i === 15_000 ? `k ${tok}` : `filler ${i} ${'z'.repeat(30)}`));
    const chunks = await pullAll(createStdinSource(Readable.from([Buffer.from(lines.join('\n'))]), scanOptions({ chunkBytes: 65536, chunkOverlapBytes: 1024 })));
    expect(chunks.length).toBeGreaterThan(5);
    expect(findAll(chunks, tok).map((h) => [h.locator.line, h.locator.column])).toEqual([[15_001, 3]]);
    const big = Readable.from([Buffer.alloc(6000, 0x61), Buffer.alloc(6000, 0x61)]);
    await expect(pullAll(createStdinSource(big, scanOptions({ maxFileBytes: 10_000 })))).rejects.toMatchObject({ code: 'INPUT_TOO_LARGE' });
  });
});
