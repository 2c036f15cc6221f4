import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { ConnectableError, notFound } from '../errors.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';

export interface SupportPeriod {
  /** ISO date, YYYY-MM-DD: the last day security updates are promised. */
  endDate: string;
  /** "at least until" wording: a minimum that may well be exceeded. */
  atLeast: boolean;
  publishedAt: Date | null;
}

export interface SupportPeriodEvent {
  event: 'published' | 'extended' | 'wording_changed';
  endDate: string;
  previousEndDate: string | null;
  atLeast: boolean;
  at: Date;
}

const isoDate = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the end date as YYYY-MM-DD, e.g. 2030-03-31.')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'That date does not exist.');

const booleanField = z.preprocess((v) => v === true || v === 'true' || v === 'on' || v === '1', z.boolean());

export const supportPeriodInput = z.object({
  endDate: isoDate,
  atLeast: booleanField.default(false),
  publish: booleanField.default(false),
});

// Dates travel as text so that no time zone can move a day.
const columns = `to_char(end_date, 'YYYY-MM-DD') AS "endDate", at_least AS "atLeast", published_at AS "publishedAt"`;

export async function getSupportPeriod(q: Queryable, productId: string): Promise<SupportPeriod | undefined> {
  return one(q, `SELECT ${columns} FROM support_periods WHERE product_id = $1`, [productId]);
}

export async function supportPeriodHistory(q: Queryable, productId: string): Promise<SupportPeriodEvent[]> {
  return q.query(
    `SELECT event, to_char(end_date, 'YYYY-MM-DD') AS "endDate", to_char(previous_end_date, 'YYYY-MM-DD') AS "previousEndDate", at_least AS "atLeast", at
       FROM support_period_history WHERE product_id = $1 ORDER BY id`,
    [productId],
  );
}

function shortened(current: string, wanted: string): ConnectableError {
  return new ConnectableError(
    'CONNECTABLE_ERR_SUPPORT_PERIOD_SHORTENED',
    `The support period was published with the end date ${current}; it can be extended but never shortened (PSTI Schedule 1 §3). Choose ${current} or later.`,
    { lawId: 'psti.s1.3.4', fields: { endDate: `Choose ${current} or a later date.` } },
  );
}

/**
 * Saves the period as a draft, publishes it, or extends a published one. Shortening a published
 * period is refused here with a reason, and again by the database trigger should any other code
 * try; the database also writes the public history.
 */
export async function setSupportPeriod(db: Database, actor: Actor & { organisationId: string }, productId: string, input: unknown): Promise<SupportPeriod> {
  const wanted = parseInput(supportPeriodInput, input, 'The support period');
  try {
    return await db.transaction(async (tx) => {
      const product = await one<{ model_number: string }>(tx, 'SELECT model_number FROM products WHERE id = $1 AND organisation_id = $2 FOR UPDATE', [productId, actor.organisationId]);
      if (!product) throw notFound('That product');
      await tx.query(`SELECT set_config('connectable.actor', $1, true)`, [actor.label]);
      const current = await getSupportPeriod(tx, productId);
      if (current?.publishedAt && wanted.endDate < current.endDate) throw shortened(current.endDate, wanted.endDate);
      const publish = wanted.publish || Boolean(current?.publishedAt);
      await tx.query(
        `INSERT INTO support_periods (product_id, end_date, at_least, published_at) VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)
         ON CONFLICT (product_id) DO UPDATE SET end_date = EXCLUDED.end_date, at_least = EXCLUDED.at_least,
           published_at = coalesce(support_periods.published_at, EXCLUDED.published_at), updated_at = now()`,
        [productId, wanted.endDate, wanted.atLeast, publish],
      );
      const action = !publish ? 'support_period.draft_saved' : !current?.publishedAt ? 'support_period.published' : wanted.endDate > current.endDate ? 'support_period.extended' : 'support_period.updated';
      await recordAudit(tx, actor, action, { target: product.model_number, details: { endDate: wanted.endDate, atLeast: wanted.atLeast, previousEndDate: current?.endDate ?? null } });
      const saved = await getSupportPeriod(tx, productId);
      if (!saved) throw new Error('support period vanished');
      return saved;
    });
  } catch (e) {
    // The trigger's refusal, should a race slip past the check above, in the same words.
    if (e instanceof Error && e.message.includes('CONNECTABLE_ERR_SUPPORT_PERIOD_SHORTENED')) {
      const current = await getSupportPeriod(db, productId);
      throw shortened(current?.endDate ?? 'published', wanted.endDate);
    }
    throw e;
  }
}

export type SupportStatus = 'active' | 'ended';

/** Whole days from today (UTC) to the end date; negative once ended. */
export function daysLeft(endDate: string, today = new Date()): number {
  const end = Date.parse(`${endDate}T00:00:00Z`);
  const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Math.round((end - start) / 86_400_000);
}

export function longDate(iso: string): string {
  return new Date(`${iso}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** The sentence a buyer reads: plain English, no technical knowledge needed (psti.s1.3.2). */
export function supportStatement(period: Pick<SupportPeriod, 'endDate' | 'atLeast'>, today = new Date()): string {
  const when = longDate(period.endDate);
  if (daysLeft(period.endDate, today) < 0) return `Security updates for this device ended on ${when}.`;
  return `This device will receive security updates ${period.atLeast ? 'at least ' : ''}until ${when}.`;
}
