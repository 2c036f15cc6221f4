import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { issueSetupToken, hasAnyUser } from './accounts/index.ts';
import type { Config } from './config.ts';
import { seedDemo } from './demo.ts';
import { startInboundMailServer, type InboundMailServer } from './disclosure/inbound-mail.ts';
import { startQueue, type JobQueue } from './jobs/index.ts';
import { schemaMigrations } from './schema.ts';
import { migrate, one, openDatabase, type PlatformDatabase } from './store/index.ts';
import { buildServer } from './web/server.ts';

export interface RunningPlatform {
  db: PlatformDatabase;
  app: FastifyInstance;
  queue: JobQueue;
  url: string;
  /** The SMTP listener for inbound reports, when INBOUND_SMTP_PORT is set. */
  inboundMail: InboundMailServer | undefined;
  /** A one-time link for the first owner, when the organisation still has none. */
  setupLink: string | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  logger: Logger | false;
  demo: boolean;
  work: boolean;
}

/** Opens the database, migrates it, starts the queue and the web server. */
export async function startPlatform(options: StartOptions): Promise<RunningPlatform> {
  const { config } = options;
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db, schemaMigrations);
    let setupOrganisation: string | undefined;
    let needsOwner = !(await hasAnyUser(db));
    if (options.demo) {
      const demo = await seedDemo(db);
      setupOrganisation = demo.id;
      needsOwner = !(await one(db, `SELECT 1 FROM users WHERE organisation_id = $1 AND role = 'owner'`, [demo.id]));
    }
    const setupToken = needsOwner ? await issueSetupToken(db, setupOrganisation) : undefined;
    const queue = await startQueue(db, {
      work: options.work,
      mail: { smtpUrl: config.smtpUrl, from: config.mailFrom },
      publicUrl: () => config.publicUrl,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    let app: FastifyInstance;
    let address: string;
    try {
      app = await buildServer({ db, config, queue, logger: options.logger });
      address = await app.listen({ port: config.port, host: config.host });
    } catch (e) {
      await queue.stop().catch(() => {});
      throw e;
    }
    if (!config.publicUrlSet) config.publicUrl = `http://localhost:${new URL(address).port}`;
    const url = config.publicUrl;
    let inboundMail: InboundMailServer | undefined;
    if (config.inboundSmtpPort !== undefined) {
      try {
        inboundMail = await startInboundMailServer({ db, publicUrl: url, port: config.inboundSmtpPort, host: config.host, ...(options.logger ? { logger: options.logger } : {}) });
      } catch (e) {
        await app.close().catch(() => {});
        await queue.stop().catch(() => {});
        throw e;
      }
    }
    return {
      db,
      app,
      queue,
      url,
      inboundMail,
      setupLink: setupToken ? `${url}/setup/${setupToken}` : undefined,
      async close() {
        await inboundMail?.close();
        await app.close();
        await queue.stop();
        await db.close();
      },
    };
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}
