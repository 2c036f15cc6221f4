import { notFound } from '../errors.ts';
import type { Queryable } from '../store/index.ts';

/** A product named by id or slug, within one organisation only; anything else is "not found". */
export async function resolveProductRef(q: Queryable, organisationId: string, ref: string): Promise<string> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
  const rows = await q.query<{ id: string }>(
    isUuid ? 'SELECT id FROM products WHERE organisation_id = $1 AND id = $2' : 'SELECT id FROM products WHERE organisation_id = $1 AND slug = $2',
    [organisationId, ref.slice(0, 100)],
  );
  const id = rows[0]?.id;
  if (!id) throw notFound('That product');
  return id;
}
