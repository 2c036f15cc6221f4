import type { Readable } from 'node:stream';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { invalidInput, notFound } from '../errors.ts';
import { enqueueEmail } from '../mail/index.ts';
import { readBatch, type BatchProblem } from '../passwords/index.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';
import { parseGtin } from './gtin.ts';
import { longDate } from './support-periods.ts';

// A retailer's saved catalogue: the GTINs it sells, watched daily. The retailer is e-mailed when a
// product's support is about to end, has been extended, or has newly been published.

export const MAX_WATCHED = 100_000;

export const watchlistInput = z.object({
  name: z.string().trim().min(1, 'Name the catalogue, e.g. "Smart home range".').max(200, 'Use at most 200 characters.'),
  notifyEmail: z.string().trim().toLowerCase().pipe(z.email({ error: 'Enter the e-mail address to notify, e.g. buying@example.com.' })),
  withinDays: z.coerce.number({ error: 'Enter a number of days.' }).int('Enter a whole number of days.').min(1, 'At least 1 day.').max(3650, 'At most 3,650 days (ten years).'),
});

export interface Watchlist {
  id: string;
  name: string;
  notifyEmail: string;
  withinDays: number;
  items: number;
  createdAt: Date;
}

const GTIN_COLUMNS = ['gtin', 'gtin14', 'gtin13', 'ean', 'ean13', 'upc', 'barcode'];
const REFERENCE_COLUMNS = ['sku', 'reference', 'ref', 'article', 'item'];

/** Saves a catalogue to watch; unreadable rows and bad GTINs are reported by line and skipped. */
export async function createWatchlist(
  db: Database,
  actor: Actor & { organisationId: string },
  input: unknown,
  csv: Readable,
): Promise<{ watchlist: Watchlist; skipped: BatchProblem[] }> {
  const w = parseInput(watchlistInput, input, 'The saved catalogue');
  const skipped: BatchProblem[] = [];
  const batch = readBatch(csv, 'csv', (p) => skipped.push(p));
  const items = new Map<string, string>();
  for await (const slice of batch.slices) {
    const columns = batch.columns();
    const gtinColumn = GTIN_COLUMNS.find((c) => columns.includes(c));
    if (!gtinColumn) throw invalidInput(`The catalogue needs a GTIN column (gtin, ean, upc or barcode). Columns found: ${columns.join(', ')}.`, { csv: 'No GTIN column.' });
    const referenceColumn = REFERENCE_COLUMNS.find((c) => columns.includes(c));
    for (const row of slice) {
      const g = parseGtin(row.values[gtinColumn] ?? '');
      if (!g.ok) {
        skipped.push({ line: row.line, message: g.reason });
        continue;
      }
      items.set(g.gtin14, referenceColumn ? (row.values[referenceColumn] ?? '') : '');
      if (items.size > MAX_WATCHED) throw invalidInput(`A saved catalogue holds at most ${MAX_WATCHED.toLocaleString('en-GB')} products; split the file.`, { csv: 'Too many rows.' });
    }
  }
  if (!items.size) throw invalidInput('The catalogue has no valid GTIN: paste a CSV with a header line and a gtin column.', { csv: 'No valid GTIN.' });
  const watchlist = await db.transaction(async (tx) => {
    const row = await one<{ id: string; created_at: Date }>(
      tx,
      'INSERT INTO watchlists (organisation_id, name, notify_email, within_days) VALUES ($1, $2, $3, $4) RETURNING id, created_at',
      [actor.organisationId, w.name, w.notifyEmail, w.withinDays],
    );
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    const gtins = [...items.keys()];
    for (let i = 0; i < gtins.length; i += 5000) {
      const part = gtins.slice(i, i + 5000);
      // Start from what is published today, so the first alert is about a change, not the status quo.
      await tx.query(
        `INSERT INTO watchlist_items (watchlist_id, gtin, reference, known_end_date)
         SELECT $1, t.gtin, t.reference, s.end_date
           FROM unnest($2::text[], $3::text[]) AS t(gtin, reference)
           LEFT JOIN product_gtins g ON g.gtin = t.gtin
           LEFT JOIN support_periods s ON s.product_id = g.product_id AND s.published_at IS NOT NULL`,
        [row.id, part, part.map((g) => items.get(g) ?? '')],
      );
    }
    await recordAudit(tx, actor, 'watchlist.created', { target: w.name, details: { items: items.size, notifyEmail: w.notifyEmail, withinDays: w.withinDays } });
    return { id: row.id, name: w.name, notifyEmail: w.notifyEmail, withinDays: w.withinDays, items: items.size, createdAt: row.created_at };
  });
  return { watchlist, skipped };
}

export async function listWatchlists(q: Queryable, organisationId: string): Promise<Watchlist[]> {
  return q.query(
    `SELECT w.id, w.name, w.notify_email AS "notifyEmail", w.within_days AS "withinDays", w.created_at AS "createdAt",
            (SELECT count(*)::int FROM watchlist_items i WHERE i.watchlist_id = w.id) AS items
       FROM watchlists w WHERE w.organisation_id = $1 ORDER BY w.created_at DESC`,
    [organisationId],
  );
}

export async function deleteWatchlist(db: Database, actor: Actor & { organisationId: string }, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const rows = await tx.query<{ name: string }>('DELETE FROM watchlists WHERE id = $1 AND organisation_id = $2 RETURNING name', [id, actor.organisationId]);
    if (!rows[0]) throw notFound('That saved catalogue');
    await recordAudit(tx, actor, 'watchlist.deleted', { target: rows[0].name });
  });
}

interface Change {
  watchlist_id: string;
  name: string;
  notify_email: string;
  organisation_id: string;
  gtin: string;
  reference: string;
  product: string;
  end_date: string;
  known_end_date: string | null;
  kind: 'extended' | 'published' | 'ending';
}

/**
 * One pass of the daily watch: finds what changed for every saved catalogue, queues one digest
 * e-mail per catalogue, and records what was told. Returns the number of e-mails queued.
 */
export async function watchCatalogues(db: Database, today = new Date()): Promise<number> {
  const day = today.toISOString().slice(0, 10);
  return db.transaction(async (tx) => {
    const changes = await tx.query<Change>(
      `SELECT w.id AS watchlist_id, w.name, w.notify_email, w.organisation_id, i.gtin, i.reference,
              p.brand || ' ' || p.name || ' (' || p.model_number || ')' AS product,
              to_char(s.end_date, 'YYYY-MM-DD') AS end_date, to_char(i.known_end_date, 'YYYY-MM-DD') AS known_end_date,
              CASE WHEN i.known_end_date IS NULL THEN 'published'
                   WHEN s.end_date > i.known_end_date THEN 'extended'
                   ELSE 'ending' END AS kind
         FROM watchlist_items i
         JOIN watchlists w ON w.id = i.watchlist_id
         JOIN product_gtins g ON g.gtin = i.gtin
         JOIN products p ON p.id = g.product_id
         JOIN support_periods s ON s.product_id = p.id AND s.published_at IS NOT NULL
        WHERE i.known_end_date IS NULL
           OR s.end_date > i.known_end_date
           OR (s.end_date >= $1::date AND s.end_date <= $1::date + w.within_days AND i.warned_ending IS DISTINCT FROM s.end_date)
        ORDER BY w.id, s.end_date, i.gtin`,
      [day],
    );
    const byList = new Map<string, Change[]>();
    for (const c of changes) byList.set(c.watchlist_id, [...(byList.get(c.watchlist_id) ?? []), c]);
    for (const [id, list] of byList) {
      const first = list[0];
      if (!first) continue;
      const line = (c: Change): string => {
        const ref = c.reference ? ` [${c.reference}]` : '';
        if (c.kind === 'extended') return `- ${c.product}${ref}: support EXTENDED from ${longDate(c.known_end_date ?? c.end_date)} to ${longDate(c.end_date)}.`;
        if (c.kind === 'published') return `- ${c.product}${ref}: support period now published, until ${longDate(c.end_date)}.`;
        return `- ${c.product}${ref}: security updates END on ${longDate(c.end_date)}.`;
      };
      await enqueueEmail(tx, {
        organisationId: first.organisation_id,
        to: first.notify_email,
        subject: `Support period changes in "${first.name}" (${list.length} product${list.length > 1 ? 's' : ''})`,
        text: `Changes to the security-update support periods of products in your saved catalogue "${first.name}":\n\n${list.map(line).join('\n')}\n\nProducts whose support has ended no longer receive security updates; under the PSTI regime, their support period must be shown at the point of sale.\n`,
      });
      await tx.query(
        `UPDATE watchlist_items i SET known_end_date = s.end_date,
                warned_ending = CASE WHEN s.end_date >= $2::date AND s.end_date <= $2::date + w.within_days THEN s.end_date ELSE i.warned_ending END
           FROM watchlists w, product_gtins g, support_periods s
          WHERE i.watchlist_id = $1 AND w.id = i.watchlist_id AND g.gtin = i.gtin AND s.product_id = g.product_id AND s.published_at IS NOT NULL
            AND i.gtin = ANY($3::text[])`,
        [id, day, list.map((c) => c.gtin)],
      );
    }
    return byList.size;
  });
}
