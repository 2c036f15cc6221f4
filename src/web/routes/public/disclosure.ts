import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { findOrganisationBySlug, type Organisation } from '../../../accounts/index.ts';
import { generateSecurityTxt, getPolicy, nextExpiry, postReporterMessage, reporterView, stateLabels, submitReport, type DisclosurePolicy } from '../../../disclosure/index.ts';
import { ConnectableError, notFound } from '../../../errors.ts';
import { publicProductsOfMaker } from '../../../registry/index.ts';
import { bodyOf, pathParam, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field, notice, select } from '../../views/forms.ts';

// Reports from anyone, without an account and without JavaScript (PSTI Schedule 1 §2: free, no
// personal information needed). Floods from one address are slowed per route; the service as a
// whole is not.
const intakeLimit = { rateLimit: { max: 5, timeWindow: '10 minutes' } };

async function makerOf(platform: Platform, request: FastifyRequest): Promise<Organisation> {
  const organisation = await findOrganisationBySlug(platform.db, pathParam(request, 'orgSlug') || pathParam(request, 'makerSlug'));
  if (!organisation || organisation.kind !== 'maker') throw notFound('That maker');
  return organisation;
}

function promises(policy: DisclosurePolicy): string {
  return html`<ul>
<li>You get an acknowledgement at once, with a private link to follow your report (our promise: within ${policy.acknowledgeHours} hours).</li>
<li>We assess it within ${policy.triageDays} days, and update you at least every ${policy.updateIntervalDays} days until it is resolved.</li>
<li>We aim to fix confirmed issues within ${policy.fixDays.critical} days (critical), ${policy.fixDays.high} (high), ${policy.fixDays.medium} (medium), ${policy.fixDays.low} (low).</li>
<li>Reporting is free, and needs no account and no personal information.</li>
</ul>`;
}

const when = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function registerDisclosure(app: FastifyInstance, platform: Platform): void {
  const reportPage = async (request: FastifyRequest, reply: FastifyReply, organisation: Organisation, body: Record<string, unknown>, failure?: FormFailure) => {
    const [policy, products] = await Promise.all([getPolicy(platform.db, organisation.id), publicProductsOfMaker(platform.db, organisation.slug)]);
    const ids = await platform.db.query<{ id: string; slug: string }>('SELECT id, slug FROM products WHERE organisation_id = $1', [organisation.id]);
    const idOf = new Map(ids.map((r) => [r.slug, r.id]));
    const ctx = pageContext(platform, request, reply);
    const f = failure?.fields;
    return sendPage(
      reply,
      ctx,
      `Report a security problem to ${organisation.name}`,
      html`<h1>Report a security problem to ${organisation.name}</h1>
!${promises(policy)}
<p><a href="/disclose/${organisation.slug}/policy">Read the full disclosure policy</a></p>
!${errorSummary(failure?.message, f)}
<form method="post" action="/disclose/${organisation.slug}" novalidate>
!${csrfInput(ctx.csrfToken)}
!${select('productId', 'Affected product', [{ value: '', label: 'Choose, or name it below' }, ...products.map((p) => ({ value: idOf.get(p.slug) ?? '', label: `${p.brand} ${p.name} (${p.modelNumber})` }))], textOf(body, 'productId'), f)}
!${field({ name: 'productText', label: 'Other product', hint: 'If it is not in the list.', value: textOf(body, 'productText'), required: false }, f)}
!${field({ name: 'version', label: 'Firmware or app version', value: textOf(body, 'version'), required: false }, f)}
!${field({ name: 'title', label: 'Title', hint: 'One line, e.g. "Telnet open with a shared root password".', value: textOf(body, 'title') }, f)}
<div class="field!${f?.['description'] ? ' has-error' : ''}"><label for="f-description">What is the problem?</label>!${f?.['description'] ? html`<p class="error" id="f-description-error">${f['description']}</p>` : ''}<textarea id="f-description" name="description" rows="6" cols="80" required>${textOf(body, 'description')}</textarea></div>
<div class="field!${f?.['steps'] ? ' has-error' : ''}"><label for="f-steps">Steps to reproduce, or proof of concept</label>!${f?.['steps'] ? html`<p class="error" id="f-steps-error">${f['steps']}</p>` : ''}<textarea id="f-steps" name="steps" rows="8" cols="80" required>${textOf(body, 'steps')}</textarea></div>
<div class="field"><label for="f-impact">Impact (optional)</label><textarea id="f-impact" name="impact" rows="3" cols="80">${textOf(body, 'impact')}</textarea></div>
!${select('aiUse', 'Did you use AI tools to find or write this?', [{ value: '', label: 'Choose' }, { value: 'none', label: 'No' }, { value: 'assisted', label: 'Yes, to help' }, { value: 'generated', label: 'Yes, it wrote most of it' }], textOf(body, 'aiUse'), f)}
!${field({ name: 'reporterEmail', label: 'Your e-mail (optional)', type: 'email', hint: 'For updates by e-mail. Leave empty to stay anonymous: you will get a private link instead.', value: textOf(body, 'reporterEmail'), required: false }, f)}
!${field({ name: 'reporterName', label: 'Your name or handle (optional)', hint: 'For credit in an advisory, if you want it.', value: textOf(body, 'reporterName'), required: false }, f)}
<button type="submit">Send report</button>
</form>`,
      failure?.status ?? 200,
    );
  };

  app.get('/disclose/:orgSlug', async (request, reply) => reportPage(request, reply, await makerOf(platform, request), {}));

  app.post('/disclose/:orgSlug', { config: intakeLimit, bodyLimit: 256 * 1024 }, async (request, reply) => {
    const organisation = await makerOf(platform, request);
    const body = bodyOf(request);
    const outcome = await attempt(() => submitReport(platform.db, organisation, body, platform.config.publicUrl));
    if (!outcome.ok) return reportPage(request, reply, organisation, body, outcome.failure);
    const link = `${platform.config.publicUrl}/disclose/track/${outcome.value.trackingToken}`;
    return sendPage(
      reply,
      pageContext(platform, request, reply),
      'Report received',
      html`<h1>Report received</h1>
!${notice(`Your report ${outcome.value.reference} was received and acknowledged at ${when(outcome.value.acknowledgedAt)}.`)}
<p>Keep this private link: it shows the status of your report, replies from ${organisation.name}, and lets you add information. Anyone with the link can read the report.</p>
<p><input class="copy" id="tracking-link" readonly value="${link}" aria-label="Private tracking link"></p>
<p><a href="${link}">Open the status page</a></p>`,
    );
  });

  app.get('/disclose/:orgSlug/policy', async (request, reply) => {
    const organisation = await makerOf(platform, request);
    const policy = await getPolicy(platform.db, organisation.id);
    return sendPage(
      reply,
      pageContext(platform, request, reply),
      `Vulnerability disclosure policy of ${organisation.name}`,
      html`<h1>Vulnerability disclosure policy of ${organisation.name}</h1>
<h2>How to report</h2><p><a href="/disclose/${organisation.slug}">Use the report form</a>. No account is needed.</p>
<h2>What we promise</h2>!${promises(policy)}
<h2>Scope</h2><p>${policy.scope || 'All products and services of this maker.'}</p>
<h2>Safe harbour</h2><p>${policy.safeHarbour || 'We will not take legal action against anyone who reports in good faith and follows this policy.'}</p>
<h2>Languages</h2><p>${policy.languages.join(', ')}</p>`,
    );
  });

  // RFC 9116 for the maker's own site (served here too): regenerated on every request, so its
  // Expires is always nearly a year ahead and the file can never lapse while we serve it.
  app.get('/disclose/:orgSlug/security.txt', async (request, reply) => {
    const organisation = await makerOf(platform, request);
    if (!platform.config.publicUrl.startsWith('https://')) {
      throw new ConnectableError(
        'CONNECTABLE_ERR_CONFLICT',
        `security.txt must point at HTTPS addresses (RFC 9116), but this platform's address is ${platform.config.publicUrl}. Serve it over HTTPS and set PUBLIC_URL to the https:// address.`,
      );
    }
    const policy = await getPolicy(platform.db, organisation.id);
    const base = `${platform.config.publicUrl}/disclose/${organisation.slug}`;
    const today = new Date(new Date().toISOString().slice(0, 10));
    const text = generateSecurityTxt({
      contacts: [base],
      expires: nextExpiry(today),
      policy: `${base}/policy`,
      preferredLanguages: policy.languages,
      canonical: [`${base}/security.txt`],
    });
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600').send(text);
  });

  const trackPage = async (request: FastifyRequest, reply: FastifyReply, failure?: FormFailure) => {
    const token = pathParam(request, 'token');
    const view = await reporterView(platform.db, token);
    const ctx = pageContext(platform, request, reply);
    return sendPage(
      reply,
      ctx,
      `Report ${view.reference}`,
      html`<h1>Report ${view.reference}</h1>
<dl class="summary">
<div><dt>Status</dt><dd id="report-status">${stateLabels[view.state]}</dd></div>
<div><dt>To</dt><dd>${view.organisation}</dd></div>
<div><dt>Acknowledged</dt><dd>${when(view.acknowledgedAt)}</dd></div>
<div><dt>Next update by</dt><dd>${view.state === 'closed' ? '—' : when(view.nextUpdateDue)}</dd></div>
</dl>
<h2>Messages</h2>
<ol class="thread">!${view.messages.map((m) => html`<li><p><strong>${m.author === 'reporter' ? 'You' : m.authorLabel}</strong>, ${when(m.createdAt)}</p><p>${m.body}</p></li>`).join('')}</ol>
!${
  view.state === 'closed'
    ? ''
    : html`<h2>Add information</h2>
!${errorSummary(failure?.message, failure?.fields)}
<form method="post" action="/disclose/track/${token}" novalidate>!${csrfInput(ctx.csrfToken)}
<div class="field"><label for="f-body">Message</label><textarea id="f-body" name="body" rows="5" cols="80" required></textarea></div>
<button type="submit">Send</button></form>`
}`,
      failure?.status ?? 200,
    );
  };

  // The link is a bearer secret: never cached, never sent on as a Referer (no-referrer is global).
  app.get('/disclose/track/:token', async (request, reply) => trackPage(request, reply));

  app.post('/disclose/track/:token', { config: intakeLimit }, async (request, reply) => {
    const outcome = await attempt(() => postReporterMessage(platform.db, pathParam(request, 'token'), bodyOf(request), platform.config.publicUrl));
    if (!outcome.ok) return trackPage(request, reply, outcome.failure);
    return reply.redirect(`/disclose/track/${pathParam(request, 'token')}`, 303);
  });

  app.post('/api/v1/public/makers/:makerSlug/reports', { config: { ...intakeLimit, csrf: false }, bodyLimit: 256 * 1024 }, async (request, reply) => {
    const organisation = await makerOf(platform, request);
    const submitted = await submitReport(platform.db, organisation, bodyOf(request), platform.config.publicUrl);
    return reply.status(201).send({
      reference: submitted.reference,
      acknowledgedAt: submitted.acknowledgedAt,
      triageDue: submitted.triageDue,
      trackingUrl: `${platform.config.publicUrl}/disclose/track/${submitted.trackingToken}`,
    });
  });
}
