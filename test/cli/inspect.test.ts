/**
 * `tokenradius inspect`: offline decode and explanation of one token. Most cases run the command
 * in-process with fake streams; a few run the built CLI to prove registration, exit codes and that
 * stderr never echoes the input.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInspect, type InspectCliOptions, type InspectReport } from '../../src/cli/commands/inspect.js';
import type { CliIo } from '../../src/cli/io.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { startFakeOidc, startTcpTrap, type FakeOidc, type TcpTrap } from '../support/fake-oidc.js';
import { encryptedJwt, fakeSignedJwt, inDays, inHours, nowSeconds, sdJwt, unsignedJwt } from '../support/jwt-factory.js';
import { githubPat, pemPrivateKey, slackWebhookUrl } from '../support/token-factory.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const NOW = new Date();

function fakeIo(stdin: string | Buffer = '', env: Record<string, string> = {}): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const io: CliIo = { stdin: Readable.from([Buffer.isBuffer(stdin) ? stdin : Buffer.from(stdin, 'utf8')]), stdout, stderr, stdoutIsTTY: false, stderrIsTTY: false, env };
  return { io, out: () => out, err: () => err };
}

async function inspect(arg: string | undefined, opts: InspectCliOptions = {}, stdin = '', env: Record<string, string> = {}) {
  const f = fakeIo(stdin, env);
  const code = await runInspect(arg, opts, f.io, { now: () => NOW });
  return { code, out: f.out(), err: f.err() };
}

async function inspectJson(arg: string | undefined, opts: InspectCliOptions = {}, stdin = '', env: Record<string, string> = {}): Promise<InspectReport> {
  const r = await inspect(arg, { ...opts, format: 'json' }, stdin, env);
  return JSON.parse(r.out) as InspectReport;
}

function cli(args: string[], input: string | Buffer, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const embeddedSecret = `Q${Buffer.from(Array.from({ length: 24 }, () => Math.floor(Math.random() * 256))).toString('base64url')}`;
const entraClaims = () => ({
  iss: 'https://login.microsoftonline.com/7d3c8f2a-5b1e-4c9d-a6f0-2e8b4d1c9a73/v2.0',
  ver: '2.0',
  tid: '7d3c8f2a-5b1e-4c9d-a6f0-2e8b4d1c9a73',
  aud: 'https://graph.microsoft.com',
  azp: 'f1e2d3c4-b5a6-4789-8a7b-6c5d4e3f2a1b',
  oid: 'o-1',
  sub: 's-1',
  scp: 'User.Read',
  wids: ['62e90394-69f5-4237-9190-012177145e10'],
  client_secret: embeddedSecret,
  iat: nowSeconds() - 60,
  exp: inHours(1),
});

describe('tokenradius inspect (in-process)', () => {
  it('explains a JWT read from stdin: header, masked claims, profile, liveness, factor bars — never the raw token', async () => {
    const token = fakeSignedJwt(entraClaims());
    const r = await inspect(undefined, {}, `Authorization: Bearer ${token}\n`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/offline: nothing was sent anywhere/);
    expect(r.out).toMatch(/Fingerprint\s+sha256:[0-9a-f]{64}/);
    expect(r.out).toMatch(/"alg": "RS256"/);
    // Pretty-printed JSON keeps its line breaks (one indented line per key), no replacement characters.
    expect(r.out).toMatch(/^Header\n {4}\{\n {6}"alg": "RS256",\n/m);
    expect(r.out).not.toContain('\ufffd');
    expect(r.out).toMatch(/family entra-v2/);
    expect(r.out).toMatch(/owner\s+62e90394-69f5-4237-9190-012177145e10 \(directory-role: Entra Global Administrator\)/);
    expect(r.out).toMatch(/Liveness\s+unverifiable/);
    expect(r.out).toMatch(/Blast radius\s+\d+\/100 (INFO|LOW|MEDIUM|HIGH|CRITICAL)/);
    expect(r.out).toMatch(/privilege\s+\+45\s+█+\s+owner/);
    expect(r.out).toMatch(/liveness\s+-\d+\s+░+/);
    expect(r.out).not.toContain(token);
    expect(r.out).not.toContain(token.split('.')[1]);
    expect(r.out).not.toContain(embeddedSecret);
  });

  it('--format json: the same explanation as data; factors add up; secrets masked', async () => {
    const token = fakeSignedJwt(entraClaims());
    const rep = await inspectJson('-', {}, token);
    expect(rep.kind).toBe('jwt');
    expect(rep.jwtForm).toBe('jws');
    expect(rep.offline).toBe(true);
    expect(rep.profile?.issuerFamily).toBe('entra-v2');
    expect(rep.claims?.client_secret).toMatch(/…/);
    expect(rep.maskedClaims).toContainEqual(expect.objectContaining({ path: 'client_secret' }));
    expect(rep.blastRadius.factors.reduce((s, f) => s + f.points, 0)).toBe(rep.blastRadius.score);
    expect(rep.liveness.state).toBe('unverifiable');
    expect(JSON.stringify(rep)).not.toContain(token);
    expect(JSON.stringify(rep)).not.toContain(embeddedSecret);
  });

  it('JWE, unsecured and SD-JWT forms are explained for what they are', async () => {
    const jwe = await inspectJson('-', {}, await encryptedJwt({ iss: 'https://acme.okta.com', sub: 'u' }));
    expect(jwe.jwtForm).toBe('jwe');
    expect(jwe.claims).toBeUndefined();
    expect(jwe.profile?.issuerFamily).toBe('okta');
    expect(jwe.blastRadius.factors.find((f) => f.id === 'lifetime')?.reason).toMatch(/expiry not readable \(encrypted claims\)/);
    const none = await inspectJson('-', {}, unsignedJwt({}, { iss: 'https://as.acme.io', sub: 'u', scope: 'admin', exp: inHours(2) }));
    expect(none.jwtForm).toBe('unsecured');
    expect(none.notes.join(' ')).toMatch(/alg none/);
    const sd = await inspectJson('-', {}, await sdJwt({ iss: 'https://issuer.acme.io', sub: 'u', exp: inHours(2) }, [['email', 'a@acme.io']]));
    expect(sd.jwtForm).toBe('sd-jwt');
    expect(sd.notes.join(' ')).toMatch(/SD-JWT with 1 disclosure/);
  });

  it('claims cannot drive the terminal: escape sequences and bidi overrides are neutralised', async () => {
    const token = fakeSignedJwt({ iss: 'https://as.acme.io', sub: '\u001b[2J\u001b]8;;https://evil.example\u0007click\u202eevil', scope: 'read \u001b[31mwrite', tenant: 'a\u2066b', exp: inHours(1) });
    const r = await inspect('-', {}, token);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it('a token given as an argument works, with a note about shell history', async () => {
    const token = fakeSignedJwt({ iss: 'https://as.acme.io', sub: 'u', scope: 'read', exp: inHours(1) });
    const r = await inspect(token);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/shell history/);
    expect(r.out).not.toContain(token);
  });

  it('an expired token is at most low, and says it is expired', async () => {
    const rep = await inspectJson('-', {}, fakeSignedJwt({ ...entraClaims(), iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }));
    expect(rep.liveness.state).toBe('expired');
    expect(['info', 'low']).toContain(rep.blastRadius.severity);
    expect(rep.blastRadius.factors.find((f) => f.id === 'cap-inactive')?.reason).toMatch(/expired/);
  });

  it('secrets no masker recognises are still hidden when the scorer flags them', async () => {
    const licence = `L${Buffer.from(Array.from({ length: 20 }, () => Math.floor(Math.random() * 256))).toString('hex')}`;
    const token = fakeSignedJwt({ iss: 'https://as.acme.io', sub: 'u', scope: 'read', license_key: licence, exp: inHours(1) });
    const rep = await inspectJson('-', {}, token);
    expect(rep.profile?.overEnrichment).toContainEqual(expect.objectContaining({ claim: 'license_key', kind: 'secret' }));
    expect(JSON.stringify(rep)).not.toContain(licence);
  });

  it('explains a non-JWT credential from its rule’s reach; liveness unknown; only the redacted form', async () => {
    const pat = githubPat();
    const rep = await inspectJson('-', {}, `export GITHUB_TOKEN=${pat}\n`);
    expect(rep.kind).toBe('credential');
    expect(rep.rule).toMatch(/github/);
    expect(rep.reach?.privilege).toBeDefined();
    expect(rep.liveness.state).toBe('unknown');
    expect(rep.blastRadius.factors.find((f) => f.id === 'privilege')?.reason).toContain(rep.reach!.scope);
    expect(rep.redacted).toMatch(/^ghp_/);
    expect(JSON.stringify(rep)).not.toContain(pat);
  });

  it('a Slack webhook scores below an unencrypted private key', async () => {
    const hook = await inspectJson('-', {}, slackWebhookUrl());
    const key = await inspectJson('-', {}, pemPrivateKey('rsa'));
    expect(hook.kind).toBe('credential');
    expect(key.kind).toBe('credential');
    expect(key.blastRadius.score).toBeGreaterThan(hook.blastRadius.score);
  });

  it('several tokens in the input: inspects the first and says so', async () => {
    const rep = await inspectJson('-', {}, `first ${githubPat()} then ${fakeSignedJwt({ sub: 'x', exp: inHours(1) })}\n`);
    expect(rep.notes.join(' ')).toMatch(/holds 2 tokens: inspecting the first/);
  });

  it('input that is not a token: JWT_MALFORMED without echoing the input', async () => {
    const marker = 'zebra-7f3a-not-a-token';
    for (const input of [`hello ${marker}`, `eyJ${marker}.eyJ${marker}.x`, '']) {
      await expect(inspect('-', {}, input)).rejects.toSatisfy((e: unknown) => e instanceof TokenradiusError && e.code === 'JWT_MALFORMED' && !e.message.includes(marker));
    }
  });

  it('invalid UTF-8, lone surrogates and oversized input are clear typed errors', async () => {
    const bad = fakeIo(Buffer.from([0x65, 0x79, 0x4a, 0xff, 0xfe, 0x80]));
    await expect(runInspect('-', {}, bad.io)).rejects.toMatchObject({ code: 'JWT_MALFORMED', message: expect.stringMatching(/UTF-8/) });
    await expect(inspect('abc\uD800def')).rejects.toMatchObject({ code: 'JWT_MALFORMED' });
    const big = fakeIo(Buffer.alloc(1024 * 1024 + 10, 0x61));
    await expect(runInspect('-', {}, big.io)).rejects.toMatchObject({ code: 'INPUT_TOO_LARGE' });
  });

  it('--config tunes the score: a weight change in the file changes the result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tr-inspect-'));
    const file = join(dir, 'tokenradius.yaml');
    writeFileSync(file, 'score:\n  weights:\n    privilege:\n      owner: 10\n');
    const token = fakeSignedJwt(entraClaims());
    const base = await inspectJson('-', {}, token);
    const tuned = await inspectJson('-', { config: file }, token);
    expect(base.blastRadius.factors.find((f) => f.id === 'privilege')?.points).toBe(45);
    expect(tuned.blastRadius.factors.find((f) => f.id === 'privilege')?.points).toBe(10);
    expect(tuned.blastRadius.score).toBeLessThan(base.blastRadius.score);
  });
});

describe('tokenradius inspect: offline unless --verify with a trusted issuer', () => {
  let idp: FakeOidc;
  let trap: TcpTrap;
  let config: string;
  beforeAll(async () => {
    idp = await startFakeOidc({ keys: ['RS256'] });
    trap = await startTcpTrap('127.0.0.3');
    const dir = mkdtempSync(join(tmpdir(), 'tr-inspect-trust-'));
    config = join(dir, 'trust.yaml');
    writeFileSync(config, `trust:\n  issuers:\n    - issuer: ${idp.issuer}\n`);
  });
  afterAll(async () => {
    await idp.close();
    await trap.close();
  });

  it('without --verify nothing is contacted, even for a trusted issuer or a token naming other hosts', async () => {
    const token = await idp.signToken({ sub: 'u', scope: 'admin', exp: inHours(1) }, { header: { jku: `${trap.origin}/jwks`, x5u: `${trap.origin}/cert` } });
    const before = idp.connections;
    const rep = await inspectJson('-', { config }, token);
    expect(rep.offline).toBe(true);
    expect(rep.liveness.state).toBe('unverifiable');
    expect(rep.liveness.checkedBy).toEqual(['temporal']);
    expect(idp.connections).toBe(before);
    expect(trap.connections).toBe(0);
  });

  it('with --verify the trusted issuer’s JWKS is checked: live scores above the same token unverified', async () => {
    const token = await idp.signToken({ sub: 'u', scope: 'admin', exp: inDays(1) });
    const offline = await inspectJson('-', { config }, token);
    const verified = await inspectJson('-', { config, verify: true }, token);
    expect(verified.offline).toBe(false);
    expect(verified.liveness.state).toBe('live');
    expect(verified.liveness.checkedBy).toContain('jwks');
    expect(idp.count('jwks')).toBeGreaterThan(0);
    expect(verified.blastRadius.score).toBeGreaterThan(offline.blastRadius.score);
    expect(trap.connections).toBe(0);
  });

  it('with --verify, an issuer that is not trusted is still not contacted', async () => {
    const token = fakeSignedJwt({ iss: trap.origin, sub: 'u', exp: inHours(1) }, { alg: 'RS256', typ: 'JWT', jku: `${trap.origin}/keys` });
    const rep = await inspectJson('-', { config, verify: true }, token);
    expect(rep.liveness.state).toBe('unverifiable');
    expect(trap.connections).toBe(0);
  });
});

describe('tokenradius inspect (built CLI)', () => {
  it('is registered, reads stdin by default, exits 0, prints only the redacted token', async () => {
    const token = fakeSignedJwt({ iss: 'https://acme.okta.com', cid: 'c', sub: 'c', scp: ['okta.users.manage'], jti: 'AT.1', exp: inHours(1) });
    const r = await cli(['inspect'], token);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/family okta/);
    expect(r.stdout).not.toContain(token);
  });

  it('exits 2 with one clear line for input that is not a token, without echoing it', async () => {
    const marker = 'walrus-91c2-definitely-not-a-token';
    const r = await cli(['inspect', '-'], `${marker}\n`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^tokenradius: JWT_MALFORMED: input is not a JWT or a recognised credential\n$/);
    expect(r.stderr).not.toContain(marker);
    const arg = await cli(['inspect', marker], '');
    expect(arg.code).toBe(2);
    expect(arg.stderr).not.toContain(marker);
  });

  it('--format json from the built CLI parses', async () => {
    const r = await cli(['inspect', '--format', 'json'], fakeSignedJwt({ iss: 'supabase', ref: 'abcdefghijklmnop', role: 'anon', exp: inDays(3650) }, { alg: 'HS256', typ: 'JWT' }));
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as InspectReport;
    expect(rep.profile?.publicByDesign).toMatch(/anon key/);
    expect(['info', 'low']).toContain(rep.blastRadius.severity);
  });
});
