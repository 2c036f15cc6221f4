import crypto from 'node:crypto';
import { z } from 'zod';
import { hashToken, randomToken } from '../accounts/index.ts';
import { recordAudit, type Actor } from '../audit/index.ts';
import { ConnectableError, invalidInput, notFound } from '../errors.ts';
import { enqueueEmail } from '../mail/index.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { optionalEmail, parseInput } from '../validation.ts';
import { storeAttachments, type CheckedFile } from './attachments.ts';
import { addDays } from './business-days.ts';
import { getPolicy } from './policy.ts';

export const reportStates = ['received', 'valid', 'invalid', 'accepted', 'deferred', 'closed'] as const;
export type ReportState = (typeof reportStates)[number];
export const closeReasons = ['fixed', 'duplicate', 'not_applicable', 'out_of_scope', 'spam', 'could_not_reproduce', 'accepted_risk'] as const;
export type CloseReason = (typeof closeReasons)[number];

export const stateLabels: Record<ReportState, string> = {
  received: 'Received',
  valid: 'Confirmed as a security issue',
  invalid: 'Not a security issue',
  accepted: 'Accepted: a fix is planned',
  deferred: 'Deferred',
  closed: 'Closed',
};

// ISO/IEC 30111 and CERT/CC's Vultron report states: which move may follow which.
const transitions: Record<ReportState, readonly ReportState[]> = {
  received: ['valid', 'invalid'],
  valid: ['accepted', 'deferred'],
  invalid: ['closed', 'received'],
  accepted: ['closed', 'deferred'],
  deferred: ['accepted', 'closed'],
  closed: [],
};

export function nextStates(state: ReportState): readonly ReportState[] {
  return transitions[state];
}

const rejectingReasons: readonly CloseReason[] = ['duplicate', 'not_applicable', 'out_of_scope', 'spam', 'could_not_reproduce'];

/** Turning a reporter away: these need a second person, so one bad call cannot bury a report. */
export function isRejection(to: ReportState, closeReason: CloseReason | undefined): boolean {
  return to === 'invalid' || (to === 'closed' && closeReason !== undefined && rejectingReasons.includes(closeReason));
}

export interface RejectionProposal {
  to: ReportState;
  closeReason: CloseReason | null;
  by: string;
  byLabel: string;
  at: string;
}

const optionalText = (max: number) => z.string().trim().max(max, `Use at most ${max.toLocaleString('en-GB')} characters.`).default('');

export const reportInput = z.object({
  productId: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(z.uuid({ error: 'Choose a product from the list, or name it in "Other product".' }).optional()),
  productText: optionalText(200),
  version: optionalText(100),
  title: z.string().trim().min(5, 'Give the report a short title (at least 5 characters).').max(200, 'Use at most 200 characters.'),
  description: z.string().trim().min(20, 'Describe the problem (at least 20 characters).').max(20_000, 'Use at most 20,000 characters.'),
  steps: z.string().trim().min(10, 'Give the steps to reproduce it, or a proof of concept.').max(50_000, 'Use at most 50,000 characters.'),
  impact: optionalText(10_000),
  reporterEmail: optionalEmail('Enter an e-mail address such as name@example.com, or leave it empty to stay anonymous.'),
  reporterName: optionalText(100),
  aiUse: z.enum(['none', 'assisted', 'generated'], { error: 'Say whether AI tools were used to find or write this report.' }),
});

/** The browser encrypted description, steps and impact to the maker's key as one message. */
function isEncryptedBody(input: unknown): boolean {
  if (typeof input !== 'object' || input === null) return false;
  const v = (input as Record<string, unknown>)['encrypted'];
  return v === true || v === 'true' || v === 'on';
}


function newReference(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const chars = Array.from({ length: 8 }, () => alphabet[crypto.randomInt(alphabet.length)]).join('');
  return `VR-${new Date().getUTCFullYear()}-${chars}`;
}

async function responderAddresses(q: Queryable, organisationId: string): Promise<string[]> {
  const rows = await q.query<{ email: string }>(`SELECT email FROM users WHERE organisation_id = $1 AND role IN ('owner', 'security_responder')`, [organisationId]);
  return rows.map((r) => r.email);
}

export interface SubmittedReport {
  reference: string;
  /** The reporter's private link token; only its hash is stored. */
  trackingToken: string;
  acknowledgedAt: Date;
  triageDue: Date;
}

/**
 * Takes a report from anyone: no account, e-mail optional. It is acknowledged in the same
 * transaction that stores it, so a reference shown to the reporter always names a stored report.
 */
export type ReportChannel = 'web' | 'api' | 'email';

export interface SubmitOptions {
  channel?: ReportChannel;
  /** Files already checked by checkUpload; stored in the same transaction as the report. */
  attachments?: CheckedFile[];
  /**
   * Runs first in the report's transaction, e.g. spending its proof of work: one commit for both,
   * and a refusal there stores nothing.
   */
  beforeStore?: (tx: Queryable) => Promise<void>;
}

// A report sent by e-mail cannot answer the form's questions; it is stored as undeclared.
const emailReportInput = reportInput.extend({ aiUse: z.enum(['none', 'assisted', 'generated', 'undeclared']).default('undeclared') });

export async function submitReport(
  db: Database,
  organisation: { id: string; name: string },
  input: unknown,
  publicUrl: string,
  options: SubmitOptions = {},
): Promise<SubmittedReport> {
  const channel = options.channel ?? 'web';
  const r = parseInput(channel === 'email' ? emailReportInput : reportInput, input, 'The report');
  const encrypted = isEncryptedBody(input);
  if (encrypted && !/^-----BEGIN PGP MESSAGE-----\r?\n[\s\S]+-----END PGP MESSAGE-----\s*$/.test(r.description)) {
    throw invalidInput('The encrypted report is not an OpenPGP message. Turn encryption off and send it again, or reload the page.', { description: 'Expected an armored OpenPGP message.' });
  }
  if (!r.productId && !r.productText) throw invalidInput('Say which product is affected.', { productText: 'Choose a product, or name it here.' });
  const policy = await getPolicy(db, organisation.id);
  return db.transaction(async (tx) => {
    await options.beforeStore?.(tx);
    if (r.productId && !(await one(tx, 'SELECT 1 FROM products WHERE id = $1 AND organisation_id = $2', [r.productId, organisation.id]))) {
      throw invalidInput('That product is not one of this maker’s.', { productId: 'Choose a product from the list.' });
    }
    const trackingToken = randomToken();
    const now = new Date();
    const triageDue = addDays(now, policy.triageDays, policy.dayBasis);
    const nextUpdate = addDays(now, policy.updateIntervalDays, policy.dayBasis);
    let reference = newReference();
    for (let i = 0; i < 5 && (await one(tx, 'SELECT 1 FROM vulnerability_reports WHERE reference = $1', [reference])); i++) reference = newReference();
    const row = await one<{ id: string; acknowledged_at: Date }>(
      tx,
      `INSERT INTO vulnerability_reports (organisation_id, reference, tracking_hash, product_id, product_text, version, title, description, steps, impact,
         reporter_email, reporter_name, ai_use, triage_due, next_update_due, channel, encrypted)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id, acknowledged_at`,
      [organisation.id, reference, hashToken(trackingToken), r.productId ?? null, r.productText, r.version, r.title, r.description, r.steps, r.impact,
        r.reporterEmail ?? null, r.reporterName || null, r.aiUse, triageDue, nextUpdate, channel, encrypted],
    );
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    await tx.query(`INSERT INTO report_events (report_id, event, actor, details) VALUES ($1, 'received', 'reporter', $2), ($1, 'acknowledged', 'system', '{}')`, [row.id, JSON.stringify({ channel })]);
    if (options.attachments?.length) await storeAttachments(tx, row.id, 'reporter', options.attachments);
    const link = `${publicUrl}/disclose/track/${trackingToken}`;
    await tx.query(
      `INSERT INTO report_messages (report_id, author, author_label, visibility, body) VALUES ($1, 'system', $2, 'reporter', $3)`,
      [row.id, organisation.name, `Thank you. Your report ${reference} was received and acknowledged. ${organisation.name} has promised to assess it by ${triageDue.toUTCString()} and to update you at least every ${policy.updateIntervalDays} days until it is resolved.`],
    );
    if (r.reporterEmail) {
      await enqueueEmail(tx, {
        organisationId: organisation.id,
        to: r.reporterEmail,
        // A report sent by e-mail is answered by e-mail: a reply to this message joins the report.
        ...(channel === 'email' && policy.inboundAddress ? { replyTo: policy.inboundAddress } : {}),
        subject: `[${reference}] your vulnerability report to ${organisation.name} was received`,
        text: `Your report ${reference} to ${organisation.name} was received and acknowledged.\n\nFollow it, read replies and add information here (keep this link private):\n${link}\n\nAssessment is promised by ${triageDue.toUTCString()}.\n`,
      });
    }
    // Notifications about undisclosed reports carry no details, only where to look.
    for (const to of await responderAddresses(tx, organisation.id)) {
      await enqueueEmail(tx, { organisationId: organisation.id, to, subject: `New vulnerability report ${reference}`, text: `A new vulnerability report arrived: ${publicUrl}/console/reports/${row.id}\n` });
    }
    await recordAudit(tx, { label: 'reporter', organisationId: organisation.id }, 'report.received', { target: reference });
    return { reference, trackingToken, acknowledgedAt: row.acknowledged_at, triageDue };
  });
}

export interface ReportSummary {
  id: string;
  reference: string;
  title: string;
  state: ReportState;
  closeReason: CloseReason | null;
  product: string;
  version: string;
  receivedAt: Date;
  acknowledgedAt: Date;
  firstOpenedAt: Date | null;
  triageDue: Date;
  nextUpdateDue: Date;
  /** What is due next: triage while unassessed, then the next status update or the fix. */
  due: Date;
  severity: 'none' | 'low' | 'medium' | 'high' | 'critical' | null;
  cvssScore: number | null;
  cvssVector: string | null;
  cwe: string | null;
  fixDue: Date | null;
}

const summaryColumns = `r.id, r.reference, r.title, r.state, r.close_reason AS "closeReason",
  coalesce(p.brand || ' ' || p.name || ' (' || p.model_number || ')', r.product_text) AS product, r.version,
  r.received_at AS "receivedAt", r.acknowledged_at AS "acknowledgedAt", r.first_opened_at AS "firstOpenedAt",
  r.triage_due AS "triageDue", r.next_update_due AS "nextUpdateDue",
  r.severity, r.cvss_score::float8 AS "cvssScore", r.cvss_vector AS "cvssVector", r.cwe, r.fix_due AS "fixDue",
  CASE WHEN r.state = 'received' THEN least(r.triage_due, r.next_update_due)
       WHEN r.state IN ('valid', 'accepted') AND r.fix_due IS NOT NULL THEN least(r.next_update_due, r.fix_due)
       ELSE r.next_update_due END AS due`;

/** The responders' inbox: open reports first, the soonest deadline at the top. */
export async function inbox(q: Queryable, organisationId: string): Promise<ReportSummary[]> {
  return q.query(
    `SELECT ${summaryColumns} FROM vulnerability_reports r LEFT JOIN products p ON p.id = r.product_id
      WHERE r.organisation_id = $1 ORDER BY (r.state = 'closed'), due, r.received_at`,
    [organisationId],
  );
}

export interface ReportDetail extends ReportSummary {
  proposedRejection: RejectionProposal | null;
  description: string;
  steps: string;
  impact: string;
  reporterEmail: string | null;
  reporterName: string | null;
  aiUse: string;
  productId: string | null;
  cve: string | null;
  encrypted: boolean;
  channel: ReportChannel;
  waitingSince: Date | null;
}

export interface ReportMessage {
  id: number;
  author: 'reporter' | 'responder' | 'system';
  authorLabel: string;
  visibility: 'reporter' | 'internal';
  body: string;
  createdAt: Date;
}

export interface ReportEvent {
  event: string;
  actor: string;
  at: Date;
  details: Record<string, unknown>;
}

const detailColumns = `${summaryColumns}, r.proposed_rejection AS "proposedRejection", r.description, r.steps, r.impact, r.reporter_email AS "reporterEmail", r.reporter_name AS "reporterName", r.ai_use AS "aiUse",
  r.product_id AS "productId", r.cve, r.encrypted, r.channel, r.waiting_since AS "waitingSince"`;

async function messagesOf(q: Queryable, reportId: string, includeInternal: boolean): Promise<ReportMessage[]> {
  return q.query(
    `SELECT id, author, author_label AS "authorLabel", visibility, body, created_at AS "createdAt" FROM report_messages
      WHERE report_id = $1 AND ($2 OR visibility = 'reporter') ORDER BY id`,
    [reportId, includeInternal],
  );
}

async function eventsOf(q: Queryable, reportId: string): Promise<ReportEvent[]> {
  return q.query('SELECT event, actor, at, details FROM report_events WHERE report_id = $1 ORDER BY id', [reportId]);
}

/** A responder opens a report: the first opening is recorded (the "nobody has looked" alarm ends). */
export async function openReport(q: Queryable, actor: Actor & { organisationId: string }, id: string): Promise<{ report: ReportDetail; messages: ReportMessage[]; events: ReportEvent[] }> {
  const report = await one<ReportDetail>(q, `SELECT ${detailColumns} FROM vulnerability_reports r LEFT JOIN products p ON p.id = r.product_id WHERE r.id = $1 AND r.organisation_id = $2`, [
    id,
    actor.organisationId,
  ]);
  if (!report) throw notFound('That report');
  if (!report.firstOpenedAt) {
    const opened = await q.query<{ first_opened_at: Date }>('UPDATE vulnerability_reports SET first_opened_at = now() WHERE id = $1 AND first_opened_at IS NULL RETURNING first_opened_at', [id]);
    if (opened[0]) {
      await q.query(`INSERT INTO report_events (report_id, event, actor) VALUES ($1, 'first_opened', $2)`, [id, actor.label]);
      report.firstOpenedAt = opened[0].first_opened_at;
    }
  }
  return { report, messages: await messagesOf(q, id, true), events: await eventsOf(q, id) };
}

export const transitionInput = z.object({
  to: z.enum(reportStates, { error: 'Choose the new state.' }),
  closeReason: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(z.enum(closeReasons, { error: 'Choose why it is closed.' }).optional()),
});

/**
 * Moves a report along its workflow; the reporter is told (without details) and the clock reset.
 * A rejection is only proposed by the first person and applied when a different one confirms it.
 */
export async function transitionReport(
  db: Database,
  actor: Actor & { organisationId: string },
  id: string,
  input: unknown,
  publicUrl: string,
): Promise<{ state: ReportState; pendingSecondPerson: boolean }> {
  const t = parseInput(transitionInput, input, 'The change');
  if (t.to === 'closed' && !t.closeReason) throw invalidInput('Say why the report is closed.', { closeReason: 'Choose why it is closed.' });
  const policy = await getPolicy(db, actor.organisationId);
  return db.transaction(async (tx) => {
    const r = await one<{ state: ReportState; reference: string; reporter_email: string | null; proposed_rejection: RejectionProposal | null }>(
      tx,
      'SELECT state, reference, reporter_email, proposed_rejection FROM vulnerability_reports WHERE id = $1 AND organisation_id = $2 FOR UPDATE',
      [id, actor.organisationId],
    );
    if (!r) throw notFound('That report');
    if (!transitions[r.state].includes(t.to)) {
      throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', `A report that is "${stateLabels[r.state]}" cannot become "${stateLabels[t.to]}". Next: ${transitions[r.state].map((s) => stateLabels[s]).join(', ') || 'nothing (it is closed)'}.`);
    }
    if (isRejection(t.to, t.closeReason)) {
      const me = actor.userId ?? actor.label;
      const p = r.proposed_rejection;
      const same = p && p.to === t.to && (p.closeReason ?? undefined) === t.closeReason;
      if (!same) {
        const proposal: RejectionProposal = { to: t.to, closeReason: t.closeReason ?? null, by: me, byLabel: actor.label, at: new Date().toISOString() };
        await tx.query('UPDATE vulnerability_reports SET proposed_rejection = $2 WHERE id = $1', [id, JSON.stringify(proposal)]);
        await tx.query('INSERT INTO report_events (report_id, event, actor, details) VALUES ($1, $2, $3, $4)', [id, 'rejection_proposed', actor.label, JSON.stringify({ to: t.to, closeReason: t.closeReason ?? null })]);
        await recordAudit(tx, actor, 'report.rejection_proposed', { target: r.reference, details: { to: t.to, closeReason: t.closeReason ?? null } });
        return { state: r.state, pendingSecondPerson: true };
      }
      if (p.by === me) {
        throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', `You proposed this rejection; a second person (another owner or security responder) must confirm it.`);
      }
    }
    await tx.query(
      `UPDATE vulnerability_reports SET state = $2, close_reason = $3, triaged_at = CASE WHEN state = 'received' THEN now() ELSE triaged_at END,
         next_update_due = $4, proposed_rejection = NULL, waiting_since = CASE WHEN $2 = 'closed' THEN NULL ELSE waiting_since END WHERE id = $1`,
      [id, t.to, t.to === 'closed' ? (t.closeReason ?? null) : null, addDays(new Date(), policy.updateIntervalDays, policy.dayBasis)],
    );
    await tx.query('INSERT INTO report_events (report_id, event, actor, details) VALUES ($1, $2, $3, $4)', [id, `state:${t.to}`, actor.label, JSON.stringify(t.closeReason ? { closeReason: t.closeReason } : {})]);
    await tx.query(`INSERT INTO report_messages (report_id, author, author_label, visibility, body) VALUES ($1, 'system', 'Status', 'reporter', $2)`, [
      id,
      `Status changed to: ${stateLabels[t.to]}${t.closeReason ? ` (${t.closeReason.replace(/_/g, ' ')})` : ''}.`,
    ]);
    if (r.reporter_email) {
      await enqueueEmail(tx, { organisationId: actor.organisationId, to: r.reporter_email, subject: `${r.reference}: status update`, text: `There is news on your report ${r.reference}. Read it on your private tracking page (the link from our first message).\n` });
    }
    await recordAudit(tx, actor, 'report.state_changed', {
      target: r.reference,
      details: { from: r.state, to: t.to, closeReason: t.closeReason ?? null, ...(r.proposed_rejection && isRejection(t.to, t.closeReason) ? { proposedBy: r.proposed_rejection.byLabel } : {}) },
    });
    return { state: t.to, pendingSecondPerson: false };
  });
}

export const messageInput = z.object({
  body: z.string().trim().min(1, 'Write a message.').max(20_000, 'Use at most 20,000 characters.'),
  visibility: z.enum(['reporter', 'internal'], { error: 'Choose who sees it.' }).default('reporter'),
});

/** A responder writes to the reporter, or an internal note the reporter never sees. */
export async function postResponderMessage(db: Database, actor: Actor & { organisationId: string }, id: string, input: unknown): Promise<void> {
  const m = parseInput(messageInput, input, 'The message');
  const policy = await getPolicy(db, actor.organisationId);
  await db.transaction(async (tx) => {
    const r = await one<{ reference: string; reporter_email: string | null; channel: ReportChannel; organisation: string }>(
      tx,
      'SELECT r.reference, r.reporter_email, r.channel, o.name AS organisation FROM vulnerability_reports r JOIN organisations o ON o.id = r.organisation_id WHERE r.id = $1 AND r.organisation_id = $2',
      [id, actor.organisationId],
    );
    if (!r) throw notFound('That report');
    await tx.query(`INSERT INTO report_messages (report_id, author, author_label, visibility, body) VALUES ($1, 'responder', $2, $3, $4)`, [id, actor.label, m.visibility, m.body]);
    if (m.visibility === 'reporter') {
      await tx.query('UPDATE vulnerability_reports SET next_update_due = $2 WHERE id = $1', [id, addDays(new Date(), policy.updateIntervalDays, policy.dayBasis)]);
      await tx.query(`INSERT INTO report_events (report_id, event, actor) VALUES ($1, 'update_sent', $2)`, [id, actor.label]);
      if (r.reporter_email && r.channel === 'email' && policy.inboundAddress) {
        // The reporter chose e-mail: the reply travels as they sent the report, and answering it
        // adds to the report (the subject carries the reference).
        await enqueueEmail(tx, {
          organisationId: actor.organisationId,
          to: r.reporter_email,
          replyTo: policy.inboundAddress,
          subject: `[${r.reference}] a reply from ${r.organisation}`,
          text: `${m.body}\n\n-- \n${r.organisation}, about your report ${r.reference}. Answer this message to reply.\n`,
        });
      } else if (r.reporter_email) {
        await enqueueEmail(tx, { organisationId: actor.organisationId, to: r.reporter_email, subject: `[${r.reference}] a reply to your report`, text: `You have a reply on your report ${r.reference}. Read it on your private tracking page.\n` });
      }
    }
  });
}

export interface ReporterView {
  /** Internal id, for the page to list the report's files; never shown. */
  id: string;
  reference: string;
  organisation: string;
  title: string;
  product: string;
  state: ReportState;
  closeReason: CloseReason | null;
  receivedAt: Date;
  acknowledgedAt: Date;
  triageDue: Date;
  nextUpdateDue: Date;
  fixDue: Date | null;
  waitingSince: Date | null;
  waitingClosesAt: Date | null;
  advisories: { trackingId: string; publishedAt: Date; url: string }[];
  messages: ReportMessage[];
  events: ReportEvent[];
}

// Bookkeeping the reporter has no use for (alerts to responders, proposals under discussion).
const hiddenFromReporter = /^(alert:|reminder:|escalation:|reporter_reminder:|rejection_proposed|severity_set|affected_|cra)/;

async function byTracking(q: Queryable, token: string): Promise<{ id: string; organisation_id: string } | undefined> {
  if (token.length > 100) return undefined;
  return one(q, 'SELECT id, organisation_id FROM vulnerability_reports WHERE tracking_hash = $1', [hashToken(token)]);
}

const UNKNOWN_LINK = 'This tracking link is not known. Check that you copied the whole link from your confirmation page or e-mail.';

/** What the reporter sees through the private link: never internal notes, never who triaged. */
export async function reporterView(q: Queryable, token: string): Promise<ReporterView> {
  const found = await byTracking(q, token);
  if (!found) throw new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', UNKNOWN_LINK);
  const r = await one<ReportSummary & { organisation: string }>(
    q,
    `SELECT ${summaryColumns}, o.name AS organisation FROM vulnerability_reports r LEFT JOIN products p ON p.id = r.product_id
       JOIN organisations o ON o.id = r.organisation_id WHERE r.id = $1`,
    [found.id],
  );
  if (!r) throw new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', UNKNOWN_LINK);
  const events = (await eventsOf(q, found.id))
    .filter((e) => !hiddenFromReporter.test(e.event))
    .map((e) => ({ event: e.event, actor: e.actor === 'reporter' || e.actor === 'system' ? e.actor : 'responder', at: e.at, details: {} }));
  const extra = await one<{ waiting_since: Date | null; waiting_close_days: number | null; slug: string }>(
    q,
    `SELECT r.waiting_since, p.waiting_close_days, o.slug FROM vulnerability_reports r JOIN organisations o ON o.id = r.organisation_id
       LEFT JOIN disclosure_policies p ON p.organisation_id = r.organisation_id WHERE r.id = $1`,
    [found.id],
  );
  const advisories = await q.query<{ tracking_id: string; published_at: Date }>(
    `SELECT a.tracking_id, min(v.published_at) AS published_at FROM advisory_reports ar JOIN advisories a ON a.id = ar.advisory_id
       JOIN advisory_revisions v ON v.advisory_id = a.id WHERE ar.report_id = $1 GROUP BY a.tracking_id ORDER BY 2`,
    [found.id],
  );
  const waitingSince = extra?.waiting_since ?? null;
  return {
    id: found.id,
    fixDue: r.fixDue,
    waitingSince,
    waitingClosesAt: waitingSince ? new Date(waitingSince.getTime() + (extra?.waiting_close_days ?? 30) * 86_400_000) : null,
    advisories: advisories.map((a) => ({ trackingId: a.tracking_id, publishedAt: a.published_at, url: `/disclose/${extra?.slug ?? ''}/advisories/${encodeURIComponent(a.tracking_id)}` })),
    reference: r.reference,
    organisation: r.organisation,
    title: r.title,
    product: r.product,
    state: r.state,
    closeReason: r.closeReason,
    receivedAt: r.receivedAt,
    acknowledgedAt: r.acknowledgedAt,
    triageDue: r.triageDue,
    nextUpdateDue: r.nextUpdateDue,
    // Replies are signed by the maker, not by the person: responders are not exposed by name.
    messages: (await messagesOf(q, found.id, false)).map((m) => (m.author === 'responder' ? { ...m, authorLabel: r.organisation } : m)),
    events,
  };
}

export async function postReporterMessage(db: Database, token: string, input: unknown, publicUrl: string, attachments: CheckedFile[] = []): Promise<void> {
  const found = await byTracking(db, token);
  if (!found) throw new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', UNKNOWN_LINK);
  await addReporterMessage(db, found, input, attachments, publicUrl);
}

/**
 * A reply by e-mail joins its report only when it names the reference and comes from the address
 * the report was sent from; anything else is not a reply (the caller may take it as a new report).
 */
export async function postReporterMessageByEmail(
  db: Database,
  organisationId: string,
  reference: string,
  from: string,
  input: unknown,
  attachments: CheckedFile[],
  publicUrl: string,
): Promise<boolean> {
  const found = await one<{ id: string; organisation_id: string }>(
    db,
    `SELECT id, organisation_id FROM vulnerability_reports WHERE organisation_id = $1 AND reference = $2 AND reporter_email = $3 AND state <> 'closed'`,
    [organisationId, reference.toUpperCase(), from.toLowerCase()],
  );
  if (!found) return false;
  await addReporterMessage(db, found, input, attachments, publicUrl);
  return true;
}

const reporterMessageInput = z.object({ body: z.string().trim().max(20_000, 'Use at most 20,000 characters.').default('') });

async function addReporterMessage(db: Database, found: { id: string; organisation_id: string }, input: unknown, attachments: CheckedFile[], publicUrl: string): Promise<void> {
  const m = parseInput(reporterMessageInput, input, 'The message');
  if (!m.body && attachments.length === 0) throw invalidInput('Write a message or add a file.', { body: 'Write a message.' });
  const body = m.body || `Added ${attachments.length === 1 ? 'a file' : `${attachments.length} files`}: ${attachments.map((a) => a.fileName).join(', ')}.`;
  await db.transaction(async (tx) => {
    const r = await one<{ state: ReportState; waiting_since: Date | null }>(tx, 'SELECT state, waiting_since FROM vulnerability_reports WHERE id = $1 FOR UPDATE', [found.id]);
    if (!r) throw new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', UNKNOWN_LINK);
    if (r.state === 'closed') throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'This report is closed, so it takes no more messages. If you found something new, send a new report.');
    await tx.query(`INSERT INTO report_messages (report_id, author, author_label, visibility, body) VALUES ($1, 'reporter', 'Reporter', 'reporter', $2)`, [found.id, body]);
    await tx.query(`INSERT INTO report_events (report_id, event, actor) VALUES ($1, 'reporter_replied', 'reporter')`, [found.id]);
    if (attachments.length) await storeAttachments(tx, found.id, 'reporter', attachments);
    if (r.waiting_since) await resumeClocks(tx, found.id, 'reporter');
    for (const to of await responderAddresses(tx, found.organisation_id)) {
      await enqueueEmail(tx, { organisationId: found.organisation_id, to, subject: 'A reporter replied', text: `A reporter added a message: ${publicUrl}/console/reports/${found.id}\n` });
    }
  });
}

/** The clocks stood still while we waited on the reporter: every due time moves on by the wait. */
async function resumeClocks(tx: Queryable, reportId: string, actor: string): Promise<void> {
  const row = await one<{ waited: string }>(
    tx,
    `WITH old AS (SELECT id, now() - waiting_since AS waited FROM vulnerability_reports WHERE id = $1 AND waiting_since IS NOT NULL)
     UPDATE vulnerability_reports r SET triage_due = r.triage_due + old.waited,
            next_update_due = greatest(r.next_update_due + old.waited, now() + interval '1 day'),
            fix_due = r.fix_due + old.waited, waiting_since = NULL
       FROM old WHERE r.id = old.id RETURNING old.waited::text AS waited`,
    [reportId],
  );
  if (row) await tx.query(`INSERT INTO report_events (report_id, event, actor, details) VALUES ($1, 'waiting_ended', $2, $3)`, [reportId, actor, JSON.stringify({ waited: row.waited })]);
}

export const waitingInput = z.object({
  waiting: z.preprocess((v) => v === true || v === 'true' || v === 'on' || v === '1', z.boolean()),
  body: z.string().trim().max(20_000, 'Use at most 20,000 characters.').default(''),
});

/**
 * "Waiting on reporter" stops the clocks while the maker cannot go on without an answer. It starts
 * with a message telling the reporter what is needed, and ends when they reply or a responder ends
 * it; after the policy's waiting time the deadline job closes the report as no_response.
 */
export async function setWaitingOnReporter(db: Database, actor: Actor & { organisationId: string }, id: string, input: unknown): Promise<void> {
  const w = parseInput(waitingInput, input, 'The change');
  if (w.waiting && !w.body) throw invalidInput('Tell the reporter what you need from them.', { body: 'Say what information you are waiting for.' });
  const policy = await getPolicy(db, actor.organisationId);
  await db.transaction(async (tx) => {
    const r = await one<{ reference: string; state: ReportState; waiting_since: Date | null; reporter_email: string | null }>(
      tx,
      'SELECT reference, state, waiting_since, reporter_email FROM vulnerability_reports WHERE id = $1 AND organisation_id = $2 FOR UPDATE',
      [id, actor.organisationId],
    );
    if (!r) throw notFound('That report');
    if (r.state === 'closed') throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'The report is closed; there is nothing to wait for.');
    if (!w.waiting) {
      if (!r.waiting_since) throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'The report is not waiting on the reporter.');
      await resumeClocks(tx, id, actor.label);
      await recordAudit(tx, actor, 'report.waiting_ended', { target: r.reference });
      return;
    }
    if (r.waiting_since) throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'The report is already waiting on the reporter.');
    await tx.query('UPDATE vulnerability_reports SET waiting_since = now() WHERE id = $1', [id]);
    await tx.query(`INSERT INTO report_messages (report_id, author, author_label, visibility, body) VALUES ($1, 'responder', $2, 'reporter', $3)`, [id, actor.label, w.body]);
    await tx.query(`INSERT INTO report_events (report_id, event, actor, details) VALUES ($1, 'waiting_started', $2, $3)`, [id, actor.label, JSON.stringify({ closesAfterDays: policy.waitingCloseDays })]);
    if (r.reporter_email) {
      await enqueueEmail(tx, {
        organisationId: actor.organisationId,
        to: r.reporter_email,
        subject: `${r.reference}: we need information from you`,
        text: `We need more information to go on with your report ${r.reference}. Read the question on your private tracking page. Without an answer within ${policy.waitingCloseDays} days the report will be closed.\n`,
      });
    }
    await recordAudit(tx, actor, 'report.waiting_started', { target: r.reference });
  });
}
