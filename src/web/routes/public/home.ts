import type { FastifyInstance } from 'fastify';
import { html } from 'ghtml';
import type { Platform } from '../../context.ts';
import { pageContext, sendPage } from '../../render.ts';

export function registerHome(app: FastifyInstance, platform: Platform): void {
  app.get('/', async (request, reply) => {
    if (request.principal.kind === 'user') return reply.redirect('/console', 303);
    const ctx = pageContext(platform, request, reply);
    return sendPage(
      reply,
      ctx,
      'Security for connectable products',
      html`<h1>Security for consumer connectable products</h1>
<p>Connectable helps makers meet the UK PSTI regime, ETSI EN 303 645 and the EU Cyber Resilience Act:
no universal default passwords, a public way to report vulnerabilities, and a published support period.</p>
<p><a class="button" href="/sign-in">Sign in</a></p>`,
    );
  });
}
