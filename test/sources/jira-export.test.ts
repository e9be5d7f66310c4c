import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir } from '../support/fixtures-git.js';
import { findAll, pullAll, randomToken } from '../support/fixtures-locate.js';
import { adfTokens, jiraIssue, jiraIssueV2, jiraTokens } from '../support/fixtures-jira.js';
import { createJiraExportSource } from '../../src/sources/jira-export/source.js';
import { resolveLocalTargets } from '../../src/sources/local.js';
import { scanOptions, type SourceNotice } from '../../src/sources/options.js';
import type { Chunk } from '../../src/core/types.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
const t = jiraTokens();
const a = adfTokens();
const t2 = jiraTokens();
let root: string;
let folder: string;
let chunks: Chunk[];
let notices: SourceNotice[];

beforeAll(async () => {
  root = tempDir('jira');
  dirs.push(root);
  folder = join(root, 'export');
  mkdirSync(join(folder, 'more'), { recursive: true });
  // /search/jql page shape
  writeFileSync(join(folder, 'page-1.json'), JSON.stringify({ issues: [jiraIssue('OPS-1', t, a, { security: true })], nextPageToken: 'CAEaAggD', isLast: false }, null, 2));
  // a plain array of issues, one in v2 wiki form
  writeFileSync(join(folder, 'more', 'array.json'), JSON.stringify([jiraIssueV2('OPS-2', t2)]));
  notices = [];
  const sources = await resolveLocalTargets([folder], { scan: scanOptions({ jiraCustomFields: ['customfield_10010'] }), onNotice: (n) => notices.push(n) });
  expect(sources.map((s) => s.id)).toEqual(['jira-export']);
  chunks = await pullAll(sources[0]!);
});

function one(token: string) {
  const hits = findAll(chunks, token);
  expect(hits).toHaveLength(1);
  return hits[0]!;
}

describe('Jira export source', () => {
  it('locates a token in the summary with site, key, field, url and exposure', () => {
    const h = one(t.summary);
    expect(h.locator).toEqual({
      kind: 'jira',
      site: 'https://acme.atlassian.net',
      issue: 'OPS-1',
      field: 'summary',
      url: 'https://acme.atlassian.net/browse/OPS-1',
      path: join(folder, 'page-1.json'),
      line: 1,
      column: 8,
    });
    expect(h.chunk.exposure).toEqual({ visibility: 'private', label: 'project OPS, security level Security Team Only' });
  });

  it('reads every ADF node of the description, with the line inside the field', () => {
    for (const token of Object.values(a)) expect(findAll(chunks, token), token.slice(0, 12)).toHaveLength(1);
    expect(one(a.code).locator).toMatchObject({ field: 'description', line: 4, column: 32 });
    expect(one(a.cell).locator).toMatchObject({ field: 'description', line: 18, column: 1 });
  });

  it('reads comments with their id and author, environment, configured custom fields and the changelog', () => {
    expect(one(t.comment)).toMatchObject({
      locator: { field: 'comment', commentId: '20002', line: 2, column: 7, url: 'https://acme.atlassian.net/browse/OPS-1?focusedCommentId=20002' },
      chunk: { author: 'Carol Example', at: '2024-02-01T12:00:00.000+0000' },
    });
    expect(one(t.env).locator).toMatchObject({ field: 'environment' });
    expect(one(t.custom).locator).toMatchObject({ field: 'customfield_10010' });
    expect(one(t.changelog).locator).toMatchObject({ field: 'changelog[30001].description.from', line: 1, column: 15 });
    expect(chunks.some((c) => c.text.includes('not configured, not scanned'))).toBe(false);
  });

  it('reads v2 wiki markup code blocks', () => {
    const h = one(t2.wiki);
    expect(h.locator).toMatchObject({ issue: 'OPS-2', field: 'description', path: join(folder, 'more', 'array.json'), line: 3 });
    expect(h.chunk.exposure).toEqual({ visibility: 'unknown' });
    expect(notices).toEqual([]);
  });

  it('scans JSON that is not Jira, broken JSON and other files as plain text, with a notice', async () => {
    const dir = join(root, 'mixed');
    mkdirSync(dir);
    const x = randomToken();
    const y = randomToken();
    const z = randomToken();
    writeFileSync(join(dir, 'issue.json'), JSON.stringify({ key: 'A-1', fields: { summary: 'fine' } }));
    writeFileSync(join(dir, 'package.json'), `{\n  "name": "x",\n  "token": "${x}"\n}\n`);
    writeFileSync(join(dir, 'broken.json'), `{"key": "A-2", "fields": {"summary": "${y}"`);
    writeFileSync(join(dir, 'notes.txt'), `note ${z}\n`);
    const got: SourceNotice[] = [];
    const c = await pullAll(createJiraExportSource(dir, scanOptions(), { onNotice: (n) => got.push(n) }));
    expect(findAll(c, x).map((h) => [h.locator.kind, h.locator.line, h.locator.column])).toEqual([['file', 3, 13]]);
    expect(findAll(c, y).map((h) => h.locator.kind)).toEqual(['file']);
    expect(findAll(c, z)).toHaveLength(1);
    expect(got.map((n) => [n.path.slice(dir.length + 1), n.reason])).toEqual([
      ['broken.json', 'not-an-export'],
      ['package.json', 'not-an-export'],
    ]);
  });

  it('reads a single issue file given directly', async () => {
    const f = join(root, 'OPS-9.json');
    const tok = randomToken();
    writeFileSync(f, JSON.stringify({ key: 'OPS-9', fields: { summary: 's', description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: tok }] }] } } }));
    const [src] = await resolveLocalTargets([f]);
    expect(src!.id).toBe('jira-export');
    expect(findAll(await pullAll(src!), tok).map((h) => h.locator)).toEqual([{ kind: 'jira', issue: 'OPS-9', field: 'description', path: f, line: 1, column: 1 }]);
  });
});
