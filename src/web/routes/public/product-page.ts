import type { FastifyInstance, FastifyReply } from 'fastify';
import { html } from 'ghtml';
import { publicStatement } from '../../../compliance/index.ts';
import { ConnectableError } from '../../../errors.ts';
import { digitalLinkPath, displayGtin, longDate, publicHistory, publicProductBySlug, type PublicProduct, type SupportPeriodEvent } from '../../../registry/index.ts';
import { pathParam, type Platform } from '../../context.ts';
import { page } from '../../views/layout.ts';

// The page a buyer reaches from the QR code on the box: what the product is and how long it gets
// security updates (psti.s1.3.2), in words that need no technical knowledge.

/** Where a published product's page lives; the Digital Link resolver and labels point here. */
export function productPagePath(product: Pick<PublicProduct, 'slug' | 'maker'>): string {
  return `/makers/${encodeURIComponent(product.maker.slug)}/products/${encodeURIComponent(product.slug)}`;
}

/** Public pages change only when a maker publishes, so a few minutes in a shared cache are fine. */
export const PUBLIC_CACHE = 'public, max-age=300';

/** The calendar day of a moment, in words; the database hands timestamps back as Date or text. */
export function longDay(at: Date | string): string {
  return longDate(new Date(at).toISOString().slice(0, 10));
}

/** "Security updates until 31 March 2030": the statement cut to fit a label or a heading. */
export function shortStatement(period: PublicProduct['supportPeriod']): string {
  const when = longDate(period.endDate);
  if (period.status === 'ended') return `Security updates ended on ${when}`;
  return `Security updates ${period.atLeast ? 'at least ' : ''}until ${when}`;
}

export function notPublished(what: string): ConnectableError {
  return new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', `${what} is not published here. Check the address or the barcode number, or ask the maker.`);
}

function historyLine(e: SupportPeriodEvent): string {
  const until = `${e.atLeast ? 'at least ' : ''}until ${longDate(e.endDate)}`;
  const on = longDay(e.at);
  if (e.event === 'extended' && e.previousEndDate) return `Extended from ${longDate(e.previousEndDate)} to ${longDate(e.endDate)} on ${on}.`;
  if (e.event === 'wording_changed') return `Changed to say security updates ${until} on ${on}.`;
  return `Published on ${on}: security updates ${until}.`;
}

function reportSection(product: PublicProduct): string {
  const contact = product.maker.securityContactUrl;
  return html`<section id="report" aria-labelledby="report-heading">
<h2 id="report-heading">How to report a security problem</h2>
!${
  contact
    ? html`<p>If you think you have found a security problem with this device, tell ${product.maker.name} here:</p>
<p><a href="${contact}" rel="external noopener noreferrer">${contact}</a></p>`
    : // Every maker here has a report form, with acknowledgement and status updates, even before it
      // names a contact of its own: the law's point of contact must never be missing.
      html`<p>If you think you have found a security problem with this device, tell ${product.maker.name} here. It is free, and needs no account:</p>
<p><a href="/disclose/${product.maker.slug}">Report a security problem to ${product.maker.name}</a></p>`
}
</section>`;
}

function productBody(product: PublicProduct, history: readonly SupportPeriodEvent[], statementHref?: string): string {
  const period = product.supportPeriod;
  const gtins = product.gtins.map(displayGtin);
  return html`<p>Made by ${product.maker.name}</p>
<h1>${product.brand} ${product.name}</h1>
!${
  product.excepted
    ? html`<p class="notice">The UK product security law (PSTI) does not apply to this kind of product (${product.excepted}). The maker has chosen to publish how long it gets security updates anyway.</p>`
    : ''
}
<dl class="summary">
  <div><dt>Brand</dt><dd>${product.brand}</dd></div>
  <div><dt>Model number</dt><dd>${product.modelNumber}</dd></div>
  <div><dt>Type of product</dt><dd>${product.categoryLabel}</dd></div>
  !${gtins.length ? html`<div><dt>Barcode number (GTIN)</dt><dd>${gtins.join(', ')}</dd></div>` : ''}
</dl>
<section id="support-period" aria-labelledby="support-period-heading">
<h2 id="support-period-heading">Security updates</h2>
<p class="support-statement${period.status === 'ended' ? ' ended' : ''}">${period.statement}</p>
<p>${product.maker.name} published this on ${longDay(period.publishedAt)}. A maker may make this period longer, but never shorter.</p>
!${
  history.length
    ? html`<h3>Changes to this period</h3>
<ol class="history">!${history.map((e) => html`<li>${historyLine(e)}</li>`).join('')}</ol>`
    : ''
}
</section>
!${statementHref ? html`<p id="statement-of-compliance"><a href="${statementHref}">Statement of Compliance</a></p>` : ''}
!${reportSection(product)}
!${
  product.gtins.length
    ? html`<section id="for-retailers" aria-labelledby="for-retailers-heading">
<h2 id="for-retailers-heading">For retailers and developers</h2>
<ul>!${product.gtins
        .map(
          (g) =>
            html`<li>GTIN ${displayGtin(g)}: <a href="/labels/${g}">shelf label with QR code</a>, <a href="${digitalLinkPath({ gtin14: g })}?linkType=gs1:masterData">this information as JSON</a></li>`,
        )
        .join('')}</ul>
</section>`
    : ''
}`;
}

/**
 * Sends a public page. It is the same for everyone (no sign-in shell, no form token, no cookie),
 * which is what lets a shared cache keep it; sendPage would mark it no-store.
 */
export function sendPublicPage(reply: FastifyReply, title: string, body: string, head = ''): FastifyReply {
  const doc = page({ csrfToken: '' }, title, body, head);
  return reply.header('cache-control', PUBLIC_CACHE).type('text/html; charset=utf-8').send(doc);
}

export function registerProductPage(app: FastifyInstance, platform: Platform): void {
  app.get('/makers/:makerSlug/products/:productSlug', async (request, reply) => {
    const found = await publicProductBySlug(platform.db, pathParam(request, 'makerSlug'), pathParam(request, 'productSlug'));
    if (!found) throw notPublished('That product');
    const { productId, ...product } = found;
    const [history, statement] = await Promise.all([publicHistory(platform.db, productId), publicStatement(platform.db, product.maker.slug, product.slug)]);
    const first = product.gtins[0];
    const head =
      html`<link rel="stylesheet" href="/assets/label.css">` +
      (first ? html`<link rel="alternate" type="application/json" href="${digitalLinkPath({ gtin14: first })}">` : '');
    return sendPublicPage(reply, `${product.brand} ${product.name}: security updates`, productBody(product, history, statement ? `/statements/${encodeURIComponent(product.maker.slug)}/${encodeURIComponent(product.slug)}` : undefined), head);
  });
}
