import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { removeDir, tempDir } from '../support/fixtures-git.js';
import { findAll, pullAll, randomToken } from '../support/fixtures-locate.js';
import { buildZip, patchEntryName, slackExportFiles, slackTokens, writeExportFolder, type ExportFile } from '../support/fixtures-slack.js';
import { createSlackExportSource } from '../../src/sources/slack-export/source.js';
import { unsafeEntryName } from '../../src/sources/slack-export/zip.js';
import { resolveLocalTargets } from '../../src/sources/local.js';
import { scanOptions, type SourceNotice } from '../../src/sources/options.js';
import type { Chunk } from '../../src/core/types.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
const t = slackTokens();
const files = slackExportFiles(t);
let dir: string;
let zipPath: string;
let folder: string;
const opts = scanOptions();

beforeAll(async () => {
  dir = tempDir('slack');
  dirs.push(dir);
  zipPath = join(dir, 'Acme Slack export Jan 2024.zip');
  writeFileSync(zipPath, await buildZip(files));
  folder = join(dir, 'unpacked');
  writeExportFolder(folder, files);
});

function one(chunks: Chunk[], token: string) {
  const hits = findAll(chunks, token);
  expect(hits, `occurrences of ${token.slice(0, 8)}…`).toHaveLength(1);
  return hits[0]!;
}

describe.each([
  ['zip', () => zipPath],
  ['unpacked folder', () => folder],
])('Slack export (%s)', (_form, target) => {
  let chunks: Chunk[];
  let notices: SourceNotice[];
  beforeAll(async () => {
    notices = [];
    const sources = await resolveLocalTargets([target()], { scan: opts, onNotice: (n) => notices.push(n) });
    expect(sources.map((s) => s.id)).toEqual(['slack-export']);
    chunks = await pullAll(sources[0]!);
  });

  it('reports a message token once although its rich_text block repeats it, with channel, ts, author and time', () => {
    const h = one(chunks, t.inText);
    expect(h.locator).toEqual({
      kind: 'slack',
      channel: 'C001',
      channelName: 'general',
      ts: '1704189600.000100',
      field: 'text',
      path: `${target()}/general/2024-01-02.json`,
      line: 1,
      column: 19,
    });
    expect(h.chunk).toMatchObject({ source: 'slack-export', author: 'Alice Example', at: '2024-01-02T10:00:00.000Z', exposure: { visibility: 'public', audience: 3, label: '#general' } });
  });

  it('reads thread replies (thread ts) and preformatted text once', () => {
    const h = one(chunks, t.inReply);
    expect(h.locator).toMatchObject({ ts: '1704189800.000300', threadTs: '1704189700.000200', field: 'text', line: 2, column: 26 });
    expect(h.chunk.author).toBe('Bob Example');
  });

  it('reads the previous version of an edited message', () => {
    expect(one(chunks, t.inPrevious).locator).toMatchObject({ ts: '1704189900.000400', field: 'previous_message.text', line: 1, column: 10 });
  });

  it('reads attachment fields, file previews and block-only text', () => {
    expect(one(chunks, t.inAttachment).locator).toMatchObject({ ts: '1704190000.000600', field: 'attachments', line: 6, column: 11 });
    expect(one(chunks, t.inAttachment).chunk.author).toBe('ci-bot');
    expect(one(chunks, t.inSnippet).locator).toMatchObject({ field: 'files', line: 3, column: 8 });
    expect(one(chunks, t.inBlocksOnly).locator).toMatchObject({ field: 'blocks', line: 3, column: 1 });
    // Slack's own file URL is not user content
    expect(chunks.some((c) => c.text.includes('files.slack.com'))).toBe(false);
  });

  it('unescapes &amp; so a token in a link query is whole', () => {
    const h = one(chunks, t.inEscapedUrl);
    const expected = `callback: <https://app.example.test/cb?state=x&access_token=${t.inEscapedUrl}|login>`;
    expect(h.chunk.text).toBe(expected);
    expect(h.locator.column).toBe(expected.indexOf(t.inEscapedUrl) + 1);
  });

  it('derives exposure from channel metadata: private, externally shared, DM, group DM, unknown', () => {
    expect(one(chunks, t.inPrivate).chunk.exposure).toEqual({ visibility: 'private', audience: 2, label: '#secops (private)' });
    expect(one(chunks, t.inShared).chunk.exposure).toMatchObject({ visibility: 'shared-external', audience: 2 });
    expect(one(chunks, t.inDm).chunk).toMatchObject({ locator: { channel: 'D001' }, exposure: { visibility: 'private', label: 'direct message' } });
    expect(one(chunks, t.inMpim).chunk).toMatchObject({ locator: { channel: 'G002' }, exposure: { visibility: 'private', audience: 3 } });
    expect(one(chunks, t.inUnknown).chunk).toMatchObject({ locator: { channel: 'lost-channel' }, exposure: { visibility: 'unknown' } });
    expect(notices).toEqual([]);
  });
});

describe('Slack export zip safety', () => {
  async function scanZip(entries: ExportFile[], patch?: (b: Buffer) => Buffer, o = opts) {
    const p = join(dir, `${randomBytes(4).toString('hex')}.zip`);
    let buf = await buildZip(entries);
    if (patch) buf = patch(buf);
    writeFileSync(p, buf);
    const notices: SourceNotice[] = [];
    const chunks = await pullAll(createSlackExportSource(p, o, { onNotice: (n) => notices.push(n) }));
    return { p, chunks, notices };
  }
  const day = (token: string) => Buffer.from(JSON.stringify([{ type: 'message', user: 'U1', ts: '1704189600.000100', text: `x ${token}` }]));

  it('refuses path-traversal entries and keeps reading the others', async () => {
    const ok = randomToken();
    const evil = randomToken();
    const { chunks, notices, p } = await scanZip(
      [
        { name: 'channels.json', data: Buffer.from('[{"id":"C1","name":"general"}]') },
        { name: 'xx/xx/general/2024-01-01.json', data: day(evil) },
        { name: 'general/2024-01-02.json', data: day(ok) },
      ],
      (b) => patchEntryName(b, 'xx/xx/general/2024-01-01.json', '../../general/2024-01-01.json'),
    );
    expect(findAll(chunks, ok)).toHaveLength(1);
    expect(findAll(chunks, evil)).toHaveLength(0);
    expect(notices).toEqual([
      expect.objectContaining({ level: 'skip', reason: 'unsafe', code: 'ARCHIVE_UNSAFE', path: `${p}/../../general/2024-01-01.json`, message: expect.stringContaining('path traversal') }),
    ]);
    expect(unsafeEntryName('/etc/passwd')).toMatch(/absolute/);
    expect(unsafeEntryName('C:/x')).toMatch(/drive/);
    expect(unsafeEntryName('a/b.json')).toBeUndefined();
  });

  it('refuses an entry that expands like a zip bomb, and entries past the total limit', async () => {
    const ok = randomToken();
    const bomb = Buffer.concat([Buffer.from('['), Buffer.alloc(8 * 1024 * 1024, 0x20), Buffer.from(']')]);
    const { chunks, notices } = await scanZip([
      { name: 'general/2024-01-01.json', data: bomb },
      { name: 'general/2024-01-02.json', data: day(ok) },
    ]);
    expect(findAll(chunks, ok)).toHaveLength(1);
    expect(notices).toEqual([expect.objectContaining({ reason: 'unsafe', code: 'ARCHIVE_UNSAFE', message: expect.stringContaining('zip bomb') })]);

    const small = await scanZip(
      [
        { name: 'general/2024-01-01.json', data: day(randomToken()) },
        { name: 'general/2024-01-02.json', data: day(randomToken()) },
      ],
      undefined,
      scanOptions({ maxArchiveBytes: 150 }),
    );
    expect(small.notices.map((n) => n.message)).toEqual([expect.stringContaining('total limit')]);
    expect(small.chunks).toHaveLength(1);

    const capped = await scanZip(
      [
        { name: 'general/2024-01-01.json', data: Buffer.from(JSON.stringify([{ ts: '1.1', text: 'x'.repeat(5000) }])) },
        { name: 'general/2024-01-02.json', data: day(ok) },
      ],
      undefined,
      scanOptions({ maxJsonBytes: 1000 }),
    );
    expect(capped.notices).toEqual([expect.objectContaining({ reason: 'unsafe', code: 'ARCHIVE_UNSAFE', message: expect.stringContaining('per-entry limit') })]);
    expect(findAll(capped.chunks, ok)).toHaveLength(1);
  });

  it('skips a malformed day file with a notice and keeps going', async () => {
    const ok = randomToken();
    const { chunks, notices } = await scanZip([
      { name: 'general/2024-01-01.json', data: Buffer.from('[{"text": "unterminated') },
      { name: 'general/2024-01-02.json', data: Buffer.from('{"not":"an array"}') },
      { name: 'general/2024-01-03.json', data: Buffer.concat([Buffer.from('[{"ts":"1.2","text":"bad \xff bytes '), Buffer.from(`${ok}"}]`)]) },
    ]);
    expect(findAll(chunks, ok)).toHaveLength(1);
    expect(notices.map((n) => [n.reason, n.code])).toEqual([
      ['malformed', 'INPUT_MALFORMED'],
      ['malformed', 'INPUT_MALFORMED'],
    ]);
  });

  it('fails a corrupt or truncated zip with INPUT_MALFORMED naming the file', async () => {
    const junk = join(dir, 'junk.zip');
    writeFileSync(junk, randomBytes(4096));
    await expect(pullAll(createSlackExportSource(junk, opts))).rejects.toMatchObject({ code: 'INPUT_MALFORMED', message: expect.stringContaining(junk) });
    const good = await buildZip(files);
    const cut = join(dir, 'cut.zip');
    writeFileSync(cut, good.subarray(0, good.length - 30));
    await expect(pullAll(createSlackExportSource(cut, opts))).rejects.toMatchObject({ code: 'INPUT_MALFORMED' });
  });

  it('says so when a zip holds no Slack export', async () => {
    const { chunks, notices, p } = await scanZip([{ name: 'photos/cat.txt', data: Buffer.from('meow') }]);
    expect(chunks).toEqual([]);
    expect(notices).toEqual([expect.objectContaining({ reason: 'not-an-export', path: p })]);
  });

  it('reads an export zipped under one top folder', async () => {
    const wrapped = files.map((f) => ({ ...f, name: `export/${f.name}` }));
    const { chunks, notices } = await scanZip(wrapped);
    expect(notices).toEqual([]);
    expect(one(chunks, t.inPrivate).chunk.exposure).toMatchObject({ visibility: 'private' });
  });
});
