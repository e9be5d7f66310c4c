/**
 * Outbound HTTP shared by the webhook sink, the SSF sink and the webhook revoker: a SafeFetch that
 * may reach exactly the configured URLs (plus allowed private ranges), Standard Webhooks signing,
 * and the mapping of a receiver's answer to our retry rules.
 *
 * Retry rules for receivers (documented in docs/webhooks.md): 2xx = delivered; network errors,
 * timeouts, 408, 429 and 5xx = retried with backoff; any other status = failed at once (a receiver
 * that rejects a correctly signed request will reject it again).
 */
import { Webhook } from 'standardwebhooks';
import { TokenradiusError } from '../core/errors.js';
import { createSafeFetch } from '../core/net/safe-fetch.js';
import type { OutboundEvent, SafeFetch, SafeResponse } from '../core/net/types.js';

export interface ActFetchOptions {
  configuredUrls: readonly string[];
  allowCidrs?: readonly string[];
  onRequest?: (e: OutboundEvent) => void;
}

export function createActFetch(o: ActFetchOptions): SafeFetch {
  return createSafeFetch({
    configuredUrls: o.configuredUrls,
    allowCidrs: o.allowCidrs ?? [],
    maxRedirects: 0,
    maxResponseBytes: 256 * 1024,
    ...(o.onRequest ? { onRequest: o.onRequest } : {}),
  });
}

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the receiver';
  }
}

export interface WebhookSigner {
  /** The three Standard Webhooks headers for one attempt. */
  headers(id: string, at: Date, body: string): Record<string, string>;
}

/** A signer for a `whsec_…` secret. A malformed secret is CONFIG_INVALID (the message never quotes it). */
export function createWebhookSigner(secret: string, what: string): WebhookSigner {
  let wh: Webhook;
  try {
    wh = new Webhook(secret);
  } catch {
    throw new TokenradiusError('CONFIG_INVALID', `${what}: the webhook secret must be "whsec_" followed by base64 of random bytes`);
  }
  return {
    headers(id, at, body) {
      return {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': wh.sign(id, at, body),
      };
    },
  };
}

/** Throw per the retry rules unless the receiver accepted the request. Returns the response. */
export function acceptedOrThrow(res: SafeResponse, url: string, what: string): SafeResponse {
  if (res.status >= 200 && res.status < 300) return res;
  const origin = originOf(url);
  if (res.status === 408) throw new TokenradiusError('UPSTREAM_UNAVAILABLE', `${what} at ${origin} timed out (HTTP 408)`, { details: { origin, status: res.status } });
  throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `${what} at ${origin} refused the request (HTTP ${res.status})`, {
    details: { origin, status: res.status },
    retry: 'never',
  });
}
