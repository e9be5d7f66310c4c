/**
 * RFC 7662 token introspection, and the RFC 6749 §2.3.1 client authentication it shares with the
 * RFC 7009 revoker (`clientAuthentication`).
 *
 * Contract of `introspect`: POSTs `token` to the given endpoint (which the caller has established
 * belongs to a trusted issuer) with the client's credentials; returns the parsed `{active, exp?}`.
 * 401/403 ⇒ `UPSTREAM_AUTH_FAILED`; other non-200 ⇒ `UPSTREAM_INVALID_RESPONSE`; network, 5xx,
 * 429 ⇒ the SafeFetch errors. The token and the secret appear in no error or log.
 */
import { z } from 'zod';
import { TokenradiusError } from '../../core/errors.js';
import type { SafeFetch } from '../../core/net/types.js';
import type { ClientEndpoint } from './options.js';

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B). */
function formEncode(v: string): string {
  return new URLSearchParams({ v }).toString().slice(2);
}

/**
 * Headers and form fields that authenticate `client` at a token-endpoint-style API:
 * `client_secret_basic` ⇒ `Authorization: Basic base64(urlenc(id):urlenc(secret))`;
 * `client_secret_post` ⇒ `client_id` and `client_secret` form fields.
 */
export function clientAuthentication(client: Pick<ClientEndpoint, 'clientId' | 'authMethod'>, secret: string): { headers: Record<string, string>; form: Record<string, string> } {
  if (client.authMethod === 'client_secret_post') return { headers: {}, form: { client_id: client.clientId, client_secret: secret } };
  const basic = Buffer.from(`${formEncode(client.clientId)}:${formEncode(secret)}`, 'utf8').toString('base64');
  return { headers: { authorization: `Basic ${basic}` }, form: {} };
}

export const IntrospectionResponseSchema = z.looseObject({
  active: z.boolean(),
  exp: z.number().optional(),
  token_type: z.string().optional(),
  client_id: z.string().optional(),
});
export type IntrospectionResponse = z.infer<typeof IntrospectionResponseSchema>;

export async function introspect(
  fetch: SafeFetch,
  endpoint: string,
  client: Pick<ClientEndpoint, 'clientId' | 'authMethod'>,
  secret: string,
  token: string,
  tokenTypeHint?: 'access_token' | 'refresh_token',
): Promise<IntrospectionResponse> {
  const auth = clientAuthentication(client, secret);
  const form = new URLSearchParams({ token, ...(tokenTypeHint ? { token_type_hint: tokenTypeHint } : {}), ...auth.form });
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { ...auth.headers, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  let origin = 'introspection endpoint';
  try {
    origin = new URL(endpoint).origin;
  } catch {
    // keep the generic label
  }
  if (res.status === 401 || res.status === 403) {
    throw new TokenradiusError('UPSTREAM_AUTH_FAILED', `${origin}: introspection rejected our client credentials (HTTP ${res.status})`, { details: { origin, status: res.status } });
  }
  if (res.status !== 200) {
    throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `${origin}: introspection answered HTTP ${res.status}`, { details: { origin, status: res.status } });
  }
  const parsed = IntrospectionResponseSchema.safeParse(res.json());
  if (!parsed.success) {
    throw new TokenradiusError('UPSTREAM_INVALID_RESPONSE', `${origin}: introspection response has no boolean "active"`, { details: { origin } });
  }
  return parsed.data;
}
