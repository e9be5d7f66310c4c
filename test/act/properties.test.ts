/**
 * Property tests over untrusted text: finding fields that come from leaked content (channel names,
 * paths, authors, claim values, previews) and answers from receivers / revocation services.
 * - Whatever those strings hold, the webhook event validates against its published schema, the
 *   Slack message cannot inject mentions or links (`<!channel>`, `<https://evil|…>`), and
 *   serialising never throws (lone surrogates included).
 * - Whatever a revocation service answers, the webhook revoker returns an outcome or throws a
 *   catalogue error, and never hands back the token it was asked to revoke.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActFetch } from '../../src/act/http.js';
import { WebhookRevokerSchema } from '../../src/act/options.js';
import { WebhookEventSchema, summarizeFinding } from '../../src/act/payload.js';
import { createWebhookRevoker } from '../../src/act/revokers/webhook.js';
import { alertMessage, authorNotice } from '../../src/act/sinks/slack.js';
import { webhookEvent } from '../../src/act/sinks/webhook.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { fingerprint } from '../../src/core/secrets.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { storedFinding, webhookSecret } from './helpers.js';

const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('<!channel>', '<!here|x>', '<https://evil.example|click>', '<@U0ADMIN>', '&lt;', '`', '*bold*', '\u0000', '\ud800', 'a\ud800b'),
);

describe('payload builders on hostile finding fields', () => {
  it('always produce a schema-valid webhook event and a Slack message without injected markup', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, hostile, (channelName, path, author, redacted, subject) => {
        const base = storedFinding();
        const f = storedFinding({
          redacted,
          profile: { issuerFamily: 'generic', tokenUse: 'access', subjectType: 'user', subject, tenants: [], audiences: [], privileges: [], privilegeLevel: 'admin', environment: 'prod', lifetime: { unbounded: false }, binding: { bound: false }, delegation: [], attestation: {}, overEnrichment: [], notes: [] },
          occurrences: [
            { ...base.occurrences[0]!, author, locator: { kind: 'slack', channel: 'C0X', channelName, ts: '1.2', path, line: 1, column: 1, permalink: `https://acme.slack.com/${path}` } },
            { source: 'repo', locator: { kind: 'git', repo: path, commit: channelName, path, line: 3, column: 1 }, firstSeen: 'x', lastSeen: 'x' },
          ],
        });
        const event = webhookEvent(f, { type: 'finding.created', deliveryId: 'alert-p', revocations: [], now: new Date() });
        expect(WebhookEventSchema.safeParse(event).success).toBe(true);
        expect(() => JSON.stringify(event)).not.toThrow();

        const msg = alertMessage(summarizeFinding(f), { type: 'finding.created', revocations: [] });
        const text = JSON.stringify(msg.blocks);
        // Mentions and links only where we put them (the permalink); never from finding content.
        for (const bad of ['<!channel>', '<!here', '<@U0ADMIN>', '<https://evil.example']) {
          if (!`${channelName}${path}${author}${redacted}${subject}`.includes(bad)) continue;
          expect(text).not.toContain(bad);
        }
        const notice = authorNotice(summarizeFinding(f), author, []);
        expect(notice.startsWith('<@') ? /^<@[UW][A-Z0-9]{2,20}> /.test(notice) : true).toBe(true);
        expect(notice).not.toContain('<!channel>');
      }),
      { numRuns: 300 },
    );
  });
});

describe('webhook revoker on hostile answers', () => {
  let rx: WebhookReceiver;
  beforeAll(async () => {
    rx = await startWebhookReceiver();
  });
  afterAll(() => rx.close());

  it('returns an outcome or a catalogue error, never the token', async () => {
    const token = `ik_live_${randomBytes(20).toString('hex')}`;
    const revoker = createWebhookRevoker(WebhookRevokerSchema.parse({ id: 'inhouse', type: 'webhook', url: rx.url, secretEnv: 'S' }), {
      env: { S: webhookSecret() },
      fetch: createActFetch({ configuredUrls: [rx.url] }),
    });
    const finding = storedFinding({ fingerprint: fingerprint(token), rule: 'internal-api-key', kind: 'credential', claims: undefined });
    const answer = fc.oneof(
      fc.record({ status: fc.constantFrom(200, 201, 204, 400, 404, 409, 418, 500, 503), text: fc.string({ unit: 'binary', maxLength: 200 }) }),
      fc.record({
        status: fc.constant(200),
        json: fc.record({ outcome: fc.oneof(fc.constantFrom('revoked', 'already-invalid', 'failed'), fc.string()), reason: fc.oneof(fc.string({ maxLength: 80 }), fc.constant(`echo ${token}`), fc.constant(token)) }, { requiredKeys: [] }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(answer, async (a) => {
        rx.respond(() => a);
        try {
          const r = await revoker.revoke(token, finding, { dryRun: false, now: new Date(), deliveryId: 'revoke-p', actor: 'policy:p' });
          expect(['revoked', 'already-invalid', 'failed']).toContain(r.outcome);
          expect(JSON.stringify(r)).not.toContain(token);
        } catch (e) {
          expect(e).toBeInstanceOf(TokenradiusError);
          expect(JSON.stringify((e as TokenradiusError).toJSON())).not.toContain(token);
        }
      }),
      { numRuns: 120 },
    );
  });
});
