// One door to every compression a firmware image uses: decompress() by kind, within a byte bound,
// and sniffCompression() to recognise a stream by its magic bytes.
//
// gzip, zlib, raw deflate and zstd go to node:zlib (native, and it stops at maxOutputLength
// instead of inflating a bomb). LZMA, .xz, LZO and bzip2 are our own pure-TypeScript decoders
// (lzma.ts, xz.ts, lzo.ts, bzip2.ts): node has none of them, and the one pure-JS bzip2 library
// (seek-bzip) cannot stop at a bound, writes byte by byte through callbacks and returns partial
// output without an error for a stream cut at a block boundary.
//
// Every failure, whatever the decoder, leaves as a DecompressionError whose message names the
// format and what was wrong, so an unpacker can turn it into a Problem with one catch.

import zlib from 'node:zlib';
import { decodeBzip2 } from './bzip2.ts';
import { crc32 } from './crc32.ts';
import { decodeLzmaAlone, decodeLzmaRaw, parseLzmaAloneHeader, type LzmaProperties } from './lzma.ts';
import { decodeLzo1x } from './lzo.ts';
import { decodeXz } from './xz.ts';

// The decoders import DecompressionError from here and this module imports them: the cycle is
// safe because no module uses another's exports while it is being evaluated, only when called.

/** Compressed input that cannot be decoded within its bound: corrupt, cut short, unsupported or too large. */
export class DecompressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecompressionError';
  }
}

/** The error for output that would pass its bound, worded the same by every decoder. */
export function outputExceeds(format: string, maxOutput: number): DecompressionError {
  return new DecompressionError(`${format}: output would exceed ${maxOutput} bytes`);
}

export type CompressionKind = 'gzip' | 'zlib' | 'deflate' | 'xz' | 'lzma' | 'lzma-raw' | 'lzo' | 'zstd' | 'bzip2';

export interface DecompressOptions {
  /**
   * The size the container says the output has. The output must be exactly this long; the
   * decoders allocate it up front and stop as soon as the data would pass it.
   */
  expectedSize?: number;
  /** Required for 'lzma-raw' (LZMA1 without a header): lc, lp, pb and the dictionary size. */
  lzmaProperties?: LzmaProperties;
}

/**
 * Decompresses `input` as `kind`, producing at most maxOutput bytes. Throws DecompressionError,
 * and nothing else, for input that is corrupt, truncated, unsupported, or would expand past
 * maxOutput (detected before allocating past the bound).
 *
 * Trailing bytes after a complete stream are ignored for the self-delimiting formats (xz, lzma,
 * bzip2, zstd, gzip), since carved streams are usually followed by padding or the next part of
 * the image; LZO, which has no end of its own beyond the end marker, must use its input exactly.
 */
export function decompress(kind: CompressionKind, input: Uint8Array, maxOutput: number, options: DecompressOptions = {}): Uint8Array {
  if (!(Number.isSafeInteger(maxOutput) && maxOutput >= 0)) throw new DecompressionError(`${kind}: invalid output bound ${maxOutput}`);
  const { expectedSize } = options;
  if (expectedSize !== undefined) {
    if (!(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) throw new DecompressionError(`${kind}: invalid expected size ${expectedSize}`);
    if (expectedSize > maxOutput) throw outputExceeds(kind, maxOutput);
  }
  const output = decode(kind, input, maxOutput, options);
  if (output.length > maxOutput) throw outputExceeds(kind, maxOutput);
  if (expectedSize !== undefined && output.length !== expectedSize) {
    throw new DecompressionError(`${kind}: expected ${expectedSize} bytes of output, got ${output.length}`);
  }
  return output;
}

function decode(kind: CompressionKind, input: Uint8Array, maxOutput: number, options: DecompressOptions): Uint8Array {
  const { expectedSize } = options;
  switch (kind) {
    case 'gzip':
    case 'zlib':
    case 'deflate':
    case 'zstd':
      return viaNodeZlib(kind, input, maxOutput, expectedSize);
    case 'xz':
      return decodeXz(input, maxOutput, expectedSize);
    case 'lzma':
      return decodeLzmaAlone(input, maxOutput, expectedSize);
    case 'lzma-raw':
      if (options.lzmaProperties === undefined) throw new DecompressionError('lzma-raw: the container did not give the LZMA properties');
      return decodeLzmaRaw(input, options.lzmaProperties, maxOutput, expectedSize);
    case 'lzo':
      return decodeLzo1x(input, maxOutput, expectedSize);
    case 'bzip2':
      return decodeBzip2(input, maxOutput, expectedSize);
  }
}

/**
 * The largest window (log2) a zstd frame may ask for: what the bound needs, but never below 2^23
 * (the zstd tool's levels up to 19 use up to that) nor above 2^27 (zstd's own default limit).
 */
const ZSTD_WINDOW_LOG_FLOOR = 23;
const ZSTD_WINDOW_LOG_CEILING = 27;

function viaNodeZlib(kind: 'gzip' | 'zlib' | 'deflate' | 'zstd', input: Uint8Array, maxOutput: number, expectedSize: number | undefined): Uint8Array {
  // Stopping at the expected size (when smaller) catches an overlong stream without inflating it.
  const limit = expectedSize === undefined ? maxOutput : Math.min(maxOutput, expectedSize);
  // node refuses a maxOutputLength below 1; an empty result is still checked against 0 afterwards.
  const maxOutputLength = Math.max(1, limit);
  const tooLarge = (): DecompressionError =>
    limit < maxOutput ? new DecompressionError(`${kind}: output is longer than the expected ${limit} bytes`) : outputExceeds(kind, maxOutput);
  try {
    switch (kind) {
      case 'gzip':
        return gunzip(input, limit, tooLarge);
      case 'zlib':
        return zlib.inflateSync(input, { maxOutputLength });
      case 'deflate':
        return zlib.inflateRawSync(input, { maxOutputLength });
      case 'zstd': {
        // A zstd frame names its window size and the decoder allocates that window natively,
        // whatever maxOutputLength says; capping the window keeps that allocation near the bound
        // (frames made by the zstd tool at levels up to 19 never need more than 2^23).
        const windowLog = Math.min(ZSTD_WINDOW_LOG_CEILING, Math.max(ZSTD_WINDOW_LOG_FLOOR, Math.ceil(Math.log2(limit + 1))));
        return unzstd(input, limit, windowLog, tooLarge);
      }
    }
  } catch (error) {
    if (error instanceof DecompressionError) throw error;
    if (error instanceof RangeError && (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    const message = error instanceof Error ? error.message : String(error);
    throw new DecompressionError(`${kind}: ${message}`);
  }
}

/** What node's zlib returns with `info: true` (its type definitions do not describe it). */
interface InflateWithInfo {
  buffer: Uint8Array;
  engine: { bytesWritten: number };
}

const GZIP_FLAG_HCRC = 0x02;
const GZIP_FLAG_EXTRA = 0x04;
const GZIP_FLAG_NAME = 0x08;
const GZIP_FLAG_COMMENT = 0x10;

/**
 * gzip members, read one by one: node's gunzipSync fails on anything after the last member that
 * is not zeros, and a stream carved from an image is followed by the rest of the image. The
 * header is parsed here, the deflate body inflated by node (which reports how much input it
 * used), and the CRC-32 and size trailer checked here. Further members are read while they follow.
 */
function gunzip(input: Uint8Array, limit: number, tooLarge: () => DecompressionError): Uint8Array {
  const members: Uint8Array[] = [];
  let total = 0;
  let at = 0;
  do {
    const bodyStart = gzipBodyStart(input, at);
    const room = limit - total;
    const { buffer, engine } = zlib.inflateRawSync(input.subarray(bodyStart), { info: true, maxOutputLength: Math.max(1, room) }) as unknown as InflateWithInfo;
    // node's bound cannot be 0, so a member that adds a byte when no room is left is caught here.
    if (buffer.length > room) throw tooLarge();
    const trailer = bodyStart + engine.bytesWritten;
    if (trailer + 8 > input.length) throw new DecompressionError(`gzip: the member trailer is cut short at byte ${input.length}`);
    const view = new DataView(input.buffer, input.byteOffset + trailer, 8);
    if (view.getUint32(0, true) !== crc32(buffer)) throw new DecompressionError(`gzip: CRC-32 mismatch in the member trailer at byte ${trailer}`);
    if (view.getUint32(4, true) !== buffer.length % 2 ** 32) throw new DecompressionError(`gzip: size mismatch in the member trailer at byte ${trailer}`);
    members.push(buffer);
    total += buffer.length;
    at = trailer + 8;
  } while (input[at] === 0x1f && input[at + 1] === 0x8b && input[at + 2] === 0x08);
  return members.length === 1 ? members[0]! : Buffer.concat(members);
}

/** Where the deflate data of the gzip member at `at` starts (RFC 1952 header). */
function gzipBodyStart(input: Uint8Array, at: number): number {
  const cut = (): DecompressionError => new DecompressionError(`gzip: header cut short at byte ${input.length}`);
  if (at + 10 > input.length) throw cut();
  if (input[at] !== 0x1f || input[at + 1] !== 0x8b) throw new DecompressionError(`gzip: not a gzip member at byte ${at} (bad magic number)`);
  if (input[at + 2] !== 0x08) throw new DecompressionError(`gzip: compression method ${input[at + 2]} at byte ${at + 2} is not deflate`);
  const flags = input[at + 3]!;
  if (flags & 0xe0) throw new DecompressionError(`gzip: reserved header flags set at byte ${at + 3}`);
  let next = at + 10;
  if (flags & GZIP_FLAG_EXTRA) {
    if (next + 2 > input.length) throw cut();
    next += 2 + (input[next]! | (input[next + 1]! << 8));
  }
  for (const flag of [GZIP_FLAG_NAME, GZIP_FLAG_COMMENT]) {
    if (flags & flag) {
      const end = input.indexOf(0, next);
      if (end === -1) throw cut();
      next = end + 1;
    }
  }
  if (flags & GZIP_FLAG_HCRC) next += 2;
  if (next > input.length) throw cut();
  return next;
}

const ZSTD_FRAME_MAGIC = 0xfd2fb528;

function isSkippableFrame(magic: number): boolean {
  return (magic & 0xfffffff0) === 0x184d2a50;
}

/**
 * Where the zstd frame (or skippable frame) at `at` ends, walking its header and block headers
 * (RFC 8878); past input.length when the frame is cut short.
 */
function zstdFrameEnd(input: Uint8Array, at: number): number {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (isSkippableFrame(view.getUint32(at, true))) return at + 8 > input.length ? input.length + 1 : at + 8 + view.getUint32(at + 4, true);
  if (at + 5 > input.length) return input.length + 1;
  const descriptor = input[at + 4]!;
  const singleSegment = (descriptor & 0x20) !== 0;
  const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >>> 6]!;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  let next = at + 5 + (singleSegment ? 0 : 1) + dictionaryBytes + contentSizeBytes;
  for (;;) {
    if (next + 3 > input.length) return input.length + 1;
    const header = input[next]! | (input[next + 1]! << 8) | (input[next + 2]! << 16);
    const type = (header >>> 1) & 3;
    next += 3 + (type === 1 ? 1 : header >>> 3);
    if (header & 1) break;
  }
  return next + (descriptor & 0x04 ? 4 : 0);
}

/**
 * zstd frames, decoded one by one: node's decoder stops after the first frame (the zstd tool
 * writes one per file, but `cat` and pzstd make several), and a stream carved from an image is
 * followed by the rest of the image. Skippable frames are skipped; reading stops at bytes that
 * start no frame.
 */
function unzstd(input: Uint8Array, limit: number, windowLog: number, tooLarge: () => DecompressionError): Uint8Array {
  const params = { [zlib.constants.ZSTD_d_windowLogMax]: windowLog };
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const frames: Uint8Array[] = [];
  let total = 0;
  let at = 0;
  do {
    const magic = at + 4 <= input.length ? view.getUint32(at, true) : 0;
    // Anything that is not a frame goes to node whole, so its message says what is wrong.
    const end = magic === ZSTD_FRAME_MAGIC || isSkippableFrame(magic) ? zstdFrameEnd(input, at) : input.length;
    if (isSkippableFrame(magic)) {
      if (end > input.length) throw new DecompressionError(`zstd: skippable frame cut short at byte ${input.length}`);
    } else {
      const room = limit - total;
      const output = zlib.zstdDecompressSync(input.subarray(at, Math.min(end, input.length)), { maxOutputLength: Math.max(1, room), params });
      // node's bound cannot be 0, so a frame that adds a byte when no room is left is caught here.
      if (output.length > room) throw tooLarge();
      frames.push(output);
      total += output.length;
    }
    at = end;
  } while (at + 4 <= input.length && (view.getUint32(at, true) === ZSTD_FRAME_MAGIC || isSkippableFrame(view.getUint32(at, true))));
  if (frames.length === 0) throw new DecompressionError('zstd: no frame with data (only skippable frames)');
  return frames.length === 1 ? frames[0]! : Buffer.concat(frames);
}

function startsWith(bytes: Uint8Array, offset: number, magic: readonly number[]): boolean {
  if (offset < 0 || offset + magic.length > bytes.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[offset + i] !== magic[i]) return false;
  return true;
}

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const BZIP2_BLOCK_MAGIC = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const BZIP2_END_MAGIC = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

/**
 * The compression whose stream starts at bytes[offset], judged by its magic bytes and a cheap
 * sanity check of the header, or null. Raw deflate, raw LZMA and LZO have no magic and are never
 * returned; zlib only for the four headers zlib's own levels write, since a looser check matches
 * one byte pair in a few hundred of any binary.
 */
export function sniffCompression(bytes: Uint8Array, offset: number): CompressionKind | null {
  if (offset < 0 || offset >= bytes.length) return null;
  const first = bytes[offset]!;
  // gzip: ID1 ID2, CM 8 (deflate), and no reserved flag bits.
  if (startsWith(bytes, offset, [0x1f, 0x8b, 0x08]) && offset + 3 < bytes.length && (bytes[offset + 3]! & 0xe0) === 0) return 'gzip';
  // xz: six magic bytes, then stream flags whose reserved bits are zero.
  if (startsWith(bytes, offset, XZ_MAGIC) && bytes[offset + 6] === 0 && offset + 7 < bytes.length && (bytes[offset + 7]! & 0xf0) === 0) return 'xz';
  if (startsWith(bytes, offset, ZSTD_MAGIC)) return 'zstd';
  // bzip2: 'BZh', a block size digit, then a block or the end-of-stream marker.
  if (startsWith(bytes, offset, [0x42, 0x5a, 0x68]) && offset + 3 < bytes.length) {
    const level = bytes[offset + 3]!;
    if (level >= 0x31 && level <= 0x39 && (startsWith(bytes, offset + 4, BZIP2_BLOCK_MAGIC) || startsWith(bytes, offset + 4, BZIP2_END_MAGIC))) return 'bzip2';
  }
  if (first === 0x78 && offset + 1 < bytes.length) {
    const flags = bytes[offset + 1]!;
    if (flags === 0x01 || flags === 0x5e || flags === 0x9c || flags === 0xda) return 'zlib';
  }
  if (looksLikeLzmaAlone(bytes, offset)) return 'lzma';
  return null;
}

/**
 * LZMA-alone has no magic, so it is judged as xz-utils judges it when auto-detecting: a valid
 * properties byte (with lc + lp ≤ 4, which every encoder's presets keep), a dictionary size of
 * 2^n or 2^n + 2^(n−1) between 4 KiB and 1.5 GiB, a size that is unknown or below 256 GiB, and
 * the range coder's first byte, which is always zero.
 */
function looksLikeLzmaAlone(bytes: Uint8Array, offset: number): boolean {
  const header = parseLzmaAloneHeader(bytes, offset);
  if (header === null || offset + 14 > bytes.length) return false;
  if (header.lc + header.lp > 4) return false;
  if (header.size !== undefined && header.size >= 2 ** 38) return false;
  if (bytes[offset + 13] !== 0) return false;
  const dict = header.dictSize;
  if (dict < 4096 || dict > 0x60000000) return false;
  // 2^n has one bit set; 2^n + 2^(n-1) is two adjacent bits.
  const single = (dict & (dict - 1)) === 0;
  const low = dict & -dict;
  const adjacent = dict === low * 3;
  return single || adjacent;
}
