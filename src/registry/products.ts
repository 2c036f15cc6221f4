import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { invalidInput, notFound } from '../errors.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';
import { categoryIds } from './categories.ts';
import { parseGtin } from './gtin.ts';

export interface Product {
  id: string;
  slug: string;
  brand: string;
  name: string;
  modelNumber: string;
  category: string;
  markets: string[];
  hardwareRevisions: string[];
  firmwareVersions: string[];
  /** GTIN-14s. */
  gtins: string[];
}

/** "a, b; c" or ["a","b"] → ["a","b","c"]: forms send text, the API sends arrays. */
const list = (max: number, itemMax: number) =>
  z.preprocess(
    (v) =>
      (Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[,;\n]/) : v === undefined || v === null ? [] : v) as unknown,
    z
      .array(z.string().trim().max(itemMax, `Each entry has at most ${itemMax} characters.`))
      .transform((a) => [...new Set(a.filter((s) => s.length > 0))])
      .refine((a) => a.length <= max, `At most ${max} entries.`),
  );

const gtinList = list(50, 20).superRefine((gtins, ctx) => {
  for (const g of gtins) {
    const r = parseGtin(g);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
  }
});

export const productInput = z.object({
  brand: z.string().trim().min(1, 'Enter the brand shown on the box.').max(100, 'Use at most 100 characters.'),
  name: z.string().trim().min(1, 'Enter the product name buyers see.').max(200, 'Use at most 200 characters.'),
  modelNumber: z.string().trim().min(1, 'Enter the model number.').max(100, 'Use at most 100 characters.'),
  category: z.enum(categoryIds, { error: 'Choose a category from the list.' }),
  gtins: gtinList,
  markets: list(60, 2).pipe(z.array(z.string().regex(/^[A-Za-z]{2}$/, 'Use two-letter market codes such as GB, DE or US (EU for the whole Union).').transform((s) => s.toUpperCase()))),
  hardwareRevisions: list(50, 50),
  firmwareVersions: list(200, 50),
});

export type ProductInput = z.infer<typeof productInput>;

export function slugForProduct(brand: string, name: string, model: string): string {
  return `${brand} ${name} ${model}`
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '') || 'product';
}

const columns = `p.id, p.slug, p.brand, p.name, p.model_number AS "modelNumber", p.category, p.markets,
  p.hardware_revisions AS "hardwareRevisions", p.firmware_versions AS "firmwareVersions",
  coalesce((SELECT array_agg(g.gtin ORDER BY g.gtin) FROM product_gtins g WHERE g.product_id = p.id), '{}') AS gtins`;

async function storeGtins(tx: Queryable, productId: string, gtins: readonly string[]): Promise<void> {
  await tx.query('DELETE FROM product_gtins WHERE product_id = $1', [productId]);
  for (const g of gtins) {
    const gtin14 = parseGtin(g);
    if (!gtin14.ok) throw invalidInput(gtin14.reason, { gtins: gtin14.reason });
    const taken = await one<{ product_id: string }>(tx, 'SELECT product_id FROM product_gtins WHERE gtin = $1', [gtin14.gtin14]);
    if (taken) throw invalidInput(`GTIN ${g} is registered to another product already. A GTIN identifies one trade item.`, { gtins: `GTIN ${g} is in use by another product.` });
    await tx.query('INSERT INTO product_gtins (gtin, product_id) VALUES ($1, $2)', [gtin14.gtin14, productId]);
  }
}

export async function createProduct(db: Database, actor: Actor & { organisationId: string }, input: unknown): Promise<Product> {
  const p = parseInput(productInput, input, 'The product');
  return db.transaction(async (tx) => {
    if (await one(tx, 'SELECT 1 FROM products WHERE organisation_id = $1 AND model_number = $2', [actor.organisationId, p.modelNumber])) {
      throw invalidInput(`Your organisation has a product with model number ${p.modelNumber} already.`, { modelNumber: 'This model number is in use.' });
    }
    const base = slugForProduct(p.brand, p.name, p.modelNumber);
    let slug = base;
    for (let n = 2; await one(tx, 'SELECT 1 FROM products WHERE organisation_id = $1 AND slug = $2', [actor.organisationId, slug]); n++) slug = `${base}-${n}`;
    const row = await one<{ id: string }>(
      tx,
      `INSERT INTO products (organisation_id, slug, brand, name, model_number, category, markets, hardware_revisions, firmware_versions)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [actor.organisationId, slug, p.brand, p.name, p.modelNumber, p.category, p.markets, p.hardwareRevisions, p.firmwareVersions],
    );
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    await storeGtins(tx, row.id, p.gtins);
    await recordAudit(tx, actor, 'product.created', { target: p.modelNumber, details: { brand: p.brand, name: p.name, gtins: p.gtins } });
    const created = await getProduct(tx, actor.organisationId, row.id);
    if (!created) throw new Error('created product vanished');
    return created;
  });
}

export async function updateProduct(db: Database, actor: Actor & { organisationId: string }, productId: string, input: unknown): Promise<Product> {
  const p = parseInput(productInput, input, 'The product');
  return db.transaction(async (tx) => {
    const existing = await getProduct(tx, actor.organisationId, productId);
    if (!existing) throw notFound('That product');
    const clash = await one(tx, 'SELECT 1 FROM products WHERE organisation_id = $1 AND model_number = $2 AND id <> $3', [actor.organisationId, p.modelNumber, productId]);
    if (clash) throw invalidInput(`Your organisation has another product with model number ${p.modelNumber}.`, { modelNumber: 'This model number is in use.' });
    await tx.query(
      `UPDATE products SET brand = $1, name = $2, model_number = $3, category = $4, markets = $5, hardware_revisions = $6, firmware_versions = $7, updated_at = now()
        WHERE id = $8 AND organisation_id = $9`,
      [p.brand, p.name, p.modelNumber, p.category, p.markets, p.hardwareRevisions, p.firmwareVersions, productId, actor.organisationId],
    );
    await storeGtins(tx, productId, p.gtins);
    await recordAudit(tx, actor, 'product.updated', { target: p.modelNumber, details: { brand: p.brand, name: p.name, gtins: p.gtins } });
    const updated = await getProduct(tx, actor.organisationId, productId);
    if (!updated) throw new Error('updated product vanished');
    return updated;
  });
}

export async function getProduct(q: Queryable, organisationId: string, productId: string): Promise<Product | undefined> {
  return one(q, `SELECT ${columns} FROM products p WHERE p.organisation_id = $1 AND p.id = $2`, [organisationId, productId]);
}

export async function listProducts(q: Queryable, organisationId: string): Promise<Product[]> {
  return q.query(`SELECT ${columns} FROM products p WHERE p.organisation_id = $1 ORDER BY p.brand, p.name, p.model_number`, [organisationId]);
}
