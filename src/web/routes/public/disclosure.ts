import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { findOrganisationBySlug, type Organisation } from '../../../accounts/index.ts';
import {
  generateSecurityTxt,
  getOrganisationKey,
  getPolicy,
  issueChallenge,
  listAttachments,
  nextExpiry,
  postReporterMessage,
  reporterView,
  signingExpiryCap,
  signSecurityTxt,
  spendProofOfWork,
  stateLabels,
  submitReport,
  type DisclosurePolicy,
} from '../../../disclosure/index.ts';
import { attachmentLimits } from '../../../disclosure/index.ts';
import { dayBasisLabels } from '../../../disclosure/index.ts';
import { ConnectableError, invalidInput, notFound } from '../../../errors.ts';
import type { Queryable } from '../../../store/index.ts';
import { publicProductsOfMaker } from '../../../registry/index.ts';
import { bodyOf, pathParam, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field, notice, select } from '../../views/forms.ts';
import { attachmentsOf, jsonAttachmentsOf, multipartOptions, uploadBodyLimit, uploadErrorHandler } from './report-uploads.ts';

// Reports from anyone, without an account and without JavaScript (PSTI Schedule 1 §2: free, no
// personal information needed). Floods from one address are slowed per route; the service as a
// whole is not.
const intakeLimit = { rateLimit: { max: 5, timeWindow: '10 minutes' } };

// A form sent without JavaScript cannot pay the proof of work; such reports are still taken (the
// law wants a contact that works for anyone), at a slower rate per address.
const WITHOUT_PROOF_PER_HOUR = 2;

/** Per address, how many reports came without a proof of work in the last hour (one per server). */
function withoutProofBudget(): (ip: string) => boolean {
  const seen = new Map<string, number[]>();
  return (ip, now = Date.now()) => {
    const recent = (seen.get(ip) ?? []).filter((t) => now - t < 3_600_000);
    if (seen.size > 50_000) seen.clear();
    if (recent.length >= WITHOUT_PROOF_PER_HOUR) {
      seen.set(ip, recent);
      return false;
    }
    recent.push(now);
    seen.set(ip, recent);
    return true;
  };
}

async function makerOf(platform: Platform, request: FastifyRequest): Promise<Organisation> {
  const organisation = await findOrganisationBySlug(platform.db, pathParam(request, 'orgSlug') || pathParam(request, 'makerSlug'));
  if (!organisation || organisation.kind !== 'maker') throw notFound('That maker');
  return organisation;
}

function promises(policy: DisclosurePolicy): string {
  return html`<ul>
<li>You get an acknowledgement at once, with a private link to follow your report (our promise: within ${policy.acknowledgeHours} hours).</li>
<li>We assess it within ${policy.triageDays} ${policy.dayBasis === 'calendar' ? 'days' : 'business days'}, and update you at least every ${policy.updateIntervalDays} ${policy.dayBasis === 'calendar' ? 'days' : 'business days'} until it is resolved.!${policy.dayBasis === 'calendar' ? '' : html` (${dayBasisLabels[policy.dayBasis]}.)`}</li>
<li>We aim to fix confirmed issues within ${policy.fixDays.critical} days (critical), ${policy.fixDays.high} (high), ${policy.fixDays.medium} (medium), ${policy.fixDays.low} (low).</li>
<li>Reporting is free, and needs no account and no personal information.</li>
</ul>`;
}

const reporterEvents: Record<string, string> = {
  received: 'Report received',
  acknowledged: 'Acknowledged',
  first_opened: 'Opened by the security team',
  reporter_replied: 'You added information',
  update_sent: 'Update sent to you',
  waiting_started: 'Waiting for information from you (clocks paused)',
  waiting_ended: 'Information received (clocks running again)',
  attachment_added: 'File added',
  advisory_published: 'Advisory published',
};

/** The reporter sees what happened, not the internal bookkeeping (alerts, proposals). */
function reporterEventLabel(event: string): string {
  if (event.startsWith('state:')) return `Status: ${stateLabels[event.slice(6) as keyof typeof stateLabels] ?? event.slice(6)}`;
  return reporterEvents[event] ?? event.replace(/_/g, ' ');
}

const when = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function registerDisclosure(app: FastifyInstance, platform: Platform): void {
  const allowWithoutProof = withoutProofBudget();
  const reportPage = async (request: FastifyRequest, reply: FastifyReply, organisation: Organisation, body: Record<string, unknown>, failure?: FormFailure) => {
    const [policy, products, key] = await Promise.all([getPolicy(platform.db, organisation.id), publicProductsOfMaker(platform.db, organisation.slug), getOrganisationKey(platform.db, organisation.id)]);
    const canEncrypt = key !== undefined && (!key.expiresAt || key.expiresAt > new Date());
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
<form method="post" action="/disclose/${organisation.slug}" enctype="multipart/form-data" novalidate id="report-form" data-pow-bits="${platform.config.proofOfWorkBits}"!${canEncrypt ? html` data-key-url="/disclose/${organisation.slug}/openpgp-key.asc" data-key-fingerprint="${key?.fingerprint ?? ''}"` : ''}>
!${csrfInput(ctx.csrfToken)}
<input type="hidden" name="proofOfWork" value="">
!${select('productId', 'Affected product', [{ value: '', label: 'Choose, or name it below' }, ...products.map((p) => ({ value: idOf.get(p.slug) ?? '', label: `${p.brand} ${p.name} (${p.modelNumber})` }))], textOf(body, 'productId'), f)}
!${field({ name: 'productText', label: 'Other product', hint: 'If it is not in the list.', value: textOf(body, 'productText'), required: false }, f)}
!${field({ name: 'version', label: 'Firmware or app version', value: textOf(body, 'version'), required: false }, f)}
!${field({ name: 'title', label: 'Title', hint: 'One finding per report, in one line, e.g. "Telnet open with a shared root password". Several problems? Send one report for each, so each gets its own clock and answer.', value: textOf(body, 'title') }, f)}
<div class="field!${f?.['description'] ? ' has-error' : ''}"><label for="f-description">What is the problem?</label>!${f?.['description'] ? html`<p class="error" id="f-description-error">${f['description']}</p>` : ''}<textarea id="f-description" name="description" rows="6" cols="80" required>${textOf(body, 'description')}</textarea></div>
<div class="field!${f?.['steps'] ? ' has-error' : ''}"><label for="f-steps">Steps to reproduce, or proof of concept</label>!${f?.['steps'] ? html`<p class="error" id="f-steps-error">${f['steps']}</p>` : ''}<textarea id="f-steps" name="steps" rows="8" cols="80" required>${textOf(body, 'steps')}</textarea></div>
<div class="field"><label for="f-impact">Impact (optional)</label><textarea id="f-impact" name="impact" rows="3" cols="80">${textOf(body, 'impact')}</textarea></div>
<div class="field!${f?.['attachments'] ? ' has-error' : ''}"><label for="f-attachments">Files (optional)</label><p class="hint" id="f-attachments-hint">Screenshots, captures, a proof of concept: up to ${attachmentLimits.maxFilesPerUpload} files of ${attachmentLimits.maxFileBytes / 1024 / 1024} MiB. Executables, HTML and SVG are refused; put them in a ZIP.</p>!${f?.['attachments'] ? html`<p class="error" id="f-attachments-error">${f['attachments']}</p>` : ''}<input id="f-attachments" name="attachments" type="file" multiple aria-describedby="f-attachments-hint"></div>
!${canEncrypt ? html`<div class="field" id="encrypt-field" hidden><label><input type="checkbox" name="encrypted" id="f-encrypted" value="on"> Encrypt the description, steps and impact in this browser to ${organisation.name}’s OpenPGP key (${key?.fingerprint ?? ''}) before sending</label></div>` : ''}
!${select('aiUse', 'Did you use AI tools to find or write this?', [{ value: '', label: 'Choose' }, { value: 'none', label: 'No' }, { value: 'assisted', label: 'Yes, to help' }, { value: 'generated', label: 'Yes, it wrote most of it' }], textOf(body, 'aiUse'), f)}
!${field({ name: 'reporterEmail', label: 'Your e-mail (optional)', type: 'email', hint: 'For updates by e-mail. Leave empty to stay anonymous: you will get a private link instead.', value: textOf(body, 'reporterEmail'), required: false }, f)}
!${field({ name: 'reporterName', label: 'Your name or handle (optional)', hint: 'For credit in an advisory, if you want it.', value: textOf(body, 'reporterName'), required: false }, f)}
<p class="hint" id="pow-status" aria-live="polite"></p>
<button type="submit">Send report</button>
</form>
<script type="module" src="/assets/report-form.js"></script>`,
      failure?.status ?? 200,
    );
  };

  /**
   * What a report pays: its proof of work, spent in the report's own transaction, or (for a form
   * sent without JavaScript) a place in the slower lane.
   */
  const payment = (request: FastifyRequest, body: Record<string, unknown>, form: boolean): ((tx: Queryable) => Promise<void>) | undefined => {
    if (platform.config.proofOfWorkBits === 0) return undefined;
    const submitted = body['proofOfWork'];
    if (form && (submitted === undefined || submitted === '')) {
      if (allowWithoutProof(request.ip)) return undefined;
      throw new ConnectableError('CONNECTABLE_ERR_LOCKED_OUT', `Without JavaScript, ${WITHOUT_PROOF_PER_HOUR} reports an hour can be sent from one address. Wait an hour, or turn JavaScript on (the page then solves a short proof of work instead).`);
    }
    return async (tx) => {
      const outcome = await spendProofOfWork(tx, platform.proofOfWorkKey, submitted);
      if (!outcome.ok) throw invalidInput(outcome.reason, { proofOfWork: outcome.reason });
    };
  };

  app.get('/disclose/:orgSlug', async (request, reply) => reportPage(request, reply, await makerOf(platform, request), {}));

  // Forms with files are multipart, parsed only in this scope with the attachment limits.
  void app.register(async (scoped) => {
    await scoped.register(fastifyMultipart, multipartOptions);
    scoped.setErrorHandler(uploadErrorHandler);

    scoped.post('/disclose/:orgSlug', { config: intakeLimit, bodyLimit: uploadBodyLimit }, async (request, reply) => {
      const organisation = await makerOf(platform, request);
      const body = bodyOf(request);
      const outcome = await attempt(async () => {
        const attachments = attachmentsOf(body);
        const beforeStore = payment(request, body, true);
        return submitReport(platform.db, organisation, body, platform.config.publicUrl, { channel: 'web', attachments, ...(beforeStore ? { beforeStore } : {}) });
      });
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

    scoped.post('/disclose/track/:token', { config: intakeLimit, bodyLimit: uploadBodyLimit }, async (request, reply) => {
      const body = bodyOf(request);
      const outcome = await attempt(async () => postReporterMessage(platform.db, pathParam(request, 'token'), body, platform.config.publicUrl, attachmentsOf(body)));
      if (!outcome.ok) return trackPage(request, reply, outcome.failure);
      return reply.redirect(`/disclose/track/${pathParam(request, 'token')}`, 303);
    });
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
    const [policy, key, advisories] = await Promise.all([
      getPolicy(platform.db, organisation.id),
      getOrganisationKey(platform.db, organisation.id),
      platform.db.query('SELECT 1 FROM advisory_revisions v JOIN advisories a ON a.id = v.advisory_id WHERE a.organisation_id = $1 LIMIT 1', [organisation.id]),
    ]);
    const base = `${platform.config.publicUrl}/disclose/${organisation.slug}`;
    const today = new Date(new Date().toISOString().slice(0, 10));
    const usableKey = key && (!key.expiresAt || key.expiresAt > new Date()) ? key : undefined;
    // A signed file must never outlive the key that signed it (RFC 9116 §2.3).
    const expires = usableKey?.canSign ? signingExpiryCap(usableKey.expiresAt, nextExpiry(today)) : nextExpiry(today);
    const unsigned = generateSecurityTxt({
      contacts: [base, ...(policy.inboundAddress ? [`mailto:${policy.inboundAddress}`] : [])],
      expires,
      ...(usableKey ? { encryption: [`${base}/openpgp-key.asc`] } : {}),
      ...(advisories.length ? { csaf: `${base}/csaf/provider-metadata.json` } : {}),
      policy: `${base}/policy`,
      preferredLanguages: policy.languages,
      canonical: [`${base}/security.txt`],
    });
    const text = (usableKey?.canSign ? await signSecurityTxt(platform.db, organisation.id, unsigned) : null) ?? unsigned;
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600').send(text);
  });

  const trackPage = async (request: FastifyRequest, reply: FastifyReply, failure?: FormFailure) => {
    const token = pathParam(request, 'token');
    const view = await reporterView(platform.db, token);
    const files = await listAttachments(platform.db, view.id);
    const ctx = pageContext(platform, request, reply);
    return sendPage(
      reply,
      ctx,
      `Report ${view.reference}`,
      html`<h1>Report ${view.reference}</h1>
!${view.waitingSince ? notice(`${view.organisation} is waiting for information from you (see the latest message). The report's clocks are paused until you answer; without an answer it closes on ${when(view.waitingClosesAt ?? view.waitingSince)}.`) : ''}
<dl class="summary">
<div><dt>Status</dt><dd id="report-status">${stateLabels[view.state]}${view.closeReason ? ` (${view.closeReason.replace(/_/g, ' ')})` : ''}</dd></div>
<div><dt>To</dt><dd>${view.organisation}</dd></div>
<div><dt>Acknowledged</dt><dd>${when(view.acknowledgedAt)}</dd></div>
<div><dt>Assessment promised by</dt><dd>${view.state === 'received' ? when(view.triageDue) : 'done'}</dd></div>
<div><dt>Next update by</dt><dd id="next-update">${view.state === 'closed' || view.waitingSince ? '—' : when(view.nextUpdateDue)}</dd></div>
<div><dt>Disclosure</dt><dd id="disclosure-date">${view.advisories.length ? view.advisories.map((a) => `${a.trackingId} published ${when(a.publishedAt)}`).join('; ') : view.fixDue ? `planned after the fix, due by ${when(view.fixDue)}` : 'not planned yet'}</dd></div>
</dl>
!${view.advisories.length ? html`<p>!${view.advisories.map((a) => html`<a href="${a.url}">Advisory ${a.trackingId}</a>`).join(' · ')}</p>` : ''}
<h2>Timeline</h2>
<ol class="timeline">!${view.events.map((e) => html`<li>${when(e.at)}: ${reporterEventLabel(e.event)}</li>`).join('')}</ol>
<h2>Messages</h2>
<ol class="thread">!${view.messages.map((m) => html`<li><p><strong>${m.author === 'reporter' ? 'You' : m.authorLabel}</strong>, ${when(m.createdAt)}</p><p class="pre">${m.body}</p></li>`).join('')}</ol>
!${files.length ? html`<h2>Files</h2><ul>!${files.map((a) => html`<li>${a.fileName} (${a.mediaType}, ${a.size.toLocaleString('en-GB')} bytes, SHA-256 <code>${a.sha256.slice(0, 16)}…</code>)</li>`).join('')}</ul>` : ''}
!${
  view.state === 'closed'
    ? ''
    : html`<h2>Add information</h2>
!${errorSummary(failure?.message, failure?.fields)}
<form method="post" action="/disclose/track/${token}" enctype="multipart/form-data" novalidate>!${csrfInput(ctx.csrfToken)}
<div class="field"><label for="f-body">Message</label><textarea id="f-body" name="body" rows="5" cols="80"></textarea></div>
<div class="field!${failure?.fields?.['attachments'] ? ' has-error' : ''}"><label for="f-attachments">Files (optional)</label>!${failure?.fields?.['attachments'] ? html`<p class="error">${failure.fields['attachments']}</p>` : ''}<input id="f-attachments" name="attachments" type="file" multiple></div>
<button type="submit">Send</button></form>`
}`,
      failure?.status ?? 200,
    );
  };

  // The link is a bearer secret: never cached, never sent on as a Referer (no-referrer is global).
  app.get('/disclose/track/:token', async (request, reply) => trackPage(request, reply));

  app.get('/api/v1/public/proof-of-work', { config: { rateLimit: { max: 60, timeWindow: '1 minute' } } }, async (_request, reply) => {
    const bits = platform.config.proofOfWorkBits;
    if (bits === 0) return reply.header('cache-control', 'no-store').send({ required: false });
    const issued = await issueChallenge(platform.proofOfWorkKey, '0'.repeat(bits / 4));
    return reply.header('cache-control', 'no-store').send({ required: true, ...issued });
  });

  // Tools send JSON; files travel as base64, so the body may be as large as the files allow.
  app.post('/api/v1/public/makers/:makerSlug/reports', { config: { ...intakeLimit, csrf: false }, bodyLimit: Math.ceil(uploadBodyLimit * 1.4) }, async (request, reply) => {
    const organisation = await makerOf(platform, request);
    const body = bodyOf(request);
    const attachments = jsonAttachmentsOf(body);
    const beforeStore = payment(request, body, false);
    const submitted = await submitReport(platform.db, organisation, body, platform.config.publicUrl, { channel: 'api', attachments, ...(beforeStore ? { beforeStore } : {}) });
    return reply.status(201).send({
      reference: submitted.reference,
      acknowledgedAt: submitted.acknowledgedAt,
      triageDue: submitted.triageDue,
      trackingUrl: `${platform.config.publicUrl}/disclose/track/${submitted.trackingToken}`,
    });
  });
}
