import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { roleMay } from '../../../accounts/index.ts';
import type { BatchProblem } from '../../../passwords/index.ts';
import { createWatchlist, deleteWatchlist, listWatchlists } from '../../../registry/index.ts';
import { bodyOf, uuidParam, type Platform } from '../../context.ts';
import { attempt, textOf, type FormFailure } from '../../forms.ts';
import { actorOf, authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field, notice } from '../../views/forms.ts';

export function registerWatchlists(app: FastifyInstance, platform: Platform): void {
  const page = async (request: FastifyRequest, reply: FastifyReply, extra: { failure?: FormFailure; body?: Record<string, unknown>; saved?: { name: string; items: number; skipped: BatchProblem[] } } = {}) => {
    const p = authoriseUser(request.principal, 'products.read');
    const lists = await listWatchlists(platform.db, p.organisation.id);
    const write = roleMay(p.user.role, 'products.write');
    const ctx = pageContext(platform, request, reply);
    const body = extra.body ?? {};
    return sendPage(
      reply,
      ctx,
      'Saved catalogues',
      html`<h1>Saved catalogues</h1>
<p>Save the GTINs you sell and we e-mail you when a product's security-update support is about to end, has been extended, or is newly published. Checked daily.</p>
!${
  extra.saved
    ? notice(
        `Saved "${extra.saved.name}" with ${extra.saved.items} products.${extra.saved.skipped.length ? ` Skipped ${extra.saved.skipped.length} rows: ${extra.saved.skipped.slice(0, 5).map((s) => `line ${s.line}: ${s.message}`).join('; ')}` : ''}`,
      )
    : ''
}
!${
  lists.length
    ? html`<table><thead><tr><th scope="col">Name</th><th scope="col">Products</th><th scope="col">Warn</th><th scope="col">E-mail to</th><th scope="col"></th></tr></thead><tbody>!${lists
        .map(
          (w) => html`<tr><td>${w.name}</td><td>${w.items}</td><td>${w.withinDays} days ahead</td><td>${w.notifyEmail}</td><td>!${
            write
              ? html`<form method="post" action="/console/watchlists/${w.id}/delete" class="inline">!${csrfInput(ctx.csrfToken)}<button type="submit" class="small">Delete</button></form>`
              : ''
          }</td></tr>`,
        )
        .join('')}</tbody></table>`
    : html`<p>No saved catalogues yet.</p>`
}
!${
  write
    ? html`<h2>Save a catalogue</h2>
!${errorSummary(extra.failure?.message, extra.failure?.fields)}
<form method="post" action="/console/watchlists" novalidate>!${csrfInput(ctx.csrfToken)}
!${field({ name: 'name', label: 'Name', value: textOf(body, 'name') }, extra.failure?.fields)}
!${field({ name: 'notifyEmail', label: 'E-mail alerts to', type: 'email', value: textOf(body, 'notifyEmail') }, extra.failure?.fields)}
!${field({ name: 'withinDays', label: 'Warn this many days before support ends', value: textOf(body, 'withinDays') || '180', inputmode: 'numeric' }, extra.failure?.fields)}
<div class="field!${extra.failure?.fields['csv'] ? ' has-error' : ''}"><label for="f-csv">Catalogue (CSV with a gtin column, optional sku)</label>
!${extra.failure?.fields['csv'] ? html`<p class="error" id="f-csv-error">${extra.failure.fields['csv']}</p>` : ''}
<textarea id="f-csv" name="csv" rows="8" cols="80">${textOf(body, 'csv')}</textarea></div>
<button type="submit">Save catalogue</button></form>`
    : ''
}`,
      extra.failure?.status ?? 200,
    );
  };

  app.get('/console/watchlists', async (request, reply) => page(request, reply));

  app.post('/console/watchlists', { bodyLimit: 5 * 1024 * 1024 }, async (request, reply) => {
    const p = authoriseUser(request.principal, 'products.write');
    const body = bodyOf(request);
    const csv = typeof body['csv'] === 'string' ? body['csv'] : '';
    const outcome = await attempt(() => createWatchlist(platform.db, actorOf(p, request.ip), body, Readable.from([csv])));
    if (!outcome.ok) return page(request, reply, { failure: outcome.failure, body });
    return page(request, reply, { saved: { name: outcome.value.watchlist.name, items: outcome.value.watchlist.items, skipped: outcome.value.skipped } });
  });

  app.post('/console/watchlists/:watchlistId/delete', async (request, reply) => {
    const p = authoriseUser(request.principal, 'products.write');
    await deleteWatchlist(platform.db, actorOf(p, request.ip), uuidParam(request, 'watchlistId', 'That saved catalogue'));
    return reply.redirect('/console/watchlists', 303);
  });
}
