import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { invalidInput } from '../errors.ts';
import { one, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';

export interface Product {
  id: string;
  name: string;
  modelNumber: string;
  gtin: string | null;
}

/** GS1 check digit (mod 10, weights 3 and 1 from the right) over a GTIN-8/12/13/14. */
export function gtinIsValid(gtin: string): boolean {
  if (!/^(\d{8}|\d{12,14})$/.test(gtin)) return false;
  const digits = [...gtin].map(Number);
  const check = digits.pop() ?? 0;
  const sum = digits.reverse().reduce((s, d, i) => s + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

export const productInput = z.object({
  name: z.string().trim().min(1, 'Enter the product name shown to buyers.').max(200, 'Use at most 200 characters.'),
  modelNumber: z.string().trim().min(1, 'Enter the model number.').max(100, 'Use at most 100 characters.'),
  gtin: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || gtinIsValid(v), 'A GTIN has 8, 12, 13 or 14 digits and a valid check digit.'),
});

const columns = `id, name, model_number AS "modelNumber", gtin`;

export async function createProduct(q: Queryable, actor: Actor & { organisationId: string }, input: unknown): Promise<Product> {
  const p = parseInput(productInput, input, 'The product');
  const row = await one<Product & Record<string, unknown>>(
    q,
    `INSERT INTO products (organisation_id, name, model_number, gtin) VALUES ($1, $2, $3, $4)
     ON CONFLICT (organisation_id, model_number) DO NOTHING RETURNING ${columns}`,
    [actor.organisationId, p.name, p.modelNumber, p.gtin ?? null],
  );
  if (!row) throw invalidInput(`Your organisation has a product with model number ${p.modelNumber} already.`, { modelNumber: 'This model number is in use.' });
  await recordAudit(q, actor, 'product.created', { target: p.modelNumber, details: { name: p.name, gtin: p.gtin ?? null } });
  return row;
}

export async function listProducts(q: Queryable, organisationId: string): Promise<Product[]> {
  return q.query(`SELECT ${columns} FROM products WHERE organisation_id = $1 ORDER BY name, model_number`, [organisationId]);
}
