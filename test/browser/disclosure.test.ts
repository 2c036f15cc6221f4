// A researcher reports without an account, once with JavaScript off and once with it on; a
// responder triages and writes back; the researcher reads the reply and answers on the private
// status page; the finding becomes an advisory a second person publishes, and its CSAF validates.
// Real Chromium over real HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createSession } from '../../src/accounts/index.ts';
import { generateKeyForOrganisation } from '../../src/disclosure/index.ts';
import { validateCsaf } from '../../src/disclosure/csaf.ts';
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

test('report without JavaScript and with it, triage, a reply, an answer on the status page, and a published advisory whose CSAF validates', async () => {
  const noScript = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  const firstLink = await fileReport(noScript, 'Unauthenticated RTSP stream');
  // With JavaScript the page pays the proof of work and can encrypt to the maker's key.
  const organisationId = (await platform.db.query<{ id: string }>(`SELECT id FROM organisations WHERE slug = 'beacon-devices'`))[0]?.id ?? '';
  await generateKeyForOrganisation(platform.db, { label: 'test', organisationId }, { email: 'security@beacon.test' });
  await platform.db.query(
    `INSERT INTO products (organisation_id, slug, brand, name, model_number, category, firmware_versions) VALUES ($1, 'doorbell', 'Beacon', 'Doorbell', 'BD-2', 'doorbell', '{1.0.0,2.0.0,2.1.0}')`,
    [organisationId],
  );
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

  // The finding is accepted, scored and linked to the registry, and an advisory is drafted.
  const reportUrl = responder.url();
  await responder.getByLabel('New state').selectOption('accepted');
  await responder.getByRole('button', { name: 'Change state' }).click();
  await responder.waitForURL(reportUrl);
  await responder.getByLabel('CVSS 3.1 or 4.0 vector').fill('CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N');
  await responder.getByLabel('CWE').fill('CWE-306');
  await responder.getByRole('button', { name: 'Set severity' }).click();
  await responder.waitForURL(reportUrl);
  await responder.locator('#affected ~ form').getByLabel('Product').selectOption({ label: 'Beacon Doorbell (BD-2)' });
  await responder.getByLabel('Fixed in version').fill('2.1.0');
  await responder.getByRole('button', { name: 'Record affected product' }).click();
  await responder.waitForURL(`${reportUrl}#affected`);
  assert.match(await responder.locator('main').innerText(), /before 2\.1\.0\s+1\.0\.0, 2\.0\.0/, 'the released versions in the range come from the registry');
  await responder.goto(`${platform.base}/console/advisories/new`);
  await responder.getByLabel('Title', { exact: true }).fill('Unauthenticated RTSP stream on the Beacon Doorbell');
  await responder.getByLabel('Summary for the public').fill('The doorbell streamed live video over RTSP to anyone on the local network. Firmware 2.1.0 requires authentication.');
  await responder.getByLabel(/Unauthenticated RTSP stream —/).check();
  await responder.getByRole('button', { name: 'Create draft' }).click();
  await responder.waitForURL(/\/console\/advisories\/[0-9a-f-]{36}$/);
  assert.match(await responder.locator('main').innerText(), /TLP:RED/);
  await responder.getByRole('button', { name: 'Send for approval' }).click();
  await responder.waitForURL(/\/console\/advisories\/[0-9a-f-]{36}/);
  assert.equal(await responder.getByRole('button', { name: 'Approve and publish' }).count(), 0, 'the one who asked cannot approve');
  const advisoryUrl = responder.url();

  // A second person approves and publishes; the public page and the CSAF document follow.
  const secondId = (await platform.db.query<{ id: string }>(
    `INSERT INTO users (organisation_id, email, display_name, role, password_hash) VALUES ($1, 'second@beacon.test', 'Second', 'security_responder', 'x') RETURNING id`,
    [organisationId],
  ))[0]?.id ?? '';
  const secondContext = await browser.newContext();
  await secondContext.addCookies([{ name: 'cn_session', value: (await createSession(platform.db, secondId, '127.0.0.1')).token, url: platform.base }]);
  const approver = await secondContext.newPage();
  await approver.goto(advisoryUrl);
  await approver.getByRole('button', { name: 'Approve and publish' }).click();
  await approver.waitForLoadState();
  const trackingId = (await platform.db.query<{ tracking_id: string }>('SELECT tracking_id FROM advisories'))[0]?.tracking_id ?? '';
  const publicPage = await (await browser.newContext()).newPage();
  await publicPage.goto(`${platform.base}/disclose/beacon-devices/advisories/${trackingId}`);
  const advisoryText = await publicPage.locator('main').innerText();
  assert.match(advisoryText, /Unauthenticated RTSP stream on the Beacon Doorbell/);
  assert.match(advisoryText, /2\.1\.0/);
  const index = await (await fetch(`${platform.base}/disclose/beacon-devices/csaf/white/index.txt`)).text();
  const file = index.trim().split('\n')[0] ?? '';
  const csaf = await (await fetch(`${platform.base}/disclose/beacon-devices/csaf/white/${file}`)).json();
  const validation = await validateCsaf(csaf);
  assert.deepEqual(validation.errors, []);
  assert.equal(validation.valid, true);
  assert.equal((csaf as { document: { distribution: { tlp: { label: string } } } }).document.distribution.tlp.label, 'WHITE');
  await noScript.goto(firstLink);
  assert.match(await noScript.locator('main').innerText(), new RegExp(`Advisory ${trackingId}`), 'the reporter hears of the advisory');
});
