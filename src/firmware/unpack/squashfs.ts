// SquashFS 4.0, the read-only filesystem most Linux firmware ships its root in. Read entirely in
// memory: the superblock, the metadata tables (inodes, directories, fragments, ids) and the data
// blocks, each decompressed at most once.
//
// References: the kernel's Documentation/filesystems/squashfs.rst and fs/squashfs/squashfs_fs.h;
// squashfs-tools' mksquashfs as the writer the tests compare against.
// Limitations: little-endian 4.0 only (big-endian 'sqsh' images and versions before 4.0 are
// detected and reported as unsupported); extended attributes and the export table are not read.
//
// Hard links: the first name met for an inode (each directory's entries in order, then its
// subdirectories) becomes a 'file' (or link, device…) entry; every further name for the same
// inode becomes a 'hardlink' entry whose target is that first path. Same as tar records them,
// and a file's bytes are held and charged against the limits once.
//
// Modes: SquashFS stores only the permission bits; entries carry the full st_mode (type bits
// added) so every unpacker reports modes the same way.
//
// Large images: the compressed data and fragment blocks are queued as the walk meets them and
// decoded on this thread and worker threads at once (block-pool.ts): the workers start on them
// during the walk, this thread once the walk is done. What the image reads as does not change: the limits are charged by the walk as before, and each
// problem a queued block causes is put where it would have been had the block been decoded when
// met.

import { blockPoolSettings, BlockQueue } from './block-pool.ts';
import { decodeBlock } from './block-worker.ts';
import { DecompressionError } from './compression.ts';
import { childPath, LimitExceeded, reportEscapingLink, spend, type Entry, type Limits, type Problem, type Unpacker } from './types.ts';
import { u16, u32, u64 } from './bytes.ts';

const SUPERBLOCK_SIZE = 96;
const METADATA_BLOCK_SIZE = 8192;
const NO_FRAGMENT = 0xffffffff;
const DATA_UNCOMPRESSED = 1 << 24;
const DIRECTORY_HEADER_MAXIMUM = 256;
/** Linux's PATH_MAX: deeper paths cannot be created on a real system, so they mark a hostile image. */
const PATH_MAXIMUM = 4096;

const COMPRESSION_NAMES = { 1: 'gzip', 2: 'lzma', 3: 'lzo', 4: 'xz', 5: 'lz4', 6: 'zstd' } as const;
export type SquashfsCompression = (typeof COMPRESSION_NAMES)[keyof typeof COMPRESSION_NAMES];

/** What the scanner's summary says about an image; also what the reader needs to find its tables. */
export interface SquashfsSuperblock {
  byteOrder: 'little-endian' | 'big-endian';
  versionMajor: number;
  versionMinor: number;
  /** Undefined when the id is not one SquashFS defines. */
  compression: SquashfsCompression | undefined;
  compressionId: number;
  blockSize: number;
  inodeCount: number;
  fragmentCount: number;
  idCount: number;
  flags: number;
  /** Seconds since the epoch, as mksquashfs recorded it. */
  modificationTime: number;
  /** Bytes the filesystem spans from its superblock (the image is usually padded beyond it). */
  bytesUsed: number;
  rootInode: { block: number; offset: number };
  idTableStart: number;
  inodeTableStart: number;
  directoryTableStart: number;
  fragmentTableStart: number;
}

const LE_MAGIC = [0x68, 0x73, 0x71, 0x73]; // 'hsqs'
const BE_MAGIC = [0x73, 0x71, 0x73, 0x68]; // 'sqsh'

function hasMagic(bytes: Uint8Array, offset: number, magic: number[]): boolean {
  return offset >= 0 && offset + 4 <= bytes.length && magic.every((b, i) => bytes[offset + i] === b);
}

/**
 * Reads the superblock of a SquashFS 4.x image at offset (either byte order), or null when there
 * is none or it is from an earlier version whose layout differs.
 */
export function readSquashfsSuperblock(bytes: Uint8Array, offset: number): SquashfsSuperblock | null {
  if (offset < 0 || offset + SUPERBLOCK_SIZE > bytes.length) return null;
  const little = hasMagic(bytes, offset, LE_MAGIC);
  if (!little && !hasMagic(bytes, offset, BE_MAGIC)) return null;
  // A big-endian image is read by swapping its fields, which is all the summary needs.
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, SUPERBLOCK_SIZE);
  const r16 = (at: number): number => view.getUint16(at, little);
  const r32 = (at: number): number => view.getUint32(at, little);
  const r64 = (at: number): number => {
    const value = view.getBigUint64(at, little);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
  };
  const versionMajor = r16(28);
  if (versionMajor !== 4) return null;
  const compressionId = r16(20);
  const root = r64(32);
  return {
    byteOrder: little ? 'little-endian' : 'big-endian',
    versionMajor,
    versionMinor: r16(30),
    compression: COMPRESSION_NAMES[compressionId as keyof typeof COMPRESSION_NAMES],
    compressionId,
    blockSize: r32(12),
    inodeCount: r32(4),
    fragmentCount: r32(16),
    idCount: r16(26),
    flags: r16(24),
    modificationTime: r32(8),
    bytesUsed: r64(40),
    rootInode: { block: Math.floor(root / 0x10000), offset: root % 0x10000 },
    idTableStart: r64(48),
    inodeTableStart: r64(64),
    directoryTableStart: r64(72),
    fragmentTableStart: r64(80),
  };
}

/** Raised inside the reader when the image contradicts itself; always caught and made a Problem. */
class Corruption extends Error {}

const S_IFMT = {
  directory: 0o040000,
  file: 0o100000,
  symlink: 0o120000,
  block: 0o060000,
  character: 0o020000,
  fifo: 0o010000,
  socket: 0o140000,
} as const;

interface InodeCommon {
  number: number;
  permissions: number;
  uidIndex: number;
  gidIndex: number;
}
interface DirectoryInode extends InodeCommon {
  kind: 'directory';
  listingBlock: number;
  listingOffset: number;
  listingSize: number;
}
interface FileInode extends InodeCommon {
  kind: 'file';
  blocksStart: number;
  fileSize: number;
  fragment: number;
  fragmentOffset: number;
  /** Undefined when the file is too large to read (a Problem says so). */
  blockSizes: Uint32Array | undefined;
}
interface SymlinkInode extends InodeCommon {
  kind: 'symlink';
  target: string;
}
interface SpecialInode extends InodeCommon {
  kind: 'block' | 'character' | 'fifo' | 'socket';
}
type Inode = DirectoryInode | FileInode | SymlinkInode | SpecialInode;

interface DirectoryEntry {
  name: string;
  block: number;
  offset: number;
  number: number;
}

const names = new TextDecoder('utf-8');

/** A file whose blocks were queued: what to cut back to if the deadline stops their decoding. */
interface FileMark {
  out: Uint8Array;
  /** How many problems and late-problem slots there were when the file was met. */
  problemsAt: number;
  slotsAt: number;
}

/** Problems known only once queued blocks are decoded, and how many problems preceded them. */
interface LateProblems {
  at: number;
  problems: Problem[];
}

/** One image being read: the caches that make every block decompress once, and the problems found. */
class SquashfsReader {
  readonly bytes: Uint8Array;
  readonly base: number;
  readonly end: number;
  readonly superblock: SquashfsSuperblock;
  readonly compression: SquashfsCompression;
  readonly limits: Limits;
  readonly problems: Problem[];
  private readonly metadata = new Map<number, { data: Uint8Array; next: number }>();
  private metadataBytes = 0;
  /** null while the fragment block waits in the queue. */
  private readonly fragments = new Map<number, Uint8Array | Corruption | null>();
  private readonly ids = new Map<number, Uint32Array>();
  private idTableBroken = false;
  /** File contents by where their blocks start, so deduplicated files share one decompression. */
  private readonly contents = new Map<string, Uint8Array>();
  /** Compressed blocks waiting to be decoded together; null decodes each when met. */
  private readonly queue: BlockQueue<FileMark> | null;
  private readonly lateProblems: LateProblems[] = [];
  /** What needs queued blocks decoded first (copying file tails out of fragment blocks), in order. */
  private readonly afterDecoding: (() => void)[] = [];

  constructor(bytes: Uint8Array, base: number, superblock: SquashfsSuperblock, compression: SquashfsCompression, limits: Limits, problems: Problem[], queue: BlockQueue<FileMark> | null) {
    this.queue = queue;
    this.bytes = bytes;
    this.base = base;
    this.superblock = superblock;
    this.compression = compression;
    this.limits = limits;
    this.problems = problems;
    // Offsets in the image are relative to the superblock; nothing may be read past bytesUsed.
    this.end = Math.min(superblock.bytesUsed, bytes.length - base);
  }

  /** The bytes [start, start+length) of the filesystem, or a Corruption when they are not all there. */
  slice(start: number, length: number, what: string): Uint8Array {
    if (!(start >= 0 && length >= 0 && start + length <= this.end)) {
      throw new Corruption(`${what} at ${start} (${length} bytes) lies outside the image`);
    }
    return this.bytes.subarray(this.base + start, this.base + start + length);
  }

  /** Decompresses one block; expectedSize (known for data blocks) lets the decoder allocate once. */
  decompressBlock(input: Uint8Array, maxOutput: number, expectedSize?: number): Uint8Array {
    return decodeBlock(this.compression, input, maxOutput, expectedSize);
  }

  /** A metadata block (at most 8 KiB once decompressed) and where the next one starts; cached. */
  metadataBlock(position: number): { data: Uint8Array; next: number } {
    const cached = this.metadata.get(position);
    if (cached) return cached;
    const header = this.slice(position, 2, 'a metadata block header');
    const word = u16(header, 0);
    const size = word & 0x7fff;
    if (size === 0) throw new Corruption(`the metadata block at ${position} is empty`);
    const stored = this.slice(position + 2, size, 'a metadata block');
    let data: Uint8Array;
    if (word & 0x8000) data = stored;
    else {
      try {
        data = this.decompressBlock(stored, METADATA_BLOCK_SIZE);
      } catch (error) {
        if (error instanceof DecompressionError) throw new Corruption(`the metadata block at ${position} does not decompress: ${error.message}`);
        throw error;
      }
    }
    if (data.length === 0 || data.length > METADATA_BLOCK_SIZE) throw new Corruption(`the metadata block at ${position} holds ${data.length} bytes (at most ${METADATA_BLOCK_SIZE})`);
    // Metadata is tiny next to data in a real image; a hostile one could make a million blocks
    // expand 2700-fold, so what is held is bounded like a single file.
    this.metadataBytes += data.length;
    if (this.metadataBytes > this.limits.maxFileBytes) throw new LimitExceeded(`the image's metadata expands to more than ${this.limits.maxFileBytes} bytes`);
    const block = { data, next: position + 2 + size };
    this.metadata.set(position, block);
    return block;
  }

  /** Reads `length` bytes of a metadata table starting inside the block at `position`, across blocks. */
  metadataBytesAt(position: number, offset: number, length: number, what: string): Uint8Array {
    let block = this.metadataBlock(position);
    let at = offset;
    if (at > block.data.length) throw new Corruption(`${what} points ${offset} bytes into a metadata block of ${block.data.length}`);
    if (at + length <= block.data.length) return block.data.subarray(at, at + length);
    const pieces: Uint8Array[] = [];
    let gathered = 0;
    while (gathered < length) {
      if (at >= block.data.length) {
        block = this.metadataBlock(block.next);
        at = 0;
      }
      const piece = block.data.subarray(at, Math.min(block.data.length, at + length - gathered));
      pieces.push(piece);
      gathered += piece.length;
      at += piece.length;
    }
    return concatenate(pieces, length);
  }

  /**
   * A cursor over the inode table: inodes have variable length and may straddle metadata blocks,
   * so fields are taken in order.
   */
  inodeCursor(block: number, offset: number): (length: number, what: string) => Uint8Array {
    let position = this.superblock.inodeTableStart + block;
    let at = offset;
    return (length, what) => {
      const result = this.metadataBytesAt(position, at, length, what);
      // Follow the read to the block it ended in (all of them are cached by now).
      at += length;
      for (let block = this.metadataBlock(position); at > block.data.length; block = this.metadataBlock(position)) {
        at -= block.data.length;
        position = block.next;
      }
      return result;
    };
  }

  readInode(block: number, offset: number): Inode {
    const take = this.inodeCursor(block, offset);
    const header = take(16, 'an inode');
    const type = u16(header, 0);
    const common: InodeCommon = { permissions: u16(header, 2) & 0o7777, uidIndex: u16(header, 4), gidIndex: u16(header, 6), number: u32(header, 12) };
    switch (type) {
      case 1: {
        const d = take(16, 'a directory inode');
        return { ...common, kind: 'directory', listingBlock: u32(d, 0), listingSize: u16(d, 8), listingOffset: u16(d, 10) };
      }
      case 8: {
        // The index that follows speeds up lookups by name; a full listing does not need it.
        const d = take(24, 'an extended directory inode');
        return { ...common, kind: 'directory', listingSize: u32(d, 4), listingBlock: u32(d, 8), listingOffset: u16(d, 18) };
      }
      case 2: {
        const d = take(16, 'a file inode');
        return this.withBlockSizes(take, { ...common, kind: 'file', blocksStart: u32(d, 0), fragment: u32(d, 4), fragmentOffset: u32(d, 8), fileSize: u32(d, 12), blockSizes: undefined });
      }
      case 9: {
        const d = take(40, 'an extended file inode');
        return this.withBlockSizes(take, { ...common, kind: 'file', blocksStart: u64(d, 0), fileSize: u64(d, 8), fragment: u32(d, 28), fragmentOffset: u32(d, 32), blockSizes: undefined });
      }
      case 3:
      case 10: {
        const d = take(8, 'a symlink inode');
        const size = u32(d, 4);
        if (size > PATH_MAXIMUM) throw new Corruption(`a symlink target claims ${size} bytes`);
        return { ...common, kind: 'symlink', target: names.decode(take(size, 'a symlink target')) };
      }
      case 4:
      case 11:
        return { ...common, kind: 'block' };
      case 5:
      case 12:
        return { ...common, kind: 'character' };
      case 6:
      case 13:
        return { ...common, kind: 'fifo' };
      case 7:
      case 14:
        return { ...common, kind: 'socket' };
      default:
        throw new Corruption(`unknown inode type ${type}`);
    }
  }

  private withBlockSizes(take: (length: number, what: string) => Uint8Array, inode: FileInode): FileInode {
    // The size is checked before the block list is read: a forged size must not make us read
    // or allocate millions of entries.
    if (!(inode.fileSize <= this.limits.maxFileBytes)) return inode;
    const blockSize = this.superblock.blockSize;
    const count = inode.fragment === NO_FRAGMENT ? Math.ceil(inode.fileSize / blockSize) : Math.floor(inode.fileSize / blockSize);
    const raw = take(count * 4, 'a file block list');
    const sizes = new Uint32Array(count);
    for (let i = 0; i < count; i++) sizes[i] = u32(raw, i * 4);
    return { ...inode, blockSizes: sizes };
  }

  readDirectory(inode: DirectoryInode): DirectoryEntry[] {
    // The stored size counts 3 bytes for the implicit '.' and '..' entries.
    const size = inode.listingSize - 3;
    if (size <= 0) return [];
    const listing = this.metadataBytesAt(this.superblock.directoryTableStart + inode.listingBlock, inode.listingOffset, size, 'a directory listing');
    const entries: DirectoryEntry[] = [];
    let at = 0;
    while (at < size) {
      if (at + 12 > size) throw new Corruption('a directory header is cut short');
      const count = u32(listing, at) + 1;
      const block = u32(listing, at + 4);
      const base = u32(listing, at + 8);
      at += 12;
      if (count > DIRECTORY_HEADER_MAXIMUM) throw new Corruption(`a directory header claims ${count} entries (at most ${DIRECTORY_HEADER_MAXIMUM})`);
      for (let k = 0; k < count; k++) {
        if (at + 8 > size) throw new Corruption('a directory entry is cut short');
        const offset = u16(listing, at);
        const delta = (u16(listing, at + 2) << 16) >> 16;
        const nameSize = u16(listing, at + 6) + 1;
        at += 8;
        if (at + nameSize > size) throw new Corruption('a directory entry name is cut short');
        entries.push({ name: names.decode(listing.subarray(at, at + nameSize)), block, offset, number: (base + delta) >>> 0 });
        at += nameSize;
      }
    }
    return entries;
  }

  /** A uid or gid from the id table; undefined (with one Problem) when the table cannot be read. */
  id(index: number): number | undefined {
    if (this.idTableBroken) return undefined;
    try {
      if (index >= this.superblock.idCount) throw new Corruption(`id index ${index} is beyond the ${this.superblock.idCount} ids`);
      const page = Math.floor(index / 2048);
      let ids = this.ids.get(page);
      if (!ids) {
        const pointer = u64(this.slice(this.superblock.idTableStart + page * 8, 8, 'the id table index'), 0);
        const data = this.metadataBlock(pointer).data;
        ids = new Uint32Array(data.length >> 2);
        for (let i = 0; i < ids.length; i++) ids[i] = u32(data, i * 4);
        this.ids.set(page, ids);
      }
      const id = ids[index % 2048];
      if (id === undefined) throw new Corruption(`id index ${index} is beyond its metadata block`);
      return id;
    } catch (error) {
      if (!(error instanceof Corruption)) throw error;
      this.idTableBroken = true;
      this.problems.push({ message: `uids and gids are not reported: ${error.message}` });
      return undefined;
    }
  }

  /**
   * A fragment block, decompressed once; a block that failed keeps failing without another
   * attempt. Null while it waits in the queue (owner is the file that queued it).
   */
  fragmentBlock(index: number, owner: FileMark): Uint8Array | null {
    const cached = this.fragments.get(index);
    if (cached instanceof Corruption) throw cached;
    if (cached !== undefined) return cached;
    try {
      const { stored, compressed } = this.locateFragmentBlock(index);
      if (compressed && this.queue) {
        this.fragments.set(index, null);
        this.queue.add({ input: stored, maxOutput: this.superblock.blockSize, expectedSize: undefined }, owner, (produce) => {
          try {
            // A copy: the decoded bytes may sit in the pool's shared scratch memory.
            this.fragments.set(index, this.decodedFragmentBlock(index, () => new Uint8Array(produce())));
          } catch (error) {
            if (!(error instanceof Corruption)) throw error;
            this.fragments.set(index, error);
          }
        });
        return null;
      }
      const data = compressed ? this.decodedFragmentBlock(index, () => this.decompressBlock(stored, this.superblock.blockSize)) : stored;
      this.fragments.set(index, data);
      return data;
    } catch (error) {
      if (error instanceof Corruption) this.fragments.set(index, error);
      throw error;
    }
  }

  private decodedFragmentBlock(index: number, produce: () => Uint8Array): Uint8Array {
    try {
      return produce();
    } catch (error) {
      if (error instanceof DecompressionError) throw new Corruption(`fragment block ${index} does not decompress: ${error.message}`);
      throw error;
    }
  }

  private locateFragmentBlock(index: number): { stored: Uint8Array; compressed: boolean } {
    if (index >= this.superblock.fragmentCount) throw new Corruption(`fragment ${index} is beyond the ${this.superblock.fragmentCount} fragments`);
    const pointer = u64(this.slice(this.superblock.fragmentTableStart + Math.floor(index / 512) * 8, 8, 'the fragment table index'), 0);
    const entry = this.metadataBytesAt(pointer, (index % 512) * 16, 16, 'a fragment entry');
    const start = u64(entry, 0);
    const word = u32(entry, 8);
    const size = word & 0xffffff;
    if (size > this.superblock.blockSize) throw new Corruption(`fragment ${index} claims ${size} bytes on disk, more than a block`);
    return { stored: this.slice(start, size, `fragment block ${index}`), compressed: (word & DATA_UNCOMPRESSED) === 0 };
  }

  /** Where a problem found after decoding goes: after the problems there are now. */
  private problemLater(): (problem: Problem) => void {
    const slot: LateProblems = { at: this.problems.length, problems: [] };
    this.lateProblems.push(slot);
    return (problem) => slot.problems.push(problem);
  }

  /** The file's bytes; every unreadable block becomes a Problem and stays zero-filled. */
  fileContents(inode: FileInode, path: string): Uint8Array {
    const key = `${inode.blocksStart}:${inode.fileSize}:${inode.fragment}:${inode.fragmentOffset}`;
    const cached = this.contents.get(key);
    if (cached) return cached;
    const blockSizes = inode.blockSizes ?? new Uint32Array(0);
    const blockSize = this.superblock.blockSize;
    const size = inode.fileSize;
    const out = new Uint8Array(size);
    const mark: FileMark = { out, problemsAt: this.problems.length, slotsAt: this.lateProblems.length };
    const now = (problem: Problem): void => {
      this.problems.push(problem);
    };
    let position = inode.blocksStart;
    let written = 0;
    for (let i = 0; i < blockSizes.length; i++) {
      const word = blockSizes[i]!;
      const expected = Math.min(blockSize, size - written);
      // A zero word is a sparse block: zeros, already there.
      if (word !== 0) {
        const stored = word & 0xffffff;
        const offset = this.base + position;
        const into = written;
        const unreadable = (error: Corruption | DecompressionError): Problem => ({ path, offset, message: `block ${i} of the file is unreadable (left as zeros): ${error.message}` });
        const place = (produce: () => Uint8Array, report: (problem: Problem) => void): void => {
          try {
            const block = produce();
            if (block.length !== expected) report({ path, offset, message: `block ${i} holds ${block.length} bytes where ${expected} were expected` });
            out.set(block.length > expected ? block.subarray(0, expected) : block, into);
          } catch (error) {
            if (!(error instanceof Corruption) && !(error instanceof DecompressionError)) throw error;
            report(unreadable(error));
          }
        };
        const locate = (): Uint8Array => {
          if (stored > blockSize) throw new Corruption(`block ${i} claims ${stored} bytes on disk, more than a block`);
          return this.slice(position, stored, `block ${i}`);
        };
        if (!this.queue || word & DATA_UNCOMPRESSED) {
          place(() => (word & DATA_UNCOMPRESSED ? locate() : this.decompressBlock(locate(), blockSize, expected)), now);
        } else {
          let input: Uint8Array | undefined;
          try {
            input = locate();
          } catch (error) {
            if (!(error instanceof Corruption)) throw error;
            now(unreadable(error));
          }
          if (input) {
            const report = this.problemLater();
            this.queue.add({ input, maxOutput: blockSize, expectedSize: expected }, mark, (produce) => place(produce, report));
          }
        }
        position += stored;
      }
      written += expected;
    }
    if (inode.fragment !== NO_FRAGMENT && written < size) {
      const tail = size - written;
      const into = written;
      const copyTail = (fragment: Uint8Array): void => {
        if (inode.fragmentOffset + tail > fragment.length) throw new Corruption(`the file's tail (${tail} bytes at ${inode.fragmentOffset}) runs past its fragment block of ${fragment.length}`);
        out.set(fragment.subarray(inode.fragmentOffset, inode.fragmentOffset + tail), into);
      };
      const tryTail = (report: (problem: Problem) => void): Uint8Array | null | undefined => {
        try {
          const fragment = this.fragmentBlock(inode.fragment, mark);
          if (fragment) copyTail(fragment);
          return fragment;
        } catch (error) {
          if (!(error instanceof Corruption)) throw error;
          report({ path, message: `the end of the file is unreadable (left as zeros): ${error.message}` });
          return undefined;
        }
      };
      // Null: the fragment block is queued; the tail is copied once it is decoded (or left as
      // zeros with the rest of the file when the deadline stops decoding first).
      if (tryTail(now) === null) {
        const report = this.problemLater();
        this.afterDecoding.push(() => void tryTail(report));
      }
    } else if (written < size) {
      this.problems.push({ path, message: `the file claims ${size} bytes but its blocks hold ${written}` });
    }
    this.contents.set(key, out);
    return out;
  }

  /**
   * Decodes the queued blocks (on several threads when there are enough) and puts each problem
   * they cause where it would have been had they been decoded when met. When the deadline stops
   * decoding, the entries and problems are cut back to the first file left incomplete, as if the
   * walk had stopped there.
   */
  decodeQueued(entries: Entry[]): void {
    if (!this.queue) return;
    const stop = this.queue.run(this.limits.deadline);
    for (const action of this.afterDecoding) action();
    let keptProblems = this.problems.length;
    let keptSlots = this.lateProblems.length;
    if (stop) {
      const cut = entries.findIndex((entry) => entry.data === stop.stoppedAt.out);
      if (cut !== -1) entries.length = cut;
      keptProblems = stop.stoppedAt.problemsAt;
      keptSlots = stop.stoppedAt.slotsAt;
    }
    const merged: Problem[] = [];
    let slot = 0;
    for (let i = 0; i <= keptProblems; i++) {
      for (; slot < keptSlots && this.lateProblems[slot]!.at === i; slot++) merged.push(...this.lateProblems[slot]!.problems);
      if (i < keptProblems) merged.push(this.problems[i]!);
    }
    this.problems.length = 0;
    for (const problem of merged) this.problems.push(problem);
    // Worded as spend() words it when the walk itself runs out of time.
    if (stop) this.problems.push({ offset: this.base, message: 'unpacking stopped: the time allowed for unpacking ran out' });
  }
}

function concatenate(pieces: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function unpackSquashfs(bytes: Uint8Array, offset: number, limits: Limits): { entries: Entry[]; problems: Problem[]; length?: number } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  if (offset < 0 || offset + SUPERBLOCK_SIZE > bytes.length || !(hasMagic(bytes, offset, LE_MAGIC) || hasMagic(bytes, offset, BE_MAGIC))) {
    problems.push({ offset, message: 'no SquashFS superblock here (too short or no magic number)' });
    return { entries, problems };
  }
  const superblock = readSquashfsSuperblock(bytes, offset);
  if (!superblock || superblock.byteOrder !== 'little-endian') {
    const what = hasMagic(bytes, offset, BE_MAGIC) ? 'a big-endian SquashFS image' : 'a SquashFS image of a version other than 4';
    problems.push({ offset, message: `${what} is not supported` });
    return { entries, problems };
  }
  const length = Math.min(superblock.bytesUsed, bytes.length - offset);
  const compression = superblock.compression;
  const blockSize = superblock.blockSize;
  if (compression === undefined) {
    problems.push({ offset, message: `unknown compression id ${superblock.compressionId}` });
    return { entries, problems, length };
  }
  if (!(blockSize >= 4096 && blockSize <= 1024 * 1024 && (blockSize & (blockSize - 1)) === 0)) {
    problems.push({ offset, message: `the block size ${blockSize} is not a power of two between 4 KiB and 1 MiB` });
    return { entries, problems, length };
  }
  if (superblock.versionMinor !== 0) problems.push({ offset, message: `SquashFS 4.${superblock.versionMinor} is read as 4.0` });
  if (superblock.bytesUsed > bytes.length - offset) {
    problems.push({ offset, message: `the image is truncated: it claims ${superblock.bytesUsed} bytes but only ${bytes.length - offset} are present` });
  }
  // An inode takes at least 20 bytes and metadata compresses at most a few thousand-fold.
  if (superblock.inodeCount > (bytes.length - offset) * 512) {
    problems.push({ offset, message: `the superblock claims ${superblock.inodeCount} inodes, more than the image can hold` });
  }

  // A progress display can move through the image by the inodes read.
  limits.onContainer?.({ entries: superblock.inodeCount, span: length });

  // Only a large image queues its blocks: for a small one, workers cost more than they save.
  const queue = superblock.bytesUsed >= blockPoolSettings.minimumBytes && blockPoolSettings.workers > 0 ? new BlockQueue<FileMark>(compression) : null;
  const reader = new SquashfsReader(bytes, offset, superblock, compression, limits, problems, queue);
  const firstPathOfInode = new Map<number, string>();
  const visitedDirectories = new Set<number>();
  const pending: { inode: DirectoryInode; path: string }[] = [];
  try {
    const root = reader.readInode(superblock.rootInode.block, superblock.rootInode.offset);
    if (root.kind !== 'directory') throw new Corruption('the root inode is not a directory');
    visitedDirectories.add(root.number);
    pending.push({ inode: root, path: '' });
  } catch (error) {
    if (error instanceof Corruption || error instanceof LimitExceeded) {
      problems.push({ offset, message: `the root directory is unreadable: ${error.message}` });
      return { entries, problems, length };
    }
    throw error;
  }

  try {
    // Depth first with an explicit stack: a hostile image may nest far deeper than the call stack.
    while (pending.length > 0) {
      const { inode: directory, path: directoryPath } = pending.pop()!;
      let listing: DirectoryEntry[];
      try {
        listing = reader.readDirectory(directory);
      } catch (error) {
        if (!(error instanceof Corruption)) throw error;
        problems.push({ path: directoryPath || '/', message: `the directory is unreadable: ${error.message}` });
        continue;
      }
      const subdirectories: { inode: DirectoryInode; path: string }[] = [];
      for (const item of listing) {
        // Charged before anything else, so even a listing of unusable names runs out of budget.
        spend(limits, 0, 1);
        const path = childPath(directoryPath, item.name, problems, PATH_MAXIMUM);
        if (path === null) continue;
        let inode: Inode;
        try {
          inode = reader.readInode(item.block, item.offset);
        } catch (error) {
          if (!(error instanceof Corruption)) throw error;
          problems.push({ path, message: `the inode is unreadable: ${error.message}` });
          continue;
        }
        const uid = reader.id(inode.uidIndex);
        const gid = reader.id(inode.gidIndex);
        const owner = { ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }) };
        const mode = S_IFMT[inode.kind] | inode.permissions;
        if (inode.kind === 'directory') {
          if (visitedDirectories.has(inode.number)) {
            problems.push({ path, message: `the directory refers back to directory inode ${inode.number} (a cycle); not followed` });
            continue;
          }
          visitedDirectories.add(inode.number);
          entries.push({ path, type: 'directory', mode, ...owner });
          subdirectories.push({ inode, path });
          continue;
        }
        const first = firstPathOfInode.get(inode.number);
        if (first !== undefined) {
          entries.push({ path, type: 'hardlink', mode, target: first, ...owner });
          continue;
        }
        firstPathOfInode.set(inode.number, path);
        switch (inode.kind) {
          case 'file': {
            if (!inode.blockSizes) {
              problems.push({ path, message: `the file claims ${inode.fileSize} bytes, over the limit of ${limits.maxFileBytes}; its contents are not read` });
              entries.push({ path, type: 'file', mode, ...owner });
              break;
            }
            spend(limits, inode.fileSize);
            entries.push({ path, type: 'file', mode, data: reader.fileContents(inode, path), ...owner });
            break;
          }
          case 'symlink':
            reportEscapingLink(path, inode.target, problems, 'image');
            entries.push({ path, type: 'symlink', mode, target: inode.target, ...owner });
            break;
          case 'block':
          case 'character':
            entries.push({ path, type: 'device', mode, ...owner });
            break;
          default:
            entries.push({ path, type: inode.kind, mode, ...owner });
        }
      }
      // Reversed so the stack hands them back in directory order.
      for (let i = subdirectories.length - 1; i >= 0; i--) pending.push(subdirectories[i]!);
    }
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    problems.push({ offset, message: `unpacking stopped: ${describe(error)}` });
  }
  reader.decodeQueued(entries);
  return { entries, problems, length };
}

export const squashfs: Unpacker = {
  name: 'squashfs',
  detect(bytes, offset) {
    if (offset < 0 || offset + SUPERBLOCK_SIZE > bytes.length) return false;
    if (hasMagic(bytes, offset, LE_MAGIC)) {
      const major = u16(bytes, offset + 28);
      return major >= 1 && major <= 4;
    }
    if (hasMagic(bytes, offset, BE_MAGIC)) {
      const major = (bytes[offset + 28]! << 8) | bytes[offset + 29]!;
      return major >= 1 && major <= 4;
    }
    return false;
  },
  unpack: unpackSquashfs,
};
