// Report intake with durable storage: reports accepted per second and latency, wrk at 20
// connections for N seconds, on PGlite and on PostgreSQL. Each request comes "from" its own address
// (X-Forwarded-For behind a trusted proxy), so the per-address flood limit does not interfere.
// Run: npx node --import tsx bench/disclosure-intake.ts [pglite|postgres|both] [seconds]
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { schemaMigrations } from '../src/schema.ts';
import { migrate, openPglite, openPostgres, type PlatformDatabase } from '../src/store/index.ts';

const which = process.argv[2] ?? 'both';
const seconds = Number(process.argv[3] ?? 10);
const server = new URL('../test/support/intake-server.ts', import.meta.url).pathname;

async function run(kind: 'pglite' | 'postgres'): Promise<void> {
  const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const env: NodeJS.ProcessEnv =
    kind === 'postgres' ? { DATABASE_URL: url, TEST_SCHEMA: `bench_${crypto.randomBytes(4).toString('hex')}` } : { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cn-intake-')) };
  const open = (): Promise<PlatformDatabase> => (kind === 'postgres' ? openPostgres({ url, schema: env['TEST_SCHEMA'] ?? 'public', max: 2 }) : openPglite(env['DATA_DIR'] ?? ''));
  if (kind === 'postgres') {
    const admin = await openPostgres({ url, max: 1 });
    await admin.query(`CREATE SCHEMA ${env['TEST_SCHEMA']}`);
    await admin.close();
  }
  const setup = await open();
  await migrate(setup, schemaMigrations);
  await setup.query(`INSERT INTO organisations (slug, name, kind) VALUES ('bench-maker', 'Bench Maker', 'maker')`);
  await setup.close();
  const { DATABASE_URL: _ignored, ...base } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', server], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  const script = path.join(os.tmpdir(), `intake-${process.pid}.lua`);
  const body = JSON.stringify({ productText: 'Hub', title: 'Benchmark finding', description: 'A description long enough to be accepted.', steps: 'Step one, step two.', aiUse: 'none' });
  fs.writeFileSync(
    script,
    `local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/v1/public/makers/bench-maker/reports", {["Content-Type"] = "application/json", ["X-Forwarded-For"] = "10." .. (n % 250) .. "." .. (math.floor(n / 250) % 250) .. "." .. math.random(250)}, ${JSON.stringify(body)})
end`,
  );
  const wrk = spawn('wrk', ['-t2', '-c20', `-d${seconds}s`, '--latency', '-s', script, address]);
  let out = '';
  wrk.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => wrk.on('exit', r));
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  const after = await open();
  const stored = (await after.query<{ n: number }>('SELECT count(*)::int AS n FROM vulnerability_reports'))[0]?.n ?? 0;
  await after.close();
  if (kind === 'postgres') {
    const admin = await openPostgres({ url, max: 1 });
    await admin.query(`DROP SCHEMA ${env['TEST_SCHEMA']} CASCADE`);
    await admin.close();
  } else fs.rmSync(env['DATA_DIR'] ?? '', { recursive: true, force: true });
  fs.rmSync(script, { force: true });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? '?';
  const p50 = /50%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?';
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?';
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  console.log(`[${kind}] ${rps} reports/s accepted (each stored and acknowledged, its e-mails queued, in one transaction), p50 ${p50}, p99 ${p99}, non-2xx ${non2xx}, stored ${stored}`);
}

if (which === 'pglite' || which === 'both') await run('pglite');
if (which === 'postgres' || which === 'both') await run('postgres');
