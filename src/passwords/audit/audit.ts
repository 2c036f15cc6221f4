import type { Readable } from 'node:stream';
import { ConnectableError } from '../../errors.ts';
import { readBatch, type BatchFormat, type BatchProblem } from '../batch-reader.ts';
import { CounterCheck } from './counters.ts';
import { classifyIdentifier, DerivationCheck, type IdentifierColumn } from './derivation.ts';
import { GuessabilityCheck, type BatchProfile } from './guessability.ts';
import type { Check, ConditionResult, Verdict } from './types.ts';
import { UniquenessCheck } from './uniqueness.ts';

export interface AuditOptions {
  format: BatchFormat;
  /** Column names as in the file (any case); guessed from the header when not given. */
  passwordColumn?: string | undefined;
  identifierColumns?: readonly string[] | undefined;
  serialColumn?: string | undefined;
  modelColumn?: string | undefined;
  showSecrets?: boolean;
  onProgress?: (units: number) => void;
}

export interface AuditReport {
  units: number;
  columns: { password: string; serial: string | undefined; model: string | undefined; identifiers: IdentifierColumn[] };
  verdict: Exclude<Verdict, 'not-tested'>;
  conditions: ConditionResult[];
  profile: BatchProfile;
  malformedRows: { count: number; first: BatchProblem[] };
  /** Elapsed time and heap at the end, for the benchmark and for the curious. */
  stats: { seconds: number };
}

const PASSWORD_NAMES = ['password', 'passwd', 'pass', 'pwd', 'default_password', 'device_password', 'admin_password', 'wifi_password', 'wpa_key', 'wpa_psk', 'psk', 'wifi_key', 'key', 'pin', 'secret', 'credential'];
const SERIAL_NAMES = ['serial', 'serial_number', 'serial_no', 'serialnumber', 'sn', 's_n', 'unit_id', 'device_id'];
const MODEL_NAMES = ['model', 'model_number', 'model_name', 'product', 'product_name', 'sku'];
// Columns that say nothing a buyer or passer-by could know, or are the password's own derivatives.
const IGNORED = /^(password_hash|hash|shadow|crypt|line|row|index|id|batch|batch_id|date|created_at|timestamp|notes?)$/;

function pick(columns: readonly string[], wanted: string | undefined, names: readonly string[], what: string): string | undefined {
  if (wanted !== undefined) {
    const w = wanted.trim().toLowerCase().replace(/[\s-]+/g, '_');
    if (!columns.includes(w)) {
      throw new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `There is no ${what} column "${wanted}". The file has: ${columns.join(', ') || '(no columns)'}.`);
    }
    return w;
  }
  return names.find((n) => columns.includes(n));
}

/** Decides which column is which, or says precisely why it cannot. */
export function resolveColumns(columns: readonly string[], options: AuditOptions): AuditReport['columns'] {
  const password = pick(columns, options.passwordColumn, PASSWORD_NAMES, 'password');
  if (!password) {
    throw new ConnectableError(
      'CONNECTABLE_ERR_INVALID_INPUT',
      `No password column found. The file has: ${columns.join(', ') || '(no columns)'}. Name it with --password-column.`,
    );
  }
  const serial = pick(columns, options.serialColumn, SERIAL_NAMES, 'serial');
  const model = pick(columns, options.modelColumn, MODEL_NAMES, 'model');
  const identifierNames =
    options.identifierColumns?.map((c) => pick(columns, c, [], 'identifier') as string) ?? columns.filter((c) => c !== password && !IGNORED.test(c));
  return { password, serial, model, identifiers: identifierNames.map(classifyIdentifier) };
}

/**
 * Audits a batch of per-device passwords against the law's conditions, streaming the file once.
 * The same function serves the CLI, the API and the console, which keeps the report as evidence.
 */
export async function auditBatch(source: Readable, options: AuditOptions): Promise<AuditReport> {
  const started = performance.now();
  const problems: BatchProblem[] = [];
  let problemCount = 0;
  const onProblem = (p: BatchProblem): void => {
    problemCount++;
    if (problems.length < 100) problems.push(p);
  };
  const batch = readBatch(source, options.format, onProblem);
  const show = options.showSecrets ?? false;
  let columns: AuditReport['columns'] | undefined;
  let checks: Check[] = [];
  let guessability: GuessabilityCheck | undefined;
  let units = 0;
  for await (const slice of batch.slices) {
    if (!columns) {
      columns = resolveColumns(batch.columns(), options);
      guessability = new GuessabilityCheck(show);
      checks = [
        new UniquenessCheck(show),
        new CounterCheck(columns.serial, show),
        new DerivationCheck(
          columns.identifiers,
          columns.model,
          show,
        ),
        guessability,
      ];
    }
    for (const row of slice) {
      const password = row.values[columns.password] ?? '';
      if (password === '') {
        onProblem({ line: row.line, message: `the ${columns.password} column is empty` });
        continue;
      }
      const unit = { line: row.line, index: units, password, values: row.values };
      for (const check of checks) check.observe(unit);
      units++;
    }
    options.onProgress?.(units);
  }
  if (!columns || !guessability || units === 0) {
    const found = batch.columns();
    throw new ConnectableError(
      'CONNECTABLE_ERR_INVALID_INPUT',
      found.length
        ? `The file has no unit with a password${columns ? ` in the ${columns.password} column` : ''}. Columns found: ${found.join(', ')}.${problemCount ? ` ${problemCount} rows were malformed; the first: line ${problems[0]?.line}: ${problems[0]?.message}.` : ''}`
        : 'The file is empty: give a CSV with a header line (e.g. serial,mac,password) or JSON Lines with one object per unit.',
    );
  }
  const conditions = checks.flatMap((c) => c.results(units)).sort((a, b) => a.id.localeCompare(b.id));
  return {
    units,
    columns,
    verdict: conditions.some((c) => c.verdict === 'fail') ? 'fail' : 'pass',
    conditions,
    profile: guessability.profile(units),
    malformedRows: { count: problemCount, first: problems },
    stats: { seconds: (performance.now() - started) / 1000 },
  };
}
