// A person's judgement of a provision the tools cannot see (a maker's own listings show the
// support period; passwords are set by the user, so the batch conditions do not apply; …).
// Append-only: the newest judgement counts, every earlier one stays as who judged what when.
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { invalidInput, notFound } from '../errors.ts';
import { isLawId, provision } from '../law/index.ts';
import type { Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';

export const assessmentStatuses = ['met', 'not_met', 'not_applicable', 'not_assessed'] as const;
export type AssessmentStatus = (typeof assessmentStatuses)[number];

export const statusLabels: Record<AssessmentStatus, string> = {
  met: 'Met',
  not_met: 'Not met',
  not_applicable: 'Not applicable',
  not_assessed: 'Not yet assessed',
};

export interface Judgement {
  provisionId: string;
  hardwareRevision: string;
  status: AssessmentStatus;
  reason: string;
  judgedBy: string;
  judgedAt: Date;
}

export const judgementInput = z
  .object({
    provisionId: z.string().trim().max(40),
    hardwareRevision: z.string().trim().max(100).default(''),
    status: z.enum(assessmentStatuses, { error: 'Choose met, not met, not applicable or not yet assessed.' }),
    reason: z.string().trim().max(4000, 'Use at most 4,000 characters.').default(''),
  })
  .superRefine((v, ctx) => {
    // "Not applicable" and "not met" must say why: an auditor reads the reason, not the colour.
    if ((v.status === 'not_applicable' || v.status === 'not_met' || v.status === 'met') && v.reason.length < 10) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'Say why, in a sentence an auditor can check (at least 10 characters).' });
    }
  });

interface JudgementRow {
  provision_id: string;
  hardware_revision: string;
  status: AssessmentStatus;
  reason: string;
  judged_by: string;
  judged_at: Date | string;
}

const fromRow = (r: JudgementRow): Judgement => ({
  provisionId: r.provision_id,
  hardwareRevision: r.hardware_revision,
  status: r.status,
  reason: r.reason,
  judgedBy: r.judged_by,
  judgedAt: new Date(r.judged_at),
});

export async function recordJudgement(q: Queryable, actor: Actor & { organisationId: string }, productId: string, input: unknown): Promise<Judgement> {
  const v = parseInput(judgementInput, input, 'The judgement');
  if (!isLawId(v.provisionId) || !provision(v.provisionId)) throw invalidInput(`"${v.provisionId}" is not a provision known here.`, { provisionId: 'Choose a provision from the list.' });
  const products = await q.query<{ model_number: string; hardware_revisions: string[] }>('SELECT model_number, hardware_revisions FROM products WHERE id = $1 AND organisation_id = $2', [productId, actor.organisationId]);
  const product = products[0];
  if (!product) throw notFound('That product');
  if (v.hardwareRevision && !(product.hardware_revisions ?? []).includes(v.hardwareRevision)) {
    throw invalidInput(`${product.model_number} has no hardware revision "${v.hardwareRevision}".`, { hardwareRevision: 'Choose one of the product’s revisions, or all.' });
  }
  const rows = await q.query<JudgementRow>(
    `INSERT INTO compliance_judgements (organisation_id, product_id, hardware_revision, provision_id, status, reason, judged_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING provision_id, hardware_revision, status, reason, judged_by, judged_at`,
    [actor.organisationId, productId, v.hardwareRevision, v.provisionId, v.status, v.reason, actor.label],
  );
  await recordAudit(q, actor, 'compliance.judged', { target: product.model_number, details: { provisionId: v.provisionId, status: v.status, hardwareRevision: v.hardwareRevision } });
  const row = rows[0];
  if (!row) throw new Error('the judgement was not stored');
  return fromRow(row);
}

/** Every judgement of a product, oldest first (the newest per provision counts). */
export async function listJudgements(q: Queryable, organisationId: string, productId: string): Promise<Judgement[]> {
  const rows = await q.query<JudgementRow>(
    'SELECT provision_id, hardware_revision, status, reason, judged_by, judged_at FROM compliance_judgements WHERE organisation_id = $1 AND product_id = $2 ORDER BY id',
    [organisationId, productId],
  );
  return rows.map(fromRow);
}

/** The judgement that counts per provision for one revision: its own, else the product-wide one. */
export function currentJudgements(all: readonly Judgement[], hardwareRevision: string): Map<string, Judgement> {
  const out = new Map<string, Judgement>();
  for (const j of all) if (j.hardwareRevision === '') out.set(j.provisionId, j);
  if (hardwareRevision) for (const j of all) if (j.hardwareRevision === hardwareRevision) out.set(j.provisionId, j);
  return out;
}
