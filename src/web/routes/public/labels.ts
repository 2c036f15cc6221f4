import fs from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import QRCode, { type QRCodeErrorCorrectionLevel } from 'qrcode';
import { invalidInput } from '../../../errors.ts';
import { digitalLinkPath, displayGtin, type DigitalLink } from '../../../registry/index.ts';
import { pathParam, type Platform } from '../../context.ts';
import { openToOtherSites, resolveGtin } from './digital-link.ts';
import { PUBLIC_CACHE, productPagePath, shortStatement } from './product-page.ts';

// Shelf labels and QR codes for retailers and packaging: the QR holds the product's GS1 Digital
// Link, so one code on the box serves a shopper's phone and a retailer's scanner alike.

const css = fs.readFileSync(new URL('../../assets/label.css', import.meta.url), 'utf8');

// M recovers about 15% damage: enough for a scuffed box, still small at this URI's length. The
// quiet zone of four modules is what the QR standard asks for around the symbol.
const qrOptions = { errorCorrectionLevel: 'M' as QRCodeErrorCorrectionLevel, margin: 4 };
// Wide enough to print sharp at 36 mm (about 360 dpi) without the PNG growing large.
const PNG_WIDTH = 512;

function optionalQuery(request: FastifyRequest, name: 'batch' | 'serial'): string | undefined {
  const value = (request.query as Record<string, unknown>)[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalidInput(`Give ${name} once.`, { [name]: `Give ${name} once.` });
  return value;
}

/** The published product behind /labels/:gtin, its Digital Link URI, and the query to repeat. */
async function labelFor(platform: Platform, request: FastifyRequest) {
  const { link, product } = await resolveGtin(platform, pathParam(request, 'gtin'), optionalQuery(request, 'batch'), optionalQuery(request, 'serial'));
  return { link, product, uri: `${platform.config.publicUrl}${digitalLinkPath(link)}`, query: queryFor(link) };
}

function queryFor(link: DigitalLink): string {
  const q = new URLSearchParams();
  if (link.batch) q.set('batch', link.batch);
  if (link.serial) q.set('serial', link.serial);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function labelPage(title: string, body: string): string {
  // A document of its own: the card is what prints, with none of the site's header or footer.
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Connectable</title>
<link rel="stylesheet" href="/assets/label.css">
</head>
<body class="label-page">
<main>
!${body}
</main>
</body>
</html>`;
}

export function registerLabels(app: FastifyInstance, platform: Platform): void {
  app.get('/assets/label.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(css));

  app.get('/labels/:gtin/qr.svg', async (request, reply) => {
    const { uri } = await labelFor(platform, request);
    const svg = await QRCode.toString(uri, { ...qrOptions, type: 'svg' });
    return openToOtherSites(reply).type('image/svg+xml; charset=utf-8').header('cache-control', PUBLIC_CACHE).send(svg);
  });

  app.get('/labels/:gtin/qr.png', async (request, reply) => {
    const { uri } = await labelFor(platform, request);
    const png = await QRCode.toBuffer(uri, { ...qrOptions, type: 'png', width: PNG_WIDTH });
    return openToOtherSites(reply).type('image/png').header('cache-control', PUBLIC_CACHE).send(png);
  });

  app.get('/labels/:gtin', async (request, reply) => {
    const { link, product, uri, query } = await labelFor(platform, request);
    const svg = await QRCode.toString(uri, { ...qrOptions, type: 'svg' });
    const statement = shortStatement(product.supportPeriod);
    const shortUrl = uri.replace(/^https?:\/\//, '');
    const qrBase = `/labels/${link.gtin14}`;
    const body = html`<div class="label-instructions">
<h1>Shelf label</h1>
<p>Print this page with your browser's Print command: the label below fills one card of 74 × 105 mm (A7). The QR code opens the <a href="${productPagePath(product)}">product page</a>.</p>
<p>The QR code alone, for your own labels: <a href="${qrBase}/qr.svg${query}">SVG</a> or <a href="${qrBase}/qr.png${query}">PNG</a>.</p>
</div>
<article class="label" aria-label="Shelf label for the ${product.brand} ${product.name}">
<p class="label-maker">${product.brand}</p>
<p class="label-name">${product.name}</p>
<p class="label-model">Model ${product.modelNumber}</p>
<p class="support-statement${product.supportPeriod.status === 'ended' ? ' ended' : ''}">${statement}</p>
<div class="label-qr" role="img" aria-label="QR code for ${shortUrl}">!${svg}</div>
<p class="label-gtin">GTIN ${displayGtin(link.gtin14)}!${link.batch ? html` · Batch ${link.batch}` : ''}!${link.serial ? html` · Serial ${link.serial}` : ''}</p>
<p class="label-url">${shortUrl}</p>
</article>`;
    return reply.type('text/html; charset=utf-8').header('cache-control', PUBLIC_CACHE).send(labelPage(`Shelf label: ${product.brand} ${product.name}`, body));
  });
}
