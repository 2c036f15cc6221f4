import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from 'ghtml';
import { z } from 'zod';
import { invalidInput } from '../../../errors.ts';
import { DEFAULT_WITHIN_DAYS, MAX_WITHIN_DAYS, catalogueLimits, checkCatalogue, readCatalogue, type CatalogueResult } from '../../../registry/index.ts';
import { catalogueHtml } from '../../../registry/index.ts';
import { parseInput } from '../../../validation.ts';
import { bodyOf, type Platform } from '../../context.ts';
import { attempt, type FormFailure } from '../../forms.ts';
import { authoriseUser } from '../../principal.ts';
import { pageContext, sendPage } from '../../render.ts';
import { csrfInput, errorSummary, field } from '../../views/forms.ts';
import { catalogueErrorHandler, catalogueProductUrl, credentialsRequired, sendCatalogue } from '../api/catalogue.ts';

// The catalogue check in the console: upload a CSV file or paste rows, read the report, download
// it as CSV. Pages work without JavaScript, so the download is a second form that posts the same
// rows again rather than a script that builds a file.

const daysMessage = `Enter a whole number of days from 0 to ${MAX_WITHIN_DAYS}.`;
const checkForm = z.object({
  withinDays: z.preprocess(
    (v) => (v === undefined || v === '' ? DEFAULT_WITHIN_DAYS : v),
    z.coerce.number({ error: daysMessage }).int(daysMessage).min(0, daysMessage).max(MAX_WITHIN_DAYS, daysMessage),
  ),
});
const checkQuery = z.object({ format: z.enum(['html', 'csv'], { error: 'Give "format" as html or csv.' }).optional() });

/** Pasted rows are echoed back into the form up to this size; a larger file is not. */
const ECHO_LIMIT = 1024 * 1024;

interface Submitted {
  csv: string | Buffer;
  pasted: string;
  withinDays: string;
}

function submitted(request: FastifyRequest): Submitted {
  const body = bodyOf(request);
  const file = body['file'];
  const pasted = typeof body['csv'] === 'string' ? body['csv'] : '';
  const withinDays = typeof body['withinDays'] === 'string' ? body['withinDays'] : '';
  // A chosen file wins over the text box; a form without a file sends an empty file part.
  if (Buffer.isBuffer(file) && file.length > 0) return { csv: file, pasted: '', withinDays };
  if (typeof file === 'string' && file.length > 0) return { csv: file, pasted: '', withinDays };
  return { csv: pasted, pasted, withinDays };
}

function catalogueForm(csrf: string, values: { pasted: string; withinDays: string }, failure: FormFailure | undefined): string {
  const f = failure?.fields ?? {};
  const csvError = f['csv'];
  return html`!${errorSummary(failure?.message, f)}
<form method="post" action="/console/catalogue/check" enctype="multipart/form-data" novalidate>
  !${csrfInput(csrf)}
  <div class="field!${csvError ? ' has-error' : ''}">
    <label for="f-file">CSV file</label>
    <p class="hint" id="f-file-hint">Saved from a spreadsheet as CSV (UTF-8), at most ${catalogueLimits.maxRows.toLocaleString('en-GB')} rows and ${Math.round(catalogueLimits.maxBytes / 2 ** 20)} MB.</p>
    !${csvError ? html`<p class="error" id="f-csv-error">${csvError}</p>` : ''}
    <input id="f-file" name="file" type="file" accept=".csv,text/csv" aria-describedby="f-file-hint">
  </div>
  <div class="field">
    <label for="f-csv">Or paste the rows</label>
    <p class="hint" id="f-csv-hint">With a header line, for example <code>sku,gtin</code> or <code>sku,maker,model</code>.</p>
    <textarea id="f-csv" name="csv" rows="10" cols="80" spellcheck="false" aria-describedby="f-csv-hint">${values.pasted.length <= ECHO_LIMIT ? values.pasted : ''}</textarea>
  </div>
  !${field({ name: 'withinDays', label: 'Ending soon means within (days)', value: values.withinDays || String(DEFAULT_WITHIN_DAYS), inputmode: 'numeric', required: false }, f)}
  <button type="submit">Check the catalogue</button>
</form>`;
}

const introduction = html`<h1>Check a catalogue</h1>
<p>For each product in your range, see whether its maker has published a security support period
(PSTI Schedule 1 §3), when it ends, and whether it ends soon or has ended. Give one product a row:
a GTIN (a column named <code>gtin</code>, <code>ean</code>, <code>upc</code> or <code>barcode</code>),
or the maker and model number (<code>maker</code>, <code>manufacturer</code> or <code>brand</code>; and
<code>model</code>, <code>model_number</code> or <code>mpn</code>). A <code>sku</code> or <code>reference</code>
column is copied into the result so it joins onto your own lists.</p>`;

const automation = html`<h2>From a script</h2>
<p>Post the same CSV to <code>/api/v1/catalogue/check</code> with an API token that has the
<code>products.read</code> scope, or run <code>connectable catalogue check catalogue.csv --server URL --token-env TOKEN_VARIABLE</code>.</p>`;

export function registerCatalogueConsole(app: FastifyInstance, platform: Platform): void {
  const formPage = (request: FastifyRequest, reply: FastifyReply, values: { pasted: string; withinDays: string }, failure?: FormFailure) => {
    const ctx = pageContext(platform, request, reply);
    return sendPage(reply, ctx, 'Check a catalogue', html`!${introduction}!${catalogueForm(ctx.csrfToken, values, failure)}!${automation}`, failure?.status ?? 200);
  };

  const reportPage = (request: FastifyRequest, reply: FastifyReply, input: Submitted, result: CatalogueResult) => {
    const ctx = pageContext(platform, request, reply);
    const csv = typeof input.csv === 'string' ? input.csv : input.csv.toString('utf8');
    return sendPage(
      reply,
      ctx,
      'Catalogue check result',
      html`<h1>Catalogue check</h1>
!${catalogueHtml(result)}
<form method="post" action="/console/catalogue/check?format=csv" enctype="multipart/form-data">
  !${csrfInput(ctx.csrfToken)}
  <input type="hidden" name="csv" value="${csv}">
  <input type="hidden" name="withinDays" value="${String(result.withinDays)}">
  <button type="submit">Download CSV</button>
</form>
<p><a href="/console/catalogue">Check another catalogue</a></p>
<h2>Check again</h2>
!${catalogueForm(ctx.csrfToken, { pasted: input.pasted, withinDays: String(result.withinDays) }, undefined)}`,
    );
  };

  // Uploads (multipart) are read only in this scope, with the catalogue's own limits; the rest of
  // the site keeps parsing urlencoded forms alone.
  void app.register(async (scoped) => {
    await scoped.register(fastifyMultipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fileSize: catalogueLimits.maxBytes, fieldSize: catalogueLimits.maxBytes, files: 1, fields: 8, parts: 10 },
    });
    scoped.setErrorHandler(catalogueErrorHandler);

    scoped.get('/console/catalogue', async (request, reply) => {
      authoriseUser(request.principal, 'products.read');
      return formPage(request, reply, { pasted: '', withinDays: '' });
    });

    scoped.post('/console/catalogue/check', { bodyLimit: catalogueLimits.maxBytes, onRequest: credentialsRequired }, async (request, reply) => {
      authoriseUser(request.principal, 'products.read');
      const { format } = parseInput(checkQuery, request.query, 'The query');
      const input = submitted(request);
      const outcome = await attempt(async () => {
        const { withinDays } = parseInput(checkForm, { withinDays: input.withinDays });
        if (input.csv.length === 0) throw invalidInput('Choose a CSV file, or paste the rows of your catalogue.', { csv: 'Choose a CSV file, or paste the rows.' });
        const source = readCatalogue(input.csv);
        return checkCatalogue(platform.db, source.slices, { withinDays, problems: source.problems, columns: source.columns, productUrl: catalogueProductUrl(platform) });
      });
      if (!outcome.ok) return formPage(request, reply, { pasted: input.pasted, withinDays: input.withinDays }, outcome.failure);
      if (format === 'csv') return sendCatalogue(reply, outcome.value, 'csv');
      return reportPage(request, reply, input, outcome.value);
    });
  });
}
