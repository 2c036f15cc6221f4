// ZIP, read from its central directory as unzip does: the end-of-central-directory record (and
// its ZIP64 form) lists every entry with authoritative sizes, and each entry's local header tells
// where its data starts. Vendors ship update bundles, app packages and whole firmware as zips.
//
// References: PKWARE's APPNOTE.TXT 6.3.10 (records, ZIP64, extra fields 0x0001, 0x7875, 0x7075);
// Info-ZIP zip as the writer the tests compare against.
// Methods read: stored (0), deflate (8), bzip2 (12), LZMA (14) and zstd (93); others and every
// encrypted entry are reported as Problems, not read. Multi-disk archives are not supported.
// Without a central directory (a zip cut short) the local headers are walked instead, which finds
// every entry whose size is known or whose data descriptor can be found.
//
// Entries whose data overlaps another's are reported and skipped: no archive tool writes them,
// and they are how a few kilobytes of zip expand to gigabytes ("overlapping" zip bombs).
//
// Modes are the Unix st_mode an entry made on Unix carries (0 when it has none); uid and gid
// come from Info-ZIP's 'ux' extra field when present.

import { decompress, DecompressionError } from './compression.ts';
import { crc32 } from './crc32.ts';
import { parseLzmaPropertiesByte } from './lzma.ts';
import { archivePath, entryTypeOfMode, LimitExceeded, reportEscapingLink, safePath, spend, type Entry, type Limits, type Problem, type Unpacker } from './types.ts';
import { u16, u32, u64 } from './bytes.ts';

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const END64_LOCATOR = 0x07064b50;
const DESCRIPTOR_SIGNATURE = Buffer.from([0x50, 0x4b, 0x07, 0x08]);

/** How many end-record candidates to try before giving up (each check is a few reads). */
const END_CANDIDATES_MAXIMUM = 1000;
/** How many descriptor signatures to try for one entry: a real descriptor is the first or close to it. */
const DESCRIPTOR_CANDIDATES_MAXIMUM = 1000;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** A name as stored: UTF-8 when flagged (or when it decodes as such), else IBM code page 437, the format's default. */
function decodeName(raw: Uint8Array, flaggedUtf8: boolean): string {
  if (flaggedUtf8) return lenientUtf8.decode(raw);
  try {
    return utf8.decode(raw);
  } catch {
    let name = '';
    for (const byte of raw) name += byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80]!;
    return name;
  }
}

/** Extra fields as id → data, each a view into the image. */
function extraFields(extra: Uint8Array): Map<number, Uint8Array> {
  const fields = new Map<number, Uint8Array>();
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = u16(extra, at);
    const size = u16(extra, at + 2);
    if (at + 4 + size > extra.length) break;
    if (!fields.has(id)) fields.set(id, extra.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return fields;
}

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** st_mode when made on Unix and set, else undefined. */
  unixMode: number | undefined;
  msdosDirectory: boolean;
  uid: number | undefined;
  gid: number | undefined;
  /** Where the central record sits, for Problems. */
  at: number;
}

interface EndRecord {
  /** Where offsets in the archive count from (usually where the first local header is). */
  base: number;
  entries: number;
  directoryStart: number;
  directorySize: number;
  /** Just past the end record and its comment. */
  end: number;
}

class ZipCorruption extends Error {}

/** Reads the ZIP64 end record that the locator before `end` points to, when the 32-bit fields overflowed. */
function zip64End(bytes: Uint8Array, at: number): { entries: number; directorySize: number; directoryOffset: number; recordAt: number } | null {
  const locator = at - 20;
  if (locator < 0 || u32(bytes, locator) !== END64_LOCATOR) return null;
  // The record normally sits just before its locator; its stored offset counts from the
  // archive's base, which is not known yet.
  for (const candidate of [locator - 56, u64(bytes, locator + 8)]) {
    if (Number.isSafeInteger(candidate) && candidate >= 0 && candidate + 56 <= locator && u32(bytes, candidate) === END64) {
      return { entries: u64(bytes, candidate + 32), directorySize: u64(bytes, candidate + 40), directoryOffset: u64(bytes, candidate + 48), recordAt: candidate };
    }
  }
  return null;
}

/**
 * The end record of the archive whose first local header is at `offset`: the first one after it
 * whose central directory lies where it says, immediately before it.
 */
function findEnd(bytes: Uint8Array, offset: number): EndRecord | null {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const signature = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
  let from = offset;
  for (let tries = 0; tries < END_CANDIDATES_MAXIMUM; tries++) {
    const at = buffer.indexOf(signature, from);
    if (at < 0 || at + 22 > bytes.length) return null;
    from = at + 1;
    let entries = u16(bytes, at + 10);
    let directorySize = u32(bytes, at + 12);
    let directoryOffset = u32(bytes, at + 16);
    let directoryEnd = at;
    if (entries === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
      const extended = zip64End(bytes, at);
      if (extended) {
        ({ entries, directorySize, directoryOffset } = extended);
        directoryEnd = extended.recordAt;
      }
    }
    const directoryStart = directoryEnd - directorySize;
    const base = directoryStart - directoryOffset;
    if (!(directoryStart >= offset && base >= 0 && base <= offset)) continue;
    if (entries > 0 && u32(bytes, directoryStart) !== CENTRAL) continue;
    const commentLength = u16(bytes, at + 20);
    return { base, entries, directoryStart, directorySize, end: Math.min(bytes.length, at + 22 + commentLength) };
  }
  return null;
}

function readCentralDirectory(bytes: Uint8Array, end: EndRecord, problems: Problem[]): CentralEntry[] {
  const entries: CentralEntry[] = [];
  const directoryEnd = end.directoryStart + end.directorySize;
  let at = end.directoryStart;
  // Each record is at least 46 bytes, so the directory's own size bounds the loop.
  while (at + 46 <= directoryEnd && u32(bytes, at) === CENTRAL) {
    const nameLength = u16(bytes, at + 28);
    const extraLength = u16(bytes, at + 30);
    const commentLength = u16(bytes, at + 32);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > directoryEnd) {
      problems.push({ offset: at, message: 'a central directory record runs past the directory' });
      break;
    }
    const flags = u16(bytes, at + 8);
    const extra = extraFields(bytes.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
    let name = decodeName(bytes.subarray(at + 46, at + 46 + nameLength), (flags & 0x800) !== 0);
    // Info-ZIP's Unicode path field carries the UTF-8 name beside a code-page one.
    const unicodePath = extra.get(0x7075);
    if (unicodePath && unicodePath.length > 5 && unicodePath[0] === 1) name = lenientUtf8.decode(unicodePath.subarray(5));
    let size = u32(bytes, at + 24);
    let compressedSize = u32(bytes, at + 20);
    let localOffset = u32(bytes, at + 42);
    const zip64 = extra.get(0x0001);
    if (zip64) {
      // Only the fields whose 32-bit value overflowed are present, in this order.
      let field = 0;
      const take = (): number => {
        const value = field + 8 <= zip64.length ? u64(zip64, field) : Number.NaN;
        field += 8;
        return value;
      };
      if (size === 0xffffffff) size = take();
      if (compressedSize === 0xffffffff) compressedSize = take();
      if (localOffset === 0xffffffff) localOffset = take();
    }
    const madeOnUnix = bytes[at + 5] === 3;
    const external = u32(bytes, at + 38);
    const unixMode = madeOnUnix && external >>> 16 !== 0 ? external >>> 16 : undefined;
    const owner = extra.get(0x7875);
    let uid: number | undefined;
    let gid: number | undefined;
    if (owner && owner[0] === 1) {
      const uidSize = owner[1] ?? 0;
      const gidSize = owner[2 + uidSize] ?? 0;
      if (uidSize <= 4 && gidSize <= 4 && 3 + uidSize + gidSize <= owner.length) {
        uid = readLittleEndian(owner, 2, uidSize);
        gid = readLittleEndian(owner, 3 + uidSize, gidSize);
      }
    }
    entries.push({ name, flags, method: u16(bytes, at + 10), crc: u32(bytes, at + 16), compressedSize, size, localOffset, unixMode, msdosDirectory: (external & 0x10) !== 0, uid, gid, at });
    at = next;
  }
  if (entries.length !== end.entries) problems.push({ offset: end.directoryStart, message: `the central directory lists ${entries.length} entries where the end record says ${end.entries}` });
  return entries;
}

function readLittleEndian(bytes: Uint8Array, at: number, size: number): number {
  let value = 0;
  for (let i = size - 1; i >= 0; i--) value = value * 256 + bytes[at + i]!;
  return value;
}

/** Where an entry's data starts, from its local header (whose name and extra lengths may differ from the central record's). */
function dataStart(bytes: Uint8Array, local: number): number {
  if (!(local >= 0 && local + 30 <= bytes.length) || u32(bytes, local) !== LOCAL) throw new ZipCorruption(`no local header at ${local}`);
  return local + 30 + u16(bytes, local + 26) + u16(bytes, local + 28);
}

function uncompress(entry: CentralEntry, stored: Uint8Array, maxOutput: number): Uint8Array {
  const expected = { expectedSize: entry.size };
  switch (entry.method) {
    case 0:
      if (stored.length !== entry.size) throw new ZipCorruption(`a stored entry of ${stored.length} bytes claims ${entry.size}`);
      return stored;
    case 8:
      return decompress('deflate', stored, maxOutput, expected);
    case 12:
      return decompress('bzip2', stored, maxOutput, expected);
    case 93:
      return decompress('zstd', stored, maxOutput, expected);
    case 14: {
      // A 4-byte LZMA SDK version and properties size, then LZMA's 5 property bytes, then raw LZMA.
      if (stored.length < 9) throw new ZipCorruption('the LZMA header is cut short');
      const propertiesSize = u16(stored, 2);
      const properties = parseLzmaPropertiesByte(stored[4]!);
      if (propertiesSize !== 5 || !properties) throw new ZipCorruption('the LZMA properties are invalid');
      return decompress('lzma-raw', stored.subarray(9), maxOutput, { ...expected, lzmaProperties: { ...properties, dictSize: u32(stored, 5) } });
    }
    default:
      throw new ZipCorruption(`compression method ${entry.method} is not supported; not read`);
  }
}

/** The normalised path of a stored name, with Problems for absolute and escaping names; null for the root itself. */

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Turns central records into entries: data located, overlaps refused, decompressed, CRC checked. */
function readEntries(bytes: Uint8Array, base: number, central: CentralEntry[], limits: Limits, entries: Entry[], problems: Problem[]): void {
  // Data ranges, to refuse entries that share bytes with another.
  const located = central.map((entry) => {
    try {
      const local = base + entry.localOffset;
      const start = dataStart(bytes, local);
      return { entry, local, start, end: start + entry.compressedSize, error: undefined };
    } catch (error) {
      if (!(error instanceof ZipCorruption)) throw error;
      return { entry, local: Number.NaN, start: Number.NaN, end: Number.NaN, error: error.message };
    }
  });
  const overlapping = new Set<CentralEntry>();
  const ordered = located.filter((item) => item.error === undefined).sort((a, b) => a.local - b.local);
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i]!.local < ordered[i - 1]!.end) overlapping.add(ordered[i]!.entry);
  }

  for (const { entry, start, end, error } of located) {
    const path = archivePath(entry.name, entry.at, problems);
    if (path === null) continue;
    spend(limits, 0, 1);
    const owner = { ...(entry.uid === undefined ? {} : { uid: entry.uid }), ...(entry.gid === undefined ? {} : { gid: entry.gid }) };
    const mode = entry.unixMode ?? 0;
    const type = (entry.unixMode !== undefined ? (entryTypeOfMode(entry.unixMode) ?? undefined) : undefined) ?? (entry.name.endsWith('/') || entry.msdosDirectory ? 'directory' : 'file');
    if (type === 'directory' || type === 'device' || type === 'fifo' || type === 'socket') {
      entries.push({ path, type, mode, ...owner });
      continue;
    }
    const unread = (why: string): void => {
      problems.push({ path, offset: entry.at, message: why });
      if (type === 'file') entries.push({ path, type, mode, ...owner });
    };
    if (error !== undefined) {
      unread(`the entry is unreadable: ${error}`);
      continue;
    }
    if (overlapping.has(entry)) {
      unread('the entry overlaps the data of another (a zip bomb technique); not read');
      continue;
    }
    if (entry.flags & 0x41) {
      unread('the entry is encrypted; not read');
      continue;
    }
    if (end > bytes.length) {
      unread(`the entry's data (${entry.compressedSize} bytes) runs past the end of the archive`);
      continue;
    }
    if (!(entry.size <= limits.maxFileBytes)) {
      unread(`the entry claims ${entry.size} bytes, over the limit of ${limits.maxFileBytes}; not read`);
      continue;
    }
    spend(limits, entry.size);
    let data: Uint8Array;
    try {
      data = uncompress(entry, bytes.subarray(start, end), limits.maxFileBytes);
    } catch (failure) {
      if (!(failure instanceof ZipCorruption || failure instanceof DecompressionError)) throw failure;
      unread(`the entry is unreadable: ${failure.message}`);
      continue;
    }
    const computed = crc32(data);
    if (computed !== entry.crc) problems.push({ path, offset: entry.at, message: `the data does not match its CRC32 (stored 0x${entry.crc.toString(16)}, computed 0x${computed.toString(16)})` });
    if (type === 'symlink') {
      const target = lenientUtf8.decode(data);
      reportEscapingLink(path, target, problems, 'archive', entry.at);
      entries.push({ path, type, mode, target, ...owner });
    } else entries.push({ path, type: 'file', mode, data, ...owner });
  }
}

/**
 * Without a central directory: walks the local headers from offset, taking sizes from each header
 * or, when the header defers them to a data descriptor, from the descriptor found after the data.
 */
function walkLocalHeaders(bytes: Uint8Array, offset: number, problems: Problem[]): { central: CentralEntry[]; end: number } {
  const central: CentralEntry[] = [];
  let at = offset;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  while (at + 30 <= bytes.length && u32(bytes, at) === LOCAL) {
    const flags = u16(bytes, at + 6);
    const nameLength = u16(bytes, at + 26);
    const extraLength = u16(bytes, at + 28);
    const start = at + 30 + nameLength + extraLength;
    if (start > bytes.length) break;
    const extra = extraFields(bytes.subarray(at + 30 + nameLength, start));
    let compressedSize = u32(bytes, at + 18);
    let size = u32(bytes, at + 22);
    let crc = u32(bytes, at + 14);
    const zip64 = extra.get(0x0001);
    if (zip64 && zip64.length >= 16 && (size === 0xffffffff || compressedSize === 0xffffffff)) {
      size = u64(zip64, 0);
      compressedSize = u64(zip64, 8);
    }
    let next = start + compressedSize;
    if (flags & 0x08) {
      // Sizes follow the data: find a descriptor whose compressed size is the distance to it.
      let found = false;
      let tries = 0;
      for (let hit = buffer.indexOf(DESCRIPTOR_SIGNATURE, start); hit >= 0 && hit + 16 <= bytes.length && tries < DESCRIPTOR_CANDIDATES_MAXIMUM; hit = buffer.indexOf(DESCRIPTOR_SIGNATURE, hit + 1), tries++) {
        const wide = zip64 !== undefined;
        const stated = wide ? u64(bytes, hit + 8) : u32(bytes, hit + 8);
        if (stated === hit - start) {
          crc = u32(bytes, hit + 4);
          compressedSize = stated;
          size = wide ? u64(bytes, hit + 16) : u32(bytes, hit + 12);
          next = hit + (wide ? 24 : 16);
          found = true;
          break;
        }
      }
      if (!found) {
        problems.push({ offset: at, message: 'an entry defers its sizes to a data descriptor that cannot be found; the archive is not read further' });
        break;
      }
    }
    if (start + compressedSize > bytes.length) {
      problems.push({ offset: at, message: 'an entry runs past the end of the archive' });
      break;
    }
    central.push({
      name: decodeName(bytes.subarray(at + 30, at + 30 + nameLength), (flags & 0x800) !== 0),
      flags,
      method: u16(bytes, at + 8),
      crc,
      compressedSize,
      size,
      localOffset: at - offset,
      unixMode: undefined,
      msdosDirectory: false,
      uid: undefined,
      gid: undefined,
      at,
    });
    at = next;
  }
  return { central, end: at };
}

function unpackZip(bytes: Uint8Array, offset: number, limits: Limits): { entries: Entry[]; problems: Problem[]; length?: number } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  if (offset < 0 || offset + 4 > bytes.length || u32(bytes, offset) !== LOCAL) {
    problems.push({ offset, message: 'no zip local header here' });
    return { entries, problems };
  }
  let length: number;
  let central: CentralEntry[];
  let base = offset;
  const end = findEnd(bytes, offset);
  if (end) {
    base = end.base;
    central = readCentralDirectory(bytes, end, problems);
    length = end.end - offset;
  } else {
    problems.push({ offset, message: 'no end of central directory found (the archive is cut short or damaged); entries are read from their local headers' });
    const walked = walkLocalHeaders(bytes, offset, problems);
    central = walked.central;
    length = walked.end - offset;
  }
  try {
    readEntries(bytes, base, central, limits, entries, problems);
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    problems.push({ offset, message: `unpacking stopped: ${describe(error)}` });
  }
  return { entries, problems, length };
}

export const zip: Unpacker = {
  name: 'zip',
  detect(bytes, offset) {
    if (offset < 0 || offset + 30 > bytes.length || u32(bytes, offset) !== LOCAL) return false;
    const versionNeeded = u16(bytes, offset + 4) & 0xff;
    const nameLength = u16(bytes, offset + 26);
    return versionNeeded <= 63 && nameLength > 0 && offset + 30 + nameLength <= bytes.length;
  },
  unpack: unpackZip,
};
