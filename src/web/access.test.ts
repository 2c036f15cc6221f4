// Every route, every kind of caller: the table below says what each must get. A route that is
// added without a row here fails the first test, so nobody can add a page and forget to decide
// who may see it. "other" is the owner of a second organisation: for routes about organisation
// A's things it must get 404 (not even a hint they exist); for pages that list the caller's own
// organisation it gets 200, and the page must not contain anything of organisation A.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fs from 'node:fs';
import { createApiToken, createSession, hmac, instanceSecret } from '../accounts/index.ts';
import { createProduct, setSupportPeriod } from '../registry/index.ts';
import { callers, type AccessContext, type AccessRows, type Caller, type Row } from './access-table/types.ts';
import { routeList } from './server.ts';
import { memberOf, ownerOf, startTestPlatform, type TestPlatform } from '../../test/support/platform.ts';

let platform: TestPlatform;
let orgA: string;
let orgB: string;
let csrfKey: string;
const users = new Map<Caller, string>();
let targetMemberId: string;
let counter = 0;
let productA: string;
let productSlugA: string;

const ORG_A_MARKERS = ['Acme Widgets', 'owner@acme.test', 'viewer@acme.test', 'ACME-SECRET-MODEL'];
// What even public pages must never show: people, and products whose period is not published.
const PRIVATE_MARKERS = ['owner@acme.test', 'viewer@acme.test', 'ACME-SECRET-MODEL'];

// Every file in access-table/ contributes rows; they are loaded before the tests are defined.
const rowFiles = fs.readdirSync(new URL('./access-table/', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'types.ts');
const rowSets: AccessRows[] = [];
for (const f of rowFiles) {
  const module = (await import(`./access-table/${f}`)) as Record<string, unknown>;
  for (const value of Object.values(module)) if (typeof value === 'function') rowSets.push(value as AccessRows);
}
const context: AccessContext = {
  get db() {
    return platform.db;
  },
  get orgA() {
    return orgA;
  },
  get orgB() {
    return orgB;
  },
  get targetMemberId() {
    return targetMemberId;
  },
  get productA() {
    return productA;
  },
  get gtinA() {
    return '04012345000016';
  },
  get makerSlugA() {
    return 'acme-widgets';
  },
  get productSlugA() {
    return productSlugA;
  },
  next: () => ++counter,
};
const table: Record<string, Row> = {};
for (const rows of rowSets) {
  for (const [route, row] of Object.entries(rows(context))) {
    if (route in table) throw new Error(`two access-table files list ${route}`);
    table[route] = row;
  }
}


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
    const actorA = { label: 'owner@acme.test', organisationId: orgA };
    const published = await createProduct(platform.db, actorA, { brand: 'Acme', name: 'Acme Camera', modelNumber: 'ACME-PUBLIC-1', category: 'camera', gtins: '4012345000016' });
    await setSupportPeriod(platform.db, actorA, published.id, { endDate: '2031-01-31', publish: true });
    productA = published.id;
    productSlugA = published.slug;
    const draft = await createProduct(platform.db, actorA, { brand: 'Acme', name: 'Acme Secret', modelNumber: 'ACME-SECRET-MODEL', category: 'camera', gtins: '' });
    await setSupportPeriod(platform.db, actorA, draft.id, { endDate: '2029-01-31', publish: false });
    await createProduct(platform.db, { label: 'owner@bravo.test', organisationId: orgB }, { brand: 'Bravo', name: 'Bravo Plug', modelNumber: 'BRAVO-1', category: 'smart-plug', gtins: '' });
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
          method: method as 'GET' | 'POST' | 'PUT' | 'DELETE',
          url: prepared.url,
          remoteAddress: `192.0.2.${callers.indexOf(caller) + 1}`,
          headers: {
            accept: row.api ? 'application/json' : 'text/html',
            cookie,
            ...(method !== 'GET' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            ...(prepared.headers ?? {}),
          },
          ...(method !== 'GET' ? { payload: form } : {}),
        });
        assert.equal(response.statusCode, expected, `${route} as ${caller}: ${response.body.slice(0, 300)}`);
        if (caller === 'anonymous' && expected === 303 && pattern.startsWith('/console')) {
          assert.match(String(response.headers.location), /^\/sign-in\?next=/);
        }
        if (caller === 'other' && expected === 200) {
          for (const marker of row.public ? PRIVATE_MARKERS : ORG_A_MARKERS) assert.ok(!response.body.includes(marker), `${route} showed another organisation's ${marker}`);
        }
        if (row.public) for (const marker of PRIVATE_MARKERS) assert.ok(!response.body.includes(marker), `${route} showed private data: ${marker}`);
      });
    }
  }

  test('an API token reaches only its own organisation and only within its scopes', async () => {
    const { secret } = await createApiToken(platform.db, { label: 'test', organisationId: orgB }, { name: 'bravo ci', scopes: ['products.read'] });
    const get = (url: string, token = secret) => platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    const products = await get('/api/v1/products');
    assert.equal(products.statusCode, 200);
    const models = (products.json() as { products: { modelNumber: string }[] }).products.map((p) => p.modelNumber);
    assert.ok(models.includes('BRAVO-1'));
    assert.ok(!models.some((m) => m.startsWith('ACME-')), `organisation B's token saw ${models.join(', ')}`);
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
