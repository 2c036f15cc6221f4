import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { roleMay } from '../../../accounts/index.ts';
import {
  categories,
  categoryOf,
  createProduct,
  daysLeft,
  displayGtin,
  exportProductsCsv,
  getProduct,
  getSupportPeriod,
  importProductsCsv,
  listProducts,
  longDate,
  setSupportPeriod,
  supportPeriodHistory,
  updateProduct,
  type Product,
  type SupportPeriod,
} from '../../../registry/index.ts';
import { bodyOf, uuidParam, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { actorOf, authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field, notice, select } from '../../views/forms.ts';

function periodSummary(period: SupportPeriod | undefined): string {
  if (!period) return 'No support period yet';
  const ended = daysLeft(period.endDate) < 0;
  if (!period.publishedAt) return `Draft: until ${longDate(period.endDate)} (not published)`;
  return ended ? `Ended on ${longDate(period.endDate)}` : `Published: ${period.atLeast ? 'at least ' : ''}until ${longDate(period.endDate)}`;
}

function productForm(action: string, csrf: string, values: Record<string, string>, failure: FormFailure | undefined, submit: string): string {
  const f = failure?.fields;
  return html`!${errorSummary(failure?.message, f)}
<form method="post" action="${action}" novalidate>
  !${csrfInput(csrf)}
  !${field({ name: 'brand', label: 'Brand', value: values['brand'] }, f)}
  !${field({ name: 'name', label: 'Product name', hint: 'As buyers see it, e.g. "Indoor Camera 2".', value: values['name'] }, f)}
  !${field({ name: 'modelNumber', label: 'Model number', value: values['modelNumber'] }, f)}
  !${select(
    'category',
    'Category',
    categories.map((c) => ({ value: c.id, label: c.excepted ? `${c.label} (excepted from PSTI)` : c.label })),
    values['category'] || 'other',
    f,
  )}
  !${field({ name: 'gtins', label: 'GTINs (barcodes)', hint: 'GTIN-8, -12, -13 or -14, separated by commas.', value: values['gtins'], required: false }, f)}
  !${field({ name: 'markets', label: 'Markets', hint: 'Two-letter codes, e.g. GB, EU, US.', value: values['markets'], required: false }, f)}
  !${field({ name: 'hardwareRevisions', label: 'Hardware revisions', hint: 'Separated by commas.', value: values['hardwareRevisions'], required: false }, f)}
  !${field({ name: 'firmwareVersions', label: 'Firmware versions', hint: 'Separated by commas.', value: values['firmwareVersions'], required: false }, f)}
  <button type="submit">${submit}</button>
</form>`;
}

const valuesOf = (p: Product): Record<string, string> => ({
  brand: p.brand,
  name: p.name,
  modelNumber: p.modelNumber,
  category: p.category,
  gtins: p.gtins.map(displayGtin).join(', '),
  markets: p.markets.join(', '),
  hardwareRevisions: p.hardwareRevisions.join(', '),
  firmwareVersions: p.firmwareVersions.join(', '),
});

const formValues = (body: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(['brand', 'name', 'modelNumber', 'category', 'gtins', 'markets', 'hardwareRevisions', 'firmwareVersions'].map((k) => [k, textOf(body, k)]));

export function registerProducts(app: FastifyInstance, platform: Platform): void {
  app.get('/console/products', async (request, reply) => {
    const p = authoriseUser(request.principal, 'products.read');
    const products = await listProducts(platform.db, p.organisation.id);
    const periods = await Promise.all(products.map((x) => getSupportPeriod(platform.db, x.id)));
    const write = roleMay(p.user.role, 'products.write');
    const ctx = pageContext(platform, request, reply);
    return sendPage(
      reply,
      ctx,
      'Products',
      html`<h1>Products</h1>
!${write ? html`<p><a class="button" href="/console/products/new">Add a product</a></p>` : ''}
!${
  products.length
    ? html`<table><thead><tr><th scope="col">Product</th><th scope="col">Model number</th><th scope="col">GTIN</th><th scope="col">Support period</th></tr></thead><tbody>!${products
        .map(
          (x, i) =>
            html`<tr><td><a href="/console/products/${x.id}">${x.brand} ${x.name}</a></td><td>${x.modelNumber}</td><td>${x.gtins.map(displayGtin).join(', ') || '—'}</td><td>${periodSummary(periods[i])}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : html`<p>No products yet.</p>`
}
<p><a href="/console/products/export.csv">Download the product list (CSV)</a></p>
!${
  write
    ? html`<h2>Import products from CSV</h2>
<p>Paste a CSV with the columns of the download above. Products are matched by model number: new ones are added, existing ones updated. A support period with <code>support_published</code> = yes is published; published periods can only be extended.</p>
<form method="post" action="/console/products/import">!${csrfInput(ctx.csrfToken)}
<div class="field"><label for="f-csv">CSV</label><textarea id="f-csv" name="csv" rows="8" cols="80"></textarea></div>
<button type="submit">Import</button></form>`
    : ''
}`,
    );
  });

  app.get('/console/products/export.csv', async (request, reply) => {
    const p = authoriseUser(request.principal, 'products.read');
    const csv = await exportProductsCsv(platform.db, p.organisation.id);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${p.organisation.slug}-products.csv"`)
      .header('cache-control', 'no-store')
      .send(csv);
  });

  // A pasted product list is bigger than other forms; 5 MB holds tens of thousands of products.
  app.post('/console/products/import', { bodyLimit: 5 * 1024 * 1024 }, async (request, reply) => {
    const p = authoriseUser(request.principal, 'products.write');
    const raw = bodyOf(request)['csv'];
    const csv = typeof raw === 'string' ? raw : '';
    const results = await importProductsCsv(platform.db, actorOf(p, request.ip), Readable.from([csv]));
    const rejected = results.filter((r) => r.outcome === 'rejected').length;
    return sendPage(
      reply,
      pageContext(platform, request, reply),
      'Import results',
      html`<h1>Import results</h1>
<p>${results.length - rejected} rows saved, ${rejected} rejected.</p>
<table><thead><tr><th scope="col">Line</th><th scope="col">Model number</th><th scope="col">Result</th><th scope="col">Details</th></tr></thead><tbody>!${results
        .map((r) => html`<tr><td>${r.line}</td><td>${r.modelNumber}</td><td>${r.outcome}</td><td>${r.message}</td></tr>`)
        .join('')}</tbody></table>
<p><a href="/console/products">Back to products</a></p>`,
      rejected && rejected === results.length ? 400 : 200,
    );
  });

  const newPage = (request: FastifyRequest, reply: FastifyReply, values: Record<string, string>, failure?: FormFailure) => {
    const ctx = pageContext(platform, request, reply);
    return sendPage(reply, ctx, 'Add a product', html`<h1>Add a product</h1>!${productForm('/console/products', ctx.csrfToken, values, failure, 'Add product')}`, failure?.status ?? 200);
  };

  app.get('/console/products/new', async (request, reply) => {
    authoriseUser(request.principal, 'products.write');
    return newPage(request, reply, {});
  });

  app.post('/console/products', async (request, reply) => {
    const p = authoriseUser(request.principal, 'products.write');
    const body = bodyOf(request);
    const outcome = await attempt(() => createProduct(platform.db, actorOf(p, request.ip), body));
    if (!outcome.ok) return newPage(request, reply, formValues(body), outcome.failure);
    return reply.redirect(`/console/products/${outcome.value.id}?saved=1`, 303);
  });

  const productPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    productId: string,
    extra: { productFailure?: FormFailure; productValues?: Record<string, string>; periodFailure?: FormFailure; periodValues?: Record<string, string> } = {},
  ) => {
    const p = authoriseUser(request.principal, 'products.read');
    const product = await getProduct(platform.db, p.organisation.id, productId);
    if (!product) return reply.callNotFound();
    const [period, history] = await Promise.all([getSupportPeriod(platform.db, product.id), supportPeriodHistory(platform.db, product.id)]);
    const write = roleMay(p.user.role, 'products.write');
    const ctx = pageContext(platform, request, reply);
    const category = categoryOf(product.category);
    const saved = (request.query as Record<string, unknown>)['saved'] !== undefined;
    const pv = extra.periodValues ?? { endDate: period?.endDate ?? '', atLeast: period?.atLeast ? 'on' : '' };
    const gtin = product.gtins[0];
    return sendPage(
      reply,
      ctx,
      `${product.brand} ${product.name}`,
      html`<h1>${product.brand} ${product.name} <small>${product.modelNumber}</small></h1>
!${saved ? notice('Saved.') : ''}
!${category?.excepted ? notice(`This category is excepted from the PSTI regime (${category.excepted}).`) : ''}
<h2 id="support-period">Support period</h2>
<p>${periodSummary(period)}</p>
!${
  period?.publishedAt
    ? html`<p>Public page: <a href="/makers/${p.organisation.slug}/products/${product.slug}">/makers/${p.organisation.slug}/products/${product.slug}</a>!${
        gtin ? html` · <a href="/labels/${gtin}">shelf label and QR code</a> · Digital Link <a href="/01/${gtin}">/01/${gtin}</a>` : ''
      }</p>`
    : ''
}
!${
  write
    ? html`!${errorSummary(extra.periodFailure?.message, extra.periodFailure?.fields)}
<form method="post" action="/console/products/${product.id}/support-period" novalidate>!${csrfInput(ctx.csrfToken)}
!${field(
  {
    name: 'endDate',
    label: 'Security updates until (end date)',
    hint: period?.publishedAt ? `Published: it can be extended beyond ${longDate(period.endDate)}, never shortened.` : 'YYYY-MM-DD, e.g. 2030-03-31.',
    value: pv['endDate'],
  },
  extra.periodFailure?.fields,
)}
<div class="field"><label class="check"><input type="checkbox" name="atLeast" value="on"!${pv['atLeast'] ? ' checked' : ''}> Say "at least until" (the period may well last longer)</label></div>
!${
  period?.publishedAt
    ? html`<button type="submit">Extend the support period</button>`
    : html`<button type="submit" name="publish" value="" class="secondary">Save as draft</button> <button type="submit" name="publish" value="on">Publish</button>
<p class="hint">Once published, the period is public and can only be extended.</p>`
}
</form>`
    : ''
}
!${
  history.length
    ? html`<h3>History</h3><ul>!${history
        .map(
          (h) =>
            html`<li>${h.at.toISOString().slice(0, 10)}: ${
              h.event === 'published'
                ? `published, until ${longDate(h.endDate)}`
                : h.event === 'extended'
                  ? `extended from ${longDate(h.previousEndDate ?? h.endDate)} to ${longDate(h.endDate)}`
                  : `wording changed to "${h.atLeast ? 'at least until' : 'until'}"`
            }</li>`,
        )
        .join('')}</ul>`
    : ''
}
<h2>Product details</h2>
!${
  write
    ? productForm(`/console/products/${product.id}`, ctx.csrfToken, extra.productValues ?? valuesOf(product), extra.productFailure, 'Save details')
    : html`<dl><dt>Category</dt><dd>${category?.label ?? product.category}</dd><dt>GTINs</dt><dd>${product.gtins.map(displayGtin).join(', ') || '—'}</dd><dt>Markets</dt><dd>${product.markets.join(', ') || '—'}</dd></dl>`
}`,
      extra.periodFailure?.status ?? extra.productFailure?.status ?? 200,
    );
  };

  app.get('/console/products/:productId', async (request, reply) => productPage(request, reply, uuidParam(request, 'productId', 'That product')));

  app.post('/console/products/:productId', async (request, reply) => {
    const p = authoriseUser(request.principal, 'products.write');
    const productId = uuidParam(request, 'productId', 'That product');
    if (!(await getProduct(platform.db, p.organisation.id, productId))) return reply.callNotFound();
    const body = bodyOf(request);
    const outcome = await attempt(() => updateProduct(platform.db, actorOf(p, request.ip), productId, body));
    if (!outcome.ok) return productPage(request, reply, productId, { productFailure: outcome.failure, productValues: formValues(body) });
    return reply.redirect(`/console/products/${productId}?saved=1`, 303);
  });

  app.post('/console/products/:productId/support-period', async (request, reply) => {
    const p = authoriseUser(request.principal, 'products.write');
    const productId = uuidParam(request, 'productId', 'That product');
    if (!(await getProduct(platform.db, p.organisation.id, productId))) return reply.callNotFound();
    const body = bodyOf(request);
    const outcome = await attempt(() => setSupportPeriod(platform.db, actorOf(p, request.ip), productId, body));
    if (!outcome.ok) return productPage(request, reply, productId, { periodFailure: outcome.failure, periodValues: { endDate: textOf(body, 'endDate'), atLeast: textOf(body, 'atLeast') } });
    return reply.redirect(`/console/products/${productId}?saved=1#support-period`, 303);
  });
}
