import { signedIn, type AccessRows } from './types.ts';

// The catalogue check reads published data only, so every signed-in caller may use it, of any
// organisation ("other" included); nobody without an account or a token may, since a check of
// 100,000 rows is work the platform does for its users.

export const catalogueRows: AccessRows = (ctx) => {
  const rows = { csv: `sku,gtin\nA-1,${ctx.gtinA}\nA-2,4006381333931\n` };
  return {
    'GET /console/catalogue': { expect: signedIn(200, 303) },
    'POST /console/catalogue/check': { prepare: async () => ({ url: '/console/catalogue/check', body: rows }), expect: signedIn(200, 401), public: true },
    'POST /api/v1/catalogue/check': { prepare: async () => ({ url: '/api/v1/catalogue/check', body: rows }), expect: signedIn(200, 401), api: true, public: true },
  };
};
