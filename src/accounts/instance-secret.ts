import { one, type Queryable } from '../store/index.ts';
import { randomToken } from './secrets.ts';

/**
 * A secret made on first start and kept in the database, so every process behind a load
 * balancer signs and checks the same anonymous-form CSRF tokens without any configuration.
 */
export async function instanceSecret(db: Queryable, name: string): Promise<string> {
  await db.query('INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, randomToken()]);
  const row = await one<{ value: string }>(db, 'SELECT value FROM instance_secrets WHERE name = $1', [name]);
  if (!row) throw new Error(`instance secret ${name} vanished`);
  return row.value;
}
