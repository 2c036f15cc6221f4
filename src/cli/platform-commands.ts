import { createOrganisation, findOrganisationBySlug, getOrganisation, issueSetupToken, listOrganisations } from '../accounts/index.ts';
import { listAudit, systemActor } from '../audit/index.ts';
import { readConfig, type Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { writeTable } from '../output/table.ts';
import { startPlatform } from '../platform.ts';
import { schemaMigrations } from '../schema.ts';
import { migrate, openDatabase, type PlatformDatabase } from '../store/index.ts';
import { EXIT, json, usageError, type Command } from './command.ts';

async function withDatabase<T>(config: Config, fn: (db: PlatformDatabase) => Promise<T>): Promise<T> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db, schemaMigrations);
    return await fn(db);
  } finally {
    await db.close();
  }
}

export const platformCommands: Record<string, Command> = {
  serve: {
    summary: 'Run the web console, API and job workers',
    usage: `connectable serve [--demo] [--port N] [--host ADDRESS] [--no-worker]

Starts the platform on the embedded database in DATA_DIR (default ./data), or on PostgreSQL when
DATABASE_URL is set. With --demo, adds a demo maker organisation with a few products. On a first
start it prints a one-time link to create the first owner; there is no default password.

Options:
  --demo          create the demo maker organisation and products (once)
  --port N        port to listen on (default PORT or 8080)
  --host ADDRESS  address to bind (default HOST or 127.0.0.1)
  --no-worker     serve requests only; leave background jobs to other processes`,
    options: { demo: { type: 'boolean', default: false }, port: { type: 'string' }, host: { type: 'string' }, 'no-worker': { type: 'boolean', default: false } },
    async run(values, io) {
      const config = readConfig({ ...io.env, ...(values['port'] ? { PORT: String(values['port']) } : {}), ...(values['host'] ? { HOST: String(values['host']) } : {}) });
      const logger = createLogger(config.logLevel);
      let platform;
      try {
        platform = await startPlatform({ config, logger, demo: values['demo'] === true, work: values['no-worker'] !== true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw usageError(`Port ${config.port} on ${config.host} is in use by another program. Stop it, or choose another port with --port or PORT.`);
        }
        throw e;
      }
      const lines = [
        '',
        `Connectable is running at ${platform.url}`,
        `Database: ${platform.db.location}`,
        platform.setupLink
          ? `Create the first owner account with this one-time link (valid 24 hours; there is no default password):\n  ${platform.setupLink}`
          : `Sign in at ${platform.url}/sign-in`,
        'Press Ctrl+C to stop.',
        '',
      ];
      io.err(lines.join('\n'));
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      io.err('Stopping…');
      await platform.close();
      return EXIT.ok;
    },
  },

  migrate: {
    summary: 'Apply database migrations and exit',
    usage: `connectable migrate [--json]

Brings the database (DATABASE_URL, or the embedded one in DATA_DIR) up to date. serve does this at
start-up too; run it on its own before rolling out several processes.`,
    options: { ...json },
    async run(values, io) {
      const config = readConfig(io.env);
      const applied = await withDatabase(config, (db) => migrate(db, schemaMigrations));
      if (values['json']) io.out(JSON.stringify({ applied }));
      else io.out(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'The database is up to date.');
      return EXIT.ok;
    },
  },

  'setup-link': {
    summary: 'Issue a new one-time link to create the first owner of an organisation',
    usage: `connectable setup-link [--organisation SLUG] [--json]

For an organisation that has no owner yet (or, without --organisation, for a new organisation the
link will create). Any earlier unused link for the same organisation stops working.`,
    options: { organisation: { type: 'string' }, ...json },
    async run(values, io) {
      const config = readConfig(io.env);
      const link = await withDatabase(config, async (db) => {
        const slug = values['organisation'];
        const organisation = typeof slug === 'string' ? await findOrganisationBySlug(db, slug) : undefined;
        if (typeof slug === 'string' && !organisation) throw usageError(`There is no organisation "${slug}". List them with: connectable organisations`);
        return `${config.publicUrl}/setup/${await issueSetupToken(db, organisation?.id)}`;
      });
      io.out(values['json'] ? JSON.stringify({ setupLink: link }) : link);
      return EXIT.ok;
    },
  },

  organisations: {
    summary: 'List organisations, or add one with --add',
    usage: `connectable organisations [--json]
connectable organisations --add NAME --kind maker|retailer|regulator [--json]

With --add, creates the organisation and prints a one-time link for its first owner.`,
    options: { add: { type: 'string' }, kind: { type: 'string' }, ...json },
    async run(values, io) {
      const config = readConfig(io.env);
      return withDatabase(config, async (db) => {
        if (typeof values['add'] === 'string') {
          const organisation = await createOrganisation(db, systemActor, { name: values['add'], kind: values['kind'] });
          const link = `${config.publicUrl}/setup/${await issueSetupToken(db, organisation.id)}`;
          if (values['json']) io.out(JSON.stringify({ organisation, setupLink: link }));
          else io.out(`Created ${organisation.name} (${organisation.slug}). Its first owner signs up with this one-time link:\n  ${link}`);
          return EXIT.ok;
        }
        const rows = await listOrganisations(db);
        if (values['json']) io.out(JSON.stringify({ organisations: rows }));
        else io.out(writeTable(['slug', 'name', 'kind', 'members'], rows.map((r) => [r.slug, r.name, r.kind, String(r.members)])));
        return EXIT.ok;
      });
    },
  },

  audit: {
    summary: "Print an organisation's audit log",
    usage: `connectable audit --organisation SLUG [--limit N] [--json]`,
    options: { organisation: { type: 'string' }, limit: { type: 'string' }, ...json },
    async run(values, io) {
      const slug = values['organisation'];
      if (typeof slug !== 'string') throw usageError('Name the organisation: connectable audit --organisation SLUG');
      const limit = values['limit'] === undefined ? 50 : Number(values['limit']);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw usageError('--limit takes a whole number from 1 to 500.');
      const config = readConfig(io.env);
      return withDatabase(config, async (db) => {
        const organisation = await findOrganisationBySlug(db, slug);
        if (!organisation || !(await getOrganisation(db, organisation.id))) throw usageError(`There is no organisation "${slug}". List them with: connectable organisations`);
        const events = await listAudit(db, organisation.id, { limit });
        if (values['json']) io.out(JSON.stringify({ events }));
        else
          io.out(
            writeTable(
              ['when (UTC)', 'who', 'what', 'target', 'from'],
              events.map((e) => [e.at.toISOString().slice(0, 19).replace('T', ' '), e.actor, e.action, e.target ?? '', e.ip ?? '']),
            ),
          );
        return EXIT.ok;
      });
    },
  },
};
