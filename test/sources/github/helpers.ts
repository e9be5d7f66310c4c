/**
 * A seeded GitHub on the fake server: an organisation with public, private, internal, empty,
 * forked repositories, commits whose patches add tokens (built at test time) at known new-file
 * lines — multiple hunks, renames, deletions, binary files, a commit with more files than a page —
 * and helpers to build the GitHub source the way the service does.
 */
import { resolveConfig, type LoadedConfig } from '../../../src/config/load.js';
import type { Chunk } from '../../../src/core/types.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { createSource, findSourceConfig, type SourceDeps } from '../../../src/sources/registry.js';
import type { PulledChunk, Source } from '../../../src/sources/types.js';
import type { FakeGithub } from '../../support/fake-github.js';
import { fakeSignedJwt, inHours } from '../../support/jwt-factory.js';
import { githubPat, slackBotToken } from '../../support/token-factory.js';

export const TOKEN_ENV = 'GITHUB_TEST_TOKEN';

export interface Place {
  repo: string;
  commit: string;
  path: string;
  line: number;
}

export interface PlantedGithub {
  places: Map<string, Place>;
  /** Tokens the source must not report at any place (only removed, or in a fork). */
  unread: string[];
  /** Token present only in removed lines of the deletion commit (and added earlier in `added`). */
  deleted: { token: string; added: Place; removedIn: string };
  commits: Record<string, string>;
}

/** New-file line of a token inside a chunk. */
export function lineOf(chunk: Chunk, token: string): number {
  const i = chunk.text.indexOf(token);
  let line = chunk.locator.line;
  for (let j = chunk.text.indexOf('\n'); j !== -1 && j < i; j = chunk.text.indexOf('\n', j + 1)) line += 1;
  return line;
}

export function holding(chunks: readonly Chunk[], token: string): Chunk[] {
  return chunks.filter((c) => c.text.includes(token));
}

export function seedGithub(gh: FakeGithub): PlantedGithub {
  const places = new Map<string, Place>();
  const plant = (token: string, p: Place) => places.set(token, p);
  gh.addRepo({ owner: 'acme', name: 'api', visibility: 'public' });
  gh.addRepo({ owner: 'acme', name: 'secret-svc', visibility: 'private' });
  gh.addRepo({ owner: 'acme', name: 'internal-tools', visibility: 'internal', defaultBranch: 'trunk' });
  gh.addRepo({ owner: 'acme', name: 'empty', visibility: 'private' });
  gh.addRepo({ owner: 'acme', name: 'old-fork', visibility: 'public', fork: true });
  gh.addRepo({ owner: 'other', name: 'lib', visibility: 'public' });
  const commits: Record<string, string> = {};

  const envTok = githubPat();
  commits.added = gh.commit('acme/api', {
    message: 'add env',
    author: 'Alice',
    login: 'alice',
    files: [
      { path: '.env', content: `# local\nREGION=eu\nGITHUB_TOKEN=${envTok}\n` },
      { path: 'README.md', content: '# api\n' },
    ],
  });
  const added: Place = { repo: 'acme/api', commit: commits.added, path: '.env', line: 3 };
  plant(envTok, added);

  // Two hunks: added lines at new lines 4-5 (the token on 5); two added lines at 40-41 (the token on 41).
  const h1 = githubPat();
  const h2 = slackBotToken();
  commits.hunks = gh.commit('acme/api', {
    message: 'config',
    files: [
      {
        path: 'src/config.ts',
        patch: [
          '@@ -2,5 +2,6 @@ import x',
          ' a',
          ' b',
          '-c',
          '+c2',
          `+const token = "${h1}";`,
          ' d',
          ' e',
          '@@ -38,2 +39,4 @@ export function f() {',
          ' x',
          '+  // TODO remove',
          `+  slack("${h2}");`,
          ' y',
          '\\ No newline at end of file',
        ].join('\n'),
      },
    ],
  });
  plant(h1, { repo: 'acme/api', commit: commits.hunks, path: 'src/config.ts', line: 5 });
  plant(h2, { repo: 'acme/api', commit: commits.hunks, path: 'src/config.ts', line: 41 });

  const renamed = githubPat();
  commits.rename = gh.commit('acme/api', {
    message: 'move creds',
    files: [{ path: 'config/creds yml.txt', previousPath: 'old/creds.yml', status: 'renamed', patch: `@@ -1,2 +1,3 @@\n user: ci\n+token: ${renamed}\n pass: x` }],
  });
  plant(renamed, { repo: 'acme/api', commit: commits.rename, path: 'config/creds yml.txt', line: 2 });

  commits.deletion = gh.commit('acme/api', {
    message: 'remove env',
    files: [{ path: '.env', status: 'removed', patch: `@@ -1,3 +0,0 @@\n-# local\n-REGION=eu\n-GITHUB_TOKEN=${envTok}` }],
  });

  const besideBinary = githubPat();
  commits.binary = gh.commit('acme/api', {
    message: 'logo and key',
    files: [
      { path: 'logo.png', status: 'added', noPatch: true, additions: 0 },
      { path: 'dump.sql', status: 'added', noPatch: true, additions: 250_000 },
      { path: 'k.txt', content: `key=${besideBinary}` },
    ],
  });
  plant(besideBinary, { repo: 'acme/api', commit: commits.binary, path: 'k.txt', line: 1 });

  // More files than a page (the fake pages at filesPerPage).
  const many = githubPat();
  commits.many = gh.commit('acme/api', {
    message: 'many files',
    files: [1, 2, 3, 4, 5].map((n) => ({ path: `gen/f${n}.txt`, content: n === 5 ? `x\ny\nz=${many}\n` : `file ${n}\n` })),
  });
  plant(many, { repo: 'acme/api', commit: commits.many, path: 'gen/f5.txt', line: 3 });
  for (let n = 0; n < 3; n++) gh.commit('acme/api', { message: `chore ${n}`, files: [{ path: `docs/n${n}.md`, content: `note ${n}\n` }] });

  const jwt = fakeSignedJwt({ iss: 'https://login.example.test/', sub: 'svc-deploy', aud: 'api', exp: inHours(6), scope: 'deploy:prod' });
  commits.private = gh.commit('acme/secret-svc', { files: [{ path: 'deploy.sh', content: `#!/bin/sh\ncurl -H "Authorization: Bearer ${jwt}" https://api.example.test\n` }] });
  plant(jwt, { repo: 'acme/secret-svc', commit: commits.private, path: 'deploy.sh', line: 2 });
  const internal = githubPat();
  commits.internal = gh.commit('acme/internal-tools', { files: [{ path: 'tools/ci.yml', content: `token: ${internal}\n` }] });
  plant(internal, { repo: 'acme/internal-tools', commit: commits.internal, path: 'tools/ci.yml', line: 1 });
  const lib = githubPat();
  commits.lib = gh.commit('other/lib', { files: [{ path: 'index.js', content: `module.exports = "${lib}";\n` }] });
  plant(lib, { repo: 'other/lib', commit: commits.lib, path: 'index.js', line: 1 });
  const forked = githubPat();
  gh.commit('acme/old-fork', { files: [{ path: 'x.txt', content: forked }] });

  return { places, unread: [forked], deleted: { token: envTok, added, removedIn: commits.deletion }, commits };
}

export function githubLoaded(gh: FakeGithub, extra: Record<string, unknown> = {}, more: Array<Record<string, unknown>> = [], env: Record<string, string> = {}): LoadedConfig {
  return resolveConfig(
    {
      sources: [
        {
          id: 'gh-main',
          type: 'github',
          tokenEnv: TOKEN_ENV,
          baseUrl: gh.url,
          orgs: ['acme'],
          repos: ['other/lib'],
          pageSize: 2,
          retry: { retries: 2, minTimeoutMs: 5 },
          timeoutMs: 10_000,
          ...extra,
        },
        ...more,
      ],
    },
    { [TOKEN_ENV]: gh.token, ...env },
  );
}

export function githubSource(loaded: LoadedConfig, deps: Partial<SourceDeps> = {}, id = 'gh-main'): Source {
  return createSource(findSourceConfig(loaded.config.sources, id), { logger: silentLogger(), scan: loaded.config.scan, env: loaded.env, ...deps });
}

export async function pullAll(source: Source, since?: string): Promise<PulledChunk[]> {
  const out: PulledChunk[] = [];
  for await (const p of source.pull({ signal: new AbortController().signal, ...(since ? { since } : {}) })) out.push(p);
  return out;
}

/** Every planted token at its exact repo / commit / path / new-file line. */
export function expectPlaces(chunks: readonly Chunk[], places: Map<string, Place>, expectFn: (ok: boolean, msg: string) => void): void {
  for (const [token, p] of places) {
    const hit = holding(chunks, token)[0];
    const ok = hit !== undefined && hit.locator.kind === 'github' && hit.locator.repo === p.repo && hit.locator.commit === p.commit && hit.locator.path === p.path && lineOf(hit, token) === p.line;
    expectFn(ok, `${p.repo}@${p.commit.slice(0, 7)}:${p.path}:${p.line}${hit ? ` (got ${hit.locator.kind === 'github' ? `${hit.locator.path}:${lineOf(hit, token)}` : hit.locator.kind})` : ' (not found)'}`);
  }
}
