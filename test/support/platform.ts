import type { FastifyInstance } from 'fastify';
import { issueSetupToken, invite, totpCode } from '../../src/accounts/index.ts';
import type { Role } from '../../src/accounts/index.ts';
import { readConfig } from '../../src/config.ts';
import { seedDemo } from '../../src/demo.ts';
import type { PlatformDatabase } from '../../src/store/index.ts';
import { buildServer } from '../../src/web/server.ts';
import { Client } from './client.ts';
import { openTestDatabase } from './database.ts';

export const STRONG_PASSWORD = 'correct horse battery staple 42';

export interface TestPlatform {
  db: PlatformDatabase;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startTestPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  // The configuration first: a bad one must fail before a database is opened and left behind.
  const config = readConfig({ PUBLIC_URL: 'http://connectable.test', REPORT_PROOF_OF_WORK_BITS: '4', ...env });
  const db = await openTestDatabase();
  const app = await buildServer({ db, config, queue: undefined, logger: false });
  return {
    db,
    app,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** An organisation with a first owner made through the real setup link, signed in. */
export async function ownerOf(platform: TestPlatform, name: string, email: string, ip?: string): Promise<{ client: Client; organisationId: string }> {
  const organisation = name === 'Demo Maker Ltd' ? await seedDemo(platform.db) : undefined;
  const token = await issueSetupToken(platform.db, organisation?.id);
  const client = new Client(platform.app, ip);
  await client.get(`/setup/${token}`);
  const response = await client.post(`/setup/${token}`, {
    organisationName: name,
    organisationKind: 'maker',
    displayName: `Owner of ${name}`,
    email,
    password: STRONG_PASSWORD,
  });
  if (response.statusCode !== 303) throw new Error(`setup failed with ${response.statusCode}: ${response.body.slice(0, 500)}`);
  const row = (await platform.db.query<{ organisation_id: string }>('SELECT organisation_id FROM users WHERE email = $1', [email]))[0];
  if (!row) throw new Error('owner not created');
  await client.get('/console');
  return { client, organisationId: row.organisation_id };
}

/** A member with the given role, invited by an owner and joined through the link, signed in. */
export async function memberOf(platform: TestPlatform, organisationId: string, role: Role, email: string): Promise<Client> {
  const { token } = await invite(platform.db, { label: 'test', organisationId }, { email, role });
  const client = new Client(platform.app);
  await client.get(`/invitations/${token}`);
  const response = await client.post(`/invitations/${token}`, { displayName: `A ${role}`, password: STRONG_PASSWORD });
  if (response.statusCode !== 303) throw new Error(`joining failed with ${response.statusCode}: ${response.body.slice(0, 500)}`);
  await client.get('/console');
  return client;
}

export { totpCode };
