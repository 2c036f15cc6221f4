import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isConnectableError } from '../errors.ts';
import type { PlatformDatabase } from '../store/index.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { checkDigitFor, parseGtin } from './gtin.ts';
import { createProduct, updateProduct } from './products.ts';
import { daysLeft, getSupportPeriod, setSupportPeriod, supportPeriodHistory, supportStatement } from './support-periods.ts';

let db: PlatformDatabase;
let maker: { label: string; organisationId: string };
let n = 0;

before(async () => {
  db = await openTestDatabase();
  const org = await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('periods', 'Periods Ltd', 'maker') RETURNING id`);
  maker = { label: 'pm@periods.test', organisationId: org[0]?.id ?? '' };
});
after(async () => db.close());

const product = async (gtins = '') => createProduct(db, maker, { brand: 'P', name: `Thing ${++n}`, modelNumber: `T-${n}`, category: 'camera', gtins });

describe('GTINs', () => {
  test('the check digit is computed as GS1 specifies, for every length', () => {
    assert.equal(checkDigitFor('400638133393'), 1); // GTIN-13 4006381333931
    assert.equal(checkDigitFor('9638507'), 4); // GTIN-8 96385074
    assert.deepEqual(parseGtin('4006381333931'), { ok: true, gtin14: '04006381333931' });
    assert.deepEqual(parseGtin('9638 5074'), { ok: true, gtin14: '00000096385074' });
  });

  test('a wrong check digit is refused with the digit that was expected', () => {
    const r = parseGtin('4006381333932');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /should be 1, not 2/);
    const short = parseGtin('12345');
    assert.match(short.ok ? '' : short.reason, /8, 12, 13 or 14 digits; "12345" has 5/);
  });

  test('a product form with a bad GTIN saves nothing and names the expected check digit', async () => {
    await assert.rejects(createProduct(db, maker, { brand: 'P', name: 'Bad', modelNumber: 'BAD-1', category: 'camera', gtins: '4006381333932' }), (e: unknown) => {
      assert.ok(isConnectableError(e));
      assert.match(e.fields?.['gtins'] ?? '', /should be 1, not 2/);
      return true;
    });
    assert.equal((await db.query(`SELECT 1 FROM products WHERE model_number = 'BAD-1'`)).length, 0);
  });

  test('one GTIN names one product', async () => {
    await product('96385074');
    await assert.rejects(product('00000096385074'), /registered to another product/);
  });
});

describe('support periods', () => {
  test('a draft may change freely and is not in the public history', async () => {
    const p = await product();
    await setSupportPeriod(db, maker, p.id, { endDate: '2030-01-31' });
    await setSupportPeriod(db, maker, p.id, { endDate: '2028-01-31' });
    assert.equal((await getSupportPeriod(db, p.id))?.endDate, '2028-01-31');
    assert.deepEqual(await supportPeriodHistory(db, p.id), []);
  });

  test('once published it can be extended, and every step is in the history', async () => {
    const p = await product();
    await setSupportPeriod(db, maker, p.id, { endDate: '2029-03-31', publish: true });
    await setSupportPeriod(db, maker, p.id, { endDate: '2030-03-31' });
    await setSupportPeriod(db, maker, p.id, { endDate: '2030-03-31', atLeast: true });
    const history = await supportPeriodHistory(db, p.id);
    assert.deepEqual(
      history.map((h) => [h.event, h.endDate, h.previousEndDate, h.atLeast]),
      [
        ['published', '2029-03-31', null, false],
        ['extended', '2030-03-31', '2029-03-31', false],
        ['wording_changed', '2030-03-31', null, true],
      ],
    );
    const period = await getSupportPeriod(db, p.id);
    assert.ok(period?.publishedAt instanceof Date, 'stays published without asking again');
  });

  test('shortening a published period is refused with the reason and the law, and changes nothing', async () => {
    const p = await product();
    await setSupportPeriod(db, maker, p.id, { endDate: '2030-06-30', publish: true });
    await assert.rejects(setSupportPeriod(db, maker, p.id, { endDate: '2030-06-29' }), (e: unknown) => {
      assert.ok(isConnectableError(e));
      assert.equal(e.code, 'CONNECTABLE_ERR_SUPPORT_PERIOD_SHORTENED');
      assert.equal(e.status, 409);
      assert.equal(e.lawId, 'psti.s1.3.4');
      assert.match(e.message, /published with the end date 2030-06-30; it can be extended but never shortened/);
      return true;
    });
    assert.equal((await getSupportPeriod(db, p.id))?.endDate, '2030-06-30');
  });

  test('the database itself refuses to shorten, unpublish or delete a published period, or delete its product', async () => {
    const p = await product();
    await setSupportPeriod(db, maker, p.id, { endDate: '2030-06-30', publish: true });
    await assert.rejects(db.query(`UPDATE support_periods SET end_date = '2029-01-01' WHERE product_id = $1`, [p.id]), /cannot move earlier/);
    await assert.rejects(db.query(`UPDATE support_periods SET published_at = NULL WHERE product_id = $1`, [p.id]), /publication time/);
    await assert.rejects(db.query(`DELETE FROM support_periods WHERE product_id = $1`, [p.id]), /cannot be removed/);
    await assert.rejects(db.query(`DELETE FROM products WHERE id = $1`, [p.id]), /cannot be deleted/);
    await assert.rejects(db.query(`DELETE FROM support_period_history WHERE product_id = $1`, [p.id]), /append-only/);
    await assert.rejects(db.query(`UPDATE support_period_history SET end_date = '2040-01-01' WHERE product_id = $1`, [p.id]), /append-only/);
  });

  test('an impossible date is refused in words', async () => {
    const p = await product();
    await assert.rejects(setSupportPeriod(db, maker, p.id, { endDate: '2030-02-30' }), /That date does not exist/);
    await assert.rejects(setSupportPeriod(db, maker, p.id, { endDate: '31/03/2030' }), /YYYY-MM-DD/);
  });

  test('editing product details leaves the published period alone', async () => {
    const p = await product();
    await setSupportPeriod(db, maker, p.id, { endDate: '2031-01-01', publish: true });
    await updateProduct(db, maker, p.id, { brand: 'P', name: 'Renamed', modelNumber: p.modelNumber, category: 'camera', gtins: '' });
    assert.equal((await getSupportPeriod(db, p.id))?.endDate, '2031-01-01');
  });
});

test('the statement a buyer reads is plain English', () => {
  const today = new Date('2026-11-26T12:00:00Z');
  assert.equal(supportStatement({ endDate: '2030-03-31', atLeast: false }, today), 'This device will receive security updates until 31 March 2030.');
  assert.equal(supportStatement({ endDate: '2030-03-31', atLeast: true }, today), 'This device will receive security updates at least until 31 March 2030.');
  assert.equal(supportStatement({ endDate: '2025-06-30', atLeast: false }, today), 'Security updates for this device ended on 30 June 2025.');
  assert.equal(daysLeft('2026-11-27', today), 1);
  assert.equal(daysLeft('2026-11-26', today), 0, 'the end date itself is still covered');
});
