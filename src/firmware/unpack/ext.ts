// ext2, ext3 and ext4, the filesystems of Linux root and data partitions: eMMC and SD card dumps,
// x86 and ARM board images, the writable overlay partitions of many routers. Read-only and
// entirely in memory: the superblock, the group descriptors (32- and 64-bit, meta_bg, bigalloc),
// the inode tables, block maps (direct, indirect, double and triple indirect), extent trees,
// inline data, and directories (linear and htree, both read linearly: an htree's index blocks
// are shaped as empty directory entries precisely so that old readers can do that).
//
// References: the kernel's Documentation/filesystems/ext4/ (the on-disk format) and
// fs/ext4/ext4.h; e2fsprogs' lib/ext2fs (openfs.c for where descriptors live); mke2fs -d as the
// writer the tests compare against.
// Limitations: the journal is not replayed (an image that needs recovery is read as it stands,
// with a Problem saying so); checksums are not verified; extended attributes, ACLs and device
// numbers are not reported (Entry has no place for them); encrypted files and directories are
// reported as such and not read; e2compr's compression (never in the mainline kernel) and
// external journal devices (which hold no files) are refused.
//
// Hard links: the first name met for an inode (in directory order, depth first) becomes the
// 'file' (or link, device…) entry; every further name becomes a 'hardlink' entry whose target is
// that first path, as tar, cpio and SquashFS report them, so the bytes are held and charged once.
//
// Modes: the inode's i_mode as stored, type bits included, as every unpacker reports them.

import { chargeFile, entryTypeOfMode, InodeListing, LimitExceeded, reportEscapingLink, S_IFDIR, S_IFMT, S_IFREG, safePath, spend, type Entry, type Limits, type Problem, type Unpacker } from './types.ts';
import { u16, u32 } from './bytes.ts';

/** The superblock always starts 1024 bytes in, whatever the block size (room for a boot sector). */
const SUPERBLOCK_OFFSET = 1024;
const SUPERBLOCK_SIZE = 1024;
const MAGIC = 0xef53;
const ROOT_INODE = 2;
const EXTENT_MAGIC = 0xf30a;
/** The kernel's EXT4_MAX_EXTENT_DEPTH: a deeper tree is corrupt, and depth bounds the walk. */
const EXTENT_DEPTH_MAXIMUM = 5;
/** An extent longer than this is an uninitialised (preallocated) one, read as zeros. */
const EXTENT_INITIALISED_MAXIMUM = 32768;
/** i_block: 15 32-bit words, the block map or the extent tree's root or a short symlink or inline data. */
const I_BLOCK_OFFSET = 0x28;
const I_BLOCK_SIZE = 60;
/** Linux's PATH_MAX: deeper paths and longer link targets cannot exist on a real system. */
const PATH_MAXIMUM = 4096;

/** Feature flags the reader looks at (the kernel's EXT4_FEATURE_*). */
const COMPAT_HAS_JOURNAL = 0x4;
const COMPAT_SPARSE_SUPER2 = 0x200;
const INCOMPAT_COMPRESSION = 0x1;
const INCOMPAT_FILETYPE = 0x2;
const INCOMPAT_RECOVER = 0x4;
const INCOMPAT_JOURNAL_DEV = 0x8;
const INCOMPAT_META_BG = 0x10;
const INCOMPAT_EXTENTS = 0x40;
const INCOMPAT_64BIT = 0x80;
const INCOMPAT_MMP = 0x100;
const INCOMPAT_FLEX_BG = 0x200;
const INCOMPAT_EA_INODE = 0x400;
const INCOMPAT_DIRDATA = 0x1000;
const INCOMPAT_CSUM_SEED = 0x2000;
const INCOMPAT_LARGEDIR = 0x4000;
const INCOMPAT_INLINE_DATA = 0x8000;
const INCOMPAT_ENCRYPT = 0x10000;
const INCOMPAT_CASEFOLD = 0x20000;
/** Every incompatible feature this reader understands well enough to read the files right. */
const INCOMPAT_READABLE =
  INCOMPAT_FILETYPE |
  INCOMPAT_RECOVER |
  INCOMPAT_META_BG |
  INCOMPAT_EXTENTS |
  INCOMPAT_64BIT |
  INCOMPAT_MMP |
  INCOMPAT_FLEX_BG |
  INCOMPAT_EA_INODE |
  INCOMPAT_DIRDATA |
  INCOMPAT_CSUM_SEED |
  INCOMPAT_LARGEDIR |
  INCOMPAT_INLINE_DATA |
  INCOMPAT_ENCRYPT |
  INCOMPAT_CASEFOLD;
const RO_COMPAT_SPARSE_SUPER = 0x1;
const RO_COMPAT_GDT_CSUM = 0x10;
const RO_COMPAT_BIGALLOC = 0x200;
const RO_COMPAT_METADATA_CSUM = 0x400;
/** What blkid counts as ext3 at most; anything beyond makes an ext4. */
const EXT3_INCOMPAT = INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_META_BG;
const EXT3_RO_COMPAT = RO_COMPAT_SPARSE_SUPER | 0x2 | 0x4;

/** Inode flags (the kernel's EXT4_*_FL). */
const FLAG_ENCRYPT = 0x800;
const FLAG_EXTENTS = 0x80000;
const FLAG_INLINE_DATA = 0x10000000;

/** Group descriptor flag: the group's inode table was never written (lazy initialisation). */
const GROUP_INODE_UNINIT = 0x1;

/** What the scanner's summary says about a filesystem; also what the reader needs to find its tables. */
export interface ExtSuperblock {
  /** As blkid names it: ext4 when it uses any feature beyond ext3's, ext3 when it has a journal. */
  version: 'ext2' | 'ext3' | 'ext4';
  inodeCount: number;
  blockCount: number;
  firstDataBlock: number;
  blockSize: number;
  /** Bytes of an allocation cluster (the block size unless bigalloc). */
  clusterSize: number;
  blocksPerGroup: number;
  clustersPerGroup: number;
  inodesPerGroup: number;
  /** 0 for the original ext2 layout (128-byte inodes, no features), 1 for the dynamic one. */
  revision: number;
  inodeSize: number;
  firstInode: number;
  featureCompat: number;
  featureIncompat: number;
  featureRoCompat: number;
  /** Bytes of a group descriptor: 32, or more with the 64bit feature. */
  descriptorSize: number;
  firstMetaBlockGroup: number;
  /** The two groups holding backup superblocks under sparse_super2. */
  backupGroups: [number, number];
  volumeName: string;
  uuid: string;
}

/** A 64-bit value from two 32-bit halves; past 2^53 (never legitimate) it becomes Infinity and fails every bound. */
function join64(low: number, high: number): number {
  return high >= 0x200000 ? Number.POSITIVE_INFINITY : high * 0x1_0000_0000 + low;
}

const names = new TextDecoder('utf-8');

function hasMagic(bytes: Uint8Array, offset: number): boolean {
  return offset >= 0 && offset + SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE <= bytes.length && u16(bytes, offset + SUPERBLOCK_OFFSET + 0x38) === MAGIC;
}

/** Reads the superblock of an ext2/3/4 filesystem starting at offset, or null when there is none. */
export function readExtSuperblock(bytes: Uint8Array, offset: number): ExtSuperblock | null {
  if (!hasMagic(bytes, offset)) return null;
  const sb = bytes.subarray(offset + SUPERBLOCK_OFFSET, offset + SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE);
  const revision = u32(sb, 0x4c);
  const featureCompat = revision >= 1 ? u32(sb, 0x5c) : 0;
  const featureIncompat = revision >= 1 ? u32(sb, 0x60) : 0;
  const featureRoCompat = revision >= 1 ? u32(sb, 0x64) : 0;
  const is64 = (featureIncompat & INCOMPAT_64BIT) !== 0;
  const logBlockSize = u32(sb, 0x18);
  const logClusterSize = u32(sb, 0x1c);
  // Shifts by 32 or more wrap in JavaScript; such sizes are caught by the sanity checks as Infinity.
  const blockSize = logBlockSize < 22 ? 1024 * 2 ** logBlockSize : Number.POSITIVE_INFINITY;
  const clusterSize = featureRoCompat & RO_COMPAT_BIGALLOC ? (logClusterSize < 22 ? 1024 * 2 ** logClusterSize : Number.POSITIVE_INFINITY) : blockSize;
  const uuid = Buffer.from(sb.subarray(0x68, 0x78)).toString('hex');
  return {
    version: featureIncompat & ~EXT3_INCOMPAT || featureRoCompat & ~EXT3_RO_COMPAT ? 'ext4' : featureCompat & COMPAT_HAS_JOURNAL ? 'ext3' : 'ext2',
    inodeCount: u32(sb, 0x0),
    blockCount: join64(u32(sb, 0x4), is64 ? u32(sb, 0x150) : 0),
    firstDataBlock: u32(sb, 0x14),
    blockSize,
    clusterSize,
    blocksPerGroup: u32(sb, 0x20),
    clustersPerGroup: u32(sb, 0x24),
    inodesPerGroup: u32(sb, 0x28),
    revision,
    inodeSize: revision >= 1 ? u16(sb, 0x58) : 128,
    firstInode: revision >= 1 ? u32(sb, 0x54) : 11,
    featureCompat,
    featureIncompat,
    featureRoCompat,
    descriptorSize: is64 ? u16(sb, 0xfe) : 32,
    firstMetaBlockGroup: u32(sb, 0x104),
    backupGroups: [u32(sb, 0x24c), u32(sb, 0x250)],
    volumeName: names.decode(sb.subarray(0x78, 0x88)).replace(/\0.*$/s, ''),
    uuid: `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20)}`,
  };
}

const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/**
 * Why the superblock's geometry cannot be right, or nothing. The same checks the kernel makes
 * before mounting: together with the magic they are what tells a filesystem from two bytes that
 * happen to read 0xEF53.
 */
function geometryFaults(sb: ExtSuperblock): string[] {
  const faults: string[] = [];
  const bigalloc = (sb.featureRoCompat & RO_COMPAT_BIGALLOC) !== 0;
  if (!(sb.blockSize >= 1024 && sb.blockSize <= 65536)) faults.push(`the block size ${sb.blockSize} is not between 1 KiB and 64 KiB`);
  if (sb.revision > 1) faults.push(`revision ${sb.revision} is unknown`);
  if (!(isPowerOfTwo(sb.inodeSize) && sb.inodeSize >= 128 && sb.inodeSize <= sb.blockSize)) faults.push(`the inode size ${sb.inodeSize} is not a power of two between 128 and the block size`);
  if (faults.length > 0) return faults;
  const ratio = sb.clusterSize / sb.blockSize;
  if (bigalloc && !(isPowerOfTwo(ratio) && ratio <= 65536)) faults.push(`the cluster size ${sb.clusterSize} is not a power-of-two multiple of the block size`);
  const clustersPerGroup = bigalloc ? sb.clustersPerGroup : sb.blocksPerGroup;
  if (!(clustersPerGroup >= 8 && clustersPerGroup <= sb.blockSize * 8)) faults.push(`${clustersPerGroup} clusters per group do not fit one bitmap block`);
  if (bigalloc && sb.blocksPerGroup !== sb.clustersPerGroup * ratio) faults.push(`${sb.blocksPerGroup} blocks per group is not ${sb.clustersPerGroup} clusters of ${ratio} blocks`);
  if (!(sb.inodesPerGroup >= sb.blockSize / sb.inodeSize && sb.inodesPerGroup <= sb.blockSize * 8)) faults.push(`${sb.inodesPerGroup} inodes per group is not between one block's worth and one bitmap block's`);
  const expectedFirst = sb.blockSize === 1024 && !bigalloc ? 1 : 0;
  if (sb.firstDataBlock !== expectedFirst) faults.push(`the first data block is ${sb.firstDataBlock}, not ${expectedFirst}`);
  if (!(sb.blockCount > sb.firstDataBlock && sb.blockCount * sb.blockSize <= Number.MAX_SAFE_INTEGER)) faults.push(`the block count ${sb.blockCount} is impossible`);
  if (sb.featureIncompat & INCOMPAT_64BIT && !(isPowerOfTwo(sb.descriptorSize) && sb.descriptorSize >= 64 && sb.descriptorSize <= 1024)) faults.push(`the group descriptor size ${sb.descriptorSize} is not a power of two between 64 and 1024`);
  if (faults.length > 0) return faults;
  // The kernel refuses a filesystem whose inode count is not exactly one table per group.
  const groups = Math.ceil((sb.blockCount - sb.firstDataBlock) / sb.blocksPerGroup);
  if (groups * sb.inodesPerGroup !== sb.inodeCount) faults.push(`${sb.inodeCount} inodes is not ${groups} groups of ${sb.inodesPerGroup}`);
  if (sb.revision >= 1 && !(sb.firstInode >= 11 && sb.firstInode <= sb.inodeCount)) faults.push(`the first ordinary inode ${sb.firstInode} is out of range`);
  return faults;
}

/** Raised inside the reader when the image contradicts itself; always caught and made a Problem. */
class Corruption extends Error {}

interface Inode {
  number: number;
  mode: number;
  uid: number;
  gid: number;
  /** May exceed 2^53 in a hostile image, where it is imprecise but still over every limit. */
  size: number;
  links: number;
  /** i_blocks: 512-byte sectors in use (only looked at to tell fast symlinks from slow ones). */
  sectors: number;
  flags: number;
  fileAcl: number;
  /** The whole on-disk record (the in-inode extended attributes hold the rest of inline data). */
  record: Uint8Array;
}

/** A stretch of a file's logical blocks stored contiguously; uninitialised ones read as zeros. */
interface Run {
  logical: number;
  physical: number;
  length: number;
  uninitialised: boolean;
}

/** Block pointers of one file or directory that could not be followed, summed into one Problem. */
interface BadPointers {
  outside: number;
  firstOutside: number;
  truncated: number;
  firstTruncated: number;
  /** Damage to the map itself (extent headers, shared nodes); the first five are kept. */
  faults: string[];
}

interface GroupTable {
  inodeTable: number;
  /** Inode indexes from here on were never initialised (only known with group checksums). */
  initialisedInodes: number;
}

/** One filesystem being read: its geometry, the group descriptors looked up so far, the problems found. */
class ExtReader {
  readonly bytes: Uint8Array;
  readonly base: number;
  readonly sb: ExtSuperblock;
  readonly limits: Limits;
  readonly problems: Problem[];
  readonly groupCount: number;
  /** Whole blocks of the filesystem present in the buffer (fewer than blockCount when truncated). */
  readonly presentBlocks: number;
  private readonly groups = new Map<number, GroupTable | Corruption>();
  private readonly groupChecksums: boolean;

  constructor(bytes: Uint8Array, base: number, sb: ExtSuperblock, limits: Limits, problems: Problem[]) {
    this.bytes = bytes;
    this.base = base;
    this.sb = sb;
    this.limits = limits;
    this.problems = problems;
    this.groupCount = Math.ceil((sb.blockCount - sb.firstDataBlock) / sb.blocksPerGroup);
    this.presentBlocks = Math.min(sb.blockCount, Math.floor((bytes.length - base) / sb.blockSize));
    this.groupChecksums = (sb.featureRoCompat & (RO_COMPAT_GDT_CSUM | RO_COMPAT_METADATA_CSUM)) !== 0;
  }

  /** Block n of the filesystem, or a Corruption naming what it was for when it is not there. */
  block(n: number, what: string): Uint8Array {
    // Block firstDataBlock and those before it hold the boot sector and the superblock, never
    // anything a pointer may lead to.
    if (!(n > this.sb.firstDataBlock && n < this.sb.blockCount)) {
      throw new Corruption(`${what} at block ${n} lies outside the filesystem (blocks ${this.sb.firstDataBlock + 1} to ${this.sb.blockCount - 1})`);
    }
    if (n >= this.presentBlocks) throw new Corruption(`${what} at block ${n} lies past the end of the truncated image`);
    const at = this.base + n * this.sb.blockSize;
    return this.bytes.subarray(at, at + this.sb.blockSize);
  }

  /** Whether a group holds a copy of the superblock (and so of the descriptors), per sparse_super(2). */
  private groupHasSuperblock(group: number): boolean {
    if (group === 0) return true;
    if (this.sb.featureCompat & COMPAT_SPARSE_SUPER2) return group === this.sb.backupGroups[0] || group === this.sb.backupGroups[1];
    if (group <= 1 || !(this.sb.featureRoCompat & RO_COMPAT_SPARSE_SUPER)) return true;
    if (group % 2 === 0) return false;
    for (const base of [3, 5, 7]) {
      let power = base;
      while (power < group) power *= base;
      if (power === group) return true;
    }
    return false;
  }

  /**
   * Where the n-th block of group descriptors lives. Normally they follow the block holding the
   * superblock as one table; with meta_bg, each run of groups that one block describes keeps its
   * descriptors in its own first group (after the superblock copy, if that group has one), as the
   * kernel's descriptor_loc finds them.
   */
  private descriptorBlock(n: number): number {
    const sb = this.sb;
    // The superblock is in block 1 with 1 KiB blocks (even under bigalloc, where group 0 starts at block 0).
    const superblockBlock = Math.floor(SUPERBLOCK_OFFSET / sb.blockSize);
    if (!(sb.featureIncompat & INCOMPAT_META_BG) || n < sb.firstMetaBlockGroup) return superblockBlock + 1 + n;
    const group = (sb.blockSize / sb.descriptorSize) * n;
    const zeroAdjust = n === 0 && sb.blockSize === 1024 && sb.firstDataBlock === 0 ? 1 : 0;
    return sb.firstDataBlock + group * sb.blocksPerGroup + (this.groupHasSuperblock(group) ? 1 : 0) + zeroAdjust;
  }

  /** The inode table of a group, from its descriptor; looked up once. */
  private groupTable(group: number): GroupTable {
    const cached = this.groups.get(group);
    if (cached instanceof Corruption) throw cached;
    if (cached) return cached;
    try {
      const sb = this.sb;
      const perBlock = sb.blockSize / sb.descriptorSize;
      const block = this.block(this.descriptorBlock(Math.floor(group / perBlock)), `the descriptor of group ${group}`);
      const at = (group % perBlock) * sb.descriptorSize;
      const descriptor = block.subarray(at, at + sb.descriptorSize);
      const wide = sb.descriptorSize >= 64;
      const inodeTable = join64(u32(descriptor, 0x8), wide ? u32(descriptor, 0x28) : 0);
      const tableBlocks = Math.ceil((sb.inodesPerGroup * sb.inodeSize) / sb.blockSize);
      if (!(inodeTable > sb.firstDataBlock && inodeTable + tableBlocks <= sb.blockCount)) {
        throw new Corruption(`the inode table of group ${group} at block ${inodeTable} lies outside the filesystem`);
      }
      let initialisedInodes = sb.inodesPerGroup;
      // Without group checksums these fields are not trusted by the kernel either.
      if (this.groupChecksums) {
        const unused = u16(descriptor, 0x1c) + (wide ? u16(descriptor, 0x32) * 0x10000 : 0);
        initialisedInodes = u16(descriptor, 0x12) & GROUP_INODE_UNINIT ? 0 : Math.max(0, sb.inodesPerGroup - unused);
      }
      const table = { inodeTable, initialisedInodes };
      this.groups.set(group, table);
      return table;
    } catch (error) {
      if (error instanceof Corruption) this.groups.set(group, error);
      throw error;
    }
  }

  readInode(number: number): Inode {
    const sb = this.sb;
    if (!(number >= 1 && number <= sb.inodeCount)) throw new Corruption(`inode ${number} is outside the ${sb.inodeCount} inodes`);
    const group = Math.floor((number - 1) / sb.inodesPerGroup);
    const index = (number - 1) % sb.inodesPerGroup;
    if (group >= this.groupCount) throw new Corruption(`inode ${number} is in group ${group}, beyond the ${this.groupCount} groups`);
    const table = this.groupTable(group);
    if (index >= table.initialisedInodes) throw new Corruption(`inode ${number} lies in the never-initialised part of group ${group}'s inode table`);
    const byte = index * sb.inodeSize;
    const block = this.block(table.inodeTable + Math.floor(byte / sb.blockSize), `inode ${number}`);
    const record = block.subarray(byte % sb.blockSize, (byte % sb.blockSize) + sb.inodeSize);
    const mode = u16(record, 0);
    const type = mode & S_IFMT;
    // Only regular files (and directories under largedir) use the high half of the size; in
    // the original ext2 it held the directory ACL and means nothing as a size.
    const wideSize = type === S_IFREG || (type === S_IFDIR && (sb.featureIncompat & INCOMPAT_LARGEDIR) !== 0);
    return {
      number,
      mode,
      uid: u16(record, 0x2) + u16(record, 0x78) * 0x10000,
      gid: u16(record, 0x18) + u16(record, 0x7a) * 0x10000,
      size: wideSize ? u32(record, 0x6c) * 0x1_0000_0000 + u32(record, 0x4) : u32(record, 0x4),
      links: u16(record, 0x1a),
      sectors: u32(record, 0x1c) + u16(record, 0x74) * 0x1_0000_0000,
      flags: u32(record, 0x20),
      fileAcl: u32(record, 0x68) + u16(record, 0x76) * 0x1_0000_0000,
      record,
    };
  }

  /** Fails with a LimitExceeded when the time is up; for loops that hold no entries to charge. */
  checkTime(): void {
    if (Date.now() > this.limits.deadline) throw new LimitExceeded('the time allowed for unpacking ran out');
  }

  /**
   * Where the first `count` logical blocks of an inode are stored. Holes are simply absent. Pointers
   * that cannot be followed are counted in `bad`; the blocks they should hold stay absent.
   */
  mapBlocks(inode: Inode, count: number, bad: BadPointers): Run[] {
    const runs: Run[] = [];
    const iBlock = inode.record.subarray(I_BLOCK_OFFSET, I_BLOCK_OFFSET + I_BLOCK_SIZE);
    if (count <= 0) return runs;
    if (inode.flags & FLAG_EXTENTS) this.walkExtents(iBlock, undefined, count, runs, bad, new Set());
    else this.walkBlockMap(iBlock, count, runs, bad);
    return runs;
  }

  /** Whether a run of physical blocks can be read; records why not in `bad` otherwise. */
  private usable(physical: number, length: number, bad: BadPointers): boolean {
    if (!(physical > this.sb.firstDataBlock && physical + length <= this.sb.blockCount)) {
      if (bad.outside++ === 0) bad.firstOutside = physical;
      return false;
    }
    if (physical + length > this.presentBlocks) {
      if (bad.truncated++ === 0) bad.firstTruncated = physical;
      return false;
    }
    return true;
  }

  private addRun(runs: Run[], logical: number, physical: number, length: number, uninitialised: boolean): void {
    const last = runs.at(-1);
    if (last && last.uninitialised === uninitialised && last.logical + last.length === logical && last.physical + last.length === physical) last.length += length;
    else runs.push({ logical, physical, length, uninitialised });
  }

  /**
   * The classic map: twelve direct pointers, then one single, one double and one triple indirect
   * block. A zero pointer is a hole at any level; a hole in an indirect pointer skips everything
   * beneath it without reading.
   */
  private walkBlockMap(iBlock: Uint8Array, count: number, runs: Run[], bad: BadPointers): void {
    const perBlock = this.sb.blockSize / 4;
    const take = (logical: number, pointer: number): void => {
      if (pointer === 0) return;
      if (!this.usable(pointer, 1, bad)) return;
      this.addRun(runs, logical, pointer, 1, false);
    };
    for (let i = 0; i < 12 && i < count; i++) take(i, u32(iBlock, i * 4));
    const indirect = (pointer: number, level: number, first: number): void => {
      if (pointer === 0 || first >= count) return;
      if (!this.usable(pointer, 1, bad)) return;
      this.checkTime();
      const block = this.block(pointer, 'an indirect block');
      const span = perBlock ** (level - 1);
      for (let i = 0; i < perBlock; i++) {
        const logical = first + i * span;
        if (logical >= count) break;
        const child = u32(block, i * 4);
        if (level === 1) take(logical, child);
        else indirect(child, level - 1, logical);
      }
    };
    let first = 12;
    for (let level = 1; level <= 3; level++) {
      indirect(u32(iBlock, (11 + level) * 4), level, first);
      first += perBlock ** level;
    }
  }

  /**
   * An extent tree: a 12-byte header, then either index entries (depth > 0) pointing at the next
   * level down or leaf extents (depth 0) mapping a run of logical blocks. Each level must be one
   * shallower than its parent and each node is visited once, so a forged tree cannot loop or fan
   * out beyond the blocks it occupies.
   */
  private walkExtents(node: Uint8Array, expectedDepth: number | undefined, count: number, runs: Run[], bad: BadPointers, visited: Set<number>): void {
    const fault = (message: string): void => {
      if (bad.faults.length < 5) bad.faults.push(message);
    };
    if (u16(node, 0) !== EXTENT_MAGIC) return fault('an extent tree node has no extent magic number');
    const entries = u16(node, 2);
    const maximum = u16(node, 4);
    const depth = u16(node, 6);
    if (entries > maximum || 12 + maximum * 12 > node.length) return fault(`an extent tree node claims ${entries} of ${maximum} entries, more than it can hold`);
    if (depth > EXTENT_DEPTH_MAXIMUM || (expectedDepth !== undefined && depth !== expectedDepth)) return fault(`an extent tree node has depth ${depth} where ${expectedDepth ?? `at most ${EXTENT_DEPTH_MAXIMUM}`} was expected`);
    for (let i = 0; i < entries; i++) {
      const at = 12 + i * 12;
      const logical = u32(node, at);
      if (logical >= count) continue;
      if (depth === 0) {
        const stored = u16(node, at + 4);
        const uninitialised = stored > EXTENT_INITIALISED_MAXIMUM;
        const length = Math.min(uninitialised ? stored - EXTENT_INITIALISED_MAXIMUM : stored, count - logical);
        const physical = u16(node, at + 6) * 0x1_0000_0000 + u32(node, at + 8);
        if (length === 0) continue;
        // Preallocated space reads as zeros whatever it holds; its address need not be checked.
        if (uninitialised) this.addRun(runs, logical, physical, length, true);
        else if (this.usable(physical, length, bad)) this.addRun(runs, logical, physical, length, false);
        else this.addPresentPart(runs, logical, physical, length);
        continue;
      }
      const child = u32(node, at + 4) + u16(node, at + 8) * 0x1_0000_0000;
      if (!this.usable(child, 1, bad)) continue;
      if (visited.has(child)) {
        fault(`extent tree block ${child} is referred to twice`);
        continue;
      }
      visited.add(child);
      this.checkTime();
      this.walkExtents(this.block(child, 'an extent tree block'), depth - 1, count, runs, bad, visited);
    }
  }

  /** Of an extent that runs past a truncated image, the blocks still present are worth reading. */
  private addPresentPart(runs: Run[], logical: number, physical: number, length: number): void {
    if (physical > this.sb.firstDataBlock && physical + length <= this.sb.blockCount && physical < this.presentBlocks) {
      this.addRun(runs, logical, physical, this.presentBlocks - physical, false);
    }
  }

  /**
   * The value of the in-inode extended attribute system.data, where inline data continues past
   * the 60 bytes of i_block. Empty when there is none.
   */
  inlineDataTail(inode: Inode): Uint8Array {
    const record = inode.record;
    if (record.length <= 128) return new Uint8Array(0);
    const extra = u16(record, 0x80);
    const start = 128 + extra;
    if (extra % 4 !== 0 || start + 4 > record.length || u32(record, start) !== 0xea020000) return new Uint8Array(0);
    const first = start + 4;
    // Entries: name length, name index, value offset (from the first entry), value inode, value
    // size, hash, name padded to 4 bytes; a zero word ends the list.
    for (let at = first; at + 16 <= record.length && u32(record, at) !== 0; ) {
      const nameLength = record[at]!;
      const nameIndex = record[at + 1]!;
      const valueOffset = u16(record, at + 2);
      const valueSize = u32(record, at + 8);
      const name = names.decode(record.subarray(at + 16, Math.min(record.length, at + 16 + nameLength)));
      if (nameIndex === 7 && name === 'data') {
        if (first + valueOffset + valueSize > record.length) throw new Corruption('the inline data attribute runs past its inode');
        return record.subarray(first + valueOffset, first + valueOffset + valueSize);
      }
      at += (16 + nameLength + 3) & ~3;
    }
    return new Uint8Array(0);
  }

  /**
   * The first `size` bytes of an inode's contents: holes and uninitialised extents are zeros, and
   * so is whatever a broken pointer should have held (one Problem for the whole file says so).
   */
  contents(inode: Inode, size: number, path: string): Uint8Array {
    const out = new Uint8Array(size);
    if (inode.flags & FLAG_INLINE_DATA) {
      const head = inode.record.subarray(I_BLOCK_OFFSET, I_BLOCK_OFFSET + Math.min(size, I_BLOCK_SIZE));
      out.set(head);
      if (size > I_BLOCK_SIZE) {
        const tail = this.inlineDataTail(inode);
        out.set(tail.subarray(0, size - I_BLOCK_SIZE), I_BLOCK_SIZE);
        if (tail.length < size - I_BLOCK_SIZE) this.problems.push({ path, message: `the inline data holds ${I_BLOCK_SIZE + tail.length} of the ${size} bytes claimed` });
      }
      return out;
    }
    const blockSize = this.sb.blockSize;
    const bad = noBadPointers();
    for (const run of this.mapBlocks(inode, Math.ceil(size / blockSize), bad)) {
      if (run.uninitialised) continue;
      const start = this.base + run.physical * blockSize;
      const length = Math.min(run.length * blockSize, size - run.logical * blockSize);
      out.set(this.bytes.subarray(start, start + length), run.logical * blockSize);
    }
    reportBadPointers(bad, path, 'the file', this.problems);
    return out;
  }

  /**
   * Calls `visit` with each live entry of a directory, in the order stored. A damaged block is
   * reported and the walk goes on with the next one, as the kernel does.
   */
  readDirectory(inode: Inode, path: string, visit: (name: Uint8Array, inode: number) => void): void {
    const where = path || '/';
    if (inode.flags & FLAG_INLINE_DATA) {
      // i_block starts with the parent's inode number; entries follow, and go on in system.data.
      this.walkEntries(inode.record.subarray(I_BLOCK_OFFSET + 4, I_BLOCK_OFFSET + I_BLOCK_SIZE), where, 'the inline directory', visit);
      this.walkEntries(this.inlineDataTail(inode), where, 'the inline directory attribute', visit);
      return;
    }
    const blockSize = this.sb.blockSize;
    let size = inode.size;
    if (size > this.limits.maxFileBytes) {
      this.problems.push({ path: where, message: `the directory claims ${size} bytes, over the limit of ${this.limits.maxFileBytes}; only that much is read` });
      size = this.limits.maxFileBytes;
    }
    const count = Math.ceil(size / blockSize);
    const bad = noBadPointers();
    let mapped = 0;
    for (const run of this.mapBlocks(inode, count, bad)) {
      mapped += run.length;
      if (run.uninitialised) continue;
      for (let i = 0; i < run.length; i++) {
        this.checkTime();
        const block = this.block(run.physical + i, 'a directory block');
        this.walkEntries(block, where, `directory block ${run.logical + i}`, visit);
      }
    }
    reportBadPointers(bad, where, 'the directory', this.problems);
    if (mapped < count && bad.outside + bad.truncated === 0) this.problems.push({ path: where, message: `the directory has ${count - mapped} holes among its ${count} blocks` });
  }

  /** The entries of one directory block (or inline area): inode, record length, name length, type, name. */
  private walkEntries(area: Uint8Array, where: string, what: string, visit: (name: Uint8Array, inode: number) => void): void {
    // Before the filetype feature the name length was 16 bits; with it the high byte is the type.
    const wideNames = !(this.sb.featureIncompat & INCOMPAT_FILETYPE);
    let at = 0;
    while (at + 8 <= area.length) {
      const number = u32(area, at);
      const recordLength = this.recordLength(u16(area, at + 4), area.length);
      const nameLength = wideNames ? u16(area, at + 6) : area[at + 6]!;
      if (recordLength < 12 || recordLength % 4 !== 0 || at + recordLength > area.length || 8 + nameLength > recordLength) {
        this.problems.push({ path: where, message: `${what} has a damaged entry at byte ${at} (record length ${recordLength}, name length ${nameLength}); the rest of it is skipped` });
        return;
      }
      // Inode 0 marks free space: deleted entries, htree index nodes, the checksum tail.
      if (number !== 0 && nameLength > 0) visit(area.subarray(at + 8, at + 8 + nameLength), number);
      at += recordLength;
    }
  }

  /** Record lengths of 64 KiB blocks do not fit 16 bits; the kernel folds the high bits into the low two. */
  private recordLength(stored: number, areaLength: number): number {
    if (this.sb.blockSize < 65536) return stored;
    if (stored === 0xffff || stored === 0) return areaLength === this.sb.blockSize ? 65536 : stored;
    return (stored & 0xfffc) | ((stored & 3) << 16);
  }
}

function noBadPointers(): BadPointers {
  return { outside: 0, firstOutside: 0, truncated: 0, firstTruncated: 0, faults: [] };
}

function reportBadPointers(bad: BadPointers, path: string, what: string, problems: Problem[]): void {
  if (bad.outside > 0) problems.push({ path, message: `${bad.outside} block pointers of ${what} point outside the filesystem (the first to block ${bad.firstOutside}); read as zeros` });
  if (bad.truncated > 0) problems.push({ path, message: `${bad.truncated} block pointers of ${what} point past the end of the truncated image (the first to block ${bad.firstTruncated}); read as zeros` });
  for (const fault of bad.faults) problems.push({ path, message: `${fault}; what it maps is read as zeros` });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The path of a directory entry, or null (with a Problem) when its name is not a plain name. */
// Kept local: unlike types.ts childPath it reports a bad name at the root under '/', not ''.
function childPath(parent: string, name: string, problems: Problem[]): string | null {
  const shown = parent ? `${parent}/${name}` : name;
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    problems.push({ path: safePath(shown)?.path ?? (parent || '/'), message: `a directory entry named ${JSON.stringify(name)} is not a plain file name; skipped` });
    return null;
  }
  if (shown.length > PATH_MAXIMUM) {
    problems.push({ path: parent, message: `a path longer than ${PATH_MAXIMUM} characters; skipped` });
    return null;
  }
  return safePath(shown)?.path ?? null;
}

/** The target of a symlink: in i_block when short ("fast"), in inline data, or in its first block. */
function symlinkTarget(reader: ExtReader, inode: Inode, path: string): string {
  if (inode.size > PATH_MAXIMUM) throw new Corruption(`the symlink target claims ${inode.size} bytes, more than a path can hold`);
  // The kernel's test: a fast symlink has no blocks of its own beyond an extended attribute block.
  const attributeSectors = inode.fileAcl ? reader.sb.clusterSize / 512 : 0;
  const fast = !(inode.flags & FLAG_INLINE_DATA) && inode.sectors - attributeSectors === 0;
  if (fast) {
    if (inode.size > I_BLOCK_SIZE) throw new Corruption(`the short symlink claims ${inode.size} bytes, more than the ${I_BLOCK_SIZE} it has room for`);
    return names.decode(inode.record.subarray(I_BLOCK_OFFSET, I_BLOCK_OFFSET + inode.size));
  }
  return names.decode(reader.contents(inode, inode.size, path));
}

function unpackExt(bytes: Uint8Array, offset: number, limits: Limits): { entries: Entry[]; problems: Problem[]; length?: number } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  const sb = readExtSuperblock(bytes, offset);
  if (!sb) {
    problems.push({ offset, message: 'no ext2/3/4 superblock here (too short or no magic number)' });
    return { entries, problems };
  }
  const faults = geometryFaults(sb);
  if (faults.length > 0) {
    problems.push({ offset, message: `the superblock is not that of a usable filesystem: ${faults.join('; ')}` });
    return { entries, problems };
  }
  const declared = sb.blockCount * sb.blockSize;
  const length = Math.min(declared, bytes.length - offset);
  if (sb.featureIncompat & INCOMPAT_JOURNAL_DEV) {
    problems.push({ offset, message: 'this is an external journal device, which holds no files' });
    return { entries, problems, length };
  }
  if (sb.featureIncompat & INCOMPAT_COMPRESSION) {
    problems.push({ offset, message: 'the filesystem uses e2compr compression, which is not supported' });
    return { entries, problems, length };
  }
  const unknown = sb.featureIncompat & ~INCOMPAT_READABLE;
  if (unknown) {
    problems.push({ offset, message: `the filesystem uses incompatible features this reader does not know (0x${unknown.toString(16)}); its files could be misread, so none are` });
    return { entries, problems, length };
  }
  if (declared > bytes.length - offset) {
    problems.push({ offset, message: `the image is truncated: the filesystem claims ${declared} bytes but only ${bytes.length - offset} are present` });
  }
  if (sb.featureIncompat & INCOMPAT_RECOVER) {
    problems.push({ offset, message: 'the journal holds changes never applied (the filesystem was not unmounted cleanly); they are not replayed, so the latest writes may be missing' });
  }

  const reader = new ExtReader(bytes, offset, sb, limits, problems);
  const listing = new InodeListing(entries, problems, ROOT_INODE, 'the entry');
  const pending: { inode: Inode; path: string }[] = [];
  try {
    const root = reader.readInode(ROOT_INODE);
    if ((root.mode & S_IFMT) !== S_IFDIR) throw new Corruption(`the root inode has mode 0${root.mode.toString(8)}, not a directory's`);
    pending.push({ inode: root, path: '' });
  } catch (error) {
    if (!(error instanceof Corruption)) throw error;
    problems.push({ offset, message: `the root directory is unreadable: ${error.message}` });
    return { entries, problems, length };
  }

  try {
    // Depth first with an explicit stack: a hostile image may nest far deeper than the call stack.
    while (pending.length > 0) {
      const { inode: directory, path: directoryPath } = pending.pop()!;
      const subdirectories: { inode: Inode; path: string }[] = [];
      const seenNames = new Set<string>();
      let repeatedNames = 0;
      const visit = (rawName: Uint8Array, number: number): void => {
        const name = names.decode(rawName);
        if (name === '.' || name === '..') return;
        // Charged before anything else, so even a listing of unusable names runs out of budget.
        spend(limits, 0, 1);
        const path = childPath(directoryPath, name, problems);
        if (path === null) return;
        if (seenNames.has(name)) {
          repeatedNames++;
          return;
        }
        seenNames.add(name);
        let inode: Inode;
        try {
          inode = reader.readInode(number);
        } catch (error) {
          if (!(error instanceof Corruption)) throw error;
          problems.push({ path, message: `the inode is unreadable: ${error.message}` });
          return;
        }
        if (inode.mode === 0 || inode.links === 0) {
          problems.push({ path, message: `the entry refers to inode ${number}, which is free or deleted; skipped` });
          return;
        }
        emit(inode, path, subdirectories);
      };
      try {
        reader.readDirectory(directory, directoryPath, visit);
      } catch (error) {
        if (!(error instanceof Corruption)) throw error;
        problems.push({ path: directoryPath || '/', message: `the directory is unreadable: ${error.message}` });
      }
      if (repeatedNames > 0) problems.push({ path: directoryPath || '/', message: `${repeatedNames} entries repeat a name already listed in the directory; only the first is read` });
      // Reversed so the stack hands them back in directory order.
      for (let i = subdirectories.length - 1; i >= 0; i--) pending.push(subdirectories[i]!);
    }
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    problems.push({ offset, message: `unpacking stopped: ${describe(error)}` });
  }
  return { entries, problems, length };

  function emit(inode: Inode, path: string, subdirectories: { inode: Inode; path: string }[]): void {
    const mode = inode.mode;
    const owner = { uid: inode.uid, gid: inode.gid };
    const type = entryTypeOfMode(mode);
    if (type === 'directory') {
      if (!listing.enterDirectory(inode.number, path, mode, owner)) return;
      if (inode.flags & FLAG_ENCRYPT) problems.push({ path, message: 'the directory is encrypted; its entries are not listed' });
      else subdirectories.push({ inode, path });
      return;
    }
    if (listing.listedAsHardlink(inode.number, path, mode, owner)) return;
    switch (type) {
      case 'file': {
        if (inode.flags & FLAG_ENCRYPT) {
          problems.push({ path, message: 'the file is encrypted; its contents are not read' });
          entries.push({ path, type: 'file', mode, ...owner });
          return;
        }
        if (chargeFile(inode.size, path, limits, problems) === null) {
          entries.push({ path, type: 'file', mode, ...owner });
          return;
        }
        let data: Uint8Array;
        try {
          data = reader.contents(inode, inode.size, path);
        } catch (error) {
          if (!(error instanceof Corruption)) throw error;
          problems.push({ path, message: `the file's contents are unreadable: ${error.message}` });
          entries.push({ path, type: 'file', mode, ...owner });
          return;
        }
        entries.push({ path, type: 'file', mode, data, ...owner });
        return;
      }
      case 'symlink': {
        if (inode.flags & FLAG_ENCRYPT) {
          problems.push({ path, message: 'the symlink is encrypted; its target is not read' });
          entries.push({ path, type: 'symlink', mode, ...owner });
          return;
        }
        let target: string;
        try {
          target = symlinkTarget(reader, inode, path);
        } catch (error) {
          if (!(error instanceof Corruption)) throw error;
          problems.push({ path, message: `the symlink's target is unreadable: ${error.message}` });
          entries.push({ path, type: 'symlink', mode, ...owner });
          return;
        }
        reportEscapingLink(path, target, problems, 'image');
        entries.push({ path, type: 'symlink', mode, target, ...owner });
        return;
      }
      case null:
        problems.push({ path, message: `inode ${inode.number} has mode 0${mode.toString(8)}, of no known file type; skipped` });
        return;
      default:
        entries.push({ path, type, mode, ...owner });
    }
  }
}

export const ext: Unpacker = {
  name: 'ext',
  detect(bytes, offset) {
    const sb = readExtSuperblock(bytes, offset);
    return sb !== null && geometryFaults(sb).length === 0;
  },
  unpack: unpackExt,
};
