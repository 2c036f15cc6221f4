// U-Boot images: the legacy uImage (a 64-byte header before a kernel, ramdisk or firmware,
// possibly compressed, possibly several files in one) and FIT images (a flattened device tree
// whose /images nodes carry the kernel, device trees and ramdisks). Most embedded Linux firmware
// boots from one of the two.
//
// References: U-Boot's include/image.h (header layout and the OS, architecture, type and
// compression numbers, checked against mkimage 2023.01), doc/usage/fit/source_file_format.rst,
// and the devicetree specification's flattened format; lzop's file format for '-C lzo'.
// Limitations: FIT signatures are not verified (hashes are); an lzop stream's checksums are not
// checked (the LZO decoder catches damage); images inside FIT configurations are not
// cross-checked.
//
// Entries: a legacy image's payload becomes '<name>.bin' (the header's name, sanitised), each part
// of a multi-file image '<name>-<n>.bin'; each FIT image node 'fit/<node name>'. Payloads are
// decompressed as their header says; when that fails the stored bytes are given instead, with a
// Problem, so later stages can still look inside. Neither format stores a mode, so entries carry 0.

import { createHash } from 'node:crypto';
import { decompress, DecompressionError, type CompressionKind } from './compression.ts';
import { crc32 } from './crc32.ts';
import { decodeLzo1x } from './lzo.ts';
import { decompressLz4Frame } from './lz4.ts';
import { LimitExceeded, safePath, spend, type Entry, type Limits, type Problem, type Unpacker } from './types.ts';

const UIMAGE_MAGIC = 0x27051956;
const FDT_MAGIC = 0xd00dfeed;
const HEADER_SIZE = 64;

const OPERATING_SYSTEMS = [
  'invalid', 'openbsd', 'netbsd', 'freebsd', '4_4bsd', 'linux', 'svr4', 'esix', 'solaris', 'irix', 'sco', 'dell', 'ncr', 'lynxos',
  'vxworks', 'psos', 'qnx', 'u-boot', 'rtems', 'artos', 'unity', 'integrity', 'ose', 'plan9', 'openrtos', 'arm-trusted-firmware',
  'tee', 'opensbi', 'efi',
];
const ARCHITECTURES = [
  'invalid', 'alpha', 'arm', 'x86', 'ia64', 'mips', 'mips64', 'powerpc', 's390', 'sh', 'sparc', 'sparc64', 'm68k', 'nios', 'microblaze',
  'nios2', 'blackfin', 'avr32', 'st200', 'sandbox', 'nds32', 'or1k', 'arm64', 'arc', 'x86_64', 'xtensa', 'riscv',
];
const IMAGE_TYPES = [
  'invalid', 'standalone', 'kernel', 'ramdisk', 'multi', 'firmware', 'script', 'filesystem', 'flat_dt', 'kwbimage', 'imximage',
  'ublimage', 'omapimage', 'aisimage', 'kernel_noload', 'pblimage', 'mxsimage', 'gpimage', 'atmelimage', 'socfpgaimage',
  'x86_setup', 'lpc32xximage', 'loadable', 'rkimage', 'rksd', 'rkspi', 'zynqimage', 'zynqmpimage', 'zynqmpbif', 'fpga',
  'vybridimage', 'tee', 'firmware_ivt', 'pmmc', 'stm32image', 'socfpgaimage_v1', 'mtk_image', 'imx8mimage', 'imx8image', 'copro',
  'sunxi_egon', 'sunxi_toc0',
];
const COMPRESSIONS = ['none', 'gzip', 'bzip2', 'lzma', 'lzo', 'lz4', 'zstd'] as const;
type UimageCompression = (typeof COMPRESSIONS)[number];

const MULTI = 4;
const SCRIPT = 6;

function be32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function named(table: readonly string[], value: number): string {
  return table[value] ?? `unknown (${value})`;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

function cString(bytes: Uint8Array, at: number, length: number): string {
  let end = at;
  while (end < at + length && end < bytes.length && bytes[end] !== 0) end++;
  return latin1.decode(bytes.subarray(at, end));
}

/** A file name from an image's name field: printable, no separators, never empty. */
function sanitise(name: string, fallback: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._+-]+/g, '_').replace(/^[._]+|_+$/g, '');
  return cleaned === '' ? fallback : cleaned.slice(0, 64);
}

interface LegacyHeader {
  headerCrc: number;
  computedHeaderCrc: number;
  created: number;
  size: number;
  load: number;
  entry: number;
  dataCrc: number;
  os: number;
  architecture: number;
  type: number;
  compression: number;
  name: string;
}

function readLegacyHeader(bytes: Uint8Array, offset: number): LegacyHeader | null {
  if (offset < 0 || offset + HEADER_SIZE > bytes.length || be32(bytes, offset) !== UIMAGE_MAGIC) return null;
  // The header CRC is computed with its own field as zeros.
  const header = bytes.slice(offset, offset + HEADER_SIZE);
  header.fill(0, 4, 8);
  return {
    headerCrc: be32(bytes, offset + 4),
    computedHeaderCrc: crc32(header),
    created: be32(bytes, offset + 8),
    size: be32(bytes, offset + 12),
    load: be32(bytes, offset + 16),
    entry: be32(bytes, offset + 20),
    dataCrc: be32(bytes, offset + 24),
    os: bytes[offset + 28]!,
    architecture: bytes[offset + 29]!,
    type: bytes[offset + 30]!,
    compression: bytes[offset + 31]!,
    name: cString(bytes, offset + 32, 32),
  };
}

// ---------------------------------------------------------------------------------------------
// Flattened device trees (FIT)

interface FdtNode {
  name: string;
  properties: Map<string, Uint8Array>;
  children: FdtNode[];
}

class FdtCorruption extends Error {}

const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_NOP = 4;
const FDT_END = 9;
const FDT_DEPTH_MAXIMUM = 64;

interface FdtHeader {
  totalSize: number;
  structOffset: number;
  stringsOffset: number;
  structSize: number;
  stringsSize: number;
  version: number;
}

function readFdtHeader(bytes: Uint8Array, offset: number): FdtHeader | null {
  if (offset < 0 || offset + 40 > bytes.length || be32(bytes, offset) !== FDT_MAGIC) return null;
  const header = {
    totalSize: be32(bytes, offset + 4),
    structOffset: be32(bytes, offset + 8),
    stringsOffset: be32(bytes, offset + 12),
    version: be32(bytes, offset + 20),
    stringsSize: be32(bytes, offset + 32),
    structSize: be32(bytes, offset + 36),
  };
  // Version 17 (what dtc and mkimage write) added the struct size; 16 is still met in the wild.
  if (header.version < 16) return null;
  if (header.totalSize < 40 || header.structOffset + header.structSize > header.totalSize || header.stringsOffset + header.stringsSize > header.totalSize) return null;
  return header;
}

/** The position rounded up to a multiple of four from the start of the tree (which need not be aligned in the image). */
function align4(start: number, position: number): number {
  return position + ((4 - ((position - start) % 4)) % 4);
}

/** Parses the structure block into a tree; property values are views into the image. */
function parseFdt(bytes: Uint8Array, offset: number, header: FdtHeader): FdtNode {
  const end = offset + Math.min(header.totalSize, bytes.length - offset);
  const structEnd = Math.min(end, offset + header.structOffset + (header.version >= 17 ? header.structSize : header.totalSize));
  const strings = offset + header.stringsOffset;
  const stringsEnd = Math.min(end, strings + header.stringsSize);
  let at = offset + header.structOffset;
  const word = (): number => {
    if (at + 4 > structEnd) throw new FdtCorruption('the device tree structure is cut short');
    const value = be32(bytes, at);
    at += 4;
    return value;
  };
  const root: FdtNode = { name: '', properties: new Map(), children: [] };
  const stack: FdtNode[] = [];
  // Every token consumes at least four bytes, so the loop ends with the structure block.
  for (;;) {
    const token = word();
    if (token === FDT_NOP) continue;
    if (token === FDT_END) break;
    if (token === FDT_BEGIN_NODE) {
      let nameEnd = at;
      while (nameEnd < structEnd && bytes[nameEnd] !== 0) nameEnd++;
      if (nameEnd >= structEnd) throw new FdtCorruption('a device tree node name runs past the structure block');
      const name = utf8.decode(bytes.subarray(at, nameEnd));
      at = align4(offset, nameEnd + 1);
      const node = stack.length === 0 ? root : { name, properties: new Map<string, Uint8Array>(), children: [] };
      if (stack.length > 0) stack.at(-1)!.children.push(node);
      else if (root.children.length > 0 || root.properties.size > 0) throw new FdtCorruption('the device tree has more than one root');
      stack.push(node);
      if (stack.length > FDT_DEPTH_MAXIMUM) throw new FdtCorruption(`the device tree nests deeper than ${FDT_DEPTH_MAXIMUM}`);
      continue;
    }
    if (token === FDT_END_NODE) {
      if (stack.pop() === undefined) throw new FdtCorruption('the device tree closes a node it never opened');
      continue;
    }
    if (token === FDT_PROP) {
      const length = word();
      const nameOffset = word();
      if (at + length > structEnd) throw new FdtCorruption('a device tree property runs past the structure block');
      const current = stack.at(-1);
      if (!current) throw new FdtCorruption('a device tree property lies outside every node');
      if (strings + nameOffset >= stringsEnd) throw new FdtCorruption('a device tree property name lies outside the strings block');
      current.properties.set(cString(bytes, strings + nameOffset, stringsEnd - strings - nameOffset), bytes.subarray(at, at + length));
      at = align4(offset, at + length);
      continue;
    }
    throw new FdtCorruption(`unknown device tree token ${token}`);
  }
  return root;
}

function stringProperty(node: FdtNode, name: string): string | undefined {
  const value = node.properties.get(name);
  if (value === undefined) return undefined;
  const end = value.indexOf(0);
  return utf8.decode(end < 0 ? value : value.subarray(0, end));
}

function numberProperty(node: FdtNode, name: string): number | undefined {
  const value = node.properties.get(name);
  if (value === undefined) return undefined;
  if (value.length === 4) return be32(value, 0);
  if (value.length === 8) return be32(value, 0) * 0x1_0000_0000 + be32(value, 4);
  return undefined;
}

/** Whether a device tree at offset is a FIT image: a root with an /images node. */
function isFit(bytes: Uint8Array, offset: number): boolean {
  const header = readFdtHeader(bytes, offset);
  if (!header || offset + header.totalSize > bytes.length) return false;
  try {
    return parseFdt(bytes, offset, header).children.some((child) => child.name === 'images');
  } catch (error) {
    if (error instanceof FdtCorruption) return false;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Payload decompression

const KINDS: Record<Exclude<UimageCompression, 'none' | 'lzo' | 'lz4'>, CompressionKind> = { gzip: 'gzip', bzip2: 'bzip2', lzma: 'lzma', zstd: 'zstd' };

const LZOP_MAGIC = [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * An lzop file (what `mkimage -C lzo` expects and U-Boot's lzop_decompress reads): a header,
 * then blocks of LZO1X data, each with its sizes and optional checksums, ended by a zero size.
 */
function decompressLzop(input: Uint8Array, maxOutput: number): Uint8Array {
  const fail = (why: string): DecompressionError => new DecompressionError(`lzop: ${why}`);
  if (!LZOP_MAGIC.every((b, i) => input[i] === b)) throw fail('not an lzop file (bad magic number)');
  let at = 9;
  const need = (count: number): void => {
    if (at + count > input.length) throw fail('the file is cut short');
  };
  need(4);
  const version = (input[at]! << 8) | input[at + 1]!;
  at += 4; // version, library version
  if (version >= 0x0940) at += 2; // version needed to extract
  need(1);
  at += version >= 0x0940 ? 2 : 1; // method (and level)
  need(4);
  const flags = be32(input, at);
  at += 4;
  if (flags & 0x800) at += 4; // filter
  at += version >= 0x0940 ? 12 : 8; // mode, mtime (low and high)
  need(1);
  at += 1 + input[at]! + 4; // name, header checksum
  if (flags & 0x40) {
    need(4);
    at += 4 + be32(input, at) + 4; // extra field and its checksum
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    need(4);
    const outputSize = be32(input, at);
    at += 4;
    if (outputSize === 0) break;
    need(4);
    const inputSize = be32(input, at);
    at += 4;
    if (flags & 0x001) at += 4; // adler32 of the output
    if (flags & 0x100) at += 4; // crc32 of the output
    if (inputSize < outputSize) {
      if (flags & 0x002) at += 4; // adler32 of the input
      if (flags & 0x200) at += 4; // crc32 of the input
    }
    if (total + outputSize > maxOutput) throw fail(`output would exceed ${maxOutput} bytes`);
    need(inputSize);
    const block = input.subarray(at, at + inputSize);
    at += inputSize;
    // A block that did not shrink is stored as it is.
    const chunk = inputSize === outputSize ? block : decodeLzo1x(block, outputSize, outputSize);
    chunks.push(chunk);
    total += chunk.length;
  }
  const out = new Uint8Array(total);
  let position = 0;
  for (const chunk of chunks) {
    out.set(chunk, position);
    position += chunk.length;
  }
  return out;
}

function decompressPayload(compression: string, payload: Uint8Array, maxOutput: number): Uint8Array {
  switch (compression) {
    case 'none':
      return payload;
    case 'lzo':
      return decompressLzop(payload, maxOutput);
    case 'lz4':
      return decompressLz4Frame(payload, maxOutput);
    case 'gzip':
    case 'bzip2':
    case 'lzma':
    case 'zstd':
      return decompress(KINDS[compression], payload, maxOutput);
    default:
      throw new DecompressionError(`compression '${compression}' is not supported`);
  }
}

/** What one payload may expand to: a single file's bound, and what is left of the total. */
function outputBound(limits: Limits): number {
  return Math.max(0, Math.min(limits.maxFileBytes, limits.maxTotalBytes - limits.used.bytes));
}

/**
 * Adds the payload as an entry, decompressed when it says it is compressed; a payload that does
 * not decompress is given as stored, with a Problem.
 */
function addPayload(path: string, compression: string, payload: Uint8Array, limits: Limits, entries: Entry[], problems: Problem[], offset: number): void {
  let data = payload;
  try {
    data = decompressPayload(compression, payload, outputBound(limits));
  } catch (error) {
    if (!(error instanceof DecompressionError)) throw error;
    problems.push({ path, offset, message: `the ${compression} payload does not decompress (${error.message}); given as stored` });
  }
  spend(limits, data.length, 1);
  entries.push({ path, type: 'file', mode: 0, data });
}

// ---------------------------------------------------------------------------------------------
// Unpacking

function unpackLegacy(bytes: Uint8Array, offset: number, header: LegacyHeader, limits: Limits, entries: Entry[], problems: Problem[]): number {
  if (header.headerCrc !== header.computedHeaderCrc) {
    problems.push({ offset, message: `the header CRC32 does not match (stored ${hex(header.headerCrc)}, computed ${hex(header.computedHeaderCrc)}); its fields may be wrong` });
  }
  const available = bytes.length - offset - HEADER_SIZE;
  let size = header.size;
  if (size > available) {
    problems.push({ offset, message: `the image is truncated: its header claims ${header.size} bytes of data but ${available} are present` });
    size = available;
  }
  const data = bytes.subarray(offset + HEADER_SIZE, offset + HEADER_SIZE + size);
  if (size === header.size && crc32(data) !== header.dataCrc) {
    problems.push({ offset, message: `the data CRC32 does not match (stored ${hex(header.dataCrc)}, computed ${hex(crc32(data))})` });
  }
  const compression = named(COMPRESSIONS, header.compression);
  const base = sanitise(header.name, 'uimage');
  if (header.type === MULTI || header.type === SCRIPT) {
    // A table of big-endian sizes ended by a zero, then each part padded to four bytes.
    const sizes: number[] = [];
    let at = 0;
    for (;;) {
      if (at + 4 > data.length) {
        problems.push({ offset, message: 'the table of parts runs past the data; the data is given whole' });
        addPayload(`${base}.bin`, 'none', data, limits, entries, problems, offset);
        return size;
      }
      const partSize = be32(data, at);
      at += 4;
      if (partSize === 0) break;
      sizes.push(partSize);
    }
    for (const [index, stated] of sizes.entries()) {
      let partSize = stated;
      if (at + partSize > data.length) {
        problems.push({ offset, message: `part ${index} (${partSize} bytes) runs past the data` });
        partSize = Math.max(0, data.length - at);
      }
      const name = header.type === SCRIPT ? `${base}.script` : `${base}-${index}.bin`;
      addPayload(name, compression, data.subarray(at, at + partSize), limits, entries, problems, offset);
      at += Math.ceil(partSize / 4) * 4;
    }
    return size;
  }
  addPayload(`${base}.bin`, compression, data, limits, entries, problems, offset);
  return size;
}

const HASHES: Record<string, string> = { sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', md5: 'md5' };

/** Checks a FIT image's hash nodes against its stored data; each mismatch is a Problem. */
function checkHashes(image: FdtNode, data: Uint8Array, path: string, problems: Problem[]): void {
  for (const hash of image.children.filter((child) => child.name === 'hash' || child.name.startsWith('hash-') || child.name.startsWith('hash@'))) {
    const algorithm = stringProperty(hash, 'algo');
    const stored = hash.properties.get('value');
    if (algorithm === undefined || stored === undefined) continue;
    let computed: Uint8Array;
    if (algorithm === 'crc32') {
      computed = new Uint8Array(4);
      new DataView(computed.buffer).setUint32(0, crc32(data));
    } else if (HASHES[algorithm]) computed = createHash(HASHES[algorithm]).update(data).digest();
    else {
      problems.push({ path, message: `hash algorithm '${algorithm}' is not checked` });
      continue;
    }
    if (Buffer.compare(Buffer.from(computed), Buffer.from(stored)) !== 0) {
      problems.push({ path, message: `the ${algorithm} hash does not match the data` });
    }
  }
}

function unpackFit(bytes: Uint8Array, offset: number, header: FdtHeader, limits: Limits, entries: Entry[], problems: Problem[]): number {
  if (offset + header.totalSize > bytes.length) {
    problems.push({ offset, message: `the FIT image is truncated: it claims ${header.totalSize} bytes but ${bytes.length - offset} are present` });
  }
  let root: FdtNode;
  try {
    root = parseFdt(bytes, offset, header);
  } catch (error) {
    if (!(error instanceof FdtCorruption)) throw error;
    problems.push({ offset, message: `the FIT structure is unreadable: ${error.message}` });
    return Math.min(header.totalSize, bytes.length - offset);
  }
  const images = root.children.find((child) => child.name === 'images');
  if (!images) {
    problems.push({ offset, message: 'the device tree has no /images node' });
    return header.totalSize;
  }
  // External data ('mkimage -E') follows the tree, at offsets from its 4-byte-aligned end.
  const externalBase = Math.ceil(header.totalSize / 4) * 4;
  let length = header.totalSize;
  const located: { image: FdtNode; path: string; data: Uint8Array | undefined; start: number; end: number }[] = [];
  for (const image of images.children) {
    const path = safePath(`fit/${image.name}`)?.path;
    if (!path || path !== `fit/${image.name}`) {
      problems.push({ offset, message: `the image node name ${JSON.stringify(image.name)} is not a plain name; skipped` });
      continue;
    }
    const embedded = image.properties.get('data');
    if (embedded !== undefined) {
      located.push({ image, path, data: embedded, start: Number.NaN, end: Number.NaN });
      continue;
    }
    const dataOffset = numberProperty(image, 'data-offset');
    const position = numberProperty(image, 'data-position');
    const size = numberProperty(image, 'data-size');
    const start = position ?? (dataOffset === undefined ? undefined : externalBase + dataOffset);
    if (start === undefined || size === undefined) {
      problems.push({ path, message: 'the image has neither data nor an external data offset and size' });
      continue;
    }
    if (offset + start + size > bytes.length) {
      problems.push({ path, message: `the external data (${size} bytes at ${start}) runs past the end of the image` });
      continue;
    }
    located.push({ image, path, data: bytes.subarray(offset + start, offset + start + size), start, end: start + size });
    length = Math.max(length, start + size);
  }
  // Two images sharing external bytes is how a small FIT would make us hash and decompress the
  // same data over and over; mkimage never writes it.
  const external = located.filter((item) => !Number.isNaN(item.start) && item.end > item.start).sort((a, b) => a.start - b.start);
  let reach = -1;
  for (const item of external) {
    if (item.start < reach) {
      problems.push({ path: item.path, message: 'the external data overlaps that of another image; not read' });
      item.data = undefined;
    }
    reach = Math.max(reach, item.end);
  }
  for (const { image, path, data } of located) {
    if (data === undefined) continue;
    spend(limits, 0, 0); // the deadline, between images
    checkHashes(image, data, path, problems);
    addPayload(path, stringProperty(image, 'compression') ?? 'none', data, limits, entries, problems, offset);
  }
  return length;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function unpackUimage(bytes: Uint8Array, offset: number, limits: Limits): { entries: Entry[]; problems: Problem[]; length?: number } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  const legacy = readLegacyHeader(bytes, offset);
  const fdt = legacy ? null : readFdtHeader(bytes, offset);
  if (!legacy && !fdt) {
    problems.push({ offset, message: 'no uImage header or FIT image here' });
    return { entries, problems };
  }
  let length: number | undefined;
  try {
    length = legacy ? HEADER_SIZE + unpackLegacy(bytes, offset, legacy, limits, entries, problems) : unpackFit(bytes, offset, fdt!, limits, entries, problems);
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    problems.push({ offset, message: `unpacking stopped: ${error.message}` });
  }
  return length === undefined ? { entries, problems } : { entries, problems, length };
}

// ---------------------------------------------------------------------------------------------
// The summary

export interface LegacyUimageDescription {
  format: 'legacy';
  name: string;
  os: string;
  architecture: string;
  type: string;
  compression: string;
  loadAddress: number;
  entryPoint: number;
  dataSize: number;
  /** Seconds since the epoch, as mkimage recorded it. */
  created: number;
  headerCrcValid: boolean;
}

export interface FitImageDescription {
  name: string;
  description?: string;
  type?: string;
  os?: string;
  architecture?: string;
  compression: string;
  loadAddress?: number;
  entryPoint?: number;
}

export interface FitDescription {
  format: 'fit';
  description?: string;
  defaultConfiguration?: string;
  images: FitImageDescription[];
}

/** What the scanner's summary says about a uImage or FIT image at offset; null when there is none. */
export function describeUimage(bytes: Uint8Array, offset: number): LegacyUimageDescription | FitDescription | null {
  const legacy = readLegacyHeader(bytes, offset);
  if (legacy) {
    return {
      format: 'legacy',
      name: legacy.name,
      os: named(OPERATING_SYSTEMS, legacy.os),
      architecture: named(ARCHITECTURES, legacy.architecture),
      type: named(IMAGE_TYPES, legacy.type),
      compression: named(COMPRESSIONS, legacy.compression),
      loadAddress: legacy.load,
      entryPoint: legacy.entry,
      dataSize: legacy.size,
      created: legacy.created,
      headerCrcValid: legacy.headerCrc === legacy.computedHeaderCrc,
    };
  }
  const header = readFdtHeader(bytes, offset);
  if (!header) return null;
  let root: FdtNode;
  try {
    root = parseFdt(bytes, offset, header);
  } catch (error) {
    if (error instanceof FdtCorruption) return null;
    throw error;
  }
  const images = root.children.find((child) => child.name === 'images');
  if (!images) return null;
  const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]?: V }));
  const configurations = root.children.find((child) => child.name === 'configurations');
  return {
    format: 'fit',
    ...optional('description', stringProperty(root, 'description')),
    ...optional('defaultConfiguration', configurations && stringProperty(configurations, 'default')),
    images: images.children.map((image) => ({
      name: image.name,
      compression: stringProperty(image, 'compression') ?? 'none',
      ...optional('description', stringProperty(image, 'description')),
      ...optional('type', stringProperty(image, 'type')),
      ...optional('os', stringProperty(image, 'os')),
      ...optional('architecture', stringProperty(image, 'arch')),
      ...optional('loadAddress', numberProperty(image, 'load')),
      ...optional('entryPoint', numberProperty(image, 'entry')),
    })),
  };
}

export const uimage: Unpacker = {
  name: 'uimage',
  detect(bytes, offset) {
    const legacy = readLegacyHeader(bytes, offset);
    if (legacy) return legacy.headerCrc === legacy.computedHeaderCrc || (legacy.compression < COMPRESSIONS.length && legacy.type < IMAGE_TYPES.length);
    return isFit(bytes, offset);
  },
  unpack: unpackUimage,
};
