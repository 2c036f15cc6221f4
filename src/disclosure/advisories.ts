import crypto from 'node:crypto';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { ConnectableError, invalidInput, notFound } from '../errors.ts';
import { enqueueEmail } from '../mail/index.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';
import { listAffected } from './affected.ts';
import { buildCsaf, csafFileName, cweName, validateCsaf, type AdvisoryForCsaf } from './csaf.ts';

// Advisories are written from accepted reports, stay TLP:RED while drafts, and are published only
// when a second person approves. Each publication is a revision kept for ever: the exact bytes
// served, their SHA-256 and SHA-512, and the maker's detached OpenPGP signature when it has a key.

export const advisoryStates = ['draft', 'awaiting_approval', 'published'] as const;
export type AdvisoryState = (typeof advisoryStates)[number];

export const advisoryStateLabels: Record<AdvisoryState, string> = {
  draft: 'Draft (TLP:RED, not public)',
  awaiting_approval: 'Awaiting approval by a second person',
  published: 'Published',
};

const ids = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.uuid({ error: 'Choose reports from the list.' })).min(1, 'Choose at least one accepted report.').max(50));

export const advisoryInput = z.object({
  title: z.string().trim().min(5, 'Give the advisory a title (at least 5 characters).').max(200, 'Use at most 200 characters.'),
  summary: z.string().trim().min(20, 'Describe the vulnerability for the public (at least 20 characters).').max(20_000, 'Use at most 20,000 characters.'),
  remediation: z.string().trim().max(10_000, 'Use at most 10,000 characters.').default(''),
  workaround: z.string().trim().max(10_000, 'Use at most 10,000 characters.').default(''),
  acknowledgement: z.string().trim().max(500, 'Use at most 500 characters.').default(''),
  reportIds: ids,
});

export interface AdvisorySummary {
  id: string;
  trackingId: string;
  title: string;
  state: AdvisoryState;
  currentVersion: string | null;
  lastPublishedAt: Date | null;
  updatedAt: Date;
}

export interface AdvisoryDetail extends AdvisorySummary {
  organisationId: string;
  summary: string;
  remediation: string;
  workaround: string;
  acknowledgement: string;
  approvalRequestedBy: string | null;
  approvalRequestedLabel: string | null;
  changeSummary: string;
  reports: { id: string; reference: string; title: string; state: string }[];
  revisions: { version: string; changeSummary: string; publishedAt: Date; requestedBy: string; approvedBy: string; sha256: string; signed: boolean }[];
}

const summaryColumns = `a.id, a.tracking_id AS "trackingId", a.title, a.state, a.updated_at AS "updatedAt",
  (SELECT max(version::int)::text FROM advisory_revisions v WHERE v.advisory_id = a.id) AS "currentVersion",
  (SELECT max(published_at) FROM advisory_revisions v WHERE v.advisory_id = a.id) AS "lastPublishedAt"`;

export async function listAdvisories(q: Queryable, organisationId: string): Promise<AdvisorySummary[]> {
  return q.query(`SELECT ${summaryColumns} FROM advisories a WHERE a.organisation_id = $1 ORDER BY a.created_at DESC`, [organisationId]);
}

async function acceptedReports(q: Queryable, organisationId: string, reportIds: string[]): Promise<void> {
  const found = await q.query<{ id: string; state: string; reference: string }>(
    `SELECT id, state, reference FROM vulnerability_reports WHERE organisation_id = $1 AND id = ANY($2::uuid[])`,
    [organisationId, reportIds],
  );
  if (found.length !== new Set(reportIds).size) throw invalidInput('One of the chosen reports is not one of yours.', { reportIds: 'Choose reports from the list.' });
  const notReady = found.filter((r) => r.state !== 'accepted' && r.state !== 'closed');
  if (notReady.length) {
    throw invalidInput(`Advisories are written from accepted reports; ${notReady.map((r) => r.reference).join(', ')} ${notReady.length === 1 ? 'is' : 'are'} not accepted yet.`, {
      reportIds: 'Accept the report first (triage), then write its advisory.',
    });
  }
}

export async function getAdvisory(q: Queryable, organisationId: string, id: string): Promise<AdvisoryDetail> {
  if (!z.uuid().safeParse(id).success) throw notFound('That advisory');
  const a = await one<AdvisoryDetail>(
    q,
    `SELECT ${summaryColumns}, a.organisation_id AS "organisationId", a.summary, a.remediation, a.workaround, a.acknowledgement,
            a.approval_requested_by AS "approvalRequestedBy", a.approval_requested_label AS "approvalRequestedLabel", a.change_summary AS "changeSummary"
       FROM advisories a WHERE a.id = $1 AND a.organisation_id = $2`,
    [id, organisationId],
  );
  if (!a) throw notFound('That advisory');
  a.reports = await q.query(
    `SELECT r.id, r.reference, r.title, r.state FROM advisory_reports ar JOIN vulnerability_reports r ON r.id = ar.report_id WHERE ar.advisory_id = $1 ORDER BY r.reference`,
    [id],
  );
  a.revisions = await q.query(
    `SELECT version, change_summary AS "changeSummary", published_at AS "publishedAt", requested_by AS "requestedBy", approved_by AS "approvedBy", sha256, signature IS NOT NULL AS signed
       FROM advisory_revisions WHERE advisory_id = $1 ORDER BY version::int`,
    [id],
  );
  return a;
}

/** The organisation's next tracking id: SLUG-YEAR-NNNN, never reused. */
async function nextTrackingId(q: Queryable, organisationId: string): Promise<string> {
  const org = await one<{ slug: string }>(q, 'SELECT slug FROM organisations WHERE id = $1', [organisationId]);
  const year = new Date().getUTCFullYear();
  const prefix = `${(org?.slug ?? 'maker').toUpperCase().slice(0, 40)}-${year}-`;
  const row = await one<{ n: number }>(q, `SELECT count(*)::int AS n FROM advisories WHERE tracking_id LIKE $1`, [`${prefix}%`]);
  return `${prefix}${String((row?.n ?? 0) + 1).padStart(4, '0')}`;
}

export async function createAdvisory(db: Database, actor: Actor & { organisationId: string }, input: unknown): Promise<string> {
  const a = parseInput(advisoryInput, input, 'The advisory');
  return db.transaction(async (tx) => {
    await acceptedReports(tx, actor.organisationId, a.reportIds);
    // Serialise numbering per organisation; a unique tracking id is also enforced by the table.
    await tx.query('SELECT 1 FROM organisations WHERE id = $1 FOR UPDATE', [actor.organisationId]);
    const trackingId = await nextTrackingId(tx, actor.organisationId);
    const row = await one<{ id: string }>(
      tx,
      `INSERT INTO advisories (organisation_id, tracking_id, title, summary, remediation, workaround, acknowledgement) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [actor.organisationId, trackingId, a.title, a.summary, a.remediation, a.workaround, a.acknowledgement],
    );
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    for (const reportId of new Set(a.reportIds)) await tx.query('INSERT INTO advisory_reports (advisory_id, report_id) VALUES ($1, $2)', [row.id, reportId]);
    await recordAudit(tx, actor, 'advisory.drafted', { target: trackingId });
    return row.id;
  });
}

/** Changing an advisory (also a published one: the change becomes the next revision once approved). */
export async function updateAdvisory(db: Database, actor: Actor & { organisationId: string }, id: string, input: unknown): Promise<void> {
  const a = parseInput(advisoryInput, input, 'The advisory');
  await db.transaction(async (tx) => {
    const current = await getAdvisory(tx, actor.organisationId, id);
    await acceptedReports(tx, actor.organisationId, a.reportIds);
    await tx.query(
      `UPDATE advisories SET title = $2, summary = $3, remediation = $4, workaround = $5, acknowledgement = $6, state = 'draft',
              approval_requested_by = NULL, approval_requested_label = NULL, updated_at = now() WHERE id = $1`,
      [id, a.title, a.summary, a.remediation, a.workaround, a.acknowledgement],
    );
    await tx.query('DELETE FROM advisory_reports WHERE advisory_id = $1', [id]);
    for (const reportId of new Set(a.reportIds)) await tx.query('INSERT INTO advisory_reports (advisory_id, report_id) VALUES ($1, $2)', [id, reportId]);
    await recordAudit(tx, actor, 'advisory.changed', { target: current.trackingId });
  });
}

export const approvalRequestInput = z.object({
  changeSummary: z.string().trim().max(500, 'Use at most 500 characters.').default(''),
});

export async function requestApproval(db: Database, actor: Actor & { organisationId: string; userId: string }, id: string, input: unknown, publicUrl: string): Promise<void> {
  const r = parseInput(approvalRequestInput, input, 'The request');
  await db.transaction(async (tx) => {
    const a = await getAdvisory(tx, actor.organisationId, id);
    if (a.state !== 'draft') throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', `The advisory is ${advisoryStateLabels[a.state].toLowerCase()}; only a draft can be sent for approval.`);
    if (a.revisions.length > 0 && !r.changeSummary) throw invalidInput('Say what changed since the last published version.', { changeSummary: 'e.g. "Fixed version for the Hub 2 added".' });
    // Validate now, so an approver is never asked to approve what could not be published.
    const problems = await problemsOf(tx, a, publicUrl);
    if (problems.length) throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', `The advisory is not complete: ${problems.join('; ')}.`);
    await tx.query(
      `UPDATE advisories SET state = 'awaiting_approval', approval_requested_by = $2, approval_requested_label = $3, change_summary = $4, updated_at = now() WHERE id = $1`,
      [id, actor.userId, actor.label, r.changeSummary || 'Initial release'],
    );
    const approvers = await tx.query<{ email: string }>(`SELECT email FROM users WHERE organisation_id = $1 AND role IN ('owner', 'security_responder') AND id <> $2`, [actor.organisationId, actor.userId]);
    for (const { email } of approvers) {
      await enqueueEmail(tx, { organisationId: actor.organisationId, to: email, subject: `Advisory ${a.trackingId} awaits your approval`, text: `An advisory awaits approval by a second person: ${publicUrl}/console/advisories/${id}\n` });
    }
    await recordAudit(tx, actor, 'advisory.approval_requested', { target: a.trackingId });
  });
}

export async function withdrawApprovalRequest(db: Database, actor: Actor & { organisationId: string }, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const a = await getAdvisory(tx, actor.organisationId, id);
    if (a.state !== 'awaiting_approval') throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'The advisory is not awaiting approval.');
    await tx.query(`UPDATE advisories SET state = 'draft', approval_requested_by = NULL, approval_requested_label = NULL, updated_at = now() WHERE id = $1`, [id]);
    await recordAudit(tx, actor, 'advisory.sent_back', { target: a.trackingId });
  });
}

export interface AdvisoryUrls {
  publisherNamespace: string;
  selfUrl: string;
  htmlUrl: string;
}

export function advisoryUrls(publicUrl: string, organisationSlug: string, trackingId: string, year: number): AdvisoryUrls {
  const base = `${publicUrl}/disclose/${organisationSlug}`;
  return { publisherNamespace: base, selfUrl: `${base}/csaf/white/${year}/${csafFileName(trackingId)}`, htmlUrl: `${base}/advisories/${encodeURIComponent(trackingId)}` };
}

async function csafInput(q: Queryable, a: AdvisoryDetail, publicUrl: string, release: { tlp: 'WHITE' | 'RED'; status: 'draft' | 'final'; changeSummary: string; at: Date }): Promise<AdvisoryForCsaf> {
  const org = await one<{ slug: string; name: string }>(q, 'SELECT slug, name FROM organisations WHERE id = $1', [a.organisationId]);
  if (!org) throw notFound('That organisation');
  const earlier = await q.query<{ version: string; change_summary: string; published_at: Date }>('SELECT version, change_summary, published_at FROM advisory_revisions WHERE advisory_id = $1 ORDER BY version::int', [a.id]);
  const initial = earlier[0]?.published_at ?? release.at;
  const urls = advisoryUrls(publicUrl, org.slug, a.trackingId, initial.getUTCFullYear());
  const products = new Map<string, AdvisoryForCsaf['products'][number]>();
  const vulnerabilities: AdvisoryForCsaf['vulnerabilities'] = [];
  for (const report of a.reports) {
    const r = await one<{ cve: string | null; cwe: string | null; cvss_vector: string | null; cvss_score: number | null; severity: string | null; title: string }>(
      q,
      'SELECT cve, cwe, cvss_vector, cvss_score::float8 AS cvss_score, severity, title FROM vulnerability_reports WHERE id = $1',
      [report.id],
    );
    if (!r) continue;
    const affected = await listAffected(q, report.id);
    for (const p of affected) {
      // One product entry per product and range; two reports with the same range share it.
      const key = `${p.productId}:${p.introduced}:${p.fixed}`;
      if (!products.has(key)) {
        // "Acme Video Doorbell" by brand Acme stays as it is; "Doorbell" by Acme becomes "Acme Doorbell".
        const name = p.name.toLowerCase().startsWith(p.vendor.toLowerCase()) ? p.name : `${p.vendor} ${p.name}`;
        products.set(key, { id: `${p.productId}-${products.size + 1}`, vendor: org.name, name, model: p.modelNumber, introduced: p.introduced, fixed: p.fixed });
      }
    }
    vulnerabilities.push({
      reference: report.reference,
      title: r.title,
      cve: r.cve,
      cwe: r.cwe ? { id: r.cwe, name: cweName(r.cwe) ?? r.cwe } : null,
      cvss: r.cvss_vector && r.cvss_score !== null && r.severity ? { version: r.cvss_vector.startsWith('CVSS:4.0') ? '4.0' : '3.1', vector: r.cvss_vector, score: r.cvss_score, severity: r.severity } : null,
      productIds: affected.map((p) => products.get(`${p.productId}:${p.introduced}:${p.fixed}`)?.id ?? '').filter(Boolean),
      releaseDate: initial,
    });
  }
  const nextVersion = String(earlier.length + 1);
  return {
    trackingId: a.trackingId,
    title: a.title,
    summary: a.summary,
    remediation: a.remediation,
    workaround: a.workaround,
    acknowledgement: a.acknowledgement,
    publisher: { name: org.name, namespace: urls.publisherNamespace, contactDetails: `${publicUrl}/disclose/${org.slug}` },
    tlp: release.tlp,
    status: release.status,
    revisions: [
      ...earlier.map((e) => ({ version: e.version, date: e.published_at, summary: e.change_summary })),
      ...(release.status === 'final' || earlier.length === 0 ? [{ version: release.status === 'final' ? nextVersion : '0', date: release.at, summary: release.changeSummary }] : []),
    ],
    initialReleaseDate: initial,
    currentReleaseDate: release.at,
    products: [...products.values()],
    vulnerabilities,
    selfUrl: urls.selfUrl,
    htmlUrl: urls.htmlUrl,
  };
}

async function problemsOf(q: Queryable, a: AdvisoryDetail, publicUrl: string): Promise<string[]> {
  const problems: string[] = [];
  for (const r of a.reports) {
    if ((await listAffected(q, r.id)).length === 0) problems.push(`${r.reference} names no affected product from the registry (add one on the report)`);
  }
  if (problems.length) return problems;
  const doc = buildCsaf(await csafInput(q, a, publicUrl, { tlp: 'WHITE', status: 'final', changeSummary: a.changeSummary || 'Initial release', at: new Date() }));
  const v = await validateCsaf(doc);
  return v.errors.map((e) => `${e.path}: ${e.message}`);
}

/** The draft as CSAF, TLP:RED: for the responders' eyes, never served publicly. */
export async function draftCsaf(q: Queryable, organisationId: string, id: string, publicUrl: string): Promise<unknown> {
  const a = await getAdvisory(q, organisationId, id);
  return buildCsaf(await csafInput(q, a, publicUrl, { tlp: 'RED', status: 'draft', changeSummary: a.changeSummary || 'Draft', at: new Date() }));
}

export type DetachedSigner = (q: Queryable, organisationId: string, data: string) => Promise<string | null>;

/**
 * The second person approves and the advisory is published: the CSAF document is generated,
 * validated (schema and mandatory tests), hashed, signed when the maker has a key, and stored
 * as the next revision. Reporters of the linked reports are told.
 */
export async function approveAndPublish(
  db: Database,
  actor: Actor & { organisationId: string; userId: string },
  id: string,
  publicUrl: string,
  sign: DetachedSigner,
): Promise<{ version: string; fileName: string }> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT 1 FROM advisories WHERE id = $1 AND organisation_id = $2 FOR UPDATE', [id, actor.organisationId]);
    const a = await getAdvisory(tx, actor.organisationId, id);
    if (a.state !== 'awaiting_approval') throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'Only an advisory awaiting approval can be published; send it for approval first.');
    if (a.approvalRequestedBy === actor.userId) {
      throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'You asked for this approval; a second person (another owner or security responder) must approve it.');
    }
    // The date written into the document is the one stored, so later revisions repeat it exactly.
    const at = new Date();
    const doc = buildCsaf(await csafInput(tx, a, publicUrl, { tlp: 'WHITE', status: 'final', changeSummary: a.changeSummary || 'Initial release', at }));
    const v = await validateCsaf(doc);
    if (!v.valid) throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', `The CSAF document does not validate: ${v.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}.`);
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    const version = String(a.revisions.length + 1);
    const signature = await sign(tx, actor.organisationId, text);
    await tx.query(
      `INSERT INTO advisory_revisions (advisory_id, version, change_summary, document, sha256, sha512, signature, requested_by, approved_by, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [id, version, a.changeSummary || 'Initial release', text, sha('sha256', text), sha('sha512', text), signature, a.approvalRequestedLabel ?? 'unknown', actor.label, at],
    );
    await tx.query(`UPDATE advisories SET state = 'published', approval_requested_by = NULL, approval_requested_label = NULL, change_summary = '', updated_at = now() WHERE id = $1`, [id]);
    const org = await one<{ slug: string }>(tx, 'SELECT slug FROM organisations WHERE id = $1', [actor.organisationId]);
    const year = (a.revisions[0]?.publishedAt ?? new Date()).getUTCFullYear();
    const htmlUrl = advisoryUrls(publicUrl, org?.slug ?? '', a.trackingId, year).htmlUrl;
    for (const r of a.reports) {
      await tx.query(`INSERT INTO report_messages (report_id, author, author_label, visibility, body) VALUES ($1, 'system', 'Advisory', 'reporter', $2)`, [
        r.id,
        `Advisory ${a.trackingId} (version ${version}) was published: ${htmlUrl}`,
      ]);
      await tx.query(`INSERT INTO report_events (report_id, event, actor, details) VALUES ($1, 'advisory_published', $2, $3)`, [r.id, actor.label, JSON.stringify({ trackingId: a.trackingId, version })]);
      const email = await one<{ reporter_email: string | null }>(tx, 'SELECT reporter_email FROM vulnerability_reports WHERE id = $1', [r.id]);
      if (email?.reporter_email) {
        await enqueueEmail(tx, { organisationId: actor.organisationId, to: email.reporter_email, subject: `${r.reference}: advisory ${a.trackingId} published`, text: `The advisory for your report ${r.reference} is public: ${htmlUrl}\n` });
      }
    }
    await recordAudit(tx, actor, 'advisory.published', { target: a.trackingId, details: { version, requestedBy: a.approvalRequestedLabel, signed: signature !== null } });
    return { version, fileName: csafFileName(a.trackingId) };
  });
}

const sha = (algorithm: 'sha256' | 'sha512', text: string): string => crypto.createHash(algorithm).update(text, 'utf8').digest('hex');

export interface PublishedAdvisory {
  advisoryId: string;
  trackingId: string;
  title: string;
  summary: string;
  remediation: string;
  workaround: string;
  acknowledgement: string;
  version: string;
  fileName: string;
  year: number;
  initialReleaseDate: Date;
  currentReleaseDate: Date;
  document: string;
  sha256: string;
  sha512: string;
  signature: string | null;
  revisions: { version: string; changeSummary: string; publishedAt: Date }[];
}

/** What the public sees: the latest published revision of each advisory, drafts never. */
export async function publishedAdvisories(q: Queryable, organisationId: string): Promise<PublishedAdvisory[]> {
  const rows = await q.query<{
    advisory_id: string;
    tracking_id: string;
    version: string;
    document: string;
    sha256: string;
    sha512: string;
    signature: string | null;
    published_at: Date;
    first_published_at: Date;
  }>(
    `SELECT DISTINCT ON (v.advisory_id) v.advisory_id, a.tracking_id, v.version, v.document, v.sha256, v.sha512, v.signature, v.published_at,
            (SELECT min(published_at) FROM advisory_revisions f WHERE f.advisory_id = v.advisory_id) AS first_published_at
       FROM advisory_revisions v JOIN advisories a ON a.id = v.advisory_id
      WHERE a.organisation_id = $1 ORDER BY v.advisory_id, v.version::int DESC`,
    [organisationId],
  );
  const out: PublishedAdvisory[] = [];
  for (const r of rows) {
    // The public page shows what was published, not the current (maybe changed) draft.
    const doc = JSON.parse(r.document) as { document: { title: string; notes?: { category: string; text: string }[]; acknowledgments?: { names?: string[] }[] }; vulnerabilities?: { remediations?: { category: string; details: string }[] }[] };
    const note = (category: string) => doc.document.notes?.find((n) => n.category === category)?.text ?? '';
    const remediation = (category: string) => doc.vulnerabilities?.flatMap((v) => v.remediations ?? []).find((x) => x.category === category)?.details ?? '';
    out.push({
      advisoryId: r.advisory_id,
      trackingId: r.tracking_id,
      title: doc.document.title,
      summary: note('summary'),
      remediation: remediation('vendor_fix'),
      workaround: remediation('workaround'),
      acknowledgement: doc.document.acknowledgments?.flatMap((x) => x.names ?? []).join(', ') ?? '',
      version: r.version,
      fileName: csafFileName(r.tracking_id),
      year: r.first_published_at.getUTCFullYear(),
      initialReleaseDate: r.first_published_at,
      currentReleaseDate: r.published_at,
      document: r.document,
      sha256: r.sha256,
      sha512: r.sha512,
      signature: r.signature,
      revisions: await q.query('SELECT version, change_summary AS "changeSummary", published_at AS "publishedAt" FROM advisory_revisions WHERE advisory_id = $1 ORDER BY version::int', [r.advisory_id]),
    });
  }
  return out.sort((x, y) => y.currentReleaseDate.getTime() - x.currentReleaseDate.getTime());
}
