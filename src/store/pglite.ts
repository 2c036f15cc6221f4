import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, Row } from './database.ts';
import { lockDataDir } from './data-dir-lock.ts';

const INT8 = 20;
// int8 (counts, identities) as numbers on both databases; see postgres.ts for the same choice.
const parsers = { [INT8]: (v: string) => Number(v) };

function queryableOf(q: { query: PGlite['query'] }): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const result = await q.query<R>(sql, params as unknown[]);
      return result.rows;
    },
  };
}

export interface PgliteDatabase extends Database {
  readonly kind: 'pglite';
  readonly pglite: PGlite;
}

/** Opens the embedded database; dataDir undefined keeps it in memory (tests). */
export async function openPglite(dataDir: string | undefined): Promise<PgliteDatabase> {
  const lock = dataDir ? lockDataDir(dataDir) : undefined;
  let pglite: PGlite;
  try {
    pglite = new PGlite(dataDir ? path.join(dataDir, 'pglite') : undefined, { parsers });
    await pglite.waitReady;
  } catch (e) {
    lock?.release();
    throw e;
  }
  const base = queryableOf(pglite);
  return {
    kind: 'pglite',
    location: dataDir ? `embedded PostgreSQL (PGlite) in ${dataDir}` : 'embedded PostgreSQL (PGlite) in memory',
    pglite,
    query: base.query,
    async exec(sql) {
      await pglite.exec(sql);
    },
    async transaction(fn) {
      return pglite.transaction((tx) => fn(queryableOf(tx)));
    },
    async close() {
      try {
        if (!pglite.closed) await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}
