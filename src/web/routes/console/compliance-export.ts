import { assessProduct, type DutyReadiness, type ProvisionAssessment } from '../../../compliance/index.ts';
import type { AssessmentExport } from '../../../compliance/assessment-pdf.ts';
import { csvLine } from '../../../output/csv.ts';
import { listProducts, type Product } from '../../../registry/index.ts';
import type { Queryable } from '../../../store/index.ts';

// The whole assessment of every product, for an auditor or a regulator's request. One product may
// be judged per hardware revision, so each listed revision is exported after the product-wide
// assessment ("all revisions"): together they are everything the console shows.

export interface ExportedProvision {
  id: string;
  reference: string;
  title: string;
  source: ProvisionAssessment['source'];
  mandatory: boolean;
  status: ProvisionAssessment['status'];
  reason: string;
  evidence: string[];
  judgedBy: string;
  judgedAt: string | null;
  nextAction: string | null;
}

export interface ExportedAssessment {
  productId: string;
  slug: string;
  /** "Brand Name (MODEL)", as the PDF heads each product. */
  product: string;
  brand: string;
  name: string;
  modelNumber: string;
  hardwareRevision: string | null;
  duties: DutyReadiness[];
  provisions: ExportedProvision[];
}

export const productLabel = (p: Pick<Product, 'brand' | 'name' | 'modelNumber'>): string => `${p.brand} ${p.name} (${p.modelNumber})`;

export async function exportAssessments(q: Queryable, organisationId: string, now = new Date()): Promise<ExportedAssessment[]> {
  const out: ExportedAssessment[] = [];
  for (const product of await listProducts(q, organisationId)) {
    for (const revision of ['', ...product.hardwareRevisions]) {
      const a = await assessProduct(q, organisationId, product.id, revision, now);
      out.push({
        productId: product.id,
        slug: product.slug,
        product: productLabel(product),
        brand: product.brand,
        name: product.name,
        modelNumber: product.modelNumber,
        hardwareRevision: a.hardwareRevision || null,
        duties: a.duties,
        provisions: a.provisions.map((p) => ({
          id: p.id,
          reference: p.reference,
          title: p.title,
          source: p.source,
          mandatory: p.mandatory,
          status: p.status,
          reason: p.reason,
          evidence: p.evidence,
          judgedBy: p.judgedBy,
          judgedAt: p.judgedAt ? p.judgedAt.toISOString() : null,
          nextAction: p.nextAction,
        })),
      });
    }
  }
  return out;
}

export const csvColumns = ['product', 'model_number', 'hardware_revision', 'provision', 'reference', 'title', 'status', 'reason', 'evidence', 'judged_by', 'judged_at'] as const;

/**
 * A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return that hides one)
 * as a formula; reasons and evidence lines come from uploads and people, so such a cell is
 * prefixed with a quote and read as text.
 */
export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function assessmentCsv(assessments: readonly ExportedAssessment[]): string {
  let csv = csvLine([...csvColumns]);
  for (const a of assessments) {
    for (const p of a.provisions) {
      csv += csvLine(
        [a.product, a.modelNumber, a.hardwareRevision ?? '', p.id, p.reference, p.title, p.status, p.reason, p.evidence.join('\n'), p.judgedBy, p.judgedAt ?? ''].map(spreadsheetSafe),
      );
    }
  }
  return csv;
}

export function assessmentPdfInput(organisation: string, generatedAt: Date, assessments: readonly ExportedAssessment[]): AssessmentExport {
  return {
    organisation,
    generatedAt: generatedAt.toISOString(),
    products: assessments.map((a) => ({
      product: a.product,
      hardwareRevision: a.hardwareRevision,
      duties: a.duties.map((d) => ({ duty: d.duty, rag: d.rag, reason: d.reason, nextAction: d.nextAction })),
      provisions: a.provisions.map((p) => ({ id: p.id, reference: p.reference, title: p.title, status: p.status, reason: p.reason, evidence: p.evidence, judgedBy: p.judgedBy, judgedAt: p.judgedAt })),
    })),
  };
}
