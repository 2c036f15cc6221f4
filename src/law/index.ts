// The rules of law as data. Findings, assessment lines and errors carry these ids so a verdict can
// always be traced to the provision it is about; this module is the one place that says which ids
// exist and what they mean.
import { craProvisions } from './cra.ts';
import { etsiEn303645 } from './etsi-en-303-645.ts';
import { iso29147Provisions, pstiSchedule1, statementOfComplianceItems } from './psti.ts';
import type { Provision, Requirement } from './types.ts';

export type { LawSource, Provision, ProvisionGroup, ProvisionStatus, Requirement } from './types.ts';

/** A well-formed law id: a source prefix, then dot- or hyphen-separated lower-case parts. */
export const lawIdPattern = /^(?:psti|etsi|cra|iso29147)\.[a-z0-9]+(?:[.-][a-z0-9]+)*$/;

// Citation order: the UK duties first (the product's main market), the routes the UK accepts as
// deemed compliance next, then the EU Regulation.
const all: readonly Provision[] = [...pstiSchedule1, ...statementOfComplianceItems, ...iso29147Provisions, ...etsiEn303645, ...craProvisions];

const byId = new Map<string, Provision>(all.map((p) => [p.id, p]));

export function isRequirement(p: Provision): p is Requirement {
  return p.kind !== 'group';
}

/** Every provision and group heading, in citation order. */
export function provisions(): readonly Provision[] {
  return all;
}

export function provision(id: string): Provision | undefined {
  return byId.get(id);
}

/** True for an id this module knows; a well-formed but unknown id is not a law id. */
export function isLawId(id: string): boolean {
  return byId.has(id);
}

export function requireProvision(id: string): Provision {
  const found = byId.get(id);
  if (!found) throw new Error(`"${id}" is not a known law id (see src/law/): cite one of the provisions listed there.`);
  return found;
}

/** The provisions directly under id, in citation order. */
export function childrenOf(id: string): readonly Provision[] {
  return all.filter((p) => p.parent === id);
}

export interface PstiDuty {
  readonly requirement: Requirement;
  readonly children: readonly Requirement[];
}

/** The three Schedule 1 duties (passwords, reporting, support period), each with its conditions. */
export function pstiRequirements(): readonly PstiDuty[] {
  return ['psti.s1.1', 'psti.s1.2', 'psti.s1.3'].map((id) => {
    const requirement = requireProvision(id);
    if (!isRequirement(requirement)) throw new Error(`${id} should be a requirement`);
    return { requirement, children: childrenOf(id).filter(isRequirement) };
  });
}

/** The 67 provisions of ETSI EN 303 645 V2.1.1, without the clause headings. */
export function etsiProvisions(options: { mandatoryOnly?: boolean } = {}): readonly Requirement[] {
  return etsiEn303645.filter(isRequirement).filter((p) => !options.mandatoryOnly || p.status === 'mandatory');
}

/**
 * The ways a PSTI requirement can be deemed met (Schedule 2 of the Regulations): a list of
 * alternative routes, each a set of provisions that must all be met. Passwords have one route of
 * two ETSI provisions; reporting has two routes of one provision each. Empty when the law offers
 * no deemed route.
 */
export function deemedCompliance(pstiId: string): readonly (readonly Requirement[])[] {
  const p = requireProvision(pstiId);
  if (!isRequirement(p) || !p.deemedBy) return [];
  const routeProvisions = p.deemedBy.map((id) => {
    const q = requireProvision(id);
    if (!isRequirement(q)) throw new Error(`${pstiId} is deemed met by ${id}, which is a heading, not a provision`);
    return q;
  });
  return p.deemedWhen === 'any' ? routeProvisions.map((q) => [q]) : [routeProvisions];
}
