import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { invalidInput, notFound } from '../errors.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';

// Which registry products a report affects, and from which version to which fix. The registry
// knows each product's released firmware versions, so a range names the releases it covers.

const segments = (v: string): (number | string)[] => v.split(/[.\-+_]/).map((s) => (/^\d+$/.test(s) ? Number(s) : s.toLowerCase()));

/** Orders versions by their dotted segments, numbers as numbers ("1.10" after "1.9"). */
export function compareVersions(a: string, b: string): number {
  const x = segments(a.replace(/^v/i, ''));
  const y = segments(b.replace(/^v/i, ''));
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    // "1.0.0-rc1" is a candidate for "1.0.0", so a trailing word sorts before the end.
    if (p === undefined) return typeof q === 'string' ? 1 : -1;
    if (q === undefined) return typeof p === 'string' ? -1 : 1;
    if (p === q) continue;
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    // A number sorts after a word ("1.0.0" after "1.0.rc1") as releases follow their candidates.
    if (typeof p === 'number') return 1;
    if (typeof q === 'number') return -1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/** Whether a version is in [introduced, fixed): '' means "from the first" / "not fixed yet". */
export function inRange(version: string, introduced: string, fixed: string): boolean {
  return (introduced === '' || compareVersions(version, introduced) >= 0) && (fixed === '' || compareVersions(version, fixed) < 0);
}

export function describeRange(introduced: string, fixed: string): string {
  if (!introduced && !fixed) return 'all versions (no fix yet)';
  if (!fixed) return `${introduced} and later (no fix yet)`;
  if (!introduced) return `before ${fixed}`;
  return `${introduced} up to, not including, ${fixed}`;
}

const version = z
  .string()
  .trim()
  .max(60, 'Use at most 60 characters.')
  .regex(/^([0-9A-Za-z][0-9A-Za-z._+-]*)?$/, 'Use a version such as 2.4.1 (letters, digits, dots, dashes).')
  .default('');

export const affectedInput = z.object({
  productId: z.uuid({ error: 'Choose a product from the registry.' }),
  introduced: version,
  fixed: version,
});

export interface AffectedProduct {
  productId: string;
  product: string;
  vendor: string;
  name: string;
  modelNumber: string;
  introduced: string;
  fixed: string;
  /** The registry's released versions that fall in the range. */
  affectedReleases: string[];
}

export async function listAffected(q: Queryable, reportId: string): Promise<AffectedProduct[]> {
  const rows = await q.query<{ product_id: string; brand: string; name: string; model_number: string; introduced: string; fixed: string; firmware_versions: string[] }>(
    `SELECT a.product_id, p.brand, p.name, p.model_number, a.introduced, a.fixed, p.firmware_versions
       FROM report_affected_products a JOIN products p ON p.id = a.product_id WHERE a.report_id = $1 ORDER BY p.brand, p.name`,
    [reportId],
  );
  return rows.map((r) => ({
    productId: r.product_id,
    product: `${r.brand} ${r.name} (${r.model_number})`,
    vendor: r.brand,
    name: r.name,
    modelNumber: r.model_number,
    introduced: r.introduced,
    fixed: r.fixed,
    affectedReleases: r.firmware_versions.filter((v) => inRange(v, r.introduced, r.fixed)).sort(compareVersions),
  }));
}

/** Records (or changes) one affected product and its version range on a report. */
export async function setAffected(db: Database, actor: Actor & { organisationId: string }, reportId: string, input: unknown): Promise<void> {
  const a = parseInput(affectedInput, input, 'The affected product');
  if (a.introduced && a.fixed && compareVersions(a.introduced, a.fixed) >= 0) {
    throw invalidInput('The fixed version must come after the first affected version.', { fixed: `Give a version after ${a.introduced}, or leave it empty if there is no fix yet.` });
  }
  await db.transaction(async (tx) => {
    const r = await one<{ reference: string }>(tx, 'SELECT reference FROM vulnerability_reports WHERE id = $1 AND organisation_id = $2', [reportId, actor.organisationId]);
    if (!r) throw notFound('That report');
    if (!(await one(tx, 'SELECT 1 FROM products WHERE id = $1 AND organisation_id = $2', [a.productId, actor.organisationId]))) {
      throw invalidInput('That product is not in your registry.', { productId: 'Choose one of your products.' });
    }
    await tx.query(
      `INSERT INTO report_affected_products (report_id, product_id, introduced, fixed) VALUES ($1, $2, $3, $4)
       ON CONFLICT (report_id, product_id) DO UPDATE SET introduced = EXCLUDED.introduced, fixed = EXCLUDED.fixed`,
      [reportId, a.productId, a.introduced, a.fixed],
    );
    await tx.query('INSERT INTO report_events (report_id, event, actor, details) VALUES ($1, $2, $3, $4)', [reportId, 'affected_set', actor.label, JSON.stringify(a)]);
    await recordAudit(tx, actor, 'report.affected_set', { target: r.reference, details: a });
  });
}

export async function removeAffected(db: Database, actor: Actor & { organisationId: string }, reportId: string, productId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const r = await one<{ reference: string }>(tx, 'SELECT reference FROM vulnerability_reports WHERE id = $1 AND organisation_id = $2', [reportId, actor.organisationId]);
    if (!r) throw notFound('That report');
    const removed = await tx.query('DELETE FROM report_affected_products WHERE report_id = $1 AND product_id::text = $2 RETURNING 1', [reportId, productId]);
    if (removed.length === 0) throw notFound('That affected product');
    await tx.query('INSERT INTO report_events (report_id, event, actor, details) VALUES ($1, $2, $3, $4)', [reportId, 'affected_removed', actor.label, JSON.stringify({ productId })]);
    await recordAudit(tx, actor, 'report.affected_removed', { target: r.reference, details: { productId } });
  });
}
