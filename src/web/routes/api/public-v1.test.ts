import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readConfig } from '../../../config.ts';
import { checkDigitFor, createProduct, setSupportPeriod, type Product } from '../../../registry/index.ts';
import { ownerOf, startTestPlatform, type TestPlatform } from '../../../../test/support/platform.ts';
import { CSV_COLUMNS, etagMatches, exportChunks, type PublicProductV1 } from './public-v1.ts';

let platform: TestPlatform;
let camera: Product;
let draft: Product;
let ended: Product;

const withCheckDigit = (data: string): string => `${data}${checkDigitFor(data)}`;
const get = (url: string, headers: Record<string, string> = {}) => platform.app.inject({ method: 'GET', url, headers: { accept: 'application/json', ...headers } });

before(async () => {
  platform = await startTestPlatform();
  const { organisationId } = await ownerOf(platform, 'Acme Widgets', 'owner@acme.test');
  const actor = { label: 'owner@acme.test', organisationId };
  camera = await createProduct(platform.db, actor, { brand: 'Acme', name: 'Acme Camera', modelNumber: 'ACME-CAM-1', category: 'camera', gtins: ['4012345000016', withCheckDigit('01234567890'), withCheckDigit('9638507')] });
  await setSupportPeriod(platform.db, actor, camera.id, { endDate: '2030-03-31', publish: true });
  ended = await createProduct(platform.db, actor, { brand: 'Acme', name: 'Old "Plug", v1', modelNumber: 'ACME-PLUG-0', category: 'smart-plug', gtins: withCheckDigit('401234500002') });
  await setSupportPeriod(platform.db, actor, ended.id, { endDate: '2020-06-30', atLeast: true, publish: true });
  draft = await createProduct(platform.db, actor, { brand: 'Acme', name: 'Acme Secret', modelNumber: 'ACME-SECRET-MODEL', category: 'camera', gtins: withCheckDigit('401234500003') });
  await setSupportPeriod(platform.db, actor, draft.id, { endDate: '2029-01-31', publish: false });
  const other = await ownerOf(platform, 'Bravo Devices', 'owner@bravo.test');
  await createProduct(platform.db, { label: 'owner@bravo.test', organisationId: other.organisationId }, { brand: 'Bravo', name: 'Bravo Plug', modelNumber: 'BRAVO-1', category: 'smart-plug', gtins: '' });
});
after(async () => platform.close());

describe('the public read API', () => {
  test('gives a product by any of its GTINs, in GTIN-8 to GTIN-14 form, with documented fields and no internal ids', async () => {
    const r = await get('/api/v1/public/products/4012345000016');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const body = r.json() as PublicProductV1;
    assert.deepEqual(body, {
      maker: { name: 'Acme Widgets', slug: 'acme-widgets', securityContactUrl: body.maker.securityContactUrl },
      brand: 'Acme',
      name: 'Acme Camera',
      modelNumber: 'ACME-CAM-1',
      category: 'camera',
      categoryLabel: 'Security camera or doorbell',
      excepted: null,
      gtins: [...camera.gtins].sort(),
      supportPeriod: {
        endDate: '2030-03-31',
        atLeast: false,
        status: 'active',
        publishedAt: body.supportPeriod.publishedAt,
        statement: 'This device will receive security updates until 31 March 2030.',
      },
      productUrl: `http://connectable.test/makers/acme-widgets/products/${camera.slug}`,
    });
    assert.ok(!Number.isNaN(Date.parse(body.supportPeriod.publishedAt)));
    assert.ok(!r.body.includes(camera.id), 'no internal ids');
    for (const form of ['04012345000016', '4012345000016', '4012345-000016', withCheckDigit('01234567890'), withCheckDigit('9638507'), `000000${withCheckDigit('9638507')}`]) {
      const byForm = await get(`/api/v1/public/products/${form}`);
      assert.equal(byForm.statusCode, 200, form);
      assert.equal((byForm.json() as PublicProductV1).modelNumber, 'ACME-CAM-1', form);
    }
  });

  test('says when support has ended, and says "at least" when promised', async () => {
    const body = (await get(`/api/v1/public/products/${ended.gtins[0]}`)).json() as PublicProductV1;
    assert.equal(body.supportPeriod.status, 'ended');
    assert.equal(body.supportPeriod.atLeast, true);
    assert.equal(body.supportPeriod.endDate, '2020-06-30');
  });

  test('refuses a GTIN with a wrong check digit with a problem that names the right digit', async () => {
    const r = await get('/api/v1/public/products/4012345000017');
    assert.equal(r.statusCode, 400);
    assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
    const problem = r.json() as { code: string; status: number; detail: string };
    assert.equal(problem.code, 'CONNECTABLE_ERR_INVALID_INPUT');
    assert.equal(problem.status, 400);
    assert.match(problem.detail, /should be 6, not 7/);
    assert.equal(r.headers['access-control-allow-origin'], '*', 'a script on a shop can read the error');
    for (const bad of ['123', '12345678901', 'not-a-gtin']) assert.equal((await get(`/api/v1/public/products/${bad}`)).statusCode, 400, bad);
  });

  test('answers 404 with a problem for an unknown GTIN, and for a product whose period is a draft', async () => {
    for (const gtin of [withCheckDigit('999999999999'), draft.gtins[0] ?? '']) {
      const r = await get(`/api/v1/public/products/${gtin}`);
      assert.equal(r.statusCode, 404, gtin);
      assert.equal((r.json() as { code: string }).code, 'CONNECTABLE_ERR_NOT_FOUND');
      assert.ok(!r.body.includes('Secret'));
    }
  });

  test("lists a maker's published products only, and a product by maker and model number", async () => {
    const list = await get('/api/v1/public/makers/acme-widgets/products');
    assert.equal(list.statusCode, 200);
    const body = list.json() as { maker: { slug: string }; products: PublicProductV1[] };
    assert.equal(body.maker.slug, 'acme-widgets');
    assert.deepEqual(body.products.map((p) => p.modelNumber), ['ACME-CAM-1', 'ACME-PLUG-0']);
    assert.ok(!list.body.includes('ACME-SECRET-MODEL'));

    const byModel = await get('/api/v1/public/makers/acme-widgets/products/acme-cam-1');
    assert.equal(byModel.statusCode, 200);
    assert.equal((byModel.json() as PublicProductV1).modelNumber, 'ACME-CAM-1');
    assert.equal((await get('/api/v1/public/makers/acme-widgets/products/ACME-SECRET-MODEL')).statusCode, 404);
    assert.equal((await get('/api/v1/public/makers/bravo-devices/products/BRAVO-1')).statusCode, 404);
    // Bravo has published nothing: as far as the public knows, there is no such maker.
    assert.equal((await get('/api/v1/public/makers/bravo-devices/products')).statusCode, 404);
    assert.equal((await get('/api/v1/public/makers/nobody/products')).statusCode, 404);
  });

  test('lets any origin read, any cache keep it for 5 minutes, and answers a CORS preflight', async () => {
    const r = await get('/api/v1/public/products/4012345000016', { origin: 'https://shop.example' });
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['cache-control'], 'public, max-age=300, stale-while-revalidate=86400');
    assert.equal(r.headers['cross-origin-resource-policy'], 'cross-origin');
    const preflight = await platform.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/public/products/4012345000016',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' },
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    assert.match(String(preflight.headers['access-control-allow-methods']), /\bGET\b/);
    assert.match(String(preflight.headers['access-control-allow-headers']), /If-None-Match/i);
    const refused = await get('/api/v1/public/products/4012345000016', { authorization: 'Bearer cnt_not-a-token' });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['access-control-allow-origin'], '*');
    assert.equal(refused.headers['cache-control'], 'no-store', 'an answer about one caller is never shared');
    for (const url of ['/api/v1/public/makers/acme-widgets/products', '/api/v1/public/export.csv', '/api/openapi.json']) {
      assert.equal((await get(url)).headers['access-control-allow-origin'], '*', url);
    }
  });

  test('sends a strong ETag that is the hash of the body, and 304 without a body when it still matches', async () => {
    const url = '/api/v1/public/products/4012345000016';
    const first = await get(url);
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[A-Za-z0-9_-]{43}"$/, 'strong: no W/ prefix');
    assert.equal((await get(url)).headers.etag, etag, 'the same body, the same tag');
    const again = await get(url, { 'if-none-match': etag });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);
    assert.equal(again.headers['access-control-allow-origin'], '*');
    assert.equal((await get(url, { 'if-none-match': `"other", W/${etag}` })).statusCode, 304, 'If-None-Match compares weakly');
    assert.equal((await get(url, { 'if-none-match': '"stale"' })).statusCode, 200);
    assert.notEqual((await get(`/api/v1/public/products/${ended.gtins[0]}`)).headers.etag, etag);
    const missing = await get(`/api/v1/public/products/${withCheckDigit('999999999999')}`, { 'if-none-match': '*' });
    assert.equal(missing.statusCode, 404, 'preconditions never turn an error into 304');
  });

  test('exports every published product as CSV, without drafts or unpublished products', async () => {
    const r = await get('/api/v1/public/export.csv');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/csv/);
    const lines = r.body.trimEnd().split('\n');
    assert.equal(lines[0], CSV_COLUMNS.join(','));
    assert.equal(lines[0], 'maker,maker_slug,brand,name,model_number,category,gtins,end_date,at_least,published_at,status,product_url');
    assert.equal(lines.length, 3);
    const cameraLine = lines.find((l) => l.includes('ACME-CAM-1')) ?? '';
    assert.match(cameraLine, new RegExp(`^Acme Widgets,acme-widgets,Acme,Acme Camera,ACME-CAM-1,camera,${[...camera.gtins].sort().join(' ')},2030-03-31,false,\\d{4}-\\d\\d-\\d\\dT[^,]+,active,http://connectable\\.test/makers/acme-widgets/products/${camera.slug}$`));
    assert.match(r.body, /,"Old ""Plug"", v1",ACME-PLUG-0,smart-plug,\d{14},2020-06-30,true,[^,]+,ended,/, 'RFC 4180 quoting');
    for (const hidden of ['ACME-SECRET-MODEL', 'BRAVO-1']) assert.ok(!r.body.includes(hidden), hidden);
  });

  test('joins the pages of an export into one document, however small the pages', async () => {
    const joined = async (format: 'json' | 'csv', pageSize: number): Promise<string> => {
      let text = '';
      for await (const chunk of exportChunks({ db: platform.db, config: readConfig({ PUBLIC_URL: 'http://connectable.test' }), csrfKey: '', proofOfWorkKey: '', queue: undefined }, format, pageSize)) text += chunk;
      return text;
    };
    for (const format of ['json', 'csv'] as const) {
      const whole = await joined(format, 1000);
      assert.equal(await joined(format, 1), whole, format);
      assert.equal((await get(`/api/v1/public/export.${format}`)).body, whole, format);
    }
    assert.equal((JSON.parse(await joined('json', 1)) as { products: unknown[] }).products.length, 2);
  });

  test('exports the same as JSON, with an ETag, a 304 and a new tag once something is published', async () => {
    const r = await get('/api/v1/public/export.json');
    assert.equal(r.statusCode, 200);
    const body = r.json() as { products: PublicProductV1[] };
    assert.deepEqual(body.products.map((p) => p.modelNumber).sort(), ['ACME-CAM-1', 'ACME-PLUG-0']);
    assert.deepEqual(body.products.find((p) => p.modelNumber === 'ACME-CAM-1'), (await get('/api/v1/public/products/4012345000016')).json());
    assert.ok(!r.body.includes('ACME-SECRET-MODEL'));
    const etag = String(r.headers.etag);
    assert.match(etag, /^"[A-Za-z0-9_-]{43}"$/);
    assert.equal((await get('/api/v1/public/export.json', { 'if-none-match': etag })).statusCode, 304);

    const rows = await platform.db.query<{ organisation_id: string }>('SELECT organisation_id FROM products WHERE id = $1', [draft.id]);
    await setSupportPeriod(platform.db, { label: 'owner@acme.test', organisationId: rows[0]?.organisation_id ?? '' }, draft.id, { endDate: '2029-01-31', publish: true });
    const after = await get('/api/v1/public/export.json', { 'if-none-match': etag });
    assert.equal(after.statusCode, 200);
    assert.notEqual(after.headers.etag, etag);
    assert.equal((after.json() as { products: unknown[] }).products.length, 3);
  });

  test('reads If-None-Match as RFC 9110 says', () => {
    assert.equal(etagMatches(undefined, '"a"'), false);
    assert.equal(etagMatches('"a"', '"a"'), true);
    assert.equal(etagMatches('W/"a"', '"a"'), true);
    assert.equal(etagMatches('"b", "a"', '"a"'), true);
    assert.equal(etagMatches('*', '"a"'), true);
    assert.equal(etagMatches('"b"', '"a"'), false);
  });
});
