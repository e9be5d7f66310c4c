/**
 * Per-issuer metadata with caching: the discovery document and the JWKS of TRUSTED issuers only,
 * fetched through a SafeFetch. Reused by the RFC 7009 revoker to find `revocation_endpoint`.
 *
 * Contract:
 * - Discovery: `GET {issuer}/.well-known/openid-configuration`; its `issuer` must equal the
 *   configured issuer exactly; `jwks_uri` (unless `jwksUri` is configured) and any endpoint taken
 *   from it must be on the issuer's origin, else `UPSTREAM_BLOCKED` — a discovery document cannot
 *   send us (or the token) anywhere else.
 * - Both documents are cached for `ttlMs`. Concurrent callers share one in-flight fetch.
 * - A failed fetch puts the issuer in back-off (Retry-After when given, else `cooldownMs`): calls
 *   during back-off fail at once with the original error code, without touching the network.
 * - `refreshJwks()` (an unknown `kid`) refetches at most once per `cooldownMs` per issuer; a flood
 *   of tokens with made-up kids cannot make us hammer the issuer.
 */
import { z } from 'zod';
import type { JWK } from 'jose';
import { TokenradiusError } from '../../core/errors.js';
import type { SafeFetch } from '../../core/net/types.js';
import { sameOrigin, type ResolvedIssuer } from './trust-list.js';

const MAX_KEYS = 100;

export const DiscoveryDocumentSchema = z.looseObject({
  issuer: z.string(),
  jwks_uri: z.string().optional(),
  introspection_endpoint: z.string().optional(),
  revocation_endpoint: z.string().optional(),
  token_endpoint: z.string().optional(),
  introspection_endpoint_auth_methods_supported: z.array(z.string()).optional(),
  revocation_endpoint_auth_methods_supported: z.array(z.string()).optional(),
});
export type DiscoveryDocument = z.infer<typeof DiscoveryDocumentSchema>;

const JwksSchema = z.looseObject({ keys: z.array(z.record(z.string(), z.unknown())).max(MAX_KEYS) });

export interface JwksSnapshot {
  keys: readonly JWK[];
  /** `now()` in ms when fetched. */
  fetchedAt: number;
  /** Per-snapshot cache of imported keys, keyed by key index + algorithm. */
  imported: Map<string, unknown>;
}

export interface IssuerMetadataOptions {
  fetch: SafeFetch;
  ttlMs: number;
  cooldownMs: number;
  now: () => number;
}

export interface IssuerMetadata {
  /** The validated discovery document (throws TokenradiusError). */
  discovery(): Promise<DiscoveryDocument>;
  /** The issuer's JWKS URL: configured, or discovered and on the issuer's origin. */
  jwksUri(): Promise<string | undefined>;
  /** Cached JWKS; `fresh` says whether this call fetched it. */
  jwks(): Promise<{ snapshot: JwksSnapshot; fresh: boolean }>;
  /** Force a refetch for an unknown kid: `undefined` when suppressed by the cooldown. */
  refreshJwks(): Promise<JwksSnapshot | undefined>;
  /** A discovered or configured endpoint, required to be on the issuer's origin when discovered. */
  endpoint(kind: 'introspection' | 'revocation'): Promise<string | undefined>;
}

function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

export function createIssuerMetadata(entry: ResolvedIssuer, o: IssuerMetadataOptions): IssuerMetadata {
  let disc: { value: DiscoveryDocument; at: number } | undefined;
  let jwksCache: JwksSnapshot | undefined;
  let discInflight: Promise<DiscoveryDocument> | undefined;
  let jwksInflight: Promise<JwksSnapshot> | undefined;
  let lastForced = -Infinity;
  let backoff: { until: number; error: TokenradiusError } | undefined;

  const origin = (() => {
    try {
      return new URL(entry.issuer).origin;
    } catch {
      return entry.issuer;
    }
  })();

  function checkBackoff(): void {
    if (backoff && o.now() < backoff.until) {
      throw new TokenradiusError(backoff.error.code, `${origin}: backing off after a failed fetch`, {
        details: { origin, backoffUntil: new Date(backoff.until).toISOString() },
        retry: { afterMs: backoff.until - o.now() },
      });
    }
  }

  async function guarded<T>(fn: () => Promise<T>): Promise<T> {
    checkBackoff();
    try {
      const v = await fn();
      backoff = undefined;
      return v;
    } catch (e) {
      const err = e instanceof TokenradiusError ? e : new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `${origin}: unexpected failure`, { details: { origin } });
      const afterMs = typeof err.retry === 'object' ? err.retry.afterMs : o.cooldownMs;
      backoff = { until: o.now() + Math.max(afterMs, 1), error: err };
      throw err;
    }
  }

  async function getJson(url: string, what: string): Promise<unknown> {
    const res = await o.fetch(url, { headers: { accept: 'application/json, application/jwk-set+json' } });
    if (res.status !== 200) {
      throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `${origin}: ${what} answered HTTP ${res.status}`, { details: { origin, status: res.status } });
    }
    return res.json();
  }

  async function fetchDiscovery(): Promise<DiscoveryDocument> {
    const raw = await getJson(discoveryUrl(entry.issuer), 'discovery');
    const parsed = DiscoveryDocumentSchema.safeParse(raw);
    if (!parsed.success) throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `${origin}: discovery document is malformed`, { details: { origin } });
    if (parsed.data.issuer !== entry.issuer) {
      throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `${origin}: discovery document names a different issuer`, { details: { origin } });
    }
    return parsed.data;
  }

  const discovery = (): Promise<DiscoveryDocument> => {
    if (!entry.discovery) return Promise.reject(new TokenradiusError('CONFIG_INVALID', `${origin}: discovery is off for this issuer`));
    if (disc && o.now() - disc.at < o.ttlMs) return Promise.resolve(disc.value);
    discInflight ??= guarded(fetchDiscovery)
      .then((value) => {
        disc = { value, at: o.now() };
        return value;
      })
      .finally(() => {
        discInflight = undefined;
      });
    return discInflight;
  };

  async function jwksUri(): Promise<string | undefined> {
    if (entry.jwksUri) return entry.jwksUri;
    if (!entry.discovery) return undefined;
    const d = await discovery();
    if (d.jwks_uri === undefined) return undefined;
    if (!sameOrigin(d.jwks_uri, entry.issuer)) {
      throw new TokenradiusError('UPSTREAM_BLOCKED', `${origin}: discovered jwks_uri is not on the issuer's origin; configure jwksUri to pin it`, {
        details: { origin },
      });
    }
    return d.jwks_uri;
  }

  async function fetchJwks(): Promise<JwksSnapshot> {
    const uri = await jwksUri();
    if (uri === undefined) throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `${origin}: the issuer publishes no jwks_uri`, { details: { origin } });
    const raw = await getJson(uri, 'JWKS');
    const parsed = JwksSchema.safeParse(raw);
    if (!parsed.success) throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `${origin}: JWKS is malformed`, { details: { origin } });
    return { keys: parsed.data.keys as JWK[], fetchedAt: o.now(), imported: new Map() };
  }

  function startJwksFetch(): Promise<JwksSnapshot> {
    jwksInflight ??= guarded(fetchJwks)
      .then((s) => {
        jwksCache = s;
        return s;
      })
      .finally(() => {
        jwksInflight = undefined;
      });
    return jwksInflight;
  }

  return {
    discovery,
    jwksUri,
    async jwks() {
      if (jwksCache && o.now() - jwksCache.fetchedAt < o.ttlMs) return { snapshot: jwksCache, fresh: false };
      const snapshot = await startJwksFetch();
      return { snapshot, fresh: true };
    },
    async refreshJwks() {
      if (jwksInflight) return jwksInflight;
      if (o.now() - lastForced < o.cooldownMs) return undefined;
      lastForced = o.now();
      return startJwksFetch();
    },
    async endpoint(kind) {
      const configured = kind === 'introspection' ? entry.introspection?.endpoint : entry.revocation?.endpoint;
      if (configured) return configured;
      if (!entry.discovery) return undefined;
      const d = await discovery();
      const found = kind === 'introspection' ? d.introspection_endpoint : d.revocation_endpoint;
      if (found === undefined) return undefined;
      if (!sameOrigin(found, entry.issuer)) {
        throw new TokenradiusError('UPSTREAM_BLOCKED', `${origin}: discovered ${kind} endpoint is not on the issuer's origin; configure it explicitly`, {
          details: { origin },
        });
      }
      return found;
    },
  };
}
