import fs from 'node:fs';
import { alphabets, entropyBits } from './alphabet.ts';
import { HmacSha256, KeyedSource, RandomSource } from './random-source.ts';

/** How each unit's password is made. */
export type GenerationMethod =
  | { kind: 'random'; alphabet: string; length: number }
  | { kind: 'passphrase'; words: readonly string[]; count: number; separator: string }
  | { kind: 'keyed'; key: Buffer; alphabet: string; length: number; identifierColumn: string };

export const DEFAULT_LENGTH = 12;
/** Below this the batch would fail our own audit (psti.s1.1.3d), so the generator will not make it. */
export const MIN_GENERATED_BITS = 40;
export const MIN_KEY_BYTES = 32;

/** Bits of entropy each password carries (for keyed: given a secret key of at least 256 bits). */
export function methodEntropy(method: GenerationMethod): number {
  if (method.kind === 'passphrase') return method.count * Math.log2(method.words.length);
  return entropyBits(method.alphabet.length, method.length);
}

export function describeMethod(method: GenerationMethod): string {
  const bits = methodEntropy(method).toFixed(1);
  if (method.kind === 'passphrase') return `passphrase of ${method.count} words from a list of ${method.words.length} (${bits} bits each)`;
  const from = `${method.length} characters from an alphabet of ${method.alphabet.length}`;
  return method.kind === 'random'
    ? `random, ${from} (${bits} bits each, from the OS CSPRNG)`
    : `keyed HMAC-SHA-256 of the ${method.identifierColumn} column, ${from} (${bits} bits each while the key stays secret)`;
}

/** Why a method is too weak to use, or undefined. */
export function methodProblem(method: GenerationMethod): string | undefined {
  const bits = methodEntropy(method);
  if (bits < MIN_GENERATED_BITS) {
    return `${describeMethod(method)} gives only ${bits.toFixed(1)} bits; use at least ${MIN_GENERATED_BITS} (the default gives 69.7): a longer length or a larger alphabet.`;
  }
  return undefined;
}

export type PasswordMaker = (unit: Record<string, string>) => string;

export function passwordMaker(method: GenerationMethod): PasswordMaker {
  if (method.kind === 'random') {
    const source = new RandomSource();
    const { alphabet, length } = method;
    return () => {
      let out = '';
      for (let i = 0; i < length; i++) out += alphabet[source.index(alphabet.length)];
      return out;
    };
  }
  if (method.kind === 'passphrase') {
    const source = new RandomSource();
    const { words, count, separator } = method;
    return () => {
      const chosen: string[] = [];
      for (let i = 0; i < count; i++) chosen.push(words[source.index(words.length)] as string);
      return chosen.join(separator);
    };
  }
  const { key, alphabet, length, identifierColumn } = method;
  const hmac = new HmacSha256(key);
  return (unit) => {
    const identifier = unit[identifierColumn];
    if (identifier === undefined || identifier === '') throw new RangeError(`the unit has no ${identifierColumn} to derive its password from`);
    const source = new KeyedSource(hmac, identifier);
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[source.index(alphabet.length)];
    return out;
  };
}

let wordList: string[] | undefined;

/** The EFF large word list (7,776 words, CC BY 3.0 US); see data/README.md. */
export function effWordList(): string[] {
  wordList ??= fs
    .readFileSync(new URL('../../data/eff-large-wordlist.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((w) => w.trim())
    .filter(Boolean);
  return wordList;
}

export const defaultMethod = (): GenerationMethod => ({ kind: 'random', alphabet: alphabets.unambiguous, length: DEFAULT_LENGTH });
