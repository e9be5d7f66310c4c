import { describe, expect, it } from 'vitest';
import { TrustOptionsSchema } from '../../../src/score/liveness/options.js';
import { expandTrustList, findTrustedIssuer, trustConfiguredUrls } from '../../../src/score/liveness/trust-list.js';
import { ConfigSchema } from '../../../src/config/schema.js';
import { resolveConfig } from '../../../src/config/load.js';
import { isTokenradiusError } from '../../../src/core/errors.js';

function issuesOf(input: unknown): Array<[string, string]> {
  const r = TrustOptionsSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => [i.path.join('.'), i.message]);
}

describe('trust options', () => {
  it('an empty config gives documented defaults and an empty trust list', () => {
    const t = ConfigSchema.parse({}).trust;
    expect(t).toEqual({
      skewSeconds: 120,
      verify: true,
      timeoutMs: 5000,
      maxResponseBytes: 1024 * 1024,
      jwksCacheTtlSeconds: 600,
      jwksRefetchCooldownSeconds: 60,
      allowPrivateCidrs: [],
      issuers: [],
    });
  });

  it('an issuer entry gets discovery on, client_secret_basic and the asymmetric allowlist by default', () => {
    const t = TrustOptionsSchema.parse({
      issuers: [{ issuer: 'https://acme.okta.com/oauth2/default', introspection: { clientId: 'rs', clientSecretEnv: 'OKTA_SECRET' } }],
    });
    const i = t.issuers[0]!;
    expect(i.discovery).toBe(true);
    expect(i.introspection?.authMethod).toBe('client_secret_basic');
    expect(i.algorithms).toContain('RS256');
    expect(i.algorithms).toContain('EdDSA');
    expect(i.algorithms.some((a) => a.startsWith('HS'))).toBe(false);
  });

  it.each([
    [{ issuers: [{ issuer: 'https://login.microsoftonline.com/{tenant}/v2.0' }] }, 'issuers.0.tenants'],
    [{ issuers: [{ issuer: 'https://{tenant}.okta.com', tenants: ['acme'] }] }, 'issuers.0.issuer'],
    [{ issuers: [{ issuer: 'https://a.example/{tenant}/{tenant}', tenants: ['x'] }] }, 'issuers.0.issuer'],
    [{ issuers: [{ issuer: 'https://a.example/{realm}' }] }, 'issuers.0.issuer'],
    [{ issuers: [{ issuer: 'https://a.example', tenants: ['x'] }] }, 'issuers.0.tenants'],
    [{ issuers: [{ issuer: 'https://a.example/{tenant}', tenants: ['../admin'] }] }, 'issuers.0.tenants.0'],
    [{ issuers: [{ issuer: 'https://a.example', discovery: false }] }, 'issuers.0.jwksUri'],
    [{ issuers: [{ issuer: 'ftp://a.example' }] }, 'issuers.0.issuer'],
    [{ issuers: [{ issuer: 'https://user:pw@a.example' }] }, 'issuers.0.issuer'],
    [{ issuers: [{ issuer: 'https://a.example', algorithms: ['HS256'] }] }, 'issuers.0.algorithms.0'],
    [{ issuers: [{ issuer: 'https://a.example', algorithms: ['none'] }] }, 'issuers.0.algorithms.0'],
    [{ issuers: [{ issuer: 'https://a.example' }, { issuer: 'https://a.example' }] }, 'issuers.1.issuer'],
    [{ issuers: [{ issuer: 'https://a.example', introspection: { clientId: 'x', clientSecretEnv: 'not a name' } }] }, 'issuers.0.introspection.clientSecretEnv'],
    [{ allowPrivateCidrs: ['10.0.0.0/33'] }, 'allowPrivateCidrs.0'],
    [{ skewSeconds: -1 }, 'skewSeconds'],
    [{ unknownKey: true }, ''],
  ])('rejects %j at %s', (input, path) => {
    expect(issuesOf(input).map(([p]) => p)).toContain(path);
  });

  it('reports a missing client secret variable through the config loader, by path', () => {
    let err: unknown;
    try {
      resolveConfig({ trust: { issuers: [{ issuer: 'https://a.example', introspection: { clientId: 'x', clientSecretEnv: 'NOPE_SECRET' } }] } }, {});
    } catch (e) {
      err = e;
    }
    expect(isTokenradiusError(err) && err.code).toBe('CONFIG_INVALID');
    expect((err as Error).message).toContain('trust.issuers[0].introspection.clientSecretEnv');
  });
});

describe('trust list matching', () => {
  const list = expandTrustList(
    TrustOptionsSchema.parse({
      issuers: [
        { issuer: 'https://login.microsoftonline.com/{tenant}/v2.0', tenants: ['11111111-2222-3333-4444-555555555555', 'contoso'] },
        { issuer: 'https://acme.okta.com/oauth2/default', jwksUri: 'https://acme.okta.com/oauth2/default/v1/keys' },
      ],
    }),
  );

  it('expands a tenant pattern into one exact issuer per allowed tenant', () => {
    expect(findTrustedIssuer(list, 'https://login.microsoftonline.com/contoso/v2.0')?.tenant).toBe('contoso');
    expect(findTrustedIssuer(list, 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0')).toBeDefined();
    expect(findTrustedIssuer(list, 'https://login.microsoftonline.com/attacker/v2.0')).toBeUndefined();
  });

  it.each([
    'https://acme.okta.com/oauth2/default/',
    'https://ACME.okta.com/oauth2/default',
    'https://acme.okta.com/oauth2/default ',
    'https://acme.okta.com/oauth2/default.evil.example',
    'https://acme.okta.com.evil.example/oauth2/default',
    'http://acme.okta.com/oauth2/default',
  ])('matches iss exactly: %s is not trusted', (iss) => {
    expect(findTrustedIssuer(list, iss)).toBeUndefined();
  });

  it('matches nothing for non-string iss values', () => {
    for (const iss of [undefined, null, 42, ['https://acme.okta.com/oauth2/default'], { toString: () => 'https://acme.okta.com/oauth2/default' }]) {
      expect(findTrustedIssuer(list, iss)).toBeUndefined();
    }
  });

  it('lists every configured URL for the outbound guard', () => {
    expect(trustConfiguredUrls(list)).toEqual(
      expect.arrayContaining(['https://login.microsoftonline.com/contoso/v2.0', 'https://acme.okta.com/oauth2/default', 'https://acme.okta.com/oauth2/default/v1/keys']),
    );
  });
});
