import { enqueueEmail } from '../mail/index.ts';
import { one, type Database, type Queryable } from '../store/index.ts';

// Promises become clocks, and clocks ring: before a deadline, at it, and when a report sits
// unopened. Every alert is written to the report's timeline, so each rings once, and the
// messages carry no detail of the vulnerability, only where to look.

const HOUR = 3_600_000;

interface Due {
  id: string;
  organisation_id: string;
  reference: string;
  state: string;
  first_opened_at: Date | null;
  received_at: Date;
  due: Date;
  kind: 'assessment' | 'update';
}

async function responders(q: Queryable, organisationId: string, ownersOnly: boolean): Promise<string[]> {
  const rows = await q.query<{ email: string }>(`SELECT email FROM users WHERE organisation_id = $1 AND role = ANY($2)`, [organisationId, ownersOnly ? ['owner'] : ['owner', 'security_responder']]);
  return rows.map((r) => r.email);
}

/** One pass of the deadline clock; returns how many alerts were queued. */
export async function ringDeadlines(db: Database, publicUrl: string, now = new Date()): Promise<number> {
  return db.transaction(async (tx) => {
    const open = await tx.query<Due>(
      `SELECT id, organisation_id, reference, state, first_opened_at, received_at,
              CASE WHEN state = 'received' THEN least(triage_due, next_update_due) ELSE next_update_due END AS due,
              CASE WHEN state = 'received' THEN 'assessment' ELSE 'update' END AS kind
         FROM vulnerability_reports WHERE state <> 'closed' AND waiting_since IS NULL FOR UPDATE`,
    );
    let queued = 0;
    for (const r of open) {
      const alerts: { key: string; ownersOnly: boolean; subject: string }[] = [];
      if (!r.first_opened_at && now.getTime() - r.received_at.getTime() >= 24 * HOUR) {
        alerts.push({ key: 'alert:unopened', ownersOnly: false, subject: `Nobody has opened report ${r.reference} yet` });
      }
      const left = r.due.getTime() - now.getTime();
      const stamp = r.due.toISOString();
      if (left <= 0) alerts.push({ key: `escalation:${r.kind}:${stamp}`, ownersOnly: true, subject: `OVERDUE: the ${r.kind} promised for ${r.reference} is late` });
      else if (left <= 24 * HOUR) alerts.push({ key: `reminder:${r.kind}:${stamp}`, ownersOnly: false, subject: `Due within 24 hours: the ${r.kind} of ${r.reference}` });
      for (const a of alerts) {
        if (await one(tx, 'SELECT 1 FROM report_events WHERE report_id = $1 AND event = $2', [r.id, a.key])) continue;
        await tx.query(`INSERT INTO report_events (report_id, event, actor) VALUES ($1, $2, 'system')`, [r.id, a.key]);
        for (const to of await responders(tx, r.organisation_id, a.ownersOnly)) {
          await enqueueEmail(tx, { organisationId: r.organisation_id, to, subject: a.subject, text: `${a.subject}.\n${publicUrl}/console/reports/${r.id}\n` });
          queued++;
        }
      }
    }
    return queued;
  });
}

/**
 * Reports waiting on a silent reporter: a reminder to the reporter a week before the policy's
 * waiting time runs out, then the report closes as no_response. Returns how many were closed.
 */
export async function closeSilentReports(db: Database, now = new Date()): Promise<number> {
  return db.transaction(async (tx) => {
    const waiting = await tx.query<{ id: string; organisation_id: string; reference: string; reporter_email: string | null; waiting_since: Date; waiting_close_days: number }>(
      `SELECT r.id, r.organisation_id, r.reference, r.reporter_email, r.waiting_since, coalesce(p.waiting_close_days, 30) AS waiting_close_days
         FROM vulnerability_reports r LEFT JOIN disclosure_policies p ON p.organisation_id = r.organisation_id
        WHERE r.state <> 'closed' AND r.waiting_since IS NOT NULL FOR UPDATE OF r`,
    );
    let closed = 0;
    for (const r of waiting) {
      const closesAt = r.waiting_since.getTime() + r.waiting_close_days * 24 * HOUR;
      if (now.getTime() >= closesAt) {
        await tx.query(`UPDATE vulnerability_reports SET state = 'closed', close_reason = 'no_response', waiting_since = NULL WHERE id = $1`, [r.id]);
        await tx.query(`INSERT INTO report_events (report_id, event, actor, details) VALUES ($1, 'state:closed', 'system', '{"closeReason":"no_response"}')`, [r.id]);
        await tx.query(`INSERT INTO report_messages (report_id, author, author_label, visibility, body) VALUES ($1, 'system', 'Status', 'reporter', $2)`, [
          r.id,
          `Closed: we asked for information ${r.waiting_close_days} days ago and had no answer. If you can still help, send a new report and mention ${r.reference}.`,
        ]);
        if (r.reporter_email) {
          await enqueueEmail(tx, { organisationId: r.organisation_id, to: r.reporter_email, subject: `${r.reference}: closed without an answer`, text: `Your report ${r.reference} was closed because the information we asked for did not arrive. Details are on your private tracking page.\n` });
        }
        closed++;
        continue;
      }
      const key = `reporter_reminder:${r.waiting_since.toISOString()}`;
      if (r.reporter_email && closesAt - now.getTime() <= 7 * 24 * HOUR && !(await one(tx, 'SELECT 1 FROM report_events WHERE report_id = $1 AND event = $2', [r.id, key]))) {
        await tx.query(`INSERT INTO report_events (report_id, event, actor) VALUES ($1, $2, 'system')`, [r.id, key]);
        await enqueueEmail(tx, {
          organisationId: r.organisation_id,
          to: r.reporter_email,
          subject: `${r.reference}: we are still waiting for your answer`,
          text: `We still need the information we asked for on your report ${r.reference}. Without it the report closes on ${new Date(closesAt).toUTCString()}. Answer on your private tracking page.\n`,
        });
      }
    }
    return closed;
  });
}

export interface PromiseRecord {
  reports: number;
  acknowledge: { medianMinutes: number | null; worstMinutes: number | null };
  triage: { kept: number; missed: number; open: number; medianHours: number | null; worstHours: number | null };
  /** Fixes promised by severity, counted from receipt to "a fix or mitigation is available". */
  fix: { kept: number; missed: number; open: number; medianDays: number | null; worstDays: number | null };
  overdueNow: number;
}

/** Kept and missed promises, the evidence behind a Statement of Compliance (psti.s1.2). */
export async function promiseRecord(q: Queryable, organisationId: string, now = new Date()): Promise<PromiseRecord> {
  const r = await one<{
    reports: number;
    ack_median: number | null;
    ack_worst: number | null;
    kept: number;
    missed: number;
    open: number;
    triage_median: number | null;
    triage_worst: number | null;
    fix_kept: number;
    fix_missed: number;
    fix_open: number;
    fix_median: number | null;
    fix_worst: number | null;
    overdue: number;
  }>(
    q,
    `SELECT count(*)::int AS reports,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM acknowledged_at - received_at) / 60) AS ack_median,
            max(extract(epoch FROM acknowledged_at - received_at) / 60)::float8 AS ack_worst,
            count(*) FILTER (WHERE triaged_at IS NOT NULL AND triaged_at <= triage_due)::int AS kept,
            count(*) FILTER (WHERE (triaged_at IS NOT NULL AND triaged_at > triage_due) OR (triaged_at IS NULL AND triage_due < $2))::int AS missed,
            count(*) FILTER (WHERE triaged_at IS NULL AND triage_due >= $2)::int AS open,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM triaged_at - received_at) / 3600) FILTER (WHERE triaged_at IS NOT NULL) AS triage_median,
            max(extract(epoch FROM triaged_at - received_at) / 3600)::float8 AS triage_worst,
            count(*) FILTER (WHERE fix_due IS NOT NULL AND fix_available_at IS NOT NULL AND fix_available_at <= fix_due)::int AS fix_kept,
            count(*) FILTER (WHERE fix_due IS NOT NULL AND ((fix_available_at IS NOT NULL AND fix_available_at > fix_due) OR (fix_available_at IS NULL AND fix_due < $2)))::int AS fix_missed,
            count(*) FILTER (WHERE fix_due IS NOT NULL AND fix_available_at IS NULL AND fix_due >= $2)::int AS fix_open,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM fix_available_at - received_at) / 86400) FILTER (WHERE fix_available_at IS NOT NULL) AS fix_median,
            max(extract(epoch FROM fix_available_at - received_at) / 86400)::float8 AS fix_worst,
            count(*) FILTER (WHERE state <> 'closed' AND CASE WHEN state = 'received' THEN least(triage_due, next_update_due) ELSE next_update_due END < $2)::int AS overdue
       FROM vulnerability_reports WHERE organisation_id = $1`,
    [organisationId, now],
  );
  const num = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);
  return {
    reports: r?.reports ?? 0,
    acknowledge: { medianMinutes: num(r?.ack_median), worstMinutes: num(r?.ack_worst) },
    triage: { kept: r?.kept ?? 0, missed: r?.missed ?? 0, open: r?.open ?? 0, medianHours: num(r?.triage_median), worstHours: num(r?.triage_worst) },
    fix: { kept: r?.fix_kept ?? 0, missed: r?.fix_missed ?? 0, open: r?.fix_open ?? 0, medianDays: num(r?.fix_median), worstDays: num(r?.fix_worst) },
    overdueNow: r?.overdue ?? 0,
  };
}
