// What a shopper sees on a retailer's product page: the retailer's own page, on its own origin,
// pastes our script tag and a <div data-connectable-gtin>. Real Chromium, real HTTP, two servers.
// The widget must speak the page's language, and must never break the page, even when we are down.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { checkDigitFor, createProduct, setSupportPeriod } from '../../src/registry/index.ts';
import { launchBrowser, startHttpPlatform } from '../support/browser.ts';
import { ownerOf } from '../support/platform.ts';
const GTIN = '04012345000016';
const UNKNOWN_GTIN = `999999999999${checkDigitFor('999999999999')}`;
const NEVER_ASKED_GTIN = `888888888888${checkDigitFor('888888888888')}`;
const NEUTRAL_DE = 'Informationen zu Sicherheitsupdates sind hier nicht verfügbar.';

let browser: Browser;
let context: BrowserContext;
let platformUrl: string;
let shopUrl: string;
let productSlug: string;
let stopPlatform: () => Promise<void>;
let close: () => Promise<void>;

/** The retailer's page: its own content, our element, our script, nothing else. */
function shopPage(gtin: string): string {
  return `<!doctype html>
<html lang="de">
<head><meta charset="utf-8"><title>Kamera kaufen</title></head>
<body>
<h1>Acme Kamera</h1>
<p id="shop-content">In den Warenkorb: 129 €</p>
<div id="support" data-connectable-gtin="${gtin}"></div>
<script async src="${platformUrl}/widget.js"></script>
</body>
</html>`;
}

before(async () => {
  const platform = await startHttpPlatform();
  const { db, app } = platform;
  platformUrl = platform.base;
  const { organisationId } = await ownerOf({ db, app, close: async () => {} }, 'Acme Widgets', 'owner@acme.test');
  const actor = { label: 'owner@acme.test', organisationId };
  const product = await createProduct(db, actor, { brand: 'Acme', name: 'Acme Kamera', modelNumber: 'ACME-CAM-1', category: 'camera', gtins: GTIN });
  await setSupportPeriod(db, actor, product.id, { endDate: '2030-03-31', publish: true });
  productSlug = product.slug;

  const shop = http.createServer((request, response) => {
    const gtin = request.url === '/unknown' ? UNKNOWN_GTIN : request.url === '/never-asked' ? NEVER_ASKED_GTIN : GTIN;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(shopPage(gtin));
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;

  browser = await launchBrowser();
  context = await browser.newContext();
  stopPlatform = platform.stopServer;
  close = async () => {
    await browser.close();
    await new Promise((resolve) => shop.close(resolve));
    await platform.close();
  };
});
after(async () => close?.());

/** A fresh tab (so a fresh sessionStorage) that records every uncaught error of the page. */
async function openShop(path: string): Promise<{ page: Page; errors: Error[] }> {
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${shopUrl}${path}`);
  return { page, errors };
}

test("a shop's German page shows the support period in German, with a link to the product page", async () => {
  const { page, errors } = await openShop('/known');
  const statement = page.locator('#support .connectable-statement');
  await statement.waitFor();
  assert.equal(await statement.innerText(), 'Sicherheitsupdates bis 31. März 2030');
  const link = page.getByRole('link', { name: 'Details: Acme Kamera' });
  assert.equal(await link.innerText(), 'Details');
  assert.equal(await link.getAttribute('href'), `${platformUrl}/makers/acme-widgets/products/${productSlug}`);
  assert.equal(await page.locator('#support p').getAttribute('lang'), 'de');
  // The shop's own styles apply: the widget brings none.
  const font = (selector: string) => page.locator(selector).evaluate<string, undefined>('(el) => getComputedStyle(el).fontFamily');
  assert.equal(await font('#support .connectable-statement'), await font('#shop-content'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('an unknown GTIN shows the neutral sentence, not an error', async () => {
  const { page, errors } = await openShop('/unknown');
  const statement = page.locator('#support .connectable-statement');
  await statement.waitFor();
  assert.equal(await statement.innerText(), NEUTRAL_DE);
  assert.equal(await page.locator('#support a').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('with Connectable down, the shop page still shows its own content and raises no error', async () => {
  await stopPlatform();
  const ownContent = async (page: Page): Promise<void> => {
    assert.equal(await page.locator('#shop-content').innerText(), 'In den Warenkorb: 129 €');
    assert.equal(await page.locator('h1').innerText(), 'Acme Kamera');
  };

  // What the browser cached (the script for a day, the answer for 5 minutes) still shows.
  const again = await openShop('/known');
  await ownContent(again.page);
  await again.page.locator('#support .connectable-statement').waitFor();
  assert.equal(await again.page.locator('#support .connectable-statement').innerText(), 'Sicherheitsupdates bis 31. März 2030');
  assert.deepEqual(again.errors, []);

  // A product never asked for: the cached script's request fails, and it says so neutrally.
  const failing = await openShop('/never-asked');
  await ownContent(failing.page);
  const statement = failing.page.locator('#support .connectable-statement');
  await statement.waitFor();
  assert.equal(await statement.innerText(), NEUTRAL_DE);
  assert.deepEqual(failing.errors, []);

  // A shopper who never met the widget: the script itself cannot load, and the page does not care.
  const stranger = await (await browser.newContext()).newPage();
  const errors: Error[] = [];
  stranger.on('pageerror', (e) => errors.push(e));
  await stranger.goto(`${shopUrl}/known`);
  await stranger.waitForLoadState('load');
  await ownContent(stranger);
  assert.equal(await stranger.locator('#support').innerText(), '');
  assert.deepEqual(errors, []);
});
