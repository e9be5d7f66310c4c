/**
 * Pure parts of the Slack connector: ts arithmetic and permalinks, `--since`, channel cursors,
 * request signatures, event planning, the file-host allow-list, client error mapping, config.
 * Property tests throw hostile input at everything that parses untrusted text.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { resolveConfig } from '../../../src/config/load.js';
import { TokenradiusError } from '../../../src/core/errors.js';
import { toSlackError } from '../../../src/sources/slack/client.js';
import { decodeChannelCursor, encodeChannelCursor } from '../../../src/sources/slack/cursor.js';
import { planSlackEvent } from '../../../src/sources/slack/events.js';
import { allowedFileUrl, isTextFile } from '../../../src/sources/slack/files.js';
import { isSlackSource, type SlackSourceConfig } from '../../../src/sources/slack/options.js';
import { signSlackRequest, verifySlackSignature } from '../../../src/sources/slack/signature.js';
import { compareTs, parseSince, permalink, tsMinusSeconds, tsToIso } from '../../../src/sources/slack/ts.js';
import { eventEnvelope } from '../../support/fake-slack.js';
import { githubPat } from '../../support/token-factory.js';

function slackConfig(extra: Record<string, unknown> = {}, env: Record<string, string> = { SLACK_T: 'x', SLACK_S: 'y' }): SlackSourceConfig {
  const loaded = resolveConfig({ sources: [{ id: 'slack-main', type: 'slack', tokenEnv: 'SLACK_T', signingSecretEnv: 'SLACK_S', ...extra }] }, env);
  const s = loaded.config.sources[0]!;
  if (!isSlackSource(s)) throw new Error('not slack');
  return s;
}

describe('slack ts helpers', () => {
  it('orders ts exactly, including fractions a float would round', () => {
    expect(compareTs('1712345678.000100', '1712345678.000099')).toBeGreaterThan(0);
    expect(compareTs('1712345678.9', '1712345678.100000')).toBeGreaterThan(0);
    expect(compareTs('999999999999.999999', '999999999999.999998')).toBeGreaterThan(0);
    expect(compareTs('1.000001', '1.000001')).toBe(0);
    expect(tsMinusSeconds('1712345678.000100', 86_400)).toBe('1712259278.000100');
    expect(tsToIso('1704189600.000100')).toBe('2024-01-02T10:00:00.000Z');
  });

  it('builds permalinks like Slack, with thread_ts and cid for replies', () => {
    expect(permalink('https://acme.slack.com/', 'C0123', '1712345678.000100')).toBe('https://acme.slack.com/archives/C0123/p1712345678000100');
    expect(permalink('https://acme.slack.com/', 'C0123', '1712345679.000200', '1712345678.000100')).toBe(
      'https://acme.slack.com/archives/C0123/p1712345679000200?thread_ts=1712345678.000100&cid=C0123',
    );
    expect(permalink(undefined, 'C0123', '1.2')).toBeUndefined();
    expect(permalink('javascript:alert(1)', 'C0123', '1.2')).toBeUndefined();
    expect(permalink('https://acme.slack.com/', '../../x', '1.2')).toBeUndefined();
  });

  it('parses --since as a ts, a date, a time, or a file; anything else is a usage error', () => {
    expect(parseSince('1712345678.0001')).toEqual({ kind: 'ts', ts: '1712345678.000100' });
    expect(parseSince('1712345678')).toEqual({ kind: 'ts', ts: '1712345678.000000' });
    expect(parseSince('2024-01-02')).toEqual({ kind: 'ts', ts: '1704153600.000000' });
    expect(parseSince('2024-01-02T10:00:00Z')).toEqual({ kind: 'ts', ts: '1704189600.000000' });
    expect(parseSince('file:F0ABC:C0123')).toEqual({ kind: 'file', fileId: 'F0ABC', channel: 'C0123' });
    for (const bad of ['yesterday', '', 'file:../../etc', '2024-13-45T99']) {
      expect(() => parseSince(bad)).toThrow(TokenradiusError);
    }
  });

  it('never throws anything but a usage error on arbitrary --since text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        try {
          parseSince(s);
        } catch (e) {
          expect(e).toBeInstanceOf(TokenradiusError);
          expect((e as TokenradiusError).code).toBe('USAGE');
        }
      }),
    );
  });
});

describe('channel cursor', () => {
  it('round-trips each state and reads anything else as "no cursor"', () => {
    const states = [{ done: '1.000001' }, { done: '1.000001', top: '9.000009', phase: 'new' as const, latest: '5.000005', thread: { ts: '4.000004', after: '4.500000' } }, { top: '3.000000', phase: 'lookback' as const }];
    for (const s of states) expect(decodeChannelCursor(encodeChannelCursor(s))).toEqual({ v: 1, ...s });
    for (const junk of ['', 'null', '{"v":2}', '{"v":1,"done":"x"}', '{"v":1,"evil":1}', 'not json', '[]']) expect(decodeChannelCursor(junk)).toBeUndefined();
  });
});

describe('slack request signatures (v0)', () => {
  const secret = 'test-signing-secret-0123456789';
  const body = Buffer.from('{"type":"event_callback","event_id":"Ev1"}');
  const now = 1_712_345_678;

  it('accepts the exact signature and rejects every altered, missing or stale one', () => {
    const sig = signSlackRequest(secret, now, body);
    expect(verifySlackSignature({ rawBody: body, timestamp: String(now), signature: sig, secret, nowSeconds: now + 299 })).toEqual({ ok: true });
    expect(verifySlackSignature({ rawBody: body, timestamp: String(now), signature: sig, secret, nowSeconds: now - 299 })).toEqual({ ok: true });
    expect(verifySlackSignature({ rawBody: body, timestamp: String(now), signature: sig, secret, nowSeconds: now + 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifySlackSignature({ rawBody: Buffer.from(body.toString() + ' '), timestamp: String(now), signature: sig, secret, nowSeconds: now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySlackSignature({ rawBody: body, timestamp: String(now + 1), signature: sig, secret, nowSeconds: now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySlackSignature({ rawBody: body, timestamp: String(now), signature: sig, secret: secret + 'x', nowSeconds: now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySlackSignature({ rawBody: body, timestamp: undefined, signature: sig, secret, nowSeconds: now })).toEqual({ ok: false, reason: 'missing' });
    expect(verifySlackSignature({ rawBody: body, timestamp: String(now), signature: undefined, secret, nowSeconds: now })).toEqual({ ok: false, reason: 'missing' });
    expect(verifySlackSignature({ rawBody: body, timestamp: String(now), signature: 'v1=' + sig.slice(3), secret, nowSeconds: now })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySlackSignature({ rawBody: body, timestamp: '1e9', signature: sig, secret, nowSeconds: now })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('matches an independent HMAC-SHA256 over "v0:<ts>:<body>"', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = 'v0=' + createHmac('sha256', secret).update(`v0:${now}:${body.toString()}`).digest('hex');
    expect(signSlackRequest(secret, now, body)).toBe(expected);
  });

  it('never throws and never accepts on arbitrary headers and bodies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.option(fc.string({ maxLength: 80 })), fc.option(fc.string({ maxLength: 80 })), (raw, ts, sig) => {
        const r = verifySlackSignature({ rawBody: Buffer.from(raw), timestamp: ts ?? undefined, signature: sig ?? undefined, secret, nowSeconds: now });
        expect(r.ok).toBe(false);
      }),
    );
  });
});

describe('events → plan', () => {
  const config = slackConfig({ channelTypes: ['public_channel', 'private_channel'] });

  it('answers url_verification and turns a message into chunks with the envelope team as workspace', () => {
    expect(planSlackEvent({ type: 'url_verification', challenge: 'abc123', token: 'x' }, config)).toEqual({ kind: 'challenge', challenge: 'abc123' });
    const pat = githubPat();
    const plan = planSlackEvent(eventEnvelope({ type: 'message', channel: 'C0GEN', channel_type: 'channel', user: 'U1', ts: '1712345678.000100', text: `key ${pat}` }, { eventId: 'Ev01' }), config);
    expect(plan.kind).toBe('chunks');
    if (plan.kind !== 'chunks') return;
    expect(plan.eventId).toBe('Ev01');
    expect(plan.chunks).toHaveLength(1);
    expect(plan.chunks[0]!.text).toContain(pat);
    expect(plan.chunks[0]!.locator).toMatchObject({ kind: 'slack', workspace: 'T0TEST01', channel: 'C0GEN', ts: '1712345678.000100', field: 'text', line: 1, column: 1 });
    expect(plan.chunks[0]!.exposure).toMatchObject({ visibility: 'public' });
  });

  it('reads both versions of an edit, thread broadcasts, bot messages and ext-shared exposure', () => {
    const [a, b, c, d] = [githubPat(), githubPat(), githubPat(), githubPat()];
    const changed = planSlackEvent(
      eventEnvelope({
        type: 'message',
        subtype: 'message_changed',
        channel: 'G0PRIV',
        channel_type: 'group',
        ts: '1712345690.000001',
        message: { type: 'message', user: 'U1', text: `new ${a}`, ts: '1712345678.000100', edited: { user: 'U1', ts: '1712345690.000000' } },
        previous_message: { type: 'message', user: 'U1', text: `old ${b}`, ts: '1712345678.000100' },
      }),
      config,
    );
    if (changed.kind !== 'chunks') throw new Error(changed.kind);
    expect(changed.chunks.map((ch) => [ch.locator.kind === 'slack' && ch.locator.field, ch.exposure?.visibility])).toEqual([
      ['text', 'private'],
      ['previous_message.text', 'private'],
    ]);
    expect(changed.chunks[0]!.text).toContain(a);
    expect(changed.chunks[1]!.text).toContain(b);
    const broadcast = planSlackEvent(
      eventEnvelope({ type: 'message', subtype: 'thread_broadcast', channel: 'C0GEN', channel_type: 'channel', user: 'U2', ts: '1712345700.000100', thread_ts: '1712345678.000100', text: c }, { extShared: true }),
      config,
    );
    if (broadcast.kind !== 'chunks') throw new Error(broadcast.kind);
    expect(broadcast.chunks[0]!.locator).toMatchObject({ threadTs: '1712345678.000100' });
    expect(broadcast.chunks[0]!.exposure?.visibility).toBe('shared-external');
    const bot = planSlackEvent(eventEnvelope({ type: 'message', subtype: 'bot_message', channel: 'C0GEN', channel_type: 'channel', bot_id: 'B1', username: 'ci', ts: '1712345701.000100', attachments: [{ text: d }] }), config);
    if (bot.kind !== 'chunks') throw new Error(bot.kind);
    expect(bot.chunks[0]).toMatchObject({ author: 'ci', locator: { field: 'attachments' } });
  });

  it('plans file_shared as a file fetch, and ignores unconfigured conversations and other events', () => {
    expect(planSlackEvent(eventEnvelope({ type: 'file_shared', file_id: 'F0ABC', channel_id: 'C0GEN', user_id: 'U1', file: { id: 'F0ABC' } }, { eventId: 'Ev9' }), config)).toEqual({
      kind: 'file',
      eventId: 'Ev9',
      since: 'file:F0ABC:C0GEN',
    });
    expect(planSlackEvent(eventEnvelope({ type: 'message', channel: 'D0DM', channel_type: 'im', ts: '1.000001', text: githubPat() }), config).kind).toBe('ignore');
    expect(planSlackEvent(eventEnvelope({ type: 'reaction_added', user: 'U1' }), config).kind).toBe('ignore');
    expect(planSlackEvent({ type: 'app_rate_limited' }, config).kind).toBe('ignore');
    const onlyOne = slackConfig({ channels: ['C0ONLY'] });
    expect(planSlackEvent(eventEnvelope({ type: 'message', channel: 'C0GEN', channel_type: 'channel', ts: '1.000001', text: 'x' }), onlyOne).kind).toBe('ignore');
    expect(planSlackEvent(eventEnvelope({ type: 'message', channel: 'C0ONLY', channel_type: 'channel', ts: '1.000001', text: 'x' }), onlyOne).kind).toBe('chunks');
  });

  it('never throws on arbitrary JSON bodies', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => {
        planSlackEvent(v, config);
        planSlackEvent({ type: 'event_callback', team_id: 'T1', event_id: 'Ev1', event: v }, config);
        planSlackEvent({ type: 'event_callback', team_id: 'T1', event_id: 'Ev1', event: { type: 'message', channel: 'C1', ts: '1.1', ...(typeof v === 'object' && v !== null && !Array.isArray(v) ? v : { text: v }) } }, config);
      }),
    );
  });
});

describe('file text', () => {
  it('sends the token only to the API origin or allowed HTTPS hosts', () => {
    const api = 'http://127.0.0.1:4000/api/';
    const hosts = ['files.slack.com'];
    expect(allowedFileUrl('http://127.0.0.1:4000/files-pri/T-F/x.txt', api, hosts)?.host).toBe('127.0.0.1:4000');
    expect(allowedFileUrl('https://files.slack.com/files-pri/T-F/x.txt', api, hosts)).toBeDefined();
    for (const bad of ['http://files.slack.com/x', 'https://files.slack.com.evil.test/x', 'http://127.0.0.1:4001/x', 'http://localhost:4000/x', 'https://u:p@files.slack.com/x', 'file:///etc/passwd', 'not a url', undefined]) {
      expect(allowedFileUrl(bad, api, hosts), String(bad)).toBeUndefined();
    }
  });
  it('fetches snippets and text-like files only', () => {
    expect(isTextFile({ mode: 'snippet' })).toBe(true);
    expect(isTextFile({ mimetype: 'application/json' })).toBe(true);
    expect(isTextFile({ filetype: 'python' })).toBe(true);
    expect(isTextFile({ mimetype: 'image/png', filetype: 'png' })).toBe(false);
    expect(isTextFile({ mode: 'snippet', is_external: true })).toBe(false);
    expect(isTextFile({ mode: 'tombstone' })).toBe(false);
  });
});

describe('client errors → catalogue', () => {
  const ctx = { method: 'conversations.history', sourceId: 'slack-main' };
  it('a 429 is a rate limit carrying Retry-After; 5xx and network errors retry later; bad tokens never', () => {
    const rl = toSlackError(new WebAPIRateLimitedError(7), ctx);
    expect(rl.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(rl.retry).toEqual({ afterMs: 7000 });
    const five = toSlackError(new WebAPIHTTPError(503, 'Service Unavailable', {}, 'oops'), ctx);
    expect([five.code, five.retry]).toEqual(['UPSTREAM_UNAVAILABLE', 'later']);
    const net = toSlackError(new WebAPIRequestError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1'), { code: 'ECONNREFUSED' })), ctx);
    expect([net.code, net.details.cause]).toEqual(['UPSTREAM_UNAVAILABLE', 'ECONNREFUSED']);
    for (const code of ['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked']) {
      const e = toSlackError(new WebAPIPlatformError({ ok: false, error: code }), ctx);
      expect([e.code, e.retry, e.details.slackError]).toEqual(['UPSTREAM_AUTH_FAILED', 'never', code]);
    }
    const scope = toSlackError(new WebAPIPlatformError({ ok: false, error: 'missing_scope', needed: 'im:history' } as never), ctx);
    expect(scope.message).toContain('im:history');
  });
  it('never repeats a third-party message (it may quote request data)', () => {
    const token = githubPat();
    const e = toSlackError(new Error(`weird failure for ${token}`), ctx);
    expect(JSON.stringify(e.toJSON())).not.toContain(token);
    const p = toSlackError(new WebAPIPlatformError({ ok: false, error: `bad ${token}` }), ctx);
    expect(JSON.stringify(p.toJSON())).not.toContain(token);
    expect(p.details.slackError).toBe('unknown_error');
  });
});

describe('slack source config', () => {
  it('defaults every key, keeps the documented names, and normalises apiUrl', () => {
    const s = slackConfig({ apiUrl: 'http://127.0.0.1:9/api' });
    expect(s).toMatchObject({
      id: 'slack-main',
      type: 'slack',
      tokenEnv: 'SLACK_T',
      signingSecretEnv: 'SLACK_S',
      apiUrl: 'http://127.0.0.1:9/api/',
      channelTypes: ['public_channel', 'private_channel'],
      pageSize: 200,
      lookbackDays: 7,
      files: { enabled: true, maxBytes: 1024 * 1024, hosts: ['files.slack.com'] },
    });
    expect(slackConfig().apiUrl).toBe('https://slack.com/api/');
  });

  it('reports bad keys by path and unset token / signing-secret variables together', () => {
    try {
      resolveConfig(
        {
          queue: { batchSize: 0 },
          sources: [{ id: 'slack-main', type: 'slack', tokenEnv: 'NOPE_TOKEN', signingSecretEnv: 'NOPE_SECRET', pageSize: 5000, channelTypes: ['dm'], bogus: 1 }],
        },
        {},
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TokenradiusError);
      const paths = ((e as TokenradiusError).details.issues as Array<{ path: string; message: string }>).map((i) => `${i.path}: ${i.message}`);
      expect(paths).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^queue\.batchSize/),
          expect.stringMatching(/^sources\[0\]\.pageSize/),
          expect.stringMatching(/^sources\[0\]\.channelTypes\[0\]/),
          expect.stringMatching(/^sources\[0\]: .*bogus/),
          'sources[0].tokenEnv: environment variable NOPE_TOKEN is not set',
          'sources[0].signingSecretEnv: environment variable NOPE_SECRET is not set',
        ]),
      );
    }
  });
});
