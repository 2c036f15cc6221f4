import type { FieldErrors } from '../errors.ts';
import { isConnectableError } from '../errors.ts';

export interface FormFailure {
  status: number;
  message: string;
  fields: FieldErrors;
}

/**
 * Runs a form's action; an error the person can fix (bad input, wrong password, lockout) comes
 * back as a failure to show beside the form, anything else propagates to the error page.
 */
export async function attempt<T>(action: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; failure: FormFailure }> {
  try {
    return { ok: true, value: await action() };
  } catch (e) {
    if (isConnectableError(e) && [400, 401, 409, 429].includes(e.status)) {
      return { ok: false, failure: { status: e.status === 409 ? 409 : e.status, message: e.message, fields: e.fields ?? {} } };
    }
    throw e;
  }
}

/** A form value as text, for echoing back into a form that failed (never passwords). */
export function textOf(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  return typeof v === 'string' ? v.slice(0, 500) : '';
}
