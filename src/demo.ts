import { createOrganisation, findOrganisationBySlug, type Organisation } from './accounts/index.ts';
import { systemActor } from './audit/index.ts';
import { createProduct } from './registry/index.ts';
import type { Database } from './store/index.ts';

export const DEMO_SLUG = 'demo-maker-ltd';

// Products of a fictional maker, so a first start has something to look at. The GTINs use the
// GS1 prefix range 0-0-0 that is never issued, with valid check digits.
const demoProducts = [
  { name: 'Demo Smart Plug', modelNumber: 'DSP-100', gtin: '00000000000017' },
  { name: 'Demo Indoor Camera', modelNumber: 'DIC-220', gtin: '00000000000024' },
  { name: 'Demo Home Hub', modelNumber: 'DHH-300', gtin: '00000000000031' },
];

/** Creates the demo maker and its products once; later starts find them and change nothing. */
export async function seedDemo(db: Database): Promise<Organisation> {
  const existing = await findOrganisationBySlug(db, DEMO_SLUG);
  if (existing) return existing;
  return db.transaction(async (tx) => {
    const organisation = await createOrganisation(tx, systemActor, { name: 'Demo Maker Ltd', kind: 'maker' });
    for (const p of demoProducts) await createProduct(tx, { ...systemActor, organisationId: organisation.id }, p);
    return organisation;
  });
}
