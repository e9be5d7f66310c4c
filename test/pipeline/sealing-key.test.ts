import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSealingKey, sealingKeyPath } from '../../src/pipeline/sealing-key.js';
import { SealingKey, seal, unseal } from '../../src/core/secrets.js';

const dir = () => mkdtempSync(join(tmpdir(), 'tr-key-'));

describe('sealing key', () => {
  it('generates a 0600 key file on first run and reuses it afterwards', () => {
    const d = join(dir(), 'data');
    const first = loadSealingKey({ env: {}, dataDir: d });
    expect(first.origin).toBe('generated');
    expect(statSync(sealingKeyPath(d)).mode & 0o777).toBe(0o600);
    const again = loadSealingKey({ env: {}, dataDir: d });
    expect(again.origin).toBe('file');
    expect(again.key.id).toBe(first.key.id);
    expect(unseal(again.key, seal(first.key, 'x', 'c'), 'c')).toBe('x');
    expect(readFileSync(sealingKeyPath(d), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('prefers TOKENRADIUS_SEALING_KEY and writes no file then', () => {
    const d = dir();
    const k = SealingKey.generate();
    const loaded = loadSealingKey({ env: { TOKENRADIUS_SEALING_KEY: k.exportHex() }, dataDir: d });
    expect(loaded).toMatchObject({ origin: 'env' });
    expect(loaded.key.id).toBe(k.id);
    expect(() => statSync(sealingKeyPath(d))).toThrow();
    expect(() => loadSealingKey({ env: { TOKENRADIUS_SEALING_KEY: 'too-short' }, dataDir: d })).toThrow(expect.objectContaining({ code: 'SEAL_KEY_INVALID' }));
  });

  it('refuses a key file other users can read, saying how to fix it', () => {
    const d = dir();
    writeFileSync(sealingKeyPath(d), SealingKey.generate().exportHex());
    chmodSync(sealingKeyPath(d), 0o644);
    expect(() => loadSealingKey({ env: {}, dataDir: d })).toThrow(/chmod 600/);
    chmodSync(sealingKeyPath(d), 0o600);
    expect(loadSealingKey({ env: {}, dataDir: d }).origin).toBe('file');
  });
});
