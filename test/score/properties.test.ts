/**
 * Properties that must hold for any token, any place, any liveness and any valid configuration:
 * the score stays in 0..100, the severity is the band of the score, the factors add up to the
 * score, the hard caps hold, binding and unverifiability never raise a score — and hostile claims
 * never make profiling throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LivenessStateSchema, TokenProfileSchema, type Exposure, type Liveness } from '../../src/core/types.js';
import { buildProfile } from '../../src/score/profile.js';
import { bandCeiling, scoreFinding, severityFor } from '../../src/score/score.js';
import { ScoreOptionsSchema, type ScoreOptions } from '../../src/score/options.js';
import { DEFAULTS, NOW, T } from './support.js';

const CLAIM_NAMES = [
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'scope', 'scp', 'roles', 'groups', 'permissions', 'wids', 'tid', 'tenant', 'cnf', 'act', 'env',
  'realm_access', 'resource_access', 'token_use', 'kubernetes.io', 'repository', 'environment', 'ref', 'role', 'ref', 'firebase', 'email',
  'client_secret', 'password', '__proto__', 'constructor', 'x-hasura-allowed-roles', 'https://hasura.io/jwt/claims', 'gty', 'idtyp', 'typ',
];
const ISSUERS = [
  'https://login.microsoftonline.com/t/v2.0', 'https://sts.windows.net/t/', 'https://acme.auth0.com/', 'https://acme.okta.com', 'https://sso.acme.io/realms/prod',
  'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X', 'https://accounts.google.com', 'kubernetes/serviceaccount', 'https://token.actions.githubusercontent.com',
  'supabase', 'https://securetoken.google.com/p', 'https://as.acme.io',
];

const claimValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(...ISSUERS),
  fc.integer({ min: T - 400 * 86400, max: T + 4000 * 86400 }),
  fc.integer({ min: (T - 86400) * 1000, max: (T + 86400) * 1000 }),
  fc.constantFrom('*', 'admin', 'service_role', 'anon', 'kube-system', 'prod', 'Offline', 'spiffe://prod.acme.io/ns/x', 'system:serviceaccount:kube-system:x'),
  fc.array(fc.constantFrom('read', 'write', 'admin', 'owner', '*', 'Directory.ReadWrite.All', '62e90394-69f5-4237-9190-012177145e10'), { maxLength: 6 }),
  fc.record({ jkt: fc.string() }),
  fc.record({ sub: fc.string(), act: fc.record({ sub: fc.string() }) }),
);
const claimsArb = fc.dictionary(fc.oneof(fc.constantFrom(...CLAIM_NAMES), fc.string({ maxLength: 12 })), claimValue, { maxKeys: 14 });
const headerArb = fc.record({ alg: fc.constantFrom('RS256', 'HS256', 'none', 'ES256'), typ: fc.constantFrom('JWT', 'at+jwt', 'dpop+jwt', 'secevent+jwt', 'logout+jwt', 'JOSE') }, { requiredKeys: ['alg'] });
const livenessArb: fc.Arbitrary<Liveness> = fc.record({
  state: fc.constantFrom(...LivenessStateSchema.options),
  checkedBy: fc.subarray(['temporal', 'jwks', 'introspection']),
});
const exposureArb: fc.Arbitrary<Exposure> = fc.record(
  { visibility: fc.constantFrom('public', 'private', 'shared-external', 'unknown'), audience: fc.nat({ max: 100_000 }) },
  { requiredKeys: ['visibility'] },
);
const points = fc.integer({ min: -100, max: 100 });
const optionsArb: fc.Arbitrary<ScoreOptions> = fc
  .record({
    privilege: fc.record({ read: points, write: points, admin: points, owner: points }),
    environment: fc.record({ prod: points, dev: points, unknown: points }),
    exposure: fc.record({ public: points, private: points }),
    lifetime: fc.record({ unbounded: points }),
    live: fc.constantFrom(1, 0.95),
    unverifiable: fc.double({ min: 0, max: 0.94, noNaN: true }),
    binding: fc.double({ min: 0, max: 0.99, noNaN: true }),
    bands: fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 4, maxLength: 4 }).map((xs) => [...xs].sort((a, b) => a - b)),
  })
  .map((r) =>
    ScoreOptionsSchema.parse({
      weights: {
        privilege: r.privilege,
        environment: r.environment,
        exposure: r.exposure,
        lifetime: { unbounded: r.lifetime.unbounded },
        liveness: { live: r.live, unverifiable: r.unverifiable, unknown: r.unverifiable },
        binding: { multiplier: r.binding },
      },
      bands: { low: r.bands[0], medium: r.bands[1], high: r.bands[2], critical: r.bands[3] },
    }),
  );

describe('scoring properties', () => {
  it('buildProfile never throws on arbitrary claims and always yields a valid profile', () => {
    fc.assert(
      fc.property(headerArb, claimsArb, (header, claims) => {
        const profile = buildProfile({ header, claims, now: NOW }, DEFAULTS);
        // The profile crosses boundaries (store, API, queue): it must satisfy its own schema.
        expect(TokenProfileSchema.safeParse(profile).success).toBe(true);
        expect(profile.privileges.length).toBeLessThanOrEqual(200);
        expect(['none', 'read', 'write', 'admin', 'owner']).toContain(profile.privilegeLevel);
      }),
      { numRuns: 400 },
    );
  });

  it('score in 0..100, severity = band of score, factors add up, caps hold — for any valid config', () => {
    fc.assert(
      fc.property(headerArb, claimsArb, livenessArb, fc.array(exposureArb, { maxLength: 4 }), optionsArb, (header, claims, liveness, exposures, opts) => {
        const profile = buildProfile({ header, claims, now: NOW }, opts);
        const br = scoreFinding({ kind: 'jwt', rule: 'jwt', profile, liveness, exposures }, opts, NOW);
        expect(Number.isInteger(br.score)).toBe(true);
        expect(br.score).toBeGreaterThanOrEqual(0);
        expect(br.score).toBeLessThanOrEqual(100);
        expect(br.severity).toBe(severityFor(br.score, opts.bands));
        expect(br.factors.reduce((s, f) => s + f.points, 0)).toBe(br.score);
        for (const f of br.factors) expect(f.reason.length).toBeGreaterThan(0);
        if (['expired', 'revoked', 'invalid-signature'].includes(liveness.state)) expect(br.score).toBeLessThanOrEqual(bandCeiling('low', opts.bands));
        if (profile.publicByDesign !== undefined) expect(br.score).toBeLessThanOrEqual(bandCeiling('low', opts.bands));
      }),
      { numRuns: 400 },
    );
  });

  it('binding never raises a score, and lowers any score of 2 or more', () => {
    fc.assert(
      fc.property(claimsArb, livenessArb, fc.array(exposureArb, { maxLength: 3 }), (claims, liveness, exposures) => {
        const { cnf: _drop, ...unboundClaims } = claims as Record<string, unknown>;
        const unboundProfile = buildProfile({ header: { alg: 'RS256' }, claims: unboundClaims, now: NOW }, DEFAULTS);
        const boundProfile = buildProfile({ header: { alg: 'RS256' }, claims: { ...unboundClaims, cnf: { jkt: 'k' } }, now: NOW }, DEFAULTS);
        const u = scoreFinding({ kind: 'jwt', rule: 'jwt', profile: unboundProfile, liveness, exposures }, DEFAULTS, NOW);
        const b = scoreFinding({ kind: 'jwt', rule: 'jwt', profile: boundProfile, liveness, exposures }, DEFAULTS, NOW);
        expect(b.score).toBeLessThanOrEqual(u.score);
        if (u.score >= 2) expect(b.score).toBeLessThan(u.score);
      }),
      { numRuns: 300 },
    );
  });

  it('unverifiable never scores above live, and below it for any score of 5 or more', () => {
    fc.assert(
      fc.property(claimsArb, fc.boolean(), fc.array(exposureArb, { maxLength: 3 }), (claims, bound, exposures) => {
        const profile = buildProfile({ header: { alg: 'RS256' }, claims: bound ? { ...claims, cnf: { jkt: 'k' } } : claims, now: NOW }, DEFAULTS);
        const live = scoreFinding({ kind: 'jwt', rule: 'jwt', profile, liveness: { state: 'live', checkedBy: ['temporal', 'jwks'] }, exposures }, DEFAULTS, NOW);
        const unv = scoreFinding({ kind: 'jwt', rule: 'jwt', profile, liveness: { state: 'unverifiable', checkedBy: ['temporal'] }, exposures }, DEFAULTS, NOW);
        const clockOnly = scoreFinding({ kind: 'jwt', rule: 'jwt', profile, liveness: { state: 'live', checkedBy: ['temporal'] }, exposures }, DEFAULTS, NOW);
        expect(unv.score).toBeLessThanOrEqual(live.score);
        expect(clockOnly.score).toBe(unv.score);
        if (live.score >= 5) expect(unv.score).toBeLessThan(live.score);
      }),
      { numRuns: 1000 },
    );
  });

  it('no control characters or bidi overrides reach a profile or a reason', () => {
    const nasty = fc.string({ unit: fc.constantFrom('a', ':', '/', '\u001b', '[', '3', '1', 'm', '\u0007', '\u202e', '\u2066', '\r', '\n', '\u009b', '*'), maxLength: 12 });
    const walk = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.flatMap(walk) : v && typeof v === 'object' ? [...Object.keys(v), ...Object.values(v)].flatMap(walk) : []);
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(fc.constantFrom('iss', 'sub', 'scope', 'roles', 'tid', 'aud', 'env', 'act', 'email', 'client_secret'), nasty), fc.oneof(nasty, fc.array(nasty, { maxLength: 3 }), fc.record({ sub: nasty })), { maxKeys: 8 }), (claims) => {
        const profile = buildProfile({ header: { alg: 'RS256' }, claims, now: NOW }, DEFAULTS);
        const br = scoreFinding({ kind: 'jwt', rule: 'jwt', profile, liveness: { state: 'unknown', checkedBy: [] }, exposures: [] }, DEFAULTS, NOW);
        for (const s of [...walk(profile), ...walk(br)]) expect(s).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      }),
      { numRuns: 300 },
    );
  });

  it('hostile claims: deep nesting, huge arrays, __proto__ — no throw, no prototype pollution, bounded output', () => {
    let deep: Record<string, unknown> = { scope: 'admin' };
    for (let i = 0; i < 5000; i++) deep = { act: deep, nested: { x: i } };
    const hostile = JSON.parse(
      `{"iss":"https://as.acme.io","__proto__":{"polluted":true,"scope":"admin"},"constructor":{"prototype":{"polluted":true}},"roles":${JSON.stringify(Array.from({ length: 100_000 }, (_, i) => `role-${i}`))},"scope":"${'read '.repeat(200_000)}"}`,
    ) as Record<string, unknown>;
    const p1 = buildProfile({ header: { alg: 'RS256' }, claims: deep, now: NOW }, DEFAULTS);
    expect(p1.delegation.length).toBeLessThanOrEqual(10);
    expect(p1.overEnrichment.some((o) => o.kind === 'size')).toBe(true);
    const p2 = buildProfile({ header: { alg: 'RS256' }, claims: hostile, now: NOW }, DEFAULTS);
    expect(p2.privileges.length).toBeLessThanOrEqual(200);
    expect(p2.overEnrichment.some((o) => o.kind === 'size')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(p2.attestation, 'polluted')).toBe(false);
    const br = scoreFinding({ kind: 'jwt', rule: 'jwt', profile: p2, liveness: { state: 'unknown', checkedBy: [] }, exposures: [] }, DEFAULTS, NOW);
    expect(br.factors.reduce((s, f) => s + f.points, 0)).toBe(br.score);
  });
});
