// What a person sees: the first owner is made through the setup link, invites a colleague, the
// colleague joins, turns on an authenticator app, signs out, signs back in with a code, and
// signs out. Real Chromium, real HTTP, the real server on the test database.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { issueSetupToken, totpCode } from '../../src/accounts/index.ts';
import { seedDemo } from '../../src/demo.ts';
import { launchBrowser, startHttpPlatform } from '../support/browser.ts';
const PASSWORD_OWNER = 'lantern orchard fifteen gravel';
const PASSWORD_COLLEAGUE = 'quiet harbour velvet compass';

let browser: Browser;
let base: string;
let close: () => Promise<void>;

before(async () => {
  const platform = await startHttpPlatform();
  base = platform.base;
  browser = await launchBrowser();
  close = async () => {
    await browser.close();
    await platform.close();
  };
  const demo = await seedDemo(platform.db);
  setupToken = await issueSetupToken(platform.db, demo.id);
});
after(async () => close?.());

let setupToken = '';

async function screenshot(page: Page, name: string): Promise<void> {
  const dir = path.join(os.tmpdir(), 'connectable-screenshots');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

test('first owner, invitation, TOTP sign-in and sign-out, as a person does it', async () => {
  const owner = await (await browser.newContext()).newPage();
  await owner.goto(`${base}/setup/${setupToken}`);
  assert.equal(await owner.locator('h1').innerText(), 'Create the first owner of Demo Maker Ltd');
  await owner.getByLabel('Your name').fill('Olivia Owner');
  await owner.getByLabel('E-mail address').fill('olivia@demo-maker.test');
  await owner.getByLabel('Password', { exact: true }).fill('short');
  await owner.getByRole('button', { name: 'Create owner account' }).click();
  assert.match(await owner.locator('.error-summary').innerText(), /at least 12 characters/);
  await owner.getByLabel('Password', { exact: true }).fill(PASSWORD_OWNER);
  await owner.getByRole('button', { name: 'Create owner account' }).click();
  await owner.waitForURL(/\/console/);
  assert.match(await owner.locator('main').innerText(), /Welcome, Olivia Owner/);
  await screenshot(owner, 'console-overview');

  await owner.getByRole('link', { name: 'Members' }).click();
  await owner.getByLabel('Their e-mail address').fill('sam@demo-maker.test');
  await owner.getByLabel('Role', { exact: true }).selectOption('security_responder');
  await owner.getByRole('button', { name: 'Create invitation link' }).click();
  const link = await owner.locator('#invite-link').inputValue();
  assert.match(link, /\/invitations\//);

  const colleague = await (await browser.newContext()).newPage();
  await colleague.goto(link);
  assert.match(await colleague.locator('main').innerText(), /Security responder/);
  await colleague.getByLabel('Your name').fill('Sam Responder');
  await colleague.getByLabel('Password', { exact: true }).fill(PASSWORD_COLLEAGUE);
  await colleague.getByRole('button', { name: 'Create account' }).click();
  await colleague.waitForURL(/\/console/);

  await colleague.getByRole('link', { name: 'Your security' }).click();
  await colleague.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = await colleague.locator('#totp-secret').innerText();
  assert.equal(await colleague.locator('.qr svg').count(), 1, 'a QR code to scan');
  await colleague.getByLabel('The 6-digit code the app shows').fill(totpCode(secret));
  await colleague.getByRole('button', { name: 'Confirm' }).click();
  assert.equal(await colleague.locator('#recovery-codes li').count(), 10);
  await screenshot(colleague, 'recovery-codes');

  await colleague.getByRole('button', { name: 'Sign out' }).click();
  await colleague.waitForURL(/\/sign-in/);
  await colleague.getByLabel('E-mail address').fill('sam@demo-maker.test');
  await colleague.getByLabel('Password').fill(PASSWORD_COLLEAGUE);
  await colleague.getByRole('button', { name: 'Sign in' }).click();
  await colleague.waitForURL(/\/sign-in\/code/);
  // The code used at enrolment is spent; the app's next code (one step ahead) is accepted.
  await colleague.getByLabel('Code').fill(totpCode(secret, Date.now() + 30_000));
  await colleague.getByRole('button', { name: 'Continue' }).click();
  await colleague.waitForURL(/\/console/);
  assert.match(await colleague.locator('header').innerText(), /Sam Responder/);

  await colleague.getByRole('button', { name: 'Sign out' }).click();
  await colleague.waitForURL(/\/sign-in/);
  await colleague.goto(`${base}/console`);
  assert.match(colleague.url(), /\/sign-in\?next=%2Fconsole/, 'signed out means the console asks for sign-in again');

  await owner.getByRole('link', { name: 'Audit log' }).click();
  const log = await owner.locator('table.audit').innerText();
  for (const action of ['setup.completed', 'member.invited', 'member.joined', 'second_factor.enabled', 'sign_in.succeeded', 'sign_out']) {
    assert.match(log, new RegExp(action.replace('.', '\\.')), action);
  }
});
