import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../test/support/client.ts';
import { postMultipart, type Part } from '../../test/support/multipart.ts';
import { ownerOf, startTestPlatform, type TestPlatform } from '../../test/support/platform.ts';
import { proofOfWorkFor } from '../../test/support/proof-of-work.ts';
import { generateKeyForOrganisation, getOrganisationKey } from './organisation-key.ts';
import { encryptTo } from './openpgp.ts';

// The report form as a reporter meets it: files, the proof of work that slows floods, and
// encryption to the maker's key. Everything refused is refused whole, with the reason.

let platform: TestPlatform;
let owner: Client;
let organisationId: string;

before(async () => {
  platform = await startTestPlatform();
  ({ client: owner, organisationId } = await ownerOf(platform, 'Intake Makers', 'owner@intake.test'));
});
after(async () => platform.close());

const fields = {
  productText: 'Smart plug SP-2',
  version: '1.0.3',
  title: 'Shared root password over telnet',
  description: 'Telnet on port 23 accepts root with the same password on every plug.',
  steps: 'telnet 192.0.2.10, log in as root with the printed password',
  aiUse: 'none',
};
const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), crypto.randomBytes(64)]);
const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56)]);
const asParts = (f: Record<string, string>): Part[] => Object.entries(f).map(([name, value]) => ({ name, value }));
const countReports = async () => (await platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM vulnerability_reports WHERE organisation_id = $1', [organisationId]))[0]?.n;
const referenceIn = (body: string) => /Your report (VR-\d{4}-[A-Z2-9]{8})/.exec(body)?.[1] ?? '';

async function sendForm(ip: string, parts: Part[]) {
  return postMultipart(new Client(platform.app, ip), '/disclose/intake-makers', '/disclose/intake-makers', parts);
}

describe('files on a report', () => {
  test('files sent with the form are stored privately and handed to responders only as downloads', async () => {
    const log = Buffer.from('boot: telnetd started\nlogin: root\n');
    const r = await sendForm('198.51.100.60', [
      ...asParts({ ...fields, proofOfWork: await proofOfWorkFor(platform.app) }),
      { name: 'attachments', value: png, filename: 'screenshot.png', contentType: 'image/png' },
      { name: 'attachments', value: log, filename: 'console.log', contentType: 'text/plain' },
    ]);
    assert.equal(r.statusCode, 200, r.body.slice(0, 500));
    const reference = referenceIn(r.body);
    const files = await platform.db.query<{ id: string; file_name: string; media_type: string; report_id: string }>(
      'SELECT a.id, a.file_name, a.media_type, a.report_id FROM report_attachments a JOIN vulnerability_reports r ON r.id = a.report_id WHERE r.reference = $1 ORDER BY a.created_at',
      [reference],
    );
    assert.deepEqual(files.map((f) => [f.file_name, f.media_type]), [['screenshot.png', 'image/png'], ['console.log', 'text/plain']]);
    const reportPage = await owner.get(`/console/reports/${files[0]?.report_id}`);
    assert.match(reportPage.body, /screenshot\.png/);
    const download = await owner.get(`/console/reports/${files[0]?.report_id}/attachments/${files[0]?.id}`);
    assert.equal(download.statusCode, 200);
    assert.equal(download.headers['content-type'], 'application/octet-stream');
    assert.match(String(download.headers['content-disposition']), /^attachment; filename="screenshot\.png"/);
    assert.equal(download.headers['x-content-type-options'], 'nosniff');
    assert.deepEqual(download.rawPayload, png);
    const stranger = await ownerOf(platform, 'Other Makers', 'owner@other-intake.test');
    assert.equal((await stranger.client.get(`/console/reports/${files[0]?.report_id}/attachments/${files[0]?.id}`)).statusCode, 404);
  });

  test('an executable, too many files or a file over 10 MiB is refused with the reason, and nothing is stored', async () => {
    const before = await countReports();
    const proof = async () => ({ name: 'proofOfWork', value: await proofOfWorkFor(platform.app) });
    const exe = await sendForm('198.51.100.61', [...asParts(fields), await proof(), { name: 'attachments', value: elf, filename: 'poc.png' }]);
    assert.equal(exe.statusCode, 400);
    assert.match(exe.body, /poc\.png/);
    assert.match(exe.body, /Executables \(ELF\) are not accepted/);
    const many = await sendForm('198.51.100.62', [...asParts(fields), await proof(), ...Array.from({ length: 6 }, (_, i) => ({ name: 'attachments', value: png, filename: `shot-${i}.png` }))]);
    assert.equal(many.statusCode, 400);
    assert.match(many.body, /at most 5 files/);
    const huge = await sendForm('198.51.100.63', [...asParts(fields), await proof(), { name: 'attachments', value: Buffer.alloc(10 * 1024 * 1024 + 1, 0x41), filename: 'capture.txt' }]);
    assert.equal(huge.statusCode, 400);
    assert.match(huge.body, /at most 10 MiB each: capture\.txt is larger/);
    assert.equal(await countReports(), before);
  });

  test('tools send files as base64 in the JSON API; the reporter adds more on the status page', async () => {
    const r = await platform.app.inject({
      method: 'POST',
      url: '/api/v1/public/makers/intake-makers/reports',
      remoteAddress: '198.51.100.64',
      payload: { ...fields, proofOfWork: await proofOfWorkFor(platform.app), attachments: [{ fileName: 'shot.png', contentBase64: png.toString('base64') }] },
    });
    assert.equal(r.statusCode, 201, r.body);
    const { reference, trackingUrl } = r.json() as { reference: string; trackingUrl: string };
    const track = new URL(trackingUrl).pathname;
    const reporter = new Client(platform.app, '198.51.100.64');
    const added = await postMultipart(reporter, track, track, [{ name: 'body', value: '' }, { name: 'attachments', value: Buffer.from('more logs\n'), filename: 'more.txt' }]);
    assert.equal(added.statusCode, 303, added.body.slice(0, 300));
    const page = await reporter.get(track);
    assert.match(page.body, /shot\.png/);
    assert.match(page.body, /more\.txt/);
    assert.match(page.body, /Added a file: more\.txt/);
    const stored = await platform.db.query('SELECT 1 FROM report_attachments a JOIN vulnerability_reports r ON r.id = a.report_id WHERE r.reference = $1', [reference]);
    assert.equal(stored.length, 2);
  });
});

describe('the proof of work', () => {
  test('a form without JavaScript is taken twice an hour per address; with the proof of work, more', async () => {
    const ip = '198.51.100.70';
    for (let i = 0; i < 2; i++) assert.equal((await sendForm(ip, asParts(fields))).statusCode, 200);
    const third = await sendForm(ip, asParts(fields));
    assert.equal(third.statusCode, 429);
    assert.match(third.body, /Without JavaScript, 2 reports an hour/);
    assert.equal((await sendForm(ip, asParts({ ...fields, proofOfWork: await proofOfWorkFor(platform.app) }))).statusCode, 200);
    assert.equal((await sendForm('198.51.100.71', asParts(fields))).statusCode, 200, 'another address is not slowed');
  });

  test('a solution is spent once: the same proof twice is refused', async () => {
    const proofOfWork = await proofOfWorkFor(platform.app);
    const send = () => platform.app.inject({ method: 'POST', url: '/api/v1/public/makers/intake-makers/reports', remoteAddress: '198.51.100.72', payload: { ...fields, proofOfWork } });
    assert.equal((await send()).statusCode, 201);
    const again = await send();
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /already used/);
  });

  test('the challenge endpoint gives a challenge and how to solve it, never cached', async () => {
    const r = await platform.app.inject('/api/v1/public/proof-of-work');
    assert.equal(r.headers['cache-control'], 'no-store');
    const body = r.json() as { required: boolean; challenge: { parameters: { algorithm: string; keyPrefix: string } }; instructions: string };
    assert.equal(body.required, true);
    assert.equal(body.challenge.parameters.algorithm, 'SHA-256');
    assert.equal(body.challenge.parameters.keyPrefix, '0');
    assert.match(body.instructions, /SHA-256/);
  });
});

describe('encryption to the maker’s key', () => {
  test('with a key, the form offers encryption; an encrypted report is stored as sent and a responder can decrypt it here', async () => {
    assert.doesNotMatch((await new Client(platform.app).get('/disclose/intake-makers')).body, /data-key-url/);
    await generateKeyForOrganisation(platform.db, { label: 'test', organisationId }, { email: 'security@intake.test' });
    const key = await getOrganisationKey(platform.db, organisationId);
    assert.ok(key);
    const form = await new Client(platform.app).get('/disclose/intake-makers');
    assert.match(form.body, /data-key-url="\/disclose\/intake-makers\/openpgp-key\.asc"/);
    assert.match(form.body, new RegExp(`data-key-fingerprint="${key.fingerprint}"`));
    const secret = 'Description:\nTelnet root password is the same on every plug.';
    const armored = await encryptTo(secret, key.publicKey);
    const r = await sendForm('198.51.100.80', asParts({ ...fields, description: armored, steps: 'Encrypted with the description.', encrypted: 'on', proofOfWork: await proofOfWorkFor(platform.app) }));
    assert.equal(r.statusCode, 200, r.body.slice(0, 400));
    const row = (await platform.db.query<{ id: string; encrypted: boolean; description: string }>('SELECT id, encrypted, description FROM vulnerability_reports WHERE reference = $1', [referenceIn(r.body)]))[0];
    assert.equal(row?.encrypted, true);
    assert.doesNotMatch(row?.description ?? '', /Telnet root password/, 'the platform stores only ciphertext');
    await owner.get(`/console/reports/${row?.id}`);
    const decrypted = await owner.post(`/console/reports/${row?.id}/decrypt`);
    assert.equal(decrypted.statusCode, 200);
    assert.match(decrypted.body, /id="decrypted">Description:\nTelnet root password is the same on every plug\./);
    assert.equal(decrypted.headers['cache-control'], 'no-store');
  });

  test('a report marked encrypted that is not an OpenPGP message is refused', async () => {
    const r = await sendForm('198.51.100.81', asParts({ ...fields, encrypted: 'on', proofOfWork: await proofOfWorkFor(platform.app) }));
    assert.equal(r.statusCode, 400);
    assert.match(r.body, /not an OpenPGP message/);
  });
});
