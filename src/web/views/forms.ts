import { html } from 'ghtml';
import type { FieldErrors } from '../../errors.ts';

export interface FieldSpec {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'hidden';
  value?: string | undefined;
  hint?: string;
  autocomplete?: string;
  required?: boolean;
  inputmode?: string;
  /** The id of a <datalist> of suggestions. */
  list?: string;
}

/** A labelled input with its error beside it, tied together for screen readers. */
export function field(spec: FieldSpec, errors: FieldErrors = {}): string {
  const id = `f-${spec.name}`;
  const error = errors[spec.name];
  const described = [spec.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${error ? ' has-error' : ''}">
  <label for="${id}">${spec.label}</label>
  !${spec.hint ? html`<p class="hint" id="${id}-hint">${spec.hint}</p>` : ''}
  !${error ? html`<p class="error" id="${id}-error">${error}</p>` : ''}
  <input id="${id}" name="${spec.name}" type="${spec.type ?? 'text'}"!${spec.type === 'password' ? '' : html` value="${spec.value ?? ''}"`}!${
    spec.autocomplete ? html` autocomplete="${spec.autocomplete}"` : ''
  }!${spec.inputmode ? html` inputmode="${spec.inputmode}"` : ''}!${spec.list ? html` list="${spec.list}"` : ''}!${spec.required === false ? '' : ' required'}!${described ? html` aria-describedby="${described}"` : ''}!${
    error ? ' aria-invalid="true"' : ''
  }>
</div>`;
}

export function select(name: string, label: string, options: readonly { value: string; label: string }[], selected: string | undefined, errors: FieldErrors = {}): string {
  const id = `f-${name}`;
  const error = errors[name];
  return html`<div class="field${error ? ' has-error' : ''}">
  <label for="${id}">${label}</label>
  !${error ? html`<p class="error" id="${id}-error">${error}</p>` : ''}
  <select id="${id}" name="${name}">!${options
    .map((o) => html`<option value="${o.value}"!${o.value === selected ? ' selected' : ''}>${o.label}</option>`)
    .join('')}</select>
</div>`;
}

export function csrfInput(token: string): string {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** The summary at the top of a form that failed, listing each problem (GOV.UK pattern). */
export function errorSummary(message: string | undefined, errors: FieldErrors = {}): string {
  if (!message) return '';
  const items = Object.entries(errors).filter(([k]) => k !== '_');
  return html`<div class="error-summary" role="alert" tabindex="-1">
  <h2>There is a problem</h2>
  <p>${message}</p>
  !${items.length ? html`<ul>!${items.map(([k, v]) => html`<li><a href="#f-${k}">${v}</a></li>`).join('')}</ul>` : ''}
</div>`;
}

export function notice(message: string | undefined): string {
  return message ? html`<div class="notice" role="status"><p>${message}</p></div>` : '';
}
