// CramFS, the compressed read-only filesystem of older and smaller Linux firmware. A 76-byte
// superblock ends with the root inode; every inode is 12 bytes (mode, uid, 24-bit size, 8-bit
// gid, name length, data offset) followed by its name, and sits in its parent directory's
// listing. A file's data is a table of block end pointers followed by one zlib stream per page.
//
// References: the kernel's include/uapi/linux/cramfs_fs.h and fs/cramfs/inode.c; util-linux's
// mkfs.cramfs (and cramfs_common.c, which spells out the big-endian layout) as the writer the
// tests compare against.
// Limitations: the page size is not recorded in the image; 4 KiB is assumed, as on every machine
// that writes one, and a larger power of two is tried when the first large file does not read
// at 4 KiB. Files of 16 MiB or more cannot be stored (the size field has 24 bits); mkfs.cramfs
// truncates them, and so do we. Block pointers with the extension flags (mkcramfs-xip's direct
// and uncompressed blocks) are read as the kernel reads them but no tool here writes them.
//
// CramFS has no inode numbers and no hard links: mkfs.cramfs stores identical files (hard links
// among them) once and points every name at the same data. Each name is reported as a 'file'
// with the same bytes, held once in memory.
//
// Padding: `mkfs.cramfs -p` leaves 512 bytes for a boot loader before the superblock, and every
// offset in the image counts from the start of that padding. Found by the root directory's
// offset (76 without padding, 588 with), as the kernel checks it.

import { decompress, DecompressionError } from './compression.ts';
import { crc32 } from './crc32.ts';
import { chargeFile, childPath, entryTypeOfMode, LimitExceeded, reportEscapingLink, S_IFDIR, S_IFMT, spend, type Entry, type Limits, type Problem, type Unpacker } from './types.ts';

const SUPERBLOCK_SIZE = 76;
const INODE_SIZE = 12;
const PAD_SIZE = 512;
const CRC_AT = 32;
const ROOT_INODE_AT = 64;
const SIGNATURE = 'Compressed ROMFS';

const FLAG_FSID_VERSION_2 = 0x00000001;
const FLAG_HOLES = 0x00000100;
const FLAG_WRONG_SIGNATURE = 0x00000200;
const FLAG_SHIFTED_ROOT_OFFSET = 0x00000400;
const FLAG_EXT_BLOCK_POINTERS = 0x00000800;
const SUPPORTED_FLAGS = 0x000000ff | FLAG_HOLES | FLAG_WRONG_SIGNATURE | FLAG_SHIFTED_ROOT_OFFSET | FLAG_EXT_BLOCK_POINTERS;

const BLOCK_UNCOMPRESSED = 0x80000000;
const BLOCK_DIRECT = 0x40000000;
const BLOCK_FLAGS = BLOCK_UNCOMPRESSED | BLOCK_DIRECT;
/** A direct pointer gives the block's start in units of 4 bytes. */
const BLOCK_DIRECT_UNIT = 4;
const DEFAULT_PAGE_SIZE = 4096;
const LARGER_PAGE_SIZES = [8192, 16384, 32768, 65536];

/** Linux's PATH_MAX: deeper paths cannot be created on a real system, so they mark a hostile image. */
const PATH_MAXIMUM = 4096;

const LE_MAGIC = [0x45, 0x3d, 0xcd, 0x28];
const BE_MAGIC = [0x28, 0xcd, 0x3d, 0x45];

/** What the scanner's summary says about an image; also where the reader finds its root. */
export interface CramfsSuperblock {
  byteOrder: 'little-endian' | 'big-endian';
  /** Where the superblock is, and where the offsets inside the image count from (512 bytes earlier when padded). */
  superblockAt: number;
  base: number;
  /** Bytes the image spans from base (version 2 images only; undefined for the first version). */
  size: number | undefined;
  flags: number;
  crc: number;
  edition: number;
  blocks: number;
  files: number;
  name: string;
  root: CramfsInode;
}

interface CramfsInode {
  mode: number;
  uid: number;
  /** Bytes of a file, symlink or directory listing; the device number of a device. */
  size: number;
  gid: number;
  /** Bytes the name takes after the inode (a multiple of 4, NUL-padded). */
  nameLength: number;
  /** Where the inode's data is, in bytes from base (stored in units of 4). */
  dataAt: number;
}

function hasMagic(bytes: Uint8Array, at: number, magic: number[]): boolean {
  return at >= 0 && at + 4 <= bytes.length && magic.every((b, i) => bytes[at + i] === b);
}

function readInode(view: DataView, at: number, little: boolean): CramfsInode {
  const w0 = view.getUint32(at, little);
  const w1 = view.getUint32(at + 4, little);
  const w2 = view.getUint32(at + 8, little);
  // C bitfields: allocated from the least significant bit on a little-endian machine and from
  // the most significant on a big-endian one, which is why the two layouts are not byte swaps.
  if (little) return { mode: w0 & 0xffff, uid: w0 >>> 16, size: w1 & 0xffffff, gid: w1 >>> 24, nameLength: (w2 & 0x3f) * 4, dataAt: (w2 >>> 6) * 4 };
  return { mode: w0 >>> 16, uid: w0 & 0xffff, size: w1 >>> 8, gid: w1 & 0xff, nameLength: (w2 >>> 26) * 4, dataAt: (w2 & 0x3ffffff) * 4 };
}

/**
 * The superblock of a CramFS image whose superblock is at `offset` or, for a padded image that
 * starts at offset, 512 bytes further; null when there is none or it is not plausible.
 */
export function readCramfsSuperblock(bytes: Uint8Array, offset: number): CramfsSuperblock | null {
  let at = offset;
  if (!hasMagic(bytes, at, LE_MAGIC) && !hasMagic(bytes, at, BE_MAGIC)) at = offset + PAD_SIZE;
  const little = hasMagic(bytes, at, LE_MAGIC);
  if (!little && !hasMagic(bytes, at, BE_MAGIC)) return null;
  if (at + SUPERBLOCK_SIZE > bytes.length) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = view.getUint32(at + 8, little);
  const root = readInode(view, at + ROOT_INODE_AT, little);
  // The kernel refuses unknown flags and a root that is not a directory; so do we, which keeps
  // four bytes that happen to match the magic from being taken for an image.
  if ((flags & ~SUPPORTED_FLAGS) !== 0 || (root.mode & S_IFMT) !== S_IFDIR) return null;
  const padded = at !== offset || ((flags & FLAG_SHIFTED_ROOT_OFFSET) === 0 && root.dataAt === PAD_SIZE + SUPERBLOCK_SIZE);
  const name = Buffer.from(bytes.subarray(at + 48, at + 64)).toString('latin1');
  return {
    byteOrder: little ? 'little-endian' : 'big-endian',
    superblockAt: at,
    base: padded ? at - PAD_SIZE : at,
    size: flags & FLAG_FSID_VERSION_2 ? view.getUint32(at + 4, little) : undefined,
    flags,
    crc: view.getUint32(at + CRC_AT, little),
    edition: view.getUint32(at + 36, little),
    blocks: view.getUint32(at + 40, little),
    files: view.getUint32(at + 44, little),
    name: name.replace(/\0.*$/s, ''),
    root,
  };
}

/** Raised inside the reader when the image contradicts itself; always caught and made a Problem. */
class Corruption extends Error {}

const names = new TextDecoder('utf-8');

/** One image being read: its bounds, the file contents already decompressed, the problems found. */
class CramfsReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly little: boolean;
  readonly base: number;
  /** Absolute end of the image's bytes (its claimed size, or the buffer's end when shorter or unknown). */
  readonly end: number;
  readonly extendedPointers: boolean;
  readonly problems: Problem[];
  /** Bytes of file data per block pointer: the page size of the machine that wrote the image. */
  private pageSize = DEFAULT_PAGE_SIZE;
  private pageSizeSettled = false;
  /** Furthest byte read, relative to base: the image's length when the superblock does not say. */
  furthest = 0;
  private readonly contents = new Map<string, Uint8Array>();

  constructor(bytes: Uint8Array, superblock: CramfsSuperblock, problems: Problem[]) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.little = superblock.byteOrder === 'little-endian';
    this.base = superblock.base;
    this.end = superblock.size === undefined ? bytes.length : Math.min(bytes.length, superblock.base + superblock.size);
    this.extendedPointers = (superblock.flags & FLAG_EXT_BLOCK_POINTERS) !== 0;
    this.problems = problems;
  }

  /** The absolute position of [start, start+length) from base, or a Corruption when outside the image. */
  range(start: number, length: number, what: string): number {
    const at = this.base + start;
    if (!(start >= 0 && length >= 0 && at >= 0 && at + length <= this.end)) throw new Corruption(`${what} at ${start} (${length} bytes) lies outside the image`);
    this.furthest = Math.max(this.furthest, start + length);
    return at;
  }

  u32(start: number, what: string): number {
    return this.view.getUint32(this.range(start, 4, what), this.little);
  }

  /**
   * The listing of a directory: its children's inodes and names, up to the first entry that
   * cannot be read (entries have no fixed size, so nothing after it can be found), and why.
   */
  readDirectory(directory: CramfsInode): { listing: { inode: CramfsInode; name: string }[]; broken?: string } {
    const listing: { inode: CramfsInode; name: string }[] = [];
    try {
      const at = this.range(directory.dataAt, directory.size, 'a directory listing');
      let position = 0;
      while (position < directory.size) {
        if (position + INODE_SIZE > directory.size) throw new Corruption('a directory entry is cut short');
        const inode = readInode(this.view, at + position, this.little);
        position += INODE_SIZE;
        // mkfs.cramfs writes a name of 253 bytes or more with a length of 0 (six bits overflow);
        // the kernel cannot read past it either.
        if (inode.nameLength === 0) throw new Corruption('a directory entry has no name length (a name longer than CramFS can hold?)');
        if (position + inode.nameLength > directory.size) throw new Corruption('a directory entry name is cut short');
        const raw = this.bytes.subarray(at + position, at + position + inode.nameLength);
        const nul = raw.indexOf(0);
        listing.push({ inode, name: names.decode(nul === -1 ? raw : raw.subarray(0, nul)) });
        position += inode.nameLength;
      }
      return { listing };
    } catch (error) {
      if (!(error instanceof Corruption)) throw error;
      return { listing, broken: error.message };
    }
  }

  /** A file's or symlink's bytes, decompressed once per distinct data (identical files share it). */
  contentsOf(inode: CramfsInode, size: number, path: string): Uint8Array {
    const key = `${inode.dataAt}:${size}`;
    const cached = this.contents.get(key);
    if (cached) return cached;
    const out = size === 0 ? new Uint8Array(0) : this.readBlocks(inode, size, path);
    this.contents.set(key, out);
    return out;
  }

  private readBlocks(inode: CramfsInode, size: number, path: string): Uint8Array {
    const pageSize = this.pageSizeSettled || size <= DEFAULT_PAGE_SIZE || this.extendedPointers ? this.pageSize : this.judgePageSize(inode, size);
    const out = new Uint8Array(size);
    const count = Math.ceil(size / pageSize);
    let failures = 0;
    let firstFailure = '';
    try {
      this.range(inode.dataAt, count * 4, 'a block pointer table');
    } catch (error) {
      if (!(error instanceof Corruption)) throw error;
      this.problems.push({ path, message: `the contents are unreadable (left as zeros): ${error.message}` });
      return out;
    }
    let previous: number | undefined;
    for (let i = 0; i < count; i++) {
      const expected = Math.min(pageSize, size - i * pageSize);
      try {
        const pointer = this.u32(inode.dataAt + i * 4, 'a block pointer');
        // Taken before the block is checked: a bad block still ends where its pointer says.
        const prior = previous;
        previous = pointer;
        const { start, length, uncompressed } = this.block(inode, count, pointer, prior, expected, pageSize);
        // A zero-length block is a hole (mkfs.cramfs -z): zeros, already there.
        if (length === 0) continue;
        const stored = this.bytes.subarray(this.range(start, length, `block ${i}`), this.base + start + length);
        let data: Uint8Array;
        if (uncompressed) data = stored;
        else data = decompress('zlib', stored, pageSize, { expectedSize: expected });
        if (data.length !== expected) throw new Corruption(`block ${i} holds ${data.length} bytes where ${expected} were expected`);
        out.set(data, i * pageSize);
      } catch (error) {
        if (!(error instanceof Corruption) && !(error instanceof DecompressionError)) throw error;
        if (failures++ === 0) firstFailure = `block ${i}: ${error.message}`;
      }
    }
    if (failures > 0) {
      const which = failures === 1 ? 'a block is' : `${failures} of ${count} blocks are`;
      this.problems.push({ path, message: `${which} unreadable (left as zeros): ${firstFailure}` });
    }
    return out;
  }

  /**
   * Where a block's stored bytes are (fs/cramfs/inode.c, cramfs_read_folio): normally from the
   * end of the previous block (or of the pointer table) to this pointer; with the extension
   * flags a pointer may instead give the block's own start (direct), and a block may be stored
   * uncompressed.
   */
  private block(inode: CramfsInode, count: number, pointer: number, previous: number | undefined, expected: number, pageSize: number): { start: number; length: number; uncompressed: boolean } {
    const uncompressed = (pointer & BLOCK_UNCOMPRESSED) !== 0;
    if (pointer & BLOCK_DIRECT) {
      const start = (pointer & ~BLOCK_FLAGS) * BLOCK_DIRECT_UNIT;
      // An uncompressed direct block is a whole page, except the file's last, which is cut to the file.
      if (uncompressed) return { start, length: expected, uncompressed };
      const length = this.view.getUint16(this.range(start, 2, 'a direct block length'), this.little);
      return { start: start + 2, length, uncompressed };
    }
    let start: number;
    if (previous === undefined) start = inode.dataAt + count * 4;
    else if (previous & BLOCK_DIRECT) {
      const previousStart = (previous & ~BLOCK_FLAGS) * BLOCK_DIRECT_UNIT;
      if (previous & BLOCK_UNCOMPRESSED) start = previousStart + pageSize;
      else start = previousStart + 2 + this.view.getUint16(this.range(previousStart, 2, 'a direct block length'), this.little);
    } else start = (previous & ~BLOCK_FLAGS) >>> 0;
    const end = (pointer & ~BLOCK_FLAGS) >>> 0;
    if (end < start) throw new Corruption(`a block pointer (${end}) points before the block's start (${start})`);
    if (end - start > pageSize * 2) throw new Corruption(`a block of ${end - start} stored bytes is larger than a compressed page can be`);
    return { start, length: end - start, uncompressed };
  }

  /**
   * The page size, judged from the first file larger than 4 KiB: its first block starts right
   * after the pointer table, whose length depends on the page size, and must inflate to a whole
   * page. A file of one block at the candidate size reads the same at any larger one, so it
   * settles nothing and the next larger file is asked again; 4 KiB stays unless a larger size
   * reads and 4 KiB does not.
   */
  private judgePageSize(inode: CramfsInode, size: number): number {
    const reads = (pageSize: number): boolean => {
      try {
        const count = Math.ceil(size / pageSize);
        const start = inode.dataAt + count * 4;
        const end = this.u32(inode.dataAt, 'a block pointer') & ~BLOCK_FLAGS;
        if (end <= start) return end === start;
        const input = this.bytes.subarray(this.range(start, end - start, 'block 0'), this.base + end);
        return decompress('zlib', input, pageSize, { expectedSize: Math.min(pageSize, size) }).length > 0;
      } catch (error) {
        if (error instanceof Corruption || error instanceof DecompressionError) return false;
        throw error;
      }
    };
    for (const candidate of [DEFAULT_PAGE_SIZE, ...LARGER_PAGE_SIZES]) {
      if (!reads(candidate)) continue;
      if (size > candidate) {
        this.pageSize = candidate;
        this.pageSizeSettled = true;
      }
      return candidate;
    }
    // Unreadable at any size: the file is damaged, and its blocks are reported as such at 4 KiB.
    this.pageSizeSettled = true;
    return this.pageSize;
  }
}

function unpackCramfs(bytes: Uint8Array, offset: number, limits: Limits): { entries: Entry[]; problems: Problem[]; length?: number } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  const superblock = readCramfsSuperblock(bytes, offset);
  if (superblock === null) {
    problems.push({ offset, message: 'no CramFS superblock here (too short, no magic number, unknown flags or a root that is not a directory)' });
    return { entries, problems };
  }
  const { base, superblockAt } = superblock;
  const available = bytes.length - base;
  let length: number | undefined = superblock.size === undefined ? undefined : base + superblock.size - offset;
  if (superblock.size !== undefined) {
    if (superblock.size < SUPERBLOCK_SIZE) problems.push({ offset: superblockAt, message: `the superblock claims the image has ${superblock.size} bytes, less than the superblock itself` });
    else if (superblock.size > available) problems.push({ offset: superblockAt, message: `the image is truncated: it claims ${superblock.size} bytes but only ${available} are present` });
    else {
      // The CRC covers the image from its superblock (padding excluded) with the CRC field as zero.
      const end = base + superblock.size;
      let crc = crc32(bytes.subarray(superblockAt, superblockAt + CRC_AT));
      crc = crc32(new Uint8Array(4), crc);
      crc = crc32(bytes.subarray(superblockAt + CRC_AT + 4, end), crc);
      if (crc !== superblock.crc) problems.push({ offset: superblockAt, message: `the image's CRC does not match (stored 0x${superblock.crc.toString(16)}, computed 0x${crc.toString(16)}); read anyway` });
    }
  }
  if (Buffer.from(bytes.subarray(superblockAt + 16, superblockAt + 32)).toString('latin1') !== SIGNATURE && (superblock.flags & FLAG_WRONG_SIGNATURE) === 0) {
    problems.push({ offset: superblockAt, message: 'the superblock lacks the "Compressed ROMFS" signature; read anyway' });
  }

  const reader = new CramfsReader(bytes, superblock, problems);
  // Directories are known by where their listing is; an empty one has none and needs no guard.
  const visitedDirectories = new Set<number>([superblock.root.dataAt]);
  const pending: { inode: CramfsInode; path: string }[] = [{ inode: superblock.root, path: '' }];
  try {
    // Depth first with an explicit stack: a hostile image may nest far deeper than the call stack.
    while (pending.length > 0) {
      const { inode: directory, path: directoryPath } = pending.pop()!;
      if (directory.size === 0) continue;
      const { listing, broken } = reader.readDirectory(directory);
      if (broken !== undefined) {
        const what = listing.length === 0 ? 'the directory is unreadable' : `the directory is unreadable after its first ${listing.length} names`;
        problems.push({ path: directoryPath || '/', message: `${what}: ${broken}` });
      }
      const subdirectories: { inode: CramfsInode; path: string }[] = [];
      for (const { inode, name } of listing) {
        // Charged before anything else, so even a listing of unusable names runs out of budget.
        spend(limits, 0, 1);
        const path = childPath(directoryPath, name, problems, PATH_MAXIMUM);
        if (path === null) continue;
        const owner = { uid: inode.uid, gid: inode.gid };
        const mode = inode.mode;
        const type = entryTypeOfMode(mode);
        switch (type) {
          case 'directory':
            if (inode.size > 0) {
              if (visitedDirectories.has(inode.dataAt)) {
                problems.push({ path, message: `the directory's listing at ${inode.dataAt} was already read (a cycle); not followed` });
                continue;
              }
              visitedDirectories.add(inode.dataAt);
              subdirectories.push({ inode, path });
            }
            entries.push({ path, type: 'directory', mode, ...owner });
            break;
          case 'file':
            if (chargeFile(inode.size, path, limits, problems) === null) {
              entries.push({ path, type: 'file', mode, ...owner });
              break;
            }
            entries.push({ path, type: 'file', mode, data: reader.contentsOf(inode, inode.size, path), ...owner });
            break;
          case 'symlink': {
            const size = Math.min(inode.size, PATH_MAXIMUM);
            if (inode.size > PATH_MAXIMUM) problems.push({ path, message: `the symlink's target claims ${inode.size} bytes, more than a path can hold; cut to ${PATH_MAXIMUM}` });
            const target = names.decode(reader.contentsOf(inode, size, path));
            reportEscapingLink(path, target, problems, 'image');
            entries.push({ path, type: 'symlink', mode, target, ...owner });
            break;
          }
          case null:
            problems.push({ path, message: `mode 0o${mode.toString(8)} is no file type; skipped` });
            break;
          default:
            entries.push({ path, type, mode, ...owner });
        }
      }
      // Reversed so the stack hands them back in directory order.
      for (let i = subdirectories.length - 1; i >= 0; i--) pending.push(subdirectories[i]!);
    }
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    problems.push({ offset, message: `unpacking stopped: ${error.message}` });
  }
  // The first version of the format records no size: the image ends where its last data does.
  if (length === undefined) length = base + Math.max(reader.furthest, SUPERBLOCK_SIZE + (superblockAt - base)) - offset;
  return { entries, problems, length };
}

export const cramfs: Unpacker = {
  name: 'cramfs',
  detect(bytes, offset) {
    return readCramfsSuperblock(bytes, offset) !== null;
  },
  unpack: unpackCramfs,
};
