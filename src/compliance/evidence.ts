// Storing evidence and finding the current one. Per product, hardware revision and kind, the
// current evidence is the report of the newest firmware version (then the newest upload): a scan
// of a newer firmware replaces the evidence of the older one, which stays in the history.
import { recordAudit, type Actor } from '../audit/index.ts';
import { compareVersions } from '../disclosure/index.ts';
import { notFound, invalidInput } from '../errors.ts';
import type { Queryable } from '../store/index.ts';
import { evidenceKinds, parseEvidence, type EvidenceKind, type EvidenceSummary } from './evidence-formats.ts';

export interface Evidence {
  id: string;
  productId: string;
  hardwareRevision: string;
  kind: EvidenceKind;
  firmwareVersion: string;
  tool: string;
  summary: EvidenceSummary;
  sha256: string;
  uploadedBy: string;
  createdAt: Date;
}

interface EvidenceRow {
  id: string;
  product_id: string;
  hardware_revision: string;
  kind: EvidenceKind;
  firmware_version: string;
  tool: string;
  summary: EvidenceSummary | string;
  sha256: string;
  uploaded_by: string;
  created_at: Date | string;
}

const fromRow = (r: EvidenceRow): Evidence => ({
  id: r.id,
  productId: r.product_id,
  hardwareRevision: r.hardware_revision,
  kind: r.kind,
  firmwareVersion: r.firmware_version,
  tool: r.tool,
  summary: typeof r.summary === 'string' ? (JSON.parse(r.summary) as EvidenceSummary) : r.summary,
  sha256: r.sha256,
  uploadedBy: r.uploaded_by,
  createdAt: new Date(r.created_at),
});

const COLUMNS = 'id, product_id, hardware_revision, kind, firmware_version, tool, summary, sha256, uploaded_by, created_at';

export interface EvidenceUpload {
  /** The report as uploaded (JSON text). */
  report: string;
  /** The kind the uploader says it is; the report must agree. */
  kind?: EvidenceKind | undefined;
  firmwareVersion?: string | undefined;
  hardwareRevision?: string | undefined;
}

/**
 * Checks and stores one report as evidence for a product of the actor's organisation. A product
 * of another organisation is "not found", exactly as one that does not exist.
 */
export async function addEvidence(q: Queryable, actor: Actor & { organisationId: string }, productId: string, upload: EvidenceUpload): Promise<Evidence> {
  const products = await q.query<{ id: string; model_number: string; hardware_revisions: string[]; firmware_versions: string[] }>(
    'SELECT id, model_number, hardware_revisions, firmware_versions FROM products WHERE id = $1 AND organisation_id = $2',
    [productId, actor.organisationId],
  );
  const product = products[0];
  if (!product) throw notFound('That product');
  if (upload.kind !== undefined && !(evidenceKinds as readonly string[]).includes(upload.kind)) {
    throw invalidInput(`The kind of evidence must be one of ${evidenceKinds.join(', ')}.`);
  }
  const firmwareVersion = (upload.firmwareVersion ?? '').trim();
  const hardwareRevision = (upload.hardwareRevision ?? '').trim();
  if (firmwareVersion.length > 100 || /[\u0000-\u001f]/.test(firmwareVersion)) throw invalidInput('The firmware version has at most 100 printable characters.', { firmwareVersion: 'Use at most 100 printable characters, e.g. 2.4.1.' });
  if (hardwareRevision && !(product.hardware_revisions ?? []).includes(hardwareRevision)) {
    const known = product.hardware_revisions ?? [];
    throw invalidInput(
      `${product.model_number} has no hardware revision "${hardwareRevision}". ${known.length ? `Its revisions are: ${known.join(', ')}.` : 'It lists no revisions; leave the revision out, or add it to the product first.'}`,
      { hardwareRevision: 'Choose one of the product’s hardware revisions, or leave it empty for all.' },
    );
  }
  const parsed = parseEvidence(upload.report, upload.kind);
  const rows = await q.query<EvidenceRow>(
    `INSERT INTO compliance_evidence (organisation_id, product_id, hardware_revision, kind, firmware_version, tool, summary, report, sha256, uploaded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
    [actor.organisationId, productId, hardwareRevision, parsed.kind, firmwareVersion, parsed.tool, JSON.stringify(parsed.summary), JSON.stringify(parsed.report), parsed.sha256, actor.label],
  );
  const row = rows[0];
  if (!row) throw new Error('the evidence was not stored');
  await recordAudit(q, actor, 'compliance.evidence_added', {
    target: product.model_number,
    details: { kind: parsed.kind, firmwareVersion, hardwareRevision, passes: parsed.summary.passes, sha256: parsed.sha256 },
  });
  return fromRow(row);
}

/** Every piece of evidence for a product, newest first. */
export async function listEvidence(q: Queryable, organisationId: string, productId: string): Promise<Evidence[]> {
  const rows = await q.query<EvidenceRow>(`SELECT ${COLUMNS} FROM compliance_evidence WHERE organisation_id = $1 AND product_id = $2 ORDER BY created_at DESC, id`, [organisationId, productId]);
  return rows.map(fromRow);
}

/** Orders evidence so the current one comes first: newest firmware, then newest upload. */
export function byCurrency(a: Evidence, b: Evidence): number {
  const v = compareVersions(b.firmwareVersion || '0', a.firmwareVersion || '0');
  if (v !== 0) return v;
  return b.createdAt.getTime() - a.createdAt.getTime();
}

/**
 * The current evidence of each kind for one hardware revision: its own if it has any, else what
 * was uploaded for the product as a whole ('').
 */
export function currentEvidence(all: readonly Evidence[], hardwareRevision: string): Partial<Record<EvidenceKind, Evidence>> {
  const out: Partial<Record<EvidenceKind, Evidence>> = {};
  for (const kind of evidenceKinds) {
    const own = all.filter((e) => e.kind === kind && e.hardwareRevision === hardwareRevision).sort(byCurrency)[0];
    const shared = all.filter((e) => e.kind === kind && e.hardwareRevision === '').sort(byCurrency)[0];
    const chosen = own ?? shared;
    if (chosen) out[kind] = chosen;
  }
  return out;
}

/** The stored report itself, for download. */
export async function evidenceReport(q: Queryable, organisationId: string, evidenceId: string): Promise<{ report: unknown; kind: EvidenceKind } | undefined> {
  const rows = await q.query<{ report: unknown; kind: EvidenceKind }>('SELECT report, kind FROM compliance_evidence WHERE organisation_id = $1 AND id = $2', [organisationId, evidenceId]);
  const row = rows[0];
  if (!row) return undefined;
  return { kind: row.kind, report: typeof row.report === 'string' ? (JSON.parse(row.report) as unknown) : row.report };
}
