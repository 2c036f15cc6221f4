import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import { PNG } from 'pngjs';
import { MARGIN, PAGE_HEIGHT, PAGE_WIDTH, outsideMargins } from './pdf-layout.ts';
import type { StatementContent, StatementRequirement } from './statement-content.ts';
import { REGULATIONS, renderStatement, statementPdf } from './statement-pdf.ts';

// --- what poppler, an independent PDF reader, makes of a file ------------------------------

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'statement-pdf-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Read {
  /** pdftotext -layout, whitespace collapsed so wrapped values read as one run. */
  text: string;
  /** The same, page by page. */
  pages: string[];
  info: Record<string, string>;
  words: { page: number; xMin: number; xMax: number; yMin: number; yMax: number; text: string }[];
  pngs: Buffer[];
}

let files = 0;
function read(pdf: Uint8Array): Read {
  const name = `doc${files++}`;
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const layoutText = run('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-']);
  const info = Object.fromEntries(
    run('pdfinfo', ['-isodates', '-enc', 'UTF-8', file])
      .split('\n')
      .map((line) => /^([^:]+):\s*(.*)$/.exec(line))
      .filter((m) => m !== null)
      .map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  const words: Read['words'] = [];
  run('pdftotext', ['-bbox', '-enc', 'UTF-8', file, '-'])
    .split('<page ')
    .slice(1)
    .forEach((page, index) => {
      for (const m of page.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)) {
        words.push({ page: index, xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]), text: m[5] ?? '' });
      }
    });
  run('pdftoppm', ['-png', '-r', '50', file, path.join(dir, name)]);
  const pngs = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f)));
  const pages = layoutText.split('\f').filter((p) => p.trim() !== '').map(flat);
  return { text: flat(layoutText), pages, info, words, pngs };
}

function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

function includes(read: Read, value: string): void {
  assert.ok(read.text.includes(flat(value)), `the PDF text lacks ${JSON.stringify(value.slice(0, 120))}`);
}

/** Pixels clearly darker than the white page: a rendered page with text has plenty. */
function inkedPixels(png: Buffer): number {
  const image = PNG.sync.read(png);
  let inked = 0;
  for (let i = 0; i < image.data.length; i += 4) if ((image.data[i] ?? 255) < 160) inked++;
  return inked;
}

/** Words poppler finds outside the margins (the footer sits inside the bottom one). */
function wordsOffPage(words: Read['words']): Read['words'] {
  const slack = 0.5;
  return words.filter((w) => w.xMin < MARGIN - slack || w.xMax > PAGE_WIDTH - MARGIN + slack || w.yMin < MARGIN - slack || w.yMax > PAGE_HEIGHT - 20);
}

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
  let doc: Read;
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
    includes(doc, 'Statement soc_01JD4Z8Q7X9M2K');
    includes(doc, 'Version 3');
  });

  test('has the items (a) to (f) as headings, in the order the Regulations list them', () => {
    const headings = ['(a) Product', '(b) Manufacturer', '(c) Prepared by', '(d) Declaration of conformity', '(e) Defined support period', '(f) Signature'];
    const at = headings.map((h) => doc.text.indexOf(h));
    assert.ok(at.every((i) => i >= 0), `missing: ${headings.filter((_, i) => (at[i] ?? -1) < 0).join(', ')}`);
    assert.deepEqual([...at].sort((a, b) => a - b), at);
  });

  test('(a) names the product type and the batch or other identification (psti.soc.a)', () => {
    const p = content.product;
    for (const value of [p.brand, p.name, p.modelNumber, p.productType, 'rev C', p.batch, ...p.gtins, ...p.firmwareVersions]) includes(doc, value);
    includes(doc, 'Batch / identification');
  });

  test('(b) gives the manufacturer’s name and every line of its address, and the authorised representative (psti.soc.b)', () => {
    includes(doc, content.manufacturer.name);
    for (const line of content.manufacturer.address.split('\n')) includes(doc, line);
    includes(doc, content.manufacturer.authorisedRepresentative ?? '');
  });

  test('(c) declares that it is prepared by or on behalf of the manufacturer (psti.soc.c)', () => {
    includes(doc, content.preparedBy);
  });

  test('(d) declares conformity and lists every requirement with its reference, title, route and evidence (psti.soc.d)', () => {
    includes(doc, content.declaration);
    for (const [i, r] of content.requirements.entries()) {
      includes(doc, `${i + 1}. ${r.title}`);
      includes(doc, r.reference);
      includes(doc, r.route);
      for (const line of r.evidence) includes(doc, `• ${line}`);
    }
  });

  test('(e) gives the support period’s end date in words and ISO form, the “at least” wording and when it was published (psti.soc.e)', () => {
    includes(doc, 'End date 31 March 2031 (2031-03-31)');
    includes(doc, 'Security updates will be provided until at least 31 March 2031 (2031-03-31).');
    includes(doc, 'Published 12 January 2026 (2026-01-12)');
  });

  test('(f) gives the signatory’s name and function, the place and date of issue, the detached signature and where to check it (psti.soc.f)', () => {
    includes(doc, 'Signed by Jane Smith');
    includes(doc, 'Function Head of Product Security');
    includes(doc, 'Place of issue Reading, United Kingdom');
    includes(doc, 'Date of issue 21 November 2026 (2026-11-21)');
    includes(doc, `accompanied by a detached OpenPGP signature`);
    includes(doc, FINGERPRINT);
    includes(doc, 'https://connectable.example/statements/soc_01JD4Z8Q7X9M2K');
  });

  test('keeps every character of realistic text: accents and curly quotes print as themselves, nothing becomes "?"', () => {
    includes(doc, 'Caméra “Vigie” 360 Outdoor');
    includes(doc, 'manufacturer’s own security team');
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
    includes(doc, 'Hardware revision Not stated');
    includes(doc, 'GTINs None');
    includes(doc, 'Authorised representative None');
    includes(doc, 'Security updates will be provided until 31 December 2030 (2030-12-31).');
    assert.ok(!doc.text.includes('until at least'));
    includes(doc, 'Published 1 February 2026 (2026-02-01)');
    includes(doc, 'This PDF is accompanied by a detached OpenPGP signature made on behalf of the signatory.');
    includes(doc, 'gpg --verify');
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
    const zs = (r: Read): number => r.text.split('Z').length - 1;
    assert.equal(zs(withName) - zs(without), 10_000);
  });

  test('what Helvetica cannot show becomes "?", and the rest of the text survives', async () => {
    const doc = read(await statementPdf(hostile));
    includes(doc, 'Acme???[31m ??? ??? ????? ?evil? ?');
    includes(doc, 'Name Acme Ltd');
    includes(doc, 'Authorised representative None');
  });

  test('a generatedAt that is not a timestamp is refused rather than replaced by the clock', async () => {
    await assert.rejects(statementPdf(statement({ generatedAt: 'yesterday' })), RangeError);
  });
});
