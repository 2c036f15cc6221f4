// CSAF 2.0 security advisories (OASIS CSAF 2.0, profile csaf_security_advisory), built as plain data
// from an advisory and checked with BSI's csaf-validator-lib: the strict JSON schema and every
// mandatory test (§6.1). Nothing here reads a database or a clock; callers pass every date.

import type { CsafDocumentTest, CsafTestOutcome } from '@secvisogram/csaf-validator-lib/validate.js';
import { weaknesses } from '@secvisogram/csaf-validator-lib/cwe.js';
import connectablePackage from '../../package.json' with { type: 'json' };
import { invalidInput } from '../errors.ts';

export interface AdvisoryPublisher {
  name: string;
  /** https URL of the maker on this platform; CSAF uses it to tell publishers of the same name apart. */
  namespace: string;
  contactDetails: string;
}

export interface AdvisoryForCsaf {
  trackingId: string;
  title: string;
  /** The public description. */
  summary: string;
  /** '' when none was given. */
  remediation: string;
  /** '' when none was given. */
  workaround: string;
  /** Finders who agreed to be credited, one per line; '' when none. */
  acknowledgement: string;
  publisher: AdvisoryPublisher;
  /** RED while a draft (never served publicly), WHITE once published. */
  tlp: 'WHITE' | 'RED';
  status: 'draft' | 'final';
  /** Oldest first, at least one; integer versions ('1', '2', …). */
  revisions: { version: string; date: Date; summary: string }[];
  initialReleaseDate: Date;
  currentReleaseDate: Date;
  products: {
    /** A stable uuid; it becomes the CSAF product id of the affected version range. */
    id: string;
    vendor: string;
    name: string;
    model: string;
    /** First affected version; '' means every earlier version is affected. */
    introduced: string;
    /** First fixed version; '' means there is no fix yet. */
    fixed: string;
  }[];
  vulnerabilities: {
    /** The internal report reference; it becomes `ids[]` with the publisher as system. */
    reference: string;
    title: string;
    cve: string | null;
    cwe: { id: string; name: string } | null;
    cvss: { version: '3.1' | '4.0'; vector: string; score: number; severity: string } | null;
    productIds: string[];
    releaseDate: Date;
  }[];
  /** https URL of the published JSON (document reference of category 'self'). */
  selfUrl: string;
  /** The human-readable page. */
  htmlUrl: string;
}

// ---- The parts of a CSAF 2.0 document this module emits ----------------------------------------

export type CsafNoteCategory = 'description' | 'details' | 'faq' | 'general' | 'legal_disclaimer' | 'other' | 'summary';

export interface CsafNote {
  category: CsafNoteCategory;
  text: string;
  title?: string;
}

export interface CsafReference {
  category: 'external' | 'self';
  summary: string;
  url: string;
}

export interface CsafPublisher {
  category: 'vendor';
  name: string;
  namespace: string;
  contact_details?: string;
}

export interface CsafRevision {
  date: string;
  number: string;
  summary: string;
}

export interface CsafTracking {
  id: string;
  status: 'draft' | 'final';
  version: string;
  revision_history: CsafRevision[];
  initial_release_date: string;
  current_release_date: string;
  generator: { engine: { name: string; version: string } };
}

export interface CsafFullProductName {
  name: string;
  product_id: string;
}

export type CsafBranchCategory = 'vendor' | 'product_name' | 'product_version' | 'product_version_range';

/** A branch holds either further branches or, at a leaf, the product it names. */
export interface CsafBranch {
  category: CsafBranchCategory;
  name: string;
  branches?: CsafBranch[];
  product?: CsafFullProductName;
}

export interface CsafCvssV3 {
  version: '3.1';
  vectorString: string;
  baseScore: number;
  baseSeverity: 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
}

export interface CsafRemediation {
  category: 'vendor_fix' | 'workaround' | 'none_available';
  details: string;
  product_ids: string[];
}

export interface CsafVulnerability {
  title: string;
  ids: { system_name: string; text: string }[];
  cve?: string;
  cwe?: { id: string; name: string };
  notes: CsafNote[];
  product_status: { known_affected?: string[]; fixed?: string[] };
  remediations: CsafRemediation[];
  scores?: { products: string[]; cvss_v3: CsafCvssV3 }[];
  references?: CsafReference[];
  release_date: string;
}

export interface CsafDocument {
  document: {
    category: 'csaf_security_advisory';
    csaf_version: '2.0';
    title: string;
    lang: 'en';
    publisher: CsafPublisher;
    distribution: { text?: string; tlp: { label: 'WHITE' | 'RED'; url: string } };
    notes: CsafNote[];
    references: CsafReference[];
    acknowledgments?: { names: string[] }[];
    tracking: CsafTracking;
  };
  product_tree: { branches: CsafBranch[] };
  vulnerabilities: CsafVulnerability[];
}

// ---- Building ------------------------------------------------------------------------------------

type Product = AdvisoryForCsaf['products'][number];
type Vulnerability = AdvisoryForCsaf['vulnerabilities'][number];

const TLP_URL = 'https://www.first.org/tlp/';

/** Turns an advisory into a CSAF 2.0 security advisory; `validateCsaf` says whether it conforms. */
export function buildCsaf(a: AdvisoryForCsaf): CsafDocument {
  const latest = a.revisions.at(-1);
  // The document version must be the latest revision's number (test 6.1.16); with no revision
  // there is nothing to derive it from, so this is a caller's mistake, not a document to validate.
  if (!latest) throw invalidInput('An advisory needs at least one revision before it can be written as CSAF.', { revisions: 'At least one revision is required.' });

  const products = new Map(a.products.map((p) => [p.id, p]));
  const acknowledged = a.acknowledgement
    .split('\n')
    .map((n) => n.trim())
    .filter((n) => n !== '');

  return {
    document: {
      category: 'csaf_security_advisory',
      csaf_version: '2.0',
      title: a.title,
      lang: 'en',
      publisher: {
        category: 'vendor',
        name: a.publisher.name,
        namespace: a.publisher.namespace,
        ...(a.publisher.contactDetails.trim() ? { contact_details: a.publisher.contactDetails.trim() } : {}),
      },
      distribution: {
        ...(a.tlp === 'RED' ? { text: 'Draft under review by the publisher; not for distribution.' } : {}),
        tlp: { label: a.tlp, url: TLP_URL },
      },
      notes: [{ category: 'summary', title: 'Summary', text: a.summary }],
      references: [
        { category: 'self', summary: 'Canonical URL of this CSAF document', url: a.selfUrl },
        { category: 'external', summary: 'Human-readable version of this advisory', url: a.htmlUrl },
      ],
      ...(acknowledged.length > 0 ? { acknowledgments: [{ names: acknowledged }] } : {}),
      tracking: {
        id: a.trackingId,
        status: a.status,
        version: latest.version,
        revision_history: a.revisions.map((r) => ({ date: r.date.toISOString(), number: r.version, summary: r.summary })),
        initial_release_date: a.initialReleaseDate.toISOString(),
        current_release_date: a.currentReleaseDate.toISOString(),
        generator: { engine: { name: 'Connectable', version: connectablePackage.version } },
      },
    },
    product_tree: { branches: productBranches(a.products) },
    vulnerabilities: a.vulnerabilities.map((v) => vulnerability(a, v, products)),
  };
}

/** The id of the fixed version of a product; the product's own id names its affected range. */
export function fixedProductId(productId: string): string {
  return `${productId}:fixed`;
}

/** vendor → product name → (affected range, and the fixed version when there is one). */
function productBranches(products: Product[]): CsafBranch[] {
  const vendors = new Map<string, Map<string, CsafBranch[]>>();
  for (const p of products) {
    const byName = vendors.get(p.vendor) ?? new Map<string, CsafBranch[]>();
    vendors.set(p.vendor, byName);
    const name = productName(p);
    const leaves = byName.get(name) ?? [];
    byName.set(name, leaves);
    const label = productLabel(p);
    leaves.push({
      category: 'product_version_range',
      name: versRange(p.introduced, p.fixed),
      product: { name: `${label} ${rangeText(p.introduced, p.fixed)}`, product_id: p.id },
    });
    if (p.fixed) {
      leaves.push({
        category: 'product_version',
        name: p.fixed,
        product: { name: `${label} ${p.fixed}`, product_id: fixedProductId(p.id) },
      });
    }
  }
  return [...vendors].map(([vendor, byName]) => ({
    category: 'vendor',
    name: vendor,
    branches: [...byName].map(([name, leaves]) => ({ category: 'product_name', name, branches: leaves })),
  }));
}

function productName(p: Product): string {
  return p.model && !p.name.includes(p.model) ? `${p.name} ${p.model}` : p.name;
}

/**
 * What a reader sees for a product. Names usually carry the brand ('Acme Video Doorbell' from
 * 'Acme Devices'); the vendor is put in front only when the name does not already begin with its
 * first word, so the label neither stutters nor loses who made the thing.
 */
function productLabel(p: Product): string {
  const name = productName(p);
  const brand = p.vendor.trim().split(/\s+/u)[0]?.toLowerCase() ?? '';
  const first = name.trim().split(/\s+/u)[0]?.toLowerCase() ?? '';
  return brand === '' || brand === first ? name : `${p.vendor} ${name}`;
}

/**
 * A version range in the `vers` notation, which CSAF 2.0 recommends for product_version_range
 * (§3.1.2.3.2, and test 6.1.31 forbids ranges in product_version). `vers:all/*` is vers's own way
 * to say every version.
 */
export function versRange(introduced: string, fixed: string): string {
  const constraints = [introduced ? `>=${versVersion(introduced)}` : '', fixed ? `<${versVersion(fixed)}` : ''].filter((c) => c !== '');
  return constraints.length === 0 ? 'vers:all/*' : `vers:generic/${constraints.join('|')}`;
}

// vers separates constraints with '|' and compares with '<', '>', '=', '!'; a version holding any of
// those, or anything outside the usual version characters, is percent-encoded as in purl.
function versVersion(version: string): string {
  return version.replace(/[^A-Za-z0-9.\-_~+]/gu, (c) =>
    [...new TextEncoder().encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

function rangeText(introduced: string, fixed: string): string {
  if (introduced && fixed) return `>=${introduced} <${fixed}`;
  if (fixed) return `<${fixed}`;
  if (introduced) return `>=${introduced}`;
  return 'all versions';
}

function vulnerability(a: AdvisoryForCsaf, v: Vulnerability, products: Map<string, Product>): CsafVulnerability {
  const affected = [...new Set(v.productIds)];
  const withFix = affected.filter((id) => (products.get(id)?.fixed ?? '') !== '');
  const notes: CsafNote[] = [{ category: 'description', title: 'Vulnerability description', text: v.title }];
  const scores: CsafVulnerability['scores'] = [];
  if (v.cvss?.version === '3.1') {
    scores.push({
      products: affected,
      cvss_v3: { version: '3.1', vectorString: v.cvss.vector, baseScore: v.cvss.score, baseSeverity: cvss3Severity(v.cvss.score) },
    });
  } else if (v.cvss?.version === '4.0') {
    // The CSAF 2.0 schema knows CVSS v2 and v3 only (v4 arrives with CSAF 2.1), so a 4.0 vector is
    // carried as a note rather than dropped.
    notes.push({ category: 'other', title: 'CVSS v4.0', text: `${v.cvss.vector} (base score ${v.cvss.score}, ${v.cvss.severity.toLowerCase()})` });
  }
  return {
    title: v.title,
    ids: [{ system_name: a.publisher.name, text: v.reference }],
    ...(v.cve ? { cve: v.cve } : {}),
    // The validator checks the name against its own CWE list (test 6.1.11); its name wins, so a
    // CWE renamed by MITRE since the report was scored still validates.
    ...(v.cwe ? { cwe: { id: v.cwe.id, name: cweName(v.cwe.id) ?? v.cwe.name } } : {}),
    notes,
    product_status: {
      ...(affected.length > 0 ? { known_affected: affected } : {}),
      ...(withFix.length > 0 ? { fixed: withFix.map(fixedProductId) } : {}),
    },
    remediations: remediations(a, affected, withFix, products),
    ...(scores.length > 0 ? { scores } : {}),
    ...(v.cve ? { references: [{ category: 'external', summary: `${v.cve} on cve.org`, url: `https://www.cve.org/CVERecord?id=${v.cve}` }] } : {}),
    release_date: v.releaseDate.toISOString(),
  };
}

/**
 * Every affected product gets an action statement: the vendor fix, the workaround, or — for what
 * neither covers — 'none_available', so a reader never has to guess from silence.
 */
function remediations(a: AdvisoryForCsaf, affected: string[], withFix: string[], products: Map<string, Product>): CsafRemediation[] {
  const out: CsafRemediation[] = [];
  if (a.remediation) {
    // The text speaks for the products that have a fixed version; when none records one, the fix
    // lies outside the firmware (a cloud service, say) and the text speaks for them all.
    const ids = withFix.length > 0 ? withFix : affected;
    if (ids.length > 0) out.push({ category: 'vendor_fix', details: a.remediation, product_ids: ids });
  } else {
    for (const id of withFix) out.push({ category: 'vendor_fix', details: `Update to version ${products.get(id)?.fixed ?? ''} or later.`, product_ids: [id] });
  }
  if (a.workaround && affected.length > 0) out.push({ category: 'workaround', details: a.workaround, product_ids: affected });
  const covered = new Set(out.flatMap((r) => r.product_ids));
  const uncovered = affected.filter((id) => !covered.has(id));
  if (uncovered.length > 0) out.push({ category: 'none_available', details: 'No fix or workaround is available yet.', product_ids: uncovered });
  return out;
}

/** FIRST's qualitative scale for CVSS v3.1, upper-case as the CVSS JSON schema spells it. */
function cvss3Severity(score: number): CsafCvssV3['baseSeverity'] {
  if (score === 0) return 'NONE';
  if (score < 4) return 'LOW';
  if (score < 7) return 'MEDIUM';
  if (score < 9) return 'HIGH';
  return 'CRITICAL';
}

/** CSAF 2.0 §5.1: lower case, every run of characters other than + - a-z 0-9 becomes one '_'. */
export function csafFileName(trackingId: string): string {
  return `${trackingId.toLowerCase().replace(/[^+\-a-z0-9]+/gu, '_')}.json`;
}

// ---- Validation ----------------------------------------------------------------------------------

export interface CsafValidationError {
  /** 'schema' for the strict JSON schema, otherwise the number of the mandatory test, e.g. '6.1.11'. */
  test: string;
  /** JSON pointer into the document. */
  path: string;
  message: string;
}

interface CsafValidator {
  validate: (tests: CsafDocumentTest[], doc: unknown) => Promise<{ tests: CsafTestOutcome[] }>;
  tests: CsafDocumentTest[];
}

let validator: Promise<CsafValidator> | undefined;

// The mandatory tests compile some thirty schemas when their modules load, which takes seconds;
// they are loaded on the first validation, so building a document or looking up a CWE stays cheap.
function loadValidator(): Promise<CsafValidator> {
  const pending =
    validator ??
    Promise.all([import('@secvisogram/csaf-validator-lib/validate.js'), import('@secvisogram/csaf-validator-lib/basic.js')]).then(([validateModule, basic]) => ({
      validate: validateModule.default,
      // basic.js exports the strict schema and every mandatory test but 6.1.8, which the schema covers.
      tests: Object.values(basic).filter((t): t is CsafDocumentTest => typeof t === 'function'),
    }));
  validator = pending;
  return pending;
}

function testNumber(name: string): string {
  if (name === 'csaf_2_0_strict') return 'schema';
  const m = /^mandatoryTest_(.+)$/u.exec(name);
  return m?.[1] ? m[1].replaceAll('_', '.') : name;
}

/** Runs the CSAF 2.0 strict schema and all mandatory tests; never throws on a malformed document. */
export async function validateCsaf(doc: unknown): Promise<{ valid: boolean; errors: CsafValidationError[] }> {
  const { validate, tests } = await loadValidator();
  const errors: CsafValidationError[] = [];
  // The mandatory tests assume an object at the top (they read `doc.document` unguarded).
  const runnable = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? tests : tests.filter((t) => t.name === 'csaf_2_0_strict');
  for (const test of runnable) {
    try {
      const result = await validate([test], doc);
      for (const outcome of result.tests) {
        for (const e of outcome.errors) errors.push({ test: testNumber(outcome.name), path: e.instancePath, message: e.message });
        if (!outcome.isValid && outcome.errors.length === 0) errors.push({ test: testNumber(outcome.name), path: '', message: 'failed' });
      }
    } catch (e) {
      // Some tests assume the schema holds and trip over a document that breaks it; the schema
      // errors already say what is wrong, so the crash is reported, not thrown.
      errors.push({ test: testNumber(test.name), path: '', message: `could not run on this document (${e instanceof Error ? e.message : String(e)})` });
    }
  }
  return { valid: errors.length === 0, errors };
}

// ---- CWE -----------------------------------------------------------------------------------------

const cweById = new Map(weaknesses.map((w) => [w.id, w.name]));

/** The exact name the validator expects for a CWE id ('CWE-798' or '798'), or null if unknown. */
export function cweName(id: string): string | null {
  const trimmed = id.trim().toUpperCase();
  return cweById.get(trimmed.startsWith('CWE-') ? trimmed : `CWE-${trimmed}`) ?? null;
}

/**
 * CWEs for a picker: by id ('798', 'CWE-79') or by words of the name ('hard-coded credentials').
 * An exact id comes first, then ids that start with the digits, then names, best match first.
 */
export function searchCwe(query: string, limit = 20): { id: string; name: string }[] {
  const q = query.trim().toLowerCase();
  if (q === '' || limit <= 0) return [];
  const digits = /^(?:cwe-?)?(\d+)$/u.exec(q)?.[1];
  const words = q.split(/\s+/u);
  const ranked: { rank: number; number: number; id: string; name: string }[] = [];
  for (const w of weaknesses) {
    const number = Number(w.id.slice(4));
    const name = w.name.toLowerCase();
    let rank: number | null = null;
    if (digits !== undefined) {
      if (w.id === `CWE-${digits}`) rank = 0;
      else if (w.id.startsWith(`CWE-${digits}`)) rank = 1;
    }
    if (rank === null) {
      if (name.startsWith(q)) rank = 2;
      else if (words.every((word) => new RegExp(`\\b${escapeRegExp(word)}\\b`, 'u').test(name))) rank = 3;
      else if (words.every((word) => name.includes(word))) rank = 4;
    }
    if (rank !== null) ranked.push({ rank, number, id: w.id, name: w.name });
  }
  ranked.sort((x, y) => x.rank - y.rank || x.number - y.number);
  return ranked.slice(0, limit).map(({ id, name }) => ({ id, name }));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}
