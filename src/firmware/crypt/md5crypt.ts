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
// into the unrolled steps below. MD5 is one chain of 64 dependent steps, so what bounds its speed
// is the latency of that chain, not the number of operations: each step adds the message word and
// the constant to `a` first (they do not wait on the previous step) and the round function last,
// and the round functions are in the forms with the fewest operations after `b`, the value the
// previous step produced (F = d ^ (b & (c ^ d)); G as the sum of its two disjoint halves, the one
// without `b` ready early). That ordering alone made md5crypt about 1.5 times faster than
// `a + F(b, c, d) + x + k`, which V8 evaluates left to right.

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
  const x0 = w[at]!;
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
  a = (a + x0 + -680876936 + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + x1 + -389564586 + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + x2 + 606105819 + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + x3 + -1044525330 + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + x4 + -176418897 + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + x5 + 1200080426 + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + x6 + -1473231341 + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + x7 + -45705983 + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + x8 + 1770035416 + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + x9 + -1958414417 + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + x10 + -42063 + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + x11 + -1990404162 + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + x12 + 1804603682 + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + x13 + -40341101 + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + x14 + -1502002290 + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + x15 + 1236535329 + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + x1 + -165796510 + (c & ~d) + (b & d)) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + x6 + -1069501632 + (b & ~c) + (a & c)) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + x11 + 643717713 + (a & ~b) + (d & b)) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + x0 + -373897302 + (d & ~a) + (c & a)) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + x5 + -701558691 + (c & ~d) + (b & d)) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + x10 + 38016083 + (b & ~c) + (a & c)) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + x15 + -660478335 + (a & ~b) + (d & b)) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + x4 + -405537848 + (d & ~a) + (c & a)) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + x9 + 568446438 + (c & ~d) + (b & d)) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + x14 + -1019803690 + (b & ~c) + (a & c)) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + x3 + -187363961 + (a & ~b) + (d & b)) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + x8 + 1163531501 + (d & ~a) + (c & a)) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + x13 + -1444681467 + (c & ~d) + (b & d)) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + x2 + -51403784 + (b & ~c) + (a & c)) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + x7 + 1735328473 + (a & ~b) + (d & b)) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + x12 + -1926607734 + (d & ~a) + (c & a)) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + x5 + -378558 + (b ^ (c ^ d))) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + x8 + -2022574463 + (a ^ (b ^ c))) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + x11 + 1839030562 + (d ^ (a ^ b))) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + x14 + -35309556 + (c ^ (d ^ a))) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + x1 + -1530992060 + (b ^ (c ^ d))) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + x4 + 1272893353 + (a ^ (b ^ c))) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + x7 + -155497632 + (d ^ (a ^ b))) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + x10 + -1094730640 + (c ^ (d ^ a))) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + x13 + 681279174 + (b ^ (c ^ d))) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + x0 + -358537222 + (a ^ (b ^ c))) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + x3 + -722521979 + (d ^ (a ^ b))) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + x6 + 76029189 + (c ^ (d ^ a))) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + x9 + -640364487 + (b ^ (c ^ d))) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + x12 + -421815835 + (a ^ (b ^ c))) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + x15 + 530742520 + (d ^ (a ^ b))) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + x2 + -995338651 + (c ^ (d ^ a))) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + x0 + -198630844 + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + x7 + 1126891415 + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + x14 + -1416354905 + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + x5 + -57434055 + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + x12 + 1700485571 + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + x3 + -1894986606 + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + x10 + -1051523 + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + x1 + -2054922799 + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + x8 + 1873313359 + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + x15 + -30611744 + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + x6 + -1560198380 + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + x13 + 1309151649 + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + x4 + -145523070 + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + x11 + -1120210379 + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + x2 + 718787259 + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + x9 + -343485551 + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  st[0] = (st[0]! + a) | 0;
  st[1] = (st[1]! + b) | 0;
  st[2] = (st[2]! + c) | 0;
  st[3] = (st[3]! + d) | 0;
  if (!LITTLE_ENDIAN) swapWords(w, at, 16);
}

// Writes a round's input digest into its place in a one-block message: `offset` bytes into the
// block at word `at`. Little-endian only. An unaligned digest straddles five words; the bytes
// before it in the first and after it in the last (password, salt or padding) are kept.
function placeDigest(words: Int32Array, at: number, offset: number, d0: number, d1: number, d2: number, d3: number): void {
  const q = at + (offset >> 2);
  const shift = (offset & 3) << 3;
  if (shift === 0) {
    words[q] = d0;
    words[q + 1] = d1;
    words[q + 2] = d2;
    words[q + 3] = d3;
  } else {
    const back = 32 - shift;
    const low = (1 << shift) - 1;
    words[q] = (words[q]! & low) | (d0 << shift);
    words[q + 1] = (d0 >>> back) | (d1 << shift);
    words[q + 2] = (d1 >>> back) | (d2 << shift);
    words[q + 3] = (d2 >>> back) | (d3 << shift);
    words[q + 4] = (d3 >>> back) | (words[q + 4]! & ~low);
  }
}

// md5crypt's 1,000 rounds when each of the eight round messages is one block (see Lane), with the
// digest kept in locals from round to round rather than in a state array, and the MD5 inlined.
// The state starts as the digest before the rounds and ends as the final one.
function roundsOneBlock(lane: Lane): void {
  const { words, stride, slot, state } = lane;
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
    placeDigest(words, at, slot[layout]!, d0, d1, d2, d3);
    const x0 = words[at]!;
    const x1 = words[at + 1]!;
    const x2 = words[at + 2]!;
    const x3 = words[at + 3]!;
    const x4 = words[at + 4]!;
    const x5 = words[at + 5]!;
    const x6 = words[at + 6]!;
    const x7 = words[at + 7]!;
    const x8 = words[at + 8]!;
    const x9 = words[at + 9]!;
    const x10 = words[at + 10]!;
    const x11 = words[at + 11]!;
    const x12 = words[at + 12]!;
    const x13 = words[at + 13]!;
    const x14 = words[at + 14]!;
    const x15 = words[at + 15]!;
    let a = 0x67452301;
    let b = 0xefcdab89 | 0;
    let c = 0x98badcfe | 0;
    let d = 0x10325476;
    a = (a + x0 + -680876936 + (d ^ (b & (c ^ d)))) | 0;
    a = (((a << 7) | (a >>> 25)) + b) | 0;
    d = (d + x1 + -389564586 + (c ^ (a & (b ^ c)))) | 0;
    d = (((d << 12) | (d >>> 20)) + a) | 0;
    c = (c + x2 + 606105819 + (b ^ (d & (a ^ b)))) | 0;
    c = (((c << 17) | (c >>> 15)) + d) | 0;
    b = (b + x3 + -1044525330 + (a ^ (c & (d ^ a)))) | 0;
    b = (((b << 22) | (b >>> 10)) + c) | 0;
    a = (a + x4 + -176418897 + (d ^ (b & (c ^ d)))) | 0;
    a = (((a << 7) | (a >>> 25)) + b) | 0;
    d = (d + x5 + 1200080426 + (c ^ (a & (b ^ c)))) | 0;
    d = (((d << 12) | (d >>> 20)) + a) | 0;
    c = (c + x6 + -1473231341 + (b ^ (d & (a ^ b)))) | 0;
    c = (((c << 17) | (c >>> 15)) + d) | 0;
    b = (b + x7 + -45705983 + (a ^ (c & (d ^ a)))) | 0;
    b = (((b << 22) | (b >>> 10)) + c) | 0;
    a = (a + x8 + 1770035416 + (d ^ (b & (c ^ d)))) | 0;
    a = (((a << 7) | (a >>> 25)) + b) | 0;
    d = (d + x9 + -1958414417 + (c ^ (a & (b ^ c)))) | 0;
    d = (((d << 12) | (d >>> 20)) + a) | 0;
    c = (c + x10 + -42063 + (b ^ (d & (a ^ b)))) | 0;
    c = (((c << 17) | (c >>> 15)) + d) | 0;
    b = (b + x11 + -1990404162 + (a ^ (c & (d ^ a)))) | 0;
    b = (((b << 22) | (b >>> 10)) + c) | 0;
    a = (a + x12 + 1804603682 + (d ^ (b & (c ^ d)))) | 0;
    a = (((a << 7) | (a >>> 25)) + b) | 0;
    d = (d + x13 + -40341101 + (c ^ (a & (b ^ c)))) | 0;
    d = (((d << 12) | (d >>> 20)) + a) | 0;
    c = (c + x14 + -1502002290 + (b ^ (d & (a ^ b)))) | 0;
    c = (((c << 17) | (c >>> 15)) + d) | 0;
    b = (b + x15 + 1236535329 + (a ^ (c & (d ^ a)))) | 0;
    b = (((b << 22) | (b >>> 10)) + c) | 0;
    a = (a + x1 + -165796510 + (c & ~d) + (b & d)) | 0;
    a = (((a << 5) | (a >>> 27)) + b) | 0;
    d = (d + x6 + -1069501632 + (b & ~c) + (a & c)) | 0;
    d = (((d << 9) | (d >>> 23)) + a) | 0;
    c = (c + x11 + 643717713 + (a & ~b) + (d & b)) | 0;
    c = (((c << 14) | (c >>> 18)) + d) | 0;
    b = (b + x0 + -373897302 + (d & ~a) + (c & a)) | 0;
    b = (((b << 20) | (b >>> 12)) + c) | 0;
    a = (a + x5 + -701558691 + (c & ~d) + (b & d)) | 0;
    a = (((a << 5) | (a >>> 27)) + b) | 0;
    d = (d + x10 + 38016083 + (b & ~c) + (a & c)) | 0;
    d = (((d << 9) | (d >>> 23)) + a) | 0;
    c = (c + x15 + -660478335 + (a & ~b) + (d & b)) | 0;
    c = (((c << 14) | (c >>> 18)) + d) | 0;
    b = (b + x4 + -405537848 + (d & ~a) + (c & a)) | 0;
    b = (((b << 20) | (b >>> 12)) + c) | 0;
    a = (a + x9 + 568446438 + (c & ~d) + (b & d)) | 0;
    a = (((a << 5) | (a >>> 27)) + b) | 0;
    d = (d + x14 + -1019803690 + (b & ~c) + (a & c)) | 0;
    d = (((d << 9) | (d >>> 23)) + a) | 0;
    c = (c + x3 + -187363961 + (a & ~b) + (d & b)) | 0;
    c = (((c << 14) | (c >>> 18)) + d) | 0;
    b = (b + x8 + 1163531501 + (d & ~a) + (c & a)) | 0;
    b = (((b << 20) | (b >>> 12)) + c) | 0;
    a = (a + x13 + -1444681467 + (c & ~d) + (b & d)) | 0;
    a = (((a << 5) | (a >>> 27)) + b) | 0;
    d = (d + x2 + -51403784 + (b & ~c) + (a & c)) | 0;
    d = (((d << 9) | (d >>> 23)) + a) | 0;
    c = (c + x7 + 1735328473 + (a & ~b) + (d & b)) | 0;
    c = (((c << 14) | (c >>> 18)) + d) | 0;
    b = (b + x12 + -1926607734 + (d & ~a) + (c & a)) | 0;
    b = (((b << 20) | (b >>> 12)) + c) | 0;
    a = (a + x5 + -378558 + (b ^ (c ^ d))) | 0;
    a = (((a << 4) | (a >>> 28)) + b) | 0;
    d = (d + x8 + -2022574463 + (a ^ (b ^ c))) | 0;
    d = (((d << 11) | (d >>> 21)) + a) | 0;
    c = (c + x11 + 1839030562 + (d ^ (a ^ b))) | 0;
    c = (((c << 16) | (c >>> 16)) + d) | 0;
    b = (b + x14 + -35309556 + (c ^ (d ^ a))) | 0;
    b = (((b << 23) | (b >>> 9)) + c) | 0;
    a = (a + x1 + -1530992060 + (b ^ (c ^ d))) | 0;
    a = (((a << 4) | (a >>> 28)) + b) | 0;
    d = (d + x4 + 1272893353 + (a ^ (b ^ c))) | 0;
    d = (((d << 11) | (d >>> 21)) + a) | 0;
    c = (c + x7 + -155497632 + (d ^ (a ^ b))) | 0;
    c = (((c << 16) | (c >>> 16)) + d) | 0;
    b = (b + x10 + -1094730640 + (c ^ (d ^ a))) | 0;
    b = (((b << 23) | (b >>> 9)) + c) | 0;
    a = (a + x13 + 681279174 + (b ^ (c ^ d))) | 0;
    a = (((a << 4) | (a >>> 28)) + b) | 0;
    d = (d + x0 + -358537222 + (a ^ (b ^ c))) | 0;
    d = (((d << 11) | (d >>> 21)) + a) | 0;
    c = (c + x3 + -722521979 + (d ^ (a ^ b))) | 0;
    c = (((c << 16) | (c >>> 16)) + d) | 0;
    b = (b + x6 + 76029189 + (c ^ (d ^ a))) | 0;
    b = (((b << 23) | (b >>> 9)) + c) | 0;
    a = (a + x9 + -640364487 + (b ^ (c ^ d))) | 0;
    a = (((a << 4) | (a >>> 28)) + b) | 0;
    d = (d + x12 + -421815835 + (a ^ (b ^ c))) | 0;
    d = (((d << 11) | (d >>> 21)) + a) | 0;
    c = (c + x15 + 530742520 + (d ^ (a ^ b))) | 0;
    c = (((c << 16) | (c >>> 16)) + d) | 0;
    b = (b + x2 + -995338651 + (c ^ (d ^ a))) | 0;
    b = (((b << 23) | (b >>> 9)) + c) | 0;
    a = (a + x0 + -198630844 + (c ^ (b | ~d))) | 0;
    a = (((a << 6) | (a >>> 26)) + b) | 0;
    d = (d + x7 + 1126891415 + (b ^ (a | ~c))) | 0;
    d = (((d << 10) | (d >>> 22)) + a) | 0;
    c = (c + x14 + -1416354905 + (a ^ (d | ~b))) | 0;
    c = (((c << 15) | (c >>> 17)) + d) | 0;
    b = (b + x5 + -57434055 + (d ^ (c | ~a))) | 0;
    b = (((b << 21) | (b >>> 11)) + c) | 0;
    a = (a + x12 + 1700485571 + (c ^ (b | ~d))) | 0;
    a = (((a << 6) | (a >>> 26)) + b) | 0;
    d = (d + x3 + -1894986606 + (b ^ (a | ~c))) | 0;
    d = (((d << 10) | (d >>> 22)) + a) | 0;
    c = (c + x10 + -1051523 + (a ^ (d | ~b))) | 0;
    c = (((c << 15) | (c >>> 17)) + d) | 0;
    b = (b + x1 + -2054922799 + (d ^ (c | ~a))) | 0;
    b = (((b << 21) | (b >>> 11)) + c) | 0;
    a = (a + x8 + 1873313359 + (c ^ (b | ~d))) | 0;
    a = (((a << 6) | (a >>> 26)) + b) | 0;
    d = (d + x15 + -30611744 + (b ^ (a | ~c))) | 0;
    d = (((d << 10) | (d >>> 22)) + a) | 0;
    c = (c + x6 + -1560198380 + (a ^ (d | ~b))) | 0;
    c = (((c << 15) | (c >>> 17)) + d) | 0;
    b = (b + x13 + 1309151649 + (d ^ (c | ~a))) | 0;
    b = (((b << 21) | (b >>> 11)) + c) | 0;
    a = (a + x4 + -145523070 + (c ^ (b | ~d))) | 0;
    a = (((a << 6) | (a >>> 26)) + b) | 0;
    d = (d + x11 + -1120210379 + (b ^ (a | ~c))) | 0;
    d = (((d << 10) | (d >>> 22)) + a) | 0;
    c = (c + x2 + 718787259 + (a ^ (d | ~b))) | 0;
    c = (((c << 15) | (c >>> 17)) + d) | 0;
    b = (b + x9 + -343485551 + (d ^ (c | ~a))) | 0;
    b = (((b << 21) | (b >>> 11)) + c) | 0;
    d0 = (a + 0x67452301) | 0;
    d1 = (b + (0xefcdab89 | 0)) | 0;
    d2 = (c + (0x98badcfe | 0)) | 0;
    d3 = (d + 0x10325476) | 0;
  }
  state[0] = d0;
  state[1] = d1;
  state[2] = d2;
  state[3] = d3;
}

// roundsOneBlock for two candidates at once, their steps interleaved. One MD5 chain waits on each
// step's latency and leaves most of the core's execution units idle; a second, independent chain
// fills them (John the Ripper's MD5_X2 does the same), about 1.5 times the candidates per second.
// A third chain gained a few per cent more on the 2-core build machine and a fourth lost, the
// registers running out.
function roundsOneBlockPair(first: Lane, second: Lane): void {
  const wa = first.words;
  const wb = second.words;
  const strideA = first.stride;
  const strideB = second.stride;
  const slotA = first.slot;
  const slotB = second.slot;
  let p0 = first.state[0]!;
  let p1 = first.state[1]!;
  let p2 = first.state[2]!;
  let p3 = first.state[3]!;
  let q0 = second.state[0]!;
  let q1 = second.state[1]!;
  let q2 = second.state[2]!;
  let q3 = second.state[3]!;
  let mod3 = 0;
  let mod7 = 0;
  for (let i = 0; i < 1000; i++) {
    const layout = (i & 1) | (mod3 !== 0 ? 2 : 0) | (mod7 !== 0 ? 4 : 0);
    if (++mod3 === 3) mod3 = 0;
    if (++mod7 === 7) mod7 = 0;
    const atA = layout * strideA;
    const atB = layout * strideB;
    placeDigest(wa, atA, slotA[layout]!, p0, p1, p2, p3);
    placeDigest(wb, atB, slotB[layout]!, q0, q1, q2, q3);
    const x0 = wa[atA]!;
    const x1 = wa[atA + 1]!;
    const x2 = wa[atA + 2]!;
    const x3 = wa[atA + 3]!;
    const x4 = wa[atA + 4]!;
    const x5 = wa[atA + 5]!;
    const x6 = wa[atA + 6]!;
    const x7 = wa[atA + 7]!;
    const x8 = wa[atA + 8]!;
    const x9 = wa[atA + 9]!;
    const x10 = wa[atA + 10]!;
    const x11 = wa[atA + 11]!;
    const x12 = wa[atA + 12]!;
    const x13 = wa[atA + 13]!;
    const x14 = wa[atA + 14]!;
    const x15 = wa[atA + 15]!;
    const y0 = wb[atB]!;
    const y1 = wb[atB + 1]!;
    const y2 = wb[atB + 2]!;
    const y3 = wb[atB + 3]!;
    const y4 = wb[atB + 4]!;
    const y5 = wb[atB + 5]!;
    const y6 = wb[atB + 6]!;
    const y7 = wb[atB + 7]!;
    const y8 = wb[atB + 8]!;
    const y9 = wb[atB + 9]!;
    const y10 = wb[atB + 10]!;
    const y11 = wb[atB + 11]!;
    const y12 = wb[atB + 12]!;
    const y13 = wb[atB + 13]!;
    const y14 = wb[atB + 14]!;
    const y15 = wb[atB + 15]!;
    let a = 0x67452301;
    let b = 0xefcdab89 | 0;
    let c = 0x98badcfe | 0;
    let d = 0x10325476;
    let e = 0x67452301;
    let f = 0xefcdab89 | 0;
    let g = 0x98badcfe | 0;
    let h = 0x10325476;
    a = (a + x0 + -680876936 + (d ^ (b & (c ^ d)))) | 0;
    a = (((a << 7) | (a >>> 25)) + b) | 0;
    e = (e + y0 + -680876936 + (h ^ (f & (g ^ h)))) | 0;
    e = (((e << 7) | (e >>> 25)) + f) | 0;
    d = (d + x1 + -389564586 + (c ^ (a & (b ^ c)))) | 0;
    d = (((d << 12) | (d >>> 20)) + a) | 0;
    h = (h + y1 + -389564586 + (g ^ (e & (f ^ g)))) | 0;
    h = (((h << 12) | (h >>> 20)) + e) | 0;
    c = (c + x2 + 606105819 + (b ^ (d & (a ^ b)))) | 0;
    c = (((c << 17) | (c >>> 15)) + d) | 0;
    g = (g + y2 + 606105819 + (f ^ (h & (e ^ f)))) | 0;
    g = (((g << 17) | (g >>> 15)) + h) | 0;
    b = (b + x3 + -1044525330 + (a ^ (c & (d ^ a)))) | 0;
    b = (((b << 22) | (b >>> 10)) + c) | 0;
    f = (f + y3 + -1044525330 + (e ^ (g & (h ^ e)))) | 0;
    f = (((f << 22) | (f >>> 10)) + g) | 0;
    a = (a + x4 + -176418897 + (d ^ (b & (c ^ d)))) | 0;
    a = (((a << 7) | (a >>> 25)) + b) | 0;
    e = (e + y4 + -176418897 + (h ^ (f & (g ^ h)))) | 0;
    e = (((e << 7) | (e >>> 25)) + f) | 0;
    d = (d + x5 + 1200080426 + (c ^ (a & (b ^ c)))) | 0;
    d = (((d << 12) | (d >>> 20)) + a) | 0;
    h = (h + y5 + 1200080426 + (g ^ (e & (f ^ g)))) | 0;
    h = (((h << 12) | (h >>> 20)) + e) | 0;
    c = (c + x6 + -1473231341 + (b ^ (d & (a ^ b)))) | 0;
    c = (((c << 17) | (c >>> 15)) + d) | 0;
    g = (g + y6 + -1473231341 + (f ^ (h & (e ^ f)))) | 0;
    g = (((g << 17) | (g >>> 15)) + h) | 0;
    b = (b + x7 + -45705983 + (a ^ (c & (d ^ a)))) | 0;
    b = (((b << 22) | (b >>> 10)) + c) | 0;
    f = (f + y7 + -45705983 + (e ^ (g & (h ^ e)))) | 0;
    f = (((f << 22) | (f >>> 10)) + g) | 0;
    a = (a + x8 + 1770035416 + (d ^ (b & (c ^ d)))) | 0;
    a = (((a << 7) | (a >>> 25)) + b) | 0;
    e = (e + y8 + 1770035416 + (h ^ (f & (g ^ h)))) | 0;
    e = (((e << 7) | (e >>> 25)) + f) | 0;
    d = (d + x9 + -1958414417 + (c ^ (a & (b ^ c)))) | 0;
    d = (((d << 12) | (d >>> 20)) + a) | 0;
    h = (h + y9 + -1958414417 + (g ^ (e & (f ^ g)))) | 0;
    h = (((h << 12) | (h >>> 20)) + e) | 0;
    c = (c + x10 + -42063 + (b ^ (d & (a ^ b)))) | 0;
    c = (((c << 17) | (c >>> 15)) + d) | 0;
    g = (g + y10 + -42063 + (f ^ (h & (e ^ f)))) | 0;
    g = (((g << 17) | (g >>> 15)) + h) | 0;
    b = (b + x11 + -1990404162 + (a ^ (c & (d ^ a)))) | 0;
    b = (((b << 22) | (b >>> 10)) + c) | 0;
    f = (f + y11 + -1990404162 + (e ^ (g & (h ^ e)))) | 0;
    f = (((f << 22) | (f >>> 10)) + g) | 0;
    a = (a + x12 + 1804603682 + (d ^ (b & (c ^ d)))) | 0;
    a = (((a << 7) | (a >>> 25)) + b) | 0;
    e = (e + y12 + 1804603682 + (h ^ (f & (g ^ h)))) | 0;
    e = (((e << 7) | (e >>> 25)) + f) | 0;
    d = (d + x13 + -40341101 + (c ^ (a & (b ^ c)))) | 0;
    d = (((d << 12) | (d >>> 20)) + a) | 0;
    h = (h + y13 + -40341101 + (g ^ (e & (f ^ g)))) | 0;
    h = (((h << 12) | (h >>> 20)) + e) | 0;
    c = (c + x14 + -1502002290 + (b ^ (d & (a ^ b)))) | 0;
    c = (((c << 17) | (c >>> 15)) + d) | 0;
    g = (g + y14 + -1502002290 + (f ^ (h & (e ^ f)))) | 0;
    g = (((g << 17) | (g >>> 15)) + h) | 0;
    b = (b + x15 + 1236535329 + (a ^ (c & (d ^ a)))) | 0;
    b = (((b << 22) | (b >>> 10)) + c) | 0;
    f = (f + y15 + 1236535329 + (e ^ (g & (h ^ e)))) | 0;
    f = (((f << 22) | (f >>> 10)) + g) | 0;
    a = (a + x1 + -165796510 + (c & ~d) + (b & d)) | 0;
    a = (((a << 5) | (a >>> 27)) + b) | 0;
    e = (e + y1 + -165796510 + (g & ~h) + (f & h)) | 0;
    e = (((e << 5) | (e >>> 27)) + f) | 0;
    d = (d + x6 + -1069501632 + (b & ~c) + (a & c)) | 0;
    d = (((d << 9) | (d >>> 23)) + a) | 0;
    h = (h + y6 + -1069501632 + (f & ~g) + (e & g)) | 0;
    h = (((h << 9) | (h >>> 23)) + e) | 0;
    c = (c + x11 + 643717713 + (a & ~b) + (d & b)) | 0;
    c = (((c << 14) | (c >>> 18)) + d) | 0;
    g = (g + y11 + 643717713 + (e & ~f) + (h & f)) | 0;
    g = (((g << 14) | (g >>> 18)) + h) | 0;
    b = (b + x0 + -373897302 + (d & ~a) + (c & a)) | 0;
    b = (((b << 20) | (b >>> 12)) + c) | 0;
    f = (f + y0 + -373897302 + (h & ~e) + (g & e)) | 0;
    f = (((f << 20) | (f >>> 12)) + g) | 0;
    a = (a + x5 + -701558691 + (c & ~d) + (b & d)) | 0;
    a = (((a << 5) | (a >>> 27)) + b) | 0;
    e = (e + y5 + -701558691 + (g & ~h) + (f & h)) | 0;
    e = (((e << 5) | (e >>> 27)) + f) | 0;
    d = (d + x10 + 38016083 + (b & ~c) + (a & c)) | 0;
    d = (((d << 9) | (d >>> 23)) + a) | 0;
    h = (h + y10 + 38016083 + (f & ~g) + (e & g)) | 0;
    h = (((h << 9) | (h >>> 23)) + e) | 0;
    c = (c + x15 + -660478335 + (a & ~b) + (d & b)) | 0;
    c = (((c << 14) | (c >>> 18)) + d) | 0;
    g = (g + y15 + -660478335 + (e & ~f) + (h & f)) | 0;
    g = (((g << 14) | (g >>> 18)) + h) | 0;
    b = (b + x4 + -405537848 + (d & ~a) + (c & a)) | 0;
    b = (((b << 20) | (b >>> 12)) + c) | 0;
    f = (f + y4 + -405537848 + (h & ~e) + (g & e)) | 0;
    f = (((f << 20) | (f >>> 12)) + g) | 0;
    a = (a + x9 + 568446438 + (c & ~d) + (b & d)) | 0;
    a = (((a << 5) | (a >>> 27)) + b) | 0;
    e = (e + y9 + 568446438 + (g & ~h) + (f & h)) | 0;
    e = (((e << 5) | (e >>> 27)) + f) | 0;
    d = (d + x14 + -1019803690 + (b & ~c) + (a & c)) | 0;
    d = (((d << 9) | (d >>> 23)) + a) | 0;
    h = (h + y14 + -1019803690 + (f & ~g) + (e & g)) | 0;
    h = (((h << 9) | (h >>> 23)) + e) | 0;
    c = (c + x3 + -187363961 + (a & ~b) + (d & b)) | 0;
    c = (((c << 14) | (c >>> 18)) + d) | 0;
    g = (g + y3 + -187363961 + (e & ~f) + (h & f)) | 0;
    g = (((g << 14) | (g >>> 18)) + h) | 0;
    b = (b + x8 + 1163531501 + (d & ~a) + (c & a)) | 0;
    b = (((b << 20) | (b >>> 12)) + c) | 0;
    f = (f + y8 + 1163531501 + (h & ~e) + (g & e)) | 0;
    f = (((f << 20) | (f >>> 12)) + g) | 0;
    a = (a + x13 + -1444681467 + (c & ~d) + (b & d)) | 0;
    a = (((a << 5) | (a >>> 27)) + b) | 0;
    e = (e + y13 + -1444681467 + (g & ~h) + (f & h)) | 0;
    e = (((e << 5) | (e >>> 27)) + f) | 0;
    d = (d + x2 + -51403784 + (b & ~c) + (a & c)) | 0;
    d = (((d << 9) | (d >>> 23)) + a) | 0;
    h = (h + y2 + -51403784 + (f & ~g) + (e & g)) | 0;
    h = (((h << 9) | (h >>> 23)) + e) | 0;
    c = (c + x7 + 1735328473 + (a & ~b) + (d & b)) | 0;
    c = (((c << 14) | (c >>> 18)) + d) | 0;
    g = (g + y7 + 1735328473 + (e & ~f) + (h & f)) | 0;
    g = (((g << 14) | (g >>> 18)) + h) | 0;
    b = (b + x12 + -1926607734 + (d & ~a) + (c & a)) | 0;
    b = (((b << 20) | (b >>> 12)) + c) | 0;
    f = (f + y12 + -1926607734 + (h & ~e) + (g & e)) | 0;
    f = (((f << 20) | (f >>> 12)) + g) | 0;
    a = (a + x5 + -378558 + (b ^ (c ^ d))) | 0;
    a = (((a << 4) | (a >>> 28)) + b) | 0;
    e = (e + y5 + -378558 + (f ^ (g ^ h))) | 0;
    e = (((e << 4) | (e >>> 28)) + f) | 0;
    d = (d + x8 + -2022574463 + (a ^ (b ^ c))) | 0;
    d = (((d << 11) | (d >>> 21)) + a) | 0;
    h = (h + y8 + -2022574463 + (e ^ (f ^ g))) | 0;
    h = (((h << 11) | (h >>> 21)) + e) | 0;
    c = (c + x11 + 1839030562 + (d ^ (a ^ b))) | 0;
    c = (((c << 16) | (c >>> 16)) + d) | 0;
    g = (g + y11 + 1839030562 + (h ^ (e ^ f))) | 0;
    g = (((g << 16) | (g >>> 16)) + h) | 0;
    b = (b + x14 + -35309556 + (c ^ (d ^ a))) | 0;
    b = (((b << 23) | (b >>> 9)) + c) | 0;
    f = (f + y14 + -35309556 + (g ^ (h ^ e))) | 0;
    f = (((f << 23) | (f >>> 9)) + g) | 0;
    a = (a + x1 + -1530992060 + (b ^ (c ^ d))) | 0;
    a = (((a << 4) | (a >>> 28)) + b) | 0;
    e = (e + y1 + -1530992060 + (f ^ (g ^ h))) | 0;
    e = (((e << 4) | (e >>> 28)) + f) | 0;
    d = (d + x4 + 1272893353 + (a ^ (b ^ c))) | 0;
    d = (((d << 11) | (d >>> 21)) + a) | 0;
    h = (h + y4 + 1272893353 + (e ^ (f ^ g))) | 0;
    h = (((h << 11) | (h >>> 21)) + e) | 0;
    c = (c + x7 + -155497632 + (d ^ (a ^ b))) | 0;
    c = (((c << 16) | (c >>> 16)) + d) | 0;
    g = (g + y7 + -155497632 + (h ^ (e ^ f))) | 0;
    g = (((g << 16) | (g >>> 16)) + h) | 0;
    b = (b + x10 + -1094730640 + (c ^ (d ^ a))) | 0;
    b = (((b << 23) | (b >>> 9)) + c) | 0;
    f = (f + y10 + -1094730640 + (g ^ (h ^ e))) | 0;
    f = (((f << 23) | (f >>> 9)) + g) | 0;
    a = (a + x13 + 681279174 + (b ^ (c ^ d))) | 0;
    a = (((a << 4) | (a >>> 28)) + b) | 0;
    e = (e + y13 + 681279174 + (f ^ (g ^ h))) | 0;
    e = (((e << 4) | (e >>> 28)) + f) | 0;
    d = (d + x0 + -358537222 + (a ^ (b ^ c))) | 0;
    d = (((d << 11) | (d >>> 21)) + a) | 0;
    h = (h + y0 + -358537222 + (e ^ (f ^ g))) | 0;
    h = (((h << 11) | (h >>> 21)) + e) | 0;
    c = (c + x3 + -722521979 + (d ^ (a ^ b))) | 0;
    c = (((c << 16) | (c >>> 16)) + d) | 0;
    g = (g + y3 + -722521979 + (h ^ (e ^ f))) | 0;
    g = (((g << 16) | (g >>> 16)) + h) | 0;
    b = (b + x6 + 76029189 + (c ^ (d ^ a))) | 0;
    b = (((b << 23) | (b >>> 9)) + c) | 0;
    f = (f + y6 + 76029189 + (g ^ (h ^ e))) | 0;
    f = (((f << 23) | (f >>> 9)) + g) | 0;
    a = (a + x9 + -640364487 + (b ^ (c ^ d))) | 0;
    a = (((a << 4) | (a >>> 28)) + b) | 0;
    e = (e + y9 + -640364487 + (f ^ (g ^ h))) | 0;
    e = (((e << 4) | (e >>> 28)) + f) | 0;
    d = (d + x12 + -421815835 + (a ^ (b ^ c))) | 0;
    d = (((d << 11) | (d >>> 21)) + a) | 0;
    h = (h + y12 + -421815835 + (e ^ (f ^ g))) | 0;
    h = (((h << 11) | (h >>> 21)) + e) | 0;
    c = (c + x15 + 530742520 + (d ^ (a ^ b))) | 0;
    c = (((c << 16) | (c >>> 16)) + d) | 0;
    g = (g + y15 + 530742520 + (h ^ (e ^ f))) | 0;
    g = (((g << 16) | (g >>> 16)) + h) | 0;
    b = (b + x2 + -995338651 + (c ^ (d ^ a))) | 0;
    b = (((b << 23) | (b >>> 9)) + c) | 0;
    f = (f + y2 + -995338651 + (g ^ (h ^ e))) | 0;
    f = (((f << 23) | (f >>> 9)) + g) | 0;
    a = (a + x0 + -198630844 + (c ^ (b | ~d))) | 0;
    a = (((a << 6) | (a >>> 26)) + b) | 0;
    e = (e + y0 + -198630844 + (g ^ (f | ~h))) | 0;
    e = (((e << 6) | (e >>> 26)) + f) | 0;
    d = (d + x7 + 1126891415 + (b ^ (a | ~c))) | 0;
    d = (((d << 10) | (d >>> 22)) + a) | 0;
    h = (h + y7 + 1126891415 + (f ^ (e | ~g))) | 0;
    h = (((h << 10) | (h >>> 22)) + e) | 0;
    c = (c + x14 + -1416354905 + (a ^ (d | ~b))) | 0;
    c = (((c << 15) | (c >>> 17)) + d) | 0;
    g = (g + y14 + -1416354905 + (e ^ (h | ~f))) | 0;
    g = (((g << 15) | (g >>> 17)) + h) | 0;
    b = (b + x5 + -57434055 + (d ^ (c | ~a))) | 0;
    b = (((b << 21) | (b >>> 11)) + c) | 0;
    f = (f + y5 + -57434055 + (h ^ (g | ~e))) | 0;
    f = (((f << 21) | (f >>> 11)) + g) | 0;
    a = (a + x12 + 1700485571 + (c ^ (b | ~d))) | 0;
    a = (((a << 6) | (a >>> 26)) + b) | 0;
    e = (e + y12 + 1700485571 + (g ^ (f | ~h))) | 0;
    e = (((e << 6) | (e >>> 26)) + f) | 0;
    d = (d + x3 + -1894986606 + (b ^ (a | ~c))) | 0;
    d = (((d << 10) | (d >>> 22)) + a) | 0;
    h = (h + y3 + -1894986606 + (f ^ (e | ~g))) | 0;
    h = (((h << 10) | (h >>> 22)) + e) | 0;
    c = (c + x10 + -1051523 + (a ^ (d | ~b))) | 0;
    c = (((c << 15) | (c >>> 17)) + d) | 0;
    g = (g + y10 + -1051523 + (e ^ (h | ~f))) | 0;
    g = (((g << 15) | (g >>> 17)) + h) | 0;
    b = (b + x1 + -2054922799 + (d ^ (c | ~a))) | 0;
    b = (((b << 21) | (b >>> 11)) + c) | 0;
    f = (f + y1 + -2054922799 + (h ^ (g | ~e))) | 0;
    f = (((f << 21) | (f >>> 11)) + g) | 0;
    a = (a + x8 + 1873313359 + (c ^ (b | ~d))) | 0;
    a = (((a << 6) | (a >>> 26)) + b) | 0;
    e = (e + y8 + 1873313359 + (g ^ (f | ~h))) | 0;
    e = (((e << 6) | (e >>> 26)) + f) | 0;
    d = (d + x15 + -30611744 + (b ^ (a | ~c))) | 0;
    d = (((d << 10) | (d >>> 22)) + a) | 0;
    h = (h + y15 + -30611744 + (f ^ (e | ~g))) | 0;
    h = (((h << 10) | (h >>> 22)) + e) | 0;
    c = (c + x6 + -1560198380 + (a ^ (d | ~b))) | 0;
    c = (((c << 15) | (c >>> 17)) + d) | 0;
    g = (g + y6 + -1560198380 + (e ^ (h | ~f))) | 0;
    g = (((g << 15) | (g >>> 17)) + h) | 0;
    b = (b + x13 + 1309151649 + (d ^ (c | ~a))) | 0;
    b = (((b << 21) | (b >>> 11)) + c) | 0;
    f = (f + y13 + 1309151649 + (h ^ (g | ~e))) | 0;
    f = (((f << 21) | (f >>> 11)) + g) | 0;
    a = (a + x4 + -145523070 + (c ^ (b | ~d))) | 0;
    a = (((a << 6) | (a >>> 26)) + b) | 0;
    e = (e + y4 + -145523070 + (g ^ (f | ~h))) | 0;
    e = (((e << 6) | (e >>> 26)) + f) | 0;
    d = (d + x11 + -1120210379 + (b ^ (a | ~c))) | 0;
    d = (((d << 10) | (d >>> 22)) + a) | 0;
    h = (h + y11 + -1120210379 + (f ^ (e | ~g))) | 0;
    h = (((h << 10) | (h >>> 22)) + e) | 0;
    c = (c + x2 + 718787259 + (a ^ (d | ~b))) | 0;
    c = (((c << 15) | (c >>> 17)) + d) | 0;
    g = (g + y2 + 718787259 + (e ^ (h | ~f))) | 0;
    g = (((g << 15) | (g >>> 17)) + h) | 0;
    b = (b + x9 + -343485551 + (d ^ (c | ~a))) | 0;
    b = (((b << 21) | (b >>> 11)) + c) | 0;
    f = (f + y9 + -343485551 + (h ^ (g | ~e))) | 0;
    f = (((f << 21) | (f >>> 11)) + g) | 0;
    p0 = (a + 0x67452301) | 0;
    p1 = (b + (0xefcdab89 | 0)) | 0;
    p2 = (c + (0x98badcfe | 0)) | 0;
    p3 = (d + 0x10325476) | 0;
    q0 = (e + 0x67452301) | 0;
    q1 = (f + (0xefcdab89 | 0)) | 0;
    q2 = (g + (0x98badcfe | 0)) | 0;
    q3 = (h + 0x10325476) | 0;
  }
  first.state[0] = p0;
  first.state[1] = p1;
  first.state[2] = p2;
  first.state[3] = p3;
  second.state[0] = q0;
  second.state[1] = q1;
  second.state[2] = q2;
  second.state[3] = q3;
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

// One candidate's working set, reused from candidate to candidate: its UTF-8 bytes, the eight
// round messages (and a scratch message), and the MD5 state.
//
// The 1,000 rounds use eight message layouts, (digest | password) [salt] [password]
// (password | digest), picked by i odd, i % 3 and i % 7. Each layout is laid out and padded once
// per candidate; a round then only writes the previous digest into its slot and compresses, so the
// digest never leaves the four state words.
class Lane {
  password = new Uint8Array(64);
  length = 0;
  // Eight layouts of `stride` words each, plus the scratch message at layout 8.
  words = new Int32Array(0);
  bytes = new Uint8Array(0);
  stride = 0;
  /** Byte offset of the digest in each layout. */
  readonly slot = new Int32Array(8);
  /** Blocks in each layout once padded. */
  readonly blocks = new Int32Array(8);
  readonly state = new Int32Array(4);
  readonly final = new Uint8Array(16);
  /** Every round message is one block and the host little-endian: roundsOneBlock applies. */
  oneBlock = false;
}

/**
 * The md5crypt computation for one salt, reusable across many candidate passwords without
 * allocating (the crack loop's inner step).
 */
export class Md5CryptEngine {
  private readonly magic: Uint8Array;
  private readonly salt: Uint8Array;
  private readonly encoder = new TextEncoder();
  private readonly first = new Lane();
  private readonly second = new Lane();
  private readonly both: readonly [Uint8Array, Uint8Array] = [this.first.final, this.second.final];

  constructor(magic: Md5CryptMagic, salt: string) {
    this.magic = Uint8Array.from(magic, (c) => c.charCodeAt(0));
    // crypt() takes the salt as bytes up to the first '$', at most 8.
    this.salt = Buffer.from(salt.split('$')[0]?.slice(0, SALT_MAX_LENGTH) ?? '', 'latin1');
    this.ensure(this.first, 64);
    this.ensure(this.second, 64);
  }

  private ensure(lane: Lane, pwLength: number): void {
    // The longest message: the second one (password magic salt alternate-sum bit-bytes), or a
    // round's (digest salt password password), plus padding.
    const longest = Math.max(2 * pwLength + this.magic.length + this.salt.length + 32, 16 + this.salt.length + 2 * pwLength);
    const stride = 16 * (((longest + 8) >> 6) + 1);
    if (stride <= lane.stride) return;
    lane.stride = stride;
    lane.words = new Int32Array(9 * stride);
    lane.bytes = new Uint8Array(lane.words.buffer);
  }

  private load(lane: Lane, password: string): void {
    // UTF-8 is at most 3 bytes per UTF-16 unit; grow once for long candidates, not per call.
    if (password.length * 3 > lane.password.length) lane.password = new Uint8Array(password.length * 3);
    lane.length = this.encoder.encodeInto(password, lane.password).written;
  }

  /** The 16-byte digest of `password` (UTF-8); the returned array is reused by the next call. */
  digest(password: string): Uint8Array {
    const lane = this.first;
    this.load(lane, password);
    this.prepare(lane);
    if (lane.oneBlock) roundsOneBlock(lane);
    else roundsGeneral(lane);
    writeDigest(lane.state, lane.final, 0);
    return lane.final;
  }

  /**
   * The digests of two passwords, computed together (twice the work of digest() in much less than
   * twice the time when both are short). The returned arrays are reused by the next call.
   */
  digestPair(first: string, second: string): readonly [Uint8Array, Uint8Array] {
    const a = this.first;
    const b = this.second;
    this.load(a, first);
    this.load(b, second);
    this.prepare(a);
    this.prepare(b);
    if (a.oneBlock && b.oneBlock) roundsOneBlockPair(a, b);
    else {
      if (a.oneBlock) roundsOneBlock(a);
      else roundsGeneral(a);
      if (b.oneBlock) roundsOneBlock(b);
      else roundsGeneral(b);
    }
    writeDigest(a.state, a.final, 0);
    writeDigest(b.state, b.final, 0);
    return this.both;
  }

  digestBytes(pw: Uint8Array, pwLength: number): Uint8Array {
    const lane = this.first;
    if (pw !== lane.password) {
      if (pwLength > lane.password.length) lane.password = new Uint8Array(pwLength);
      lane.password.set(pw.subarray(0, pwLength));
    }
    lane.length = pwLength;
    this.prepare(lane);
    if (lane.oneBlock) roundsOneBlock(lane);
    else roundsGeneral(lane);
    writeDigest(lane.state, lane.final, 0);
    return lane.final;
  }

  // MD5 of the lane's scratch message (layout 8) of `length` bytes into its state.
  private hashScratch(lane: Lane, length: number): void {
    const at = 8 * lane.stride;
    const blocks = pad(lane.bytes, 4 * at, length);
    resetState(lane.state);
    for (let k = 0; k < blocks; k++) compressBlock(lane.words, at + 16 * k, lane.state);
  }

  // Everything before the 1,000 rounds: the two MD5s that make their starting digest (left in the
  // lane's state), and the eight round messages laid out and padded.
  private prepare(lane: Lane): void {
    const pwLength = lane.length;
    this.ensure(lane, pwLength);
    const { salt, magic } = this;
    const { state, slot, blocks, stride } = lane;
    const sl = salt.length;
    const m = lane.bytes;
    const scratch = 4 * 8 * stride;
    const password = lane.password.subarray(0, pwLength);

    // "Alternate sum": MD5(password salt password).
    m.set(password, scratch);
    m.set(salt, scratch + pwLength);
    m.set(password, scratch + pwLength + sl);
    this.hashScratch(lane, 2 * pwLength + sl);
    const alternate = lane.final;
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
    const first = pwLength > 0 ? password[0]! : 0;
    for (let bits = pwLength; bits > 0; bits >>>= 1) m[o++] = (bits & 1) !== 0 ? 0 : first;
    this.hashScratch(lane, o - scratch);

    // Lay out the eight round messages once.
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
    // The longest layout (digest salt password password) and its 9 bytes of padding in 64.
    lane.oneBlock = LITTLE_ENDIAN && 16 + sl + 2 * pwLength + 9 <= 64;
  }
}

// The 1,000 rounds for any password length and host: each round writes the digest into its
// layout byte by byte (or word by word when aligned) and compresses its one or two blocks.
function roundsGeneral(lane: Lane): void {
  const { state, slot, blocks, words, stride } = lane;
  const m = lane.bytes;
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

// A mismatch on the first bytes is the common case; the full constant-time compare only runs for
// a near-certain match.
function matches(got: Uint8Array, target: Uint8Array): boolean {
  if (got[0] !== target[0] || got[1] !== target[1]) return false;
  return timingSafeEqual(got, target);
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
  return (candidate) => passwordProblem(candidate) === undefined && matches(engine.digest(candidate), target);
}

/**
 * md5CryptChecker for candidates two at a time, hashed together (Md5CryptEngine.digestPair), for
 * the crack loop: returns 0 when `first` matches, else 1 when `second` does, else -1.
 * Null when `hash` is not an md5crypt/apr1 string.
 */
export function md5CryptPairChecker(hash: string): ((first: string, second: string) => number) | null {
  const parsed = parseMd5Crypt(hash);
  if (parsed === null) return null;
  const engine = new Md5CryptEngine(parsed.magic, parsed.salt);
  const target = parsed.digest;
  return (first, second) => {
    const firstOk = passwordProblem(first) === undefined;
    const secondOk = passwordProblem(second) === undefined;
    if (firstOk && secondOk) {
      const [x, y] = engine.digestPair(first, second);
      if (matches(x, target)) return 0;
      return matches(y, target) ? 1 : -1;
    }
    if (firstOk && matches(engine.digest(first), target)) return 0;
    if (secondOk && matches(engine.digest(second), target)) return 1;
    return -1;
  };
}

/** True when `hash` is a "$1$" or "$apr1$" string that crypt() would produce from `password`. Never throws. */
export function verifyMd5Crypt(password: string, hash: string): boolean {
  if (typeof password !== 'string' || typeof hash !== 'string') return false;
  const check = md5CryptChecker(hash);
  return check !== null && check(password);
}
