import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { carve } from '../carve.ts';
import { signatures } from './index.ts';
import { ubi, ubiCrc } from './ubi.ts';
import { ubifs } from './ubifs.ts';
import { assertSurvivesFlippedBits, assertSurvivesRandomTail, configText, limits, noise, problemsOf, quickUnpacker, workDirectory, writer } from '../../../test/support/unpack-fixtures.ts';

// Images are built at test time by mtd-utils' ubinize (with mkfs.ubifs for a UBIFS volume), and
// every volume the reader returns is compared with the file it was made from. What ubinize never
// writes (several copies of a LEB, bad blocks, damaged headers) is made by editing its output.

const work = workDirectory('ubi');

/** A 128 KiB-erase-block NAND with 2 KiB pages and 512-byte sub-pages: LEBs of 128 KiB - 2 KiB. */
const NAND = ['-m', '2048', '-p', '128KiB', '-s', '512'];
const PEB = 128 * 1024;
const LEB = PEB - 2048;

interface VolumeSpec {
  name: string;
  type: 'static' | 'dynamic';
  data: Uint8Array;
}

function ubinize(volumes: VolumeSpec[], image: string, flash: string[] = NAND): Uint8Array {
  const sections = volumes.map((volume, id) => {
    const file = `${image}.${id}.vol`;
    fs.writeFileSync(file, volume.data);
    return `[${volume.name}]\nmode=ubi\nimage=${file}\nvol_id=${id}\nvol_type=${volume.type}\nvol_name=${volume.name}\n`;
  });
  fs.writeFileSync(`${image}.cfg`, sections.join('\n'));
  execFileSync('ubinize', ['-o', image, ...flash, `${image}.cfg`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Uint8Array(fs.readFileSync(image));
}

/** What a dynamic volume reads as: its image, then erased flash to the end of its last LEB. */
function asDynamic(data: Uint8Array, lebSize: number): Buffer {
  const size = Math.ceil(data.length / lebSize) * lebSize;
  return Buffer.concat([data, Buffer.alloc(size - data.length, 0xff)]);
}

interface PebSummary {
  at: number;
  volumeId: number;
  lnum: number;
}

/** The VID header of every PEB that has one (what the tests know of the layout). */
function pebsOf(image: Uint8Array, pebSize: number): PebSummary[] {
  const buffer = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  const pebs: PebSummary[] = [];
  for (let at = 0; at + pebSize <= image.length; at += pebSize) {
    const vid = at + buffer.readUInt32BE(at + 16);
    if (buffer.readUInt32BE(vid) === 0x55424921) pebs.push({ at, volumeId: buffer.readUInt32BE(vid + 8), lnum: buffer.readUInt32BE(vid + 12) });
  }
  return pebs;
}

/** Recomputes the CRC of the 64-byte EC or VID header at `at` after a test has changed it. */
function reseal(image: Uint8Array, at: number): void {
  Buffer.from(image.buffer, image.byteOffset, image.byteLength).writeUInt32BE(ubiCrc(image.subarray(at, at + 60)), at + 60);
}

function volume(result: ReturnType<typeof ubi.unpack>, name: string): Buffer | undefined {
  const data = result.entries.find((entry) => entry.path === name)?.data;
  return data ? Buffer.from(data) : undefined;
}

const kernel = noise(300_000, 1);
const settings = configText(200_000, 2);

describe('UBI images written by ubinize', () => {
  const tree = path.join(work, 'tree');
  writer(tree)('etc/passwd', 'root:x:0:0::/root:/bin/sh\n');
  const rootfsFile = path.join(work, 'rootfs.ubifs');
  execFileSync('mkfs.ubifs', ['-r', tree, '-m', '2048', '-e', String(LEB), '-c', '64', '-o', rootfsFile]);
  const rootfs = new Uint8Array(fs.readFileSync(rootfsFile));

  test('two volumes, a dynamic UBIFS and a static kernel, read back as the images they were made from', () => {
    const image = ubinize(
      [
        { name: 'rootfs', type: 'dynamic', data: rootfs },
        { name: 'kernel', type: 'static', data: kernel },
      ],
      path.join(work, 'two.ubi'),
    );
    assert.ok(ubi.detect(image, 0));
    const result = ubi.unpack(image, 0, limits());
    assert.deepEqual(problemsOf(result), []);
    assert.deepEqual(
      result.entries.map((entry) => [entry.path, entry.type]),
      [
        ['rootfs.ubivol', 'file'],
        ['kernel.ubivol', 'file'],
      ],
    );
    assert.deepEqual(volume(result, 'rootfs.ubivol'), asDynamic(rootfs, LEB));
    assert.deepEqual(volume(result, 'kernel.ubivol'), kernel, 'a static volume keeps its exact size');
    assert.equal(result.length, image.length);
    assert.ok(ubifs.detect(volume(result, 'rootfs.ubivol')!, 0), 'the UBIFS is found in its volume');
  });

  const geometries: { flash: string[]; pebSize: number; dataOffset: number }[] = [
    { flash: ['-m', '2048', '-p', '64KiB'], pebSize: 64 * 1024, dataOffset: 4096 },
    { flash: ['-m', '4096', '-p', '256KiB', '-s', '1024'], pebSize: 256 * 1024, dataOffset: 4096 },
    { flash: ['-m', '512', '-p', '16KiB'], pebSize: 16 * 1024, dataOffset: 1024 },
    { flash: ['-m', '1', '-p', '64KiB'], pebSize: 64 * 1024, dataOffset: 128 },
  ];
  for (const { flash, pebSize, dataOffset } of geometries) {
    test(`erase blocks of ${pebSize / 1024} KiB with ${flash[1]}-byte pages are measured from the headers`, () => {
      const image = ubinize(
        [
          { name: 'kernel', type: 'static', data: kernel },
          { name: 'settings', type: 'dynamic', data: settings },
        ],
        path.join(work, 'geometry.ubi'),
        flash,
      );
      const result = ubi.unpack(image, 0, limits());
      assert.deepEqual(problemsOf(result), []);
      assert.deepEqual(volume(result, 'kernel.ubivol'), kernel);
      assert.deepEqual(volume(result, 'settings.ubivol'), asDynamic(settings, pebSize - dataOffset));
      assert.equal(result.length, image.length);
    });
  }

  test('an image inside a larger buffer is read at its offset; carving finds it once and not the UBIFS inside it', () => {
    const image = ubinize([{ name: 'rootfs', type: 'dynamic', data: rootfs }], path.join(work, 'embedded.ubi'));
    const buffer = new Uint8Array(Buffer.concat([noise(3000, 3), image, noise(200_000, 4)]));
    assert.equal(ubi.detect(buffer, 3000), true);
    assert.equal(ubi.detect(buffer, 3001), false);
    const result = ubi.unpack(buffer, 3000, limits());
    assert.deepEqual(problemsOf(result), []);
    assert.deepEqual(volume(result, 'rootfs.ubivol'), asDynamic(rootfs, LEB));
    assert.equal(result.length, image.length);
    assert.deepEqual(
      carve(buffer, signatures, limits()).found.map((item) => [item.unpacker, item.offset, item.length]),
      [['ubi', 3000, image.length]],
    );
  });
});

describe('UBI semantics beyond what ubinize writes', () => {
  test('two images back to back, told apart by their image sequence numbers, are two images', () => {
    const first = ubinize([{ name: 'kernel', type: 'static', data: kernel }], path.join(work, 'first.ubi'), [...NAND, '-Q', '1']);
    const second = ubinize([{ name: 'settings', type: 'dynamic', data: settings }], path.join(work, 'second.ubi'), [...NAND, '-Q', '2']);
    const buffer = new Uint8Array(Buffer.concat([first, second]));
    const found = carve(buffer, signatures, limits()).found;
    assert.deepEqual(
      found.map((item) => [item.unpacker, item.offset, item.length, item.result.entries.map((entry) => entry.path)]),
      [
        ['ubi', 0, first.length, ['kernel.ubivol']],
        ['ubi', first.length, second.length, ['settings.ubivol']],
      ],
    );
  });

  // Three LEBs of distinct bytes in one dynamic volume; LEB 1 is the one given second copies.
  const data = noise(3 * LEB, 5);
  const image = ubinize([{ name: 'data', type: 'dynamic', data }], path.join(work, 'copies.ubi'));
  const lebOne = pebsOf(image, PEB).find((peb) => peb.volumeId === 0 && peb.lnum === 1)!;
  const replacement = noise(LEB, 6);

  /** A copy of LEB 1 with another sequence number and contents, placed before or after the original. */
  function withCopy(options: { sqnum: number; copyFlag: boolean; crcOf?: Uint8Array; first?: boolean }): Uint8Array {
    const copy = Buffer.from(image.subarray(lebOne.at, lebOne.at + PEB));
    const vid = copy.readUInt32BE(16);
    copy[vid + 6] = options.copyFlag ? 1 : 0;
    copy.writeUInt32BE(LEB, vid + 20);
    copy.writeUInt32BE(ubiCrc(options.crcOf ?? replacement), vid + 32);
    copy.writeBigUInt64BE(BigInt(options.sqnum), vid + 40);
    replacement.copy(copy, 2048);
    reseal(copy, vid);
    const pebs = image.length / PEB;
    const before = options.first ? 2 : pebs;
    return new Uint8Array(Buffer.concat([image.subarray(0, before * PEB), copy, image.subarray(before * PEB)]));
  }

  const expect = (lebOneBytes: Uint8Array): Buffer => Buffer.concat([data.subarray(0, LEB), lebOneBytes, data.subarray(2 * LEB)]);

  test('of two copies of a LEB the one of higher sequence number is current, wherever it lies', () => {
    for (const first of [false, true]) {
      const result = ubi.unpack(withCopy({ sqnum: 5, copyFlag: false, first }), 0, limits());
      assert.deepEqual(problemsOf(result), []);
      assert.deepEqual(volume(result, 'data.ubivol'), expect(replacement));
    }
  });

  test('a newer copy made by wear levelling counts only when its data CRC holds', () => {
    const finished = ubi.unpack(withCopy({ sqnum: 5, copyFlag: true }), 0, limits());
    assert.deepEqual(problemsOf(finished), []);
    assert.deepEqual(volume(finished, 'data.ubivol'), expect(replacement));
    const damagedImage = withCopy({ sqnum: 5, copyFlag: true, crcOf: Buffer.from('something else') });
    const unfinished = ubi.unpack(damagedImage, 0, limits());
    assert.deepEqual(problemsOf(unfinished), [`an unfinished copy of a LEB fails its data CRC; the older copy is used (one erase block, at byte ${image.length})`]);
    assert.deepEqual(volume(unfinished, 'data.ubivol'), expect(data.subarray(LEB, 2 * LEB)));
  });

  test('two copies with the same sequence number are reported, and the first in the image is used', () => {
    const result = ubi.unpack(withCopy({ sqnum: 0, copyFlag: false }), 0, limits());
    assert.deepEqual(problemsOf(result), [`a LEB is held twice with the same sequence number; the first copy in the image is used (one erase block, at byte ${image.length})`]);
    assert.deepEqual(volume(result, 'data.ubivol'), expect(data.subarray(LEB, 2 * LEB)));
  });
});

describe('UBI images that are damaged or hostile', () => {
  const image = ubinize(
    [
      { name: 'kernel', type: 'static', data: kernel },
      { name: 'settings', type: 'dynamic', data: settings },
    ],
    path.join(work, 'small.ubi'),
  );
  const pebs = pebsOf(image, PEB);
  const layout = pebs.filter((peb) => peb.volumeId === 0x7fffefff);
  const kernelPebs = pebs.filter((peb) => peb.volumeId === 0);

  const unpackQuickly = quickUnpacker(ubi, { limitsHold: true });

  test('the volume table names the volumes; damaged in one copy, the other copy is used', () => {
    assert.equal(layout.length, 2);
    const oneCopy = image.slice();
    oneCopy.fill(0, layout[0]!.at + 2048, layout[0]!.at + 2048 + 172 * 4);
    const result = unpackQuickly(oneCopy);
    assert.deepEqual(problemsOf(result), []);
    assert.deepEqual(
      result.entries.map((entry) => entry.path),
      ['kernel.ubivol', 'settings.ubivol'],
    );
  });

  test('with the volume table damaged in both copies, volumes are named by their ids and still read', () => {
    const damaged = image.slice();
    for (const copy of layout) damaged.fill(0, copy.at + 2048, copy.at + 2048 + 172 * 128);
    const result = unpackQuickly(damaged);
    assert.deepEqual(problemsOf(result), [
      '128 records of the volume table are damaged in both copies; those volumes are named by their ids',
      'volume-0.ubivol: volume 0 has data but no record in the volume table',
      'volume-1.ubivol: volume 1 has data but no record in the volume table',
    ]);
    assert.deepEqual(volume(result, 'volume-0.ubivol'), kernel);
  });

  test('without a layout volume the volumes are named by their ids', () => {
    const damaged = image.slice();
    for (const copy of layout) damaged[copy.at + 512 + 8]! ^= 1;
    const result = unpackQuickly(damaged);
    assert.deepEqual(problemsOf(result), [
      'the layout volume (the volume table) is missing; volumes are named by their ids',
      `a damaged VID header; the data after it is not used (2 erase blocks, the first at byte ${layout[0]!.at})`,
    ]);
    assert.deepEqual(volume(result, 'volume-0.ubivol'), kernel);
    assert.deepEqual(volume(result, 'volume-1.ubivol'), asDynamic(settings, LEB));
  });

  test('a bad block inside the image is reported, and the static volume it held says which LEB it misses', () => {
    const damaged = image.slice();
    const lost = kernelPebs.find((peb) => peb.lnum === 1)!;
    damaged.set(noise(PEB, 7), lost.at);
    const result = unpackQuickly(damaged);
    assert.deepEqual(problemsOf(result), [
      `no valid EC header inside the image (a bad block or damage) (one erase block, at byte ${lost.at})`,
      'kernel.ubivol: the static volume misses 1 of its 3 LEBs (1); the rest is joined without them',
    ]);
    assert.deepEqual(volume(result, 'kernel.ubivol'), Buffer.concat([kernel.subarray(0, LEB), kernel.subarray(2 * LEB)]));
  });

  test('a damaged EC header is reported and the data behind it still read; an erased block is reported too', () => {
    const damaged = image.slice();
    const second = kernelPebs.find((peb) => peb.lnum === 1)!;
    damaged[second.at + 8]! ^= 1;
    // Inserted before the last erase block, so that it lies inside the image.
    const erasedAt = damaged.length - PEB;
    const withErased = new Uint8Array(Buffer.concat([damaged.subarray(0, erasedAt), Buffer.alloc(PEB, 0xff), damaged.subarray(erasedAt)]));
    const result = unpackQuickly(withErased);
    assert.deepEqual(problemsOf(result), [
      `no valid EC header inside the image (a bad block or damage) (one erase block, at byte ${second.at})`,
      `erased flash without an EC header inside the image (one erase block, at byte ${erasedAt})`,
    ]);
    assert.deepEqual(volume(result, 'kernel.ubivol'), kernel);
  });

  test('a static volume whose data fails its CRC is reported and kept as it is', () => {
    const damaged = image.slice();
    const second = kernelPebs.find((peb) => peb.lnum === 1)!;
    damaged[second.at + 5000]! ^= 1;
    assert.deepEqual(problemsOf(unpackQuickly(damaged)), ['kernel.ubivol: LEB 1 fails its data CRC; kept as it is']);
  });

  test('an image cut short yields problems, never an exception', () => {
    for (let cut = 0; cut < image.length; cut += 9973) {
      const result = unpackQuickly(image.subarray(0, cut));
      if (cut % PEB !== 0) assert.ok(result.problems.length > 0, `a cut at ${cut} is reported`);
      if (cut > 2 * PEB && cut % PEB >= 64) assert.match(problemsOf(result).join('\n'), /truncated/, `a cut at ${cut} says the image is truncated`);
    }
  });

  test('flipped bits never make the reader throw, hang or pass its limits', () => {
    assertSurvivesFlippedBits(image, unpackQuickly, { numRuns: 200 });
  });

  test('headers changed and resealed with a valid CRC never make the reader throw, hang or pass its limits', () => {
    // Past the CRC: volume ids, LEB numbers, sizes, offsets and counts set to anything.
    const headers = pebs.flatMap((peb) => [peb.at, peb.at + 512]);
    fc.assert(
      fc.property(fc.nat(headers.length - 1), fc.array(fc.tuple(fc.nat(59), fc.nat(255)), { minLength: 1, maxLength: 6 }), (which, changes) => {
        const damaged = image.slice();
        const at = headers[which]!;
        for (const [offset, value] of changes) damaged[at + offset] = value;
        reseal(damaged, at);
        unpackQuickly(damaged, { maxFileBytes: 1024 * 1024, maxTotalBytes: 4 * 1024 * 1024 });
      }),
      { numRuns: 300 },
    );
  });

  test('random bytes after a valid first erase block never make the reader throw or hang', () => {
    assertSurvivesRandomTail(image.subarray(0, PEB), 4 * PEB, unpackQuickly, 100);
  });

  test('a blob full of headers of unrelated images is given up on quickly', () => {
    const headers = Buffer.concat(
      Array.from({ length: 3000 }, (_, i) => {
        const header = Buffer.from(image.subarray(0, 64));
        header.writeUInt32BE(i + 1000, 24);
        reseal(header, 0);
        return header;
      }),
    );
    const started = Date.now();
    const { found } = carve(new Uint8Array(headers), signatures, limits());
    assert.deepEqual(found.map((item) => item.offset), [0], 'only the one at the start is reported, as nothing');
    assert.ok(Date.now() - started < 3000, `carving took ${Date.now() - started} ms`);
  });

  test('bytes that are no UBI are not detected, and one lone erase block is a problem', () => {
    assert.equal(ubi.detect(noise(4096, 11), 0), false);
    const badCrc = image.slice(0, 64);
    badCrc[30]! ^= 1;
    assert.equal(ubi.detect(badCrc, 0), false);
    assert.deepEqual(problemsOf(unpackQuickly(badCrc)), ['no valid UBI erase-counter header here']);
    assert.deepEqual(problemsOf(unpackQuickly(image.slice(0, PEB))), ['only one UBI erase block was found, so the erase block size cannot be told; a UBI image has at least three']);
  });

  test('the limits stop unpacking with a problem that names the limit', () => {
    const fewEntries = ubi.unpack(image, 0, limits({ maxEntries: 1 }));
    assert.deepEqual(
      fewEntries.entries.map((entry) => entry.path),
      ['kernel.ubivol'],
    );
    assert.match(fewEntries.problems.at(-1)?.message ?? '', /more than 1 entries/);
    const fewBytes = ubi.unpack(image, 0, limits({ maxTotalBytes: 100_000 }));
    assert.match(fewBytes.problems.at(-1)?.message ?? '', /more than 100000 bytes in total/);
    const noTime = ubi.unpack(image, 0, limits({ deadline: Date.now() - 1 }));
    assert.match(noTime.problems.at(-1)?.message ?? '', /time allowed/);
    const smallFiles = ubi.unpack(image, 0, limits({ maxFileBytes: 260_000 }));
    assert.deepEqual(problemsOf(smallFiles), ['kernel.ubivol: the volume holds 300000 bytes, over the limit of 260000; its contents are not read']);
    assert.equal(volume(smallFiles, 'kernel.ubivol'), undefined);
    assert.deepEqual(volume(smallFiles, 'settings.ubivol'), asDynamic(settings, LEB));
  });
});
