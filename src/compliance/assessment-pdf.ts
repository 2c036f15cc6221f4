// The assessment export for auditors and regulators: per product, the three PSTI duties at a
// glance, then every provision with its status, the reason, the evidence and who judged it. Laid
// out as tables on the same A4 engine as the Statement of Compliance, one product per page run,
// and reproducible byte for byte from the same report.

import { PdfLayout, colours, pdfSafe, timestampInWords, type Cell, type Line, type Rendered } from './pdf-layout.ts';

export type AssessmentDuty = 'passwords' | 'reporting' | 'support-period';
export type AssessmentRag = 'red' | 'amber' | 'green';
export type AssessmentProvisionStatus = 'met' | 'not_met' | 'not_applicable' | 'not_assessed';

export interface AssessmentExport {
  organisation: string;
  generatedAt: string;
  products: {
    /** "Brand Name (MODEL)" */
    product: string;
    hardwareRevision: string | null;
    duties: { duty: AssessmentDuty; rag: AssessmentRag; reason: string; nextAction: string | null }[];
    provisions: {
      id: string;
      reference: string;
      title: string;
      status: AssessmentProvisionStatus;
      reason: string;
      evidence: string[];
      judgedBy: string;
      judgedAt: string | null;
    }[];
  }[];
}

type ProductReport = AssessmentExport['products'][number];
type ProvisionReport = ProductReport['provisions'][number];

// The same words the maker's dashboard uses (readiness.ts), so the export reads like the console.
const dutyLabels: Record<AssessmentDuty, string> = {
  passwords: 'No universal default passwords',
  reporting: 'A way to report vulnerabilities',
  'support-period': 'A published support period',
};

// The status is always spelled out; the colour only helps the eye, since exports get printed in black and white.
const ragWords: Record<AssessmentRag, { text: string; colour: Line['colour'] }> = {
  red: { text: 'RED', colour: colours.red },
  amber: { text: 'AMBER', colour: colours.amber },
  green: { text: 'GREEN', colour: colours.green },
};

const statusWords: Record<AssessmentProvisionStatus, { text: string; colour: Line['colour'] }> = {
  not_met: { text: 'Not met', colour: colours.red },
  not_assessed: { text: 'Not assessed', colour: colours.amber },
  met: { text: 'Met', colour: colours.green },
  not_applicable: { text: 'Not applicable', colour: colours.muted },
};

/** What needs attention first: failures, then gaps, then what is done. */
const statusOrder: AssessmentProvisionStatus[] = ['not_met', 'not_assessed', 'met', 'not_applicable'];

const SIZE = 9;

// Column offsets from the left margin; the last column takes the rest of the content width.
const dutyColumns = { duty: 0, status: 160, reason: 215 } as const;
const provisionColumns = { provision: 0, status: 170, details: 240 } as const;

/** The export as a PDF (A4). */
export async function assessmentPdf(report: AssessmentExport): Promise<Uint8Array> {
  return (await renderAssessment(report)).pdf;
}

/** The PDF and every text run on it with its position, so tests can check nothing runs off the page. */
export async function renderAssessment(report: AssessmentExport): Promise<Rendered> {
  const layout = await layoutAssessment(report);
  const pdf = await layout.finish(`Compliance assessment: ${report.organisation}`);
  return { pdf, placed: layout.placed };
}

async function layoutAssessment(report: AssessmentExport): Promise<PdfLayout> {
  const layout = await PdfLayout.create({
    title: `Compliance assessment: ${report.organisation}`,
    subject: 'Assessment of connectable products against the UK PSTI security requirements',
    author: report.organisation,
    keywords: ['assessment', 'PSTI', 'ETSI EN 303 645'],
    generatedAt: report.generatedAt,
  });
  layout.paragraph('Compliance assessment', { face: 'bold', size: 22, after: 2 });
  layout.paragraph('Product Security and Telecommunications Infrastructure (Security Requirements for Relevant Connectable Products) Regulations 2023', {
    size: 11,
    colour: colours.muted,
    after: 6,
  });
  layout.field('Organisation', report.organisation.trim() === '' ? '(not stated)' : report.organisation);
  layout.field('Generated', timestampInWords(report.generatedAt));
  layout.field('Products', String(report.products.length));
  layout.rule();
  if (report.products.length === 0) layout.paragraph('No products are registered.', { colour: colours.muted });

  report.products.forEach((product, index) => {
    // Each product starts on its own page so it can be filed or handed over on its own.
    if (index > 0) layout.newPage();
    renderProduct(layout, product);
  });
  layout.onNewPage = null;
  return layout;
}

function renderProduct(layout: PdfLayout, product: ProductReport): void {
  layout.onNewPage = null;
  layout.heading(product.product.trim() === '' ? '(unnamed product)' : product.product, 15);
  layout.field('Hardware revision', product.hardwareRevision ?? 'All revisions');
  const counts = statusOrder
    .map((status) => ({ status, n: product.provisions.filter((p) => p.status === status).length }))
    .filter((c) => c.n > 0)
    .map((c) => `${c.n} ${statusWords[c.status].text.toLowerCase()}`);
  layout.field('Provisions', counts.length > 0 ? counts.join(', ') : 'None assessed');

  const continued = (header: () => void) => (): void => {
    // One line however long the name: the hook runs at the top of every page of the table.
    const name = layout.fit(pdfSafe(product.product), layout.contentWidth - 60, 'regular', 8);
    layout.paragraph(`${name} (continued)`, { size: 8, colour: colours.muted, after: 2 });
    header();
  };

  layout.heading('Duties', 12);
  if (product.duties.length === 0) {
    layout.paragraph('No duties recorded.', { colour: colours.muted });
  } else {
    const header = (): void => {
      layout.row(
        [
          { x: dutyColumns.duty, lines: headerLine(layout, 'Duty') },
          { x: dutyColumns.status, lines: headerLine(layout, 'Status') },
          { x: dutyColumns.reason, lines: headerLine(layout, 'Why, and what to do next') },
        ],
        { rule: true },
      );
    };
    header();
    layout.onNewPage = continued(header);
    for (const duty of product.duties) {
      const reasonWidth = layout.contentWidth - dutyColumns.reason;
      const word = ragWords[duty.rag];
      const reason = [
        ...layout.wrap(duty.reason, reasonWidth, { size: SIZE }),
        ...(duty.nextAction === null ? [] : layout.wrap(`Next action: ${duty.nextAction}`, reasonWidth, { size: SIZE, colour: colours.muted })),
      ];
      layout.row(
        [
          { x: dutyColumns.duty, lines: layout.wrap(dutyLabels[duty.duty], dutyColumns.status - dutyColumns.duty - 8, { face: 'bold', size: SIZE }) },
          { x: dutyColumns.status, lines: [{ text: word.text, face: 'bold', size: SIZE, colour: word.colour }] },
          { x: dutyColumns.reason, lines: reason },
        ],
        { rule: true, gap: 4 },
      );
    }
    layout.onNewPage = null;
  }

  layout.heading('Provisions', 12);
  if (product.provisions.length === 0) {
    layout.paragraph('No provisions recorded.', { colour: colours.muted });
    return;
  }
  for (const status of statusOrder) {
    const group = product.provisions.filter((p) => p.status === status);
    if (group.length === 0) continue;
    layout.onNewPage = null;
    layout.heading(`${statusWords[status].text} (${group.length})`, 10.5, { colour: statusWords[status].colour });
    const header = (): void => {
      layout.row(
        [
          { x: provisionColumns.provision, lines: headerLine(layout, 'Provision') },
          { x: provisionColumns.status, lines: headerLine(layout, 'Status') },
          { x: provisionColumns.details, lines: headerLine(layout, 'Reason, evidence and judgement') },
        ],
        { rule: true },
      );
    };
    header();
    layout.onNewPage = continued(header);
    for (const provision of group) layout.row(provisionCells(layout, provision), { rule: true, gap: 4 });
    layout.onNewPage = null;
  }
}

function provisionCells(layout: PdfLayout, provision: ProvisionReport): Cell[] {
  const provisionWidth = provisionColumns.status - provisionColumns.provision - 8;
  const detailsWidth = layout.contentWidth - provisionColumns.details;
  const word = statusWords[provision.status];
  const judged =
    provision.judgedBy.trim() === ''
      ? 'Not yet judged'
      : `Judged by ${provision.judgedBy}${provision.judgedAt === null ? '' : ` on ${timestampInWords(provision.judgedAt)}`}`;
  return [
    {
      x: provisionColumns.provision,
      lines: [
        ...layout.wrap(provision.title, provisionWidth, { face: 'bold', size: SIZE }),
        ...layout.wrap(provision.reference, provisionWidth, { size: 8, colour: colours.muted }),
      ],
    },
    {
      x: provisionColumns.status,
      lines: [{ text: word.text, face: 'bold', size: SIZE, colour: word.colour }],
    },
    {
      x: provisionColumns.details,
      lines: [
        ...layout.wrap(provision.reason.trim() === '' ? '(no reason given)' : provision.reason, detailsWidth, { size: SIZE }),
        ...layout.bulleted(provision.evidence, detailsWidth, { size: 8.5 }),
        ...layout.wrap(judged, detailsWidth, { size: 8, colour: colours.muted }),
      ],
    },
  ];
}

function headerLine(layout: PdfLayout, text: string): Line[] {
  return layout.wrap(text, 200, { face: 'bold', size: 8, colour: colours.muted });
}
