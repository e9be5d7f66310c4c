/**
 * API keys: admins manage them over the API (the key appears in the creation response only, never
 * in a list); the last active admin key cannot be revoked; and `tokenradius keys create` prints the
 * key alone on stdout so a script can capture it, `keys list` never shows a key, `keys revoke`
 * makes it stop working. The plaintext never reaches the database.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.js';
import { keysCommand } from '../../../src/cli/commands/keys.js';
import { API_PREFIX } from '../../../src/server/api/routes.js';
import { API_KEY_PATTERN } from '../../../src/store/api-keys.js';
import { openStore } from '../../../src/store/open.js';
import { bearer, json, startTestServer, type TestServer } from './helpers.js';

describe('API key management', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('creates a key shown once, lists keys without it, and revokes it', async () => {
    const created = await s.app.inject({ method: 'POST', url: `${API_PREFIX}/keys`, headers: bearer(s.keys.admin), payload: { role: 'responder', label: 'ci bot' } });
    expect(created.statusCode).toBe(201);
    const { key, apiKey } = json(created);
    expect(key).toMatch(API_KEY_PATTERN);
    expect(apiKey).toMatchObject({ role: 'responder', label: 'ci bot' });
    expect((await s.app.inject({ url: `${API_PREFIX}/me`, headers: bearer(key) })).statusCode).toBe(200);
    const list = await s.app.inject({ url: `${API_PREFIX}/keys`, headers: bearer(s.keys.admin) });
    expect(json(list).items.map((k: { id: string }) => k.id)).toContain(apiKey.id);
    expect(list.body).not.toContain(key);
    expect(list.body).not.toContain(key.slice(-43));
    const audit = json(await s.app.inject({ url: `${API_PREFIX}/audit?action=api-key.created`, headers: bearer(s.keys.viewer) }));
    expect(audit.items[0]).toMatchObject({ actor: `api-key:${s.keyIds.admin}`, details: { id: apiKey.id, role: 'responder' } });
    const revoked = await s.app.inject({ method: 'DELETE', url: `${API_PREFIX}/keys/${apiKey.id}`, headers: bearer(s.keys.admin) });
    expect(revoked.statusCode).toBe(200);
    expect((await s.app.inject({ url: `${API_PREFIX}/me`, headers: bearer(key) })).statusCode).toBe(401);
    let dump = '';
    for await (const t of s.store.dumpTables()) dump += t.rows.join('\n');
    expect(dump).not.toContain(key);
  });

  it('validates the body (422), 404s unknown ids, and refuses to revoke the last admin key (409)', async () => {
    const bad = await s.app.inject({ method: 'POST', url: `${API_PREFIX}/keys`, headers: bearer(s.keys.admin), payload: { role: 'root', label: '' } });
    expect(bad.statusCode).toBe(422);
    expect(json(bad).error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['label', 'role']);
    expect((await s.app.inject({ method: 'DELETE', url: `${API_PREFIX}/keys/zzzzzzzzzzzz`, headers: bearer(s.keys.admin) })).statusCode).toBe(404);
    const last = await s.app.inject({ method: 'DELETE', url: `${API_PREFIX}/keys/${s.keyIds.admin}`, headers: bearer(s.keys.admin) });
    expect(last.statusCode).toBe(409);
    expect(json(last).error.message).toMatch(/last active admin key/);
    expect((await s.app.inject({ url: `${API_PREFIX}/me`, headers: bearer(s.keys.admin) })).statusCode).toBe(200);
  });
});

function io(): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  return { io: { stdin: new PassThrough(), stdout, stderr, stdoutIsTTY: false, stderrIsTTY: false, env: {} }, out: () => out, err: () => err };
}

async function cli(args: string[]): Promise<{ out: string; err: string }> {
  const c = io();
  await keysCommand(c.io).exitOverride().parseAsync(args, { from: 'user' });
  return { out: c.out(), err: c.err() };
}

describe('tokenradius keys', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'tr-keys-')), 'data');

  it('create prints the key alone on stdout; list never shows it; revoke stops it', async () => {
    const created = await cli(['create', '--role', 'viewer', '--label', 'grafana', '--data-dir', dataDir]);
    expect(created.out).toMatch(/^trk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}\n$/);
    const key = created.out.trim();
    expect(created.err).toContain('created viewer key');
    expect(created.err).not.toContain(key);

    const listed = await cli(['list', '--json', '--data-dir', dataDir]);
    const list = JSON.parse(listed.out) as Array<{ id: string; role: string; label: string }>;
    expect(list).toEqual([expect.objectContaining({ role: 'viewer', label: 'grafana' })]);
    expect(listed.out).not.toContain(key.slice(4));
    expect((await cli(['list', '--data-dir', dataDir])).out).toMatch(/^ID\s+ROLE\s+LABEL/);

    let store = await openStore({ dataDir });
    try {
      expect(await store.verifyApiKey(key)).toMatchObject({ role: 'viewer', label: 'grafana' });
    } finally {
      await store.close();
    }
    const revoked = await cli(['revoke', list[0]!.id, '--data-dir', dataDir]);
    expect(revoked.out).toContain(`revoked viewer key ${list[0]!.id}`);
    store = await openStore({ dataDir });
    try {
      expect(await store.verifyApiKey(key)).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('refuses an unknown role and a malformed id', async () => {
    const c = io();
    await expect(keysCommand(c.io).exitOverride().parseAsync(['create', '--role', 'root', '--data-dir', dataDir], { from: 'user' })).rejects.toThrow();
    expect(c.err()).toContain("argument 'root' is invalid");
    expect(c.out()).toBe('');
    await expect(cli(['revoke', 'not-an-id', '--data-dir', dataDir])).rejects.toMatchObject({ code: 'USAGE' });
  });
});
