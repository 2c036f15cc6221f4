import fs from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { invalidInput, notFound } from '../../../errors.ts';
import { parseGtin, publicProductByGtin, type PublicProduct } from '../../../registry/index.ts';
import { pathParam, type Platform } from '../../context.ts';
import { API_CACHE_CONTROL, productUrl, publicRead, strongEtag } from '../api/public-v1.ts';

// What retailers put on their own product pages: a script, an iframe snippet for sites that
// allow no third-party scripts, a badge image and a Schema.org snippet. All of it is public,
// readable from any origin, and never fails loudly: a shop page must not show our errors.

export const widgetLanguages = ['en', 'de', 'fr', 'es', 'it', 'nl'] as const;
export type WidgetLanguage = (typeof widgetLanguages)[number];

interface WidgetText {
  until: string;
  atLeast: string;
  ended: string;
  none: string;
  details: string;
}

export const widgetText: Record<WidgetLanguage, WidgetText> = {
  en: {
    until: 'Security updates until {date}',
    atLeast: 'Security updates at least until {date}',
    ended: 'Security updates ended on {date}',
    none: 'Security update information is not available here.',
    details: 'Details',
  },
  de: {
    until: 'Sicherheitsupdates bis {date}',
    atLeast: 'Sicherheitsupdates mindestens bis {date}',
    ended: 'Sicherheitsupdates endeten am {date}',
    none: 'Informationen zu Sicherheitsupdates sind hier nicht verfügbar.',
    details: 'Details',
  },
  fr: {
    until: 'Mises à jour de sécurité jusqu’au {date}',
    atLeast: 'Mises à jour de sécurité au moins jusqu’au {date}',
    ended: 'Mises à jour de sécurité terminées le {date}',
    none: 'Les informations sur les mises à jour de sécurité ne sont pas disponibles ici.',
    details: 'Détails',
  },
  es: {
    until: 'Actualizaciones de seguridad hasta el {date}',
    atLeast: 'Actualizaciones de seguridad al menos hasta el {date}',
    ended: 'Las actualizaciones de seguridad terminaron el {date}',
    none: 'La información sobre actualizaciones de seguridad no está disponible aquí.',
    details: 'Detalles',
  },
  it: {
    until: 'Aggiornamenti di sicurezza fino al {date}',
    atLeast: 'Aggiornamenti di sicurezza almeno fino al {date}',
    ended: 'Gli aggiornamenti di sicurezza sono terminati il {date}',
    none: 'Le informazioni sugli aggiornamenti di sicurezza non sono disponibili qui.',
    details: 'Dettagli',
  },
  nl: {
    until: 'Beveiligingsupdates tot {date}',
    atLeast: 'Beveiligingsupdates tot minstens {date}',
    ended: 'Beveiligingsupdates zijn beëindigd op {date}',
    none: 'Informatie over beveiligingsupdates is hier niet beschikbaar.',
    details: 'Details',
  },
};

/** Bare "en" would format dates the American way; the law and most shops here are British. */
const defaultLocale: Record<WidgetLanguage, string> = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR', es: 'es-ES', it: 'it-IT', nl: 'nl-NL' };

function buildWidgetScript(): string {
  const source = fs.readFileSync(new URL('../../assets/widget.js', import.meta.url), 'utf8');
  if (!source.includes('/*TEXT*/ {}')) throw new Error('widget.js has lost its /*TEXT*/ placeholder');
  return source
    .replace('/*TEXT*/ {}', JSON.stringify(widgetText))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('//'))
    .join('\n');
}

export const widgetScript = buildWidgetScript();
const widgetScriptEtag = strongEtag(widgetScript);

// The iframe page's only stylesheet: inherit nothing (a frame cannot), so look quiet and small.
const frameCss = `html,body{margin:0;padding:0;background:transparent}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f1f1f}
.connectable-support{margin:0}
@media (prefers-color-scheme:dark){body{color:#e8e8e8}a{color:#8ab4f8}}
`;

export interface WidgetLanguageChoice {
  lang: WidgetLanguage;
  locale: string;
}

/** A language tag as a host page gives it ("de-AT", "fr") to one we have text for. */
export function widgetLanguage(tag: string | undefined): WidgetLanguageChoice {
  const base = (tag ?? '').trim().toLowerCase().split('-')[0] ?? '';
  const lang = (widgetLanguages as readonly string[]).includes(base) ? (base as WidgetLanguage) : 'en';
  let locale = defaultLocale[lang];
  if (tag && lang === base && tag.includes('-')) {
    try {
      locale = Intl.getCanonicalLocales(tag.trim())[0] ?? locale;
    } catch {
      // Not a valid tag: keep the language's default locale.
    }
  }
  return { lang, locale };
}

export function widgetDate(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${iso}T00:00:00Z`));
}

/** The widget's sentence, the same words the script writes on a shop's page. */
export function widgetSentence(period: PublicProduct['supportPeriod'] | undefined, choice: WidgetLanguageChoice): string {
  const t = widgetText[choice.lang];
  if (!period) return t.none;
  const template = period.status === 'ended' ? t.ended : period.atLeast ? t.atLeast : t.until;
  return template.replace('{date}', widgetDate(period.endDate, choice.locale));
}

/** Widgets and badges treat a mistyped GTIN like an unknown one: neutral, never an error. */
async function productForWidget(platform: Platform, request: FastifyRequest): Promise<PublicProduct | undefined> {
  const gtin = parseGtin(pathParam(request, 'gtin'));
  return gtin.ok ? publicProductByGtin(platform.db, gtin.gtin14) : undefined;
}

// Badge widths are estimated from Verdana 11px, as shields.io does, and textLength makes the
// text fit whatever font the viewer has.
const charWidth = 6.8;
const badgeColours = { active: '#2e7d32', ended: '#b3261e', unknown: '#6e6e6e' } as const;

export function badgeSvg(period: PublicProduct['supportPeriod'] | undefined): string {
  const label = 'security updates';
  const value = !period ? 'unknown' : period.status === 'ended' ? `ended ${period.endDate}` : `${period.atLeast ? 'at least ' : ''}until ${period.endDate}`;
  const colour = badgeColours[!period ? 'unknown' : period.status];
  const title = !period
    ? 'Security updates: information not available'
    : period.status === 'ended'
      ? `Security updates ended on ${period.endDate}`
      : `Security updates ${period.atLeast ? 'at least ' : ''}until ${period.endDate}`;
  const lw = Math.round(label.length * charWidth) + 12;
  const vw = Math.round(value.length * charWidth) + 12;
  const w = lw + vw;
  return html`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" viewBox="0 0 ${w} 20" role="img" aria-label="${title}">
<title>${title}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#444"/><rect x="${lw}" width="${vw}" height="20" fill="${colour}"/><rect width="${w}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${lw / 2}" y="14" textLength="${lw - 12}" lengthAdjust="spacingAndGlyphs">${label}</text>
<text x="${lw + vw / 2}" y="14" textLength="${vw - 12}" lengthAdjust="spacingAndGlyphs">${value}</text>
</g>
</svg>
`;
}

function framePage(platform: Platform, product: PublicProduct | undefined, choice: WidgetLanguageChoice): string {
  const t = widgetText[choice.lang];
  const sentence = widgetSentence(product?.supportPeriod, choice);
  // The frame cannot know where the shop wants links to open; a new tab leaves the shop page as it was.
  const link = product
    ? html` <a class="connectable-details" href="${productUrl(platform.config.publicUrl, product.maker.slug, product.slug)}" target="_blank" rel="noopener" aria-label="${`${t.details}: ${product.name}`}">${t.details}</a>`
    : '';
  return html`<!doctype html>
<html lang="${choice.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${sentence}</title>
<link rel="stylesheet" href="/widget.css">
</head>
<body><p class="connectable-support"><span class="connectable-statement">${sentence}</span>!${link}</p></body>
</html>
`;
}

export function registerWidget(app: FastifyInstance, platform: Platform): void {
  // The script's address has no version in it (shops paste it once), so it is cached for a day,
  // not a year: a fix reaches every shop by the next day.
  const scriptCaching = publicRead('public, max-age=86400, stale-while-revalidate=604800');
  // The charset in Content-Type outranks the host page's own for a script (HTML's classic script
  // fetch), so the translations can travel as plain UTF-8.
  app.get('/widget.js', scriptCaching, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('etag', widgetScriptEtag).send(widgetScript),
  );
  app.get('/widget.css', scriptCaching, async (_request, reply) => reply.type('text/css; charset=utf-8').send(frameCss));

  app.get('/widget/:gtin', { ...publicRead(API_CACHE_CONTROL), config: { embeddable: true } }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const choice = widgetLanguage(typeof query['lang'] === 'string' ? query['lang'].slice(0, 35) : undefined);
    const product = await productForWidget(platform, request);
    return reply.type('text/html; charset=utf-8').header('content-language', choice.lang).send(framePage(platform, product, choice));
  });

  app.get('/badge/:gtin.svg', publicRead('public, max-age=3600'), async (request, reply) => {
    const product = await productForWidget(platform, request);
    return reply.type('image/svg+xml; charset=utf-8').send(badgeSvg(product?.supportPeriod));
  });

  app.get('/jsonld/:gtin.json', publicRead(API_CACHE_CONTROL), async (request, reply) => {
    const gtin = parseGtin(pathParam(request, 'gtin'));
    if (!gtin.ok) throw invalidInput(gtin.reason, { gtin: gtin.reason });
    const product = await publicProductByGtin(platform.db, gtin.gtin14);
    if (!product) throw notFound('A product with a published support period and that GTIN');
    const publicUrl = platform.config.publicUrl;
    const snippet = {
      '@context': 'https://schema.org',
      '@type': 'Product',
      name: product.name,
      brand: { '@type': 'Brand', name: product.brand },
      model: product.modelNumber,
      gtin14: gtin.gtin14,
      url: productUrl(publicUrl, product.maker.slug, product.slug),
      hasGS1DigitalLink: `${publicUrl}/01/${gtin.gtin14}`,
      additionalProperty: [{ '@type': 'PropertyValue', name: 'Minimum security update support period end date', value: product.supportPeriod.endDate }],
    };
    return reply.type('application/ld+json; charset=utf-8').send(JSON.stringify(snippet));
  });
}
