import { toSarif } from '../../output/sarif.ts';
import type { AuditReport } from './audit.ts';
import { conditionIds, conditionTitles } from './types.ts';

const marks = { pass: 'PASS', fail: 'FAIL', 'not-tested': 'NOT TESTED' } as const;

const percent = (share: number): string => `${(100 * share).toFixed(share > 0 && share < 0.001 ? 3 : 1)}%`;

/** The report as a person reads it on a terminal. */
export function auditText(report: AuditReport, file: string): string {
  const lines: string[] = [];
  lines.push(`Batch audit of ${file}: ${report.units} units, password column "${report.columns.password}"`);
  lines.push(
    `Identifiers tested: ${report.columns.identifiers.map((c) => `${c.name} (${c.condition === 'psti.s1.1.3c' ? 'unique identifier' : 'public information'})`).join(', ') || 'none'}`,
  );
  if (report.malformedRows.count) {
    lines.push(`Skipped ${report.malformedRows.count} malformed rows:`);
    for (const p of report.malformedRows.first.slice(0, 10)) lines.push(`  line ${p.line}: ${p.message}`);
  }
  lines.push('');
  for (const c of report.conditions) {
    lines.push(`${marks[c.verdict].padEnd(10)} ${c.id}  ${c.title}`);
    lines.push(`           ${c.summary}${c.verdict === 'fail' ? ` (${c.unitsAffected} units, ${percent(c.share)})` : ''}`);
    for (const e of c.evidence.slice(0, 8)) {
      lines.push(`           - ${e.finding}`);
      if (e.exampleLines.length) lines.push(`             lines ${e.exampleLines.join(', ')}${e.examples?.length ? `; e.g. ${e.examples.join('; ')}` : ''}`);
    }
    lines.push(`           Limits: ${c.limits}`);
    lines.push('');
  }
  const p = report.profile;
  lines.push(
    `Profile: lengths ${Object.entries(p.lengths)
      .map(([l, n]) => `${l}×${n}`)
      .join(' ')}; with lower case ${p.classes.lower}, upper case ${p.classes.upper}, digits ${p.classes.digit}, symbols ${p.classes.symbol}; positional entropy ${p.positionalEntropyBits.toFixed(1)} bits`,
  );
  lines.push('');
  lines.push(`Overall: ${report.verdict === 'fail' ? 'FAIL — the batch does not meet psti.s1.1 (ETSI EN 303 645 5.1-1/5.1-2)' : 'PASS — no failure found by these tests'}`);
  return lines.join('\n');
}

/** SARIF for code-scanning dashboards: one result per failing condition, pointing at sample lines. */
export function auditSarif(report: AuditReport, file: string, version: string): Record<string, unknown> {
  return toSarif({
    toolName: 'connectable passwords audit',
    toolVersion: version,
    rules: conditionIds.map((id) => ({ id, name: conditionTitles[id], description: `PSTI Regulations 2023, Schedule 1 paragraph 1: ${conditionTitles[id]}.` })),
    results: report.conditions
      .filter((c) => c.verdict === 'fail')
      .map((c) => ({
        ruleId: c.id,
        level: 'error' as const,
        message: `${c.summary} ${c.evidence.map((e) => e.finding).join(' ')}`.trim(),
        file,
        lines: [...new Set(c.evidence.flatMap((e) => e.exampleLines))].sort((a, b) => a - b),
        properties: { unitsAffected: c.unitsAffected, share: c.share, related: c.related },
      })),
  });
}
