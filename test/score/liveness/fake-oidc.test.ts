/**
 * The fake identity provider is shared test infrastructure (the RFC 7009 revoker's tests use it
 * too): its revocation endpoint must behave like RFC 7009 says, or those tests prove nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createSafeFetch } from '../../../src/core/net/safe-fetch.js';
import { clientAuthentication, introspect } from '../../../src/score/liveness/introspection.js';
import { startFakeOidc, type FakeOidc } from '../../support/fake-oidc.js';
import { inHours } from '../../support/jwt-factory.js';

const SECRET = randomBytes(12).toString('hex');

describe('fake OIDC provider: RFC 7009 revocation and RFC 7662 introspection', () => {
  let idp: FakeOidc;
  beforeAll(async () => {
    idp = await startFakeOidc({ clients: { app: { secret: SECRET }, other: { secret: SECRET } } });
  });
  afterAll(() => idp.close());

  const fetch = () => createSafeFetch({ configuredUrls: [idp.issuer] });
  const revoke = (token: string, clientId: string, secret: string, method: 'client_secret_basic' | 'client_secret_post' = 'client_secret_basic') => {
    const auth = clientAuthentication({ clientId, authMethod: method }, secret);
    return fetch()(idp.url('/revoke'), { method: 'POST', headers: auth.headers, body: new URLSearchParams({ token, token_type_hint: 'access_token', ...auth.form }) });
  };

  it('revokes a token issued to the calling client; introspection then reports it inactive', async () => {
    const token = await idp.signToken({ client_id: 'app', exp: inHours(1) });
    expect((await introspect(fetch(), idp.url('/introspect'), { clientId: 'app', authMethod: 'client_secret_basic' }, SECRET, token)).active).toBe(true);
    expect((await revoke(token, 'app', SECRET, 'client_secret_post')).status).toBe(200);
    expect(idp.isRevoked(token)).toBe(true);
    expect((await introspect(fetch(), idp.url('/introspect'), { clientId: 'app', authMethod: 'client_secret_post' }, SECRET, token)).active).toBe(false);
  });

  it('refuses to revoke a token issued to another client', async () => {
    const token = await idp.signToken({ client_id: 'app', exp: inHours(1) });
    const r = await revoke(token, 'other', SECRET);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ error: 'unauthorized_client' });
    expect(idp.isRevoked(token)).toBe(false);
  });

  it('rejects bad client credentials with 401 and does not revoke', async () => {
    const token = await idp.signToken({ client_id: 'app', exp: inHours(1) });
    expect((await revoke(token, 'app', 'wrong')).status).toBe(401);
    expect(idp.isRevoked(token)).toBe(false);
    await expect(introspect(fetch(), idp.url('/introspect'), { clientId: 'app', authMethod: 'client_secret_basic' }, 'wrong', token)).rejects.toMatchObject({
      code: 'UPSTREAM_AUTH_FAILED',
    });
  });

  it('answers 200 for an unknown token (RFC 7009 §2.2) and 400 without a token', async () => {
    expect((await revoke(randomBytes(20).toString('hex'), 'app', SECRET)).status).toBe(200);
    const auth = clientAuthentication({ clientId: 'app', authMethod: 'client_secret_basic' }, SECRET);
    const r = await fetch()(idp.url('/revoke'), { method: 'POST', headers: auth.headers, body: new URLSearchParams({}) });
    expect(r.status).toBe(400);
  });

  it('client_secret_basic form-encodes the id and secret (RFC 6749 §2.3.1)', () => {
    const { headers } = clientAuthentication({ clientId: 'a b:c', authMethod: 'client_secret_basic' }, 's/é');
    const decoded = Buffer.from(headers.authorization!.slice(6), 'base64').toString('utf8');
    expect(decoded).toBe('a+b%3Ac:s%2F%C3%A9');
  });

  it('serves a 503 with Retry-After on the revocation endpoint when told to, once', async () => {
    idp.fault('revocation', { kind: 'status', status: 503, retryAfter: '12' }, { times: 1 });
    const token = await idp.signToken({ client_id: 'app', exp: inHours(1) });
    await expect(revoke(token, 'app', SECRET)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retry: { afterMs: 12_000 } });
    expect((await revoke(token, 'app', SECRET)).status).toBe(200);
    expect(idp.requests.filter((r) => r.endpoint === 'revocation').at(-1)).toMatchObject({ clientId: 'app', authMethod: 'client_secret_basic', status: 200 });
  });
});
