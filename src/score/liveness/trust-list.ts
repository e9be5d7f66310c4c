/**
 * The issuer trust list, expanded: every configured issuer (tenant patterns expanded into one exact
 * issuer per allowed tenant) keyed by the exact `iss` string a token must carry. Matching is exact
 * string equality — no prefix, case folding or trailing-slash normalisation — because `iss` is
 * attacker-controlled and "close enough" is how allowlists get bypassed.
 */
import { TENANT_PLACEHOLDER, type ClientEndpoint, type TrustOptions, type TrustedIssuer } from './options.js';

export interface ResolvedIssuer {
  /** The exact issuer string. */
  issuer: string;
  /** The tenant this entry was expanded for, when the configured issuer is a pattern. */
  tenant?: string;
  jwksUri?: string;
  discovery: boolean;
  algorithms: readonly string[];
  audience?: readonly string[];
  introspection?: ClientEndpoint;
  revocation?: ClientEndpoint;
  /** The configuration entry it came from. */
  config: TrustedIssuer;
}

function sub(value: string | undefined, tenant: string | undefined): string | undefined {
  if (value === undefined || tenant === undefined) return value;
  return value.split(TENANT_PLACEHOLDER).join(tenant);
}

function subEndpoint(e: ClientEndpoint | undefined, tenant: string | undefined): ClientEndpoint | undefined {
  if (!e) return undefined;
  const endpoint = sub(e.endpoint, tenant);
  return { ...e, ...(endpoint !== undefined ? { endpoint } : {}) };
}

/** Expand the configured issuers into exact entries keyed by issuer string. */
export function expandTrustList(opts: Pick<TrustOptions, 'issuers'>): ReadonlyMap<string, ResolvedIssuer> {
  const out = new Map<string, ResolvedIssuer>();
  for (const cfg of opts.issuers) {
    const tenants: Array<string | undefined> = cfg.issuer.includes(TENANT_PLACEHOLDER) ? (cfg.tenants ?? []) : [undefined];
    for (const tenant of tenants) {
      const issuer = sub(cfg.issuer, tenant) as string;
      if (out.has(issuer)) continue; // first entry wins; the schema reports duplicates
      const jwksUri = sub(cfg.jwksUri, tenant);
      const introspection = subEndpoint(cfg.introspection, tenant);
      const revocation = subEndpoint(cfg.revocation, tenant);
      out.set(issuer, {
        issuer,
        ...(tenant !== undefined ? { tenant } : {}),
        ...(jwksUri !== undefined ? { jwksUri } : {}),
        discovery: cfg.discovery,
        algorithms: cfg.algorithms,
        ...(cfg.audience !== undefined ? { audience: typeof cfg.audience === 'string' ? [cfg.audience] : cfg.audience } : {}),
        ...(introspection ? { introspection } : {}),
        ...(revocation ? { revocation } : {}),
        config: cfg,
      });
    }
  }
  return out;
}

/** The trusted entry for a token's `iss`, by exact match; anything but a string matches nothing. */
export function findTrustedIssuer(list: ReadonlyMap<string, ResolvedIssuer>, iss: unknown): ResolvedIssuer | undefined {
  if (typeof iss !== 'string' || iss.length === 0 || iss.length > 2048) return undefined;
  return list.get(iss);
}

/** Every URL the trust configuration names: the SSRF guard lets exactly these origins use http / a private IP literal. */
export function trustConfiguredUrls(list: ReadonlyMap<string, ResolvedIssuer>): string[] {
  const urls = new Set<string>();
  for (const e of list.values()) {
    urls.add(e.issuer);
    if (e.jwksUri) urls.add(e.jwksUri);
    if (e.introspection?.endpoint) urls.add(e.introspection.endpoint);
    if (e.revocation?.endpoint) urls.add(e.revocation.endpoint);
  }
  return [...urls].filter((u) => {
    try {
      new URL(u);
      return true;
    } catch {
      return false;
    }
  });
}

/** Same scheme, host and port. */
export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
