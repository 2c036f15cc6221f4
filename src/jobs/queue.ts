import { PgBoss, fromPglite } from 'pg-boss';
import type { Logger } from 'pino';
import type { PlatformDatabase } from '../store/index.ts';
import { runHousekeeping } from './housekeeping.ts';

export const queues = { housekeeping: 'housekeeping' } as const;

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
  await boss.createQueue(queues.housekeeping, { retryLimit: 3, retryDelay: 30 });
  if (options.work) {
    await boss.work<Record<string, never>>(queues.housekeeping, { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2, batchSize: options.batchSize ?? 5 }, async (jobs) => {
      for (const job of jobs) {
        const removed = await runHousekeeping(db, job.id);
        options.logger?.info({ job: job.id, removed }, 'housekeeping done');
      }
    });
    // Hourly, at a minute that spreads installations' load off the top of the hour.
    await boss.schedule(queues.housekeeping, '17 * * * *');
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
