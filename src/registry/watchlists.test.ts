import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { isConnectableError } from '../errors.ts';
import { sendPendingEmails } from '../mail/index.ts';
import type { PlatformDatabase } from '../store/index.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { createProduct } from './products.ts';
import { setSupportPeriod } from './support-periods.ts';
import { createWatchlist, watchCatalogues } from './watchlists.ts';

let db: PlatformDatabase;
let maker: { label: string; organisationId: string };
let retailer: { label: string; organisationId: string };
const today = new Date('2026-11-26T08:00:00Z');

async function organisation(slug: string, kind: string): Promise<string> {
  const rows = await db.query<{ id: string }>('INSERT INTO organisations (slug, name, kind) VALUES ($1, $1, $2) RETURNING id', [slug, kind]);
  return rows[0]?.id ?? '';
}

async function product(model: string, gtin: string, endDate?: string): Promise<string> {
  const p = await createProduct(db, maker, { brand: 'W', name: model, modelNumber: model, category: 'camera', gtins: gtin });
  if (endDate) await setSupportPeriod(db, maker, p.id, { endDate, publish: true });
  return p.id;
}

/** A real SMTP server on loopback that keeps what it receives. */
async function smtpSink(): Promise<{ url: string; received: string[]; close: () => Promise<void> }> {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}

before(async () => {
  db = await openTestDatabase();
  maker = { label: 'maker@w.test', organisationId: await organisation('w-maker', 'maker') };
  retailer = { label: 'buyer@shop.test', organisationId: await organisation('w-shop', 'retailer') };
});
after(async () => db.close());

describe('saved catalogues', () => {
  test('alert once on ending, extension and new publication, and send through SMTP', async () => {
    const far = await product('FAR-1', '4006381333931', '2030-01-31');
    await product('SOON-1', '96385074', '2026-12-20');
    const later = await product('LATER-1', '00000000000017');
    const { watchlist, skipped } = await createWatchlist(
      db,
      retailer,
      { name: 'Smart home', notifyEmail: 'Buying@Shop.test', withinDays: '60' },
      Readable.from(['sku,gtin\nA-1,4006381333931\nA-2,9638 5074\nA-3,0000000000017\nA-4,4006381333932\n']),
    );
    assert.equal(watchlist.items, 3);
    assert.equal(watchlist.notifyEmail, 'buying@shop.test');
    assert.deepEqual(skipped, [{ line: 5, message: 'The check digit of 4006381333932 should be 1, not 2: check for a typing error.' }]);

    await setSupportPeriod(db, maker, far, { endDate: '2031-01-31' });
    await setSupportPeriod(db, maker, later, { endDate: '2029-06-30', publish: true });
    assert.equal(await watchCatalogues(db, today), 1, 'one digest for the catalogue');
    assert.equal(await watchCatalogues(db, today), 0, 'nothing new the second time');

    const queued = await db.query<{ recipient: string; subject: string; body: string }>('SELECT recipient, subject, body FROM outbound_emails');
    assert.equal(queued.length, 1);
    assert.equal(queued[0]?.recipient, 'buying@shop.test');
    assert.match(queued[0]?.subject ?? '', /"Smart home" \(3 products\)/);
    const body = queued[0]?.body ?? '';
    assert.match(body, /W SOON-1 \(SOON-1\) \[A-2\]: security updates END on 20 December 2026/);
    assert.match(body, /W FAR-1 \(FAR-1\) \[A-1\]: support EXTENDED from 31 January 2030 to 31 January 2031/);
    assert.match(body, /W LATER-1 \(LATER-1\) \[A-3\]: support period now published, until 30 June 2029/);

    const smtp = await smtpSink();
    try {
      const result = await sendPendingEmails(db, smtp.url, 'Connectable <alerts@connectable.test>');
      assert.deepEqual(result, { sent: 1, failed: 0 });
      assert.equal(smtp.received.length, 1);
      const mail = await simpleParser(smtp.received[0] ?? '');
      assert.equal(mail.subject, 'Support period changes in "Smart home" (3 products)');
      assert.equal(mail.from?.value[0]?.address, 'alerts@connectable.test');
      assert.match(mail.text ?? '', /security updates END on 20 December 2026/);
      assert.deepEqual(await sendPendingEmails(db, smtp.url, 'x@connectable.test'), { sent: 0, failed: 0 }, 'sent once');
    } finally {
      await smtp.close();
    }
  });

  test('a mail server that is down loses nothing: the message waits with its error', async () => {
    await db.query(`INSERT INTO outbound_emails (recipient, subject, body) VALUES ('x@shop.test', 'Waiting', 'text')`);
    const result = await sendPendingEmails(db, 'smtp://127.0.0.1:1', 'x@connectable.test');
    assert.equal(result.failed, 1);
    const row = await db.query<{ sent_at: Date | null; attempts: number; last_error: string }>(`SELECT sent_at, attempts, last_error FROM outbound_emails WHERE subject = 'Waiting'`);
    assert.equal(row[0]?.sent_at, null);
    assert.equal(row[0]?.attempts, 1);
    assert.match(row[0]?.last_error ?? '', /ECONNREFUSED/);
  });

  test('a catalogue without a GTIN column, or with a bad e-mail, is refused saying what to fix', async () => {
    await assert.rejects(createWatchlist(db, retailer, { name: 'X', notifyEmail: 'a@b.test', withinDays: 30 }, Readable.from(['sku,name\n1,x\n'])), (e: unknown) => {
      assert.ok(isConnectableError(e));
      assert.match(e.message, /needs a GTIN column .* Columns found: sku, name/);
      return true;
    });
    await assert.rejects(createWatchlist(db, retailer, { name: 'X', notifyEmail: 'nope', withinDays: 0 }, Readable.from(['gtin\n96385074\n'])), (e: unknown) => {
      assert.ok(isConnectableError(e));
      assert.ok(e.fields?.['notifyEmail'] && e.fields['withinDays']);
      return true;
    });
  });
});
