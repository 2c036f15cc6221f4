// The three duties at a glance, for the maker's dashboard: red, amber or green, why, and the one
// thing to do next. Derived from the assessment only, so the dashboard can never disagree with it.
import type { PromiseRecord } from '../disclosure/index.ts';
import type { ProvisionAssessment, SupportFacts } from './assessment.ts';

export const duties = ['passwords', 'reporting', 'support-period'] as const;
export type Duty = (typeof duties)[number];
export type Rag = 'red' | 'amber' | 'green';

export const dutyLabels: Record<Duty, string> = {
  passwords: 'No universal default passwords',
  reporting: 'A way to report vulnerabilities',
  'support-period': 'A published support period',
};

export interface DutyReadiness {
  duty: Duty;
  lawId: string;
  rag: Rag;
  reason: string;
  nextAction: string | null;
}

const DAY = 24 * 60 * 60 * 1000;

export function readiness(assessment: readonly ProvisionAssessment[], facts: { promises: PromiseRecord | null; supportPeriod: SupportFacts | null; now: Date }): DutyReadiness[] {
  const get = (id: string): ProvisionAssessment | undefined => assessment.find((a) => a.id === id);
  const out: DutyReadiness[] = [];

  const passwords = get('psti.s1.1');
  out.push({
    duty: 'passwords',
    lawId: 'psti.s1.1',
    rag: passwords?.status === 'met' ? 'green' : passwords?.status === 'not_met' ? 'red' : 'amber',
    reason: passwords?.reason ?? 'Not assessed.',
    nextAction: passwords?.status === 'met' ? null : (passwords?.nextAction ?? null),
  });

  const reporting = get('psti.s1.2');
  const overdue = facts.promises?.overdueNow ?? 0;
  out.push(
    reporting?.status !== 'met'
      ? { duty: 'reporting', lawId: 'psti.s1.2', rag: 'red', reason: reporting?.reason ?? 'Not assessed.', nextAction: reporting?.nextAction ?? 'Publish the disclosure policy: Console → Disclosure policy.' }
      : overdue > 0
        ? { duty: 'reporting', lawId: 'psti.s1.2', rag: 'amber', reason: `The policy is published, but ${overdue} report${overdue === 1 ? ' is' : 's are'} past a promised deadline.`, nextAction: 'Answer the overdue reports: Console → Reports.' }
        : { duty: 'reporting', lawId: 'psti.s1.2', rag: 'green', reason: reporting.reason, nextAction: null },
  );

  const support = get('psti.s1.3');
  const period = facts.supportPeriod;
  if (support?.status !== 'met' || !period?.publishedAt) {
    out.push({ duty: 'support-period', lawId: 'psti.s1.3', rag: period?.publishedAt ? 'amber' : 'red', reason: support?.reason ?? 'No support period is published.', nextAction: support?.nextAction ?? 'Publish the support period: Console → Products → Support period.' });
  } else {
    const end = new Date(`${period.endDate}T23:59:59Z`).getTime();
    const left = Math.floor((end - facts.now.getTime()) / DAY);
    if (left < 0) out.push({ duty: 'support-period', lawId: 'psti.s1.3', rag: 'amber', reason: `The support period ended on ${period.endDate}: units sold now get no security updates.`, nextAction: 'Extend the support period, or stop supplying the product.' });
    else if (left < 180) out.push({ duty: 'support-period', lawId: 'psti.s1.3', rag: 'amber', reason: `Security updates end in ${left} days (${period.endDate}).`, nextAction: 'Decide now whether to extend it; retailers see the end date.' });
    else out.push({ duty: 'support-period', lawId: 'psti.s1.3', rag: 'green', reason: support.reason, nextAction: null });
  }
  return out;
}
