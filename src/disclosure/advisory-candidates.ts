import type { Queryable } from '../store/index.ts';

// The reports an advisory may be written from: accepted or closed ones (createAdvisory refuses
// others), each with whether it names an affected product yet, since an advisory without one
// cannot be sent for approval; the form says so before the responder finds out.

export interface AdvisoryCandidate {
  id: string;
  reference: string;
  title: string;
  state: string;
  affectedProducts: number;
}

export async function advisoryCandidates(q: Queryable, organisationId: string): Promise<AdvisoryCandidate[]> {
  return q.query(
    `SELECT r.id, r.reference, r.title, r.state,
            (SELECT count(*)::int FROM report_affected_products a WHERE a.report_id = r.id) AS "affectedProducts"
       FROM vulnerability_reports r
      WHERE r.organisation_id = $1 AND r.state IN ('accepted', 'closed')
      ORDER BY r.received_at DESC
      LIMIT 200`,
    [organisationId],
  );
}
