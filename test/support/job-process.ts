// One life of a platform process, for the restart test: `schedule` queues a housekeeping job due in
// a few seconds and exits before it is due; `work` starts a worker and reports what ran.
import { startQueue } from '../../src/jobs/index.ts';
import { schemaMigrations } from '../../src/schema.ts';
import { migrate, openPglite, openPostgres, type PlatformDatabase } from '../../src/store/index.ts';

const [mode, jobId] = process.argv.slice(2);
const url = process.env['DATABASE_URL'];
const db: PlatformDatabase = url
  ? await openPostgres({ url, schema: process.env['TEST_SCHEMA'] ?? 'public', max: 3 })
  : await openPglite(process.env['DATA_DIR'] ?? '');
await migrate(db, schemaMigrations);

if (mode === 'schedule') {
  const queue = await startQueue(db, { work: true, pollingIntervalSeconds: 0.5 });
  const id = await queue.sendHousekeeping({ startAfterSeconds: 3 });
  await queue.stop();
  await db.close();
  process.stdout.write(JSON.stringify({ id }));
} else if (mode === 'work') {
  const queue = await startQueue(db, { work: true, pollingIntervalSeconds: 0.5 });
  const deadline = Date.now() + 40_000;
  let runs = 0;
  while (Date.now() < deadline) {
    runs = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM housekeeping_runs WHERE job_id = $1', [jobId]))[0]?.n ?? 0;
    if (runs > 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  // Keep working a while longer: a job that was going to run twice would do it now.
  await new Promise((r) => setTimeout(r, 3000));
  runs = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM housekeeping_runs WHERE job_id = $1', [jobId]))[0]?.n ?? 0;
  await queue.stop();
  await db.close();
  process.stdout.write(JSON.stringify({ runs }));
} else {
  process.stderr.write('usage: job-process.ts schedule | work JOB_ID\n');
  process.exitCode = 2;
}
