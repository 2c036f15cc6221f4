import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectableError } from '../errors.ts';
import { changesCsv, indexTxt, providerMetadata, sha256Line, sha512Line, type PublishedEntry } from './csaf-provider.ts';
import {
  buildCsaf,
  csafFileName,
  cweName,
  fixedProductId,
  searchCwe,
  validateCsaf,
  versRange,
  type AdvisoryForCsaf,
  type CsafBranch,
  type CsafDocument,
  type CsafVulnerability,
} from './csaf.ts';
import { advisory, DOORBELL, HUB, publisher } from '../../test/support/csaf-advisory.ts';


/** The document as a consumer receives it: serialised and parsed, so Dates are strings. */
const served = (doc: CsafDocument): unknown => JSON.parse(JSON.stringify(doc));

function vuln(doc: CsafDocument, i: number): CsafVulnerability {
  const v = doc.vulnerabilities[i];
  assert.ok(v, `vulnerability ${i}`);
  return v;
}

/** Every leaf branch of the product tree, with the names on the way down. */
function leaves(branches: CsafBranch[], path: string[] = []): { path: string[]; branch: CsafBranch }[] {
  return branches.flatMap((b) => (b.branches ? leaves(b.branches, [...path, `${b.category}:${b.name}`]) : [{ path, branch: b }]));
}

async function assertValid(doc: unknown): Promise<void> {
  const result = await validateCsaf(doc);
  assert.deepEqual(result.errors, [], 'no validator errors');
  assert.equal(result.valid, true);
}

describe('buildCsaf', () => {
  test('a published advisory with a fixed and an unfixed product and two vulnerabilities is valid CSAF 2.0', async () => {
    await assertValid(served(buildCsaf(advisory())));
  });

  test('a draft is TLP:RED with status draft, and validates too', async () => {
    const doc = buildCsaf(
      advisory({ tlp: 'RED', status: 'draft', revisions: [{ version: '1', date: new Date('2026-11-20T09:00:00Z'), summary: 'Draft.' }] }),
    );
    assert.equal(doc.document.distribution.tlp.label, 'RED');
    assert.equal(doc.document.distribution.tlp.url, 'https://www.first.org/tlp/');
    assert.equal(doc.document.tracking.status, 'draft');
    await assertValid(served(doc));
  });

  test('a first draft numbered 0 validates as a draft, and the same number in a final is refused (6.1.18)', async () => {
    const zero = [{ version: '0', date: new Date('2026-11-20T09:00:00Z'), summary: 'Draft.' }];
    await assertValid(served(buildCsaf(advisory({ tlp: 'RED', status: 'draft', revisions: zero }))));
    const final = await validateCsaf(served(buildCsaf(advisory({ revisions: zero }))));
    assert.equal(final.valid, false);
    assert.ok(final.errors.some((e) => e.test === '6.1.18'), JSON.stringify(final.errors));
  });

  test('the document names its category, publisher, language, tracking and references', () => {
    const d = buildCsaf(advisory()).document;
    assert.equal(d.category, 'csaf_security_advisory');
    assert.equal(d.csaf_version, '2.0');
    assert.equal(d.lang, 'en');
    assert.deepEqual(d.publisher, { category: 'vendor', name: 'Acme Devices Ltd', namespace: publisher.namespace, contact_details: 'security@acme.example' });
    assert.deepEqual(d.distribution, { tlp: { label: 'WHITE', url: 'https://www.first.org/tlp/' } });
    assert.deepEqual(d.notes, [{ category: 'summary', title: 'Summary', text: advisory().summary }]);
    assert.deepEqual(
      d.references.map((r) => [r.category, r.url]),
      [
        ['self', advisory().selfUrl],
        ['external', advisory().htmlUrl],
      ],
    );
    assert.deepEqual(d.acknowledgments, [{ names: ['Jane Researcher', 'The Example Lab'] }]);
    assert.equal(d.tracking.id, 'ACME-2026-0001');
    assert.equal(d.tracking.version, '2', 'the latest revision');
    assert.deepEqual(d.tracking.revision_history, [
      { date: '2026-11-20T09:00:00.000Z', number: '1', summary: 'Initial release.' },
      { date: '2026-11-26T10:00:00.000Z', number: '2', summary: 'Added the hub, which shares the service account.' },
    ]);
    assert.equal(d.tracking.initial_release_date, '2026-11-20T09:00:00.000Z');
    assert.equal(d.tracking.current_release_date, '2026-11-26T10:00:00.000Z');
    assert.equal(d.tracking.generator.engine.name, 'Connectable');
    assert.match(d.tracking.generator.engine.version, /^\d+\.\d+\.\d+/);
  });

  test('no acknowledgement and no contact details leave those fields out rather than empty', () => {
    const d = buildCsaf(advisory({ acknowledgement: '', publisher: { ...publisher, contactDetails: '' } })).document;
    assert.equal('acknowledgments' in d, false);
    assert.equal('contact_details' in d.publisher, false);
  });

  test('products hang from vendor → product name → a vers range, plus the fixed version when there is one', () => {
    const doc = buildCsaf(advisory());
    assert.deepEqual(
      leaves(doc.product_tree.branches).map(({ path, branch }) => [path.join(' / '), branch.category, branch.name, branch.product?.product_id, branch.product?.name]),
      [
        // The doorbell's name already starts with the brand; the hub's does not, so there the vendor leads.
        ['vendor:Acme Devices / product_name:Acme Video Doorbell VD-200', 'product_version_range', 'vers:generic/>=2.0.0|<2.4.1', DOORBELL, 'Acme Video Doorbell VD-200 >=2.0.0 <2.4.1'],
        ['vendor:Acme Devices / product_name:Acme Video Doorbell VD-200', 'product_version', '2.4.1', fixedProductId(DOORBELL), 'Acme Video Doorbell VD-200 2.4.1'],
        ['vendor:Acme Devices / product_name:Home Hub HH-1', 'product_version_range', 'vers:all/*', HUB, 'Acme Devices Home Hub HH-1 all versions'],
      ],
    );
  });

  test('a range is written in vers whichever bounds are known', () => {
    assert.equal(versRange('2.0.0', '2.4.1'), 'vers:generic/>=2.0.0|<2.4.1');
    assert.equal(versRange('', '2.4.1'), 'vers:generic/<2.4.1');
    assert.equal(versRange('2.0.0', ''), 'vers:generic/>=2.0.0');
    assert.equal(versRange('', ''), 'vers:all/*');
    assert.equal(versRange('', '1.0 beta|2'), 'vers:generic/<1.0%20beta%7C2', 'separators inside a version are percent-encoded');
  });

  test('each vulnerability lists the affected ranges as known_affected and the fixed versions as fixed', () => {
    const doc = buildCsaf(advisory());
    assert.deepEqual(vuln(doc, 0).product_status, { known_affected: [DOORBELL, HUB], fixed: [fixedProductId(DOORBELL)] });
    assert.deepEqual(vuln(doc, 1).product_status, { known_affected: [DOORBELL], fixed: [fixedProductId(DOORBELL)] });
  });

  test('the remediation covers the products with a fix, and what has none is said to have none', () => {
    assert.deepEqual(vuln(buildCsaf(advisory()), 0).remediations, [
      { category: 'vendor_fix', details: advisory().remediation, product_ids: [DOORBELL] },
      { category: 'none_available', details: 'No fix or workaround is available yet.', product_ids: [HUB] },
    ]);
  });

  test('a workaround covers every affected product, so nothing is left without an action', async () => {
    const doc = buildCsaf(advisory({ workaround: 'Block TCP port 23 at the router.' }));
    assert.deepEqual(vuln(doc, 0).remediations, [
      { category: 'vendor_fix', details: advisory().remediation, product_ids: [DOORBELL] },
      { category: 'workaround', details: 'Block TCP port 23 at the router.', product_ids: [DOORBELL, HUB] },
    ]);
    await assertValid(served(doc));
  });

  test('without remediation text a fixed version still yields a vendor fix naming that version', () => {
    assert.deepEqual(vuln(buildCsaf(advisory({ remediation: '' })), 0).remediations, [
      { category: 'vendor_fix', details: 'Update to version 2.4.1 or later.', product_ids: [DOORBELL] },
      { category: 'none_available', details: 'No fix or workaround is available yet.', product_ids: [HUB] },
    ]);
  });

  test('with neither a fix nor a workaround every affected product is none_available', async () => {
    const products = advisory().products.map((p) => ({ ...p, fixed: '' }));
    const doc = buildCsaf(advisory({ remediation: '', products }));
    assert.deepEqual(vuln(doc, 0).remediations, [{ category: 'none_available', details: 'No fix or workaround is available yet.', product_ids: [DOORBELL, HUB] }]);
    assert.equal('fixed' in vuln(doc, 0).product_status, false);
    await assertValid(served(doc));
  });

  test('remediation text with no fixed version recorded is a fix outside the firmware, for every affected product', () => {
    const products = advisory().products.map((p) => ({ ...p, fixed: '' }));
    const doc = buildCsaf(advisory({ remediation: 'The cloud relay was patched on 25 November; no action is needed.', products }));
    assert.deepEqual(vuln(doc, 0).remediations, [
      { category: 'vendor_fix', details: 'The cloud relay was patched on 25 November; no action is needed.', product_ids: [DOORBELL, HUB] },
    ]);
  });

  test('a CVSS 3.1 score goes into scores with an upper-case severity; CVE and CWE are carried', () => {
    const v = vuln(buildCsaf(advisory()), 0);
    assert.deepEqual(v.scores, [
      {
        products: [DOORBELL, HUB],
        cvss_v3: { version: '3.1', vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', baseScore: 9.8, baseSeverity: 'CRITICAL' },
      },
    ]);
    assert.equal(v.cve, 'CVE-2026-12345');
    assert.deepEqual(v.cwe, { id: 'CWE-798', name: 'Use of Hard-coded Credentials' });
    assert.deepEqual(v.ids, [{ system_name: 'Acme Devices Ltd', text: 'VR-2026-0042' }]);
    assert.equal(v.release_date, '2026-11-20T09:00:00.000Z');
  });

  test('a CVSS 4.0 vector, which the CSAF 2.0 schema cannot hold, is kept in a note', () => {
    const v = vuln(buildCsaf(advisory()), 1);
    assert.equal(v.scores, undefined);
    assert.equal(v.cve, undefined);
    assert.equal(v.cwe, undefined);
    assert.deepEqual(
      v.notes.find((n) => n.title === 'CVSS v4.0'),
      { category: 'other', title: 'CVSS v4.0', text: 'CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N (base score 7.1, high)' },
    );
  });

  test('the CWE name is the one the validator knows, even if the stored name has since drifted', async () => {
    const [first, second] = advisory().vulnerabilities;
    assert.ok(first && second);
    const doc = buildCsaf(advisory({ vulnerabilities: [{ ...first, cwe: { id: 'CWE-798', name: 'Hardcoded creds' } }, second] }));
    assert.deepEqual(vuln(doc, 0).cwe, { id: 'CWE-798', name: 'Use of Hard-coded Credentials' });
    await assertValid(served(doc));
  });

  test('an advisory without a revision is refused as invalid input', () => {
    assert.throws(
      () => buildCsaf(advisory({ revisions: [] })),
      (e: unknown) => e instanceof ConnectableError && e.code === 'CONNECTABLE_ERR_INVALID_INPUT' && /at least one revision/.test(e.message),
    );
  });
});

describe('validateCsaf', () => {
  test('a product id defined twice is reported by mandatory test 6.1.2', async () => {
    const [doorbell, hub] = advisory().products;
    assert.ok(doorbell && hub);
    const broken = buildCsaf(advisory({ products: [doorbell, { ...hub, id: DOORBELL }], vulnerabilities: advisory().vulnerabilities.map((v) => ({ ...v, productIds: [DOORBELL] })) }));
    const result = await validateCsaf(served(broken));
    assert.equal(result.valid, false);
    const e = result.errors.find((x) => x.test === '6.1.2');
    assert.ok(e, JSON.stringify(result.errors));
    assert.match(e.path, /^\/product_tree\/branches\//);
    assert.ok(e.message.length > 0);
  });

  test('a CWE whose name does not match its id is reported by mandatory test 6.1.11', async () => {
    const doc = buildCsaf(advisory());
    const v = vuln(doc, 0);
    v.cwe = { id: 'CWE-798', name: 'Hardcoded creds' };
    const result = await validateCsaf(served(doc));
    assert.equal(result.valid, false);
    assert.deepEqual(result.errors, [{ test: '6.1.11', path: '/vulnerabilities/0/cwe/name', message: 'the name does not match the weakness with the given id' }]);
  });

  test('a CVSS 3.1 score that does not match its vector is reported', async () => {
    const doc = buildCsaf(advisory());
    const score = vuln(doc, 0).scores?.[0];
    assert.ok(score);
    score.cvss_v3.baseScore = 5.0;
    const result = await validateCsaf(served(doc));
    assert.equal(result.valid, false);
    assert.ok(result.errors.some((e) => e.test === '6.1.9' && e.path.startsWith('/vulnerabilities/0/scores/0/cvss_v3')), JSON.stringify(result.errors));
  });

  test('a property the schema does not know is reported by the strict schema', async () => {
    const doc = { ...(served(buildCsaf(advisory())) as object), surprise: true };
    const result = await validateCsaf(doc);
    assert.equal(result.valid, false);
    assert.ok(result.errors.some((e) => e.test === 'schema'), JSON.stringify(result.errors));
  });

  test('anything that is not a CSAF document is reported, never thrown', async () => {
    for (const junk of [null, 'csaf', [], 42, {}, { document: null }, { document: { tracking: 'x' }, vulnerabilities: [null] }]) {
      const result = await validateCsaf(junk);
      assert.equal(result.valid, false, JSON.stringify(junk));
      assert.ok(result.errors.length > 0);
      for (const e of result.errors) assert.equal(typeof e.message, 'string');
    }
  });
});

describe('csafFileName', () => {
  test('is the tracking id in lower case with .json (CSAF 2.0 §5.1)', () => {
    assert.equal(csafFileName('ACME-2026-0001'), 'acme-2026-0001.json');
  });

  test('turns every run of other characters into one underscore and keeps + and -', () => {
    assert.equal(csafFileName('Example Company - 2019-YH3234'), 'example_company_-_2019-yh3234.json');
    assert.equal(csafFileName('RHBA-2019:0024'), 'rhba-2019_0024.json');
    assert.equal(csafFileName('acme.2026/0001+fix'), 'acme_2026_0001+fix.json');
    assert.equal(csafFileName('Ünïcode…ID'), '_n_code_id.json');
  });
});

describe('CWE list', () => {
  test('cweName gives the exact name the validator expects', () => {
    assert.equal(cweName('CWE-798'), 'Use of Hard-coded Credentials');
    assert.equal(cweName('798'), 'Use of Hard-coded Credentials');
    assert.equal(cweName('cwe-79'), "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')");
    assert.equal(cweName('CWE-999999'), null);
  });

  test('searchCwe by id puts the exact id first, then ids starting with those digits', () => {
    const hits = searchCwe('79', 5);
    assert.equal(hits.length, 5);
    assert.deepEqual(hits[0], { id: 'CWE-79', name: cweName('CWE-79') });
    for (const h of hits.slice(1)) assert.match(h.id, /^CWE-79\d+$/);
    assert.deepEqual(searchCwe('CWE-798', 1), [{ id: 'CWE-798', name: 'Use of Hard-coded Credentials' }]);
  });

  test('searchCwe by words finds names holding every word', () => {
    const hits = searchCwe('hard-coded credentials');
    assert.deepEqual(hits[0], { id: 'CWE-798', name: 'Use of Hard-coded Credentials' });
    assert.deepEqual(searchCwe('default password')[0], { id: 'CWE-1393', name: 'Use of Default Password' });
    const plaintext = searchCwe('plaintext password');
    assert.ok(plaintext.length > 0);
    for (const h of plaintext) assert.match(h.name, /plaintext.*password/i);
    assert.equal(plaintext[0]?.id, 'CWE-256', 'lowest id first among equal matches');
  });

  test('searchCwe returns nothing for an empty query and honours the limit', () => {
    assert.deepEqual(searchCwe('   '), []);
    assert.equal(searchCwe('improper', 3).length, 3);
    assert.ok(searchCwe('improper').length <= 20, 'twenty by default');
  });
});

describe('provider directory files', () => {
  const entries: PublishedEntry[] = [
    { fileName: 'acme-2025-0007.json', year: 2025, currentReleaseDate: new Date('2026-01-15T08:00:00Z') },
    { fileName: 'acme-2026-0001.json', year: 2026, currentReleaseDate: new Date('2026-11-26T10:00:00Z') },
    { fileName: 'acme-2026-0002.json', year: 2026, currentReleaseDate: new Date('2026-03-02T12:30:00Z') },
  ];

  test('provider-metadata.json claims the csaf_provider role with a directory distribution', () => {
    const m = providerMetadata({
      canonicalUrl: 'https://connectable.example/.well-known/csaf/provider-metadata.json',
      publisher,
      directoryUrl: 'https://connectable.example/.well-known/csaf/white',
      lastUpdated: new Date('2026-11-26T10:00:00Z'),
      publicKeys: [{ fingerprint: '8f3a 1c2b 4d5e 6f70 8192 a3b4 c5d6 e7f8 0912 3456', url: 'https://connectable.example/.well-known/csaf/openpgp/acme.asc' }],
    });
    assert.deepEqual(m, {
      canonical_url: 'https://connectable.example/.well-known/csaf/provider-metadata.json',
      distributions: [{ directory_url: 'https://connectable.example/.well-known/csaf/white/' }],
      last_updated: '2026-11-26T10:00:00.000Z',
      list_on_CSAF_aggregators: true,
      metadata_version: '2.0',
      mirror_on_CSAF_aggregators: true,
      public_openpgp_keys: [{ fingerprint: '8F3A1C2B4D5E6F708192A3B4C5D6E7F809123456', url: 'https://connectable.example/.well-known/csaf/openpgp/acme.asc' }],
      publisher: { category: 'vendor', name: 'Acme Devices Ltd', namespace: publisher.namespace, contact_details: 'security@acme.example' },
      role: 'csaf_provider',
    });
    // The validator-lib ships no provider schema, so its rules (OASIS provider_json_schema.json) are checked here.
    for (const key of ['canonical_url', 'last_updated', 'list_on_CSAF_aggregators', 'mirror_on_CSAF_aggregators', 'metadata_version', 'publisher', 'role']) {
      assert.ok(key in m, `${key} is required`);
    }
    assert.match(m.canonical_url, /^https:\/\/.+\/provider-metadata\.json$/);
    assert.ok(['csaf_publisher', 'csaf_provider', 'csaf_trusted_provider'].includes(m.role));
    assert.ok(!Number.isNaN(Date.parse(m.last_updated)));
    for (const k of m.public_openpgp_keys) assert.match(k.fingerprint, /^[0-9a-fA-F]{40,}$/);
    for (const d of m.distributions) assert.doesNotThrow(() => new URL(d.directory_url));
  });

  test('index.txt lists every advisory as year/file, one a line', () => {
    assert.equal(indexTxt(entries), '2025/acme-2025-0007.json\n2026/acme-2026-0001.json\n2026/acme-2026-0002.json\n');
    assert.equal(indexTxt([]), '');
  });

  test('changes.csv quotes path and release date, most recent change first', () => {
    assert.equal(
      changesCsv(entries),
      [
        '"2026/acme-2026-0001.json","2026-11-26T10:00:00.000Z"',
        '"2026/acme-2026-0002.json","2026-03-02T12:30:00.000Z"',
        '"2025/acme-2025-0007.json","2026-01-15T08:00:00.000Z"',
        '',
      ].join('\n'),
    );
  });

  test('hash files follow the sha256sum / sha512sum format', () => {
    assert.equal(sha256Line('abc', 'acme-2026-0001.json'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  acme-2026-0001.json\n');
    assert.equal(
      sha512Line('abc', 'acme-2026-0001.json'),
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f  acme-2026-0001.json\n',
    );
  });
});
