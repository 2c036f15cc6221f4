// The EU Cyber Resilience Act, Regulation (EU) 2024/2847: the essential cybersecurity
// requirements of Annex I (Part I for the product, Part II for vulnerability handling), the
// support-period rule and the Article 14 reporting duty. Summaries paraphrase the Official
// Journal text. The Regulation applies in full from 11 December 2027; the reporting duties of
// Article 14 from 11 September 2026 (Article 71(2)).
import type { Provision } from './types.ts';

const CRA_IN_FULL = '2027-12-11';
const CRA_REPORTING = '2026-09-11';

const duty = { source: 'cra', kind: 'requirement', status: 'mandatory', conditional: false, appliesFrom: CRA_IN_FULL } as const;

// Part I (2) opens with this qualifier, so every one of its points is conditional on it.
const partOnePoint = {
  ...duty,
  parent: 'cra.a1.p1.2',
  conditional: true,
  condition: 'on the basis of the cybersecurity risk assessment (Article 13(2)) and where applicable',
} as const;

const partTwoPoint = { ...duty, parent: 'cra.a1.p2' } as const;

export const craProvisions: readonly Provision[] = [
  {
    id: 'cra.a1.p1',
    source: 'cra',
    kind: 'group',
    reference: 'CRA Annex I, Part I',
    title: 'Cybersecurity requirements relating to the properties of products with digital elements',
    summary: 'The essential requirements a product with digital elements must meet in its design, development and production.',
    appliesFrom: CRA_IN_FULL,
  },
  {
    ...duty,
    id: 'cra.a1.p1.1',
    parent: 'cra.a1.p1',
    reference: 'CRA Annex I, Part I, (1)',
    title: 'Cybersecurity appropriate to the risks',
    summary: 'The product is designed, developed and produced to give a level of cybersecurity appropriate to its risks.',
  },
  {
    ...duty,
    id: 'cra.a1.p1.2',
    parent: 'cra.a1.p1',
    reference: 'CRA Annex I, Part I, (2)',
    title: 'Properties required on the basis of the risk assessment',
    summary: 'Guided by the cybersecurity risk assessment, and where applicable, the product must have the properties listed in points (a) to (m).',
    conditional: true,
    condition: partOnePoint.condition,
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2a',
    reference: 'CRA Annex I, Part I, (2)(a)',
    title: 'No known exploitable vulnerabilities',
    summary: 'The product is placed on the market without any known exploitable vulnerability.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2b',
    reference: 'CRA Annex I, Part I, (2)(b)',
    title: 'Secure by default configuration',
    summary:
      'The product ships with a secure configuration by default, including a way to reset it to its original state, unless a business user agrees otherwise for a tailor-made product.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2c',
    reference: 'CRA Annex I, Part I, (2)(c)',
    title: 'Vulnerabilities fixable by security updates',
    summary:
      'Vulnerabilities can be fixed through security updates, where applicable installed automatically by default within a suitable time with an easy opt-out, with users notified of available updates and able to postpone them for a while.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2d',
    reference: 'CRA Annex I, Part I, (2)(d)',
    title: 'Protection from unauthorised access',
    summary:
      'Suitable control mechanisms (such as authentication and identity or access management) protect the product from unauthorised access, and possible unauthorised access is reported.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2e',
    reference: 'CRA Annex I, Part I, (2)(e)',
    title: 'Confidentiality of data',
    summary:
      'Data the product stores, transmits or otherwise processes, personal or not, is kept confidential, for example by encrypting relevant data at rest and in transit with state-of-the-art mechanisms.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2f',
    reference: 'CRA Annex I, Part I, (2)(f)',
    title: 'Integrity of data, commands, programs and configuration',
    summary:
      'Stored, transmitted or processed data, and commands, programs and configuration, are protected against manipulation or modification the user has not authorised, and corruption is reported.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2g',
    reference: 'CRA Annex I, Part I, (2)(g)',
    title: 'Data minimisation',
    summary: 'The product processes only data, personal or not, that is adequate, relevant and limited to what its intended purpose needs.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2h',
    reference: 'CRA Annex I, Part I, (2)(h)',
    title: 'Availability of essential functions',
    summary:
      'Essential and basic functions stay available, also after an incident, including through resilience and mitigation measures against denial-of-service attacks.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2i',
    reference: 'CRA Annex I, Part I, (2)(i)',
    title: 'Minimal impact on other services',
    summary: 'The product, and devices connected to it, disturb as little as possible the availability of services provided by other devices or networks.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2j',
    reference: 'CRA Annex I, Part I, (2)(j)',
    title: 'Limited attack surfaces',
    summary: 'The product is designed, developed and produced to limit its attack surfaces, external interfaces included.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2k',
    reference: 'CRA Annex I, Part I, (2)(k)',
    title: 'Exploitation mitigation',
    summary: 'The product is designed, developed and produced to reduce the impact of an incident, using suitable exploitation mitigation mechanisms and techniques.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2l',
    reference: 'CRA Annex I, Part I, (2)(l)',
    title: 'Security logging and monitoring',
    summary:
      'The product records and monitors relevant internal activity, such as access to or changes of data, services or functions, to provide security information, with an opt-out for the user.',
  },
  {
    ...partOnePoint,
    id: 'cra.a1.p1.2m',
    reference: 'CRA Annex I, Part I, (2)(m)',
    title: 'Secure data removal and transfer',
    summary:
      'Users can securely and easily remove all data and settings for good, and where data can be moved to other products or systems, the transfer is secure.',
  },

  {
    id: 'cra.a1.p2',
    source: 'cra',
    kind: 'group',
    reference: 'CRA Annex I, Part II',
    title: 'Vulnerability handling requirements',
    summary: 'What manufacturers must do to handle vulnerabilities in their products for the support period.',
    appliesFrom: CRA_IN_FULL,
  },
  {
    ...partTwoPoint,
    id: 'cra.a1.p2.1',
    reference: 'CRA Annex I, Part II, (1)',
    title: 'Identify and document components (SBOM)',
    summary:
      'The manufacturer identifies and documents the vulnerabilities and components in the product, including a software bill of materials in a common machine-readable format covering at least the top-level dependencies.',
  },
  {
    ...partTwoPoint,
    id: 'cra.a1.p2.2',
    reference: 'CRA Annex I, Part II, (2)',
    title: 'Remediate without delay',
    summary:
      'Vulnerabilities are addressed and remediated without delay, in proportion to the risk, including by security updates, which where technically feasible come separately from feature updates.',
  },
  {
    ...partTwoPoint,
    id: 'cra.a1.p2.3',
    reference: 'CRA Annex I, Part II, (3)',
    title: 'Regular security testing',
    summary: "The product's security is tested and reviewed effectively and regularly.",
  },
  {
    ...partTwoPoint,
    id: 'cra.a1.p2.4',
    reference: 'CRA Annex I, Part II, (4)',
    title: 'Disclose fixed vulnerabilities',
    summary:
      'Once a security update is available, information about the fixed vulnerabilities is published: a description, the affected products, impact, severity and clear guidance for users to remediate; publication may be delayed, in justified cases, until users could apply the fix.',
  },
  {
    ...partTwoPoint,
    id: 'cra.a1.p2.5',
    reference: 'CRA Annex I, Part II, (5)',
    title: 'Coordinated vulnerability disclosure policy',
    summary: 'The manufacturer has and enforces a policy on coordinated vulnerability disclosure.',
  },
  {
    ...partTwoPoint,
    id: 'cra.a1.p2.6',
    reference: 'CRA Annex I, Part II, (6)',
    title: 'Contact address for vulnerability reports',
    summary:
      'The manufacturer makes it easier to share information about potential vulnerabilities in the product and its third-party components, including by giving a contact address for reporting them.',
  },
  {
    ...partTwoPoint,
    id: 'cra.a1.p2.7',
    reference: 'CRA Annex I, Part II, (7)',
    title: 'Secure distribution of updates',
    summary:
      'There are mechanisms to distribute updates securely so vulnerabilities are fixed or mitigated in good time, automatically where that applies to security updates.',
  },
  {
    ...partTwoPoint,
    id: 'cra.a1.p2.8',
    reference: 'CRA Annex I, Part II, (8)',
    title: 'Free security updates with advisories',
    summary:
      'Available security updates are distributed without delay and free of charge (unless agreed otherwise with a business user for a tailor-made product), with advisory messages telling users what they need to know and do.',
  },

  {
    ...duty,
    id: 'cra.art13.8',
    reference: 'CRA Article 13(8)',
    title: 'Support period',
    summary:
      'The manufacturer sets a support period reflecting how long the product is expected to be used, at least five years unless it is expected to be in use for less, and handles vulnerabilities throughout it; the end date (at least month and year) must be clear at the time of purchase.',
    // verify: the duty to show the end date at purchase sits in Article 13(19), not 13(8); it is
    // folded in here because the product treats the two as one rule.
  },
  {
    ...duty,
    id: 'cra.art14',
    reference: 'CRA Article 14',
    title: 'Reporting actively exploited vulnerabilities and severe incidents',
    summary:
      "Through ENISA's single reporting platform to the coordinating CSIRT, the manufacturer notifies actively exploited vulnerabilities (early warning within 24 hours of becoming aware, notification within 72 hours, final report within 14 days of a fix or mitigation being available) and severe incidents (24 hours, 72 hours, final report within a month), and informs affected users.",
    appliesFrom: CRA_REPORTING,
  },
];
