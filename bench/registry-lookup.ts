// Look-up by GTIN over HTTP with 100,000 products stored, measured with wrk at 100 connections,
// side by side with nginx serving the same answers as static files (the practical ceiling).
// Run: npx node --import tsx bench/registry-lookup.ts [pglite|postgres|both] [seconds]
// postgres uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), in a fresh schema.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readConfig } from '../src/config.ts';
import { checkDigitFor } from '../src/registry/index.ts';
import { schemaMigrations } from '../src/schema.ts';
import { migrate, openPglite, openPostgres, type PlatformDatabase } from '../src/store/index.ts';
import { buildServer } from '../src/web/server.ts';

const which = process.argv[2] ?? 'both';
const seconds = Number(process.argv[3] ?? 10);
const PRODUCTS = 100_000;
const SAMPLE = 2_000;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-lookup-'));
// nginx's workers run as www-data and must read the static answers.
fs.chmodSync(work, 0o755);

function gtinFor(i: number): string {
  const data = `5${String(1_000_000_000 + i).padStart(12, '0')}`.slice(0, 13);
  return `${data}${checkDigitFor(data)}`;
}

async function seed(db: PlatformDatabase): Promise<void> {
  await migrate(db, schemaMigrations);
  const org = await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('bench-maker', 'Bench Maker Ltd', 'maker') RETURNING id`);
  const organisationId = org[0]?.id ?? '';
  for (let start = 0; start < PRODUCTS; start += 10_000) {
    const ids: string[] = [];
    const models: string[] = [];
    const gtins: string[] = [];
    for (let i = start; i < Math.min(PRODUCTS, start + 10_000); i++) {
      ids.push(crypto.randomUUID());
      models.push(`BM-${i}`);
      gtins.push(gtinFor(i));
    }
    await db.query(
      `INSERT INTO products (id, organisation_id, slug, brand, name, model_number, category)
       SELECT id, $1, lower(model), 'Bench', 'Widget ' || model, model, 'smart-plug' FROM unnest($2::uuid[], $3::text[]) AS t(id, model)`,
      [organisationId, ids, models],
    );
    await db.query('INSERT INTO product_gtins (gtin, product_id) SELECT gtin, id FROM unnest($1::text[], $2::uuid[]) AS t(gtin, id)', [gtins, ids]);
    await db.query(`INSERT INTO support_periods (product_id, end_date, published_at) SELECT id, DATE '2030-03-31', now() FROM unnest($1::uuid[]) AS t(id)`, [ids]);
  }
}

interface WrkResult {
  rps: number;
  p50: string;
  p99: string;
  errors: string;
}

async function wrk(url: string, gtins: readonly string[]): Promise<WrkResult> {
  const script = path.join(work, 'paths.lua');
  fs.writeFileSync(
    script,
    `local paths = {${gtins.map((g) => `"${new URL(url).pathname}${g}"`).join(',')}}
request = function() return wrk.format("GET", paths[math.random(#paths)], {["Accept"] = "application/json"}) end`,
  );
  // Asynchronously: the server under test runs in this very process and must keep answering.
  const child = spawn('wrk', ['-t2', '-c100', `-d${seconds}s`, '--latency', '-s', script, new URL(url).origin]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.on('exit', resolve));
  if (process.env['BENCH_VERBOSE']) console.log(out);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = /50%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?';
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?';
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  return { rps, p50, p99, errors };
}

async function nginxFor(bodies: Map<string, string>): Promise<{ url: string; stop: () => void }> {
  const root = path.join(work, 'static');
  const dir = path.join(root, 'api/v1/public/products');
  fs.mkdirSync(dir, { recursive: true });
  for (const [gtin, body] of bodies) fs.writeFileSync(path.join(dir, gtin), body);
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const conf = path.join(work, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `daemon off; worker_processes 2; pid ${work}/nginx.pid; error_log ${work}/nginx-error.log;
events { worker_connections 1024; }
http { access_log off; default_type application/json; sendfile on; keepalive_requests 100000;
  server { listen 127.0.0.1:${port}; root ${root}; add_header Cache-Control "public, max-age=300"; add_header Access-Control-Allow-Origin "*"; } }`,
  );
  const child = spawn('nginx', ['-c', conf, '-p', work], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  return { url: `http://127.0.0.1:${port}/api/v1/public/products/`, stop: () => child.kill('SIGTERM') };
}

async function run(kind: 'pglite' | 'postgres'): Promise<void> {
  let db: PlatformDatabase;
  let cleanup = async (): Promise<void> => {};
  if (kind === 'pglite') {
    db = await openPglite(path.join(work, 'pglite'));
  } else {
    const url = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
    const admin = await openPostgres({ url, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    db = await openPostgres({ url, schema, max: 20 });
    cleanup = async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    };
  }
  try {
    const started = performance.now();
    await seed(db);
    console.log(`[${kind}] stored ${PRODUCTS.toLocaleString('en-GB')} products in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const config = readConfig({});
    const app = await buildServer({ db, config, queue: undefined, logger: false });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const sample = Array.from({ length: SAMPLE }, (_, i) => gtinFor(Math.floor((i * PRODUCTS) / SAMPLE)).padStart(14, '0'));
    const bodies = new Map<string, string>();
    for (const g of sample) {
      const r = await fetch(`${address}/api/v1/public/products/${g}`, { headers: { accept: 'application/json' } });
      if (r.status !== 200) throw new Error(`GET /api/v1/public/products/${g} answered ${r.status}`);
      bodies.set(g, await r.text());
    }
    const ours = await wrk(`${address}/api/v1/public/products/`, sample);
    await app.close();
    const nginx = await nginxFor(bodies);
    const peer = await wrk(nginx.url, sample);
    nginx.stop();
    console.log(`[${kind}] connectable: ${ours.rps.toFixed(0)} req/s, p50 ${ours.p50}, p99 ${ours.p99}, non-2xx ${ours.errors}`);
    console.log(`[${kind}] nginx static: ${peer.rps.toFixed(0)} req/s, p50 ${peer.p50}, p99 ${peer.p99}`);
    console.log(`[${kind}] ratio connectable/nginx: ${(ours.rps / peer.rps).toFixed(3)} (target ≥ 0.5, p99 < 25 ms at 100 connections)`);
  } finally {
    await db.close();
    await cleanup();
  }
}

try {
  if (which === 'pglite' || which === 'both') await run('pglite');
  if (which === 'postgres' || which === 'both') await run('postgres');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
