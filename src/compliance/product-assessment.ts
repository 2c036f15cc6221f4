// Gathers the facts the assessment needs for one product from the other domains and the evidence
// tables, then assesses. The only place the assessment touches the database.
import { getOrganisationKey, getPolicy, promiseRecord } from '../disclosure/index.ts';
import { notFound } from '../errors.ts';
import { isRequirement, provisions, type Requirement } from '../law/index.ts';
import { getProduct, getSupportPeriod, type Product } from '../registry/index.ts';
import type { Queryable } from '../store/index.ts';
import { assess, type ProvisionAssessment, type SupportFacts } from './assessment.ts';
import { currentEvidence, listEvidence, type Evidence } from './evidence.ts';
import { currentJudgements, listJudgements } from './judgements.ts';
import { readiness, type DutyReadiness } from './readiness.ts';

export interface ProductAssessment {
  product: Product;
  hardwareRevision: string;
  provisions: ProvisionAssessment[];
  duties: DutyReadiness[];
  evidence: Evidence[];
  current: Evidence[];
  supportPeriod: SupportFacts | null;
}

/** Provisions a product is assessed against: every rule but the Statement's own items and groups. */
export function assessedProvisions(): Requirement[] {
  return provisions().filter((p): p is Requirement => isRequirement(p) && p.kind === 'requirement');
}

export async function assessProduct(q: Queryable, organisationId: string, productId: string, hardwareRevision = '', now = new Date()): Promise<ProductAssessment> {
  const product = await getProduct(q, organisationId, productId);
  if (!product) throw notFound('That product');
  const revision = product.hardwareRevisions.includes(hardwareRevision) ? hardwareRevision : '';
  const [evidence, judgements, policy, promises, period, key, orgs] = await Promise.all([
    listEvidence(q, organisationId, productId),
    listJudgements(q, organisationId, productId),
    getPolicy(q, organisationId),
    promiseRecord(q, organisationId, now),
    getSupportPeriod(q, productId),
    getOrganisationKey(q, organisationId),
    q.query<{ slug: string }>('SELECT slug FROM organisations WHERE id = $1', [organisationId]),
  ]);
  const current = currentEvidence(evidence, revision);
  const supportPeriod: SupportFacts | null = period ? { endDate: period.endDate, atLeast: period.atLeast, publishedAt: period.publishedAt } : null;
  const assessed = assess({
    provisions: assessedProvisions(),
    evidence: current,
    judgements: currentJudgements(judgements, revision),
    disclosure: {
      publishedAt: policy.publishedAt,
      acknowledgeHours: policy.acknowledgeHours,
      updateIntervalDays: policy.updateIntervalDays,
      url: `/disclose/${orgs[0]?.slug ?? ''}`,
      securityTxtSigned: key !== undefined,
    },
    promises,
    supportPeriod,
    now,
  });
  return {
    product,
    hardwareRevision: revision,
    provisions: assessed,
    duties: readiness(assessed, { promises, supportPeriod, now }),
    evidence,
    current: Object.values(current).filter((e): e is Evidence => e !== undefined),
    supportPeriod,
  };
}
