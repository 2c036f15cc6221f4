import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addEvidence, assessProduct, evidenceKinds, MAX_EVIDENCE_BYTES, resolveProductRef } from '../../../compliance/index.ts';
import { parseInput } from '../../../validation.ts';
import type { Platform } from '../../context.ts';
import { actorOf, authorise } from '../../principal.ts';

// Evidence from CI: `connectable scan --upload` (and probe, passwords audit) posts its JSON report
// here with an API token that has the evidence.write scope. The product is named by id or slug,
// always within the token's own organisation: another maker's product is a 404 like a missing one.

const evidenceQuery = z.object({
  kind: z.enum(evidenceKinds, { error: `Give "kind" as one of ${evidenceKinds.join(', ')}, or leave it out.` }).optional(),
  firmwareVersion: z.string().trim().max(100, 'Give "firmwareVersion" in at most 100 characters.').optional(),
  hardwareRevision: z.string().trim().max(100, 'Give "hardwareRevision" in at most 100 characters.').optional(),
});

const assessmentQuery = z.object({ hardwareRevision: z.string().trim().max(100).optional() });

export async function registerComplianceApi(app: FastifyInstance, platform: Platform): Promise<void> {
  // The report is kept byte for byte (its hash is evidence too), so it is read as text here.
  await app.register(async (scoped) => {
    scoped.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_EVIDENCE_BYTES + 4096 }, (_request, body, done) => done(null, body));
    scoped.post('/api/v1/products/:product/evidence', async (request, reply) => {
      const p = authorise(request.principal, 'evidence.write');
      const query = parseInput(evidenceQuery, request.query, 'The query');
      const productId = await resolveProductRef(platform.db, p.organisation.id, (request.params as { product: string }).product);
      const evidence = await addEvidence(platform.db, actorOf(p, request.ip), productId, {
        report: typeof request.body === 'string' ? request.body : '',
        kind: query.kind,
        firmwareVersion: query.firmwareVersion,
        hardwareRevision: query.hardwareRevision,
      });
      const assessed = await assessProduct(platform.db, p.organisation.id, productId, evidence.hardwareRevision);
      return reply.status(201).send({
        evidence: { id: evidence.id, kind: evidence.kind, firmwareVersion: evidence.firmwareVersion, hardwareRevision: evidence.hardwareRevision, sha256: evidence.sha256, passes: evidence.summary.passes, verdict: evidence.summary.verdict },
        duties: assessed.duties,
      });
    });
  });

  app.get('/api/v1/products/:product/assessment', async (request) => {
    const p = authorise(request.principal, 'compliance.read');
    const query = parseInput(assessmentQuery, request.query, 'The query');
    const productId = await resolveProductRef(platform.db, p.organisation.id, (request.params as { product: string }).product);
    const a = await assessProduct(platform.db, p.organisation.id, productId, query.hardwareRevision ?? '');
    return {
      product: { id: a.product.id, slug: a.product.slug, brand: a.product.brand, name: a.product.name, modelNumber: a.product.modelNumber },
      hardwareRevision: a.hardwareRevision || null,
      duties: a.duties,
      provisions: a.provisions,
      evidence: a.current.map((e) => ({ id: e.id, kind: e.kind, firmwareVersion: e.firmwareVersion, hardwareRevision: e.hardwareRevision, createdAt: e.createdAt, passes: e.summary.passes, verdict: e.summary.verdict })),
    };
  });
}
