// cpio, the archive format of Linux initramfs images and of many vendors' update bundles.
// Reads the ASCII formats newc ('070701'), crc ('070702', whose data checksums are verified) and
// odc ('070707'), and the old binary format (magic 070707 as a 16-bit word, either byte order).
//
// References: cpio(5) of libarchive; the kernel's Documentation/driver-api/early-userspace/
// buffer-format.rst; GNU cpio as the writer the tests compare against.
// Limitations: one archive per call, up to its 'TRAILER!!!' (an initramfs that concatenates
// several archives is carved into several); the device numbers of device nodes are not reported
// (Entry has no place for them).
//
// Hard links: cpio repeats the header for every name of an inode; newc and crc carry the data with
// only one of them (GNU cpio: the last). Names of one inode without data become 'hardlink' entries
// whose target is the name that has the data, as tar and SquashFS report them.

import { archivePath, entryTypeOfMode, LimitExceeded, reportEscapingLink, safePath, spend, type Entry, type Limits, type Problem, type Unpacker } from './types.ts';

type Format = 'newc' | 'crc' | 'odc' | 'binary-le' | 'binary-be';

interface Header {
  format: Format;
  /** Bytes of the fixed header. */
  size: number;
  /** Data and the header+name are padded to this multiple. */
  alignment: number;
  /** Identifies the inode within the archive: device and inode number. */
  inodeKey: string;
  mode: number;
  uid: number;
  gid: number;
  links: number;
  nameSize: number;
  fileSize: number;
  checksum: number;
}

const TRAILER = 'TRAILER!!!';

const text = new TextDecoder('utf-8');

/** Whether bytes[at, at+length) are all digits of the radix (octal or hexadecimal). */
function isDigits(bytes: Uint8Array, at: number, length: number, radix: 8 | 16): boolean {
  for (let i = at; i < at + length; i++) if (digit(bytes[i]!) >= radix) return false;
  return true;
}

function digit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return 99;
}

/** A numeric field already checked by isDigits. */
function field(bytes: Uint8Array, at: number, length: number, radix: 8 | 16): number {
  let value = 0;
  for (let i = at; i < at + length; i++) value = value * radix + digit(bytes[i]!);
  return value;
}

function asciiMagic(bytes: Uint8Array, at: number): Format | null {
  if (at + 6 > bytes.length) return null;
  if (bytes[at] !== 0x30 || bytes[at + 1] !== 0x37 || bytes[at + 2] !== 0x30 || bytes[at + 3] !== 0x37 || bytes[at + 4] !== 0x30) return null;
  switch (bytes[at + 5]) {
    case 0x31:
      return 'newc';
    case 0x32:
      return 'crc';
    case 0x37:
      return 'odc';
    default:
      return null;
  }
}

/** The header at `at`, or null when there is none (wrong magic, non-digits, cut short). */
function readHeader(bytes: Uint8Array, at: number): Header | null {
  const ascii = asciiMagic(bytes, at);
  if (ascii === 'newc' || ascii === 'crc') {
    if (at + 110 > bytes.length || !isDigits(bytes, at + 6, 104, 16)) return null;
    const f = (index: number): number => field(bytes, at + 6 + index * 8, 8, 16);
    return {
      format: ascii,
      size: 110,
      alignment: 4,
      inodeKey: `${f(7)}:${f(8)}:${f(0)}`,
      mode: f(1),
      uid: f(2),
      gid: f(3),
      links: f(4),
      fileSize: f(6),
      nameSize: f(11),
      checksum: f(12),
    };
  }
  if (ascii === 'odc') {
    if (at + 76 > bytes.length || !isDigits(bytes, at + 6, 70, 8)) return null;
    const f = (start: number, length: number): number => field(bytes, at + start, length, 8);
    return { format: 'odc', size: 76, alignment: 1, inodeKey: `${f(6, 6)}:${f(12, 6)}`, mode: f(18, 6), uid: f(24, 6), gid: f(30, 6), links: f(36, 6), nameSize: f(59, 6), fileSize: f(65, 11), checksum: 0 };
  }
  if (at + 26 > bytes.length) return null;
  // The old binary format: thirteen 16-bit words in the writer's byte order; 32-bit values are
  // two words, the more significant first.
  const little = bytes[at] === 0xc7 && bytes[at + 1] === 0x71;
  if (!little && !(bytes[at] === 0x71 && bytes[at + 1] === 0xc7)) return null;
  const w = (index: number): number => (little ? bytes[at + index * 2]! | (bytes[at + index * 2 + 1]! << 8) : (bytes[at + index * 2]! << 8) | bytes[at + index * 2 + 1]!);
  return {
    format: little ? 'binary-le' : 'binary-be',
    size: 26,
    alignment: 2,
    inodeKey: `${w(1)}:${w(2)}`,
    mode: w(3),
    uid: w(4),
    gid: w(5),
    links: w(6),
    nameSize: w(10),
    fileSize: w(11) * 0x10000 + w(12),
    checksum: 0,
  };
}

function align(position: number, start: number, alignment: number): number {
  const over = (position - start) % alignment;
  return over === 0 ? position : position + alignment - over;
}

/**
 * The normalised path of a stored name, with a Problem when it was absolute or climbed out with
 * '..'; null (no Problem) for names that are the archive's root itself ('.', './').
 */

function byteSum(data: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum = (sum + data[i]!) >>> 0;
  return sum;
}

function unpackCpio(bytes: Uint8Array, offset: number, limits: Limits): { entries: Entry[]; problems: Problem[]; length?: number } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  /** Regular files of inodes with several names, to resolve into hard links at the end. */
  const linked = new Map<string, Entry[]>();
  let at = offset;
  let ended = false;
  try {
    // Every turn moves past a header of at least 26 bytes, so the loop ends with the buffer.
    while (at < bytes.length) {
      const header = readHeader(bytes, at);
      if (!header) {
        problems.push({ offset: at, message: at === offset ? 'no cpio header here' : `expected a cpio header at ${at}; the archive ends without a trailer` });
        break;
      }
      const nameEnd = at + header.size + header.nameSize;
      if (header.nameSize < 1 || nameEnd > bytes.length) {
        problems.push({ offset: at, message: `the name of the entry at ${at} runs past the end of the archive` });
        break;
      }
      const name = text.decode(bytes.subarray(at + header.size, nameEnd - 1));
      const dataStart = align(nameEnd, offset, header.alignment);
      const dataEnd = dataStart + header.fileSize;
      if (name === TRAILER) {
        at = align(dataEnd, offset, header.alignment);
        ended = true;
        break;
      }
      if (dataEnd > bytes.length) {
        problems.push({ path: name, offset: at, message: `the data of ${JSON.stringify(name)} (${header.fileSize} bytes) runs past the end of the archive` });
        break;
      }
      const headerAt = at;
      at = align(dataEnd, offset, header.alignment);
      const path = archivePath(name, headerAt, problems);
      if (path === null) continue;
      const data = bytes.subarray(dataStart, dataEnd);
      let type = (entryTypeOfMode(header.mode) ?? undefined);
      if (type === undefined) {
        problems.push({ path, offset: headerAt, message: `unknown file type in mode ${header.mode.toString(8)}; read as a regular file` });
        type = 'file';
      }
      spend(limits, type === 'file' ? data.length : 0, 1);
      const owner = { uid: header.uid, gid: header.gid };
      if (type === 'file') {
        if (header.format === 'crc' && byteSum(data) !== header.checksum) {
          problems.push({ path, offset: headerAt, message: `the data does not match its checksum (stored ${header.checksum}, computed ${byteSum(data)})` });
        }
        const entry: Entry = { path, type, mode: header.mode, data, ...owner };
        entries.push(entry);
        if (header.links > 1) {
          const group = linked.get(header.inodeKey);
          if (group) group.push(entry);
          else linked.set(header.inodeKey, [entry]);
        }
      } else if (type === 'symlink') {
        const target = text.decode(data);
        reportEscapingLink(path, target, problems, 'archive', headerAt);
        entries.push({ path, type, mode: header.mode, target, ...owner });
      } else {
        entries.push({ path, type, mode: header.mode, ...owner });
      }
    }
    if (!ended && at >= bytes.length) problems.push({ offset: at, message: 'the archive ends without a trailer (TRAILER!!!)' });
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    problems.push({ offset: at, message: `unpacking stopped: ${error.message}` });
  }
  resolveHardLinks(linked);
  return { entries, problems, length: at - offset };
}

/** Names of one inode that came without data point at the one that has it. */
function resolveHardLinks(linked: Map<string, Entry[]>): void {
  for (const group of linked.values()) {
    if (group.length < 2) continue;
    const carrier = group.find((entry) => (entry.data?.length ?? 0) > 0) ?? group[0]!;
    for (const entry of group) {
      if (entry === carrier || (entry.data?.length ?? 0) > 0) continue;
      entry.type = 'hardlink';
      entry.target = carrier.path;
      delete entry.data;
    }
  }
}

export const cpio: Unpacker = {
  name: 'cpio',
  detect(bytes, offset) {
    if (offset < 0) return false;
    const header = readHeader(bytes, offset);
    if (!header || header.nameSize < 2 || header.nameSize > 4096) return false;
    // The name must end with its NUL exactly where the header says.
    const nameEnd = offset + header.size + header.nameSize;
    return nameEnd <= bytes.length && bytes[nameEnd - 1] === 0;
  },
  unpack: unpackCpio,
};
