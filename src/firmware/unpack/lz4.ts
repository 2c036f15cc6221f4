// LZ4, hand-written because no maintained pure-JavaScript decoder reads both the raw block format
// (what SquashFS stores per block) and the frame formats (what `lz4` and the kernel's legacy
// `lz4 -l` produce, found in uImages). Decoding is small; encoding is never needed.
//
// References: lz4_Block_format.md and lz4_Frame_format.md in the lz4 repository.
// Limitations: checksums (xxHash32) are not verified; frames that need an external dictionary are
// refused.
//
// Failures are DecompressionErrors, like every other decoder's, so an unpacker needs one catch.

import { DecompressionError } from './compression.ts';
import { u32 } from './bytes.ts';

const FRAME_MAGIC = 0x184d2204;
const LEGACY_MAGIC = 0x184c2102;
const LEGACY_BLOCK_SIZE = 8 * 1024 * 1024;

/**
 * Decodes one block into out[start…limit), using out[0…start) as history (frames whose blocks
 * are linked refer back into earlier blocks). Returns where the output ends.
 */
function decodeBlockInto(input: Uint8Array, out: Uint8Array, start: number, limit: number): number {
  const inEnd = input.length;
  let ip = 0;
  let op = start;
  if (inEnd === 0) throw new DecompressionError('lz4: a block is empty');
  for (;;) {
    const token = input[ip++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let more: number;
      do {
        if (ip >= inEnd) throw new DecompressionError('lz4: a block ends inside a literal length');
        more = input[ip++]!;
        literals += more;
      } while (more === 255);
    }
    if (ip + literals > inEnd) throw new DecompressionError('lz4: a block ends inside its literals');
    if (op + literals > limit) throw new DecompressionError(`lz4: output would exceed ${limit - start} bytes`);
    if (literals < 16) {
      for (let k = 0; k < literals; k++) out[op + k] = input[ip + k]!;
    } else {
      out.set(input.subarray(ip, ip + literals), op);
    }
    ip += literals;
    op += literals;
    // The last sequence of a block has literals only.
    if (ip === inEnd) return op;
    if (ip + 2 > inEnd) throw new DecompressionError('lz4: a block ends inside a match offset');
    const distance = input[ip]! | (input[ip + 1]! << 8);
    ip += 2;
    if (distance === 0 || distance > op) throw new DecompressionError('lz4: a match refers before the start of the output');
    let length = (token & 15) + 4;
    if ((token & 15) === 15) {
      let more: number;
      do {
        if (ip >= inEnd) throw new DecompressionError('lz4: a block ends inside a match length');
        more = input[ip++]!;
        length += more;
      } while (more === 255);
    }
    if (op + length > limit) throw new DecompressionError(`lz4: output would exceed ${limit - start} bytes`);
    let from = op - distance;
    if (distance >= length && length > 32) {
      out.copyWithin(op, from, from + length);
      op += length;
    } else {
      // Overlapping matches repeat the last `distance` bytes, so they are copied byte by byte.
      const end = op + length;
      while (op < end) out[op++] = out[from++]!;
    }
  }
}

/** Decodes a raw LZ4 block (no frame) of at most maxOutput bytes, as SquashFS stores them. */
export function decodeLz4Block(input: Uint8Array, maxOutput: number): Uint8Array {
  const out = new Uint8Array(maxOutput);
  const end = decodeBlockInto(input, out, 0, maxOutput);
  return out.subarray(0, end);
}

/** An output buffer that doubles as needed but never beyond maxOutput. */
class Output {
  bytes: Uint8Array;
  length = 0;
  readonly maxOutput: number;
  constructor(initial: number, maxOutput: number) {
    this.maxOutput = maxOutput;
    this.bytes = new Uint8Array(Math.min(maxOutput, Math.max(initial, 1024)));
  }
  /** Makes room for `more` bytes (or up to maxOutput); returns the limit a block may write to. */
  reserve(more: number): number {
    const wanted = Math.min(this.maxOutput, this.length + more);
    if (wanted > this.bytes.length) {
      const grown = new Uint8Array(Math.min(this.maxOutput, Math.max(wanted, this.bytes.length * 2)));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    return wanted;
  }
}

/**
 * Decodes an LZ4 stream as written by the `lz4` tool: one or more frames (modern or legacy, with
 * skippable frames between), of at most maxOutput bytes in total.
 */
export function decompressLz4Frame(input: Uint8Array, maxOutput: number): Uint8Array {
  const output = new Output(input.length * 3, maxOutput);
  let at = 0;
  let frames = 0;
  while (at + 4 <= input.length) {
    const magic = u32(input, at);
    if (magic === FRAME_MAGIC) at = readFrame(input, at + 4, output);
    else if (magic === LEGACY_MAGIC) at = readLegacyFrame(input, at + 4, output);
    else if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (at + 8 > input.length) throw new DecompressionError('lz4: a skippable frame is cut short');
      at += 8 + u32(input, at + 4);
    } else if (frames > 0) break; // trailing bytes after the last frame (padding) are ignored
    else throw new DecompressionError('lz4: not an LZ4 frame (bad magic number)');
    frames++;
  }
  if (frames === 0) throw new DecompressionError('lz4: not an LZ4 frame (too short)');
  return output.bytes.subarray(0, output.length);
}

const BLOCK_MAXIMUM: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

function readFrame(input: Uint8Array, at: number, output: Output): number {
  if (at + 3 > input.length) throw new DecompressionError('lz4: a frame header is cut short');
  const flags = input[at]!;
  const descriptor = input[at + 1]!;
  if (flags >> 6 !== 1) throw new DecompressionError(`lz4: LZ4 frame version ${flags >> 6} is not supported`);
  if (flags & 1) throw new DecompressionError('lz4: the LZ4 frame needs an external dictionary');
  const blockMaximum = BLOCK_MAXIMUM[(descriptor >> 4) & 7];
  if (blockMaximum === undefined) throw new DecompressionError('lz4: the LZ4 frame declares an invalid block size');
  const blockChecksum = (flags & 0x10) !== 0;
  const contentChecksum = (flags & 0x04) !== 0;
  at += 2 + (flags & 0x08 ? 8 : 0) + 1; // descriptor, content size, header checksum
  for (;;) {
    if (at + 4 > input.length) throw new DecompressionError('lz4: a frame is cut short');
    const word = u32(input, at);
    at += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > blockMaximum || at + size > input.length) throw new DecompressionError('lz4: a block runs past the end of its frame');
    const block = input.subarray(at, at + size);
    const limit = output.reserve(blockMaximum);
    if (word & 0x80000000) {
      if (output.length + size > limit) throw new DecompressionError(`lz4: output would exceed ${output.maxOutput} bytes`);
      output.bytes.set(block, output.length);
      output.length += size;
    } else {
      // Decoded in place, whether blocks are linked or independent: an independent block simply
      // never refers back past its own start.
      output.length = decodeBlockInto(block, output.bytes, output.length, limit);
    }
    at += size + (blockChecksum ? 4 : 0);
  }
  return at + (contentChecksum ? 4 : 0);
}

function readLegacyFrame(input: Uint8Array, at: number, output: Output): number {
  while (at + 4 <= input.length) {
    const size = u32(input, at);
    // A legacy frame has no end mark: it ends with the input or where another frame begins.
    if (size === FRAME_MAGIC || size === LEGACY_MAGIC) break;
    if (size === 0 || at + 4 + size > input.length) {
      if (output.length > 0) break; // zero padding after the data (the kernel pads images)
      throw new DecompressionError('lz4: a legacy block runs past the end of the input');
    }
    const limit = output.reserve(LEGACY_BLOCK_SIZE);
    output.length = decodeBlockInto(input.subarray(at + 4, at + 4 + size), output.bytes, output.length, limit);
    at += 4 + size;
  }
  return at;
}
