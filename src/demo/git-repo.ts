/**
 * Creates a small git repository whose history leaks credentials the way real ones do: a committed
 * `.env`, "removed" in a later commit (it stays in history), a deploy config with a token, a debug
 * note with a bearer token. Commits are dated in the past so the trend chart has a history.
 *
 * Runs the `git` binary with a clean environment (no user or system config, fixed identity); when
 * git is missing the demo goes on without a repository.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TokenradiusError } from '../core/errors.js';
import type { DemoTokens } from './tokens.js';

const run = promisify(execFile);

async function git(dir: string, args: string[], at?: Date): Promise<void> {
  const date = at ? `${Math.floor(at.getTime() / 1000)} +0000` : undefined;
  try {
    await run('git', args, {
      cwd: dir,
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'Sam Backend',
        GIT_AUTHOR_EMAIL: 'sam@acme-corp.example',
        GIT_COMMITTER_NAME: 'Sam Backend',
        GIT_COMMITTER_EMAIL: 'sam@acme-corp.example',
        ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}),
      },
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TokenradiusError('INTERNAL', code === 'ENOENT' ? 'git is not installed' : `git ${args[0]} failed`, { details: { causeCode: typeof code === 'string' ? code : undefined } });
  }
}

async function commit(dir: string, message: string, at: Date): Promise<void> {
  await git(dir, ['add', '-A'], at);
  await git(dir, ['commit', '-q', '--no-gpg-sign', '-m', message], at);
}

/** Creates (or recreates) the repository at `dir`; returns its path. */
export async function writeDemoGitRepo(dir: string, tok: DemoTokens, now: Date): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'src'), { recursive: true });
  await mkdir(join(dir, 'deploy'), { recursive: true });
  await mkdir(join(dir, 'docs'), { recursive: true });
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
  await git(dir, ['init', '-q', '-b', 'main']);

  await writeFile(join(dir, 'README.md'), '# billing-api\n\nInternal billing service.\n');
  await writeFile(join(dir, 'src', 'server.js'), "const port = process.env.PORT || 3000;\nconsole.log('listening on', port);\n");
  await commit(dir, 'initial commit', daysAgo(28));

  await writeFile(
    join(dir, '.env'),
    `PORT=3000\nAWS_ACCESS_KEY_ID=${tok.aws.accessKeyId}\nAWS_SECRET_ACCESS_KEY=${tok.aws.secretAccessKey}\nSTRIPE_SECRET_KEY=${tok.stripeLive}\n`,
  );
  await commit(dir, 'local config for the payment job', daysAgo(24));

  await rm(join(dir, '.env'));
  await writeFile(join(dir, '.gitignore'), '.env\n');
  await commit(dir, 'remove .env (oops)', daysAgo(24));

  await writeFile(
    join(dir, 'deploy', 'release.yaml'),
    `name: release\nsteps:\n  - run: npm publish\n    env:\n      GITHUB_TOKEN: ${tok.githubPat}\n`,
  );
  await commit(dir, 'release pipeline', daysAgo(12));

  await writeFile(
    join(dir, 'docs', 'debugging.md'),
    `# Debugging the cluster\n\nIf the dashboard is down, query the API directly:\n\n    curl -H "Authorization: Bearer ${tok.k8sLegacy}" https://k8s.prod.acme-corp.example/api/v1/namespaces\n`,
  );
  await commit(dir, 'debugging notes', daysAgo(4));
  return dir;
}
