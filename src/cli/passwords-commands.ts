import fs from 'node:fs';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { ConnectableError } from '../errors.ts';
import {
  alphabets,
  auditBatch,
  auditSarif,
  auditText,
  checkUserPassword,
  DEFAULT_LENGTH,
  DuplicateCredentialError,
  effWordList,
  generateBatch,
  guessFormat,
  hashSchemes,
  MIN_KEY_BYTES,
  methodProblem,
  readBatch,
  unitsFromPattern,
  validateAlphabet,
  type BatchFormat,
  type BatchProblem,
  type BatchRow,
  type GenerationMethod,
  type HashScheme,
} from '../passwords/index.ts';
import { EXIT, json, usageError, type Command, type Io } from './command.ts';
import { uploadEvidence, uploadOptions, uploadTarget, uploadUsage } from './upload.ts';

export const VERSION = '0.1.0';

function integer(value: string | boolean | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw usageError(`--${name} takes a whole number from ${min} to ${max}; got "${String(value)}".`);
  return n;
}

function oneOf<T extends string>(value: string | boolean | undefined, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw usageError(`--${name} takes one of ${allowed.join(', ')}; got "${String(value)}".`);
  return value as T;
}

/** A terminal gets a live count; a pipe or a file gets nothing, so logs stay clean. */
function progress(io: Io, what: string): ((n: number) => void) | undefined {
  if (!process.stderr.isTTY || io.env['CI']) return undefined;
  let last = 0;
  return (n) => {
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    process.stderr.write(`\r${n.toLocaleString('en-GB')} ${what}…`);
  };
}

function openInput(file: string): { stream: Readable; format: BatchFormat } {
  if (file === '-') return { stream: process.stdin, format: 'csv' };
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw usageError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`);
  }
  const head = Buffer.alloc(256);
  const n = fs.readSync(fd, head, 0, 256, 0);
  fs.closeSync(fd);
  const first = head.subarray(0, n).toString('utf8');
  if (/\.json$/i.test(file) || first.trimStart().startsWith('[')) return { stream: jsonArrayUnits(file), format: 'jsonl' };
  return { stream: fs.createReadStream(file, { highWaterMark: 1 << 20 }), format: guessFormat(file, first) };
}

const JSON_ARRAY_LIMIT = 256 * 1024 * 1024;

/** A JSON array of units is read whole (it cannot be streamed line by line), within a limit. */
function jsonArrayUnits(file: string): Readable {
  const size = fs.statSync(file).size;
  if (size > JSON_ARRAY_LIMIT) throw usageError(`${file} is a ${Math.round(size / 2 ** 20)} MiB JSON array; give large batches as JSON Lines (one object per line) or CSV, which are streamed.`);
  let units: unknown;
  try {
    units = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw usageError(`${file} is not valid JSON (${(e as Error).message}).`);
  }
  if (!Array.isArray(units)) throw usageError(`${file} must hold a JSON array of unit objects, or be JSON Lines.`);
  return Readable.from(units.map((u) => `${JSON.stringify(u)}\n`));
}

function readKey(values: Record<string, string | boolean | undefined>, io: Io): Buffer {
  const file = values['key-file'];
  const envName = values['key-env'];
  if (typeof file === 'string' && typeof envName === 'string') throw usageError('Give the key once: --key-file or --key-env, not both.');
  let key: Buffer;
  if (typeof file === 'string') {
    try {
      key = fs.readFileSync(file);
    } catch (e) {
      throw usageError(`Cannot read the key file ${file}: ${(e as Error).message}.`);
    }
    // A key written by `openssl rand -hex 32 > key` ends in a newline that is not part of it.
    while (key.length && (key[key.length - 1] === 0x0a || key[key.length - 1] === 0x0d)) key = key.subarray(0, key.length - 1);
  } else if (typeof envName === 'string') {
    const v = io.env[envName];
    if (!v) throw usageError(`The environment variable ${envName} is not set or is empty.`);
    key = Buffer.from(v, 'utf8');
  } else {
    throw usageError('--method keyed needs the maker\'s secret key: --key-file PATH or --key-env VARIABLE. Make one with: openssl rand -hex 32 > device-key');
  }
  if (key.length < MIN_KEY_BYTES) throw usageError(`The key has ${key.length} bytes; use at least ${MIN_KEY_BYTES} random bytes (openssl rand -hex 32 gives 64 characters).`);
  return key;
}

function methodFrom(values: Record<string, string | boolean | undefined>, io: Io): GenerationMethod {
  const kind = oneOf(values['method'], 'method', ['random', 'keyed', 'passphrase'] as const, 'random');
  if (kind === 'passphrase') {
    const words = integer(values['words'], 'words', 3, 20, 6);
    const phrase: GenerationMethod = { kind, words: effWordList(), count: words, separator: typeof values['separator'] === 'string' ? values['separator'] : '-' };
    const weak = methodProblem(phrase);
    if (weak) throw usageError(weak);
    return phrase;
  }
  const named = typeof values['alphabet'] === 'string' ? values['alphabet'] : 'unambiguous';
  const alphabet = named in alphabets ? alphabets[named as keyof typeof alphabets] : named;
  const problem = validateAlphabet(alphabet);
  if (problem) throw usageError(`--alphabet: ${problem} Named alphabets: ${Object.keys(alphabets).join(', ')}.`);
  const length = integer(values['length'], 'length', 4, 128, DEFAULT_LENGTH);
  const method: GenerationMethod =
    kind === 'random'
      ? { kind, alphabet, length }
      : { kind, alphabet, length, key: readKey(values, io), identifierColumn: typeof values['identifier'] === 'string' ? values['identifier'].toLowerCase() : 'serial' };
  const weak = methodProblem(method);
  if (weak) throw usageError(weak);
  return method;
}

const generateUsage = `connectable passwords generate (--input FILE | --count N) [options]

Makes one password per unit of a production batch, for the flashing and label-printing stations.

Units:
  --input FILE            units as CSV (with a header), JSON Lines, or a JSON array; - for stdin
  --count N               N units with serials from --serial-pattern (default SN{00000000})
  --start N               first counter value for --serial-pattern (default 1)
Method:
  --method random         (default) from the OS CSPRNG
  --method passphrase     words from the EFF large list (--words N, default 6 = 77.5 bits; --separator)
  --method keyed          HMAC-SHA-256 of the maker's secret key over --identifier (default serial):
                          the same key and identifier always give the same password
  --key-file PATH | --key-env VARIABLE   the secret key for keyed (never on the command line)
  --alphabet NAME|CHARS   unambiguous (default), alphanumeric, lowercase, hex, digits, or your own
  --length N              characters (default ${DEFAULT_LENGTH}: 69.7 bits with the default alphabet)
Output:
  --hash sha512crypt|argon2id   add a password_hash column for /etc/shadow or the device's store
  --format csv|jsonl      (default csv)
  --output FILE           (default standard output; the summary then goes to standard error)
  --json                  print the summary as JSON

Every password is checked unique across the whole output, in bounded memory.`;

const auditUsage = `connectable passwords audit FILE [options]

Audits a batch of per-device passwords against the law's conditions (PSTI Schedule 1 §1;
ETSI EN 303 645 5.1-1, 5.1-2): unique, not a counter, not derived from public information or
identifiers, not guessable. Exit code 1 when any condition fails.

  --password-column NAME      (guessed from the header: password, wpa_key, psk, …)
  --identifier-columns A,B    columns to test derivation from (default: every other column)
  --serial-column NAME        (guessed: serial, serial_number, sn, …)
  --model-column NAME         (guessed: model, product, …)
  --input-format csv|jsonl    (guessed from the name and content)
  --format text|json|sarif    report format (default text); --json is --format json
  --output FILE               write the report there
  --show-secrets              print example passwords in full (they are masked by default)
${uploadUsage}`;

export const passwordCommands: Record<string, Command> = {
  'passwords generate': {
    summary: 'Generate unique per-device passwords for a production batch',
    usage: generateUsage,
    options: {
      input: { type: 'string' },
      count: { type: 'string' },
      start: { type: 'string' },
      'serial-pattern': { type: 'string' },
      method: { type: 'string' },
      alphabet: { type: 'string' },
      length: { type: 'string' },
      words: { type: 'string' },
      separator: { type: 'string' },
      'key-file': { type: 'string' },
      'key-env': { type: 'string' },
      key: { type: 'string' },
      identifier: { type: 'string' },
      hash: { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string' },
      ...json,
    },
    async run(values, io) {
      if (values['key'] !== undefined) {
        throw usageError('The key is never taken on the command line, where shell history and process lists would keep it. Use --key-file PATH or --key-env VARIABLE.');
      }
      if (values['hash'] === 'yescrypt') {
        throw usageError('yescrypt is not supported yet (no vetted implementation for Node); use --hash sha512crypt, which every glibc and busybox accepts, or argon2id.');
      }
      const hash = values['hash'] === undefined ? undefined : oneOf(values['hash'], 'hash', hashSchemes, 'sha512crypt' as HashScheme);
      const format = oneOf(values['format'], 'format', ['csv', 'jsonl'] as const, 'csv');
      const method = methodFrom(values, io);
      if ((values['input'] === undefined) === (values['count'] === undefined)) throw usageError('Give the units with --input FILE or --count N (one of the two).');
      const problems: BatchProblem[] = [];
      let units: AsyncIterable<BatchRow[]>;
      let columns: () => string[];
      if (typeof values['input'] === 'string') {
        const { stream, format: inputFormat } = openInput(values['input']);
        const batch = readBatch(stream, inputFormat, (p) => problems.push(p));
        units = batch.slices;
        columns = batch.columns;
      } else {
        const count = integer(values['count'], 'count', 1, 100_000_000, 0);
        const pattern = typeof values['serial-pattern'] === 'string' ? values['serial-pattern'] : 'SN{00000000}';
        if (!/\{(0+|#+)\}/.test(pattern)) throw usageError('--serial-pattern needs a counter field such as {000000}, e.g. "SN-{000000}".');
        units = unitsFromPattern(pattern, count, integer(values['start'], 'start', 0, Number.MAX_SAFE_INTEGER, 1));
        columns = () => ['serial'];
      }
      // The header is known only once the first slice is read; peek it before writing anything.
      const iterator = units[Symbol.asyncIterator]();
      const first = await iterator.next();
      const cols = columns();
      if (method.kind === 'keyed' && first.value && !cols.includes(method.identifierColumn)) {
        throw usageError(`--identifier ${method.identifierColumn}: the units have no such column. Columns found: ${cols.join(', ')}.`);
      }
      if (first.done && !cols.length) throw usageError('The input has no units: give a CSV with a header line (e.g. serial,mac) or JSON Lines.');
      const rest: AsyncIterable<BatchRow[]> = {
        async *[Symbol.asyncIterator]() {
          if (!first.done) yield first.value;
          for (let r = await iterator.next(); !r.done; r = await iterator.next()) yield r.value;
        },
      };
      const target = typeof values['output'] === 'string' ? values['output'] : undefined;
      const partial = target ? path.join(path.dirname(target), `.${path.basename(target)}.partial`) : undefined;
      const out: Writable = partial ? fs.createWriteStream(partial, { mode: 0o600 }) : process.stdout;
      let summary;
      try {
        summary = await generateBatch(rest, out, { method, format, hash, columns: cols, ...withProgress(progress(io, 'units')) });
        if (partial && target) {
          await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
          fs.renameSync(partial, target);
        }
      } catch (e) {
        if (partial) fs.rmSync(partial, { force: true });
        if (e instanceof DuplicateCredentialError || e instanceof RangeError) throw new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', e.message);
        throw e;
      }
      if (process.stderr.isTTY && !io.env['CI']) process.stderr.write('\r');
      const report = { ...summary, skippedRows: problems.length, problems: problems.slice(0, 20), output: target ?? 'stdout' };
      const say = target ? io.out : io.err;
      if (values['json']) say(JSON.stringify(report));
      else {
        say(`Generated ${summary.units} credentials: ${summary.method}. All unique (checked across the whole output).${hash ? ` Hash column: ${hash}.` : ''}`);
        for (const p of problems.slice(0, 20)) say(`Skipped line ${p.line}: ${p.message}`);
        if (problems.length > 20) say(`… and ${problems.length - 20} more skipped rows.`);
      }
      return EXIT.ok;
    },
  },

  'passwords audit': {
    summary: "Audit a batch of per-device passwords against the law's conditions",
    usage: auditUsage,
    positionals: 'FILE',
    options: {
      'password-column': { type: 'string' },
      'identifier-columns': { type: 'string' },
      'serial-column': { type: 'string' },
      'model-column': { type: 'string' },
      'input-format': { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string' },
      'show-secrets': { type: 'boolean', default: false },
      ...uploadOptions,
      ...json,
    },
    async run(values, io, positionals) {
      const [file, ...extra] = positionals;
      const upload = uploadTarget(values, io);
      if (!file || extra.length) throw usageError(`Give exactly one batch file (or - for standard input).\n\n${auditUsage}`);
      const format = values['json'] ? 'json' : oneOf(values['format'], 'format', ['text', 'json', 'sarif'] as const, 'text');
      const input = openInput(file);
      const inputFormat = values['input-format'] === undefined ? input.format : oneOf(values['input-format'], 'input-format', ['csv', 'jsonl'] as const, 'csv');
      const report = await auditBatch(input.stream, {
        format: inputFormat,
        passwordColumn: typeof values['password-column'] === 'string' ? values['password-column'] : undefined,
        identifierColumns: typeof values['identifier-columns'] === 'string' ? values['identifier-columns'].split(',').map((c) => c.trim()).filter(Boolean) : undefined,
        serialColumn: typeof values['serial-column'] === 'string' ? values['serial-column'] : undefined,
        modelColumn: typeof values['model-column'] === 'string' ? values['model-column'] : undefined,
        showSecrets: values['show-secrets'] === true,
        ...withProgress(progress(io, 'units audited')),
      });
      if (process.stderr.isTTY && !io.env['CI']) process.stderr.write('\r');
      const text =
        format === 'json' ? JSON.stringify(report, null, 2) : format === 'sarif' ? JSON.stringify(auditSarif(report, file, VERSION), null, 2) : auditText(report, file);
      if (typeof values['output'] === 'string') fs.writeFileSync(values['output'], `${text}\n`);
      else io.out(text);
      if (upload) {
        // The evidence never carries example passwords, whatever --show-secrets printed.
        const kept = values['show-secrets'] === true ? { ...report, conditions: report.conditions.map((c) => ({ ...c, evidence: c.evidence.map(({ examples: _examples, ...e }) => e) })) } : report;
        for (const line of await uploadEvidence(upload, 'password-audit', 'connectable passwords audit', VERSION, kept)) io.err(line);
      }
      return report.verdict === 'fail' ? EXIT.findings : EXIT.ok;
    },
  },

  'passwords check': {
    summary: 'Check a password a person chose (read from standard input) against the policy',
    usage: `connectable passwords check [--identifier VALUE ...] [--json]

Reads one password from standard input (never from the command line) and says whether a person
may use it: length, common and default-password lists, the device's identifiers, estimated strength.
  --identifier VALUE   a serial, MAC, model, name or e-mail it must not contain (repeatable)`,
    options: { identifier: { type: 'string', multiple: true }, ...json },
    async run(values, io) {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
      if (!password) throw usageError('Give the password on standard input, e.g.: printf %s "$PASSWORD" | connectable passwords check');
      const raw = (values as Record<string, unknown>)['identifier'];
      const identifiers = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : [];
      const verdict = checkUserPassword(password, { identifiers });
      if (values['json']) io.out(JSON.stringify(verdict));
      else io.out(verdict.ok ? `Acceptable (estimated ${verdict.estimatedBits.toFixed(0)} bits).` : `Not acceptable:\n${verdict.reasons.map((r) => `  - ${r}`).join('\n')}`);
      return verdict.ok ? EXIT.ok : EXIT.findings;
    },
  },
};

function withProgress(onProgress: ((n: number) => void) | undefined): { onProgress?: (n: number) => void } {
  return onProgress ? { onProgress } : {};
}
