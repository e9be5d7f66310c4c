import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/detect/engine.js';
import { MASK_MAX_DEPTH, maskClaims, secretClaimName } from '../../../src/detect/jwt/mask.js';
import { jwtDetector } from '../../../src/detect/jwt/detector.js';
import type { Detector } from '../../../src/detect/types.js';
import { fakeSignedJwt } from '../../support/jwt-factory.js';

const secret = () => randomBytes(18).toString('base64url');

/** A stand-in credential rule so these tests do not depend on the rules registry. */
const acme: Detector = {
  id: 'acme-key',
  name: 'ACME key',
  kind: 'credential',
  keywords: ['acme_'],
  find: (text) => [...text.matchAll(/acme_[A-Za-z0-9]{30}/g)].map((m) => ({ ruleId: 'acme-key', kind: 'credential' as const, secret: m[0], start: m.index, end: m.index + m[0].length })),
  examples: () => ({ match: [], ignore: [] }),
};
const engine = createEngine([jwtDetector, acme]);

describe('maskClaims', () => {
  it('masks values of claims named like secrets, wherever they sit', () => {
    const values = { password: secret(), clientSecret: secret(), apiKey: secret(), privateKey: secret(), refresh: secret(), access: secret(), session: secret(), cookie: secret() };
    const claims = {
      sub: 'svc-ci',
      password: values.password,
      client_secret: values.clientSecret,
      'x-api-key': values.apiKey,
      ext: { private_key: values.privateKey, tokens: [{ refresh_token: values.refresh }], access_token: values.access },
      session_token: values.session,
      Cookie: values.cookie,
      pin: 1234,
    };
    const { claims: out, masked } = maskClaims(claims, engine);
    const text = JSON.stringify(out);
    for (const v of Object.values(values)) expect(text).not.toContain(v);
    expect(text).not.toContain('1234');
    expect(out.sub).toBe('svc-ci');
    expect(masked.map((m) => m.path).sort()).toEqual(
      ['Cookie', 'client_secret', 'ext.access_token', 'ext.private_key', 'ext.tokens[0].refresh_token', 'password', 'pin', 'session_token', '["x-api-key"]'].sort(),
    );
    expect(masked.find((m) => m.path === 'password')?.reason).toMatch(/claim name looks like a secret/);
    // masked values are redacted previews: same length information, no secret
    expect(String(out.password)).toMatch(/\[\d+ chars\]$/);
  });

  it('masks every element of a secret-named array', () => {
    const keys = [secret(), secret()];
    const { claims: out, masked } = maskClaims({ api_keys: keys }, engine);
    expect(JSON.stringify(out)).not.toContain(keys[0]);
    expect(masked.map((m) => m.path)).toEqual(['api_keys[0]', 'api_keys[1]']);
  });

  it('masks string values that contain a credential or a nested JWT, whatever their name', () => {
    const cred = 'acme_' + randomBytes(30).toString('hex').slice(0, 30);
    const inner = fakeSignedJwt({ sub: 'inner', scope: 'admin' });
    const { claims: out, masked } = maskClaims({ note: `use ${cred} for the backup job`, upstream: inner, list: ['ok', inner] }, engine);
    const text = JSON.stringify(out);
    expect(text).not.toContain(cred);
    expect(text).not.toContain(inner.split('.')[1]!);
    expect(masked).toEqual([
      { path: 'note', reason: 'value contains a credential (acme-key)' },
      { path: 'upstream', reason: 'value contains a JWT' },
      { path: 'list[1]', reason: 'value contains a JWT' },
    ]);
    expect((out.list as unknown[])[0]).toBe('ok');
  });

  it('leaves ordinary claims readable for scoring, including token_use and token_type', () => {
    const claims = { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/pool', token_use: 'access', token_type: 'Bearer', scope: 'openid', at_hash: 'abc', sid: 's1', roles: ['admin'], email: 'a@example.com' };
    const { claims: out, masked } = maskClaims(claims, engine);
    expect(out).toEqual(claims);
    expect(masked).toEqual([]);
  });

  it('does not modify its input', () => {
    const claims = { password: 'hunter2-but-longer', nested: { secret: 'x'.repeat(30) } };
    const copy = structuredClone(claims);
    maskClaims(claims, engine);
    expect(claims).toEqual(copy);
  });

  it('bounds nesting: a value deeper than the bound is replaced, never passed through', () => {
    let deep: Record<string, unknown> = { leak: 'acme_' + 'A1b2C3d4E5'.repeat(3) };
    for (let i = 0; i < MASK_MAX_DEPTH + 5; i++) deep = { d: deep };
    const { claims: out, masked } = maskClaims(deep, engine);
    expect(JSON.stringify(out)).not.toContain('acme_A1b2');
    expect(masked.some((m) => m.reason === 'nested too deeply to inspect')).toBe(true);
  });

  it('uses the default engine when none is given', () => {
    const inner = fakeSignedJwt({ sub: 'inner' });
    expect(maskClaims({ x: inner }).masked).toEqual([{ path: 'x', reason: 'value contains a JWT' }]);
  });
});

describe('secretClaimName', () => {
  it('recognises secret-like names and leaves others', () => {
    for (const n of ['password', 'db_password', 'client_secret', 'apiKey', 'X-API-KEY', 'private_key', 'refresh_token', 'accessToken', 'id_token', 'session', 'sessionToken', 'cookie', 'token', 'pwd', 'jwt'])
      expect(secretClaimName(n), n).toBeDefined();
    for (const n of ['sub', 'iss', 'token_use', 'token_type', 'at_hash', 'sid', 'scope', 'roles', 'key_ops', 'kid'])
      expect(secretClaimName(n), n).toBeUndefined();
  });

  it('leaves identifiers of sessions and secrets readable, but not a Vault secret_id', () => {
    for (const n of ['session_id', 'sessionId', 'session_state', 'session_index', 'kubernetes.io/serviceaccount/secret.name', 'secret_name', 'private_key_id', 'api_key_id'])
      expect(secretClaimName(n), n).toBeUndefined();
    for (const n of ['secret_id', 'session_token', 'sessionKey', 'client_secret', 'secret.value']) expect(secretClaimName(n), n).toBeDefined();
  });

  it('masks nothing of a Keycloak/Kubernetes token whose only secret-sounding claims are identifiers', () => {
    const claims = {
      sub: 'system:serviceaccount:ci:deployer',
      session_state: 'b2f0c9a4-5d7e-4c1a-9f3e-2a6b8c0d1e2f',
      session_id: 'b2f0c9a4-5d7e-4c1a-9f3e-2a6b8c0d1e2f',
      'kubernetes.io/serviceaccount/secret.name': 'deployer-token-x7k2p',
    };
    const { claims: out, masked } = maskClaims(claims, engine);
    expect(out).toEqual(claims);
    expect(masked).toEqual([]);
  });
});
