import { commonPasswords, defaultPasswords } from '../lists.ts';
import { charsetBits, estimateStrength } from '../strength.ts';
import { conditionTitles, mask, pushLine, type Check, type ConditionResult, type Evidence, type UnitView } from './types.ts';

// psti.s1.1.3d: guessable in a way good practice does not accept. Every unit is looked up in the
// default-credential and common-password lists and given a length × character-set bound; zxcvbn
// (about a millisecond a password) gives a second opinion on a sample. The batch's profile shows
// templates: character positions that hardly vary carry no secret.

/** Below this a password falls to an offline search in hours on one GPU, or online to a botnet's patience. */
export const MIN_BITS = 40;
/**
 * zxcvbn's bar is lower: it prices any 12 random characters at about 10^12 guesses (40 bits), so
 * only what it sees as a pattern or a word (under 10^9 guesses) counts against a password.
 */
export const ZXCVBN_MIN_BITS = 30;
/**
 * zxcvbn also misreads the odd random string (a chance run of letters becomes a "word"), so it is
 * only believed about passwords whose length and alphabet leave room for doubt; a password with
 * 64 bits of raw space that is a word or a common pattern is caught by the lists instead.
 */
const ZXCVBN_TRUSTED_BELOW_BITS = 64;
const ZXCVBN_SAMPLE = 500;
const MAX_POSITIONS = 64;

interface Finding {
  units: number;
  lines: number[];
  examples: string[];
}

export interface BatchProfile {
  lengths: Record<number, number>;
  classes: { lower: number; upper: number; digit: number; symbol: number };
  /** Character positions where one character appears in at least 95% of units (a template). */
  fixedPositions: { position: number; share: number }[];
  /** Shannon entropy summed over positions: an upper bound on what the batch shows of its randomness. */
  positionalEntropyBits: number;
  zxcvbn: { sampled: number; medianBits: number; weak: number };
}

export class GuessabilityCheck implements Check {
  private readonly showSecrets: boolean;
  private readonly listed: Finding = { units: 0, lines: [], examples: [] };
  private readonly weak: Finding = { units: 0, lines: [], examples: [] };
  private readonly zxcvbnWeak: Finding = { units: 0, lines: [], examples: [] };
  private readonly zxcvbnBits: number[] = [];
  private readonly lengths = new Map<number, number>();
  private readonly classes = { lower: 0, upper: 0, digit: 0, symbol: 0 };
  private readonly positions = new Uint32Array(MAX_POSITIONS * 128);
  private readonly positionTotals = new Uint32Array(MAX_POSITIONS);
  private readonly common = commonPasswords();
  private readonly defaults = defaultPasswords();
  private flagged = 0;

  constructor(showSecrets: boolean) {
    this.showSecrets = showSecrets;
  }

  private note(f: Finding, unit: UnitView): void {
    f.units++;
    pushLine(f.lines, unit.line);
    if (f.examples.length < 3) f.examples.push(mask(unit.password, this.showSecrets));
  }

  observe(unit: UnitView): void {
    const p = unit.password;
    const lower = p.toLowerCase();
    let bad = false;
    if (this.common.has(lower) || this.defaults.has(lower)) {
      this.note(this.listed, unit);
      bad = true;
    }
    const space = charsetBits(p);
    if (space < MIN_BITS) {
      this.note(this.weak, unit);
      bad = true;
    }
    if (unit.index < ZXCVBN_SAMPLE) {
      const estimate = estimateStrength(p, [], { thorough: false });
      this.zxcvbnBits.push(estimate.bits);
      if (estimate.bits < ZXCVBN_MIN_BITS && space < ZXCVBN_TRUSTED_BELOW_BITS && !bad) {
        this.note(this.zxcvbnWeak, unit);
        bad = true;
      }
    }
    if (bad) this.flagged++;
    this.lengths.set(p.length, (this.lengths.get(p.length) ?? 0) + 1);
    if (/[a-z]/.test(p)) this.classes.lower++;
    if (/[A-Z]/.test(p)) this.classes.upper++;
    if (/[0-9]/.test(p)) this.classes.digit++;
    if (/[^a-zA-Z0-9]/.test(p)) this.classes.symbol++;
    const n = Math.min(p.length, MAX_POSITIONS);
    for (let i = 0; i < n; i++) {
      const code = p.charCodeAt(i) & 127;
      this.positions[i * 128 + code] = (this.positions[i * 128 + code] ?? 0) + 1;
      this.positionTotals[i] = (this.positionTotals[i] ?? 0) + 1;
    }
  }

  profile(units: number): BatchProfile {
    const fixedPositions: { position: number; share: number }[] = [];
    let entropy = 0;
    for (let i = 0; i < MAX_POSITIONS; i++) {
      const total = this.positionTotals[i] ?? 0;
      if (!total) continue;
      let top = 0;
      let h = 0;
      for (let c = 0; c < 128; c++) {
        const k = this.positions[i * 128 + c] ?? 0;
        if (!k) continue;
        top = Math.max(top, k);
        const q = k / total;
        h -= q * Math.log2(q);
      }
      entropy += h;
      if (units >= 20 && top / total >= 0.95) fixedPositions.push({ position: i + 1, share: top / total });
    }
    const sorted = [...this.zxcvbnBits].sort((a, b) => a - b);
    return {
      lengths: Object.fromEntries([...this.lengths.entries()].sort((a, b) => a[0] - b[0])),
      classes: { ...this.classes },
      fixedPositions,
      positionalEntropyBits: entropy,
      zxcvbn: { sampled: sorted.length, medianBits: sorted[Math.floor(sorted.length / 2)] ?? 0, weak: this.zxcvbnWeak.units },
    };
  }

  results(units: number): ConditionResult[] {
    const evidence: Evidence[] = [];
    if (this.listed.units) {
      evidence.push({ finding: `${this.listed.units} passwords are on the bundled default-credential or common-password lists.`, units: this.listed.units, exampleLines: this.listed.lines, examples: this.listed.examples });
    }
    if (this.weak.units) {
      evidence.push({
        finding: `${this.weak.units} passwords have under ${MIN_BITS} bits even by length and character set alone (short, or digits only).`,
        units: this.weak.units,
        exampleLines: this.weak.lines,
        examples: this.weak.examples,
      });
    }
    if (this.zxcvbnWeak.units) {
      evidence.push({
        finding: `${this.zxcvbnWeak.units} of ${this.zxcvbnBits.length} sampled passwords are estimated by zxcvbn at under ${ZXCVBN_MIN_BITS} bits (words, keyboard patterns, dates).`,
        units: this.zxcvbnWeak.units,
        exampleLines: this.zxcvbnWeak.lines,
        examples: this.zxcvbnWeak.examples,
      });
    }
    const profile = this.profile(units);
    if (profile.fixedPositions.length) {
      evidence.push({
        finding: `Character position${profile.fixedPositions.length > 1 ? 's' : ''} ${profile.fixedPositions.map((f) => f.position).join(', ')} hardly vary across the batch: a template, which carries no secret.`,
        units: 0,
        exampleLines: [],
      });
    }
    return [
      {
        id: 'psti.s1.1.3d',
        title: conditionTitles['psti.s1.1.3d'],
        verdict: this.flagged ? 'fail' : units ? 'pass' : 'not-tested',
        unitsAffected: this.flagged,
        share: units ? this.flagged / units : 0,
        summary: this.flagged
          ? `${this.flagged} passwords are guessable: listed, or under ${MIN_BITS} bits.`
          : `No password is on the lists or under ${MIN_BITS} bits; zxcvbn's median estimate on ${this.zxcvbnBits.length} sampled units is ${profile.zxcvbn.medianBits.toFixed(0)} bits.`,
        evidence,
        limits: `List look-ups and the length × character-set bound cover every unit; zxcvbn (without l33t substitutions) is run on the first ${ZXCVBN_SAMPLE} units only (it takes about a millisecond a password). A generator with little real randomness but a large alphabet can pass these tests: state the generator in the Statement of Compliance.`,
        related: ['etsi.5.1-2'],
      },
    ];
  }
}
