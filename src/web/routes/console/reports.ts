import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import {
  closeReasons,
  craClocks,
  cweNameOf,
  decryptForOrganisation,
  describeRange,
  downloadHeaders,
  listAffected,
  listAttachments,
  readAttachment,
  removeAffected,
  setAffected,
  setWaitingOnReporter,
  dayBases,
  dayBasisLabels,
  craStageLabels,
  getPolicy,
  inbox,
  markCraEvent,
  nextStates,
  openReport,
  postResponderMessage,
  promiseRecord,
  recordCraSubmission,
  savePolicy,
  setSeverity,
  stateLabels,
  transitionReport,
} from '../../../disclosure/index.ts';
import { notFound } from '../../../errors.ts';
import { one } from '../../../store/index.ts';
import { bodyOf, uuidParam, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { actorOf, authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field, notice, select } from '../../views/forms.ts';

const when = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** "in 3 days" / "2 hours overdue": what a responder needs at a glance. */
function dueText(due: Date, now = Date.now()): string {
  const ms = due.getTime() - now;
  const abs = Math.abs(ms);
  const span = abs >= 86_400_000 ? `${Math.round(abs / 86_400_000)} days` : `${Math.max(1, Math.round(abs / 3_600_000))} hours`;
  return ms < 0 ? `${span} overdue` : `in ${span}`;
}

export function registerReports(app: FastifyInstance, platform: Platform): void {
  app.get('/console/reports', async (request, reply) => {
    const p = authoriseUser(request.principal, 'reports.read');
    const [reports, record] = await Promise.all([inbox(platform.db, p.organisation.id), promiseRecord(platform.db, p.organisation.id)]);
    const now = Date.now();
    return sendPage(
      reply,
      pageContext(platform, request, reply),
      'Vulnerability reports',
      html`<h1>Vulnerability reports</h1>
<p>Open reports first, the soonest promise at the top. Public report page: <a href="/disclose/${p.organisation.slug}">/disclose/${p.organisation.slug}</a></p>
<dl class="summary" id="promises">
<div><dt>Reports</dt><dd>${record.reports}</dd></div>
<div><dt>Overdue now</dt><dd>${record.overdueNow}</dd></div>
<div><dt>Assessments on time</dt><dd>${record.triage.kept} kept, ${record.triage.missed} missed</dd></div>
<div><dt>Time to acknowledge</dt><dd>${record.acknowledge.worstMinutes === null ? '—' : `worst ${record.acknowledge.worstMinutes} min`}</dd></div>
<div><dt>Time to assess</dt><dd>${record.triage.medianHours === null ? '—' : `median ${record.triage.medianHours} h, worst ${record.triage.worstHours} h`}</dd></div>
<div><dt>Fixes on time</dt><dd>${record.fix.kept} kept, ${record.fix.missed} missed${record.fix.medianDays === null ? '' : ` (median ${record.fix.medianDays} days, worst ${record.fix.worstDays})`}</dd></div>
</dl>
!${
  reports.length
    ? html`<table><thead><tr><th scope="col">Reference</th><th scope="col">Title</th><th scope="col">Product</th><th scope="col">Severity</th><th scope="col">State</th><th scope="col">Due</th></tr></thead><tbody>!${reports
        .map((r) => {
          const overdue = r.state !== 'closed' && r.due.getTime() < now;
          return html`<tr!${overdue ? ' class="overdue"' : ''}><td><a href="/console/reports/${r.id}">${r.reference}</a>!${r.firstOpenedAt ? '' : html` <strong class="badge">not opened yet</strong>`}</td><td>${r.title}</td><td>${r.product}</td><td>${r.severity ?? '—'}</td><td>${stateLabels[r.state]}</td><td>${
            r.state === 'closed' ? '—' : `${r.state === 'received' ? 'assessment' : r.fixDue && r.due.getTime() === r.fixDue.getTime() ? 'fix' : 'update'} ${dueText(r.due, now)}`
          }</td></tr>`;
        })
        .join('')}</tbody></table>`
    : html`<p>No reports yet.</p>`
}`,
    );
  });

  const reportPage = async (request: FastifyRequest, reply: FastifyReply, extra: { failure?: FormFailure; decrypted?: string } = {}) => {
    const p = authoriseUser(request.principal, 'reports.read');
    const { report, messages, events } = await openReport(platform.db, actorOf(p, request.ip), uuidParam(request, 'reportId', 'That report'));
    const [affected, files, products] = await Promise.all([
      listAffected(platform.db, report.id),
      listAttachments(platform.db, report.id),
      platform.db.query<{ id: string; label: string; versions: string[] }>(
        `SELECT id, brand || ' ' || name || ' (' || model_number || ')' AS label, firmware_versions AS versions FROM products WHERE organisation_id = $1 ORDER BY brand, name`,
        [p.organisation.id],
      ),
    ]);
    const clocks = await craClocks(platform.db, p.organisation.id, report.id);
    const exploited = clocks[0]?.dueAt !== undefined;
    const fixed = clocks[2]?.dueAt !== undefined;
    const ctx = pageContext(platform, request, reply);
    const moves = nextStates(report.state);
    return sendPage(
      reply,
      ctx,
      report.reference,
      html`<h1>${report.reference}: ${report.title}</h1>
<dl class="summary">
<div><dt>State</dt><dd id="report-state">${stateLabels[report.state]}</dd></div>
<div><dt>Product</dt><dd>${report.product} ${report.version}</dd></div>
<div><dt>Received</dt><dd>${when(report.receivedAt)}</dd></div>
<div><dt>Next due</dt><dd>${report.state === 'closed' ? '—' : `${when(report.due)} (${dueText(report.due)})`}</dd></div>
<div><dt>Severity</dt><dd id="report-severity">${report.severity ? `${report.severity} (${report.cvssScore})` : 'not set'}</dd></div>
<div><dt>Fix due</dt><dd>${report.fixDue ? when(report.fixDue) : '—'}</dd></div>
</dl>
<h2>Report</h2>
!${report.waitingSince ? notice(`Waiting on the reporter since ${when(report.waitingSince)}: the clocks are paused.`) : ''}
!${
  report.encrypted
    ? html`<p><strong>Encrypted in the reporter’s browser</strong> to your OpenPGP key. Decrypt it with <code>gpg --decrypt</code>, or here if this platform holds your key (the plain text is shown once, never stored).</p>
<form method="post" action="/console/reports/${report.id}/decrypt" class="inline">!${csrfInput(ctx.csrfToken)}<button type="submit" class="secondary">Decrypt here</button></form>
!${extra.decrypted ? html`<h3>Decrypted</h3><p class="pre" id="decrypted">${extra.decrypted}</p>` : ''}`
    : ''
}
<h3>Description</h3><p class="pre">${report.description}</p>
<h3>Steps to reproduce</h3><p class="pre">${report.steps}</p>
!${report.impact ? html`<h3>Impact</h3><p class="pre">${report.impact}</p>` : ''}
!${files.length ? html`<h3>Files</h3><ul id="attachments">!${files.map((a) => html`<li><a href="/console/reports/${report.id}/attachments/${a.id}" download>${a.fileName}</a> (${a.mediaType}, ${a.size.toLocaleString('en-GB')} bytes, from the ${a.uploadedBy}, SHA-256 <code>${a.sha256}</code>)</li>`).join('')}</ul>` : ''}
<p>Received by ${report.channel === 'email' ? 'e-mail' : report.channel === 'api' ? 'the API' : 'the web form'}. Reporter: ${report.reporterName ?? 'anonymous'}${report.reporterEmail ? ` <${report.reporterEmail}>` : ' (no e-mail: replies reach them on their status page)'} · AI use declared: ${report.aiUse}</p>
!${errorSummary(extra.failure?.message, extra.failure?.fields)}
!${
  report.proposedRejection
    ? notice(
        `${report.proposedRejection.byLabel} proposed to reject this report (${stateLabels[report.proposedRejection.to]}${report.proposedRejection.closeReason ? `, ${report.proposedRejection.closeReason.replace(/_/g, ' ')}` : ''}). Rejections need a second person: another owner or security responder confirms by choosing the same state and reason.`,
      )
    : ''
}
!${
  moves.length
    ? html`<h2>Change state</h2><form method="post" action="/console/reports/${report.id}/state" novalidate>!${csrfInput(ctx.csrfToken)}
!${select('to', 'New state', moves.map((s) => ({ value: s, label: stateLabels[s] })), moves[0], extra.failure?.fields)}
!${select('closeReason', 'If closing, why', [{ value: '', label: '—' }, ...closeReasons.map((c) => ({ value: c, label: c.replace(/_/g, ' ') }))], '', extra.failure?.fields)}
<button type="submit">Change state</button></form>`
    : ''
}
<h2>Severity</h2>
<form method="post" action="/console/reports/${report.id}/severity" novalidate>!${csrfInput(ctx.csrfToken)}
!${field({ name: 'vector', label: 'CVSS 3.1 or 4.0 vector', hint: 'e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', value: report.cvssVector ?? '' }, extra.failure?.fields)}
!${field({ name: 'cwe', label: 'CWE', hint: report.cwe ? `${report.cwe}: ${cweNameOf(report.cwe) ?? 'not in the CWE list'}` : 'e.g. CWE-798 (hard-coded credentials)', value: report.cwe ?? '', required: false }, extra.failure?.fields)}
!${field({ name: 'cve', label: 'CVE (optional)', hint: 'When one is assigned, e.g. CVE-2026-12345.', value: report.cve ?? '', required: false }, extra.failure?.fields)}
<button type="submit">Set severity</button></form>
<h2 id="affected">Affected products</h2>
!${
  affected.length
    ? html`<table><thead><tr><th scope="col">Product</th><th scope="col">Versions</th><th scope="col">Released versions in range</th><th scope="col"></th></tr></thead><tbody>!${affected
        .map(
          (a) =>
            html`<tr><td>${a.product}</td><td>${describeRange(a.introduced, a.fixed)}</td><td>${a.affectedReleases.join(', ') || '—'}</td><td><form method="post" action="/console/reports/${report.id}/affected/${a.productId}/remove" class="inline">!${csrfInput(ctx.csrfToken)}<button type="submit" class="secondary">Remove</button></form></td></tr>`,
        )
        .join('')}</tbody></table>`
    : html`<p>None recorded yet. An advisory needs at least one.</p>`
}
<form method="post" action="/console/reports/${report.id}/affected" novalidate>!${csrfInput(ctx.csrfToken)}
!${select('productId', 'Product', [{ value: '', label: 'Choose' }, ...products.map((x) => ({ value: x.id, label: x.label }))], report.productId ?? '', extra.failure?.fields)}
!${field({ name: 'introduced', label: 'First affected version', hint: 'Empty: all versions before the fix.', value: '', required: false, list: 'known-versions' }, extra.failure?.fields)}
!${field({ name: 'fixed', label: 'Fixed in version', hint: 'Empty: no fix yet.', value: '', required: false, list: 'known-versions' }, extra.failure?.fields)}
<datalist id="known-versions">!${[...new Set(products.flatMap((x) => x.versions))].map((v) => html`<option value="${v}">`).join('')}</datalist>
<button type="submit">Record affected product</button></form>
<h2>Messages</h2>
<ol class="thread">!${messages
        .map(
          (m) =>
            html`<li!${m.visibility === 'internal' ? ' class="internal"' : ''}><p><strong>${m.authorLabel}</strong> (${m.author}${m.visibility === 'internal' ? ', internal note' : ''}), ${when(m.createdAt)}</p><p class="pre">${m.body}</p></li>`,
        )
        .join('')}</ol>
<form method="post" action="/console/reports/${report.id}/messages" novalidate>!${csrfInput(ctx.csrfToken)}
<div class="field"><label for="f-body">Message</label><textarea id="f-body" name="body" rows="5" cols="80" required></textarea></div>
!${select('visibility', 'Who sees it', [{ value: 'reporter', label: 'The reporter (an update)' }, { value: 'internal', label: 'Only us (internal note)' }], 'reporter')}
<button type="submit">Post</button></form>
<h2 id="waiting">Waiting on the reporter</h2>
!${
  report.state === 'closed'
    ? ''
    : report.waitingSince
      ? html`<form method="post" action="/console/reports/${report.id}/waiting" class="inline">!${csrfInput(ctx.csrfToken)}<input type="hidden" name="waiting" value="false"><button type="submit" class="secondary">Stop waiting (clocks run again)</button></form>`
      : html`<form method="post" action="/console/reports/${report.id}/waiting" novalidate>!${csrfInput(ctx.csrfToken)}<input type="hidden" name="waiting" value="true">
<div class="field"><label for="f-waiting-body">What do you need from the reporter?</label><textarea id="f-waiting-body" name="body" rows="3" cols="80"></textarea></div>
<button type="submit" class="secondary">Ask and pause the clocks</button></form>`
}
<h2 id="cra">EU Cyber Resilience Act reporting</h2>
!${
  exploited
    ? html`<table class="cra"><thead><tr><th scope="col">Stage</th><th scope="col">Due (UTC)</th><th scope="col">Sent</th></tr></thead><tbody>!${clocks
        .map(
          (c) =>
            html`<tr!${c.overdue ? ' class="overdue"' : ''}><td>${craStageLabels[c.stage]}</td><td>${c.dueAt ? `${when(c.dueAt)} (${c.sentAt ? 'done' : dueText(c.dueAt)})` : 'starts when a fix or mitigation is available'}</td><td>${c.sentAt ? when(c.sentAt) : '—'}</td></tr>`,
        )
        .join('')}</tbody></table>
!${clocks
  .filter((c) => c.dueAt && !c.sentAt)
  .map(
    (c) => html`<form method="post" action="/console/reports/${report.id}/cra-submissions" novalidate>!${csrfInput(ctx.csrfToken)}<input type="hidden" name="stage" value="${c.stage}">
<div class="field"><label for="f-cra-${c.stage}">${craStageLabels[c.stage]}: text sent</label><textarea id="f-cra-${c.stage}" name="body" rows="6" cols="80">${c.draft}</textarea></div>
<button type="submit">Record as sent</button></form>`,
  )
  .join('')}
!${
  fixed
    ? ''
    : html`<form method="post" action="/console/reports/${report.id}/cra" class="inline">!${csrfInput(ctx.csrfToken)}<input type="hidden" name="event" value="fix_available"><button type="submit">A fix or mitigation is available</button></form>`
}`
    : html`<p>If this vulnerability is being actively exploited, the CRA gives 24 hours for an early warning and 72 hours for a notification.</p>
<form method="post" action="/console/reports/${report.id}/cra" class="inline">!${csrfInput(ctx.csrfToken)}<input type="hidden" name="event" value="actively_exploited"><button type="submit" class="secondary">Mark as actively exploited</button></form>`
}
<h2>Timeline</h2>
<ul>!${events.map((e) => html`<li>${when(e.at)}: ${e.event.replace('state:', 'state → ')} (${e.actor})</li>`).join('')}</ul>`,
      extra.failure?.status ?? 200,
    );
  };

  app.get('/console/reports/:reportId', async (request, reply) => reportPage(request, reply));




  // Every triage action: authorise, act, and show the report again (with the problem if any).
  const action = (path: string, act: (actor: ReturnType<typeof actorOf>, id: string, body: Record<string, unknown>) => Promise<unknown>, anchor = '') =>
    app.post(`/console/reports/:reportId${path}`, async (request, reply) => {
      const p = authoriseUser(request.principal, 'reports.triage');
      const id = uuidParam(request, 'reportId', 'That report');
      const outcome = await attempt(() => act(actorOf(p, request.ip), id, bodyOf(request)));
      if (!outcome.ok) return reportPage(request, reply, { failure: outcome.failure });
      return reply.redirect(`/console/reports/${id}${anchor}`, 303);
    });
  action('/waiting', (actor, id, body) => setWaitingOnReporter(platform.db, actor, id, body), '#waiting');
  action('/affected', (actor, id, body) => setAffected(platform.db, actor, id, body), '#affected');
  action('/state', (actor, id, body) => transitionReport(platform.db, actor, id, body, platform.config.publicUrl));
  action('/messages', (actor, id, body) => postResponderMessage(platform.db, actor, id, body));
  action('/severity', (actor, id, body) => setSeverity(platform.db, actor, id, body));
  action('/cra', (actor, id, body) => markCraEvent(platform.db, actor, id, body), '#cra');
  action('/cra-submissions', (actor, id, body) => recordCraSubmission(platform.db, actor, id, body), '#cra');

  app.post('/console/reports/:reportId/affected/:productId/remove', async (request, reply) => {
    const p = authoriseUser(request.principal, 'reports.triage');
    const id = uuidParam(request, 'reportId', 'That report');
    await removeAffected(platform.db, actorOf(p, request.ip), id, uuidParam(request, 'productId', 'That affected product'));
    return reply.redirect(`/console/reports/${id}#affected`, 303);
  });

  // Files are only ever downloads: never rendered by the browser, never cached.
  app.get('/console/reports/:reportId/attachments/:attachmentId', async (request, reply) => {
    const p = authoriseUser(request.principal, 'reports.read');
    const id = uuidParam(request, 'reportId', 'That report');
    if (!(await platform.db.query('SELECT 1 FROM vulnerability_reports WHERE id = $1 AND organisation_id = $2', [id, p.organisation.id])).length) throw notFound('That report');
    const file = await readAttachment(platform.db, id, uuidParam(request, 'attachmentId', 'That file'));
    return reply.headers(downloadHeaders(file)).send(file.content);
  });

  app.post('/console/reports/:reportId/decrypt', async (request, reply) => {
    const p = authoriseUser(request.principal, 'reports.read');
    const id = uuidParam(request, 'reportId', 'That report');
    const row = await one<{ description: string; encrypted: boolean }>(platform.db, 'SELECT description, encrypted FROM vulnerability_reports WHERE id = $1 AND organisation_id = $2', [id, p.organisation.id]);
    if (!row) throw notFound('That report');
    const outcome = await attempt(() => decryptForOrganisation(platform.db, p.organisation.id, row.description));
    if (!outcome.ok) return reportPage(request, reply, { failure: outcome.failure });
    reply.header('cache-control', 'no-store');
    return reportPage(request, reply, { decrypted: outcome.value });
  });






  const policyPage = async (request: FastifyRequest, reply: FastifyReply, extra: { failure?: FormFailure; body?: Record<string, unknown>; saved?: boolean } = {}) => {
    const p = authoriseUser(request.principal, 'disclosure.manage');
    const policy = await getPolicy(platform.db, p.organisation.id);
    const ctx = pageContext(platform, request, reply);
    const b = extra.body;
    const v = (k: string, fallback: string | number): string => (b ? textOf(b, k) : String(fallback));
    const f = extra.failure?.fields;
    return sendPage(
      reply,
      ctx,
      'Disclosure policy',
      html`<h1>Disclosure policy</h1>
!${extra.saved ? notice('Published. The report page and policy page show it now.') : ''}
<p>Public pages: <a href="/disclose/${p.organisation.slug}">report form</a> · <a href="/disclose/${p.organisation.slug}/policy">policy</a> · <a href="/disclose/${p.organisation.slug}/security.txt">security.txt</a>. <a href="/console/disclosure/key">OpenPGP key</a> for encrypted reports and signatures.</p>
!${errorSummary(extra.failure?.message, f)}
<form method="post" action="/console/disclosure" novalidate>!${csrfInput(ctx.csrfToken)}
!${field({ name: 'acknowledgeHours', label: 'Acknowledge within (hours)', value: v('acknowledgeHours', policy.acknowledgeHours), inputmode: 'numeric' }, f)}
!${field({ name: 'triageDays', label: 'Assess within (days)', value: v('triageDays', policy.triageDays), inputmode: 'numeric' }, f)}
!${field({ name: 'updateIntervalDays', label: 'Update the reporter at least every (days)', value: v('updateIntervalDays', policy.updateIntervalDays), inputmode: 'numeric' }, f)}
!${field({ name: 'fixDaysCritical', label: 'Target fix time, critical (days)', value: v('fixDaysCritical', policy.fixDays.critical), inputmode: 'numeric' }, f)}
!${field({ name: 'fixDaysHigh', label: 'Target fix time, high (days)', value: v('fixDaysHigh', policy.fixDays.high), inputmode: 'numeric' }, f)}
!${field({ name: 'fixDaysMedium', label: 'Target fix time, medium (days)', value: v('fixDaysMedium', policy.fixDays.medium), inputmode: 'numeric' }, f)}
!${field({ name: 'fixDaysLow', label: 'Target fix time, low (days)', value: v('fixDaysLow', policy.fixDays.low), inputmode: 'numeric' }, f)}
!${select('dayBasis', 'Count days as', dayBases.map((d) => ({ value: d, label: dayBasisLabels[d] })), b ? textOf(b, 'dayBasis') : policy.dayBasis, f)}
!${field({ name: 'waitingCloseDays', label: 'Close a report after waiting on a silent reporter for (days)', value: v('waitingCloseDays', policy.waitingCloseDays), inputmode: 'numeric' }, f)}
!${field({ name: 'inboundAddress', label: 'Security e-mail address (optional)', hint: 'Mail to it, routed to this platform’s SMTP listener, becomes a report; replies naming the reference join it.', value: b ? textOf(b, 'inboundAddress') : (policy.inboundAddress ?? ''), required: false, type: 'email' }, f)}
!${field({ name: 'languages', label: 'Languages', hint: 'Language tags, e.g. en, de.', value: b ? textOf(b, 'languages') : policy.languages.join(', ') }, f)}
<div class="field"><label for="f-scope">Scope</label><textarea id="f-scope" name="scope" rows="4" cols="80">${b ? textOf(b, 'scope') : policy.scope}</textarea></div>
<div class="field"><label for="f-safeHarbour">Safe harbour</label><textarea id="f-safeHarbour" name="safeHarbour" rows="4" cols="80">${b ? textOf(b, 'safeHarbour') : policy.safeHarbour}</textarea></div>
<button type="submit">Publish policy</button></form>`,
      extra.failure?.status ?? 200,
    );
  };

  app.get('/console/disclosure', async (request, reply) => policyPage(request, reply, { saved: (request.query as Record<string, unknown>)['saved'] !== undefined }));

  app.post('/console/disclosure', async (request, reply) => {
    const p = authoriseUser(request.principal, 'disclosure.manage');
    const body = bodyOf(request);
    const outcome = await attempt(() => platform.db.transaction((tx) => savePolicy(tx, actorOf(p, request.ip), body)));
    if (!outcome.ok) return policyPage(request, reply, { failure: outcome.failure, body });
    return reply.redirect('/console/disclosure?saved=1', 303);
  });
}
