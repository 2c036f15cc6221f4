// Alphabets for generated passwords. The default leaves out characters people misread on a
// printed label (0/O/o, 1/l/I): a support call about a label is a password reset waiting to happen.

export const alphabets = {
  unambiguous: 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789',
  alphanumeric: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  lowercase: 'abcdefghijkmnpqrstuvwxyz23456789',
  hex: '0123456789abcdef',
  digits: '0123456789',
} as const;

export type AlphabetName = keyof typeof alphabets;

export function entropyBits(alphabetSize: number, length: number): number {
  return length * Math.log2(alphabetSize);
}

/** The shortest length that reaches the given bits with this alphabet. */
export function lengthFor(bits: number, alphabetSize: number): number {
  return Math.ceil(bits / Math.log2(alphabetSize));
}

export function validateAlphabet(alphabet: string): string | undefined {
  const chars = [...alphabet];
  if (chars.length < 2) return 'An alphabet needs at least two characters.';
  if (chars.length > 256) return 'An alphabet may have at most 256 characters.';
  if (new Set(chars).size !== chars.length) return 'The alphabet repeats a character, which would bias the passwords.';
  if (chars.some((c) => c.length !== 1 || c.charCodeAt(0) < 0x21 || c.charCodeAt(0) > 0x7e)) {
    return 'Use printable ASCII characters only (no spaces): devices and label printers mishandle the rest.';
  }
  return undefined;
}
