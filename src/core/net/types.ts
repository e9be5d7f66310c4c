/**
 * The hardened outbound HTTP client contract. `createSafeFetch` (./safe-fetch.ts) is the ONLY way
 * tokenradius code fetches a URL that came from configuration or from a configured upstream's
 * answers (discovery documents, JWKS, introspection, revocation, webhook sinks).
 *
 * What a `SafeFetch` guarantees:
 * - `https:` only, except for origins whose configured URL is itself `http:` (local test servers);
 *   no credentials in URLs; no cookies, proxies or ambient credentials; no connection pooling.
 * - It resolves DNS itself, refuses loopback, private (RFC 1918), CGNAT, link-local, ULA,
 *   multicast, reserved and cloud-metadata addresses (also inside IPv4-mapped / NAT64 / 6to4 IPv6
 *   forms, and names like `localhost` / `metadata.google.internal`), then connects to exactly the
 *   address it validated — there is no second lookup a changing DNS answer could exploit.
 *   Exceptions: a configured URL whose host is itself a private IP literal allows that exact
 *   ip:port; `allowCidrs` allows whole private ranges (an on-prem identity provider). Metadata
 *   addresses are never allowed.
 * - Redirects are not followed unless `maxRedirects > 0`; then only for GET, and every hop is
 *   validated by the same rules (a redirect into a private range is refused before any connection).
 * - One deadline covers DNS, connect, headers and body; the body is streamed and the request is
 *   aborted as soon as it exceeds the byte cap (after decompression).
 * - Failures are `TokenradiusError`s: `UPSTREAM_BLOCKED` (address/scheme refused),
 *   `UPSTREAM_UNAVAILABLE` (network error, timeout, 5xx; 503 Retry-After → `retry.afterMs`),
 *   `UPSTREAM_RATE_LIMITED` (429; Retry-After → `retry.afterMs`), `UPSTREAM_INVALID_RESPONSE`
 *   (over the size cap, unfollowed redirect, undecodable body). Other statuses (2xx, 4xx) are
 *   returned for the caller to interpret.
 * - Messages and details name the origin (scheme://host:port) only: never the path or query (a
 *   webhook URL's path is itself a secret), never a request or response body.
 */

/** Resolves a host name to its addresses. Injected in tests; defaults to the system resolver. */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<{ address: string; family?: number }>>;

export interface SafeFetchOptions {
  /**
   * URLs taken from configuration (issuer, endpoints, webhook URLs). Their exact origins may be
   * `http:`, and when such an origin's host is a private IP literal, that exact ip:port may be
   * contacted.
   */
  configuredUrls?: readonly string[];
  /** Private ranges (CIDR or single IP) that may be contacted, e.g. an on-prem IdP's subnet. */
  allowCidrs?: readonly string[];
  /** Deadline for the whole exchange (DNS + connect + response). Default 5000. */
  timeoutMs?: number;
  /** Response size cap in bytes, after decompression. Default 1 MiB. */
  maxResponseBytes?: number;
  /** GET redirects to follow (each hop re-validated). Default 0: a redirect is an error. */
  maxRedirects?: number;
  resolve?: Resolver;
  /**
   * Trust anchors (PEM) for https, REPLACING the default roots for this client: for an on-prem
   * issuer behind a private CA (or `NODE_EXTRA_CA_CERTS` to add to the defaults process-wide).
   */
  ca?: string | readonly string[];
  userAgent?: string;
  /** Called once per attempted hop, for audit logs. Carries no path, query or body. */
  onRequest?: (event: OutboundEvent) => void;
}

export interface OutboundEvent {
  method: string;
  origin: string;
  /** The address that was (or would have been) dialled. */
  address?: string;
  status?: number;
  /** Error code when the hop failed. */
  error?: string;
}

export interface SafeRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `host` and `cookie` are ignored. */
  headers?: Readonly<Record<string, string>>;
  body?: string | Buffer | URLSearchParams;
  timeoutMs?: number;
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

export interface SafeResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Readonly<Record<string, string>>;
  /** The final URL (after followed redirects). */
  url: string;
  body: Buffer;
  /** Body as UTF-8; invalid UTF-8 → UPSTREAM_INVALID_RESPONSE. */
  text(): string;
  /** Body parsed as JSON; failure → UPSTREAM_INVALID_RESPONSE. Validate the result with zod. */
  json(): unknown;
}

export type SafeFetch = (url: string | URL, request?: SafeRequest) => Promise<SafeResponse>;
