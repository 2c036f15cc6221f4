import { addEvidence, generateStatement, recordJudgement } from '../../compliance/index.ts';
import { generateKeyForOrganisation, getOrganisationKey, getPolicy, savePolicy } from '../../disclosure/index.ts';
import { scanJson } from '../../firmware/report.ts';
import { summarise } from '../../firmware/inspect/summary.ts';
import type { ReportedFinding, ScanReport } from '../../firmware/scan-image.ts';
import { createProduct, setSupportPeriod } from '../../registry/index.ts';
import { everyone, productEditors, signedIn, type AccessRows, type Caller } from './types.ts';

// The maker's compliance pages, the exports and the public Statement of Compliance (the CI API's
// rows are in compliance-api.ts).
// Organisation A's product cannot get a statement here (its passwords are never assessed), so the
// generation row proves access with the refusal (409); the statement that the file and public
// rows serve belongs to a second product of A, made ready for it once.

/** Everyone of organisation A reads the assessment; "other" gets 404 for A's products. */
const readA = (status: number, anonymous: number): Record<Caller, number> => ({ ...signedIn(status, anonymous), other: 404 });

/** Owners, product managers and security responders add evidence and judge provisions. */
const complianceWriters = (status: number, otherStatus: number, anonymous: number): Record<Caller, number> => ({
  anonymous,
  other: otherStatus,
  owner: status,
  security_responder: status,
  product_manager: status,
  viewer: 403,
});

/** What `connectable scan --json` writes for one image, with or without a default password in it. */
function scanReportJson(withDefaultPassword: boolean): string {
  const findings: ReportedFinding[] = withDefaultPassword
    ? [
        {
          rule: 'account-known-password',
          severity: 'critical',
          path: 'etc/shadow',
          line: 1,
          location: 'squashfs@0x40000',
          title: 'An account whose password is a known default or common password',
          evidence: 'root:a…n (md5crypt), a known default password',
          lawIds: ['psti.s1.1', 'psti.s1.1.2a', 'psti.s1.1.3d', 'etsi.5.1-1', 'etsi.5.1-2'],
          universal: true,
        },
      ]
    : [];
  const report: ScanReport = {
    target: 'firmware/acme-hub.bin',
    kind: 'image',
    size: 4_194_304,
    sha256: 'a'.repeat(64),
    containers: [{ location: 'squashfs@0x40000', unpacker: 'squashfs', offset: 262_144, length: 3_932_160, entries: 412, files: 380 }],
    findings,
    problems: [],
    summary: summarise(findings),
    limits: { maxFileBytes: 268_435_456, maxTotalBytes: 2_147_483_648, maxEntries: 200_000, timeoutSeconds: 600, maxDepth: 6 },
    durationMs: 812,
  };
  return scanJson([report], false);
}

export const complianceRows: AccessRows = (ctx) => {
  // The statement rows need organisation A to have one statement shown; made on first use.
  const system = () => ({ label: 'access-test', organisationId: ctx.orgA });
  let shown: Promise<{ productId: string; productSlug: string; statementId: string }> | undefined;
  const shownStatement = () =>
    (shown ??= (async () => {
      const actor = system();
      const hub = await createProduct(ctx.db, actor, { brand: 'Acme', name: 'Acme Hub', modelNumber: 'ACME-HUB-1', category: 'hub', gtins: '' });
      await setSupportPeriod(ctx.db, actor, hub.id, { endDate: '2032-06-30', publish: true });
      if (!(await getPolicy(ctx.db, ctx.orgA)).publishedAt) {
        await savePolicy(ctx.db, actor, { acknowledgeHours: '72', triageDays: '7', updateIntervalDays: '14', fixDaysCritical: '30', fixDaysHigh: '60', fixDaysMedium: '90', fixDaysLow: '180', languages: 'en' });
      }
      if (!(await getOrganisationKey(ctx.db, ctx.orgA))?.canSign) await generateKeyForOrganisation(ctx.db, actor, { email: 'security@acme.test' });
      await addEvidence(ctx.db, actor, hub.id, { report: scanReportJson(false), firmwareVersion: '3.0.0' });
      const userSet = 'Every password is set by the user at first start; none ships in the firmware.';
      await recordJudgement(ctx.db, actor, hub.id, { provisionId: 'psti.s1.1.2b', status: 'met', reason: userSet });
      for (const id of ['psti.s1.1.3a', 'psti.s1.1.3b', 'psti.s1.1.3c', 'psti.s1.1.3d']) await recordJudgement(ctx.db, actor, hub.id, { provisionId: id, status: 'not_applicable', reason: userSet });
      await recordJudgement(ctx.db, actor, hub.id, { provisionId: 'psti.s1.3.3', status: 'met', reason: 'Our shop and every retailer listing show the end date.' });
      const statement = await generateStatement(ctx.db, actor, hub.id, {
        productType: 'Smart home hub',
        batch: 'Units made from 2026-01',
        manufacturerName: 'Acme Widgets Ltd',
        manufacturerAddress: '1 Example Street, London',
        signatoryName: 'Alex Example',
        signatoryFunction: 'Director',
        place: 'London',
        date: '2026-01-15',
        publish: 'on',
      });
      return { productId: hub.id, productSlug: hub.slug, statementId: statement.id };
    })());
  const statementUrl = async (name: string) => `/statements/${ctx.makerSlugA}/${(await shownStatement()).productSlug}${name}`;
  const evidenceOfA = async () => {
    const e = await addEvidence(ctx.db, system(), ctx.productA, { report: scanReportJson(true), firmwareVersion: `1.0.${ctx.next()}` });
    return `/console/compliance/${ctx.productA}/evidence/${e.id}.json`;
  };
  const statementBody = () => ({
    productType: 'Wi-Fi security camera',
    batch: `Batch ${ctx.next()}`,
    manufacturerName: 'Acme Widgets Ltd',
    manufacturerAddress: '1 Example Street, London',
    signatoryName: 'Alex Example',
    signatoryFunction: 'Director',
    place: 'London',
    date: '2026-01-15',
  });
  return {
    'GET /assets/compliance.css': { expect: everyone(200), public: true },
    'GET /console/compliance': { expect: signedIn(200, 303) },
    'GET /console/compliance/export.csv': { expect: signedIn(200, 303) },
    'GET /console/compliance/export.json': { expect: signedIn(200, 303) },
    'GET /console/compliance/export.pdf': { expect: signedIn(200, 303) },
    'GET /console/compliance/:productId': { prepare: async () => ({ url: `/console/compliance/${ctx.productA}` }), expect: readA(200, 303) },
    'POST /console/compliance/:productId/judgements': {
      prepare: async () => ({ url: `/console/compliance/${ctx.productA}/judgements`, body: { provisionId: 'psti.s1.3.3', status: 'met', reason: 'Our shop listing shows the end date.' } }),
      expect: complianceWriters(303, 404, 401),
    },
    'POST /console/compliance/:productId/evidence': {
      prepare: async () => ({ url: `/console/compliance/${ctx.productA}/evidence`, body: { report: scanReportJson(true), kind: 'detect', firmwareVersion: `1.0.${ctx.next()}`, hardwareRevision: '' } }),
      expect: complianceWriters(303, 404, 401),
    },
    'GET /console/compliance/:productId/evidence/:evidenceId.json': { prepare: async () => ({ url: await evidenceOfA() }), expect: readA(200, 303) },
    // Refused: organisation A's product has a universal password and nothing judged.
    'POST /console/compliance/:productId/statements': {
      prepare: async () => ({ url: `/console/compliance/${ctx.productA}/statements`, body: statementBody() }),
      expect: productEditors(409, 404, 401),
    },
    'POST /console/compliance/:productId/statements/public': {
      prepare: async () => ({ url: `/console/compliance/${ctx.productA}/statements/public`, body: { statementId: '' } }),
      expect: productEditors(303, 404, 401),
    },
    'GET /console/compliance/:productId/statements/:statementId/:file': {
      prepare: async () => {
        const s = await shownStatement();
        return { url: `/console/compliance/${s.productId}/statements/${s.statementId}/pdf` };
      },
      expect: readA(200, 303),
    },
    // Only the version the maker chose to show is public, and nothing else of organisation A.
    'GET /statements/:makerSlug/:productSlug': { prepare: async () => ({ url: await statementUrl('') }), expect: everyone(200), public: true },
    'GET /statements/:makerSlug/:productSlug/statement.pdf': { prepare: async () => ({ url: await statementUrl('/statement.pdf') }), expect: everyone(200), public: true },
    'GET /statements/:makerSlug/:productSlug/statement.json': { prepare: async () => ({ url: await statementUrl('/statement.json') }), expect: everyone(200), public: true },
    'GET /statements/:makerSlug/:productSlug/statement.pdf.asc': { prepare: async () => ({ url: await statementUrl('/statement.pdf.asc') }), expect: everyone(200), public: true },
    'GET /statements/:makerSlug/:productSlug/statement.json.asc': { prepare: async () => ({ url: await statementUrl('/statement.json.asc') }), expect: everyone(200), public: true },
  };
};

