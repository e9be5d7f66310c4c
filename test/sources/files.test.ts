import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeSignedJwt, inHours } from '../support/jwt-factory.js';
import { removeDir, tempDir } from '../support/fixtures-git.js';
import { findAll, pullAll, randomToken } from '../support/fixtures-locate.js';
import { listFiles } from '../../src/sources/files/walk.js';
import { readFileChunks, readFileChunksSync, readFileSync as readOne } from '../../src/sources/files/read.js';
import { createFilesSource } from '../../src/sources/files/source.js';
import { scanOptions, type SourceNotice } from '../../src/sources/options.js';

const dirs: string[] = [];
const mk = (label: string) => {
  const d = tempDir(label);
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach(removeDir));

function write(root: string, rel: string, content: string | Buffer): string {
  const abs = join(root, rel);
  mkdirSync(join(abs, '..'), { recursive: true });
  writeFileSync(abs, content);
  return abs;
}

async function listed(root: string, opts: Parameters<typeof listFiles>[1]): Promise<string[]> {
  const out: string[] = [];
  for await (const f of listFiles(root, opts)) out.push(f.path.slice(root.length + 1));
  return out;
}

describe('listFiles', () => {
  it('walks in a stable order, skips .git and node_modules, binary extensions and files over the limit', async () => {
    const root = mk('walk');
    write(root, 'b.txt', 'b');
    write(root, 'a/z.env', 'z');
    write(root, 'a/y.ts', 'y');
    write(root, '.env', 'x');
    write(root, '.git/config', 'nope');
    write(root, 'node_modules/pkg/index.js', 'nope');
    write(root, 'logo.PNG', 'png?');
    write(root, 'big.log', 'x'.repeat(5000));
    const notices: SourceNotice[] = [];
    const files = await listed(root, { maxFileBytes: 4096, includeHidden: true, onNotice: (n) => notices.push(n) });
    expect(files).toEqual(['.env', 'a/y.ts', 'a/z.env', 'b.txt']);
    expect(notices.map((n) => [n.reason, n.path.slice(root.length + 1)])).toEqual(
      expect.arrayContaining([
        ['binary', 'logo.PNG'],
        ['too-large', 'big.log'],
      ]),
    );
    expect(await listed(root, { maxFileBytes: 4096, includeHidden: false, includeNodeModules: true })).toEqual(['a/y.ts', 'a/z.env', 'b.txt', 'node_modules/pkg/index.js']);
  });

  it('honours nested .gitignore files (with negation) and info/exclude only when asked', async () => {
    const root = mk('gi');
    write(root, '.gitignore', '*.log\nbuild/\nsecret*\n');
    write(root, '.git/info/exclude', 'local.txt\n');
    write(root, 'app.log', 'l');
    write(root, 'local.txt', 'l');
    write(root, 'build/out.js', 'o');
    write(root, 'src/main.ts', 'm');
    write(root, 'src/.gitignore', '!keep.log\n*.tmp\n');
    write(root, 'src/keep.log', 'k');
    write(root, 'src/x.tmp', 't');
    write(root, 'src/secret.txt', 's');
    write(root, 'other/x.tmp', 't');
    const on = await listed(root, { maxFileBytes: 1e6, includeHidden: true, respectGitignore: true });
    expect(on).toEqual(['.gitignore', 'other/x.tmp', 'src/.gitignore', 'src/keep.log', 'src/main.ts']);
    const off = await listed(root, { maxFileBytes: 1e6, includeHidden: true });
    expect(off).toContain('app.log');
    expect(off).toContain('build/out.js');
    expect(off).toContain('src/secret.txt');
  });

  it('applies excludePaths globs', async () => {
    const root = mk('ex');
    write(root, 'vendor/lib.js', 'v');
    write(root, 'src/app.min.js', 'm');
    write(root, 'src/app.js', 'a');
    expect(await listed(root, { maxFileBytes: 1e6, excludePaths: ['vendor/', '*.min.js'] })).toEqual(['src/app.js']);
  });

  it('does not follow symlinks by default and survives a symlink loop when following', async () => {
    const root = mk('ln');
    write(root, 'd/file.txt', 'f');
    symlinkSync(join(root, 'd'), join(root, 'd', 'loop'));
    symlinkSync(join(root, 'd', 'file.txt'), join(root, 'alias.txt'));
    const notices: SourceNotice[] = [];
    expect(await listed(root, { maxFileBytes: 1e6, onNotice: (n) => notices.push(n) })).toEqual(['d/file.txt']);
    expect(notices.filter((n) => n.reason === 'symlink')).toHaveLength(2);
    const followed = await listed(root, { maxFileBytes: 1e6, followSymlinks: true });
    expect(followed).toEqual(['alias.txt', 'd/file.txt']);
  });

  it('yields a single file target as itself and reports a missing target with its path', async () => {
    const root = mk('one');
    const f = write(root, 'one.txt', 'hello');
    const out: string[] = [];
    for await (const e of listFiles(f, { maxFileBytes: 100 })) out.push(e.path);
    expect(out).toEqual([f]);
    await expect(listed(join(root, 'missing'), { maxFileBytes: 100 })).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND', message: expect.stringContaining('missing') });
  });
});

describe('readFileChunks', () => {
  const opts = { maxFileBytes: 25 * 1024 * 1024, chunkBytes: 64 * 1024, chunkOverlapBytes: 4096 };

  it('reports a token at its exact line and column', async () => {
    const root = mk('rd');
    const jwt = fakeSignedJwt({ sub: 'svc', exp: inHours(1) });
    const f = write(root, 'app.env', `# config\nNAME=x\n  AUTH="Bearer ${jwt}"\n`);
    const chunks = await readFileChunks(f, opts);
    const hits = findAll(chunks, jwt);
    expect(hits.map((h) => h.locator)).toEqual([{ kind: 'file', path: f, line: 3, column: 16 }]);
  });

  it('finds a token at a chunk boundary exactly once, at the right place, in a large file', async () => {
    const root = mk('big');
    const token = randomToken('ghp_');
    const jwt = fakeSignedJwt({ sub: 'boundary' });
    const line = 'the quick brown fox jumps over the lazy dog 0123456789\n'; // 55 chars
    // Plant tokens around every multiple of the chunk size so at least one straddles a cut.
    let text = '';
    const planted: Array<{ line: number; column: number }> = [];
    let lineNo = 1;
    while (text.length < 6 * opts.chunkBytes) {
      const nearCut = Math.abs((text.length % opts.chunkBytes) - opts.chunkBytes) < 200 || text.length % opts.chunkBytes < 200;
      if (nearCut && planted.length < 40) {
        text += `k=${token} j=${jwt}\n`;
        planted.push({ line: lineNo, column: 3 });
      } else text += line;
      lineNo++;
    }
    const f = write(root, 'huge.log', text);
    for (const chunks of [await readFileChunks(f, opts), readFileChunksSync(f, opts)]) {
      expect(chunks.length).toBeGreaterThan(5);
      const hits = findAll(chunks, token);
      expect(hits.map((h) => ({ line: h.locator.line, column: h.locator.column }))).toEqual(planted);
      expect(findAll(chunks, jwt)).toHaveLength(planted.length);
    }
  });

  it('replaces invalid UTF-8 instead of failing, decodes UTF-16 with a BOM, skips binary content', async () => {
    const root = mk('enc');
    const token = randomToken('xoxb-');
    const bad = write(root, 'bad.txt', Buffer.concat([Buffer.from('a\xff\xfe b\n', 'latin1'), Buffer.from([0xc3]), Buffer.from(`\nT=${token}\n`)]));
    const chunks = readFileChunksSync(bad, opts);
    expect(chunks[0]!.text).toContain('\uFFFD');
    expect(findAll(chunks, token).map((h) => h.locator.line)).toEqual([3]);

    const u16 = write(root, 'win.ps1', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`$t = "${token}"\r\n`, 'utf16le')]));
    expect(findAll(readFileChunksSync(u16, opts), token).map((h) => [h.locator.line, h.locator.column])).toEqual([[1, 7]]);

    const bin = write(root, 'blob.dat', Buffer.concat([Buffer.from('PK'), Buffer.alloc(10), Buffer.from(token)]));
    const notices: SourceNotice[] = [];
    expect(await readFileChunks(bin, { ...opts, onNotice: (n) => notices.push(n) })).toEqual([]);
    expect(notices).toMatchObject([{ reason: 'binary', path: bin }]);
  });

  it('skips a file over maxFileBytes and an unreadable path with a typed reason, never throwing', async () => {
    const root = mk('lim');
    const f = write(root, 'a.txt', 'x'.repeat(2000));
    expect(readOne(f, { ...opts, maxFileBytes: 1000 }).skipped).toMatchObject({ reason: 'too-large', code: 'INPUT_TOO_LARGE' });
    expect(readOne(join(root, 'gone.txt'), opts).skipped).toMatchObject({ reason: 'unreadable', code: 'INPUT_UNREADABLE' });
    expect((await readFileChunks(root, opts)).length).toBe(0);
  });
});

describe('files source', () => {
  it('pulls every file with progress and notices, and the chunk ids are stable', async () => {
    const root = mk('src');
    const t1 = randomToken();
    write(root, 'one.txt', `a\n${t1}\n`);
    write(root, 'sub/two.yaml', `key: ${t1}\n`);
    write(root, 'pic.jpg', 'jpeg');
    const notices: SourceNotice[] = [];
    const progress: number[] = [];
    const src = createFilesSource(root, scanOptions(), { onNotice: (n) => notices.push(n) });
    const ac = new AbortController();
    const chunks = [];
    for await (const p of src.pull({ signal: ac.signal, onProgress: (x) => progress.push(x.items) })) chunks.push(p.chunk);
    expect(findAll(chunks, t1).map((h) => [h.locator.path.slice(root.length + 1), h.locator.line, h.locator.column])).toEqual([
      ['one.txt', 2, 1],
      ['sub/two.yaml', 1, 6],
    ]);
    expect(progress.at(-1)).toBe(2);
    expect(notices.map((n) => n.reason)).toEqual(['binary']);
    const again = await pullAll(src);
    expect(again.map((c) => c.id)).toEqual(chunks.map((c) => c.id));
    expect(src.readOptions).toEqual({ maxFileBytes: 25 * 1024 * 1024, chunkBytes: 1024 * 1024, chunkOverlapBytes: 16 * 1024, source: 'files' });
  });
});
