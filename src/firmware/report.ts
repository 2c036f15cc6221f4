import { toSarif, type SarifRule } from '../output/sarif.ts';
import { findingRules, severities, type FindingRule, type Severity } from './inspect/finding.ts';
import type { ReportedFinding, ScanReport } from './scan-image.ts';

// How a scan is told: text for a person at a terminal, JSON for tools, SARIF for code scanning
// (GitHub, GitLab). Secrets are already masked in the findings unless --show-secrets was given.

export const failOnChoices = ['universal', ...severities, 'never'] as const;
export type FailOn = (typeof failOnChoices)[number];

/** Whether a report should fail the build: by default when any universal credential was found. */
export function fails(report: ScanReport, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  if (failOn === 'universal') return !report.summary.meetsPasswordDuty;
  const threshold = severities.indexOf(failOn);
  return report.findings.some((f) => severities.indexOf(f.severity) <= threshold);
}

export const whereOf = (f: ReportedFinding): string => `${f.location}/${f.path}${f.line ? `:${f.line}` : ''}`;

const ruleTitles: Record<FindingRule, string> = {
  'account-password': 'An account with a password fixed in the image',
  'account-empty-password': 'An account that logs in without a password',
  'account-known-password': 'An account whose password is a known default or common password',
  'service-default-credential': 'A service configured with a fixed credential',
  'service-no-authentication': 'A service that gives access without authentication',
  'insecure-service': 'A cleartext or unauthenticated network service',
  'hardcoded-credential': 'A credential written into a script, web page or binary',
  'private-key': 'A private key the same in every unit',
  'api-token': 'An API token or cloud key in the image',
  'snmp-community': 'An SNMP community string fixed in the image',
  'wifi-psk': 'A Wi-Fi passphrase fixed in the image',
};

export function scanText(reports: readonly ScanReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    out.push(`${r.target} (${r.kind}, ${r.size.toLocaleString('en-GB')} bytes${r.sha256 ? `, sha256 ${r.sha256}` : ''}) — ${(r.durationMs / 1000).toFixed(1)} s`);
    if (r.containers.length) {
      out.push(`  Unpacked ${r.containers.length} container${r.containers.length === 1 ? '' : 's'}:`);
      for (const c of r.containers.slice(0, 30)) out.push(`    ${c.location}  ${c.entries} entries, ${c.files} files`);
      if (r.containers.length > 30) out.push(`    … and ${r.containers.length - 30} more`);
    }
    if (r.findings.length === 0) out.push('  No findings.');
    for (const severity of severities) {
      const some = r.findings.filter((f) => f.severity === severity);
      if (!some.length) continue;
      out.push(`  ${severity.toUpperCase()} (${some.length})`);
      for (const f of some) {
        out.push(`    ${f.title}${f.universal ? '  [universal]' : ''}`);
        out.push(`      at ${whereOf(f)}`);
        out.push(`      ${f.evidence}`);
        out.push(`      rules: ${f.lawIds.join(', ')}`);
      }
    }
    if (r.problems.length) {
      out.push(`  Not read (${r.problems.length}):`);
      for (const p of r.problems.slice(0, 20)) out.push(`    ${p.location}${p.path ? `/${p.path}` : ''}${p.offset !== undefined ? ` @0x${p.offset.toString(16)}` : ''}: ${p.message}`);
      if (r.problems.length > 20) out.push(`    … and ${r.problems.length - 20} more (see --json)`);
    }
    out.push(`  ${r.summary.verdict}`);
    out.push('');
  }
  return out.join('\n');
}

const level = (s: Severity): 'error' | 'warning' | 'note' => (s === 'critical' || s === 'high' ? 'error' : s === 'medium' ? 'warning' : 'note');

export function scanSarif(reports: readonly ScanReport[], version: string): Record<string, unknown> {
  const rules: SarifRule[] = findingRules.map((id) => ({
    id,
    name: ruleTitles[id],
    description: `${ruleTitles[id]}. A credential fixed in firmware is the same on every unit, which PSTI Schedule 1 paragraph 1 and ETSI EN 303 645 5.1-1 forbid for passwords; keys and tokens are shared secrets (ETSI 5.4-3).`,
  }));
  return toSarif({
    toolName: 'connectable scan',
    toolVersion: version,
    rules,
    results: reports.flatMap((r) =>
      r.findings.map((f) => ({
        ruleId: f.rule,
        level: level(f.severity),
        message: `${f.title} at ${whereOf(f)}: ${f.evidence} (${f.lawIds.join(', ')})`,
        file: r.target,
        properties: { location: f.location, path: f.path, line: f.line ?? null, severity: f.severity, universal: f.universal, lawIds: f.lawIds },
      })),
    ),
  });
}

/** JSON never carries the secret field unless it was asked for. */
export function scanJson(reports: readonly ScanReport[], showSecrets: boolean): string {
  return JSON.stringify(
    reports.map((r) => ({ ...r, findings: r.findings.map(({ secret, ...f }) => (showSecrets && secret !== undefined ? { ...f, secret } : f)) })),
    null,
    2,
  );
}
