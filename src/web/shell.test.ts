import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { readConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { buildServer } from './server.ts';
import { Client } from '../../test/support/client.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { ownerOf, startTestPlatform, STRONG_PASSWORD, type TestPlatform } from '../../test/support/platform.ts';

let platform: TestPlatform;
before(async () => {
  platform = await startTestPlatform();
});
after(async () => platform.close());

describe('security headers', () => {
  test('pages carry a CSP without unsafe-inline that forbids framing', async () => {
    const r = await new Client(platform.app).get('/sign-in');
    const csp = String(r.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN');
    assert.equal(r.headers['cache-control'], 'no-store');
  });

  test('pages have no inline script or style, so the CSP costs them nothing', async () => {
    const { client } = await ownerOf(platform, 'Header Co', 'owner@header.test');
    for (const url of ['/console', '/console/members', '/console/tokens', '/console/security', '/console/audit', '/sign-in']) {
      const body = (await client.get(url)).body;
      assert.doesNotMatch(body, /<script|style=|<style/, url);
    }
  });
});

describe('errors', () => {
  test('an unknown page is a 404 page for people and a problem document for programs', async () => {
    const html = await new Client(platform.app).get('/no/such/page');
    assert.equal(html.statusCode, 404);
    assert.match(html.body, /Page not found/);
    const api = await platform.app.inject({ method: 'GET', url: '/api/v1/nothing' });
    assert.equal(api.statusCode, 404);
    assert.equal(api.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal((api.json() as { code: string }).code, 'CONNECTABLE_ERR_NOT_FOUND');
  });

  test('an id that is not a UUID is simply not found, never a server error', async () => {
    const { client } = await ownerOf(platform, 'Uuid Co', 'owner@uuid.test');
    await client.get('/console/members');
    assert.equal((await client.post("/console/members/1' OR '1'='1/role", { role: 'owner' })).statusCode, 404);
  });

  test('a malformed JSON body gets a 400 problem that says what was wrong', async () => {
    const r = await platform.app.inject({ method: 'POST', url: '/sign-in', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    assert.equal(r.statusCode, 400);
    assert.equal((r.json() as { code: string }).code, 'CONNECTABLE_ERR_INVALID_INPUT');
  });

  test('an API query with a bad parameter gets 400 naming it', async () => {
    const { client } = await ownerOf(platform, 'Query Co', 'owner@query.test');
    const r = await platform.app.inject({ method: 'GET', url: '/api/v1/audit?limit=9999', headers: { cookie: `cn_session=${client.cookies.get('cn_session')}` } });
    assert.equal(r.statusCode, 400);
    assert.match(String((r.json() as { fields: Record<string, string> }).fields['limit']), /500/);
  });
});

test('liveness and readiness answer separately', async () => {
  assert.deepEqual((await platform.app.inject('/healthz')).json(), { status: 'ok' });
  const ready = await platform.app.inject('/readyz');
  assert.equal(ready.statusCode, 503, 'no job queue runs in this test platform');
  assert.equal((ready.json() as { checks: Record<string, string> }).checks['database'], 'ok');
});

test('logs are JSON and never contain passwords, tokens, cookies or one-time links', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const db = await openTestDatabase();
  const app = await buildServer({ db, config: readConfig({}), queue: undefined, logger: createLogger('trace', sink) });
  try {
    const platformLike = { db, app, close: async () => {} };
    const { client } = await ownerOf(platformLike, 'Logged Co', 'owner@logged.test');
    const session = client.cookies.get('cn_session') ?? '';
    await client.get('/console/tokens');
    const created = await client.post('/console/tokens', { name: 'ci', scopes: 'products.read' });
    const apiToken = /id="new-token" readonly value="([^"]+)"/.exec(created.body)?.[1] ?? '';
    await app.inject({ method: 'GET', url: '/api/v1/products', headers: { authorization: `Bearer ${apiToken}` } });
    await client.get('/setup/some-secret-setup-token');
    assert.ok(lines.length > 5);
    for (const line of lines) JSON.parse(line);
    const all = lines.join('\n');
    for (const secret of [STRONG_PASSWORD, session, apiToken, 'some-secret-setup-token', client.csrf]) {
      assert.ok(secret.length > 0);
      assert.ok(!all.includes(secret), `the log contains a secret: ${secret.slice(0, 8)}…`);
    }
  } finally {
    await app.close();
    await db.close();
  }
});
