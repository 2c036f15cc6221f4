import { createOrganisation, findOrganisationBySlug, type Organisation } from './accounts/index.ts';
import { systemActor } from './audit/index.ts';
import { createProduct, setSupportPeriod } from './registry/index.ts';
import type { Database } from './store/index.ts';

export const DEMO_SLUG = 'demo-maker-ltd';

// Products of a fictional maker, so a first start has something to look at: one supported for
// years, one whose support has ended, one still a draft. The GTINs use the GS1 prefix 0000000,
// which is never issued, with valid check digits.
const demoProducts = [
  { product: { brand: 'Demo', name: 'Smart Plug', modelNumber: 'DSP-100', category: 'smart-plug', gtins: '00000000000017', markets: 'GB, EU' }, period: { endDate: '2030-03-31', publish: true } },
  { product: { brand: 'Demo', name: 'Indoor Camera', modelNumber: 'DIC-220', category: 'camera', gtins: '00000000000024', markets: 'GB' }, period: { endDate: '2025-06-30', publish: true } },
  { product: { brand: 'Demo', name: 'Home Hub', modelNumber: 'DHH-300', category: 'hub', gtins: '00000000000031', markets: 'GB, US' }, period: { endDate: '2031-12-31', atLeast: true, publish: false } },
];

/** Creates the demo maker and its products once; later starts find them and change nothing. */
export async function seedDemo(db: Database): Promise<Organisation> {
  const existing = await findOrganisationBySlug(db, DEMO_SLUG);
  if (existing) return existing;
  const organisation = await db.transaction((tx) => createOrganisation(tx, systemActor, { name: 'Demo Maker Ltd', kind: 'maker' }));
  const actor = { ...systemActor, organisationId: organisation.id };
  for (const d of demoProducts) {
    const product = await createProduct(db, actor, d.product);
    await setSupportPeriod(db, actor, product.id, d.period);
  }
  return organisation;
}
