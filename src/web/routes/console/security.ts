import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import QRCode from 'qrcode';
import { confirmTotpEnrolment, disableTotp, pendingTotpSecret, startTotpEnrolment, totpUri, unusedRecoveryCodes } from '../../../accounts/index.ts';
import { bodyOf, type Platform } from '../../context.ts';
import { attempt, type FormFailure } from '../../forms.ts';
import { actorOf, authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field } from '../../views/forms.ts';

export function registerSecurity(app: FastifyInstance, platform: Platform): void {
  const securityPage = async (request: FastifyRequest, reply: FastifyReply, extra: { recoveryCodes?: string[]; failure?: FormFailure } = {}) => {
    const p = authoriseUser(request.principal, 'organisation.read');
    const ctx = pageContext(platform, request, reply);
    const pending = p.user.totpEnabled ? undefined : await pendingTotpSecret(platform.db, p.user.id);
    let section: string;
    if (extra.recoveryCodes) {
      section = html`<div class="notice" role="status"><p>Your authenticator app is set up. Keep these recovery codes somewhere safe, apart from
your phone: each lets you sign in once if you lose the app. They are shown only now.</p>
<ul class="codes" id="recovery-codes">!${extra.recoveryCodes.map((c) => html`<li><code>${c}</code></li>`).join('')}</ul></div>`;
    } else if (p.user.totpEnabled) {
      const left = await unusedRecoveryCodes(platform.db, p.user.id);
      section = html`<p>Sign-in asks for a code from your authenticator app. You have ${left} unused recovery codes.</p>
<h2>Turn the second factor off</h2>
!${errorSummary(extra.failure?.message, extra.failure?.fields)}
<form method="post" action="/console/security/totp/disable" novalidate>!${csrfInput(ctx.csrfToken)}
!${field({ name: 'password', label: 'Your password', type: 'password', autocomplete: 'current-password' }, extra.failure?.fields)}
<button type="submit" class="secondary">Turn off</button></form>`;
    } else if (pending) {
      const svg = await QRCode.toString(totpUri(pending, p.user.email), { type: 'svg', margin: 1, width: 200 });
      section = html`<h2>Scan this with your authenticator app</h2>
<div class="qr" aria-hidden="true">!${svg}</div>
<p>Or enter this key by hand: <code id="totp-secret">${pending}</code></p>
!${errorSummary(extra.failure?.message, extra.failure?.fields)}
<form method="post" action="/console/security/totp/confirm" novalidate>!${csrfInput(ctx.csrfToken)}
!${field({ name: 'code', label: 'The 6-digit code the app shows', autocomplete: 'one-time-code', inputmode: 'numeric' }, extra.failure?.fields)}
<button type="submit">Confirm</button></form>`;
    } else {
      section = html`<p>Your account has no second factor. With one, a stolen password is not enough to sign in.</p>
<form method="post" action="/console/security/totp/start">!${csrfInput(ctx.csrfToken)}<button type="submit">Set up an authenticator app</button></form>`;
    }
    return sendPage(reply, ctx, 'Your security', html`<h1>Your security</h1><h2>Second factor (authenticator app)</h2>!${section}`, extra.failure?.status ?? 200);
  };

  app.get('/console/security', async (request, reply) => securityPage(request, reply));

  app.post('/console/security/totp/start', async (request, reply) => {
    const p = authoriseUser(request.principal, 'organisation.read');
    await startTotpEnrolment(platform.db, p.user.id);
    return reply.redirect('/console/security', 303);
  });

  app.post('/console/security/totp/confirm', async (request, reply) => {
    const p = authoriseUser(request.principal, 'organisation.read');
    const outcome = await attempt(() => confirmTotpEnrolment(platform.db, { ...actorOf(p, request.ip), userId: p.user.id }, bodyOf(request)));
    if (!outcome.ok) return securityPage(request, reply, { failure: outcome.failure });
    request.principal = { ...p, user: { ...p.user, totpEnabled: true } };
    return securityPage(request, reply, { recoveryCodes: outcome.value });
  });

  app.post('/console/security/totp/disable', async (request, reply) => {
    const p = authoriseUser(request.principal, 'organisation.read');
    const outcome = await attempt(() => disableTotp(platform.db, { ...actorOf(p, request.ip), userId: p.user.id }, bodyOf(request)));
    if (!outcome.ok) return securityPage(request, reply, { failure: outcome.failure });
    return reply.redirect('/console/security', 303);
  });
}
