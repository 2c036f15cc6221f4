// GTIN-8, -12, -13 and -14 share one check-digit rule (GS1 General Specifications 7.9): weights 3
// and 1 alternate from the rightmost data digit. Stored and compared as GTIN-14, zero-padded.

export function checkDigitFor(data: string): number {
  let sum = 0;
  for (let i = data.length - 1, w = 3; i >= 0; i--, w = w === 3 ? 1 : 3) sum += Number(data[i]) * w;
  return (10 - (sum % 10)) % 10;
}

export type GtinResult = { ok: true; gtin14: string } | { ok: false; reason: string };

/** Validates a GTIN as typed by a person (spaces and dashes allowed) and gives its GTIN-14. */
export function parseGtin(input: string): GtinResult {
  const digits = input.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(digits)) return { ok: false, reason: `"${input}" is not a GTIN: use digits only.` };
  if (![8, 12, 13, 14].includes(digits.length)) return { ok: false, reason: `A GTIN has 8, 12, 13 or 14 digits; "${digits}" has ${digits.length}.` };
  const expected = checkDigitFor(digits.slice(0, -1));
  const given = Number(digits.at(-1));
  if (expected !== given) return { ok: false, reason: `The check digit of ${digits} should be ${expected}, not ${given}: check for a typing error.` };
  return { ok: true, gtin14: digits.padStart(14, '0') };
}

export function gtinIsValid(input: string): boolean {
  return parseGtin(input).ok;
}

/** The shortest usual form for display: GTIN-13 for most, GTIN-8 or GTIN-12 where padded. */
export function displayGtin(gtin14: string): string {
  if (gtin14.startsWith('000000')) return gtin14.slice(6);
  if (gtin14.startsWith('00')) return gtin14.slice(2);
  if (gtin14.startsWith('0')) return gtin14.slice(1);
  return gtin14;
}
