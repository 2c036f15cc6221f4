import type { FastifyInstance } from 'fastify';
import { html } from 'ghtml';
import { publicStatement, statementFile, type StatementContent, type StatementFile } from '../../../compliance/index.ts';
import { longDate } from '../../../registry/index.ts';
import { pathParam, type Platform } from '../../context.ts';
import { notPublished, PUBLIC_CACHE, sendPublicPage } from './product-page.ts';

// The Statement of Compliance a maker chose to show for a product: the page the product page
// links to, and the exact files issued with their detached signatures, so a buyer, a retailer or
// an authority can check it with gpg. Only the version shown is reachable here; others stay private.

/** Where the shown statement of a product lives. */
export const statementPath = (makerSlug: string, productSlug: string): string => `/statements/${encodeURIComponent(makerSlug)}/${encodeURIComponent(productSlug)}`;

const files: readonly { file: StatementFile; name: string }[] = [
  { file: 'pdf', name: 'statement.pdf' },
  { file: 'json', name: 'statement.json' },
  { file: 'pdf.asc', name: 'statement.pdf.asc' },
  { file: 'json.asc', name: 'statement.json.asc' },
];

function statementBody(base: string, makerSlug: string, c: StatementContent, signed: boolean): string {
  const p = c.product;
  return html`<p>Made by ${c.manufacturer.name}</p>
<h1>Statement of Compliance: ${p.brand} ${p.name}</h1>
<p>Version ${String(c.version)}, issued ${longDate(c.signatory.date)}.</p>
<h2>Product</h2>
<dl class="summary" id="statement-product">
  <div><dt>Brand</dt><dd>${p.brand}</dd></div>
  <div><dt>Model number</dt><dd>${p.modelNumber}</dd></div>
  <div><dt>Type of product</dt><dd>${p.productType}</dd></div>
  <div><dt>Hardware revision</dt><dd>${p.hardwareRevision ?? 'All revisions'}</dd></div>
  <div><dt>Batch</dt><dd>${p.batch}</dd></div>
</dl>
<h2>Manufacturer</h2>
<p id="statement-manufacturer">${c.manufacturer.name}<br><span class="pre">${c.manufacturer.address}</span></p>
!${c.manufacturer.authorisedRepresentative ? html`<p>Authorised representative: <span class="pre">${c.manufacturer.authorisedRepresentative}</span></p>` : ''}
<p>${c.preparedBy}</p>
<h2>Support period</h2>
<p id="statement-support-period">Security updates ${c.supportPeriod.atLeast ? 'at least ' : ''}until ${longDate(c.supportPeriod.endDate)}.</p>
<h2>Declaration</h2>
<p id="statement-declaration">${c.declaration}</p>
<h3>Requirements</h3>
<ul>!${c.requirements.map((r) => html`<li><strong>${r.reference}: ${r.title}</strong>, met through ${r.route}.</li>`).join('')}</ul>
<h2>Signed</h2>
<p id="statement-signatory">${c.signatory.name}, ${c.signatory.function}, ${c.signatory.place}, ${longDate(c.signatory.date)}</p>
<h2>Files</h2>
<ul id="statement-files">
<li><a href="${base}/statement.pdf">Statement of Compliance (PDF)</a></li>
<li><a href="${base}/statement.json">The same statement as JSON</a></li>
!${signed ? html`<li><a href="${base}/statement.pdf.asc">OpenPGP signature of the PDF</a> · <a href="${base}/statement.json.asc">of the JSON</a></li>` : ''}
</ul>
!${
  signed
    ? html`<p>Check it with the maker's <a href="/disclose/${makerSlug}/openpgp-key.asc">public key</a>: <code>gpg --verify statement.pdf.asc statement.pdf</code></p>`
    : html`<p>This version is not signed.</p>`
}`;
}

export function registerStatements(app: FastifyInstance, platform: Platform): void {
  app.get('/statements/:makerSlug/:productSlug', async (request, reply) => {
    const makerSlug = pathParam(request, 'makerSlug');
    const shown = await publicStatement(platform.db, makerSlug, pathParam(request, 'productSlug'));
    if (!shown) throw notPublished('A Statement of Compliance for that product');
    const base = statementPath(makerSlug, pathParam(request, 'productSlug'));
    const c = shown.content;
    return sendPublicPage(reply, `Statement of Compliance: ${c.product.brand} ${c.product.name}`, statementBody(base, makerSlug, c, shown.signed));
  });

  for (const { file, name } of files) {
    app.get(`/statements/:makerSlug/:productSlug/${name}`, async (request, reply) => {
      const shown = await publicStatement(platform.db, pathParam(request, 'makerSlug'), pathParam(request, 'productSlug'));
      const found = shown && (await statementFile(platform.db, { statementRow: shown.row }, file));
      if (!found) throw notPublished(file.endsWith('.asc') ? 'A signature of that statement' : 'A Statement of Compliance for that product');
      // Inline for the documents, so a browser shows them; the signatures are for saving.
      return reply
        .type(found.type)
        .header('content-disposition', `${file.endsWith('.asc') ? 'attachment' : 'inline'}; filename="${name}"`)
        .header('cache-control', PUBLIC_CACHE)
        .send(found.body);
    });
  }
}
