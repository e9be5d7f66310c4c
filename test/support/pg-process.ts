/**
 * A private PostgreSQL server the test controls (stop it, keep it down, start it again on the same
 * port and data), for outage tests that must not disturb the shared server other tests use.
 *
 *   const pg = await startPgProcess();          // initdb + pg_ctl start on 127.0.0.1:<free port>
 *   await pg.stop('immediate');                 // a crash: connections die, nothing is flushed politely
 *   await pg.start();                           // same port, same data
 *   pg.url; await pg.destroy();
 *
 * Binaries come from `/usr/lib/postgresql/<version>/bin` (Debian's postgresql package, which CI's
 * machine has). PostgreSQL refuses to run as root, so under root every command runs as the
 * `postgres` system user (`runuser -u postgres`) in a temp directory that user owns. `fsync=off`:
 * these servers hold throw-away test data and CI has two cores. `synchronous_commit` stays on: the
 * outage tests stop the server `immediate` (crash-like), and a commit the service was told about
 * must survive that, as it does in production (with it off, the last ~200 ms of commits vanished
 * in recovery: act jobs had completed, their audit lines were gone).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** The newest `/usr/lib/postgresql/<v>/bin` holding initdb and pg_ctl, if any. */
export function pgBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(base, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function postgresIds(): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Whether this machine can run a private server: `{ skip: false }` or a reason. Under CI=true a
 * missing PostgreSQL installation throws (a green CI run must mean the outage tests ran).
 */
export function requirePgBinaries(): { skip: boolean; reason?: string } {
  let reason: string | undefined;
  if (!pgBinDir()) reason = 'no /usr/lib/postgresql/*/bin/initdb';
  else if (isRoot() && !postgresIds()) reason = 'running as root and there is no postgres user to run the server as';
  if (!reason) return { skip: false };
  if (process.env.CI) throw new Error(`private PostgreSQL needed (${reason}) and CI=true: failing instead of skipping`);
  console.warn(`skipping: ${reason}`);
  return { skip: true, reason };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Run a PostgreSQL binary (as the postgres user under root); resolves with its exit status and output. */
function run(bin: string, args: string[], timeoutMs = 120_000): Promise<{ status: number | null; output: string }> {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return new Promise((resolve) => {
    const child = spawn(cmd, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    child.stdout.on('data', (d) => out.push(String(d)));
    child.stderr.on('data', (d) => out.push(String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output: out.join('') });
    });
  });
}

async function canConnect(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface PgProcess {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  url: string;
  /** Whether the server is running (as far as this helper knows). */
  readonly running: boolean;
  /**
   * Stop the server. `fast` (default) disconnects clients and shuts down cleanly; `immediate` is a
   * crash (no shutdown checkpoint: the next start runs crash recovery).
   */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Start it again on the same port and data directory; resolves once it accepts queries. */
  start(): Promise<void>;
  /** Stop it and delete its directory. */
  destroy(): Promise<void>;
}

/** initdb a fresh cluster in a temp directory and start it on 127.0.0.1 and a free port. */
export async function startPgProcess(): Promise<PgProcess> {
  const bin = pgBinDir();
  if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'tr-pg-'));
  const data = join(dir, 'data');
  if (isRoot()) {
    const ids = postgresIds();
    if (!ids) throw new Error('running as root and there is no postgres user');
    chownSync(dir, ids.uid, ids.gid);
  }
  const init = await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.output.slice(-2000)}`);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let running = false;

  const start = async () => {
    const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c full_page_writes=off -c max_connections=100`;
    const r = await run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
    if (r.status !== 0) throw new Error(`pg_ctl start failed (${r.status}): ${r.output.slice(-2000)}`);
    const until = Date.now() + 30_000;
    while (!(await canConnect(url))) {
      if (Date.now() > until) throw new Error('private PostgreSQL did not accept connections');
      await new Promise((res) => setTimeout(res, 100));
    }
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!existsSync(join(data, 'postmaster.pid'))) {
      running = false;
      return;
    }
    const r = await run(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    running = false;
    if (r.status !== 0 && existsSync(join(data, 'postmaster.pid'))) throw new Error(`pg_ctl stop failed (${r.status}): ${r.output.slice(-2000)}`);
  };

  await start();
  return {
    port,
    url,
    get running() {
      return running;
    },
    start,
    stop,
    async destroy() {
      await stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
