// The .xz container: stream header and footer, blocks (LZMA2, optionally after delta and
// branch-converter filters), the index, the integrity checks, and concatenated streams with
// stream padding. Pure TypeScript around our LZMA2 decoder; the whole output is one buffer, and
// each block's filters run over its part of it once the block is decoded.
//
// Everything the format lets a decoder verify is verified, as xz-utils does: the CRC32 of every
// header and of the index, each block's check (CRC32, CRC64, SHA-256; other check ids are
// skipped, as `xz` does with a warning), the sizes a block header declares, and that the index
// matches the blocks that were read.
//
// References: "The .xz File Format" 1.1.0; liblzma (stream_decoder.c, block_decoder.c,
// index_decoder.c) and XZ Embedded (xz_dec_bcj.c) for the branch converters.
// Limitations: the RISC-V branch converter (filter 0x0B, xz 5.6) is refused as unsupported (the
// xz-utils here cannot make test data for it); so is any chain that is not up to three delta/BCJ
// filters followed by LZMA2.

import { createHash } from 'node:crypto';
import { DecompressionError } from './compression.ts';
import { crc32 } from './crc32.ts';
import { decodeLzma2Into, lzma2DictionarySize, LzmaDecoder } from './lzma.ts';

const HEADER_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const FOOTER_MAGIC = [0x59, 0x5a];
const STREAM_HEADER_SIZE = 12;
const STREAM_FOOTER_SIZE = 12;

const CHECK_NONE = 0x00;
const CHECK_CRC32 = 0x01;
const CHECK_CRC64 = 0x04;
const CHECK_SHA256 = 0x0a;
/** Bytes of the check field for each check id (the format reserves ids up to 15). */
const CHECK_SIZES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

const FILTER_DELTA = 0x03;
const FILTER_X86 = 0x04;
const FILTER_POWERPC = 0x05;
const FILTER_IA64 = 0x06;
const FILTER_ARM = 0x07;
const FILTER_ARM_THUMB = 0x08;
const FILTER_SPARC = 0x09;
const FILTER_ARM64 = 0x0a;
const FILTER_LZMA2 = 0x21;
const FILTER_NAMES: Record<number, string> = {
  [FILTER_DELTA]: 'delta',
  [FILTER_X86]: 'x86 BCJ',
  [FILTER_POWERPC]: 'PowerPC BCJ',
  [FILTER_IA64]: 'IA-64 BCJ',
  [FILTER_ARM]: 'ARM BCJ',
  [FILTER_ARM_THUMB]: 'ARM-Thumb BCJ',
  [FILTER_SPARC]: 'SPARC BCJ',
  [FILTER_ARM64]: 'ARM64 BCJ',
  0x0b: 'RISC-V BCJ',
  [FILTER_LZMA2]: 'LZMA2',
};

/** A decoded .xz file and how many bytes of the input it spans (streams and their padding). */
export interface XzResult {
  data: Uint8Array;
  length: number;
}

/** A filter of the chain other than LZMA2, applied to a block's output after decoding. */
interface Filter {
  id: number;
  /** Delta distance, or the branch converters' start offset. */
  parameter: number;
}

/** What the index records about a block, compared with what reading the block found. */
interface BlockRecord {
  unpaddedSize: number;
  uncompressedSize: number;
}

function fail(message: string): DecompressionError {
  return new DecompressionError(`xz: ${message}`);
}

function matches(bytes: Uint8Array, at: number, magic: readonly number[]): boolean {
  if (at < 0 || at + magic.length > bytes.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[at + i] !== magic[i]) return false;
  return true;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** A variable-length integer (7 bits a byte, at most 9 bytes, no redundant trailing zero byte). */
function readVli(bytes: Uint8Array, at: number, end: number, what: string): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= end) throw fail(`${what} cut short at byte ${at + i}`);
    const byte = bytes[at + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0) throw fail(`${what} at byte ${at} is not minimally encoded`);
      if (!Number.isSafeInteger(value)) throw fail(`${what} at byte ${at} is too large`);
      return { value, next: at + i + 1 };
    }
  }
  throw fail(`${what} at byte ${at} is longer than 9 bytes`);
}

/** Decodes every stream of an .xz file, at most maxOutput bytes in total. */
export function decodeXz(input: Uint8Array, maxOutput: number, expectedSize?: number): Uint8Array {
  return readXz(input, maxOutput, expectedSize).data;
}

/**
 * Decodes the .xz stream at the start of input and any streams concatenated after it (separated
 * by stream padding). Stops before bytes that do not start another stream, and reports how far
 * it read, so carving can skip the file.
 */
export function readXz(input: Uint8Array, maxOutput: number, expectedSize?: number): XzResult {
  const capacity = Math.min(maxOutput, expectedSize ?? Math.max(256 * 1024, input.length * 4));
  const decoder = new LzmaDecoder('xz', maxOutput, capacity);
  let at = 0;
  for (;;) {
    at = readStream(input, at, decoder);
    // Stream padding: zero bytes in groups of four, then possibly another stream.
    let next = at;
    while (next + 4 <= input.length && input[next] === 0 && input[next + 1] === 0 && input[next + 2] === 0 && input[next + 3] === 0) next += 4;
    if (!matches(input, next, HEADER_MAGIC)) return { data: decoder.result(), length: next };
    at = next;
  }
}

/** Reads one stream starting at `at`; returns the offset just past its footer. */
function readStream(input: Uint8Array, start: number, decoder: LzmaDecoder): number {
  const end = input.length;
  if (start + STREAM_HEADER_SIZE > end) throw fail(`stream header cut short at byte ${end}`);
  if (!matches(input, start, HEADER_MAGIC)) throw fail(`no stream header at byte ${start} (bad magic bytes)`);
  const flags = input.subarray(start + 6, start + 8);
  if (crc32(flags) !== readUint32(input, start + 8)) throw fail(`corrupt stream header at byte ${start} (CRC32 mismatch)`);
  if (flags[0] !== 0 || (flags[1]! & 0xf0) !== 0) throw fail(`unsupported stream flags at byte ${start + 6}`);
  const checkId = flags[1]!;

  const records: BlockRecord[] = [];
  let at = start + STREAM_HEADER_SIZE;
  for (;;) {
    if (at >= end) throw fail(`stream cut short at byte ${end}`);
    // A zero where a block header would start is the index indicator.
    if (input[at] === 0) break;
    const block = readBlock(input, at, checkId, decoder);
    records.push(block.record);
    at = block.next;
  }
  const indexStart = at;
  at = readIndex(input, at, records);
  const indexSize = at - indexStart;

  if (at + STREAM_FOOTER_SIZE > end) throw fail(`stream footer cut short at byte ${end}`);
  if (crc32(input.subarray(at + 4, at + 10)) !== readUint32(input, at)) throw fail(`corrupt stream footer at byte ${at} (CRC32 mismatch)`);
  if (!matches(input, at + 10, FOOTER_MAGIC)) throw fail(`corrupt stream footer at byte ${at} (bad magic bytes)`);
  if ((readUint32(input, at + 4) + 1) * 4 !== indexSize) throw fail(`the stream footer at byte ${at} disagrees with the index size`);
  if (input[at + 8] !== flags[0] || input[at + 9] !== flags[1]) throw fail(`the stream footer at byte ${at} disagrees with the stream header`);
  return at + STREAM_FOOTER_SIZE;
}

/** Reads one block: header, LZMA2 data, filters, padding and check. */
function readBlock(input: Uint8Array, start: number, checkId: number, decoder: LzmaDecoder): { record: BlockRecord; next: number } {
  const end = input.length;
  const headerSize = (input[start]! + 1) * 4;
  if (start + headerSize > end) throw fail(`block header cut short at byte ${end}`);
  const headerEnd = start + headerSize - 4;
  if (crc32(input.subarray(start, headerEnd)) !== readUint32(input, headerEnd)) throw fail(`corrupt block header at byte ${start} (CRC32 mismatch)`);
  const blockFlags = input[start + 1]!;
  if (blockFlags & 0x3c) throw fail(`unsupported block flags at byte ${start + 1}`);
  let at = start + 2;
  let compressedSize: number | undefined;
  let uncompressedSize: number | undefined;
  if (blockFlags & 0x40) {
    ({ value: compressedSize, next: at } = readVli(input, at, headerEnd, 'block compressed size'));
    if (compressedSize === 0) throw fail(`block header at byte ${start} declares no compressed data`);
  }
  if (blockFlags & 0x80) ({ value: uncompressedSize, next: at } = readVli(input, at, headerEnd, 'block uncompressed size'));

  const filterCount = (blockFlags & 0x03) + 1;
  const filters: Filter[] = [];
  let dictSize = 0;
  for (let f = 0; f < filterCount; f++) {
    const id = readVli(input, at, headerEnd, 'filter id');
    const propsSize = readVli(input, id.next, headerEnd, 'filter properties size');
    const propsAt = propsSize.next;
    at = propsAt + propsSize.value;
    if (at > headerEnd) throw fail(`filter properties run past the block header at byte ${start}`);
    const last = f === filterCount - 1;
    const name = FILTER_NAMES[id.value] ?? `0x${id.value.toString(16)}`;
    if (id.value === FILTER_LZMA2) {
      if (!last) throw fail(`LZMA2 must be the last filter (block at byte ${start})`);
      const size = propsSize.value === 1 ? lzma2DictionarySize(input[propsAt]!) : null;
      if (size === null) throw fail(`invalid LZMA2 properties in the block header at byte ${start}`);
      dictSize = size;
    } else if (last) {
      throw fail(`the last filter must be LZMA2, not ${name} (block at byte ${start})`);
    } else if (id.value === FILTER_DELTA) {
      if (propsSize.value !== 1) throw fail(`invalid delta properties in the block header at byte ${start}`);
      filters.push({ id: id.value, parameter: input[propsAt]! + 1 });
    } else if (id.value >= FILTER_X86 && id.value <= FILTER_ARM64) {
      if (propsSize.value !== 0 && propsSize.value !== 4) throw fail(`invalid ${name} properties in the block header at byte ${start}`);
      filters.push({ id: id.value, parameter: propsSize.value === 4 ? readUint32(input, propsAt) : 0 });
    } else {
      throw fail(`filter ${name} is not supported`);
    }
  }
  for (let p = at; p < headerEnd; p++) if (input[p] !== 0) throw fail(`corrupt block header padding at byte ${p}`);

  const dataStart = start + headerSize;
  const dataEnd = compressedSize === undefined ? end : dataStart + compressedSize;
  if (dataEnd > end) throw fail(`block data cut short at byte ${end}`);
  const outStart = decoder.outPos;
  if (uncompressedSize !== undefined) decoder.reserve(uncompressedSize);
  decoder.setDictionarySize(dictSize);
  const dataStop = decodeLzma2Into(decoder, input, dataStart, dataEnd, 'xz');
  const compressed = dataStop - dataStart;
  const uncompressed = decoder.outPos - outStart;
  if (compressedSize !== undefined && compressed !== compressedSize) throw fail(`the block at byte ${start} is not the size its header declares`);
  if (uncompressedSize !== undefined && uncompressed !== uncompressedSize) throw fail(`the block at byte ${start} does not decode to the size its header declares`);

  const output = decoder.out.subarray(outStart, decoder.outPos);
  for (let f = filters.length - 1; f >= 0; f--) applyFilter(filters[f]!, output);

  let next = dataStop;
  while ((next - dataStart) % 4 !== 0) {
    if (next >= end) throw fail(`block padding cut short at byte ${end}`);
    if (input[next] !== 0) throw fail(`corrupt block padding at byte ${next}`);
    next++;
  }
  const checkSize = CHECK_SIZES[checkId]!;
  if (next + checkSize > end) throw fail(`block check cut short at byte ${end}`);
  verifyCheck(checkId, output, input.subarray(next, next + checkSize), next);
  next += checkSize;
  return { record: { unpaddedSize: headerSize + compressed + checkSize, uncompressedSize: uncompressed }, next };
}

function verifyCheck(checkId: number, data: Uint8Array, stored: Uint8Array, at: number): void {
  let computed: Uint8Array;
  switch (checkId) {
    case CHECK_NONE:
      return;
    case CHECK_CRC32: {
      computed = new Uint8Array(4);
      new DataView(computed.buffer).setUint32(0, crc32(data), true);
      break;
    }
    case CHECK_CRC64:
      computed = crc64(data);
      break;
    case CHECK_SHA256:
      computed = createHash('sha256').update(data).digest();
      break;
    default:
      // Ids the format reserves but no encoder writes: the size is known, the algorithm is not.
      return;
  }
  for (let i = 0; i < computed.length; i++) {
    if (computed[i] !== stored[i]) throw fail(`block check mismatch at byte ${at} (the data is corrupt)`);
  }
}

/** Reads the index at `at` and compares its records with the blocks read; returns where it ends. */
function readIndex(input: Uint8Array, start: number, records: BlockRecord[]): number {
  const end = input.length;
  let at = start + 1;
  const count = readVli(input, at, end, 'index record count');
  at = count.next;
  if (count.value !== records.length) throw fail(`the index at byte ${start} lists ${count.value} blocks, the stream has ${records.length}`);
  for (const record of records) {
    const unpadded = readVli(input, at, end, 'index record');
    const uncompressed = readVli(input, unpadded.next, end, 'index record');
    at = uncompressed.next;
    if (unpadded.value !== record.unpaddedSize || uncompressed.value !== record.uncompressedSize) {
      throw fail(`the index at byte ${start} disagrees with the blocks read`);
    }
  }
  while ((at - start) % 4 !== 0) {
    if (at >= end) throw fail(`index cut short at byte ${end}`);
    if (input[at] !== 0) throw fail(`corrupt index padding at byte ${at}`);
    at++;
  }
  if (at + 4 > end) throw fail(`index cut short at byte ${end}`);
  if (crc32(input.subarray(start, at)) !== readUint32(input, at)) throw fail(`corrupt index at byte ${start} (CRC32 mismatch)`);
  return at + 4;
}

const CRC64_LOW = new Uint32Array(256);
const CRC64_HIGH = new Uint32Array(256);
{
  // CRC-64/XZ (ECMA-182, reflected: 0xC96C5795D7870F42), in two 32-bit halves.
  const polyLow = 0xd7870f42;
  const polyHigh = 0xc96c5795;
  for (let n = 0; n < 256; n++) {
    let low = n;
    let high = 0;
    for (let k = 0; k < 8; k++) {
      const carry = low & 1;
      low = ((low >>> 1) | ((high & 1) << 31)) >>> 0;
      high = high >>> 1;
      if (carry) {
        low = (low ^ polyLow) >>> 0;
        high = (high ^ polyHigh) >>> 0;
      }
    }
    CRC64_LOW[n] = low;
    CRC64_HIGH[n] = high;
  }
}

/** The CRC-64 of data as the 8 little-endian bytes .xz stores. */
export function crc64(data: Uint8Array): Uint8Array {
  let low = 0xffffffff;
  let high = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const index = (low ^ data[i]!) & 0xff;
    low = ((low >>> 8) | (high << 24)) ^ CRC64_LOW[index]!;
    high = (high >>> 8) ^ CRC64_HIGH[index]!;
  }
  const result = new Uint8Array(8);
  const view = new DataView(result.buffer);
  view.setUint32(0, ~low >>> 0, true);
  view.setUint32(4, ~high >>> 0, true);
  return result;
}

function applyFilter(filter: Filter, buffer: Uint8Array): void {
  switch (filter.id) {
    case FILTER_DELTA:
      return deltaDecode(buffer, filter.parameter);
    case FILTER_X86:
      return x86Decode(buffer, filter.parameter);
    case FILTER_POWERPC:
      return powerPcDecode(buffer, filter.parameter);
    case FILTER_IA64:
      return ia64Decode(buffer, filter.parameter);
    case FILTER_ARM:
      return armDecode(buffer, filter.parameter);
    case FILTER_ARM_THUMB:
      return armThumbDecode(buffer, filter.parameter);
    case FILTER_SPARC:
      return sparcDecode(buffer, filter.parameter);
    case FILTER_ARM64:
      return arm64Decode(buffer, filter.parameter);
  }
}

/** Delta: each byte was stored as its difference from the byte `distance` before it. */
function deltaDecode(buffer: Uint8Array, distance: number): void {
  for (let i = distance; i < buffer.length; i++) buffer[i] = (buffer[i]! + buffer[i - distance]!) & 0xff;
}

// The branch converters turn the absolute addresses the encoder wrote into call and jump
// instructions back into relative ones. Positions count from the block's start plus the filter's
// start offset, modulo 2^32.

function x86Decode(buffer: Uint8Array, startOffset: number): void {
  const maskToBitNumber = [0, 1, 2, 2, 3];
  const size = buffer.length;
  if (size < 5) return;
  let prevMask = 0;
  // Positions relative to the buffer; the instruction before the first is "5 bytes before".
  let prevPos = -5;
  const limit = size - 5;
  let i = 0;
  while (i <= limit) {
    let b = buffer[i]!;
    if (b !== 0xe8 && b !== 0xe9) {
      i++;
      continue;
    }
    const offset = i - prevPos;
    prevPos = i;
    if (offset > 5) prevMask = 0;
    else for (let k = 0; k < offset; k++) prevMask = (prevMask & 0x77) << 1;
    b = buffer[i + 4]!;
    if ((b === 0 || b === 0xff) && prevMask >>> 1 <= 4 && prevMask >>> 1 !== 3) {
      let src = ((b << 24) | (buffer[i + 3]! << 16) | (buffer[i + 2]! << 8) | buffer[i + 1]!) >>> 0;
      let dest: number;
      for (;;) {
        dest = (src - (startOffset + i + 5)) >>> 0;
        if (prevMask === 0) break;
        const index = maskToBitNumber[prevMask >>> 1]! * 8;
        b = (dest >>> (24 - index)) & 0xff;
        if (b !== 0 && b !== 0xff) break;
        src = (dest ^ (2 ** (32 - index) - 1)) >>> 0;
      }
      buffer[i + 4] = (dest >>> 24) & 1 ? 0xff : 0x00;
      buffer[i + 3] = dest >>> 16;
      buffer[i + 2] = dest >>> 8;
      buffer[i + 1] = dest;
      i += 5;
      prevMask = 0;
    } else {
      i++;
      prevMask |= 1;
      if (b === 0 || b === 0xff) prevMask |= 0x10;
    }
  }
}

function powerPcDecode(buffer: Uint8Array, startOffset: number): void {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let i = 0; i + 4 <= buffer.length; i += 4) {
    let instr = view.getUint32(i, false);
    if ((instr & 0xfc000003) >>> 0 === 0x48000001) {
      instr = (((instr & 0x03fffffc) - (startOffset + i)) & 0x03fffffc) | 0x48000001;
      view.setUint32(i, instr >>> 0, false);
    }
  }
}

/** Which of the three 41-bit slots of a 128-bit IA-64 bundle can hold a branch, by template. */
const IA64_BRANCH_SLOTS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 6, 6, 0, 0, 7, 7, 4, 4, 0, 0, 4, 4, 0, 0];

function ia64Decode(buffer: Uint8Array, startOffset: number): void {
  // Instructions straddle bytes and need 48 bits, past JavaScript's 32-bit operators: BigInt
  // keeps this rare filter (Itanium images) short and exact.
  for (let i = 0; i + 16 <= buffer.length; i += 16) {
    const slots = IA64_BRANCH_SLOTS[buffer[i]! & 0x1f]!;
    for (let slot = 0, bitPos = 5; slot < 3; slot++, bitPos += 41) {
      if (((slots >>> slot) & 1) === 0) continue;
      const bytePos = i + (bitPos >>> 3);
      const bitRes = BigInt(bitPos & 7);
      let instruction = 0n;
      for (let j = 0; j < 6; j++) instruction |= BigInt(buffer[bytePos + j]!) << BigInt(8 * j);
      let norm = instruction >> bitRes;
      if (((norm >> 37n) & 0xfn) !== 0x5n || ((norm >> 9n) & 0x7n) !== 0n) continue;
      let address = Number((norm >> 13n) & 0xfffffn) | (Number((norm >> 36n) & 1n) << 20);
      address = ((address * 16 - (startOffset + i)) >>> 0) >>> 4;
      norm &= ~(0x8fffffn << 13n);
      norm |= BigInt(address & 0xfffff) << 13n;
      norm |= BigInt(address & 0x100000) << 16n;
      instruction &= (1n << bitRes) - 1n;
      instruction |= norm << bitRes;
      for (let j = 0; j < 6; j++) buffer[bytePos + j] = Number((instruction >> BigInt(8 * j)) & 0xffn);
    }
  }
}

function armDecode(buffer: Uint8Array, startOffset: number): void {
  for (let i = 0; i + 4 <= buffer.length; i += 4) {
    if (buffer[i + 3] === 0xeb) {
      let address = buffer[i]! | (buffer[i + 1]! << 8) | (buffer[i + 2]! << 16);
      address = ((address << 2) - (startOffset + i + 8)) >>> 2;
      buffer[i] = address;
      buffer[i + 1] = address >>> 8;
      buffer[i + 2] = address >>> 16;
    }
  }
}

function armThumbDecode(buffer: Uint8Array, startOffset: number): void {
  for (let i = 0; i + 4 <= buffer.length; i += 2) {
    if ((buffer[i + 1]! & 0xf8) === 0xf0 && (buffer[i + 3]! & 0xf8) === 0xf8) {
      let address = ((buffer[i + 1]! & 7) << 19) | (buffer[i]! << 11) | ((buffer[i + 3]! & 7) << 8) | buffer[i + 2]!;
      address = ((address << 1) - (startOffset + i + 4)) >>> 1;
      buffer[i + 1] = 0xf0 | ((address >>> 19) & 7);
      buffer[i] = address >>> 11;
      buffer[i + 3] = 0xf8 | ((address >>> 8) & 7);
      buffer[i + 2] = address;
      i += 2;
    }
  }
}

function sparcDecode(buffer: Uint8Array, startOffset: number): void {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let i = 0; i + 4 <= buffer.length; i += 4) {
    let instr = view.getUint32(i, false);
    if (instr >>> 22 === 0x100 || instr >>> 22 === 0x1ff) {
      instr = ((instr << 2) - (startOffset + i)) >>> 2;
      instr = ((0x40000000 - (instr & 0x400000)) | 0x40000000 | (instr & 0x3fffff)) >>> 0;
      view.setUint32(i, instr, false);
    }
  }
}

function arm64Decode(buffer: Uint8Array, startOffset: number): void {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  for (let i = 0; i + 4 <= buffer.length; i += 4) {
    let instr = view.getUint32(i, true);
    const pc = (startOffset + i) >>> 0;
    if (instr >>> 26 === 0x25) {
      // BL
      const address = (instr - (pc >>> 2)) >>> 0;
      view.setUint32(i, (0x94000000 | (address & 0x03ffffff)) >>> 0, true);
    } else if ((instr & 0x9f000000) >>> 0 === 0x90000000) {
      // ADRP, converted only within ±512 MiB
      let address = ((instr >>> 29) & 3) | ((instr >>> 3) & 0x1ffffc);
      if ((address + 0x020000) & 0x1c0000) continue;
      address = (address - (pc >>> 12)) >>> 0;
      instr &= 0x9000001f;
      instr |= (address & 3) << 29;
      instr |= (address & 0x03fffc) << 3;
      instr |= (0 - (address & 0x020000)) & 0xe00000;
      view.setUint32(i, instr >>> 0, true);
    }
  }
}
