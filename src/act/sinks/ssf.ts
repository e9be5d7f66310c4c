/**
 * Shared Signals sink: a RISC `credential-compromise` SET (./set.ts) pushed per RFC 8935 —
 * `POST` of the compact SET with `Content-Type: application/secevent+jwt`, `Accept:
 * application/json` and the agreed `Authorization` header.
 *
 * Answers: 202 (any 2xx) = delivered. 400 with `{"err", "description"}`: `invalid_*`,
 * `authentication_failed`, `access_denied` mean the receiver will refuse this SET again ⇒ failed,
 * not retried (the `err` code is recorded, the description is not: it is the receiver's free text).
 * 5xx, 429, timeouts ⇒ retried. Receivers dedupe on `jti` (our delivery id, stable across retries).
 */
import { z } from 'zod';
import { TokenradiusError } from '../../core/errors.js';
import type { SafeFetch } from '../../core/net/types.js';
import { acceptedOrThrow, originOf } from '../http.js';
import type { SinkConfig, SsfOptions } from '../options.js';
import { credentialCompromiseClaims, signSet, type SetSigningKey } from '../set.js';
import type { AlertSink } from '../types.js';

type SsfSinkConfig = Extract<SinkConfig, { type: 'ssf' }>;

const PushErrorSchema = z.object({ err: z.string().regex(/^[a-z_]{1,64}$/), description: z.string().optional() }).loose();

export interface SsfSinkDeps {
  env: Readonly<Record<string, string>>;
  fetch: SafeFetch;
  ssf: SsfOptions;
  /** Resolved lazily: the key is loaded (or generated) on first use. */
  signingKey: () => Promise<SetSigningKey>;
}

export function createSsfSink(cfg: SsfSinkConfig, deps: SsfSinkDeps): AlertSink {
  const authorization = cfg.authorizationEnv ? deps.env[cfg.authorizationEnv] : undefined;
  if (cfg.authorizationEnv && !authorization) throw new TokenradiusError('CONFIG_ENV_MISSING', `act sink ${cfg.id}: environment variable ${cfg.authorizationEnv} is not set`);
  const origin = originOf(cfg.url);
  return {
    id: cfg.id,
    events: cfg.events,
    async notify(finding, ctx) {
      const now = ctx?.now ?? new Date();
      const jti = ctx?.deliveryId ?? `set-${finding.fingerprint.slice(7)}-${finding.version}-${cfg.id}`;
      const claims = credentialCompromiseClaims(finding, { issuer: deps.ssf.issuer, audience: cfg.audience, jti, credentialType: deps.ssf.credentialType, now });
      const set = await signSet(claims, await deps.signingKey());
      const res = await deps.fetch(cfg.url, {
        method: 'POST',
        headers: { 'content-type': 'application/secevent+jwt', accept: 'application/json', ...(authorization ? { authorization } : {}) },
        body: set,
        timeoutMs: cfg.timeoutMs,
      });
      if (res.status === 400) {
        let err = 'invalid_request';
        try {
          const parsed = PushErrorSchema.safeParse(res.json());
          if (parsed.success) err = parsed.data.err;
        } catch {
          // an unreadable 400 is still a refusal
        }
        throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `SET receiver ${origin} refused the event (${err})`, { details: { origin, status: 400, err }, retry: 'never' });
      }
      acceptedOrThrow(res, cfg.url, `SET receiver ${cfg.id}`);
      return { status: res.status, jti };
    },
  };
}
