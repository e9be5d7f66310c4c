import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { scanChunk, type ScanDeps } from '../../src/pipeline/scan-chunk.js';
import { createPositionResolver } from '../../src/pipeline/position.js';
import { createAggregator } from '../../src/pipeline/aggregate.js';
import { fingerprint, SealingKey, unseal } from '../../src/core/secrets.js';
import { TokenradiusError } from '../../src/core/errors.js';
import type { Chunk, FindingObservation } from '../../src/core/types.js';
import type { Match } from '../../src/detect/types.js';
import { buildScanDeps } from '../../src/pipeline/scan-deps.js';
import { resolveConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { fakeSignedJwt, inHours, signJwt } from '../support/jwt-factory.js';

const now = new Date('2026-01-01T00:00:00Z');

/** A stand-in engine: finds every `tok_` + 24 base64url chars, and JWTs via a lookup. */
function fakeEngine(jwts: Map<string, Match['jwt']> = new Map()) {
  return {
    scan(text: string): Match[] {
      const out: Match[] = [];
      for (const m of text.matchAll(/tok_[A-Za-z0-9_-]{24}/g)) out.push({ ruleId: 'fake-token', kind: 'credential', secret: m[0], start: m.index, end: m.index + m[0].length });
      for (const [jwt, decoded] of jwts) {
        let i = text.indexOf(jwt);
        while (i !== -1) {
          out.push({ ruleId: 'jwt', kind: 'jwt', secret: jwt, start: i, end: i + jwt.length, jwt: decoded });
          i = text.indexOf(jwt, i + 1);
        }
      }
      return out;
    },
  };
}

function deps(over: Partial<ScanDeps> = {}): ScanDeps & { seen: FindingObservation[] } {
  const seen: FindingObservation[] = [];
  const agg = createAggregator();
  return {
    seen,
    engine: fakeEngine(),
    sink: { upsert: async (o) => (seen.push(o), agg.upsert(o)) },
    jwt: {
      mask: (claims) => {
        const out = { ...claims };
        const masked = [];
        if ('client_secret' in out) {
          out.client_secret = '[masked]';
          masked.push({ path: 'client_secret', reason: 'secret' });
        }
        return { claims: out, masked };
      },
      profile: () => undefined,
    },
    liveness: { check: async (_t, f) => ({ state: f.kind === 'jwt' ? 'live' : 'unknown', checkedBy: ['temporal'] }) },
    score: (f) => (f.exposure?.visibility === 'public' ? { score: 80, severity: 'high', factors: [] } : { score: 30, severity: 'low', factors: [] }),
    reach: () => ({ privilege: 'write', scope: 'test', lifetime: 'unbounded' }),
    ...over,
  };
}

const tok = () => 'tok_' + randomBytes(18).toString('base64url');
const chunk = (text: string, over: Partial<Chunk> = {}): Chunk => ({ id: 'c1', source: 'files', locator: { kind: 'file', path: 'a.txt', line: 1, column: 1 }, text, ...over });

describe('position resolver', () => {
  it('gives 1-based lines and UTF-16 columns, offset by where the chunk starts', () => {
    const text = 'ab\nc😀d\n\nxyz';
    const at = createPositionResolver(text, 10, 5);
    expect(at(0)).toEqual({ line: 10, column: 5 });
    expect(at(1)).toEqual({ line: 10, column: 6 });
    expect(at(3)).toEqual({ line: 11, column: 1 });
    expect(at(6)).toEqual({ line: 11, column: 4 }); // after the surrogate pair: 2 code units
    expect(at(10)).toEqual({ line: 13, column: 2 });
    expect(at(2)).toEqual({ line: 10, column: 7 }); // going backwards restarts
  });
  it('agrees with a naive count for any text and offset', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '\n', '\r', 'é', '😀') , maxLength: 200 }), fc.array(fc.nat(), { maxLength: 10 }), (text, offs) => {
        const at = createPositionResolver(text, 1, 1);
        for (const raw of offs) {
          const o = raw % (text.length + 1);
          const before = text.slice(0, o);
          const line = before.split('\n').length;
          const column = o - (before.lastIndexOf('\n') + 1) + 1;
          expect(at(o)).toEqual({ line, column });
        }
      }),
    );
  });
});

describe('scanChunk', () => {
  it('reports each match at its own line and column with fingerprint and preview, never the token', async () => {
    const t1 = tok();
    const t2 = tok();
    const d = deps();
    const r = await scanChunk(chunk(`first line\n  key=${t1}\n${t2}`, { locator: { kind: 'file', path: 'a.txt', line: 5, column: 3 } }), d, now);
    expect(r.errors).toEqual([]);
    expect(r.matches.map((m) => m.fingerprint)).toEqual([fingerprint(t1), fingerprint(t2)]);
    expect(d.seen.map((o) => [o.occurrence.locator.line, o.occurrence.locator.column])).toEqual([
      [6, 7],
      [7, 1],
    ]);
    expect(d.seen[0]!.occurrence.firstSeen).toBe(now.toISOString());
    const text = JSON.stringify({ r, seen: d.seen });
    expect(text).not.toContain(t1);
    expect(text).not.toContain(t2.slice(4, 20));
  });

  it('keeps the rest of the source locator (git commit, Slack channel) and applies the exposure to scoring', async () => {
    const t = tok();
    const d = deps();
    await scanChunk(
      chunk(`x ${t}`, {
        source: 'git',
        locator: { kind: 'git', repo: '/r', commit: 'c0ffee', path: 'p.env', line: 3, column: 1, author: 'A' },
        exposure: { visibility: 'public' },
        at: '2025-01-01T00:00:00Z',
      }),
      d,
      now,
    );
    expect(d.seen[0]!.occurrence).toMatchObject({ source: 'git', locator: { kind: 'git', commit: 'c0ffee', line: 3, column: 3 }, exposure: { visibility: 'public' }, at: '2025-01-01T00:00:00Z' });
    expect(d.seen[0]!.blastRadius.severity).toBe('high');
  });

  it('carries the JWT header, masked claims and form', async () => {
    const claims = { sub: 'svc', client_secret: 'hunter2-very-secret', exp: inHours(1) };
    const jwt = await signJwt(claims);
    const d = deps({ engine: fakeEngine(new Map([[jwt, { form: 'jws', header: { alg: 'RS256' }, claims }]])) });
    const r = await scanChunk(chunk(`Authorization: Bearer ${jwt}`), d, now);
    expect(r.matches[0]).toMatchObject({ ruleId: 'jwt', severity: 'low' });
    const o = d.seen[0]!;
    expect(o).toMatchObject({ kind: 'jwt', jwtForm: 'jws', header: { alg: 'RS256' }, claims: { sub: 'svc', client_secret: '[masked]' }, maskedClaims: [{ path: 'client_secret' }], liveness: { state: 'live' } });
    expect(JSON.stringify(o)).not.toContain('hunter2');
  });

  it('leaves claims out rather than showing them unmasked when masking fails', async () => {
    const claims = { secret: 'hunter2-very-secret' };
    const jwt = await signJwt(claims);
    const d = deps({
      engine: fakeEngine(new Map([[jwt, { form: 'jws', header: { alg: 'RS256' }, claims }]])),
      jwt: { mask: () => { throw new Error('boom hunter2-very-secret'); }, profile: () => undefined },
    });
    const r = await scanChunk(chunk(jwt), d, now);
    expect(d.seen[0]!.claims).toBeUndefined();
    expect(r.errors).toEqual([expect.objectContaining({ code: 'JWT_MALFORMED', ruleId: 'jwt' })]);
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });

  it('a match that fails to score is still reported with a fallback, and the others are unaffected', async () => {
    const bad = tok();
    const good = tok();
    const d = deps({
      score: (f) => {
        if (f.context?.bad) throw new Error(`cannot score ${bad}`);
        return { score: 30, severity: 'low', factors: [] };
      },
      engine: {
        scan: (text) =>
          fakeEngine()
            .scan(text)
            .map((m) => (m.secret === bad ? { ...m, context: { bad: 'yes' } } : m)),
      },
      liveness: { check: async () => { throw new TokenradiusError('UPSTREAM_UNAVAILABLE', 'issuer unreachable'); } },
    });
    const r = await scanChunk(chunk(`${bad} ${good}`), d, now);
    expect(r.matches).toHaveLength(2);
    expect(r.matches[0]).toMatchObject({ severity: 'medium', score: 50 });
    expect(r.matches[1]).toMatchObject({ severity: 'low', score: 30 });
    expect(d.seen.every((o) => o.liveness.state === 'unknown')).toBe(true);
    expect(d.seen[0]!.blastRadius.factors[0]!.id).toBe('scoring-failed');
    expect(r.errors.map((e) => e.code).sort()).toEqual(['INTERNAL', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
    expect(JSON.stringify(r)).not.toContain(bad);
  });

  it('records an engine failure instead of throwing', async () => {
    const d = deps({ engine: { scan: () => { throw new RangeError('x'); } } });
    const r = await scanChunk(chunk('anything'), d, now);
    expect(r).toEqual({ chunkId: 'c1', matches: [], errors: [{ code: 'INTERNAL', message: 'the detection engine failed on this chunk' }] });
  });

  it('propagates a sink failure so a queue retries the chunk', async () => {
    const d = deps({ sink: { upsert: async () => { throw new TokenradiusError('STORE_UNAVAILABLE', 'down'); } } });
    await expect(scanChunk(chunk(tok()), d, now)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('seals the raw token for the store when a key is configured, bound to its fingerprint, expiring with the token', async () => {
    const key = SealingKey.generate();
    const claims = { sub: 'x', exp: 1_800_000_000 };
    const jwt = await signJwt(claims);
    const d = deps({ sealingKey: key, engine: fakeEngine(new Map([[jwt, { form: 'jws', header: { alg: 'RS256' }, claims }]])) });
    await scanChunk(chunk(jwt), d, now);
    const s = d.seen[0]!.sealedToken!;
    expect(s.sealed).not.toContain(jwt.slice(0, 20));
    expect(s.keyId).toBe(key.id);
    expect(s.expiresAt).toBe(new Date(1_800_000_000 * 1000).toISOString());
    expect(unseal(key, s.sealed, 'token:' + fingerprint(jwt))).toBe(jwt);
    expect(() => unseal(key, s.sealed, 'token:other')).toThrow();
  });

  it('does not seal without a key (CLI)', async () => {
    const d = deps();
    await scanChunk(chunk(tok()), d, now);
    expect(d.seen[0]!.sealedToken).toBeUndefined();
  });
});

describe('scanChunk with the deps built from config', () => {
  /** A chunk of text holding `jwt`, scanned with the real engine, masker and scorer; returns what reached the sink. */
  async function scanWith(config: ConfigInput, text: string): Promise<FindingObservation[]> {
    const seen: FindingObservation[] = [];
    const d = buildScanDeps(resolveConfig(config, {}).config, { sink: { upsert: async (o) => (seen.push(o), { change: 'new', version: 1 }) } });
    await scanChunk(chunk(text), d, new Date());
    return seen;
  }
  const randomValue = (n = 40) => randomBytes(n).toString('base64url').slice(0, n);

  it('never lets a claim value that only the scorer recognises as a secret reach the sink', async () => {
    const licence = randomValue();
    const deployment = randomValue(48);
    const jwt = fakeSignedJwt({ iss: 'https://idp.example.com', sub: 'svc-build', exp: inHours(2), license_key: licence, ext: { deployment_key: deployment } });
    const seen = await scanWith({}, `Authorization: Bearer ${jwt}\n`);
    expect(seen).toHaveLength(1);
    const o = seen[0]!;
    const stored = JSON.stringify(o);
    expect(stored).not.toContain(licence);
    expect(stored).not.toContain(deployment);
    expect(o.claims?.license_key).toMatch(/\[40 chars\]$/);
    expect((o.claims?.ext as Record<string, unknown>).deployment_key).toMatch(/\[48 chars\]$/);
    expect(o.claims?.sub).toBe('svc-build');
    expect(o.maskedClaims?.map((m) => m.path)).toEqual(expect.arrayContaining(['license_key', 'ext.deployment_key']));
    // The profile still says the token carries secrets.
    expect(o.profile?.overEnrichment.filter((e) => e.kind === 'secret').map((e) => e.claim)).toEqual(expect.arrayContaining(['license_key', 'ext.deployment_key']));
  });

  it('masks claim values with the configured engine: a custom rule hides its token inside claims too', async () => {
    const internal = 'acmeint_' + randomBytes(16).toString('hex');
    const jwt = fakeSignedJwt({ iss: 'https://idp.example.com', sub: 'svc', exp: inHours(2), note: `fallback ${internal}` });
    const customRules = [{ id: 'acme-internal', regex: 'acmeint_[0-9a-f]{32}', keywords: ['acmeint_'] }];
    const seen = await scanWith({ detect: { customRules } }, `x ${jwt}\n`);
    const o = seen.find((s) => s.kind === 'jwt')!;
    expect(JSON.stringify(o)).not.toContain(internal);
    expect(o.maskedClaims).toEqual(expect.arrayContaining([{ path: 'note', reason: 'value contains a credential (acme-internal)' }]));
  });
});
