import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import QRCode from 'qrcode';
import { checkDigitFor, createProduct, setSupportPeriod } from '../../../registry/index.ts';
import { ownerOf, startTestPlatform, type TestPlatform } from '../../../../test/support/platform.ts';

let platform: TestPlatform;
let gtin14: string;
let endedGtin14: string;
let draftGtin14: string;

const withCheckDigit = (data: string): string => `${data}${checkDigitFor(data)}`;
const get = (url: string, accept = 'text/html') => platform.app.inject({ method: 'GET', url, headers: { accept } });
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** What the QR code must hold, drawn by the same library: equal drawings encode equal text. */
const expectedSvg = (uri: string) => QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });

before(async () => {
  platform = await startTestPlatform();
  const { organisationId } = await ownerOf(platform, 'Heron Audio', 'owner@heron.test');
  const actor = { label: 'owner@heron.test', organisationId };
  gtin14 = `0${withCheckDigit('501234511111')}`;
  const p = await createProduct(platform.db, actor, { brand: 'Heron', name: 'Speaker Mini', modelNumber: 'HS-MINI', category: 'smart-speaker', gtins: gtin14 });
  await setSupportPeriod(platform.db, actor, p.id, { endDate: '2030-03-31', publish: true });
  endedGtin14 = `0${withCheckDigit('501234511112')}`;
  const ended = await createProduct(platform.db, actor, { brand: 'Heron', name: 'Speaker Old', modelNumber: 'HS-OLD', category: 'smart-speaker', gtins: endedGtin14 });
  await setSupportPeriod(platform.db, actor, ended.id, { endDate: '2021-12-31', publish: true });
  draftGtin14 = `0${withCheckDigit('501234511113')}`;
  const draft = await createProduct(platform.db, actor, { brand: 'Heron', name: 'Speaker Next', modelNumber: 'HS-NEXT', category: 'smart-speaker', gtins: draftGtin14 });
  await setSupportPeriod(platform.db, actor, draft.id, { endDate: '2032-03-31' });
});
after(async () => platform.close());

describe('QR codes', () => {
  test('the SVG encodes the product\'s GS1 Digital Link URI', async () => {
    const r = await get(`/labels/${gtin14}/qr.svg`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'image/svg+xml; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'public, max-age=300');
    assert.match(r.body, /^<svg[^>]*>.*<path[^>]* d="M/s);
    assert.equal(r.body, await expectedSvg(`http://connectable.test/01/${gtin14}`));
  });

  test('a batch and a serial go into the URI as GS1 application identifiers 10 and 21', async () => {
    const r = await get(`/labels/${gtin14}/qr.svg?batch=LOT42&serial=SN-0007`);
    assert.equal(r.body, await expectedSvg(`http://connectable.test/01/${gtin14}/10/LOT42/21/SN-0007`));
  });

  test('the PNG is a square PNG big enough to print sharp and small enough to send', async () => {
    const r = await get(`/labels/${gtin14}/qr.png`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'image/png');
    const png = r.rawPayload;
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    assert.equal(width, height);
    assert.ok(width >= 256 && width <= 1024, `width ${width}`);
    assert.ok(png.length > 500 && png.length < 50_000, `${png.length} bytes`);
  });

  test('other sites may show the images', async () => {
    for (const kind of ['svg', 'png']) {
      const r = await get(`/labels/${gtin14}/qr.${kind}`);
      assert.equal(r.headers['cross-origin-resource-policy'], 'cross-origin', kind);
    }
  });
});

describe('the shelf label', () => {
  test('shows the product, the support period in words, the QR code, the GTIN and the short URL', async () => {
    const r = await get(`/labels/${gtin14}`);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['cache-control'], 'public, max-age=300');
    assert.match(r.body, /<p class="label-maker">Heron<\/p>/);
    assert.match(r.body, /<p class="label-name">Speaker Mini<\/p>/);
    assert.match(r.body, /Model HS-MINI/);
    assert.match(r.body, /<p class="support-statement">Security updates until 31 March 2030<\/p>/);
    assert.match(r.body, new RegExp(`GTIN ${gtin14.slice(1)}`));
    assert.match(r.body, new RegExp(`<p class="label-url">connectable.test/01/${gtin14}</p>`));
    assert.match(r.body, /<div class="label-qr" role="img" aria-label="[^"]+"><svg/);
    assert.match(r.body, /<link rel="stylesheet" href="\/assets\/label.css">/);
    assert.doesNotMatch(r.body, /<script|style=|<style/, 'the CSP allows no inline styles');
  });

  test('says when security updates have ended', async () => {
    assert.match((await get(`/labels/${endedGtin14}`)).body, /<p class="support-statement ended">Security updates ended on 31 December 2021<\/p>/);
  });

  test('its print stylesheet is served from this site', async () => {
    const r = await get('/assets/label.css', 'text/css');
    assert.equal(r.statusCode, 200);
    assert.match(r.headers['content-type'] ?? '', /^text\/css/);
    assert.match(r.body, /@media print/);
    assert.match(r.body, /\.support-statement/);
  });
});

describe('labels for what is not there', () => {
  test('a wrong check digit is refused with the digit it should have', async () => {
    const expected = checkDigitFor(gtin14.slice(0, -1));
    const wrong = `${gtin14.slice(0, -1)}${(expected + 3) % 10}`;
    for (const url of [`/labels/${wrong}`, `/labels/${wrong}/qr.svg`, `/labels/${wrong}/qr.png`]) {
      const r = await get(url, 'application/json');
      assert.equal(r.statusCode, 400, url);
      assert.match((r.json() as { detail: string }).detail, new RegExp(`should be ${expected}`), url);
    }
    assert.match((await get(`/labels/${wrong}`)).body, new RegExp(`should be ${expected}`));
  });

  test('an unknown GTIN, or a product whose period is a draft, has no label', async () => {
    for (const gtin of [draftGtin14, `0${withCheckDigit('501234599998')}`]) {
      for (const url of [`/labels/${gtin}`, `/labels/${gtin}/qr.svg`, `/labels/${gtin}/qr.png`]) {
        const r = await get(url);
        assert.equal(r.statusCode, 404, url);
        assert.doesNotMatch(r.body, /HS-NEXT|Speaker Next/);
      }
    }
  });
});
