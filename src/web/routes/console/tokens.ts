import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { createApiToken, listApiTokens, revokeApiToken, tokenScopes } from '../../../accounts/index.ts';
import { bodyOf, uuidParam, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { actorOf, authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field } from '../../views/forms.ts';

const scopeLabels: Record<(typeof tokenScopes)[number], string> = {
  'products.read': 'Read products',
  'evidence.write': 'Upload scan, probe and audit results as compliance evidence (CI)',
  'compliance.read': 'Read compliance assessments',
  'products.write': 'Create and change products and publish support periods',
  'members.read': 'Read members',
  'audit.read': 'Read the audit log',
};

const when = (d: Date | null): string => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '—');

export function registerTokens(app: FastifyInstance, platform: Platform): void {
  const tokensPage = async (request: FastifyRequest, reply: FastifyReply, extra: { secret?: string; failure?: FormFailure; body?: Record<string, unknown> } = {}) => {
    const p = authoriseUser(request.principal, 'tokens.manage');
    const tokens = await listApiTokens(platform.db, p.organisation.id);
    const ctx = pageContext(platform, request, reply);
    return sendPage(
      reply,
      ctx,
      'API tokens',
      html`<h1>API tokens</h1>
<p>Tokens let CI jobs and integrations read your organisation's data through the API, with
<code>Authorization: Bearer &lt;token&gt;</code>. Each is shown once; only its hash is kept.</p>
!${
  extra.secret
    ? html`<div class="notice" role="status"><p>Copy the new token now; it will not be shown again.</p>
<p><input class="copy" id="new-token" readonly value="${extra.secret}" aria-label="New API token"></p></div>`
    : ''
}
!${
  tokens.length
    ? html`<table><thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th></tr></thead><tbody>!${tokens
        .map(
          (t) => html`<tr><td>${t.name}</td><td>${t.scopes.join(', ')}</td><td>${when(t.createdAt)}</td><td>${when(t.lastUsedAt)}</td><td>!${
            t.revokedAt
              ? html`Revoked ${when(t.revokedAt)}`
              : html`<form method="post" action="/console/tokens/${t.id}/revoke" class="inline">!${csrfInput(ctx.csrfToken)}<button type="submit" class="small">Revoke</button></form>`
          }</td></tr>`,
        )
        .join('')}</tbody></table>`
    : html`<p>No tokens yet.</p>`
}
<h2>Create a token</h2>
!${errorSummary(extra.failure?.message, extra.failure?.fields)}
<form method="post" action="/console/tokens" novalidate>
  !${csrfInput(ctx.csrfToken)}
  !${field({ name: 'name', label: 'Name', hint: 'Where it will be used, such as "CI firmware gate".', value: textOf(extra.body ?? {}, 'name') }, extra.failure?.fields)}
  <fieldset class="field!${extra.failure?.fields['scopes'] ? ' has-error' : ''}" id="f-scopes"><legend>Scopes</legend>
  !${extra.failure?.fields['scopes'] ? html`<p class="error">${extra.failure.fields['scopes']}</p>` : ''}
  !${tokenScopes.map((s) => html`<label class="check"><input type="checkbox" name="scopes" value="${s}"> ${scopeLabels[s]} <code>${s}</code></label>`).join('')}
  </fieldset>
  <button type="submit">Create token</button>
</form>`,
      extra.failure?.status ?? 200,
    );
  };

  app.get('/console/tokens', async (request, reply) => tokensPage(request, reply));

  app.post('/console/tokens', async (request, reply) => {
    const p = authoriseUser(request.principal, 'tokens.manage');
    const body = bodyOf(request);
    const outcome = await attempt(() => createApiToken(platform.db, actorOf(p, request.ip), body));
    if (!outcome.ok) return tokensPage(request, reply, { failure: outcome.failure, body });
    return tokensPage(request, reply, { secret: outcome.value.secret });
  });

  app.post('/console/tokens/:tokenId/revoke', async (request, reply) => {
    const p = authoriseUser(request.principal, 'tokens.manage');
    await revokeApiToken(platform.db, actorOf(p, request.ip), uuidParam(request, 'tokenId', 'That token'));
    return reply.redirect('/console/tokens', 303);
  });
}
