import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isConnectableError } from '../errors.ts';
import type { PlatformDatabase } from '../store/index.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { catalogueRowsFrom, checkCatalogue, readCatalogue, type CatalogueEntry, type CatalogueOptions, type CatalogueResult } from './catalogue.ts';
import { catalogueCsv, catalogueHtml, catalogueText } from './catalogue-report.ts';
import { checkDigitFor } from './gtin.ts';
import { createProduct } from './products.ts';
import { setSupportPeriod } from './support-periods.ts';

// The check date is fixed, so "ending soon" and "ended" do not drift as the years pass.
const TODAY = new Date('2030-01-01T12:00:00Z');
const gtin13 = (n: number): string => {
  const data = `501234${String(n).padStart(6, '0')}`;
  return `${data}${checkDigitFor(data)}`;
};
const LONG = gtin13(1); // ends 2033-12-31: published
const SOON = gtin13(2); // ends 2030-03-01: 59 days after TODAY
const ENDED = gtin13(3); // ended 2029-06-30
const DRAFT = gtin13(4); // a draft period: nobody may see it
const UNKNOWN = gtin13(5);

let db: PlatformDatabase;

before(async () => {
  db = await openTestDatabase();
  const [org] = await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('lumen-devices', 'Lumen Devices Ltd', 'maker') RETURNING id`);
  const maker = { label: 'pm@lumen.test', organisationId: org?.id ?? '' };
  const product = async (model: string, gtins: string, endDate: string, publish = true) => {
    const p = await createProduct(db, maker, { brand: 'Glow', name: `Lamp ${model}`, modelNumber: model, category: 'smart-plug', gtins });
    await setSupportPeriod(db, maker, p.id, { endDate, publish });
  };
  await product('GL-100', LONG, '2033-12-31');
  await product('GL-200', SOON, '2030-03-01');
  await product('GL-300', ENDED, '2029-06-30');
  await product('GL-400', DRAFT, '2035-01-01', false);
  await product('GL-500', '', '2032-05-31');
});
after(async () => db.close());

const options = (extra: Partial<CatalogueOptions> = {}): CatalogueOptions => ({
  withinDays: 180,
  today: TODAY,
  productUrl: (p) => `https://connectable.test/makers/${p.maker.slug}/products/${p.slug}`,
  ...extra,
});

async function checkCsv(csv: string, extra: Partial<CatalogueOptions> = {}): Promise<CatalogueResult> {
  const source = readCatalogue(csv);
  return checkCatalogue(db, source.slices, options({ problems: source.problems, columns: source.columns, ...extra }));
}

const byLine = (result: CatalogueResult, line: number): CatalogueEntry => {
  const e = result.entries.find((x) => x.line === line);
  assert.ok(e, `no entry for line ${line}`);
  return e;
};

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    assert.ok(isConnectableError(e), `not a ConnectableError: ${String(e)}`);
    assert.equal(e.code, 'CONNECTABLE_ERR_INVALID_INPUT');
    return e.message;
  }
  assert.fail('expected the check to be refused');
}

describe('checking a catalogue by GTIN', () => {
  test('each row gets its status, end date, days left and the product page', async () => {
    const result = await checkCsv(`sku,ean\nA-1,${LONG}\nA-2,${SOON}\nA-3,${ENDED}\nA-4,${UNKNOWN}\n`);
    assert.deepEqual(
      result.entries.map((e) => [e.line, e.input.reference, e.status, e.endDate, e.daysLeft]),
      [
        [2, 'A-1', 'published', '2033-12-31', 1460],
        [3, 'A-2', 'ending-soon', '2030-03-01', 59],
        [4, 'A-3', 'ended', '2029-06-30', -185],
        [5, 'A-4', 'not-found', undefined, undefined],
      ],
    );
    assert.equal(byLine(result, 2).productUrl, 'https://connectable.test/makers/lumen-devices/products/glow-lamp-gl-100-gl-100');
    assert.match(byLine(result, 3).message, /59 days from now/);
    assert.match(byLine(result, 4).message, /ended on 30 June 2029/);
    assert.match(byLine(result, 5).message, /No published support period for GTIN/);
    assert.deepEqual(result.columns, { gtin: 'ean', reference: 'sku' });
    assert.equal(result.checkedOn, '2030-01-01');
    assert.deepEqual(result.summary, { rows: 4, byStatus: { published: 1, 'ending-soon': 1, ended: 1, 'not-found': 1, 'invalid-gtin': 0, unreadable: 0 } });
  });

  test('a draft support period is reported exactly like a product nobody registered', async () => {
    const result = await checkCsv(`gtin\n${DRAFT}\n${UNKNOWN}\n`);
    const [draft, unknown] = result.entries;
    assert.equal(draft?.status, 'not-found');
    assert.equal(draft?.message.replace(DRAFT, 'X'), unknown?.message.replace(UNKNOWN, 'X'));
    assert.equal(draft?.product, undefined);
  });

  test('a GTIN with a wrong check digit is invalid, naming the digit expected', async () => {
    const wrong = `${LONG.slice(0, -1)}${(Number(LONG.at(-1)) + 1) % 10}`;
    const result = await checkCsv(`gtin\n${wrong}\n4.01235E+12\n123\n`);
    assert.deepEqual(result.entries.map((e) => e.status), ['invalid-gtin', 'invalid-gtin', 'invalid-gtin']);
    assert.match(byLine(result, 2).message, new RegExp(`should be ${LONG.at(-1)}, not ${wrong.at(-1)}`));
    assert.match(byLine(result, 3).message, /format the column as text/);
    assert.match(byLine(result, 4).message, /has 3/);
  });

  test('GTIN-8, -12 and -14 forms with spaces or dashes find the same product', async () => {
    const result = await checkCsv(`barcode\n0${LONG}\n${LONG.slice(0, 4)} ${LONG.slice(4)}\n${LONG.slice(0, 6)}-${LONG.slice(6)}\n`);
    assert.deepEqual(result.entries.map((e) => e.status), ['published', 'published', 'published']);
  });

  test('unreadable lines are reported by line number and the rest are still checked', async () => {
    const result = await checkCsv(`gtin,sku\n${LONG},A\n${SOON},B,extra\n"${ENDED},C\n`);
    assert.equal(byLine(result, 2).status, 'published');
    assert.equal(byLine(result, 3).status, 'unreadable');
    assert.match(byLine(result, 3).message, /^Line 3 could not be read: the row has 3 fields but the header has 2/);
    assert.equal(byLine(result, 4).status, 'unreadable');
    assert.match(byLine(result, 4).message, /quoted field is not closed/);
    const blank = await checkCsv(`gtin,sku\n,A\n${LONG},B\n`);
    assert.deepEqual(blank.entries.map((e) => [e.line, e.status, e.message]), [
      [2, 'unreadable', 'Line 2 needs a GTIN.'],
      [3, 'published', 'This device will receive security updates until 31 December 2033.'],
    ]);
  });
});

describe('checking a catalogue by maker and model', () => {
  test('the maker is matched by public slug, name or brand, ignoring case', async () => {
    const result = await checkCsv(
      'Manufacturer,Model Number,SKU\nlumen-devices,GL-500,S1\nLUMEN DEVICES LTD,gl-200,S2\nGlow,GL-300,S3\nLumen Devices Ltd,GL-999,S4\nOther Ltd,GL-500,S5\nLumen Devices Ltd,,S6\n',
    );
    assert.deepEqual(
      result.entries.map((e) => [e.input.reference, e.status]),
      [
        ['S1', 'published'],
        ['S2', 'ending-soon'],
        ['S3', 'ended'],
        ['S4', 'not-found'],
        ['S5', 'not-found'],
        ['S6', 'unreadable'],
      ],
    );
    assert.deepEqual(byLine(result, 2).product, { maker: 'Lumen Devices Ltd', brand: 'Glow', name: 'Lamp GL-500', modelNumber: 'GL-500' });
    assert.match(byLine(result, 5).message, /model GL-999 of Lumen Devices Ltd/);
    assert.equal(byLine(result, 7).message, 'Line 7 needs both a maker and a model.');
  });

  test('a GTIN nobody registered falls back to the maker and model on the same row', async () => {
    const result = await checkCsv(`gtin,brand,mpn\n${UNKNOWN},Glow,GL-500\n${UNKNOWN},Glow,GL-404\n`);
    assert.equal(byLine(result, 2).status, 'published');
    assert.equal(byLine(result, 2).endDate, '2032-05-31');
    assert.equal(byLine(result, 3).status, 'not-found');
    assert.match(byLine(result, 3).message, /GTIN .*, nor for model GL-404 of Glow/);
  });

  test('rows given as JSON objects are checked the same way, numbered from 1', async () => {
    const source = catalogueRowsFrom([{ gtin: LONG }, { maker: 'lumen-devices', model: 'GL-300', reference: 'R2' }, {}]);
    const result = await checkCatalogue(db, source.slices, options({ columns: source.columns }));
    assert.deepEqual(result.entries.map((e) => [e.line, e.status]), [
      [1, 'published'],
      [2, 'ended'],
      [3, 'unreadable'],
    ]);
  });
});

describe('the ending-soon window', () => {
  test('a period is ending soon from the window up to its last day, and ended after it', async () => {
    const csv = `gtin\n${SOON}\n`;
    assert.equal((await checkCsv(csv, { withinDays: 58 })).entries[0]?.status, 'published');
    assert.equal((await checkCsv(csv, { withinDays: 59 })).entries[0]?.status, 'ending-soon');
    assert.equal((await checkCsv(csv, { today: new Date('2030-03-01T23:00:00Z'), withinDays: 0 })).entries[0]?.status, 'ending-soon');
    assert.equal((await checkCsv(csv, { today: new Date('2030-03-02T00:00:00Z') })).entries[0]?.status, 'ended');
  });

  test('a window outside 0 to 3650 days is refused', async () => {
    assert.match(await rejection(checkCsv('gtin\n', { withinDays: -1 })), /from 0 to 3650/);
    assert.match(await rejection(checkCsv('gtin\n', { withinDays: 1.5 })), /whole number/);
  });
});

describe('what is not a catalogue', () => {
  test('more rows than the limit are refused, naming the limit', async () => {
    const rows = Array.from({ length: 11 }, (_, i) => gtin13(100 + i)).join('\n');
    assert.match(await rejection(checkCsv(`gtin\n${rows}\n`, { limits: { maxRows: 10 } })), /more than 10 rows/);
    assert.equal((await checkCsv(`gtin\n${rows.split('\n').slice(0, 10).join('\n')}\n`, { limits: { maxRows: 10 } })).summary.rows, 10);
    const broken = Array.from({ length: 11 }, () => 'x,y').join('\n');
    assert.match(await rejection(checkCsv(`gtin\n${broken}`, { limits: { maxRows: 10 } })), /more than 10 rows/);
  });

  test('a file over 20 MB is refused, naming the limit', async () => {
    const big = `gtin,notes\n${`${LONG},${'x'.repeat(1000)}\n`.repeat(21 * 1024)}`;
    assert.match(await rejection(checkCsv(big)), /larger than 20 MB/);
  });

  test('binary files and spreadsheets are refused as not CSV', async () => {
    const xlsx = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(100, 7)]);
    const source = readCatalogue(xlsx);
    assert.match(await rejection(checkCatalogue(db, source.slices, options({ columns: source.columns }))), /spreadsheet \(XLSX or ODS\), not CSV/);
    const binary = readCatalogue(Buffer.from([0x67, 0x74, 0x69, 0x6e, 0x0a, 0x00, 0x01, 0x02]));
    assert.match(await rejection(checkCatalogue(db, binary.slices, options())), /binary data/);
  });

  test('a header without a GTIN column, nor maker and model columns, names the columns it has', async () => {
    assert.match(await rejection(checkCsv('title,price\nLamp,10\n')), /Columns found: title, price\./);
    assert.match(await rejection(checkCsv('maker,colour\nGlow,red\n')), /Columns found: maker, colour\./);
    assert.match(await rejection(checkCsv('')), /Columns found: none\./);
    assert.match(await rejection(checkCsv('sku;ean\nA;5012340000010\n')), /separated by semicolons: save the file with commas/);
  });

  test('a header with no rows is an empty, valid check', async () => {
    const result = await checkCsv('gtin\n');
    assert.equal(result.summary.rows, 0);
  });
});

describe('the report writers', () => {
  test('CSV has one line a row, quoting where needed, in file order', async () => {
    const result = await checkCsv(`sku,gtin\n"Lamp, large",${LONG}\nX,${UNKNOWN}\n`);
    const lines = catalogueCsv(result).trimEnd().split('\n');
    assert.equal(lines[0], 'line,reference,gtin,maker,model,status,end_date,days_left,product_url,message');
    assert.equal(
      lines[1],
      `2,"Lamp, large",${LONG},Lumen Devices Ltd,GL-100,published,2033-12-31,1460,https://connectable.test/makers/lumen-devices/products/glow-lamp-gl-100-gl-100,This device will receive security updates until 31 December 2033.`,
    );
    assert.match(lines[2] ?? '', new RegExp(`^3,X,${UNKNOWN},,,not-found,,,,"No published support period`));
  });

  test('the HTML report escapes what the file contains and lists the rows to act on', async () => {
    const result = await checkCsv(`sku,gtin\n<script>alert(1)</script>,${ENDED}\nok,${LONG}\n`);
    const page = catalogueHtml(result);
    assert.ok(!page.includes('<script>'));
    assert.match(page, /&#60;script&#62;/);
    assert.match(page, /<dt>Ended<\/dt><dd>1<\/dd>/);
    assert.match(page, /href="https:\/\/connectable.test\/makers\/lumen-devices\/products\/glow-lamp-gl-300-gl-300"/);
    const small = catalogueHtml(result, { maxRows: 1 });
    assert.match(small, /Rows that need attention/);
    assert.ok(!small.includes('>ok<'));
    assert.match(small, /1 more row is not shown here/);
  });

  test('the text summary counts every status and lists rows that need attention', async () => {
    const result = await checkCsv(`gtin\n${LONG}\n${ENDED}\n`);
    const text = catalogueText(result, { source: 'shop.csv' });
    assert.match(text, /^Checked 2 rows of shop.csv on 2030-01-01/);
    assert.match(text, /Ended\s+1/);
    assert.match(text, /line 3 {2}\d+ {2}Ended: Security updates for this device ended on 30 June 2029/);
    assert.ok(!/line 2/.test(text));
  });
});
