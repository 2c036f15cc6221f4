import type { FastifyReply, FastifyRequest } from 'fastify';
import { roleMay, type Permission } from '../accounts/index.ts';
import type { Platform } from './context.ts';
import { csrfTokenFor } from './csrf.ts';
import { page, type PageContext } from './views/layout.ts';

const consoleSections: readonly { href: string; label: string; permission: Permission }[] = [
  { href: '/console', label: 'Overview', permission: 'organisation.read' },
  { href: '/console/products', label: 'Products', permission: 'products.read' },
  { href: '/console/compliance', label: 'Compliance', permission: 'compliance.read' },
  { href: '/console/reports', label: 'Reports', permission: 'reports.read' },
  { href: '/console/advisories', label: 'Advisories', permission: 'reports.read' },
  { href: '/console/disclosure', label: 'Disclosure policy', permission: 'disclosure.manage' },
  { href: '/console/catalogue', label: 'Catalogue check', permission: 'products.read' },
  { href: '/console/watchlists', label: 'Saved catalogues', permission: 'products.read' },
  { href: '/console/members', label: 'Members', permission: 'members.read' },
  { href: '/console/tokens', label: 'API tokens', permission: 'tokens.manage' },
  { href: '/console/audit', label: 'Audit log', permission: 'audit.read' },
  { href: '/console/settings', label: 'Settings', permission: 'organisation.manage' },
  { href: '/console/security', label: 'Your security', permission: 'organisation.read' },
];

export function pageContext(platform: Platform, request: FastifyRequest, reply: FastifyReply): PageContext {
  const p = request.principal;
  const csrfToken = csrfTokenFor(platform.csrfKey, request, reply, p);
  if (p.kind !== 'user') return { csrfToken };
  return {
    csrfToken,
    user: { displayName: p.user.displayName, email: p.user.email, role: p.user.role },
    organisation: { name: p.organisation.name, kind: p.organisation.kind },
    nav: consoleSections.filter((s) => roleMay(p.user.role, s.permission)),
    currentPath: request.url.split('?')[0],
  };
}

/** Sends a whole HTML page; pages are never cached, since most show private data. */
export function sendPage(reply: FastifyReply, ctx: PageContext, title: string, body: string, status = 200): FastifyReply {
  return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page(ctx, title, body));
}
