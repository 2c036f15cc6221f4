// Traditional Unix crypt(3): 25 DES encryptions of a zero block under a key made of the first
// eight password characters, with a 12-bit salt that swaps bits of the expansion E. The hash is the
// two salt characters and eleven characters of the result, 13 in all. Old BusyBox and uClibc
// images still ship it, and its eight-character, 56-bit key makes it the weakest hash a scan meets.
//
// Written here from FIPS 46-3's tables rather than taken from npm: the one pure-JS package
// (unix-crypt-td-js) allocates per call, and cracking wants the S-box and permutation P folded into
// eight lookup tables and the whole candidate done in preallocated typed arrays.
// https://csrc.nist.gov/pubs/fips/46-3/final (DES), Version 7 Unix crypt.c (the salt and the 25 rounds)
import { timingSafeEqual } from 'node:crypto';

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// prettier-ignore
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
  10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
  14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
// prettier-ignore
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10,
  23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48,
  44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
// prettier-ignore
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
  2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
];
// prettier-ignore
const FP = [
  40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31,
  38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
  36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27,
  34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25,
];
// prettier-ignore
const SBOXES = [
  [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
   4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
  [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
   0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
  [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
   13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
  [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
   10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
  [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
   4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
  [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
   9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
  [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
   1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
  [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
   7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
];

// SP[64 * box + six]: S-box `box` applied to a 6-bit input (b1..b6, b1 the high bit; row b1b6,
// column b2..b5), its 4 bits placed at the box's place in the 32-bit word and then permuted by P,
// so a round function is eight lookups ORed together. Bit 1 in DES numbering is the word's bit 31.
const SP = new Int32Array(8 * 64);
for (let box = 0; box < 8; box++) {
  for (let six = 0; six < 64; six++) {
    const row = ((six >> 4) & 2) | (six & 1);
    const column = (six >> 1) & 15;
    const nibble = SBOXES[box]?.[16 * row + column] ?? 0;
    const beforeP = nibble << (28 - 4 * box);
    let afterP = 0;
    for (let i = 0; i < 32; i++) {
      const from = (P[i] ?? 1) - 1;
      if ((beforeP >>> (31 - from)) & 1) afterP |= 1 << (31 - i);
    }
    SP[64 * box + six] = afterP;
  }
}

// The 56 key bits after PC1 (as indexes into the 64-bit key block) and the PC2 selection for each
// round, both resolved once so the key schedule is table lookups.
const ROUND_KEY_SOURCE = new Uint8Array(16 * 48);
{
  let rotation = 0;
  for (let round = 0; round < 16; round++) {
    rotation += SHIFTS[round] ?? 1;
    for (let k = 0; k < 48; k++) {
      // PC2 picks from C||D (28 + 28 bits); each half has been rotated left by `rotation`.
      const cd = (PC2[k] ?? 1) - 1;
      const half = cd < 28 ? 0 : 28;
      const inHalf = (cd - half + rotation) % 28;
      ROUND_KEY_SOURCE[48 * round + k] = (PC1[half + inHalf] ?? 1) - 1;
    }
  }
}

function saltValue(c: string): number {
  const index = CRYPT_ALPHABET.indexOf(c);
  return index < 0 ? -1 : index;
}

// Bit j of the salt character's value swaps E bit 6i+j (counted from the top of the 48) with bit
// 6i+j+24; in 6-bit chunks that is chunk i against chunk i+4, at position j from the chunk's high
// end, hence the reversal.
function reverse6(v: number): number {
  let r = 0;
  for (let j = 0; j < 6; j++) if ((v >> j) & 1) r |= 1 << (5 - j);
  return r;
}

/** One DES-crypt computation, reusable across many candidates without allocating. */
export class DesCryptEngine {
  private readonly swap0: number;
  private readonly swap1: number;
  private readonly keyBits = new Uint8Array(64);
  private readonly subkeys = new Int32Array(16 * 8);
  readonly out = new Int32Array(2);

  constructor(salt: string) {
    // crypt() maps any salt byte to 6 bits; characters outside the alphabet are never written by a
    // real crypt() and are refused by the callers, so only the alphabet's are handled here.
    this.swap0 = reverse6(Math.max(0, saltValue(salt[0] ?? '.')));
    this.swap1 = reverse6(Math.max(0, saltValue(salt[1] ?? '.')));
  }

  /** The 64-bit result (as two 32-bit words, before the final permutation) for `password`. */
  run(password: string): Int32Array {
    const keyBits = this.keyBits;
    keyBits.fill(0);
    // Each of the first eight bytes, shifted left one (its top bit lost), is a key byte; the low
    // bit of each is DES's parity bit and unused. UTF-8 bytes of a non-ASCII character count here
    // as they would to crypt() in a UTF-8 locale.
    const bytes = password.length <= 8 && /^[\x01-\x7f]*$/.test(password) ? null : Buffer.from(password, 'utf8');
    const length = Math.min(8, bytes === null ? password.length : bytes.length);
    for (let i = 0; i < length; i++) {
      const byte = ((bytes === null ? password.charCodeAt(i) : (bytes[i] ?? 0)) << 1) & 0xff;
      for (let b = 0; b < 8; b++) keyBits[8 * i + b] = (byte >> (7 - b)) & 1;
    }
    const subkeys = this.subkeys;
    for (let round = 0; round < 16; round++) {
      for (let chunk = 0; chunk < 8; chunk++) {
        let six = 0;
        for (let b = 0; b < 6; b++) six = (six << 1) | (keyBits[ROUND_KEY_SOURCE[48 * round + 6 * chunk + b] ?? 0] ?? 0);
        subkeys[8 * round + chunk] = six;
      }
    }

    const { swap0, swap1 } = this;
    let left = 0;
    let right = 0;
    for (let iteration = 0; iteration < 25; iteration++) {
      for (let round = 0; round < 16; round++) {
        // E: eight overlapping 6-bit windows of R, starting one bit before each nibble.
        const r = (right >>> 1) | (right << 31);
        let e0 = (r >>> 26) & 63;
        const e1 = (r >>> 22) & 63;
        const e2 = (r >>> 18) & 63;
        const e3 = (r >>> 14) & 63;
        let e4 = (r >>> 10) & 63;
        const e5 = (r >>> 6) & 63;
        const e6 = (r >>> 2) & 63;
        const e7 = ((r & 15) << 2) | (r >>> 30);
        let e1s = e1;
        let e5s = e5;
        let t = (e0 ^ e4) & swap0;
        e0 ^= t;
        e4 ^= t;
        t = (e1 ^ e5) & swap1;
        e1s ^= t;
        e5s ^= t;
        const k = 8 * round;
        const f =
          (SP[(e0 ^ (subkeys[k] ?? 0)) & 63] ?? 0) |
          (SP[64 + ((e1s ^ (subkeys[k + 1] ?? 0)) & 63)] ?? 0) |
          (SP[128 + ((e2 ^ (subkeys[k + 2] ?? 0)) & 63)] ?? 0) |
          (SP[192 + ((e3 ^ (subkeys[k + 3] ?? 0)) & 63)] ?? 0) |
          (SP[256 + ((e4 ^ (subkeys[k + 4] ?? 0)) & 63)] ?? 0) |
          (SP[320 + ((e5s ^ (subkeys[k + 5] ?? 0)) & 63)] ?? 0) |
          (SP[384 + ((e6 ^ (subkeys[k + 6] ?? 0)) & 63)] ?? 0) |
          (SP[448 + ((e7 ^ (subkeys[k + 7] ?? 0)) & 63)] ?? 0);
        const next = left ^ f;
        left = right;
        right = next;
      }
      // The output block is R16 L16; the next encryption's initial permutation undoes the previous
      // final one, so between iterations only the halves swap.
      const swapped = left;
      left = right;
      right = swapped;
    }
    this.out[0] = left;
    this.out[1] = right;
    return this.out;
  }
}

/** Applies FP to the 64-bit (left, right) block and writes crypt()'s 11 characters. */
function encode(left: number, right: number): string {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 64; i++) {
    const from = (FP[i] ?? 1) - 1;
    const bit = from < 32 ? (left >>> (31 - from)) & 1 : (right >>> (63 - from)) & 1;
    if (i < 32) hi |= bit << (31 - i);
    else lo |= bit << (63 - i);
  }
  // 64 bits as eleven 6-bit groups from the top, the last padded with two zero bits.
  let out = '';
  for (let group = 0; group < 11; group++) {
    let six = 0;
    for (let b = 0; b < 6; b++) {
      const bit = 6 * group + b;
      const value = bit >= 64 ? 0 : bit < 32 ? (hi >>> (31 - bit)) & 1 : (lo >>> (63 - bit)) & 1;
      six = (six << 1) | value;
    }
    out += CRYPT_ALPHABET[six];
  }
  return out;
}

const SALT_FORMAT = /^[./0-9A-Za-z]{2}$/;
const HASH_FORMAT = /^[./0-9A-Za-z]{13}$/;

/**
 * Traditional DES crypt of `password` with a two-character salt from "./0-9A-Za-z" (random when
 * left out). Only the first eight characters of the password count, as in every crypt(3).
 * Throws a RangeError for any other salt, or a password holding a NUL.
 */
export function descrypt(password: string, salt?: string): string {
  const used = salt ?? Array.from(crypto.getRandomValues(new Uint8Array(2)), (b) => CRYPT_ALPHABET[b & 63]).join('');
  if (!SALT_FORMAT.test(used)) throw new RangeError('descrypt: the salt must be two characters from "./0-9A-Za-z"');
  if (password.includes('\0')) throw new RangeError('descrypt: password must not contain a NUL character');
  const out = new DesCryptEngine(used).run(password);
  return used + encode(out[0] ?? 0, out[1] ?? 0);
}

/** Whether `hash` has the shape of a traditional DES crypt string (13 characters of the alphabet). */
export function isDesCrypt(hash: string): boolean {
  // The last character carries two padding bits that crypt() leaves zero, so only 16 of the 64
  // characters can end a real hash; this keeps 13-letter words from passing for hashes.
  return HASH_FORMAT.test(hash) && (saltValue(hash[12] ?? '') & 3) === 0;
}

/** A checker for one stored DES crypt hash, reusing one engine and comparing strings only on a near-match. */
export function desCryptChecker(hash: string): ((candidate: string) => boolean) | null {
  if (!isDesCrypt(hash)) return null;
  const salt = hash.slice(0, 2);
  const engine = new DesCryptEngine(salt);
  const target = Buffer.from(hash, 'latin1');
  return (candidate) => {
    if (candidate.includes('\0')) return false;
    const out = engine.run(candidate);
    const got = Buffer.from(salt + encode(out[0] ?? 0, out[1] ?? 0), 'latin1');
    return timingSafeEqual(got, target);
  };
}

/** True when `hash` is the DES crypt of `password`. Never throws. */
export function verifyDesCrypt(password: string, hash: string): boolean {
  if (typeof password !== 'string' || typeof hash !== 'string') return false;
  const check = desCryptChecker(hash);
  return check !== null && check(password);
}
