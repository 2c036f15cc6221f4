// Every route, every kind of caller: the table below says what each must get. A route that is
// added without a row here fails the first test, so nobody can add a page and forget to decide
// who may see it. "other" is the owner of a second organisation: for routes about organisation
// A's things it must get 404 (not even a hint they exist); for pages that list the caller's own
// organisation it gets 200, and the page must not contain anything of organisation A.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createApiToken, createSession, hmac, instanceSecret, invite, type Role } from '../accounts/index.ts';
import { routeList } from './server.ts';
import { memberOf, ownerOf, startTestPlatform, type TestPlatform } from '../../test/support/platform.ts';

type Caller = 'anonymous' | 'other' | Role;
const callers: readonly Caller[] = ['anonymous', 'other', 'owner', 'security_responder', 'product_manager', 'viewer'];

interface Prepared {
  url: string;
  body?: Record<string, string>;
}

interface Row {
  /** Builds the concrete request, e.g. a fresh invitation to revoke. */
  prepare?: () => Promise<Prepared>;
  expect: Record<Caller, number>;
  /** For 200s given to "other": org A's data must not appear. */
  api?: boolean;
}

const everyone = (status: number): Record<Caller, number> => Object.fromEntries(callers.map((c) => [c, status])) as Record<Caller, number>;
const signedIn = (status: number, anonymous: number): Record<Caller, number> => ({ ...everyone(status), anonymous });
const ownerOnly = (ownerStatus: number, otherStatus: number, anonymous: number): Record<Caller, number> => ({
  anonymous,
  other: otherStatus,
  owner: ownerStatus,
  security_responder: 403,
  product_manager: 403,
  viewer: 403,
});

let platform: TestPlatform;
let orgA: string;
let orgB: string;
let csrfKey: string;
const users = new Map<Caller, string>();
let targetMemberId: string;
let counter = 0;

const ORG_A_MARKERS = ['Acme Widgets', 'owner@acme.test', 'viewer@acme.test', 'ACME-SECRET-MODEL'];

const table: Record<string, Row> = {
  'GET /healthz': { expect: everyone(200) },
  // The test platform runs no job queue, so readiness honestly says "not ready".
  'GET /readyz': { expect: everyone(503) },
  'GET /assets/app.css': { expect: everyone(200) },
  'GET /': { expect: signedIn(303, 200) },
  'GET /sign-in': { expect: signedIn(303, 200) },
  'POST /sign-in': { prepare: async () => ({ url: '/sign-in', body: { email: `nobody${++counter}@nowhere.test`, password: 'wrong wrong wrong' } }), expect: everyone(401) },
  'GET /sign-in/code': { expect: everyone(303) },
  'POST /sign-in/code': { prepare: async () => ({ url: '/sign-in/code', body: { code: '123456' } }), expect: everyone(401) },
  'POST /sign-out': { expect: everyone(303) },
  'GET /setup/:token': { prepare: async () => ({ url: '/setup/not-a-real-token' }), expect: everyone(404) },
  'POST /setup/:token': { prepare: async () => ({ url: '/setup/not-a-real-token', body: {} }), expect: everyone(404) },
  'GET /invitations/:token': { prepare: async () => ({ url: '/invitations/not-a-real-token' }), expect: everyone(404) },
  'POST /invitations/:token': { prepare: async () => ({ url: '/invitations/not-a-real-token', body: {} }), expect: everyone(404) },
  'GET /console': { expect: signedIn(200, 303) },
  'GET /console/products': { expect: signedIn(200, 303) },
  'GET /console/members': { expect: signedIn(200, 303) },
  'POST /console/members/invite': {
    prepare: async () => ({ url: '/console/members/invite', body: { email: `new${++counter}@example.test`, role: 'viewer' } }),
    expect: ownerOnly(200, 200, 401),
  },
  'POST /console/members/:userId/role': {
    prepare: async () => ({ url: `/console/members/${targetMemberId}/role`, body: { role: 'viewer' } }),
    expect: ownerOnly(303, 404, 401),
  },
  'POST /console/invitations/:invitationId/revoke': {
    prepare: async () => {
      const { invitation } = await invite(platform.db, { label: 'test', organisationId: orgA }, { email: `revoke${++counter}@acme.test`, role: 'viewer' });
      return { url: `/console/invitations/${invitation.id}/revoke` };
    },
    expect: ownerOnly(303, 404, 401),
  },
  'GET /console/tokens': { expect: ownerOnly(200, 200, 303) },
  'POST /console/tokens': { prepare: async () => ({ url: '/console/tokens', body: { name: 'ci', scopes: 'products.read' } }), expect: ownerOnly(200, 200, 401) },
  'POST /console/tokens/:tokenId/revoke': {
    prepare: async () => {
      const { token } = await createApiToken(platform.db, { label: 'test', organisationId: orgA }, { name: `t${++counter}`, scopes: ['products.read'] });
      return { url: `/console/tokens/${token.id}/revoke` };
    },
    expect: ownerOnly(303, 404, 401),
  },
  'GET /console/security': { expect: signedIn(200, 303) },
  'POST /console/security/totp/start': { expect: signedIn(303, 401) },
  'POST /console/security/totp/confirm': { prepare: async () => ({ url: '/console/security/totp/confirm', body: { code: '000000' } }), expect: signedIn(400, 401) },
  'POST /console/security/totp/disable': { prepare: async () => ({ url: '/console/security/totp/disable', body: { password: 'not the password' } }), expect: signedIn(400, 401) },
  'GET /console/audit': { expect: ownerOnly(200, 200, 303) },
  'GET /api/v1/organisation': { expect: signedIn(200, 401), api: true },
  'GET /api/v1/products': { expect: signedIn(200, 401), api: true },
  'GET /api/v1/members': { expect: signedIn(200, 401), api: true },
  'GET /api/v1/audit': { expect: ownerOnly(200, 200, 401), api: true },
};

/** Fresh credentials for one request: a new session for a person, a new anonymous cookie otherwise. */
async function credentialsOf(caller: Caller): Promise<{ cookie: string; csrf: string }> {
  const userId = users.get(caller);
  if (!userId) {
    const anon = `anon-${++counter}`;
    return { cookie: `cn_csrf=${anon}`, csrf: hmac(csrfKey, `a:${anon}`) };
  }
  const session = await createSession(platform.db, userId, '203.0.113.9');
  return { cookie: `cn_session=${session.token}`, csrf: hmac(csrfKey, `s:${session.csrfSecret}`) };
}

describe('who may reach which route', () => {
  before(async () => {
    platform = await startTestPlatform();
    csrfKey = await instanceSecret(platform.db, 'csrf');
    const a = await ownerOf(platform, 'Acme Widgets', 'owner@acme.test');
    orgA = a.organisationId;
    const b = await ownerOf(platform, 'Bravo Devices', 'owner@bravo.test');
    orgB = b.organisationId;
    for (const role of ['security_responder', 'product_manager', 'viewer'] as const) await memberOf(platform, orgA, role, `${role.replace('_', '-')}@acme.test`);
    const rows = await platform.db.query<{ id: string; email: string }>('SELECT id, email FROM users');
    const idOf = (email: string): string => rows.find((r) => r.email === email)?.id ?? '';
    users.set('owner', idOf('owner@acme.test'));
    users.set('other', idOf('owner@bravo.test'));
    users.set('security_responder', idOf('security-responder@acme.test'));
    users.set('product_manager', idOf('product-manager@acme.test'));
    users.set('viewer', idOf('viewer@acme.test'));
    targetMemberId = idOf('viewer@acme.test');
    await platform.db.query(`INSERT INTO products (organisation_id, name, model_number) VALUES ($1, 'Acme Camera', 'ACME-SECRET-MODEL')`, [orgA]);
    await platform.db.query(`INSERT INTO products (organisation_id, name, model_number) VALUES ($1, 'Bravo Plug', 'BRAVO-1')`, [orgB]);
  });
  after(async () => platform.close());

  test('every route the server has is in the table, and every row is a route', () => {
    const known = new Set(routeList(platform.app).map((r) => `${r.method} ${r.url}`));
    const missing = [...known].filter((r) => !(r in table));
    const stale = Object.keys(table).filter((r) => !known.has(r));
    assert.deepEqual(missing, [], `routes without an access row: ${missing.join(', ')}`);
    assert.deepEqual(stale, [], `rows for routes that do not exist: ${stale.join(', ')}`);
  });

  for (const [route, row] of Object.entries(table)) {
    const [method, pattern] = route.split(' ') as [string, string];
    for (const caller of callers) {
      const expected = row.expect[caller];
      test(`${route} as ${caller} gets ${expected}`, async () => {
        const prepared = row.prepare ? await row.prepare() : { url: pattern };
        const { cookie, csrf } = await credentialsOf(caller);
        const form = new URLSearchParams({ _csrf: csrf, ...(prepared.body ?? {}) }).toString();
        const response = await platform.app.inject({
          method: method as 'GET' | 'POST',
          url: prepared.url,
          remoteAddress: `192.0.2.${callers.indexOf(caller) + 1}`,
          headers: {
            accept: row.api ? 'application/json' : 'text/html',
            cookie,
            ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          ...(method === 'POST' ? { payload: form } : {}),
        });
        assert.equal(response.statusCode, expected, `${route} as ${caller}: ${response.body.slice(0, 300)}`);
        if (caller === 'anonymous' && expected === 303 && pattern.startsWith('/console')) {
          assert.match(String(response.headers.location), /^\/sign-in\?next=/);
        }
        if (caller === 'other' && expected === 200) {
          for (const marker of ORG_A_MARKERS) assert.ok(!response.body.includes(marker), `${route} showed another organisation's ${marker}`);
        }
      });
    }
  }

  test('an API token reaches only its own organisation and only within its scopes', async () => {
    const { secret } = await createApiToken(platform.db, { label: 'test', organisationId: orgB }, { name: 'bravo ci', scopes: ['products.read'] });
    const get = (url: string, token = secret) => platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    const products = await get('/api/v1/products');
    assert.equal(products.statusCode, 200);
    assert.deepEqual(
      (products.json() as { products: { modelNumber: string }[] }).products.map((p) => p.modelNumber),
      ['BRAVO-1'],
    );
    assert.equal((await get('/api/v1/audit')).statusCode, 403);
    assert.equal((await get('/api/v1/members')).statusCode, 403);
    assert.equal((await get('/console')).statusCode, 403, 'tokens are for the API, not the console');
    const bad = await get('/api/v1/products', 'cnt_not-a-token');
    assert.equal(bad.statusCode, 401);
    assert.equal((bad.json() as { code: string }).code, 'CONNECTABLE_ERR_UNAUTHENTICATED');
  });

  test('a state-changing request without the form token is refused and changes nothing', async () => {
    const { cookie } = await credentialsOf('owner');
    const before = await platform.db.query('SELECT role FROM users WHERE id = $1', [targetMemberId]);
    const response = await platform.app.inject({
      method: 'POST',
      url: `/console/members/${targetMemberId}/role`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: 'role=owner',
    });
    assert.equal(response.statusCode, 403);
    assert.match(response.body, /form has expired/);
    assert.deepEqual(await platform.db.query('SELECT role FROM users WHERE id = $1', [targetMemberId]), before);
  });
});
