import pg from 'pg';
import { ConnectableError } from '../errors.ts';
import type { Database, Queryable, Row } from './database.ts';

const INT8 = 20;

/** The URL without its password, so it can be logged and shown in errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an unparseable URL)';
  }
}

export interface PostgresOptions {
  url: string;
  /** Every connection's search_path; tests use a fresh schema each. */
  schema?: string;
  max?: number;
}

export interface PostgresDatabase extends Database {
  readonly kind: 'postgres';
  readonly url: string;
  readonly schema: string | undefined;
}

export async function openPostgres(options: PostgresOptions): Promise<PostgresDatabase> {
  const target = new URL(options.url);
  const address = `${target.hostname || 'localhost'}:${target.port || '5432'}`;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5000,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => {});
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConnectableError(
      'CONNECTABLE_ERR_DATABASE_UNREACHABLE',
      `DATABASE_URL points at ${redactUrl(options.url)}, but PostgreSQL at ${address} could not be reached (${reason}). ` +
        'Start the server, correct DATABASE_URL, or unset it to use the embedded database in ./data.',
      { cause: e },
    );
  }
  const query: Queryable['query'] = async <R>(sql: string, params: readonly unknown[] = []) =>
    (await pool.query(sql, params as unknown[])).rows as R[];
  return {
    kind: 'postgres',
    url: options.url,
    schema: options.schema,
    location: `PostgreSQL at ${redactUrl(options.url)}${options.schema ? ` (schema ${options.schema})` : ''}`,
    query,
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <R>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows as R[],
        });
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
