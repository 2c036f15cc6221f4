import { openPglite, type PgliteDatabase } from './pglite.ts';
import { openPostgres, type PostgresDatabase } from './postgres.ts';

/** The database of a running platform: one of the two, so the job queue can reach its driver. */
export type PlatformDatabase = PgliteDatabase | PostgresDatabase;

export type { Database, Queryable, Row } from './database.ts';
export { one } from './database.ts';
export { migrate, splitStatements, type Migration } from './migrate.ts';
export { openPglite, type PgliteDatabase } from './pglite.ts';
export { openPostgres, redactUrl, type PostgresDatabase } from './postgres.ts';

/** PostgreSQL when a URL is given, otherwise the embedded database in dataDir. */
export async function openDatabase(options: { databaseUrl?: string | undefined; dataDir: string }): Promise<PlatformDatabase> {
  return options.databaseUrl ? openPostgres({ url: options.databaseUrl }) : openPglite(options.dataDir);
}
