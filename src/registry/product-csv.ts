import type { Readable } from 'node:stream';
import type { Actor } from '../audit/index.ts';
import { isConnectableError } from '../errors.ts';
import { csvLine } from '../output/csv.ts';
import { readBatch } from '../passwords/index.ts';
import type { Database } from '../store/index.ts';
import { createProduct, listProducts, updateProduct } from './products.ts';
import { getSupportPeriod, setSupportPeriod } from './support-periods.ts';

// The product list as CSV, for makers who keep products in a spreadsheet or a PIM. Export and
// import use the same columns, so an exported file can be edited and imported back.

export const productCsvColumns = [
  'brand',
  'name',
  'model_number',
  'category',
  'gtins',
  'markets',
  'hardware_revisions',
  'firmware_versions',
  'support_end_date',
  'support_at_least',
  'support_published',
] as const;

export async function exportProductsCsv(db: Database, organisationId: string): Promise<string> {
  const products = await listProducts(db, organisationId);
  let out = csvLine(productCsvColumns);
  for (const p of products) {
    const period = await getSupportPeriod(db, p.id);
    out += csvLine([
      p.brand,
      p.name,
      p.modelNumber,
      p.category,
      p.gtins.join(' '),
      p.markets.join(' '),
      p.hardwareRevisions.join('; '),
      p.firmwareVersions.join('; '),
      period?.endDate ?? '',
      period ? String(period.atLeast) : '',
      period?.publishedAt ? 'yes' : period ? 'no' : '',
    ]);
  }
  return out;
}

export interface ImportLine {
  line: number;
  modelNumber: string;
  outcome: 'created' | 'updated' | 'rejected';
  message: string;
}

const yes = (v: string | undefined): boolean => /^(yes|y|true|1)$/i.test((v ?? '').trim());

/**
 * Creates or updates products by model number, row by row: a bad row is rejected with its line
 * and reason, and changes nothing, while the good rows are saved.
 */
export async function importProductsCsv(db: Database, actor: Actor & { organisationId: string }, source: Readable): Promise<ImportLine[]> {
  const results: ImportLine[] = [];
  const batch = readBatch(source, 'csv', (p) => results.push({ line: p.line, modelNumber: '', outcome: 'rejected', message: p.message }));
  const existing = new Map((await listProducts(db, actor.organisationId)).map((p) => [p.modelNumber, p.id]));
  let rows = 0;
  for await (const slice of batch.slices) {
    for (const row of slice) {
      if (++rows > 10_000) {
        results.push({ line: row.line, modelNumber: '', outcome: 'rejected', message: 'Import at most 10,000 products at a time; split the file.' });
        return results;
      }
      const v = row.values;
      const modelNumber = (v['model_number'] ?? '').trim();
      const input = {
        brand: v['brand'],
        name: v['name'],
        modelNumber,
        category: v['category'],
        gtins: v['gtins']?.split(/[\s,;]+/) ?? [],
        markets: v['markets']?.split(/[\s,;]+/) ?? [],
        hardwareRevisions: v['hardware_revisions'],
        firmwareVersions: v['firmware_versions'],
      };
      try {
        const id = existing.get(modelNumber);
        const product = id ? await updateProduct(db, actor, id, input) : await createProduct(db, actor, input);
        existing.set(product.modelNumber, product.id);
        const end = (v['support_end_date'] ?? '').trim();
        let message = '';
        if (end) {
          try {
            await setSupportPeriod(db, actor, product.id, { endDate: end, atLeast: yes(v['support_at_least']), publish: yes(v['support_published']) });
            message = `support period until ${end}${yes(v['support_published']) ? ', published' : ', draft'}`;
          } catch (e) {
            if (!isConnectableError(e)) throw e;
            results.push({ line: row.line, modelNumber, outcome: 'rejected', message: `The product was saved, but not its support period: ${e.message}` });
            continue;
          }
        }
        results.push({ line: row.line, modelNumber, outcome: id ? 'updated' : 'created', message });
      } catch (e) {
        if (!isConnectableError(e)) throw e;
        results.push({ line: row.line, modelNumber, outcome: 'rejected', message: e.message });
      }
    }
  }
  if (rows === 0 && !results.length) {
    results.push({ line: 1, modelNumber: '', outcome: 'rejected', message: `The file has no products. Use a header line with these columns: ${productCsvColumns.join(',')}.` });
  }
  return results;
}
