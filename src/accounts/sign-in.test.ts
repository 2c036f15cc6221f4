import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { issueSetupToken, lockout, totpCode } from './index.ts';
import { Client } from '../../test/support/client.ts';
import { memberOf, ownerOf, startTestPlatform, STRONG_PASSWORD, type TestPlatform } from '../../test/support/platform.ts';

let platform: TestPlatform;
let organisationId: string;

before(async () => {
  platform = await startTestPlatform();
  organisationId = (await ownerOf(platform, 'Signin Co', 'owner@signin.test')).organisationId;
});
after(async () => platform.close());

const signIn = async (client: Client, email: string, password: string) => client.submit('/sign-in', '/sign-in', { email, password });

describe('signing in', () => {
  test('a wrong password and an unknown e-mail get the same answer', async () => {
    await memberOf(platform, organisationId, 'viewer', 'same@signin.test');
    const wrong = await signIn(new Client(platform.app, '198.51.100.20'), 'same@signin.test', 'not my password at all');
    const unknown = await signIn(new Client(platform.app, '198.51.100.21'), 'nobody@signin.test', 'not my password at all');
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    const message = (body: string) => /<div class="error-summary"[\s\S]*?<\/div>/.exec(body)?.[0];
    assert.equal(message(wrong.body), message(unknown.body));
  });

  test('the right password opens a new session cookie that is HttpOnly and SameSite=Lax', async () => {
    await memberOf(platform, organisationId, 'viewer', 'cookie@signin.test');
    const client = new Client(platform.app);
    await client.get('/sign-in');
    client.cookies.set('cn_session', 'a-session-id-planted-by-an-attacker');
    const response = await client.post('/sign-in', { email: 'cookie@signin.test', password: STRONG_PASSWORD });
    assert.equal(response.statusCode, 303);
    const cookie = String(response.headers['set-cookie']).split(/,(?=\s*cn_)/).find((c) => c.startsWith('cn_session='));
    assert.ok(cookie, 'a session cookie is set');
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/, 'not Secure over plain HTTP, or the browser would drop it');
    assert.notEqual(client.cookies.get('cn_session'), 'a-session-id-planted-by-an-attacker');
    assert.equal((await client.get('/console')).statusCode, 200);
  });

  test('cookies are Secure and HSTS is sent behind a TLS-terminating proxy', async () => {
    const tls = await startTestPlatform({ TRUST_PROXY: 'true' });
    try {
      const response = await tls.app.inject({ method: 'GET', url: '/sign-in', headers: { accept: 'text/html', 'x-forwarded-proto': 'https' } });
      assert.match(String(response.headers['set-cookie']), /Secure/);
      assert.match(String(response.headers['strict-transport-security']), /max-age=31536000/);
      const plain = await tls.app.inject({ method: 'GET', url: '/sign-in', headers: { accept: 'text/html' } });
      assert.equal(plain.headers['strict-transport-security'], undefined);
    } finally {
      await tls.close();
    }
  });

  test(`after ${lockout.perAccount} failures the account is locked, even for the right password, and others are not`, async () => {
    await memberOf(platform, organisationId, 'viewer', 'target@signin.test');
    await memberOf(platform, organisationId, 'viewer', 'bystander@signin.test');
    for (let i = 0; i < lockout.perAccount; i++) {
      const r = await signIn(new Client(platform.app, `198.51.100.${40 + i}`), 'target@signin.test', `guess number ${i} wrong`);
      assert.equal(r.statusCode, 401);
    }
    const locked = await signIn(new Client(platform.app, '198.51.100.60'), 'target@signin.test', STRONG_PASSWORD);
    assert.equal(locked.statusCode, 429);
    assert.match(locked.body, /Too many failed sign-ins/);
    assert.equal((await signIn(new Client(platform.app, '198.51.100.61'), 'bystander@signin.test', STRONG_PASSWORD)).statusCode, 303);
    const audit = await platform.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'sign_in.failed' AND actor = 'target@signin.test'`);
    assert.equal(audit[0]?.n, lockout.perAccount);
  });

  test(`one address that fails ${lockout.perAddress} times across many accounts is locked out`, async () => {
    const ip = '198.51.100.99';
    for (let i = 0; i < lockout.perAddress; i++) await signIn(new Client(platform.app, ip), `spray${i}@signin.test`, 'summer holiday 2024');
    await memberOf(platform, organisationId, 'viewer', 'sprayed@signin.test');
    assert.equal((await signIn(new Client(platform.app, ip), 'sprayed@signin.test', STRONG_PASSWORD)).statusCode, 429);
  });

  test('malformed sign-in input gets a 400 naming the field', async () => {
    const r = await new Client(platform.app).submit('/sign-in', '/sign-in', { email: '', password: '' });
    assert.equal(r.statusCode, 400);
    assert.match(r.body, /Enter your e-mail address/);
    assert.match(r.body, /Enter your password/);
  });
});

describe('the second factor', () => {
  test('enrolment, sign-in with a code, no replay, and single-use recovery codes', async () => {
    const client = await memberOf(platform, organisationId, 'product_manager', 'totp@signin.test');
    await client.submit('/console/security', '/console/security/totp/start');
    const page = await client.get('/console/security');
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page.body)?.[1];
    assert.ok(secret, 'the page shows the key for manual entry');
    const wrong = await client.post('/console/security/totp/confirm', { code: '000000' });
    assert.equal(wrong.statusCode, 400);
    const confirmed = await client.post('/console/security/totp/confirm', { code: totpCode(secret) });
    assert.equal(confirmed.statusCode, 200);
    const codes = [...confirmed.body.matchAll(/<li><code>([a-z2-9-]{14})<\/code><\/li>/g)].map((m) => m[1] ?? '');
    assert.equal(codes.length, 10);
    await client.post('/sign-out');

    const fresh = new Client(platform.app);
    const first = await signIn(fresh, 'totp@signin.test', STRONG_PASSWORD);
    assert.equal(first.statusCode, 303);
    assert.match(String(first.headers.location), /^\/sign-in\/code/);
    assert.equal(fresh.cookies.has('cn_session'), false, 'no session before the second factor');
    // The code used to confirm enrolment is spent: the same code cannot sign in.
    const replay = await fresh.submit('/sign-in/code', '/sign-in/code', { code: totpCode(secret) });
    assert.equal(replay.statusCode, 401);
    const [recovery] = codes;
    const viaRecovery = await fresh.submit('/sign-in/code', '/sign-in/code', { code: (recovery ?? '').toUpperCase() });
    assert.equal(viaRecovery.statusCode, 303);
    assert.equal((await fresh.get('/console')).statusCode, 200);
    await fresh.post('/sign-out');

    const again = new Client(platform.app, '198.51.100.77');
    await signIn(again, 'totp@signin.test', STRONG_PASSWORD);
    assert.equal((await again.submit('/sign-in/code', '/sign-in/code', { code: recovery ?? '' })).statusCode, 401, 'a recovery code works once');
  });
});

describe('first owner and invitations', () => {
  test('a setup form with a weak password answers 400 per field, saves nothing, and the link still works', async () => {
    const token = await issueSetupToken(platform.db, undefined);
    const client = new Client(platform.app);
    await client.get(`/setup/${token}`);
    const r = await client.post(`/setup/${token}`, { organisationName: 'Weak Co', organisationKind: 'maker', displayName: 'W', email: 'weak@weak.test', password: 'password' });
    assert.equal(r.statusCode, 400);
    assert.match(r.body, /at least 12 characters/);
    assert.match(r.body, /value="weak@weak.test"/, 'what was typed is kept, except the password');
    assert.equal((await platform.db.query(`SELECT 1 FROM users WHERE email = 'weak@weak.test'`)).length, 0);
    assert.equal((await platform.db.query(`SELECT 1 FROM organisations WHERE name = 'Weak Co'`)).length, 0);
    const ok = await client.post(`/setup/${token}`, { organisationName: 'Weak Co', organisationKind: 'maker', displayName: 'W', email: 'weak@weak.test', password: STRONG_PASSWORD });
    assert.equal(ok.statusCode, 303);
    assert.equal((await new Client(platform.app).get(`/setup/${token}`)).statusCode, 404, 'a setup link works once');
  });

  test('an invitation link makes an account with the invited role, once', async () => {
    const { client: owner } = await ownerOf(platform, 'Invite Co', 'owner@invite.test');
    await owner.get('/console/members');
    const r = await owner.post('/console/members/invite', { email: 'Colleague@Invite.test', role: 'security_responder' });
    assert.equal(r.statusCode, 200);
    const link = /id="invite-link" readonly value="([^"]+)"/.exec(r.body)?.[1] ?? '';
    const path = new URL(link).pathname;
    const colleague = new Client(platform.app);
    const page = await colleague.get(path);
    assert.match(page.body, /colleague@invite.test/);
    assert.equal((await colleague.post(path, { displayName: 'Col League', password: STRONG_PASSWORD })).statusCode, 303);
    const row = await platform.db.query<{ role: string }>(`SELECT role FROM users WHERE email = 'colleague@invite.test'`);
    assert.equal(row[0]?.role, 'security_responder');
    assert.equal((await new Client(platform.app).get(path)).statusCode, 404);
    const bad = await owner.post('/console/members/invite', { email: 'not-an-address', role: 'emperor' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Enter an e-mail address/);
    assert.match(bad.body, /Choose one of the roles/);
  });

  test('the last owner cannot be demoted', async () => {
    const { client: owner } = await ownerOf(platform, 'Lonely Co', 'owner@lonely.test');
    const id = (await platform.db.query<{ id: string }>(`SELECT id FROM users WHERE email = 'owner@lonely.test'`))[0]?.id;
    await owner.get('/console/members');
    const r = await owner.post(`/console/members/${id}/role`, { role: 'viewer' });
    assert.equal(r.statusCode, 409);
    assert.match(r.body, /only owner/);
  });
});
