/** Pure parts of the store: place identity, sanitising, cursors, API key format, error mapping, options. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/load.js';
import { TokenradiusError } from '../../src/core/errors.js';
import { redact } from '../../src/core/secrets.js';
import type { Locator } from '../../src/core/types.js';
import { apiKeyId, generateApiKey, hashApiKey, hashesEqual } from '../../src/store/api-keys.js';
import { decodeCursor, encodeCursor } from '../../src/store/cursor.js';
import { dataDirError } from '../../src/store/data-dir-lock.js';
import { classifyDbError, mapDbError } from '../../src/store/db-errors.js';
import { locationKey, locationSearchText, visibilityOfRank, visibilityRank } from '../../src/store/location-key.js';
import { migrationChecksum, MIGRATIONS } from '../../src/store/migrate.js';
import { StoreOptionsSchema } from '../../src/store/options.js';
import { assertNoTokenShaped, deepStorable, looksLikeToken, maskTokenShaped, storableString } from '../../src/store/sanitize.js';
import { generateApiKey as newApiKey } from '../../src/store/api-keys.js';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { newJwt } from './support.js';

describe('location identity', () => {
  const slack: Locator = { kind: 'slack', channel: 'C1', ts: '1.1', path: 'general/2024-01-01.json', line: 1, column: 5 };

  it('treats display-only fields as the same place', () => {
    const k = locationKey('slack-main', slack);
    expect(locationKey('slack-main', { ...slack, permalink: 'https://x.slack.com/p1', channelName: 'general', path: 'api' })).toBe(k);
    expect(locationKey('slack-main', { ...slack, ts: '1.2' })).not.toBe(k);
    expect(locationKey('slack-main', { ...slack, column: 6 })).not.toBe(k);
    expect(locationKey('slack-main', { ...slack, field: 'attachment' })).not.toBe(k);
    expect(locationKey('slack-other', slack)).not.toBe(k);
    const git: Locator = { kind: 'git', repo: 'r', commit: 'c', path: 'p', line: 1, column: 1 };
    expect(locationKey('git', { ...git, author: 'someone', date: '2024' })).toBe(locationKey('git', git));
    expect(locationKey('git', { ...git, path: 'q' })).not.toBe(locationKey('git', git));
  });

  it('never confuses two places whose fields differ (property)', () => {
    const file = fc.record({ path: fc.string(), line: fc.integer({ min: 1, max: 1e6 }), column: fc.integer({ min: 1, max: 1e6 }) });
    fc.assert(
      fc.property(fc.string(), file, file, (source, a, b) => {
        const same = a.path === b.path && a.line === b.line && a.column === b.column;
        expect(locationKey(source, { kind: 'file', ...a }) === locationKey(source, { kind: 'file', ...b })).toBe(same);
      }),
    );
  });

  it('searches over location text in lower case', () => {
    const t = locationSearchText('jira-main', { kind: 'jira', issue: 'OPS-12', field: 'description', path: 'OPS/OPS-12', line: 1, column: 1 }, { visibility: 'private', label: 'Project OPS' }, 'Alice');
    expect(t).toContain('ops-12');
    expect(t).toContain('project ops');
    expect(t).toContain('alice');
    expect(t).toContain('jira-main');
  });

  it('orders visibility from unknown to public', () => {
    expect(['unknown', 'private', 'shared-external', 'public'].map((v) => visibilityRank(v as never))).toEqual([0, 1, 2, 3]);
    expect(visibilityRank(undefined)).toBe(0);
    expect(visibilityOfRank(3)).toBe('public');
    expect(visibilityOfRank(99)).toBe('unknown');
  });
});

describe('sanitising', () => {
  it('makes any string storable: no NUL, well-formed UTF-16, unchanged when already fine (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = storableString(s);
        expect(out).not.toContain('\u0000');
        expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out); // no lone surrogate survives
        expect(out.length).toBe(s.length);
        expect(storableString(out)).toBe(out);
        if (!/\u0000|[\uD800-\uDFFF]/.test(s)) expect(out).toBe(s);
      }),
    );
    expect(storableString('a\uD83D\uDE00b')).toBe('a\uD83D\uDE00b'); // a real pair stays
  });

  it('cleans keys and values deeply and refuses absurd nesting', () => {
    expect(deepStorable({ ['k\u0000']: ['\uDC00', { x: 'ok', u: undefined }] })).toEqual({ ['k\uFFFD']: ['\uFFFD', { x: 'ok' }] });
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => deepStorable(deep)).toThrow(TokenradiusError);
  });

  it('recognises token-shaped strings but not their redacted previews', async () => {
    const jwt = newJwt();
    const gh = 'ghp_' + randomBytes(27).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 36);
    const key = newApiKey().key;
    for (const t of [jwt, gh, key]) {
      expect(looksLikeToken(`Bearer ${t}`)).toBe(true);
      expect(looksLikeToken(redact(t))).toBe(false);
    }
    expect(maskTokenShaped(`a ${jwt} b ${gh}`)).toBe('a [token removed by store] b [token removed by store]');
    expect(() => assertNoTokenShaped({ a: [{ b: `x${jwt}` }] }, 'details')).toThrow(/details\.a\[0\]\.b contains a token-shaped string/);
    expect(() => assertNoTokenShaped({ [jwt]: 1 }, 'details')).toThrow(TokenradiusError);
    expect(() => assertNoTokenShaped({ note: 'rotated eyJhbGci…x9Qz[812 chars]' }, 'details')).not.toThrow();
  });
});

describe('cursors', () => {
  const Schema = z.object({ i: z.string() }).strict();

  it('round-trips and refuses anything else with PAYLOAD_INVALID (property)', () => {
    expect(decodeCursor(encodeCursor({ i: '42' }), Schema)).toEqual({ i: '42' });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        try {
          decodeCursor(s, Schema);
        } catch (e) {
          expect(e).toBeInstanceOf(TokenradiusError);
          expect((e as TokenradiusError).code).toBe('PAYLOAD_INVALID');
        }
      }),
    );
  });
});

describe('API key format', () => {
  it('generates distinct keys carrying their public id, hashed with SHA-256', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(apiKeyId(a.key)).toBe(a.id);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).not.toContain(a.key.slice(-43));
    expect(hashesEqual(a.hash, hashApiKey(a.key))).toBe(true);
    expect(hashesEqual(a.hash, b.hash)).toBe(false);
    expect(hashesEqual(a.hash, 'zz')).toBe(false);
  });

  it('parses any string without throwing (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (s) => {
        const id = apiKeyId(s);
        expect(id === null || /^[a-z2-7]{12}$/.test(id)).toBe(true);
      }),
    );
  });
});

describe('database error mapping', () => {
  const err = (code: string | undefined, message = 'x') => Object.assign(new Error(message), code ? { code } : {});

  it.each([
    ['57P01', 'unavailable'],
    ['08006', 'unavailable'],
    ['57014', 'unavailable'],
    ['40P01', 'unavailable'],
    ['ECONNREFUSED', 'unavailable'],
    ['ECONNRESET', 'unavailable'],
    ['53100', 'read-only'],
    ['25006', 'read-only'],
    ['ENOSPC', 'read-only'],
    ['EROFS', 'read-only'],
    ['EACCES', 'read-only'],
    ['22P05', 'invalid'],
    ['23505', 'unknown'],
  ])('classifies %s as %s', (code, kind) => {
    expect(classifyDbError(err(code))).toBe(kind);
  });

  it('recognises driver messages of a lost connection', () => {
    expect(classifyDbError(err(undefined, 'Connection terminated unexpectedly'))).toBe('unavailable');
    expect(classifyDbError(err(undefined, 'timeout exceeded when trying to connect'))).toBe('unavailable');
    expect(classifyDbError('nope')).toBe('unknown');
  });

  it('never carries the driver message, which may quote stored values', () => {
    const jwt = newJwt();
    for (const code of ['23505', '57P01', '53100', '22P02', undefined]) {
      const mapped = mapDbError(err(code, `duplicate key value (fingerprint)=(${jwt})`), 'upsert');
      expect(JSON.stringify({ m: mapped.message, d: mapped.details })).not.toContain(jwt);
      expect(mapped.details.op).toBe('upsert');
    }
    expect(mapDbError(err('28P01'), 'open')).toMatchObject({ code: 'STORE_UNAVAILABLE', retry: 'never' });
    expect(mapDbError(err('57P01'), 'open')).toMatchObject({ code: 'STORE_UNAVAILABLE', retry: 'later' });
    expect(mapDbError(err('53100'), 'upsert')).toMatchObject({ code: 'STORE_READ_ONLY', retry: 'never', details: { sqlState: '53100' } });
  });

  it('says a full data directory is full', () => {
    expect(dataDirError(err('ENOSPC'), '/data', 'writing').message).toMatch(/\/data is full/);
    expect(dataDirError(err('EROFS'), '/data', 'writing')).toMatchObject({ code: 'STORE_READ_ONLY' });
    expect(dataDirError(err('ENOTDIR'), '/data', 'writing')).toMatchObject({ code: 'STORE_UNAVAILABLE', retry: 'never' });
  });
});

describe('migrations and options', () => {
  it('are numbered 1..n and checksummed', () => {
    MIGRATIONS.forEach((m, i) => expect(m.version).toBe(i + 1));
    expect(migrationChecksum(MIGRATIONS[0]!)).toMatch(/^[0-9a-f]{64}$/);
    expect(MIGRATIONS[0]!.sql).toMatch(/CREATE TABLE findings/);
  });

  it('has defaults, validates, and sits in the config under `store`', () => {
    expect(StoreOptionsSchema.parse(undefined)).toEqual({ poolSize: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000, embeddedSharedBuffersMb: 16, sealedTokenRetentionDays: 30, purgeIntervalSeconds: 3600 });
    expect(StoreOptionsSchema.safeParse({ schema: 'Bad-Name' }).success).toBe(false);
    // Maintenance: 0 turns it off; otherwise at least every 10 s, at most weekly.
    expect(StoreOptionsSchema.parse({ purgeIntervalSeconds: 0 }).purgeIntervalSeconds).toBe(0);
    expect(StoreOptionsSchema.safeParse({ purgeIntervalSeconds: 5 }).success).toBe(false);
    expect(StoreOptionsSchema.safeParse({ purgeIntervalSeconds: 8 * 86_400 }).success).toBe(false);
    expect(StoreOptionsSchema.safeParse({ poolSize: 0 }).success).toBe(false);
    expect(StoreOptionsSchema.safeParse({ unknown: 1 }).success).toBe(false);
    const loaded = resolveConfig({ store: { poolSize: 4, schema: 'tokenradius' } }, { DATABASE_URL: 'postgres://127.0.0.1/x' });
    expect(loaded.config.store).toMatchObject({ poolSize: 4, schema: 'tokenradius', sealedTokenRetentionDays: 30 });
    expect(loaded.env.DATABASE_URL).toBe('postgres://127.0.0.1/x');
    expect(() => resolveConfig({ store: { poolSize: -1 } }, {})).toThrow(/store\.poolSize/);
  });
});

describe('token-shaped backstop', () => {
  it('does not refuse ordinary text that merely resembles a prefix', () => {
    for (const ok of ['ASIAPACIFICDATACENTER1', 'ghp_short', 'see xoxb-…9Q1x[55 chars]', 'https://github.com/acme/api/commit/0123456789abcdef', 'eyJhbGci…abcd[412 chars]']) {
      expect(looksLikeToken(ok)).toBe(false);
    }
    const akia = 'AKIA' + Array.from(randomBytes(16), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b & 31]).join('');
    expect(looksLikeToken(`key=${akia} `)).toBe(true);
  });
});
