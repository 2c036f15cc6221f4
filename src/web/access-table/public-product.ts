import { everyone, type AccessRows } from './types.ts';

// The public product page, the GS1 Digital Link resolver and the shelf labels: the same answer for
// everyone, signed in or not. Where a route can answer in JSON the row asks for it, so the check
// for private markers reads the data itself rather than an empty redirect.

export const publicProductRows: AccessRows = (ctx) => ({
  'GET /makers/:makerSlug/products/:productSlug': {
    prepare: async () => ({ url: `/makers/${ctx.makerSlugA}/products/${ctx.productSlugA}` }),
    expect: everyone(200),
    public: true,
  },
  'GET /01/:gtin': {
    prepare: async () => ({ url: `/01/${ctx.gtinA}`, headers: { accept: 'application/json' } }),
    expect: everyone(200),
    public: true,
  },
  'GET /01/:gtin/10/:batch': {
    prepare: async () => ({ url: `/01/${ctx.gtinA}/10/B${ctx.next()}`, headers: { accept: 'application/linkset+json' } }),
    expect: everyone(200),
    public: true,
  },
  // A browser is sent on to the product page.
  'GET /01/:gtin/21/:serial': {
    prepare: async () => ({ url: `/01/${ctx.gtinA}/21/S${ctx.next()}` }),
    expect: everyone(307),
    public: true,
  },
  'GET /01/:gtin/10/:batch/21/:serial': {
    prepare: async () => ({ url: `/01/${ctx.gtinA}/10/B1/21/S${ctx.next()}?linkType=gs1:masterData` }),
    expect: everyone(200),
    public: true,
  },
  'GET /labels/:gtin': { prepare: async () => ({ url: `/labels/${ctx.gtinA}` }), expect: everyone(200), public: true },
  'GET /labels/:gtin/qr.svg': { prepare: async () => ({ url: `/labels/${ctx.gtinA}/qr.svg` }), expect: everyone(200), public: true },
  'GET /labels/:gtin/qr.png': { prepare: async () => ({ url: `/labels/${ctx.gtinA}/qr.png` }), expect: everyone(200), public: true },
  'GET /assets/label.css': { expect: everyone(200) },
});
