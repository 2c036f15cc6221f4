import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { one, type Queryable } from '../store/index.ts';
import { invalidInput } from '../errors.ts';
import { optionalEmail, parseInput } from '../validation.ts';
import { dayBases, type DayBasis } from './business-days.ts';

// The promises a maker makes to reporters (PSTI Schedule 1 §2, ETSI EN 303 645 5.2-1): when they
// will hear back, how often they will get news, and how soon fixes come. Every promise becomes a
// clock on each report.

export interface DisclosurePolicy {
  scope: string;
  safeHarbour: string;
  languages: string[];
  acknowledgeHours: number;
  triageDays: number;
  updateIntervalDays: number;
  fixDays: { critical: number; high: number; medium: number; low: number };
  /** Calendar days, or business days with a UK region's bank holidays. */
  dayBasis: DayBasis;
  /** How long a report waits on a silent reporter before it closes as no_response. */
  waitingCloseDays: number;
  /** The address inbound e-mail reports are accepted for, when the maker uses one here. */
  inboundAddress: string | null;
  publishedAt: Date | null;
}

export const defaultPolicy: DisclosurePolicy = {
  scope: '',
  safeHarbour: '',
  languages: ['en'],
  acknowledgeHours: 72,
  triageDays: 7,
  updateIntervalDays: 14,
  fixDays: { critical: 30, high: 60, medium: 90, low: 180 },
  dayBasis: 'calendar',
  waitingCloseDays: 30,
  inboundAddress: null,
  publishedAt: null,
};

const days = (max: number) => z.coerce.number({ error: 'Enter a number of days.' }).int('Whole days.').min(1, 'At least 1.').max(max, `At most ${max}.`);

export const policyInput = z.object({
  scope: z.string().trim().max(5000, 'Use at most 5,000 characters.').default(''),
  safeHarbour: z.string().trim().max(5000, 'Use at most 5,000 characters.').default(''),
  languages: z
    .preprocess((v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v), z.array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'Use language tags such as en, de, fr-CA.')).min(1, 'Give at least one language.').max(20))
    .default(['en']),
  acknowledgeHours: z.coerce.number({ error: 'Enter a number of hours.' }).int('Whole hours.').min(1, 'At least 1 hour.').max(720, 'At most 720 hours (30 days).'),
  triageDays: days(90),
  updateIntervalDays: days(90),
  fixDaysCritical: days(365),
  fixDaysHigh: days(365),
  fixDaysMedium: days(365),
  fixDaysLow: days(730),
  dayBasis: z.enum(dayBases, { error: 'Choose calendar days or a UK bank-holiday calendar.' }).default('calendar'),
  waitingCloseDays: days(365).default(30),
  inboundAddress: optionalEmail('Enter the security address, e.g. security@example.com, or leave it empty.'),
});

const columns = `scope, safe_harbour AS "safeHarbour", languages, acknowledge_hours AS "acknowledgeHours", triage_days AS "triageDays",
  update_interval_days AS "updateIntervalDays", fix_days_critical, fix_days_high, fix_days_medium, fix_days_low, day_basis AS "dayBasis",
  waiting_close_days AS "waitingCloseDays", inbound_address AS "inboundAddress", published_at AS "publishedAt"`;

type Row = Omit<DisclosurePolicy, 'fixDays'> & { fix_days_critical: number; fix_days_high: number; fix_days_medium: number; fix_days_low: number };

export async function getPolicy(q: Queryable, organisationId: string): Promise<DisclosurePolicy> {
  const r = await one<Row>(q, `SELECT ${columns} FROM disclosure_policies WHERE organisation_id = $1`, [organisationId]);
  if (!r) return defaultPolicy;
  const { fix_days_critical, fix_days_high, fix_days_medium, fix_days_low, ...rest } = r;
  return { ...rest, fixDays: { critical: fix_days_critical, high: fix_days_high, medium: fix_days_medium, low: fix_days_low } };
}

/** Saves and publishes the policy; the report page and security.txt follow from it at once. */
export async function savePolicy(q: Queryable, actor: Actor & { organisationId: string }, input: unknown): Promise<DisclosurePolicy> {
  const p = parseInput(policyInput, input, 'The disclosure policy');
  if (p.inboundAddress && (await one(q, 'SELECT 1 FROM disclosure_policies WHERE inbound_address = $1 AND organisation_id <> $2', [p.inboundAddress, actor.organisationId]))) {
    throw invalidInput('Another maker on this platform already receives reports at that address.', { inboundAddress: 'Use your own security address, e.g. security@yourcompany.example.' });
  }
  await q.query(
    `INSERT INTO disclosure_policies (organisation_id, scope, safe_harbour, languages, acknowledge_hours, triage_days, update_interval_days,
       fix_days_critical, fix_days_high, fix_days_medium, fix_days_low, day_basis, waiting_close_days, inbound_address, published_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now())
     ON CONFLICT (organisation_id) DO UPDATE SET scope = EXCLUDED.scope, safe_harbour = EXCLUDED.safe_harbour, languages = EXCLUDED.languages,
       acknowledge_hours = EXCLUDED.acknowledge_hours, triage_days = EXCLUDED.triage_days, update_interval_days = EXCLUDED.update_interval_days,
       fix_days_critical = EXCLUDED.fix_days_critical, fix_days_high = EXCLUDED.fix_days_high, fix_days_medium = EXCLUDED.fix_days_medium,
       fix_days_low = EXCLUDED.fix_days_low, day_basis = EXCLUDED.day_basis, waiting_close_days = EXCLUDED.waiting_close_days,
       inbound_address = EXCLUDED.inbound_address, published_at = coalesce(disclosure_policies.published_at, now()), updated_at = now()`,
    [actor.organisationId, p.scope, p.safeHarbour, p.languages, p.acknowledgeHours, p.triageDays, p.updateIntervalDays, p.fixDaysCritical, p.fixDaysHigh, p.fixDaysMedium, p.fixDaysLow, p.dayBasis, p.waitingCloseDays, p.inboundAddress ?? null],
  );
  await recordAudit(q, actor, 'disclosure_policy.published', { details: { acknowledgeHours: p.acknowledgeHours, triageDays: p.triageDays, updateIntervalDays: p.updateIntervalDays } });
  return getPolicy(q, actor.organisationId);
}
