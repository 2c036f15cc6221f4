// The assessment of one product (and hardware revision) against the law: every provision with a
// status, the reason, the evidence behind it and who or what judged it. Pure: the facts come in
// (current evidence, judgements, the published disclosure policy, kept promises, the support
// period) and the verdicts come out, so the console, the API, the exports and the Statement all
// say the same thing.
//
// The precedence: evidence that shows a provision broken always wins — a new firmware scan with a
// universal password re-opens what a person or an older scan had closed, and only a clean scan
// closes it again. Otherwise the newer of the tool's evidence and a person's judgement counts.
import type { PromiseRecord } from '../disclosure/index.ts';
import type { Requirement } from '../law/index.ts';
import { evidenceKindLabels, type EvidenceKind } from './evidence-formats.ts';
import type { Evidence } from './evidence.ts';
import type { AssessmentStatus, Judgement } from './judgements.ts';

export interface DisclosureFacts {
  /** When the policy was published; null while it is a draft. */
  publishedAt: Date | null;
  acknowledgeHours: number;
  updateIntervalDays: number;
  /** The public page of the policy and report form. */
  url: string;
  /** Whether security.txt is signed with the maker's OpenPGP key. */
  securityTxtSigned: boolean;
}

export interface SupportFacts {
  endDate: string;
  atLeast: boolean;
  publishedAt: Date | null;
}

export interface AssessmentInput {
  provisions: readonly Requirement[];
  evidence: Partial<Record<EvidenceKind, Evidence>>;
  judgements: ReadonlyMap<string, Judgement>;
  disclosure: DisclosureFacts;
  promises: PromiseRecord | null;
  supportPeriod: SupportFacts | null;
  now: Date;
}

export interface ProvisionAssessment {
  id: string;
  reference: string;
  title: string;
  source: Requirement['source'];
  mandatory: boolean;
  status: AssessmentStatus;
  reason: string;
  /** One line per piece of evidence behind the status. */
  evidence: string[];
  /** Ids of the stored evidence it rests on, for links. */
  evidenceIds: string[];
  /** 'evidence' (a tool or the platform's own records), a person's label, or '' when nobody has. */
  judgedBy: string;
  judgedAt: Date | null;
  /** What to do to move it on, when it is not met or not assessed. */
  nextAction: string | null;
}

const PASSWORD_FAMILY = ['psti.s1.1', 'psti.s1.1.2a', 'psti.s1.1.2b', 'psti.s1.1.3a', 'psti.s1.1.3b', 'psti.s1.1.3c', 'psti.s1.1.3d', 'etsi.5.1-1', 'etsi.5.1-2'];
const REPORTING_FAMILY = ['psti.s1.2', 'psti.s1.2.1', 'psti.s1.2.2', 'psti.s1.2.3', 'psti.s1.2.4', 'etsi.5.2-1', 'iso29147.6.2.2'];
const SUPPORT_FAMILY = ['psti.s1.3', 'psti.s1.3.1', 'psti.s1.3.2', 'psti.s1.3.4', 'psti.s1.3.5', 'etsi.5.3-13'];
/** Definitions inside Schedule 1, not conditions a product meets or breaks. */
const DEFINITIONS = ['psti.s1.1.1', 'psti.s1.1.4'];

const date = (d: Date): string => d.toISOString().slice(0, 10);

function evidenceLine(e: Evidence): string {
  return `${evidenceKindLabels[e.kind]}${e.firmwareVersion ? ` of firmware ${e.firmwareVersion}` : ''}${e.hardwareRevision ? ` (revision ${e.hardwareRevision})` : ''}, ${date(e.createdAt)}, ${e.summary.subject}: ${e.summary.verdict}`;
}

interface Automatic {
  status: AssessmentStatus;
  reason: string;
  evidence: string[];
  evidenceIds: string[];
  at: Date | null;
  nextAction: string | null;
}

const UPLOAD_SCAN = 'Scan the release image and upload the result: connectable scan IMAGE --upload --product PRODUCT --firmware-version VERSION (or Console → Compliance → Upload).';
const AUDIT_BATCH = 'Audit a batch of the per-device passwords (connectable passwords audit BATCH.csv --json, then upload), or, if every password is set by the user at first use, record that here.';

/** What the tools and the platform's own records say of one provision, if anything. */
function automatic(id: string, input: AssessmentInput): Automatic | undefined {
  const current = Object.values(input.evidence).filter((e): e is Evidence => e !== undefined);
  const breaking = current.flatMap((e) => e.summary.findings.filter((f) => f.lawIds.includes(id)).map((f) => ({ e, f })));
  if (breaking.length > 0) {
    const first = breaking[0];
    const sources = [...new Set(breaking.map((b) => b.e))];
    return {
      status: 'not_met',
      reason: `${breaking.length} finding${breaking.length === 1 ? '' : 's'} break${breaking.length === 1 ? 's' : ''} it; first: ${first?.f.text ?? ''}`,
      evidence: sources.map(evidenceLine),
      evidenceIds: sources.map((e) => e.id),
      at: sources.reduce<Date | null>((t, e) => (t && t > e.createdAt ? t : e.createdAt), null),
      nextAction: `Remove the universal credential${sources.some((e) => e.kind === 'firmware-scan') ? ' from the image' : ''}, then upload a clean ${sources.map((e) => evidenceKindLabels[e.kind].toLowerCase()).join(' and ')} of the fixed firmware.`,
    };
  }
  const showing = current.filter((e) => e.summary.shows.includes(id));
  if (showing.length > 0) {
    return {
      status: 'met',
      reason: showing.map((e) => `${evidenceKindLabels[e.kind]}: ${e.summary.verdict}`).join(' '),
      evidence: showing.map(evidenceLine),
      evidenceIds: showing.map((e) => e.id),
      at: showing.reduce<Date | null>((t, e) => (t && t > e.createdAt ? t : e.createdAt), null),
      nextAction: null,
    };
  }
  if (REPORTING_FAMILY.includes(id)) {
    const d = input.disclosure;
    if (!d.publishedAt) {
      return { status: 'not_met', reason: 'No vulnerability disclosure policy is published.', evidence: [], evidenceIds: [], at: null, nextAction: 'Publish the disclosure policy: Console → Disclosure policy → Publish.' };
    }
    const line = `Disclosure policy published ${date(d.publishedAt)} at ${d.url}: acknowledgement within ${d.acknowledgeHours} hours, status updates at least every ${d.updateIntervalDays} days; the report form is free, in English, needs no account or personal details; security.txt${d.securityTxtSigned ? ' (OpenPGP-signed)' : ''} names it.`;
    return { status: 'met', reason: line, evidence: [line], evidenceIds: [], at: d.publishedAt, nextAction: null };
  }
  if (id === 'etsi.5.2-2') {
    const p = input.promises;
    if (!p || p.reports === 0) return undefined;
    const missed = p.triage.missed + p.fix.missed;
    const line = `Promise record: ${p.reports} reports; triage ${p.triage.kept} kept / ${p.triage.missed} missed; fixes ${p.fix.kept} kept / ${p.fix.missed} missed; ${p.overdueNow} overdue now.`;
    return missed > 0
      ? { status: 'not_met', reason: `${missed} promised deadline${missed === 1 ? ' was' : 's were'} missed. ${line}`, evidence: [line], evidenceIds: [], at: input.now, nextAction: 'Answer overdue reports (Console → Reports) and keep to the policy’s deadlines.' }
      : { status: 'met', reason: line, evidence: [line], evidenceIds: [], at: input.now, nextAction: null };
  }
  if (SUPPORT_FAMILY.includes(id)) {
    const s = input.supportPeriod;
    if (!s || !s.publishedAt) {
      return { status: 'not_met', reason: 'No support period is published for this product.', evidence: [], evidenceIds: [], at: null, nextAction: 'Publish the support period end date: Console → Products → this product → Support period.' };
    }
    const line = `Support period published ${date(s.publishedAt)}: security updates ${s.atLeast ? 'at least ' : ''}until ${s.endDate}; the registry refuses any shortening and keeps every change.`;
    return { status: 'met', reason: line, evidence: [line], evidenceIds: [], at: s.publishedAt, nextAction: null };
  }
  if (DEFINITIONS.includes(id)) {
    return { status: 'not_applicable', reason: 'A definition within Schedule 1, not a condition a product meets or breaks.', evidence: [], evidenceIds: [], at: null, nextAction: null };
  }
  return undefined;
}

function nextActionFor(id: string, input: AssessmentInput): string {
  if (['psti.s1.1', 'psti.s1.1.2a', 'etsi.5.1-1', 'etsi.5.4-3'].includes(id)) return input.evidence['firmware-scan'] ? 'Look at the scan’s findings, or judge it here with the reason.' : UPLOAD_SCAN;
  if (['psti.s1.1.3a', 'psti.s1.1.3b', 'psti.s1.1.3c', 'psti.s1.1.3d', 'etsi.5.1-2', 'psti.s1.1.2b'].includes(id)) return AUDIT_BATCH;
  if (id === 'psti.s1.3.3') return 'Confirm that your own listings and advertisements show the support period (the widget and labels do it), and record it here.';
  if (id === 'etsi.5.2-2') return 'Nothing to do until reports arrive: the promise record fills in by itself.';
  return 'Judge it here: met, not met or not applicable, with the reason.';
}

/** Assesses every provision given; PSTI's parent requirements roll up their conditions. */
export function assess(input: AssessmentInput): ProvisionAssessment[] {
  const out = new Map<string, ProvisionAssessment>();
  for (const p of input.provisions) {
    const auto = automatic(p.id, input);
    const person = input.judgements.get(p.id);
    let chosen: { status: AssessmentStatus; reason: string; evidence: string[]; evidenceIds: string[]; judgedBy: string; judgedAt: Date | null; nextAction: string | null };
    const fromPerson = person ? { status: person.status, reason: person.reason, evidence: [], evidenceIds: [], judgedBy: person.judgedBy, judgedAt: person.judgedAt, nextAction: null } : undefined;
    const fromAuto = auto ? { ...auto, judgedBy: 'evidence', judgedAt: auto.at } : undefined;
    if (fromAuto?.status === 'not_met') chosen = fromAuto;
    else if (fromAuto && fromPerson) chosen = (fromPerson.judgedAt?.getTime() ?? 0) > (fromAuto.judgedAt?.getTime() ?? 0) ? { ...fromPerson, evidence: fromAuto.evidence, evidenceIds: fromAuto.evidenceIds } : fromAuto;
    else chosen = fromAuto ?? fromPerson ?? { status: 'not_assessed', reason: 'No evidence and no judgement yet.', evidence: [], evidenceIds: [], judgedBy: '', judgedAt: null, nextAction: null };
    if (chosen.status === 'not_met' || chosen.status === 'not_assessed') chosen.nextAction ??= nextActionFor(p.id, input);
    out.set(p.id, {
      id: p.id,
      reference: p.reference,
      title: p.title,
      source: p.source,
      mandatory: p.source === 'psti' || p.status === 'mandatory',
      ...chosen,
    });
  }
  rollUp(out, 'psti.s1.1', [['psti.s1.1.2a', 'psti.s1.1.2b'], ['psti.s1.1.3a'], ['psti.s1.1.3b'], ['psti.s1.1.3c'], ['psti.s1.1.3d']]);
  rollUp(out, 'etsi.5.1-2', [['psti.s1.1.3a'], ['psti.s1.1.3b'], ['psti.s1.1.3c'], ['psti.s1.1.3d']]);
  rollUp(out, 'psti.s1.2', [['psti.s1.2.1'], ['psti.s1.2.2'], ['psti.s1.2.3'], ['psti.s1.2.4']]);
  rollUp(out, 'psti.s1.3', [['psti.s1.3.1'], ['psti.s1.3.2'], ['psti.s1.3.3'], ['psti.s1.3.4'], ['psti.s1.3.5']]);
  return [...out.values()];
}

/**
 * A requirement made of conditions: not met when any condition is, met when every condition is
 * met or does not apply (each group is "one of these"), otherwise not yet assessed. A person's or
 * the tool's own verdict on the parent stands only where the conditions do not contradict it.
 */
function rollUp(all: Map<string, ProvisionAssessment>, parentId: string, groups: string[][]): void {
  const parent = all.get(parentId);
  if (!parent) return;
  const settled = (s: AssessmentStatus | undefined): boolean => s === 'met' || s === 'not_applicable';
  const broken = groups.flat().map((id) => all.get(id)).filter((a): a is ProvisionAssessment => a?.status === 'not_met');
  if (broken.length > 0) {
    const first = broken[0];
    all.set(parentId, {
      ...parent,
      status: 'not_met',
      reason: `Not met: ${broken.map((b) => b.id).join(', ')}. ${first?.reason ?? ''}`,
      evidence: [...new Set(broken.flatMap((b) => b.evidence))],
      evidenceIds: [...new Set(broken.flatMap((b) => b.evidenceIds))],
      judgedBy: first?.judgedBy ?? parent.judgedBy,
      judgedAt: first?.judgedAt ?? parent.judgedAt,
      nextAction: first?.nextAction ?? parent.nextAction,
    });
    return;
  }
  const open = groups.filter((g) => !g.some((id) => settled(all.get(id)?.status)));
  if (open.length === 0) {
    if (parent.status !== 'met') {
      const children = groups.flat().map((id) => all.get(id)).filter((a): a is ProvisionAssessment => a !== undefined && settled(a.status));
      all.set(parentId, { ...parent, status: 'met', reason: `Every condition is met or does not apply: ${children.map((c) => `${c.id} ${c.status === 'met' ? 'met' : 'n/a'}`).join(', ')}.`, evidence: [...new Set(children.flatMap((c) => c.evidence))], evidenceIds: [...new Set(children.flatMap((c) => c.evidenceIds))], judgedBy: 'evidence', nextAction: null });
    }
    return;
  }
  const waiting = open.map((g) => g.join(' or '));
  const firstOpen = all.get(open[0]?.[0] ?? '');
  all.set(parentId, { ...parent, status: 'not_assessed', reason: `Waiting on ${waiting.join(', ')}.`, nextAction: firstOpen?.nextAction ?? parent.nextAction });
}

/** The PSTI requirements a Statement of Compliance declares, and which of them stop it. */
export const STATEMENT_REQUIREMENTS = ['psti.s1.1', 'psti.s1.2', 'psti.s1.3'] as const;

export function blockersOfStatement(assessment: readonly ProvisionAssessment[]): ProvisionAssessment[] {
  const ids = new Set<string>([...STATEMENT_REQUIREMENTS, ...PASSWORD_FAMILY.filter((id) => id.startsWith('psti.')), ...REPORTING_FAMILY.filter((id) => id.startsWith('psti.')), ...SUPPORT_FAMILY, 'psti.s1.3.3']);
  const settled = (id: string): boolean => ['met', 'not_applicable'].includes(assessment.find((a) => a.id === id)?.status ?? '');
  // Paragraph 1(2) is either-or: unique per product, or defined by the user.
  const alternative: Record<string, string> = { 'psti.s1.1.2a': 'psti.s1.1.2b', 'psti.s1.1.2b': 'psti.s1.1.2a' };
  return assessment.filter((a) => {
    if (!ids.has(a.id) || !a.id.startsWith('psti.') || settled(a.id)) return false;
    const other = alternative[a.id];
    return !(other && settled(other) && a.status !== 'not_met');
  });
}
