import { hash as argon2Hash } from '@node-rs/argon2';
import type { Writable } from 'node:stream';
import { csvLine } from '../output/csv.ts';
import type { BatchRow } from './batch-reader.ts';
import { sha512crypt } from './crypt/sha-crypt.ts';
import { FingerprintSet } from './fingerprint-set.ts';
import { describeMethod, methodEntropy, methodProblem, passwordMaker, type GenerationMethod } from './generate.ts';

export const hashSchemes = ['sha512crypt', 'argon2id'] as const;
export type HashScheme = (typeof hashSchemes)[number];

export interface GenerateOptions {
  method: GenerationMethod;
  format: 'csv' | 'jsonl';
  hash?: HashScheme | undefined;
  /** Column order of the input; password (and password_hash) are appended. */
  columns: readonly string[];
  /** Told every slice, for a progress line on a terminal. */
  onProgress?: (units: number) => void;
}

export interface GenerateSummary {
  units: number;
  method: string;
  bitsPerPassword: number;
  /** Random draws that repeated an earlier password and were drawn again (expected: 0). */
  redrawn: number;
  hash: HashScheme | undefined;
}

export class DuplicateCredentialError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.name = 'DuplicateCredentialError';
    this.line = line;
  }
}

const ARGON2ID = 2;
// Device-side verification on small CPUs: 19 MiB, 2 passes (OWASP's baseline).
const argon2Options = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

async function hashesFor(scheme: HashScheme | undefined, passwords: readonly string[]): Promise<string[] | undefined> {
  if (!scheme) return undefined;
  if (scheme === 'sha512crypt') return passwords.map((p) => sha512crypt(p));
  // argon2 runs on libuv's thread pool: a slice at a time keeps every thread busy.
  return Promise.all(passwords.map((p) => argon2Hash(p, argon2Options)));
}

function write(out: Writable, text: string): Promise<void> {
  if (out.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    out.once('error', onError);
    out.once('drain', () => {
      out.off('error', onError);
      resolve();
    });
  });
}

/**
 * Makes one credential per unit and writes unit + password (+ hash) to out. Uniqueness is
 * checked over the whole run in bounded memory: a random draw that repeats is drawn again; a
 * keyed password that repeats means two units share an identifier, which is refused.
 */
export async function generateBatch(units: AsyncIterable<BatchRow[]>, out: Writable, options: GenerateOptions): Promise<GenerateSummary> {
  const weak = methodProblem(options.method);
  if (weak) throw new RangeError(weak);
  const make = passwordMaker(options.method);
  const seen = new FingerprintSet(1 << 16);
  const columns = [...options.columns, 'password', ...(options.hash ? ['password_hash'] : [])];
  let count = 0;
  let redrawn = 0;
  if (options.format === 'csv') await write(out, csvLine(columns));
  for await (const slice of units) {
    const passwords: string[] = [];
    for (const unit of slice) {
      let password = make(unit.values);
      let tries = 0;
      while (!seen.add(password)) {
        if (++tries > 1000) throw new RangeError('The password space is too small for this batch: a thousand draws in a row repeated earlier passwords. Use a longer length.');
        if (options.method.kind === 'keyed') {
          const id = unit.values[options.method.identifierColumn] ?? '';
          throw new DuplicateCredentialError(
            unit.line,
            `Line ${unit.line}: the ${options.method.identifierColumn} "${id}" gives the same password as an earlier unit. Each unit needs its own identifier; fix the input and run again.`,
          );
        }
        redrawn++;
        password = make(unit.values);
      }
      passwords.push(password);
    }
    const hashes = await hashesFor(options.hash, passwords);
    let text = '';
    slice.forEach((unit, i) => {
      const values = [...options.columns.map((c) => unit.values[c] ?? ''), passwords[i] as string, ...(hashes ? [hashes[i] as string] : [])];
      text += options.format === 'csv' ? csvLine(values) : `${JSON.stringify(Object.fromEntries(columns.map((c, j) => [c, values[j]])))}\n`;
    });
    await write(out, text);
    count += slice.length;
    options.onProgress?.(count);
  }
  return { units: count, method: describeMethod(options.method), bitsPerPassword: methodEntropy(options.method), redrawn, hash: options.hash };
}

/** Units numbered from a pattern: "SN-{000000}" gives SN-000001, SN-000002, … */
export async function* unitsFromPattern(pattern: string, count: number, start = 1): AsyncGenerator<BatchRow[]> {
  const match = /\{(0+|#+)\}/.exec(pattern);
  if (!match) throw new RangeError('The serial pattern needs a counter field such as {000000}.');
  const width = (match[1] ?? '').length;
  const [before, after] = [pattern.slice(0, match.index), pattern.slice(match.index + match[0].length)];
  for (let i = 0; i < count; i += 4096) {
    const slice: BatchRow[] = [];
    for (let j = i; j < Math.min(count, i + 4096); j++) slice.push({ line: j + 1, values: { serial: `${before}${String(start + j).padStart(width, '0')}${after}` } });
    yield slice;
  }
}
