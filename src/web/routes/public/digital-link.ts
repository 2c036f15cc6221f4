import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConnectableError, invalidInput } from '../../../errors.ts';
import { digitalLinkPath, parseDigitalLink, publicProductByGtin, type DigitalLink, type PublicProduct } from '../../../registry/index.ts';
import { pathParam, type Platform } from '../../context.ts';
import { notPublished, productPagePath, PUBLIC_CACHE } from './product-page.ts';

// GS1 Digital Link resolver (URI syntax 1.2; resolver behaviour after the GS1-Conformant Resolver
// Standard): the QR code on the box holds https://<us>/01/<gtin>, and whoever scans it is sent
// to the page, the support section or the data, by linkType or by what they Accept.

const VOC = 'https://gs1.org/voc/';
const LINK_TYPES = ['gs1:pip', 'gs1:support', 'gs1:masterData'] as const;
type LinkType = (typeof LINK_TYPES)[number];

interface ProductLink {
  linkType: LinkType;
  rel: string;
  href: string;
  title: string;
  type: string;
}

/** The product, or the right error: 400 with the reason (e.g. the expected check digit), 404. */
export async function resolveGtin(platform: Platform, gtin: string, batch?: string, serial?: string): Promise<{ link: DigitalLink; product: PublicProduct }> {
  const parsed = parseDigitalLink(gtin, batch, serial);
  if (!parsed.ok) throw invalidInput(parsed.reason, { gtin: parsed.reason });
  const found = await publicProductByGtin(platform.db, parsed.link.gtin14);
  if (!found) throw notPublished(`A product with GTIN ${gtin}`);
  // The internal id is ours alone; what leaves the building is the public record.
  const { productId: _internal, ...product } = found;
  return { link: parsed.link, product };
}

function linksOf(platform: Platform, link: DigitalLink, product: PublicProduct): ProductLink[] {
  const page = `${platform.config.publicUrl}${productPagePath(product)}`;
  const what = `${product.brand} ${product.name} (${product.modelNumber})`;
  return [
    { linkType: 'gs1:pip', rel: `${VOC}pip`, href: page, title: what, type: 'text/html' },
    { linkType: 'gs1:support', rel: `${VOC}support`, href: `${page}#support-period`, title: `Security updates for the ${what}`, type: 'text/html' },
    {
      linkType: 'gs1:masterData',
      rel: `${VOC}masterData`,
      href: `${platform.config.publicUrl}${digitalLinkPath(link)}?linkType=gs1:masterData`,
      title: `Product data and support period of the ${what}`,
      type: 'application/json',
    },
  ];
}

/** RFC 9264 linkset: one context (the Digital Link itself) and its links keyed by relation. */
function linkset(platform: Platform, link: DigitalLink, links: readonly ProductLink[]): unknown {
  const context: Record<string, unknown> = { anchor: `${platform.config.publicUrl}${digitalLinkPath(link)}` };
  for (const l of links) context[l.rel] = [{ href: l.href, title: l.title, type: l.type, hreflang: ['en'] }];
  return { linkset: [context] };
}

/**
 * How much the Accept header wants a media type: the most specific range that matches decides
 * (RFC 9110 §12.5.1). No header at all means anything will do.
 */
export function acceptQuality(accept: string | undefined, type: string): number {
  if (accept === undefined || accept.trim() === '') return 1;
  const major = type.split('/')[0];
  let specificity = -1;
  let quality = 0;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const s = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (s <= specificity) continue;
    const q = params.find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    specificity = s;
    quality = Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
  }
  return quality;
}

type Answer = 'redirect' | 'json' | 'linkset';

/** What the caller asked for by Accept; on a tie the earlier wins, and a person's page is first. */
function negotiate(accept: string | undefined): Answer {
  const offers: [Answer, string][] = [
    ['redirect', 'text/html'],
    ['json', 'application/json'],
    ['linkset', 'application/linkset+json'],
  ];
  let best: Answer = 'redirect';
  let bestQuality = 0;
  for (const [answer, type] of offers) {
    const q = acceptQuality(accept, type);
    if (q > bestQuality) [best, bestQuality] = [answer, q];
  }
  // Nothing we offer is acceptable: a resolver's default is the product page, as for a browser.
  return best;
}

function linkTypeOf(request: FastifyRequest): string | undefined {
  const value = (request.query as Record<string, unknown>)['linkType'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidInput('Give linkType once.', { linkType: 'Give linkType once.' });
  // GS1 names a link type by its short CURIE (gs1:pip) or by its full vocabulary URI.
  return value.startsWith(VOC) ? `gs1:${value.slice(VOC.length)}` : value;
}

function noSuchLinkType(linkType: string): ConnectableError {
  return new ConnectableError(
    'CONNECTABLE_ERR_NOT_FOUND',
    `This product has no link of type "${linkType}". The link types here are gs1:pip (the product page), gs1:support (its security updates), gs1:masterData (the product data as JSON) and all (every link, as an RFC 9264 linkset).`,
  );
}

/** An explicit linkType wins over Accept, as a resolver's links are meant to be followed as given. */
function answerFor(linkType: string | undefined, accept: string | undefined): Answer | LinkType {
  if (linkType === undefined) return negotiate(accept);
  // "all" asks for every link as a linkset; some resolvers spell it "linkset", so that works too.
  if (linkType === 'all' || linkType === 'linkset') return 'linkset';
  const known = LINK_TYPES.find((t) => t === linkType);
  if (!known) throw noSuchLinkType(linkType);
  return known;
}

/**
 * Public data and images are meant for other sites: a retailer's page shows the QR code, a
 * regulator's script reads the JSON. Nothing here depends on cookies, so any origin may read it.
 */
export function openToOtherSites(reply: FastifyReply): FastifyReply {
  return reply.header('access-control-allow-origin', '*').header('cross-origin-resource-policy', 'cross-origin');
}

function queryOf(request: FastifyRequest): string {
  const at = request.url.indexOf('?');
  return at < 0 ? '' : request.url.slice(at);
}

async function resolve(platform: Platform, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const gtin = pathParam(request, 'gtin');
  const batch = (request.params as Record<string, string | undefined>)['batch'];
  const serial = (request.params as Record<string, string | undefined>)['serial'];
  const linkType = linkTypeOf(request);
  const { link, product } = await resolveGtin(platform, gtin, batch, serial);
  openToOtherSites(reply);
  // One URI per trade item: a GTIN-8, -12 or -13 is the same GTIN-14 written shorter.
  if (gtin !== link.gtin14) return reply.header('cache-control', PUBLIC_CACHE).redirect(`${digitalLinkPath(link)}${queryOf(request)}`, 301);

  const links = linksOf(platform, link, product);
  reply
    .header('cache-control', PUBLIC_CACHE)
    .header('vary', 'Accept')
    .header(
      'link',
      [
        ...links.map((l) => `<${l.href}>; rel="${l.rel}"; type="${l.type}"`),
        `<${platform.config.publicUrl}${digitalLinkPath(link)}?linkType=all>; rel="linkset"; type="application/linkset+json"`,
      ].join(', '),
    );

  switch (answerFor(linkType, request.headers.accept)) {
    case 'redirect':
    case 'gs1:pip':
      return reply.redirect(productPagePath(product), 307);
    case 'gs1:support':
      return reply.redirect(`${productPagePath(product)}#support-period`, 307);
    case 'linkset':
      return reply.type('application/linkset+json').send(JSON.stringify(linkset(platform, link, links)));
    case 'json':
    case 'gs1:masterData':
      return reply.type('application/json; charset=utf-8').send({ gtin: link.gtin14, batch: link.batch ?? null, serial: link.serial ?? null, product, links });
  }
}

export function registerDigitalLink(app: FastifyInstance, platform: Platform): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => resolve(platform, request, reply);
  app.get('/01/:gtin', handler);
  app.get('/01/:gtin/10/:batch', handler);
  app.get('/01/:gtin/21/:serial', handler);
  app.get('/01/:gtin/10/:batch/21/:serial', handler);
}
