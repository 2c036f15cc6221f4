import { decompressLz4Frame } from './lz4.ts';
import { decompress, sniffCompression, type CompressionKind } from './compression.ts';
import { LimitExceeded, safePath, spend, type Entry, type Limits, type Unpacker, type UnpackResult } from './types.ts';

// A compressed stream found in an image (a gzip'd initramfs, an xz'd kernel, a zstd blob) is a
// container of one file: its decompressed bytes, which the scan then looks into in turn.

function gzipName(bytes: Uint8Array, offset: number): string | undefined {
  // RFC 1952: FLG bit 3 (FNAME) means a zero-terminated original name follows the header
  // (after FEXTRA when bit 2 is set).
  const flags = bytes[offset + 3] ?? 0;
  if ((flags & 0x08) === 0) return undefined;
  let at = offset + 10;
  if (flags & 0x04) at += 2 + ((bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8));
  const end = bytes.indexOf(0, at);
  if (end === -1 || end - at > 255) return undefined;
  return safePath(Buffer.from(bytes.subarray(at, end)).toString('latin1'))?.path.split('/').pop();
}

function stream(name: string, kind: CompressionKind | 'lz4', onlyAtStart = false): Unpacker {
  return {
    name,
    detect(bytes, offset) {
      if (onlyAtStart && offset !== 0) return false;
      if (kind === 'lz4') return bytes[offset] === 0x04 && bytes[offset + 1] === 0x22 && bytes[offset + 2] === 0x4d && bytes[offset + 3] === 0x18;
      return sniffCompression(bytes, offset) === kind;
    },
    unpack(bytes: Uint8Array, offset: number, limits: Limits): UnpackResult {
      const input = bytes.subarray(offset);
      const room = Math.min(limits.maxFileBytes, limits.maxTotalBytes - limits.used.bytes);
      try {
        const data = kind === 'lz4' ? decompressLz4Frame(input, room) : decompress(kind, input, room);
        spend(limits, data.byteLength, 1);
        const entry: Entry = { path: (kind === 'gzip' ? gzipName(bytes, offset) : undefined) ?? 'decompressed', type: 'file', mode: 0o644, data };
        return { entries: [entry], problems: [] };
      } catch (e) {
        const message = e instanceof LimitExceeded ? `stopped: ${e.message}` : e instanceof Error ? e.message : String(e);
        return { entries: [], problems: [{ offset, message }] };
      }
    },
  };
}

export const gzipStream = stream('gzip', 'gzip');
export const xzStream = stream('xz', 'xz');
export const lzmaStream = stream('lzma', 'lzma');
export const bzip2Stream = stream('bzip2', 'bzip2');
export const zstdStream = stream('zstd', 'zstd');
export const lz4Stream = stream('lz4', 'lz4');
// Two bytes of zlib header match by chance a few hundred times in any binary: only a whole file
// that is a zlib stream counts.
export const zlibStream = stream('zlib', 'zlib', true);
