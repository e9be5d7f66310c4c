/**
 * The little the shared SQL implementation needs from a driver. `postgres.ts` adapts a `pg` Pool,
 * `pglite.ts` an embedded PGlite; everything above this line is one dialect.
 */

export type Row = Record<string, unknown>;

export interface SqlRunner {
  /**
   * One parameterised statement; returns its rows. `name` marks a hot statement worth preparing
   * once per connection (PostgreSQL skips parsing and planning it again); drivers may ignore it.
   */
  query<R extends Row = Row>(text: string, params?: readonly unknown[], name?: string): Promise<R[]>;
  /** Several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface SqlDb extends SqlRunner {
  readonly backend: 'postgres' | 'pglite';
  /** Run `fn` in one transaction on one connection (READ COMMITTED); rolled back if it throws. */
  tx<T>(fn: (q: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
