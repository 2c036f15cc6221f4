// How a secret found by the scanner or the probe appears in a report: the scan, the probe and the
// evidence kept for an assessment all mask the same way.

/**
 * A secret as evidence may show it: its first and last characters around an ellipsis, or only
 * the ellipsis when it is so short that the ends would give most of it away.
 */
export function mask(secret: string, show = false): string {
  if (show) return secret;
  if (secret === '') return '(empty)';
  const chars = [...secret];
  if (chars.length < 4) return '…';
  return `${chars[0]}…${chars[chars.length - 1]}`;
}

/** Whether a string is already what mask() makes of a secret. */
export function isMasked(text: string): boolean {
  return text === '(empty)' || text === '…' || /^.….$/u.test(text);
}
