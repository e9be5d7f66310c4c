/**
 * Upgrading a database written at schema version 1 (before migration 002 moved the upsert into
 * `tokenradius_upsert_many`): shared by the PGlite and PostgreSQL tests, each of which supplies how
 * to open its store and how to take an existing database back to exactly what version 1 left.
 */
import { expect } from 'vitest';
import { fingerprint } from '../../src/core/secrets.js';
import { MIGRATIONS } from '../../src/store/migrate.js';
import type { FindingStore } from '../../src/store/types.js';
import { newJwt, observe, slackLocator } from './support.js';

/** SQL that turns a current database into a version-1 one: migration 002 only added the function. */
export const DOWNGRADE_TO_V1 = `DROP FUNCTION tokenradius_upsert_many(jsonb); DELETE FROM schema_migrations WHERE version >= 2;`;

export async function expectUpgradeFromV1(open: () => Promise<FindingStore>, downgrade: () => Promise<void>): Promise<void> {
  const known = newJwt();
  const sealedOnly = newJwt();
  let store = await open();
  try {
    expect(await store.upsert(observe(known, { severity: 'medium' }))).toEqual({ change: 'new', version: 1 });
    expect(await store.upsert(observe(sealedOnly))).toEqual({ change: 'new', version: 1 });
  } finally {
    await store.close();
  }
  await downgrade();

  store = await open();
  try {
    expect((await store.ping()).schemaVersion).toBe(MIGRATIONS.length);
    // The finding written before the upgrade is updated in place, not created a second time.
    expect(await store.upsert(observe(known, { severity: 'medium' }))).toEqual({ change: 'unchanged', version: 1 });
    expect(await store.upsert(observe(known, { severity: 'critical', locator: slackLocator({ ts: '1700000009.000100' }) }))).toEqual({ change: 'worse', version: 2 });
    const fresh = newJwt();
    const batch = await store.upsertMany([observe(fresh), observe(sealedOnly, { locator: slackLocator({ ts: '1700000009.000200' }) })]);
    expect(batch).toEqual([
      { change: 'new', version: 1 },
      { change: 'unchanged', version: 1 },
    ]);
    const f = await store.getFinding(fingerprint(known));
    expect(f).toMatchObject({ version: 2, occurrenceCount: 2, blastRadius: { severity: 'critical' } });
    expect((await store.getFinding(fingerprint(sealedOnly)))?.occurrenceCount).toBe(2);
    expect(await store.getSealedToken(fingerprint(known))).not.toBeNull();
  } finally {
    await store.close();
  }
}
