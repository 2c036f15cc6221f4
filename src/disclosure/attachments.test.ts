import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { isConnectableError, type ConnectableError } from '../errors.ts';
import type { PlatformDatabase, Queryable } from '../store/index.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { attachmentLimits, checkUpload, downloadHeaders, listAttachments, readAttachment, storeAttachments, type CheckedFile } from './attachments.ts';
import { submitReport } from './reports.ts';

const MiB = 1024 * 1024;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ELF_HEADER = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0];

/** A PNG signature followed by `rest`, so any payload passes as an image. */
function png(rest: readonly number[] | number): Uint8Array {
  const body = typeof rest === 'number' ? new Uint8Array(rest) : Uint8Array.from(rest);
  const out = new Uint8Array(PNG_SIGNATURE.length + body.length);
  out.set(PNG_SIGNATURE);
  out.set(body, PNG_SIGNATURE.length);
  return out;
}
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

function invalidWith(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(isConnectableError(e), `expected a ConnectableError, got ${String(e)}`);
    assert.equal(e.code, 'CONNECTABLE_ERR_INVALID_INPUT');
    assert.match(e.fields?.['attachments'] ?? '', pattern);
    return true;
  };
}
const isNotFound = (e: unknown): boolean => isConnectableError(e) && (e as ConnectableError).code === 'CONNECTABLE_ERR_NOT_FOUND';

describe('checking an upload', () => {
  test('accepted files come back named safely, typed from their bytes and hashed', () => {
    const image = png([1, 2, 3]);
    const [checked, ...rest] = checkUpload([{ fileName: '../screens/"login".png', bytes: image }]);
    assert.equal(rest.length, 0);
    assert.deepEqual(checked, { fileName: 'login.png', mediaType: 'image/png', bytes: image, sha256: sha256(image) });
  });

  test('no files is not an error: attachments are optional', () => {
    assert.deepEqual(checkUpload([]), []);
  });

  test('every refused file is named with its reason, and none of the upload is accepted', () => {
    const files = [
      { fileName: 'screenshot.png', bytes: png(16) },
      { fileName: 'exploit', bytes: Uint8Array.from(ELF_HEADER) },
      { fileName: 'empty.txt', bytes: new Uint8Array(0) },
      { fileName: 'poc.html', bytes: text('<!DOCTYPE html><script>alert(1)</script>') },
      { fileName: 'capture.png', bytes: png(attachmentLimits.maxFileBytes) },
    ];
    assert.throws(
      () => checkUpload(files),
      (e: unknown) => {
        assert.ok(isConnectableError(e) && e.code === 'CONNECTABLE_ERR_INVALID_INPUT');
        const detail = e.fields?.['attachments'] ?? '';
        assert.match(detail, /exploit: Executables \(ELF\) are not accepted/);
        assert.match(detail, /empty\.txt: the file is empty/);
        assert.match(detail, /poc\.html: HTML is not accepted, as it could run script when opened/);
        assert.match(detail, /capture\.png: the file is too large \(10 MiB; the limit is 10 MiB per file\)/);
        assert.doesNotMatch(detail, /screenshot\.png/, 'an accepted file is not listed as refused');
        assert.match(e.message, /^4 of 5 files could not be attached, so none was/);
        return true;
      },
    );
  });

  test(`more than ${attachmentLimits.maxFilesPerUpload} files at once are refused`, () => {
    const files = Array.from({ length: attachmentLimits.maxFilesPerUpload + 1 }, (_, i) => ({ fileName: `${i}.png`, bytes: png([i]) }));
    assert.throws(() => checkUpload(files), invalidWith(/Attach at most 5 files at a time \(you chose 6\)/));
  });
});

let db: PlatformDatabase;
let organisation: { id: string; name: string };

before(async () => {
  db = await openTestDatabase();
  const id = (await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('att', 'Attach Ltd', 'maker') RETURNING id`))[0]?.id ?? '';
  organisation = { id, name: 'Attach Ltd' };
});
after(async () => db.close());

async function newReport(): Promise<string> {
  const { reference } = await submitReport(
    db,
    organisation,
    { productText: 'Camera C-1', title: 'Telnet with a fixed password', description: 'Port 23 accepts root with a password printed in the manual.', steps: 'telnet 192.0.2.1', aiUse: 'none' },
    'http://a.test',
  );
  return (await db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [reference]))[0]?.id ?? '';
}

/** As a caller does: lock the report's row, then store, all in one transaction. */
async function attach(reportId: string, files: CheckedFile[], uploadedBy: 'reporter' | 'responder' = 'reporter') {
  return db.transaction(async (tx: Queryable) => {
    await tx.query('SELECT 1 FROM vulnerability_reports WHERE id = $1 FOR UPDATE', [reportId]);
    return storeAttachments(tx, reportId, uploadedBy, files);
  });
}

async function countOf(reportId: string): Promise<number> {
  return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM report_attachments WHERE report_id = $1', [reportId]))[0]?.n ?? -1;
}

describe('storing, listing and reading attachments', () => {
  test('a file comes back byte for byte, with its name, type, size and hash, and the timeline records it', async () => {
    const reportId = await newReport();
    const everyByte = png(Array.from({ length: 512 }, (_, i) => i % 256));
    const notes = text('Gerät: C-1\nroot / 12345\n');
    const [stored, storedNotes] = await attach(reportId, checkUpload([{ fileName: 'every byte.png', bytes: everyByte }, { fileName: 'Notizen für „Gerät“.txt', bytes: notes }]));
    assert.ok(stored && storedNotes);
    assert.equal(stored.size, everyByte.length);
    assert.equal(stored.uploadedBy, 'reporter');

    const listed = await listAttachments(db, reportId);
    assert.deepEqual(
      listed.map(({ createdAt, ...rest }) => (assert.ok(createdAt instanceof Date), rest)),
      [
        { id: stored.id, fileName: 'every byte.png', mediaType: 'image/png', size: everyByte.length, sha256: sha256(everyByte), uploadedBy: 'reporter' },
        { id: storedNotes.id, fileName: 'Notizen für „Gerät“.txt', mediaType: 'text/plain', size: notes.length, sha256: sha256(notes), uploadedBy: 'reporter' },
      ],
    );
    assert.ok(listed.every((a) => !('content' in a)), 'a listing never carries the contents');

    const read = await readAttachment(db, reportId, stored.id);
    assert.ok(Buffer.isBuffer(read.content));
    assert.deepEqual(new Uint8Array(read.content), everyByte, 'all 256 byte values survive the round trip');
    assert.deepEqual({ ...read, content: undefined }, { fileName: 'every byte.png', mediaType: 'image/png', size: everyByte.length, sha256: sha256(everyByte), content: undefined });

    const events = await db.query<{ event: string; actor: string; details: Record<string, unknown> }>(
      `SELECT event, actor, details FROM report_events WHERE report_id = $1 AND event = 'attachment_added' ORDER BY id`,
      [reportId],
    );
    assert.deepEqual(events, [
      { event: 'attachment_added', actor: 'reporter', details: { fileName: 'every byte.png', size: everyByte.length, sha256: sha256(everyByte) } },
      { event: 'attachment_added', actor: 'reporter', details: { fileName: 'Notizen für „Gerät“.txt', size: notes.length, sha256: sha256(notes) } },
    ]);
  });

  test('a responder’s file is recorded as theirs', async () => {
    const reportId = await newReport();
    const [stored] = await attach(reportId, checkUpload([{ fileName: 'patch.txt', bytes: text('--- a/x\n+++ b/x\n') }]), 'responder');
    assert.equal(stored?.uploadedBy, 'responder');
    assert.equal((await listAttachments(db, reportId))[0]?.uploadedBy, 'responder');
  });

  test('another report’s attachment id is not found, so one report never reaches another’s files', async () => {
    const mine = await newReport();
    const theirs = await newReport();
    const [stored] = await attach(theirs, checkUpload([{ fileName: 'secret.png', bytes: png(8) }]));
    assert.ok(stored);
    await assert.rejects(readAttachment(db, mine, stored.id), isNotFound);
    await assert.rejects(readAttachment(db, mine, crypto.randomUUID()), isNotFound);
  });

  test('a malformed id is not found, never a database error', async () => {
    const reportId = await newReport();
    for (const bad of ['not-a-uuid', "1' OR '1'='1", '', `${crypto.randomUUID()}x`]) {
      await assert.rejects(readAttachment(db, reportId, bad), isNotFound, bad);
      await assert.rejects(readAttachment(db, bad, crypto.randomUUID()), isNotFound, bad);
      assert.deepEqual(await listAttachments(db, bad), []);
      await assert.rejects(db.transaction((tx) => storeAttachments(tx, bad, 'reporter', checkUpload([{ fileName: 'a.png', bytes: png(1) }]))), isNotFound, bad);
    }
  });

  test('storing on a report that does not exist is not found', async () => {
    await assert.rejects(
      db.transaction((tx) => storeAttachments(tx, crypto.randomUUID(), 'reporter', checkUpload([{ fileName: 'a.png', bytes: png(1) }]))),
      isNotFound,
    );
  });

  test('a stored copy that no longer matches its hash is not handed out', async () => {
    const reportId = await newReport();
    const [stored] = await attach(reportId, checkUpload([{ fileName: 'a.png', bytes: png([1, 2, 3]) }]));
    assert.ok(stored);
    await db.query(`UPDATE report_attachments SET content = content || '\\x00'::bytea WHERE id = $1`, [stored.id]);
    await assert.rejects(readAttachment(db, reportId, stored.id), /no longer matches its stored SHA-256/);
  });
});

describe('per-report limits', () => {
  test(`a report holds at most ${attachmentLimits.maxFilesPerReport} files; an upload past that stores nothing`, async () => {
    const reportId = await newReport();
    const five = (from: number) => checkUpload(Array.from({ length: 5 }, (_, i) => ({ fileName: `${from + i}.png`, bytes: png([from + i]) })));
    await attach(reportId, five(0));
    await attach(reportId, five(5));
    assert.equal(await countOf(reportId), 10);
    await assert.rejects(attach(reportId, checkUpload([{ fileName: 'one-more.png', bytes: png(1) }])), invalidWith(/at most 10 files and this one has 10; to send more, put them together in a ZIP/));
    assert.equal(await countOf(reportId), 10);
  });

  test('an upload that would pass the count says how many more fit, and stores none of them', async () => {
    const reportId = await newReport();
    await attach(reportId, checkUpload(Array.from({ length: 4 }, (_, i) => ({ fileName: `${i}.png`, bytes: png([i]) }))));
    await attach(reportId, checkUpload(Array.from({ length: 4 }, (_, i) => ({ fileName: `b${i}.png`, bytes: png([i]) }))));
    await assert.rejects(attach(reportId, checkUpload(Array.from({ length: 3 }, (_, i) => ({ fileName: `c${i}.png`, bytes: png([i]) })))), invalidWith(/has 8; attach at most 2 more/));
    assert.equal(await countOf(reportId), 8);
    const events = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM report_events WHERE report_id = $1 AND event = 'attachment_added'`, [reportId]);
    assert.equal(events[0]?.n, 8, 'a refused upload leaves nothing on the timeline either');
  });

  test(`a report holds at most ${attachmentLimits.maxTotalBytesPerReport / MiB} MiB of files`, async () => {
    const reportId = await newReport();
    const big = (name: string) => ({ fileName: name, bytes: png(attachmentLimits.maxFileBytes - PNG_SIGNATURE.length) });
    await attach(reportId, checkUpload([big('1.png'), big('2.png'), big('3.png'), big('4.png')]));
    await attach(reportId, checkUpload([big('5.png')]));
    assert.equal(await countOf(reportId), 5, 'exactly the limit fits');
    await assert.rejects(attach(reportId, checkUpload([{ fileName: 'tiny.png', bytes: png(1) }])), invalidWith(/at most 50 MiB of files and this one has 50 MiB; these files add 1 KiB/));
    assert.equal(await countOf(reportId), 5);
  });

  test('two uploads at once cannot together pass the limit: the second reads the count after the first commits', async () => {
    const reportId = await newReport();
    await attach(reportId, checkUpload(Array.from({ length: 5 }, (_, i) => ({ fileName: `${i}.png`, bytes: png([i]) }))));
    const three = (prefix: string) => checkUpload(Array.from({ length: 3 }, (_, i) => ({ fileName: `${prefix}${i}.png`, bytes: png([i]) })));
    const outcomes = await Promise.allSettled([attach(reportId, three('a')), attach(reportId, three('b'))]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
    assert.equal(await countOf(reportId), 8);
  });
});

describe('download headers', () => {
  test('a file is always a download that no browser renders, with its UTF-8 name kept and quotes gone', () => {
    assert.deepEqual(downloadHeaders({ fileName: 'Prüfbericht "final" für Gerät.pdf', size: 1234 }), {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="Prufbericht final fur Gerat.pdf"; filename*=UTF-8''Pr%C3%BCfbericht%20final%20f%C3%BCr%20Ger%C3%A4t.pdf`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, no-store',
      'content-length': '1234',
    });
  });

  test('characters with no ASCII form become underscores in the fallback, and RFC 8187 encodes what it must', () => {
    const headers = downloadHeaders({ fileName: "日本 (copy)*'s.txt", size: 1 });
    assert.equal(headers['content-disposition'], `attachment; filename="_ (copy)_s.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC%20%28copy%29_s.txt`);
  });

  test('the type is never the sniffed one, and a name cannot inject a header parameter', () => {
    const headers = downloadHeaders({ fileName: 'a.html"; filename=evil.exe\r\nX-Injected: 1', size: 5 });
    assert.equal(headers['content-type'], 'application/octet-stream');
    assert.doesNotMatch(headers['content-disposition'] ?? '', /[\r\n]|filename="[^"]*"[^;]*"/);
    assert.match(headers['content-disposition'] ?? '', /^attachment; filename="a\.html; filename=evil\.exeX-Injected_ 1"; filename\*=UTF-8''[^"\s;]+$/);
  });
});
