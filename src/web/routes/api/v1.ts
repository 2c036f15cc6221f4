import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listMembers } from '../../../accounts/index.ts';
import { listAudit } from '../../../audit/index.ts';
import { Readable } from 'node:stream';
import { notFound } from '../../../errors.ts';
import {
  createProduct,
  exportProductsCsv,
  getProduct,
  getSupportPeriod,
  importProductsCsv,
  listProducts,
  setSupportPeriod,
  supportPeriodHistory,
  updateProduct,
  type Product,
} from '../../../registry/index.ts';
import type { Queryable } from '../../../store/index.ts';
import { parseInput } from '../../../validation.ts';
import { bodyOf, uuidParam, type Platform } from '../../context.ts';
import { actorOf, authorise } from '../../principal.ts';

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.coerce.number().int().positive().optional(),
});

// The organisation is always the caller's own: no route takes an organisation id, so there is
// nothing to tamper with to reach another organisation's data.
export async function registerApiRoutes(app: FastifyInstance, platform: Platform): Promise<void> {
  app.get('/api/v1/organisation', async (request) => {
    const p = authorise(request.principal, 'organisation.read');
    const { id, slug, name, kind } = p.organisation;
    return { id, slug, name, kind };
  });

  const withPeriod = async (q: Queryable, product: Product) => {
    const period = await getSupportPeriod(q, product.id);
    return { ...product, supportPeriod: period ?? null };
  };

  app.get('/api/v1/products', async (request) => {
    const p = authorise(request.principal, 'products.read');
    const products = await listProducts(platform.db, p.organisation.id);
    return { products: await Promise.all(products.map((x) => withPeriod(platform.db, x))) };
  });

  app.post('/api/v1/products', async (request, reply) => {
    const p = authorise(request.principal, 'products.write');
    const product = await createProduct(platform.db, actorOf(p, request.ip), bodyOf(request));
    return reply.status(201).header('location', `/api/v1/products/${product.id}`).send(await withPeriod(platform.db, product));
  });

  app.get('/api/v1/products/export.csv', async (request, reply) => {
    const p = authorise(request.principal, 'products.read');
    return reply.header('content-type', 'text/csv; charset=utf-8').header('cache-control', 'no-store').send(await exportProductsCsv(platform.db, p.organisation.id));
  });

  // CSV bodies are parsed only here, in a scope of their own, with a limit fit for a product list.
  await app.register(async (scoped) => {
    scoped.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 }, (_request, body, done) => done(null, body));
    scoped.post('/api/v1/products/import', async (request) => {
      const p = authorise(request.principal, 'products.write');
      const csv = typeof request.body === 'string' ? request.body : '';
      const results = await importProductsCsv(platform.db, actorOf(p, request.ip), Readable.from([csv]));
      return { saved: results.filter((r) => r.outcome !== 'rejected').length, rejected: results.filter((r) => r.outcome === 'rejected').length, results };
    });
  });

  app.get('/api/v1/products/:productId', async (request) => {
    const p = authorise(request.principal, 'products.read');
    const product = await getProduct(platform.db, p.organisation.id, uuidParam(request, 'productId', 'That product'));
    if (!product) throw notFound('That product');
    return { ...(await withPeriod(platform.db, product)), supportPeriodHistory: await supportPeriodHistory(platform.db, product.id) };
  });

  app.put('/api/v1/products/:productId', async (request) => {
    const p = authorise(request.principal, 'products.write');
    const product = await updateProduct(platform.db, actorOf(p, request.ip), uuidParam(request, 'productId', 'That product'), bodyOf(request));
    return withPeriod(platform.db, product);
  });

  app.put('/api/v1/products/:productId/support-period', async (request) => {
    const p = authorise(request.principal, 'products.write');
    const productId = uuidParam(request, 'productId', 'That product');
    return setSupportPeriod(platform.db, actorOf(p, request.ip), productId, bodyOf(request));
  });

  app.get('/api/v1/members', async (request) => {
    const p = authorise(request.principal, 'members.read');
    const members = await listMembers(platform.db, p.organisation.id);
    return { members: members.map(({ id, email, displayName, role, totpEnabled }) => ({ id, email, displayName, role, totpEnabled })) };
  });

  app.get('/api/v1/audit', async (request) => {
    const p = authorise(request.principal, 'audit.read');
    const page = parseInput(auditQuery, request.query, 'The query');
    return { events: await listAudit(platform.db, p.organisation.id, { ...(page.limit ? { limit: page.limit } : {}), ...(page.before ? { before: page.before } : {}) }) };
  });
}
