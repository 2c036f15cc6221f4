import type { FastifyInstance } from 'fastify';
import { html } from 'ghtml';
import { listProducts } from '../../../registry/index.ts';
import type { Platform } from '../../context.ts';
import { authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';

export function registerProducts(app: FastifyInstance, platform: Platform): void {
  app.get('/console/products', async (request, reply) => {
    const p = authoriseUser(request.principal, 'products.read');
    const products = await listProducts(platform.db, p.organisation.id);
    return sendPage(
      reply,
      pageContext(platform, request, reply),
      'Products',
      html`<h1>Products</h1>
!${
  products.length
    ? html`<table><thead><tr><th scope="col">Name</th><th scope="col">Model number</th><th scope="col">GTIN</th></tr></thead><tbody>!${products
        .map((x) => html`<tr><td>${x.name}</td><td>${x.modelNumber}</td><td>${x.gtins.join(", ") || "—"}</td></tr>`)
        .join('')}</tbody></table>`
    : html`<p>No products yet.</p>`
}`,
    );
  });
}
