/** The law's conditions on pre-installed passwords that a batch can be tested against. */
export const conditionIds = ['psti.s1.1.2a', 'psti.s1.1.3a', 'psti.s1.1.3b', 'psti.s1.1.3c', 'psti.s1.1.3d'] as const;
export type ConditionId = (typeof conditionIds)[number];

export const conditionTitles: Record<ConditionId, string> = {
  'psti.s1.1.2a': 'Unique per product',
  'psti.s1.1.3a': 'Not based on incremental counters',
  'psti.s1.1.3b': 'Not based on or derived from publicly available information',
  'psti.s1.1.3c': 'Not derived from unique product identifiers (unless by a keyed hash or encryption)',
  'psti.s1.1.3d': 'Not otherwise guessable',
};

export type Verdict = 'pass' | 'fail' | 'not-tested';

export interface Evidence {
  /** What was found, in words a product-security lead can act on. */
  finding: string;
  units: number;
  /** Line numbers of a few affected units, to look at. */
  exampleLines: number[];
  /** Masked example values, unless --show-secrets. */
  examples?: string[];
}

export interface ConditionResult {
  id: ConditionId;
  title: string;
  verdict: Verdict;
  unitsAffected: number;
  /** unitsAffected over the units the condition was tested on, 0..1. */
  share: number;
  summary: string;
  evidence: Evidence[];
  /** What this test cannot see; a pass is never more than "nothing found by these tests". */
  limits: string;
  /** The ETSI EN 303 645 provisions the condition also meets. */
  related: string[];
}

export interface UnitView {
  line: number;
  index: number;
  password: string;
  values: Record<string, string>;
}

export interface Check {
  observe(unit: UnitView): void;
  results(units: number): ConditionResult[];
}

/** Masks a secret for reports: its length and shape survive, its value does not. */
export function mask(value: string, show: boolean): string {
  if (show) return value;
  if (value.length <= 4) return '•'.repeat(value.length);
  return `${value[0]}${'•'.repeat(value.length - 2)}${value[value.length - 1]}`;
}

export function pushLine(lines: number[], line: number, max = 5): void {
  if (lines.length < max) lines.push(line);
}
