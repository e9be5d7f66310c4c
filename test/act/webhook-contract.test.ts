/**
 * The receiver contract of docs/webhooks.md, tested with the EXACT snippet the document shows
 * ("A receiver in twenty lines"): it is extracted from the markdown, run as its own Node process,
 * and fed by our webhook sink. Also: the webhook sink's signature verifies with the receiver's own
 * library, retries carry the same webhook-id, and a wrong secret is refused without a retry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActFetch } from '../../src/act/http.js';
import { createWebhookSink } from '../../src/act/sinks/webhook.js';
import { TokenradiusError } from '../../src/core/errors.js';
import type { AlertContext } from '../../src/act/types.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { storedFinding, until, webhookSecret } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');

function receiverSnippet(): string {
  const md = readFileSync(join(root, 'docs/webhooks.md'), 'utf8');
  const m = /```js receiver\n([\s\S]*?)```/.exec(md);
  if (!m) throw new Error('docs/webhooks.md has no ```js receiver block');
  return m[1]!;
}

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((res) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      res(true);
    });
    c.once('error', () => res(false));
  });
}

const ctx = (deliveryId: string): AlertContext => ({ type: 'finding.created', deliveryId, attempt: 1, revocations: [], now: new Date() });

describe('docs/webhooks.md receiver snippet', () => {
  const secret = webhookSecret();
  const dir = join(root, 'node_modules', '.tmp-tokenradius-test');
  const file = join(dir, `receiver-${randomBytes(4).toString('hex')}.mjs`);
  let child: ChildProcess;
  let out = '';
  let url = '';

  beforeAll(async () => {
    const snippet = receiverSnippet();
    expect(snippet.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(25);
    mkdirSync(dir, { recursive: true });
    // Inside node_modules/ so the snippet's `import 'standardwebhooks'` resolves like in a user's project.
    writeFileSync(file, snippet);
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    child = spawn(process.execPath, [file], { env: { ...process.env, PORT: String(port), TOKENRADIUS_WEBHOOK_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await until(() => accepts(port), 30_000, 'receiver listening');
  }, 60_000);

  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(file, { force: true });
  });

  it('accepts our signed events once per webhook-id and refuses a wrong signature (no retry)', async () => {
    const fetch = createActFetch({ configuredUrls: [url] });
    const sink = createWebhookSink({ id: 'soc', type: 'webhook', url, secretEnv: 'S', events: ['finding.created'], timeoutMs: 10_000 }, { env: { S: secret }, fetch });
    const f = storedFinding();
    await expect(sink.notify(f, ctx('alert-contract-1'))).resolves.toEqual({ status: 204 });
    // A retry of the same delivery: accepted again, handled once.
    await expect(sink.notify(f, ctx('alert-contract-1'))).resolves.toEqual({ status: 204 });
    await expect(sink.notify(storedFinding(), ctx('alert-contract-2'))).resolves.toEqual({ status: 204 });
    await until(() => out.split('\n').filter(Boolean).length >= 2, 30_000, 'receiver output');

    const impostor = createWebhookSink({ id: 'evil', type: 'webhook', url, secretEnv: 'S', events: ['finding.created'], timeoutMs: 10_000 }, { env: { S: webhookSecret() }, fetch });
    const err = await impostor.notify(f, ctx('alert-contract-3')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenradiusError);
    expect(err).toMatchObject({ code: 'UPSTREAM_INVALID_RESPONSE', retry: 'never' });

    const lines = out.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.startsWith(`finding.created high ${f.fingerprint} ${f.redacted} Revoke the token`)).toBe(true);
  });
});

describe('webhook sink signatures', () => {
  let rx: WebhookReceiver;
  beforeAll(async () => {
    rx = await startWebhookReceiver();
  });
  afterAll(() => rx.close());

  it("verify with the receiver's own library; the body id equals webhook-id; 5xx is retryable", async () => {
    const secret = webhookSecret();
    const sink = createWebhookSink(
      { id: 'soc', type: 'webhook', url: rx.url, secretEnv: 'S', events: ['finding.created', 'finding.updated', 'revocation.completed'], timeoutMs: 10_000 },
      { env: { S: secret }, fetch: createActFetch({ configuredUrls: [rx.url] }) },
    );
    await sink.notify(storedFinding(), { ...ctx('alert-abc-1-soc'), type: 'finding.updated' });
    const [req] = rx.requests;
    const event = new Webhook(secret).verify(req!.body, req!.headers) as { id: string; type: string; version: number };
    expect(event).toMatchObject({ id: 'alert-abc-1-soc', type: 'finding.updated', version: 1 });
    expect(req!.headers['webhook-id']).toBe('alert-abc-1-soc');
    // Tampering with one byte breaks it.
    expect(() => new Webhook(secret).verify(req!.body.replace('"high"', '"low"'), req!.headers)).toThrow();

    rx.failNext(1, 503);
    const err = await sink.notify(storedFinding(), ctx('alert-def-1-soc')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect((err as TokenradiusError).retry).not.toBe('never');
    // The error names the origin only, never the URL path (a webhook URL's path can be a secret).
    expect((err as Error).message).not.toContain('/hook');
  });

  it('refuses a malformed secret as a configuration error that does not quote it', () => {
    const bad = 'not-a-standard-webhooks-secret!!';
    let err: unknown;
    try {
      createWebhookSink({ id: 'soc', type: 'webhook', url: rx.url, secretEnv: 'S', events: ['finding.created'], timeoutMs: 1000 }, { env: { S: bad }, fetch: createActFetch({ configuredUrls: [rx.url] }) });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((err as Error).message).not.toContain(bad);
  });
});
