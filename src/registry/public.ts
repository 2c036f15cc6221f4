import { one, type Queryable } from '../store/index.ts';
import { categoryOf } from './categories.ts';
import { daysLeft, supportStatement, type SupportPeriodEvent } from './support-periods.ts';

// What anyone may see: products whose support period the maker has published. Drafts and
// unpublished products are the maker's own business until then.

export interface PublicProduct {
  maker: { name: string; slug: string; securityContactUrl: string | null };
  slug: string;
  brand: string;
  name: string;
  modelNumber: string;
  category: string;
  categoryLabel: string;
  /** The law does not apply to this category (Schedule 3), with why. */
  excepted: string | null;
  gtins: string[];
  supportPeriod: {
    endDate: string;
    atLeast: boolean;
    publishedAt: Date;
    status: 'active' | 'ended';
    daysLeft: number;
    statement: string;
  };
}

interface Row {
  maker_name: string;
  maker_slug: string;
  security_contact_url: string | null;
  product_id: string;
  slug: string;
  brand: string;
  name: string;
  model_number: string;
  category: string;
  gtins: string[];
  end_date: string;
  at_least: boolean;
  published_at: Date;
}

const select = `SELECT o.name AS maker_name, o.slug AS maker_slug, o.security_contact_url, p.id AS product_id, p.slug, p.brand, p.name,
    p.model_number, p.category,
    coalesce((SELECT array_agg(g.gtin ORDER BY g.gtin) FROM product_gtins g WHERE g.product_id = p.id), '{}') AS gtins,
    to_char(s.end_date, 'YYYY-MM-DD') AS end_date, s.at_least, s.published_at
  FROM products p JOIN organisations o ON o.id = p.organisation_id
  JOIN support_periods s ON s.product_id = p.id AND s.published_at IS NOT NULL`;

export function toPublic(r: Row, today = new Date()): PublicProduct {
  const category = categoryOf(r.category);
  const left = daysLeft(r.end_date, today);
  return {
    maker: { name: r.maker_name, slug: r.maker_slug, securityContactUrl: r.security_contact_url },
    slug: r.slug,
    brand: r.brand,
    name: r.name,
    modelNumber: r.model_number,
    category: r.category,
    categoryLabel: category?.label ?? r.category,
    excepted: category?.excepted ?? null,
    gtins: r.gtins,
    supportPeriod: {
      endDate: r.end_date,
      atLeast: r.at_least,
      publishedAt: r.published_at,
      status: left < 0 ? 'ended' : 'active',
      daysLeft: left,
      statement: supportStatement({ endDate: r.end_date, atLeast: r.at_least }, today),
    },
  };
}

export async function publicProductByGtin(q: Queryable, gtin14: string): Promise<(PublicProduct & { productId: string }) | undefined> {
  const r = await one<Row>(q, `${select} WHERE p.id = (SELECT product_id FROM product_gtins WHERE gtin = $1)`, [gtin14]);
  return r && { ...toPublic(r), productId: r.product_id };
}

export async function publicProductBySlug(q: Queryable, makerSlug: string, productSlug: string): Promise<(PublicProduct & { productId: string }) | undefined> {
  const r = await one<Row>(q, `${select} WHERE o.slug = $1 AND p.slug = $2`, [makerSlug, productSlug]);
  return r && { ...toPublic(r), productId: r.product_id };
}

export async function publicProductByModel(q: Queryable, makerSlug: string, modelNumber: string): Promise<PublicProduct | undefined> {
  const r = await one<Row>(q, `${select} WHERE o.slug = $1 AND lower(p.model_number) = lower($2)`, [makerSlug, modelNumber]);
  return r && toPublic(r);
}

export async function publicProductsOfMaker(q: Queryable, makerSlug: string): Promise<PublicProduct[]> {
  const rows = await q.query<Row>(`${select} WHERE o.slug = $1 ORDER BY p.brand, p.name, p.model_number`, [makerSlug]);
  return rows.map((r) => toPublic(r));
}

/** Every public product, a page at a time by product id, for exports and aggregators. */
export async function* allPublicProducts(q: Queryable, pageSize = 1000): AsyncGenerator<PublicProduct[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await q.query<Row>(`${select} WHERE p.id > $1 ORDER BY p.id LIMIT $2`, [after, pageSize]);
    if (!rows.length) return;
    yield rows.map((r) => toPublic(r));
    after = rows.at(-1)?.product_id ?? after;
  }
}

export async function publicHistory(q: Queryable, productId: string): Promise<SupportPeriodEvent[]> {
  return q.query(
    `SELECT event, to_char(end_date, 'YYYY-MM-DD') AS "endDate", to_char(previous_end_date, 'YYYY-MM-DD') AS "previousEndDate", at_least AS "atLeast", at
       FROM support_period_history WHERE product_id = $1 ORDER BY id`,
    [productId],
  );
}
