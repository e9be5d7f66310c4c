/**
 * Slack request signing (v0), as Slack documents it: `X-Slack-Signature: v0=<hex>` where hex =
 * HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body). Pure functions.
 *
 * - Verified over the RAW body bytes (never a re-serialised parse);
 * - the timestamp must be within `toleranceSeconds` (5 minutes) of now, in either direction, so a
 *   captured request cannot be replayed later;
 * - compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch';

export interface SignatureInput {
  rawBody: Buffer;
  /** `X-Slack-Request-Timestamp` (epoch seconds). */
  timestamp: string | undefined;
  /** `X-Slack-Signature`. */
  signature: string | undefined;
  secret: string;
  nowSeconds: number;
  toleranceSeconds?: number;
}

/** `v0=<hex>` for a body (tests and the fake Slack server sign with it). */
export function signSlackRequest(secret: string, timestamp: string | number, rawBody: string | Buffer): string {
  const h = createHmac('sha256', secret);
  h.update(`v0:${timestamp}:`);
  h.update(rawBody);
  return `v0=${h.digest('hex')}`;
}

export function verifySlackSignature(i: SignatureInput): { ok: true } | { ok: false; reason: SignatureFailure } {
  if (!i.timestamp || !i.signature) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(i.timestamp) || !/^v0=[0-9a-f]{64}$/i.test(i.signature)) return { ok: false, reason: 'malformed' };
  const ts = Number(i.timestamp);
  if (Math.abs(i.nowSeconds - ts) > (i.toleranceSeconds ?? SLACK_SIGNATURE_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signSlackRequest(i.secret, i.timestamp, i.rawBody).slice(3), 'hex');
  const given = Buffer.from(i.signature.slice(3), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'mismatch' };
  return { ok: true };
}
