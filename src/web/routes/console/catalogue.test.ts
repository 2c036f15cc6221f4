import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkDigitFor, createProduct, setSupportPeriod } from '../../../registry/index.ts';
import { postMultipart, type Part } from '../../../../test/support/multipart.ts';
import { Client } from '../../../../test/support/client.ts';
import { ownerOf, startTestPlatform, type TestPlatform } from '../../../../test/support/platform.ts';

let platform: TestPlatform;
let owner: Client;

const gtin = (n: number): string => {
  const data = `506000200${String(n).padStart(3, '0')}`;
  return `${data}${checkDigitFor(data)}`;
};
const isoDaysFromNow = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

before(async () => {
  platform = await startTestPlatform();
  const acme = await ownerOf(platform, 'Acme Widgets', 'owner@acme.test');
  owner = acme.client;
  const actor = { label: 'owner@acme.test', organisationId: acme.organisationId };
  const soon = await createProduct(platform.db, actor, { brand: 'Acme', name: 'Doorbell', modelNumber: 'DB-1', category: 'camera', gtins: gtin(1) });
  await setSupportPeriod(platform.db, actor, soon.id, { endDate: isoDaysFromNow(40), publish: true });
  const long = await createProduct(platform.db, actor, { brand: 'Acme', name: 'Plug', modelNumber: 'PL-1', category: 'smart-plug', gtins: gtin(2) });
  await setSupportPeriod(platform.db, actor, long.id, { endDate: isoDaysFromNow(2000), atLeast: true, publish: true });
});
after(async () => platform?.close());

const decode = (s: string): string => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&').replace(/&quot;/g, '"');
const PASTED = `sku,gtin\nSKU-1,${gtin(1)}\nSKU-2,${gtin(2)}\nSKU-3,${gtin(3)}\nSKU-4,12345\n`;

async function upload(client: Client, parts: Part[], url = '/console/catalogue/check') {
  return postMultipart(client, '/console/catalogue', url, parts.map((p) => (p.filename !== undefined ? { contentType: 'text/csv', ...p } : p)));
}

describe('the catalogue check in the console', () => {
  test('the page offers a file upload and a text box, with the form token', async () => {
    const page = await owner.get('/console/catalogue');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<form method="post" action="\/console\/catalogue\/check" enctype="multipart\/form-data"/);
    assert.match(page.body, /<input id="f-file" name="file" type="file"/);
    assert.match(page.body, /<textarea id="f-csv" name="csv"/);
    assert.match(page.body, /name="_csrf" value="[^"]+"/);
  });

  test('pasted rows give a report, and the Download CSV form posts the same rows back as CSV', async () => {
    const response = await owner.submit('/console/catalogue', '/console/catalogue/check', { csv: PASTED, withinDays: '180' });
    assert.equal(response.statusCode, 200, response.body.slice(0, 500));
    assert.match(response.body, /<dt>Rows checked<\/dt><dd>4<\/dd>/);
    assert.match(response.body, /<dt>Ending soon<\/dt><dd>1<\/dd>/);
    assert.match(response.body, /<dt>Published<\/dt><dd>1<\/dd>/);
    assert.match(response.body, /<dt>Not found<\/dt><dd>1<\/dd>/);
    assert.match(response.body, /<dt>Invalid GTIN<\/dt><dd>1<\/dd>/);
    assert.match(response.body, /<a href="http:\/\/connectable.test\/makers\/acme-widgets\/products\/acme-doorbell-db-1">Acme Doorbell \(DB-1\)<\/a>/);
    assert.match(response.body, /<a href="\/console\/catalogue">Check another catalogue<\/a>/);

    const download = /<form method="post" action="\/console\/catalogue\/check\?format=csv"[^>]*>[\s\S]*?<input type="hidden" name="csv" value="([^"]*)">/.exec(response.body);
    assert.ok(download, 'a Download CSV form');
    assert.match(response.body, /<button type="submit">Download CSV<\/button>/);
    const rows = decode(download[1] ?? '');
    assert.equal(rows, PASTED);
    const csv = await owner.post('/console/catalogue/check?format=csv', { csv: rows, withinDays: '180' });
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    const lines = csv.body.trimEnd().split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[1] ?? '', new RegExp(`^2,SKU-1,${gtin(1)},Acme Widgets,DB-1,ending-soon,\\d{4}-\\d{2}-\\d{2},40,`));
    assert.match(lines[4] ?? '', /^5,SKU-4,12345,,,invalid-gtin,/);
  });

  test('an uploaded file is checked the same way, and wins over the text box', async () => {
    const response = await upload(owner, [
      { name: 'file', value: `gtin\n${gtin(2)}\n`, filename: 'range.csv' },
      { name: 'csv', value: 'not,used\n' },
      { name: 'withinDays', value: '3000' },
    ]);
    assert.equal(response.statusCode, 200, response.body.slice(0, 500));
    assert.match(response.body, /<dt>Rows checked<\/dt><dd>1<\/dd>/);
    assert.match(response.body, /<dt>Ending soon<\/dt><dd>1<\/dd>/);
    assert.match(response.body, /within 3,000 days/);
  });

  test('an empty form or an unusable header is shown again with the problem', async () => {
    const empty = await owner.submit('/console/catalogue', '/console/catalogue/check', { csv: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /class="error-summary"/);
    assert.match(empty.body, /Choose a CSV file, or paste the rows/);
    const columns = await owner.submit('/console/catalogue', '/console/catalogue/check', { csv: 'title,price\nLamp,10\n' });
    assert.equal(columns.statusCode, 400);
    assert.match(columns.body, /Columns found: title, price/);
    assert.match(columns.body, /<textarea[^>]*>title,price\nLamp,10\n<\/textarea>/);
    const days = await owner.submit('/console/catalogue', '/console/catalogue/check', { csv: PASTED, withinDays: 'lots' });
    assert.equal(days.statusCode, 400);
    assert.match(days.body, /Enter a whole number of days from 0 to 3650/);
  });

  test('a file over 20 MB is refused, naming the limit', async () => {
    const response = await upload(owner, [{ name: 'file', value: Buffer.alloc(20 * 1024 * 1024 + 10, 0x41), filename: 'huge.csv' }]);
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /larger than 20 MB/);
  });

  test('a person who is not signed in is sent to sign in, and cannot post', async () => {
    const visitor = new Client(platform.app, '198.51.100.99');
    const page = await visitor.get('/console/catalogue');
    assert.equal(page.statusCode, 303);
    assert.match(String(page.headers.location), /^\/sign-in\?next=/);
    const posted = await visitor.post('/console/catalogue/check', { csv: PASTED });
    assert.equal(posted.statusCode, 401);
  });
});
