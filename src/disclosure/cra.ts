import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { ConnectableError, notFound } from '../errors.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';

// EU Cyber Resilience Act, Article 14 (from 11 September 2026): an actively exploited
// vulnerability starts an early warning due in 24 hours and a notification due in 72 hours; a
// fix or mitigation being available starts a final report due 14 days later.

export const craStages = ['early_warning', 'notification', 'final_report'] as const;
export type CraStage = (typeof craStages)[number];

export const craStageLabels: Record<CraStage, string> = {
  early_warning: 'Early warning (24 hours)',
  notification: 'Vulnerability notification (72 hours)',
  final_report: 'Final report (14 days after a fix or mitigation)',
};

const HOUR = 3_600_000;

export interface CraClock {
  stage: CraStage;
  /** Undefined until the event that starts it. */
  dueAt: Date | undefined;
  sentAt: Date | undefined;
  overdue: boolean;
  /** Text to start from, prefilled with what the report knows. */
  draft: string;
}

interface ReportFacts {
  reference: string;
  title: string;
  product: string;
  organisation: string;
  actively_exploited_at: Date | null;
  fix_available_at: Date | null;
}

function draftFor(stage: CraStage, r: ReportFacts): string {
  const head = `Manufacturer: ${r.organisation}\nProduct: ${r.product}\nOur reference: ${r.reference}\nVulnerability: ${r.title}\n`;
  if (stage === 'early_warning') return `${head}Actively exploited since (aware): ${r.actively_exploited_at?.toISOString() ?? '?'}\nMember States where the product is made available: \n`;
  if (stage === 'notification') return `${head}General nature of the exploit: \nCorrective or mitigating measures taken: \nMeasures users can take: \nSensitivity of the information: \n`;
  return `${head}Fix or mitigation available since: ${r.fix_available_at?.toISOString() ?? '?'}\nDescription, severity and impact: \nMalicious actor information, where available: \nSecurity update or other corrective measures: \n`;
}

async function facts(q: Queryable, organisationId: string, id: string): Promise<ReportFacts & { id: string }> {
  const r = await one<ReportFacts & { id: string }>(
    q,
    `SELECT r.id, r.reference, r.title, coalesce(p.brand || ' ' || p.name || ' (' || p.model_number || ')', r.product_text) AS product, o.name AS organisation,
            r.actively_exploited_at, r.fix_available_at
       FROM vulnerability_reports r JOIN organisations o ON o.id = r.organisation_id LEFT JOIN products p ON p.id = r.product_id
      WHERE r.id = $1 AND r.organisation_id = $2`,
    [id, organisationId],
  );
  if (!r) throw notFound('That report');
  return r;
}

export async function craClocks(q: Queryable, organisationId: string, id: string, now = new Date()): Promise<CraClock[]> {
  const r = await facts(q, organisationId, id);
  const sent = await q.query<{ stage: CraStage; sent_at: Date }>('SELECT stage, min(sent_at) AS sent_at FROM cra_submissions WHERE report_id = $1 GROUP BY stage', [id]);
  const sentAt = (s: CraStage): Date | undefined => sent.find((x) => x.stage === s)?.sent_at;
  const due: Record<CraStage, Date | undefined> = {
    early_warning: r.actively_exploited_at ? new Date(r.actively_exploited_at.getTime() + 24 * HOUR) : undefined,
    notification: r.actively_exploited_at ? new Date(r.actively_exploited_at.getTime() + 72 * HOUR) : undefined,
    final_report: r.fix_available_at && r.actively_exploited_at ? new Date(r.fix_available_at.getTime() + 14 * 24 * HOUR) : undefined,
  };
  return craStages.map((stage) => {
    const d = due[stage];
    const s = sentAt(stage);
    return { stage, dueAt: d, sentAt: s, overdue: Boolean(d && !s && d.getTime() < now.getTime()), draft: draftFor(stage, r) };
  });
}

export const craMarkInput = z.object({ event: z.enum(['actively_exploited', 'fix_available'], { error: 'Choose what happened.' }) });

/** Starts the clocks; the time is set once and never moved, since it is what the deadlines count from. */
export async function markCraEvent(db: Database, actor: Actor & { organisationId: string }, id: string, input: unknown): Promise<void> {
  const { event } = parseInput(craMarkInput, input, 'The change');
  await db.transaction(async (tx) => {
    const r = await facts(tx, actor.organisationId, id);
    if (event === 'fix_available' && !r.actively_exploited_at) {
      throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'The CRA final-report clock applies to actively exploited vulnerabilities: mark it actively exploited first, if it is.');
    }
    const column = event === 'actively_exploited' ? 'actively_exploited_at' : 'fix_available_at';
    const changed = await tx.query(`UPDATE vulnerability_reports SET ${column} = now() WHERE id = $1 AND ${column} IS NULL RETURNING id`, [id]);
    if (!changed.length) throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', `This report is marked ${event.replace('_', ' ')} already; the clocks count from that first time.`);
    await tx.query(`INSERT INTO report_events (report_id, event, actor) VALUES ($1, $2, $3)`, [id, `cra:${event}`, actor.label]);
    await recordAudit(tx, actor, `report.cra_${event}`, { target: r.reference });
  });
}

export const craSubmissionInput = z.object({
  stage: z.enum(craStages, { error: 'Choose the stage.' }),
  body: z.string().trim().min(1, 'Paste what was sent.').max(50_000, 'Use at most 50,000 characters.'),
});

/** Records what was sent to the CSIRT, and when (append-only). */
export async function recordCraSubmission(db: Database, actor: Actor & { organisationId: string }, id: string, input: unknown): Promise<void> {
  const s = parseInput(craSubmissionInput, input, 'The submission');
  await db.transaction(async (tx) => {
    const r = await facts(tx, actor.organisationId, id);
    if (!r.actively_exploited_at) throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'CRA reports are for actively exploited vulnerabilities; mark the report actively exploited first.');
    await tx.query('INSERT INTO cra_submissions (report_id, stage, sent_by, body) VALUES ($1, $2, $3, $4)', [id, s.stage, actor.label, s.body]);
    await tx.query(`INSERT INTO report_events (report_id, event, actor) VALUES ($1, $2, $3)`, [id, `cra_sent:${s.stage}`, actor.label]);
    await recordAudit(tx, actor, 'report.cra_submission_recorded', { target: r.reference, details: { stage: s.stage } });
  });
}
