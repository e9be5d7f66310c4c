/**
 * A corpus with planted tokens of every kind for the scan CLI tests, built at test time: a folder
 * (every credential rule's own generated example, JWTs in several forms, one token in three
 * places), a real git repository (a token committed then deleted), a Slack export zip and a Jira
 * export. Returns the raw tokens so tests can prove no output ever contains one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { credentialRules } from '../../src/detect/rules/index.js';
import { inDays, inHours, signJwt, unsignedJwt } from '../support/jwt-factory.js';
import { TestRepo, tempDir } from '../support/fixtures-git.js';

const require = createRequire(import.meta.url);
export const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI; `input` goes to stdin. */
export function runCli(args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? process.cwd(), env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** A GitHub classic PAT with a valid CRC32 checksum (base62), built from fresh random bytes. */
export function githubPat(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let body = '';
  const rnd = randomBytes(30);
  for (const b of rnd) body += alphabet[b % 62];
  const zlib = require('node:zlib') as { crc32(data: string): number };
  let n = zlib.crc32(body);
  let check = '';
  while (n > 0) {
    check = alphabet[n % 62] + check;
    n = Math.floor(n / 62);
  }
  return `ghp_${body}${check.padStart(6, '0')}`;
}

export interface Corpus {
  root: string;
  folder: string;
  repo: string;
  slackZip: string;
  jiraFile: string;
  /** Every raw token planted anywhere. */
  tokens: string[];
  /** The token planted in three files of the folder. */
  repeated: { token: string; places: Array<{ path: string; line: number; column: number }> };
  jwt: string;
  gitToken: string;
  gitCommit: string;
  slackToken: string;
  jiraToken: string;
}

export async function buildCorpus(): Promise<Corpus> {
  const root = tempDir('tr-scan');
  const folder = join(root, 'proj');
  mkdirSync(folder, { recursive: true });
  const tokens: string[] = [];

  // Every credential rule's own example, one file each (so rules never compete across examples).
  for (const r of credentialRules) {
    const text = r.examples().match[0];
    if (!text) continue;
    for (const m of r.find(text)) tokens.push(m.secret);
    writeFileSync(join(folder, `rule-${r.id}.txt`), `# example for ${r.id}\n${text}\n`);
  }

  // JWTs: signed with a secret-bearing claim, unsigned (alg none), in a URL and a JSON string.
  const jwt = await signJwt({ iss: 'https://login.example.test/', sub: 'svc-deploy', aud: 'api://prod', scope: 'admin write', exp: inDays(300), client_secret: randomBytes(18).toString('base64url') });
  const unsigned = unsignedJwt({ typ: 'JWT' }, { sub: 'user-1', role: 'owner', exp: inHours(2) });
  const es = await signJwt({ iss: 'https://issuer.example.test', sub: 'bot', exp: inHours(1) }, { alg: 'ES256' });
  tokens.push(jwt, unsigned, es);
  writeFileSync(join(folder, 'app.log'), `GET /cb?access_token=${es}&x=1\n{"token":"${unsigned}"}\n`);
  writeFileSync(join(folder, 'curl.sh'), `#!/bin/sh\ncurl -H "Authorization: Bearer ${jwt}" https://api.example.test/\n`);

  // One token in three places.
  const repeated = githubPat();
  tokens.push(repeated);
  writeFileSync(join(folder, 'a.env'), `GITHUB_TOKEN=${repeated}\n`);
  writeFileSync(join(folder, 'b.md'), `line one\n\n  use \`${repeated}\` here\n`);
  mkdirSync(join(folder, 'sub'), { recursive: true });
  writeFileSync(join(folder, 'sub', 'c.yaml'), `ci:\n  token: ${repeated}\n`);
  const places = [
    { path: join(folder, 'a.env'), line: 1, column: 14 },
    { path: join(folder, 'b.md'), line: 3, column: 8 },
    { path: join(folder, 'sub', 'c.yaml'), line: 2, column: 10 },
  ];
  // A binary file with a token inside: skipped, not scanned.
  writeFileSync(join(folder, 'blob.bin'), Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(githubPat())]));

  // Git: a token committed, then deleted; history still has it.
  const repoDir = join(root, 'repo');
  mkdirSync(repoDir);
  const repo = TestRepo.init(repoDir);
  const gitToken = githubPat();
  tokens.push(gitToken);
  repo.write('README.md', '# demo\n').commit('init');
  repo.write('deploy/config.env', `A=1\nTOKEN=${gitToken}\n`);
  const gitCommit = repo.commit('add deploy config');
  repo.write('deploy/config.env', 'A=1\n').commit('remove token');

  // Slack export zip.
  const slackToken = githubPat();
  tokens.push(slackToken);
  const slackZip = join(root, 'slack-export.zip');
  await writeZip(slackZip, {
    'channels.json': JSON.stringify([{ id: 'C0GENERAL', name: 'general', is_general: true, members: ['U1', 'U2'] }]),
    'users.json': JSON.stringify([{ id: 'U1', name: 'alice' }, { id: 'U2', name: 'bob' }]),
    'general/2024-01-02.json': JSON.stringify([
      { type: 'message', user: 'U1', text: 'hello', ts: '1704189600.000100' },
      { type: 'message', user: 'U2', text: `oops here is mine ${slackToken}`, ts: '1704189700.000200' },
    ]),
  });

  // Jira export (REST v3 shape, ADF description).
  const jiraToken = githubPat();
  tokens.push(jiraToken);
  const jiraFile = join(root, 'jira-export.json');
  writeFileSync(
    jiraFile,
    JSON.stringify({
      issues: [
        {
          id: '10001',
          key: 'OPS-42',
          self: 'https://example.atlassian.net/rest/api/3/issue/10001',
          fields: {
            summary: 'Deploy fails',
            description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'works with ' }, { type: 'text', text: jiraToken, marks: [{ type: 'code' }] }] }] },
            comment: { comments: [] },
          },
        },
      ],
    }),
  );

  return { root, folder, repo: repoDir, slackZip, jiraFile, tokens: [...new Set(tokens)], repeated: { token: repeated, places }, jwt, gitToken, gitCommit, slackToken, jiraToken };
}

async function writeZip(file: string, entries: Record<string, string>): Promise<void> {
  const { ZipFile } = (await import('yazl')) as typeof import('yazl');
  const { createWriteStream } = await import('node:fs');
  const zip = new ZipFile();
  for (const [name, text] of Object.entries(entries)) zip.addBuffer(Buffer.from(text), name);
  await new Promise<void>((res, rej) => {
    zip.outputStream.pipe(createWriteStream(file)).on('close', () => res()).on('error', rej);
    zip.end();
  });
}

/**
 * The parts of a token that must never be printed. Not secret, and allowed in reports: a family
 * prefix and the first 4 characters after it and the last 4 (the redacted preview), PEM armour
 * lines, and in connection strings and webhook URLs the scheme, user, host and ids (scoring
 * reasons name the host). So: the password of a connection string, the last path segment (or
 * `sig`) of a URL, the base64 body of a PEM block, and everything past the 12th character of
 * anything else (a 14-character window there cannot lie inside a preview's head).
 */
export function secretParts(token: string): string[] {
  if (token.startsWith('-----BEGIN')) return token.split(/\r?\n/).filter((l) => !l.startsWith('-----') && l.trim().length >= 16).map((l) => l.replace(/^[+\- ]/, '').trim());
  const password = /password=([^;&\s]+)/i.exec(token);
  if (password) return [password[1]!];
  const userinfo = /^[a-z][a-z0-9+.:-]*:\/\/[^\s:@/]*:([^@\s]+)@/i.exec(token);
  if (userinfo) return [userinfo[1]!];
  if (/^https?:\/\//i.test(token)) {
    const u = new URL(token);
    const sig = u.searchParams.get('sig');
    return [sig ?? u.pathname.split('/').filter(Boolean).pop() ?? token];
  }
  return [token.slice(12)];
}

/** Every window of `size` characters of the secret parts that occurs in `haystack`. */
export function leakedWindows(tokens: readonly string[], haystack: string, size = 14): string[] {
  const seen = new Set<string>();
  for (let i = 0; i + size <= haystack.length; i++) seen.add(haystack.slice(i, i + size));
  const hits: string[] = [];
  for (const t of tokens) {
    if (haystack.includes(t)) hits.push(`whole token ${t.slice(0, 6)}…`);
    for (const part of secretParts(t)) {
      for (let i = 0; i + size <= part.length; i++) {
        const w = part.slice(i, i + size);
        if (seen.has(w)) {
          hits.push(w);
          break;
        }
      }
    }
  }
  return hits;
}

export function gitAvailable(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
