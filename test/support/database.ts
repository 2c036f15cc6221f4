import crypto from 'node:crypto';
import { schemaMigrations } from '../../src/schema.ts';
import { migrate, openPglite, openPostgres, type PlatformDatabase } from '../../src/store/index.ts';

/**
 * A fresh, migrated database for one test file: in-memory PGlite, or, when DATABASE_URL is set
 * (the second CI run), a new schema on that PostgreSQL server, dropped afterwards. The same
 * tests therefore pin down the behaviour on both databases.
 */
export async function openTestDatabase(): Promise<PlatformDatabase & { dropSchema(): Promise<void> }> {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    const db = await openPglite(undefined);
    await migrate(db, schemaMigrations);
    return Object.assign(db, { dropSchema: async () => {} });
  }
  const schema = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = await openPostgres({ url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.close();
  const db = await openPostgres({ url, schema, max: 5 });
  await migrate(db, schemaMigrations);
  const close = db.close.bind(db);
  return Object.assign(db, {
    async close() {
      await close();
      const cleanup = await openPostgres({ url, max: 1 });
      await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await cleanup.query(`DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
      await cleanup.close();
    },
    dropSchema: async () => {},
  });
}

export const onPostgres = (): boolean => Boolean(process.env['DATABASE_URL']);
