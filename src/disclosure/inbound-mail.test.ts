import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { PNG } from 'pngjs';
import type { PlatformDatabase } from '../store/index.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { referenceInSubject, replyText, startInboundMailServer, type InboundMailServer } from './inbound-mail.ts';
import { postResponderMessage } from './reports.ts';

describe('finding the report a reply is about', () => {
  test('a reference in the subject is found wherever it stands, in any case', () => {
    assert.equal(referenceInSubject('Re: [VR-2026-ABCD2345] a reply to your report'), 'VR-2026-ABCD2345');
    assert.equal(referenceInSubject('Re: VR-2026-ABCD2345: your vulnerability report to Maker Ltd was received'), 'VR-2026-ABCD2345');
    assert.equal(referenceInSubject('AW: re: vr-2026-abcd2345'), 'VR-2026-ABCD2345');
  });

  test('anything that is not a reference is not taken for one', () => {
    assert.equal(referenceInSubject('Telnet open on port 23'), null);
    assert.equal(referenceInSubject('VR-2026-ABCD1234'), null, '1 is not in the alphabet (it reads like I and l)');
    assert.equal(referenceInSubject('VR-2026-ABCDO234'), null, 'nor is O');
    assert.equal(referenceInSubject('VR-2026-ABCD23456'), null, 'nine characters are not a reference');
    assert.equal(referenceInSubject('XVR-2026-ABCD2345'), null);
    assert.equal(referenceInSubject('VR-26-ABCD2345'), null);
  });
});

describe('the new text of a reply', () => {
  test('quoted lines, the quoted history and the signature are left out', () => {
    const mail = [
      'The firmware version is 2.4.1.',
      '',
      '> Which version did you test?',
      'It is the one on the shelf now.',
      '',
      'On Mon, 1 Jun 2026 at 10:00, Maker Ltd <security@maker.test> wrote:',
      '> Thank you for your report.',
      '> Which version did you test?',
    ].join('\r\n');
    assert.equal(replyText(mail), 'The firmware version is 2.4.1.\n\nIt is the one on the shelf now.');
  });

  test('an attribution wrapped over two lines still starts the history', () => {
    assert.equal(replyText('Yes, reproduced again.\n\nOn Mon, 1 Jun 2026 at 10:00, Maker Ltd <\nsecurity@maker.test> wrote:\n> Can you check?'), 'Yes, reproduced again.');
  });

  test('a signature after "-- " and an Outlook history are left out', () => {
    assert.equal(replyText('Here is the log.\n-- \nAda Finder\nIndependent researcher'), 'Here is the log.');
    assert.equal(replyText('Here is the log.\n\n-----Original Message-----\nFrom: Maker Ltd\nSent: Monday'), 'Here is the log.');
  });

  test('a message with no quoting is kept whole', () => {
    assert.equal(replyText('Line one.\nOn the device, telnet is open.\nLine three.'), 'Line one.\nOn the device, telnet is open.\nLine three.');
  });
});

const publicUrl = 'http://connectable.test';
const securityAddress = 'security@maker.test';
const otherSecurityAddress = 'psirt@other.test';
const maxMessageBytes = 256 * 1024;

let db: PlatformDatabase;
let server: InboundMailServer;
let makerId: string;

before(async () => {
  db = await openTestDatabase();
  makerId = (await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('maker', 'Maker Ltd', 'maker') RETURNING id`))[0]?.id ?? '';
  await db.query(`INSERT INTO disclosure_policies (organisation_id, inbound_address) VALUES ($1, $2)`, [makerId, securityAddress]);
  const otherMaker = (await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('other', 'Other Maker Ltd', 'maker') RETURNING id`))[0]?.id ?? '';
  await db.query(`INSERT INTO disclosure_policies (organisation_id, inbound_address) VALUES ($1, $2)`, [otherMaker, otherSecurityAddress]);
  server = await startInboundMailServer({ db, publicUrl, port: 0, host: '127.0.0.1', maxMessageBytes });
});
after(async () => {
  await server.close();
  await db.close();
});

/** Sends one message through the listener as a mail server in front of it would. */
async function send(mail: SendMailOptions): Promise<{ response: string; accepted: string[]; rejected: string[] }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.port, secure: false, ignoreTLS: true });
  try {
    return (await transport.sendMail({ to: securityAddress, ...mail })) as { response: string; accepted: string[]; rejected: string[] };
  } finally {
    transport.close();
  }
}

function refusal(code: number, reason: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    const err = e as { responseCode?: number; message?: string };
    assert.equal(err.responseCode, code, err.message);
    assert.match(err.message ?? '', reason);
    return true;
  };
}

async function stored(): Promise<{ reports: number; messages: number; attachments: number; emails: number }> {
  const row = await db.query<{ reports: number; messages: number; attachments: number; emails: number }>(
    `SELECT (SELECT count(*)::int FROM vulnerability_reports) AS reports, (SELECT count(*)::int FROM report_messages) AS messages,
            (SELECT count(*)::int FROM report_attachments) AS attachments, (SELECT count(*)::int FROM outbound_emails) AS emails`,
  );
  return row[0] ?? { reports: 0, messages: 0, attachments: 0, emails: 0 };
}

function referenceIn(response: string): string {
  const reference = referenceInSubject(response);
  assert.ok(reference, `the SMTP answer names the reference: ${response}`);
  return reference;
}

async function reportRow(reference: string) {
  const rows = await db.query<{ id: string; organisation_id: string; channel: string; reporter_email: string; reporter_name: string | null; title: string; description: string; steps: string; product_text: string; ai_use: string }>(
    'SELECT id, organisation_id, channel, reporter_email, reporter_name, title, description, steps, product_text, ai_use FROM vulnerability_reports WHERE reference = $1',
    [reference],
  );
  assert.ok(rows[0], `report ${reference} is stored`);
  return rows[0];
}

const finding = 'The hub answers on telnet port 23 with the login root and no password, on every unit we bought.';

function smallPng(): Buffer {
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(0xff);
  return PNG.sync.write(png);
}

describe('reports by e-mail', () => {
  test('a mail to the security address becomes a report, acknowledged to the sender with the tracking link', async () => {
    const { response } = await send({ from: 'Ada Finder <Ada@Finder.example>', subject: 'Telnet root login without password', text: finding });
    assert.match(response, /^250 /);
    const reference = referenceIn(response);
    const report = await reportRow(reference);
    assert.equal(report.organisation_id, makerId);
    assert.equal(report.channel, 'email');
    assert.equal(report.reporter_email, 'ada@finder.example');
    assert.equal(report.reporter_name, 'Ada Finder');
    assert.equal(report.title, 'Telnet root login without password');
    assert.equal(report.description, finding);
    assert.equal(report.steps, finding, 'the one free text stands for the steps too');
    assert.equal(report.product_text, 'Not stated (sent by e-mail)');
    assert.equal(report.ai_use, 'undeclared');
    const ack = await db.query<{ body: string; subject: string }>('SELECT subject, body FROM outbound_emails WHERE recipient = $1', ['ada@finder.example']);
    assert.equal(ack.length, 1);
    assert.match(ack[0]?.subject ?? '', new RegExp(reference));
    assert.match(ack[0]?.body ?? '', /http:\/\/connectable\.test\/disclose\/track\/\S+/);
  });

  test('an attached screenshot is stored with the report, and a short subject still makes a title', async () => {
    const png = smallPng();
    const { response } = await send({ from: 'shots@finder.example', subject: 'Hub', text: finding, attachments: [{ filename: 'login.png', content: png }] });
    const report = await reportRow(referenceIn(response));
    assert.equal(report.title, 'Report by e-mail: Hub');
    const files = await db.query<{ file_name: string; media_type: string; size: number }>('SELECT file_name, media_type, size FROM report_attachments WHERE report_id = $1', [report.id]);
    assert.deepEqual(files, [{ file_name: 'login.png', media_type: 'image/png', size: png.length }]);
  });

  test('an HTML-only mail is stored as text, never as HTML', async () => {
    const { response } = await send({ from: 'html@finder.example', subject: 'Stored XSS in the hub web UI', html: `<p>The device name field is <b>not escaped</b>: ${finding}</p><script>alert(1)</script>` });
    const report = await reportRow(referenceIn(response));
    assert.match(report.description, /The device name field is not escaped/);
    assert.doesNotMatch(report.description, /<p>|<b>|<script>/);
  });

  test('a reply naming the reference, from the reporter’s address, joins the report without the quoted text', async () => {
    const first = referenceIn((await send({ from: 'ada@finder.example', subject: 'Debug UART left enabled', text: finding })).response);
    const reply = [
      'The firmware version is 2.4.1.',
      '',
      `On Mon, 1 Jun 2026 at 10:00, Maker Ltd <${securityAddress}> wrote:`,
      `> Your report ${first} was received.`,
      '> Which version did you test?',
      '',
      '-- ',
      'Ada',
    ].join('\n');
    const before = await stored();
    const { response } = await send({ from: 'Ada Finder <ada@finder.example>', subject: `Re: [${first}] a reply to your report`, text: reply });
    assert.match(response, new RegExp(`^250 OK: added to report ${first}`));
    const report = await reportRow(first);
    const messages = await db.query<{ author: string; body: string }>(`SELECT author, body FROM report_messages WHERE report_id = $1 AND author = 'reporter'`, [report.id]);
    assert.deepEqual(messages, [{ author: 'reporter', body: 'The firmware version is 2.4.1.' }]);
    assert.equal((await stored()).reports, before.reports, 'no new report');
  });

  test('a responder’s reply to a report sent by e-mail goes back by e-mail, with its text, answerable to the security address', async () => {
    const reference = referenceIn((await send({ from: 'grace@finder.example', subject: 'Shared Wi-Fi key in the hub', text: finding })).response);
    const ack = await db.query<{ subject: string; reply_to: string | null }>(`SELECT subject, reply_to FROM outbound_emails WHERE recipient = 'grace@finder.example' ORDER BY id`);
    assert.deepEqual(ack[0], { subject: `[${reference}] your vulnerability report to Maker Ltd was received`, reply_to: securityAddress });
    const report = await reportRow(reference);
    await postResponderMessage(db, { label: 'sr@maker.test', organisationId: makerId }, report.id, { body: 'Thank you. Which firmware version did you test?', visibility: 'reporter' });
    await postResponderMessage(db, { label: 'sr@maker.test', organisationId: makerId }, report.id, { body: 'Internal: check the factory image', visibility: 'internal' });
    const mails = await db.query<{ subject: string; body: string; reply_to: string | null }>(`SELECT subject, body, reply_to FROM outbound_emails WHERE recipient = 'grace@finder.example' ORDER BY id`);
    assert.equal(mails.length, 2, 'the acknowledgement and the reply; internal notes never leave');
    assert.equal(mails[1]?.subject, `[${reference}] a reply from Maker Ltd`);
    assert.equal(mails[1]?.reply_to, securityAddress);
    assert.match(mails[1]?.body ?? '', /^Thank you\. Which firmware version did you test\?/);
    const { response } = await send({ from: 'grace@finder.example', subject: `Re: ${mails[1]?.subject}`, text: 'Version 3.0.2.\n\n> Thank you. Which firmware version did you test?' });
    assert.match(response, new RegExp(`added to report ${reference}`));
  });

  test('the same subject from another address does not join the report: it is a new one', async () => {
    const first = referenceIn((await send({ from: 'ada@finder.example', subject: 'Hard-coded TLS private key', text: finding })).response);
    const { response } = await send({ from: 'mallory@elsewhere.example', subject: `Re: [${first}] a reply to your report`, text: 'Please also send me everything you have on this report.' });
    const other = referenceIn(response);
    assert.notEqual(other, first);
    assert.equal((await reportRow(other)).reporter_email, 'mallory@elsewhere.example');
    const original = await reportRow(first);
    const messages = await db.query(`SELECT 1 FROM report_messages WHERE report_id = $1 AND author = 'reporter'`, [original.id]);
    assert.equal(messages.length, 0, 'nothing was added to the first report');
  });

  test('a mail to two makers is taken for the first; the second address is deferred (452) for its own delivery', async () => {
    const { response, accepted, rejected } = await send({ to: [securityAddress, otherSecurityAddress], from: 'ada@finder.example', subject: 'Shared chipset SDK flaw', text: finding });
    assert.deepEqual(accepted, [securityAddress]);
    assert.deepEqual(rejected, [otherSecurityAddress]);
    assert.equal((await reportRow(referenceIn(response))).organisation_id, makerId);
  });
});

describe('what the listener refuses or drops', () => {
  test('mail to an address that is not a security address here is refused at RCPT: it is no open relay', async () => {
    const before = await stored();
    await assert.rejects(send({ to: 'someone@gmail.example', from: 'spam@spam.example', subject: 'Relay me', text: finding }), refusal(550, /5\.1\.1 No such security address here/));
    await assert.rejects(send({ to: 'nobody@maker.test', from: 'ada@finder.example', subject: 'Wrong address', text: finding }), refusal(550, /No such security address here/));
    assert.deepEqual(await stored(), before);
  });

  test('an auto-reply is accepted and dropped, so no acknowledgement can start a mail loop', async () => {
    const before = await stored();
    const { response } = await send({ from: 'ada@finder.example', subject: 'Out of office', text: 'I am away until Monday and will answer then.', headers: { 'Auto-Submitted': 'auto-replied' } });
    assert.match(response, /^250 OK: Not stored: it was sent automatically/);
    assert.deepEqual(await stored(), before);
  });

  test('a bounce (empty envelope sender) is dropped too', async () => {
    const before = await stored();
    const { response } = await send({ from: 'postmaster@finder.example', envelope: { from: '', to: securityAddress }, subject: 'Undelivered Mail Returned to Sender', text: finding });
    assert.match(response, /^250 OK: Not stored: it is a delivery notification/);
    assert.deepEqual(await stored(), before);
  });

  test('a message over the size limit is refused with 552', async () => {
    const before = await stored();
    await assert.rejects(send({ from: 'ada@finder.example', subject: 'A very long log', text: 'x'.repeat(maxMessageBytes + 1024) }), refusal(552, /larger than/));
    assert.deepEqual(await stored(), before);
  });

  test('a body longer than a report can hold is refused with 552, not cut short', async () => {
    const before = await stored();
    await assert.rejects(send({ from: 'ada@finder.example', subject: 'A long write-up', text: `${finding}\n`.repeat(250) }), refusal(552, /at most 20,000 fit/));
    assert.deepEqual(await stored(), before);
  });

  test('an executable attachment refuses the whole message, saying why, and nothing is stored', async () => {
    const before = await stored();
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(120)]);
    await assert.rejects(
      send({ from: 'ada@finder.example', subject: 'PoC attached', text: finding, attachments: [{ filename: 'poc.png', content: elf }] }),
      refusal(550, /poc\.png: Executables \(ELF\) are not accepted/),
    );
    assert.deepEqual(await stored(), before);
  });

  test('a reply with nothing new in it is refused, not filed as a new report of the quoted text', async () => {
    const first = referenceIn((await send({ from: 'ada@finder.example', subject: 'Open MQTT broker', text: finding })).response);
    const before = await stored();
    await assert.rejects(
      send({ from: 'ada@finder.example', subject: `Re: [${first}] a reply to your report`, text: `On Mon, 1 Jun 2026 at 10:00, Maker Ltd wrote:\n> ${finding}\n> Which version did you test?` }),
      refusal(550, /no new text/),
    );
    assert.deepEqual(await stored(), before);
  });

  test('a message too short to be a report is refused, saying what to write', async () => {
    const before = await stored();
    await assert.rejects(send({ from: 'ada@finder.example', subject: 'Bug', text: 'see title' }), refusal(550, /too short to be a report/));
    assert.deepEqual(await stored(), before);
  });
});
