import type { FastifyInstance } from 'fastify';
import { html } from 'ghtml';
import { roleLabels } from '../../../accounts/index.ts';
import { one } from '../../../store/index.ts';
import type { Platform } from '../../context.ts';
import { authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';
import { notice } from '../../views/forms.ts';

export function registerOverview(app: FastifyInstance, platform: Platform): void {
  app.get('/console', async (request, reply) => {
    const p = authoriseUser(request.principal, 'organisation.read');
    const counts = await one<{ products: number; members: number }>(
      platform.db,
      `SELECT (SELECT count(*)::int FROM products WHERE organisation_id = $1) AS products,
              (SELECT count(*)::int FROM users WHERE organisation_id = $1) AS members`,
      [p.organisation.id],
    );
    const welcome = (request.query as Record<string, unknown>)['welcome'] !== undefined;
    return sendPage(
      reply,
      pageContext(platform, request, reply),
      'Overview',
      html`<h1>${p.organisation.name}</h1>
!${welcome ? notice(`Welcome, ${p.user.displayName}. You are signed in as ${roleLabels[p.user.role]}.`) : ''}
<dl class="summary">
  <div><dt>Products</dt><dd><a href="/console/products">${counts?.products ?? 0}</a></dd></div>
  <div><dt>Members</dt><dd><a href="/console/members">${counts?.members ?? 0}</a></dd></div>
  <div><dt>Your role</dt><dd>${roleLabels[p.user.role]}</dd></div>
  <div><dt>Second factor</dt><dd>!${p.user.totpEnabled ? 'On' : html`Off — <a href="/console/security">turn it on</a>`}</dd></div>
</dl>`,
    );
  });
}
