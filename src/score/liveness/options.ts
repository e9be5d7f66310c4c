/**
 * Trust configuration (`trust:` in the config file): which issuers tokenradius may contact to check
 * a token's signature (JWKS), liveness (RFC 7662 introspection) and — for the RFC 7009 revoker —
 * revoke it. An issuer that is not listed here is never contacted: its tokens are decoded and
 * scored offline.
 *
 * Secrets appear only as the NAME of an environment variable (`clientSecretEnv`).
 */
import { z } from 'zod';
import { parseCidr } from '../../core/net/ip.js';

/** Asymmetric JWS algorithms. Symmetric (HS*) tokens cannot be verified by a third party. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
export const AsymmetricAlgorithmSchema = z.enum(ASYMMETRIC_ALGORITHMS);
export type AsymmetricAlgorithm = z.infer<typeof AsymmetricAlgorithmSchema>;

/** The placeholder a tenant-pattern issuer uses: `https://login.microsoftonline.com/{tenant}/v2.0`. */
export const TENANT_PLACEHOLDER = '{tenant}';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Tenant ids substituted into URLs: one path segment, no separators or dots-only values. */
const TenantSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/, 'a tenant is one URL path segment: letters, digits, ".", "_", "-"');

function checkHttpUrl(value: string, ctx: z.RefinementCtx, path: PropertyKey[], what: string): URL | undefined {
  let u: URL;
  try {
    u = new URL(value.split(TENANT_PLACEHOLDER).join('tenant'));
  } catch {
    ctx.addIssue({ code: 'custom', path, message: `${what} must be an absolute URL` });
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') ctx.addIssue({ code: 'custom', path, message: `${what} must be https (or http for a local test server)` });
  if (u.username !== '' || u.password !== '') ctx.addIssue({ code: 'custom', path, message: `${what} must not embed credentials` });
  if (u.hash !== '') ctx.addIssue({ code: 'custom', path, message: `${what} must not have a #fragment` });
  return u;
}

/** Substituting two different tenants must leave the origin unchanged. */
function placeholderOnlyInPath(url: string): boolean {
  try {
    return new URL(url.replaceAll(TENANT_PLACEHOLDER, 'aa')).origin === new URL(url.replaceAll(TENANT_PLACEHOLDER, 'bb')).origin;
  } catch {
    return false;
  }
}

/** OAuth client credentials for an issuer endpoint (introspection, revocation). */
export const ClientEndpointSchema = z
  .object({
    /** Endpoint URL; when absent, taken from the issuer's discovery document (and it must be on the issuer's origin). */
    endpoint: z.string().optional(),
    clientId: z.string().min(1).max(512),
    /** Name of the environment variable holding the client secret. */
    clientSecretEnv: z.string().regex(ENV_NAME, 'an environment variable name'),
    /** RFC 6749 §2.3.1 client authentication. */
    authMethod: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.endpoint !== undefined) {
      checkHttpUrl(v.endpoint, ctx, ['endpoint'], 'endpoint');
      if (v.endpoint.includes('{') && !v.endpoint.includes(TENANT_PLACEHOLDER)) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'the only placeholder is {tenant}' });
    }
  });
export type ClientEndpoint = z.infer<typeof ClientEndpointSchema>;

export const TrustedIssuerSchema = z
  .object({
    /**
     * The exact `iss` value tokens carry, e.g. `https://acme.okta.com/oauth2/default`. May contain
     * `{tenant}` once (in the path) together with `tenants`: each listed tenant yields one exact issuer.
     */
    issuer: z.string().min(1).max(2048),
    /** Allowed values for `{tenant}`. Required when `issuer` contains `{tenant}`. */
    tenants: z.array(TenantSchema).min(1).max(1000).optional(),
    /** Pinned JWKS URL. When absent, taken from discovery and required to be on the issuer's origin. */
    jwksUri: z.string().max(2048).optional(),
    /** Fetch `{issuer}/.well-known/openid-configuration` (its `issuer` must equal this issuer). */
    discovery: z.boolean().default(true),
    /** Signature algorithms accepted from this issuer (never taken from the token header). */
    algorithms: z.array(AsymmetricAlgorithmSchema).min(1).default(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']),
    /** Expected audience(s). A verified token for another audience is still live; the reason says so. */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** RFC 7662 introspection credentials (resource-server credentials). Sends the token to the issuer. */
    introspection: ClientEndpointSchema.optional(),
    /** RFC 7009 revocation credentials, used by the `rfc7009` revoker. */
    revocation: ClientEndpointSchema.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const u = checkHttpUrl(v.issuer, ctx, ['issuer'], 'issuer');
    const count = v.issuer.split(TENANT_PLACEHOLDER).length - 1;
    if (v.issuer.replaceAll(TENANT_PLACEHOLDER, '').match(/[{}]/)) ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'the only placeholder is {tenant}' });
    if (count > 1) ctx.addIssue({ code: 'custom', path: ['issuer'], message: '{tenant} may appear only once' });
    if (count === 1) {
      if (!v.tenants) ctx.addIssue({ code: 'custom', path: ['tenants'], message: 'an issuer with {tenant} needs the list of allowed tenants' });
      if (u && !placeholderOnlyInPath(v.issuer)) {
        ctx.addIssue({ code: 'custom', path: ['issuer'], message: '{tenant} may appear only in the path, not in the host' });
      }
    }
    if (count === 0 && v.tenants) ctx.addIssue({ code: 'custom', path: ['tenants'], message: 'tenants are only meaningful when issuer contains {tenant}' });
    if (u && u.search !== '') ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'issuer must not have a query string' });
    if (v.jwksUri !== undefined) {
      checkHttpUrl(v.jwksUri, ctx, ['jwksUri'], 'jwksUri');
      if (v.jwksUri.replaceAll(TENANT_PLACEHOLDER, '').match(/[{}]/)) ctx.addIssue({ code: 'custom', path: ['jwksUri'], message: 'the only placeholder is {tenant}' });
    }
    if (!v.discovery && v.jwksUri === undefined) ctx.addIssue({ code: 'custom', path: ['jwksUri'], message: 'with discovery: false, jwksUri is required' });
    if (!v.discovery && v.introspection && v.introspection.endpoint === undefined) {
      ctx.addIssue({ code: 'custom', path: ['introspection', 'endpoint'], message: 'with discovery: false, introspection.endpoint is required' });
    }
    if (!v.discovery && v.revocation && v.revocation.endpoint === undefined) {
      ctx.addIssue({ code: 'custom', path: ['revocation', 'endpoint'], message: 'with discovery: false, revocation.endpoint is required' });
    }
  });
export type TrustedIssuer = z.infer<typeof TrustedIssuerSchema>;

export const TrustOptionsSchema = z
  .object({
    /** Clock skew tolerated on `exp` / `nbf` / `iat`, in seconds. */
    skewSeconds: z.number().int().min(0).max(86_400).default(120),
    /** Whether the service checks signatures / introspects at all. `false` = never contact an issuer. CLI `inspect --verify` overrides. */
    verify: z.boolean().default(true),
    /** Deadline for one outbound request (DNS + connect + response). */
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
    /** Cap on one response body (discovery, JWKS, introspection), after decompression. */
    maxResponseBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(1024 * 1024),
    /** How long a fetched discovery document / JWKS is reused. */
    jwksCacheTtlSeconds: z.number().int().min(0).max(86_400).default(600),
    /** Minimum interval between refetches forced by an unknown `kid` (and back-off after a failed fetch). */
    jwksRefetchCooldownSeconds: z.number().int().min(1).max(86_400).default(60),
    /**
     * Private ranges an issuer may live in (CIDR or IP), e.g. an on-prem Keycloak on `10.20.0.0/16`.
     * Loopback / private / link-local addresses are refused otherwise (SSRF guard); metadata
     * addresses (169.254.169.254, fd00:ec2::254) are refused always.
     */
    allowPrivateCidrs: z.array(z.string().min(1).max(64)).max(100).default([]),
    issuers: z.array(TrustedIssuerSchema).max(500).default([]),
  })
  .strict()
  .superRefine((v, ctx) => {
    const seen = new Map<string, number>();
    v.issuers.forEach((i, idx) => {
      const prev = seen.get(i.issuer);
      if (prev !== undefined) ctx.addIssue({ code: 'custom', path: ['issuers', idx, 'issuer'], message: `duplicate of issuers[${prev}]` });
      else seen.set(i.issuer, idx);
    });
    v.allowPrivateCidrs.forEach((c, idx) => {
      if (!parseCidr(c)) ctx.addIssue({ code: 'custom', path: ['allowPrivateCidrs', idx], message: 'a CIDR range or IP address' });
    });
  })
  .prefault({});
export type TrustOptions = z.infer<typeof TrustOptionsSchema>;
export type TrustOptionsInput = z.input<typeof TrustOptionsSchema>;
