import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { invalidInput, unauthenticated } from '../../../errors.ts';
import {
  DEFAULT_WITHIN_DAYS,
  MAX_WITHIN_DAYS,
  catalogueLimits,
  catalogueRowsFrom,
  checkCatalogue,
  readCatalogue,
  tooLarge,
  tooManyRows,
  type CatalogueResult,
  type CatalogueSource,
} from '../../../registry/index.ts';
import { catalogueCsv, catalogueJson } from '../../../registry/index.ts';
import type { PublicProduct } from '../../../registry/index.ts';
import { parseInput } from '../../../validation.ts';
import type { Platform } from '../../context.ts';
import { SESSION_COOKIE } from '../../cookies.ts';
import { authorise } from '../../principal.ts';
import { productUrl } from './public-v1.ts';

// The catalogue check for retailers and regulators: a CSV (or a JSON list) of GTINs or maker and
// model pairs in, one status a row out. Any signed-in person or API token with products.read may
// use it, since it only ever reads what is public.

const withinDays = z.coerce
  .number({ error: `Give "withinDays" as a whole number of days from 0 to ${MAX_WITHIN_DAYS}.` })
  .int(`Give "withinDays" as a whole number of days from 0 to ${MAX_WITHIN_DAYS}.`)
  .min(0, `Give "withinDays" as a whole number of days from 0 to ${MAX_WITHIN_DAYS}.`)
  .max(MAX_WITHIN_DAYS, `Give "withinDays" as a whole number of days from 0 to ${MAX_WITHIN_DAYS}.`);

const checkQuery = z.object({
  withinDays: withinDays.optional(),
  format: z.enum(['json', 'csv'], { error: 'Give "format" as json or csv.' }).optional(),
});

const text = (max: number) => z.union([z.string().max(max), z.number().int().nonnegative().transform(String)]).optional();
const jsonRow = z.object({ gtin: text(100), maker: text(200), model: text(200), reference: text(200), sku: text(200) });
const jsonBody = z.object({ rows: z.array(jsonRow), withinDays: withinDays.optional() });

export type CatalogueFormat = 'json' | 'csv';

/** The product page a row links to: the same address the public API gives. */
export function catalogueProductUrl(platform: Platform): (p: PublicProduct) => string {
  return (p) => productUrl(platform.config.publicUrl, p.maker.slug, p.slug);
}

/**
 * The body limits of Fastify and the upload parser answer with a bare "too large"; this names
 * the catalogue's own limit instead. Anything else goes on to the server's error handler.
 */
export function catalogueErrorHandler(error: FastifyError): never {
  if (error.statusCode === 413 || error.code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
  if (error.statusCode === 415) {
    throw invalidInput('Send the catalogue as text/csv, or as application/json in the form {"rows": [{"gtin": "…"}, {"maker": "…", "model": "…"}]}.');
  }
  throw error;
}

/**
 * Refuses a caller with no credentials at all before the body (up to 20 MB) is read; a session
 * or a token is still checked properly by authorise in the handler.
 */
export async function credentialsRequired(request: FastifyRequest): Promise<void> {
  if (request.headers.authorization === undefined && !request.cookies[SESSION_COOKIE]) throw unauthenticated();
}

/** Sends a result as CSV or JSON, already serialised: 100,000 rows are too many for a schema. */
export function sendCatalogue(reply: FastifyReply, result: CatalogueResult, format: CatalogueFormat): FastifyReply {
  reply.header('cache-control', 'no-store');
  if (format === 'csv') {
    return reply
      .type('text/csv; charset=utf-8; header=present')
      .header('content-disposition', `attachment; filename="catalogue-check-${result.checkedOn}.csv"`)
      .send(catalogueCsv(result));
  }
  return reply.type('application/json; charset=utf-8').send(catalogueJson(result));
}

function sourceOf(body: unknown): { source: CatalogueSource; withinDays?: number } {
  if (Buffer.isBuffer(body) || typeof body === 'string') return { source: readCatalogue(body) };
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    if (Array.isArray(record['rows'])) {
      if (record['rows'].length > catalogueLimits.maxRows) throw tooManyRows();
      const parsed = parseInput(jsonBody, body, 'The catalogue');
      const rows = parsed.rows.map(({ sku, reference, ...r }) => {
        const ref = reference ?? sku;
        return { ...(r.gtin ? { gtin: r.gtin } : {}), ...(r.maker ? { maker: r.maker } : {}), ...(r.model ? { model: r.model } : {}), ...(ref ? { reference: ref } : {}) };
      });
      return { source: catalogueRowsFrom(rows), ...(parsed.withinDays !== undefined ? { withinDays: parsed.withinDays } : {}) };
    }
    // A form post (the console, or curl -F/-d csv=…): the CSV is in the "csv" field.
    if (typeof record['csv'] === 'string') {
      const form = parseInput(z.object({ withinDays: z.union([z.literal(''), withinDays]).optional() }), { withinDays: record['withinDays'] }, 'The form');
      return { source: readCatalogue(record['csv']), ...(typeof form.withinDays === 'number' ? { withinDays: form.withinDays } : {}) };
    }
  }
  throw invalidInput(
    'Send the catalogue as text/csv (with curl: -H "content-type: text/csv" --data-binary @catalogue.csv), or as application/json in the form {"rows": [{"gtin": "…"}, {"maker": "…", "model": "…"}]}.',
  );
}

/** json unless ?format=csv, or an Accept header that prefers CSV to JSON. */
export function formatOf(request: FastifyRequest, asked: CatalogueFormat | undefined): CatalogueFormat {
  if (asked) return asked;
  const accept = request.headers.accept ?? '';
  return accept.includes('text/csv') && !accept.includes('application/json') ? 'csv' : 'json';
}

export async function registerCatalogueApi(app: FastifyInstance, platform: Platform): Promise<void> {
  // CSV bodies and the 20 MB limit belong to this route only, in a scope of its own.
  await app.register(async (scoped) => {
    scoped.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'buffer', bodyLimit: catalogueLimits.maxBytes }, (_request, body, done) => done(null, body));
    scoped.setErrorHandler(catalogueErrorHandler);

    scoped.post(
      '/api/v1/catalogue/check',
      { bodyLimit: catalogueLimits.maxBytes, onRequest: credentialsRequired, config: { rateLimit: { max: 30, timeWindow: '1 minute' } } },
      async (request, reply) => {
        authorise(request.principal, 'products.read');
        const query = parseInput(checkQuery, request.query, 'The query');
        const { source, withinDays: fromBody } = sourceOf(request.body);
        const result = await checkCatalogue(platform.db, source.slices, {
          withinDays: fromBody ?? query.withinDays ?? DEFAULT_WITHIN_DAYS,
          problems: source.problems,
          columns: source.columns,
          productUrl: catalogueProductUrl(platform),
        });
        return sendCatalogue(reply, result, formatOf(request, query.format));
      },
    );
  });
}

