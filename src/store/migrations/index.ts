/**
 * Every migration, in order: one explicit list (no globbing), so the build and the bundle carry
 * exactly these. Add `NNN_name.ts` exporting `name` and `sql`, then one line here.
 */
import * as m001 from './001_init.js';
import * as m002 from './002_upsert_function.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, ...m001 },
  { version: 2, ...m002 },
];
