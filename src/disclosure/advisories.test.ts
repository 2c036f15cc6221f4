import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createOrganisation, insertUser } from '../accounts/index.ts';
import { ConnectableError } from '../errors.ts';
import { createProduct } from '../registry/index.ts';
import type { PlatformDatabase } from '../store/index.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { gpgVerifyDetached } from '../../test/support/gpg.ts';
import { approveAndPublish, createAdvisory, getAdvisory, publishedAdvisories, requestApproval, updateAdvisory, withdrawApprovalRequest } from './advisories.ts';
import { setAffected } from './affected.ts';
import { validateCsaf, type CsafDocument } from './csaf.ts';
import { reporterView, submitReport, transitionReport } from './reports.ts';
import { generateKeyForOrganisation, getOrganisationKey, signDetached } from './organisation-key.ts';
import { setSeverity } from './severity.ts';

const PUBLIC_URL = 'https://connectable.test';
const VECTOR = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

type Person = { userId: string; organisationId: string; label: string; ip: string };
interface Maker {
  id: string;
  name: string;
  productId: string;
  /** Two responders: one asks, the other approves. */
  a: Person;
  b: Person;
}

let db: PlatformDatabase;
let signed: Maker;
let unsigned: Maker;
const sign = signDetached;

async function maker(name: string, domain: string): Promise<Maker> {
  const org = await createOrganisation(db, { label: 'test' }, { name, kind: 'maker' });
  const person = async (local: string): Promise<Person> => {
    const user = await insertUser(db, { displayName: local, email: `${local}@${domain}`, password: 'correct horse battery staple 42' }, org.id, 'security_responder');
    return { userId: user.id, organisationId: org.id, label: user.email, ip: '192.0.2.1' };
  };
  const a = await person('responder-a');
  const b = await person('responder-b');
  const product = await createProduct(db, a, { brand: 'Acme', name: 'Acme Video Doorbell', modelNumber: `VD-${domain.length}`, category: 'camera', gtins: '', firmwareVersions: '2.0.0, 2.3.9, 2.4.1' });
  return { id: org.id, name: org.name, productId: product.id, a, b };
}

/** A report taken through triage to accepted, scored, with a CVE and (unless told) an affected product. */
async function acceptedReport(m: Maker, options: { affected?: boolean; accept?: boolean } = {}): Promise<{ id: string; reference: string; trackingToken: string }> {
  const submitted = await submitReport(
    db,
    { id: m.id, name: m.name },
    {
      productText: 'Acme Video Doorbell',
      title: 'A service account with a shared password allows telnet login',
      description: 'Every doorbell accepts root over telnet with the same password, found in the firmware.',
      steps: 'telnet 192.0.2.10 23 and log in as root with the shared password',
      aiUse: 'none',
      reporterEmail: 'finder@example.test',
      reporterName: 'Jane Finder',
    },
    PUBLIC_URL,
  );
  const id = (await db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [submitted.reference]))[0]?.id ?? '';
  if (options.accept !== false) {
    await transitionReport(db, m.a, id, { to: 'valid' }, PUBLIC_URL);
    await transitionReport(db, m.a, id, { to: 'accepted' }, PUBLIC_URL);
  }
  await setSeverity(db, m.a, id, { vector: VECTOR, cwe: 'CWE-798' });
  await db.query('UPDATE vulnerability_reports SET cve = $2 WHERE id = $1', [id, 'CVE-2026-12345']);
  if (options.affected !== false) await setAffected(db, m.a, id, { productId: m.productId, introduced: '2.0.0', fixed: '2.4.1' });
  return { id, reference: submitted.reference, trackingToken: submitted.trackingToken };
}

const advisoryText = (reportIds: string[]) => ({
  title: 'Shared service password in the Acme Video Doorbell',
  summary: 'The doorbell ships with a service account whose password every unit shares; anyone on the network can log in.',
  remediation: 'Install firmware 2.4.1 or later; the doorbell updates itself within a day.',
  acknowledgement: 'Jane Finder',
  reportIds,
});

/** Drafted by A, sent for approval by A, approved by B. */
async function published(m: Maker): Promise<{ id: string; report: Awaited<ReturnType<typeof acceptedReport>> }> {
  const report = await acceptedReport(m);
  const id = await createAdvisory(db, m.a, advisoryText([report.id]));
  await requestApproval(db, m.a, id, {}, PUBLIC_URL);
  await approveAndPublish(db, m.b, id, PUBLIC_URL, sign);
  return { id, report };
}

const revisionsOf = (advisoryId: string) =>
  db.query<{ version: string; document: string; sha256: string; sha512: string; signature: string | null; requested_by: string; approved_by: string }>(
    'SELECT version, document, sha256, sha512, signature, requested_by, approved_by FROM advisory_revisions WHERE advisory_id = $1 ORDER BY version::int',
    [advisoryId],
  );

/** Accepts only our error of this code whose message matches, so each refusal is pinned to what it says. */
const refusedWith = (code: ConnectableError['code'], pattern: RegExp) => (e: unknown): true => {
  assert.ok(e instanceof ConnectableError, `expected a ConnectableError, got ${String(e)}`);
  assert.equal(e.code, code);
  assert.match(e.message, pattern);
  return true;
};

before(async () => {
  db = await openTestDatabase();
  signed = await maker('Acme Devices', 'acme.test');
  unsigned = await maker('Keyless Gadgets', 'keyless.test');
  await generateKeyForOrganisation(db, signed.a, { email: 'security@acme.test' });
});
after(async () => db.close());

describe('publishing an advisory', () => {
  test('needs a second person: whoever asked for approval cannot give it', async () => {
    const report = await acceptedReport(signed);
    const id = await createAdvisory(db, signed.a, advisoryText([report.id]));
    assert.equal((await getAdvisory(db, signed.id, id)).state, 'draft');
    await requestApproval(db, signed.a, id, {}, PUBLIC_URL);
    assert.equal((await getAdvisory(db, signed.id, id)).state, 'awaiting_approval');
    await assert.rejects(approveAndPublish(db, signed.a, id, PUBLIC_URL, sign), refusedWith('CONNECTABLE_ERR_CONFLICT', /You asked for this approval; a second person \(another owner or security responder\) must approve it/));
    assert.deepEqual(await revisionsOf(id), [], 'nothing was published');
    const outcome = await approveAndPublish(db, signed.b, id, PUBLIC_URL, sign);
    assert.deepEqual(outcome, { version: '1', fileName: `${(await getAdvisory(db, signed.id, id)).trackingId.toLowerCase()}.json` });
    const a = await getAdvisory(db, signed.id, id);
    assert.equal(a.state, 'published');
    assert.deepEqual(
      a.revisions.map((r) => [r.version, r.requestedBy, r.approvedBy, r.signed]),
      [['1', 'responder-a@acme.test', 'responder-b@acme.test', true]],
    );
  });

  test('stores a CSAF 2.0 document that passes the schema and every mandatory test, with the CVE, CWE, CVSS and fixed version', async () => {
    const { id } = await published(signed);
    const [revision] = await revisionsOf(id);
    assert.ok(revision);
    const doc = JSON.parse(revision.document) as CsafDocument;
    assert.deepEqual((await validateCsaf(doc)).errors, []);
    assert.equal(doc.document.tracking.status, 'final');
    assert.equal(doc.document.distribution.tlp.label, 'WHITE');
    assert.equal(doc.document.tracking.version, '1');
    const [v] = doc.vulnerabilities;
    assert.equal(v?.cve, 'CVE-2026-12345');
    assert.equal(v?.cwe?.id, 'CWE-798');
    assert.equal(v?.scores?.[0]?.cvss_v3.baseScore, 9.8);
    assert.equal(v?.product_status.known_affected?.length, 1);
    assert.equal(v?.product_status.fixed?.length, 1);
  });

  test('keeps the SHA-256 and SHA-512 of the exact bytes it stored', async () => {
    const { id } = await published(signed);
    const [revision] = await revisionsOf(id);
    assert.ok(revision);
    assert.equal(revision.sha256, crypto.createHash('sha256').update(revision.document, 'utf8').digest('hex'));
    assert.equal(revision.sha512, crypto.createHash('sha512').update(revision.document, 'utf8').digest('hex'));
  });

  test("signs the document with the maker's key, and gpg --verify accepts the signature", async () => {
    const { id } = await published(signed);
    const [revision] = await revisionsOf(id);
    assert.ok(revision?.signature, 'a maker with a key publishes signed');
    const key = await getOrganisationKey(db, signed.id);
    assert.ok(key);
    const verified = await gpgVerifyDetached(key.publicKey, revision.document, revision.signature);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stderr, /Good signature/);
    assert.notEqual((await gpgVerifyDetached(key.publicKey, revision.document.replace('Acme', 'Acne'), revision.signature)).code, 0, 'a changed document fails');
  });

  test('a maker without a signing key publishes unsigned, with its hashes', async () => {
    const { id } = await published(unsigned);
    const [revision] = await revisionsOf(id);
    assert.equal(revision?.signature, null);
    assert.match(revision?.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.equal((await getAdvisory(db, unsigned.id, id)).revisions[0]?.signed, false);
  });

  test('tells the reporters of its reports on their thread and by e-mail, with the public address', async () => {
    const { id, report } = await published(signed);
    const a = await getAdvisory(db, signed.id, id);
    const view = await reporterView(db, report.trackingToken);
    const message = view.messages.find((m) => m.body.includes(`Advisory ${a.trackingId} (version 1) was published`));
    assert.ok(message, 'the reporter sees the publication on their status page');
    assert.ok(message.body.includes(`${PUBLIC_URL}/disclose/acme-devices/advisories/${a.trackingId}`));
    const mail = await db.query<{ subject: string }>('SELECT subject FROM outbound_emails WHERE recipient = $1 AND subject LIKE $2', ['finder@example.test', `${report.reference}: advisory%`]);
    assert.equal(mail.length, 1);
  });
});

describe('what the public sees', () => {
  test('a draft, or one awaiting approval, is never among the published advisories', async () => {
    const report = await acceptedReport(signed);
    const id = await createAdvisory(db, signed.a, advisoryText([report.id]));
    const isPublic = async () => (await publishedAdvisories(db, signed.id)).some((p) => p.advisoryId === id);
    assert.equal(await isPublic(), false);
    await requestApproval(db, signed.a, id, {}, PUBLIC_URL);
    assert.equal(await isPublic(), false);
    await withdrawApprovalRequest(db, signed.b, id);
    assert.equal(await isPublic(), false);
  });

  test('after a change the public keeps seeing the published revision until the change is approved', async () => {
    const { id, report } = await published(signed);
    await updateAdvisory(db, signed.a, id, { ...advisoryText([report.id]), title: 'Shared service password in the doorbell: fix for 2.3 added' });
    const shown = (await publishedAdvisories(db, signed.id)).find((p) => p.advisoryId === id);
    assert.equal(shown?.title, 'Shared service password in the Acme Video Doorbell');
    assert.equal(shown?.version, '1');
  });
});

describe('what an advisory is written from', () => {
  test('refuses reports that are not accepted, naming them', async () => {
    const pending = await acceptedReport(signed, { accept: false });
    const accepted = await acceptedReport(signed);
    await assert.rejects(
      createAdvisory(db, signed.a, advisoryText([accepted.id, pending.id])),
      refusedWith('CONNECTABLE_ERR_INVALID_INPUT', new RegExp(`Advisories are written from accepted reports; ${pending.reference} is not accepted yet`)),
    );
  });

  test('refuses to send for approval a report that names no affected product', async () => {
    const report = await acceptedReport(signed, { affected: false });
    const id = await createAdvisory(db, signed.a, advisoryText([report.id]));
    await assert.rejects(requestApproval(db, signed.a, id, {}, PUBLIC_URL), refusedWith('CONNECTABLE_ERR_CONFLICT', new RegExp(`${report.reference} names no affected product`)));
  });
});

describe('revisions', () => {
  test('a change after publication needs a change summary and becomes revision 2; revision 1 stays stored', async () => {
    const { id, report } = await published(signed);
    const [first] = await revisionsOf(id);
    await updateAdvisory(db, signed.a, id, { ...advisoryText([report.id]), workaround: 'Block port 23 on the router until the update is installed.' });
    await assert.rejects(requestApproval(db, signed.a, id, {}, PUBLIC_URL), refusedWith('CONNECTABLE_ERR_INVALID_INPUT', /Say what changed since the last published version/));
    await requestApproval(db, signed.a, id, { changeSummary: 'Workaround added.' }, PUBLIC_URL);
    assert.equal((await approveAndPublish(db, signed.b, id, PUBLIC_URL, sign)).version, '2');
    const revisions = await revisionsOf(id);
    assert.deepEqual(
      revisions.map((r) => r.version),
      ['1', '2'],
    );
    assert.deepEqual(revisions[0], first, 'revision 1 is kept byte for byte');
    const doc = JSON.parse(revisions[1]?.document ?? '{}') as CsafDocument;
    assert.deepEqual(
      doc.document.tracking.revision_history.map((r) => [r.number, r.summary]),
      [
        ['1', 'Initial release'],
        ['2', 'Workaround added.'],
      ],
    );
    assert.equal(doc.document.tracking.version, '2');
    assert.deepEqual((await validateCsaf(doc)).errors, []);
    assert.equal((await publishedAdvisories(db, signed.id)).find((p) => p.advisoryId === id)?.version, '2');
  });

  // approveAndPublish writes new Date() into the document but lets the table stamp published_at
  // with the database's now(), a few milliseconds apart; revision 2 then rebuilds its history from
  // published_at, so the dates drift. Storing the document's own date as published_at fixes it.
  test('a new revision repeats the initial release date and the earlier revision dates exactly', async () => {
    const { id, report } = await published(signed);
    const [first] = await revisionsOf(id);
    await updateAdvisory(db, signed.a, id, { ...advisoryText([report.id]), workaround: 'Block port 23 on the router until the update is installed.' });
    await requestApproval(db, signed.a, id, { changeSummary: 'Workaround added.' }, PUBLIC_URL);
    await approveAndPublish(db, signed.b, id, PUBLIC_URL, sign);
    const [, second] = await revisionsOf(id);
    const tracking = (text: string | undefined) => (JSON.parse(text ?? '{}') as CsafDocument).document.tracking;
    assert.equal(tracking(second?.document).initial_release_date, tracking(first?.document).initial_release_date);
    assert.deepEqual(tracking(second?.document).revision_history[0], tracking(first?.document).revision_history[0]);
  });

  test('a published revision can be neither changed nor deleted', async () => {
    const { id } = await published(signed);
    await assert.rejects(db.query(`UPDATE advisory_revisions SET document = '{}' WHERE advisory_id = $1`, [id]), /advisory_revisions is append-only: UPDATE is not allowed/);
    await assert.rejects(db.query('DELETE FROM advisory_revisions WHERE advisory_id = $1', [id]), /advisory_revisions is append-only: DELETE is not allowed/);
    assert.equal((await revisionsOf(id)).length, 1);
  });
});
