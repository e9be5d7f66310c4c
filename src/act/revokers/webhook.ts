/**
 * Webhook revoker: asks an in-house revocation service to revoke a credential. The request is a
 * version-1 `RevocationRequest` (../payload.ts, docs/schemas/revocation-request.v1.json) signed per
 * Standard Webhooks, with `webhook-id` = the revocation's idempotency key (the same on a retry, so
 * the service can dedupe). The service answers HTTP 200 with a `RevocationResponse`:
 * `{"outcome": "revoked" | "already-invalid" | "failed", "reason"?: "…"}`.
 *
 * By default the request carries the fingerprint (SHA-256 of the token, what a hashed-key store
 * keeps) and identifiers (jti, subject, client id), not the token; `includeToken: true` adds it.
 * Transport failures, 408, 429 and 5xx are retried; other statuses and unreadable answers fail.
 * Dry run: nothing is sent.
 */
import { decodeJwt } from 'jose';
import { TokenradiusError } from '../../core/errors.js';
import type { SafeFetch } from '../../core/net/types.js';
import type { StoredFinding } from '../../store/types.js';
import { acceptedOrThrow, createWebhookSigner, originOf } from '../http.js';
import type { RevokerConfig } from '../options.js';
import { locationsOf, PAYLOAD_VERSION, RevocationRequestSchema, RevocationResponseSchema, type RevocationRequest } from '../payload.js';
import { issuerOf } from '../policy.js';
import type { RevocationResult, Revoker, RevokeOptions } from '../types.js';

type WebhookRevokerConfig = Extract<RevokerConfig, { type: 'webhook' }>;

export interface WebhookRevokerDeps {
  env: Readonly<Record<string, string>>;
  fetch: SafeFetch;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 512 ? v : undefined;
}

/** The request body (pure apart from decoding the token's own claims). */
export function revocationRequest(secret: string, f: StoredFinding, o: Pick<RevokeOptions, 'deliveryId' | 'actor' | 'now'>, includeToken: boolean): RevocationRequest {
  let claims: Record<string, unknown> = f.claims ?? {};
  if (f.kind === 'jwt') {
    try {
      claims = decodeJwt(secret.split('~')[0] ?? '') as Record<string, unknown>;
    } catch {
      // keep the stored (masked) claims
    }
  }
  const exp = typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : f.liveness.expiresAt;
  const iss = issuerOf({ claims, profile: f.profile });
  const jti = str(claims.jti);
  const subject = f.profile?.subject ?? str(claims.sub);
  const clientId = f.profile?.clientId ?? str(claims.client_id) ?? str(claims.azp);
  return {
    type: 'revocation.requested',
    id: o.deliveryId,
    version: PAYLOAD_VERSION,
    timestamp: o.now.toISOString(),
    data: {
      credential: {
        fingerprint: f.fingerprint,
        sha256: f.fingerprint.replace(/^sha256:/, ''),
        rule: f.rule,
        kind: f.kind,
        redacted: f.redacted,
        ...(iss ? { issuer: iss } : {}),
        ...(jti ? { jti } : {}),
        ...(subject ? { subject } : {}),
        ...(clientId ? { clientId } : {}),
        ...(exp ? { expiresAt: exp } : {}),
        ...(includeToken ? { token: secret } : {}),
      },
      actor: o.actor,
      locations: locationsOf(f),
    },
  };
}

export function createWebhookRevoker(cfg: WebhookRevokerConfig, deps: WebhookRevokerDeps): Revoker {
  const secret = deps.env[cfg.secretEnv];
  if (!secret) throw new TokenradiusError('CONFIG_ENV_MISSING', `revoker ${cfg.id}: environment variable ${cfg.secretEnv} is not set`);
  const signer = createWebhookSigner(secret, `revoker ${cfg.id}`);
  const origin = originOf(cfg.url);
  return {
    id: cfg.id,
    type: 'webhook',
    supports(f) {
      if (cfg.rules.length > 0 && !cfg.rules.includes(f.rule)) return false;
      if (cfg.issuers.length > 0) {
        const iss = issuerOf(f);
        const fam = f.profile?.issuerFamily;
        if (!(iss && cfg.issuers.includes(iss)) && !(fam && cfg.issuers.includes(fam))) return false;
      }
      return true;
    },
    async revoke(token, f, o): Promise<RevocationResult> {
      if (o.dryRun) return { outcome: 'dry-run', reason: `dry run: would ask ${origin} to revoke it` };
      const body = JSON.stringify(RevocationRequestSchema.parse(revocationRequest(token, f, o, cfg.includeToken)));
      const res = await deps.fetch(cfg.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...signer.headers(o.deliveryId, new Date(), body) },
        body,
        timeoutMs: cfg.timeoutMs,
      });
      acceptedOrThrow(res, cfg.url, `revocation service ${cfg.id}`);
      let parsed;
      try {
        parsed = RevocationResponseSchema.safeParse(res.json());
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) {
        throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `revocation service ${origin} answered without a valid {"outcome"}`, { details: { origin, status: res.status }, retry: 'never' });
      }
      // The service's reason is free text: keep it short, and never let it carry a token back in.
      const reason = (parsed.data.reason ?? '').slice(0, 500).replaceAll(token, '[token]');
      const said = reason ? `: ${reason}` : '';
      switch (parsed.data.outcome) {
        case 'revoked':
          return { outcome: 'revoked', confirmed: true, reason: `revoked by ${origin}${said}`, details: { origin } };
        case 'already-invalid':
          return { outcome: 'already-invalid', confirmed: true, reason: `${origin} says it no longer works${said}`, details: { origin } };
        default:
          return { outcome: 'failed', reason: `${origin} could not revoke it${said}`, details: { origin } };
      }
    },
  };
}
