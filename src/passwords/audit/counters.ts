import { conditionTitles, mask, pushLine, type Check, type ConditionResult, type Evidence, type UnitView } from './types.ts';
import { lexicalKey, NumberColumn, serialNumber, spearman } from './statistics.ts';

// psti.s1.1.3a: passwords based on an incremental counter. Three signatures: (1) read as a number
// in some base, consecutive units differ by a few constant steps; (2) the numeric part rises with
// the serial number; (3) passwords sort in the order of the serials.

interface Reading {
  name: string;
  parse: (password: string) => number;
}

const readings: Reading[] = [
  {
    // Three digits at least: random passwords often end in a digit or two, whose small differences
    // repeat by chance; a counter's tail is longer (zero-padded, or past 100).
    name: 'the digits at the end, read in decimal',
    parse: (p) => {
      const m = /(\d{3,15})$/.exec(p);
      return m ? Number(m[1]) : Number.NaN;
    },
  },
  { name: 'the whole password read in hexadecimal', parse: (p) => (/^[0-9a-f]{1,13}$/i.test(p) ? Number.parseInt(p, 16) : Number.NaN) },
  { name: 'the whole password read in base 36', parse: (p) => (/^[0-9a-z]{1,10}$/i.test(p) ? Number.parseInt(p, 36) : Number.NaN) },
];

const MAX_TRACKED_STEPS = 64;
const CORRELATION_THRESHOLD = 0.9;
// Five random numbers come out in serial order once in 120 batches; ten, once in 3.6 million.
const MIN_CORRELATION_UNITS = 10;

class StepTracker {
  previous = Number.NaN;
  previousLine = 0;
  pairs = 0;
  readonly steps = new Map<number, { count: number; lines: number[] }>();
  overflow = false;

  see(value: number, line: number): void {
    if (!Number.isNaN(value) && !Number.isNaN(this.previous)) {
      this.pairs++;
      const step = value - this.previous;
      const known = this.steps.get(step);
      if (known) {
        known.count++;
        pushLine(known.lines, line);
      } else if (this.steps.size < MAX_TRACKED_STEPS) {
        this.steps.set(step, { count: 1, lines: [this.previousLine, line] });
      } else {
        this.overflow = true;
      }
    }
    this.previous = value;
    this.previousLine = line;
  }

  /** Steps seen at least twice: a counter repeats its step, random values almost never do. */
  repeatedSteps(): { step: number; count: number; lines: number[] }[] {
    return [...this.steps.entries()]
      .filter(([step, s]) => s.count >= 2 && step !== 0)
      .map(([step, s]) => ({ step, count: s.count, lines: s.lines }))
      .sort((a, b) => b.count - a.count);
  }
}

export class CounterCheck implements Check {
  private readonly trackers = readings.map(() => new StepTracker());
  private readonly serialColumn: string | undefined;
  private readonly serials = new NumberColumn();
  private readonly serialKeys = new NumberColumn();
  private readonly passwordNumbers = new NumberColumn();
  private readonly passwordKeys = new NumberColumn();
  private readonly firstLines: number[] = [];
  private readonly examples: string[] = [];
  private readonly showSecrets: boolean;

  constructor(serialColumn: string | undefined, showSecrets: boolean) {
    this.serialColumn = serialColumn;
    this.showSecrets = showSecrets;
  }

  observe(unit: UnitView): void {
    readings.forEach((r, i) => this.trackers[i]?.see(r.parse(unit.password), unit.line));
    if (this.firstLines.length < 3) {
      this.firstLines.push(unit.line);
      this.examples.push(mask(unit.password, this.showSecrets));
    }
    if (this.serialColumn) {
      const serial = unit.values[this.serialColumn] ?? '';
      const n = serialNumber(serial);
      this.serials.push(n);
      // Serials usually share a prefix ("SN-000…"), so their number orders them better than their text.
      this.serialKeys.push(Number.isNaN(n) ? lexicalKey(serial) : n);
      this.passwordNumbers.push(readings[0]?.parse(unit.password) ?? Number.NaN);
      this.passwordKeys.push(lexicalKey(unit.password));
    }
  }

  results(units: number): ConditionResult[] {
    const evidence: Evidence[] = [];
    let affected = 0;
    readings.forEach((reading, i) => {
      const t = this.trackers[i];
      // The reading must fit most of the batch: a few random passwords that happen to end in
      // digits have small, repeating differences by chance.
      if (!t || t.pairs < 2 || t.pairs < 0.5 * (units - 1)) return;
      const repeated = t.repeatedSteps();
      const top = repeated[0]?.count ?? 0;
      const explained = repeated.slice(0, 3).reduce((s, r) => s + r.count, 0);
      if (top / t.pairs < 0.5 && explained / t.pairs < 0.8) return;
      const stepText = repeated
        .slice(0, 3)
        .map((r) => `${r.step > 0 ? '+' : ''}${r.step}`)
        .join(', ');
      evidence.push({
        finding: `Read as ${reading.name}, consecutive passwords differ by ${stepText} in ${explained} of ${t.pairs} steps: a counter.`,
        units: explained + 1,
        exampleLines: repeated[0]?.lines ?? [],
        examples: this.examples,
      });
      affected = Math.max(affected, explained + 1);
    });

    if (this.serialColumn) {
      const numeric = this.paired(this.serials.view(), this.passwordNumbers.view());
      const rho = spearman(numeric.x, numeric.y);
      // The numbers must be where most passwords are, not a few that happen to end in digits.
      if (numeric.x.length >= MIN_CORRELATION_UNITS && numeric.x.length >= units / 2 && rho >= CORRELATION_THRESHOLD) {
        evidence.push({
          finding: `The number in the passwords rises with the ${this.serialColumn} (Spearman rank correlation ${rho.toFixed(3)} over ${numeric.x.length} units).`,
          units: numeric.x.length,
          exampleLines: this.firstLines,
          examples: this.examples,
        });
        affected = Math.max(affected, numeric.x.length);
      }
      const order = spearman(this.serialKeys.view(), this.passwordKeys.view());
      if (this.serialKeys.length >= MIN_CORRELATION_UNITS && order >= CORRELATION_THRESHOLD) {
        evidence.push({
          finding: `The passwords sort in the same order as the ${this.serialColumn} values (Spearman rank correlation ${order.toFixed(3)}).`,
          units: this.serialKeys.length,
          exampleLines: this.firstLines,
          examples: this.examples,
        });
        affected = Math.max(affected, this.serialKeys.length);
      }
    }
    affected = Math.min(affected, units);
    return [
      {
        id: 'psti.s1.1.3a',
        title: conditionTitles['psti.s1.1.3a'],
        verdict: evidence.length ? 'fail' : units < 3 ? 'not-tested' : 'pass',
        unitsAffected: affected,
        share: units ? affected / units : 0,
        summary: evidence.length
          ? `The passwords follow a counter (${evidence.length} signature${evidence.length > 1 ? 's' : ''} found).`
          : units < 3
            ? 'Too few units to look for a counter.'
            : `No counter found: no constant steps in unit order in decimal, hexadecimal or base 36${this.serialColumn ? `, and no rise with the ${this.serialColumn}` : ''}.`,
        evidence,
        limits: `Looks at units in file order${this.serialColumn ? ` and against the ${this.serialColumn} column` : ' (give a serial column to test against serials too)'}; a counter that is encrypted or shuffled with a secret cannot be seen, and is allowed.`,
        related: ['etsi.5.1-2'],
      },
    ];
  }

  private paired(x: Float64Array, y: Float64Array): { x: Float64Array; y: Float64Array } {
    const xs = new NumberColumn();
    const ys = new NumberColumn();
    for (let i = 0; i < x.length; i++) {
      const a = x[i] as number;
      const b = y[i] as number;
      if (!Number.isNaN(a) && !Number.isNaN(b)) {
        xs.push(a);
        ys.push(b);
      }
    }
    return { x: xs.view(), y: ys.view() };
  }
}
