// Report intake with durable storage: reports accepted per second and latency, wrk at 20
// connections for N seconds, on PGlite and on PostgreSQL. Each request comes "from" its own address
// (X-Forwarded-For behind a trusted proxy), so the per-address flood limit does not interfere.
// Every report carries its own proof of work, solved before the run (the server's cost to check
// one does not depend on its difficulty: an HMAC, a hash and an insert that spends it).
// Run: npx node --import tsx bench/disclosure-intake.ts [pglite|postgres|both] [seconds]
// BENCH_POW_BITS=0 runs the server without proofs of work; BENCH_CPU_PROF=DIR writes its CPU profile.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { instanceSecret } from '../src/accounts/index.ts';
import { issueChallenge } from '../src/disclosure/index.ts';
import { schemaMigrations } from '../src/schema.ts';
import { migrate, openPglite, openPostgres, type PlatformDatabase } from '../src/store/index.ts';

const which = process.argv[2] ?? 'both';
const seconds = Number(process.argv[3] ?? 10);
const server = new URL('../test/support/intake-server.ts', import.meta.url).pathname;
const report = { productText: 'Hub', title: 'Benchmark finding', description: 'A description long enough to be accepted.', steps: 'Step one, step two.', aiUse: 'none' };

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
  const bodies = await solvedBodies(await instanceSecret(setup, 'proof-of-work'), 2500 * seconds);
  await setup.close();
  const { DATABASE_URL: _ignored, ...base } = process.env;
  const child = spawn(process.execPath, [...(process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']] : []), '--import', 'tsx', server], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  const script = path.join(os.tmpdir(), `intake-${process.pid}.lua`);
  const bodiesFile = path.join(os.tmpdir(), `intake-${process.pid}.bodies`);
  fs.writeFileSync(bodiesFile, bodies.join('\n'));
  // Each wrk thread takes every other body, so no proof of work is sent twice.
  fs.writeFileSync(
    script,
    `local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
local bodies = {}
local n = 0
init = function()
  local i = 0
  for line in io.lines(${JSON.stringify(bodiesFile)}) do
    if i % 2 == id then table.insert(bodies, line) end
    i = i + 1
  end
end
request = function()
  n = n + 1
  return wrk.format("POST", "/api/v1/public/makers/bench-maker/reports", {["Content-Type"] = "application/json", ["X-Forwarded-For"] = "10." .. (n % 250) .. "." .. (math.floor(n / 250) % 250) .. "." .. math.random(250)}, bodies[((n - 1) % #bodies) + 1])
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
  fs.rmSync(bodiesFile, { force: true });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? '?';
  const p50 = /50%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?';
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?';
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  console.log(`[${kind}] ${rps} reports/s accepted (each stored and acknowledged, its e-mails queued, in one transaction), p50 ${p50}, p99 ${p99}, non-2xx ${non2xx}, stored ${stored}`);
}

/** Report bodies, each with a solved proof of work of the bits the intake server asks for. */
async function solvedBodies(secret: string, count: number): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    const { challenge } = await issueChallenge(secret, '0', new Date(Date.now() + 600_000));
    const p = challenge.parameters;
    const prefix = Buffer.concat([Buffer.from(p.salt, 'hex'), Buffer.from(p.nonce, 'hex')]);
    const counter = Buffer.alloc(4);
    for (let c = 0; ; c++) {
      counter.writeUInt32BE(c);
      const key = crypto.createHash('sha256').update(prefix).update(counter).digest('hex');
      if (key.startsWith(p.keyPrefix)) {
        bodies.push(JSON.stringify({ ...report, proofOfWork: JSON.stringify({ challenge, solution: { counter: c, derivedKey: key } }) }));
        break;
      }
    }
  }
  return bodies;
}

if (which === 'pglite' || which === 'both') await run('pglite');
if (which === 'postgres' || which === 'both') await run('postgres');
