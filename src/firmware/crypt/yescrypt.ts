// yescrypt ("$y$", what Debian 11+, Ubuntu 22.04+, Fedora 35+ write into /etc/shadow) and the
// scrypt crypt format ("$7$"), computing what libxcrypt's crypt() computes for them.
// https://www.openwall.com/yescrypt/ (yescrypt-ref.c is the specification followed here: SMix with
// pwxform, the "yescrypt-prehash" and "Client Key" steps), libxcrypt's alg-yescrypt-common.c (the
// "$y$" and "$7$" encodings) and crypt-yescrypt.c / crypt-scrypt.c (what crypt() accepts).
//
// Written here because nothing on npm implements yescrypt. SHA-256, HMAC and PBKDF2 come from
// node:crypto: each runs a handful of times per hash, while all the time goes to the memory-hard
// SMix. That works in one preallocated Int32Array per parameter set, so trying a word list does not
// allocate (and zero) 16 MiB per candidate; Int32Array rather than Uint32Array because V8 keeps
// int32 loads in registers as integers, where uint32 words above 2^31 would become doubles.
import { createHash, createHmac, pbkdf2Sync, scryptSync, timingSafeEqual } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ATOI64 = new Uint8Array(128).fill(64);
for (let i = 0; i < 64; i++) ATOI64[ITOA64.charCodeAt(i)] = i;

/** YESCRYPT_WORM: classic scrypt plus the t parameter and the pre- and post-hashing. */
export const YESCRYPT_WORM = 0x001;
/** YESCRYPT_RW: full yescrypt (pwxform, S-boxes, writes to V in the second loop). */
export const YESCRYPT_RW = 0x002;
/**
 * YESCRYPT_RW with ROUNDS_6, GATHER_4, SIMPLE_2 and SBOX_12K: the only pwxform flavor yescrypt
 * (and so libxcrypt) defines, written "j" in a "$y$" string.
 */
export const YESCRYPT_DEFAULTS = 0x0b6;
const YESCRYPT_RW_FLAVOR_MASK = 0x3fc;
const YESCRYPT_DEFAULT_FLAVOR = YESCRYPT_DEFAULTS & YESCRYPT_RW_FLAVOR_MASK;
// Internal: the smaller first run of yescrypt_kdf (keyed "yescrypt-prehash", no "Client Key").
const YESCRYPT_PREHASH = 0x10000000;

/**
 * The most V (128·N·r bytes, the memory-hard array) a hash may need before it is refused: 256 MiB,
 * libxcrypt's cost 9 for "$y$" and "$7$". Costs 10 and 11 (512 MiB, 1 GiB) are left out: a crack
 * worker per core holding that much would exhaust a scanning host.
 */
export const MAX_V_BYTES = 256 * 1024 * 1024;
// What comes on top of V (B is 128·r·p bytes, each of p S-boxes 12 KiB): bounded separately so a
// huge p cannot slip past the V bound.
const MAX_OTHER_BYTES = 16 * 1024 * 1024;
/**
 * The most BlockMix traffic (bytes through BlockMix, summed over both SMix loops) a hash may need:
 * 2 GiB, some 15 seconds a candidate in this JavaScript (Debian's default is 22 MiB). It admits the
 * largest accepted V at t = 0 (358 MiB) with room for t and p, and refuses settings that would
 * take minutes per candidate.
 */
export const MAX_WORK_BYTES = 2 * 1024 * 1024 * 1024;
// crypt() refuses passphrases of CRYPT_MAX_PASSPHRASE_SIZE (512) bytes or more, so no stored hash
// can come from one.
const PASSWORD_MAX_BYTES = 511;
// crypt_yescrypt_rn() and crypt_scrypt_rn() refuse a setting when the setting, "$", 43 characters
// of hash and a NUL would not fit CRYPT_OUTPUT_SIZE (384).
const SETTING_MAX_LENGTH = 384 - 1 - 43 - 1;

export interface YescryptParams {
  /** 0 (classic scrypt), YESCRYPT_WORM or YESCRYPT_DEFAULTS. */
  flags: number;
  /** Block count, a power of two. */
  N: number;
  /** Block size in 128-byte units. */
  r: number;
  /** Parallelism: a multiplier of work for scrypt and WORM, a divider of N for YESCRYPT_RW. */
  p: number;
  /** Extra time factor (0 is the default). */
  t: number;
  /** Hash-upgrade count; only 0 is computable (as in libxcrypt). */
  g: number;
  /** ROM block count; only 0 (no ROM) is supported. */
  NROM: number;
}

// ---------------------------------------------------------------------------------------------
// Salsa20 and the two BlockMix functions.
//
// Blocks are kept in yescrypt's "SIMD-shuffled" word order (word i of a 64-byte block holds word
// 5i mod 16 of the little-endian block), as yescrypt-ref.c does: pwxform, Integerify and the
// S-boxes are specified over that order, so keeping it makes them the reference's line for line.
// Salsa20 word x_j therefore lives at index 13j mod 16 of the shuffled block.

function salsa20(m: Int32Array, b: number, rounds: number): void {
  const j0 = m[b]!;
  const j1 = m[b + 13]!;
  const j2 = m[b + 10]!;
  const j3 = m[b + 7]!;
  const j4 = m[b + 4]!;
  const j5 = m[b + 1]!;
  const j6 = m[b + 14]!;
  const j7 = m[b + 11]!;
  const j8 = m[b + 8]!;
  const j9 = m[b + 5]!;
  const j10 = m[b + 2]!;
  const j11 = m[b + 15]!;
  const j12 = m[b + 12]!;
  const j13 = m[b + 9]!;
  const j14 = m[b + 6]!;
  const j15 = m[b + 3]!;
  let x0 = j0;
  let x1 = j1;
  let x2 = j2;
  let x3 = j3;
  let x4 = j4;
  let x5 = j5;
  let x6 = j6;
  let x7 = j7;
  let x8 = j8;
  let x9 = j9;
  let x10 = j10;
  let x11 = j11;
  let x12 = j12;
  let x13 = j13;
  let x14 = j14;
  let x15 = j15;
  let u = 0;
  for (let i = 0; i < rounds; i += 2) {
    u = (x0 + x12) | 0; x4 ^= (u << 7) | (u >>> 25);
    u = (x4 + x0) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x4) | 0; x12 ^= (u << 13) | (u >>> 19);
    u = (x12 + x8) | 0; x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x1) | 0; x9 ^= (u << 7) | (u >>> 25);
    u = (x9 + x5) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x9) | 0; x1 ^= (u << 13) | (u >>> 19);
    u = (x1 + x13) | 0; x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x6) | 0; x14 ^= (u << 7) | (u >>> 25);
    u = (x14 + x10) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x14) | 0; x6 ^= (u << 13) | (u >>> 19);
    u = (x6 + x2) | 0; x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x11) | 0; x3 ^= (u << 7) | (u >>> 25);
    u = (x3 + x15) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x3) | 0; x11 ^= (u << 13) | (u >>> 19);
    u = (x11 + x7) | 0; x15 ^= (u << 18) | (u >>> 14);
    u = (x0 + x3) | 0; x1 ^= (u << 7) | (u >>> 25);
    u = (x1 + x0) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x1) | 0; x3 ^= (u << 13) | (u >>> 19);
    u = (x3 + x2) | 0; x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x4) | 0; x6 ^= (u << 7) | (u >>> 25);
    u = (x6 + x5) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x6) | 0; x4 ^= (u << 13) | (u >>> 19);
    u = (x4 + x7) | 0; x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x9) | 0; x11 ^= (u << 7) | (u >>> 25);
    u = (x11 + x10) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x11) | 0; x9 ^= (u << 13) | (u >>> 19);
    u = (x9 + x8) | 0; x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x14) | 0; x12 ^= (u << 7) | (u >>> 25);
    u = (x12 + x15) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x12) | 0; x14 ^= (u << 13) | (u >>> 19);
    u = (x14 + x13) | 0; x15 ^= (u << 18) | (u >>> 14);
  }
  m[b] = (j0 + x0) | 0;
  m[b + 13] = (j1 + x1) | 0;
  m[b + 10] = (j2 + x2) | 0;
  m[b + 7] = (j3 + x3) | 0;
  m[b + 4] = (j4 + x4) | 0;
  m[b + 1] = (j5 + x5) | 0;
  m[b + 14] = (j6 + x6) | 0;
  m[b + 11] = (j7 + x7) | 0;
  m[b + 8] = (j8 + x8) | 0;
  m[b + 5] = (j9 + x9) | 0;
  m[b + 2] = (j10 + x10) | 0;
  m[b + 15] = (j11 + x11) | 0;
  m[b + 12] = (j12 + x12) | 0;
  m[b + 9] = (j13 + x13) | 0;
  m[b + 6] = (j14 + x14) | 0;
  m[b + 3] = (j15 + x15) | 0;
}

/** scrypt's BlockMix_{Salsa20/8, r} of the 32r words at `b`, with 32r words of scratch at `y`. */
function blockMixSalsa8(m: Int32Array, b: number, y: number, r: number): void {
  const blocks = 2 * r;
  for (let i = 0; i < blocks; i++) {
    const prev = i === 0 ? b + (blocks - 1) * 16 : y + (i - 1) * 16;
    const out = y + i * 16;
    const src = b + i * 16;
    for (let k = 0; k < 16; k++) m[out + k] = m[prev + k]! ^ m[src + k]!;
    salsa20(m, out, 8);
  }
  for (let i = 0; i < r; i++) {
    m.copyWithin(b + i * 16, y + 2 * i * 16, y + 2 * i * 16 + 16);
    m.copyWithin(b + (i + r) * 16, y + (2 * i + 1) * 16, y + (2 * i + 1) * 16 + 16);
  }
}

// pwxform with yescrypt's only defined flavor: PWXsimple 2, PWXgather 4, PWXrounds 6, Swidth 8.
// An S-box is 2^8 entries of two 64-bit lanes (4 words); the three boxes S0, S1, S2 are consecutive
// in 3072 words, and which third plays which role rotates after every pwxform.
const SBOX_WORDS = 3 * 256 * 4;
const SBOX_PART = 256 * 4;
const SMASK = 0xff0; // ((1 << Swidth) - 1) * PWXsimple * 8, a byte offset into a box
const TWO32 = 4294967296;
const INV_TWO32 = 1 / TWO32;

/**
 * yescrypt's BlockMix_pwxform of the 32r words at `b`: each 64-byte sub-block, XORed with the one
 * before (the first with the last), goes through pwxform, then Salsa20/2 runs over the last one.
 * `st[stAt..stAt+3]` hold this lane's S0, S1, S2 word offsets into `m` and the S2 write index w.
 *
 * pwxform is written out over sixteen locals, which V8 keeps in registers: the sub-block being
 * transformed never goes back to memory between its six rounds, and it is also the "previous"
 * sub-block the next one is XORed with. This function is where a yescrypt hash spends its time.
 */
function blockMixPwxform(m: Int32Array, b: number, r: number, st: Int32Array, stAt: number): void {
  let s0 = st[stAt]!;
  let s1 = st[stAt + 1]!;
  let s2 = st[stAt + 2]!;
  let w = st[stAt + 3]!;
  const subBlocks = 2 * r;
  const last = b + (subBlocks - 1) * 16;
  let x0 = m[last + 0]!;
  let x1 = m[last + 1]!;
  let x2 = m[last + 2]!;
  let x3 = m[last + 3]!;
  let x4 = m[last + 4]!;
  let x5 = m[last + 5]!;
  let x6 = m[last + 6]!;
  let x7 = m[last + 7]!;
  let x8 = m[last + 8]!;
  let x9 = m[last + 9]!;
  let x10 = m[last + 10]!;
  let x11 = m[last + 11]!;
  let x12 = m[last + 12]!;
  let x13 = m[last + 13]!;
  let x14 = m[last + 14]!;
  let x15 = m[last + 15]!;
  let p0 = 0;
  let p1 = 0;
  let lo = 0;
  let hi = 0;
  let add = 0;
  let sum = 0;
  for (let at = b; at <= last; at += 16) {
    x0 ^= m[at + 0]!;
    x1 ^= m[at + 1]!;
    x2 ^= m[at + 2]!;
    x3 ^= m[at + 3]!;
    x4 ^= m[at + 4]!;
    x5 ^= m[at + 5]!;
    x6 ^= m[at + 6]!;
    x7 ^= m[at + 7]!;
    x8 ^= m[at + 8]!;
    x9 ^= m[at + 9]!;
    x10 ^= m[at + 10]!;
    x11 ^= m[at + 11]!;
    x12 ^= m[at + 12]!;
    x13 ^= m[at + 13]!;
    x14 ^= m[at + 14]!;
    x15 ^= m[at + 15]!;
    for (let round = 0; round < 6; round++) {
      // Each 64-bit lane becomes (hi * lo + S0[p0][k]) xor S1[p1][k], p0 and p1 taken from the
      // gather's first lane. The double product is off by at most 2^11 from the exact one, and
      // taking away the exact low word (Math.imul) leaves a multiple of 2^32 known to within
      // that, so rounding gives the exact high word: far cheaper than 16-bit multiplications.
      p0 = s0 + ((x0 & SMASK) >>> 2);
      p1 = s1 + ((x1 & SMASK) >>> 2);
      lo = Math.imul(x1, x0);
      hi = Math.round(((x1 >>> 0) * (x0 >>> 0) - (lo >>> 0)) * INV_TWO32);
      add = m[p0]!;
      sum = (lo + add) | 0;
      x1 = (hi + m[p0 + 1]! + ((sum >>> 0) < (add >>> 0) ? 1 : 0)) ^ m[p1 + 1]!;
      x0 = sum ^ m[p1]!;
      lo = Math.imul(x3, x2);
      hi = Math.round(((x3 >>> 0) * (x2 >>> 0) - (lo >>> 0)) * INV_TWO32);
      add = m[p0 + 2]!;
      sum = (lo + add) | 0;
      x3 = (hi + m[p0 + 3]! + ((sum >>> 0) < (add >>> 0) ? 1 : 0)) ^ m[p1 + 3]!;
      x2 = sum ^ m[p1 + 2]!;
      p0 = s0 + ((x4 & SMASK) >>> 2);
      p1 = s1 + ((x5 & SMASK) >>> 2);
      lo = Math.imul(x5, x4);
      hi = Math.round(((x5 >>> 0) * (x4 >>> 0) - (lo >>> 0)) * INV_TWO32);
      add = m[p0]!;
      sum = (lo + add) | 0;
      x5 = (hi + m[p0 + 1]! + ((sum >>> 0) < (add >>> 0) ? 1 : 0)) ^ m[p1 + 1]!;
      x4 = sum ^ m[p1]!;
      lo = Math.imul(x7, x6);
      hi = Math.round(((x7 >>> 0) * (x6 >>> 0) - (lo >>> 0)) * INV_TWO32);
      add = m[p0 + 2]!;
      sum = (lo + add) | 0;
      x7 = (hi + m[p0 + 3]! + ((sum >>> 0) < (add >>> 0) ? 1 : 0)) ^ m[p1 + 3]!;
      x6 = sum ^ m[p1 + 2]!;
      p0 = s0 + ((x8 & SMASK) >>> 2);
      p1 = s1 + ((x9 & SMASK) >>> 2);
      lo = Math.imul(x9, x8);
      hi = Math.round(((x9 >>> 0) * (x8 >>> 0) - (lo >>> 0)) * INV_TWO32);
      add = m[p0]!;
      sum = (lo + add) | 0;
      x9 = (hi + m[p0 + 1]! + ((sum >>> 0) < (add >>> 0) ? 1 : 0)) ^ m[p1 + 1]!;
      x8 = sum ^ m[p1]!;
      lo = Math.imul(x11, x10);
      hi = Math.round(((x11 >>> 0) * (x10 >>> 0) - (lo >>> 0)) * INV_TWO32);
      add = m[p0 + 2]!;
      sum = (lo + add) | 0;
      x11 = (hi + m[p0 + 3]! + ((sum >>> 0) < (add >>> 0) ? 1 : 0)) ^ m[p1 + 3]!;
      x10 = sum ^ m[p1 + 2]!;
      p0 = s0 + ((x12 & SMASK) >>> 2);
      p1 = s1 + ((x13 & SMASK) >>> 2);
      lo = Math.imul(x13, x12);
      hi = Math.round(((x13 >>> 0) * (x12 >>> 0) - (lo >>> 0)) * INV_TWO32);
      add = m[p0]!;
      sum = (lo + add) | 0;
      x13 = (hi + m[p0 + 1]! + ((sum >>> 0) < (add >>> 0) ? 1 : 0)) ^ m[p1 + 1]!;
      x12 = sum ^ m[p1]!;
      lo = Math.imul(x15, x14);
      hi = Math.round(((x15 >>> 0) * (x14 >>> 0) - (lo >>> 0)) * INV_TWO32);
      add = m[p0 + 2]!;
      sum = (lo + add) | 0;
      x15 = (hi + m[p0 + 3]! + ((sum >>> 0) < (add >>> 0) ? 1 : 0)) ^ m[p1 + 3]!;
      x14 = sum ^ m[p1 + 2]!;
      if (round !== 0 && round !== 5) {
        // Rounds 1 to 4 also append their result to S2, which is how the S-boxes keep changing.
        const out = s2 + 2 * w;
        m[out + 0] = x0;
        m[out + 1] = x1;
        m[out + 2] = x2;
        m[out + 3] = x3;
        m[out + 4] = x4;
        m[out + 5] = x5;
        m[out + 6] = x6;
        m[out + 7] = x7;
        m[out + 8] = x8;
        m[out + 9] = x9;
        m[out + 10] = x10;
        m[out + 11] = x11;
        m[out + 12] = x12;
        m[out + 13] = x13;
        m[out + 14] = x14;
        m[out + 15] = x15;
        w += 8;
      }
    }
    m[at + 0] = x0;
    m[at + 1] = x1;
    m[at + 2] = x2;
    m[at + 3] = x3;
    m[at + 4] = x4;
    m[at + 5] = x5;
    m[at + 6] = x6;
    m[at + 7] = x7;
    m[at + 8] = x8;
    m[at + 9] = x9;
    m[at + 10] = x10;
    m[at + 11] = x11;
    m[at + 12] = x12;
    m[at + 13] = x13;
    m[at + 14] = x14;
    m[at + 15] = x15;
    const oldS2 = s2;
    s2 = s1;
    s1 = s0;
    s0 = oldS2;
    w &= 511;
  }
  salsa20(m, last, 2);
  st[stAt] = s0;
  st[stAt + 1] = s1;
  st[stAt + 2] = s2;
  st[stAt + 3] = w;
}

// ---------------------------------------------------------------------------------------------
// SMix.

const SHUFFLE = [0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11]; // i * 5 % 16

function shuffleIn(m: Int32Array, from: number, to: number, r: number): void {
  for (let k = 0; k < 32 * r; k += 16) {
    for (let i = 0; i < 16; i++) m[to + k + i] = m[from + k + SHUFFLE[i]!]!;
  }
}

function shuffleOut(m: Int32Array, from: number, to: number, r: number): void {
  for (let k = 0; k < 32 * r; k += 16) {
    for (let i = 0; i < 16; i++) m[to + k + SHUFFLE[i]!] = m[from + k + i]!;
  }
}

/** Largest power of two not above `x` (x below 2^32). */
function p2floor(x: number): number {
  return 2 ** (31 - Math.clz32(x));
}

/** Where the `lane` argument is -1, BlockMix is scrypt's Salsa20/8 one; otherwise pwxform's with that lane's S-boxes. */
function blockMix(m: Int32Array, x: number, y: number, r: number, st: Int32Array, lane: number): void {
  if (lane < 0) blockMixSalsa8(m, x, y, r);
  else blockMixPwxform(m, x, r, st, lane * 4);
}

/**
 * SMix1: fills V (n blocks of 32r words at `v`) from the block at `b`. With `rw`, each step also
 * mixes in an earlier V block (yescrypt's Wrap(Integerify(X), i)).
 */
function smix1(m: Int32Array, b: number, r: number, n: number, rw: boolean, v: number, x: number, y: number, st: Int32Array, lane: number): void {
  const s = 32 * r;
  shuffleIn(m, b, x, r);
  for (let i = 0; i < n; i++) {
    m.copyWithin(v + i * s, x, x + s);
    if (rw && i > 1) {
      // Integerify needs only its low word: MAX_V_BYTES keeps N at or below 2^21.
      const p = p2floor(i);
      const j = (m[x + s - 16]! & (p - 1)) + (i - p);
      const vj = v + j * s;
      for (let k = 0; k < s; k++) m[x + k] = m[x + k]! ^ m[vj + k]!;
    }
    blockMix(m, x, y, r, st, lane);
  }
  shuffleOut(m, x, b, r);
}

/** SMix2: `loops` steps reading (and with `rw`, rewriting) V's n blocks at `v`. */
function smix2(m: Int32Array, b: number, r: number, n: number, loops: number, rw: boolean, v: number, x: number, y: number, st: Int32Array, lane: number): void {
  const s = 32 * r;
  shuffleIn(m, b, x, r);
  for (let i = 0; i < loops; i++) {
    const vj = v + (m[x + s - 16]! & (n - 1)) * s;
    if (rw) {
      for (let k = 0; k < s; k++) {
        const value = m[x + k]! ^ m[vj + k]!;
        m[x + k] = value;
        m[vj + k] = value;
      }
    } else {
      for (let k = 0; k < s; k++) m[x + k] = m[x + k]! ^ m[vj + k]!;
    }
    blockMix(m, x, y, r, st, lane);
  }
  shuffleOut(m, x, b, r);
}

/** yescrypt's fNloop: how many SMix2 steps `t` asks for over a chunk of `n` blocks (before rounding to even). */
function loopCount(n: number, t: number, flags: number): number {
  if (flags & YESCRYPT_RW) {
    if (t <= 1) return Math.floor(((t === 1 ? 2 : 1) * n + 2) / 3);
    return n * (t - 1);
  }
  if (t === 0) return n;
  return (t === 1 ? n + Math.floor((n + 1) / 2) : n) * t;
}

function roundUpEven(n: number): number {
  return n + (n % 2);
}

/** Scratch for one parameter set, reused for every password: V, X, Y, the S-boxes, B. */
class Workspace {
  readonly m: Int32Array;
  readonly x: number;
  readonly y: number;
  readonly sboxes: number;
  readonly b: number;
  readonly st: Int32Array;

  constructor(N: number, r: number, p: number, rw: boolean) {
    const s = 32 * r;
    this.x = N * s;
    this.y = this.x + s;
    this.sboxes = this.y + s;
    this.b = this.sboxes + (rw ? SBOX_WORDS * p : 0);
    this.m = new Int32Array(this.b + s * p);
    this.st = new Int32Array(4 * p);
  }
}

// Checkers of hashes with the same parameters share one workspace: a firmware's accounts usually
// all carry Debian's default, and a crack worker holds a checker per account, so without sharing
// each would pin its own 16 MiB. Sharing is safe because a computation never yields to another
// (everything here is synchronous, and each worker thread has its own module instance). The map
// holds the workspaces weakly, so they go once the last checker using them is dropped.
const workspaces = new Map<string, WeakRef<Workspace>>();

function sharedWorkspace(N: number, r: number, p: number, rw: boolean): Workspace {
  const key = `${N},${r},${p},${rw}`;
  const existing = workspaces.get(key)?.deref();
  if (existing !== undefined) return existing;
  for (const [k, ref] of workspaces) if (ref.deref() === undefined) workspaces.delete(k);
  const created = new Workspace(N, r, p, rw);
  workspaces.set(key, new WeakRef(created));
  return created;
}

/**
 * yescrypt's SMix over all p lanes of B (for YESCRYPT_RW; scrypt and WORM call it once per lane
 * with p = 1). `passwd` is the 32-byte value the final PBKDF2 will be keyed with; YESCRYPT_RW
 * rekeys it from lane 0's block once that lane's S-boxes exist.
 */
function smix(ws: Workspace, b: number, r: number, N: number, p: number, t: number, flags: number, passwd: Uint8Array): void {
  const { m, x, y, st } = ws;
  const s = 32 * r;
  const rw = (flags & YESCRYPT_RW) !== 0;
  let chunk = Math.floor(N / p);
  let loopsAll = loopCount(chunk, t, flags);
  let loopsRw = rw ? Math.floor(loopsAll / p) : 0;
  chunk -= chunk % 2;
  loopsAll = roundUpEven(loopsAll);
  loopsRw = roundUpEven(loopsRw);
  for (let i = 0; i < p; i++) {
    const vStart = i * chunk;
    const n = i < p - 1 ? chunk : N - vStart;
    const bp = b + i * s;
    let lane = -1;
    if (rw) {
      lane = i;
      // The S-boxes are SMix1 (scrypt's, r = 1) of the lane's first 128 bytes, V being the boxes.
      const box = ws.sboxes + i * SBOX_WORDS;
      smix1(m, bp, 1, SBOX_WORDS / 32, false, box, x, y, st, -1);
      st[4 * i] = box + 2 * SBOX_PART;
      st[4 * i + 1] = box + SBOX_PART;
      st[4 * i + 2] = box;
      st[4 * i + 3] = 0;
      if (i === 0) {
        const key = wordsToBytes(m, bp + s - 16, 16);
        passwd.set(createHmac('sha256', key).update(passwd).digest());
      }
    }
    smix1(m, bp, r, n, rw, vStart * s, x, y, st, lane);
    smix2(m, bp, r, p2floor(n), loopsRw, rw, vStart * s, x, y, st, lane);
  }
  for (let i = 0; i < p; i++) {
    smix2(m, b + i * s, r, N, loopsAll - loopsRw, false, 0, x, y, st, rw ? i : -1);
  }
}

function bytesToWords(bytes: Uint8Array, m: Int32Array, at: number): void {
  for (let i = 0; i < bytes.length; i += 4) {
    m[at + i / 4] = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
  }
}

function wordsToBytes(m: Int32Array, at: number, count: number): Uint8Array {
  const bytes = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) {
    const word = m[at + i]!;
    bytes[4 * i] = word;
    bytes[4 * i + 1] = word >>> 8;
    bytes[4 * i + 2] = word >>> 16;
    bytes[4 * i + 3] = word >>> 24;
  }
  return bytes;
}

/** yescrypt_kdf_body(): one run of PBKDF2, SMix, PBKDF2 (and the yescrypt extras when flags are set). */
function kdfBody(ws: Workspace, password: Uint8Array, salt: Uint8Array, flags: number, N: number, r: number, p: number, t: number, dkLen: number): Uint8Array {
  const s = 32 * r;
  let passwd = password;
  if (flags !== 0) {
    const key = (flags & YESCRYPT_PREHASH) !== 0 ? 'yescrypt-prehash' : 'yescrypt';
    passwd = createHmac('sha256', key).update(password).digest();
  }
  const initial = pbkdf2Sync(passwd, salt, 1, 128 * r * p, 'sha256');
  bytesToWords(initial, ws.m, ws.b);
  if (flags !== 0) passwd = new Uint8Array(initial.subarray(0, 32));
  if ((flags & YESCRYPT_RW) !== 0) {
    smix(ws, ws.b, r, N, p, t, flags, passwd);
  } else {
    for (let i = 0; i < p; i++) smix(ws, ws.b + i * s, r, N, 1, t, flags, passwd);
  }
  const mixed = wordsToBytes(ws.m, ws.b, s * p);
  // PBKDF2 with one iteration makes a shorter output the prefix of a longer one, so one 32-byte
  // (or longer) run serves both the output and the "Client Key" input.
  const out = pbkdf2Sync(passwd, mixed, 1, Math.max(dkLen, 32), 'sha256');
  if (flags !== 0 && (flags & YESCRYPT_PREHASH) === 0) {
    // SCRAM's ClientKey and StoredKey (RFC 5802), so a SCRAM server could hold yescrypt hashes.
    const clientKey = createHmac('sha256', out.subarray(0, 32)).update('Client Key').digest();
    out.set(createHash('sha256').update(clientKey).digest(), 0);
  }
  return new Uint8Array(out.subarray(0, dkLen));
}

/** yescrypt_kdf(): for large YESCRYPT_RW costs, a run at N/64 first, whose output replaces the password. */
function kdf(ws: Workspace, password: Uint8Array, salt: Uint8Array, params: YescryptParams, dkLen: number): Uint8Array {
  const { flags, N, r, p, t } = params;
  let passwd = password;
  if ((flags & YESCRYPT_RW) !== 0 && Math.floor(N / p) >= 0x100 && Math.floor(N / p) * r >= 0x20000) {
    passwd = kdfBody(ws, password, salt, flags | YESCRYPT_PREHASH, N / 64, r, p, 0, 32);
  }
  return kdfBody(ws, passwd, salt, flags, N, r, p, t, dkLen);
}

/** The bytes of BlockMix input the whole computation mixes (see MAX_WORK_BYTES). */
function workBytes(params: YescryptParams): number {
  const { flags, N, r, p, t } = params;
  const blockBytes = 128 * r;
  if ((flags & YESCRYPT_RW) !== 0) return (N + p * roundUpEven(loopCount(Math.floor(N / p), t, flags))) * blockBytes;
  return p * (N + roundUpEven(loopCount(N, t, flags))) * blockBytes;
}

/** Why yescrypt_kdf() would refuse these parameters, or why they are refused here; undefined when computable. */
function paramsProblem(params: YescryptParams): string | undefined {
  const { flags, N, r, p, t, g, NROM } = params;
  for (const [name, value] of Object.entries(params)) {
    if (!Number.isSafeInteger(value) || value < 0) return `${name} must be a non-negative integer`;
  }
  switch (flags & 3) {
    case 0:
      if (flags !== 0 || t !== 0) return 'classic scrypt takes no flags and no t';
      break;
    case YESCRYPT_WORM:
      if (flags !== YESCRYPT_WORM) return 'YESCRYPT_WORM stands alone';
      break;
    case YESCRYPT_RW:
      if ((flags & YESCRYPT_RW_FLAVOR_MASK) !== YESCRYPT_DEFAULT_FLAVOR || flags !== YESCRYPT_DEFAULTS) {
        return 'only the default pwxform flavor (ROUNDS_6, GATHER_4, SIMPLE_2, SBOX_12K) is defined';
      }
      break;
    default:
      return 'unknown mode';
  }
  if (g !== 0) return 'hash upgrades (g > 0) are not supported, by libxcrypt either';
  if (NROM !== 0) return 'ROM-based hashes need the ROM they were made with';
  if (N < 2 || 2 ** Math.round(Math.log2(N)) !== N) return 'N must be a power of two above 1';
  if (r < 1 || p < 1) return 'r and p must be at least 1';
  if (r * p >= 2 ** 30) return 'r·p must stay below 2^30';
  if ((flags & YESCRYPT_RW) !== 0 && Math.floor(N / p) <= 1) return 'N/p must be above 1';
  const vBytes = 128 * N * r;
  if (vBytes > MAX_V_BYTES) return `needs ${formatBytes(vBytes)} of memory (128·N·r), above the ${formatBytes(MAX_V_BYTES)} allowed here`;
  const otherBytes = 128 * r * p + ((flags & YESCRYPT_RW) !== 0 ? SBOX_WORDS * 4 * p : 0);
  if (otherBytes > MAX_OTHER_BYTES) return `needs ${formatBytes(otherBytes)} besides V for p = ${p}, above the ${formatBytes(MAX_OTHER_BYTES)} allowed here`;
  const work = workBytes(params);
  if (work > MAX_WORK_BYTES) return `needs ${formatBytes(work)} of block mixing (t = ${t}, p = ${p}), above the ${formatBytes(MAX_WORK_BYTES)} allowed here`;
  return undefined;
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${+(bytes / 2 ** 30).toPrecision(3)} GiB`;
  if (bytes >= 2 ** 20) return `${+(bytes / 2 ** 20).toPrecision(3)} MiB`;
  return `${+(bytes / 2 ** 10).toPrecision(3)} KiB`;
}

/**
 * yescrypt_kdf() without a ROM: classic scrypt when flags is 0, YESCRYPT_WORM, or YESCRYPT_RW
 * (YESCRYPT_DEFAULTS), `dkLen` bytes long. Throws a RangeError for parameters yescrypt refuses or
 * above this module's bounds (MAX_V_BYTES, MAX_WORK_BYTES).
 */
export function yescryptKdf(password: Uint8Array, salt: Uint8Array, params: YescryptParams, dkLen: number): Uint8Array {
  const problem = paramsProblem(params);
  if (problem !== undefined) throw new RangeError(`yescrypt: ${problem}`);
  if (!Number.isSafeInteger(dkLen) || dkLen < 1 || dkLen > 1024) throw new RangeError('yescrypt: dkLen must be 1 to 1024 bytes');
  return kdf(new Workspace(params.N, params.r, params.p, (params.flags & YESCRYPT_RW) !== 0), password, salt, params, dkLen);
}

// ---------------------------------------------------------------------------------------------
// The "$y$" and "$7$" strings.

function atoi64(s: string, i: number): number {
  const code = s.charCodeAt(i);
  return code < 128 ? ATOI64[code]! : 64;
}

/**
 * libxcrypt's decode64_uint32(): a variable-length number whose first character says how many
 * follow (values 0-47 take one character, 48-55 two, and so on), offset by `min`. Returns the
 * value and the index after it, or null.
 */
function decodeUint32(s: string, at: number, min: number): [number, number] | null {
  let pos = at;
  let c = atoi64(s, pos++);
  if (c > 63) return null;
  let start = 0;
  let end = 47;
  let chars = 1;
  let bits = 0;
  let value = min;
  while (c > end) {
    value += (end + 1 - start) * 2 ** bits;
    start = end + 1;
    end = start + Math.floor((62 - end) / 2);
    chars++;
    bits += 6;
  }
  value += (c - start) * 2 ** bits;
  while (--chars > 0) {
    c = atoi64(s, pos++);
    if (c > 63) return null;
    bits -= 6;
    value += c * 2 ** bits;
  }
  return [value % 2 ** 32, pos];
}

/** libxcrypt's encode64(): three bytes at a time, little-endian, six bits per character, low bits first. */
function encode64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    let value = 0;
    let bits = 0;
    for (let k = 0; k < 3 && i + k < bytes.length; k++) {
      value |= bytes[i + k]! << (8 * k);
      bits += 8;
    }
    for (let b = 0; b < bits; b += 6) out += ITOA64[(value >>> b) & 63];
  }
  return out;
}

/**
 * libxcrypt's decode64(), strictly: every character from the alphabet, a final group of 2 or 3
 * characters carrying 1 or 2 bytes with its spare bits zero, at most `maxBytes` bytes.
 */
function decode64(s: string, maxBytes: number): Uint8Array | null {
  const out: number[] = [];
  for (let i = 0; i < s.length; i += 4) {
    const group = Math.min(4, s.length - i);
    if (group === 1) return null;
    let value = 0;
    for (let k = 0; k < group; k++) {
      const c = atoi64(s, i + k);
      if (c > 63) return null;
      value += c * 2 ** (6 * k);
    }
    const bytes = group - 1;
    if (value >= 2 ** (8 * bytes)) return null;
    for (let k = 0; k < bytes; k++) out.push(Math.floor(value / 2 ** (8 * k)) & 0xff);
  }
  if (out.length > maxBytes) return null;
  return Uint8Array.from(out);
}

interface ParsedSetting {
  params: YescryptParams;
  /** The setting up to the end of the salt, which crypt() copies into its output. */
  prefix: string;
  salt: Uint8Array;
  /** What follows the last "$" after the parameters, when there is one (the hash of a full string). */
  hash: string | undefined;
}

/** Splits what follows the parameters at the last "$", as yescrypt_r() does with strrchr(). */
function splitSalt(setting: string, at: number): { saltText: string; hash: string | undefined } {
  const last = setting.lastIndexOf('$');
  if (last < at) return { saltText: setting.slice(at), hash: undefined };
  return { saltText: setting.slice(at, last), hash: setting.slice(last + 1) };
}

/** The parameters and salt of a "$y$" setting or hash, or why crypt() (or this module) would refuse it. */
function parseYescrypt(setting: string): ParsedSetting | string {
  if (!setting.startsWith('$y$')) return 'not a "$y$" string';
  if (setting.length > SETTING_MAX_LENGTH) return 'the string is longer than crypt() accepts';
  const flavor = decodeUint32(setting, 3, 0);
  if (flavor === null) return 'malformed parameters';
  let flags: number;
  if (flavor[0] < YESCRYPT_RW) flags = flavor[0];
  else if (flavor[0] <= YESCRYPT_RW + (YESCRYPT_RW_FLAVOR_MASK >> 2)) flags = YESCRYPT_RW + (flavor[0] - YESCRYPT_RW) * 4;
  else return 'unknown flavor';
  const nLog2 = decodeUint32(setting, flavor[1], 1);
  if (nLog2 === null || nLog2[0] > 63) return 'malformed N';
  const r = decodeUint32(setting, nLog2[1], 1);
  if (r === null) return 'malformed r';
  const params: YescryptParams = { flags, N: 2 ** nLog2[0], r: r[0], p: 1, t: 0, g: 0, NROM: 0 };
  let pos = r[1];
  if (setting[pos] !== '$') {
    const have = decodeUint32(setting, pos, 1);
    if (have === null) return 'malformed parameters';
    pos = have[1];
    const optional: [number, keyof YescryptParams, number][] = [
      [1, 'p', 2],
      [2, 't', 1],
      [4, 'g', 1],
      [8, 'NROM', 1],
    ];
    for (const [bit, name, min] of optional) {
      if ((have[0] & bit) === 0) continue;
      const field = decodeUint32(setting, pos, min);
      if (field === null) return `malformed ${name}`;
      if (name === 'NROM') {
        if (field[0] > 63) return 'malformed NROM';
        params.NROM = 2 ** field[0];
      } else {
        params[name] = field[0];
      }
      pos = field[1];
    }
  }
  if (setting[pos] !== '$') return 'malformed parameters';
  pos++;
  const { saltText, hash } = splitSalt(setting, pos);
  const salt = decode64(saltText, 64);
  if (salt === null) return 'malformed salt';
  const problem = paramsProblem(params);
  if (problem !== undefined) return problem;
  return { params, prefix: setting.slice(0, pos + saltText.length), salt, hash };
}

/** The parameters and salt of a "$7$" setting or hash, or why crypt() (or this module) would refuse it. */
function parseScrypt(setting: string): ParsedSetting | string {
  if (!setting.startsWith('$7$')) return 'not a "$7$" string';
  if (setting.length > SETTING_MAX_LENGTH) return 'the string is longer than crypt() accepts';
  const nLog2 = atoi64(setting, 3);
  if (nLog2 < 1 || nLog2 > 63) return 'malformed N';
  // r and p: 30 bits each in five characters, low bits first.
  const fixed = [0, 0];
  for (let f = 0; f < 2; f++) {
    for (let k = 0; k < 5; k++) {
      const c = atoi64(setting, 4 + 5 * f + k);
      if (c > 63) return 'malformed r or p';
      fixed[f]! += c * 2 ** (6 * k);
    }
  }
  const params: YescryptParams = { flags: 0, N: 2 ** nLog2, r: fixed[0]!, p: fixed[1]!, t: 0, g: 0, NROM: 0 };
  const { saltText, hash } = splitSalt(setting, 14);
  // The salt is used as the characters themselves, not decoded. libxcrypt would also take a "$"
  // inside it; no gensalt writes one, and refusing it keeps "where the hash starts" unambiguous.
  for (let i = 0; i < saltText.length; i++) if (atoi64(saltText, i) > 63) return 'malformed salt';
  const problem = paramsProblem(params);
  if (problem !== undefined) return problem;
  return { params, prefix: setting.slice(0, 14 + saltText.length), salt: Buffer.from(saltText, 'latin1'), hash };
}

/** The UTF-8 bytes crypt() would get for `password`, or why it could not get them. */
function passwordBytes(password: string | Uint8Array): Uint8Array | string {
  let bytes: Uint8Array;
  if (typeof password === 'string') {
    if (/\p{Cs}/u.test(password)) return 'password is not well-formed Unicode (it has a lone surrogate)';
    bytes = Buffer.from(password, 'utf8');
  } else {
    bytes = password;
  }
  if (bytes.includes(0)) return 'password must not contain a NUL character (crypt() takes a C string)';
  if (bytes.length > PASSWORD_MAX_BYTES) return `password is ${bytes.length} bytes; crypt() takes at most ${PASSWORD_MAX_BYTES}`;
  return bytes;
}

/**
 * Whether OpenSSL's scrypt (node:crypto.scryptSync, native and several times faster) takes these
 * parameters: it insists on N < 2^(16r), which only r of 1 to 3 can break.
 */
function opensslTakes(N: number, r: number): boolean {
  return r >= 4 || N < 2 ** (16 * r);
}

/** A function computing the 32-byte hash for one parsed setting, with its scratch memory allocated once. */
function hasher(parsed: ParsedSetting): (password: Uint8Array) => Uint8Array {
  const { params, salt } = parsed;
  const { N, r, p } = params;
  if (params.flags === 0 && opensslTakes(N, r)) {
    const maxmem = 128 * N * r + 128 * r * p + 2 * 1024 * 1024;
    return (password) => new Uint8Array(scryptSync(password, salt, 32, { N, r, p, maxmem }));
  }
  const ws = sharedWorkspace(N, r, p, (params.flags & YESCRYPT_RW) !== 0);
  return (password) => kdf(ws, password, salt, params, 32);
}

function cryptWith(parse: (setting: string) => ParsedSetting | string, name: string, password: string | Uint8Array, setting: string): string {
  const parsed = parse(setting);
  if (typeof parsed === 'string') throw new RangeError(`${name}: ${parsed}`);
  const bytes = passwordBytes(password);
  if (typeof bytes === 'string') throw new RangeError(`${name}: ${bytes}`);
  return `${parsed.prefix}$${encode64(hasher(parsed)(bytes))}`;
}

function checkerWith(parse: (setting: string) => ParsedSetting | string, hash: string): ((candidate: string) => boolean) | null {
  const parsed = parse(hash);
  if (typeof parsed === 'string' || parsed.hash === undefined || parsed.hash.length !== 43) return null;
  const target = decode64(parsed.hash, 32);
  if (target === null || target.length !== 32) return null;
  const compute = hasher(parsed);
  return (candidate) => {
    const bytes = passwordBytes(candidate);
    if (typeof bytes === 'string') return false;
    return timingSafeEqual(compute(bytes), target);
  };
}

function problemWith(parse: (setting: string) => ParsedSetting | string, hash: string): string | undefined {
  const parsed = parse(hash);
  if (typeof parsed === 'string') return parsed;
  if (parsed.hash === undefined || parsed.hash.length !== 43 || decode64(parsed.hash, 32)?.length !== 32) {
    return 'the hash part is not 43 characters encoding 32 bytes';
  }
  return undefined;
}

/**
 * crypt(password, setting) for a "$y$" setting ("$y$j9T$<salt>") or full hash, as libxcrypt
 * computes it. Throws a RangeError for a setting crypt() would refuse, one using a ROM or hash
 * upgrades, one above MAX_V_BYTES / MAX_WORK_BYTES, or a password crypt() could not be given (a NUL
 * byte, 512 bytes or more).
 */
export function yescrypt(password: string | Uint8Array, setting: string): string {
  return cryptWith(parseYescrypt, 'yescrypt', password, setting);
}

/**
 * A checker for one stored "$y$" hash, with its parameters decoded and its memory (V, 16 MiB at
 * Debian's default) allocated once. null for a malformed or refused string (see yescryptProblem).
 */
export function yescryptChecker(hash: string): ((candidate: string) => boolean) | null {
  return checkerWith(parseYescrypt, hash);
}

/** Why yescryptChecker(hash) is null, in words a report can show; undefined when it is not. */
export function yescryptProblem(hash: string): string | undefined {
  return problemWith(parseYescrypt, hash);
}

/**
 * crypt(password, setting) for a "$7$" (scrypt) setting or full hash: the salt is the characters
 * after the 11 parameter characters, used as they are. Throws as yescrypt() does.
 */
export function scryptCrypt(password: string | Uint8Array, setting: string): string {
  return cryptWith(parseScrypt, 'scrypt', password, setting);
}

/** A checker for one stored "$7$" hash; null for a malformed or refused string (see scryptProblem). */
export function scryptChecker(hash: string): ((candidate: string) => boolean) | null {
  return checkerWith(parseScrypt, hash);
}

/** Why scryptChecker(hash) is null; undefined when it is not. */
export function scryptProblem(hash: string): string | undefined {
  return problemWith(parseScrypt, hash);
}

/**
 * Bytes that pass through the mixing step for one candidate against a "$y$" or "$7$" hash (the
 * cracker sizes its work slices by it); undefined for a string that cannot be checked.
 */
export function cryptWorkBytes(hash: string): number | undefined {
  const parsed = hash.startsWith('$7$') ? parseScrypt(hash) : parseYescrypt(hash);
  return typeof parsed === 'string' ? undefined : workBytes(parsed.params);
}
