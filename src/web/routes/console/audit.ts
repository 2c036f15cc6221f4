import type { FastifyInstance } from 'fastify';
import { html } from 'ghtml';
import { z } from 'zod';
import { listAudit } from '../../../audit/index.ts';
import type { Platform } from '../../context.ts';
import { authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';

export const auditPageQuery = z.object({ before: z.coerce.number().int().positive().optional() });

export function registerAuditLog(app: FastifyInstance, platform: Platform): void {
  app.get('/console/audit', async (request, reply) => {
    const p = authoriseUser(request.principal, 'audit.read');
    const { before } = auditPageQuery.catch({}).parse(request.query);
    const events = await listAudit(platform.db, p.organisation.id, { limit: 100, ...(before ? { before } : {}) });
    const last = events.at(-1);
    return sendPage(
      reply,
      pageContext(platform, request, reply),
      'Audit log',
      html`<h1>Audit log</h1>
<p>Every sign-in, failure, role change, token and change to published data, newest first. Entries cannot be changed or removed.</p>
<table class="audit"><thead><tr><th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Target</th><th scope="col">From</th><th scope="col">Details</th></tr></thead><tbody>!${events
        .map(
          (e) =>
            html`<tr><td>${e.at.toISOString().slice(0, 19).replace('T', ' ')}</td><td>${e.actor}</td><td><code>${e.action}</code></td><td>${e.target ?? ''}</td><td>${e.ip ?? ''}</td><td><code>${
              Object.keys(e.details).length ? JSON.stringify(e.details) : ''
            }</code></td></tr>`,
        )
        .join('')}</tbody></table>
!${events.length === 100 && last ? html`<p><a href="/console/audit?before=${last.id}">Older entries</a></p>` : ''}`,
    );
  });
}
