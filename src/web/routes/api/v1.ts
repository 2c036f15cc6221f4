import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listMembers } from '../../../accounts/index.ts';
import { listAudit } from '../../../audit/index.ts';
import { listProducts } from '../../../registry/index.ts';
import { parseInput } from '../../../validation.ts';
import type { Platform } from '../../context.ts';
import { authorise } from '../../principal.ts';

const auditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.coerce.number().int().positive().optional(),
});

// The organisation is always the caller's own: no route takes an organisation id, so there is
// nothing to tamper with to reach another organisation's data.
export function registerApiRoutes(app: FastifyInstance, platform: Platform): void {
  app.get('/api/v1/organisation', async (request) => {
    const p = authorise(request.principal, 'organisation.read');
    const { id, slug, name, kind } = p.organisation;
    return { id, slug, name, kind };
  });

  app.get('/api/v1/products', async (request) => {
    const p = authorise(request.principal, 'products.read');
    return { products: await listProducts(platform.db, p.organisation.id) };
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
