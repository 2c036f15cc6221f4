import { PgBoss, fromPglite } from 'pg-boss';
import type { Logger } from 'pino';
import { closeSilentReports, ringDeadlines } from '../disclosure/index.ts';
import { sendPendingEmails } from '../mail/index.ts';
import { watchCatalogues } from '../registry/index.ts';
import type { PlatformDatabase } from '../store/index.ts';
import { runHousekeeping } from './housekeeping.ts';

export const queues = { housekeeping: 'housekeeping', catalogueWatch: 'catalogue-watch', mailSend: 'mail-send', disclosureDeadlines: 'disclosure-deadlines' } as const;

export interface JobQueue {
  readonly boss: PgBoss;
  /** Queues a housekeeping run, at once or after a delay; returns the job id. */
  sendHousekeeping(options?: { startAfterSeconds?: number }): Promise<string>;
  stop(): Promise<void>;
}

export interface QueueOptions {
  /** Whether this process takes jobs (a process that only serves pages can leave that to others). */
  work: boolean;
  logger?: Logger;
  pollingIntervalSeconds?: number;
  /** Jobs fetched per poll; more keeps a busy queue moving, 1 keeps a quiet one fair. */
  batchSize?: number;
  /** The pg-boss schema on PostgreSQL; tests give each run its own. */
  schema?: string;
  /** Outgoing mail; without an SMTP URL messages wait in the outbox. */
  mail?: { smtpUrl: string | undefined; from: string };
  /** Where links in alerts point; read when a job runs, since the port is known only after listen. */
  publicUrl?: () => string;
}

function bossFor(db: PlatformDatabase, schema: string | undefined): PgBoss {
  const common = { schema: schema ?? 'pgboss', application_name: 'connectable' };
  if (db.kind === 'pglite') return new PgBoss({ ...common, db: fromPglite(db.pglite), backend: 'pglite' });
  return new PgBoss({ ...common, connectionString: db.url, max: 4 });
}

/** Starts the queue on the platform's own database: PGlite and PostgreSQL alike. */
export async function startQueue(db: PlatformDatabase, options: QueueOptions): Promise<JobQueue> {
  const boss = bossFor(db, options.schema ?? (db.kind === 'postgres' && db.schema ? `${db.schema}_jobs` : undefined));
  boss.on('error', (e) => options.logger?.error({ err: e }, 'job queue error'));
  await boss.start();
  for (const name of Object.values(queues)) await boss.createQueue(name, { retryLimit: 3, retryDelay: 30 });
  const sendMail = async (): Promise<void> => {
    if (!options.mail?.smtpUrl) return;
    const result = await sendPendingEmails(db, options.mail.smtpUrl, options.mail.from);
    if (result.sent || result.failed) options.logger?.info(result, 'outbox sent');
  };
  if (options.work) {
    await boss.work<Record<string, never>>(queues.housekeeping, { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2, batchSize: options.batchSize ?? 5 }, async (jobs) => {
      for (const job of jobs) {
        const removed = await runHousekeeping(db, job.id);
        options.logger?.info({ job: job.id, removed }, 'housekeeping done');
      }
    });
    await boss.work(queues.catalogueWatch, { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, async () => {
      const digests = await watchCatalogues(db);
      options.logger?.info({ digests }, 'saved catalogues watched');
      await sendMail();
    });
    await boss.work(queues.mailSend, { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, sendMail);
    await boss.work(queues.disclosureDeadlines, { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, async () => {
      const alerts = await ringDeadlines(db, options.publicUrl?.() ?? 'http://localhost:8080');
      if (alerts) options.logger?.info({ alerts }, 'report deadline alerts queued');
      const closed = await closeSilentReports(db);
      if (closed) options.logger?.info({ closed }, 'reports closed after waiting on the reporter');
      await sendMail();
    });
    // Off the top of the hour, to spread installations' load.
    await boss.schedule(queues.housekeeping, '17 * * * *');
    await boss.schedule(queues.catalogueWatch, '23 6 * * *');
    await boss.schedule(queues.mailSend, '*/5 * * * *');
    await boss.schedule(queues.disclosureDeadlines, '*/15 * * * *');
  }
  return {
    boss,
    async sendHousekeeping(o = {}) {
      const id = await boss.send(queues.housekeeping, {}, o.startAfterSeconds ? { startAfter: o.startAfterSeconds } : {});
      if (!id) throw new Error('pg-boss did not accept the housekeeping job');
      return id;
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000, close: true });
    },
  };
}
