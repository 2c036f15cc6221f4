import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkDigitFor, createProduct, setSupportPeriod } from '../../../registry/index.ts';
import { ownerOf, startTestPlatform, type TestPlatform } from '../../../../test/support/platform.ts';
import { acceptQuality } from './digital-link.ts';

let platform: TestPlatform;
let gtin13: string;
let gtin14: string;
let page: string;
let draftGtin14: string;

const withCheckDigit = (data: string): string => `${data}${checkDigitFor(data)}`;
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const get = (url: string, accept?: string) => platform.app.inject({ method: 'GET', url, headers: accept === undefined ? {} : { accept } });

interface ResolverJson {
  gtin: string;
  batch: string | null;
  serial: string | null;
  product: Record<string, unknown> & { modelNumber: string; supportPeriod: { statement: string } };
  links: { linkType: string; href: string; type: string }[];
}
type Linkset = { linkset: Record<string, unknown>[] };

before(async () => {
  platform = await startTestPlatform();
  const { organisationId } = await ownerOf(platform, 'Kestrel Home', 'owner@kestrel.test');
  const actor = { label: 'owner@kestrel.test', organisationId };
  gtin13 = withCheckDigit('501234500001');
  gtin14 = `0${gtin13}`;
  const p = await createProduct(platform.db, actor, { brand: 'Kestrel', name: 'Smart Plug', modelNumber: 'KP-100', category: 'smart-plug', gtins: gtin13 });
  await setSupportPeriod(platform.db, actor, p.id, { endDate: '2030-03-31', publish: true });
  page = `/makers/kestrel-home/products/${p.slug}`;
  draftGtin14 = `0${withCheckDigit('501234500002')}`;
  const draft = await createProduct(platform.db, actor, { brand: 'Kestrel', name: 'Hub', modelNumber: 'KH-DRAFT', category: 'hub', gtins: draftGtin14 });
  await setSupportPeriod(platform.db, actor, draft.id, { endDate: '2030-03-31' });
});
after(async () => platform.close());

describe('GS1 Digital Link: checking the GTIN', () => {
  test('a GTIN with a wrong check digit is refused with the digit it should have', async () => {
    const expected = checkDigitFor(gtin14.slice(0, -1));
    const wrong = `${gtin14.slice(0, -1)}${(expected + 1) % 10}`;
    const api = await get(`/01/${wrong}`, 'application/json');
    assert.equal(api.statusCode, 400);
    assert.equal(api.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.match((api.json() as { detail: string }).detail, new RegExp(`check digit of ${wrong} should be ${expected}, not ${(expected + 1) % 10}`));
    const person = await get(`/01/${wrong}`, BROWSER);
    assert.equal(person.statusCode, 400);
    assert.match(person.body, new RegExp(`should be ${expected}`));
  });

  test('a GTIN written in 13 digits is sent, permanently, to its 14-digit address with the query kept', async () => {
    const r = await get(`/01/${gtin13}?linkType=gs1:support`, BROWSER);
    assert.equal(r.statusCode, 301);
    assert.equal(r.headers.location, `/01/${gtin14}?linkType=gs1:support`);
    const batch = await get(`/01/${gtin13}/10/LOT7/21/SN9`, BROWSER);
    assert.equal(batch.statusCode, 301);
    assert.equal(batch.headers.location, `/01/${gtin14}/10/LOT7/21/SN9`);
  });

  test('an unknown GTIN, or one whose period is not published, is not found: a page for people, a problem for programs', async () => {
    for (const gtin of [`0${withCheckDigit('501234599999')}`, draftGtin14]) {
      const person = await get(`/01/${gtin}`, BROWSER);
      assert.equal(person.statusCode, 404, gtin);
      assert.match(person.headers['content-type'] ?? '', /text\/html/);
      assert.doesNotMatch(person.body, /KH-DRAFT/);
      const program = await get(`/01/${gtin}`, 'application/json');
      assert.equal(program.statusCode, 404);
      assert.equal((program.json() as { code: string }).code, 'CONNECTABLE_ERR_NOT_FOUND');
    }
  });

  test('a batch or serial outside GS1\'s character set is refused', async () => {
    const r = await get(`/01/${gtin14}/10/${'x'.repeat(21)}`, 'application/json');
    assert.equal(r.statusCode, 400);
    assert.match((r.json() as { detail: string }).detail, /AI 10/);
  });
});

describe('GS1 Digital Link: answering by Accept', () => {
  test('a browser is sent on to the product page', async () => {
    for (const accept of [BROWSER, undefined, '*/*']) {
      const r = await get(`/01/${gtin14}`, accept);
      assert.equal(r.statusCode, 307, String(accept));
      assert.equal(r.headers.location, page);
    }
  });

  test('a program asking for JSON gets the product, its period and its links', async () => {
    const r = await get(`/01/${gtin14}/10/LOT7/21/SN9`, 'application/json');
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] ?? '', /^application\/json/);
    assert.equal(r.headers.vary, 'Accept');
    assert.equal(r.headers['cache-control'], 'public, max-age=300');
    const body = r.json() as ResolverJson;
    assert.equal(body.gtin, gtin14);
    assert.equal(body.batch, 'LOT7');
    assert.equal(body.serial, 'SN9');
    assert.equal(body.product.modelNumber, 'KP-100');
    assert.equal(body.product.supportPeriod.statement, 'This device will receive security updates until 31 March 2030.');
    assert.ok(!('productId' in body.product), 'no internal ids leave the building');
    assert.deepEqual(
      body.links.map((l) => [l.linkType, l.href, l.type]),
      [
        ['gs1:pip', `http://connectable.test${page}`, 'text/html'],
        ['gs1:support', `http://connectable.test${page}#support-period`, 'text/html'],
        ['gs1:masterData', `http://connectable.test/01/${gtin14}/10/LOT7/21/SN9?linkType=gs1:masterData`, 'application/json'],
      ],
    );
    assert.equal((await get(`/01/${gtin14}`)).headers['vary'], 'Accept');
  });

  test('a program asking for a linkset gets RFC 9264 JSON anchored at the Digital Link', async () => {
    const r = await get(`/01/${gtin14}`, 'application/linkset+json');
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] ?? '', /^application\/linkset\+json/);
    assert.deepEqual(JSON.parse(r.body) as Linkset, {
      linkset: [
        {
          anchor: `http://connectable.test/01/${gtin14}`,
          'https://gs1.org/voc/pip': [{ href: `http://connectable.test${page}`, title: 'Kestrel Smart Plug (KP-100)', type: 'text/html', hreflang: ['en'] }],
          'https://gs1.org/voc/support': [
            { href: `http://connectable.test${page}#support-period`, title: 'Security updates for the Kestrel Smart Plug (KP-100)', type: 'text/html', hreflang: ['en'] },
          ],
          'https://gs1.org/voc/masterData': [
            {
              href: `http://connectable.test/01/${gtin14}?linkType=gs1:masterData`,
              title: 'Product data and support period of the Kestrel Smart Plug (KP-100)',
              type: 'application/json',
              hreflang: ['en'],
            },
          ],
        },
      ],
    });
    assert.match(String(r.headers.link), /rel="https:\/\/gs1.org\/voc\/pip"/);
  });

  test('the most specific Accept range decides, by its q-value', () => {
    assert.equal(acceptQuality(BROWSER, 'text/html'), 1);
    assert.equal(acceptQuality(BROWSER, 'application/json'), 0.8);
    assert.equal(acceptQuality('application/*;q=0.5, application/json', 'application/json'), 1);
    assert.equal(acceptQuality('application/*;q=0.5, application/json', 'application/linkset+json'), 0.5);
    assert.equal(acceptQuality('text/html;q=0, */*', 'text/html'), 0);
    assert.equal(acceptQuality('image/png', 'text/html'), 0);
    assert.equal(acceptQuality(undefined, 'text/html'), 1);
  });
});

describe('GS1 Digital Link: linkType', () => {
  test('gs1:pip and gs1:support send a person to the page and to its support section', async () => {
    const pip = await get(`/01/${gtin14}?linkType=gs1:pip`, 'application/json');
    assert.equal(pip.statusCode, 307);
    assert.equal(pip.headers.location, page);
    const support = await get(`/01/${gtin14}?linkType=gs1:support`, BROWSER);
    assert.equal(support.statusCode, 307);
    assert.equal(support.headers.location, `${page}#support-period`);
    const byUri = await get(`/01/${gtin14}?linkType=${encodeURIComponent('https://gs1.org/voc/support')}`, BROWSER);
    assert.equal(byUri.headers.location, `${page}#support-period`);
  });

  test('gs1:masterData is the JSON, and all is the linkset, whatever a browser accepts', async () => {
    const data = await get(`/01/${gtin14}?linkType=gs1:masterData`, BROWSER);
    assert.equal(data.statusCode, 200);
    assert.equal((data.json() as ResolverJson).gtin, gtin14);
    const all = await get(`/01/${gtin14}?linkType=all`, BROWSER);
    assert.equal(all.statusCode, 200);
    assert.match(all.headers['content-type'] ?? '', /^application\/linkset\+json/);
    assert.equal((JSON.parse(all.body) as Linkset).linkset.length, 1);
  });

  test('any other link type is not found, and the answer lists the ones there are', async () => {
    const r = await get(`/01/${gtin14}?linkType=gs1:recipeInfo`, 'application/json');
    assert.equal(r.statusCode, 404);
    const detail = (r.json() as { detail: string }).detail;
    assert.match(detail, /no link of type "gs1:recipeInfo"/);
    for (const t of ['gs1:pip', 'gs1:support', 'gs1:masterData', 'all']) assert.ok(detail.includes(t), t);
  });
});
