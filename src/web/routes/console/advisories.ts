import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { advisoryCandidates, type AdvisoryCandidate } from '../../../disclosure/advisory-candidates.ts';
import {
  advisoryStateLabels,
  approveAndPublish,
  createAdvisory,
  draftCsaf,
  getAdvisory,
  listAdvisories,
  requestApproval,
  updateAdvisory,
  withdrawApprovalRequest,
  type AdvisoryDetail,
} from '../../../disclosure/advisories.ts';
import { csafFileName } from '../../../disclosure/csaf.ts';
import { signDetached } from '../../../disclosure/organisation-key.ts';
import type { FieldErrors } from '../../../errors.ts';
import { bodyOf, uuidParam, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { actorOf, authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field, notice } from '../../views/forms.ts';

// Security advisories in the console: written from accepted reports, TLP:RED until a second
// person approves, then published as CSAF. Reading needs reports.read, writing reports.triage,
// and publishing disclosure.manage — the service refuses an approval by the person who asked.

const when = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** What a redirect after an action may ask the page to confirm; anything else shows nothing. */
const doneNotices: Record<string, string> = {
  saved: 'Saved. The changes are a draft until they are sent for approval and approved.',
  requested: 'Sent for approval. Another owner or security responder has been asked to approve it.',
  published: 'Published. The advisory, its CSAF document, hashes and signature are public now, and the reporters were told.',
  'sent-back': 'Sent back to draft.',
};

function textarea(name: string, label: string, value: string, errors: FieldErrors = {}, hint = ''): string {
  const id = `f-${name}`;
  const error = errors[name];
  return html`<div class="field${error ? ' has-error' : ''}"><label for="${id}">${label}</label>!${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}!${
    error ? html`<p class="error" id="${id}-error">${error}</p>` : ''
  }<textarea id="${id}" name="${name}" rows="6" cols="80"!${error ? ' aria-invalid="true"' : ''}>${value}</textarea></div>`;
}

/** Checked report ids from a form: one checkbox sends a string, several an array. */
function chosenIds(body: Record<string, unknown>): Set<string> {
  const v = body['reportIds'];
  return new Set((Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string'));
}

/** The shared fields of the new and edit forms; values come from the failed body or the advisory. */
function advisoryFields(values: { title: string; summary: string; remediation: string; workaround: string; acknowledgement: string }, candidates: AdvisoryCandidate[], chosen: Set<string>, errors: FieldErrors = {}): string {
  const reportsError = errors['reportIds'];
  return html`!${field({ name: 'title', label: 'Title', hint: 'What and where, e.g. "Hard-coded service password in the Acme Video Doorbell".', value: values.title }, errors)}
!${textarea('summary', 'Summary for the public', values.summary, errors, 'What the vulnerability is, who is affected and what they should do. This becomes the CSAF summary.')}
!${textarea('remediation', 'Remediation (optional)', values.remediation, errors, 'The fix, e.g. "Install firmware 2.4.1 or later". Empty: each product with a fixed version gets "Update to version … or later".')}
!${textarea('workaround', 'Workaround (optional)', values.workaround, errors)}
!${textarea('acknowledgement', 'Acknowledgement (optional)', values.acknowledgement, errors, 'Finders who agreed to be credited, one per line.')}
<fieldset class="field${reportsError ? ' has-error' : ''}" id="f-reportIds"><legend>Reports this advisory covers</legend>
!${reportsError ? html`<p class="error">${reportsError}</p>` : ''}
!${
  candidates.length
    ? candidates
        .map(
          (r) =>
            html`<label class="check"><input type="checkbox" name="reportIds" value="${r.id}"!${chosen.has(r.id) ? ' checked' : ''}> ${r.reference}: ${r.title} — ${
              r.affectedProducts > 0 ? `${r.affectedProducts} affected product${r.affectedProducts === 1 ? '' : 's'}` : 'no affected product yet (add one on the report before sending for approval)'
            }</label>`,
        )
        .join('')
    : html`<p>No accepted reports yet. Advisories are written from accepted reports: accept one under <a href="/console/reports">Reports</a> first.</p>`
}
</fieldset>`;
}

export function registerAdvisories(app: FastifyInstance, platform: Platform): void {
  app.get('/console/advisories', async (request, reply) => {
    const p = authoriseUser(request.principal, 'reports.read');
    const advisories = await listAdvisories(platform.db, p.organisation.id);
    return sendPage(
      reply,
      pageContext(platform, request, reply),
      'Security advisories',
      html`<h1>Security advisories</h1>
<p>Advisories are written from accepted reports, stay TLP:RED while drafts, and are published as CSAF when a second person approves. Public list: <a href="/disclose/${p.organisation.slug}/advisories">/disclose/${p.organisation.slug}/advisories</a></p>
<p><a class="button" href="/console/advisories/new">New advisory</a></p>
!${
  advisories.length
    ? html`<table><thead><tr><th scope="col">Tracking id</th><th scope="col">Title</th><th scope="col">State</th><th scope="col">Published version</th><th scope="col">Last published</th></tr></thead><tbody>!${advisories
        .map(
          (a) =>
            html`<tr><td><a href="/console/advisories/${a.id}">${a.trackingId}</a></td><td>${a.title}</td><td>${advisoryStateLabels[a.state]}</td><td>${a.currentVersion ?? '—'}</td><td>${
              a.lastPublishedAt ? when(a.lastPublishedAt) : 'never'
            }</td></tr>`,
        )
        .join('')}</tbody></table>`
    : html`<p>No advisories yet.</p>`
}`,
    );
  });

  const newPage = async (request: FastifyRequest, reply: FastifyReply, body: Record<string, unknown> = {}, failure?: FormFailure) => {
    const p = authoriseUser(request.principal, 'reports.triage');
    const candidates = await advisoryCandidates(platform.db, p.organisation.id);
    const ctx = pageContext(platform, request, reply);
    return sendPage(
      reply,
      ctx,
      'New advisory',
      html`<h1>New advisory</h1>
<p>The draft is TLP:RED: only owners and security responders see it until a second person approves its publication.</p>
!${errorSummary(failure?.message, failure?.fields)}
<form method="post" action="/console/advisories" novalidate>!${csrfInput(ctx.csrfToken)}
!${advisoryFields(
  { title: textOf(body, 'title'), summary: textOf(body, 'summary'), remediation: textOf(body, 'remediation'), workaround: textOf(body, 'workaround'), acknowledgement: textOf(body, 'acknowledgement') },
  candidates,
  chosenIds(body),
  failure?.fields,
)}
<button type="submit">Create draft</button></form>`,
      failure?.status ?? 200,
    );
  };

  app.get('/console/advisories/new', async (request, reply) => newPage(request, reply));

  app.post('/console/advisories', async (request, reply) => {
    const p = authoriseUser(request.principal, 'reports.triage');
    const body = bodyOf(request);
    const outcome = await attempt(() => createAdvisory(platform.db, actorOf(p, request.ip), body));
    if (!outcome.ok) return newPage(request, reply, body, outcome.failure);
    return reply.redirect(`/console/advisories/${outcome.value}`, 303);
  });

  const detailPage = async (request: FastifyRequest, reply: FastifyReply, extra: { failure?: FormFailure; body?: Record<string, unknown>; changeSummary?: string } = {}) => {
    const p = authoriseUser(request.principal, 'reports.read');
    const a: AdvisoryDetail = await getAdvisory(platform.db, p.organisation.id, uuidParam(request, 'advisoryId', 'That advisory'));
    const candidates = await advisoryCandidates(platform.db, p.organisation.id);
    // A linked report that left the accepted states is still shown, so the refusal to save names it.
    const listed = [...candidates, ...a.reports.filter((r) => !candidates.some((c) => c.id === r.id)).map((r) => ({ ...r, affectedProducts: 0 }))];
    const ctx = pageContext(platform, request, reply);
    const b = extra.body;
    const f = extra.failure?.fields;
    const done = doneNotices[String((request.query as Record<string, unknown>)['done'] ?? '')];
    const published = a.revisions.at(-1);
    const publicUrl = `/disclose/${p.organisation.slug}/advisories/${encodeURIComponent(a.trackingId)}`;
    const mayApprove = a.state === 'awaiting_approval' && a.approvalRequestedBy !== p.user.id;
    return sendPage(
      reply,
      ctx,
      a.trackingId,
      html`<h1>${a.trackingId}: ${a.title}</h1>
!${notice(done)}
!${
  a.state === 'published'
    ? ''
    : html`<div class="tlp-red" role="note"><p><strong>TLP:RED</strong> — ${
        published ? `these changes are not public; the public sees version ${published.version}.` : 'this draft is not public. Do not share it outside the people handling these reports.'
      }</p></div>`
}
!${errorSummary(extra.failure?.message, f)}
<dl class="summary">
<div><dt>State</dt><dd id="advisory-state">${advisoryStateLabels[a.state]}</dd></div>
<div><dt>Published version</dt><dd>${published?.version ?? '—'}</dd></div>
<div><dt>Last published</dt><dd>${published ? when(published.publishedAt) : 'never'}</dd></div>
</dl>
<p>!${published ? html`<a href="${publicUrl}">Public page</a> · ` : ''}<a href="/console/advisories/${a.id}/draft.json">Draft CSAF (TLP:RED, JSON)</a></p>
<h2>Reports</h2>
<ul>!${a.reports.map((r) => html`<li><a href="/console/reports/${r.id}">${r.reference}</a>: ${r.title} (${r.state})</li>`).join('')}</ul>
!${
  a.state === 'awaiting_approval'
    ? html`<h2 id="approval">Approval</h2>
<p>${a.approvalRequestedLabel ?? 'Someone'} asked for approval${a.changeSummary ? ` of: “${a.changeSummary}”` : ''}.</p>
!${
  mayApprove
    ? html`<form method="post" action="/console/advisories/${a.id}/publish" class="inline">!${csrfInput(ctx.csrfToken)}<button type="submit">Approve and publish</button></form> `
    : html`<p>You asked for this approval; another owner or security responder must approve it.</p>`
}
<form method="post" action="/console/advisories/${a.id}/send-back" class="inline">!${csrfInput(ctx.csrfToken)}<button type="submit" class="secondary">Send back to draft</button></form>`
    : a.state === 'draft'
      ? html`<h2 id="approval">Send for approval</h2>
<p>A second person (another owner or security responder) approves before anything is published. The advisory is checked against CSAF 2.0 now, so they are never asked to approve what could not be published.</p>
<form method="post" action="/console/advisories/${a.id}/approval-request" novalidate>!${csrfInput(ctx.csrfToken)}
!${field(
  {
    name: 'changeSummary',
    label: published ? 'What changed since the last published version' : 'Change summary (optional)',
    hint: published ? 'Required for a new revision, e.g. "Fixed version for the Hub 2 added".' : 'Empty: "Initial release".',
    value: extra.changeSummary ?? '',
    required: published !== undefined,
  },
  f,
)}
<button type="submit">Send for approval</button></form>`
      : ''
}
<h2>Revisions</h2>
!${
  a.revisions.length
    ? html`<table id="revisions"><thead><tr><th scope="col">Version</th><th scope="col">Date</th><th scope="col">Change</th><th scope="col">Requested by</th><th scope="col">Approved by</th><th scope="col">SHA-256</th><th scope="col">Signed</th></tr></thead><tbody>!${a.revisions
        .map(
          (r) =>
            html`<tr><td>${r.version}</td><td>${when(r.publishedAt)}</td><td>${r.changeSummary}</td><td>${r.requestedBy}</td><td>${r.approvedBy}</td><td><code>${r.sha256}</code></td><td>${r.signed ? 'yes' : 'no'}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : html`<p>Not published yet.</p>`
}
<h2 id="edit">Edit</h2>
<p>!${a.state === 'draft' ? '' : 'Saving a change returns the advisory to draft; it needs approval again. '}A change to a published advisory becomes its next revision once approved.</p>
<form method="post" action="/console/advisories/${a.id}" novalidate>!${csrfInput(ctx.csrfToken)}
!${advisoryFields(
  b
    ? { title: textOf(b, 'title'), summary: textOf(b, 'summary'), remediation: textOf(b, 'remediation'), workaround: textOf(b, 'workaround'), acknowledgement: textOf(b, 'acknowledgement') }
    : { title: a.title, summary: a.summary, remediation: a.remediation, workaround: a.workaround, acknowledgement: a.acknowledgement },
  listed,
  b ? chosenIds(b) : new Set(a.reports.map((r) => r.id)),
  f,
)}
<button type="submit">Save changes</button></form>`,
      extra.failure?.status ?? 200,
    );
  };

  app.get('/console/advisories/:advisoryId', async (request, reply) => detailPage(request, reply));

  app.post('/console/advisories/:advisoryId', async (request, reply) => {
    const p = authoriseUser(request.principal, 'reports.triage');
    const id = uuidParam(request, 'advisoryId', 'That advisory');
    const body = bodyOf(request);
    const outcome = await attempt(() => updateAdvisory(platform.db, actorOf(p, request.ip), id, body));
    if (!outcome.ok) return detailPage(request, reply, { failure: outcome.failure, body });
    return reply.redirect(`/console/advisories/${id}?done=saved`, 303);
  });

  app.post('/console/advisories/:advisoryId/approval-request', async (request, reply) => {
    const p = authoriseUser(request.principal, 'reports.triage');
    const id = uuidParam(request, 'advisoryId', 'That advisory');
    const body = bodyOf(request);
    const outcome = await attempt(() => requestApproval(platform.db, { ...actorOf(p, request.ip), userId: p.user.id }, id, body, platform.config.publicUrl));
    if (!outcome.ok) return detailPage(request, reply, { failure: outcome.failure, changeSummary: textOf(body, 'changeSummary') });
    return reply.redirect(`/console/advisories/${id}?done=requested`, 303);
  });

  app.post('/console/advisories/:advisoryId/publish', async (request, reply) => {
    const p = authoriseUser(request.principal, 'disclosure.manage');
    const id = uuidParam(request, 'advisoryId', 'That advisory');
    const outcome = await attempt(() =>
      approveAndPublish(platform.db, { ...actorOf(p, request.ip), userId: p.user.id }, id, platform.config.publicUrl, signDetached),
    );
    if (!outcome.ok) return detailPage(request, reply, { failure: outcome.failure });
    return reply.redirect(`/console/advisories/${id}?done=published`, 303);
  });

  app.post('/console/advisories/:advisoryId/send-back', async (request, reply) => {
    const p = authoriseUser(request.principal, 'reports.triage');
    const id = uuidParam(request, 'advisoryId', 'That advisory');
    const outcome = await attempt(() => withdrawApprovalRequest(platform.db, actorOf(p, request.ip), id));
    if (!outcome.ok) return detailPage(request, reply, { failure: outcome.failure });
    return reply.redirect(`/console/advisories/${id}?done=sent-back`, 303);
  });

  // The draft as CSAF, for checking in other tools. It is TLP:RED: a download, never cached.
  app.get('/console/advisories/:advisoryId/draft.json', async (request, reply) => {
    const p = authoriseUser(request.principal, 'reports.read');
    const id = uuidParam(request, 'advisoryId', 'That advisory');
    const a = await getAdvisory(platform.db, p.organisation.id, id);
    const doc = await draftCsaf(platform.db, p.organisation.id, id, platform.config.publicUrl);
    const fileName = csafFileName(a.trackingId).replace(/\.json$/u, '_draft_tlp-red.json');
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .type('application/json; charset=utf-8')
      .send(`${JSON.stringify(doc, null, 2)}\n`);
  });
}
