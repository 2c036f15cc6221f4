// bzip2 decompression, hand-written. The pure-JavaScript library that exists (seek-bzip) cannot
// stop at an output bound (it writes byte by byte through a callback and only checks sizes at
// the end), and it returns partial output without an error when a stream is cut right after a
// block; a decoder is a few hundred lines, so we keep our own with the bound built in.
//
// Semantics follow bzip2 1.0.8's decompress.c: the same limits on code lengths, groups, selectors
// (extra selectors past 18002 are read and ignored, the CVE-2019-12900 fix) and run lengths; block
// and stream CRCs are verified; concatenated streams are read; bytes after the last stream that
// do not start another are ignored (as `bzip2 -d` does, with a warning).
//
// References: bzip2 1.0.8 (decompress.c, huffman.c), Joe Tsai's "bzip2 format" notes.
// Limitations: "randomised" blocks (written only by bzip2 0.9.0 and earlier) are refused.

import { DecompressionError, outputExceeds } from './compression.ts';

const MAX_GROUPS = 6;
const MIN_GROUPS = 2;
const GROUP_SIZE = 50;
const MAX_ALPHA_SIZE = 258;
const MAX_CODE_LEN = 20;
const MAX_SELECTORS = 18002;
const RUN_A = 0;
const RUN_B = 1;

const CRC_TABLE = buildCrcTable();

/** bzip2's CRC-32: the same polynomial as zlib's, but most significant bit first. */
function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    table[n] = c >>> 0;
  }
  return table;
}

function cutShort(): DecompressionError {
  return new DecompressionError('bzip2: compressed data cut short');
}

/** Reads bits most significant first, as bzip2 writes them. */
class BitReader {
  private readonly bytes: Uint8Array;
  /** Next byte to load. */
  pos: number;
  private buffer = 0;
  private count = 0;

  constructor(bytes: Uint8Array, pos: number) {
    this.bytes = bytes;
    this.pos = pos;
  }

  /** The next n bits (n ≤ 24) as a number. */
  bits(n: number): number {
    while (this.count < n) {
      if (this.pos >= this.bytes.length) throw cutShort();
      this.buffer = (this.buffer << 8) | this.bytes[this.pos++]!;
      this.count += 8;
    }
    this.count -= n;
    return (this.buffer >>> this.count) & ((1 << n) - 1);
  }

  bit(): number {
    return this.bits(1);
  }

  /** Whole 32-bit values (CRCs) are read as two halves so the result stays unsigned. */
  bits32(): number {
    return this.bits(16) * 0x10000 + this.bits(16);
  }

  /** Drops the bits left in the current byte: a new stream starts on a byte boundary. */
  alignToByte(): void {
    this.count -= this.count % 8;
    // Whole bytes still buffered were read ahead; give them back.
    this.pos -= this.count / 8;
    this.count = 0;
  }
}

/** One Huffman table in bzip2's canonical form: codes of each length are consecutive numbers. */
interface HuffmanTable {
  minLen: number;
  maxLen: number;
  /** Largest code of each length (−1 when none). */
  limit: Int32Array;
  /** What to subtract from a code of each length to index perm. */
  base: Int32Array;
  /** Symbols ordered by code length, then by value. */
  perm: Uint16Array;
}

function buildTable(lengths: Uint8Array, alphaSize: number): HuffmanTable {
  let minLen = 32;
  let maxLen = 0;
  for (let i = 0; i < alphaSize; i++) {
    const length = lengths[i]!;
    if (length > maxLen) maxLen = length;
    if (length < minLen) minLen = length;
  }
  const perm = new Uint16Array(MAX_ALPHA_SIZE);
  let pp = 0;
  for (let length = minLen; length <= maxLen; length++) {
    for (let symbol = 0; symbol < alphaSize; symbol++) if (lengths[symbol] === length) perm[pp++] = symbol;
  }
  const base = new Int32Array(MAX_CODE_LEN + 3);
  for (let i = 0; i < alphaSize; i++) base[lengths[i]! + 1]!++;
  for (let i = 1; i < base.length; i++) base[i]! += base[i - 1]!;
  const limit = new Int32Array(MAX_CODE_LEN + 3).fill(-1);
  let vec = 0;
  for (let length = minLen; length <= maxLen; length++) {
    vec += base[length + 1]! - base[length]!;
    limit[length] = vec - 1;
    vec <<= 1;
  }
  for (let length = minLen + 1; length <= maxLen; length++) base[length] = ((limit[length - 1]! + 1) << 1) - base[length]!;
  return { minLen, maxLen, limit, base, perm };
}

/** Output that doubles up to its bound. */
class Output {
  bytes: Uint8Array;
  length = 0;
  private readonly limit: number;
  private readonly maxOutput: number;

  constructor(capacity: number, limit: number, maxOutput: number) {
    this.bytes = new Uint8Array(Math.min(limit, capacity));
    this.limit = limit;
    this.maxOutput = maxOutput;
  }

  /** Bytes that may still be written. */
  get room(): number {
    return this.limit - this.length;
  }

  tooLarge(): DecompressionError {
    if (this.limit < this.maxOutput) return new DecompressionError(`bzip2: output is longer than the expected ${this.limit} bytes`);
    return outputExceeds('bzip2', this.maxOutput);
  }

  /** Makes sure `more` bytes fit, or throws when they would pass the bound. */
  reserve(more: number): void {
    const needed = this.length + more;
    if (needed <= this.bytes.length) return;
    if (needed > this.limit) throw this.tooLarge();
    const next = new Uint8Array(Math.min(this.limit, Math.max(needed, this.bytes.length * 2)));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}

/**
 * Decodes one or more concatenated bzip2 streams of at most maxOutput bytes in total. With
 * expectedSize the output must fit in that many bytes (allocated once).
 */
export function decodeBzip2(input: Uint8Array, maxOutput: number, expectedSize?: number): Uint8Array {
  const limit = expectedSize === undefined ? maxOutput : Math.min(maxOutput, expectedSize);
  const output = new Output(expectedSize ?? Math.max(256 * 1024, input.length * 5), limit, maxOutput);
  let at = 0;
  let streams = 0;
  for (;;) {
    const level = streamLevel(input, at);
    if (level === 0) {
      if (streams === 0) throw new DecompressionError('bzip2: not a bzip2 stream (no "BZh1"–"BZh9" signature)');
      break;
    }
    at = decodeStream(input, at + 4, level * 100_000, output);
    streams++;
  }
  const { bytes, length } = output;
  return bytes.length === length ? bytes : bytes.subarray(0, length);
}

/** The block size digit (1–9) of a stream signature at `at`, or 0 when there is none. */
function streamLevel(input: Uint8Array, at: number): number {
  if (at + 4 > input.length || input[at] !== 0x42 || input[at + 1] !== 0x5a || input[at + 2] !== 0x68) return 0;
  const digit = input[at + 3]! - 0x30;
  return digit >= 1 && digit <= 9 ? digit : 0;
}

/** Decodes the blocks of one stream; returns the byte offset just after it. */
function decodeStream(input: Uint8Array, start: number, blockSizeMax: number, output: Output): number {
  const reader = new BitReader(input, start);
  let tt: Uint32Array | undefined;
  let combinedCrc = 0;
  for (;;) {
    const magicHigh = reader.bits(24);
    const magicLow = reader.bits(24);
    if (magicHigh === 0x177245 && magicLow === 0x385090) {
      const storedCrc = reader.bits32();
      if (storedCrc !== combinedCrc) throw new DecompressionError(`bzip2: stream CRC mismatch (stored ${hex(storedCrc)}, computed ${hex(combinedCrc)})`);
      reader.alignToByte();
      return reader.pos;
    }
    if (magicHigh !== 0x314159 || magicLow !== 0x265359) throw new DecompressionError(`bzip2: corrupt block header near byte ${reader.pos}`);
    // A block of n symbols decodes to at least 4n/5 bytes (the worst case is runs of exactly four,
    // each costing a count byte of zero), so a block longer than 5/4 of the room left could only
    // pass the bound: the block buffer (4 bytes a symbol, 3.6 MB at level 9) is sized to match.
    tt ??= new Uint32Array(Math.min(blockSizeMax, Math.floor((output.room * 5) / 4) + 8));
    const blockCrc = decodeBlock(reader, tt, blockSizeMax, output);
    combinedCrc = (((combinedCrc << 1) | (combinedCrc >>> 31)) ^ blockCrc) >>> 0;
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** Decodes one block into output and returns its (verified) CRC. */
function decodeBlock(reader: BitReader, tt: Uint32Array, blockSizeMax: number, output: Output): number {
  const tooLong = (): DecompressionError =>
    tt.length < blockSizeMax ? output.tooLarge() : new DecompressionError('bzip2: corrupt block (longer than its block size)');
  const storedCrc = reader.bits32();
  if (reader.bit()) throw new DecompressionError('bzip2: randomised blocks (bzip2 0.9.0 and older) are not supported');
  const origPtr = reader.bits(24);

  // Which byte values occur: 16 flags for ranges of 16, then 16 flags within each range used.
  const seqToUnseq = new Uint8Array(256);
  let inUse = 0;
  const ranges = reader.bits(16);
  for (let i = 0; i < 16; i++) {
    if (ranges & (0x8000 >>> i)) {
      const flags = reader.bits(16);
      for (let j = 0; j < 16; j++) if (flags & (0x8000 >>> j)) seqToUnseq[inUse++] = i * 16 + j;
    }
  }
  if (inUse === 0) throw new DecompressionError('bzip2: corrupt block (no byte values in use)');
  const alphaSize = inUse + 2;

  const groups = reader.bits(3);
  if (groups < MIN_GROUPS || groups > MAX_GROUPS) throw new DecompressionError(`bzip2: corrupt block (${groups} Huffman groups)`);
  let selectorCount = reader.bits(15);
  if (selectorCount < 1) throw new DecompressionError('bzip2: corrupt block (no selectors)');
  const selectors = new Uint8Array(Math.min(selectorCount, MAX_SELECTORS));
  const mtfGroups = [0, 1, 2, 3, 4, 5];
  for (let i = 0; i < selectorCount; i++) {
    let j = 0;
    while (reader.bit()) {
      j++;
      if (j >= groups) throw new DecompressionError('bzip2: corrupt block (selector out of range)');
    }
    if (i < MAX_SELECTORS) {
      // Selectors are move-to-front coded.
      const group = mtfGroups[j]!;
      for (let k = j; k > 0; k--) mtfGroups[k] = mtfGroups[k - 1]!;
      mtfGroups[0] = group;
      selectors[i] = group;
    }
  }
  selectorCount = selectors.length;

  const tables: HuffmanTable[] = [];
  const lengths = new Uint8Array(MAX_ALPHA_SIZE);
  for (let t = 0; t < groups; t++) {
    let current = reader.bits(5);
    for (let symbol = 0; symbol < alphaSize; symbol++) {
      for (;;) {
        if (current < 1 || current > MAX_CODE_LEN) throw new DecompressionError('bzip2: corrupt block (code length out of range)');
        if (!reader.bit()) break;
        current += reader.bit() ? -1 : 1;
      }
      lengths[symbol] = current;
    }
    tables.push(buildTable(lengths, alphaSize));
  }

  // Huffman symbols → move-to-front indices and zero runs (RUNA/RUNB) → the BWT block in tt.
  const endOfBlock = inUse + 1;
  const mtf = new Uint8Array(256);
  for (let i = 0; i < 256; i++) mtf[i] = i;
  const counts = new Int32Array(256);
  let blockLength = 0;
  let groupIndex = -1;
  let groupLeft = 0;
  let table = tables[0]!;
  let runLength = 0;
  let runWeight = 1;
  for (;;) {
    if (groupLeft === 0) {
      groupIndex++;
      if (groupIndex >= selectorCount) throw new DecompressionError('bzip2: corrupt block (ran out of selectors)');
      table = tables[selectors[groupIndex]!]!;
      groupLeft = GROUP_SIZE;
    }
    groupLeft--;
    let length = table.minLen;
    let code = reader.bits(length);
    while (code > table.limit[length]!) {
      length++;
      if (length > table.maxLen) throw new DecompressionError('bzip2: corrupt block (invalid Huffman code)');
      code = (code << 1) | reader.bit();
    }
    const index = code - table.base[length]!;
    if (index < 0 || index >= MAX_ALPHA_SIZE) throw new DecompressionError('bzip2: corrupt block (invalid Huffman code)');
    const symbol = table.perm[index]!;

    if (symbol === RUN_A || symbol === RUN_B) {
      // A run of the front byte, its length written in bijective base 2 (RUNA = 1, RUNB = 2).
      runLength += (symbol + 1) * runWeight;
      runWeight <<= 1;
      if (runWeight > 2 * 1024 * 1024) throw new DecompressionError('bzip2: corrupt block (run too long)');
      continue;
    }
    if (runLength > 0) {
      if (blockLength + runLength > tt.length) throw tooLong();
      const byte = seqToUnseq[mtf[0]!]!;
      counts[byte]! += runLength;
      tt.fill(byte, blockLength, blockLength + runLength);
      blockLength += runLength;
      runLength = 0;
      runWeight = 1;
    }
    if (symbol === endOfBlock) break;
    if (symbol > endOfBlock) throw new DecompressionError('bzip2: corrupt block (symbol out of range)');
    if (blockLength >= tt.length) throw tooLong();
    const position = symbol - 1;
    const value = mtf[position]!;
    mtf.copyWithin(1, 0, position);
    mtf[0] = value;
    const byte = seqToUnseq[value]!;
    counts[byte]!++;
    tt[blockLength++] = byte;
  }
  if (origPtr >= blockLength) throw new DecompressionError('bzip2: corrupt block (origin pointer past the block)');

  // Inverse Burrows–Wheeler: link each position to the next in the original order.
  const starts = new Int32Array(256);
  for (let i = 0, sum = 0; i < 256; i++) {
    starts[i] = sum;
    sum += counts[i]!;
  }
  for (let i = 0; i < blockLength; i++) {
    const byte = tt[i]! & 0xff;
    tt[starts[byte]!]! |= i << 8;
    starts[byte]!++;
  }

  // Walk the links, undoing the initial run-length coding (4 equal bytes, then a repeat count).
  // Room is made as bytes come: a block can decode to fewer bytes than it holds (a run of
  // exactly four costs five), so reserving its length up front could refuse output that fits.
  let out = output.bytes;
  let op = output.length;
  let crc = 0xffffffff;
  let position = tt[origPtr]! >>> 8;
  let last = -1;
  let run = 0;
  for (let n = 0; n < blockLength; n++) {
    const entry = tt[position]!;
    const byte = entry & 0xff;
    position = entry >>> 8;
    if (run === 4) {
      if (byte > 0) {
        if (op + byte > out.length) {
          output.length = op;
          output.reserve(byte);
          out = output.bytes;
        }
        for (let k = 0; k < byte; k++) {
          out[op++] = last;
          crc = ((crc << 8) ^ CRC_TABLE[(crc >>> 24) ^ last]!) >>> 0;
        }
      }
      run = 0;
      continue;
    }
    if (byte === last) run++;
    else {
      run = 1;
      last = byte;
    }
    if (op >= out.length) {
      output.length = op;
      output.reserve(1);
      out = output.bytes;
    }
    out[op++] = byte;
    crc = ((crc << 8) ^ CRC_TABLE[(crc >>> 24) ^ byte]!) >>> 0;
  }
  output.length = op;
  crc = ~crc >>> 0;
  if (crc !== storedCrc) throw new DecompressionError(`bzip2: block CRC mismatch (stored ${hex(storedCrc)}, computed ${hex(crc)})`);
  return crc;
}
