import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { fingerprint, redact, seal, SealingKey, unseal } from '../../src/core/secrets.js';
import { TokenradiusError } from '../../src/core/errors.js';

const randomToken = (prefix: string, n: number) => prefix + randomBytes(n).toString('base64url').slice(0, n);

describe('fingerprint', () => {
  it('is sha256: + lowercase hex of the UTF-8 token', () => {
    expect(fingerprint('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(fingerprint('é')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fingerprint('é')).not.toBe(fingerprint('e'));
  });
});

describe('seal / unseal', () => {
  const key = SealingKey.generate();
  it('round-trips and binds the context', () => {
    const t = randomToken('ghp_', 36);
    const s = seal(key, t, 'token:x');
    expect(s).not.toContain(t);
    expect(unseal(key, s, 'token:x')).toBe(t);
    expect(() => unseal(key, s, 'token:y')).toThrow(TokenradiusError);
  });
  it('rejects another key and tampering with a typed error', () => {
    const s = seal(key, 'secret');
    expect(() => unseal(SealingKey.generate(), s)).toThrow(/different key/);
    const parts = s.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => unseal(key, parts.join('.'))).toThrow(/failed authentication/);
  });
  it('parses hex and base64 keys and refuses wrong lengths', () => {
    const hex = key.exportHex();
    expect(SealingKey.parse(hex).id).toBe(key.id);
    expect(SealingKey.parse(Buffer.from(hex, 'hex').toString('base64')).id).toBe(key.id);
    expect(() => SealingKey.parse('abcd')).toThrow(TokenradiusError);
  });
});

describe('redact', () => {
  it('never contains the secret body', () => {
    for (const t of [randomToken('ghp_', 36), randomToken('xoxb-1234-', 30), randomToken('eyJ', 200), randomToken('', 24)]) {
      const r = redact(t);
      expect(r).not.toContain(t.slice(4, -4));
      expect(r).toContain(`[${t.length} chars]`);
    }
  });
  it('hides URL passwords and PEM bodies', () => {
    const pw = randomBytes(9).toString('hex');
    expect(redact(`postgres://app:${pw}@db.prod.example:5432/x`)).toBe(`postgres://app:****@db.prod.example:5432…[${`postgres://app:${pw}@db.prod.example:5432/x`.length} chars]`);
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${randomBytes(60).toString('base64')}\n-----END RSA PRIVATE KEY-----`;
    expect(redact(pem)).toMatch(/^-----BEGIN RSA PRIVATE KEY-----…\[\d+ chars\]$/);
  });
});

describe('redact connection strings', () => {
  it('shows no tail when the secret carries a password= parameter', () => {
    const pw = randomBytes(8).toString('hex');
    for (const s of [`jdbc:postgresql://db.example:5432/app?user=app&password=${pw}`, `Server=db;Database=app;User Id=app;Password=${pw}`]) {
      const r = redact(s);
      expect(r).not.toContain(pw.slice(-4));
      expect(r).toContain(`[${s.length} chars]`);
    }
  });
});
