// A researcher reports without an account, once with JavaScript off and once with it on; a
// responder triages and writes back; the researcher reads the reply and answers on the private
// status page. Real Chromium over real HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createSession } from '../../src/accounts/index.ts';
import { generateKeyForOrganisation } from '../../src/disclosure/index.ts';
import { launchBrowser, startHttpPlatform, type HttpPlatform } from '../support/browser.ts';
import { ownerOf } from '../support/platform.ts';

let platform: HttpPlatform;
let browser: Browser;
let ownerId: string;

before(async () => {
  platform = await startHttpPlatform();
  await ownerOf({ db: platform.db, app: platform.app, close: async () => {} }, 'Beacon Devices', 'owner@beacon.test');
  ownerId = (await platform.db.query<{ id: string }>(`SELECT id FROM users WHERE email = 'owner@beacon.test'`))[0]?.id ?? '';
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await platform?.close();
});

async function fileReport(page: Page, title: string, extra: { file?: boolean; encrypt?: boolean } = {}): Promise<string> {
  await page.goto(`${platform.base}/disclose/beacon-devices`);
  if (extra.file) await page.getByLabel('Files (optional)').setInputFiles({ name: 'stream.txt', mimeType: 'text/plain', buffer: Buffer.from('RTSP/1.0 200 OK\r\n') });
  if (extra.encrypt) await page.getByLabel(/Encrypt the description, steps and impact in this browser/).check();
  await page.getByLabel('Other product').fill('Beacon Doorbell BD-2');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('What is the problem?').fill('The RTSP stream is readable without authentication on port 554.');
  await page.getByLabel('Steps to reproduce, or proof of concept').fill('ffplay rtsp://doorbell/live');
  await page.getByLabel('Did you use AI tools to find or write this?').selectOption('none');
  await page.getByRole('button', { name: 'Send report' }).click();
  await page.waitForSelector('#tracking-link');
  assert.match(await page.locator('main').innerText(), /was received and acknowledged/);
  return page.locator('#tracking-link').inputValue();
}

test('report without JavaScript and with it, triage, a reply and an answer on the status page', async () => {
  const noScript = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  const firstLink = await fileReport(noScript, 'Unauthenticated RTSP stream');
  // With JavaScript the page pays the proof of work and can encrypt to the maker's key.
  const organisationId = (await platform.db.query<{ id: string }>(`SELECT id FROM organisations WHERE slug = 'beacon-devices'`))[0]?.id ?? '';
  await generateKeyForOrganisation(platform.db, { label: 'test', organisationId }, { email: 'security@beacon.test' });
  const withScript = await (await browser.newContext()).newPage();
  const secondLink = await fileReport(withScript, 'Second finding, with JavaScript', { file: true, encrypt: true });
  assert.notEqual(firstLink, secondLink);
  const second = (await platform.db.query<{ id: string; encrypted: boolean; description: string }>(`SELECT id, encrypted, description FROM vulnerability_reports WHERE title = 'Second finding, with JavaScript'`))[0];
  assert.equal(second?.encrypted, true);
  assert.match(second?.description ?? '', /^-----BEGIN PGP MESSAGE-----/);
  assert.doesNotMatch(second?.description ?? '', /RTSP stream is readable/, 'only ciphertext left the browser');
  assert.equal((await platform.db.query('SELECT 1 FROM proof_of_work_spent')).length, 1, 'the JavaScript report paid its proof of work; the other came by the slow lane');
  assert.deepEqual(await platform.db.query('SELECT file_name FROM report_attachments WHERE report_id = $1', [second?.id]), [{ file_name: 'stream.txt' }]);

  // The responder signs in through a session made for the test (sign-in itself is tested elsewhere).
  const session = await createSession(platform.db, ownerId, '127.0.0.1');
  const responderContext = await browser.newContext();
  await responderContext.addCookies([{ name: 'cn_session', value: session.token, url: platform.base }]);
  const responder = await responderContext.newPage();
  await responder.goto(`${platform.base}/console/reports`);
  await responder.getByRole('link', { name: /VR-/ }).first().waitFor();
  await responder.locator('tr', { hasText: 'Unauthenticated RTSP stream' }).getByRole('link').click();
  await responder.getByLabel('New state').selectOption('valid');
  await responder.getByRole('button', { name: 'Change state' }).click();
  await responder.waitForURL(/\/console\/reports\/[0-9a-f-]{36}$/);
  assert.equal(await responder.locator('#report-state').innerText(), 'Confirmed as a security issue');
  await responder.getByLabel('Message').fill('Thank you, we reproduced it. A fix is in progress.');
  await responder.getByRole('button', { name: 'Post' }).click();
  await responder.getByLabel('Message').fill('Internal: affects BD-3 too');
  await responder.getByLabel('Who sees it').selectOption('internal');
  await responder.getByRole('button', { name: 'Post' }).click();

  await noScript.goto(firstLink);
  const status = await noScript.locator('main').innerText();
  assert.match(status, /Confirmed as a security issue/);
  assert.match(status, /we reproduced it/);
  assert.doesNotMatch(status, /Internal: affects BD-3/);
  await noScript.getByLabel('Message').fill('Thanks. It also works over the guest Wi-Fi.');
  await noScript.getByRole('button', { name: 'Send' }).click();
  await noScript.waitForURL(firstLink);
  assert.match(await noScript.locator('main').innerText(), /guest Wi-Fi/);

  await responder.reload();
  assert.match(await responder.locator('main').innerText(), /guest Wi-Fi/);
});
