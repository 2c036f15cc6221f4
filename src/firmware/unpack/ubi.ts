// UBI, the volume layer Linux puts on raw NAND flash: the flash is cut into physical erase blocks
// (PEBs), each starting with an erase-counter (EC) header ('UBI#') and, when it holds data, a
// volume-identifier (VID) header ('UBI!') saying which logical erase block (LEB) of which volume
// it carries. A volume is its LEBs in order; the volume table, kept twice in the internal layout
// volume, names them. Wear levelling moves LEBs between PEBs, so a LEB may exist in several
// copies: the one of highest sequence number is current, unless it was being copied (copy_flag)
// and its data fails the CRC, in which case the older copy still holds (as the kernel decides in
// ubi_compare_lebs).
//
// Each volume becomes one file entry, '<name>.ubivol', holding its LEBs in order: the scanner
// looks into files, so a UBIFS or SquashFS in a volume is found by its own signature.
//
// References: the kernel's drivers/mtd/ubi/ubi-media.h and attach.c; mtd-utils' ubinize as the
// writer the tests compare against.
// Limitations: fastmap is not read (every PEB is scanned, which gives the same result); several
// UBI images with the same image sequence number placed back to back (a dual-bank flash dump of
// one image) are read as one, the first copy of each LEB winning; a dynamic volume is produced up
// to its highest mapped LEB, with unmapped LEBs read as erased flash (0xFF), as UBI returns them.
//
// The PEB size is in no header: it is the most common distance between consecutive EC headers of
// the same image (EC headers sit at the start of every PEB, and a bad block in between only
// doubles one distance).

import { crc32 } from './crc32.ts';
import { childPath, LimitExceeded, spend, Tally, type Entry, type Limits, type Problem, type Unpacker } from './types.ts';

const EC_MAGIC = 0x55424923; // 'UBI#'
const VID_MAGIC = 0x55424921; // 'UBI!'
const HEADER_SIZE = 64;
const HEADER_CRC_AT = 60;
const UBI_VERSION = 1;
const VID_DYNAMIC = 1;
const VID_STATIC = 2;
// The volume table stores the volume type with the same values as the VID header.
/** Volume ids from here up are UBI's own: the layout volume, then fastmap's two. */
const INTERNAL_VOLUME_START = 0x7fffefff;
const LAYOUT_VOLUME_ID = INTERNAL_VOLUME_START;
const MAX_VOLUMES = 128;
const VTBL_RECORD_SIZE = 172;
const VOLUME_NAME_MAXIMUM = 127;
/** How many consecutive PEBs without a header may lie inside an image (bad blocks come singly). */
const GAP_MAXIMUM = 8;
/** Consecutive EC header distances looked at to find the PEB size. */
const DISTANCES_SAMPLED = 64;
/** Headers of other images passed over while looking for the second PEB of this one. */
const STRANGERS_MAXIMUM = 64;
const EC_MAGIC_BYTES = Buffer.from('UBI#', 'latin1');
/** The largest PEB any NAND has (MLC parts reach 8 MiB); more means the headers are not one image. */
const PEB_MAXIMUM = 16 * 1024 * 1024;
const CLOCK_EVERY = 1024;
const PATH_MAXIMUM = 4096;

/** UBI's CRC: the kernel's crc32_le seeded with 0xFFFFFFFF and without the final inversion. */
export function ubiCrc(bytes: Uint8Array): number {
  return ~crc32(bytes) >>> 0;
}

interface EcHeader {
  at: number;
  vidHeaderOffset: number;
  dataOffset: number;
  imageSeq: number;
}

interface VidHeader {
  volumeId: number;
  lnum: number;
  sqnum: bigint;
  copyFlag: boolean;
  volumeType: number;
  dataSize: number;
  usedEbs: number;
  dataPad: number;
  dataCrc: number;
  /** Where the LEB's data starts in the image. */
  dataAt: number;
  /** Where the PEB starts, for problems. */
  pebAt: number;
}

interface VolumeRecord {
  reservedPebs: number;
  dataPad: number;
  type: 'dynamic' | 'static';
  updateMarker: boolean;
  name: string;
}

/** How header-level trouble is reported: once for each kind rather than once per PEB. */
function describeBlockTrouble(message: string, count: number, offset: number): string {
  return `${message} (${count === 1 ? 'one erase block, at' : `${count} erase blocks, the first at`} byte ${offset})`;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readEcHeader(bytes: Uint8Array, view: DataView, at: number): EcHeader | null {
  if (at < 0 || at + HEADER_SIZE > bytes.length) return null;
  if (view.getUint32(at) !== EC_MAGIC || bytes[at + 4] !== UBI_VERSION) return null;
  if (ubiCrc(bytes.subarray(at, at + HEADER_CRC_AT)) !== view.getUint32(at + HEADER_CRC_AT)) return null;
  const vidHeaderOffset = view.getUint32(at + 16);
  const dataOffset = view.getUint32(at + 20);
  // The VID header follows the EC header and the data follows both: anything else cannot be laid out.
  if (vidHeaderOffset < HEADER_SIZE || dataOffset < vidHeaderOffset + HEADER_SIZE || dataOffset >= PEB_MAXIMUM) return null;
  return { at, vidHeaderOffset, dataOffset, imageSeq: view.getUint32(at + 24) };
}

/** The VID header at `at`: 'erased' for unwritten flash, 'bad' for anything that is no valid header. */
function readVidHeader(bytes: Uint8Array, view: DataView, at: number, pebAt: number, dataOffset: number): VidHeader | 'erased' | 'bad' {
  if (at + HEADER_SIZE > bytes.length) return 'bad';
  if (view.getUint32(at) !== VID_MAGIC) return bytes.subarray(at, at + HEADER_SIZE).every((b) => b === 0xff) ? 'erased' : 'bad';
  if (bytes[at + 4] !== UBI_VERSION) return 'bad';
  if (ubiCrc(bytes.subarray(at, at + HEADER_CRC_AT)) !== view.getUint32(at + HEADER_CRC_AT)) return 'bad';
  const volumeType = bytes[at + 5]!;
  const copyFlag = bytes[at + 6]!;
  if ((volumeType !== VID_DYNAMIC && volumeType !== VID_STATIC) || copyFlag > 1) return 'bad';
  return {
    volumeId: view.getUint32(at + 8),
    lnum: view.getUint32(at + 12),
    dataSize: view.getUint32(at + 20),
    usedEbs: view.getUint32(at + 24),
    dataPad: view.getUint32(at + 28),
    dataCrc: view.getUint32(at + 32),
    sqnum: view.getBigUint64(at + 40),
    copyFlag: copyFlag === 1,
    volumeType,
    dataAt: pebAt + dataOffset,
    pebAt,
  };
}

interface Layout {
  pebSize: number;
  /** PEB index (from the image's start) → its EC header, for every PEB that has a valid one. */
  headers: Map<number, EcHeader>;
  count: number;
}

/** The valid EC headers from `from` on, in order, found by their magic number. */
function* ecHeaders(bytes: Uint8Array, view: DataView, from: number, limits: Limits): Generator<EcHeader> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let seen = 0;
  for (let at = buffer.indexOf(EC_MAGIC_BYTES, from); at !== -1; at = buffer.indexOf(EC_MAGIC_BYTES, at + 1)) {
    if (++seen % CLOCK_EVERY === 0) spend(limits, 0);
    const header = readEcHeader(bytes, view, at);
    if (header) yield header;
  }
}

/**
 * Finds the PEB size and which PEBs belong to the image that starts at `first`: EC headers of the
 * same image sequence number at PEB-aligned positions, until more than GAP_MAXIMUM PEBs in a row
 * lack one or a header of another image appears. Both searches stop early, so that a blob full
 * of unrelated headers costs a little per candidate, not the whole blob each time.
 */
function findPebs(bytes: Uint8Array, view: DataView, first: EcHeader, limits: Limits): Layout | null {
  const counts = new Map<number, number>();
  let previous = first;
  let sampled = 0;
  let strangers = 0;
  for (const header of ecHeaders(bytes, view, first.at + 1, limits)) {
    if (header.imageSeq !== first.imageSeq) {
      if (++strangers > STRANGERS_MAXIMUM) break;
      continue;
    }
    const distance = header.at - previous.at;
    if (distance > PEB_MAXIMUM * (GAP_MAXIMUM + 1)) break;
    if (distance > first.dataOffset && distance <= PEB_MAXIMUM) counts.set(distance, (counts.get(distance) ?? 0) + 1);
    previous = header;
    if (++sampled >= DISTANCES_SAMPLED) break;
  }
  let pebSize = 0;
  let best = 0;
  for (const [distance, count] of counts) {
    if (count > best || (count === best && distance < pebSize)) {
      pebSize = distance;
      best = count;
    }
  }
  if (pebSize === 0) return null;
  const headers = new Map<number, EcHeader>([[0, first]]);
  let last = 0;
  for (const header of ecHeaders(bytes, view, first.at + pebSize, limits)) {
    const distance = header.at - first.at;
    if (distance > (last + GAP_MAXIMUM + 1) * pebSize) break;
    if (distance % pebSize !== 0) continue;
    // Another image's header where a PEB of this one would be: this one has ended.
    if (header.imageSeq !== first.imageSeq) break;
    last = distance / pebSize;
    headers.set(last, header);
  }
  return { pebSize, headers, count: last + 1 };
}

/** Reads the volume table from the layout volume's two copies, record by record, preferring LEB 0. */
function readVolumeTable(bytes: Uint8Array, view: DataView, copies: (VidHeader | undefined)[], lebSize: number, problems: Problem[]): Map<number, VolumeRecord> | null {
  const records = new Map<number, VolumeRecord>();
  if (copies.every((copy) => copy === undefined)) return null;
  const slots = Math.min(MAX_VOLUMES, Math.floor(lebSize / VTBL_RECORD_SIZE));
  const names = new TextDecoder('utf-8');
  let damaged = 0;
  for (let slot = 0; slot < slots; slot++) {
    let record: VolumeRecord | 'empty' | null = null;
    for (const copy of copies) {
      if (!copy) continue;
      const at = copy.dataAt + slot * VTBL_RECORD_SIZE;
      if (at + VTBL_RECORD_SIZE > bytes.length) continue;
      if (ubiCrc(bytes.subarray(at, at + VTBL_RECORD_SIZE - 4)) !== view.getUint32(at + VTBL_RECORD_SIZE - 4)) continue;
      const reservedPebs = view.getUint32(at);
      if (reservedPebs === 0) {
        record = 'empty';
        break;
      }
      const type = bytes[at + 12];
      const nameLength = view.getUint16(at + 14);
      if ((type !== VID_DYNAMIC && type !== VID_STATIC) || nameLength > VOLUME_NAME_MAXIMUM) continue;
      record = {
        reservedPebs,
        dataPad: view.getUint32(at + 8),
        type: type === VID_STATIC ? 'static' : 'dynamic',
        updateMarker: bytes[at + 13] !== 0,
        name: names.decode(bytes.subarray(at + 16, at + 16 + nameLength)),
      };
      break;
    }
    if (record === null) damaged++;
    else if (record !== 'empty') records.set(slot, record);
  }
  if (damaged > 0) problems.push({ offset: copies.find((copy) => copy)?.pebAt ?? 0, message: `${damaged} records of the volume table are damaged in both copies; those volumes are named by their ids` });
  return records;
}

/**
 * The current copy of one LEB: the highest sequence number wins, unless it was written by a copy
 * (wear levelling) that did not finish, which its data CRC tells.
 */
function currentCopy(bytes: Uint8Array, copies: VidHeader[], lebSize: number, tally: Tally): VidHeader {
  const ordered = [...copies].sort((a, b) => (a.sqnum > b.sqnum ? -1 : a.sqnum < b.sqnum ? 1 : a.pebAt - b.pebAt));
  if (ordered.length > 1 && ordered[0]!.sqnum === ordered[1]!.sqnum) tally.add('a LEB is held twice with the same sequence number; the first copy in the image is used', ordered[1]!.pebAt);
  for (const copy of ordered.slice(0, -1)) {
    if (!copy.copyFlag) return copy;
    if (copy.dataSize <= lebSize && copy.dataAt + copy.dataSize <= bytes.length && ubiCrc(bytes.subarray(copy.dataAt, copy.dataAt + copy.dataSize)) === copy.dataCrc) return copy;
    tally.add('an unfinished copy of a LEB fails its data CRC; the older copy is used', copy.pebAt);
  }
  return ordered.at(-1)!;
}

interface Volume {
  id: number;
  record: VolumeRecord | undefined;
  lebs: Map<number, VidHeader[]>;
}

/** The bytes of one volume, or null (with a Problem) when they cannot be produced within the limits. */
function volumeData(bytes: Uint8Array, volume: Volume, lebSize: number, pebCount: number, name: string, limits: Limits, problems: Problem[], tally: Tally): Uint8Array | null {
  const chosen = new Map<number, VidHeader>();
  for (const [lnum, copies] of volume.lebs) chosen.set(lnum, currentCopy(bytes, copies, lebSize, tally));
  const any = chosen.values().next().value;
  const isStatic = volume.record ? volume.record.type === 'static' : any?.volumeType === VID_STATIC;
  const reserved = volume.record?.reservedPebs;
  for (const lnum of [...chosen.keys()]) {
    if (reserved !== undefined && lnum >= reserved) {
      problems.push({ path: name, offset: chosen.get(lnum)!.pebAt, message: `LEB ${lnum} lies beyond the ${reserved} erase blocks the volume has; ignored` });
      chosen.delete(lnum);
    }
  }
  if (isStatic) {
    // Every LEB says how many the volume uses; the one of LEB 0 is as good as any.
    let usedEbs = chosen.get(0)?.usedEbs ?? any?.usedEbs ?? 0;
    if (usedEbs > pebCount) {
      problems.push({ path: name, message: `the static volume claims ${usedEbs} LEBs, more than the ${pebCount} erase blocks of the image; only those are looked for` });
      usedEbs = pebCount;
    }
    const pieces: Uint8Array[] = [];
    let total = 0;
    const missing: number[] = [];
    for (let lnum = 0; lnum < usedEbs; lnum++) {
      const leb = chosen.get(lnum);
      if (!leb) {
        missing.push(lnum);
        continue;
      }
      if (leb.dataSize > lebSize - leb.dataPad) {
        problems.push({ path: name, offset: leb.pebAt, message: `LEB ${lnum} claims ${leb.dataSize} bytes, more than a LEB holds; skipped` });
        continue;
      }
      const data = bytes.subarray(leb.dataAt, Math.min(bytes.length, leb.dataAt + leb.dataSize));
      if (data.length < leb.dataSize) problems.push({ path: name, offset: leb.pebAt, message: `the image is truncated: LEB ${lnum} is cut short` });
      else if (ubiCrc(data) !== leb.dataCrc) problems.push({ path: name, offset: leb.pebAt, message: `LEB ${lnum} fails its data CRC; kept as it is` });
      total += data.length;
      pieces.push(data);
    }
    if (missing.length > 0) problems.push({ path: name, message: `the static volume misses ${missing.length} of its ${usedEbs} LEBs (${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}); the rest is joined without them` });
    if (total > limits.maxFileBytes) {
      problems.push({ path: name, message: `the volume holds ${total} bytes, over the limit of ${limits.maxFileBytes}; its contents are not read` });
      return null;
    }
    spend(limits, total);
    const out = new Uint8Array(total);
    let at = 0;
    for (const piece of pieces) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }
  let highest = -1;
  for (const lnum of chosen.keys()) highest = Math.max(highest, lnum);
  const dataPad = volume.record?.dataPad ?? any?.dataPad ?? 0;
  const usable = lebSize - Math.min(dataPad, lebSize);
  const size = (highest + 1) * usable;
  if (size > limits.maxFileBytes) {
    problems.push({ path: name, message: `the volume holds ${size} bytes, over the limit of ${limits.maxFileBytes}; its contents are not read` });
    return null;
  }
  spend(limits, size);
  // An unmapped LEB reads as erased flash, as UBI returns it.
  const out = new Uint8Array(size).fill(0xff);
  let truncated = false;
  for (const [lnum, leb] of chosen) {
    const data = bytes.subarray(leb.dataAt, Math.min(bytes.length, leb.dataAt + usable));
    if (data.length < usable) truncated = true;
    out.set(data, lnum * usable);
  }
  if (truncated) problems.push({ path: name, message: 'the image is truncated: the last LEB is cut short; the missing part reads as erased flash' });
  return out;
}

function unpackUbi(bytes: Uint8Array, offset: number, limits: Limits): { entries: Entry[]; problems: Problem[]; length?: number } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  const view = viewOf(bytes);
  const first = readEcHeader(bytes, view, offset);
  if (!first) {
    problems.push({ offset, message: 'no valid UBI erase-counter header here' });
    return { entries, problems };
  }
  const tally = new Tally(describeBlockTrouble);
  let length: number | undefined;
  try {
    const layout = findPebs(bytes, view, first, limits);
    if (!layout) {
      problems.push({ offset, message: 'only one UBI erase block was found, so the erase block size cannot be told; a UBI image has at least three' });
      return { entries, problems };
    }
    const { pebSize, headers, count } = layout;
    length = Math.min(count * pebSize, bytes.length - offset);
    const lebSize = pebSize - first.dataOffset;
    if (offset + count * pebSize > bytes.length) problems.push({ offset: offset + (count - 1) * pebSize, message: `the image is truncated: its last erase block (of ${pebSize} bytes) is cut short` });

    const volumes = new Map<number, Volume>();
    const layoutCopies = new Map<number, VidHeader[]>();
    for (let index = 0; index < count; index++) {
      if (index % CLOCK_EVERY === 0) spend(limits, 0);
      const pebAt = offset + index * pebSize;
      const ec = headers.get(index);
      if (!ec) {
        const erased = bytes.subarray(pebAt, Math.min(bytes.length, pebAt + pebSize)).every((b) => b === 0xff);
        tally.add(erased ? 'erased flash without an EC header inside the image' : 'no valid EC header inside the image (a bad block or damage)', pebAt);
      }
      // A damaged EC header does not make the VID header after it wrong: the kernel reads it too.
      const vid = readVidHeader(bytes, view, pebAt + (ec ?? first).vidHeaderOffset, pebAt, (ec ?? first).dataOffset);
      if (vid === 'erased' || (vid === 'bad' && !ec)) continue;
      if (vid === 'bad') {
        tally.add('a damaged VID header; the data after it is not used', pebAt);
        continue;
      }
      if (ec && ec.dataOffset !== first.dataOffset) {
        tally.add('an EC header placing the data elsewhere than the first erase block does; its data is not used', pebAt);
        continue;
      }
      if (vid.volumeId === LAYOUT_VOLUME_ID) {
        const list = layoutCopies.get(vid.lnum);
        if (list) list.push(vid);
        else layoutCopies.set(vid.lnum, [vid]);
        continue;
      }
      if (vid.volumeId >= INTERNAL_VOLUME_START) continue; // fastmap: a cache of what the scan finds anyway
      if (vid.volumeId >= MAX_VOLUMES) {
        tally.add(`a volume id beyond the ${MAX_VOLUMES} UBI allows; ignored`, pebAt);
        continue;
      }
      let volume = volumes.get(vid.volumeId);
      if (!volume) {
        volume = { id: vid.volumeId, record: undefined, lebs: new Map() };
        volumes.set(vid.volumeId, volume);
      }
      const list = volume.lebs.get(vid.lnum);
      if (list) list.push(vid);
      else volume.lebs.set(vid.lnum, [vid]);
    }

    const layoutLebs = [0, 1].map((lnum) => {
      const copies = layoutCopies.get(lnum);
      return copies ? currentCopy(bytes, copies, lebSize, tally) : undefined;
    });
    const table = readVolumeTable(bytes, view, layoutLebs, lebSize, problems);
    if (!table) problems.push({ offset, message: 'the layout volume (the volume table) is missing; volumes are named by their ids' });
    for (const [id, record] of table ?? []) {
      const volume = volumes.get(id);
      if (volume) volume.record = record;
      else volumes.set(id, { id, record, lebs: new Map() });
    }
    tally.report(problems);

    const used = new Set<string>();
    for (const volume of [...volumes.values()].sort((a, b) => a.id - b.id)) {
      spend(limits, 0, 1);
      let path = volume.record ? childPath('', `${volume.record.name}.ubivol`, problems, PATH_MAXIMUM) : null;
      if (path === null || used.has(path)) path = `volume-${volume.id}.ubivol`;
      used.add(path);
      if (table && !volume.record) problems.push({ path, message: `volume ${volume.id} has data but no record in the volume table` });
      if (volume.record?.updateMarker) problems.push({ path, message: 'an update of the volume was interrupted; its contents may be incomplete' });
      const data = volumeData(bytes, volume, lebSize, count, path, limits, problems, tally);
      entries.push({ path, type: 'file', mode: 0, ...(data ? { data } : {}) });
    }
    tally.report(problems);
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    tally.report(problems);
    problems.push({ offset, message: `unpacking stopped: ${error.message}` });
  }
  return { entries, problems, ...(length === undefined ? {} : { length }) };
}

export const ubi: Unpacker = {
  name: 'ubi',
  detect(bytes, offset) {
    return readEcHeader(bytes, viewOf(bytes), offset) !== null;
  },
  unpack: unpackUbi,
};
