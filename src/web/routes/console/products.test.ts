import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createApiToken } from '../../../accounts/index.ts';
import type { Client } from '../../../../test/support/client.ts';
import { memberOf, ownerOf, startTestPlatform, type TestPlatform } from '../../../../test/support/platform.ts';

let platform: TestPlatform;
let owner: Client;
let organisationId: string;

before(async () => {
  platform = await startTestPlatform();
  ({ client: owner, organisationId } = await ownerOf(platform, 'Console Makers', 'owner@console-makers.test'));
});
after(async () => platform.close());

const productId = async (model: string): Promise<string> =>
  (await platform.db.query<{ id: string }>('SELECT id FROM products WHERE model_number = $1', [model]))[0]?.id ?? '';

describe('a maker manages products in the console', () => {
  test('adds a product, publishes its period, and cannot shorten it', async () => {
    const created = await owner.submit('/console/products/new', '/console/products', {
      brand: 'Console',
      name: 'Doorbell',
      modelNumber: 'CM-DB1',
      category: 'camera',
      gtins: '4006381333931',
      markets: 'gb, eu',
    });
    assert.equal(created.statusCode, 303);
    const id = await productId('CM-DB1');
    const page = await owner.get(`/console/products/${id}`);
    assert.match(page.body, /No support period yet/);
    const published = await owner.post(`/console/products/${id}/support-period`, { endDate: '2030-03-31', publish: 'on' });
    assert.equal(published.statusCode, 303);
    const after = await owner.get(`/console/products/${id}`);
    assert.match(after.body, /Published: until 31 March 2030/);
    assert.match(after.body, /Extend the support period/);
    const shorter = await owner.post(`/console/products/${id}/support-period`, { endDate: '2029-12-31' });
    assert.equal(shorter.statusCode, 409);
    assert.match(shorter.body, /can be extended but never shortened/);
    assert.match(shorter.body, /Choose 2030-03-31 or a later date/);
    const log = await platform.db.query<{ action: string }>(`SELECT action FROM audit_events WHERE organisation_id = $1 ORDER BY id`, [organisationId]);
    assert.ok(log.some((e) => e.action === 'support_period.published'));
  });

  test('a bad form keeps what was typed and names each problem', async () => {
    const r = await owner.submit('/console/products/new', '/console/products', { brand: '', name: 'X', modelNumber: 'CM-X', category: 'toaster', gtins: '4006381333932' });
    assert.equal(r.statusCode, 400);
    assert.match(r.body, /Enter the brand shown on the box/);
    assert.match(r.body, /Choose a category from the list/);
    assert.match(r.body, /should be 1, not 2/);
    assert.match(r.body, /value="CM-X"/);
    assert.equal(await productId('CM-X'), '');
  });

  test('a viewer sees products but gets no forms, and may not post', async () => {
    const viewer = await memberOf(platform, organisationId, 'viewer', 'viewer@console-makers.test');
    const list = await viewer.get('/console/products');
    assert.doesNotMatch(list.body, /Add a product/);
    const id = await productId('CM-DB1');
    const page = await viewer.get(`/console/products/${id}`);
    assert.doesNotMatch(page.body, /<form method="post" action="\/console\/products\//);
    assert.equal((await viewer.post(`/console/products/${id}/support-period`, { endDate: '2040-01-01' })).statusCode, 403);
  });

  test('the product list exports as CSV and imports back, row by row', async () => {
    const exported = await owner.get('/console/products/export.csv');
    assert.equal(exported.headers['content-type'], 'text/csv; charset=utf-8');
    assert.match(exported.body, /^brand,name,model_number,category,gtins,markets/);
    assert.match(exported.body, /Console,Doorbell,CM-DB1,camera,04006381333931,GB EU,,,2030-03-31,false,yes/);
    await owner.get('/console/products');
    const csv = `brand,name,model_number,category,gtins,support_end_date,support_published
Console,Doorbell,CM-DB1,camera,4006381333931,2031-03-31,yes
Console,Plug,CM-PL1,smart-plug,,2029-01-31,no
Console,Broken,CM-BR1,toaster,,,
Console,Doorbell,CM-DB1,camera,4006381333931,2020-01-01,yes
`;
    const r = await owner.post('/console/products/import', { csv });
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /2 rows saved, 2 rejected/);
    assert.match(r.body, /Choose a category from the list/);
    assert.match(r.body, /never shortened/);
    assert.equal(await productId('CM-BR1'), '', 'the bad row saved nothing');
    const period = await platform.db.query<{ end_date: string }>(`SELECT to_char(end_date, 'YYYY-MM-DD') AS end_date FROM support_periods WHERE product_id = $1`, [await productId('CM-DB1')]);
    assert.equal(period[0]?.end_date, '2031-03-31', 'extended by the import, and not shortened by the later row');
  });
});

describe('the products API', () => {
  test('a token with products.write creates a product and publishes its period; shortening is a 409 problem', async () => {
    const { secret } = await createApiToken(platform.db, { label: 'test', organisationId }, { name: 'pim', scopes: ['products.read', 'products.write'] });
    const auth = { authorization: `Bearer ${secret}` };
    const created = await platform.app.inject({ method: 'POST', url: '/api/v1/products', headers: auth, payload: { brand: 'Api', name: 'Hub', modelNumber: 'API-1', category: 'hub', gtins: ['96385074'] } });
    assert.equal(created.statusCode, 201);
    const body = created.json() as { id: string; gtins: string[]; supportPeriod: null };
    assert.deepEqual(body.gtins, ['00000096385074']);
    assert.equal(created.headers.location, `/api/v1/products/${body.id}`);
    const period = await platform.app.inject({ method: 'PUT', url: `/api/v1/products/${body.id}/support-period`, headers: auth, payload: { endDate: '2032-01-31', publish: true } });
    assert.equal(period.statusCode, 200);
    const shorter = await platform.app.inject({ method: 'PUT', url: `/api/v1/products/${body.id}/support-period`, headers: auth, payload: { endDate: '2031-01-31' } });
    assert.equal(shorter.statusCode, 409);
    const problem = shorter.json() as { code: string; lawId: string; detail: string };
    assert.equal(problem.code, 'CONNECTABLE_ERR_SUPPORT_PERIOD_SHORTENED');
    assert.equal(problem.lawId, 'psti.s1.3.4');
    const read = await createApiToken(platform.db, { label: 'test', organisationId }, { name: 'ro', scopes: ['products.read'] });
    const denied = await platform.app.inject({ method: 'POST', url: '/api/v1/products', headers: { authorization: `Bearer ${read.secret}` }, payload: { brand: 'x' } });
    assert.equal(denied.statusCode, 403);
  });

  test('CSV import through the API reports each row', async () => {
    const { secret } = await createApiToken(platform.db, { label: 'test', organisationId }, { name: 'pim2', scopes: ['products.write'] });
    const r = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/products/import',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'text/csv' },
      payload: 'brand,name,model_number,category\nApi,Cam,API-CAM,camera\nApi,Bad,API-BAD,kettle\n',
    });
    assert.equal(r.statusCode, 200);
    const body = r.json() as { saved: number; rejected: number; results: { line: number; outcome: string }[] };
    assert.equal(body.saved, 1);
    assert.equal(body.rejected, 1);
    assert.deepEqual(body.results.map((x) => [x.line, x.outcome]), [[2, 'created'], [3, 'rejected']]);
  });
});
