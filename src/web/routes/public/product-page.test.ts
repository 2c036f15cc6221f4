import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkDigitFor, createProduct, longDate, setSupportPeriod } from '../../../registry/index.ts';
import { ownerOf, startTestPlatform, type TestPlatform } from '../../../../test/support/platform.ts';

let platform: TestPlatform;
let actor: { label: string; organisationId: string };
let made = 0;

const withCheckDigit = (data: string): string => `${data}${checkDigitFor(data)}`;
const today = (): string => longDate(new Date().toISOString().slice(0, 10));

/** A product of Lumen Devices with a support period, published unless said otherwise. */
async function product(period: { endDate: string; atLeast?: boolean; publish?: boolean }, fields: Record<string, string> = {}) {
  const n = ++made;
  const p = await createProduct(platform.db, actor, {
    brand: 'Lumen',
    name: `Doorbell ${n}`,
    modelNumber: `LD-${n}`,
    category: 'camera',
    gtins: withCheckDigit(`501234567${String(n).padStart(3, '0')}`),
    ...fields,
  });
  await setSupportPeriod(platform.db, actor, p.id, { publish: true, ...period });
  return p;
}

const get = (url: string) => platform.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
const pageOf = (slug: string) => get(`/makers/lumen-devices/products/${slug}`);

before(async () => {
  platform = await startTestPlatform();
  const { organisationId } = await ownerOf(platform, 'Lumen Devices', 'owner@lumen.test');
  actor = { label: 'owner@lumen.test', organisationId };
});
after(async () => platform.close());

describe('the public product page', () => {
  test('tells a buyer in plain English until when the device gets security updates', async () => {
    const p = await product({ endDate: '2030-03-31' });
    const r = await pageOf(p.slug);
    assert.equal(r.statusCode, 200);
    assert.match(r.body, /<section id="support-period"/);
    assert.match(r.body, /class="support-statement">This device will receive security updates until 31 March 2030\.</);
    assert.match(r.body, /Made by Lumen Devices/);
    assert.match(r.body, new RegExp(`<h1>Lumen ${p.name}</h1>`));
    assert.match(r.body, new RegExp(`<dd>${p.modelNumber}</dd>`));
    const gtin14 = p.gtins[0] ?? '';
    assert.match(r.body, new RegExp(`<dd>${gtin14.slice(1)}</dd>`), 'the GTIN-13 as printed under the barcode');
    assert.match(r.body, new RegExp(`published this on ${today()}`));
  });

  test('says "at least until" when the maker promises a minimum', async () => {
    const p = await product({ endDate: '2031-06-30', atLeast: true });
    assert.match((await pageOf(p.slug)).body, /This device will receive security updates at least until 30 June 2031\./);
  });

  test('says plainly when security updates have ended', async () => {
    const p = await product({ endDate: '2020-01-31' });
    const body = (await pageOf(p.slug)).body;
    assert.match(body, /class="support-statement ended">Security updates for this device ended on 31 January 2020\.</);
    assert.doesNotMatch(body, /will receive security updates/);
  });

  test('shows the history of the period, with each extension', async () => {
    const p = await product({ endDate: '2029-03-31' });
    await setSupportPeriod(platform.db, actor, p.id, { endDate: '2030-03-31' });
    const body = (await pageOf(p.slug)).body;
    assert.match(body, new RegExp(`<li>Published on ${today()}: security updates until 31 March 2029\\.</li>`));
    assert.match(body, new RegExp(`<li>Extended from 31 March 2029 to 31 March 2030 on ${today()}\\.</li>`));
    assert.match(body, /This device will receive security updates until 31 March 2030\./);
  });

  test('links to the maker\'s security contact, or else to its report form here', async () => {
    const p = await product({ endDate: '2030-03-31' });
    assert.match((await pageOf(p.slug)).body, /<a href="\/disclose\/lumen-devices">Report a security problem to Lumen Devices<\/a>/);
    await platform.db.query('UPDATE organisations SET security_contact_url = $1 WHERE id = $2', ['https://lumen.example/security', actor.organisationId]);
    try {
      const body = (await pageOf(p.slug)).body;
      assert.match(body, /How to report a security problem/);
      assert.match(body, /<a href="https:\/\/lumen.example\/security" rel="external noopener noreferrer">/);
    } finally {
      await platform.db.query('UPDATE organisations SET security_contact_url = NULL WHERE id = $1', [actor.organisationId]);
    }
  });

  test('notes when the law does not apply to the kind of product', async () => {
    const p = await product({ endDate: '2030-03-31' }, { category: 'computer' });
    assert.match((await pageOf(p.slug)).body, /The UK product security law \(PSTI\) does not apply to this kind of product \(Schedule 3: desktop and laptop computers\)/);
    const camera = await product({ endDate: '2030-03-31' });
    assert.doesNotMatch((await pageOf(camera.slug)).body, /does not apply/);
  });

  test('is the same for everyone, so shared caches may keep it for five minutes', async () => {
    const p = await product({ endDate: '2030-03-31' });
    const r = await pageOf(p.slug);
    assert.equal(r.headers['cache-control'], 'public, max-age=300');
    assert.equal(r.headers['set-cookie'], undefined, 'no per-visitor cookie on a cached page');
    assert.doesNotMatch(r.body, /<script|style=|<style|name="_csrf"/);
  });

  test('points programs at its data through the GTIN\'s Digital Link', async () => {
    const p = await product({ endDate: '2030-03-31' });
    const body = (await pageOf(p.slug)).body;
    const head = body.slice(0, body.indexOf('</head>'));
    assert.ok(head.includes(`<link rel="alternate" type="application/json" href="/01/${p.gtins[0]}">`), head);
    assert.ok(head.includes('<link rel="stylesheet" href="/assets/label.css">'));
    const noGtin = await product({ endDate: '2030-03-31' }, { gtins: '' });
    assert.doesNotMatch((await pageOf(noGtin.slug)).body, /rel="alternate"/);
  });

  test('is not found while the period is a draft, or when nothing is there', async () => {
    const draft = await product({ endDate: '2030-03-31', publish: false });
    const r = await pageOf(draft.slug);
    assert.equal(r.statusCode, 404);
    assert.match(r.headers['content-type'] ?? '', /text\/html/);
    assert.doesNotMatch(r.body, new RegExp(draft.modelNumber));
    assert.equal((await get('/makers/lumen-devices/products/no-such-product')).statusCode, 404);
    assert.equal((await get(`/makers/someone-else/products/${draft.slug}`)).statusCode, 404);
  });
});
