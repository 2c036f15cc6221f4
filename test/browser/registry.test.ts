// A maker adds a product and publishes its support period in the console; a later attempt to
// shorten it is refused on the page; the QR code on the shelf label, decoded, opens the public
// product page with the date. Real Chromium, real HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import jsQRModule from 'jsqr';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { issueSetupToken } from '../../src/accounts/index.ts';
import { launchBrowser, startHttpPlatform } from '../support/browser.ts';
import { STRONG_PASSWORD } from '../support/platform.ts';

// jsqr is CommonJS with an ES-style default export: Node hands us the module object.
const jsQR = jsQRModule.default;
let browser: Browser;
let base: string;
let setupToken: string;
let close: () => Promise<void>;

before(async () => {
  const platform = await startHttpPlatform();
  base = platform.base;
  setupToken = await issueSetupToken(platform.db, undefined);
  browser = await launchBrowser();
  close = async () => {
    await browser.close();
    await platform.close();
  };
});
after(async () => close?.());

test('a maker publishes a support period, cannot shorten it, and the label QR opens the product page', async () => {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/setup/${setupToken}`);
  await page.getByLabel('Organisation name').fill('Lumen Devices Ltd');
  await page.getByLabel('Your name').fill('Pat Maker');
  await page.getByLabel('E-mail address').fill('pat@lumen.test');
  await page.getByLabel('Password', { exact: true }).fill(STRONG_PASSWORD);
  await page.getByRole('button', { name: 'Create owner account' }).click();
  await page.waitForURL(/\/console/);

  await page.getByRole('link', { name: 'Products' }).click();
  await page.getByRole('link', { name: 'Add a product' }).click();
  await page.getByLabel('Brand').fill('Lumen');
  await page.getByLabel('Product name').fill('Smart Bulb');
  await page.getByLabel('Model number').fill('LB-60');
  await page.getByLabel('Category').selectOption('smart-plug');
  await page.getByLabel('GTINs (barcodes)').fill('4006381333931');
  await page.getByRole('button', { name: 'Add product' }).click();
  await page.waitForURL(/\/console\/products\/[0-9a-f-]{36}/);

  await page.getByLabel('Security updates until (end date)').fill('2030-03-31');
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.waitForURL(/saved=1/);
  assert.match(await page.locator('main').innerText(), /Published: until 31 March 2030/);

  await page.getByLabel('Security updates until (end date)').fill('2029-03-31');
  await page.getByRole('button', { name: 'Extend the support period' }).click();
  const refusal = await page.locator('.error-summary').innerText();
  assert.match(refusal, /can be extended but never shortened/);
  assert.match(await page.locator('main').innerText(), /Published: until 31 March 2030/, 'the period is unchanged');

  const png = await page.request.get(`${base}/labels/04006381333931/qr.png`);
  assert.equal(png.status(), 200);
  const image = PNG.sync.read(await png.body());
  const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  assert.ok(decoded, 'the QR code decodes');
  assert.equal(decoded.data, `${base}/01/04006381333931`);

  const shopper = await (await browser.newContext()).newPage();
  await shopper.goto(decoded.data);
  assert.match(shopper.url(), /\/makers\/lumen-devices-ltd\/products\//);
  assert.match(await shopper.locator('main').innerText(), /This device will receive security updates until 31 March 2030/);
});
