/**
 * The embedded store (PGlite) when its data directory fills up or turns read-only WHILE the
 * process runs — on a small tmpfs this test mounts (root only; skipped with a note elsewhere):
 * writes fail with a clear STORE_READ_ONLY (never a crash, never a driver message), reads keep
 * working, and once space is back the directory reopens with every earlier finding intact and
 * accepts writes again. A volume that comes back read-only: a clear STORE_READ_ONLY at start (the
 * service refuses to start), data intact once it is writable again.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/core/secrets.js';
import { isTokenradiusError } from '../../src/core/errors.js';
import { createPgliteStore } from '../../src/store/pglite.js';
import type { FindingStore } from '../../src/store/types.js';
import { resolveConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observe/logger.js';
import { startService } from '../../src/pipeline/service.js';
import { newJwt, observe, planted } from '../store/support.js';

const mnt = mkdtempSync(join(tmpdir(), 'tr-disk-'));

function tryMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=160m,mode=0700', 'tmpfs', mnt], { encoding: 'utf8' });
  return r.status === 0;
}
const mounted = tryMount();
if (!mounted) console.warn('skipping: cannot mount a tmpfs here (needs root and mount rights)');

afterAll(() => {
  if (mounted) spawnSync('umount', ['-l', mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

/** Fill the filesystem: write a filler file until ENOSPC. Returns its path. */
function fill(dir: string): string {
  const path = join(dir, 'filler.bin');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(1024 * 1024, 7);
  try {
    for (;;) writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  // The last few KiB too.
  const small = Buffer.alloc(4096, 7);
  try {
    for (;;) writeSync(fd, small);
  } catch {
    // full
  } finally {
    closeSync(fd);
  }
  return path;
}

async function writeUntilRefused(store: FindingStore, max = 400): Promise<{ code: string; message: string; written: string[] }> {
  const written: string[] = [];
  for (let i = 0; i < max; i++) {
    const t = newJwt({ note: 'x'.repeat(2000) });
    try {
      await store.upsert(observe(t));
      written.push(t);
    } catch (e) {
      expect(isTokenradiusError(e)).toBe(true);
      const err = e as { code: string; message: string };
      return { code: err.code, message: err.message, written };
    }
  }
  throw new Error('the store never refused a write on a full disk');
}

describe.skipIf(!mounted)('embedded store on a full or read-only data directory', () => {
  it('a full disk: STORE_READ_ONLY, reads still work, and after space is freed the data is intact', async () => {
    const dataDir = join(mnt, 'full');
    mkdirSync(dataDir);
    const store = await createPgliteStore({ dataDir });
    const before = Array.from({ length: 20 }, () => newJwt());
    for (const t of before) expect((await store.upsert(observe(t))).change).toBe('new');

    const filler = fill(mnt);
    const refused = await writeUntilRefused(store);
    expect(refused.code).toBe('STORE_READ_ONLY');
    expect(refused.message).toMatch(/read-only or full/);
    for (const t of planted) expect(refused.message).not.toContain(t.slice(0, 30));
    // Reads keep answering (a responder can still look at findings).
    expect(await store.getFinding(fingerprint(before[0]!))).not.toBeNull();
    await store.close().catch(() => undefined);

    rmSync(filler);
    const again = await createPgliteStore({ dataDir });
    try {
      for (const t of [...before, ...refused.written]) expect(await again.getFinding(fingerprint(t)), 'finding written before the disk filled').not.toBeNull();
      expect((await again.upsert(observe(newJwt()))).change).toBe('new');
    } finally {
      await again.close();
    }
  }, 180_000);

  it('a data directory on a volume remounted read-only: a clear STORE_READ_ONLY at start, and intact once writable again', async () => {
    // (A running store keeps its files open for writing, which the kernel will not remount
    // read-only under it; the realistic case is a volume that comes back read-only after a restart.)
    const dataDir = join(mnt, 'ro');
    mkdirSync(dataDir);
    const store = await createPgliteStore({ dataDir });
    const before = Array.from({ length: 20 }, () => newJwt());
    for (const t of before) await store.upsert(observe(t));
    await store.close();

    const ro = spawnSync('mount', ['-o', 'remount,ro', mnt], { encoding: 'utf8' });
    expect(ro.status, ro.stderr).toBe(0);
    try {
      const e = await createPgliteStore({ dataDir }).then(
        () => undefined,
        (err: unknown) => err as { code: string; message: string },
      );
      expect(e?.code).toBe('STORE_READ_ONLY');
      expect(e?.message).toContain(dataDir);
      // The whole service refuses to start with the same clear error (no crash, no half-open state).
      const loaded = resolveConfig({ dataDir }, {});
      await expect(startService(loaded, { http: true, port: 0, roles: ['scan', 'act'], deps: { logger: silentLogger() } })).rejects.toMatchObject({ code: 'STORE_READ_ONLY' });
    } finally {
      expect(spawnSync('mount', ['-o', 'remount,rw', mnt]).status).toBe(0);
    }
    const again = await createPgliteStore({ dataDir });
    try {
      for (const t of before) expect(await again.getFinding(fingerprint(t))).not.toBeNull();
      expect((await again.upsert(observe(newJwt()))).change).toBe('new');
    } finally {
      await again.close();
    }
  }, 180_000);
});
