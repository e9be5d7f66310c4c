import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { fakeSignedJwt } from '../support/jwt-factory.js';
import { removeDir, syntheticHistory, tempDir, TestRepo } from '../support/fixtures-git.js';
import { findAll, pullAll, randomToken } from '../support/fixtures-locate.js';
import { createGitSource, gitLogArgs } from '../../src/sources/git/source.js';
import { GitLogParser, parseNewPath, unquoteGitPath } from '../../src/sources/git/diff-parser.js';
import { resolveLocalTargets } from '../../src/sources/local.js';
import { scanOptions, type SourceNotice } from '../../src/sources/options.js';
import type { Chunk } from '../../src/core/types.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const T = {
  a: randomToken('tokA_'),
  b: fakeSignedJwt({ sub: 'feature-branch', scope: 'admin' }),
  c: randomToken('tokC_'),
  d: randomToken('tokD_'),
  e: randomToken('tokE_'),
  f: randomToken('tokF_'),
  g: randomToken('tokG_'),
  h: randomToken('tokH_'),
  i: randomToken('tokI_'),
  long: randomToken('tokLong_'),
  deep: randomToken('tokDeep_'),
};

let repo: TestRepo;
const sha: Record<string, string> = {};
const FANCY = 'dir with space/ünï "q".txt';

beforeAll(() => {
  repo = TestRepo.init();
  dirs.push(repo.dir);
  repo.write('config/app.env', `# app\nNAME=demo\nAPI_TOKEN=${T.a}\nREGION=eu\n`).write('README.md', 'hello\n');
  sha.c1 = repo.commit('initial');

  repo.git('checkout', '-q', '-b', 'feature');
  repo.write('src/feature.ts', `export const x = 1;\nconst auth = "Bearer ${T.b}";\n`);
  repo.write('img.bin', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), Buffer.from(T.c), Buffer.alloc(64)]));
  sha.feature = repo.commit('feature work');

  repo.git('checkout', '-q', 'main');
  repo.write('README.md', 'hello\nworld\n');
  sha.c3 = repo.commit('docs');

  // a merge whose resolution adds a line neither parent has
  repo.git('merge', '-q', '--no-ff', '--no-commit', 'feature');
  repo.write('src/feature.ts', `export const x = 1;\nconst auth = "Bearer ${T.b}";\nconst evil = "${T.d}";\n`);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'merge feature');
  sha.merge = repo.head();

  // rename + modify: only the new line is new
  repo.git('mv', 'config/app.env', 'config/prod.env');
  repo.write('config/prod.env', `# app\nNAME=demo\nAPI_TOKEN=${T.a}\nREGION=eu\nDB_TOKEN=${T.e}\n`);
  sha.rename = repo.commit('rename config');

  repo.write(FANCY, `first\n\tsecret: ${T.f}\n`);
  repo.write('latin1.txt', Buffer.concat([Buffer.from('caf\xe9 \xff\xfe\n', 'latin1'), Buffer.from(`key=${T.g}\n`)]));
  // content lines that look like diff headers must not confuse the parser
  repo.write('tricky.txt', `++ b/not-a-file\ndiff --git a/x b/y\n@@ -1 +1 @@\n${T.h}\n`);
  sha.names = repo.commit('odd names');

  // reachable only from a tag once the branch is gone
  repo.git('checkout', '-q', '-b', 'tmp');
  repo.write('tmp.txt', `x\n${T.i}\n`);
  sha.tagged = repo.commit('tagged only');
  repo.git('tag', 'keep-me');
  repo.git('checkout', '-q', 'main');
  repo.git('branch', '-q', '-D', 'tmp');

  // a huge single line and a long run of added lines
  repo.write('min.js', `${'a=1;'.repeat(100_000)}k="${T.long}";\n`);
  repo.write('many.txt', Array.from({ length: 3000 }, (_, i) => (i === 2500 ? `deep ${T.deep}` : `line ${i}`)).join('\n') + '\n');
  sha.big = repo.commit('big stuff');

  // deleting a file adds nothing
  repo.git('rm', '-q', 'README.md');
  sha.del = repo.commit('remove readme');
});

const opts = scanOptions({ chunkBytes: 8192, chunkOverlapBytes: 1024 });
let history: Chunk[];
beforeAll(async () => {
  history = await pullAll(createGitSource(repo.dir, opts));
});

function where(token: string) {
  return findAll(history, token).map((h) => {
    const l = h.locator;
    if (l.kind !== 'git') throw new Error('not git');
    return { commit: l.commit, path: l.path, line: l.line, column: l.column };
  });
}

describe('git source', () => {
  it('reports added lines with commit, path, new-file line, author and date', () => {
    expect(where(T.a)).toEqual([{ commit: sha.c1, path: 'config/app.env', line: 3, column: 11 }]);
    const hit = findAll(history, T.a)[0]!;
    expect(hit.locator).toMatchObject({ kind: 'git', repo: repo.dir, author: 'Test Author <author@example.test>', date: repo.dateOf(sha.c1!) });
    expect(hit.chunk).toMatchObject({ source: 'git', author: 'Test Author <author@example.test>', at: repo.dateOf(sha.c1!) });
  });

  it('walks every branch and tag, including commits whose branch was deleted', () => {
    expect(where(T.b)).toEqual([{ commit: sha.feature, path: 'src/feature.ts', line: 2, column: 22 }]);
    expect(where(T.i)).toEqual([{ commit: sha.tagged, path: 'tmp.txt', line: 2, column: 1 }]);
  });

  it('finds a line added while resolving a merge, without re-reporting the merged branch', () => {
    expect(where(T.d)).toEqual([{ commit: sha.merge, path: 'src/feature.ts', line: 3, column: 15 }]);
  });

  it('follows renames: only the new line of a renamed file is reported', () => {
    expect(where(T.e)).toEqual([{ commit: sha.rename, path: 'config/prod.env', line: 5, column: 10 }]);
    expect(where(T.a)).toHaveLength(1);
  });

  it('skips binary files', () => {
    expect(where(T.c)).toEqual([]);
  });

  it('handles file names with spaces, unicode and quotes, invalid UTF-8, and header-like content', () => {
    expect(where(T.f)).toEqual([{ commit: sha.names, path: FANCY, line: 2, column: 10 }]);
    expect(where(T.g)).toEqual([{ commit: sha.names, path: 'latin1.txt', line: 2, column: 5 }]);
    expect(history.some((c) => c.text.includes('caf\uFFFD'))).toBe(true);
    expect(where(T.h)).toEqual([{ commit: sha.names, path: 'tricky.txt', line: 4, column: 1 }]);
  });

  it('streams a huge line and splits a long run with exact line numbers', () => {
    expect(where(T.long)).toEqual([{ commit: sha.big, path: 'min.js', line: 1, column: 400_004 }]);
    expect(where(T.deep)).toEqual([{ commit: sha.big, path: 'many.txt', line: 2501, column: 6 }]);
    const many = history.filter((c) => c.locator.kind === 'git' && c.locator.path === 'many.txt');
    expect(many.length).toBeGreaterThan(2);
    for (const c of history) expect(c.text.length).toBeLessThanOrEqual(8192);
  });

  it('scans incrementally from a commit sha or a date', async () => {
    const after = await pullAll(createGitSource(repo.dir, opts), { since: sha.rename! });
    const commits = new Set(after.map((c) => (c.locator.kind === 'git' ? c.locator.commit : '')));
    expect(commits.has(sha.names!)).toBe(true);
    expect(commits.has(sha.rename!)).toBe(false);
    expect(commits.has(sha.c1!)).toBe(false);
    const byDate = await pullAll(createGitSource(repo.dir, opts), { since: repo.dateOf(sha.big!) });
    expect(new Set(byDate.map((c) => (c.locator.kind === 'git' ? c.locator.commit : '')))).toEqual(new Set([sha.big]));
    await expect(pullAll(createGitSource(repo.dir, opts), { since: 'not a date' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(pullAll(createGitSource(repo.dir, opts), { since: 'deadbeefdeadbeef' })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('yields nothing for an empty repository, notes a shallow clone, and rejects a non-repository', async () => {
    const empty = TestRepo.init();
    dirs.push(empty.dir);
    expect(await pullAll(createGitSource(empty.dir, opts))).toEqual([]);

    const shallowDir = tempDir('shallow');
    dirs.push(shallowDir);
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo.dir}`, shallowDir], { stdio: 'ignore' });
    const notices: SourceNotice[] = [];
    const chunks = await pullAll(createGitSource(shallowDir, opts, { onNotice: (n) => notices.push(n) }));
    expect(notices).toMatchObject([{ reason: 'shallow', level: 'info', source: 'git' }]);
    expect(findAll(chunks, T.e).length).toBe(1); // the tip commit is whole: its files are all added
    expect(findAll(chunks, T.b)).toHaveLength(1);

    const plain = tempDir('plain');
    dirs.push(plain);
    await expect(pullAll(createGitSource(plain, opts))).rejects.toMatchObject({ code: 'INPUT_MALFORMED' });
  });

  it('applies scan.excludePaths to paths in history', async () => {
    const chunks = await pullAll(createGitSource(repo.dir, scanOptions({ excludePaths: ['config/', '*.js'] })));
    const paths = new Set(chunks.map((c) => c.locator.path));
    expect([...paths].filter((p) => p.startsWith('config/') || p.endsWith('.js'))).toEqual([]);
    expect(findAll(chunks, T.b)).toHaveLength(1);
  });

  it('stops git when the consumer stops early', async () => {
    const ac = new AbortController();
    let n = 0;
    for await (const _ of createGitSource(repo.dir, opts).pull({ signal: ac.signal })) {
      if (++n === 2) break;
    }
    expect(n).toBe(2);
  });
});

describe('git working tree (resolveLocalTargets on a clone)', () => {
  it('adds untracked, ignored and modified files, not files history already has', async () => {
    const r = TestRepo.init();
    dirs.push(r.dir);
    const committed = randomToken('tokCommitted_');
    const modified = randomToken('tokModified_');
    const untracked = randomToken('tokUntracked_');
    const ignored = randomToken('tokIgnored_');
    r.write('.gitignore', '.env\n').write('app.ts', `const a = "${committed}";\n`).write('same.ts', 'unchanged\n');
    r.commit('c1');
    r.write('app.ts', `const a = "${committed}";\nconst b = "${modified}";\n`);
    r.write('notes/new.md', `todo ${untracked}\n`);
    r.write('.env', `SECRET=${ignored}\n`);

    const sources = await resolveLocalTargets([r.dir], { scan: opts });
    expect(sources.map((s) => s.id)).toEqual(['git', 'files']);
    const [hist, tree] = [await pullAll(sources[0]!), await pullAll(sources[1]!)];
    expect(findAll(hist, committed)).toHaveLength(1);
    const paths = new Set(tree.map((c) => c.locator.path.slice(r.dir.length + 1)));
    expect(paths).toEqual(new Set(['app.ts', 'notes/new.md', '.env']));
    expect(findAll(tree, modified).map((h) => [h.locator.kind, h.locator.line])).toEqual([['file', 2]]);

    const respecting = await resolveLocalTargets([r.dir], { scan: scanOptions({ respectGitignore: true }) });
    const tree2 = await pullAll(respecting[1]!);
    expect(findAll(tree2, ignored)).toEqual([]);
    expect(findAll(tree2, untracked)).toHaveLength(1);

    const historyOnly = await resolveLocalTargets([r.dir], { scan: opts, type: 'git' });
    expect(historyOnly.map((s) => s.id)).toEqual(['git']);
  });
});

describe('git log parser', () => {
  it('gives the same chunks however the output is split into reads (property)', () => {
    const out = execFileSync('git', ['-c', 'core.quotePath=false', ...gitLogArgs({ reflog: false, range: [] })], { cwd: repo.dir, maxBuffer: 1 << 30 });
    const run = (pieces: Buffer[]) => {
      const got: Chunk[] = [];
      const p = new GitLogParser({ repo: 'r', chunkBytes: 8192, chunkOverlapBytes: 1024, maxLineBytes: 1 << 24, emit: (c) => got.push(c) });
      for (const b of pieces) p.feed(b);
      p.end();
      return got;
    };
    const whole = run([out]);
    expect(whole.length).toBeGreaterThan(10);
    fc.assert(
      fc.property(fc.array(fc.nat(out.length), { maxLength: 30 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const pieces: Buffer[] = [];
        let prev = 0;
        for (const pt of points) {
          pieces.push(out.subarray(prev, pt));
          prev = pt;
        }
        pieces.push(out.subarray(prev));
        expect(run(pieces)).toEqual(whole);
      }),
      { numRuns: 40 },
    );
  });

  it('parses quoted and tab-terminated paths', () => {
    expect(parseNewPath('b/dir with space/x.txt\t')).toBe('dir with space/x.txt');
    expect(parseNewPath('"b/na\\"me\\303\\251.txt"')).toBe('na"meé.txt');
    expect(parseNewPath('/dev/null')).toBeNull();
    expect(unquoteGitPath('"tab\\there"')).toBe('tab\there');
  });

  it('never throws on garbage bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.string({ maxLength: 300 }), (bytes, s) => {
        const p = new GitLogParser({ repo: 'r', chunkBytes: 4096, chunkOverlapBytes: 256, maxLineBytes: 1 << 20, emit: () => undefined });
        p.feed(Buffer.from(bytes));
        p.feed(Buffer.from(`\u0000commit\u0000abc\u0000d\u0000n\u0000e\n+++ b/x\n@@ -0,0 +1,2 @@\n+${s}\n`));
        p.feed(Buffer.from(bytes));
        p.end();
      }),
      { numRuns: 200 },
    );
  });
});

describe('git throughput (measured, not asserted)', () => {
  it('streams a synthetic history of 2000 commits with bounded memory', async () => {
    const dir = tempDir('synth');
    dirs.push(dir);
    syntheticHistory(dir, { commits: 2000, files: 50, linesPerCommit: 10 });
    let peak = process.memoryUsage().rss;
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    let items = 0;
    let chunks = 0;
    for await (const p of createGitSource(dir, scanOptions()).pull({
      signal: new AbortController().signal,
      onProgress: (x) => {
        bytes = x.bytes;
        items = x.items;
      },
    })) {
      chunks += p.chunk.text.length > 0 ? 1 : 0;
      if ((chunks & 255) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    expect(items).toBe(2000);
    expect(chunks).toBe(2000); // one run of appended lines per commit
    console.log(`git source: ${items} commits, ${(bytes / 1e6).toFixed(1)} MB of log in ${s.toFixed(2)} s = ${(bytes / 1e6 / s).toFixed(1)} MB/s, peak RSS ${Math.round(peak / 1e6)} MB`);
  });
});
