/**
 * Real git repositories built in a temp dir at test time. Author, committer and dates are fixed
 * per commit so assertions can name them; the user's global git config is ignored.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const BASE_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

export function tempDir(label = 'tr'): string {
  return mkdtempSync(join(tmpdir(), `${label}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export class TestRepo {
  private tick = 0;
  constructor(readonly dir: string) {}

  static init(dir = tempDir('repo'), branch = 'main'): TestRepo {
    mkdirSync(dir, { recursive: true });
    const r = new TestRepo(dir);
    r.git('init', '-q', '-b', branch);
    r.git('config', 'user.name', 'Test Author');
    r.git('config', 'user.email', 'author@example.test');
    r.git('config', 'commit.gpgsign', 'false');
    return r;
  }

  git(...args: string[]): string {
    const date = `2024-01-${String(1 + (this.tick % 28)).padStart(2, '0')}T10:00:00Z`;
    return execFileSync('git', args, {
      cwd: this.dir,
      env: { ...BASE_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1024 * 1024 * 1024,
    }).toString('utf8');
  }

  write(path: string, content: string | Buffer): this {
    const abs = join(this.dir, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
    return this;
  }

  /** Stage everything and commit; returns the new commit sha. */
  commit(message: string, opts: { author?: string } = {}): string {
    this.tick += 1;
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message, ...(opts.author ? ['--author', opts.author] : []));
    return this.head();
  }

  head(): string {
    return this.git('rev-parse', 'HEAD').trim();
  }

  /** The ISO author date git records for a commit. */
  dateOf(sha: string): string {
    return this.git('log', '-1', '--format=%aI', sha).trim();
  }
}

/**
 * A synthetic history made in one `git fast-import` run (thousands of commits in a second or two):
 * each commit appends `linesPerCommit` random lines to one of `files` files (last 200 lines kept).
 */
export function syntheticHistory(dir: string, opts: { commits: number; files: number; linesPerCommit: number; branch?: string }): TestRepo {
  const r = TestRepo.init(dir, opts.branch ?? 'main');
  const parts: Buffer[] = [];
  const content = new Map<number, string[]>();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let i = 0; i < opts.commits; i++) {
    const f = rnd() % opts.files;
    const lines = content.get(f) ?? [];
    for (let k = 0; k < opts.linesPerCommit; k++) {
      let s = `c${i} l${k} `;
      for (let j = 0; j < 60; j++) s += alphabet[rnd() % alphabet.length];
      lines.push(s);
    }
    const kept = lines.slice(-200);
    content.set(f, kept);
    const data = Buffer.from(kept.join('\n') + '\n');
    const when = 1_700_000_000 + i;
    parts.push(
      Buffer.from(
        `commit refs/heads/${opts.branch ?? 'main'}\nmark :${i + 1}\nauthor Synth <synth@example.test> ${when} +0000\ncommitter Synth <synth@example.test> ${when} +0000\ndata 2\nc\n` +
          (i > 0 ? `from :${i}\n` : '') +
          `M 644 inline src/file${f}.txt\ndata ${data.length}\n`,
      ),
      data,
      Buffer.from('\n'),
    );
  }
  parts.push(Buffer.from('done\n'));
  execFileSync('git', ['fast-import', '--quiet', '--done'], { cwd: r.dir, input: Buffer.concat(parts), env: BASE_ENV, stdio: ['pipe', 'ignore', 'pipe'] });
  return r;
}
