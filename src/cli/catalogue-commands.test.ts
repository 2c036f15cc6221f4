import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../accounts/index.ts';
import { readConfig } from '../config.ts';
import { main } from '../cli.ts';
import { checkDigitFor, createProduct, setSupportPeriod } from '../registry/index.ts';
import type { PlatformDatabase } from '../store/index.ts';
import { buildServer } from '../web/server.ts';
import { openTestDatabase } from '../../test/support/database.ts';

// The command against a real server on a real port, as a retailer's CI job would run it.

let db: PlatformDatabase;
let app: FastifyInstance;
let base: string;
let token: string;
let dir: string;

const gtin = (n: number): string => {
  const data = `506000300${String(n).padStart(3, '0')}`;
  return `${data}${checkDigitFor(data)}`;
};
const isoDaysFromNow = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

before(async () => {
  db = await openTestDatabase();
  const config = readConfig({});
  app = await buildServer({ db, config, queue: undefined, logger: false });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  config.publicUrl = base;
  const [org] = await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('volt-labs', 'Volt Labs', 'maker') RETURNING id`);
  const actor = { label: 'pm@volt.test', organisationId: org?.id ?? '' };
  const periods = [
    ['VL-1', 1, isoDaysFromNow(900)],
    ['VL-2', 2, isoDaysFromNow(20)],
    ['VL-3', 3, '2021-06-30'],
  ] as const;
  for (const [model, n, endDate] of periods) {
    const p = await createProduct(db, actor, { brand: 'Volt', name: `Hub ${n}`, modelNumber: model, category: 'hub', gtins: gtin(n) });
    await setSupportPeriod(db, actor, p.id, { endDate, publish: true });
  }
  token = (await createApiToken(db, { label: 'test', organisationId: actor.organisationId }, { name: 'ci', scopes: ['products.read'] })).secret;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-catalogue-'));
});
after(async () => {
  await app?.close();
  await db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function capture(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: { PATH: process.env['PATH'], ...env } }, out, err };
}

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}

const check = (args: string[], env: NodeJS.ProcessEnv = { CN_TOKEN: token }) => {
  const c = capture(env);
  return main(['catalogue', 'check', ...args, '--server', base, '--token-env', 'CN_TOKEN'], c.io).then((code) => ({ code, out: c.out.join('\n'), err: c.err.join('\n') }));
};

describe('connectable catalogue check', () => {
  test('prints the counts and the rows that need attention, and exits 1 when a row fails', async () => {
    const csv = file('range.csv', `sku,ean\nA,${gtin(1)}\nB,${gtin(2)}\nC,${gtin(3)}\nD,${gtin(4)}\nE,${gtin(1).slice(0, -1)}0\n`);
    const r = await check([csv]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /^Checked 5 rows of .*range\.csv on \d{4}-\d{2}-\d{2} \("ending soon": within 180 days\)\./);
    assert.match(r.out, /Published\s+1\n\s+Ending soon\s+1\n\s+Ended\s+1\n\s+Not found\s+1\n\s+Invalid GTIN\s+1\n\s+Unreadable\s+0/);
    assert.match(r.out, /line 3 {2}B {2}\d+ {2}Ending soon: This device will receive security updates until .* That is 20 days from now\./);
    assert.match(r.out, /line 4 {2}C {2}\d+ {2}Ended: Security updates for this device ended on 30 June 2021\./);
    assert.match(r.out, /line 6 {2}E {2}\d+ {2}Invalid GTIN: The check digit of \d+ should be \d, not 0/);
    assert.ok(!/line 2 /.test(r.out), 'a published row needs no attention');
  });

  test('exits 0 when every row is published or ending soon', async () => {
    const r = await check([file('ok.csv', `gtin\n${gtin(1)}\n${gtin(2)}\n`)]);
    assert.equal(r.code, 0, r.err);
    const wider = await check([file('ok2.csv', `gtin\n${gtin(1)}\n`), '--within-days', '1000']);
    assert.equal(wider.code, 0);
    assert.match(wider.out, /Ending soon\s+1/);
  });

  test('--format csv and json write the whole report, to --output when given', async () => {
    const csv = file('mixed.csv', `sku,gtin\nA,${gtin(1)}\nC,${gtin(3)}\n`);
    const asCsv = await check([csv, '--format', 'csv']);
    assert.equal(asCsv.code, 1);
    assert.equal(asCsv.out.split('\n')[0], 'line,reference,gtin,maker,model,status,end_date,days_left,product_url,message');
    assert.match(asCsv.out, new RegExp(`\\n3,C,${gtin(3)},Volt Labs,VL-3,ended,2021-06-30,-\\d+,http://127\\.0\\.0\\.1:\\d+/makers/volt-labs/products/volt-hub-3-vl-3,`));
    const target = path.join(dir, 'report.json');
    const asJson = await check([csv, '--json', '--output', target]);
    assert.equal(asJson.code, 1);
    assert.match(asJson.out, /Report written to .*report\.json\./);
    const report = JSON.parse(fs.readFileSync(target, 'utf8')) as { summary: { rows: number; byStatus: Record<string, number> } };
    assert.deepEqual([report.summary.rows, report.summary.byStatus['ended']], [2, 1]);
  });

  test('a JSON file of rows is sent as JSON', async () => {
    const r = await check([file('rows.json', JSON.stringify({ rows: [{ maker: 'volt-labs', model: 'vl-1' }] })), '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { entries: { status: string }[] }).entries[0]?.status, 'published');
  });

  test('without a token the server refuses and the command says how to give one (exit 2)', async () => {
    const c = capture({});
    const code = await main(['catalogue', 'check', file('t.csv', `gtin\n${gtin(1)}\n`), '--server', base], c.io);
    assert.equal(code, 2);
    assert.match(c.err.join('\n'), /refused the check \(401\).*--token-env/s);
    const unset = await check([file('t2.csv', `gtin\n${gtin(1)}\n`)], {});
    assert.equal(unset.code, 2);
    assert.match(unset.err, /CN_TOKEN \(from --token-env\) is not set/);
  });

  test('a server that cannot be reached is named in the error (exit 2)', async () => {
    // A port that was free a moment ago: nothing listens there now.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const address = s.address();
        s.close(() => resolve(typeof address === 'object' && address ? address.port : 9));
      });
    });
    const c = capture({ CN_TOKEN: token });
    const code = await main(['catalogue', 'check', file('u.csv', `gtin\n${gtin(1)}\n`), '--server', `http://127.0.0.1:${port}`, '--token-env', 'CN_TOKEN'], c.io);
    assert.equal(code, 2);
    assert.match(c.err.join('\n'), new RegExp(`Could not reach http://127\\.0\\.0\\.1:${port}/api/v1/catalogue/check \\(ECONNREFUSED\\)`));
  });

  test('usage mistakes exit 2 with the reason', async () => {
    const missing = await check([path.join(dir, 'nope.csv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no such file/);
    const days = await check([file('d.csv', 'gtin\n'), '--within-days', 'soon']);
    assert.equal(days.code, 2);
    assert.match(days.err, /--within-days takes a whole number from 0 to 3650/);
    const noServer = capture();
    assert.equal(await main(['catalogue', 'check', file('s.csv', 'gtin\n')], noServer.io), 2);
    assert.match(noServer.err.join('\n'), /--server URL/);
    const columns = await check([file('c.csv', 'title,price\nLamp,1\n')]);
    assert.equal(columns.code, 2);
    assert.match(columns.err, /Columns found: title, price/);
    const help = capture();
    assert.equal(await main(['catalogue', 'check', '--help'], help.io), 0);
    assert.match(help.out.join('\n'), /connectable catalogue check FILE --server URL/);
  });
});
