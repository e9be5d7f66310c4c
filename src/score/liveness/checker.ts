/**
 * The liveness ladder. Contract of `check` (it never throws; every failure is a state + reason):
 *
 * 1. Non-JWT credentials ⇒ `unknown` ("no safe check for this family"). JWE ⇒ `unverifiable`.
 * 2. temporal (`exp`/`nbf`/`iat`, pure). Expired ⇒ `expired`, and nothing is fetched.
 * 3. Offline answer when the issuer is not on the trust list (exact `iss` match), when verification
 *    is off (config `verify`, overridden by `o.verify`), or when the token cannot be sent safely:
 *    a token valid by time becomes `unverifiable` — NOT `live`: unverified claims prove nothing
 *    (the scorer keeps less of the score for `unverifiable` than for `live`). `expired` and
 *    `not-yet-valid` stay as the claims say. `checkedBy: ['temporal']`.
 * 4. Trusted and verifying: `jwks` — signature against the issuer's JWKS (see ./jwks-verify.ts).
 *    Bad signature ⇒ `invalid-signature` (stop). `not-yet-valid` stays so (introspection skipped).
 * 5. `introspection` when configured: `active: true` ⇒ `live`; `active: false` ⇒ `revoked` (or
 *    `expired` when the response's `exp` has passed). An introspection error leaves the signature
 *    verdict in place (a verified, unexpired token stays `live`, with a reason saying revocation
 *    status is unconfirmed); with no verified signature it gives `unknown`.
 * 6. Otherwise: signature `valid` ⇒ `live`; HS* or Graph-style ⇒ `unverifiable`; network/429/5xx ⇒ `unknown`.
 *
 * `checkedBy` lists the rungs that ran; `reason` says what each found; `expiresAt` comes from `exp`.
 * The token itself is sent only to the trusted issuer's introspection endpoint; signature checks
 * fetch only public metadata. Reasons and errors never contain the token.
 */
import type { Liveness } from '../../core/types.js';
import type { DecodedJwt } from '../../detect/types.js';
import { createSafeFetch } from '../../core/net/safe-fetch.js';
import type { OutboundEvent, SafeFetch } from '../../core/net/types.js';
import { TokenradiusError } from '../../core/errors.js';
import type { TrustOptions } from './options.js';
import { temporalLiveness } from './temporal.js';
import { expandTrustList, findTrustedIssuer, trustConfiguredUrls, type ResolvedIssuer } from './trust-list.js';
import { createIssuerMetadata, type IssuerMetadata } from './issuer-metadata.js';
// Type only: jose loads on the first signature check, never in offline scans (`scan`, its workers).
import type { SignatureResult } from './jwks-verify.js';
import { introspect } from './introspection.js';

/** Tokens longer than this are never sent anywhere or verified (no real access token is this big). */
export const MAX_CHECKED_TOKEN_LENGTH = 32 * 1024;

export interface LivenessInput {
  /** The raw token (in memory only). */
  token: string;
  /** What the engine decoded; `undefined` when it is not a decodable JWT. */
  decoded: DecodedJwt | undefined;
  kind: 'jwt' | 'credential';
}

export interface LivenessChecker {
  check(input: LivenessInput, now: Date, o?: { verify?: boolean }): Promise<Liveness>;
  /** Drop caches; later checks answer `unknown`. */
  close(): void;
}

export interface LivenessDeps {
  /** Outbound client; defaults to a SafeFetch built from the trust options. */
  fetch?: SafeFetch;
  /** Clock for cache TTLs and refetch cooldowns (not for the temporal rung, which uses `now`). */
  now?: () => Date;
  /** Audit hook for every outbound request of the default client (origin, method, status; never a path or body). */
  onRequest?: (event: OutboundEvent) => void;
}

function joinReasons(...parts: Array<string | undefined>): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join('; ');
}

function audienceNote(entry: ResolvedIssuer, claims: Record<string, unknown> | undefined): string | undefined {
  if (!entry.audience || !claims) return undefined;
  const aud = claims.aud;
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  return list.some((a) => entry.audience?.includes(a)) ? undefined : 'audience is not one of the configured audiences (the token is live for another audience)';
}

export function createLivenessChecker(opts: TrustOptions, env: Readonly<Record<string, string>>, deps: LivenessDeps = {}): LivenessChecker {
  const trust = expandTrustList(opts);
  const fetch =
    deps.fetch ??
    createSafeFetch({
      configuredUrls: trustConfiguredUrls(trust),
      allowCidrs: opts.allowPrivateCidrs,
      timeoutMs: opts.timeoutMs,
      maxResponseBytes: opts.maxResponseBytes,
      maxRedirects: 0,
      ...(deps.onRequest ? { onRequest: deps.onRequest } : {}),
    });
  const clock = (): number => (deps.now ? deps.now() : new Date()).getTime();
  let metas = new Map<string, IssuerMetadata>();
  let closed = false;

  const metaFor = (entry: ResolvedIssuer): IssuerMetadata => {
    let m = metas.get(entry.issuer);
    if (!m) {
      m = createIssuerMetadata(entry, {
        fetch,
        ttlMs: opts.jwksCacheTtlSeconds * 1000,
        cooldownMs: opts.jwksRefetchCooldownSeconds * 1000,
        now: clock,
      });
      metas.set(entry.issuer, m);
    }
    return m;
  };

  function offline(temporal: Liveness, why: string): Liveness {
    if (temporal.state === 'live') return { ...temporal, state: 'unverifiable', reason: joinReasons(why, temporal.reason) };
    return { ...temporal, reason: joinReasons(temporal.reason, why) };
  }

  async function runIntrospection(
    entry: ResolvedIssuer,
    token: string,
    nowMs: number,
  ): Promise<{ kind: 'active' | 'inactive' | 'expired' | 'error' | 'skipped'; reason: string }> {
    const cfg = entry.introspection;
    if (!cfg) return { kind: 'skipped', reason: '' };
    const secret = env[cfg.clientSecretEnv];
    if (secret === undefined || secret === '') return { kind: 'skipped', reason: `introspection skipped: ${cfg.clientSecretEnv} is not set` };
    try {
      const endpoint = await metaFor(entry).endpoint('introspection');
      if (!endpoint) return { kind: 'skipped', reason: 'introspection skipped: the issuer publishes no introspection endpoint' };
      const res = await introspect(fetch, endpoint, cfg, secret, token);
      if (res.active) return { kind: 'active', reason: 'the issuer reports the token active (introspection)' };
      if (res.exp !== undefined && res.exp * 1000 <= nowMs) return { kind: 'expired', reason: 'the issuer reports the token inactive and expired (introspection)' };
      return { kind: 'inactive', reason: 'the issuer reports the token inactive: revoked or unknown to it (introspection)' };
    } catch (e) {
      const code = e instanceof TokenradiusError ? e.code : 'INTERNAL';
      return { kind: 'error', reason: `introspection failed (${code})` };
    }
  }

  async function ladder(input: LivenessInput, now: Date, o: { verify?: boolean }): Promise<Liveness> {
    const checkedAt = Number.isFinite(now.getTime()) ? now.toISOString() : new Date().toISOString();
    if (input.kind !== 'jwt') return { state: 'unknown', checkedBy: [], reason: 'no safe check for this credential family', checkedAt };
    const decoded = input.decoded;
    if (!decoded) return { state: 'unknown', checkedBy: [], reason: 'not a decodable JWT', checkedAt };
    if (decoded.form === 'jwe') return { state: 'unverifiable', checkedBy: [], reason: 'encrypted token (JWE): only the header is readable', checkedAt };

    const temporal = temporalLiveness(decoded.claims, now, opts.skewSeconds);
    if (temporal.state === 'expired') return temporal;

    const claims = decoded.claims;
    const entry = findTrustedIssuer(trust, claims?.iss);
    if (!entry) return offline(temporal, 'issuer not on trust list (decoded offline)');
    const verify = o.verify ?? opts.verify;
    if (!verify) return offline(temporal, 'signature not checked: verification is off');
    // The JWS part of an SD-JWT is what the issuer signed.
    const jws = decoded.form === 'sd-jwt' ? (input.token.split('~')[0] ?? '') : input.token;
    if (jws.length > MAX_CHECKED_TOKEN_LENGTH) return offline(temporal, `token too large to check (${jws.length} characters)`);
    if (!/^[A-Za-z0-9_\-.]+$/.test(jws)) return offline(temporal, 'token has characters a compact JWS cannot contain; not checked');

    const checkedBy = ['temporal', 'jwks'];
    let sig: SignatureResult;
    if (decoded.form === 'unsecured') sig = { kind: 'invalid', reason: 'unsigned token (alg none) naming a trusted issuer' };
    else sig = await (await import('./jwks-verify.js')).verifyWithJwks(jws, decoded.header, entry, metaFor(entry));
    const base = { checkedAt, ...(temporal.expiresAt ? { expiresAt: temporal.expiresAt } : {}) };
    if (sig.kind === 'invalid') return { state: 'invalid-signature', checkedBy, reason: sig.reason, ...base };
    const audNote = sig.kind === 'valid' ? audienceNote(entry, claims) : undefined;
    if (temporal.state === 'not-yet-valid') return { state: 'not-yet-valid', checkedBy, reason: joinReasons(temporal.reason, sig.reason, audNote), ...base };

    const intro = await runIntrospection(entry, input.token, now.getTime());
    if (intro.kind !== 'skipped') checkedBy.push('introspection');
    switch (intro.kind) {
      case 'active':
        return { state: 'live', checkedBy, reason: joinReasons(intro.reason, sig.reason, audNote, temporal.reason), ...base };
      case 'inactive':
        return { state: 'revoked', checkedBy, reason: joinReasons(intro.reason, sig.reason), ...base };
      case 'expired':
        return { state: 'expired', checkedBy, reason: joinReasons(intro.reason, sig.reason), ...base };
      default:
        break;
    }
    const introNote = intro.kind === 'error' ? `${intro.reason}; revocation status not confirmed` : intro.reason;
    if (sig.kind === 'valid') return { state: 'live', checkedBy, reason: joinReasons(sig.reason, audNote, introNote, temporal.reason), ...base };
    if (sig.kind === 'unverifiable') return { state: 'unverifiable', checkedBy, reason: joinReasons(sig.reason, introNote, temporal.reason), ...base };
    return { state: 'unknown', checkedBy, reason: joinReasons(sig.reason, introNote), ...base };
  }

  return {
    async check(input, now, o = {}) {
      if (closed) return { state: 'unknown', checkedBy: [], reason: 'liveness checker is closed' };
      try {
        return await ladder(input, now, o);
      } catch {
        // Never let a check take a worker down; the cause's message may quote the token, so drop it.
        return { state: 'unknown', checkedBy: [], reason: 'liveness check failed unexpectedly' };
      }
    },
    close() {
      closed = true;
      metas = new Map();
    },
  };
}
