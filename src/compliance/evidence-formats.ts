// Which uploads count as evidence: only reports our own tools wrote — `connectable scan --json`,
// `connectable probe --json`, `connectable passwords audit --json`, bare or in the envelope that
// `--upload` sends. Anything else is refused with what was expected, so a hand-edited or foreign
// file can never turn a provision green. What is kept for the assessment is a summary: the verdict
// and the law ids each finding cites.
import crypto from 'node:crypto';
import { z } from 'zod';
import { invalidInput } from '../errors.ts';
import { isMasked, mask } from '../output/mask.ts';

export const evidenceKinds = ['firmware-scan', 'probe', 'password-audit'] as const;
export type EvidenceKind = (typeof evidenceKinds)[number];

export const evidenceKindLabels: Record<EvidenceKind, string> = {
  'firmware-scan': 'Firmware scan',
  probe: 'Network probe',
  'password-audit': 'Password batch audit',
};

/** The largest report accepted: a scan of a big image with many findings stays far below. */
export const MAX_EVIDENCE_BYTES = 8 * 1024 * 1024;

const lawIds = z.array(z.string().regex(/^(psti|etsi|cra|iso29147)\.[a-z0-9.-]+$/)).max(50);

const scanFinding = z.object({
  rule: z.string().max(100),
  severity: z.enum(['critical', 'high', 'medium', 'low', 'info']),
  path: z.string().max(4096),
  location: z.string().max(4096),
  title: z.string().max(1000),
  evidence: z.string().max(10_000),
  lawIds,
  universal: z.boolean(),
  line: z.number().int().optional(),
});

const scanReport = z.object({
  target: z.string().max(4096),
  kind: z.enum(['image', 'directory']),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  containers: z.array(z.unknown()).max(100_000),
  findings: z.array(scanFinding).max(100_000),
  problems: z.array(z.unknown()).max(100_000),
  summary: z.object({ meetsPasswordDuty: z.boolean(), universalCredentials: z.number().int().nonnegative(), verdict: z.string().max(10_000) }),
  durationMs: z.number().nonnegative(),
});
const scanReports = z.array(scanReport).min(1, 'The scan report lists no image.').max(100);

const probeFinding = z.object({
  rule: z.enum(['default-credential-accepted', 'any-credential-accepted', 'no-authentication']),
  severity: z.enum(['critical', 'high', 'medium']),
  endpoint: z.string().max(300),
  service: z.string().max(20),
  title: z.string().max(1000),
  evidence: z.string().max(10_000),
  lawIds,
  universal: z.boolean(),
});
const probeReport = z.object({
  startedAt: z.string().max(40),
  durationMs: z.number().nonnegative(),
  scope: z.array(z.string().max(100)).max(1_000_000),
  services: z.array(z.object({ endpoint: z.object({ host: z.string(), port: z.number().int(), service: z.string() }), state: z.string() }).passthrough()).max(1_000_000),
  interrupted: z.boolean(),
  findings: z.array(probeFinding).max(100_000),
  summary: z.object({ meetsPasswordDuty: z.boolean(), complete: z.boolean(), logins: z.number().int().nonnegative(), openServices: z.number().int().nonnegative(), verdict: z.string().max(10_000) }),
});

const auditReport = z.object({
  units: z.number().int().nonnegative(),
  verdict: z.enum(['pass', 'fail']),
  conditions: z
    .array(
      z.object({
        id: z.enum(['psti.s1.1.2a', 'psti.s1.1.3a', 'psti.s1.1.3b', 'psti.s1.1.3c', 'psti.s1.1.3d']),
        title: z.string().max(500),
        verdict: z.enum(['pass', 'fail', 'not-tested']),
        unitsAffected: z.number().int().nonnegative(),
        summary: z.string().max(10_000),
        related: z.array(z.string()).max(20),
      }),
    )
    .min(1)
    .max(20),
});

const envelope = z.object({
  format: z.literal('connectable.evidence/1'),
  kind: z.enum(evidenceKinds),
  tool: z.object({ name: z.string().max(100), version: z.string().max(40) }),
  report: z.unknown(),
});

/** One finding as the assessment sees it: which rules it breaks, in a line a person can read. */
export interface EvidenceFinding {
  lawIds: string[];
  text: string;
  universal: boolean;
}

export interface EvidenceSummary {
  kind: EvidenceKind;
  /** Whether this evidence, on its own, shows the password duty met. */
  passes: boolean;
  /** The tool's own verdict line. */
  verdict: string;
  /** What it looked at: image names and hashes, probed addresses, units audited. */
  subject: string;
  /** Law ids this evidence shows met (only what the tool can actually see). */
  shows: string[];
  findings: EvidenceFinding[];
  /** Whether the run covered everything it set out to (a probe stopped early is not a clean result). */
  complete: boolean;
}

export interface ParsedEvidence {
  kind: EvidenceKind;
  tool: string;
  report: unknown;
  summary: EvidenceSummary;
  sha256: string;
}

function issuesOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(top)'}: ${i.message}`)
    .join('; ');
}

const cap = <T>(items: T[], n: number): T[] => items.slice(0, n);

function summariseScan(reports: z.infer<typeof scanReports>): EvidenceSummary {
  const findings = reports.flatMap((r) =>
    r.findings.map((f) => ({ lawIds: f.lawIds, universal: f.universal, text: `${f.title} at ${f.location}/${f.path}${f.line ? `:${f.line}` : ''}: ${f.evidence}` })),
  );
  const passes = reports.every((r) => r.summary.meetsPasswordDuty);
  const unread = reports.reduce((n, r) => n + r.problems.length, 0);
  return {
    kind: 'firmware-scan',
    passes,
    verdict: reports.map((r) => r.summary.verdict).join(' '),
    subject: reports.map((r) => `${r.target.split('/').pop() ?? r.target}${r.sha256 ? ` (sha256 ${r.sha256.slice(0, 16)}…)` : ''}`).join(', '),
    // A static scan shows no fixed credential and no shared key in the image; it cannot show that
    // per-unit passwords are unique or unguessable (that is the batch audit's).
    shows: passes ? ['psti.s1.1.2a', 'etsi.5.1-1', ...(findings.some((f) => f.lawIds.includes('etsi.5.4-3')) ? [] : ['etsi.5.4-3'])] : [],
    findings: cap(findings, 200),
    complete: unread === 0,
  };
}

function summariseProbe(report: z.infer<typeof probeReport>): EvidenceSummary {
  return {
    kind: 'probe',
    passes: report.summary.meetsPasswordDuty,
    verdict: report.summary.verdict,
    subject: `${report.scope.length} address${report.scope.length === 1 ? '' : 'es'} (${cap(report.scope, 5).join(', ')}${report.scope.length > 5 ? ', …' : ''}), ${report.services.filter((s) => s.state === 'tested').length} services tested`,
    shows: report.summary.meetsPasswordDuty && report.summary.complete && report.findings.length === 0 ? ['etsi.5.1-1'] : [],
    findings: cap(
      report.findings.map((f) => ({ lawIds: f.lawIds, universal: f.universal, text: `${f.title}: ${f.evidence}` })),
      200,
    ),
    complete: report.summary.complete,
  };
}

function summariseAudit(report: z.infer<typeof auditReport>): EvidenceSummary {
  const failing = report.conditions.filter((c) => c.verdict === 'fail');
  return {
    kind: 'password-audit',
    passes: report.verdict === 'pass',
    verdict: report.verdict === 'pass' ? `PASS — ${report.units.toLocaleString('en-GB')} per-device passwords met every condition tested.` : `FAIL — ${failing.map((c) => `${c.id} ${c.title}`).join('; ')}.`,
    subject: `${report.units.toLocaleString('en-GB')} units`,
    shows: report.conditions.filter((c) => c.verdict === 'pass').flatMap((c) => [c.id, ...c.related]),
    findings: failing.map((c) => ({ lawIds: [c.id, ...c.related], universal: c.id === 'psti.s1.1.2a', text: `${c.title}: ${c.summary} (${c.unitsAffected.toLocaleString('en-GB')} units)` })),
    complete: report.conditions.every((c) => c.verdict !== 'not-tested'),
  };
}

/**
 * Reads an uploaded report. `expected` is the kind the caller says it is uploading, when it says;
 * the report itself must agree.
 */
export function parseEvidence(text: string, expected?: EvidenceKind): ParsedEvidence {
  if (Buffer.byteLength(text, 'utf8') > MAX_EVIDENCE_BYTES) {
    throw invalidInput(`The report is larger than ${MAX_EVIDENCE_BYTES / 2 ** 20} MiB. Upload the JSON report of one run (connectable scan|probe|passwords audit --json).`);
  }
  if (text.includes('"secret":')) {
    throw invalidInput('This report was made with --show-secrets and carries the passwords it found. Evidence never needs them: run the tool again without --show-secrets and upload that report.');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalidInput('The upload is not JSON. Upload the report that `connectable scan --json`, `connectable probe --json` or `connectable passwords audit --json` wrote, or use their --upload option.');
  }
  let tool = 'connectable';
  let declared: EvidenceKind | undefined;
  const wrapped = envelope.safeParse(data);
  if (wrapped.success) {
    if (!wrapped.data.tool.name.startsWith('connectable ')) throw invalidInput(`The report was written by "${wrapped.data.tool.name}", not by Connectable's own tools; only their reports count as evidence.`);
    tool = `${wrapped.data.tool.name} ${wrapped.data.tool.version}`;
    declared = wrapped.data.kind;
    data = wrapped.data.report;
  }
  const sha256 = crypto.createHash('sha256').update(text, 'utf8').digest('hex');
  const attempts: { kind: EvidenceKind; parse: () => EvidenceSummary | string }[] = [
    {
      kind: 'firmware-scan',
      parse: () => {
        const r = scanReports.safeParse(data);
        return r.success ? summariseScan(r.data) : issuesOf(r.error);
      },
    },
    {
      kind: 'probe',
      parse: () => {
        const r = probeReport.safeParse(data);
        return r.success ? summariseProbe(r.data) : issuesOf(r.error);
      },
    },
    {
      kind: 'password-audit',
      parse: () => {
        const r = auditReport.safeParse(data);
        return r.success ? summariseAudit(r.data) : issuesOf(r.error);
      },
    },
  ];
  const wanted = declared ?? expected;
  const order = wanted ? attempts.filter((a) => a.kind === wanted) : attempts;
  const problems: string[] = [];
  for (const attempt of order) {
    const summary = attempt.parse();
    if (typeof summary !== 'string') {
      if (expected && summary.kind !== expected) break;
      return { kind: summary.kind, report: withoutSecrets(data), tool: tool === 'connectable' ? `connectable ${summary.kind === 'firmware-scan' ? 'scan' : summary.kind === 'probe' ? 'probe' : 'passwords audit'}` : tool, summary, sha256 };
    }
    problems.push(`as a ${attempt.kind}: ${summary}`);
  }
  throw invalidInput(
    `This is not a Connectable ${wanted ? `${wanted} ` : ''}report (${problems.join(' | ') || `expected a ${expected} report`}). Upload the JSON that \`connectable scan --json\`, \`connectable probe --json\` or \`connectable passwords audit --json\` wrote, unchanged.`,
  );
}

/**
 * The report as it is kept: a report made with --show-secrets carries the passwords it found,
 * which evidence never needs — the finding and its masked form say enough.
 */
export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > 64) return null;
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'secret') continue;
      out[k] = k === 'password' && typeof v === 'string' ? (isMasked(v) ? v : mask(v)) : withoutSecrets(v, depth + 1);
    }
    return out;
  }
  return value;
}

/** The envelope `--upload` sends. */
export function evidenceEnvelope(kind: EvidenceKind, toolName: string, version: string, report: unknown): string {
  return JSON.stringify({ format: 'connectable.evidence/1', kind, tool: { name: toolName, version }, report });
}
