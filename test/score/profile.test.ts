/**
 * What every profile shares whatever the issuer: lifetime, binding, delegation, environment
 * precedence, over-enrichment, the JWE header-only view.
 */
import { describe, expect, it } from 'vitest';
import { buildProfile } from '../../src/score/profile.js';
import { scoreFinding } from '../../src/score/score.js';
import { fakeSignedJwt } from '../support/jwt-factory.js';
import { DAY, DEFAULTS, HOUR, NOW, T, factor, profileOf, scoreJwt } from './support.js';

describe('lifetime', () => {
  it('issued, expires, total and remaining, as ISO times and seconds', () => {
    const p = profileOf({ sub: 'u', iat: T - HOUR, nbf: T - HOUR, exp: T + 2 * HOUR });
    expect(p.lifetime).toEqual({
      unbounded: false,
      issuedAt: new Date((T - HOUR) * 1000).toISOString(),
      notBefore: new Date((T - HOUR) * 1000).toISOString(),
      expiresAt: new Date((T + 2 * HOUR) * 1000).toISOString(),
      totalSeconds: 3 * HOUR,
      remainingSeconds: 2 * HOUR,
    });
  });

  it('no exp ⇒ unbounded and scored as long-lived', () => {
    const br = scoreJwt({ sub: 'u', iat: T });
    expect(br.profile.lifetime.unbounded).toBe(true);
    expect(factor(br, 'lifetime')).toMatchObject({ points: DEFAULTS.weights.lifetime.unbounded, reason: expect.stringMatching(/no exp/) });
  });

  it('milliseconds instead of seconds are detected and converted', () => {
    const p = profileOf({ sub: 'u', iat: (T - 60) * 1000, exp: (T + DAY) * 1000 });
    expect(p.lifetime.millisecondTimestamps).toBe(true);
    expect(p.lifetime.remainingSeconds).toBe(DAY);
    expect(p.notes.join(' ')).toMatch(/milliseconds/);
  });

  it('an unusable exp is treated as absent (long-lived) and noted', () => {
    const p = profileOf({ sub: 'u', exp: 'tomorrow' });
    expect(p.lifetime.unbounded).toBe(true);
    expect(p.notes.join(' ')).toMatch(/exp is not a usable NumericDate/);
    expect(profileOf({ sub: 'u', exp: 1e300 }).lifetime.unbounded).toBe(true);
  });

  it('remaining lifetime is recomputed at scoring time (the same profile scores lower later)', () => {
    const profile = profileOf({ sub: 'u', scope: 'write', exp: T + 40 * DAY });
    const at = (d: Date) => scoreFinding({ kind: 'jwt', rule: 'jwt', profile, liveness: { state: 'live', checkedBy: ['temporal', 'jwks'] }, exposures: [] }, DEFAULTS, d);
    const early = at(NOW);
    const late = at(new Date(NOW.getTime() + 39 * DAY * 1000));
    expect(factor(early, 'lifetime')?.reason).toMatch(/40 days/);
    expect(factor(late, 'lifetime')?.reason).toMatch(/24 hours/);
    expect(late.score).toBeLessThan(early.score);
  });
});

describe('binding, delegation', () => {
  it('cnf jkt / x5t#S256 / jwk / other', () => {
    expect(profileOf({ sub: 'u', cnf: { jkt: 'abc' } }).binding).toEqual({ bound: true, method: 'dpop' });
    expect(profileOf({ sub: 'u', cnf: { 'x5t#S256': 'abc' } }).binding).toEqual({ bound: true, method: 'mtls' });
    expect(profileOf({ sub: 'u', cnf: { jwk: { kty: 'EC' } } }).binding).toEqual({ bound: true, method: 'jwk' });
    expect(profileOf({ sub: 'u', cnf: { kid: 'k1' } }).binding).toEqual({ bound: true, method: 'other' });
    expect(profileOf({ sub: 'u', cnf: 'nope' }).binding).toEqual({ bound: false });
  });

  it('a bound token keeps 60 % by default, unless a private key leaked next to it', () => {
    const claims = { sub: 'u', scope: 'admin', exp: T + DAY, cnf: { jkt: 'abc' } };
    const bound = scoreJwt(claims);
    expect(factor(bound, 'binding')?.reason).toMatch(/DPoP cnf\.jkt/);
    const keyNearby = scoreJwt(claims, { context: { privateKeyNearby: 'true' } });
    expect(factor(keyNearby, 'binding')?.points).toBe(0);
    expect(keyNearby.score).toBeGreaterThan(bound.score);
  });

  it('act chain: current (outermost) actor first', () => {
    const p = profileOf({ sub: 'alice', act: { sub: 'agent-7', iss: 'https://agents.acme.io', act: { sub: 'gateway' } } });
    expect(p.delegation).toEqual(['agent-7 (https://agents.acme.io)', 'gateway']);
    expect(factor(scoreJwt({ sub: 'alice', act: { sub: 'agent-7' } }), 'delegation')?.reason).toMatch(/agent-7 acts for alice/);
  });
});

describe('environment', () => {
  it('an explicit claim beats audiences, which beat the issuer', () => {
    expect(profileOf({ iss: 'https://login.dev.acme.io', aud: 'https://api.staging.acme.io', environment: 'production' })).toMatchObject({ environment: 'prod', environmentEvidence: 'claim environment = production' });
    expect(profileOf({ iss: 'https://login.dev.acme.io', aud: 'https://api.staging.acme.io' }).environment).toBe('staging');
    expect(profileOf({ iss: 'https://login.dev.acme.io', aud: 'https://api.acme.io' }).environment).toBe('dev');
    expect(profileOf({ iss: 'https://login.acme.io', aud: 'https://api.acme.io' }).environment).toBe('unknown');
  });

  it('naming patterns come from config', () => {
    const opts = { ...DEFAULTS, environments: { ...DEFAULTS.environments, prod: ['prod', 'emea-main'] } };
    const p = buildProfile({ header: { alg: 'RS256' }, claims: { iss: 'https://sso.acme.io/realms/emea-main' }, now: NOW }, opts);
    expect(p.environment).toBe('prod');
  });
});

describe('over-enrichment (NHI-02)', () => {
  it('secrets masked by the masker, secret-named claims, nested JWTs and PEM keys', () => {
    const p = buildProfile(
      {
        header: { alg: 'RS256' },
        claims: { sub: 'u', client_secret: 'Zk4…Qm1x[40 chars]', cfg: { db_password: 'hunter2-but-longer' }, upstream: fakeSignedJwt({ sub: 'x' }), key: '-----BEGIN PRIVATE KEY-----…[1700 chars]' },
        maskedClaims: [{ path: 'client_secret', reason: 'claim name looks like a secret (secret)' }],
        now: NOW,
      },
      DEFAULTS,
    );
    const by = (claim: string) => p.overEnrichment.find((o) => o.claim === claim);
    expect(by('client_secret')?.kind).toBe('secret');
    expect(by('cfg.db_password')?.kind).toBe('secret');
    expect(by('upstream')?.kind).toBe('credential');
    expect(by('key')?.kind).toBe('credential');
    // Details never repeat a value.
    expect(JSON.stringify(p.overEnrichment)).not.toMatch(/hunter2|Zk4|eyJ/);
  });

  it('a masked detector hit is a credential; masked session identifiers are not secrets', () => {
    const p = buildProfile(
      {
        header: { alg: 'RS256' },
        claims: { sub: 'u', note: 'ghp_…abcd[40 chars]', session_state: 'a…b[36 chars]' },
        maskedClaims: [
          { path: 'note', reason: 'value contains a credential (github-classic-pat)' },
          { path: 'session_state', reason: 'claim name looks like a secret (session)' },
        ],
        now: NOW,
      },
      DEFAULTS,
    );
    expect(p.overEnrichment).toEqual([{ claim: 'note', kind: 'credential', detail: 'masked: value contains a credential (github-classic-pat)' }]);
  });

  it('personal data by claim name and by value shape, never service emails', () => {
    const p = profileOf({
      sub: 'u',
      email: 'a@acme.io',
      phone_number: '+15551234567',
      address: { street_address: '1 Main St' },
      birthdate: '1990-01-01',
      ipaddr: '203.0.113.7',
      'https://acme.io/ssn': '123-45-6789',
      upn_alt: 'b@acme.io',
      owner: 'svc@proj.iam.gserviceaccount.com',
    });
    const pii = p.overEnrichment.filter((o) => o.kind === 'pii');
    expect(pii.map((o) => o.claim)).toEqual(expect.arrayContaining(['email', 'phone_number', 'address', 'birthdate', 'ipaddr', '["https://acme.io/ssn"]', 'upn_alt']));
    expect(pii.map((o) => o.claim)).not.toContain('owner');
    expect(JSON.stringify(pii)).not.toMatch(/acme\.io"|203\.0|123-45|1990/);
  });

  it('bloat: too many claims, too deep, too long an array', () => {
    const many: Record<string, unknown> = { sub: 'u' };
    for (let i = 0; i < 80; i++) many[`c${i}`] = i;
    expect(profileOf(many).overEnrichment.map((o) => o.kind)).toContain('size');
    expect(profileOf({ sub: 'u', groups: Array.from({ length: 300 }, (_, i) => `g${i}`) }).overEnrichment.find((o) => o.kind === 'size')?.detail).toMatch(/300 entries/);
    expect(profileOf({ sub: 'u', a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } }).overEnrichment.find((o) => o.kind === 'size')?.detail).toMatch(/nested/);
  });

  it('scores as one factor, capped, and says embedded secrets outlive the token', () => {
    const br = scoreJwt({ sub: 'u', scope: 'read', client_secret: 'A9s8D7f6G5h4J3k2L1q0W9e8R7t6Y5u4', upstream: fakeSignedJwt({ sub: 'x' }), email: 'a@acme.io', exp: T + HOUR });
    const f = factor(br, 'over-enrichment');
    expect(f?.points).toBe(DEFAULTS.weights.overEnrichment.max);
    expect(f?.reason).toMatch(/even after it expires/);
  });
});

describe('JWE', () => {
  it('only the header is readable: replicated claims are used, privilege is unknown not none', () => {
    const p = buildProfile({ header: { alg: 'RSA-OAEP-256', enc: 'A256GCM', iss: 'https://acme.okta.com', sub: 'u', aud: 'https://api.acme.io' }, now: NOW }, DEFAULTS);
    expect(p.issuerFamily).toBe('okta');
    expect(p.issuer).toBe('https://acme.okta.com');
    expect(p.privilegeLevel).toBe('read');
    expect(p.lifetime.unbounded).toBe(true);
    expect(p.notes.join(' ')).toMatch(/encrypted/);
  });
});
