// bcrypt ("$2a$", "$2b$", "$2y$") verification through bcryptjs, a pure-JS port of OpenBSD's
// bcrypt checked against crypt_blowfish. Only verification: the scanner never makes bcrypt hashes.
// bcrypt is built to be slow (2^cost Blowfish key setups), so a cracking run meets its deadline
// after a handful of candidates at cost 10; that is the scheme working, and the crack report says so.
import { compareSync } from 'bcryptjs';

const HASH_FORMAT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** The cost (log2 of the rounds) of a bcrypt string, or null when it is not one bcryptjs can check. */
export function bcryptCost(hash: string): number | null {
  const match = HASH_FORMAT.exec(hash);
  if (match === null) return null;
  const cost = Number(match[1]);
  return cost >= 4 && cost <= 31 ? cost : null;
}

/**
 * True when `hash` is the bcrypt of `password`. Like every bcrypt, only the first 72 bytes of the
 * password count. Malformed strings give false; this never throws.
 */
export function verifyBcrypt(password: string, hash: string): boolean {
  if (typeof password !== 'string' || bcryptCost(hash) === null) return false;
  try {
    return compareSync(password, hash);
  } catch {
    return false;
  }
}
