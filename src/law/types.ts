// The shape of one rule of law as the product cites it. Summaries are our own paraphrases: the
// ETSI and ISO texts are copyrighted, and a user who needs the exact words is pointed at the
// reference instead.

export type LawSource = 'psti' | 'etsi' | 'cra' | 'iso29147';

/** ETSI's M and R; every PSTI and CRA duty is mandatory. */
export type ProvisionStatus = 'mandatory' | 'recommended';

interface ProvisionCommon {
  /** 'psti.s1.1.3c', 'etsi.5.1-1', 'cra.a1.p1.2d', 'iso29147.6.2.2'. */
  readonly id: string;
  readonly source: LawSource;
  /** How the text itself cites it: "Schedule 1, paragraph 1(3)(d)", "ETSI EN 303 645 5.1-1". */
  readonly reference: string;
  readonly title: string;
  /** A faithful paraphrase in plain English, a sentence or two. */
  readonly summary: string;
  /** The id of the enclosing requirement or clause. */
  readonly parent?: string;
  /** ISO date from which the duty binds; absent for voluntary standards. */
  readonly appliesFrom?: string;
}

/**
 * A heading that only gathers rules (an ETSI clause title, the Statement of Compliance). It has no
 * status of its own; the `never` fields let code read `p.status` on any Provision and get
 * undefined for a heading, instead of having to narrow first.
 */
export interface ProvisionGroup extends ProvisionCommon {
  readonly kind: 'group';
  readonly status?: never;
  readonly conditional?: never;
  readonly condition?: never;
  readonly deemedBy?: never;
  readonly deemedWhen?: never;
}

/**
 * A rule a product or its maker can meet or fail. 'statement-item' marks what a PSTI Statement of
 * Compliance must contain: it is checked on the document, not on the product.
 */
export interface Requirement extends ProvisionCommon {
  readonly kind: 'requirement' | 'statement-item';
  readonly status: ProvisionStatus;
  /** ETSI's "C": the provision applies only where its condition holds. */
  readonly conditional: boolean;
  /** The condition in our words, when conditional. */
  readonly condition?: string;
  /**
   * PSTI only: the ETSI/ISO provisions whose meeting is deemed compliance with this requirement
   * (Schedule 2 of the Regulations). Whether all of them are needed or any one suffices is in
   * deemedWhen, because the law differs: passwords need two ETSI provisions together, reporting
   * accepts either of two standards.
   */
  readonly deemedBy?: readonly string[];
  readonly deemedWhen?: 'all' | 'any';
}

export type Provision = ProvisionGroup | Requirement;
