// Statements of Compliance: generated only when every PSTI requirement is met (the refusal names
// each that is not, and why), rendered as JSON and PDF from one content object, signed with the
// maker's OpenPGP key (detached, binary: `gpg --verify statement.pdf.asc statement.pdf`), and kept
// with every earlier version. The maker chooses which version, if any, the public product page links.
import crypto from 'node:crypto';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { getOrganisationKey, signDetached } from '../disclosure/index.ts';
import { ConnectableError, invalidInput, notFound } from '../errors.ts';
import { provision } from '../law/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';
import { blockersOfStatement, STATEMENT_REQUIREMENTS } from './assessment.ts';
import { assessProduct } from './product-assessment.ts';
import type { StatementContent, StatementRequirement } from './statement-content.ts';
import { statementPdf } from './statement-pdf.ts';

const text = (max: number, message: string) => z.string().trim().min(1, message).max(max, `Use at most ${max} characters.`);

export const statementInput = z.object({
  hardwareRevision: z.string().trim().max(100).default(''),
  productType: text(200, 'Say what kind of product it is, e.g. “Wi-Fi security camera”.'),
  batch: text(500, 'Name the batch, serial range or other identification of the units this statement covers.'),
  manufacturerName: text(200, 'Enter the manufacturer’s name.'),
  manufacturerAddress: text(1000, 'Enter the manufacturer’s postal address.'),
  authorisedRepresentative: z.string().trim().max(1000).default(''),
  signatoryName: text(200, 'Enter the name of the person signing.'),
  signatoryFunction: text(200, 'Enter the signatory’s function, e.g. “Head of Product Security”.'),
  place: text(200, 'Enter the place of issue.'),
  date: z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date of issue as YYYY-MM-DD.')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'Enter a real date.'),
  publish: z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean()).default(false),
});

export interface StoredStatement {
  id: string;
  statementId: string;
  version: number;
  productId: string;
  hardwareRevision: string;
  batch: string;
  content: StatementContent;
  pdfSha256: string;
  jsonSha256: string;
  signed: boolean;
  signatureFingerprint: string | null;
  issuedBy: string;
  createdAt: Date;
  public: boolean;
}

interface StatementRow {
  id: string;
  statement_id: string;
  version: number;
  product_id: string;
  hardware_revision: string;
  batch: string;
  content: StatementContent | string;
  pdf_sha256: string;
  json_sha256: string;
  pdf_signature: string | null;
  signature_fingerprint: string | null;
  issued_by: string;
  created_at: Date | string;
  shown: string | null;
}

const COLUMNS = `s.id, s.statement_id, s.version, s.product_id, s.hardware_revision, s.batch, s.content, s.pdf_sha256, s.json_sha256, s.pdf_signature,
  s.signature_fingerprint, s.issued_by, s.created_at, v.statement_row AS shown`;

const fromRow = (r: StatementRow): StoredStatement => ({
  id: r.id,
  statementId: r.statement_id,
  version: r.version,
  productId: r.product_id,
  hardwareRevision: r.hardware_revision,
  batch: r.batch,
  content: typeof r.content === 'string' ? (JSON.parse(r.content) as StatementContent) : r.content,
  pdfSha256: r.pdf_sha256,
  jsonSha256: r.json_sha256,
  signed: r.pdf_signature !== null,
  signatureFingerprint: r.signature_fingerprint,
  issuedBy: r.issued_by,
  createdAt: new Date(r.created_at),
  public: r.shown === r.id,
});

/** How each PSTI requirement is met, in the words of the deemed-compliance routes. */
const ROUTES: Record<(typeof STATEMENT_REQUIREMENTS)[number], string> = {
  'psti.s1.1': 'ETSI EN 303 645 provisions 5.1-1 and 5.1-2 (deemed compliance), shown by the evidence below',
  'psti.s1.2': 'ETSI EN 303 645 provision 5.2-1 / ISO/IEC 29147:2018 6.2.2 (deemed compliance): a published vulnerability disclosure policy',
  'psti.s1.3': 'ETSI EN 303 645 provision 5.3-13 (deemed compliance): the defined support period published',
};

/**
 * Generates the next version of a product's Statement of Compliance, or refuses — naming every
 * PSTI requirement that is not met and why, or the step to take first.
 */
export async function generateStatement(db: Database, actor: Actor & { organisationId: string }, productId: string, input: unknown, options: { now?: Date; baseUrl?: string } = {}): Promise<StoredStatement> {
  const v = parseInput(statementInput, input, 'The statement');
  const now = options.now ?? new Date();
  const assessed = await assessProduct(db, actor.organisationId, productId, v.hardwareRevision, now);
  const { product, supportPeriod } = assessed;
  if (v.hardwareRevision && v.hardwareRevision !== assessed.hardwareRevision) {
    throw invalidInput(`${product.modelNumber} has no hardware revision "${v.hardwareRevision}".`, { hardwareRevision: 'Choose one of the product’s revisions, or all.' });
  }
  const publishedAt = supportPeriod?.publishedAt;
  if (!supportPeriod || !publishedAt) {
    throw new ConnectableError(
      'CONNECTABLE_ERR_CONFLICT',
      `${product.modelNumber} has no published support period, and a Statement of Compliance must state it (psti.soc.e). Publish it first: Console → Products → ${product.name} → Support period → Publish.`,
      { lawId: 'psti.s1.3' },
    );
  }
  const blockers = blockersOfStatement(assessed.provisions);
  if (blockers.length > 0) {
    throw new ConnectableError(
      'CONNECTABLE_ERR_CONFLICT',
      `A Statement of Compliance cannot be issued while a requirement is not met. ${blockers
        .map((b) => `${b.id} (${b.title}) is ${b.status === 'not_met' ? 'not met' : 'not yet assessed'}: ${b.reason}${b.nextAction ? ` Next: ${b.nextAction}` : ''}`)
        .join(' — ')}`,
      { lawId: blockers[0]?.id ?? 'psti.s1.1' },
    );
  }

  const requirements: StatementRequirement[] = STATEMENT_REQUIREMENTS.map((id) => {
    const law = provision(id);
    const family = assessed.provisions.filter((a) => a.id === id || a.id.startsWith(`${id}.`));
    return {
      id,
      reference: law?.reference ?? id,
      title: law?.title ?? id,
      route: ROUTES[id],
      // A statement is public: it names the manufacturer, never the people who judged.
      evidence: [...new Set(family.flatMap((a) => (a.evidence.length ? a.evidence : a.status === 'not_applicable' || a.judgedBy !== 'evidence' ? [`${a.id} ${a.status === 'not_applicable' ? 'does not apply' : 'met'}: ${a.reason} (recorded by the manufacturer${a.judgedAt ? ` on ${a.judgedAt.toISOString().slice(0, 10)}` : ''})`] : [])))].slice(0, 12),
    };
  });

  return db.transaction(async (tx) => {
    const previous = await tx.query<{ statement_id: string; version: number }>(
      'SELECT statement_id, version FROM compliance_statements WHERE product_id = $1 AND hardware_revision = $2 ORDER BY version DESC LIMIT 1',
      [productId, assessed.hardwareRevision],
    );
    const statementId = previous[0]?.statement_id ?? crypto.randomUUID();
    const version = (previous[0]?.version ?? 0) + 1;
    const orgSlug = (await tx.query<{ slug: string }>('SELECT slug FROM organisations WHERE id = $1', [actor.organisationId]))[0]?.slug ?? '';
    const content: StatementContent = {
      format: 'connectable.statement-of-compliance/1',
      statementId,
      version,
      product: {
        brand: product.brand,
        name: product.name,
        modelNumber: product.modelNumber,
        productType: v.productType,
        hardwareRevision: assessed.hardwareRevision || null,
        batch: v.batch,
        gtins: product.gtins,
        firmwareVersions: product.firmwareVersions,
      },
      manufacturer: { name: v.manufacturerName, address: v.manufacturerAddress, authorisedRepresentative: v.authorisedRepresentative || null },
      preparedBy: `This statement of compliance is prepared by or on behalf of the manufacturer, ${v.manufacturerName}.`,
      declaration: `In the opinion of ${v.manufacturerName}, the product described above complies with the applicable security requirements of Schedule 1 to the Product Security and Telecommunications Infrastructure (Security Requirements for Relevant Connectable Products) Regulations 2023.`,
      supportPeriod: { endDate: supportPeriod.endDate, atLeast: supportPeriod.atLeast, publishedAt: publishedAt.toISOString() },
      requirements,
      signatory: { name: v.signatoryName, function: v.signatoryFunction, place: v.place, date: v.date },
      generatedAt: now.toISOString(),
      publicUrl: options.baseUrl ? `${options.baseUrl.replace(/\/$/, '')}/statements/${orgSlug}/${product.slug}` : null,
    };
    const json = `${JSON.stringify(content, null, 2)}\n`;
    const key = await getOrganisationKey(tx, actor.organisationId);
    const pdf = await statementPdf(content, key ? { signatureFingerprint: key.fingerprint } : {});
    const pdfSignature = await signDetached(tx, actor.organisationId, pdf);
    const jsonSignature = await signDetached(tx, actor.organisationId, json);
    const sha = (data: string | Uint8Array): string => crypto.createHash('sha256').update(data).digest('hex');
    const rows = await tx.query<{ id: string }>(
      `INSERT INTO compliance_statements (statement_id, version, organisation_id, product_id, hardware_revision, batch, content, document_json, pdf_base64, pdf_sha256, json_sha256,
         pdf_signature, json_signature, signature_fingerprint, issued_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
      [
        statementId,
        version,
        actor.organisationId,
        productId,
        assessed.hardwareRevision,
        v.batch,
        JSON.stringify(content),
        json,
        Buffer.from(pdf).toString('base64'),
        sha(pdf),
        sha(json),
        pdfSignature,
        jsonSignature,
        pdfSignature ? (key?.fingerprint ?? null) : null,
        actor.label,
      ],
    );
    const id = rows[0]?.id ?? '';
    if (v.publish) await showOnProductPage(tx, productId, id);
    await recordAudit(tx, actor, 'compliance.statement_issued', { target: product.modelNumber, details: { version, batch: v.batch, signed: pdfSignature !== null, public: v.publish } });
    const stored = await getStatement(tx, actor.organisationId, productId, id);
    if (!stored) throw new Error('the statement was not stored');
    return stored;
  });
}

async function showOnProductPage(q: Queryable, productId: string, statementRow: string | null): Promise<void> {
  await q.query(
    `INSERT INTO compliance_statement_visibility (product_id, statement_row, changed_at) VALUES ($1, $2, now())
     ON CONFLICT (product_id) DO UPDATE SET statement_row = EXCLUDED.statement_row, changed_at = now()`,
    [productId, statementRow],
  );
}

export async function listStatements(q: Queryable, organisationId: string, productId: string): Promise<StoredStatement[]> {
  const rows = await q.query<StatementRow>(
    `SELECT ${COLUMNS} FROM compliance_statements s LEFT JOIN compliance_statement_visibility v ON v.product_id = s.product_id
     WHERE s.organisation_id = $1 AND s.product_id = $2 ORDER BY s.hardware_revision, s.version DESC`,
    [organisationId, productId],
  );
  return rows.map(fromRow);
}

export async function getStatement(q: Queryable, organisationId: string, productId: string, id: string): Promise<StoredStatement | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const rows = await q.query<StatementRow>(
    `SELECT ${COLUMNS} FROM compliance_statements s LEFT JOIN compliance_statement_visibility v ON v.product_id = s.product_id
     WHERE s.organisation_id = $1 AND s.product_id = $2 AND s.id = $3`,
    [organisationId, productId, id],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export type StatementFile = 'pdf' | 'json' | 'pdf.asc' | 'json.asc';

/** The exact bytes issued, or their signature; undefined when there is no such file. */
export async function statementFile(q: Queryable, where: { organisationId?: string; statementRow: string }, file: StatementFile): Promise<{ body: Buffer; type: string } | undefined> {
  const rows = await q.query<{ document_json: string; pdf_base64: string; pdf_signature: string | null; json_signature: string | null }>(
    `SELECT document_json, pdf_base64, pdf_signature, json_signature FROM compliance_statements WHERE id = $1${where.organisationId ? ' AND organisation_id = $2' : ''}`,
    where.organisationId ? [where.statementRow, where.organisationId] : [where.statementRow],
  );
  const r = rows[0];
  if (!r) return undefined;
  switch (file) {
    case 'pdf':
      return { body: Buffer.from(r.pdf_base64, 'base64'), type: 'application/pdf' };
    case 'json':
      return { body: Buffer.from(r.document_json, 'utf8'), type: 'application/json; charset=utf-8' };
    case 'pdf.asc':
      return r.pdf_signature ? { body: Buffer.from(r.pdf_signature, 'utf8'), type: 'application/pgp-signature' } : undefined;
    case 'json.asc':
      return r.json_signature ? { body: Buffer.from(r.json_signature, 'utf8'), type: 'application/pgp-signature' } : undefined;
  }
}

/** Shows one version on the public product page, or none. */
export async function setPublicStatement(db: Database, actor: Actor & { organisationId: string }, productId: string, statementRow: string | null): Promise<void> {
  await db.transaction(async (tx) => {
    if (statementRow !== null) {
      const found = await getStatement(tx, actor.organisationId, productId, statementRow);
      if (!found) throw notFound('That statement');
    } else {
      const products = await tx.query('SELECT 1 FROM products WHERE id = $1 AND organisation_id = $2', [productId, actor.organisationId]);
      if (products.length === 0) throw notFound('That product');
    }
    await showOnProductPage(tx, productId, statementRow);
    await recordAudit(tx, actor, statementRow ? 'compliance.statement_shown' : 'compliance.statement_hidden', { target: productId });
  });
}

/** The statement a maker chose to show on a product's public page, by the product's public slug. */
export async function publicStatement(q: Queryable, orgSlug: string, productSlug: string): Promise<{ row: string; content: StatementContent; signed: boolean } | undefined> {
  const rows = await q.query<{ id: string; content: StatementContent | string; pdf_signature: string | null }>(
    `SELECT s.id, s.content, s.pdf_signature FROM compliance_statement_visibility v
       JOIN compliance_statements s ON s.id = v.statement_row
       JOIN products p ON p.id = v.product_id
       JOIN organisations o ON o.id = p.organisation_id
     WHERE o.slug = $1 AND p.slug = $2`,
    [orgSlug, productSlug],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { row: r.id, content: typeof r.content === 'string' ? (JSON.parse(r.content) as StatementContent) : r.content, signed: r.pdf_signature !== null };
}
