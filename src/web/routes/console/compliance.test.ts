import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKeyForOrganisation, getOrganisationKey, savePolicy } from '../../../disclosure/index.ts';
import { summarise } from '../../../firmware/inspect/summary.ts';
import { scanJson } from '../../../firmware/report.ts';
import type { ReportedFinding, ScanReport } from '../../../firmware/scan-image.ts';
import { createProduct, setSupportPeriod } from '../../../registry/index.ts';
import type { Client } from '../../../../test/support/client.ts';
import { gpgVerifyDetached } from '../../../../test/support/gpg.ts';
import { postMultipart, type Part } from '../../../../test/support/multipart.ts';
import { memberOf, ownerOf, startTestPlatform, type TestPlatform } from '../../../../test/support/platform.ts';

let platform: TestPlatform;
let owner: Client;
let organisationId: string;
let productId: string;
let productSlug: string;
let makerSlug: string;

const page = () => `/console/compliance/${productId}`;

/** The text a reader sees: tags dropped, entities decoded, white space collapsed. */
function visibleText(body: string): string {
  return body
    .replace(/<[^>]+>/gu, ' ')
    .replace(/&#(\d+);/gu, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&(amp|lt|gt|quot|apos);/gu, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e] ?? '')
    .replace(/\s+/gu, ' ');
}

/** The markup of the first element with that attribute, up to its closing tag (none of these nest). */
function element(body: string, tag: string, attribute: string): string {
  const start = body.search(new RegExp(`<${tag}\\b[^>]*${attribute.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.ok(start >= 0, `no <${tag} ${attribute}> on the page`);
  return body.slice(start, body.indexOf(`</${tag}>`, start) + tag.length + 3);
}

const dutyOnDashboard = async (duty: string): Promise<string> => element((await owner.get('/console/compliance')).body, 'td', `data-duty="${duty}"`);

const knownPassword: ReportedFinding = {
  rule: 'account-known-password',
  severity: 'critical',
  path: 'etc/shadow',
  line: 1,
  location: 'squashfs@0x40000',
  title: 'An account whose password is a known default or common password',
  evidence: 'root:a…n (md5crypt) is "admin", on every list of default passwords',
  lawIds: ['psti.s1.1', 'psti.s1.1.2a', 'psti.s1.1.3d', 'etsi.5.1-1', 'etsi.5.1-2'],
  universal: true,
};

/** What `connectable scan --json` writes for one image. */
function scanReport(image: string, findings: ReportedFinding[]): string {
  const report: ScanReport = {
    target: `build/${image}`,
    kind: 'image',
    size: 8_388_608,
    sha256: 'c0ffee'.padEnd(64, '0'),
    containers: [{ location: 'squashfs@0x40000', unpacker: 'squashfs', offset: 262_144, length: 8_126_464, entries: 512, files: 470 }],
    findings,
    problems: [],
    summary: summarise(findings),
    limits: { maxFileBytes: 268_435_456, maxTotalBytes: 2_147_483_648, maxEntries: 200_000, timeoutSeconds: 600, maxDepth: 6 },
    durationMs: 1_204,
  };
  return scanJson([report], false);
}

const upload = (client: Client, report: string, fields: { firmwareVersion: string; kind?: string; fileName?: string }) => {
  const parts: Part[] = [
    { name: 'report', value: report, filename: fields.fileName ?? 'scan.json', contentType: 'application/json' },
    { name: 'kind', value: fields.kind ?? 'detect' },
    { name: 'firmwareVersion', value: fields.firmwareVersion },
    { name: 'hardwareRevision', value: '' },
  ];
  return postMultipart(client, page(), `${page()}/evidence`, parts);
};

const evidenceCount = async (): Promise<number> =>
  (await platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM compliance_evidence WHERE product_id = $1', [productId]))[0]?.n ?? -1;

const statementFields = (batch: string) => ({
  productType: 'Wi-Fi security camera',
  batch,
  hardwareRevision: '',
  manufacturerName: 'Compliance Makers Ltd',
  manufacturerAddress: '1 Test Street\nLondon EC1A 1AA',
  authorisedRepresentative: '',
  signatoryName: 'Sam Signer',
  signatoryFunction: 'Head of Product Security',
  place: 'London',
  date: '2026-02-01',
});

const judge = async (provisionId: string, status: string, reason: string) => owner.submit(page(), `${page()}/judgements`, { provisionId, hardwareRevision: '', status, reason });

const statementIds = async (): Promise<{ id: string; version: number }[]> =>
  platform.db.query<{ id: string; version: number }>('SELECT id, version FROM compliance_statements WHERE product_id = $1 ORDER BY version', [productId]);

before(async () => {
  platform = await startTestPlatform();
  ({ client: owner, organisationId } = await ownerOf(platform, 'Compliance Makers', 'owner@compliance-makers.test'));
  const actor = { label: 'owner@compliance-makers.test', organisationId };
  const product = await createProduct(platform.db, actor, { brand: 'Lookout', name: 'Indoor Camera', modelNumber: 'LK-CAM-1', category: 'camera', gtins: '', hardwareRevisions: 'H1', firmwareVersions: '1.0.0, 1.1.0' });
  await setSupportPeriod(platform.db, actor, product.id, { endDate: '2031-12-31', publish: true });
  productId = product.id;
  productSlug = product.slug;
  makerSlug = (await platform.db.query<{ slug: string }>('SELECT slug FROM organisations WHERE id = $1', [organisationId]))[0]?.slug ?? '';
});
after(async () => platform.close());

describe('the readiness dashboard and a product’s assessment', () => {
  test('a new product shows each duty as a badge with its colour in words, the reason and one next action', async () => {
    const dashboard = await owner.get('/console/compliance');
    assert.equal(dashboard.statusCode, 200);
    assert.match(dashboard.body, /<a href="\/console\/compliance" aria-current="page">Compliance<\/a>/);
    assert.match(dashboard.body, new RegExp(`<a href="/console/compliance/${productId}">Lookout Indoor Camera</a>`));
    assert.match(await dutyOnDashboard('passwords'), /data-duty="passwords" data-rag="amber">Amber</);
    const reporting = await dutyOnDashboard('reporting');
    assert.match(reporting, /data-rag="red">Red</);
    assert.match(visibleText(reporting), /No vulnerability disclosure policy is published\. Next: Publish the disclosure policy/);
    assert.match(visibleText(await dutyOnDashboard('support-period')), /Amber .*Next: Confirm that your own listings and advertisements show the support period/);
    for (const link of ['export.csv', 'export.json', 'export.pdf']) assert.match(dashboard.body, new RegExp(`href="/console/compliance/${link.replace('.', '\\.')}"`));
  });

  test('a failing scan turns the password duty red, with the finding as the reason', async () => {
    const r = await upload(owner, scanReport('lookout-1.0.0.bin', [knownPassword]), { firmwareVersion: '1.0.0' });
    assert.equal(r.statusCode, 303);
    assert.match(String(r.headers.location), /saved=evidence/);
    const passwords = await dutyOnDashboard('passwords');
    assert.match(passwords, /data-duty="passwords" data-rag="red">Red</);
    assert.match(visibleText(passwords), /An account whose password is a known default or common password at squashfs@0x40000\/etc\/shadow:1/);
    const product = await owner.get(page());
    assert.match(product.body, /<tr id="p-psti\.s1\.1" data-provision="psti\.s1\.1" data-status="not_met">/);
    assert.match(visibleText(element(product.body, 'tr', 'id="p-psti.s1.1.2a"')), /Firmware scan of firmware 1\.0\.0, \d{4}-\d\d-\d\d, lookout-1\.0\.0\.bin .*FAIL — 1 universal credential/);
    const row = element(product.body, 'tr', 'data-evidence=');
    assert.match(row, /data-kind="firmware-scan" data-current="true"/);
    assert.match(visibleText(row), /Firmware scan \(current\) 1\.0\.0 All owner@compliance-makers\.test/);
    const download = await owner.get(/href="(\/console\/compliance\/[^"]+\/evidence\/[^"]+\.json)"/.exec(product.body)?.[1] ?? 'missing');
    assert.equal(download.statusCode, 200);
    assert.match(String(download.headers['content-disposition']), /^attachment; filename="firmware-scan-1\.0\.0-/);
    assert.equal((download.json() as { findings: { rule: string }[] }[])[0]?.findings[0]?.rule, 'account-known-password');
  });

  test('a file that is not a Connectable report is refused with the reason beside the form, and nothing is stored', async () => {
    const before = await evidenceCount();
    const foreign = JSON.stringify({ format: 'connectable.evidence/1', kind: 'firmware-scan', tool: { name: 'acme-scanner', version: '2.0' }, report: [] });
    const r = await upload(owner, foreign, { firmwareVersion: '9.9.9', fileName: 'acme-scanner.json' });
    assert.equal(r.statusCode, 400);
    const refusal = visibleText(element(r.body, 'div', 'id="upload-refused"'));
    assert.match(refusal, /The report was not stored The report was written by "acme-scanner", not by Connectable's own tools; only their reports count as evidence\./);
    assert.match(element(r.body, 'form', 'id="upload-evidence"'), /name="firmwareVersion" type="text" value="9\.9\.9"/);
    const handMade = await upload(owner, JSON.stringify({ passwords: 'all unique, promise' }), { firmwareVersion: '9.9.9' });
    assert.equal(handMade.statusCode, 400);
    assert.match(visibleText(handMade.body), /This is not a Connectable report/);
    const tooLarge = await upload(owner, `[${' '.repeat(9 * 1024 * 1024)}]`, { firmwareVersion: '9.9.9' });
    assert.equal(tooLarge.statusCode, 400);
    assert.match(visibleText(element(tooLarge.body, 'div', 'id="upload-refused"')), /The report is larger than 8 MiB/);
    assert.equal(await evidenceCount(), before);
    assert.match(element((await owner.get('/console/compliance')).body, 'td', 'data-duty="passwords"'), /data-rag="red"/, 'the refused files changed nothing');
  });

  test('a clean scan of newer firmware replaces it; the duty waits on the batch conditions until they are judged', async () => {
    assert.equal((await upload(owner, scanReport('lookout-1.1.0.bin', []), { firmwareVersion: '1.1.0', kind: 'firmware-scan' })).statusCode, 303);
    const waiting = await dutyOnDashboard('passwords');
    assert.match(waiting, /data-rag="amber"/);
    assert.match(visibleText(waiting), /Waiting on psti\.s1\.1\.3a, psti\.s1\.1\.3b, psti\.s1\.1\.3c, psti\.s1\.1\.3d\./);
    const evidence = element((await owner.get(page())).body, 'table', 'id="evidence"');
    assert.match(evidence, /data-current="true"[^>]*>\s*<td>Firmware scan <strong class="current-marker">\(current\)<\/strong><\/td>\s*<td>1\.1\.0<\/td>/);
    assert.match(evidence, /data-current="false">\s*<td>Firmware scan<\/td>\s*<td>1\.0\.0<\/td>/, 'the older scan stays in the history');

    const unexplained = await judge('psti.s1.1.3a', 'not_applicable', 'n/a');
    assert.equal(unexplained.statusCode, 400);
    const form = element(unexplained.body, 'form', 'id="judge-psti.s1.1.3a"');
    assert.match(visibleText(form), /Say why, in a sentence an auditor can check/);
    assert.match(form, /<option value="not_applicable" selected>/);

    const userSet = 'Passwords are set by the user at first start; the camera has none until then.';
    const judged = await judge('psti.s1.1.2b', 'met', userSet);
    assert.equal(judged.statusCode, 303);
    assert.match(String(judged.headers.location), /saved=judgement#p-psti\.s1\.1\.2b$/);
    for (const id of ['psti.s1.1.3a', 'psti.s1.1.3b', 'psti.s1.1.3c', 'psti.s1.1.3d']) assert.equal((await judge(id, 'not_applicable', userSet)).statusCode, 303);
    assert.match(await dutyOnDashboard('passwords'), /data-duty="passwords" data-rag="green">Green</);
    const row = visibleText(element((await owner.get(page())).body, 'tr', 'id="p-psti.s1.1.3c"'));
    assert.match(row, /Not applicable Passwords are set by the user at first start/);
    assert.match(row, /Judged by owner@compliance-makers\.test on \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
  });

  test('provisions are grouped by law: PSTI Schedule 1, ETSI EN 303 645 by clause, the CRA and ISO/IEC 29147', async () => {
    const body = (await owner.get(page())).body;
    const groups = [...body.matchAll(/<section class="provision-group" data-group="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(groups[0], 'psti');
    assert.ok(groups.includes('etsi.5.1') && groups.includes('etsi.5.13'), `ETSI clauses: ${groups.join(', ')}`);
    assert.ok(groups.indexOf('etsi.5.13') < groups.findIndex((g) => g?.startsWith('cra.')), 'the CRA follows ETSI');
    assert.equal(groups.at(-1), 'iso29147');
    assert.match(visibleText(element(body, 'section', 'data-group="etsi.5.1"')), /ETSI EN 303 645: clause 5\.1, No universal default passwords/);
    const revision = await owner.get(`${page()}?revision=H1`);
    assert.match(visibleText(revision.body), /Assessment of hardware revision H1\./);
  });
});

describe('the Statement of Compliance', () => {
  test('is refused while a requirement is unmet, naming each and why, and keeps what was typed', async () => {
    const form = element((await owner.get(page())).body, 'form', 'id="generate-statement"');
    assert.match(form, /name="manufacturerName" type="text" value="Compliance Makers"/, 'the organisation by default');
    assert.match(form, /name="signatoryName" type="text" value="Owner of Compliance Makers"/, 'the person signed in by default');
    assert.match(form, new RegExp(`name="date" type="text" value="${new Date().toISOString().slice(0, 10)}"`));

    const refused = await owner.submit(page(), `${page()}/statements`, statementFields('Units from week 5 of 2026'));
    assert.equal(refused.statusCode, 409);
    const box = element(refused.body, 'div', 'id="statement-refused"');
    assert.ok(refused.body.indexOf('id="statement-refused"') < refused.body.indexOf('id="generate-statement"'), 'the refusal stands above the form');
    assert.match(visibleText(box), /psti\.s1\.2 How to report security issues is not met: Not met: .*No vulnerability disclosure policy is published\./);
    assert.match(visibleText(box), /psti\.s1\.3\.3 Shown where the product is offered is not yet assessed: No evidence and no judgement yet\. Next: Confirm that your own listings/);
    assert.doesNotMatch(box, /data-blocker="psti\.s1\.1"/, 'the password duty is met by now');
    const kept = element(refused.body, 'form', 'id="generate-statement"');
    assert.match(kept, /value="Units from week 5 of 2026"/);
    assert.match(kept, /<textarea id="f-manufacturerAddress" name="manufacturerAddress" rows="3" cols="60" required>1 Test Street\nLondon EC1A 1AA<\/textarea>/);
    assert.deepEqual(await statementIds(), []);
  });

  test('once every requirement is met, version 1 and then version 2 are generated and both listed', async () => {
    const actor = { label: 'owner@compliance-makers.test', organisationId };
    await savePolicy(platform.db, actor, { acknowledgeHours: '72', triageDays: '7', updateIntervalDays: '14', fixDaysCritical: '30', fixDaysHigh: '60', fixDaysMedium: '90', fixDaysLow: '180', languages: 'en' });
    await generateKeyForOrganisation(platform.db, actor, { email: 'security@compliance-makers.test' });
    assert.equal((await judge('psti.s1.3.3', 'met', 'Our shop and every retailer listing show the end date next to the price.')).statusCode, 303);

    const first = await owner.submit(page(), `${page()}/statements`, statementFields('Units from week 5 of 2026'));
    assert.equal(first.statusCode, 303, first.body.slice(0, 2000));
    assert.match(String(first.headers.location), /saved=statement&version=1#statements$/);
    assert.match(visibleText((await owner.get(String(first.headers.location))).body), /Statement of Compliance version 1 was generated\./);
    const second = await owner.submit(page(), `${page()}/statements`, statementFields('Units from week 9 of 2026'));
    assert.equal(second.statusCode, 303);
    const versions = element((await owner.get(page())).body, 'table', 'id="statement-versions"');
    assert.match(versions, /data-version="2" data-public="false"><td>2<\/td><td>All<\/td>.*<td>Units from week 9 of 2026<\/td>\s*<td>Signed \(OpenPGP [0-9A-F]{40}\)<\/td>/s);
    assert.match(versions, /data-version="1" data-public="false"><td>1<\/td>/);
    assert.deepEqual((await statementIds()).map((s) => s.version), [1, 2]);
  });

  test('serves the exact PDF issued, with signatures that gpg verifies against the maker’s key', async () => {
    const [v1] = await statementIds();
    const base = `${page()}/statements/${v1?.id}`;
    const pdf = await owner.get(`${base}/pdf`);
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.match(String(pdf.headers['content-disposition']), /^attachment; filename="statement-of-compliance-LK-CAM-1-v1\.pdf"$/);
    assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    const key = (await getOrganisationKey(platform.db, organisationId))?.publicKey ?? '';
    const signature = await owner.get(`${base}/pdf.asc`);
    assert.equal(signature.headers['content-type'], 'application/pgp-signature');
    const verified = await gpgVerifyDetached(key, pdf.rawPayload, signature.body);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stderr, /Good signature from "Compliance Makers Product Security/);
    const json = await owner.get(`${base}/json`);
    assert.equal((json.json() as { product: { batch: string } }).product.batch, 'Units from week 5 of 2026');
    assert.equal((await gpgVerifyDetached(key, json.rawPayload, (await owner.get(`${base}/json.asc`)).body)).code, 0);
    assert.equal((await owner.get(`${base}/docx`)).statusCode, 404);
  });

  test('is public only once the maker shows a version, and the product page then links it', async () => {
    const publicUrl = `/statements/${makerSlug}/${productSlug}`;
    const anonymous = (url: string) => platform.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
    assert.equal((await anonymous(publicUrl)).statusCode, 404);
    assert.equal((await anonymous(`${publicUrl}/statement.pdf`)).statusCode, 404);
    assert.doesNotMatch((await anonymous(`/makers/${makerSlug}/products/${productSlug}`)).body, /Statement of Compliance/);

    const [v1] = await statementIds();
    const shown = await owner.submit(page(), `${page()}/statements/public`, { statementId: v1?.id ?? '' });
    assert.equal(shown.statusCode, 303);
    const statement = await anonymous(publicUrl);
    assert.equal(statement.statusCode, 200);
    const text = visibleText(statement.body);
    assert.match(text, /Statement of Compliance: Lookout Indoor Camera/);
    assert.match(text, /Model number LK-CAM-1 Type of product Wi-Fi security camera Hardware revision All revisions Batch Units from week 5 of 2026/);
    assert.match(text, /Compliance Makers Ltd 1 Test Street London EC1A 1AA/);
    assert.match(text, /Security updates until 31 December 2031\./);
    assert.match(text, /In the opinion of Compliance Makers Ltd, the product described above complies/);
    assert.match(text, /Sam Signer, Head of Product Security, London, 1 February 2026/);
    const file = await anonymous(`${publicUrl}/statement.pdf`);
    assert.equal(file.headers['content-type'], 'application/pdf');
    assert.deepEqual(file.rawPayload, (await owner.get(`${page()}/statements/${v1?.id}/pdf`)).rawPayload, 'the very bytes issued');
    assert.equal((await anonymous(`${publicUrl}/statement.json.asc`)).statusCode, 200);
    assert.match((await anonymous(`/makers/${makerSlug}/products/${productSlug}`)).body, new RegExp(`<a href="${publicUrl}">Statement of Compliance</a>`));
    assert.match(element((await owner.get(page())).body, 'table', 'id="statement-versions"'), /data-version="1" data-public="true">/);

    assert.equal((await owner.submit(page(), `${page()}/statements/public`, { statementId: '' })).statusCode, 303);
    assert.equal((await anonymous(publicUrl)).statusCode, 404);
  });
});

describe('the exports for an auditor', () => {
  test('CSV, JSON and PDF hold every provision of the product, as attachments never cached', async () => {
    // A reason typed by a person must not run as a formula when the CSV is opened in a spreadsheet.
    assert.equal((await judge('etsi.5.6-1', 'met', '=HYPERLINK("https://example.test","only SSH is enabled")')).statusCode, 303);
    const csv = await owner.get('/console/compliance/export.csv');
    assert.equal(csv.statusCode, 200);
    assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(csv.headers['cache-control'], 'no-store');
    assert.match(String(csv.headers['content-disposition']), /^attachment; filename="[a-z0-9-]+-compliance-assessment\.csv"$/);
    assert.equal(csv.body.split('\n')[0], 'product,model_number,hardware_revision,provision,reference,title,status,reason,evidence,judged_by,judged_at');
    assert.match(csv.body, /\nLookout Indoor Camera \(LK-CAM-1\),LK-CAM-1,,psti\.s1\.1,"Schedule 1, paragraph 1",Passwords,met,/);
    assert.match(csv.body, /\nLookout Indoor Camera \(LK-CAM-1\),LK-CAM-1,H1,psti\.s1\.1,/, 'each hardware revision too');
    assert.match(csv.body, /,etsi\.5\.6-1,.*,met,"'=HYPERLINK\(""https:\/\/example\.test"",""only SSH is enabled""\)",,owner@compliance-makers\.test,\d{4}-/);

    const json = await owner.get('/console/compliance/export.json');
    assert.equal(json.headers['cache-control'], 'no-store');
    assert.match(String(json.headers['content-disposition']), /^attachment; filename=".*\.json"$/);
    const exported = json.json() as { organisation: string; products: { productId: string; hardwareRevision: string | null; duties: { duty: string; rag: string }[]; provisions: { id: string; status: string; judgedBy: string }[] }[] };
    assert.equal(exported.organisation, 'Compliance Makers');
    const whole = exported.products.find((p) => p.productId === productId && p.hardwareRevision === null);
    assert.deepEqual(whole?.duties.map((d) => [d.duty, d.rag]), [['passwords', 'green'], ['reporting', 'green'], ['support-period', 'green']]);
    assert.equal(whole?.provisions.find((p) => p.id === 'psti.s1.1.3d')?.status, 'not_applicable');
    assert.ok((whole?.provisions.length ?? 0) > 100, 'every provision, not only the PSTI ones');

    const pdf = await owner.get('/console/compliance/export.pdf');
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.headers['cache-control'], 'no-store');
    assert.match(String(pdf.headers['content-disposition']), /^attachment; filename=".*\.pdf"$/);
    assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  });
});

describe('who may do what', () => {
  test('a viewer reads the assessment but gets no forms, and may not upload, judge or generate', async () => {
    const viewer = await memberOf(platform, organisationId, 'viewer', 'viewer@compliance-makers.test');
    const body = (await viewer.get(page())).body;
    assert.match(body, /data-duty="passwords" data-rag="green"/);
    for (const form of ['id="upload-evidence"', 'id="generate-statement"', 'id="judge-psti.s1.1"', 'action="/console/compliance/' + productId + '/statements/public"']) assert.ok(!body.includes(form), `a viewer sees ${form}`);
    const before = await evidenceCount();
    assert.equal((await upload(viewer, scanReport('lookout-1.2.0.bin', []), { firmwareVersion: '1.2.0' })).statusCode, 403);
    assert.equal(await evidenceCount(), before);
    assert.equal((await viewer.submit(page(), `${page()}/statements`, statementFields('Viewer batch'))).statusCode, 403);
    assert.equal((await viewer.submit(page(), `${page()}/judgements`, { provisionId: 'psti.s1.3.3', status: 'not_met', reason: 'A viewer should not be able to say this.' })).statusCode, 403);
    assert.equal((await statementIds()).length, 2);
  });

  test('another organisation gets 404 for the product, its evidence and its statements, and sees none of it', async () => {
    const { client: other } = await ownerOf(platform, 'Other Makers', 'owner@other-makers.test');
    const [v1] = await statementIds();
    const evidenceId = (await platform.db.query<{ id: string }>('SELECT id FROM compliance_evidence WHERE product_id = $1 LIMIT 1', [productId]))[0]?.id;
    for (const url of [page(), `${page()}/evidence/${evidenceId}.json`, `${page()}/statements/${v1?.id}/pdf`]) assert.equal((await other.get(url)).statusCode, 404, url);
    assert.equal((await upload(other, scanReport('x.bin', []), { firmwareVersion: '5.0.0' })).statusCode, 404);
    assert.equal((await other.submit('/console/compliance', `${page()}/statements`, statementFields('Not theirs'))).statusCode, 404);
    const dashboard = await other.get('/console/compliance');
    assert.equal(dashboard.statusCode, 200);
    assert.doesNotMatch(dashboard.body, /Lookout|LK-CAM-1/);
    assert.doesNotMatch((await other.get('/console/compliance/export.csv')).body, /LK-CAM-1/);
  });
});
