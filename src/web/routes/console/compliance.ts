import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { roleMay } from '../../../accounts/index.ts';
import { assessmentPdf } from '../../../compliance/assessment-pdf.ts';
import {
  addEvidence,
  assessProduct,
  blockersOfStatement,
  evidenceKinds,
  evidenceReport,
  generateStatement,
  getStatement,
  listEvidence,
  listStatements,
  MAX_EVIDENCE_BYTES,
  recordJudgement,
  setPublicStatement,
  statementFile,
  type DutyReadiness,
  type EvidenceKind,
  type StatementFile,
} from '../../../compliance/index.ts';
import { invalidInput, notFound } from '../../../errors.ts';
import { getProduct, listProducts, type Product } from '../../../registry/index.ts';
import { bodyOf, pathParam, uuidParam, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { actorOf, authoriseUser } from '../../principal.ts';
import { pageContext } from '../../render.ts';
import { page, type PageContext } from '../../views/layout.ts';
import { assessmentCsv, assessmentPdfInput, exportAssessments } from './compliance-export.ts';
import { complianceCss, dashboardBody, productBody, type JudgementFailure, type StatementState, type UploadState } from './compliance-views.ts';

// The maker's compliance pages: the readiness dashboard, each product's assessment with its
// evidence, judgements and Statements of Compliance, and the exports for auditors. Everything
// works as plain forms; the domain (src/compliance/) decides every verdict and every refusal.

const head = '<link rel="stylesheet" href="/assets/compliance.css">';

/** Like sendPage, with the compliance stylesheet: the pages show private data, so never cached. */
function sendCompliancePage(reply: FastifyReply, ctx: PageContext, title: string, body: string, status = 200): FastifyReply {
  return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page(ctx, title, body, head));
}

function download(reply: FastifyReply, type: string, fileName: string, body: string | Buffer): FastifyReply {
  return reply.header('content-type', type).header('content-disposition', `attachment; filename="${fileName}"`).header('cache-control', 'no-store').send(body);
}

const statementFiles: readonly StatementFile[] = ['pdf', 'json', 'pdf.asc', 'json.asc'];
const statementFields = ['productType', 'batch', 'hardwareRevision', 'manufacturerName', 'manufacturerAddress', 'authorisedRepresentative', 'signatoryName', 'signatoryFunction', 'place', 'date', 'publish'];

/** A form value echoed back; addresses may be longer than textOf's 500 characters. */
const valueOf = (body: Record<string, unknown>, key: string): string => {
  const v = body[key];
  return typeof v === 'string' ? v.slice(0, 1000) : '';
};

// Multipart only for the upload form: the report is read whole into memory (it is at most 8 MiB
// and kept byte for byte), and a larger one is flagged rather than thrown, so the page can say so
// beside the form.
interface ReadReport {
  fileName: string;
  bytes: Buffer;
  tooLarge: boolean;
}

const isReadReport = (v: unknown): v is ReadReport => typeof v === 'object' && v !== null && 'bytes' in v && Buffer.isBuffer((v as ReadReport).bytes);

const uploadOptions = {
  attachFieldsToBody: 'keyValues' as const,
  throwFileSizeLimit: false,
  async onFile(this: FastifyRequest, part: MultipartFile & { value?: unknown }): Promise<void> {
    const bytes = await part.toBuffer();
    const tooLarge = part.file.truncated;
    part.value = { fileName: part.filename, bytes: tooLarge ? Buffer.alloc(0) : bytes, tooLarge } satisfies ReadReport;
  },
  limits: { fileSize: MAX_EVIDENCE_BYTES, files: 1, fields: 10, parts: 12, fieldSize: 10_000 },
};

/** The report's text, from the file input or (for tools posting a form) a text field. */
function reportText(body: Record<string, unknown>): string {
  const raw = body['report'];
  if (typeof raw === 'string' && raw.trim() !== '') return raw;
  if (isReadReport(raw)) {
    if (raw.tooLarge) throw invalidInput(`The report is larger than ${MAX_EVIDENCE_BYTES / 2 ** 20} MiB. Upload the JSON report of one run.`, { report: `At most ${MAX_EVIDENCE_BYTES / 2 ** 20} MiB.` });
    if (raw.bytes.length > 0) return raw.bytes.toString('utf8').replace(/^\uFEFF/, '');
  }
  throw invalidInput('Choose the JSON report to upload.', { report: 'Choose the report file that connectable scan, probe or passwords audit wrote with --json.' });
}

function kindOf(value: string): EvidenceKind | undefined {
  if (value === '' || value === 'detect') return undefined;
  const kind = evidenceKinds.find((k) => k === value);
  if (!kind) throw invalidInput('Choose the kind of report, or let it be detected.', { kind: 'Choose one of the kinds listed.' });
  return kind;
}

const savedNotices: Record<string, string> = {
  evidence: 'The report was stored as evidence, and the assessment below follows from it.',
  judgement: 'Your judgement was recorded.',
  shown: 'The public product page now links this Statement of Compliance.',
  hidden: 'The public product page no longer links a Statement of Compliance.',
};

interface PageExtras {
  /** The hardware revision to show; a form that failed shows the one it was about. */
  revision?: string;
  upload?: UploadState;
  judgement?: JudgementFailure;
  statement?: { failure: FormFailure; values: Record<string, string> };
  status?: number;
}

function productUrl(productId: string, revision: string, saved: Record<string, string>, fragment: string): string {
  const query = new URLSearchParams(revision ? { revision, ...saved } : saved);
  return `/console/compliance/${productId}?${query.toString()}${fragment}`;
}

export function registerCompliance(app: FastifyInstance, platform: Platform): void {
  app.get('/assets/compliance.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(complianceCss));

  app.get('/console/compliance', async (request, reply) => {
    const p = authoriseUser(request.principal, 'compliance.read');
    const rows = await readinessOfProducts(platform, p.organisation.id);
    const ctx = pageContext(platform, request, reply);
    return sendCompliancePage(reply, ctx, 'Compliance', dashboardBody(rows, roleMay(p.user.role, 'products.write')));
  });

  app.get('/console/compliance/export.csv', async (request, reply) => {
    const p = authoriseUser(request.principal, 'compliance.read');
    const csv = assessmentCsv(await exportAssessments(platform.db, p.organisation.id));
    return download(reply, 'text/csv; charset=utf-8', `${p.organisation.slug}-compliance-assessment.csv`, csv);
  });

  app.get('/console/compliance/export.json', async (request, reply) => {
    const p = authoriseUser(request.principal, 'compliance.read');
    const now = new Date();
    const products = await exportAssessments(platform.db, p.organisation.id, now);
    const json = `${JSON.stringify({ format: 'connectable.assessment/1', organisation: p.organisation.name, generatedAt: now.toISOString(), products }, null, 2)}\n`;
    return download(reply, 'application/json; charset=utf-8', `${p.organisation.slug}-compliance-assessment.json`, json);
  });

  app.get('/console/compliance/export.pdf', async (request, reply) => {
    const p = authoriseUser(request.principal, 'compliance.read');
    const now = new Date();
    const pdf = await assessmentPdf(assessmentPdfInput(p.organisation.name, now, await exportAssessments(platform.db, p.organisation.id, now)));
    return download(reply, 'application/pdf', `${p.organisation.slug}-compliance-assessment.pdf`, Buffer.from(pdf));
  });

  const productPage = async (request: FastifyRequest, reply: FastifyReply, productId: string, extras: PageExtras = {}) => {
    const p = authoriseUser(request.principal, 'compliance.read');
    const query = request.query as Record<string, unknown>;
    const revision = extras.revision ?? (typeof query['revision'] === 'string' ? query['revision'] : '');
    const [assessed, statements] = await Promise.all([assessProduct(platform.db, p.organisation.id, productId, revision), listStatements(platform.db, p.organisation.id, productId)]);
    const ctx = pageContext(platform, request, reply);
    const saved = typeof query['saved'] === 'string' ? query['saved'] : '';
    const version = typeof query['version'] === 'string' && /^\d{1,6}$/.test(query['version']) ? query['version'] : '';
    const message = saved === 'statement' ? `Statement of Compliance version ${version || '?'} was generated.` : savedNotices[saved];
    const newest = statements[0];
    const statement: StatementState = extras.statement
      ? {
          failure: extras.statement.failure,
          values: extras.statement.values,
          // The domain refuses for the support period first; only past that is the list of unmet
          // requirements the reason.
          blockers: extras.statement.failure.status === 409 && assessed.supportPeriod?.publishedAt ? blockersOfStatement(assessed.provisions) : [],
        }
      : {
          blockers: [],
          values: {
            productType: newest?.content.product.productType ?? '',
            batch: '',
            hardwareRevision: assessed.hardwareRevision,
            manufacturerName: newest?.content.manufacturer.name ?? p.organisation.name,
            manufacturerAddress: newest?.content.manufacturer.address ?? '',
            authorisedRepresentative: newest?.content.manufacturer.authorisedRepresentative ?? '',
            signatoryName: p.user.displayName,
            signatoryFunction: newest?.content.signatory.function ?? '',
            place: newest?.content.signatory.place ?? '',
            date: new Date().toISOString().slice(0, 10),
            publish: '',
          },
        };
    const shown = statements.some((s) => s.public);
    return sendCompliancePage(
      reply,
      ctx,
      `Compliance: ${assessed.product.brand} ${assessed.product.name}`,
      productBody({
        csrf: ctx.csrfToken,
        assessed,
        statements,
        may: { judge: roleMay(p.user.role, 'compliance.judge'), upload: roleMay(p.user.role, 'evidence.write'), issue: roleMay(p.user.role, 'statements.issue') },
        notice: message,
        upload: extras.upload,
        judgement: extras.judgement,
        statement,
        publicPath: shown ? `/statements/${p.organisation.slug}/${assessed.product.slug}` : undefined,
      }),
      extras.status ?? 200,
    );
  };

  /** The product of the signed-in person's organisation, or 404 before anything else is looked at. */
  const ownProduct = async (request: FastifyRequest, organisationId: string): Promise<string> => {
    const productId = uuidParam(request, 'productId', 'That product');
    if (!(await getProduct(platform.db, organisationId, productId))) throw notFound('That product');
    return productId;
  };

  app.get('/console/compliance/:productId', async (request, reply) => productPage(request, reply, uuidParam(request, 'productId', 'That product')));

  app.post('/console/compliance/:productId/judgements', async (request, reply) => {
    const p = authoriseUser(request.principal, 'compliance.judge');
    const productId = await ownProduct(request, p.organisation.id);
    const body = bodyOf(request);
    const values = { provisionId: textOf(body, 'provisionId'), hardwareRevision: textOf(body, 'hardwareRevision'), status: textOf(body, 'status'), reason: valueOf(body, 'reason') };
    const outcome = await attempt(() => recordJudgement(platform.db, actorOf(p, request.ip), productId, body));
    if (!outcome.ok) {
      return productPage(request, reply, productId, { revision: values.hardwareRevision, judgement: { provisionId: values.provisionId, failure: outcome.failure, values }, status: outcome.failure.status });
    }
    return reply.redirect(productUrl(productId, outcome.value.hardwareRevision, { saved: 'judgement' }, `#p-${outcome.value.provisionId}`), 303);
  });

  app.get('/console/compliance/:productId/evidence/:evidenceId.json', async (request, reply) => {
    const p = authoriseUser(request.principal, 'compliance.read');
    const productId = await ownProduct(request, p.organisation.id);
    const evidenceId = uuidParam(request, 'evidenceId', 'That evidence');
    const ofProduct = (await listEvidence(platform.db, p.organisation.id, productId)).find((e) => e.id === evidenceId);
    const stored = ofProduct && (await evidenceReport(platform.db, p.organisation.id, evidenceId));
    if (!ofProduct || !stored) throw notFound('That evidence');
    const name = `${ofProduct.kind}${ofProduct.firmwareVersion ? `-${ofProduct.firmwareVersion.replace(/[^A-Za-z0-9._-]/g, '_')}` : ''}-${evidenceId.slice(0, 8)}.json`;
    return download(reply, 'application/json; charset=utf-8', name, `${JSON.stringify(stored.report, null, 2)}\n`);
  });

  void app.register(async (scoped) => {
    await scoped.register(fastifyMultipart, uploadOptions);
    scoped.setErrorHandler((error: FastifyError) => {
      if (error.code === 'FST_FILES_LIMIT') throw invalidInput('Upload one report at a time.', { report: 'One file.' });
      if (error.code === 'FST_PARTS_LIMIT' || error.code === 'FST_FIELDS_LIMIT') throw invalidInput('The form has more fields than it should; reload the page and try again.');
      throw error;
    });

    scoped.post('/console/compliance/:productId/evidence', { bodyLimit: MAX_EVIDENCE_BYTES + 256 * 1024 }, async (request, reply) => {
      const p = authoriseUser(request.principal, 'evidence.write');
      const productId = await ownProduct(request, p.organisation.id);
      const body = bodyOf(request);
      const values = { kind: textOf(body, 'kind'), firmwareVersion: textOf(body, 'firmwareVersion'), hardwareRevision: textOf(body, 'hardwareRevision') };
      const outcome = await attempt(async () =>
        addEvidence(platform.db, actorOf(p, request.ip), productId, { report: reportText(body), kind: kindOf(values.kind), firmwareVersion: values.firmwareVersion, hardwareRevision: values.hardwareRevision }),
      );
      if (!outcome.ok) return productPage(request, reply, productId, { upload: { failure: outcome.failure, values }, status: outcome.failure.status });
      return reply.redirect(productUrl(productId, outcome.value.hardwareRevision, { saved: 'evidence' }, '#evidence-heading'), 303);
    });
  });

  app.get('/console/compliance/:productId/statements/:statementId/:file', async (request, reply) => {
    const p = authoriseUser(request.principal, 'compliance.read');
    const productId = await ownProduct(request, p.organisation.id);
    const file = statementFiles.find((f) => f === pathParam(request, 'file'));
    const statement = file && (await getStatement(platform.db, p.organisation.id, productId, pathParam(request, 'statementId')));
    const found = file && statement && (await statementFile(platform.db, { organisationId: p.organisation.id, statementRow: statement.id }, file));
    if (!file || !statement || !found) throw notFound('That file');
    const model = statement.content.product.modelNumber.replace(/[^A-Za-z0-9._-]/g, '_');
    return download(reply, found.type, `statement-of-compliance-${model}-v${statement.version}.${file}`, found.body);
  });

  app.post('/console/compliance/:productId/statements/public', async (request, reply) => {
    const p = authoriseUser(request.principal, 'statements.issue');
    const productId = await ownProduct(request, p.organisation.id);
    const statementId = textOf(bodyOf(request), 'statementId').trim();
    await setPublicStatement(platform.db, actorOf(p, request.ip), productId, statementId === '' ? null : statementId);
    return reply.redirect(productUrl(productId, '', { saved: statementId ? 'shown' : 'hidden' }, '#statements'), 303);
  });

  app.post('/console/compliance/:productId/statements', async (request, reply) => {
    const p = authoriseUser(request.principal, 'statements.issue');
    const productId = await ownProduct(request, p.organisation.id);
    const body = bodyOf(request);
    const outcome = await attempt(() => generateStatement(platform.db, actorOf(p, request.ip), productId, body, { baseUrl: platform.config.publicUrl }));
    if (!outcome.ok) {
      const values = Object.fromEntries(statementFields.map((k) => [k, valueOf(body, k)]));
      return productPage(request, reply, productId, { revision: values['hardwareRevision'] ?? '', statement: { failure: outcome.failure, values }, status: outcome.failure.status });
    }
    const s = outcome.value;
    return reply.redirect(productUrl(productId, s.hardwareRevision, { saved: 'statement', version: String(s.version) }, '#statements'), 303);
  });
}

/** Each product's duties at a glance; one product after the other, so a big catalogue does not take every database connection. */
async function readinessOfProducts(platform: Platform, organisationId: string): Promise<{ product: Product; duties: DutyReadiness[] }[]> {
  const out: { product: Product; duties: DutyReadiness[] }[] = [];
  for (const product of await listProducts(platform.db, organisationId)) out.push({ product, duties: (await assessProduct(platform.db, organisationId, product.id)).duties });
  return out;
}
