import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { approveAndPublish, createAdvisory, requestApproval } from '../../../disclosure/advisories.ts';
import { setAffected } from '../../../disclosure/affected.ts';
import { submitReport, transitionReport } from '../../../disclosure/index.ts';
import { generateKeyForOrganisation, getOrganisationKey, signDetached } from '../../../disclosure/organisation-key.ts';
import { setSeverity } from '../../../disclosure/severity.ts';
import { validateCsaf } from '../../../disclosure/csaf.ts';
import { createProduct } from '../../../registry/index.ts';
import { Client } from '../../../../test/support/client.ts';
import { gpgVerifyDetached } from '../../../../test/support/gpg.ts';
import { memberOf, ownerOf, startTestPlatform, type TestPlatform } from '../../../../test/support/platform.ts';

// An advisory from the console to the public: drafted and sent for approval by the owner,
// approved by a security responder, then served as a page and as a CSAF provider directory that
// an aggregator can fetch and check (hashes against the served bytes, signature with gpg).

const PUBLIC_URL = 'https://connectable.test';
const TITLE = 'Shared service password in the Acme Video Doorbell';

let platform: TestPlatform;
let owner: Client;
let responder: Client;
let organisationId: string;
let reportId: string;
let advisoryId: string;
let trackingId: string;
const anyone = () => new Client(platform.app, '198.51.100.60');

/** What a tool without cookies gets. */
const fetchPublic = (url: string) => platform.app.inject({ method: 'GET', url, headers: { accept: 'application/json' } });

/** The text a reader sees: tags dropped, entities decoded, white space collapsed. */
function visibleText(body: string): string {
  return body
    .replace(/<[^>]+>/gu, ' ')
    .replace(/&#(\d+);/gu, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&(amp|lt|gt|quot);/gu, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"' })[e] ?? '')
    .replace(/\s+/gu, ' ');
}

before(async () => {
  platform = await startTestPlatform({ PUBLIC_URL, CSAF_PROVIDER: 'acme-devices' });
  ({ client: owner, organisationId } = await ownerOf(platform, 'Acme Devices', 'owner@acme.test'));
  responder = await memberOf(platform, organisationId, 'security_responder', 'responder@acme.test');
  const actor = { label: 'owner@acme.test', organisationId };
  await generateKeyForOrganisation(platform.db, actor, { email: 'security@acme.test' });
  const product = await createProduct(platform.db, actor, { brand: 'Acme', name: 'Video Doorbell', modelNumber: 'VD-200', category: 'camera', gtins: '', firmwareVersions: '2.0.0, 2.4.1' });
  const submitted = await submitReport(
    platform.db,
    { id: organisationId, name: 'Acme Devices' },
    {
      productText: 'Acme Video Doorbell',
      title: 'Telnet login with a password every doorbell shares',
      description: 'Every doorbell accepts root over telnet with the same password, found in the firmware.',
      steps: 'telnet 192.0.2.10 23 and log in as root with the shared password',
      aiUse: 'none',
    },
    PUBLIC_URL,
  );
  reportId = (await platform.db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [submitted.reference]))[0]?.id ?? '';
  await transitionReport(platform.db, actor, reportId, { to: 'valid' }, PUBLIC_URL);
  await transitionReport(platform.db, actor, reportId, { to: 'accepted' }, PUBLIC_URL);
  await setSeverity(platform.db, actor, reportId, { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cwe: 'CWE-798' });
  await platform.db.query('UPDATE vulnerability_reports SET cve = $2 WHERE id = $1', [reportId, 'CVE-2026-12345']);
  await setAffected(platform.db, actor, reportId, { productId: product.id, introduced: '2.0.0', fixed: '2.4.1' });
});
after(async () => platform.close());

describe('an advisory in the console', () => {
  test('is drafted from an accepted report that the form shows with its affected products', async () => {
    const form = await owner.get('/console/advisories/new');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, new RegExp(`value="${reportId}"`));
    assert.match(form.body, /Telnet login with a password every doorbell shares — 1 affected product/);
    const created = await owner.post('/console/advisories', {
      title: TITLE,
      summary: 'The doorbell ships with a service account whose password every unit shares; anyone on the network can log in.',
      remediation: 'Install firmware 2.4.1 or later.',
      acknowledgement: 'Jane Finder',
      reportIds: [reportId],
    });
    assert.equal(created.statusCode, 303, created.body.slice(0, 400));
    advisoryId = String(created.headers.location).split('/').at(-1) ?? '';
    const page = await owner.get(`/console/advisories/${advisoryId}`);
    assert.match(page.body, /id="advisory-state">Draft \(TLP:RED, not public\)</);
    assert.match(page.body, /<strong>TLP:RED<\/strong>/);
    trackingId = /<h1>(ACME-DEVICES-\d{4}-\d{4}):/.exec(page.body)?.[1] ?? '';
    assert.ok(trackingId, 'the page shows the tracking id');
    const list = await owner.get('/console/advisories');
    assert.ok(list.body.includes(trackingId));
    assert.match(list.body, /<a href="\/console\/advisories"[^>]*>Advisories<\/a>/, 'the console navigation links the advisories');
  });

  test('an empty form is refused with every problem named, and nothing is stored', async () => {
    const refused = await owner.post('/console/advisories', { title: 'x', summary: '' });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /at least 5 characters/);
    assert.match(refused.body, /Choose at least one accepted report/);
  });

  test('offers the draft as CSAF marked TLP:RED, as a download that is never cached', async () => {
    const draft = await owner.get(`/console/advisories/${advisoryId}/draft.json`);
    assert.equal(draft.statusCode, 200);
    assert.equal(draft.headers['cache-control'], 'no-store');
    assert.match(String(draft.headers['content-disposition']), /^attachment; filename=".+_draft_tlp-red\.json"$/);
    const doc = draft.json() as { document: { distribution: { tlp: { label: string } }; tracking: { status: string } } };
    assert.equal(doc.document.distribution.tlp.label, 'RED');
    assert.equal(doc.document.tracking.status, 'draft');
  });

  test('a draft is not public: no page, no file, nothing in the index', async () => {
    assert.equal((await anyone().get(`/disclose/acme-devices/advisories/${trackingId}`)).statusCode, 404);
    assert.equal((await fetchPublic(`/disclose/acme-devices/csaf/white/${new Date().getUTCFullYear()}/${trackingId.toLowerCase()}.json`)).statusCode, 404);
    assert.equal((await fetchPublic('/disclose/acme-devices/csaf/white/index.txt')).body, '');
    assert.doesNotMatch((await anyone().get('/disclose/acme-devices/advisories')).body, new RegExp(trackingId));
  });

  test('whoever sent it for approval cannot approve it; a second person can', async () => {
    assert.equal((await owner.submit(`/console/advisories/${advisoryId}`, `/console/advisories/${advisoryId}/approval-request`, {})).statusCode, 303);
    const own = await owner.get(`/console/advisories/${advisoryId}`);
    assert.match(own.body, /id="advisory-state">Awaiting approval by a second person</);
    assert.doesNotMatch(own.body, /Approve and publish/);
    assert.match(own.body, /You asked for this approval; another owner or security responder must approve it/);
    const refused = await owner.post(`/console/advisories/${advisoryId}/publish`);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /a second person \(another owner or security responder\) must approve it/);

    const theirs = await responder.get(`/console/advisories/${advisoryId}`);
    assert.match(theirs.body, /Approve and publish/);
    const approved = await responder.post(`/console/advisories/${advisoryId}/publish`);
    assert.equal(approved.statusCode, 303, approved.body.slice(0, 400));
    const page = await responder.get(String(approved.headers.location));
    assert.match(page.body, /id="advisory-state">Published</);
    assert.doesNotMatch(page.body, /TLP:RED<\/strong>/);
    assert.match(page.body, /<td>1<\/td><td>[^<]+<\/td><td>Initial release<\/td><td>owner@acme\.test<\/td><td>responder@acme\.test<\/td><td><code>[0-9a-f]{64}<\/code><\/td><td>yes<\/td>/);
  });
});

describe('the published advisory, for people', () => {
  test('has a public page with products, versions, fix, severity, weakness, CVE and the files', async () => {
    const page = await anyone().get(`/disclose/acme-devices/advisories/${trackingId}`);
    assert.equal(page.statusCode, 200);
    const text = visibleText(page.body);
    for (const expected of [
      TITLE,
      `Advisory ${trackingId}`,
      'Version 1',
      'anyone on the network can log in',
      'Affected products and versions Acme Video Doorbell VD-200 >=2.0.0 <2.4.1 vers:generic/>=2.0.0|<2.4.1',
      'Fixed versions Acme Video Doorbell VD-200 2.4.1',
      'critical (CVSS 9.8)',
      'CVE-2026-12345',
      'CWE-798: Use of Hard-coded Credentials',
      'Install firmware 2.4.1 or later.',
      'Jane Finder',
      'Initial release',
    ]) {
      assert.ok(text.includes(expected), `the page shows ${expected}`);
    }
    assert.ok(page.body.includes(`href="/disclose/acme-devices/csaf/white/${new Date().getUTCFullYear()}/${trackingId.toLowerCase()}.json.asc"`), 'the page links the signature');
    assert.ok(!page.body.includes('responder@acme.test') && !page.body.includes('owner@acme.test'), 'who approved stays internal');
    assert.ok((await anyone().get('/disclose/acme-devices/advisories')).body.includes(trackingId));
  });
});

describe('the CSAF provider directory, for tools', () => {
  const year = () => new Date().getUTCFullYear();
  const file = () => `/disclose/acme-devices/csaf/white/${year()}/${trackingId.toLowerCase()}.json`;

  test('provider-metadata.json describes the maker, its directory and its key', async () => {
    const r = await fetchPublic('/disclose/acme-devices/csaf/provider-metadata.json');
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    const m = r.json() as Record<string, unknown> & { public_openpgp_keys: { fingerprint: string; url: string }[] };
    const key = await getOrganisationKey(platform.db, organisationId);
    // csaf-validator-lib ships no provider-metadata schema, so the shape is checked here.
    assert.deepEqual(Object.keys(m).sort(), [
      'canonical_url',
      'distributions',
      'last_updated',
      'list_on_CSAF_aggregators',
      'metadata_version',
      'mirror_on_CSAF_aggregators',
      'public_openpgp_keys',
      'publisher',
      'role',
    ]);
    assert.equal(m['canonical_url'], `${PUBLIC_URL}/disclose/acme-devices/csaf/provider-metadata.json`);
    assert.deepEqual(m['distributions'], [{ directory_url: `${PUBLIC_URL}/disclose/acme-devices/csaf/white/` }]);
    assert.equal(m['metadata_version'], '2.0');
    assert.equal(m['role'], 'csaf_provider');
    assert.match(String(m['last_updated']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    assert.deepEqual(m['publisher'], { category: 'vendor', name: 'Acme Devices', namespace: `${PUBLIC_URL}/disclose/acme-devices`, contact_details: `${PUBLIC_URL}/disclose/acme-devices` });
    assert.deepEqual(m.public_openpgp_keys, [{ fingerprint: key?.fingerprint.replaceAll(' ', '').toUpperCase(), url: `${PUBLIC_URL}/disclose/acme-devices/openpgp-key.asc` }]);
    const served = await fetchPublic(new URL(m.public_openpgp_keys[0]?.url ?? '').pathname);
    assert.equal(served.statusCode, 200);
    assert.equal(served.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(served.body, key?.publicKey);
  });

  test('index.txt and changes.csv list the advisory', async () => {
    const index = await fetchPublic('/disclose/acme-devices/csaf/white/index.txt');
    assert.equal(index.body, `${year()}/${trackingId.toLowerCase()}.json\n`);
    const changes = await fetchPublic('/disclose/acme-devices/csaf/white/changes.csv');
    assert.match(changes.body, new RegExp(`^"${year()}/${trackingId.toLowerCase()}\\.json","\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z"\\n$`));
  });

  test('the JSON is a valid CSAF document, served to any origin with short public caching', async () => {
    const r = await fetchPublic(file());
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'public, max-age=300');
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['cross-origin-resource-policy'], 'cross-origin');
    const doc = r.json() as { document: { tracking: { id: string }; references: { category: string; url: string }[] } };
    assert.deepEqual((await validateCsaf(doc)).errors, []);
    assert.equal(doc.document.tracking.id, trackingId);
    assert.equal(doc.document.references.find((x) => x.category === 'self')?.url, `${PUBLIC_URL}${file()}`, 'the document names the address it is served at');
  });

  test('the .sha256 and .sha512 files match the bytes served', async () => {
    const body = (await fetchPublic(file())).rawPayload;
    const name = `${trackingId.toLowerCase()}.json`;
    assert.equal((await fetchPublic(`${file()}.sha256`)).body, `${crypto.createHash('sha256').update(body).digest('hex')}  ${name}\n`);
    assert.equal((await fetchPublic(`${file()}.sha512`)).body, `${crypto.createHash('sha512').update(body).digest('hex')}  ${name}\n`);
  });

  test('the .asc signature verifies with gpg against the served bytes and the served key', async () => {
    const signature = await fetchPublic(`${file()}.asc`);
    assert.equal(signature.statusCode, 200);
    const key = (await fetchPublic('/disclose/acme-devices/openpgp-key.asc')).body;
    const verified = await gpgVerifyDetached(key, (await fetchPublic(file())).rawPayload, signature.body);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stderr, /Good signature/);
  });

  test('a file that was never published, or a year it is not filed under, is not found', async () => {
    assert.equal((await fetchPublic(`/disclose/acme-devices/csaf/white/${year()}/acme-devices-1999-0001.json`)).statusCode, 404);
    assert.equal((await fetchPublic(`/disclose/acme-devices/csaf/white/1999/${trackingId.toLowerCase()}.json`)).statusCode, 404);
    assert.equal((await fetchPublic(`${file()}.md5`)).statusCode, 404);
  });

  test('/.well-known/csaf/provider-metadata.json announces the maker named by CSAF_PROVIDER', async () => {
    const r = await fetchPublic('/.well-known/csaf/provider-metadata.json');
    assert.equal(r.statusCode, 200);
    const m = r.json() as { canonical_url: string; distributions: { directory_url: string }[]; publisher: { name: string } };
    assert.equal(m.canonical_url, `${PUBLIC_URL}/.well-known/csaf/provider-metadata.json`);
    assert.deepEqual(m.distributions, [{ directory_url: `${PUBLIC_URL}/disclose/acme-devices/csaf/white/` }]);
    assert.equal(m.publisher.name, 'Acme Devices');
  });
});

describe('a change after publication', () => {
  test('stays private until approved, needs a change summary, and then replaces the public file as version 2', async () => {
    const edited = await responder.submit(`/console/advisories/${advisoryId}`, `/console/advisories/${advisoryId}`, {
      title: TITLE,
      summary: 'The doorbell ships with a service account whose password every unit shares; anyone on the network can log in.',
      remediation: 'Install firmware 2.4.1 or later.',
      workaround: 'Block port 23 on the router until the update is installed.',
      acknowledgement: 'Jane Finder',
      reportIds: [reportId],
    });
    assert.equal(edited.statusCode, 303);
    const page = await responder.get(`/console/advisories/${advisoryId}`);
    assert.match(page.body, /these changes are not public; the public sees version 1/);
    assert.doesNotMatch((await anyone().get(`/disclose/acme-devices/advisories/${trackingId}`)).body, /Block port 23/);

    const unexplained = await responder.post(`/console/advisories/${advisoryId}/approval-request`, { changeSummary: '' });
    assert.equal(unexplained.statusCode, 400);
    assert.match(unexplained.body, /Say what changed since the last published version/);
    assert.equal((await responder.post(`/console/advisories/${advisoryId}/approval-request`, { changeSummary: 'Workaround added.' })).statusCode, 303);
    assert.equal((await owner.submit(`/console/advisories/${advisoryId}`, `/console/advisories/${advisoryId}/publish`)).statusCode, 303);

    const text = visibleText((await anyone().get(`/disclose/acme-devices/advisories/${trackingId}`)).body);
    assert.ok(text.includes('Version 2'));
    assert.ok(text.includes('Block port 23 on the router'));
    assert.match(text, /Revision history Version Date Change 1 \d{4}-\d{2}-\d{2} Initial release 2 \d{4}-\d{2}-\d{2} Workaround added\./);
    const doc = (await fetchPublic(`/disclose/acme-devices/csaf/white/${new Date().getUTCFullYear()}/${trackingId.toLowerCase()}.json`)).json() as { document: { tracking: { version: string; revision_history: unknown[] } } };
    assert.equal(doc.document.tracking.version, '2');
    assert.equal(doc.document.tracking.revision_history.length, 2);
    assert.equal((await fetchPublic('/disclose/acme-devices/csaf/white/index.txt')).body.split('\n').filter(Boolean).length, 1, 'one file per advisory, replaced in place');
  });
});

describe('a maker without a key', () => {
  test('publishes unsigned: no key, no .asc, and the answers say why', async () => {
    const { organisationId: bravo } = await ownerOf(platform, 'Bravo Gadgets', 'owner@bravo.test');
    await memberOf(platform, bravo, 'security_responder', 'responder@bravo.test');
    const users = await platform.db.query<{ id: string; email: string }>('SELECT id, email FROM users WHERE organisation_id = $1 ORDER BY email', [bravo]);
    const [bravoOwner, bravoResponder] = users.map((u) => ({ userId: u.id, label: u.email, organisationId: bravo }));
    assert.ok(bravoOwner && bravoResponder);
    const product = await createProduct(platform.db, bravoOwner, { brand: 'Bravo', name: 'Smart Plug', modelNumber: 'SP-1', category: 'smart-plug', gtins: '' });
    const submitted = await submitReport(
      platform.db,
      { id: bravo, name: 'Bravo Gadgets' },
      { productText: 'Bravo Smart Plug', title: 'Plug accepts commands without a password', description: 'The local API switches the plug for anyone on the network, with no password.', steps: 'curl -X POST http://plug/api/relay?on=1', aiUse: 'none' },
      PUBLIC_URL,
    );
    const report = (await platform.db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [submitted.reference]))[0]?.id ?? '';
    await transitionReport(platform.db, bravoOwner, report, { to: 'valid' }, PUBLIC_URL);
    await transitionReport(platform.db, bravoOwner, report, { to: 'accepted' }, PUBLIC_URL);
    await setAffected(platform.db, bravoOwner, report, { productId: product.id, introduced: '', fixed: '1.1.0' });
    const id = await createAdvisory(platform.db, bravoOwner, { title: 'Unauthenticated local API in the Bravo Smart Plug', summary: 'Anyone on the local network can switch the plug on and off without a password.', reportIds: report });
    await requestApproval(platform.db, bravoOwner, id, {}, PUBLIC_URL);
    const { fileName } = await approveAndPublish(platform.db, bravoResponder, id, PUBLIC_URL, signDetached);

    const key = await fetchPublic('/disclose/bravo-gadgets/openpgp-key.asc');
    assert.equal(key.statusCode, 404);
    assert.match(key.body, /Bravo Gadgets has published no OpenPGP key/);
    const m = (await fetchPublic('/disclose/bravo-gadgets/csaf/provider-metadata.json')).json() as { public_openpgp_keys: unknown[] };
    assert.deepEqual(m.public_openpgp_keys, []);
    const file = `/disclose/bravo-gadgets/csaf/white/${new Date().getUTCFullYear()}/${fileName}`;
    assert.equal((await fetchPublic(file)).statusCode, 200);
    assert.equal((await fetchPublic(`${file}.sha256`)).statusCode, 200);
    const signature = await fetchPublic(`${file}.asc`);
    assert.equal(signature.statusCode, 404);
    assert.match(signature.body, /was published without a signature, because Bravo Gadgets had no signing key then/);
  });
});

describe('installation configuration', () => {
  test('without CSAF_PROVIDER the well-known file is missing, and the answer names the variable', async () => {
    const bare = await startTestPlatform({ PUBLIC_URL });
    try {
      const r = await bare.app.inject({ method: 'GET', url: '/.well-known/csaf/provider-metadata.json', headers: { accept: 'application/json' } });
      assert.equal(r.statusCode, 404);
      assert.match(r.body, /CSAF_PROVIDER/);
    } finally {
      await bare.close();
    }
  });

  test('over plain http no provider metadata is served, and the answer says to set an https PUBLIC_URL', async () => {
    const plain = await startTestPlatform({ PUBLIC_URL: 'http://connectable.test' });
    try {
      await ownerOf(plain, 'Acme Devices', 'owner@acme.test');
      const r = await plain.app.inject({ method: 'GET', url: '/disclose/acme-devices/csaf/provider-metadata.json', headers: { accept: 'application/json' } });
      assert.equal(r.statusCode, 409);
      assert.match(r.body, /PUBLIC_URL to the https:\/\/ address/);
    } finally {
      await plain.close();
    }
  });

  test('a CSAF_PROVIDER that is not a slug stops start-up with the variable named', async () => {
    await assert.rejects(startTestPlatform({ CSAF_PROVIDER: 'Acme Devices' }), /CSAF_PROVIDER: must be a maker's slug/);
  });
});
