// JFFS2, the log-structured filesystem of NOR (and older NAND) flash: no superblock, no tables,
// only a sequence of self-describing nodes. A directory entry ("dirent") node names an inode in
// a parent directory; an inode node carries the inode's mode, owner and size and, optionally, a
// compressed piece of its data. Every change appends a node with a higher version number, so
// reading the filesystem means gathering every node and letting the highest version win, as the
// kernel does when it mounts.
//
// References: the kernel's include/uapi/linux/jffs2.h, fs/jffs2/scan.c, readinode.c, compr_*.c;
// mtd-utils' mkfs.jffs2 as the writer the tests compare against. LZMA nodes (compression 8) are
// OpenWrt's and U-Boot's: raw LZMA1 with fixed properties lc=0 lp=0 pb=0 and an 8 KiB dictionary;
// compression 0x15 is an mtd-utils patch that keeps the 5-byte LZMA properties in front.
// Limitations: rubin-compressed nodes (never written by a current mkfs.jffs2) are reported and
// left as zeros; extended attributes, summary nodes and inode numbers beyond what the dirents name
// are not reported; NAND out-of-band cleanmarkers are not seen (an image dumped without OOB reads
// the same). JFFS2 has no superblock to say where it ends: the filesystem is taken to end after
// its last readable node (and the erased flash after it) once 128 KiB of anything else follow,
// so damage after the last readable node cannot be told from the next part of the firmware and
// is not reported.
//
// Hard links: as in the other unpackers, the first name met for an inode (depth first, names in
// sorted order) carries the data; every further name is a 'hardlink' entry whose target is that
// first path. A directory met a second time (a cycle or a directory hard link, both impossible
// on a healthy filesystem) is reported and not followed.

import { decompress, DecompressionError, type CompressionKind, type DecompressOptions } from './compression.ts';
import { crc32 } from './crc32.ts';
import { parseLzmaPropertiesByte } from './lzma.ts';
import { chargeFile, childPath, entryTypeOfMode, InodeListing, LimitExceeded, modeWithEntryType, reportEscapingLink, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFREG, S_IFSOCK, spend, Tally, type Entry, type Limits, type Problem, type Unpacker } from './types.ts';

const MAGIC = 0x1985;
const HEADER_SIZE = 12;
const DIRENT_SIZE = 40;
const INODE_SIZE = 68;

// Node types: the top two bits say what a reader that does not know the type must do.
const NODE_ACCURATE = 0x2000;
const COMPAT_MASK = 0xc000;
const FEATURE_INCOMPAT = 0xc000;
const FEATURE_ROCOMPAT = 0x8000;
const NODETYPE_DIRENT = 0xe001;
const NODETYPE_INODE = 0xe002;
const NODETYPE_CLEANMARKER = 0x2003;
const NODETYPE_PADDING = 0x2004;
const NODETYPE_SUMMARY = 0x2006;
const NODETYPE_XATTR = 0xe008;
const NODETYPE_XREF = 0xe009;
const KNOWN_NODE_TYPES = new Set([NODETYPE_DIRENT, NODETYPE_INODE, NODETYPE_CLEANMARKER, NODETYPE_PADDING, NODETYPE_SUMMARY, NODETYPE_XATTR, NODETYPE_XREF]);

const COMPR_NONE = 0x00;
const COMPR_ZERO = 0x01;
const COMPR_RTIME = 0x02;
const COMPR_RUBINMIPS = 0x03;
const COMPR_COPY = 0x04;
const COMPR_DYNRUBIN = 0x05;
const COMPR_ZLIB = 0x06;
const COMPR_LZO = 0x07;
const COMPR_LZMA = 0x08;
const COMPR_LZMA_WITH_PROPERTIES = 0x15;
/** OpenWrt's kernel patch and U-Boot: LZMA_BEST_LC/LP/PB = 0 and a dictionary of 0x2000. */
const OPENWRT_LZMA = { lc: 0, lp: 0, pb: 0, dictSize: 0x2000 } as const;

/** The root directory's inode number; it has no dirent of its own. */
const ROOT_INO = 1;
/**
 * A data node covers at most one page of its file; 64 KiB is the largest page any Linux
 * architecture uses, so a node claiming more is corrupt (and would let a tiny node inflate far).
 */
const NODE_DATA_MAXIMUM = 64 * 1024;
/**
 * How many bytes that are neither nodes nor erased flash (0xFF) may lie between two nodes. A
 * corrupt node is skipped by resynchronising on the next magic number, which is never more than
 * a node's length away; a longer stretch means the filesystem has ended and other data follows.
 */
const GARBAGE_MAXIMUM = 128 * 1024;
/** Linux's PATH_MAX: deeper paths cannot be created on a real system, so they mark a hostile image. */
const PATH_MAXIMUM = 4096;
/** How often (in nodes) the scan looks at the clock: a large image holds hundreds of thousands. */
const CLOCK_EVERY = 4096;

// POSIX file types in a mode, and the DT_ values a dirent stores.
const DIRENT_TYPE_TO_MODE: Readonly<Record<number, number>> = { 1: S_IFIFO, 2: S_IFCHR, 4: S_IFDIR, 6: S_IFBLK, 8: S_IFREG, 10: S_IFLNK, 12: S_IFSOCK };

type ByteOrder = 'little-endian' | 'big-endian';

interface DirentNode {
  parent: number;
  version: number;
  /** 0 when the node records a deletion of the name. */
  ino: number;
  type: number;
  name: string;
  /** Position of the node in the image, for ordering equal versions and for problems. */
  at: number;
}

interface InodeNode {
  version: number;
  mode: number;
  uid: number;
  gid: number;
  /** The file's size as of this node (truncations shrink it). */
  isize: number;
  /** Where in the file this node's data goes. */
  offset: number;
  csize: number;
  dsize: number;
  compression: number;
  /** Where the compressed data starts in the image. */
  dataAt: number;
  at: number;
}

const names = new TextDecoder('utf-8');

/** The CRC JFFS2 uses: the kernel's crc32_le(0, …), i.e. CRC-32 without the initial and final inversion. */
export function jffs2Crc(bytes: Uint8Array): number {
  return ~crc32(bytes, 0xffffffff) >>> 0;
}

function byteOrderAt(bytes: Uint8Array, at: number): ByteOrder | null {
  if (at < 0 || at + 2 > bytes.length) return null;
  if (bytes[at] === 0x85 && bytes[at + 1] === 0x19) return 'little-endian';
  if (bytes[at] === 0x19 && bytes[at + 1] === 0x85) return 'big-endian';
  return null;
}

/** The node header at `at` when its magic and CRC hold (the CRC is over the header with the accurate bit set). */
function readHeader(view: DataView, at: number, little: boolean): { type: number; totlen: number } | null {
  if (at + HEADER_SIZE > view.byteLength) return null;
  if (view.getUint16(at, little) !== MAGIC) return null;
  const type = view.getUint16(at + 2, little);
  const totlen = view.getUint32(at + 4, little);
  // A node made obsolete on NOR flash has its accurate bit cleared in place; the CRC was
  // computed before that, so the check puts the bit back.
  const header = new Uint8Array(8);
  const headerView = new DataView(header.buffer);
  headerView.setUint16(0, MAGIC, little);
  headerView.setUint16(2, type | NODE_ACCURATE, little);
  headerView.setUint32(4, totlen, little);
  if (jffs2Crc(header) !== view.getUint32(at + 8, little)) return null;
  return { type, totlen };
}

/** Raised inside the reader when a node's data cannot be read; always caught and made a Problem. */
class Corruption extends Error {}

/**
 * The rtime decompressor (fs/jffs2/compr_rtime.c): pairs of (literal byte, repeat count), where
 * the repeat copies that many bytes from just after the previous occurrence of the same literal.
 * Positions are 16-bit as in the kernel, which never writes a node of more than 64 KiB.
 */
export function decodeRtime(input: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const positions = new Uint16Array(256);
  let outPos = 0;
  let inPos = 0;
  while (outPos < size) {
    if (inPos + 2 > input.length) throw new DecompressionError(`rtime: compressed data cut short at byte ${input.length}`);
    const value = input[inPos++]!;
    out[outPos++] = value;
    let repeat = input[inPos++]!;
    let back = positions[value]!;
    positions[value] = outPos;
    if (repeat > size - outPos) throw new DecompressionError(`rtime: a repeat of ${repeat} at byte ${outPos} runs past the ${size} bytes of output`);
    // Byte by byte: the source may overlap what is being written, which repeats a pattern.
    while (repeat-- > 0) out[outPos++] = out[back++]!;
  }
  return out;
}

/** How node-level trouble is reported: once for each kind at the end rather than once per node. */
function describeSkippedNodes(message: string, count: number, offset: number): string {
  return `${count === 1 ? 'a node was' : `${count} nodes were`} skipped (${message}), ${count === 1 ? 'at' : 'the first at'} byte ${offset}`;
}

interface Scan {
  dirents: DirentNode[];
  inodes: Map<number, InodeNode[]>;
  /** Bytes from the start that the filesystem spans (its last node and any erased flash after it). */
  length: number;
}

/**
 * Walks the image node by node from `offset`: a valid node is taken and skipped as a whole (its
 * data may contain the magic number by chance); erased flash is skipped; anything else is
 * searched through for the next magic number, up to GARBAGE_MAXIMUM bytes.
 */
function scanNodes(bytes: Uint8Array, offset: number, order: ByteOrder, limits: Limits, problems: Problem[], tally: Tally): Scan {
  const little = order === 'little-endian';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = little ? Buffer.from([0x85, 0x19]) : Buffer.from([0x19, 0x85]);
  const dirents: DirentNode[] = [];
  const inodes = new Map<number, InodeNode[]>();
  let end = offset;
  let garbage = 0;
  let nodes = 0;
  let at = offset;
  // Bad headers count only once a good node follows them: past the last node, a magic number
  // with a bad CRC is as likely to be whatever follows the filesystem as damage inside it.
  const suspect = new Tally(describeSkippedNodes);
  while (at + HEADER_SIZE <= bytes.length) {
    // Nodes sit on 4-byte boundaries from the start of the filesystem.
    let next = buffer.indexOf(magic, at);
    while (next !== -1 && (next - offset) % 4 !== 0) next = buffer.indexOf(magic, next + 1);
    const stop = next === -1 ? bytes.length : next;
    garbage += countNotErased(bytes, at, stop, GARBAGE_MAXIMUM - garbage + 1);
    if (garbage > GARBAGE_MAXIMUM || next === -1) break;
    at = next;
    const header = readHeader(view, at, little);
    if (header === null) {
      if (at + HEADER_SIZE <= bytes.length) suspect.add('the header fails its CRC', at);
      garbage += 4;
      at += 4;
      continue;
    }
    const { type, totlen } = header;
    if (totlen < HEADER_SIZE) {
      suspect.add('the header claims a node shorter than itself', at);
      garbage += 4;
      at += 4;
      continue;
    }
    if (at + totlen > bytes.length) {
      problems.push({ offset: at, message: `the image is truncated: a node of ${totlen} bytes at byte ${at} runs past its end` });
      break;
    }
    garbage = 0;
    tally.take(suspect);
    if (++nodes % CLOCK_EVERY === 0) spend(limits, 0);
    if (type & NODE_ACCURATE) readNode(bytes, view, at, type, totlen, little, dirents, inodes, tally);
    else tally.add('marked obsolete', at);
    end = at + totlen;
    at += Math.ceil(totlen / 4) * 4;
  }
  // Erased flash right after the last node (the rest of its erase block) belongs to the filesystem.
  while (end < bytes.length && bytes[end] === 0xff) end++;
  return { dirents, inodes, length: end - offset };
}

/**
 * Bytes in [from, to) that are not 0xFF (erased flash is expected between erase blocks' nodes),
 * counted no further than `enough`: the caller only needs to know whether the stretch is too long.
 */
function countNotErased(bytes: Uint8Array, from: number, to: number, enough: number): number {
  let count = 0;
  for (let i = from; i < to && count < enough; i++) if (bytes[i] !== 0xff) count++;
  return count;
}

function readNode(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  type: number,
  totlen: number,
  little: boolean,
  dirents: DirentNode[],
  inodes: Map<number, InodeNode[]>,
  tally: Tally,
): void {
  switch (type) {
    case NODETYPE_DIRENT: {
      if (totlen < DIRENT_SIZE) return tally.add('a directory entry shorter than its header', at);
      if (jffs2Crc(bytes.subarray(at, at + DIRENT_SIZE - 8)) !== view.getUint32(at + 32, little)) return tally.add('a directory entry that fails its CRC', at);
      const nameSize = bytes[at + 28]!;
      if (DIRENT_SIZE + nameSize > totlen) return tally.add('a directory entry whose name runs past the node', at);
      const name = bytes.subarray(at + DIRENT_SIZE, at + DIRENT_SIZE + nameSize);
      if (jffs2Crc(name) !== view.getUint32(at + 36, little)) return tally.add('a directory entry whose name fails its CRC', at);
      dirents.push({ parent: view.getUint32(at + 12, little), version: view.getUint32(at + 16, little), ino: view.getUint32(at + 20, little), type: bytes[at + 29]!, name: names.decode(name), at });
      return;
    }
    case NODETYPE_INODE: {
      if (totlen < INODE_SIZE) return tally.add('an inode shorter than its header', at);
      if (jffs2Crc(bytes.subarray(at, at + INODE_SIZE - 8)) !== view.getUint32(at + 64, little)) return tally.add('an inode that fails its CRC', at);
      const csize = view.getUint32(at + 48, little);
      if (INODE_SIZE + csize > totlen) return tally.add('an inode whose data runs past the node', at);
      const node: InodeNode = {
        version: view.getUint32(at + 16, little),
        mode: view.getUint32(at + 20, little),
        uid: view.getUint16(at + 24, little),
        gid: view.getUint16(at + 26, little),
        isize: view.getUint32(at + 28, little),
        offset: view.getUint32(at + 44, little),
        csize,
        dsize: view.getUint32(at + 52, little),
        compression: bytes[at + 56]!,
        dataAt: at + INODE_SIZE,
        at,
      };
      // The data CRC is checked when the data is used: most nodes of a large image belong to
      // files that are read anyway, and a bad one is then reported with its path.
      const ino = view.getUint32(at + 12, little);
      const list = inodes.get(ino);
      if (list) list.push(node);
      else inodes.set(ino, [node]);
      return;
    }
    case NODETYPE_CLEANMARKER:
    case NODETYPE_PADDING:
    case NODETYPE_SUMMARY:
    case NODETYPE_XATTR:
    case NODETYPE_XREF:
      return;
    default:
      if (KNOWN_NODE_TYPES.has(type)) return;
      // The compatibility bits say whether a kernel would refuse to mount, mount read-only, or
      // ignore the node; a reader that lists files can go on in every case, but should say so.
      if ((type & COMPAT_MASK) === FEATURE_INCOMPAT || (type & COMPAT_MASK) === FEATURE_ROCOMPAT) {
        tally.add(`unknown type 0x${type.toString(16)}, which a kernel would refuse to mount read-write`, at);
      }
  }
}

/** The node of highest version (the last in the image among equals): it holds the inode's current mode. */
function latest(nodes: readonly InodeNode[]): InodeNode {
  let best = nodes[0]!;
  for (const node of nodes) if (node.version > best.version || (node.version === best.version && node.at > best.at)) best = node;
  return best;
}

function compressionName(compression: number): string {
  switch (compression) {
    case COMPR_RUBINMIPS:
      return 'rubinmips';
    case COMPR_DYNRUBIN:
      return 'dynrubin';
    case COMPR_COPY:
      return 'copy';
    default:
      return `0x${compression.toString(16)}`;
  }
}

/** The uncompressed data of one inode node (dsize bytes), or a Corruption / DecompressionError. */
function nodeData(bytes: Uint8Array, node: InodeNode, little: boolean): Uint8Array {
  if (node.dsize > NODE_DATA_MAXIMUM) throw new Corruption(`a data node claims ${node.dsize} bytes, more than a page can hold`);
  const stored = bytes.subarray(node.dataAt, node.dataAt + node.csize);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (node.compression !== COMPR_ZERO && jffs2Crc(stored) !== view.getUint32(node.at + 60, little)) throw new Corruption('a data node fails its CRC');
  const inflate = (kind: CompressionKind, input: Uint8Array, options: DecompressOptions = {}): Uint8Array =>
    decompress(kind, input, node.dsize, { expectedSize: node.dsize, ...options });
  switch (node.compression) {
    case COMPR_NONE:
      if (node.csize !== node.dsize) throw new Corruption(`an uncompressed data node stores ${node.csize} bytes but claims ${node.dsize}`);
      return stored;
    case COMPR_ZERO:
      return new Uint8Array(node.dsize);
    case COMPR_RTIME:
      return decodeRtime(stored, node.dsize);
    case COMPR_ZLIB:
      return inflate('zlib', stored);
    case COMPR_LZO:
      return inflate('lzo', stored);
    case COMPR_LZMA:
      return inflate('lzma-raw', stored, { lzmaProperties: OPENWRT_LZMA });
    case COMPR_LZMA_WITH_PROPERTIES: {
      const properties = stored.length >= 5 ? parseLzmaPropertiesByte(stored[0]!) : null;
      if (properties === null) throw new Corruption('an LZMA data node has no valid properties');
      const dictSize = new DataView(stored.buffer, stored.byteOffset + 1, 4).getUint32(0, true);
      return inflate('lzma-raw', stored.subarray(5), { lzmaProperties: { ...properties, dictSize } });
    }
    default:
      throw new Corruption(`compression ${compressionName(node.compression)} is not supported`);
  }
}

/**
 * The bytes of an inode: its data nodes applied in version order (a newer node overwrites what
 * an older one wrote there), cut to the size its latest node gives. Unreadable nodes leave zeros
 * and become one Problem for the file.
 */
function inodeContents(bytes: Uint8Array, nodes: readonly InodeNode[], size: number, little: boolean, path: string, problems: Problem[]): Uint8Array {
  const out = new Uint8Array(size);
  const ordered = [...nodes].sort((a, b) => a.version - b.version || a.at - b.at);
  let failures = 0;
  let firstFailure = '';
  let firstFailureAt = 0;
  for (const node of ordered) {
    if (node.dsize === 0 || node.offset >= size) continue;
    try {
      const data = nodeData(bytes, node, little);
      out.set(data.subarray(0, Math.min(data.length, size - node.offset)), node.offset);
    } catch (error) {
      if (!(error instanceof Corruption) && !(error instanceof DecompressionError)) throw error;
      if (failures++ === 0) {
        firstFailure = error.message;
        firstFailureAt = node.at;
      }
    }
  }
  if (failures > 0) {
    const which = failures === 1 ? 'a data node is' : `${failures} data nodes are`;
    problems.push({ path, offset: firstFailureAt, message: `${which} unreadable (left as zeros): ${firstFailure}` });
  }
  return out;
}

/** The live names of every directory: the highest version of each (parent, name), deletions dropped. */
function liveDirectories(dirents: readonly DirentNode[]): Map<number, DirentNode[]> {
  const newest = new Map<string, DirentNode>();
  for (const dirent of dirents) {
    const key = `${dirent.parent}/${dirent.name}`;
    const seen = newest.get(key);
    if (!seen || dirent.version > seen.version || (dirent.version === seen.version && dirent.at > seen.at)) newest.set(key, dirent);
  }
  const children = new Map<number, DirentNode[]>();
  for (const dirent of newest.values()) {
    if (dirent.ino === 0) continue;
    const list = children.get(dirent.parent);
    if (list) list.push(dirent);
    else children.set(dirent.parent, [dirent]);
  }
  // Names in a stable order, so the same image always lists the same way.
  for (const list of children.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return children;
}

function unpackJffs2(bytes: Uint8Array, offset: number, limits: Limits): { entries: Entry[]; problems: Problem[]; length?: number } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  const order = byteOrderAt(bytes, offset);
  if (order === null || offset + HEADER_SIZE > bytes.length) {
    problems.push({ offset, message: 'no JFFS2 node here (too short or no magic number)' });
    return { entries, problems };
  }
  const little = order === 'little-endian';
  const tally = new Tally(describeSkippedNodes);
  let scan: Scan;
  try {
    scan = scanNodes(bytes, offset, order, limits, problems, tally);
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    tally.report(problems);
    problems.push({ offset, message: `unpacking stopped: ${error.message}` });
    return { entries, problems };
  }
  tally.report(problems);
  const { inodes, length } = scan;
  if (scan.dirents.length === 0 && inodes.size === 0) problems.push({ offset, message: 'no readable JFFS2 node here' });

  const children = liveDirectories(scan.dirents);
  const listing = new InodeListing(entries, problems, ROOT_INO);
  const pending: { ino: number; path: string }[] = [{ ino: ROOT_INO, path: '' }];
  try {
    // Depth first with an explicit stack: a hostile image may nest far deeper than the call stack.
    while (pending.length > 0) {
      const { ino: directory, path: directoryPath } = pending.pop()!;
      const subdirectories: { ino: number; path: string }[] = [];
      for (const dirent of children.get(directory) ?? []) {
        // Charged before anything else, so even a listing of unusable names runs out of budget.
        spend(limits, 0, 1);
        const path = childPath(directoryPath, dirent.name, problems, PATH_MAXIMUM);
        if (path === null) continue;
        const nodes = inodes.get(dirent.ino);
        const current = nodes ? latest(nodes) : undefined;
        if (!current) problems.push({ path, offset: dirent.at, message: `inode ${dirent.ino} has no readable inode node; its type is taken from the directory entry and its contents are unknown` });
        const mode = modeWithEntryType(current?.mode, DIRENT_TYPE_TO_MODE[dirent.type]);
        const owner = current ? { uid: current.uid, gid: current.gid } : {};
        const type = entryTypeOfMode(mode);
        if (type === 'directory') {
          if (listing.enterDirectory(dirent.ino, path, mode, owner)) subdirectories.push({ ino: dirent.ino, path });
          continue;
        }
        if (listing.listedAsHardlink(dirent.ino, path, mode, owner)) continue;
        switch (type) {
          case 'file': {
            if (!nodes || !current) {
              entries.push({ path, type: 'file', mode });
              break;
            }
            if (chargeFile(current.isize, path, limits, problems) === null) {
              entries.push({ path, type: 'file', mode, ...owner });
              break;
            }
            entries.push({ path, type: 'file', mode, data: inodeContents(bytes, nodes, current.isize, little, path, problems), ...owner });
            break;
          }
          case 'symlink': {
            const size = current ? Math.min(current.isize, PATH_MAXIMUM) : 0;
            if (current && current.isize > PATH_MAXIMUM) problems.push({ path, message: `the symlink's target claims ${current.isize} bytes, more than a path can hold; cut to ${PATH_MAXIMUM}` });
            const target = nodes ? names.decode(inodeContents(bytes, nodes, size, little, path, problems)) : '';
            reportEscapingLink(path, target, problems, 'image');
            entries.push({ path, type: 'symlink', mode, target, ...owner });
            break;
          }
          case null:
            problems.push({ path, message: `inode ${dirent.ino} has mode 0o${mode.toString(8)}, which is no file type; skipped` });
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
    return { entries, problems, length };
  }
  // Names in directories never reached hang off a deleted directory or a cycle of directories
  // that lists itself and not the root: reported once, not listed under invented paths.
  let unreachable = 0;
  for (const [parent, list] of children) if (!listing.visitedDirectories.has(parent)) unreachable += list.length;
  if (unreachable > 0) problems.push({ offset, message: `${unreachable} names are in directories that cannot be reached from the root; not listed` });
  return { entries, problems, length };
}

export const jffs2: Unpacker = {
  name: 'jffs2',
  detect(bytes, offset) {
    const order = byteOrderAt(bytes, offset);
    if (order === null) return false;
    const header = readHeader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset, order === 'little-endian');
    return header !== null && KNOWN_NODE_TYPES.has(header.type | NODE_ACCURATE) && header.totlen >= HEADER_SIZE;
  },
  unpack: unpackJffs2,
};
