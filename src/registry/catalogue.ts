import { Readable, Transform } from 'node:stream';
import { ConnectableError } from '../errors.ts';
import { readBatch, type BatchProblem, type BatchRow } from '../passwords/index.ts';
import type { Queryable } from '../store/index.ts';
import { parseGtin } from './gtin.ts';
import { toPublic, type PublicProduct } from './public.ts';

// A retailer's or a regulator's whole catalogue, checked at once: for each row (a GTIN, or a
// maker and a model number) whether a support period is published, when it ends, and whether it
// has ended or ends soon. Only published periods are ever looked at, so the answer for a draft or
// an unpublished product is "not found", exactly as for a product nobody registered.

export const catalogueStatuses = ['published', 'ending-soon', 'ended', 'not-found', 'invalid-gtin', 'unreadable'] as const;
export type CatalogueStatus = (typeof catalogueStatuses)[number];

export const catalogueStatusLabels: Record<CatalogueStatus, string> = {
  published: 'Published',
  'ending-soon': 'Ending soon',
  ended: 'Ended',
  'not-found': 'Not found',
  'invalid-gtin': 'Invalid GTIN',
  unreadable: 'Unreadable',
};

/** Statuses that fail a check: the product cannot be shown as supported, or the row is wrong. */
export const failingStatuses: readonly CatalogueStatus[] = ['ended', 'not-found', 'invalid-gtin', 'unreadable'];

export interface CatalogueInput {
  gtin?: string;
  maker?: string;
  model?: string;
  /** The retailer's own identifier (SKU), echoed back so results join onto their systems. */
  reference?: string;
}

export interface CatalogueEntry {
  /** The line of the file (CSV and JSON Lines) or the position in a JSON list, from 1. */
  line: number;
  input: CatalogueInput;
  status: CatalogueStatus;
  endDate?: string;
  atLeast?: boolean;
  /** Whole days from the check date to the end date; negative once ended. */
  daysLeft?: number;
  productUrl?: string;
  product?: { maker: string; brand: string; name: string; modelNumber: string };
  message: string;
}

export interface CatalogueColumns {
  gtin?: string;
  maker?: string;
  model?: string;
  reference?: string;
}

export interface CatalogueResult {
  /** The date (UTC) the periods were compared against, YYYY-MM-DD. */
  checkedOn: string;
  withinDays: number;
  /** The columns of the file each role was read from. */
  columns: CatalogueColumns;
  summary: { rows: number; byStatus: Record<CatalogueStatus, number> };
  entries: CatalogueEntry[];
}

export interface CatalogueLimits {
  maxRows: number;
  maxBytes: number;
}

// Enough for the whole range of a large retailer, small enough that one request stays a few
// seconds of work and a few tens of megabytes of memory.
export const catalogueLimits: CatalogueLimits = { maxRows: 100_000, maxBytes: 20 * 1024 * 1024 };

export const MAX_WITHIN_DAYS = 3650;
export const DEFAULT_WITHIN_DAYS = 180;

export interface CatalogueOptions {
  /** A period ending within this many days is "ending soon". */
  withinDays: number;
  today?: Date;
  /** The reader's problems; read after each slice, so the array may grow while rows are read. */
  problems?: readonly BatchProblem[];
  /** The header, when the rows come from a file; otherwise the keys of the first rows. */
  columns?: () => string[];
  /** The public address of a product's page, when the caller knows where pages are served. */
  productUrl?: (product: PublicProduct) => string;
  limits?: Partial<CatalogueLimits>;
}

const count = (n: number): string => n.toLocaleString('en-GB');

export function tooManyRows(maxRows = catalogueLimits.maxRows): ConnectableError {
  return new ConnectableError(
    'CONNECTABLE_ERR_INVALID_INPUT',
    `The catalogue has more than ${count(maxRows)} rows, the most one check takes. Split it into files of at most ${count(maxRows)} rows and check each.`,
  );
}

export function tooLarge(maxBytes = catalogueLimits.maxBytes): ConnectableError {
  return new ConnectableError(
    'CONNECTABLE_ERR_INVALID_INPUT',
    `The catalogue is larger than ${Math.round(maxBytes / 2 ** 20)} MB, the most one check takes. Split it into smaller files, or leave out columns other than the GTIN, maker, model and SKU.`,
  );
}

// Header names people use for each role, after normaliseColumn (lowercase, "_" for spaces).
const columnPatterns: Record<keyof CatalogueColumns, RegExp[]> = {
  gtin: [/^(gtin|ean|upc|barcode|bar_code)$/, /^(gtin|ean|upc)_?(8|12|13|14)$/, /^(gtin|ean|upc|barcode)_?(code|number|no)$/],
  maker: [/^(maker|manufacturer)(_?name)?$/, /^(brand|vendor)(_?name)?$/],
  model: [/^(model|model_number|model_no|model_code|mpn)$/, /^(manufacturer_part_number|part_number)$/],
  reference: [/^(sku|reference|ref)$/, /^(retailer_sku|your_sku|item_code|article_number|sku_code)$/],
};

/** Picks each role's column from a header; earlier patterns win over later ones. */
export function catalogueColumns(header: readonly string[]): CatalogueColumns {
  const found: CatalogueColumns = {};
  for (const role of Object.keys(columnPatterns) as (keyof CatalogueColumns)[]) {
    for (const pattern of columnPatterns[role]) {
      const name = header.find((h) => pattern.test(h));
      if (name !== undefined) {
        found[role] = name;
        break;
      }
    }
  }
  return found;
}

function unrecognised(header: readonly string[]): ConnectableError {
  const found = header.filter(Boolean);
  // Spreadsheets set to a European locale separate CSV fields with semicolons.
  const separator = found.some((h) => h.includes(';')) ? ' The fields look separated by semicolons: save the file with commas.' : '';
  return new ConnectableError(
    'CONNECTABLE_ERR_INVALID_INPUT',
    `The catalogue needs a header line with a GTIN column (gtin, ean, upc or barcode), or maker and model columns (maker, manufacturer or brand; model, model_number or mpn). Columns found: ${found.length ? found.slice(0, 20).join(', ') : 'none'}.${separator}`,
  );
}

function notCsv(what: string): ConnectableError {
  return new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `${what} Save the catalogue as CSV (UTF-8), with a header line, and check it again.`);
}

/** Says what a file that is not text most likely is, from its first bytes. */
function binaryKind(head: Buffer): string | undefined {
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return 'This is a ZIP archive or a spreadsheet (XLSX or ODS), not CSV.';
  if (head.subarray(0, 8).equals(Buffer.from('d0cf11e0a1b11ae1', 'hex'))) return 'This is an old Excel workbook (XLS), not CSV.';
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'This is a PDF, not CSV.';
  if (head.includes(0)) return 'This file holds binary data, not CSV text.';
  return undefined;
}

export interface CatalogueSource {
  slices: AsyncIterable<BatchRow[]>;
  columns(): string[];
  /** Rows that could not be read; fills while the slices are read. */
  problems: BatchProblem[];
}

/**
 * Reads a catalogue from CSV (or JSON Lines) bytes, refusing binary files and anything beyond
 * the byte limit as it streams, so an oversized upload is stopped without being held whole.
 */
export function readCatalogue(input: Readable | Buffer | string, options: { format?: 'csv' | 'jsonl'; maxBytes?: number } = {}): CatalogueSource {
  const maxBytes = options.maxBytes ?? catalogueLimits.maxBytes;
  const source = typeof input === 'string' || Buffer.isBuffer(input) ? Readable.from([Buffer.isBuffer(input) ? input : Buffer.from(input)]) : input;
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer | string, _encoding, done) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      if (seen === 0) {
        const kind = binaryKind(bytes.subarray(0, 4096));
        if (kind) return done(notCsv(kind));
      }
      seen += bytes.length;
      if (seen > maxBytes) return done(tooLarge(maxBytes));
      done(null, bytes);
    },
  });
  source.on('error', (e) => guard.destroy(e));
  const problems: BatchProblem[] = [];
  const batch = readBatch(source.pipe(guard), options.format ?? 'csv', (p) => problems.push(p));
  return { slices: batch.slices, columns: batch.columns, problems };
}

/** Rows given as objects (the JSON API), as the reader would give them from a file. */
export function catalogueRowsFrom(rows: readonly CatalogueInput[]): CatalogueSource {
  const slices: BatchRow[][] = [];
  for (let i = 0; i < rows.length; i += 4096) {
    slices.push(
      rows.slice(i, i + 4096).map((r, j) => {
        const values: Record<string, string> = {};
        for (const key of ['gtin', 'maker', 'model', 'reference'] as const) {
          const v = r[key];
          if (v !== undefined) values[key] = v;
        }
        return { line: i + j + 1, values };
      }),
    );
  }
  return { slices: toAsync(slices), columns: () => ['gtin', 'maker', 'model', 'reference'], problems: [] };
}

async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

// The columns public.ts shows for a public product, with the key that was looked up in front.
type PublicRow = Parameters<typeof toPublic>[0];
const publicColumns = `o.name AS maker_name, o.slug AS maker_slug, o.security_contact_url, p.id AS product_id, p.slug, p.brand, p.name,
    p.model_number, p.category,
    coalesce((SELECT array_agg(g2.gtin ORDER BY g2.gtin) FROM product_gtins g2 WHERE g2.product_id = p.id), '{}') AS gtins,
    to_char(s.end_date, 'YYYY-MM-DD') AS end_date, s.at_least, s.published_at`;

/** Up to this many keys go into one query: large enough to be quick, small enough for any driver. */
const LOOKUP_SLICE = 1000;

async function publishedByGtin(q: Queryable, gtin14s: readonly string[]): Promise<Map<string, PublicRow>> {
  const rows = await q.query<PublicRow & { looked_up: string }>(
    `SELECT g.gtin AS looked_up, ${publicColumns}
       FROM product_gtins g
       JOIN products p ON p.id = g.product_id
       JOIN organisations o ON o.id = p.organisation_id
       JOIN support_periods s ON s.product_id = p.id AND s.published_at IS NOT NULL
      WHERE g.gtin = ANY($1::text[])`,
    [gtin14s],
  );
  return new Map(rows.map((r) => [r.looked_up, r]));
}

/**
 * Maker and model pairs, both already lower-cased. The maker may be given as the organisation's
 * public slug, its name, or the brand on the box; a match on the organisation wins over a match
 * on a brand, should two makers sell the same model under one brand name.
 */
async function publishedByModel(q: Queryable, pairs: readonly (readonly [string, string])[]): Promise<Map<string, PublicRow>> {
  const rows = await q.query<PublicRow & { key_maker: string; key_model: string }>(
    `SELECT k.maker AS key_maker, k.model AS key_model, ${publicColumns}
       FROM unnest($1::text[], $2::text[]) AS k (maker, model)
       JOIN products p ON lower(p.model_number) = k.model
       JOIN organisations o ON o.id = p.organisation_id AND (o.slug = k.maker OR lower(o.name) = k.maker OR lower(p.brand) = k.maker)
       JOIN support_periods s ON s.product_id = p.id AND s.published_at IS NOT NULL
      ORDER BY CASE WHEN o.slug = k.maker OR lower(o.name) = k.maker THEN 0 ELSE 1 END, o.slug, p.slug`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  );
  const found = new Map<string, PublicRow>();
  for (const r of rows) {
    const key = modelKey(r.key_maker, r.key_model);
    if (!found.has(key)) found.set(key, r);
  }
  return found;
}

const modelKey = (maker: string, model: string): string => `${maker}\u0000${model}`;
const fold = (s: string): string => s.trim().toLowerCase();

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

interface Pending {
  entry: { line: number; input: CatalogueInput };
  gtin14?: string;
  model?: string;
}

function withinDaysOf(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_WITHIN_DAYS) {
    throw new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `"Ending soon" is a whole number of days from 0 to ${MAX_WITHIN_DAYS}; got ${String(value)}.`, {
      fields: { withinDays: `Enter a whole number of days from 0 to ${MAX_WITHIN_DAYS}.` },
    });
  }
  return value;
}

/**
 * Checks every row of a catalogue against the published support periods. Rows are looked up a
 * slice at a time, a thousand keys to a query, so a catalogue of 100,000 rows costs about two
 * hundred queries whichever database is behind.
 */
export async function checkCatalogue(q: Queryable, rows: AsyncIterable<BatchRow[]>, options: CatalogueOptions): Promise<CatalogueResult> {
  const withinDays = withinDaysOf(options.withinDays);
  const today = options.today ?? new Date();
  const maxRows = options.limits?.maxRows ?? catalogueLimits.maxRows;
  const problems = options.problems ?? [];
  let problemsTaken = 0;
  let columns: CatalogueColumns | undefined;
  const entries: CatalogueEntry[] = [];
  const byGtin = new Map<string, PublicRow | null>();
  const byModel = new Map<string, PublicRow | null>();

  const resolveColumns = (slice: readonly BatchRow[]): CatalogueColumns => {
    const header = options.columns?.() ?? [...new Set(slice.flatMap((r) => Object.keys(r.values)))];
    const found = catalogueColumns(header);
    if (found.gtin === undefined && (found.maker === undefined || found.model === undefined)) throw unrecognised(header);
    return found;
  };

  const takeProblems = (): void => {
    for (; problemsTaken < problems.length; problemsTaken++) {
      const p = problems[problemsTaken] as BatchProblem;
      entries.push({ line: p.line, input: {}, status: 'unreadable', message: `Line ${p.line} could not be read: ${p.message}.` });
    }
  };

  const describe = (pending: Pending, row: PublicRow | null | undefined): CatalogueEntry => {
    const { entry } = pending;
    if (!row) {
      const { gtin, maker, model } = entry.input;
      const byModel = maker !== undefined && model !== undefined ? `model ${model} of ${maker}` : undefined;
      const what = gtin !== undefined ? `GTIN ${gtin}${byModel ? `, nor for ${byModel}` : ''}` : (byModel ?? 'this row');
      return {
        ...entry,
        status: 'not-found',
        message: `No published support period for ${what}. Ask the maker to publish one: the law wants it stated wherever the product is offered (psti.s1.3.1, psti.s1.3.3).`,
      };
    }
    const product = toPublic(row, today);
    const period = product.supportPeriod;
    const status: CatalogueStatus = period.daysLeft < 0 ? 'ended' : period.daysLeft <= withinDays ? 'ending-soon' : 'published';
    const message =
      status === 'ending-soon'
          ? `${period.statement} That is ${count(period.daysLeft)} day${period.daysLeft === 1 ? '' : 's'} from now.`
          : period.statement;
    return {
      ...entry,
      status,
      endDate: period.endDate,
      atLeast: period.atLeast,
      daysLeft: period.daysLeft,
      ...(options.productUrl ? { productUrl: options.productUrl(product) } : {}),
      product: { maker: product.maker.name, brand: product.brand, name: product.name, modelNumber: product.modelNumber },
      message,
    };
  };

  for await (const slice of rows) {
    columns ??= resolveColumns(slice);
    if (entries.length + slice.length + problems.length - problemsTaken > maxRows) throw tooManyRows(maxRows);
    takeProblems();
    const pending: Pending[] = [];
    for (const row of slice) {
      const cell = (column: string | undefined): string | undefined => {
        const v = column === undefined ? undefined : row.values[column]?.trim();
        return v ? v : undefined;
      };
      const gtin = cell(columns.gtin);
      const maker = cell(columns.maker);
      const model = cell(columns.model);
      const reference = cell(columns.reference);
      const input: CatalogueInput = { ...(gtin ? { gtin } : {}), ...(maker ? { maker } : {}), ...(model ? { model } : {}), ...(reference ? { reference } : {}) };
      const entry = { line: row.line, input };
      if (gtin !== undefined) {
        const parsed = parseGtin(gtin);
        if (!parsed.ok) {
          // Spreadsheets turn long numbers into 4.01235E+12 and drop leading zeros.
          const hint = /e\+?\d+$/i.test(gtin) ? ' A spreadsheet has turned it into a number: format the column as text and export again.' : '';
          entries.push({ ...entry, status: 'invalid-gtin', message: `${parsed.reason}${hint}` });
          continue;
        }
        pending.push({ entry, gtin14: parsed.gtin14, ...(maker && model ? { model: modelKey(fold(maker), fold(model)) } : {}) });
      } else if (maker !== undefined && model !== undefined) {
        pending.push({ entry, model: modelKey(fold(maker), fold(model)) });
      } else {
        const byModel = columns.maker !== undefined && columns.model !== undefined;
        const wants = columns.gtin === undefined ? 'both a maker and a model' : byModel ? 'a GTIN, or both a maker and a model' : 'a GTIN';
        entries.push({ ...entry, status: 'unreadable', message: `Line ${row.line} needs ${wants}.` });
      }
    }

    await lookUp(
      pending.flatMap((p) => (p.gtin14 !== undefined ? [p.gtin14] : [])),
      byGtin,
      (keys) => publishedByGtin(q, keys),
    );
    // A GTIN nobody registered may still name a product its maker registered by model only.
    const byModelWanted = pending.filter((p) => p.model !== undefined && (p.gtin14 === undefined || !byGtin.get(p.gtin14)));
    await lookUp(
      byModelWanted.map((p) => p.model as string),
      byModel,
      (keys) => publishedByModel(q, keys.map((k) => k.split('\u0000') as [string, string])),
    );
    for (const p of pending) {
      const found = (p.gtin14 !== undefined ? byGtin.get(p.gtin14) : undefined) || (p.model !== undefined ? byModel.get(p.model) : undefined);
      entries.push(describe(p, found));
    }
  }
  if (problems.length - problemsTaken + entries.length > maxRows) throw tooManyRows(maxRows);
  // A file whose every line was broken still says which columns it had, or had none.
  columns ??= resolveColumns([]);
  takeProblems();

  entries.sort((a, b) => a.line - b.line);
  const byStatus = Object.fromEntries(catalogueStatuses.map((s) => [s, 0])) as Record<CatalogueStatus, number>;
  for (const e of entries) byStatus[e.status]++;
  return { checkedOn: isoDay(today), withinDays, columns, summary: { rows: entries.length, byStatus }, entries };
}

/** Looks up the keys not seen before, a slice at a time; remembers misses too. */
async function lookUp(keys: readonly string[], cache: Map<string, PublicRow | null>, query: (keys: string[]) => Promise<Map<string, PublicRow>>): Promise<void> {
  const wanted = [...new Set(keys.filter((k) => !cache.has(k)))];
  for (let i = 0; i < wanted.length; i += LOOKUP_SLICE) {
    const slice = wanted.slice(i, i + LOOKUP_SLICE);
    const found = await query(slice);
    for (const k of slice) cache.set(k, found.get(k) ?? null);
  }
}
