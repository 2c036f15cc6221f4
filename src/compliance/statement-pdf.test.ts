import assert from 'node:assert/strict';
import { before, describe, mock, test } from 'node:test';
import { outsideMargins } from './pdf-layout.ts';
import type { StatementContent, StatementRequirement } from './statement-content.ts';
import { REGULATIONS, renderStatement, statementPdf } from './statement-pdf.ts';
import { assertIncludes, inkedPixels, pdfReader, wordsOffPage, type PdfRead } from '../../test/support/pdf.ts';

// --- what poppler, an independent PDF reader, makes of a file ------------------------------

const read = pdfReader('statement-pdf');

// --- a realistic statement --------------------------------------------------------------

const psti: StatementRequirement[] = [
  {
    id: 'psti.s1.1',
    reference: 'Schedule 1, paragraph 1 — Passwords',
    title: 'No universal default passwords',
    route: 'ETSI EN 303 645 5.1-1 and 5.1-2 (deemed compliance)',
    evidence: [
      'Firmware scan of 2.4.1 on 2026-11-20: no universal credential (sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08)',
      'Firmware scan of 2.5.0 on 2026-11-20: no universal credential (sha256 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752)',
      'Factory password generation: per-unit random 12-character password from the device HSM, printed on the label',
      'Network probe of unit AC360W-2400117 on 2026-11-19: telnet closed, SSH key-only, web UI forces a password change',
    ],
  },
  {
    id: 'psti.s1.2',
    reference: 'Schedule 1, paragraph 2 — Information on how to report security issues',
    title: 'How to report security issues',
    route: 'ETSI EN 303 645 5.2-1 (deemed compliance)',
    evidence: [
      'Vulnerability disclosure policy published at https://acme.example/security on 2026-01-12',
      'security.txt at https://acme.example/.well-known/security.txt, signed, expires 2027-01-12',
      'Acknowledgement within 2 business days; status updates at least every 14 days until resolved',
    ],
  },
  {
    id: 'psti.s1.3',
    reference: 'Schedule 1, paragraph 3 — Information on minimum security update periods',
    title: 'Defined support period',
    route: 'ETSI EN 303 645 5.3-13 (deemed compliance)',
    evidence: [
      'Support period published at https://acme.example/products/ac-360-w#support on 2026-01-12',
      'Support period shown on the product page, the box and every retailer listing checked on 2026-11-18',
    ],
  },
];

const etsi: StatementRequirement[] = Array.from({ length: 17 }, (_, i) => ({
  id: `etsi.5.${i + 4}-1`,
  reference: `ETSI EN 303 645 provision 5.${(i % 10) + 4}-${i + 1}`,
  title: `Baseline provision ${i + 4}: ${['secure storage of critical security parameters', 'communicate securely', 'minimise exposed attack surfaces', 'ensure software integrity'][i % 4]}`,
  route: 'Assessed against ETSI TS 103 701 test cases by the manufacturer’s own security team',
  evidence: Array.from(
    { length: 5 + (i % 4) },
    (_, j) => `Test case ${i + 4}.${j + 1} passed on 2026-11-${String(10 + j).padStart(2, '0')}: report ${'R'}${1000 + i * 10 + j}, reviewed by J. Smith (sha256 ${String(i).repeat(8)}${'ab'.repeat(12)})`,
  ),
}));

function statement(overrides: Partial<StatementContent> = {}): StatementContent {
  return {
    format: 'connectable.statement-of-compliance/1',
    statementId: 'soc_01JD4Z8Q7X9M2K',
    version: 3,
    product: {
      brand: 'Acme',
      name: 'Caméra “Vigie” 360 Outdoor',
      modelNumber: 'AC-360-W',
      productType: 'Wi-Fi security camera',
      hardwareRevision: 'rev C',
      batch: 'Units with serial numbers AC360W-2400000 to AC360W-2499999, manufactured from January 2026',
      gtins: ['5012345678900', '5012345678917'],
      firmwareVersions: ['2.4.1', '2.5.0'],
    },
    manufacturer: {
      name: 'Acme Connected Devices Limited',
      address:
        'Unit 4, The Old Brewery Business Park, Riverside Industrial Estate\nLong Lane, Lower Caversham\nReading, Berkshire RG1 1AA\nUnited Kingdom',
      authorisedRepresentative: 'Acme Europe B.V., Herengracht 182, 1016 BR Amsterdam, Netherlands',
    },
    preparedBy: 'This statement of compliance is prepared by or on behalf of the manufacturer, Acme Connected Devices Limited.',
    declaration:
      'In the opinion of the manufacturer, Acme Connected Devices Limited, the product to which this statement relates has complied with the applicable security requirements set out below.',
    supportPeriod: { endDate: '2031-03-31', atLeast: true, publishedAt: '2026-01-12' },
    requirements: [...psti, ...etsi],
    signatory: { name: 'Jane Smith', function: 'Head of Product Security', place: 'Reading, United Kingdom', date: '2026-11-21' },
    generatedAt: '2026-11-21T10:15:00Z',
    publicUrl: 'https://connectable.example/statements/soc_01JD4Z8Q7X9M2K',
    ...overrides,
  };
}

const FINGERPRINT = 'A1B2C3D4E5F60718293A4B5C6D7E8F9011223344';

describe('statementPdf: the Statement of Compliance as a PDF a regulator can read', () => {
  const content = statement();
  let pdf: Uint8Array;
  let doc: PdfRead;
  before(async () => {
    pdf = await statementPdf(content, { signatureFingerprint: FINGERPRINT });
    doc = read(pdf);
  });

  test('is an A4 PDF titled after the statement and its product, made by Connectable at generatedAt', () => {
    assert.equal(Buffer.from(pdf.subarray(0, 5)).toString('latin1'), '%PDF-');
    assert.equal(doc.info.Title, 'Statement of Compliance: Acme Caméra “Vigie” 360 Outdoor (AC-360-W)');
    assert.equal(doc.info.Subject, REGULATIONS);
    assert.equal(doc.info.Producer, 'Connectable');
    assert.equal(doc.info.Author, 'Acme Connected Devices Limited');
    assert.equal(doc.info.CreationDate, '2026-11-21T10:15:00Z');
    assert.equal(doc.info.ModDate, '2026-11-21T10:15:00Z');
    assert.match(doc.info['Page size'] ?? '', /595\.28 x 841\.89 pts \(A4\)/);
  });

  test('opens with the title, the Regulations, the statement id and version', () => {
    assert.ok((doc.pages[0] ?? '').trim().startsWith(`Statement of Compliance ${REGULATIONS}`));
    assertIncludes(doc, 'Statement soc_01JD4Z8Q7X9M2K');
    assertIncludes(doc, 'Version 3');
  });

  test('has the items (a) to (f) as headings, in the order the Regulations list them', () => {
    const headings = ['(a) Product', '(b) Manufacturer', '(c) Prepared by', '(d) Declaration of conformity', '(e) Defined support period', '(f) Signature'];
    const at = headings.map((h) => doc.text.indexOf(h));
    assert.ok(at.every((i) => i >= 0), `missing: ${headings.filter((_, i) => (at[i] ?? -1) < 0).join(', ')}`);
    assert.deepEqual([...at].sort((a, b) => a - b), at);
  });

  test('(a) names the product type and the batch or other identification (psti.soc.a)', () => {
    const p = content.product;
    for (const value of [p.brand, p.name, p.modelNumber, p.productType, 'rev C', p.batch, ...p.gtins, ...p.firmwareVersions]) assertIncludes(doc, value);
    assertIncludes(doc, 'Batch / identification');
  });

  test('(b) gives the manufacturer’s name and every line of its address, and the authorised representative (psti.soc.b)', () => {
    assertIncludes(doc, content.manufacturer.name);
    for (const line of content.manufacturer.address.split('\n')) assertIncludes(doc, line);
    assertIncludes(doc, content.manufacturer.authorisedRepresentative ?? '');
  });

  test('(c) declares that it is prepared by or on behalf of the manufacturer (psti.soc.c)', () => {
    assertIncludes(doc, content.preparedBy);
  });

  test('(d) declares conformity and lists every requirement with its reference, title, route and evidence (psti.soc.d)', () => {
    assertIncludes(doc, content.declaration);
    for (const [i, r] of content.requirements.entries()) {
      assertIncludes(doc, `${i + 1}. ${r.title}`);
      assertIncludes(doc, r.reference);
      assertIncludes(doc, r.route);
      for (const line of r.evidence) assertIncludes(doc, `• ${line}`);
    }
  });

  test('(e) gives the support period’s end date in words and ISO form, the “at least” wording and when it was published (psti.soc.e)', () => {
    assertIncludes(doc, 'End date 31 March 2031 (2031-03-31)');
    assertIncludes(doc, 'Security updates will be provided until at least 31 March 2031 (2031-03-31).');
    assertIncludes(doc, 'Published 12 January 2026 (2026-01-12)');
  });

  test('(f) gives the signatory’s name and function, the place and date of issue, the detached signature and where to check it (psti.soc.f)', () => {
    assertIncludes(doc, 'Signed by Jane Smith');
    assertIncludes(doc, 'Function Head of Product Security');
    assertIncludes(doc, 'Place of issue Reading, United Kingdom');
    assertIncludes(doc, 'Date of issue 21 November 2026 (2026-11-21)');
    assertIncludes(doc, `accompanied by a detached OpenPGP signature`);
    assertIncludes(doc, FINGERPRINT);
    assertIncludes(doc, 'https://connectable.example/statements/soc_01JD4Z8Q7X9M2K');
  });

  test('keeps every character of realistic text: accents and curly quotes print as themselves, nothing becomes "?"', () => {
    assertIncludes(doc, 'Caméra “Vigie” 360 Outdoor');
    assertIncludes(doc, 'manufacturer’s own security team');
    assert.ok(!doc.text.includes('?'));
  });

  test('runs over several pages, each numbered "Page N of M" in its footer with the statement id', () => {
    const count = Number(doc.info.Pages);
    assert.ok(count > 1, `only ${count} page(s)`);
    assert.equal(doc.pages.length, count);
    doc.pages.forEach((page, i) => {
      assert.ok(page.includes(`Page ${i + 1} of ${count}`), `page ${i + 1} lacks its number`);
      assert.ok(page.includes('Statement of Compliance soc_01JD4Z8Q7X9M2K, version 3'));
    });
  });

  test('renders every page to a PNG with ink on it', () => {
    assert.equal(doc.pngs.length, Number(doc.info.Pages));
    for (const png of doc.pngs) {
      assert.ok(png.length > 1000);
      assert.ok(inkedPixels(png) > 200, 'a page rendered blank');
    }
  });

  test('keeps every word inside the margins, as poppler measures them', () => {
    assert.ok(doc.words.length > 1000);
    assert.deepEqual(wordsOffPage(doc.words), []);
  });

  test('renders the same content to the same bytes, whatever the clock says', async () => {
    const again = await statementPdf(content, { signatureFingerprint: FINGERPRINT });
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2040-06-01T00:00:00Z') });
    try {
      const later = await statementPdf(content, { signatureFingerprint: FINGERPRINT });
      assert.ok(Buffer.from(later).equals(Buffer.from(pdf)));
    } finally {
      mock.timers.reset();
    }
    assert.ok(Buffer.from(again).equals(Buffer.from(pdf)));
  });

  test('a new version renders differently: the bytes follow the content', async () => {
    const next = await statementPdf({ ...content, version: 4, generatedAt: '2026-12-01T09:00:00Z' }, { signatureFingerprint: FINGERPRINT });
    assert.ok(!Buffer.from(next).equals(Buffer.from(pdf)));
  });
});

describe('statementPdf: what it says when optional items are absent', () => {
  test('without a fingerprint, public URL, hardware revision or representative, and with a firm end date', async () => {
    const doc = read(
      await statementPdf(
        statement({
          product: { ...statement().product, hardwareRevision: null, gtins: [] },
          manufacturer: { ...statement().manufacturer, authorisedRepresentative: null },
          supportPeriod: { endDate: '2030-12-31', atLeast: false, publishedAt: '2026-02-01T12:00:00Z' },
          publicUrl: null,
          requirements: psti,
        }),
      ),
    );
    assertIncludes(doc, 'Hardware revision Not stated');
    assertIncludes(doc, 'GTINs None');
    assertIncludes(doc, 'Authorised representative None');
    assertIncludes(doc, 'Security updates will be provided until 31 December 2030 (2030-12-31).');
    assert.ok(!doc.text.includes('until at least'));
    assertIncludes(doc, 'Published 1 February 2026 (2026-02-01)');
    assertIncludes(doc, 'This PDF is accompanied by a detached OpenPGP signature made on behalf of the signatory.');
    assertIncludes(doc, 'gpg --verify');
    assert.ok(!doc.text.includes('online at'));
  });
});

describe('statementPdf: hostile text from users', () => {
  const longName = 'Z'.repeat(10_000);
  const hostile = statement({
    statementId: `soc_${'9'.repeat(400)}`,
    product: {
      ...statement().product,
      name: longName,
      brand: 'Acme\u0000\u0007\u001b[31m 📷🇬🇧👨‍👩‍👧 摄像头 مرحبا \u202eevil\u202c \ud800',
      productType: `camera ${'very '.repeat(2000)}long`,
      gtins: Array.from({ length: 300 }, (_, i) => String(5012345678900 + i)),
    },
    manufacturer: {
      name: 'Acme\tLtd\r\n\u2028',
      address: Array.from({ length: 120 }, (_, i) => `Line ${i} ${'W'.repeat(i * 3)}`).join('\n'),
      authorisedRepresentative: '',
    },
    requirements: [
      ...psti,
      { id: 'x', reference: '', title: '\u0000'.repeat(50), route: ' ', evidence: ['', 'e'.repeat(5000), `${'word '.repeat(3000)}`] },
    ],
  });

  test('renders without throwing, and every drawn run stays inside the margins', async () => {
    const { pdf, placed } = await renderStatement(hostile, { signatureFingerprint: FINGERPRINT.repeat(20) });
    assert.deepEqual(outsideMargins(placed), []);
    assert.ok(placed.every((t) => Number.isFinite(t.x) && Number.isFinite(t.y) && t.width >= 0));
    const doc = read(pdf);
    assert.deepEqual(wordsOffPage(doc.words), []);
    assert.ok(Number(doc.info.Pages) > 3);
    doc.pages.forEach((page, i) => assert.ok(page.includes(`Page ${i + 1} of ${doc.pages.length}`)));
  });

  test('the 10,000-character name is printed in full, wrapped rather than cut', async () => {
    const without = read(await statementPdf({ ...hostile, product: { ...hostile.product, name: 'n' } }));
    const withName = read(await statementPdf(hostile));
    const zs = (r: PdfRead): number => r.text.split('Z').length - 1;
    assert.equal(zs(withName) - zs(without), 10_000);
  });

  test('what Helvetica cannot show becomes "?", and the rest of the text survives', async () => {
    const doc = read(await statementPdf(hostile));
    assertIncludes(doc, 'Acme???[31m ??? ??? ????? ?evil? ?');
    assertIncludes(doc, 'Name Acme Ltd');
    assertIncludes(doc, 'Authorised representative None');
  });

  test('a generatedAt that is not a timestamp is refused rather than replaced by the clock', async () => {
    await assert.rejects(statementPdf(statement({ generatedAt: 'yesterday' })), RangeError);
  });
});
