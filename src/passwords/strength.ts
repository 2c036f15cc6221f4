import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

// Two estimators: the thorough one tries l33t substitutions ("p@ssw0rd"), which costs about 7 ms a
// password; the quick one skips them (under 1 ms), for sampling batches of machine-made passwords.
const factories = new Map<boolean, ZxcvbnFactory>();

function estimator(thorough: boolean): ZxcvbnFactory {
  let f = factories.get(thorough);
  if (!f) {
    f = new ZxcvbnFactory({
      graphs: common.adjacencyGraphs,
      dictionary: { ...common.dictionary, ...english.dictionary },
      translations: english.translations,
      ...(thorough ? {} : { l33tTable: {} }),
    });
    factories.set(thorough, f);
  }
  return f;
}

export interface StrengthEstimate {
  /** log2 of the number of guesses zxcvbn expects an attacker to need. */
  bits: number;
  /** zxcvbn's 0–4 score. */
  score: number;
  warning: string;
  suggestions: string[];
}

/** zxcvbn's estimate, with extra words (brand, model, the device's identifiers) it should know. */
export function estimateStrength(password: string, userInputs: readonly string[] = [], options: { thorough?: boolean } = {}): StrengthEstimate {
  const result = estimator(options.thorough ?? true).check(password.slice(0, 256), userInputs.filter((s) => s.length > 0));
  return {
    bits: Math.log2(Math.max(result.guesses, 1)),
    score: result.score,
    warning: result.feedback.warning ?? '',
    suggestions: result.feedback.suggestions,
  };
}

/** An upper bound from length and character classes only: what a brute-force attacker faces at best. */
export function charsetBits(password: string): number {
  let size = 0;
  if (/[a-z]/.test(password)) size += 26;
  if (/[A-Z]/.test(password)) size += 26;
  if (/[0-9]/.test(password)) size += 10;
  if (/[^a-zA-Z0-9]/.test(password)) size += 33;
  return size ? password.length * Math.log2(size) : 0;
}
