import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { invalidInput, notFound } from '../../../errors.ts';
import { csvLine } from '../../../output/csv.ts';
import { allPublicProducts, parseGtin, publicProductByGtin, publicProductByModel, publicProductsOfMaker, type PublicProduct } from '../../../registry/index.ts';
import { pathParam, type Platform } from '../../context.ts';
import { TtlCache } from '../../ttl-cache.ts';
import { openApiDocument } from '../../openapi.ts';

// The public read API: what any retailer, aggregator or regulator may read without an account.
// Field names are a contract (documented in openapi.ts) and carry no internal ids; everything
// here is already public on the product pages, so any origin may read it and any cache keep it.

/** The JSON form of a public product: version 1 of the contract, so only ever add fields. */
export interface PublicProductV1 {
  maker: { name: string; slug: string; securityContactUrl: string | null };
  brand: string;
  name: string;
  modelNumber: string;
  category: string;
  categoryLabel: string;
  /** Why the PSTI regime does not apply to this category (Schedule 3), or null. */
  excepted: string | null;
  /** GTIN-14s. */
  gtins: string[];
  supportPeriod: {
    endDate: string;
    atLeast: boolean;
    status: 'active' | 'ended';
    publishedAt: string;
    statement: string;
  };
  productUrl: string;
}

export function productUrl(publicUrl: string, makerSlug: string, productSlug: string): string {
  return `${publicUrl}/makers/${encodeURIComponent(makerSlug)}/products/${encodeURIComponent(productSlug)}`;
}

export function publicProductV1(p: PublicProduct, publicUrl: string): PublicProductV1 {
  return {
    maker: { name: p.maker.name, slug: p.maker.slug, securityContactUrl: p.maker.securityContactUrl },
    brand: p.brand,
    name: p.name,
    modelNumber: p.modelNumber,
    category: p.category,
    categoryLabel: p.categoryLabel,
    excepted: p.excepted,
    gtins: p.gtins,
    supportPeriod: {
      endDate: p.supportPeriod.endDate,
      atLeast: p.supportPeriod.atLeast,
      status: p.supportPeriod.status,
      publishedAt: new Date(p.supportPeriod.publishedAt).toISOString(),
      statement: p.supportPeriod.statement,
    },
    productUrl: productUrl(publicUrl, p.maker.slug, p.slug),
  };
}

const CACHEABLE_STATUS = new Set([200, 204, 304, 400, 404]);

export const API_CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=86400';

/** A strong validator: two bodies share it only if they are the same bytes. */
export function strongEtag(body: string | Buffer): string {
  return `"${crypto.createHash('sha256').update(body).digest('base64url')}"`;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2), so a W/ prefix still matches. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

/**
 * Hooks for any response meant for other sites: readable from any origin (CORS and CORP, since
 * helmet's default CORP would stop a <script> or <img> on a shop's page), cacheable, and
 * validated by a hash of the body. Errors keep the headers too, so a script on another origin
 * can read a 404 as a 404 rather than as a network failure.
 */
export function publicRead(cacheControl: string): Pick<RouteShorthandOptions, 'onRequest' | 'onSend'> {
  return {
    onRequest: async (_request: FastifyRequest, reply: FastifyReply) => {
      reply.header('access-control-allow-origin', '*');
      reply.header('access-control-expose-headers', 'ETag');
      reply.header('cross-origin-resource-policy', 'cross-origin');
      reply.header('cache-control', cacheControl);
    },
    onSend: async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      // Only answers that depend on the address alone may be shared; a 429, a 401 for a bad
      // token or a failure of ours must not be served to everyone for minutes.
      if (!CACHEABLE_STATUS.has(reply.statusCode)) {
        reply.header('cache-control', 'no-store');
        return payload;
      }
      // Streams (the exports) and fixed assets come with their ETag already.
      let etag = reply.getHeader('etag');
      if (typeof etag !== 'string') {
        if (!(typeof payload === 'string' || Buffer.isBuffer(payload))) return payload;
        etag = strongEtag(payload);
        reply.header('etag', etag);
      }
      // Preconditions apply only where the answer would be a success (RFC 9110 §13.2.1).
      if (reply.statusCode === 200 && etagMatches(request.headers['if-none-match'], etag)) {
        reply.code(304);
        return '';
      }
      return payload;
    },
  };
}

const preflightHeaders = {
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-allow-headers': 'Accept, Cache-Control, If-None-Match',
  'access-control-max-age': '86400',
};

/** GET plus its CORS preflight, so browsers on other origins that send extra headers get through. */
function readRoute(app: FastifyInstance, url: string, options: RouteShorthandOptions, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>): void {
  app.get(url, options, handler);
  app.options(url, publicRead(API_CACHE_CONTROL), async (_request, reply) => reply.code(204).headers(preflightHeaders).send());
}

function gtinOf(request: FastifyRequest): string {
  const gtin = parseGtin(pathParam(request, 'gtin'));
  if (!gtin.ok) throw invalidInput(gtin.reason, { gtin: gtin.reason });
  return gtin.gtin14;
}

export const CSV_COLUMNS = ['maker', 'maker_slug', 'brand', 'name', 'model_number', 'category', 'gtins', 'end_date', 'at_least', 'published_at', 'status', 'product_url'] as const;

function csvRow(p: PublicProductV1): string {
  return csvLine([
    p.maker.name,
    p.maker.slug,
    p.brand,
    p.name,
    p.modelNumber,
    p.category,
    p.gtins.join(' '),
    p.supportPeriod.endDate,
    String(p.supportPeriod.atLeast),
    p.supportPeriod.publishedAt,
    p.supportPeriod.status,
    p.productUrl,
  ]);
}

type ExportFormat = 'json' | 'csv';

/** The export as the chunks it is sent in, one database page at a time, never all in memory. */
export async function* exportChunks(platform: Platform, format: ExportFormat, pageSize = 1000): AsyncGenerator<string> {
  const publicUrl = platform.config.publicUrl;
  let first = true;
  yield format === 'csv' ? csvLine(CSV_COLUMNS) : '{"products":[';
  for await (const page of allPublicProducts(platform.db, pageSize)) {
    const rows = page.map((p) => publicProductV1(p, publicUrl));
    if (format === 'csv') {
      yield rows.map(csvRow).join('');
    } else {
      yield `${first ? '' : ','}${rows.map((r) => JSON.stringify(r)).join(',')}`;
      first = false;
    }
  }
  yield format === 'csv' ? '' : ']}\n';
}

export function registerPublicApi(app: FastifyInstance, platform: Platform): void {
  const read = publicRead(API_CACHE_CONTROL);

  // Look-up by GTIN is what shop pages and scanners call most. Answers are the same for every
  // caller and CDNs may keep them for minutes anyway, so a few seconds in memory costs no
  // freshness worth having and spares the database (PGlite serves one query at a time).
  const byGtin = new TtlCache<{ body: string; etag: string } | null>(50_000);
  // The busiest route sets its headers in one hook and validates the ETag in its handler, rather
  // than through the publicRead pair of hooks: a hook fewer a request is measurable here. Errors
  // keep these headers (the error handler turns caching off for 401, 403, 429 and 5xx).
  const lookupHeaders = {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'ETag',
    'cross-origin-resource-policy': 'cross-origin',
    'cache-control': API_CACHE_CONTROL,
  };
  app.options('/api/v1/public/products/:gtin', read, async (_request, reply) => reply.code(204).headers(preflightHeaders).send());
  const lookupOptions = {
    onRequest: async (_request: FastifyRequest, reply: FastifyReply) => {
      reply.headers(lookupHeaders);
    },
  };
  app.get('/api/v1/public/products/:gtin', lookupOptions, async (request, reply) => {
    const gtin14 = gtinOf(request);
    const entry = await byGtin.fetch(
      gtin14,
      async () => {
        const found = await publicProductByGtin(platform.db, gtin14);
        const body = found ? JSON.stringify(publicProductV1(found, platform.config.publicUrl)) : null;
        return body === null ? null : { body, etag: strongEtag(body) };
      },
      (value) => (value ? 30_000 : 5_000),
      60_000,
    );
    if (!entry) throw notFound('A product with a published support period and that GTIN');
    reply.header('etag', entry.etag);
    if (etagMatches(request.headers['if-none-match'], entry.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(entry.body);
  });

  readRoute(app, '/api/v1/public/makers/:makerSlug/products', read, async (request) => {
    const makerSlug = pathParam(request, 'makerSlug');
    const products = await publicProductsOfMaker(platform.db, makerSlug);
    // A maker with nothing published is indistinguishable from no maker: organisations that
    // have not published are nobody's business yet.
    const maker = products[0]?.maker;
    if (!maker) throw notFound(`A maker "${makerSlug}" with published products`);
    return { maker, products: products.map((p) => publicProductV1(p, platform.config.publicUrl)) };
  });

  readRoute(app, '/api/v1/public/makers/:makerSlug/products/:modelNumber', read, async (request) => {
    const found = await publicProductByModel(platform.db, pathParam(request, 'makerSlug'), pathParam(request, 'modelNumber'));
    if (!found) throw notFound('A product with a published support period and that model number');
    return publicProductV1(found, platform.config.publicUrl);
  });

  // Exports walk the whole register twice: once to hash it for the ETag (headers go before the
  // body), once to stream it. That costs a second read but never holds the register in memory,
  // and caches in front of us absorb the repeats. Should a change land between the two walks,
  // the next request simply gets a new ETag.
  for (const format of ['json', 'csv'] as const) {
    readRoute(app, `/api/v1/public/export.${format}`, { ...read, config: { rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (request, reply) => {
      const hash = crypto.createHash('sha256');
      for await (const chunk of exportChunks(platform, format)) hash.update(chunk);
      const etag = `"${hash.digest('base64url')}"`;
      reply.header('etag', etag);
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
      reply.type(format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/json; charset=utf-8');
      reply.header('content-disposition', `inline; filename="connectable-public-products.${format}"`);
      return reply.send(Readable.from(exportChunks(platform, format)));
    });
  }

  readRoute(app, '/api/openapi.json', read, async () => openApiDocument(platform.config.publicUrl));
}
