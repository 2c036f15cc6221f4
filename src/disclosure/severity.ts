import cvss from 'ae-cvss-calculator';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { invalidInput, notFound } from '../errors.ts';
import { one, type Database } from '../store/index.ts';
import { parseInput } from '../validation.ts';
import { addDays } from './business-days.ts';
import { cweName } from './csaf.ts';
import { getPolicy } from './policy.ts';

// The calculator ships a bundle whose named exports Node cannot see, so it is read through its
// default export (the module object).
const { Cvss3P1, Cvss4P0 } = cvss;

export const severities = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

export interface ScoredVector {
  version: '3.1' | '4.0';
  vector: string;
  score: number;
  severity: Severity;
}

/** FIRST's qualitative rating scale, the same for CVSS 3.1 and 4.0. */
export function ratingOf(score: number): Severity {
  if (score === 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

const VECTOR_31 = /^CVSS:3\.1\/AV:[NALP]\/AC:[LH]\/PR:[NLH]\/UI:[NR]\/S:[UC]\/C:[NLH]\/I:[NLH]\/A:[NLH](\/[A-Za-z]+:[A-Z])*$/;
const VECTOR_40 = /^CVSS:4\.0\/AV:[NALP]\/AC:[LH]\/AT:[NP]\/PR:[NLH]\/UI:[NPA]\/VC:[HLN]\/VI:[HLN]\/VA:[HLN]\/SC:[HLN]\/SI:[HLN]\/SA:[HLN](\/[A-Za-z]+:[A-Z])*$/;

/** Scores a CVSS 3.1 or 4.0 base vector; anything else is explained, never guessed. */
export function scoreVector(vector: string): ScoredVector | { error: string } {
  const v = vector.trim();
  try {
    if (VECTOR_31.test(v)) {
      const score = Number(new Cvss3P1(v).calculateScores().overall);
      return { version: '3.1', vector: v, score, severity: ratingOf(score) };
    }
    if (VECTOR_40.test(v)) {
      const score = Number(new Cvss4P0(v).calculateScores().overall);
      return { version: '4.0', vector: v, score, severity: ratingOf(score) };
    }
  } catch (e) {
    return { error: `The vector could not be scored (${e instanceof Error ? e.message : String(e)}).` };
  }
  return { error: 'Give a complete CVSS 3.1 or 4.0 base vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H.' };
}

export const severityInput = z.object({
  vector: z.string().trim().max(300, 'That is longer than any CVSS vector.'),
  cwe: z
    .string()
    .trim()
    .toUpperCase()
    .transform((v) => (v === '' ? undefined : v.startsWith('CWE-') ? v : `CWE-${v}`))
    .pipe(z.string().regex(/^CWE-\d{1,5}$/, 'Give a CWE id such as CWE-798.').optional())
    .refine((v) => v === undefined || cweName(v) !== null, 'That CWE id is not in the CWE list; look it up at cwe.mitre.org (e.g. CWE-798, hard-coded credentials).'),
  cve: z
    .string()
    .trim()
    .toUpperCase()
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'Give a CVE id such as CVE-2026-12345, or leave it empty.').optional()),
});


/**
 * Sets the severity from a CVSS vector (and the CWE); the fix clock then runs from receipt for as
 * many days as the policy promises for that severity.
 */
export async function setSeverity(db: Database, actor: Actor & { organisationId: string }, id: string, input: unknown): Promise<ScoredVector> {
  const s = parseInput(severityInput, input, 'The severity');
  const scored = scoreVector(s.vector);
  if ('error' in scored) throw invalidInput(scored.error, { vector: scored.error });
  const policy = await getPolicy(db, actor.organisationId);
  const days = scored.severity === 'none' ? null : policy.fixDays[scored.severity];
  await db.transaction(async (tx) => {
    const found = await one<{ received_at: Date }>(tx, 'SELECT received_at FROM vulnerability_reports WHERE id = $1 AND organisation_id = $2 FOR UPDATE', [id, actor.organisationId]);
    if (!found) throw notFound('That report');
    const r = await one<{ reference: string }>(
      tx,
      `UPDATE vulnerability_reports SET cvss_vector = $3, cvss_score = $4, severity = $5, cwe = $6, fix_due = $7, cve = $8
        WHERE id = $1 AND organisation_id = $2 RETURNING reference`,
      [id, actor.organisationId, scored.vector, scored.score, scored.severity, s.cwe ?? null, days === null ? null : addDays(found.received_at, days, policy.dayBasis), s.cve ?? null],
    );
    if (!r) throw notFound('That report');
    await tx.query('INSERT INTO report_events (report_id, event, actor, details) VALUES ($1, $2, $3, $4)', [
      id,
      'severity_set',
      actor.label,
      JSON.stringify({ vector: scored.vector, score: scored.score, severity: scored.severity, cwe: s.cwe ?? null }),
    ]);
    await recordAudit(tx, actor, 'report.severity_set', { target: r.reference, details: { score: scored.score, severity: scored.severity } });
  });
  return scored;
}
