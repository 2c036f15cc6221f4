import { html } from 'ghtml';
import {
  assessmentStatuses,
  dutyLabels,
  evidenceKindLabels,
  evidenceKinds,
  statusLabels,
  type AssessmentStatus,
  type DutyReadiness,
  type Evidence,
  type ProductAssessment,
  type ProvisionAssessment,
  type Rag,
  type StoredStatement,
} from '../../../compliance/index.ts';
import type { FieldErrors } from '../../../errors.ts';
import { isRequirement, provision } from '../../../law/index.ts';
import { longDate, type Product } from '../../../registry/index.ts';
import type { FormFailure } from '../../forms.ts';
import { csrfInput, errorSummary, field, notice, select } from '../../views/forms.ts';

// The maker's compliance pages as markup. Every badge says its colour in words as well (exports
// get printed in black and white, and colour alone tells a screen reader nothing), and carries
// data attributes a browser test can hold on to.

/** Served as /assets/compliance.css: the page's CSP allows no inline styles. */
export const complianceCss = `.rag, .status { display: inline-block; font-size: .8rem; font-weight: 700; padding: .05rem .45rem; border-radius: 3px; border: 1px solid; white-space: nowrap; }
.rag-red, .status-not_met { background: #fdecea; color: #8c1d18; border-color: #b3261e; }
.rag-amber, .status-not_assessed { background: #fff4d6; color: #6b4a00; border-color: #b58900; }
.rag-green, .status-met { background: #eef7f0; color: #1e6b34; border-color: #1e6b34; }
.status-not_applicable { background: #f4f6f8; color: #5a6370; border-color: #8a939e; }
.duty-cell p { margin: .25rem 0; }
.next-action { color: #5a6370; font-size: .9rem; }
table.provisions th[scope="row"] { font-weight: 400; width: 30%; }
table.provisions .ref { font-weight: 600; }
details.judge summary { cursor: pointer; color: #0b5cad; }
details.judge textarea, .field textarea { font: inherit; width: 100%; max-width: 40rem; }
tr.current td:first-child { font-weight: 600; }
.refusal li { margin-bottom: .5rem; }
`;

const ragWords: Record<Rag, string> = { red: 'Red', amber: 'Amber', green: 'Green' };

export function ragBadge(duty: DutyReadiness['duty'], rag: Rag): string {
  return html`<span class="rag rag-${rag}" data-duty="${duty}" data-rag="${rag}">${ragWords[rag]}</span>`;
}

function statusBadge(status: AssessmentStatus): string {
  return html`<span class="status status-${status}" data-status="${status}">${statusLabels[status]}</span>`;
}

/** A moment as people read it in a log: the date and the UTC time to the minute. */
export function when(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function dutyCell(d: DutyReadiness): string {
  return html`<td class="duty-cell" data-duty="${d.duty}">!${ragBadge(d.duty, d.rag)}<p class="reason">${d.reason}</p>!${
    d.nextAction ? html`<p class="next-action" data-next-action="${d.duty}">Next: ${d.nextAction}</p>` : ''
  }</td>`;
}

export function dashboardBody(rows: readonly { product: Product; duties: readonly DutyReadiness[] }[], canAddProducts: boolean): string {
  return html`<h1>Compliance</h1>
<p>Where each product stands on the three duties of the UK PSTI regime (Schedule 1), and the one thing to do next for each. Open a product for every provision, its evidence and its Statement of Compliance.</p>
!${
  rows.length
    ? html`<table id="readiness"><thead><tr><th scope="col">Product</th>!${dutyHeads()}</tr></thead><tbody>!${rows
        .map(
          (r) =>
            html`<tr data-product="${r.product.id}"><th scope="row"><a href="/console/compliance/${r.product.id}">${r.product.brand} ${r.product.name}</a><br><small>${r.product.modelNumber}</small></th>!${r.duties
              .map(dutyCell)
              .join('')}</tr>`,
        )
        .join('')}</tbody></table>`
    : html`<p>No products yet.!${canAddProducts ? html` <a href="/console/products/new">Add a product</a> to assess it.` : ''}</p>`
}
<h2>Export the assessment</h2>
<p>Every provision of every product, with its status, the reason, the evidence and who judged it when: for an auditor or a market surveillance authority's request.</p>
<ul id="exports">
<li><a href="/console/compliance/export.csv" download>Spreadsheet (CSV)</a></li>
<li><a href="/console/compliance/export.json" download>JSON</a></li>
<li><a href="/console/compliance/export.pdf" download>PDF</a></li>
</ul>`;
}

function dutyHeads(): string {
  return (['passwords', 'reporting', 'support-period'] as const).map((d) => html`<th scope="col">${dutyLabels[d]}</th>`).join('');
}

/** Section headings of the provisions list, in the order the law is cited. */
interface ProvisionGroup {
  id: string;
  title: string;
  provisions: ProvisionAssessment[];
}

function groupOf(a: ProvisionAssessment): { id: string; title: string } {
  if (a.source === 'psti') return { id: 'psti', title: 'PSTI Regulations, Schedule 1' };
  if (a.source === 'iso29147') return { id: 'iso29147', title: 'ISO/IEC 29147 (vulnerability disclosure)' };
  // ETSI provisions sit under their clause; CRA points may sit under another point, so the
  // nearest heading above is the group.
  let parent = provision(a.id)?.parent;
  for (let depth = 0; parent && depth < 5; depth++) {
    const p = provision(parent);
    if (!p) break;
    if (!isRequirement(p)) {
      const prefix = a.source === 'etsi' ? 'ETSI EN 303 645' : 'Cyber Resilience Act';
      return { id: p.id, title: `${prefix}: ${p.reference.replace(/^ETSI EN 303 645 /, '')}, ${p.title}` };
    }
    parent = p.parent;
  }
  return a.source === 'etsi' ? { id: 'etsi', title: 'ETSI EN 303 645' } : { id: 'cra', title: 'Cyber Resilience Act' };
}

function groupsOf(provisions: readonly ProvisionAssessment[]): ProvisionGroup[] {
  const order = ['psti', 'etsi', 'cra', 'iso29147'];
  const groups = new Map<string, ProvisionGroup>();
  const sorted = [...provisions].sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source));
  for (const a of sorted) {
    const g = groupOf(a);
    const found = groups.get(g.id) ?? { ...g, provisions: [] };
    found.provisions.push(a);
    groups.set(g.id, found);
  }
  return [...groups.values()];
}

function judgedLine(a: ProvisionAssessment): string {
  if (a.judgedBy === '') return 'Not yet judged.';
  const at = a.judgedAt ? ` on ${when(a.judgedAt)}` : '';
  return a.judgedBy === 'evidence' ? `From the evidence and the platform's own records${at}.` : `Judged by ${a.judgedBy}${at}.`;
}

export interface JudgementFailure {
  provisionId: string;
  failure: FormFailure;
  values: Record<string, string>;
}

function judgeForm(productId: string, revision: string, a: ProvisionAssessment, csrf: string, failed: JudgementFailure | undefined): string {
  const mine = failed?.provisionId === a.id ? failed : undefined;
  const errors: FieldErrors = mine?.failure.fields ?? {};
  const status = mine?.values['status'] ?? a.status;
  const reasonId = `reason-${a.id}`;
  return html`<details class="judge"!${mine ? ' open' : ''}><summary>Judge ${a.id}</summary>
<form method="post" action="/console/compliance/${productId}/judgements" id="judge-${a.id}" data-provision="${a.id}" novalidate>!${csrfInput(csrf)}
<input type="hidden" name="provisionId" value="${a.id}"><input type="hidden" name="hardwareRevision" value="${revision}">
!${mine ? html`<p class="error" role="alert">${mine.failure.message}</p>` : ''}
<div class="field"><label for="status-${a.id}">Status</label><select id="status-${a.id}" name="status">!${assessmentStatuses
    .map((s) => html`<option value="${s}"!${s === status ? ' selected' : ''}>${statusLabels[s]}</option>`)
    .join('')}</select></div>
<div class="field!${errors['reason'] ? ' has-error' : ''}"><label for="${reasonId}">Reason</label>!${
    errors['reason'] ? html`<p class="error" id="${reasonId}-error">${errors['reason']}</p>` : ''
  }<textarea id="${reasonId}" name="reason" rows="2" cols="60" aria-describedby="judging-hint!${errors['reason'] ? html` ${reasonId}-error` : ''}"!${
    errors['reason'] ? ' aria-invalid="true"' : ''
  }>${mine?.values['reason'] ?? ''}</textarea></div>
<button type="submit" class="small">Save judgement</button>
</form></details>`;
}

function provisionRow(productId: string, revision: string, a: ProvisionAssessment, csrf: string, mayJudge: boolean, failed: JudgementFailure | undefined): string {
  return html`<tr id="p-${a.id}" data-provision="${a.id}" data-status="${a.status}">
<th scope="row"><span class="ref">${a.reference}</span><br>${a.title}!${a.mandatory ? '' : ' <small>(recommended)</small>'}<br><small><code>${a.id}</code></small></th>
<td>!${statusBadge(a.status)}</td>
<td><p class="reason">${a.reason}</p>!${
    a.evidence.length ? html`<ul class="evidence-lines">!${a.evidence.map((e) => html`<li>${e}</li>`).join('')}</ul>` : ''
  }<p class="hint judged">${judgedLine(a)}</p>!${a.nextAction ? html`<p class="next-action">Next: ${a.nextAction}</p>` : ''}!${
    mayJudge ? judgeForm(productId, revision, a, csrf, failed) : ''
  }</td>
</tr>`;
}

function evidenceTable(productId: string, evidence: readonly Evidence[], current: readonly Evidence[]): string {
  if (evidence.length === 0) return html`<p id="no-evidence">No evidence yet. Upload the JSON report of a firmware scan, a network probe or a password batch audit.</p>`;
  const currentIds = new Set(current.map((e) => e.id));
  return html`<table id="evidence"><thead><tr><th scope="col">Kind</th><th scope="col">Firmware</th><th scope="col">Revision</th><th scope="col">Uploaded by</th><th scope="col">When</th><th scope="col">Verdict</th><th scope="col">Report</th></tr></thead><tbody>!${evidence
    .map((e) => {
      const isCurrent = currentIds.has(e.id);
      return html`<tr data-evidence="${e.id}" data-kind="${e.kind}" data-current="${isCurrent ? 'true' : 'false'}"!${isCurrent ? ' class="current"' : ''}>
<td>${evidenceKindLabels[e.kind]}!${isCurrent ? html` <strong class="current-marker">(current)</strong>` : ''}</td>
<td>${e.firmwareVersion || '—'}</td><td>${e.hardwareRevision || 'All'}</td><td>${e.uploadedBy}</td><td>${when(e.createdAt)}</td>
<td><span class="status status-${e.summary.passes ? 'met' : 'not_met'}">${e.summary.passes ? 'Pass' : 'Fail'}</span> ${e.summary.verdict}</td>
<td><a href="/console/compliance/${productId}/evidence/${e.id}.json" download>JSON</a></td></tr>`;
    })
    .join('')}</tbody></table>`;
}

export interface UploadState {
  failure?: FormFailure | undefined;
  values: Record<string, string>;
}

function revisionOptions(product: Product, all: string): { value: string; label: string }[] {
  return [{ value: '', label: all }, ...product.hardwareRevisions.map((r) => ({ value: r, label: r }))];
}

function uploadForm(product: Product, csrf: string, state: UploadState | undefined): string {
  const v = state?.values ?? {};
  const errors: FieldErrors = state?.failure?.fields ?? {};
  const kind = v['kind'] || 'detect';
  const fieldError = (name: string): string => (errors[name] ? html`<p class="error" id="upload-${name}-error">${errors[name]}</p>` : '');
  return html`!${
    state?.failure
      ? html`<div class="error-summary" role="alert" tabindex="-1" id="upload-refused"><h2>The report was not stored</h2><p>${state.failure.message}</p></div>`
      : ''
  }
<form method="post" action="/console/compliance/${product.id}/evidence" enctype="multipart/form-data" id="upload-evidence" novalidate>!${csrfInput(csrf)}
<div class="field!${errors['report'] ? ' has-error' : ''}"><label for="upload-report">Report (JSON)</label>
<p class="hint" id="upload-report-hint">As written by <code>connectable scan --json</code>, <code>connectable probe --json</code> or <code>connectable passwords audit --json</code>, unchanged. At most 8 MiB.</p>
!${fieldError('report')}<input id="upload-report" name="report" type="file" accept="application/json,.json" aria-describedby="upload-report-hint" required></div>
<div class="field!${errors['kind'] ? ' has-error' : ''}"><label for="upload-kind">Kind of report</label>!${fieldError('kind')}<select id="upload-kind" name="kind">!${[
    { value: 'detect', label: 'Detect from the report' },
    ...evidenceKinds.map((k) => ({ value: k, label: evidenceKindLabels[k] })),
  ]
    .map((o) => html`<option value="${o.value}"!${o.value === kind ? ' selected' : ''}>${o.label}</option>`)
    .join('')}</select></div>
<div class="field!${errors['firmwareVersion'] ? ' has-error' : ''}"><label for="upload-firmwareVersion">Firmware version</label>
<p class="hint" id="upload-firmwareVersion-hint">The release the report is of, e.g. 2.4.1: the newest firmware's report becomes the current evidence.</p>
!${fieldError('firmwareVersion')}<input id="upload-firmwareVersion" name="firmwareVersion" type="text" value="${v['firmwareVersion'] ?? ''}" aria-describedby="upload-firmwareVersion-hint"></div>
<div class="field!${errors['hardwareRevision'] ? ' has-error' : ''}"><label for="upload-hardwareRevision">Hardware revision</label>!${fieldError('hardwareRevision')}<select id="upload-hardwareRevision" name="hardwareRevision">!${revisionOptions(
    product,
    'All revisions',
  )
    .map((o) => html`<option value="${o.value}"!${o.value === (v['hardwareRevision'] ?? '') ? ' selected' : ''}>${o.label}</option>`)
    .join('')}</select></div>
<button type="submit">Upload evidence</button>
</form>`;
}

export interface StatementState {
  failure?: FormFailure | undefined;
  /** The requirements that stop a statement, when that is why it was refused. */
  blockers: readonly ProvisionAssessment[];
  values: Record<string, string>;
}

function statementFiles(productId: string, s: StoredStatement): string {
  const base = `/console/compliance/${productId}/statements/${s.id}`;
  return html`<a href="${base}/pdf">PDF</a> · <a href="${base}/json">JSON</a>!${s.signed ? html` · <a href="${base}/pdf.asc">PDF signature</a> · <a href="${base}/json.asc">JSON signature</a>` : ''}`;
}

function statementsTable(productId: string, statements: readonly StoredStatement[], csrf: string, mayIssue: boolean): string {
  if (statements.length === 0) return html`<p id="no-statements">No Statement of Compliance yet.</p>`;
  return html`<table id="statement-versions"><thead><tr><th scope="col">Version</th><th scope="col">Revision</th><th scope="col">Issued</th><th scope="col">Batch</th><th scope="col">Signed</th><th scope="col">On the product page</th><th scope="col">Files</th></tr></thead><tbody>!${statements
    .map(
      (s) =>
        html`<tr data-statement="${s.id}" data-version="${String(s.version)}" data-public="${s.public ? 'true' : 'false'}"><td>${String(s.version)}</td><td>${s.hardwareRevision || 'All'}</td><td>${when(s.createdAt)} by ${s.issuedBy}</td><td>${s.batch}</td>
<td>${s.signed ? `Signed (OpenPGP ${s.signatureFingerprint ?? ''})` : 'Not signed'}</td>
<td>!${s.public ? html`<strong>Shown</strong>` : 'Not shown'}!${
          mayIssue && !s.public
            ? html`<form method="post" action="/console/compliance/${productId}/statements/public" class="inline">!${csrfInput(csrf)}<input type="hidden" name="statementId" value="${s.id}"><button type="submit" class="small">Show on product page</button></form>`
            : ''
        }</td>
<td>!${statementFiles(productId, s)}</td></tr>`,
    )
    .join('')}</tbody></table>!${
    mayIssue && statements.some((s) => s.public)
      ? html`<form method="post" action="/console/compliance/${productId}/statements/public" id="hide-statement">!${csrfInput(csrf)}<input type="hidden" name="statementId" value=""><button type="submit" class="secondary">Hide from the product page</button></form>`
      : ''
  }`;
}

function refusal(state: StatementState): string {
  const failure = state.failure;
  if (!failure) return '';
  if (failure.status !== 409) return errorSummary(failure.message, failure.fields);
  return html`<div class="error-summary refusal" role="alert" tabindex="-1" id="statement-refused">
<h2>The Statement of Compliance was not generated</h2>
!${
  state.blockers.length
    ? html`<p>A Statement of Compliance cannot be issued while a requirement is not met. Each of these must be met, or not apply, first:</p>
<ul>!${state.blockers
        .map(
          (b) =>
            html`<li data-blocker="${b.id}"><a href="#p-${b.id}"><strong>${b.id}</strong> ${b.title}</a> is ${b.status === 'not_met' ? 'not met' : 'not yet assessed'}: ${b.reason}!${
              b.nextAction ? html` <span class="next-action">Next: ${b.nextAction}</span>` : ''
            }</li>`,
        )
        .join('')}</ul>`
    : html`<p>${failure.message}</p>`
}
</div>`;
}

function statementForm(product: Product, csrf: string, state: StatementState): string {
  const v = state.values;
  const f = state.failure?.fields;
  return html`!${refusal(state)}
<form method="post" action="/console/compliance/${product.id}/statements" id="generate-statement" novalidate>!${csrfInput(csrf)}
!${field({ name: 'productType', label: 'Type of product', hint: 'In words a buyer understands, e.g. “Wi-Fi security camera”.', value: v['productType'] }, f)}
!${field({ name: 'batch', label: 'Batch or other identification', hint: 'The batch, serial range or production period of the units this statement covers.', value: v['batch'] }, f)}
!${select('hardwareRevision', 'Hardware revision', revisionOptions(product, 'All revisions'), v['hardwareRevision'] ?? '', f)}
!${field({ name: 'manufacturerName', label: 'Manufacturer', value: v['manufacturerName'] }, f)}
<div class="field!${f?.['manufacturerAddress'] ? ' has-error' : ''}"><label for="f-manufacturerAddress">Manufacturer’s address</label>!${
    f?.['manufacturerAddress'] ? html`<p class="error" id="f-manufacturerAddress-error">${f['manufacturerAddress']}</p>` : ''
  }<textarea id="f-manufacturerAddress" name="manufacturerAddress" rows="3" cols="60" required>${v['manufacturerAddress'] ?? ''}</textarea></div>
<div class="field"><label for="f-authorisedRepresentative">Authorised representative (if any)</label><textarea id="f-authorisedRepresentative" name="authorisedRepresentative" rows="2" cols="60">${v['authorisedRepresentative'] ?? ''}</textarea></div>
!${field({ name: 'signatoryName', label: 'Signed by (name)', value: v['signatoryName'] }, f)}
!${field({ name: 'signatoryFunction', label: 'Function of the signatory', hint: 'e.g. “Head of Product Security”.', value: v['signatoryFunction'] }, f)}
!${field({ name: 'place', label: 'Place of issue', value: v['place'] }, f)}
!${field({ name: 'date', label: 'Date of issue', hint: 'YYYY-MM-DD.', value: v['date'] }, f)}
<div class="field"><label class="check"><input type="checkbox" name="publish" value="on"!${v['publish'] ? ' checked' : ''}> Show this version on the public product page</label></div>
<button type="submit">Generate Statement of Compliance</button>
</form>`;
}

export interface ProductPageModel {
  csrf: string;
  assessed: ProductAssessment;
  statements: readonly StoredStatement[];
  may: { judge: boolean; upload: boolean; issue: boolean };
  notice: string | undefined;
  upload: UploadState | undefined;
  judgement: JudgementFailure | undefined;
  statement: StatementState;
  publicPath: string | undefined;
}

export function productBody(m: ProductPageModel): string {
  const { product, hardwareRevision: revision } = m.assessed;
  const period = m.assessed.supportPeriod;
  return html`<p><a href="/console/compliance">← Compliance</a></p>
<h1>${product.brand} ${product.name} <small>${product.modelNumber}</small></h1>
!${notice(m.notice)}
!${
  product.hardwareRevisions.length
    ? html`<form method="get" action="/console/compliance/${product.id}" id="choose-revision" class="inline"><label for="revision">Hardware revision</label> <select id="revision" name="revision">!${revisionOptions(
        product,
        'All revisions',
      )
        .map((o) => html`<option value="${o.value}"!${o.value === revision ? ' selected' : ''}>${o.label}</option>`)
        .join('')}</select> <button type="submit" class="small">Show</button></form>`
    : ''
}
<p>Assessment of ${revision ? `hardware revision ${revision}` : 'all hardware revisions'}. Support period: ${
    period?.publishedAt ? `published, security updates ${period.atLeast ? 'at least ' : ''}until ${longDate(period.endDate)}` : 'not published'
  }.</p>
<nav aria-label="On this page"><ul><li><a href="#duties">Duties</a></li><li><a href="#provisions">Provisions</a></li><li><a href="#evidence-heading">Evidence</a></li><li><a href="#statements">Statement of Compliance</a></li></ul></nav>
<h2 id="duties">Duties</h2>
<table id="duty-table"><thead><tr><th scope="col">Duty</th><th scope="col">Status, why, and what to do next</th></tr></thead><tbody>!${m.assessed.duties
    .map((d) => html`<tr data-duty="${d.duty}"><th scope="row">${dutyLabels[d.duty]}<br><small><code>${d.lawId}</code></small></th>!${dutyCell(d)}</tr>`)
    .join('')}</tbody></table>
<h2 id="provisions">Provisions</h2>
!${m.may.judge ? html`<p class="hint" id="judging-hint">Judge what the tools cannot see. Met, not met and not applicable each need a reason in a sentence an auditor can check; the newest judgement counts and every earlier one is kept. A new scan that shows a provision broken overrides a judgement.</p>` : ''}
!${groupsOf(m.assessed.provisions)
  .map(
    (g) => html`<section class="provision-group" data-group="${g.id}" aria-labelledby="g-${g.id}"><h3 id="g-${g.id}">${g.title}</h3>
<table class="provisions"><thead><tr><th scope="col">Provision</th><th scope="col">Status</th><th scope="col">Reason, evidence and judgement</th></tr></thead><tbody>!${g.provisions
      .map((a) => provisionRow(product.id, revision, a, m.csrf, m.may.judge, m.judgement))
      .join('')}</tbody></table></section>`,
  )
  .join('')}
<h2 id="evidence-heading">Evidence</h2>
!${evidenceTable(product.id, m.assessed.evidence, m.assessed.current)}
!${m.may.upload ? html`<h3>Upload evidence</h3>!${uploadForm(product, m.csrf, m.upload)}` : ''}
<h2 id="statements">Statement of Compliance</h2>
!${m.publicPath ? html`<p>Shown publicly at <a href="${m.publicPath}">${m.publicPath}</a>.</p>` : ''}
!${statementsTable(product.id, m.statements, m.csrf, m.may.issue)}
!${
  m.may.issue
    ? html`<h3>Generate a Statement of Compliance</h3>
<p>A new version is generated only when every PSTI requirement is met or does not apply; earlier versions are kept. It is signed with your organisation’s OpenPGP key when there is one.</p>
!${statementForm(product, m.csrf, m.statement)}`
    : ''
}`;
}
