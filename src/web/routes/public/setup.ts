import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { completeSetup, describeSetupToken, MIN_PASSWORD_LENGTH, organisationKinds, type Organisation } from '../../../accounts/index.ts';
import { bodyOf, pathParam, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field, select } from '../../views/forms.ts';
import { signInRateLimit, startSession } from './sign-in.ts';

const kindLabels = { maker: 'Maker (manufacturer or importer)', retailer: 'Retailer or distributor', regulator: 'Regulator or market surveillance' } as const;

export function registerSetup(app: FastifyInstance, platform: Platform): void {
  const setupPage = (request: FastifyRequest, reply: FastifyReply, organisation: Organisation | undefined, body: Record<string, unknown>, failure?: FormFailure) => {
    const ctx = pageContext(platform, request, reply);
    const token = pathParam(request, 'token');
    return sendPage(
      reply,
      ctx,
      'Create the first owner',
      html`<h1>Create the first owner!${organisation ? html` of ${organisation.name}` : ''}</h1>
<p>This one-time link makes the first owner account. There is no default administrator password: the
account you create here is the only way in, and owners invite everyone else.</p>
!${errorSummary(failure?.message, failure?.fields)}
<form method="post" action="/setup/${token}" novalidate>
  !${csrfInput(ctx.csrfToken)}
  !${
    organisation
      ? ''
      : field({ name: 'organisationName', label: 'Organisation name', value: textOf(body, 'organisationName') }, failure?.fields) +
        select(
          'organisationKind',
          'Organisation type',
          organisationKinds.map((k) => ({ value: k, label: kindLabels[k] })),
          textOf(body, 'organisationKind') || 'maker',
          failure?.fields,
        )
  }
  !${field({ name: 'displayName', label: 'Your name', value: textOf(body, 'displayName'), autocomplete: 'name' }, failure?.fields)}
  !${field({ name: 'email', label: 'E-mail address', type: 'email', value: textOf(body, 'email'), autocomplete: 'username' }, failure?.fields)}
  !${field(
    { name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: `At least ${MIN_PASSWORD_LENGTH} characters, not a common password.` },
    failure?.fields,
  )}
  <button type="submit">Create owner account</button>
</form>`,
      failure?.status ?? 200,
    );
  };

  app.get('/setup/:token', async (request, reply) => {
    const target = await describeSetupToken(platform.db, pathParam(request, 'token'));
    return setupPage(request, reply, target.organisation, {});
  });

  app.post('/setup/:token', { config: signInRateLimit }, async (request, reply) => {
    const token = pathParam(request, 'token');
    const target = await describeSetupToken(platform.db, token);
    const body = bodyOf(request);
    const outcome = await attempt(() => completeSetup(platform.db, token, body, request.ip));
    if (!outcome.ok) return setupPage(request, reply, target.organisation, body, outcome.failure);
    await startSession(platform, request, reply, outcome.value.sessionToken);
    return reply.redirect('/console?welcome=1', 303);
  });
}
