/**
 * Sources and the real detection engine together: what a user sees is one finding per token per
 * place, at the exact line/column, whatever the chunking did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDefaultEngine } from '../../src/detect/index.js';
import { fingerprint } from '../../src/core/secrets.js';
import type { Chunk } from '../../src/core/types.js';
import { createFilesSource } from '../../src/sources/files/source.js';
import { createGitSource } from '../../src/sources/git/source.js';
import { createSlackExportSource } from '../../src/sources/slack-export/source.js';
import { createJiraExportSource } from '../../src/sources/jira-export/source.js';
import { scanOptions } from '../../src/sources/options.js';
import { removeDir, tempDir, TestRepo } from '../support/fixtures-git.js';
import { positionIn, pullAll } from '../support/fixtures-locate.js';
import { buildZip } from '../support/fixtures-slack.js';
import { githubPat, pemPrivateKey } from '../support/token-factory.js';
import { signJwt, inHours } from '../support/jwt-factory.js';

const engine = createDefaultEngine();
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));
let root: string;
beforeAll(() => {
  root = tempDir('engine-src');
  dirs.push(root);
});

interface Place {
  fp: string;
  rule: string;
  path: string;
  line: number;
  column: number;
  where: string;
}

/** Findings the way the aggregator keeps them: one per (token, place). */
function findings(chunks: Chunk[]): Place[] {
  const seen = new Map<string, Place>();
  for (const c of chunks) {
    for (const m of engine.scan(c.text)) {
      const { line, column } = positionIn(c, m.start);
      const l = c.locator;
      const where = l.kind === 'git' ? l.commit : l.kind === 'slack' ? `${l.channel}/${l.ts}` : l.kind === 'jira' ? `${l.issue}/${l.field}/${l.commentId ?? ''}` : '';
      const p: Place = { fp: fingerprint(m.secret), rule: m.ruleId, path: l.path, line, column, where };
      seen.set(`${p.fp}|${p.path}|${p.where}|${line}|${column}`, p);
    }
  }
  return [...seen.values()];
}

const small = scanOptions({ chunkBytes: 64 * 1024, chunkOverlapBytes: 16 * 1024 });

describe('sources + engine', () => {
  it('finds every PEM key and PAT of a large file exactly once at its line, across chunk cuts', async () => {
    const keys = Array.from({ length: 3 }, () => pemPrivateKey('rsa'));
    const pats = Array.from({ length: 3 }, () => githubPat());
    const lines: string[] = [];
    const expected: Array<{ fp: string; line: number }> = [];
    // a key every ~8 KB: with 64 KiB chunks, several keys straddle a cut
    for (let i = 0; lines.length < 30_000; i++) {
      lines.push(`${i} lorem ipsum dolor sit amet, consectetur adipiscing elit`);
      if (i % 100 === 99) {
        const n = expected.length / 2;
        const k = keys[n % keys.length]!;
        expected.push({ fp: fingerprint(k), line: lines.length + 1 });
        lines.push(...k.split('\n'));
        const pat = pats[n % pats.length]!;
        expected.push({ fp: fingerprint(pat), line: lines.length + 1 });
        lines.push(`GITHUB_TOKEN=${pat}`);
      }
    }
    const f = join(root, 'big.log');
    writeFileSync(f, lines.join('\n'));
    const chunks = await pullAll(createFilesSource(f, small));
    expect(chunks.length).toBeGreaterThan(20);
    // the layout really puts keys across cuts: some chunk ends inside a key block
    const straddling = chunks.filter((c) => {
      const tail = c.text.slice(c.text.lastIndexOf('-----BEGIN'));
      return c.text.includes('-----BEGIN') && !tail.includes('-----END');
    });
    expect(straddling.length).toBeGreaterThan(0);
    const got = findings(chunks)
      .filter((p) => expected.some((e) => e.fp === p.fp))
      .map((p) => ({ fp: p.fp, line: p.line }))
      .sort((a, b) => a.line - b.line);
    expect(got).toEqual(expected);
  });

  it('finds a key added in a long git run once, at its new-file line', async () => {
    const repo = TestRepo.init(join(root, 'repo'));
    const key = pemPrivateKey('ec');
    const body = Array.from({ length: 5000 }, (_, i) => `row ${i} ${'q'.repeat(40)}`);
    body.splice(1700, 0, ...key.split('\n'));
    repo.write('keys/all.txt', body.join('\n') + '\n');
    const sha = repo.commit('add keys');
    const got = findings(await pullAll(createGitSource(repo.dir, small))).filter((p) => p.fp === fingerprint(key));
    expect(got).toEqual([{ fp: fingerprint(key), rule: expect.any(String), path: 'keys/all.txt', line: 1701, column: 1, where: sha }]);
  });

  it('finds a JWT in an escaped Slack link and a PAT in a Jira code block at their places', async () => {
    const jwt = await signJwt({ sub: 'svc', scope: 'admin', exp: inHours(2) });
    const pat = githubPat();
    const zip = join(root, 'slack.zip');
    writeFileSync(
      zip,
      await buildZip([
        { name: 'channels.json', data: Buffer.from(JSON.stringify([{ id: 'C1', name: 'general', members: ['U1'] }])) },
        {
          name: 'general/2024-01-02.json',
          data: Buffer.from(JSON.stringify([{ ts: '1704189600.000100', user: 'U1', text: `login: <https://app.example.test/cb?a=1&amp;access_token=${jwt}|here>` }])),
        },
      ]),
    );
    const s = findings(await pullAll(createSlackExportSource(zip, small)));
    expect(s.filter((p) => p.fp === fingerprint(jwt))).toEqual([expect.objectContaining({ rule: 'jwt', line: 1, column: 'login: <https://app.example.test/cb?a=1&access_token='.length + 1, where: 'C1/1704189600.000100' })]);

    const jf = join(root, 'OPS-1.json');
    const adf = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'ghp_' }] },
        { type: 'paragraph', content: [{ type: 'text', text: pat.slice(4) }] },
        { type: 'codeBlock', content: [{ type: 'text', text: `export GH=${pat}` }] },
      ],
    };
    writeFileSync(jf, JSON.stringify({ key: 'OPS-1', fields: { summary: 's', description: adf } }));
    const j = findings(await pullAll(createJiraExportSource(jf, small)));
    // the code block is found; the two paragraphs are not glued into a token
    expect(j.filter((p) => p.fp === fingerprint(pat))).toEqual([expect.objectContaining({ line: 3, column: 11, where: 'OPS-1/description/' })]);
  });
});
