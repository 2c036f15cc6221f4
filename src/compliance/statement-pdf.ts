// The Statement of Compliance as a PDF a regulator can file: every item the PSTI Regulations
// require (psti.soc.a–f) under its own lettered heading, in the order the law lists them. It
// renders exactly the StatementContent and nothing else, so the JSON and the PDF always agree, and
// the same content always gives the same bytes, so a detached signature over the PDF can be
// re-checked against a re-render.

import { PdfLayout, colours, dateInWords, timestampInWords, type Rendered } from './pdf-layout.ts';
import type { StatementContent, StatementRequirement } from './statement-content.ts';

export const REGULATIONS =
  'Product Security and Telecommunications Infrastructure (Security Requirements for Relevant Connectable Products) Regulations 2023';

export interface StatementPdfOptions {
  /** The OpenPGP key the detached signature is made with, so readers know which key to expect. */
  signatureFingerprint?: string;
}

/** The statement as a PDF (A4). */
export async function statementPdf(content: StatementContent, options: StatementPdfOptions = {}): Promise<Uint8Array> {
  return (await renderStatement(content, options)).pdf;
}

/** The PDF and every text run on it with its position, so tests can check nothing runs off the page. */
export async function renderStatement(content: StatementContent, options: StatementPdfOptions = {}): Promise<Rendered> {
  const layout = await layoutStatement(content, options);
  const pdf = await layout.finish(`Statement of Compliance ${content.statementId}, version ${content.version}`);
  return { pdf, placed: layout.placed };
}

async function layoutStatement(content: StatementContent, options: StatementPdfOptions): Promise<PdfLayout> {
  const { product, manufacturer } = content;
  const productLine = `${product.brand} ${product.name} (${product.modelNumber})`;
  const layout = await PdfLayout.create({
    title: `Statement of Compliance: ${productLine}`,
    subject: REGULATIONS,
    author: manufacturer.name,
    keywords: ['Statement of Compliance', 'PSTI', content.statementId, `version ${content.version}`],
    generatedAt: content.generatedAt,
  });

  layout.paragraph('Statement of Compliance', { face: 'bold', size: 22, after: 2 });
  layout.paragraph(REGULATIONS, { size: 11, colour: colours.muted, after: 6 });
  layout.field('Statement', content.statementId);
  layout.field('Version', String(content.version));
  layout.field('Generated', timestampInWords(content.generatedAt));
  layout.rule();

  layout.heading('(a) Product');
  layout.field('Brand', nonEmpty(product.brand));
  layout.field('Product name', nonEmpty(product.name));
  layout.field('Model number', nonEmpty(product.modelNumber));
  layout.field('Product type', nonEmpty(product.productType));
  layout.field('Hardware revision', product.hardwareRevision === null ? 'Not stated' : nonEmpty(product.hardwareRevision));
  layout.field('Batch / identification', nonEmpty(product.batch));
  layout.field('GTINs', product.gtins.length > 0 ? product.gtins.join(', ') : 'None');
  layout.field('Firmware versions', product.firmwareVersions.length > 0 ? product.firmwareVersions.join(', ') : 'None');

  layout.heading('(b) Manufacturer');
  layout.field('Name', nonEmpty(manufacturer.name));
  layout.field('Address', nonEmpty(manufacturer.address));
  const representative = manufacturer.authorisedRepresentative ?? '';
  layout.field('Authorised representative', representative.trim() === '' ? 'None' : representative);

  layout.heading('(c) Prepared by');
  layout.paragraph(nonEmpty(content.preparedBy));

  layout.heading('(d) Declaration of conformity');
  layout.paragraph(nonEmpty(content.declaration), { after: 8 });
  if (content.requirements.length === 0) {
    layout.paragraph('No applicable security requirements are listed.', { colour: colours.muted });
  }
  content.requirements.forEach((requirement, index) => {
    renderRequirement(layout, requirement, index + 1);
  });

  layout.heading('(e) Defined support period');
  const end = dateInWords(content.supportPeriod.endDate);
  layout.field('End date', end);
  layout.field(
    'Security updates',
    content.supportPeriod.atLeast ? `Security updates will be provided until at least ${end}.` : `Security updates will be provided until ${end}.`,
  );
  layout.field('Published', dateInWords(content.supportPeriod.publishedAt));

  layout.heading('(f) Signature');
  const { signatory } = content;
  layout.field('Signed by', nonEmpty(signatory.name));
  layout.field('Function', nonEmpty(signatory.function));
  layout.field('Place of issue', nonEmpty(signatory.place));
  layout.field('Date of issue', dateInWords(signatory.date));
  const fingerprint = options.signatureFingerprint;
  layout.field(
    'Signature',
    fingerprint === undefined
      ? 'This PDF is accompanied by a detached OpenPGP signature made on behalf of the signatory.'
      : `This PDF is accompanied by a detached OpenPGP signature made on behalf of the signatory with the key whose fingerprint is ${fingerprint}.`,
  );
  layout.field(
    'Checking',
    content.publicUrl === null
      ? 'Check the signature against this exact file with any OpenPGP tool (for example: gpg --verify statement.pdf.asc statement.pdf).'
      : [
          `Check this statement online at ${content.publicUrl}`,
          'or check the signature against this exact file with any OpenPGP tool (for example: gpg --verify statement.pdf.asc statement.pdf).',
        ],
  );
  return layout;
}

function renderRequirement(layout: PdfLayout, requirement: StatementRequirement, number: number): void {
  // Title, reference and route together, so a requirement never starts alone at a page foot.
  layout.ensure(70);
  layout.paragraph(`${number}. ${nonEmpty(requirement.title)}`, { face: 'bold', size: 10.5, after: 2 });
  layout.field('Reference', nonEmpty(requirement.reference));
  layout.field('How it is met', nonEmpty(requirement.route));
  if (requirement.evidence.length === 0) layout.field('Evidence', 'None listed');
  else layout.field('Evidence', requirement.evidence, { bullets: true, size: 9 });
  layout.space(6);
}

function nonEmpty(value: string): string {
  return value.trim() === '' ? '(not stated)' : value;
}
