// The UK security requirements for relevant connectable products: Schedule 1 of the Product
// Security and Telecommunications Infrastructure (Security Requirements for Relevant Connectable
// Products) Regulations 2023 (SI 2023/1007), made under Part 1 of the PSTI Act 2022, with every
// condition separately citable so a finding can name the exact one it breaks; the contents of the
// Statement of Compliance; and the ISO/IEC 29147 clause the Regulations accept for reporting.
// Paragraph 1's wording was checked against the made text (shared/reference/law.md); the
// sub-paragraph numbers of paragraphs 2 and 3 and of the Statement schedule are marked `verify`.
import type { Provision } from './types.ts';

const PSTI_IN_FORCE = '2024-04-29';

const duty = {
  source: 'psti',
  kind: 'requirement',
  status: 'mandatory',
  conditional: false,
  appliesFrom: PSTI_IN_FORCE,
} as const;

export const pstiSchedule1: readonly Provision[] = [
  {
    ...duty,
    id: 'psti.s1.1',
    reference: 'Schedule 1, paragraph 1',
    title: 'Passwords',
    summary:
      'Passwords on the product must not be universal defaults: each must be unique to the individual product or set by the user, and unique passwords must not be predictable.',
    deemedBy: ['etsi.5.1-1', 'etsi.5.1-2'],
    deemedWhen: 'all',
  },
  {
    ...duty,
    id: 'psti.s1.1.1',
    parent: 'psti.s1.1',
    reference: 'Schedule 1, paragraph 1(1)',
    title: 'Scope of the password requirement',
    summary:
      "The password rules cover the product's hardware and pre-installed software whenever the product is not in its factory default state, and software that has to be installed for the product to serve its intended purposes.",
  },
  {
    ...duty,
    id: 'psti.s1.1.2a',
    parent: 'psti.s1.1',
    reference: 'Schedule 1, paragraph 1(2)(a)',
    title: 'Password unique per product',
    summary: 'A password may be one that is unique to each individual unit of the product.',
  },
  {
    ...duty,
    id: 'psti.s1.1.2b',
    parent: 'psti.s1.1',
    reference: 'Schedule 1, paragraph 1(2)(b)',
    title: 'Password defined by the user',
    summary: 'Otherwise, the password must be one the user of the product chooses.',
  },
  {
    ...duty,
    id: 'psti.s1.1.3a',
    parent: 'psti.s1.1',
    reference: 'Schedule 1, paragraph 1(3)(a)',
    title: 'Not based on incremental counters',
    summary: 'A per-product password must not come from a counter that steps from one unit to the next.',
  },
  {
    ...duty,
    id: 'psti.s1.1.3b',
    parent: 'psti.s1.1',
    reference: 'Schedule 1, paragraph 1(3)(b)',
    title: 'Not based on publicly available information',
    summary: 'A per-product password must not be built from, or worked out from, information anyone can find.',
  },
  {
    ...duty,
    id: 'psti.s1.1.3c',
    parent: 'psti.s1.1',
    reference: 'Schedule 1, paragraph 1(3)(c)',
    title: 'Not based on unique product identifiers',
    summary:
      'A per-product password must not be built from, or worked out from, an identifier of the unit such as its serial number or MAC address, unless that is done with encryption or a keyed hash accepted as good industry practice.',
  },
  {
    ...duty,
    id: 'psti.s1.1.3d',
    parent: 'psti.s1.1',
    reference: 'Schedule 1, paragraph 1(3)(d)',
    title: 'Not otherwise guessable',
    summary: 'A per-product password must not be guessable in any other way that good industry practice would not accept.',
  },
  {
    ...duty,
    id: 'psti.s1.1.4',
    parent: 'psti.s1.1',
    // verify: the exclusions are in paragraph 1 after the rules; confirm they are sub-paragraph (4).
    reference: 'Schedule 1, paragraph 1(4)',
    title: 'What is not a password',
    summary:
      'Cryptographic keys, API keys, and PINs used for pairing in communication protocols outside the internet protocol suite (such as Bluetooth pairing codes) are not passwords for this requirement.',
  },
  {
    ...duty,
    id: 'psti.s1.2',
    // verify: paragraph number of the reporting requirement in Schedule 1.
    reference: 'Schedule 1, paragraph 2',
    title: 'How to report security issues',
    summary:
      "The manufacturer must publish how to report security issues about the product's hardware and software to them, including a point of contact and what reporters can expect.",
    deemedBy: ['etsi.5.2-1', 'iso29147.6.2.2'],
    deemedWhen: 'any',
  },
  {
    ...duty,
    id: 'psti.s1.2.1',
    parent: 'psti.s1.2',
    reference: 'Schedule 1, paragraph 2(2)(a)', // verify: sub-paragraph numbering
    title: 'Point of contact',
    summary: 'The published information names at least one point of contact for reporting security issues.',
  },
  {
    ...duty,
    id: 'psti.s1.2.2',
    parent: 'psti.s1.2',
    reference: 'Schedule 1, paragraph 2(2)(b)(i)', // verify: sub-paragraph numbering
    title: 'When an acknowledgement will come',
    summary: 'It says when a person who reports an issue will receive an acknowledgement that the report was received.',
  },
  {
    ...duty,
    id: 'psti.s1.2.3',
    parent: 'psti.s1.2',
    reference: 'Schedule 1, paragraph 2(2)(b)(ii)', // verify: sub-paragraph numbering
    title: 'When status updates will come',
    summary: 'It says when that person will receive status updates until the reported issue is resolved.',
  },
  {
    ...duty,
    id: 'psti.s1.2.4',
    parent: 'psti.s1.2',
    reference: 'Schedule 1, paragraph 2(3)', // verify: sub-paragraph numbering
    title: 'Accessible, free, in English, no personal data required',
    summary:
      'The information is accessible, clear and transparent, and available to anyone without asking first, in English, free of charge, and without having to give personal information.',
  },
  {
    ...duty,
    id: 'psti.s1.3',
    // verify: paragraph number of the support-period requirement in Schedule 1.
    reference: 'Schedule 1, paragraph 3',
    title: 'Defined support period',
    summary:
      'The manufacturer must publish the minimum period during which the product will receive security updates, with a specific end date, wherever the product is offered, and may lengthen but never shorten it.',
    deemedBy: ['etsi.5.3-13'],
    deemedWhen: 'all',
  },
  {
    ...duty,
    id: 'psti.s1.3.1',
    parent: 'psti.s1.3',
    reference: 'Schedule 1, paragraph 3(1)', // verify: sub-paragraph numbering
    title: 'Publish the defined support period',
    summary:
      'The manufacturer publishes the defined support period: the minimum length of time for which security updates will be provided, stated as a period with a specific end date.',
  },
  {
    ...duty,
    id: 'psti.s1.3.2',
    parent: 'psti.s1.3',
    reference: 'Schedule 1, paragraph 3(2)', // verify: sub-paragraph numbering
    title: 'Accessible, clear and transparent',
    summary: 'The support period is published so that it is accessible, clear and transparent, and understandable by a reader with no prior technical knowledge.',
  },
  {
    ...duty,
    id: 'psti.s1.3.3',
    parent: 'psti.s1.3',
    // verify: sub-paragraph numbering, and which invitations to purchase the duty reaches.
    reference: 'Schedule 1, paragraph 3(3)',
    title: 'Shown where the product is offered',
    summary:
      'Wherever the manufacturer, or someone on its behalf, invites people to buy the product (an online listing, an advertisement), the support period is shown there too.',
  },
  {
    ...duty,
    id: 'psti.s1.3.4',
    parent: 'psti.s1.3',
    reference: 'Schedule 1, paragraph 3(4)', // verify: sub-paragraph numbering
    title: 'Never shortened',
    summary: 'Once published, the defined support period must not be made shorter.',
  },
  {
    ...duty,
    id: 'psti.s1.3.5',
    parent: 'psti.s1.3',
    reference: 'Schedule 1, paragraph 3(5)', // verify: sub-paragraph numbering
    title: 'Extensions published promptly',
    summary: 'If the support period is lengthened, the new period is published as soon as practicable.',
  },
];

const statementItem = {
  source: 'psti',
  kind: 'statement-item',
  status: 'mandatory',
  conditional: false,
  parent: 'psti.soc',
  appliesFrom: PSTI_IN_FORCE,
} as const;

// verify: the Statement's minimum contents are in Schedule 4 of the Regulations; confirm the
// schedule number and how its items are lettered before citing them to users.
export const statementOfComplianceItems: readonly Provision[] = [
  {
    id: 'psti.soc',
    source: 'psti',
    kind: 'group',
    reference: 'Schedule 4',
    title: 'Statement of Compliance',
    summary:
      'A statement of compliance must accompany the product (it may be online) and contain at least the items below; the manufacturer and any importer keep it for ten years.',
    appliesFrom: PSTI_IN_FORCE,
  },
  {
    ...statementItem,
    id: 'psti.soc.a',
    reference: 'Schedule 4, item (a)',
    title: 'Product type and batch',
    summary: 'The type of product and the batch it belongs to, or another identification of the units covered.',
  },
  {
    ...statementItem,
    id: 'psti.soc.b',
    reference: 'Schedule 4, item (b)',
    title: 'Manufacturer name and address',
    summary: "The manufacturer's name and address, and those of any authorised representative.",
  },
  {
    ...statementItem,
    id: 'psti.soc.c',
    reference: 'Schedule 4, item (c)',
    title: 'Prepared by or for the manufacturer',
    summary: 'A declaration that the statement was prepared by the manufacturer or on its behalf.',
  },
  {
    ...statementItem,
    id: 'psti.soc.d',
    reference: 'Schedule 4, item (d)',
    title: 'Declaration of compliance',
    summary: 'A declaration that, in the manufacturer\'s opinion, the applicable security requirements have been complied with.',
  },
  {
    ...statementItem,
    id: 'psti.soc.e',
    reference: 'Schedule 4, item (e)',
    title: 'Defined support period',
    summary: 'The defined support period for the product, at least its end date.',
  },
  {
    ...statementItem,
    id: 'psti.soc.f',
    reference: 'Schedule 4, item (f)',
    title: 'Signature, signatory and place and date of issue',
    summary: 'The signature, name and function of the person signing for the manufacturer, and where and when the statement was issued.',
  },
];

// The Regulations accept this clause as an alternative route to the reporting requirement
// (psti.s1.2); nothing else of ISO/IEC 29147 is law, so nothing else is listed.
export const iso29147Provisions: readonly Provision[] = [
  {
    id: 'iso29147.6.2.2',
    source: 'iso29147',
    kind: 'requirement',
    status: 'mandatory',
    conditional: false,
    reference: 'ISO/IEC 29147:2018, 6.2.2',
    title: 'Published vulnerability disclosure policy',
    // verify: the exact elements 6.2.2 requires of the published policy.
    summary:
      'The vendor publishes a vulnerability disclosure policy saying how finders can report potential vulnerabilities to it, how to communicate securely, and what they can expect once they have reported.',
  },
];
