import { parseGtin } from './gtin.ts';

// GS1 Digital Link URI syntax 1.2: /01/{gtin}[/10/{batch}][/21/{serial}], on our own host.

export interface DigitalLink {
  gtin14: string;
  batch?: string;
  serial?: string;
}

const AI_VALUE = /^[!%-?A-Z_a-z\x22]{1,20}$/;

export function digitalLinkPath(link: DigitalLink): string {
  let path = `/01/${link.gtin14}`;
  if (link.batch) path += `/10/${encodeURIComponent(link.batch)}`;
  if (link.serial) path += `/21/${encodeURIComponent(link.serial)}`;
  return path;
}

export type DigitalLinkParse = { ok: true; link: DigitalLink } | { ok: false; reason: string };

export function parseDigitalLink(gtin: string, batch?: string, serial?: string): DigitalLinkParse {
  const g = parseGtin(gtin);
  if (!g.ok) return g;
  for (const [ai, value] of [
    ['10 (batch or lot)', batch],
    ['21 (serial number)', serial],
  ] as const) {
    if (value !== undefined && !AI_VALUE.test(value)) return { ok: false, reason: `The value of AI ${ai} must be 1 to 20 characters of GS1's AI encodable set.` };
  }
  return { ok: true, link: { gtin14: g.gtin14, ...(batch ? { batch } : {}), ...(serial ? { serial } : {}) } };
}
