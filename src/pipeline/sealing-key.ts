/**
 * The sealing key (AES-256-GCM) that protects queue payloads and stored tokens.
 *
 * - `TOKENRADIUS_SEALING_KEY` (64 hex characters or base64 of 32 bytes) wins. Every process of a
 *   deployment (api, workers on other machines) must share it: set it in service deployments.
 * - Otherwise (embedded defaults, one machine) the key lives in `<dataDir>/sealing.key`, generated
 *   with mode 0600 on first run. A key file that group or others may read is refused: a key anyone
 *   on the machine can read protects nothing, and silently carrying on would hide that.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenradiusError } from '../core/errors.js';
import { SealingKey } from '../core/secrets.js';

export interface LoadedSealingKey {
  key: SealingKey;
  origin: 'env' | 'file' | 'generated';
  /** The key file, when the key came from (or went to) one. */
  path?: string;
}

export function sealingKeyPath(dataDir: string): string {
  return join(dataDir, 'sealing.key');
}

function readKeyFile(path: string): SealingKey {
  const st = statSync(path);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new TokenradiusError(
      'SEAL_KEY_INVALID',
      `${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${path}`,
      { details: { path } },
    );
  }
  return SealingKey.parse(readFileSync(path, 'utf8'));
}

export function loadSealingKey(opts: { env: Readonly<Record<string, string>>; dataDir: string }): LoadedSealingKey {
  const fromEnv = opts.env.TOKENRADIUS_SEALING_KEY;
  if (fromEnv) return { key: SealingKey.parse(fromEnv), origin: 'env' };

  const path = sealingKeyPath(opts.dataDir);
  try {
    return { key: readKeyFile(path), origin: 'file', path };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (e instanceof TokenradiusError) throw e;
      throw new TokenradiusError('STORE_READ_ONLY', `cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { details: { path } });
    }
  }
  const key = SealingKey.generate();
  try {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    // `wx`: if another process created it first, use theirs instead of overwriting it.
    writeFileSync(path, key.exportHex() + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return { key, origin: 'generated', path };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { key: readKeyFile(path), origin: 'file', path };
    throw new TokenradiusError('STORE_READ_ONLY', `cannot create ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { details: { path } });
  }
}
