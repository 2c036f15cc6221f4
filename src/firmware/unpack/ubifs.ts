// UBIFS, the filesystem of raw NAND flash on top of a UBI volume: the volume is a row of logical
// erase blocks (LEBs) holding self-describing nodes. LEB 0 holds the superblock, LEBs 1 and 2 two
// copies of the master node, then come the log, the LEB properties tree, the orphan area and the
// main area, where inode, directory-entry and data nodes live together with the index: a B+-tree
// of index nodes, keyed by (inode number, type, name hash or block number), whose root the master
// node names.
//
// The reader does what the kernel does when it mounts: it takes the newest master node, walks the
// committed index from its root, then replays the journal (the reference nodes in the log name the
// "bud" LEBs written since the last commit) in sequence-number order, so a name deleted or a file
// rewritten or truncated after the commit reads as it does on the device. When no master node or
// index root can be read, every LEB of the main area is scanned instead (past damaged nodes, up to
// the end of the image or a superblock of another filesystem) and the nodes are applied in
// sequence-number order, as the journal's are (a Problem says so): on a damaged image that still
// finds the files, though a name deleted long ago may come back if an old node of it was never
// erased.
//
// References: the kernel's fs/ubifs/ubifs-media.h (the on-flash format), key.h, replay.c, tnc.c;
// mtd-utils' mkfs.ubifs as the writer the tests compare against.
// Limitations: encrypted files, directories and symlinks (fscrypt) are listed with a Problem and
// not read; authenticated filesystems are read without checking their HMACs and hashes (a Problem
// says so); extended attributes, device numbers and timestamps are not reported (Entry has no
// place for them); the orphan area is not read (orphans have no name, so they are not listed
// anyway); only the simple key format exists and is read.
//
// Hard links: the first name met for an inode (depth first, names in sorted order) carries the
// data; every further name is a 'hardlink' entry whose target is that first path, as the other
// unpackers report them. A directory met a second time is reported as a cycle and not followed.

import { decompress, DecompressionError, type CompressionKind } from './compression.ts';
import { chargeFile, childPath, entryTypeOfMode, InodeListing, LimitExceeded, modeWithEntryType, reportEscapingLink, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, S_IFSOCK, spend, Tally, type Entry, type Limits, type Problem, type Unpacker } from './types.ts';
import { ubiCrc } from './ubi.ts';

const NODE_MAGIC = 0x06101831;
const COMMON_HEADER_SIZE = 24;
const EMPTY_SPACE = 0xffffffff;
/** Bytes UBIFS pads with when the gap is too small for a padding node. */
const PADDING_BYTE = 0xce;

const INO_NODE = 0;
const DATA_NODE = 1;
const DENT_NODE = 2;
const XENT_NODE = 3;
const TRUN_NODE = 4;
const PAD_NODE = 5;
const SB_NODE = 6;
const MST_NODE = 7;
const REF_NODE = 8;
const IDX_NODE = 9;
const CS_NODE = 10;
const ORPH_NODE = 11;
const AUTH_NODE = 12;
const SIG_NODE = 13;
const NODE_NAMES = ['inode', 'data', 'directory entry', 'extended attribute entry', 'truncation', 'padding', 'superblock', 'master', 'reference', 'index', 'commit start', 'orphan', 'authentication', 'signature'];

const INO_NODE_SIZE = 160;
const DATA_NODE_SIZE = 48;
const DENT_NODE_SIZE = 56;
const SB_NODE_SIZE = 4096;
const MST_NODE_SIZE = 512;
const IDX_NODE_SIZE = 28;
const BRANCH_SIZE = 12;
/** The simple key format: 32 bits of inode number, 3 bits of key type and 29 of hash or block. */
const KEY_SIZE = 8;
const KEY_TYPE_SHIFT = 29;
const KEY_LOW_MASK = 0x1fffffff;
const INO_KEY = 0;
const DATA_KEY = 1;
const DENT_KEY = 2;
const XENT_KEY = 3;
const BLOCK_SIZE = 4096;
const NAME_MAXIMUM = 255;
const MAX_INO_DATA = BLOCK_SIZE;

/** Shortest and longest each node type can be (ubifs-media.h's *_NODE_SZ and UBIFS_MAX_*_NODE_SZ). */
const NODE_LENGTHS: Readonly<Record<number, readonly [number, number]>> = {
  [INO_NODE]: [INO_NODE_SIZE, INO_NODE_SIZE + MAX_INO_DATA],
  [DATA_NODE]: [DATA_NODE_SIZE, DATA_NODE_SIZE + BLOCK_SIZE],
  [DENT_NODE]: [DENT_NODE_SIZE, DENT_NODE_SIZE + NAME_MAXIMUM + 1],
  [XENT_NODE]: [DENT_NODE_SIZE, DENT_NODE_SIZE + NAME_MAXIMUM + 1],
  [TRUN_NODE]: [56, 56],
  [PAD_NODE]: [28, 28],
  [SB_NODE]: [SB_NODE_SIZE, SB_NODE_SIZE],
  [MST_NODE]: [MST_NODE_SIZE, MST_NODE_SIZE],
  [REF_NODE]: [64, 64],
  [IDX_NODE]: [IDX_NODE_SIZE, Number.MAX_SAFE_INTEGER],
  [CS_NODE]: [32, 32],
  [ORPH_NODE]: [32, Number.MAX_SAFE_INTEGER],
  [AUTH_NODE]: [COMMON_HEADER_SIZE, Number.MAX_SAFE_INTEGER],
  [SIG_NODE]: [COMMON_HEADER_SIZE, Number.MAX_SAFE_INTEGER],
};

const ROOT_INO = 1;
const MASTER_LNUMS = [1, 2];
const LOG_LNUM = 3;
/** UBIFS_MAX_LEVELS: the index is never deeper, so a deeper node is corrupt. */
const INDEX_LEVELS_MAXIMUM = 512;
const LEB_SIZE_MINIMUM = 15 * 512;
const LEB_SIZE_MAXIMUM = 2 * 1024 * 1024;
const FANOUT_MINIMUM = 3;
const FORMAT_VERSION_MAXIMUM = 5;

const FLAG_AUTHENTICATION = 0x20;
const INODE_FLAG_CRYPT = 0x40;

const COMPR_NONE = 0;
const COMPR_LZO = 1;
const COMPR_ZLIB = 2;
const COMPR_ZSTD = 3;
/** UBIFS's "zlib" is the kernel crypto API's deflate: raw deflate, without zlib's header. */
const COMPRESSION_KINDS: Readonly<Record<number, CompressionKind>> = { [COMPR_LZO]: 'lzo', [COMPR_ZLIB]: 'deflate', [COMPR_ZSTD]: 'zstd' };

/** Digest lengths of the kernel's enum hash_algo (include/uapi/linux/hash_info.h), by index. */
const HASH_LENGTHS = [16, 16, 20, 20, 32, 48, 64, 28, 16, 32, 40, 32, 48, 64, 16, 20, 24, 32, 32, 64];

const PATH_MAXIMUM = 4096;
const CLOCK_EVERY = 4096;

/** UBIFS_ITYPE_* as a directory entry stores them, as mode type bits. */
const DENT_TYPE_TO_MODE: readonly number[] = [S_IFREG, S_IFDIR, S_IFLNK, S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK];

const names = new TextDecoder('utf-8');

/** UBIFS's CRC is UBI's: crc32_le seeded with 0xFFFFFFFF and without the final inversion. */
export const ubifsCrc = ubiCrc;

/** Raised when a node cannot be used; always caught and made a Problem. */
class Corruption extends Error {}

/** How node-level trouble is reported: once for each kind rather than once per node. */
function describeNodeTrouble(message: string, count: number, offset: number): string {
  return `${message} (${count === 1 ? 'once, at' : `${count} times, the first at`} byte ${offset})`;
}

interface Filesystem {
  bytes: Uint8Array;
  view: DataView;
  /** Where LEB 0 starts in bytes. */
  base: number;
  lebSize: number;
  lebCount: number;
  maxLebCount: number;
  logLebs: number;
  mainFirst: number;
  fanout: number;
  /** Bytes per index branch: location, key and (when authenticated) the child's hash. */
  branchSize: number | null;
  limits: Limits;
}

interface Node {
  /** Where the node starts in bytes. */
  at: number;
  type: number;
  len: number;
  sqnum: bigint;
  lnum: number;
  offs: number;
}

interface Location {
  lnum: number;
  offs: number;
  len: number;
}

interface Dentry {
  /** The name's bytes as latin1: distinct names stay distinct even when not valid UTF-8. */
  key: string;
  name: string;
  inum: number;
  type: number;
  at: number;
}

/** A data node, and when (in replay order) it was written: truncations after that remove it. */
interface Block extends Location {
  step: number;
}

/** A truncation: every block from firstGone on written before `step` is gone. */
interface Truncation {
  step: number;
  firstGone: number;
}

/** What the index and the journal say exists: the newest node of every key. */
interface Tree {
  inodes: Map<number, Location>;
  data: Map<number, Map<number, Block>>;
  dents: Map<number, Map<string, Dentry>>;
  /**
   * Truncations in replay order, applied when a file is read: deleting blocks as each is met
   * would cost the file's whole block list per truncation, which a hostile journal repeats.
   */
  truncations: Map<number, Truncation[]>;
  /** How many nodes have been applied (0: the committed index). */
  step: number;
}

function emptyTree(): Tree {
  return { inodes: new Map(), data: new Map(), dents: new Map(), truncations: new Map(), step: 0 };
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function typeName(type: number): string {
  return NODE_NAMES[type] ?? `type-${type}`;
}

/** A message without the node's place, for counting alike failures together (the offset says where). */
function withoutLocation(message: string): string {
  return message.replace(/ at LEB \d+:\d+/, '');
}

/** 'a data node', 'an index node'. */
function aNode(type: number): string {
  const name = typeName(type);
  return `${/^[aeiou]/.test(name) ? 'an' : 'a'} ${name} node`;
}

/** The node at `at` with `room` bytes before its LEB (or the image) ends, or why it is not one. */
function checkNode(bytes: Uint8Array, view: DataView, at: number, room: number): Omit<Node, 'lnum' | 'offs'> | string {
  if (room < COMMON_HEADER_SIZE) return 'a node header runs past the end of its LEB';
  if (view.getUint32(at, true) !== NODE_MAGIC) return 'no node magic number';
  const len = view.getUint32(at + 16, true);
  const type = bytes[at + 20]!;
  if (len < COMMON_HEADER_SIZE || len > room) return `a node claims ${len} bytes, more than its LEB holds`;
  const bounds = NODE_LENGTHS[type];
  if (bounds && (len < bounds[0] || len > bounds[1])) return `${aNode(type)} of ${len} bytes cannot be`;
  if (ubifsCrc(bytes.subarray(at + 8, at + len)) !== view.getUint32(at + 4, true)) return `${aNode(type)} fails its CRC`;
  return { at, type, len, sqnum: view.getBigUint64(at + 8, true) };
}

/** The node an index branch or the journal points to, checked to be of the type and length expected. */
function readNode(fs: Filesystem, location: Location, type: number): Node {
  const { lnum, offs, len } = location;
  const where = `LEB ${lnum}:${offs}`;
  if (lnum >= fs.maxLebCount || offs % 8 !== 0 || offs + len > fs.lebSize) throw new Corruption(`a reference to ${where} lies outside the filesystem`);
  const at = fs.base + lnum * fs.lebSize + offs;
  if (at + len > fs.bytes.length) throw new Corruption(`a reference to ${where} lies past the end of the image`);
  const node = checkNode(fs.bytes, fs.view, at, Math.min(fs.lebSize - offs, fs.bytes.length - at));
  if (typeof node === 'string') throw new Corruption(`${node} at ${where}`);
  if (node.type !== type) throw new Corruption(`${aNode(type)} was expected at ${where}, ${aNode(node.type)} is there`);
  if (node.len !== len) throw new Corruption(`the node at ${where} is ${node.len} bytes, not the ${len} its reference says`);
  return { ...node, lnum, offs };
}

interface LebScan {
  nodes: Node[];
  /** The first place the scan met something that is neither a node, padding nor erased flash. */
  damage?: { offs: number; reason: string };
}

const MAGIC_BYTES = Buffer.from([0x31, 0x18, 0x10, 0x06]);

/**
 * The nodes of one LEB from `from` on, as the kernel's ubifs_scan reads them: 8-byte aligned,
 * padding nodes and padding bytes skipped, ending at erased flash or at the first thing that is
 * no valid node. With `resync` (the recovery scan) it goes on past damage to the next node magic
 * instead, so one bad node does not hide the rest of its LEB.
 */
function scanLeb(fs: Filesystem, lnum: number, from: number, resync = false): LebScan {
  const { bytes, view } = fs;
  const lebAt = fs.base + lnum * fs.lebSize;
  const lebEnd = Math.min(lebAt + fs.lebSize, bytes.length);
  const nodes: Node[] = [];
  let damage: LebScan['damage'];
  let at = lebAt + from;
  /** Moves to the next node magic at an aligned place in the LEB, or to its end. */
  const jump = (): void => {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, lebEnd);
    let next = buffer.indexOf(MAGIC_BYTES, at + 8);
    while (next !== -1 && (next - lebAt) % 8 !== 0) next = buffer.indexOf(MAGIC_BYTES, next + 1);
    at = next === -1 ? lebEnd : next;
  };
  /** Records damage; whether the scan goes on past it. */
  const skip = (reason: string): boolean => {
    damage ??= { offs: at - lebAt, reason };
    if (resync) jump();
    return resync;
  };
  while (at + 4 <= lebEnd) {
    const magic = view.getUint32(at, true);
    if (magic === EMPTY_SPACE) {
      if (!resync) break;
      jump();
      continue;
    }
    if (magic !== NODE_MAGIC) {
      let padding = 0;
      while (at + padding < lebEnd && bytes[at + padding] === PADDING_BYTE) padding++;
      if (padding > 0 && padding % 8 === 0) {
        at += padding;
        continue;
      }
      if (skip('neither a node nor padding')) continue;
      break;
    }
    const node = checkNode(bytes, view, at, lebEnd - at);
    if (typeof node === 'string') {
      if (skip(node)) continue;
      break;
    }
    if (node.type === PAD_NODE) {
      const padLength = view.getUint32(at + 24, true);
      if ((node.len + padLength) % 8 !== 0 || at + node.len + padLength > lebAt + fs.lebSize) {
        if (skip('a padding node pads past its LEB')) continue;
        break;
      }
      at += node.len + padLength;
      continue;
    }
    nodes.push({ ...node, lnum, offs: at - lebAt });
    if (nodes.length % CLOCK_EVERY === 0) spend(fs.limits, 0);
    at += Math.ceil(node.len / 8) * 8;
  }
  return damage ? { nodes, damage } : { nodes };
}

interface Superblock {
  keyFormat: number;
  flags: number;
  lebSize: number;
  lebCount: number;
  maxLebCount: number;
  logLebs: number;
  lptLebs: number;
  orphanLebs: number;
  fanout: number;
  formatVersion: number;
  hashAlgorithm: number;
}

function readSuperblock(bytes: Uint8Array, view: DataView, at: number): Superblock | null {
  if (at + SB_NODE_SIZE > bytes.length) return null;
  const node = checkNode(bytes, view, at, SB_NODE_SIZE);
  if (typeof node === 'string' || node.type !== SB_NODE) return null;
  return {
    keyFormat: bytes[at + 27]!,
    flags: view.getUint32(at + 28, true),
    lebSize: view.getUint32(at + 36, true),
    lebCount: view.getUint32(at + 40, true),
    maxLebCount: view.getUint32(at + 44, true),
    logLebs: view.getUint32(at + 56, true),
    lptLebs: view.getUint32(at + 60, true),
    orphanLebs: view.getUint32(at + 64, true),
    fanout: view.getUint32(at + 72, true),
    formatVersion: view.getUint32(at + 80, true),
    hashAlgorithm: view.getUint16(at + 256, true),
  };
}

interface Master {
  sqnum: bigint;
  commitNumber: bigint;
  logLnum: number;
  root: Location;
  at: number;
}

/** The newest master node of the two master LEBs, reporting when they disagree or one is damaged. */
function readMaster(fs: Filesystem, problems: Problem[]): Master | null {
  const newest: (Master | null)[] = [];
  for (const lnum of MASTER_LNUMS) {
    const scan = scanLeb(fs, lnum, 0);
    let best: Master | null = null;
    for (const node of scan.nodes) {
      if (node.type !== MST_NODE || (best && best.sqnum >= node.sqnum)) continue;
      const at = node.at;
      best = {
        sqnum: node.sqnum,
        commitNumber: fs.view.getBigUint64(at + 32, true),
        logLnum: fs.view.getUint32(at + 44, true),
        root: { lnum: fs.view.getUint32(at + 48, true), offs: fs.view.getUint32(at + 52, true), len: fs.view.getUint32(at + 56, true) },
        at,
      };
    }
    if (scan.damage) problems.push({ offset: fs.base + lnum * fs.lebSize + scan.damage.offs, message: `the master area in LEB ${lnum} is damaged (${scan.damage.reason})` });
    newest.push(best);
  }
  const [first, second] = newest;
  if (!first || !second) {
    const missing = MASTER_LNUMS.filter((_, i) => !newest[i]);
    if (first || second) problems.push({ offset: fs.base, message: `LEB ${missing.join(' and ')} holds no readable master node; the other copy is used` });
    return first ?? second ?? null;
  }
  // Each copy is written with its own sequence number; only what follows the header must agree.
  const body = (master: Master): Uint8Array => fs.bytes.subarray(master.at + COMMON_HEADER_SIZE, master.at + MST_NODE_SIZE);
  if (!Buffer.from(body(first)).equals(body(second))) problems.push({ offset: fs.base, message: 'the two copies of the master node differ (an interrupted update); the newer is used' });
  return first.sqnum >= second.sqnum ? first : second;
}

function blocksOf(tree: Tree, ino: number): Map<number, Block> {
  let blocks = tree.data.get(ino);
  if (!blocks) tree.data.set(ino, (blocks = new Map()));
  return blocks;
}

function dentsOf(tree: Tree, parent: number): Map<string, Dentry> {
  let dents = tree.dents.get(parent);
  if (!dents) tree.dents.set(parent, (dents = new Map()));
  return dents;
}

/** A directory entry node's name and target, checked against the key it was found under. */
function parseDent(fs: Filesystem, node: Node, parent?: number): Dentry {
  const { bytes, view } = fs;
  const at = node.at;
  const keyParent = view.getUint32(at + 24, true);
  if (parent !== undefined && keyParent !== parent) throw new Corruption(`a directory entry of directory ${keyParent} is indexed under ${parent}`);
  const nameLength = view.getUint16(at + 50, true);
  if (nameLength > NAME_MAXIMUM || DENT_NODE_SIZE + nameLength > node.len) throw new Corruption('a directory entry whose name runs past its node');
  const raw = bytes.subarray(at + DENT_NODE_SIZE, at + DENT_NODE_SIZE + nameLength);
  const inum = view.getBigUint64(at + 40, true);
  // Inode numbers are 32 bits in every key; a larger one can name no inode.
  return { key: Buffer.from(raw).toString('latin1'), name: names.decode(raw), inum: inum > 0xffffffffn ? -1 : Number(inum), type: bytes[at + 49]!, at };
}

/**
 * Walks the committed index from its root: index nodes of strictly decreasing level down to the
 * leaves, each index node read once. Directory entries are read on the way (their names are not
 * in the index); inode and data nodes are only located, and read when their file is.
 */
function walkIndex(fs: Filesystem, root: Location, tree: Tree, tally: Tally): void {
  const { view } = fs;
  const branchSize = fs.branchSize!;
  const pending: { location: Location; level: number | null }[] = [{ location: root, level: null }];
  const visited = new Set<number>();
  let count = 0;
  while (pending.length > 0) {
    const { location, level } = pending.pop()!;
    const id = location.lnum * fs.lebSize + location.offs;
    if (visited.has(id)) {
      tally.add('an index node is referred to twice; read once', fs.base + id);
      continue;
    }
    visited.add(id);
    if (++count % CLOCK_EVERY === 0) spend(fs.limits, 0);
    let node: Node;
    try {
      node = readNode(fs, location, IDX_NODE);
    } catch (error) {
      if (!(error instanceof Corruption)) throw error;
      if (level === null) throw error;
      tally.add(`an index node is unreadable, and what it indexes is missing: ${withoutLocation(error.message)}`, fs.base + id);
      continue;
    }
    const at = node.at;
    const childCount = view.getUint16(at + 24, true);
    const nodeLevel = view.getUint16(at + 26, true);
    let wrong = '';
    if ((level !== null && nodeLevel !== level) || nodeLevel > INDEX_LEVELS_MAXIMUM) wrong = `an index node of level ${nodeLevel} stands where level ${level ?? `at most ${INDEX_LEVELS_MAXIMUM}`} belongs`;
    else if (childCount < 1 || childCount > fs.fanout || IDX_NODE_SIZE + childCount * branchSize > node.len) wrong = `an index node claims ${childCount} branches, which it cannot hold`;
    if (wrong) {
      if (level === null) throw new Corruption(wrong);
      tally.add(`${wrong}; what it indexes is missing`, at);
      continue;
    }
    for (let i = childCount - 1; i >= 0; i--) {
      const branch = at + IDX_NODE_SIZE + i * branchSize;
      const child = { lnum: view.getUint32(branch, true), offs: view.getUint32(branch + 4, true), len: view.getUint32(branch + 8, true) };
      if (nodeLevel > 0) {
        pending.push({ location: child, level: nodeLevel - 1 });
        continue;
      }
      const ino = view.getUint32(branch + 12, true);
      const low = view.getUint32(branch + 16, true);
      switch (low >>> KEY_TYPE_SHIFT) {
        case INO_KEY:
          tree.inodes.set(ino, child);
          break;
        case DATA_KEY:
          blocksOf(tree, ino).set(low & KEY_LOW_MASK, { ...child, step: 0 });
          break;
        case DENT_KEY:
          try {
            const dent = parseDent(fs, readNode(fs, child, DENT_NODE), ino);
            dentsOf(tree, ino).set(dent.key, dent);
          } catch (error) {
            if (!(error instanceof Corruption)) throw error;
            tally.add(`a directory entry is unreadable, its name is missing: ${withoutLocation(error.message)}`, fs.base + child.lnum * fs.lebSize + child.offs);
          }
          break;
        case XENT_KEY:
          break;
        default:
          tally.add('an index branch has a key of unknown type; skipped', branch);
      }
    }
  }
}

/**
 * Applies one leaf node on top of what is known, as replay.c does: an inode with no links left
 * deletes the inode and all it holds, an entry naming inode 0 deletes the name, a truncation
 * drops the blocks past the new size; anything else replaces the older node of its key.
 */
function applyNode(fs: Filesystem, tree: Tree, node: Node, tally: Tally): void {
  const { view } = fs;
  const at = node.at;
  const location = { lnum: node.lnum, offs: node.offs, len: node.len };
  const step = ++tree.step;
  if (step % CLOCK_EVERY === 0) spend(fs.limits, 0);
  const ino = view.getUint32(at + 24, true);
  const low = view.getUint32(at + 28, true);
  switch (node.type) {
    case INO_NODE:
      if (low >>> KEY_TYPE_SHIFT !== INO_KEY) return tally.add('an inode node has a key of another type; skipped', at);
      if (view.getUint32(at + 92, true) === 0) {
        tree.inodes.delete(ino);
        tree.data.delete(ino);
        tree.truncations.delete(ino);
        tree.dents.delete(ino);
      } else tree.inodes.set(ino, location);
      return;
    case DATA_NODE:
      if (low >>> KEY_TYPE_SHIFT !== DATA_KEY) return tally.add('a data node has a key of another type; skipped', at);
      blocksOf(tree, ino).set(low & KEY_LOW_MASK, { ...location, step });
      return;
    case DENT_NODE: {
      if (low >>> KEY_TYPE_SHIFT !== DENT_KEY) return tally.add('a directory entry has a key of another type; skipped', at);
      let dent: Dentry;
      try {
        dent = parseDent(fs, node);
      } catch (error) {
        if (!(error instanceof Corruption)) throw error;
        return tally.add(`a directory entry is unreadable: ${error.message}`, at);
      }
      if (dent.inum === 0) tree.dents.get(ino)?.delete(dent.key);
      else dentsOf(tree, ino).set(dent.key, dent);
      return;
    }
    case TRUN_NODE: {
      const newSize = view.getBigUint64(at + 48, true);
      const firstGone = Number((newSize + BigInt(BLOCK_SIZE - 1)) / BigInt(BLOCK_SIZE));
      const list = tree.truncations.get(ino);
      if (list) list.push({ step, firstGone });
      else tree.truncations.set(ino, [{ step, firstGone }]);
      return;
    }
    default:
      return;
  }
}

/** The leaf nodes of a journal LEB from `from` on; damage after them is counted. */
function journalLeaves(fs: Filesystem, lnum: number, from: number, tally: Tally): Node[] {
  const scan = scanLeb(fs, lnum, from);
  if (scan.damage) tally.add(`a journal LEB holds damaged data after its last readable node (${scan.damage.reason}); the rest of that LEB is not replayed`, fs.base + lnum * fs.lebSize + scan.damage.offs);
  return scan.nodes.filter((node) => node.type <= TRUN_NODE);
}

/**
 * The journal since the last commit: the log, from the LEB the master node names, holds a commit
 * start node and then references to the bud LEBs written since; their nodes are applied in
 * sequence-number order, as replay.c does.
 */
function replayJournal(fs: Filesystem, master: Master, tree: Tree, problems: Problem[], tally: Tally): void {
  const { view } = fs;
  const logEnd = LOG_LNUM + fs.logLebs;
  if (master.logLnum < LOG_LNUM || master.logLnum >= logEnd) {
    problems.push({ offset: master.at, message: `the master node puts the log in LEB ${master.logLnum}, outside the log area; the journal is not replayed` });
    return;
  }
  const buds: { lnum: number; offs: number }[] = [];
  let commitStart: bigint | null = null;
  let lnum = master.logLnum;
  for (let step = 0; step < fs.logLebs; step++) {
    const scan = scanLeb(fs, lnum, 0);
    const first = scan.nodes[0];
    if (!first) break;
    if (commitStart === null) {
      if (first.type !== CS_NODE || view.getBigUint64(first.at + 24, true) !== master.commitNumber) {
        problems.push({ offset: first.at, message: 'the log does not start with the commit the master node names; the journal is not replayed' });
        return;
      }
      commitStart = first.sqnum;
    }
    // An older log LEB not yet erased: the log ended before it.
    if (first.sqnum < commitStart) break;
    for (const node of scan.nodes) {
      if (node.type === REF_NODE) buds.push({ lnum: view.getUint32(node.at + 24, true), offs: view.getUint32(node.at + 28, true) });
      else if (node.type !== CS_NODE && node.type !== AUTH_NODE) tally.add(`the log holds ${aNode(node.type)}; skipped`, node.at);
    }
    if (scan.damage) tally.add(`the log holds damaged data (${scan.damage.reason}); the references after it are not read`, fs.base + lnum * fs.lebSize + scan.damage.offs);
    lnum = lnum + 1 >= logEnd ? LOG_LNUM : lnum + 1;
    if (lnum === master.logLnum) break;
  }
  const leaves: Node[] = [];
  // As replay.c's validate_ref: a LEB referred to again (from further in) is already being read.
  const seen = new Set<number>();
  for (const bud of buds) {
    if (bud.lnum < fs.mainFirst || bud.lnum >= fs.maxLebCount || bud.offs >= fs.lebSize || bud.offs % 8 !== 0) {
      tally.add(`the log refers to LEB ${bud.lnum}:${bud.offs}, outside the main area; not replayed`, master.at);
      continue;
    }
    if (seen.has(bud.lnum)) continue;
    seen.add(bud.lnum);
    for (const node of journalLeaves(fs, bud.lnum, bud.offs, tally)) leaves.push(node);
  }
  leaves.sort((a, b) => (a.sqnum < b.sqnum ? -1 : a.sqnum > b.sqnum ? 1 : 0));
  for (const node of leaves) applyNode(fs, tree, node, tally);
}

/**
 * Without a usable index: every node of the main area, applied oldest first. A superblock node
 * there is another filesystem's start, where this one has ended.
 */
function scanMainArea(fs: Filesystem, tree: Tree, tally: Tally): void {
  const last = Math.min(fs.maxLebCount, Math.ceil((fs.bytes.length - fs.base) / fs.lebSize));
  const leaves: Node[] = [];
  scan: for (let lnum = fs.mainFirst; lnum < last; lnum++) {
    const scan = scanLeb(fs, lnum, 0, true);
    if (scan.damage) tally.add(`a LEB holds damaged data (${scan.damage.reason}); skipped to the next node`, fs.base + lnum * fs.lebSize + scan.damage.offs);
    // Pushed one by one: spreading a LEB's worth of nodes into push() can pass the argument limit.
    for (const node of scan.nodes) {
      if (node.type === SB_NODE) break scan;
      if (node.type <= TRUN_NODE) leaves.push(node);
    }
  }
  leaves.sort((a, b) => (a.sqnum < b.sqnum ? -1 : a.sqnum > b.sqnum ? 1 : a.at - b.at));
  for (const node of leaves) applyNode(fs, tree, node, tally);
}

interface Inode {
  size: bigint;
  uid: number;
  gid: number;
  mode: number;
  flags: number;
  dataLength: number;
  at: number;
}

function readInode(fs: Filesystem, ino: number, location: Location): Inode {
  const { view } = fs;
  const node = readNode(fs, location, INO_NODE);
  const at = node.at;
  if (view.getUint32(at + 24, true) !== ino || view.getUint32(at + 28, true) >>> KEY_TYPE_SHIFT !== INO_KEY) throw new Corruption(`the inode node found for inode ${ino} belongs to another`);
  const dataLength = view.getUint32(at + 112, true);
  if (INO_NODE_SIZE + dataLength > node.len) throw new Corruption('the inode data runs past its node');
  return {
    size: view.getBigUint64(at + 48, true),
    uid: view.getUint32(at + 96, true),
    gid: view.getUint32(at + 100, true),
    mode: view.getUint32(at + 104, true),
    flags: view.getUint32(at + 108, true),
    dataLength,
    at,
  };
}

/** One block of a file, decompressed: at most BLOCK_SIZE bytes. */
function readBlock(fs: Filesystem, ino: number, block: number, location: Location): Uint8Array {
  const { view, bytes } = fs;
  const node = readNode(fs, location, DATA_NODE);
  const at = node.at;
  if (view.getUint32(at + 24, true) !== ino || view.getUint32(at + 28, true) !== ((DATA_KEY << KEY_TYPE_SHIFT) | block) >>> 0) throw new Corruption('a data node is indexed under another key');
  const size = view.getUint32(at + 40, true);
  if (size > BLOCK_SIZE) throw new Corruption(`a data node claims ${size} bytes, more than a block`);
  const compression = view.getUint16(at + 44, true);
  const stored = bytes.subarray(at + DATA_NODE_SIZE, at + node.len);
  if (compression === COMPR_NONE) {
    if (stored.length !== size) throw new Corruption(`an uncompressed data node stores ${stored.length} bytes but claims ${size}`);
    return stored;
  }
  const kind = COMPRESSION_KINDS[compression];
  if (!kind) throw new Corruption(`compression ${compression} is not supported`);
  return decompress(kind, stored, size, { expectedSize: size });
}

/**
 * A file's bytes: its blocks where it has them (and no later truncation removed them), zeros in
 * holes, cut to its size.
 */
function fileContents(fs: Filesystem, ino: number, size: number, blocks: Map<number, Block> | undefined, truncations: readonly Truncation[], path: string, problems: Problem[]): Uint8Array {
  const out = new Uint8Array(size);
  // lowestCut[i]: the lowest first-removed block of truncation i or any after it.
  const lowestCut = new Array<number>(truncations.length + 1).fill(Infinity);
  for (let i = truncations.length - 1; i >= 0; i--) lowestCut[i] = Math.min(truncations[i]!.firstGone, lowestCut[i + 1]!);
  const cutAfter = (step: number): number => {
    let low = 0;
    let high = truncations.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (truncations[middle]!.step > step) high = middle;
      else low = middle + 1;
    }
    return lowestCut[low]!;
  };
  let failures = 0;
  let firstFailure = '';
  let firstFailureAt = 0;
  for (const [block, location] of blocks ?? []) {
    const start = block * BLOCK_SIZE;
    if (start >= size || block >= cutAfter(location.step)) continue;
    try {
      const data = readBlock(fs, ino, block, location);
      out.set(data.subarray(0, Math.min(data.length, size - start)), start);
    } catch (error) {
      if (!(error instanceof Corruption) && !(error instanceof DecompressionError)) throw error;
      if (failures++ === 0) {
        firstFailure = error.message;
        firstFailureAt = fs.base + location.lnum * fs.lebSize + location.offs;
      }
    }
  }
  if (failures > 0) {
    const which = failures === 1 ? 'a data node is' : `${failures} data nodes are`;
    problems.push({ path, offset: firstFailureAt, message: `${which} unreadable (left as zeros): ${firstFailure}` });
  }
  return out;
}

/** The filesystem described by the superblock at `offset`, or the reason it cannot be read. */
function openFilesystem(bytes: Uint8Array, offset: number, limits: Limits, problems: Problem[]): { fs: Filesystem; superblock: Superblock } | null {
  const view = viewOf(bytes);
  const superblock = readSuperblock(bytes, view, offset);
  if (!superblock) {
    problems.push({ offset, message: 'no valid UBIFS superblock here' });
    return null;
  }
  const { lebSize, lebCount, maxLebCount, logLebs, lptLebs, orphanLebs, fanout } = superblock;
  if (lebSize < LEB_SIZE_MINIMUM || lebSize > LEB_SIZE_MAXIMUM || lebSize % 8 !== 0) {
    problems.push({ offset, message: `the superblock gives a LEB size of ${lebSize} bytes, which UBIFS does not allow` });
    return null;
  }
  if (superblock.keyFormat !== 0) {
    problems.push({ offset, message: `key format ${superblock.keyFormat} is not supported (only the simple format exists)` });
    return null;
  }
  if (superblock.formatVersion > FORMAT_VERSION_MAXIMUM) problems.push({ offset, message: `format version ${superblock.formatVersion} is newer than this reader knows; read as version ${FORMAT_VERSION_MAXIMUM}` });
  let branchSize: number | null = BRANCH_SIZE + KEY_SIZE;
  if (superblock.flags & FLAG_AUTHENTICATION) {
    const hashLength = HASH_LENGTHS[superblock.hashAlgorithm];
    problems.push({ offset, message: 'the filesystem is authenticated; its HMACs and hashes are not checked' });
    if (hashLength === undefined) {
      problems.push({ offset, message: `hash algorithm ${superblock.hashAlgorithm} is unknown, so the index cannot be read` });
      branchSize = null;
    } else branchSize += hashLength;
  }
  return {
    fs: {
      bytes,
      view,
      base: offset,
      lebSize,
      lebCount,
      maxLebCount: Math.max(maxLebCount, lebCount),
      logLebs,
      mainFirst: LOG_LNUM + logLebs + lptLebs + orphanLebs,
      fanout: Math.max(fanout, FANOUT_MINIMUM),
      branchSize,
      limits,
    },
    superblock,
  };
}

/** Reads the index (and journal) into tree; falls back to scanning the main area when it cannot. */
function readTree(fs: Filesystem, tree: Tree, problems: Problem[], tally: Tally): void {
  const master = readMaster(fs, problems);
  let reason = '';
  if (!master) reason = 'no master node is readable';
  else if (fs.branchSize === null) reason = 'the index branches cannot be measured';
  else {
    try {
      walkIndex(fs, master.root, tree, tally);
      replayJournal(fs, master, tree, problems, tally);
      return;
    } catch (error) {
      if (!(error instanceof Corruption)) throw error;
      reason = `the index root is unreadable (${error.message})`;
      Object.assign(tree, emptyTree());
    }
  }
  problems.push({ offset: fs.base, message: `${reason}; every LEB was scanned for nodes instead, so files deleted long ago may reappear` });
  scanMainArea(fs, tree, tally);
}

function unpackUbifs(bytes: Uint8Array, offset: number, limits: Limits): { entries: Entry[]; problems: Problem[]; length?: number } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  const opened = openFilesystem(bytes, offset, limits, problems);
  if (!opened) return { entries, problems };
  const { fs, superblock } = opened;
  const length = Math.min(superblock.lebCount * fs.lebSize, bytes.length - offset);
  if (offset + superblock.lebCount * fs.lebSize > bytes.length) {
    problems.push({ offset, message: `the image is truncated: the superblock counts ${superblock.lebCount} LEBs of ${fs.lebSize} bytes, the image holds ${bytes.length - offset} bytes` });
  }
  const tally = new Tally(describeNodeTrouble);
  const tree = emptyTree();
  try {
    readTree(fs, tree, problems, tally);
    tally.report(problems);
    listTree(fs, tree, limits, entries, problems);
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    tally.report(problems);
    problems.push({ offset, message: `unpacking stopped: ${error.message}` });
  }
  return { entries, problems, length };
}

/** Whether an inode is readable and encrypted: the names in such a directory are ciphertext, not lost. */
function isEncrypted(fs: Filesystem, tree: Tree, ino: number): boolean {
  const location = tree.inodes.get(ino);
  if (!location) return false;
  try {
    return (readInode(fs, ino, location).flags & INODE_FLAG_CRYPT) !== 0;
  } catch (error) {
    if (!(error instanceof Corruption)) throw error;
    return false;
  }
}

/** Entries for every name reachable from the root, depth first, names in sorted order. */
function listTree(fs: Filesystem, tree: Tree, limits: Limits, entries: Entry[], problems: Problem[]): void {
  const listing = new InodeListing(entries, problems, ROOT_INO);
  const pending: { ino: number; path: string }[] = [];
  const rootLocation = tree.inodes.get(ROOT_INO);
  let root: Inode | undefined;
  try {
    if (rootLocation) root = readInode(fs, ROOT_INO, rootLocation);
  } catch (error) {
    if (!(error instanceof Corruption)) throw error;
  }
  if (!root && !tree.dents.has(ROOT_INO)) problems.push({ offset: fs.base, message: 'the filesystem holds no readable root directory' });
  // Names under an encrypted directory are ciphertext: listing them would invent paths.
  if (root && root.flags & INODE_FLAG_CRYPT) problems.push({ offset: fs.base, message: 'the root directory is encrypted; its entries are not listed' });
  else pending.push({ ino: ROOT_INO, path: '' });
  while (pending.length > 0) {
    const { ino: directory, path: directoryPath } = pending.pop()!;
    const subdirectories: { ino: number; path: string }[] = [];
    const children = [...(tree.dents.get(directory)?.values() ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const dent of children) {
      spend(limits, 0, 1);
      const path = childPath(directoryPath, dent.name, problems, PATH_MAXIMUM);
      if (path === null) continue;
      const location = tree.inodes.get(dent.inum);
      let inode: Inode | undefined;
      let missing = location ? '' : 'it has no inode node';
      if (location) {
        try {
          inode = readInode(fs, dent.inum, location);
        } catch (error) {
          if (!(error instanceof Corruption)) throw error;
          missing = error.message;
        }
      }
      if (!inode) problems.push({ path, offset: dent.at, message: `inode ${dent.inum} is unreadable (${missing}); its type is taken from the directory entry and its contents are unknown` });
      const mode = modeWithEntryType(inode?.mode, DENT_TYPE_TO_MODE[dent.type]);
      const owner = inode ? { uid: inode.uid, gid: inode.gid } : {};
      const encrypted = inode ? (inode.flags & INODE_FLAG_CRYPT) !== 0 : false;
      const type = entryTypeOfMode(mode);
      if (type === 'directory') {
        if (!listing.enterDirectory(dent.inum, path, mode, owner)) continue;
        if (encrypted) problems.push({ path, message: 'the directory is encrypted; its entries are not listed' });
        else subdirectories.push({ ino: dent.inum, path });
        continue;
      }
      if (listing.listedAsHardlink(dent.inum, path, mode, owner)) continue;
      switch (type) {
        case 'file': {
          if (!inode) {
            entries.push({ path, type: 'file', mode });
            break;
          }
          if (encrypted) {
            problems.push({ path, message: 'the file is encrypted; its contents are not read' });
            entries.push({ path, type: 'file', mode, ...owner });
            break;
          }
          const size = chargeFile(inode.size, path, limits, problems);
          if (size === null) {
            entries.push({ path, type: 'file', mode, ...owner });
            break;
          }
          entries.push({ path, type: 'file', mode, data: fileContents(fs, dent.inum, size, tree.data.get(dent.inum), tree.truncations.get(dent.inum) ?? [], path, problems), ...owner });
          break;
        }
        case 'symlink': {
          let target = '';
          if (inode && encrypted) problems.push({ path, message: 'the symlink is encrypted; its target is not read' });
          else if (inode) target = names.decode(fs.bytes.subarray(inode.at + INO_NODE_SIZE, inode.at + INO_NODE_SIZE + inode.dataLength));
          reportEscapingLink(path, target, problems, 'image');
          entries.push({ path, type: 'symlink', mode, target, ...owner });
          break;
        }
        case null:
          problems.push({ path, message: `inode ${dent.inum} has mode 0o${mode.toString(8)}, which is no file type; skipped` });
          break;
        default:
          entries.push({ path, type, mode, ...owner });
      }
    }
    // Reversed so the stack hands them back in directory order.
    for (let i = subdirectories.length - 1; i >= 0; i--) pending.push(subdirectories[i]!);
  }
  // Names in directories never reached hang off a cycle of directories or a lost directory: they
  // are reported once, not listed under invented paths.
  let unreachable = 0;
  for (const [parent, list] of tree.dents) if (!listing.visitedDirectories.has(parent) && !isEncrypted(fs, tree, parent)) unreachable += list.size;
  if (unreachable > 0) problems.push({ offset: fs.base, message: `${unreachable} names are in directories that cannot be reached from the root; not listed` });
}

export const ubifs: Unpacker = {
  name: 'ubifs',
  detect(bytes, offset) {
    return readSuperblock(bytes, viewOf(bytes), offset) !== null;
  },
  unpack: unpackUbifs,
};
