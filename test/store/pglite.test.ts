/**
 * The embedded store: the shared contract in memory and in a data directory, then what only an
 * embedded database has — one process per data directory, persistence across restarts, and a
 * read-only data directory. (Several processes racing for one directory: dist.test.ts.)
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import { MIGRATIONS } from '../../src/store/migrate.js';
import { describeStoreContract } from './contract.js';
import { dumpText, expectCode, newJwt, observe, planted } from './support.js';
import { DOWNGRADE_TO_V1, expectUpgradeFromV1 } from './upgrade.js';
import { PGlite } from '@electric-sql/pglite';

const root = mkdtempSync(join(tmpdir(), 'tr-store-'));
const dataDir = join(root, 'data');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeStoreContract('PGlite in memory', (clock) => createPgliteStore({ dataDir: 'memory://', clock: clock.now }));
describeStoreContract('PGlite in a data directory', (clock) => createPgliteStore({ dataDir, clock: clock.now }));

/** Run `fn` as an unprivileged user when we are root (root ignores file permissions). */
async function asUnprivileged<T>(fn: () => Promise<T>): Promise<T> {
  const root = process.getuid?.() === 0;
  if (root) process.seteuid!(65534);
  try {
    return await fn();
  } finally {
    if (root) process.seteuid!(0);
  }
}

function deadPid(): number {
  // a process that has certainly exited
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('PGlite data directory', () => {
  it('keeps everything across a restart, without migrating again', async () => {
    // the contract above has written to `dataDir` and closed its store
    const store = await createPgliteStore({ dataDir });
    try {
      expect((await store.listFindings({ limit: 500 })).items.length).toBeGreaterThan(20);
      expect((await store.ping()).schemaVersion).toBe(MIGRATIONS.length);
      expect(existsSync(join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
      expect(JSON.parse(readFileSync(join(dataDir, 'pg.lock'), 'utf8'))).toMatchObject({ pid: process.pid });
    } finally {
      await store.close();
    }
    expect(existsSync(join(dataDir, 'pg.lock'))).toBe(false);
  });

  it('upgrades a data directory written at schema version 1 and keeps its findings', async () => {
    const dir = join(root, 'v1');
    await expectUpgradeFromV1(
      () => createPgliteStore({ dataDir: dir }),
      async () => {
        const db = await PGlite.create(join(dir, 'pg'));
        try {
          await db.exec(DOWNGRADE_TO_V1);
          expect((await db.query<{ v: number }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]!.v).toBe(1);
        } finally {
          await db.close();
        }
      },
    );
  });

  it('lets only one opener have a data directory, naming the holder to the others', async () => {
    const attempts = await Promise.allSettled([createPgliteStore({ dataDir }), createPgliteStore({ dataDir }), openStore({ dataDir })]);
    const opened = attempts.filter((a) => a.status === 'fulfilled');
    expect(opened).toHaveLength(1);
    for (const a of attempts) {
      if (a.status === 'rejected') {
        expect(a.reason).toMatchObject({ code: 'STORE_UNAVAILABLE' });
        expect(String(a.reason.message)).toMatch(/in use by this process/);
        expect(String(a.reason.message)).toMatch(/DATABASE_URL/);
      }
    }
    const store = (opened[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof createPgliteStore>>>).value;
    await store.close();
    const again = await createPgliteStore({ dataDir });
    await again.close();
  });

  it('refuses a directory held by another live process, and takes over a stale lock', async () => {
    const lockPath = join(dataDir, 'pg.lock');
    const live = process.ppid; // a live process that is not us: our parent (the vitest main process)
    writeFileSync(lockPath, JSON.stringify({ pid: live, host: (await import('node:os')).hostname(), startedAt: new Date().toISOString() }));
    const e = await expectCode(createPgliteStore({ dataDir }), 'STORE_UNAVAILABLE');
    expect(e.message).toContain(`process ${live}`);
    expect(e.retry).toBe('never');
    expect(existsSync(lockPath)).toBe(true); // not stolen

    writeFileSync(lockPath, JSON.stringify({ pid: deadPid(), host: (await import('node:os')).hostname(), startedAt: '2020-01-01T00:00:00Z' }));
    const store = await createPgliteStore({ dataDir });
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    await store.close();

    writeFileSync(lockPath, 'garbage');
    const store2 = await createPgliteStore({ dataDir });
    await store2.close();

    // another host: cannot tell whether it is alive, so refuse and say how to recover
    writeFileSync(lockPath, JSON.stringify({ pid: 1, host: 'some-other-host', startedAt: '2020-01-01T00:00:00Z' }));
    const e2 = await expectCode(createPgliteStore({ dataDir }), 'STORE_UNAVAILABLE');
    expect(e2.message).toContain(`delete ${lockPath}`);
    rmSync(lockPath);
  });

  it('reports STORE_READ_ONLY for a data directory it cannot write, and corrupts nothing', async () => {
    const before = await createPgliteStore({ dataDir });
    const count = (await before.listFindings({ limit: 500 })).items.length;
    await before.close();
    chmodSync(root, 0o755);
    chmodSync(dataDir, 0o555);
    try {
      const e = await asUnprivileged(() => expectCode(createPgliteStore({ dataDir }), 'STORE_READ_ONLY'));
      expect(e.message).toContain(dataDir);
      expect(e.message).toMatch(/not writable/);
      // a data directory that cannot even be created
      const e2 = await asUnprivileged(() => expectCode(createPgliteStore({ dataDir: join(dataDir, 'nested', 'new') }), 'STORE_READ_ONLY'));
      expect(e2.message).toMatch(/not writable/);
      // the directory is writable but the database files are not (a chmod -R, a wrong owner)
      chmodSync(dataDir, 0o777);
      spawnSync('chmod', ['-R', 'a-w,a+rX', join(dataDir, 'pg')]);
      const e3 = await asUnprivileged(() => expectCode(createPgliteStore({ dataDir }), 'STORE_READ_ONLY'));
      expect(e3.message).toMatch(/pg\/ are writable/);
    } finally {
      spawnSync('chmod', ['-R', 'u+w', join(dataDir, 'pg')]);
      chmodSync(dataDir, 0o700);
      chmodSync(root, 0o700);
    }
    expect(existsSync(join(dataDir, 'pg.lock'))).toBe(false);
    const after = await createPgliteStore({ dataDir });
    try {
      expect((await after.listFindings({ limit: 500 })).items.length).toBe(count);
      expect((await after.upsert(observe(newJwt()))).change).toBe('new');
    } finally {
      await after.close();
    }
  });

  it('a data directory in a path that is a file is a clear error', async () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'x');
    const e = await expectCode(createPgliteStore({ dataDir: file }), 'STORE_UNAVAILABLE');
    expect(e.message).toContain(file);
    expect(e.retry).toBe('never');
  });

  it('holds no planted raw token in its files', async () => {
    const store = await createPgliteStore({ dataDir });
    try {
      const text = await dumpText(store);
      expect(planted.length).toBeGreaterThan(20);
      expect(planted.filter((t) => text.includes(t))).toEqual([]);
    } finally {
      await store.close();
    }
    // the raw bytes on disk too (heap pages, WAL)
    const grep = spawnSync('grep', ['-rlF', '-e', planted[0]!, ...planted.slice(1, 200).flatMap((t) => ['-e', t]), dataDir], { encoding: 'utf8' });
    expect(grep.stdout).toBe('');
  });
});

describe('openStore', () => {
  it('chooses PGlite without a database URL, creating a missing data directory', async () => {
    const fresh = join(root, 'fresh', 'nested');
    const store = await openStore({ dataDir: fresh, databaseUrl: '' });
    try {
      expect((await store.ping()).backend).toBe('pglite');
    } finally {
      await store.close();
    }
    expect(existsSync(join(fresh, 'pg', 'PG_VERSION'))).toBe(true);
  }, 180_000);
});
