import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { z } from 'zod';
import { recordAudit } from '../../../audit/index.ts';
import { one } from '../../../store/index.ts';
import { parseInput } from '../../../validation.ts';
import { bodyOf, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { actorOf, authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field, notice } from '../../views/forms.ts';

export const settingsInput = z.object({
  securityContactUrl: z
    .string()
    .trim()
    .max(500, 'Use at most 500 characters.')
    .refine((v) => v === '' || /^https?:\/\/[^\s]+$/.test(v), 'Enter a web address starting with https://, such as https://example.com/security.')
    .transform((v) => (v === '' ? null : v)),
});

export function registerSettings(app: FastifyInstance, platform: Platform): void {
  const settingsPage = async (request: FastifyRequest, reply: FastifyReply, extra: { failure?: FormFailure; value?: string; saved?: boolean } = {}) => {
    const p = authoriseUser(request.principal, 'organisation.manage');
    const row = await one<{ security_contact_url: string | null }>(platform.db, 'SELECT security_contact_url FROM organisations WHERE id = $1', [p.organisation.id]);
    const ctx = pageContext(platform, request, reply);
    return sendPage(
      reply,
      ctx,
      'Settings',
      html`<h1>Organisation settings</h1>
!${extra.saved ? notice('Saved.') : ''}
!${errorSummary(extra.failure?.message, extra.failure?.fields)}
<form method="post" action="/console/settings" novalidate>!${csrfInput(ctx.csrfToken)}
!${field(
  {
    name: 'securityContactUrl',
    label: 'Where to report a security problem',
    hint: 'Your vulnerability disclosure policy or report form (PSTI Schedule 1 §2). Shown on every public product page.',
    value: extra.value ?? row?.security_contact_url ?? '',
    required: false,
  },
  extra.failure?.fields,
)}
<button type="submit">Save</button></form>`,
      extra.failure?.status ?? 200,
    );
  };

  app.get('/console/settings', async (request, reply) => settingsPage(request, reply, { saved: (request.query as Record<string, unknown>)['saved'] !== undefined }));

  app.post('/console/settings', async (request, reply) => {
    const p = authoriseUser(request.principal, 'organisation.manage');
    const body = bodyOf(request);
    const outcome = await attempt(async () => {
      const { securityContactUrl } = parseInput(settingsInput, body, 'The settings');
      await platform.db.transaction(async (tx) => {
        await tx.query('UPDATE organisations SET security_contact_url = $1 WHERE id = $2', [securityContactUrl, p.organisation.id]);
        await recordAudit(tx, actorOf(p, request.ip), 'organisation.security_contact_changed', { details: { securityContactUrl } });
      });
    });
    if (!outcome.ok) return settingsPage(request, reply, { failure: outcome.failure, value: textOf(body, 'securityContactUrl') });
    return reply.redirect('/console/settings?saved=1', 303);
  });
}
