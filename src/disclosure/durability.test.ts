// No acknowledged report is ever lost: the server is killed (SIGKILL, no chance to flush) while
// 200 reports arrive at once; every report that got a reference must be in the database after.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Challenge } from 'altcha-lib';
import { solveFetched } from '../../test/support/proof-of-work.ts';
import { schemaMigrations } from '../schema.ts';
import { migrate, openPglite, openPostgres, type PlatformDatabase } from '../store/index.ts';

const server = new URL('../../test/support/intake-server.ts', import.meta.url).pathname;

async function database(env: NodeJS.ProcessEnv): Promise<PlatformDatabase> {
  return env['DATABASE_URL'] ? openPostgres({ url: env['DATABASE_URL'], schema: env['TEST_SCHEMA'] ?? 'public', max: 2 }) : openPglite(env['DATA_DIR'] ?? '');
}

test('every report acknowledged before a SIGKILL is in the database after it', async (t) => {
  const url = process.env['DATABASE_URL'];
  const env: NodeJS.ProcessEnv = url ? { DATABASE_URL: url, TEST_SCHEMA: `t_${crypto.randomBytes(6).toString('hex')}` } : { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cn-kill-')) };
  if (url) {
    const admin = await openPostgres({ url, max: 1 });
    await admin.query(`CREATE SCHEMA ${env['TEST_SCHEMA']}`);
    await admin.close();
  }
  const setup = await database(env);
  await migrate(setup, schemaMigrations);
  await setup.query(`INSERT INTO organisations (slug, name, kind) VALUES ('durable-maker', 'Durable Maker', 'maker')`);
  await setup.close();

  const { DATABASE_URL: _ignored, ...base } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', server], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the server exited early (${code})`)));
  });

  const acknowledged: string[] = [];
  let refused = 0;
  let killed = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    child.kill('SIGKILL');
  };
  // Each simulated reporter pays its proof of work before the flood starts.
  const proofs = await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const r = await fetch(`${address}/api/v1/public/proof-of-work`, { headers: { 'x-forwarded-for': `10.9.${Math.floor(i / 250)}.${i % 250}` } });
      return solveFetched((await r.json()) as { required: boolean; challenge?: Challenge });
    }),
  );
  const submissions = Array.from({ length: 200 }, async (_, i) => {
    try {
      const r = await fetch(`${address}/api/v1/public/makers/durable-maker/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.${Math.floor(i / 250)}.${i % 250}` },
        body: JSON.stringify({ productText: 'Hub', title: `Finding number ${i}`, description: 'A description long enough to be accepted.', steps: 'Step one, step two.', aiUse: 'none', proofOfWork: proofs[i] }),
      });
      if (r.status === 201) {
        acknowledged.push(((await r.json()) as { reference: string }).reference);
        // Kill mid-flood: some reports answered, others still in flight.
        if (acknowledged.length === 40) kill();
      } else refused++;
    } catch {
      refused++;
    }
  });
  await Promise.all(submissions);
  kill();
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  t.diagnostic(`${acknowledged.length} acknowledged before the kill, ${refused} cut off`);
  assert.ok(acknowledged.length >= 40, 'the flood reached the server');

  const after = await database(env);
  try {
    const stored = await after.query<{ reference: string }>('SELECT reference FROM vulnerability_reports WHERE reference = ANY($1)', [acknowledged]);
    const missing = acknowledged.filter((r) => !stored.some((s) => s.reference === r));
    assert.deepEqual(missing, [], 'every acknowledged report survived the kill');
  } finally {
    await after.close();
    if (url) {
      const admin = await openPostgres({ url, max: 1 });
      await admin.query(`DROP SCHEMA ${env['TEST_SCHEMA']} CASCADE`);
      await admin.close();
    } else fs.rmSync(env['DATA_DIR'] ?? '', { recursive: true, force: true });
  }
});
