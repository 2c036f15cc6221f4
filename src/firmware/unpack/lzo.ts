// LZO1X decompression (the format of LZO1X-1, LZO1X-1(15) and LZO1X-999: one decoder reads all
// of them), as SquashFS's lzo blocks, UBIFS data nodes and lzop's blocks store it. Hand-written:
// there is no maintained pure-JavaScript LZO, and the decoder is small.
//
// Semantics are lzo1x_decompress_safe's: every read and write is checked, a match may not reach
// before the start of the output, the stream must end with the end marker (a far match of
// distance 0) and nothing may follow it.
//
// References: lzo1x_d.ch in the LZO library (and the kernel's lzo1x_decompress_safe.c).
// Limitations: the kernel's LZO-RLE variant (zram) is not read.

import { DecompressionError, outputExceeds } from './compression.ts';

/** A far match whose distance (as stored) is zero ends the stream. */
const FAR_BASE = 0x4000;
/** A 3-byte match right after a literal run reaches 2 KiB further back than a 2-byte one. */
const NEAR_AFTER_LITERALS = 0x800;

/** A buffer that holds `needed` bytes (keeping the first `used`), or an error past the bound. */
function grow(out: Uint8Array, used: number, needed: number, limit: number, maxOutput: number): Uint8Array {
  if (needed > limit) {
    if (limit < maxOutput) throw new DecompressionError(`lzo: output is longer than the expected ${limit} bytes`);
    throw outputExceeds('lzo', maxOutput);
  }
  const next = new Uint8Array(Math.min(limit, Math.max(needed, out.length * 2)));
  next.set(out.subarray(0, used));
  return next;
}

function cutShort(at: number): DecompressionError {
  return new DecompressionError(`lzo: compressed data cut short at byte ${at}`);
}

/**
 * Decodes an LZO1X stream of at most maxOutput bytes. With expectedSize the buffer is allocated
 * once at that size and the output must fit it.
 */
export function decodeLzo1x(input: Uint8Array, maxOutput: number, expectedSize?: number): Uint8Array {
  const limit = expectedSize === undefined ? maxOutput : Math.min(maxOutput, expectedSize);
  const inEnd = input.length;
  let out: Uint8Array = new Uint8Array(expectedSize === undefined ? Math.min(limit, Math.max(64 * 1024, inEnd * 4)) : limit);
  let op = 0;
  let ip = 0;
  if (inEnd === 0) throw cutShort(0);

  // What an instruction below 16 means depends on what came before it: after a match with no
  // trailing literals it starts a literal run (0); after a match with 1–3 literals it is a 2-byte
  // near match (1–3); after a literal run of 4 or more it is a 3-byte match 2 KiB further (4).
  let state = 0;
  // The first byte may directly carry the length of a leading literal run.
  let literals = input[0]! > 17 ? input[ip++]! - 17 : 0;

  for (;;) {
    if (literals > 0) {
      if (ip + literals > inEnd) throw cutShort(inEnd);
      if (op + literals > out.length) out = grow(out, op, op + literals, limit, maxOutput);
      if (literals < 16) {
        for (let k = 0; k < literals; k++) out[op + k] = input[ip + k]!;
      } else {
        out.set(input.subarray(ip, ip + literals), op);
      }
      ip += literals;
      op += literals;
      state = literals < 4 ? literals : 4;
      literals = 0;
    }

    if (ip >= inEnd) throw cutShort(inEnd);
    const instruction = input[ip++]!;
    let length: number;
    let distance: number;
    if (instruction < 16 && state === 0) {
      // A literal run of 3 + the count; a zero count continues in the following bytes.
      literals = instruction + 3;
      if (instruction === 0) {
        literals = 15 + 3;
        for (;;) {
          if (ip >= inEnd) throw cutShort(inEnd);
          const byte = input[ip++]!;
          if (byte !== 0) break;
          literals += 255;
          if (literals > limit) throw outputExceeds('lzo', maxOutput);
        }
        literals += input[ip - 1]!;
      }
      continue;
    }
    if (instruction < 16) {
      if (ip >= inEnd) throw cutShort(inEnd);
      distance = 1 + (instruction >>> 2) + (input[ip++]! << 2) + (state === 4 ? NEAR_AFTER_LITERALS : 0);
      length = state === 4 ? 3 : 2;
      literals = instruction & 3;
    } else if (instruction >= 64) {
      if (ip >= inEnd) throw cutShort(inEnd);
      distance = 1 + ((instruction >>> 2) & 7) + (input[ip++]! << 3);
      length = (instruction >>> 5) + 1;
      literals = instruction & 3;
    } else {
      // 32–63: a match up to 16 KiB back; 16–31: a far match (up to 48 KiB), or the end marker.
      const far = instruction < 32;
      const lengthBits = far ? instruction & 7 : instruction & 31;
      length = lengthBits + 2;
      if (lengthBits === 0) {
        length = (far ? 7 : 31) + 2;
        for (;;) {
          if (ip >= inEnd) throw cutShort(inEnd);
          const byte = input[ip++]!;
          if (byte !== 0) break;
          length += 255;
          if (length > limit) throw outputExceeds('lzo', maxOutput);
        }
        length += input[ip - 1]!;
      }
      if (ip + 2 > inEnd) throw cutShort(inEnd);
      const word = input[ip]! | (input[ip + 1]! << 8);
      ip += 2;
      literals = word & 3;
      if (far) {
        distance = ((instruction & 8) << 11) + (word >>> 2);
        if (distance === 0) {
          // The end marker; lzo1x_decompress_safe wants the input used up exactly.
          if (ip !== inEnd) throw new DecompressionError(`lzo: ${inEnd - ip} bytes follow the end marker at byte ${ip - 3}`);
          break;
        }
        distance += FAR_BASE;
      } else {
        distance = 1 + (word >>> 2);
      }
    }

    if (distance > op) throw new DecompressionError(`lzo: a match before byte ${ip} reaches ${distance} bytes back, before the start of the output`);
    if (op + length > out.length) out = grow(out, op, op + length, limit, maxOutput);
    let from = op - distance;
    const end = op + length;
    // Overlapping matches (distance < length) repeat a pattern, so the copy goes byte by byte.
    if (distance >= length && length > 32) {
      out.copyWithin(op, from, from + length);
      op = end;
    } else {
      while (op < end) out[op++] = out[from++]!;
    }
    state = 0;
  }

  if (op === out.length) return out;
  return out.subarray(0, op);
}
