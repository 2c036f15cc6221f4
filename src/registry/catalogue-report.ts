import { html } from 'ghtml';
import { csvLine } from '../output/csv.ts';
import { catalogueStatuses, catalogueStatusLabels, failingStatuses, type CatalogueEntry, type CatalogueResult, type CatalogueStatus } from './catalogue.ts';

// The same result in every form a user needs: CSV to join onto a spreadsheet, JSON for programs,
// an HTML fragment for the console and text for a terminal.

export const catalogueCsvHeader = ['line', 'reference', 'gtin', 'maker', 'model', 'status', 'end_date', 'days_left', 'product_url', 'message'] as const;

function csvRow(e: CatalogueEntry): string {
  return csvLine([
    String(e.line),
    e.input.reference ?? '',
    e.input.gtin ?? '',
    e.input.maker ?? e.product?.maker ?? '',
    e.input.model ?? e.product?.modelNumber ?? '',
    e.status,
    e.endDate ?? '',
    e.daysLeft === undefined ? '' : String(e.daysLeft),
    e.productUrl ?? '',
    e.message,
  ]);
}

/** One line a row, in the order of the file, under a header line. */
export function catalogueCsv(result: CatalogueResult): string {
  const parts = [csvLine(catalogueCsvHeader)];
  for (const e of result.entries) parts.push(csvRow(e));
  return parts.join('');
}

export function catalogueJson(result: CatalogueResult): string {
  return JSON.stringify(result);
}

/** Rows a person should act on: failing ones, and periods that end within the window. */
export function needsAttention(e: CatalogueEntry): boolean {
  return e.status !== 'published';
}

export function catalogueFails(result: CatalogueResult): boolean {
  return failingStatuses.some((s) => result.summary.byStatus[s] > 0);
}

const count = (n: number): string => n.toLocaleString('en-GB');

function days(e: CatalogueEntry): string {
  if (e.daysLeft === undefined) return '';
  if (e.daysLeft < 0) return `ended ${count(-e.daysLeft)} day${e.daysLeft === -1 ? '' : 's'} ago`;
  return `${count(e.daysLeft)} day${e.daysLeft === 1 ? '' : 's'} left`;
}

/**
 * The console's report: counts, then a table. A large catalogue shows only the rows that need
 * attention, up to a limit, so the page stays one a browser can draw; the CSV has every row.
 */
export function catalogueHtml(result: CatalogueResult, options: { maxRows?: number } = {}): string {
  const maxRows = options.maxRows ?? 500;
  const all = result.entries.length <= maxRows;
  const candidates = all ? result.entries : result.entries.filter(needsAttention);
  const shown = candidates.slice(0, maxRows);
  const hidden = result.entries.length - shown.length;
  const counts = html`<dl class="summary">
  <div><dt>Rows checked</dt><dd>${count(result.summary.rows)}</dd></div>
  !${catalogueStatuses.map((s) => html`<div><dt>${catalogueStatusLabels[s]}</dt><dd>${count(result.summary.byStatus[s])}</dd></div>`).join('')}
</dl>`;
  const table = shown.length
    ? html`<table class="catalogue">
<caption>${all ? 'Every row' : `Rows that need attention${shown.length < candidates.length ? ` (the first ${count(shown.length)})` : ''}`}</caption>
<thead><tr><th scope="col">Line</th><th scope="col">Reference</th><th scope="col">GTIN or model</th><th scope="col">Product</th><th scope="col">Status</th><th scope="col">Ends</th><th scope="col">What it means</th></tr></thead>
<tbody>!${shown.map((e) => entryRow(e)).join('')}</tbody>
</table>`
    : '';
  return html`<section class="catalogue-report" aria-labelledby="catalogue-report-title">
<h2 id="catalogue-report-title">Result</h2>
<p>Checked on ${result.checkedOn}; "ending soon" means within ${count(result.withinDays)} days.</p>
!${counts}
!${table}
!${hidden > 0 ? html`<p>${count(hidden)} more row${hidden === 1 ? ' is' : 's are'} not shown here; download the CSV for every row.</p>` : ''}
</section>`;
}

function entryRow(e: CatalogueEntry): string {
  const key = e.input.gtin ?? [e.input.maker, e.input.model].filter(Boolean).join(' ');
  const product = e.product ? `${e.product.brand} ${e.product.name} (${e.product.modelNumber})` : '';
  return html`<tr class="status-${e.status}"><td>${e.line}</td><td>${e.input.reference ?? ''}</td><td>${key}</td><td>!${
    e.productUrl && product ? html`<a href="${e.productUrl}">${product}</a>` : html`${product}`
  }</td><td>${catalogueStatusLabels[e.status]}</td><td>${e.endDate ?? ''}!${e.daysLeft === undefined ? '' : html`<br><span class="hint">${days(e)}</span>`}</td><td>${e.message}</td></tr>`;
}

/** A terminal summary: the counts, then the rows that need attention, up to a limit. */
export function catalogueText(result: CatalogueResult, options: { source?: string; maxRows?: number } = {}): string {
  const maxRows = options.maxRows ?? 50;
  const width = Math.max(...catalogueStatuses.map((s) => catalogueStatusLabels[s].length));
  const digits = Math.max(...catalogueStatuses.map((s) => count(result.summary.byStatus[s]).length));
  const lines = [
    `Checked ${count(result.summary.rows)} row${result.summary.rows === 1 ? '' : 's'}${options.source ? ` of ${options.source}` : ''} on ${result.checkedOn} ("ending soon": within ${count(result.withinDays)} days).`,
    ...catalogueStatuses.map((s: CatalogueStatus) => `  ${catalogueStatusLabels[s].padEnd(width)}  ${count(result.summary.byStatus[s]).padStart(digits)}`),
  ];
  const attention = result.entries.filter(needsAttention);
  if (attention.length) {
    lines.push('', 'Rows that need attention:');
    for (const e of attention.slice(0, maxRows)) {
      const key = [e.input.reference, e.input.gtin ?? [e.input.maker, e.input.model].filter(Boolean).join(' ')].filter(Boolean).join('  ');
      lines.push(`  line ${e.line}${key ? `  ${key}` : ''}  ${catalogueStatusLabels[e.status]}: ${e.message}`);
    }
    if (attention.length > maxRows) lines.push(`  … and ${count(attention.length - maxRows)} more: use --format csv for every row.`);
  } else if (result.summary.rows) {
    lines.push('', 'Every row has a published support period.');
  }
  return lines.join('\n');
}
