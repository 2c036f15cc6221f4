import { productEditors, signedIn, ownerOnly, type AccessRows, type Caller } from './types.ts';

/** Organisation A's people read its products; "other" gets 404 for anything of organisation A. */
const readA = (status: number, anonymous: number): Record<Caller, number> => ({ ...signedIn(status, anonymous), other: 404 });

export const productRows: AccessRows = (ctx) => {
  const details = () => ({ brand: 'Acme', name: 'Acme Camera', modelNumber: 'ACME-PUBLIC-1', category: 'camera', gtins: '4012345000016' });
  const fresh = () => {
    const n = ctx.next();
    return { brand: 'Fresh', name: `Fresh ${n}`, modelNumber: `FRESH-${n}`, category: 'hub', gtins: '' };
  };
  return {
    'GET /console/products/new': { expect: productEditors(200, 200, 303) },
    'POST /console/products': { prepare: async () => ({ url: '/console/products', body: fresh() }), expect: productEditors(303, 303, 401) },
    'GET /console/products/export.csv': { expect: signedIn(200, 303) },
    'POST /console/products/import': {
      prepare: async () => {
        const f = fresh();
        return { url: '/console/products/import', body: { csv: `brand,name,model_number,category\n${f.brand},${f.name},${f.modelNumber},${f.category}\n` } };
      },
      expect: productEditors(200, 200, 401),
    },
    'GET /console/products/:productId': { prepare: async () => ({ url: `/console/products/${ctx.productA}` }), expect: readA(200, 303) },
    'POST /console/products/:productId': { prepare: async () => ({ url: `/console/products/${ctx.productA}`, body: details() }), expect: productEditors(303, 404, 401) },
    'POST /console/products/:productId/support-period': {
      prepare: async () => ({ url: `/console/products/${ctx.productA}/support-period`, body: { endDate: '2031-01-31', publish: 'on' } }),
      expect: productEditors(303, 404, 401),
    },
    'GET /console/settings': { expect: ownerOnly(200, 200, 303) },
    'POST /console/settings': { prepare: async () => ({ url: '/console/settings', body: { securityContactUrl: 'https://example.test/security' } }), expect: ownerOnly(303, 303, 401) },
    'POST /api/v1/products': { prepare: async () => ({ url: '/api/v1/products', body: fresh() }), expect: productEditors(201, 201, 401), api: true },
    'GET /api/v1/products/export.csv': { expect: signedIn(200, 401), api: true },
    'POST /api/v1/products/import': { prepare: async () => ({ url: '/api/v1/products/import', body: {} }), expect: productEditors(200, 200, 401), api: true },
    'GET /api/v1/products/:productId': { prepare: async () => ({ url: `/api/v1/products/${ctx.productA}` }), expect: readA(200, 401), api: true },
    'PUT /api/v1/products/:productId': { prepare: async () => ({ url: `/api/v1/products/${ctx.productA}`, body: details() }), expect: productEditors(200, 404, 401), api: true },
    'PUT /api/v1/products/:productId/support-period': {
      prepare: async () => ({ url: `/api/v1/products/${ctx.productA}/support-period`, body: { endDate: '2031-01-31' } }),
      expect: productEditors(200, 404, 401),
      api: true,
    },
  };
};

/** Saved catalogues belong to the organisation that saved them. */
export const watchlistRows: AccessRows = (ctx) => ({
  'GET /console/watchlists': { expect: signedIn(200, 303) },
  'POST /console/watchlists': {
    prepare: async () => ({ url: '/console/watchlists', body: { name: `List ${ctx.next()}`, notifyEmail: 'buyer@example.test', withinDays: '90', csv: 'gtin\n4012345000016\n' } }),
    expect: productEditors(200, 200, 401),
  },
  'POST /console/watchlists/:watchlistId/delete': {
    prepare: async () => {
      const rows = await ctx.db.query<{ id: string }>(
        `INSERT INTO watchlists (organisation_id, name, notify_email, within_days) VALUES ($1, 'A list', 'a@acme.test', 30) RETURNING id`,
        [ctx.orgA],
      );
      return { url: `/console/watchlists/${rows[0]?.id}/delete` };
    },
    expect: productEditors(303, 404, 401),
  },
});
