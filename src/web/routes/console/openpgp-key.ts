import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { generateKeyForOrganisation, getOrganisationKey, importKeyForOrganisation, keyProblem, removeOrganisationKey } from '../../../disclosure/index.ts';
import { bodyOf, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { actorOf, authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field, notice } from '../../views/forms.ts';

// The maker's OpenPGP key: reporters encrypt to it, security.txt and advisories are signed with it.

export function registerOpenpgpKey(app: FastifyInstance, platform: Platform): void {
  const keyPage = async (request: FastifyRequest, reply: FastifyReply, extra: { failure?: FormFailure; body?: Record<string, unknown>; saved?: string } = {}) => {
    const p = authoriseUser(request.principal, 'disclosure.manage');
    const key = await getOrganisationKey(platform.db, p.organisation.id);
    const ctx = pageContext(platform, request, reply);
    const f = extra.failure?.fields;
    const problem = keyProblem(key);
    return sendPage(
      reply,
      ctx,
      'OpenPGP key',
      html`<h1>OpenPGP key</h1>
!${extra.saved ? notice(extra.saved) : ''}
!${problem ? html`<div class="notice warning" role="alert"><p>${problem}</p></div>` : ''}
!${errorSummary(extra.failure?.message, f)}
!${
  key
    ? html`<dl class="summary" id="current-key">
<div><dt>Fingerprint</dt><dd><code>${key.fingerprint}</code></dd></div>
<div><dt>Expires</dt><dd>${key.expiresAt ? key.expiresAt.toISOString().slice(0, 10) : 'never'}</dd></div>
<div><dt>Signs security.txt and advisories</dt><dd>${key.canSign ? 'yes (this platform holds the private key, locked)' : 'no (public key only: reporters can encrypt to it)'}</dd></div>
</dl>
<p>Published at <a href="/disclose/${p.organisation.slug}/openpgp-key.asc">/disclose/${p.organisation.slug}/openpgp-key.asc</a> and named in your security.txt (Encryption).</p>
<form method="post" action="/console/disclosure/key/remove" class="inline">!${csrfInput(ctx.csrfToken)}<button type="submit" class="secondary">Remove the key</button></form>`
    : html`<p>No key yet. Without one, reports arrive unencrypted (over HTTPS) and security.txt is not signed.</p>`
}
<h2>Generate a key here</h2>
<p>Ed25519 for signing and Cv25519 for encryption. The private key stays on this platform, locked with a passphrase derived from the installation's secret.</p>
<form method="post" action="/console/disclosure/key/generate" novalidate>!${csrfInput(ctx.csrfToken)}
!${field({ name: 'email', label: 'Security address on the key', type: 'email', value: extra.body ? textOf(extra.body, 'email') : '' }, f)}
!${field({ name: 'validDays', label: 'Valid for (days)', hint: 'Between 30 and 1825; security.txt never outlives the key.', value: extra.body ? textOf(extra.body, 'validDays') : '730', inputmode: 'numeric' }, f)}
<button type="submit">Generate</button></form>
<h2>Or use a key you have</h2>
<p>Paste a public key (reporters can encrypt; nothing is signed) or a private key (also signs; give its passphrase, it is re-locked here).</p>
<form method="post" action="/console/disclosure/key/import" novalidate>!${csrfInput(ctx.csrfToken)}
<div class="field!${f?.['armored'] ? ' has-error' : ''}"><label for="f-armored">Armored key</label>!${f?.['armored'] ? html`<p class="error">${f['armored']}</p>` : ''}<textarea id="f-armored" name="armored" rows="8" cols="80"></textarea></div>
!${field({ name: 'currentPassphrase', label: 'Its passphrase, if the private key has one', type: 'password', required: false }, f)}
<button type="submit">Import</button></form>`,
      extra.failure?.status ?? 200,
    );
  };

  app.get('/console/disclosure/key', async (request, reply) => keyPage(request, reply));

  app.post('/console/disclosure/key/generate', async (request, reply) => {
    const p = authoriseUser(request.principal, 'disclosure.manage');
    const body = bodyOf(request);
    const outcome = await attempt(() => generateKeyForOrganisation(platform.db, actorOf(p, request.ip), body));
    if (!outcome.ok) return keyPage(request, reply, { failure: outcome.failure, body });
    return keyPage(request, reply, { saved: `Key ${outcome.value.fingerprint} generated and published.` });
  });

  app.post('/console/disclosure/key/import', async (request, reply) => {
    const p = authoriseUser(request.principal, 'disclosure.manage');
    const body = bodyOf(request);
    const outcome = await attempt(() => importKeyForOrganisation(platform.db, actorOf(p, request.ip), body));
    if (!outcome.ok) return keyPage(request, reply, { failure: outcome.failure });
    return keyPage(request, reply, { saved: `Key ${outcome.value.fingerprint} imported and published.` });
  });

  app.post('/console/disclosure/key/remove', async (request, reply) => {
    const p = authoriseUser(request.principal, 'disclosure.manage');
    const outcome = await attempt(() => removeOrganisationKey(platform.db, actorOf(p, request.ip)));
    if (!outcome.ok) return keyPage(request, reply, { failure: outcome.failure });
    return reply.redirect('/console/disclosure/key', 303);
  });
}
