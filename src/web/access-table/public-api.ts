import { everyone, type AccessRows, type Row } from './types.ts';

// The public read API and the retailer widgets: published data only, the same answer for
// everyone, signed in or not. The exports are checked for drafts like every public row.

export const publicApiRows: AccessRows = (ctx) => {
  const modelNumberA = async (): Promise<string> => {
    const rows = await ctx.db.query<{ model_number: string }>('SELECT model_number FROM products WHERE id = $1', [ctx.productA]);
    return rows[0]?.model_number ?? 'missing';
  };
  const json = (prepare: Row['prepare']): Row => ({ ...(prepare ? { prepare } : {}), expect: everyone(200), public: true, api: true });
  const preflight = (prepare: Row['prepare']): Row => ({ ...(prepare ? { prepare } : {}), expect: everyone(204), public: true, api: true });
  const byGtin = async () => ({ url: `/api/v1/public/products/${ctx.gtinA}` });
  const ofMaker = async () => ({ url: `/api/v1/public/makers/${ctx.makerSlugA}/products` });
  const byModel = async () => ({ url: `/api/v1/public/makers/${ctx.makerSlugA}/products/${encodeURIComponent(await modelNumberA())}` });
  return {
    'GET /api/v1/public/products/:gtin': json(byGtin),
    'OPTIONS /api/v1/public/products/:gtin': preflight(byGtin),
    'GET /api/v1/public/makers/:makerSlug/products': json(ofMaker),
    'OPTIONS /api/v1/public/makers/:makerSlug/products': preflight(ofMaker),
    'GET /api/v1/public/makers/:makerSlug/products/:modelNumber': json(byModel),
    'OPTIONS /api/v1/public/makers/:makerSlug/products/:modelNumber': preflight(byModel),
    'GET /api/v1/public/export.json': json(undefined),
    'OPTIONS /api/v1/public/export.json': preflight(undefined),
    'GET /api/v1/public/export.csv': json(undefined),
    'OPTIONS /api/v1/public/export.csv': preflight(undefined),
    'GET /api/openapi.json': json(undefined),
    'OPTIONS /api/openapi.json': preflight(undefined),
    'GET /widget.js': { expect: everyone(200), public: true },
    'GET /widget.css': { expect: everyone(200), public: true },
    'GET /widget/:gtin': { prepare: async () => ({ url: `/widget/${ctx.gtinA}?lang=de` }), expect: everyone(200), public: true },
    'GET /badge/:gtin.svg': { prepare: async () => ({ url: `/badge/${ctx.gtinA}.svg` }), expect: everyone(200), public: true },
    'GET /jsonld/:gtin.json': { prepare: async () => ({ url: `/jsonld/${ctx.gtinA}.json` }), expect: everyone(200), public: true },
  };
};
