import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createApiToken } from '../../../accounts/index.ts';
import { checkDigitFor, createProduct, setSupportPeriod } from '../../../registry/index.ts';
import type { CatalogueResult } from '../../../registry/index.ts';
import type { Client } from '../../../../test/support/client.ts';
import { ownerOf, startTestPlatform, type TestPlatform } from '../../../../test/support/platform.ts';

let platform: TestPlatform;
let owner: Client;
let readToken: string;
let membersToken: string;

const gtin13 = (prefix: string, n: number): string => {
  const data = `${prefix}${String(n).padStart(12 - prefix.length, '0')}`;
  return `${data}${checkDigitFor(data)}`;
};
const isoDaysFromNow = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const LONG = gtin13('5060001', 1);
const ENDED = gtin13('5060001', 2);
const UNKNOWN = gtin13('5060001', 3);

before(async () => {
  platform = await startTestPlatform();
  const acme = await ownerOf(platform, 'Acme Widgets', 'owner@acme.test');
  owner = acme.client;
  const actor = { label: 'owner@acme.test', organisationId: acme.organisationId };
  const long = await createProduct(platform.db, actor, { brand: 'Acme', name: 'Camera', modelNumber: 'AC-1', category: 'camera', gtins: LONG });
  await setSupportPeriod(platform.db, actor, long.id, { endDate: isoDaysFromNow(1000), publish: true });
  const ended = await createProduct(platform.db, actor, { brand: 'Acme', name: 'Old Camera', modelNumber: 'AC-0', category: 'camera', gtins: ENDED });
  await setSupportPeriod(platform.db, actor, ended.id, { endDate: '2020-01-31', publish: true });
  // A retailer organisation reads the catalogue with its own token: nothing here is org data.
  const retailer = await ownerOf(platform, 'Shop Chain plc', 'owner@shop.test');
  readToken = (await createApiToken(platform.db, { label: 'test', organisationId: retailer.organisationId }, { name: 'range check', scopes: ['products.read'] })).secret;
  membersToken = (await createApiToken(platform.db, { label: 'test', organisationId: retailer.organisationId }, { name: 'people', scopes: ['members.read'] })).secret;
});
after(async () => platform?.close());

const CSV = `sku,gtin\nS-1,${LONG}\nS-2,${ENDED}\nS-3,${UNKNOWN}\nS-4,5060001000045\n`;

function post(body: string | Buffer, headers: Record<string, string>, url = '/api/v1/catalogue/check') {
  return platform.app.inject({ method: 'POST', url, payload: body, headers });
}
const bearer = (token = readToken) => ({ authorization: `Bearer ${token}` });

describe('POST /api/v1/catalogue/check', () => {
  test('a CSV body with a products.read token gives a JSON report', async () => {
    const response = await post(CSV, { ...bearer(), 'content-type': 'text/csv' });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(response.headers['cache-control'], 'no-store');
    const result = response.json() as CatalogueResult;
    assert.deepEqual(result.entries.map((e) => [e.line, e.input.reference, e.status]), [
      [2, 'S-1', 'published'],
      [3, 'S-2', 'ended'],
      [4, 'S-3', 'not-found'],
      [5, 'S-4', 'invalid-gtin'],
    ]);
    assert.equal(result.withinDays, 180);
    assert.equal(result.entries[0]?.productUrl, 'http://connectable.test/makers/acme-widgets/products/acme-camera-ac-1');
    assert.match(result.entries[3]?.message ?? '', /should be \d, not 5/);
  });

  test('?format=csv, or an Accept header asking for CSV, gives one CSV line a row', async () => {
    for (const [url, accept] of [
      ['/api/v1/catalogue/check?format=csv', 'application/json'],
      ['/api/v1/catalogue/check', 'text/csv'],
    ] as const) {
      const response = await post(CSV, { ...bearer(), 'content-type': 'text/csv', accept }, url);
      assert.equal(response.statusCode, 200, response.body);
      assert.match(String(response.headers['content-type']), /^text\/csv/);
      assert.match(String(response.headers['content-disposition']), /attachment; filename="catalogue-check-\d{4}-\d{2}-\d{2}\.csv"/);
      const lines = response.body.trimEnd().split('\n');
      assert.equal(lines[0], 'line,reference,gtin,maker,model,status,end_date,days_left,product_url,message');
      assert.equal(lines.length, 5);
      assert.match(lines[2] ?? '', new RegExp(`^3,S-2,${ENDED},Acme Widgets,AC-0,ended,2020-01-31,-\\d+,http`));
    }
  });

  test('a JSON list of GTINs or maker and model pairs is checked with its own window', async () => {
    const response = await post(
      JSON.stringify({ rows: [{ gtin: LONG, sku: 'J-1' }, { maker: 'Acme Widgets', model: 'ac-0' }, { maker: 'acme-widgets', model: 'nope' }], withinDays: 2000 }),
      { ...bearer(), 'content-type': 'application/json' },
    );
    assert.equal(response.statusCode, 200, response.body);
    const result = response.json() as CatalogueResult;
    assert.equal(result.withinDays, 2000);
    assert.deepEqual(result.entries.map((e) => [e.line, e.input.reference ?? null, e.status]), [
      [1, 'J-1', 'ending-soon'],
      [2, null, 'ended'],
      [3, null, 'not-found'],
    ]);
  });

  test('?withinDays moves the ending-soon window', async () => {
    const response = await post(`gtin\n${LONG}\n`, { ...bearer(), 'content-type': 'text/csv' }, '/api/v1/catalogue/check?withinDays=1000');
    assert.equal((response.json() as CatalogueResult).entries[0]?.status, 'ending-soon');
    const bad = await post(`gtin\n${LONG}\n`, { ...bearer(), 'content-type': 'text/csv' }, '/api/v1/catalogue/check?withinDays=soon');
    assert.equal(bad.statusCode, 400);
    assert.match((bad.json() as { detail: string }).detail, /whole number of days from 0 to 3650/);
  });

  test('a signed-in person may use it too, with the form token in a header', async () => {
    await owner.get('/console');
    const cookie = [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await post(CSV, { cookie, 'x-csrf-token': owner.csrf, 'content-type': 'text/csv' });
    assert.equal(response.statusCode, 200, response.body);
    const refused = await post(CSV, { cookie, 'content-type': 'text/csv' });
    assert.equal(refused.statusCode, 403, 'a session without the form token is refused');
  });

  test('nobody without a token or a session gets 401; a token without products.read gets 403', async () => {
    const anonymous = await post(CSV, { 'content-type': 'text/csv' });
    assert.equal(anonymous.statusCode, 401);
    assert.equal((anonymous.json() as { code: string }).code, 'CONNECTABLE_ERR_UNAUTHENTICATED');
    const scoped = await post(CSV, { ...bearer(membersToken), 'content-type': 'text/csv' });
    assert.equal(scoped.statusCode, 403);
    assert.match((scoped.json() as { detail: string }).detail, /products\.read/);
  });

  test('what is not a catalogue is refused with a reason: too large, binary, no usable column, other media types', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024 + 1, 0x41);
    const tooLarge = await post(big, { ...bearer(), 'content-type': 'text/csv' });
    assert.equal(tooLarge.statusCode, 400);
    assert.match((tooLarge.json() as { detail: string }).detail, /larger than 20 MB/);
    const xlsx = await post(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(64)]), { ...bearer(), 'content-type': 'text/csv' });
    assert.equal(xlsx.statusCode, 400);
    assert.match((xlsx.json() as { detail: string }).detail, /spreadsheet/);
    const columns = await post('name,price\nLamp,10\n', { ...bearer(), 'content-type': 'text/csv' });
    assert.equal(columns.statusCode, 400);
    assert.match((columns.json() as { detail: string }).detail, /Columns found: name, price/);
    const xml = await post('<rows/>', { ...bearer(), 'content-type': 'application/xml' });
    assert.equal(xml.statusCode, 400);
    assert.match((xml.json() as { detail: string }).detail, /text\/csv/);
    const tooMany = await post(JSON.stringify({ rows: Array.from({ length: 100_001 }, () => ({ gtin: LONG })) }), { ...bearer(), 'content-type': 'application/json' });
    assert.equal(tooMany.statusCode, 400);
    assert.match((tooMany.json() as { detail: string }).detail, /more than 100,000 rows/);
  });
});

describe('a catalogue of 100,000 rows', () => {
  test('is checked in one request, every row counted', async (t) => {
    const [org] = await platform.db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('scale-maker', 'Scale Maker', 'maker') RETURNING id`);
    // 300 published products, written in bulk: 200 far off, 50 ending soon, 50 ended.
    const products = await platform.db.query<{ id: string; n: number }>(
      `INSERT INTO products (organisation_id, slug, brand, name, model_number, category)
       SELECT $1, 'thing-' || i, 'Scale', 'Thing ' || i, 'SC-' || i, 'camera' FROM generate_series(1, 300) AS i RETURNING id, substr(model_number, 4)::int AS n`,
      [org?.id],
    );
    const known = products.map((p) => gtin13('4999999', p.n));
    await platform.db.query('INSERT INTO product_gtins (gtin, product_id) SELECT g, p FROM unnest($1::text[], $2::uuid[]) AS x (g, p)', [known.map((g) => `0${g}`), products.map((p) => p.id)]);
    const endOf = (n: number): string => isoDaysFromNow(n <= 200 ? 1000 : n <= 250 ? 30 : -30);
    await platform.db.query(
      'INSERT INTO support_periods (product_id, end_date, published_at) SELECT p, e::date, now() FROM unnest($1::uuid[], $2::text[]) AS x (p, e)',
      [products.map((p) => p.id), products.map((p) => endOf(p.n))],
    );
    const lines = ['sku,gtin'];
    for (let i = 0; i < 100_000; i++) {
      if (i % 333 === 0 && known.length) {
        lines.push(`K-${i},${known.pop()}`);
        continue;
      }
      // Random GTIN-13s outside the prefix of the published ones.
      let data = '';
      do data = String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
      while (data.startsWith('4999999'));
      lines.push(`R-${i},${data}${checkDigitFor(data)}`);
    }
    assert.equal(known.length, 0, 'every published GTIN is in the file');
    const started = performance.now();
    const response = await post(`${lines.join('\n')}\n`, { ...bearer(), 'content-type': 'text/csv' });
    const elapsed = performance.now() - started;
    assert.equal(response.statusCode, 200, response.body.slice(0, 500));
    const result = response.json() as CatalogueResult;
    assert.deepEqual(result.summary, {
      rows: 100_000,
      byStatus: { published: 200, 'ending-soon': 50, ended: 50, 'not-found': 99_700, 'invalid-gtin': 0, unreadable: 0 },
    });
    t.diagnostic(`100,000 rows on ${process.env['DATABASE_URL'] ? 'PostgreSQL' : 'PGlite'}: ${Math.round(elapsed)} ms`);
  });
});
