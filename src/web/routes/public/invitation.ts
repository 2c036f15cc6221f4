import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { acceptInvitation, describeInvitation, MIN_PASSWORD_LENGTH, roleLabels } from '../../../accounts/index.ts';
import { bodyOf, pathParam, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field } from '../../views/forms.ts';
import { signInRateLimit, startSession } from './sign-in.ts';

export function registerInvitation(app: FastifyInstance, platform: Platform): void {
  const invitationPage = async (request: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>, failure?: FormFailure) => {
    const token = pathParam(request, 'token');
    const invitation = await describeInvitation(platform.db, token);
    const ctx = pageContext(platform, request, reply);
    return sendPage(
      reply,
      ctx,
      'Join your organisation',
      html`<h1>Join ${invitation.organisation.name}</h1>
<p>You are invited as <strong>${roleLabels[invitation.role]}</strong>, with the e-mail address <strong>${invitation.email}</strong>.
Choose your name and a password to create your account.</p>
!${errorSummary(failure?.message, failure?.fields)}
<form method="post" action="/invitations/${token}" novalidate>
  !${csrfInput(ctx.csrfToken)}
  !${field({ name: 'displayName', label: 'Your name', value: textOf(body, 'displayName'), autocomplete: 'name' }, failure?.fields)}
  !${field(
    { name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: `At least ${MIN_PASSWORD_LENGTH} characters, not a common password.` },
    failure?.fields,
  )}
  <button type="submit">Create account</button>
</form>`,
      failure?.status ?? 200,
    );
  };

  app.get('/invitations/:token', async (request, reply) => invitationPage(request, reply, {}));

  app.post('/invitations/:token', { config: signInRateLimit }, async (request, reply) => {
    const body = bodyOf(request);
    const outcome = await attempt(() => acceptInvitation(platform.db, pathParam(request, 'token'), body, request.ip));
    if (!outcome.ok) return invitationPage(request, reply, body, outcome.failure);
    await startSession(platform, request, reply, outcome.value.sessionToken);
    return reply.redirect('/console?welcome=1', 303);
  });
}
