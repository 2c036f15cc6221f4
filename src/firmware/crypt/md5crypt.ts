// md5crypt ("$1$", Poul-Henning Kamp's FreeBSD scheme, what glibc and BusyBox write) and Apache's
// "$apr1$" (the same algorithm with another magic string), producing what `openssl passwd -1` /
// `-apr1` and crypt() produce.
// https://www.freebsd.org/cgi/cvsweb.cgi/src/lib/libcrypt/crypt-md5.c (the reference, 1994)
//
// MD5 is written here rather than taken from node:crypto: one md5crypt is 1,002 MD5s of one or two
// blocks each, and at that size the cost of a call into OpenSSL (and the Buffer it returns) is
// larger than the hash itself. A JavaScript MD5 over preallocated typed arrays does the whole
// candidate without allocating, which is what cracking a firmware's hashes against a word list
// needs (bench/crack-speed.ts measures it against John the Ripper).
import { timingSafeEqual } from 'node:crypto';

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SALT_MAX_LENGTH = 8;
// Passwords longer than this are refused: the work is linear in the length, and no device ships one.
const PASSWORD_MAX_BYTES = 4096;

export type Md5CryptMagic = '$1$' | '$apr1$';

// MD5 after RFC 1321; the per-step constants (floor(|sin(i + 1)| * 2^32)) and shifts are written
// into the unrolled steps below.

// The words of a message block are read straight out of an Int32Array over the message bytes,
// which is MD5's little-endian order on the machines Node runs on; a big-endian host swaps them.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function swapWords(w: Int32Array, at: number, count: number): void {
  for (let i = at; i < at + count; i++) {
    const v = w[i]!;
    w[i] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
  }
}

function resetState(st: Int32Array): void {
  st[0] = 0x67452301;
  st[1] = 0xefcdab89 | 0;
  st[2] = 0x98badcfe | 0;
  st[3] = 0x10325476;
}

// One 64-byte block at word `at` of `w` into the state. Unrolled and written out: V8 keeps the 16
// words and 4 state values in registers, several times faster than a loop over constant tables.
function compressBlock(w: Int32Array, at: number, st: Int32Array): void {
  if (!LITTLE_ENDIAN) swapWords(w, at, 16);
  const x0 = w[at + 0]!;
  const x1 = w[at + 1]!;
  const x2 = w[at + 2]!;
  const x3 = w[at + 3]!;
  const x4 = w[at + 4]!;
  const x5 = w[at + 5]!;
  const x6 = w[at + 6]!;
  const x7 = w[at + 7]!;
  const x8 = w[at + 8]!;
  const x9 = w[at + 9]!;
  const x10 = w[at + 10]!;
  const x11 = w[at + 11]!;
  const x12 = w[at + 12]!;
  const x13 = w[at + 13]!;
  const x14 = w[at + 14]!;
  const x15 = w[at + 15]!;
  let a = st[0]!;
  let b = st[1]!;
  let c = st[2]!;
  let d = st[3]!;
  a = (a + ((b & c) | (~b & d)) + x0 + -680876936) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x1 + -389564586) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x2 + 606105819) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x3 + -1044525330) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((b & c) | (~b & d)) + x4 + -176418897) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x5 + 1200080426) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x6 + -1473231341) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x7 + -45705983) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((b & c) | (~b & d)) + x8 + 1770035416) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x9 + -1958414417) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x10 + -42063) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x11 + -1990404162) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((b & c) | (~b & d)) + x12 + 1804603682) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + ((a & b) | (~a & c)) + x13 + -40341101) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + ((d & a) | (~d & b)) + x14 + -1502002290) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + ((c & d) | (~c & a)) + x15 + 1236535329) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + ((b & d) | (c & ~d)) + x1 + -165796510) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((a & c) | (b & ~c)) + x6 + -1069501632) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((d & b) | (a & ~b)) + x11 + 643717713) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((c & a) | (d & ~a)) + x0 + -373897302) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + ((b & d) | (c & ~d)) + x5 + -701558691) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((a & c) | (b & ~c)) + x10 + 38016083) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((d & b) | (a & ~b)) + x15 + -660478335) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((c & a) | (d & ~a)) + x4 + -405537848) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + ((b & d) | (c & ~d)) + x9 + 568446438) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((a & c) | (b & ~c)) + x14 + -1019803690) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((d & b) | (a & ~b)) + x3 + -187363961) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((c & a) | (d & ~a)) + x8 + 1163531501) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + ((b & d) | (c & ~d)) + x13 + -1444681467) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + ((a & c) | (b & ~c)) + x2 + -51403784) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + ((d & b) | (a & ~b)) + x7 + 1735328473) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + ((c & a) | (d & ~a)) + x12 + -1926607734) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + (b ^ c ^ d) + x5 + -378558) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x8 + -2022574463) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x11 + 1839030562) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x14 + -35309556) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (b ^ c ^ d) + x1 + -1530992060) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x4 + 1272893353) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x7 + -155497632) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x10 + -1094730640) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (b ^ c ^ d) + x13 + 681279174) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x0 + -358537222) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x3 + -722521979) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x6 + 76029189) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (b ^ c ^ d) + x9 + -640364487) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + (a ^ b ^ c) + x12 + -421815835) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + (d ^ a ^ b) + x15 + 530742520) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + (c ^ d ^ a) + x2 + -995338651) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x0 + -198630844) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x7 + 1126891415) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x14 + -1416354905) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x5 + -57434055) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x12 + 1700485571) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x3 + -1894986606) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x10 + -1051523) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x1 + -2054922799) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x8 + 1873313359) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x15 + -30611744) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x6 + -1560198380) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x13 + 1309151649) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + (c ^ (b | ~d)) + x4 + -145523070) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + (b ^ (a | ~c)) + x11 + -1120210379) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + (a ^ (d | ~b)) + x2 + 718787259) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + (d ^ (c | ~a)) + x9 + -343485551) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  st[0] = (st[0]! + a) | 0;
  st[1] = (st[1]! + b) | 0;
  st[2] = (st[2]! + c) | 0;
  st[3] = (st[3]! + d) | 0;
  if (!LITTLE_ENDIAN) swapWords(w, at, 16);
}

/** Pads the message of `length` bytes at byte `base` of `bytes` in place; returns its block count. */
function pad(bytes: Uint8Array, base: number, length: number): number {
  const blocks = ((length + 8) >> 6) + 1;
  const end = base + 64 * blocks;
  bytes[base + length] = 0x80;
  for (let i = base + length + 1; i < end - 8; i++) bytes[i] = 0;
  const bits = length * 8;
  bytes[end - 8] = bits & 0xff;
  bytes[end - 7] = (bits >>> 8) & 0xff;
  bytes[end - 6] = (bits >>> 16) & 0xff;
  bytes[end - 5] = (bits >>> 24) & 0xff;
  // Messages here stay far below 2^29 bytes (passwords are capped), so the high word is 0.
  bytes[end - 4] = 0;
  bytes[end - 3] = 0;
  bytes[end - 2] = 0;
  bytes[end - 1] = 0;
  return blocks;
}

// The digest bytes in the order md5crypt feeds them to its base 64, three at a time, then byte 11.
const ORDER = [0, 6, 12, 1, 7, 13, 2, 8, 14, 3, 9, 15, 4, 10, 5] as const;

function encode(digest: Uint8Array): string {
  let out = '';
  for (let i = 0; i < ORDER.length; i += 3) {
    let v = ((digest[ORDER[i] ?? 0] ?? 0) << 16) | ((digest[ORDER[i + 1] ?? 0] ?? 0) << 8) | (digest[ORDER[i + 2] ?? 0] ?? 0);
    for (let k = 0; k < 4; k++, v >>>= 6) out += CRYPT_ALPHABET[v & 63];
  }
  let v = digest[11] ?? 0;
  for (let k = 0; k < 2; k++, v >>>= 6) out += CRYPT_ALPHABET[v & 63];
  return out;
}

/** The 16 digest bytes behind a 22-character md5crypt hash, or null when it is not one. */
function decode(encoded: string): Uint8Array | null {
  if (encoded.length !== 22) return null;
  const out = new Uint8Array(16);
  const value = (i: number): number => CRYPT_ALPHABET.indexOf(encoded[i] ?? '');
  for (let g = 0; g < 5; g++) {
    let v = 0;
    for (let k = 3; k >= 0; k--) {
      const six = value(4 * g + k);
      if (six < 0) return null;
      v = (v << 6) | six;
    }
    out[ORDER[3 * g] ?? 0] = (v >>> 16) & 0xff;
    out[ORDER[3 * g + 1] ?? 0] = (v >>> 8) & 0xff;
    out[ORDER[3 * g + 2] ?? 0] = v & 0xff;
  }
  const hi = value(21);
  const lo = value(20);
  // The last character carries only the top two bits of byte 11; anything above them is not a
  // string crypt() could have written.
  if (hi < 0 || lo < 0 || hi > 3) return null;
  out[11] = (hi << 6) | lo;
  return out;
}

/**
 * The md5crypt computation for one salt, reusable across many candidate passwords without
 * allocating (the crack loop's inner step).
 *
 * The 1,000 rounds use eight message layouts, (digest | password) [salt] [password]
 * (password | digest), picked by i odd, i % 3 and i % 7. Each layout is laid out and padded once
 * per candidate; a round then only writes the previous digest into its slot and compresses, so the
 * digest never leaves the four state words.
 */
export class Md5CryptEngine {
  private readonly magic: Uint8Array;
  private readonly salt: Uint8Array;
  private readonly state = new Int32Array(4);
  private readonly final = new Uint8Array(16);
  private password = new Uint8Array(64);
  private readonly encoder = new TextEncoder();
  // Eight layouts of `stride` words each, plus the scratch message at layout 8.
  private words = new Int32Array(0);
  private bytes = new Uint8Array(0);
  private stride = 0;
  private readonly slot = new Int32Array(8);
  private readonly blocks = new Int32Array(9);

  constructor(magic: Md5CryptMagic, salt: string) {
    this.magic = Uint8Array.from(magic, (c) => c.charCodeAt(0));
    // crypt() takes the salt as bytes up to the first '$', at most 8.
    this.salt = Buffer.from(salt.split('$')[0]?.slice(0, SALT_MAX_LENGTH) ?? '', 'latin1');
    this.ensure(64);
  }

  private ensure(pwLength: number): void {
    // The longest message: the second one (password magic salt alternate-sum bit-bytes), or a
    // round's (digest salt password password), plus padding.
    const longest = Math.max(2 * pwLength + this.magic.length + this.salt.length + 32, 16 + this.salt.length + 2 * pwLength);
    const stride = 16 * (((longest + 8) >> 6) + 1);
    if (stride <= this.stride) return;
    this.stride = stride;
    this.words = new Int32Array(9 * stride);
    this.bytes = new Uint8Array(this.words.buffer);
  }

  /** The 16-byte digest of `password` (UTF-8); the returned array is reused by the next call. */
  digest(password: string): Uint8Array {
    // UTF-8 is at most 3 bytes per UTF-16 unit; grow once for long candidates, not per call.
    if (password.length * 3 > this.password.length) this.password = new Uint8Array(password.length * 3);
    const length = this.encoder.encodeInto(password, this.password).written;
    return this.digestBytes(this.password, length);
  }

  // MD5 of the scratch message (layout 8) of `length` bytes into the state.
  private hashScratch(length: number): void {
    const at = 8 * this.stride;
    const blocks = pad(this.bytes, 4 * at, length);
    resetState(this.state);
    for (let k = 0; k < blocks; k++) compressBlock(this.words, at + 16 * k, this.state);
  }

  digestBytes(pw: Uint8Array, pwLength: number): Uint8Array {
    this.ensure(pwLength);
    const { salt, magic, final, state } = this;
    const sl = salt.length;
    const m = this.bytes;
    const stride = this.stride;
    const scratch = 4 * 8 * stride;
    const password = pw.subarray(0, pwLength);

    // "Alternate sum": MD5(password salt password).
    m.set(password, scratch);
    m.set(salt, scratch + pwLength);
    m.set(password, scratch + pwLength + sl);
    this.hashScratch(2 * pwLength + sl);
    const alternate = this.final;
    writeDigest(state, alternate, 0);

    // password magic salt, then the alternate sum repeated over the password's length, then one
    // byte per bit of the length: a NUL for a 1, the password's first byte for a 0 (the 1994 code
    // meant to write the password but wrote the zeroed digest, and everyone kept it).
    let o = scratch;
    m.set(password, o);
    o += pwLength;
    m.set(magic, o);
    o += magic.length;
    m.set(salt, o);
    o += sl;
    for (let left = pwLength; left > 0; left -= 16) {
      const take = left > 16 ? 16 : left;
      for (let k = 0; k < take; k++) m[o++] = alternate[k]!;
    }
    const first = pwLength > 0 ? pw[0]! : 0;
    for (let bits = pwLength; bits > 0; bits >>>= 1) m[o++] = (bits & 1) !== 0 ? 0 : first;
    this.hashScratch(o - scratch);

    // Lay out the eight round messages once.
    const { slot, blocks, words } = this;
    for (let layout = 0; layout < 8; layout++) {
      const odd = (layout & 1) !== 0;
      const base = 4 * layout * stride;
      let at = base;
      if (odd) {
        m.set(password, at);
        at += pwLength;
      } else {
        slot[layout] = 0;
        at += 16;
      }
      if ((layout & 2) !== 0) {
        m.set(salt, at);
        at += sl;
      }
      if ((layout & 4) !== 0) {
        m.set(password, at);
        at += pwLength;
      }
      if (odd) {
        slot[layout] = at - base;
        at += 16;
      } else {
        m.set(password, at);
        at += pwLength;
      }
      blocks[layout] = pad(m, base, at - base);
    }

    // 1,000 rounds, each over the previous digest and the password, with the salt when i % 3 and
    // the password again when i % 7, the digest first on even rounds and last on odd ones.
    let d0 = state[0]!;
    let d1 = state[1]!;
    let d2 = state[2]!;
    let d3 = state[3]!;
    let mod3 = 0;
    let mod7 = 0;
    for (let i = 0; i < 1000; i++) {
      const layout = (i & 1) | (mod3 !== 0 ? 2 : 0) | (mod7 !== 0 ? 4 : 0);
      if (++mod3 === 3) mod3 = 0;
      if (++mod7 === 7) mod7 = 0;
      const at = layout * stride;
      const offset = slot[layout]!;
      if ((offset & 3) === 0 && LITTLE_ENDIAN) {
        const w = at + (offset >> 2);
        words[w] = d0;
        words[w + 1] = d1;
        words[w + 2] = d2;
        words[w + 3] = d3;
      } else {
        const b = 4 * at + offset;
        m[b] = d0;
        m[b + 1] = d0 >>> 8;
        m[b + 2] = d0 >>> 16;
        m[b + 3] = d0 >>> 24;
        m[b + 4] = d1;
        m[b + 5] = d1 >>> 8;
        m[b + 6] = d1 >>> 16;
        m[b + 7] = d1 >>> 24;
        m[b + 8] = d2;
        m[b + 9] = d2 >>> 8;
        m[b + 10] = d2 >>> 16;
        m[b + 11] = d2 >>> 24;
        m[b + 12] = d3;
        m[b + 13] = d3 >>> 8;
        m[b + 14] = d3 >>> 16;
        m[b + 15] = d3 >>> 24;
      }
      resetState(state);
      const count = blocks[layout]!;
      for (let k = 0; k < count; k++) compressBlock(words, at + 16 * k, state);
      d0 = state[0]!;
      d1 = state[1]!;
      d2 = state[2]!;
      d3 = state[3]!;
    }
    writeDigest(state, final, 0);
    return final;
  }
}

// MD5's output bytes are the state words in little-endian order.
function writeDigest(st: Int32Array, out: Uint8Array, at: number): void {
  for (let i = 0; i < 4; i++) {
    const v = st[i]!;
    out[at + 4 * i] = v;
    out[at + 4 * i + 1] = v >>> 8;
    out[at + 4 * i + 2] = v >>> 16;
    out[at + 4 * i + 3] = v >>> 24;
  }
}

function passwordProblem(password: string): string | undefined {
  if (password.includes('\0')) return 'password must not contain a NUL character';
  if (/\p{Cs}/u.test(password)) return 'password is not well-formed Unicode (it has a lone surrogate)';
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes > PASSWORD_MAX_BYTES) return `password is ${bytes} bytes of UTF-8; at most ${PASSWORD_MAX_BYTES} are accepted`;
  return undefined;
}

function randomSalt(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SALT_MAX_LENGTH));
  let salt = '';
  for (const byte of bytes) salt += CRYPT_ALPHABET[byte & 63];
  return salt;
}

/**
 * Hashes `password` as crypt() does for a "$1$salt" setting (or Apache's "$apr1$salt") and
 * returns the whole "$1$salt$hash" string. The salt is cut at 8 characters; without one, 8 random
 * characters are drawn. Throws a RangeError for a salt holding "$", ":" or a newline, and for a
 * password with a NUL, a lone surrogate, or more than 4096 UTF-8 bytes.
 */
export function md5crypt(password: string, salt: string = randomSalt(), magic: Md5CryptMagic = '$1$'): string {
  const problem = passwordProblem(password);
  if (problem !== undefined) throw new RangeError(`md5crypt: ${problem}`);
  if (/[$:\n]/.test(salt)) throw new RangeError('md5crypt: salt must not contain "$", ":" or a newline');
  const used = salt.slice(0, SALT_MAX_LENGTH);
  return `${magic}${used}$${encode(new Md5CryptEngine(magic, used).digest(password))}`;
}

export function apr1(password: string, salt?: string): string {
  return md5crypt(password, salt, '$apr1$');
}

const HASH_FORMAT = /^(\$1\$|\$apr1\$)([^$:\n]{0,8})\$([./0-9A-Za-z]{22})$/;

/** The parts of an md5crypt or apr1 string, or null when it is not one crypt() could write. */
export function parseMd5Crypt(hash: string): { magic: Md5CryptMagic; salt: string; digest: Uint8Array } | null {
  const match = HASH_FORMAT.exec(hash);
  if (match === null) return null;
  const digest = decode(match[3] ?? '');
  if (digest === null) return null;
  return { magic: match[1] === '$1$' ? '$1$' : '$apr1$', salt: match[2] ?? '', digest };
}

/**
 * A checker for one stored hash: precomputes the salt and the target digest once, then tells
 * whether each candidate matches, comparing raw digests (no string built per candidate).
 * Null when `hash` is not an md5crypt/apr1 string.
 */
export function md5CryptChecker(hash: string): ((candidate: string) => boolean) | null {
  const parsed = parseMd5Crypt(hash);
  if (parsed === null) return null;
  const engine = new Md5CryptEngine(parsed.magic, parsed.salt);
  const target = parsed.digest;
  return (candidate) => {
    if (passwordProblem(candidate) !== undefined) return false;
    const got = engine.digest(candidate);
    // A mismatch on the first bytes is the common case; the full constant-time compare only runs
    // for a near-certain match.
    if (got[0] !== target[0] || got[1] !== target[1]) return false;
    return timingSafeEqual(got, target);
  };
}

/** True when `hash` is a "$1$" or "$apr1$" string that crypt() would produce from `password`. Never throws. */
export function verifyMd5Crypt(password: string, hash: string): boolean {
  if (typeof password !== 'string' || typeof hash !== 'string') return false;
  const check = md5CryptChecker(hash);
  return check !== null && check(password);
}
