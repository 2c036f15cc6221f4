// What a Statement of Compliance says: every item the PSTI Regulations require of it (ids
// psti.soc.a–f in src/law/), the requirements it declares met and the evidence behind each. The
// JSON form is this object; the PDF (statement-pdf.ts) renders exactly this and nothing else, so
// the two can never disagree.

export interface StatementRequirement {
  /** A law id (src/law/): 'psti.s1.1', 'psti.s1.2', 'psti.s1.3'. */
  id: string;
  /** As the law cites it: "Schedule 1, paragraph 1 — Passwords". */
  reference: string;
  title: string;
  /** How it is met: "ETSI EN 303 645 5.1-1 and 5.1-2 (deemed compliance)". */
  route: string;
  /** The evidence in one line each: "Firmware scan of 2.4.1 on 2026-11-20: no universal credential (sha256 …)". */
  evidence: string[];
}

export interface StatementContent {
  /** 'connectable.statement-of-compliance/1': the format of this object. */
  format: 'connectable.statement-of-compliance/1';
  /** A stable id and a version: each regeneration is a new version, earlier ones are kept. */
  statementId: string;
  version: number;
  /** psti.soc.a: the product type and the batch (or other identification). */
  product: {
    brand: string;
    name: string;
    modelNumber: string;
    /** The type of product in words: "Wi-Fi security camera". */
    productType: string;
    hardwareRevision: string | null;
    /** Batch, serial range or other identification of the units covered. */
    batch: string;
    gtins: string[];
    firmwareVersions: string[];
  };
  /** psti.soc.b */
  manufacturer: { name: string; address: string; authorisedRepresentative: string | null };
  /** psti.soc.c: prepared by or on behalf of the manufacturer. */
  preparedBy: string;
  /** psti.soc.d: the declaration, in the words the statement prints. */
  declaration: string;
  /** psti.soc.e: the defined support period. */
  supportPeriod: { endDate: string; atLeast: boolean; publishedAt: string };
  /** The applicable security requirements and how each is met. */
  requirements: StatementRequirement[];
  /** psti.soc.f */
  signatory: { name: string; function: string; place: string; date: string };
  /** When the platform generated this version (ISO timestamp). */
  generatedAt: string;
  /** Where the statement can be checked online, when the maker publishes it. */
  publicUrl: string | null;
}
