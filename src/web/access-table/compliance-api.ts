import { callers, type AccessRows, type Caller } from './types.ts';

// The compliance API for CI: reading an assessment is everyone's in the organisation; uploading
// evidence is for the people who build and secure the product. Another organisation's product
// is a 404, exactly like one that does not exist.
const evidenceWriters = (status: number): Record<Caller, number> => ({
  ...(Object.fromEntries(callers.map((c) => [c, status])) as Record<Caller, number>),
  anonymous: 401,
  other: 404,
  viewer: 403,
});

export const complianceApiRows: AccessRows = (ctx) => ({
  'GET /api/v1/products/:product/assessment': {
    prepare: async () => ({ url: `/api/v1/products/${ctx.productA}/assessment` }),
    expect: { ...(Object.fromEntries(callers.map((c) => [c, 200])) as Record<Caller, number>), anonymous: 401, other: 404 },
    api: true,
  },
  // The body is not a tool's report, so a caller who may upload gets the 400 that says so.
  'POST /api/v1/products/:product/evidence': {
    prepare: async () => ({ url: `/api/v1/products/${ctx.productA}/evidence`, body: { format: 'connectable.evidence/1', kind: 'firmware-scan', tool: 'connectable scan' } }),
    expect: evidenceWriters(400),
    api: true,
  },
});
