// The one interface every domain talks to, whichever PostgreSQL is behind it: PGlite (PostgreSQL
// compiled to WebAssembly, embedded) or a PostgreSQL server. Queries are plain SQL with $n
// parameters, so the same text runs on both.

export type Row = Record<string, unknown>;

export interface Queryable {
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Where the data lives, with any password removed: safe to log and print. */
  readonly location: string;
  /** Runs fn in one transaction; it commits when fn resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Parameterless, possibly multi-statement SQL (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export async function one<R = Row>(db: Queryable, sql: string, params?: readonly unknown[]): Promise<R | undefined> {
  const rows = await db.query<R>(sql, params);
  return rows[0];
}
