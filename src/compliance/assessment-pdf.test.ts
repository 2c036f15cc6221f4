import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { assessmentPdf, renderAssessment, type AssessmentExport } from './assessment-pdf.ts';
import { MARGIN, PAGE_WIDTH, colours, outsideMargins } from './pdf-layout.ts';
import { assertIncludes, flat, inkedPixels, pdfReader, pixels, wordsOffPage, type PdfRead } from '../../test/support/pdf.ts';

// --- what poppler, an independent PDF reader, makes of a file ------------------------------

const read = pdfReader('assessment-pdf');

/**
 * The text of one table column, read down the pages: the words poppler places starting between
 * `from` and `to` points right of the margin. Wrapped cells read as one run this way, where the
 * page-wide text interleaves the columns line by line.
 */
function column(doc: PdfRead, from: number, to: number): string {
  return doc.words
    .filter((w) => w.xMin >= MARGIN + from - 0.5 && w.xMin < MARGIN + to - 0.5)
    .sort((a, b) => a.page - b.page || a.yMin - b.yMin || a.xMin - b.xMin)
    .map((w) => w.text)
    .join(' ');
}

// --- a realistic export -----------------------------------------------------------------

type Provision = AssessmentExport['products'][number]['provisions'][number];

function provisions(product: string): Provision[] {
  const statuses: Provision['status'][] = ['met', 'met', 'not_met', 'not_assessed', 'met', 'not_applicable'];
  return Array.from({ length: 24 }, (_, i) => ({
    id: i < 3 ? `psti.s1.${i + 1}` : `etsi.5.${i}-1`,
    reference: i < 3 ? `Schedule 1, paragraph ${i + 1}` : `ETSI EN 303 645 5.${(i % 13) + 1}-${(i % 4) + 1}`,
    title: `${product} provision ${i + 1}: ${['No universal default passwords', 'Report security issues', 'Defined support period', 'Secure storage of critical security parameters'][i % 4]}`,
    status: statuses[i % statuses.length] ?? 'met',
    reason: `Reason ${i + 1}: the latest firmware scan (2.5.0) and the published disclosure policy show this provision’s state; reviewed against ETSI TS 103 701 test case ${i + 1}.`,
    evidence: Array.from({ length: 1 + (i % 4) }, (_, j) => `Evidence ${i + 1}.${j + 1}: firmware scan of 2.5.0 on 2026-11-20 (sha256 ${'c0ffee'.repeat(10)}${j}a7b)`),
    judgedBy: i % 3 === 0 ? 'evidence' : i % 3 === 1 ? 'jane.smith@acme.example' : '',
    judgedAt: i % 3 === 2 ? null : '2026-11-20T16:42:00Z',
  }));
}

const report: AssessmentExport = {
  organisation: 'Acme Connected Devices Limited',
  generatedAt: '2026-11-21T10:15:00Z',
  products: [
    {
      product: 'Acme Caméra “Vigie” 360 (AC-360-W)',
      hardwareRevision: 'rev C',
      duties: [
        { duty: 'passwords', rag: 'green', reason: 'Every firmware version scanned shows no universal default password.', nextAction: null },
        {
          duty: 'reporting',
          rag: 'amber',
          reason: 'The disclosure policy is published but security.txt expires within 30 days.',
          nextAction: 'Renew security.txt before 2026-12-15.',
        },
        { duty: 'support-period', rag: 'red', reason: 'No support period has been published for this product.', nextAction: 'Publish a support period with an end date.' },
      ],
      provisions: provisions('Camera'),
    },
    {
      product: 'Acme Smart Plug Mini (SP-2)',
      hardwareRevision: null,
      duties: [
        { duty: 'passwords', rag: 'green', reason: 'The plug has no password-based interface.', nextAction: null },
        { duty: 'reporting', rag: 'green', reason: 'Policy and security.txt published and current.', nextAction: null },
        { duty: 'support-period', rag: 'green', reason: 'Supported until 31 March 2031, published 12 January 2026.', nextAction: null },
      ],
      provisions: provisions('Plug'),
    },
  ],
};

describe('assessmentPdf: the assessment export for auditors and regulators', () => {
  let pdf: Uint8Array;
  let doc: PdfRead;
  let placed: Awaited<ReturnType<typeof renderAssessment>>['placed'];
  before(async () => {
    ({ pdf, placed } = await renderAssessment(report));
    doc = read(pdf);
  });

  test('is an A4 PDF titled after the organisation, made by Connectable at generatedAt', () => {
    assert.equal(doc.info.Title, 'Compliance assessment: Acme Connected Devices Limited');
    assert.equal(doc.info.Producer, 'Connectable');
    assert.equal(doc.info.CreationDate, '2026-11-21T10:15:00Z');
    assert.equal(doc.info.ModDate, '2026-11-21T10:15:00Z');
    assert.match(doc.info['Page size'] ?? '', /\(A4\)/);
    assertIncludes(doc, 'Organisation Acme Connected Devices Limited');
    assertIncludes(doc, 'Generated 21 November 2026 (2026-11-21) 10:15 UTC');
  });

  test('gives each product its own run of pages, headed by its name and hardware revision', () => {
    const second = doc.pages.findIndex((p) => p.includes('Acme Smart Plug Mini (SP-2)'));
    assert.ok(second > 0);
    assert.ok(doc.pages[second]?.startsWith('Acme Smart Plug Mini (SP-2) Hardware revision All revisions'), doc.pages[second]?.slice(0, 80));
    assertIncludes(doc, 'Acme Caméra “Vigie” 360 (AC-360-W) Hardware revision rev C');
  });

  test('shows each duty with its status spelled out, the reason and the next action', () => {
    assertIncludes(doc, 'No universal default passwords GREEN Every firmware version scanned shows no universal default password.');
    assertIncludes(doc, 'A way to report vulnerabilities AMBER The disclosure policy is published but security.txt expires within 30 days.');
    assertIncludes(doc, 'Next action: Renew security.txt before 2026-12-15.');
    assertIncludes(doc, 'A published support period RED No support period has been published for this product.');
    assertIncludes(doc, 'Next action: Publish a support period with an end date.');
  });

  test('colours the status words: red, amber and green as drawn, and visibly so on the rendered page', () => {
    const colourOf = (text: string) => placed.find((t) => t.text === text)?.colour;
    assert.deepEqual(colourOf('RED'), colours.red);
    assert.deepEqual(colourOf('AMBER'), colours.amber);
    assert.deepEqual(colourOf('GREEN'), colours.green);
    assert.deepEqual(colourOf('Not met'), colours.red);
    const first = doc.pngs[0];
    assert.ok(first !== undefined);
    assert.ok(pixels(first, (r, g, b) => r - g > 60 && r - b > 60) > 0, 'no red on the first page');
    assert.ok(pixels(first, (r, g, b) => g - r > 40 && g - b > 20) > 0, 'no green on the first page');
  });

  test('groups provisions by status, what needs attention first, with counts', () => {
    for (const product of ['Acme Caméra “Vigie” 360 (AC-360-W)', 'Acme Smart Plug Mini (SP-2)']) {
      const start = doc.text.indexOf(flat(product));
      const at = ['Not met (4)', 'Not assessed (4)', 'Met (12)', 'Not applicable (4)'].map((h) => doc.text.indexOf(h, start));
      assert.ok(at.every((i) => i > start), `${product}: ${at.join(', ')}`);
      assert.deepEqual([...at].sort((a, b) => a - b), at);
    }
    assertIncludes(doc, 'Provisions 4 not met, 4 not assessed, 12 met, 4 not applicable');
  });

  test('lists every provision with its title, reference, status, reason, evidence and who judged it when', () => {
    const provisionColumn = column(doc, 0, 170);
    const statusColumn = column(doc, 170, 240);
    const detailsColumn = column(doc, 240, PAGE_WIDTH);
    const unspaced = (text: string): string => text.replace(/\s+/g, '');
    for (const product of report.products) {
      for (const p of product.provisions) {
        assert.ok(provisionColumn.includes(`${p.title} ${p.reference}`), p.title);
        // A sha256 is wider than the column, so it is broken between characters: compare without the breaks.
        for (const value of [p.reason, ...p.evidence.map((e) => `• ${e}`)]) assert.ok(unspaced(detailsColumn).includes(unspaced(value)), value);
      }
    }
    const count = (word: string): number => statusColumn.split(word).length - 1;
    assert.deepEqual([count('Not met'), count('Not assessed'), count('Met'), count('Not applicable')], [8, 8, 24, 8]);
    assertIncludes(doc, 'Judged by evidence on 20 November 2026 (2026-11-20) 16:42 UTC');
    assertIncludes(doc, 'Judged by jane.smith@acme.example on 20 November 2026 (2026-11-20) 16:42 UTC');
    assertIncludes(doc, 'Not yet judged');
  });

  test('repeats the column headings when a table continues on a new page', () => {
    const continued = doc.pages.filter((p) => p.includes('(continued)'));
    assert.ok(continued.length > 0);
    for (const page of continued) assert.match(page, /\(continued\) Provision Status Reason, evidence and judgement/);
  });

  test('numbers every page "Page N of M" and renders each to a PNG with ink on it', () => {
    const count = Number(doc.info.Pages);
    assert.ok(count > 2);
    assert.equal(doc.pages.length, count);
    doc.pages.forEach((page, i) => assert.ok(page.includes(`Page ${i + 1} of ${count}`)));
    assert.equal(doc.pngs.length, count);
    for (const png of doc.pngs) assert.ok(inkedPixels(png) > 200);
  });

  test('keeps every run inside the margins, as laid out and as poppler measures it', () => {
    assert.deepEqual(outsideMargins(placed), []);
    assert.deepEqual(wordsOffPage(doc.words), []);
  });

  test('renders the same report to the same bytes', async () => {
    assert.ok(Buffer.from(await assessmentPdf(report)).equals(Buffer.from(pdf)));
  });

  test('says so when there is nothing to report', async () => {
    const empty = read(await assessmentPdf({ organisation: 'Acme', generatedAt: '2026-11-21T10:15:00Z', products: [] }));
    assertIncludes(empty, 'No products are registered.');
    const bare = read(
      await assessmentPdf({ organisation: 'Acme', generatedAt: '2026-11-21T10:15:00Z', products: [{ product: 'Acme X (X1)', hardwareRevision: null, duties: [], provisions: [] }] }),
    );
    assertIncludes(bare, 'No duties recorded.');
    assertIncludes(bare, 'No provisions recorded.');
    assertIncludes(bare, 'Provisions None assessed');
  });
});

describe('assessmentPdf: hostile text from users', () => {
  test('a 10,000-character product name, control characters and emoji render inside the page', async () => {
    const hostile: AssessmentExport = {
      organisation: `Org\u0000 📷 ${'O'.repeat(3000)}`,
      generatedAt: '2026-11-21T10:15:00Z',
      products: [
        {
          product: 'P'.repeat(10_000),
          hardwareRevision: '\u001b[2J🇬🇧',
          duties: [{ duty: 'passwords', rag: 'red', reason: 'r'.repeat(4000), nextAction: `${'do this '.repeat(500)}` }],
          provisions: [
            {
              id: 'x',
              reference: 'R'.repeat(2000),
              title: '摄像头 👨‍👩‍👧 \u202e',
              status: 'not_met',
              reason: 'word '.repeat(3000),
              evidence: ['', 'e'.repeat(3000)],
              judgedBy: 'j'.repeat(500),
              judgedAt: 'not a date',
            },
          ],
        },
      ],
    };
    const { pdf, placed } = await renderAssessment(hostile);
    assert.deepEqual(outsideMargins(placed), []);
    const doc = read(pdf);
    assert.ok(Number(doc.info.Pages) > 3);
    assert.deepEqual(
      doc.words.filter((w) => w.xMin < MARGIN - 0.5 || w.xMax > PAGE_WIDTH - MARGIN + 0.5),
      [],
    );
    const ps = (text: string): number => text.split('P').length - 1;
    // The name is printed in full under its heading (wrapped, not cut) and poppler reads every letter drawn.
    assert.equal(ps(placed.filter((t) => t.size === 15).map((t) => t.text).join('')), 10_000);
    assert.equal(ps(doc.text), ps(placed.map((t) => t.text).join('')));
    assertIncludes(doc, '??? ? ?');
  });
});
