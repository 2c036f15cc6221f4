import { FingerprintSet } from '../fingerprint-set.ts';
import { conditionTitles, mask, pushLine, type Check, type ConditionResult, type UnitView } from './types.ts';

/** psti.s1.1.2a: no two units share a password. */
export class UniquenessCheck implements Check {
  private readonly seen = new FingerprintSet(1 << 16);
  private readonly repeated = new Map<string, { count: number; lines: number[] }>();
  private readonly showSecrets: boolean;

  constructor(showSecrets: boolean) {
    this.showSecrets = showSecrets;
  }

  observe(unit: UnitView): void {
    if (this.seen.add(unit.password)) return;
    const group = this.repeated.get(unit.password);
    if (group) {
      group.count++;
      pushLine(group.lines, unit.line);
    } else {
      // The first holder's line is not kept (that would cost memory per unit); the group counts it.
      this.repeated.set(unit.password, { count: 2, lines: [unit.line] });
    }
  }

  results(units: number): ConditionResult[] {
    const groups = [...this.repeated.entries()].sort((a, b) => b[1].count - a[1].count);
    const affected = groups.reduce((s, [, g]) => s + g.count, 0);
    return [
      {
        id: 'psti.s1.1.2a',
        title: conditionTitles['psti.s1.1.2a'],
        verdict: affected > 0 ? 'fail' : 'pass',
        unitsAffected: affected,
        share: units ? affected / units : 0,
        summary: affected
          ? `${affected} units share ${groups.length} password value(s); the largest group has ${groups[0]?.[1].count} units.`
          : `All ${units} passwords are different.`,
        evidence: groups.slice(0, 20).map(([value, g]) => ({
          finding: `${g.count} units have the same password`,
          units: g.count,
          exampleLines: g.lines,
          examples: [mask(value, this.showSecrets)],
        })),
        limits: 'Compares exact values; passwords that differ only in case are counted as different.',
        related: ['etsi.5.1-1'],
      },
    ];
  }
}
