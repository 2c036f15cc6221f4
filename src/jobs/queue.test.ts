import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { openTestDatabase } from '../../test/support/database.ts';
import { openPostgres } from '../store/index.ts';
import { queues, startQueue } from './queue.ts';

const run = promisify(execFile);
const script = new URL('../../test/support/job-process.ts', import.meta.url).pathname;

async function lifetime(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, ...env }, timeout: 90_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

test('a job scheduled before a restart runs exactly once after it', async () => {
  const url = process.env['DATABASE_URL'];
  let env: NodeJS.ProcessEnv;
  let cleanup: () => Promise<void>;
  if (url) {
    const schema = `t_${crypto.randomBytes(6).toString('hex')}`;
    const admin = await openPostgres({ url, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    env = { DATABASE_URL: url, TEST_SCHEMA: schema };
    cleanup = async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.query(`DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
      await admin.close();
    };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-jobs-'));
    env = { DATA_DIR: dir };
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  try {
    const { id } = await lifetime(env, 'schedule');
    assert.equal(typeof id, 'string');
    const { runs } = await lifetime(env, 'work', String(id));
    assert.equal(runs, 1);
  } finally {
    await cleanup();
  }
});

test('under load every job runs exactly once', async () => {
  const db = await openTestDatabase();
  const queue = await startQueue(db, { work: true, pollingIntervalSeconds: 0.5, batchSize: 20 });
  try {
    const count = 300;
    const ids = await queue.boss.insert(
      queues.housekeeping,
      Array.from({ length: count }, () => ({ data: {} })),
      { returnId: true },
    );
    assert.equal(ids?.length, count);
    const deadline = Date.now() + 120_000;
    let done = 0;
    while (Date.now() < deadline) {
      done = (await db.query<{ n: number }>('SELECT count(DISTINCT job_id)::int AS n FROM housekeeping_runs'))[0]?.n ?? 0;
      if (done >= count) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const rows = (await db.query<{ n: number; jobs: number }>('SELECT count(*)::int AS n, count(DISTINCT job_id)::int AS jobs FROM housekeeping_runs'))[0];
    assert.equal(rows?.jobs, count, 'every job ran');
    assert.equal(rows?.n, count, 'no job ran twice');
  } finally {
    await queue.stop();
    await db.close();
  }
});
