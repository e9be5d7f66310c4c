/**
 * What `tokenradius serve` does once it is listening, for a newcomer on embedded defaults:
 *
 * 1. no active admin API key yet ⇒ create one and print it ONCE on stdout, with the console URL,
 *    when stdout is a terminal (`npm start`). When it is not (a container, a supervisor, a pipe into
 *    a log collector) the key goes to `<dataDir>/first-run-admin.key` (mode 0600) instead and a log
 *    line says where: log pipelines are exactly where keys must not end up;
 * 2. the embedded store is empty (no DATABASE_URL), the demo is enabled (`console.demo`, not
 *    `--no-demo`) ⇒ load the demo in the background (`runDemo`), logging when it is done.
 *
 * A shared PostgreSQL store never gets demo data: it is someone's real store.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { describeError } from '../core/errors.js';
import type { RunningService } from '../pipeline/service.js';
import { ensureAdminKey } from '../server/auth/bootstrap.js';
import { runDemo, storeIsEmpty, type DemoResult } from './index.js';

export interface FirstRunOptions {
  /** `--no-demo` sets false; `console.demo` in the config can also turn it off. */
  demo: boolean;
  dataDir: string;
  stdout: Writable & { isTTY?: boolean };
}

export const ADMIN_KEY_FILE = 'first-run-admin.key';

export interface FirstRun {
  /** Resolves when the demo has loaded (or was not needed, or failed: logged). */
  demo: Promise<DemoResult | null>;
  /** Stop loading the demo (shutdown). */
  stop(): void;
}

function consoleUrl(url: string | undefined): string {
  if (!url) return '(not listening)';
  // 127.0.0.1 and localhost are the same machine; the README says localhost.
  return `${url.replace('://127.0.0.1:', '://localhost:')}/console/`;
}

export async function firstRun(service: RunningService, o: FirstRunOptions): Promise<FirstRun> {
  const { store, logger, loaded, config } = service.deps;
  const lines: string[] = [];
  const admin = await ensureAdminKey(store);
  if (admin && o.stdout.isTTY) {
    lines.push(
      '',
      `tokenradius console: ${consoleUrl(service.url)}`,
      '',
      'First run: an admin API key was created. It is shown only this once; keep it somewhere safe:',
      '',
      `    ${admin.key}`,
      '',
      'Sign in to the console with it. Create keys for your team on its API keys page or with',
      '`tokenradius keys create --role viewer|responder|admin` (when serve is not running on the same data dir).',
      '',
    );
  } else if (admin) {
    const path = resolve(join(o.dataDir, ADMIN_KEY_FILE));
    try {
      mkdirSync(o.dataDir, { recursive: true });
      writeFileSync(path, `${admin.key}\n`, { mode: 0o600, flag: 'w' });
      logger.warn({ path, console: consoleUrl(service.url) }, 'first run: an admin API key was written to this file (mode 0600); sign in with it, keep it safe, delete the file');
    } catch (e) {
      // Nobody would ever see this key: do not leave an unknown admin key behind.
      await store.revokeApiKey(admin.id, 'system:first-run');
      logger.warn({ err: describeError(e) }, 'first run: could not write the admin key file; create a key with `tokenradius keys create --role admin`');
    }
  }

  const ac = new AbortController();
  const embedded = !loaded.env.DATABASE_URL;
  const wantDemo = o.demo && config.console.demo && embedded;
  let demo: Promise<DemoResult | null> = Promise.resolve(null);
  if (wantDemo && (await storeIsEmpty(store))) {
    lines.push('Loading the demo: a generated Slack export and git repository with planted tokens (tokenradius serve --no-demo skips it).', '');
    logger.info({ dir: o.dataDir }, 'first run: loading the demo into the empty store (serve --no-demo skips it)');
    demo = runDemo(o.dataDir, { handlers: service.deps.handlers, store, scan: config.scan, logger, signal: ac.signal })
      .then((r) => {
        logger.info({ findings: r.findings, bySeverity: r.bySeverity, dir: r.dir }, 'demo loaded: open the console to review the findings');
        return r;
      })
      .catch((e: unknown) => {
        if (!ac.signal.aborted) logger.warn({ err: describeError(e) }, 'demo could not be loaded');
        return null;
      });
  }
  // Plain text only on a terminal: anything else gets JSON log lines only.
  if (lines.length > 0 && o.stdout.isTTY) o.stdout.write(lines.join('\n') + '\n');
  return { demo, stop: () => ac.abort() };
}
