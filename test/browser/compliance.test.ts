// A maker's compliance lead in real Chromium: uploads a firmware scan that fails, sees the
// passwords duty red with the reason, fixes it with a clean scan of the next firmware, records
// what the tools cannot see, and issues the Statement of Compliance; the PDF is rendered to PNG
// with pdftoppm and read back by OCR (tesseract) for every item the Regulations require.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { createSession } from '../../src/accounts/index.ts';
import { generateKeyForOrganisation, savePolicy } from '../../src/disclosure/index.ts';
import { scanJson } from '../../src/firmware/report.ts';
import { scanPath } from '../../src/firmware/scan-image.ts';
import { setSupportPeriod } from '../../src/registry/index.ts';
import { cleanTree, plantedTree } from '../firmware/fixtures.ts';
import { launchBrowser, startHttpPlatform, type HttpPlatform } from '../support/browser.ts';
import { ImageBuilder } from '../support/firmware-images.ts';
import { ownerOf } from '../support/platform.ts';

let platform: HttpPlatform;
let browser: Browser;
let productId: string;
let sessionToken: string;
const images = new ImageBuilder();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-compliance-browser-'));

before(async () => {
  platform = await startHttpPlatform();
  const { organisationId } = await ownerOf({ db: platform.db, app: platform.app, close: async () => {} }, 'Lumen Cameras', 'lead@lumen.test');
  const actor = { organisationId, label: 'lead@lumen.test' };
  productId =
    (
      await platform.db.query<{ id: string }>(
        `INSERT INTO products (organisation_id, slug, brand, name, model_number, category, firmware_versions) VALUES ($1, 'lumen-cam', 'Lumen', 'Indoor Camera', 'LC-100', 'camera', '{1.0.0,1.1.0}') RETURNING id`,
        [organisationId],
      )
    )[0]?.id ?? '';
  await setSupportPeriod(platform.db, actor, productId, { endDate: '2031-06-30', publish: 'on' });
  await savePolicy(platform.db, actor, { acknowledgeHours: 48, triageDays: 7, updateIntervalDays: 14, fixDaysCritical: 30, fixDaysHigh: 60, fixDaysMedium: 90, fixDaysLow: 180 });
  await generateKeyForOrganisation(platform.db, actor, { email: 'security@lumen.test' });
  const userId = (await platform.db.query<{ id: string }>(`SELECT id FROM users WHERE email = 'lead@lumen.test'`))[0]?.id ?? '';
  sessionToken = (await createSession(platform.db, userId, '127.0.0.1')).token;
  fs.writeFileSync(path.join(work, 'scan-1.0.0.json'), scanJson([await scanPath(images.tree(plantedTree().tree))], false));
  fs.writeFileSync(path.join(work, 'scan-1.1.0.json'), scanJson([await scanPath(images.tree(cleanTree()))], false));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await platform?.close();
  images.remove();
  fs.rmSync(work, { recursive: true, force: true });
});

async function upload(page: Page, file: string, firmware: string): Promise<void> {
  const form = page.locator('#upload-evidence');
  await form.getByLabel('Report (JSON)').setInputFiles(path.join(work, file));
  await form.getByLabel('Firmware version').fill(firmware);
  await form.getByRole('button', { name: 'Upload evidence' }).click();
  await page.waitForURL(new RegExp(`/console/compliance/${productId}`));
}

async function judge(page: Page, provisionId: string, status: string, reason: string): Promise<void> {
  const form = page.locator(`form[data-provision="${provisionId}"]`);
  await page.locator(`tr[data-provision="${provisionId}"] details.judge summary`).click();
  await form.getByLabel('Status').selectOption(status);
  await form.getByLabel('Reason').fill(reason);
  await form.getByRole('button', { name: 'Save judgement' }).click();
  await page.waitForURL(new RegExp(`/console/compliance/${productId}`));
}

const rag = (page: Page, duty: string) => page.locator(`#duty-table .rag[data-duty="${duty}"]`).getAttribute('data-rag');

test('a failing scan turns the passwords duty red; a clean scan and the judgements the tools cannot make turn it green; the Statement is issued and its PDF carries every required item', async () => {
  const context = await browser.newContext();
  await context.addCookies([{ name: 'cn_session', value: sessionToken, url: platform.base }]);
  const page = await context.newPage();

  await page.goto(`${platform.base}/console/compliance`);
  await page.getByRole('link', { name: /Lumen Indoor Camera/ }).click();
  await page.waitForURL(new RegExp(`/console/compliance/${productId}`));

  // The scan of firmware 1.0.0 finds the planted universal password.
  await upload(page, 'scan-1.0.0.json', '1.0.0');
  assert.equal(await rag(page, 'passwords'), 'red');
  const reason = await page.locator('#duty-table tr[data-duty="passwords"]').innerText();
  assert.match(reason, /finding/);
  assert.match(reason, /etc\/(passwd|shadow)/);
  assert.equal(await page.locator('tr[data-provision="etsi.5.1-1"]').getAttribute('data-status'), 'not_met');

  // A Statement is refused while the duty is red, and says why.
  await page.locator('#generate-statement').getByLabel('Type of product').fill('Wi-Fi indoor security camera');
  await page.locator('#generate-statement').getByLabel('Batch or other identification').fill('LC-100 batch 2026-48, serials LC1-000001 to LC1-050000');
  await page.locator('#generate-statement').getByLabel('Manufacturer’s address').fill('Lumen Cameras Ltd\n2 Dock Road\nBristol BS1 6AA\nUnited Kingdom');
  await page.locator('#generate-statement').getByLabel('Function of the signatory').fill('Head of Product Security');
  await page.locator('#generate-statement').getByLabel('Place of issue').fill('Bristol');
  await page.locator('#generate-statement').getByRole('button', { name: 'Generate Statement of Compliance' }).click();
  await page.locator('#statement-refused').waitFor();
  assert.match(await page.locator('#statement-refused').innerText(), /psti\.s1\.1/);

  // The fix: a clean scan of the next firmware replaces the evidence.
  await page.goto(`${platform.base}/console/compliance/${productId}`);
  await upload(page, 'scan-1.1.0.json', '1.1.0');
  assert.equal(await page.locator('tr[data-provision="etsi.5.1-1"]').getAttribute('data-status'), 'met');
  assert.equal(await rag(page, 'passwords'), 'amber', 'the batch conditions are still open');
  for (const id of ['psti.s1.1.3a', 'psti.s1.1.3b', 'psti.s1.1.3c', 'psti.s1.1.3d']) {
    await judge(page, id, 'not_applicable', 'No password is pre-installed: the owner chooses it in the app at first start.');
  }
  await judge(page, 'psti.s1.3.3', 'met', 'Our shop pages and retailer feeds show the end date through the Connectable widget.');
  assert.equal(await rag(page, 'passwords'), 'green');
  assert.equal(await rag(page, 'reporting'), 'green');
  assert.equal(await rag(page, 'support-period'), 'green');

  const form = page.locator('#generate-statement');
  await form.getByLabel('Type of product').fill('Wi-Fi indoor security camera');
  await form.getByLabel('Batch or other identification').fill('LC-100 batch 2026-48, serials LC1-000001 to LC1-050000');
  await form.getByLabel('Manufacturer’s address').fill('Lumen Cameras Ltd\n2 Dock Road\nBristol BS1 6AA\nUnited Kingdom');
  await form.getByLabel('Signed by (name)').fill('Robin Example');
  await form.getByLabel('Function of the signatory').fill('Head of Product Security');
  await form.getByLabel('Place of issue').fill('Bristol');
  await form.getByLabel('Date of issue').fill('2026-11-26');
  await form.getByRole('button', { name: 'Generate Statement of Compliance' }).click();
  await page.locator('#statement-versions').waitFor();
  assert.match(await page.locator('#statement-versions').innerText(), /1/);

  // The PDF as the console serves it, rendered to an image and read back.
  const pdfHref = await page.locator('#statement-versions a[href$="/pdf"]').first().getAttribute('href');
  assert.ok(pdfHref);
  const response = await page.request.get(`${platform.base}${pdfHref}`);
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['content-type'], 'application/pdf');
  const pdfFile = path.join(work, 'statement.pdf');
  fs.writeFileSync(pdfFile, await response.body());
  // What a person sees: every page rendered to an image, and the image read back by OCR.
  execFileSync('pdftoppm', ['-png', '-r', '150', pdfFile, path.join(work, 'page')]);
  const pngs = fs
    .readdirSync(work)
    .filter((f) => /^page-\d+\.png$/.test(f))
    .sort();
  assert.ok(pngs.length >= 1, 'the PDF renders to at least one page');
  const first = PNG.sync.read(fs.readFileSync(path.join(work, pngs[0] ?? '')));
  let ink = 0;
  for (let i = 0; i < first.data.length; i += 4) if ((first.data[i] ?? 255) < 128) ink++;
  assert.ok(ink > 2000, 'the first page carries visible text');
  const seen = pngs
    .map((png) => execFileSync('tesseract', [path.join(work, png), '-', '--psm', '4'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 }))
    .join('\n')
    .replace(/\s+/g, ' ');
  const required: [string, string][] = [
    ['psti.soc.a product type', 'Wi-Fi indoor security camera'],
    ['psti.soc.a batch', 'LC1-000001 to LC1-050000'],
    ['psti.soc.a model', 'LC-100'],
    ['psti.soc.b manufacturer', 'Lumen Cameras Ltd'],
    ['psti.soc.b address', 'Bristol BS1 6AA'],
    ['psti.soc.c prepared by or on behalf of the manufacturer', 'on behalf of the manufacturer'],
    ['psti.soc.d declaration', 'complies with the applicable security'],
    ['psti.soc.e support period', '30 June 2031'],
    ['psti.soc.f signatory', 'Robin Example'],
    ['psti.soc.f function', 'Head of Product Security'],
    ['psti.soc.f place', 'Bristol'],
    ['psti.soc.f date', '26 November 2026'],
  ];
  for (const [item, value] of required) assert.ok(seen.includes(value), `${item}: "${value}" is on the rendered page (OCR read: ${seen.slice(0, 200)}…)`);
  // And the text layer says the same, for tools that read the PDF rather than look at it.
  const text = execFileSync('pdftotext', ['-layout', pdfFile, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  for (const [item, value] of required) assert.ok(text.includes(value), `${item}: "${value}" is in the PDF's text`);
  await context.close();
});
