// What a probe run means under the law, and how it is told: text for a person, JSON for tools,
// SARIF for code scanning. A login that worked with a default credential is a universal default
// password (PSTI Schedule 1 paragraph 1; ETSI EN 303 645 5.1-1, and 5.1-2 since it is guessable).
import { mask } from '../output/mask.ts';
import { toSarif, type SarifRule } from '../output/sarif.ts';
import { where, type ProbeRun, type ServiceResult } from './run.ts';

export const probeFindingRules = ['default-credential-accepted', 'any-credential-accepted', 'no-authentication'] as const;
export type ProbeFindingRule = (typeof probeFindingRules)[number];

export interface ProbeFinding {
  rule: ProbeFindingRule;
  severity: 'critical' | 'high' | 'medium';
  endpoint: string;
  service: string;
  title: string;
  evidence: string;
  /** The password that worked; only in output when secrets were asked for. */
  secret?: string;
  lawIds: string[];
  /** A credential that works on every unit like this one: it breaks the password duty. */
  universal: boolean;
}

// A default that logs in is universal and guessable: paragraph 1(2) and 1(3)(d), ETSI 5.1-1/5.1-2.
export const DEFAULT_LOGIN_LAW = ['psti.s1.1', 'psti.s1.1.2a', 'psti.s1.1.3d', 'etsi.5.1-1', 'etsi.5.1-2'];
// A service that lets anyone in with any credential has, in effect, one password for every unit.
export const ANY_CREDENTIAL_LAW = ['psti.s1.1', 'psti.s1.1.2a', 'etsi.5.1-1'];
// Access with no authentication at all to a device interface: ETSI 5.5-5 (security-relevant
// functions only after authentication).
export const NO_AUTHENTICATION_LAW = ['etsi.5.5-5'];

const ruleTitles: Record<ProbeFindingRule, string> = {
  'default-credential-accepted': 'A default credential logs in',
  'any-credential-accepted': 'The service accepts any credential',
  'no-authentication': 'The service gives access without authentication',
};

function label(s: ServiceResult): string {
  return `${s.endpoint.service} on ${where(s.endpoint)}`;
}

/** The findings of one run, most severe first. */
export function probeFindings(run: ProbeRun, showSecrets = false): ProbeFinding[] {
  const findings: ProbeFinding[] = [];
  for (const s of run.services) {
    const at = where(s.endpoint);
    for (const login of s.logins) {
      const c = login.credential;
      const who = c.username === '' ? (s.endpoint.service === 'snmp' ? 'community' : 'password') : `user "${c.username}" with password`;
      if (login.control) {
        findings.push({
          rule: 'any-credential-accepted',
          severity: 'critical',
          endpoint: at,
          service: s.endpoint.service,
          title: `${label(s)} accepted a random credential`,
          evidence: `a random ${who} (the control attempt) was accepted: ${login.detail}`,
          lawIds: ANY_CREDENTIAL_LAW,
          universal: true,
        });
      } else {
        findings.push({
          rule: 'default-credential-accepted',
          severity: 'critical',
          endpoint: at,
          service: s.endpoint.service,
          title: `${label(s)} accepts a default credential`,
          evidence: `${who} ${mask(c.password, showSecrets)} (${c.source}) logged in: ${login.detail}`,
          secret: c.password,
          lawIds: DEFAULT_LOGIN_LAW,
          universal: true,
        });
      }
    }
    if (s.state === 'open-access') {
      const shell = s.endpoint.service === 'telnet' || s.endpoint.service === 'ssh';
      findings.push({
        rule: 'no-authentication',
        severity: shell ? 'critical' : 'high',
        endpoint: at,
        service: s.endpoint.service,
        title: `${label(s)} gives access without any credential`,
        evidence: s.openAccessEvidence ?? 'access without credentials',
        lawIds: NO_AUTHENTICATION_LAW,
        universal: false,
      });
    }
  }
  const order = { critical: 0, high: 1, medium: 2 };
  return findings.sort((a, b) => order[a.severity] - order[b.severity]);
}

export interface ProbeSummary {
  /** No default or arbitrary credential logged in anywhere that was tested. */
  meetsPasswordDuty: boolean;
  /** Every service found was tested to the end of its list (no caps, lock-outs, time-outs). */
  complete: boolean;
  logins: number;
  openServices: number;
  verdict: string;
}

export function probeSummary(run: ProbeRun, findings: readonly ProbeFinding[]): ProbeSummary {
  const logins = findings.filter((f) => f.universal).length;
  const openServices = findings.filter((f) => f.rule === 'no-authentication').length;
  const incomplete = run.services.filter((s) => s.state === 'failed' || s.state === 'not-tested' || (s.state === 'tested' && s.stop !== 'list-exhausted' && s.stop !== 'login-found' && s.stop !== 'accepts-any-credential'));
  const complete = !run.interrupted && incomplete.length === 0;
  const tested = run.services.filter((s) => s.state === 'tested').length;
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  let verdict: string;
  if (logins > 0) verdict = `Breaks the password duty (PSTI Schedule 1 paragraph 1, ETSI EN 303 645 5.1-1): ${plural(logins, 'login', 'logins')} with a default or arbitrary credential.`;
  else if (tested === 0 && openServices === 0) verdict = 'Nothing to judge: no service that takes a login answered on the targets and ports probed.';
  else if (tested === 0) verdict = 'No service asked for a login, so no credential was tried.';
  else if (!complete) verdict = `No default credential logged in, but the test is incomplete (${plural(incomplete.length, 'service', 'services')} stopped early — see each service's reason); do not rely on it as a clean result.`;
  else verdict = `No default credential logged in on ${plural(tested, 'service', 'services')} tested to the end of ${tested === 1 ? 'its list' : 'their lists'}.`;
  if (openServices > 0) verdict += ` ${plural(openServices, 'service gives', 'services give')} access without any credential (ETSI EN 303 645 5.5-5).`;
  return { meetsPasswordDuty: logins === 0, complete, logins, openServices, verdict };
}

export const probeFailOnChoices = ['login', 'default-credential', 'never'] as const;
export type ProbeFailOn = (typeof probeFailOnChoices)[number];

/** Exit 1 by default when anything logged in or let the probe in without a login. */
export function probeFails(findings: readonly ProbeFinding[], failOn: ProbeFailOn): boolean {
  if (failOn === 'never') return false;
  if (failOn === 'default-credential') return findings.some((f) => f.universal);
  return findings.length > 0;
}

const stopText: Record<string, string> = {
  'login-found': 'stopped at the first login that worked',
  'accepts-any-credential': 'the control attempt (a random credential) was accepted',
  'list-exhausted': 'every credential on the list was refused',
  'service-cap': 'stopped at the cap of attempts per service (--max-attempts)',
  'host-cap': 'stopped at the cap of attempts per host (--max-host-attempts)',
  'locked-out': 'stopped on a sign of lock-out',
  unresponsive: 'stopped: the service stopped answering',
  'time-limit': 'stopped at the time limit (--time-limit)',
  'no-login-needed': 'no login needed',
  'no-login-found': 'no credential to try',
};

function serviceLine(s: ServiceResult): string {
  const head = `${label(s)}`;
  const about = [s.fingerprint ? `${s.fingerprint.vendor}${s.fingerprint.product ? ` ${s.fingerprint.product}` : ''}` : '', s.banner ? `"${s.banner}"` : ''].filter(Boolean).join(' ');
  switch (s.state) {
    case 'closed':
      return `${head}: closed`;
    case 'other-service':
      return `${head}: something else answers${about ? ` (${about})` : ''}`;
    case 'no-answer':
      return `${head}: no answer (${s.problems[0] ?? 'timed out'})`;
    case 'failed':
      return `${head}: could not be tested — ${s.problems.join('; ')}`;
    case 'not-tested':
      return `${head}: not tested (${s.stop ? stopText[s.stop] : s.problems.join('; ')})`;
    case 'no-login':
      return `${head}${about ? ` ${about}` : ''}: answers, but offers no login to test (${s.problems.join('; ')})`;
    case 'open-access':
      return `${head}${about ? ` ${about}` : ''}: OPEN — ${s.openAccessEvidence ?? 'no login needed'}`;
    case 'tested': {
      const counts = { rejected: 0, error: 0, timeout: 0, 'locked-out': 0, success: 0 };
      for (const a of s.attempts) counts[a.outcome]++;
      const tried = `${s.attempts.length} of ${s.planned + 1} tried (control included): ${counts.rejected} refused${counts.timeout ? `, ${counts.timeout} timed out` : ''}${counts.error ? `, ${counts.error} failed` : ''}`;
      return `${head}${about ? ` ${about}` : ''}: ${tried}; ${s.stop ? stopText[s.stop] : ''}${s.problems.length && s.stop !== 'login-found' ? ` — ${s.problems.join('; ')}` : ''}`;
    }
  }
}

export function probeText(run: ProbeRun, findings: readonly ProbeFinding[], summary: ProbeSummary): string {
  const out: string[] = [];
  out.push(`Probed ${run.scope.length} address${run.scope.length === 1 ? '' : 'es'} in ${(run.durationMs / 1000).toFixed(1)} s${run.interrupted ? ' (stopped at the time limit)' : ''}`);
  const byHost = new Map<string, ServiceResult[]>();
  for (const s of run.services) byHost.set(s.endpoint.host, [...(byHost.get(s.endpoint.host) ?? []), s]);
  for (const [host, services] of byHost) {
    const shown = services.filter((s) => s.state !== 'closed');
    out.push(`  ${host}${shown.length === 0 ? ': no service answered on the ports probed' : ''}`);
    for (const s of shown) out.push(`    ${serviceLine(s)}`);
  }
  if (findings.length) {
    out.push('', `Findings (${findings.length})`);
    for (const f of findings) {
      out.push(`  ${f.severity.toUpperCase()} ${f.title}${f.universal ? '  [universal]' : ''}`);
      out.push(`    ${f.evidence}`);
      out.push(`    rules: ${f.lawIds.join(', ')}`);
    }
  }
  out.push('', summary.verdict);
  return out.join('\n');
}

/** JSON keeps passwords out unless secrets were asked for; control credentials are random anyway. */
export function probeJson(run: ProbeRun, findings: readonly ProbeFinding[], summary: ProbeSummary, showSecrets: boolean): string {
  const hide = (c: { username: string; password: string; source: string }): Record<string, string> => (showSecrets ? c : { username: c.username, password: mask(c.password, false), source: c.source });
  return JSON.stringify(
    {
      ...run,
      services: run.services.map((s) => ({
        ...s,
        attempts: s.attempts.map((a) => ({ ...a, credential: hide(a.credential) })),
        logins: s.logins.map((a) => ({ ...a, credential: hide(a.credential) })),
      })),
      findings: findings.map(({ secret, ...f }) => (showSecrets && secret !== undefined ? { ...f, secret } : f)),
      summary,
    },
    null,
    2,
  );
}

export function probeSarif(run: ProbeRun, findings: readonly ProbeFinding[], version: string): Record<string, unknown> {
  const rules: SarifRule[] = probeFindingRules.map((id) => ({
    id,
    name: ruleTitles[id],
    description: `${ruleTitles[id]}. A default or arbitrary credential that logs in is the same on every unit, which PSTI Schedule 1 paragraph 1 and ETSI EN 303 645 5.1-1 forbid; access without authentication breaks ETSI EN 303 645 5.5-5.`,
  }));
  return toSarif({
    toolName: 'connectable probe',
    toolVersion: version,
    rules,
    results: findings.map((f) => ({
      ruleId: f.rule,
      level: f.severity === 'medium' ? 'warning' : 'error',
      message: `${f.title}: ${f.evidence} (${f.lawIds.join(', ')})`,
      // Code scanning wants a location for every result: the service's address, as a URI.
      file: `${f.service}://${f.endpoint}`,
      properties: { endpoint: f.endpoint, service: f.service, severity: f.severity, universal: f.universal, lawIds: f.lawIds, startedAt: run.startedAt },
    })),
  });
}
