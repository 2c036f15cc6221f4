import { z } from 'zod';
import { invalidInput, type FieldErrors } from './errors.ts';

/** Parses untrusted input with a schema; failure becomes InvalidInput naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'The form'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    fields[key] ??= issue.message;
  }
  const list = Object.entries(fields)
    .map(([k, v]) => (k === '_' ? v : `${k}: ${v}`))
    .join('; ');
  return failWith(`${what} has problems: ${list}.`, fields);
}

function failWith(message: string, fields: FieldErrors): never {
  throw invalidInput(message, fields);
}

/** An optional e-mail address: empty means none; anything else must be an address. */
export function optionalEmail(message: string) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(z.email({ error: message }).optional());
}
