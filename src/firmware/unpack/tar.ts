// tar in its three living dialects: POSIX ustar, GNU (long names in 'L'/'K' entries, base-256
// numbers, old-style sparse files 'S') and POSIX pax (extended headers 'x' and 'g', and GNU's
// sparse formats 0.0, 0.1 and 1.0 carried in them). Firmware update bundles and vendors' rootfs
// tarballs come in all of them.
//
// References: POSIX.1-2017 pax (ustar and pax interchange formats); GNU tar manual, "Basic Tar
// Format" and "Storing sparse files"; GNU tar as the writer the tests compare against.
// Limitations: multi-volume continuations ('M') are reported, not joined; the device numbers of
// device nodes are not reported (Entry has no place for them); pax header fields other than
// path, linkpath, size, uid, gid and GNU.sparse.* are ignored.
//
// Hard links are 'hardlink' entries whose target is the normalised path they link to, as stored.

import { archivePath, LimitExceeded, reportEscapingLink, safePath, spend, type Entry, type Limits, type Problem, type Unpacker } from './types.ts';

const BLOCK = 512;
const text = new TextDecoder('utf-8');

const TYPE_BITS: Record<string, number> = {
  file: 0o100000,
  directory: 0o040000,
  symlink: 0o120000,
  hardlink: 0o100000,
  character: 0o020000,
  block: 0o060000,
  fifo: 0o010000,
};

function isZeroBlock(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** A NUL-terminated string field. */
function string(bytes: Uint8Array, at: number, length: number): string {
  let end = at;
  while (end < at + length && bytes[end] !== 0) end++;
  return text.decode(bytes.subarray(at, end));
}

/**
 * A numeric field: octal digits (leading spaces and NULs allowed, ended by a space or NUL), or
 * GNU's base-256 when the first byte has its high bit set. null when malformed; negative
 * base-256 values are malformed too (nothing we read may be negative).
 */
function numeric(bytes: Uint8Array, at: number, length: number): number | null {
  const first = bytes[at]!;
  if (first & 0x80) {
    if (first !== 0x80) return null;
    let value = 0;
    for (let i = at + 1; i < at + length; i++) value = value * 256 + bytes[i]!;
    return value > Number.MAX_SAFE_INTEGER ? null : value;
  }
  let i = at;
  const end = at + length;
  while (i < end && (bytes[i] === 0x20 || bytes[i] === 0)) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return null;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  return digits > 0 || i === end || bytes[i] === 0x20 || bytes[i] === 0 ? value : null;
}

/** Whether the header's checksum matches, either as the standard unsigned sum or the historic signed one. */
function checksumMatches(bytes: Uint8Array, at: number): boolean {
  const stored = numeric(bytes, at + 148, 8);
  if (stored === null) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = at; i < at + BLOCK; i++) {
    const b = i >= at + 148 && i < at + 156 ? 0x20 : bytes[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

interface PaxValues {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  /** GNU.sparse.* keys, kept in order since 0.0 repeats offset/numbytes pairs. */
  sparse: [string, string][];
}

/** Parses pax extended header records ("length key=value\n"); malformed records end the parse with a Problem. */
function parsePax(data: Uint8Array, into: PaxValues, problems: Problem[], offset: number): void {
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break; // padding some writers leave
    let space = at;
    while (space < data.length && space - at < 20 && data[space]! >= 0x30 && data[space]! <= 0x39) space++;
    const length = Number(text.decode(data.subarray(at, space)));
    if (data[space] !== 0x20 || !(length > space - at + 1) || at + length > data.length || data[at + length - 1] !== 0x0a) {
      problems.push({ offset, message: `a pax extended header record at byte ${at} is malformed; the rest of the header is ignored` });
      return;
    }
    const record = text.decode(data.subarray(space + 1, at + length - 1));
    const equals = record.indexOf('=');
    if (equals > 0) {
      const key = record.slice(0, equals);
      const value = record.slice(equals + 1);
      const number = /^\d{1,15}$/.test(value) ? Number(value) : undefined;
      if (key === 'path') into.path = value;
      else if (key === 'linkpath') into.linkpath = value;
      else if (key === 'size' && number !== undefined) into.size = number;
      else if (key === 'uid' && number !== undefined) into.uid = number;
      else if (key === 'gid' && number !== undefined) into.gid = number;
      else if (key.startsWith('GNU.sparse.')) into.sparse.push([key, value]);
    }
    at += length;
  }
}

/** Where a sparse file's stored bytes go: the data segments in order. */
interface SparseMap {
  realSize: number;
  segments: { offset: number; length: number }[];
}

/** Rebuilds a sparse file from its stored segments; holes are zeros. */
function expandSparse(stored: Uint8Array, map: SparseMap): Uint8Array {
  const out = new Uint8Array(map.realSize);
  let from = 0;
  for (const { offset, length } of map.segments) {
    if (offset + length > map.realSize || from + length > stored.length) throw new TarCorruption('the sparse map does not fit the file');
    out.set(stored.subarray(from, from + length), offset);
    from += length;
  }
  return out;
}

class TarCorruption extends Error {}

function numbersOf(list: string): number[] {
  const parts = list.split(',').filter((part) => part !== '');
  const numbers = parts.map(Number);
  if (numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new TarCorruption('the sparse map holds a number that is not one');
  return numbers;
}

function pairsToSegments(numbers: number[]): { offset: number; length: number }[] {
  if (numbers.length % 2 !== 0) throw new TarCorruption('the sparse map has an odd count of numbers');
  const segments: { offset: number; length: number }[] = [];
  for (let i = 0; i < numbers.length; i += 2) segments.push({ offset: numbers[i]!, length: numbers[i + 1]! });
  return segments;
}

/** The sparse map of pax GNU sparse 0.0 or 0.1 (in the header) or null when the entry is not sparse that way. */
function paxSparseMap(sparse: [string, string][]): { map: SparseMap; name?: string } | null {
  const get = (key: string): string | undefined => sparse.findLast(([k]) => k === key)?.[1];
  const realSize = get('GNU.sparse.realsize') ?? get('GNU.sparse.size');
  const name = get('GNU.sparse.name');
  const mapValue = get('GNU.sparse.map');
  const named = name === undefined ? {} : { name };
  if (mapValue !== undefined && realSize !== undefined) {
    return { map: { realSize: Number(realSize), segments: pairsToSegments(numbersOf(mapValue)) }, ...named };
  }
  const pairs = sparse.filter(([k]) => k === 'GNU.sparse.offset' || k === 'GNU.sparse.numbytes').map(([, v]) => v);
  if (pairs.length > 0 && realSize !== undefined) return { map: { realSize: Number(realSize), segments: pairsToSegments(numbersOf(pairs.join(','))) }, ...named };
  return null;
}

/**
 * GNU sparse 1.0 keeps its map at the start of the data: decimal numbers one per line (count,
 * then offset/length pairs), padded to a block. Returns the map and where the data begins.
 */
function sparseMapInData(data: Uint8Array, realSize: number): { map: SparseMap; dataStart: number } {
  const numbers: number[] = [];
  let at = 0;
  let count = -1;
  while (count < 0 || numbers.length < count * 2) {
    const newline = data.indexOf(0x0a, at);
    if (newline < 0 || newline - at > 20) throw new TarCorruption('the sparse map at the start of the data is cut short');
    const value = Number(text.decode(data.subarray(at, newline)));
    if (!Number.isSafeInteger(value) || value < 0 || newline === at) throw new TarCorruption('the sparse map holds a number that is not one');
    at = newline + 1;
    if (count < 0) {
      // Each pair takes at least four bytes ("0\n0\n"), which bounds a forged count.
      if (value * 4 > data.length) throw new TarCorruption(`the sparse map claims ${value} segments, more than the data holds`);
      count = value;
    } else numbers.push(value);
  }
  return { map: { realSize, segments: pairsToSegments(numbers) }, dataStart: Math.ceil(at / BLOCK) * BLOCK };
}

/** The normalised path of a stored name, with Problems for absolute and escaping names; null for the root itself. */

function unpackTar(bytes: Uint8Array, offset: number, limits: Limits): { entries: Entry[]; problems: Problem[]; length?: number } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  const global: PaxValues = { sparse: [] };
  let local: PaxValues = { sparse: [] };
  let longName: string | undefined;
  let longLink: string | undefined;
  let at = offset;
  try {
    // Every turn consumes at least one block, so the loop ends with the buffer.
    for (;;) {
      if (at + BLOCK > bytes.length) {
        problems.push({ offset: at, message: at === bytes.length ? 'the archive ends without its end-of-archive blocks' : 'the archive ends inside a header block' });
        at = Math.min(at, bytes.length);
        break;
      }
      if (isZeroBlock(bytes, at)) {
        if (at + 2 * BLOCK <= bytes.length && !isZeroBlock(bytes, at + BLOCK)) {
          problems.push({ offset: at, message: 'a lone zero block ends the archive early' });
          at += BLOCK;
        } else at = Math.min(bytes.length, at + 2 * BLOCK);
        break;
      }
      if (!checksumMatches(bytes, at)) {
        problems.push({ offset: at, message: at === offset ? 'no tar header here (checksum mismatch)' : `the header at ${at} fails its checksum; the archive is not read further` });
        break;
      }
      const headerAt = at;
      const typeflag = bytes[at + 156] === 0 ? '0' : String.fromCharCode(bytes[at + 156]!);
      const headerSize = numeric(bytes, at + 124, 12);
      // A pax size governs the data of the entry it describes, never of another extension header.
      const describesNext = typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K';
      const size = describesNext ? headerSize : (local.size ?? global.size ?? headerSize);
      if (size === null || size === undefined) {
        problems.push({ offset: at, message: `the header at ${at} has an unreadable size; the archive is not read further` });
        break;
      }
      // Old GNU sparse headers are followed by extension blocks before their data.
      let dataStart = at + BLOCK;
      let oldSparse: SparseMap | undefined;
      if (typeflag === 'S') {
        const parsed = readOldSparse(bytes, at);
        dataStart = parsed.dataStart;
        oldSparse = parsed.map;
      }
      const dataEnd = dataStart + size;
      if (dataEnd > bytes.length) {
        problems.push({ offset: at, message: `the entry at ${at} claims ${size} bytes of data, past the end of the archive` });
        at = bytes.length;
        break;
      }
      const data = bytes.subarray(dataStart, dataEnd);
      at = dataStart + Math.ceil(size / BLOCK) * BLOCK;

      // Headers that describe the next entry rather than being one.
      if (typeflag === 'L') {
        longName = string(data, 0, data.length);
        continue;
      }
      if (typeflag === 'K') {
        longLink = string(data, 0, data.length);
        continue;
      }
      if (typeflag === 'x') {
        parsePax(data, local, problems, headerAt);
        continue;
      }
      if (typeflag === 'g') {
        parsePax(data, global, problems, headerAt);
        continue;
      }
      const ustar = string(bytes, headerAt + 257, 6) === 'ustar' && bytes[headerAt + 262] === 0;
      const prefix = ustar ? string(bytes, headerAt + 345, 155) : '';
      const storedName = string(bytes, headerAt, 100);
      const pax = { ...global, ...local, sparse: [...global.sparse, ...local.sparse] };
      let raw = longName ?? pax.path ?? (prefix ? `${prefix}/${storedName}` : storedName);
      const rawLink = longLink ?? pax.linkpath ?? string(bytes, headerAt + 157, 100);
      local = { sparse: [] };
      longName = undefined;
      longLink = undefined;

      if (typeflag === 'V') continue; // a volume label names the archive, not a file
      let sparse: SparseMap | undefined = oldSparse;
      let sparseDataStart = 0;
      try {
        const paxSparse = paxSparseMap(pax.sparse);
        if (paxSparse) {
          sparse = paxSparse.map;
          if (paxSparse.name !== undefined) raw = paxSparse.name;
        } else if (pax.sparse.some(([k, v]) => k === 'GNU.sparse.major' && v === '1')) {
          const realSize = Number(pax.sparse.findLast(([k]) => k === 'GNU.sparse.realsize')?.[1]);
          const name = pax.sparse.findLast(([k]) => k === 'GNU.sparse.name')?.[1];
          if (name !== undefined) raw = name;
          if (!Number.isSafeInteger(realSize)) throw new TarCorruption('GNU sparse 1.0 without a real size');
          const inData = sparseMapInData(data, realSize);
          sparse = inData.map;
          sparseDataStart = inData.dataStart;
        }
      } catch (error) {
        if (!(error instanceof TarCorruption)) throw error;
        problems.push({ offset: headerAt, message: `the sparse file ${JSON.stringify(raw)} is unreadable: ${error.message}` });
        continue;
      }

      const path = archivePath(raw, headerAt, problems);
      if (path === null) continue;
      const permissions = (numeric(bytes, headerAt + 100, 8) ?? 0) & 0o7777;
      const uid = pax.uid ?? numeric(bytes, headerAt + 108, 8);
      const gid = pax.gid ?? numeric(bytes, headerAt + 116, 8);
      const owner = { ...(uid === null ? {} : { uid }), ...(gid === null ? {} : { gid }) };
      if (typeflag === 'M' || typeflag === 'N') {
        problems.push({ path, offset: headerAt, message: `entry type '${typeflag}' (GNU multi-volume or old long name) is not supported; skipped` });
        continue;
      }
      let kind = typeflag;
      if (!'01234567SD'.includes(typeflag)) {
        // POSIX: an unknown type is extracted as a regular file.
        problems.push({ path, offset: headerAt, message: `unknown entry type '${typeflag}'; read as a regular file` });
        kind = '0';
      }
      switch (kind) {
        case '1': {
          spend(limits, 0, 1);
          const target = archivePath(rawLink, headerAt, problems);
          if (target === null) {
            problems.push({ path, offset: headerAt, message: `the hard link has no usable target (${JSON.stringify(rawLink)}); skipped` });
            continue;
          }
          entries.push({ path, type: 'hardlink', mode: TYPE_BITS.hardlink! | permissions, target, ...owner });
          break;
        }
        case '2':
          spend(limits, 0, 1);
          reportEscapingLink(path, rawLink, problems, 'archive', headerAt);
          entries.push({ path, type: 'symlink', mode: TYPE_BITS.symlink! | permissions, target: rawLink, ...owner });
          break;
        case '3':
        case '4':
          spend(limits, 0, 1);
          entries.push({ path, type: 'device', mode: TYPE_BITS[kind === '3' ? 'character' : 'block']! | permissions, ...owner });
          break;
        case '5':
        case 'D': // a GNU dump directory: its data lists names, the directory is what matters
          spend(limits, 0, 1);
          entries.push({ path, type: 'directory', mode: TYPE_BITS.directory! | permissions, ...owner });
          break;
        case '6':
          spend(limits, 0, 1);
          entries.push({ path, type: 'fifo', mode: TYPE_BITS.fifo! | permissions, ...owner });
          break;
        default: {
          // '0', '7' (contiguous) and sparse files.
          const mode = TYPE_BITS.file! | permissions;
          if (!sparse) {
            spend(limits, data.length, 1);
            entries.push({ path, type: 'file', mode, data, ...owner });
            break;
          }
          if (!(sparse.realSize <= limits.maxFileBytes)) {
            problems.push({ path, offset: headerAt, message: `the sparse file expands to ${sparse.realSize} bytes, over the limit of ${limits.maxFileBytes}; its contents are not read` });
            spend(limits, 0, 1);
            entries.push({ path, type: 'file', mode, ...owner });
            break;
          }
          spend(limits, sparse.realSize, 1);
          try {
            entries.push({ path, type: 'file', mode, data: expandSparse(data.subarray(sparseDataStart), sparse), ...owner });
          } catch (error) {
            if (!(error instanceof TarCorruption)) throw error;
            problems.push({ path, offset: headerAt, message: `the sparse file is unreadable: ${error.message}` });
          }
        }
      }
    }
  } catch (error) {
    if (error instanceof LimitExceeded) problems.push({ offset: at, message: `unpacking stopped: ${error.message}` });
    else if (error instanceof TarCorruption) problems.push({ offset: at, message: `${error.message}; the archive is not read further` });
    else throw error;
  }
  return { entries, problems, length: at - offset };
}

/**
 * The sparse map of an old GNU 'S' header: four (offset, length) pairs in the header, then as
 * many extension blocks of 21 pairs as the "is extended" flags chain.
 */
function readOldSparse(bytes: Uint8Array, header: number): { map: SparseMap; dataStart: number } {
  const segments: { offset: number; length: number }[] = [];
  const readPairs = (at: number, count: number): void => {
    for (let i = 0; i < count; i++) {
      const offset = numeric(bytes, at + i * 24, 12);
      const length = numeric(bytes, at + i * 24 + 12, 12);
      if (offset === null || length === null) throw new TarCorruption('an old GNU sparse map holds a malformed number');
      if (offset === 0 && length === 0 && bytes[at + i * 24] === 0) return;
      segments.push({ offset, length });
    }
  };
  readPairs(header + 386, 4);
  const realSize = numeric(bytes, header + 483, 12);
  if (realSize === null) throw new TarCorruption('an old GNU sparse header has a malformed real size');
  let extended = bytes[header + 482] !== 0;
  let at = header + BLOCK;
  while (extended) {
    if (at + BLOCK > bytes.length) throw new TarCorruption('an old GNU sparse map runs past the end of the archive');
    readPairs(at, 21);
    extended = bytes[at + 504] !== 0;
    at += BLOCK;
  }
  return { map: { realSize, segments }, dataStart: at };
}

export const tar: Unpacker = {
  name: 'tar',
  detect(bytes, offset) {
    if (offset < 0 || offset + BLOCK > bytes.length || isZeroBlock(bytes, offset)) return false;
    return checksumMatches(bytes, offset);
  },
  unpack: unpackTar,
};
