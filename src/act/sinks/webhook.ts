/**
 * Webhook alert sink: POSTs a version-1 `WebhookEvent` (./payload.ts; JSON Schema in
 * docs/schemas/webhook-event.v1.json) signed per Standard Webhooks: `webhook-id` (the delivery id,
 * stable across retries — receivers dedupe on it), `webhook-timestamp` (send time, seconds),
 * `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the shared secret).
 * Receiver contract and retry rules: docs/webhooks.md.
 */
import { TokenradiusError } from '../../core/errors.js';
import type { SafeFetch } from '../../core/net/types.js';
import type { StoredFinding } from '../../store/types.js';
import { acceptedOrThrow, createWebhookSigner } from '../http.js';
import type { SinkConfig } from '../options.js';
import { PAYLOAD_VERSION, summarizeFinding, WebhookEventSchema, type WebhookEvent } from '../payload.js';
import type { AlertContext, AlertSink } from '../types.js';

type WebhookSinkConfig = Extract<SinkConfig, { type: 'webhook' }>;

/** The event a webhook sink sends for one delivery (pure; exported for tests and docs). */
export function webhookEvent(finding: StoredFinding, ctx: Pick<AlertContext, 'type' | 'deliveryId' | 'revocations' | 'revocation' | 'now'>): WebhookEvent {
  const timestamp = ctx.now.toISOString();
  if (ctx.type === 'revocation.completed') {
    if (!ctx.revocation) throw new TokenradiusError('INTERNAL', 'revocation.completed without a revocation');
    return {
      type: 'revocation.completed',
      id: ctx.deliveryId,
      version: PAYLOAD_VERSION,
      timestamp,
      data: { finding: summarizeFinding(finding, [ctx.revocation]), revocation: ctx.revocation },
    };
  }
  return { type: ctx.type, id: ctx.deliveryId, version: PAYLOAD_VERSION, timestamp, data: { finding: summarizeFinding(finding, ctx.revocations), revocations: [...ctx.revocations] } };
}

export interface WebhookSinkDeps {
  env: Readonly<Record<string, string>>;
  fetch: SafeFetch;
}

export function createWebhookSink(cfg: WebhookSinkConfig, deps: WebhookSinkDeps): AlertSink {
  const secret = deps.env[cfg.secretEnv];
  if (!secret) throw new TokenradiusError('CONFIG_ENV_MISSING', `act sink ${cfg.id}: environment variable ${cfg.secretEnv} is not set`);
  const signer = createWebhookSigner(secret, `act sink ${cfg.id}`);
  return {
    id: cfg.id,
    events: cfg.events,
    async notify(finding, ctx) {
      const c: AlertContext = ctx ?? { type: 'finding.created', deliveryId: `alert-${finding.fingerprint.slice(7)}-${finding.version}-${cfg.id}`, attempt: 1, revocations: [], now: new Date() };
      // Validate what we send against the published schema: a bug here must not reach receivers.
      const event = WebhookEventSchema.parse(webhookEvent(finding, c));
      const body = JSON.stringify(event);
      const res = await deps.fetch(cfg.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...signer.headers(c.deliveryId, new Date(), body) },
        body,
        timeoutMs: cfg.timeoutMs,
      });
      acceptedOrThrow(res, cfg.url, `webhook sink ${cfg.id}`);
      return { status: res.status };
    },
  };
}
