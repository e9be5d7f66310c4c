/**
 * RFC 7009 token revocation at a trusted issuer, confirmed with RFC 7662 introspection.
 *
 * - Issuers, endpoints and client credentials come from `trust.issuers[].revocation` (endpoint
 *   configured, or `revocation_endpoint` from discovery on the issuer's own origin); an issuer not
 *   on the trust list is never contacted.
 * - RFC 7009 lets a client revoke only tokens issued TO IT: before any call, the token's
 *   `client_id` (else `azp`) must equal our configured client id. A token naming another client,
 *   or none, is `unsupported` — nothing is sent.
 * - Then, where `introspection` is configured, the issuer is asked whether the token is still
 *   active: `active: false` confirms the revocation. Without introspection the outcome is
 *   `revoked` but unconfirmed: "revocation requested; a self-contained JWT may stay valid until exp".
 * - Idempotent (RFC 7009 answers 200 for tokens it no longer knows), and `check` (introspection)
 *   lets an interrupted attempt be resolved without calling the revocation endpoint again.
 */
import { decodeJwt } from 'jose';
import { TokenradiusError } from '../../core/errors.js';
import type { SafeFetch } from '../../core/net/types.js';
import { clientAuthentication, introspect } from '../../score/liveness/introspection.js';
import { createIssuerMetadata, type IssuerMetadata } from '../../score/liveness/issuer-metadata.js';
import type { TrustOptions } from '../../score/liveness/options.js';
import { expandTrustList, findTrustedIssuer, type ResolvedIssuer } from '../../score/liveness/trust-list.js';
import type { StoredFinding } from '../../store/types.js';
import { originOf } from '../http.js';
import type { RevokerConfig } from '../options.js';
import { issuerOf } from '../policy.js';
import type { RevocationResult, Revoker } from '../types.js';

type Rfc7009Config = Extract<RevokerConfig, { type: 'rfc7009' }>;

export interface Rfc7009Deps {
  trust: TrustOptions;
  env: Readonly<Record<string, string>>;
  fetch: SafeFetch;
  now?: () => number;
}

/** Claims of the raw token (decoded inside the call; the stored claims are masked). */
function rawClaims(secret: string): Record<string, unknown> | undefined {
  try {
    return decodeJwt(secret.split('~')[0] ?? '') as Record<string, unknown>;
  } catch {
    // jose's message may quote the token: drop it.
    return undefined;
  }
}

export function createRfc7009Revoker(cfg: Rfc7009Config, deps: Rfc7009Deps): Revoker {
  const all = expandTrustList(deps.trust);
  const allowed = new Map<string, ResolvedIssuer>();
  for (const [iss, e] of all) if (e.revocation && (cfg.issuers.length === 0 || cfg.issuers.includes(iss) || cfg.issuers.includes(e.config.issuer))) allowed.set(iss, e);
  const metas = new Map<string, IssuerMetadata>();
  const meta = (e: ResolvedIssuer): IssuerMetadata => {
    let m = metas.get(e.issuer);
    if (!m) {
      m = createIssuerMetadata(e, {
        fetch: deps.fetch,
        ttlMs: deps.trust.jwksCacheTtlSeconds * 1000,
        cooldownMs: deps.trust.jwksRefetchCooldownSeconds * 1000,
        now: deps.now ?? (() => Date.now()),
      });
      metas.set(e.issuer, m);
    }
    return m;
  };

  function secretOf(envName: string, what: string): string {
    const v = deps.env[envName];
    if (!v) throw new TokenradiusError('CONFIG_ENV_MISSING', `revoker ${cfg.id}: ${what} secret ${envName} is not set`);
    return v;
  }

  /** `active` per introspection, or undefined when not configured / not answered. */
  async function introspectActive(e: ResolvedIssuer, token: string): Promise<{ active?: boolean; error?: string }> {
    const c = e.introspection;
    if (!c) return {};
    const secret = deps.env[c.clientSecretEnv];
    if (!secret) return { error: `${c.clientSecretEnv} is not set` };
    try {
      const endpoint = await meta(e).endpoint('introspection');
      if (!endpoint) return { error: 'the issuer publishes no introspection endpoint' };
      const r = await introspect(deps.fetch, endpoint, c, secret, token, cfg.tokenTypeHint);
      return { active: r.active };
    } catch (err) {
      return { error: err instanceof TokenradiusError ? err.code : 'INTERNAL' };
    }
  }

  return {
    id: cfg.id,
    type: 'rfc7009',
    supports(f: StoredFinding) {
      if (f.kind !== 'jwt') return false;
      const e = findTrustedIssuer(allowed, issuerOf(f));
      return e !== undefined;
    },
    async revoke(secret, f, o): Promise<RevocationResult> {
      const claims = rawClaims(secret);
      if (!claims) return { outcome: 'unsupported', reason: 'not a decodable JWT' };
      const e = findTrustedIssuer(allowed, claims.iss);
      if (!e?.revocation) return { outcome: 'unsupported', reason: 'the issuer is not configured for revocation (trust.issuers[].revocation)' };
      const owner = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
      if (owner === undefined) return { outcome: 'unsupported', reason: 'the token names no client (client_id / azp): RFC 7009 only lets a client revoke its own tokens' };
      if (owner !== e.revocation.clientId) {
        return { outcome: 'unsupported', reason: `the token was issued to another client (${owner.slice(0, 128)}); RFC 7009 only lets ${e.revocation.clientId} revoke its own tokens` };
      }
      const endpoint = await meta(e).endpoint('revocation');
      if (!endpoint) return { outcome: 'unsupported', reason: 'the issuer publishes no revocation_endpoint' };
      const origin = originOf(endpoint);
      const exp = typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : undefined;
      if (o.dryRun) return { outcome: 'dry-run', reason: `dry run: would request revocation at ${origin} as client ${e.revocation.clientId}`, details: { origin } };

      const auth = clientAuthentication(e.revocation, secretOf(e.revocation.clientSecretEnv, 'client'));
      const form = new URLSearchParams({ token: secret, ...(cfg.tokenTypeHint ? { token_type_hint: cfg.tokenTypeHint } : {}), ...auth.form });
      const res = await deps.fetch(endpoint, { method: 'POST', headers: { ...auth.headers, accept: 'application/json' }, body: form });
      if (res.status === 401 || res.status === 403) {
        throw new TokenradiusError('UPSTREAM_AUTH_FAILED', `${origin}: the revocation endpoint rejected our client credentials (HTTP ${res.status})`, { details: { origin, status: res.status } });
      }
      if (res.status === 400) {
        let error = 'invalid_request';
        try {
          const body = res.json() as { error?: unknown };
          if (typeof body.error === 'string' && /^[a-z_]{1,64}$/.test(body.error)) error = body.error;
        } catch {
          // keep the generic code
        }
        if (error === 'unsupported_token_type') return { outcome: 'unsupported', reason: `${origin} does not revoke this token type (unsupported_token_type)`, details: { origin, error } };
        if (error === 'unauthorized_client') return { outcome: 'unsupported', reason: `${origin} says the token was not issued to ${e.revocation.clientId} (unauthorized_client)`, details: { origin, error } };
        return { outcome: 'failed', reason: `${origin} refused the revocation request (${error})`, details: { origin, error } };
      }
      if (res.status !== 200) return { outcome: 'failed', reason: `${origin} answered the revocation request with HTTP ${res.status}`, details: { origin, status: res.status } };

      const intro = await introspectActive(e, secret);
      if (intro.active === false) return { outcome: 'revoked', confirmed: true, reason: `revoked at ${origin}; introspection confirms the token is inactive`, details: { origin } };
      if (intro.active === true) return { outcome: 'failed', reason: `${origin} accepted the revocation request but introspection still reports the token active`, details: { origin } };
      const life = exp ? ` until exp (${exp})` : '';
      const why = intro.error ? `confirmation by introspection failed (${intro.error})` : 'no introspection configured to confirm it';
      return { outcome: 'revoked', confirmed: false, reason: `revocation requested at ${origin} (HTTP 200); ${why}; a self-contained JWT may stay valid${life}`, details: { origin } };
    },
    async check(secret) {
      const claims = rawClaims(secret);
      const e = claims ? findTrustedIssuer(allowed, claims.iss) : undefined;
      if (!e) return 'unknown';
      const intro = await introspectActive(e, secret);
      return intro.active === undefined ? 'unknown' : intro.active ? 'valid' : 'invalid';
    },
  };
}
