/**
 * Builders for store tests. Tokens are made at test time (jwt-factory, random bytes); every raw
 * token handed out is remembered in `planted` so a test can prove none of them reached the database.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { fingerprint, redact, seal, SealingKey } from '../../src/core/secrets.js';
import type { Exposure, FindingObservation, Locator, Severity, LivenessState, TokenProfile } from '../../src/core/types.js';
import type { FindingStore } from '../../src/store/types.js';
import { fakeSignedJwt, inHours } from '../support/jwt-factory.js';
import { POSTGRES_URL, testId } from '../support/services.js';

export const sealingKey = SealingKey.generate();

/** Every raw token a test built; none may ever appear in a database dump. */
export const planted: string[] = [];

export function newJwt(claims: Record<string, unknown> = {}): string {
  const t = fakeSignedJwt({ iss: 'https://login.example.test/tenant-a/v2.0', sub: 'svc-' + randomBytes(4).toString('hex'), exp: inHours(2), jti: randomBytes(8).toString('hex'), ...claims });
  planted.push(t);
  return t;
}

/** A credential-shaped token (random, not a real provider format). */
export function newCredential(): string {
  const t = 'trtest_' + randomBytes(24).toString('base64url');
  planted.push(t);
  return t;
}

export function profile(over: Partial<TokenProfile> = {}): TokenProfile {
  return {
    issuerFamily: 'entra-v2',
    issuer: 'https://login.example.test/tenant-a/v2.0',
    tokenUse: 'access',
    subjectType: 'service',
    tenants: ['tenant-a'],
    audiences: ['api://orders'],
    privileges: [{ name: 'Orders.ReadWrite.All', source: 'role', level: 'write' }],
    privilegeLevel: 'write',
    environment: 'prod',
    lifetime: { unbounded: false, remainingSeconds: 3600 },
    binding: { bound: false },
    delegation: [],
    attestation: {},
    overEnrichment: [],
    notes: [],
    ...over,
  };
}

export function slackLocator(over: Partial<Extract<Locator, { kind: 'slack' }>> = {}): Locator {
  return { kind: 'slack', channel: 'C0SEC', channelName: 'security', ts: '1700000000.000100', path: 'security/2023-11-14.json', line: 1, column: 10, ...over };
}

export interface ObserveOptions {
  source?: string;
  locator?: Locator;
  exposure?: Exposure;
  severity?: Severity;
  score?: number;
  liveness?: LivenessState;
  rule?: string;
  seenAt?: string;
  sealed?: boolean | { expiresAt?: string };
  profile?: Partial<TokenProfile>;
  claims?: Record<string, unknown>;
}

/** What the scan stage would hand the store for `token` at one place. */
export function observe(token: string, o: ObserveOptions = {}): FindingObservation {
  const fp = fingerprint(token);
  const sealedOpt = o.sealed ?? true;
  return {
    fingerprint: fp,
    rule: o.rule ?? 'jwt',
    kind: 'jwt',
    redacted: redact(token),
    header: { alg: 'RS256', typ: 'JWT' },
    claims: o.claims ?? { iss: 'https://login.example.test/tenant-a/v2.0', sub: 'svc-orders', roles: ['Orders.ReadWrite.All'], client_secret: '[masked]' },
    maskedClaims: [{ path: 'client_secret', reason: 'secret' }],
    jwtForm: 'jws',
    profile: profile(o.profile),
    liveness: { state: o.liveness ?? 'live', checkedBy: ['temporal'] },
    blastRadius: {
      score: o.score ?? 55,
      severity: o.severity ?? 'medium',
      factors: [{ id: 'write-privilege', points: 20, reason: 'Orders.ReadWrite.All' }],
    },
    occurrence: {
      source: o.source ?? 'slack-main',
      locator: o.locator ?? slackLocator(),
      exposure: o.exposure ?? { visibility: 'private', audience: 12, label: '#security' },
      firstSeen: o.seenAt ?? new Date().toISOString(),
    },
    ...(sealedOpt
      ? {
          sealedToken: {
            sealed: seal(sealingKey, token, 'token:' + fp),
            keyId: sealingKey.id,
            ...(typeof sealedOpt === 'object' && sealedOpt.expiresAt ? { expiresAt: sealedOpt.expiresAt } : {}),
          },
        }
      : {}),
  };
}

/** A settable clock shared by a store and its test. */
export function testClock(start = '2030-01-15T12:00:00.000Z') {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    set: (iso: string) => {
      t = Date.parse(iso);
    },
    advance: (ms: number) => {
      t += ms;
    },
    iso: () => new Date(t).toISOString(),
  };
}
export type TestClock = ReturnType<typeof testClock>;

export async function dumpText(store: FindingStore): Promise<string> {
  const parts: string[] = [];
  for await (const { table, rows } of store.dumpTables()) parts.push(`== ${table}\n${rows.join('\n')}`);
  return parts.join('\n');
}

/** Fresh PostgreSQL schemas for one test file, dropped afterwards. */
export function schemaPool() {
  const made: string[] = [];
  return {
    list: (): string[] => [...made],
    fresh(label = 'store'): string {
      const s = testId(label).toLowerCase();
      made.push(s);
      return s;
    },
    async dropAll(): Promise<void> {
      if (made.length === 0) return;
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      try {
        for (const s of made) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<Error & { code: string; retry: unknown; message: string }> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    const err = e as Error & { code: string; retry: unknown };
    if (err.code !== code) throw new Error(`expected ${code}, got ${err.code ?? err.name}: ${err.message}`);
    return err;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}
