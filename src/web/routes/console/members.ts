import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { changeRole, invite, listMembers, listOpenInvitations, revokeInvitation, roleLabels, roleMay, roles } from '../../../accounts/index.ts';
import { bodyOf, uuidParam, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { actorOf, authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field, notice, select } from '../../views/forms.ts';

const roleOptions = roles.map((r) => ({ value: r, label: roleLabels[r] }));

export function registerMembers(app: FastifyInstance, platform: Platform): void {
  const membersPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { inviteLink?: string; invited?: string; failure?: FormFailure; body?: Record<string, unknown> } = {},
  ) => {
    const p = authoriseUser(request.principal, 'members.read');
    const manage = roleMay(p.user.role, 'members.manage');
    const [members, invitations] = await Promise.all([listMembers(platform.db, p.organisation.id), manage ? listOpenInvitations(platform.db, p.organisation.id) : []]);
    const ctx = pageContext(platform, request, reply);
    const body = extra.body ?? {};
    return sendPage(
      reply,
      ctx,
      'Members',
      html`<h1>Members</h1>
!${
  extra.inviteLink
    ? html`<div class="notice" role="status"><p>Invitation made for ${extra.invited ?? ''}. Send them this one-time link; it is shown only now and works for 7 days:</p>
<p><input class="copy" id="invite-link" readonly value="${extra.inviteLink}" aria-label="Invitation link"></p></div>`
    : ''
}
<table><thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Role</th><th scope="col">Second factor</th></tr></thead><tbody>!${members
        .map(
          (m) => html`<tr><td>${m.displayName}</td><td>${m.email}</td><td>!${
            manage
              ? html`<form method="post" action="/console/members/${m.id}/role" class="inline">!${csrfInput(ctx.csrfToken)}
<label class="visually-hidden" for="role-${m.id}">Role of ${m.email}</label>
<select id="role-${m.id}" name="role">!${roleOptions.map((o) => html`<option value="${o.value}"!${o.value === m.role ? ' selected' : ''}>${o.label}</option>`).join('')}</select>
<button type="submit" class="small">Change</button></form>`
              : html`${roleLabels[m.role]}`
          }</td><td>${m.totpEnabled ? 'On' : 'Off'}</td></tr>`,
        )
        .join('')}</tbody></table>
!${
  manage
    ? html`<h2>Invite a colleague</h2>
!${errorSummary(extra.failure?.message, extra.failure?.fields)}
<form method="post" action="/console/members/invite" novalidate>
  !${csrfInput(ctx.csrfToken)}
  !${field({ name: 'email', label: 'Their e-mail address', type: 'email', value: textOf(body, 'email') }, extra.failure?.fields)}
  !${select('role', 'Role', roleOptions, textOf(body, 'role') || 'viewer', extra.failure?.fields)}
  <button type="submit">Create invitation link</button>
</form>
!${
  invitations.length
    ? html`<h2>Open invitations</h2><table><thead><tr><th scope="col">E-mail</th><th scope="col">Role</th><th scope="col">Expires</th><th scope="col"></th></tr></thead><tbody>!${invitations
        .map(
          (i) => html`<tr><td>${i.email}</td><td>${roleLabels[i.role]}</td><td>${i.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC</td>
<td><form method="post" action="/console/invitations/${i.id}/revoke" class="inline">!${csrfInput(ctx.csrfToken)}<button type="submit" class="small">Revoke</button></form></td></tr>`,
        )
        .join('')}</tbody></table>`
    : ''
}`
    : notice('Only owners can invite colleagues or change roles.')
}`,
      extra.failure?.status ?? 200,
    );
  };

  app.get('/console/members', async (request, reply) => membersPage(request, reply));

  app.post('/console/members/invite', async (request, reply) => {
    const p = authoriseUser(request.principal, 'members.manage');
    const body = bodyOf(request);
    const outcome = await attempt(() => invite(platform.db, actorOf(p, request.ip), body));
    if (!outcome.ok) return membersPage(request, reply, { failure: outcome.failure, body });
    return membersPage(request, reply, {
      inviteLink: `${platform.config.publicUrl}/invitations/${outcome.value.token}`,
      invited: outcome.value.invitation.email,
    });
  });

  app.post('/console/members/:userId/role', async (request, reply) => {
    const p = authoriseUser(request.principal, 'members.manage');
    const userId = uuidParam(request, 'userId', 'That member');
    const outcome = await attempt(() => platform.db.transaction((tx) => changeRole(tx, actorOf(p, request.ip), userId, bodyOf(request))));
    if (!outcome.ok) return membersPage(request, reply, { failure: outcome.failure });
    return reply.redirect('/console/members', 303);
  });

  app.post('/console/invitations/:invitationId/revoke', async (request, reply) => {
    const p = authoriseUser(request.principal, 'members.manage');
    await revokeInvitation(platform.db, actorOf(p, request.ip), uuidParam(request, 'invitationId', 'That invitation'));
    return reply.redirect('/console/members', 303);
  });
}
