import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { limits, noise } from '../../../test/support/unpack-fixtures.ts';
import { describeUimage, uimage } from './uimage.ts';

// Images are made at test time by U-Boot's mkimage (u-boot-tools), with payloads compressed by
// the real gzip, bzip2, xz (LZMA-alone), lzop, lz4 and zstd; FIT images need dtc as well.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-uimage-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** A kernel-like payload: some text that compresses, some bytes that do not. */
const kernel = Buffer.concat([Buffer.from('Linux version 5.10.0 (builder@host) #1 SMP\n'.repeat(3000)), noise(50_000, 11)]);
const ramdisk = Buffer.concat([Buffer.from('070701'), noise(20_000, 12)]);
const dtb = noise(3000, 13);
const kernelFile = path.join(work, 'kernel');
fs.writeFileSync(kernelFile, kernel);
fs.writeFileSync(path.join(work, 'ramdisk'), ramdisk);
fs.writeFileSync(path.join(work, 'dtb'), dtb);

/** The payload compressed by the tool U-Boot expects for each -C value. */
function compressed(compression: string, file = kernelFile): string {
  const commands: Record<string, [string, string[], string]> = {
    none: ['cp', [file], ''],
    gzip: ['gzip', ['-9', '-n', '-c', file], '.gz'],
    bzip2: ['bzip2', ['-c', file], '.bz2'],
    lzma: ['xz', ['--format=lzma', '-c', file], '.lzma'],
    lzo: ['lzop', ['-c', file], '.lzo'],
    lz4: ['lz4', ['-c', file], '.lz4'],
    'lz4-legacy': ['lz4', ['-l', '-c', file], '.lz4l'],
    zstd: ['zstd', ['-q', '-c', file], '.zst'],
  };
  const [command, args, suffix] = commands[compression]!;
  const out = `${file}${suffix || '.copy'}`;
  if (command === 'cp') fs.copyFileSync(file, out);
  else fs.writeFileSync(out, execFileSync(command, args, { maxBuffer: 64 * 1024 * 1024 }));
  return out;
}

function mkimage(args: string[], output: string): Uint8Array {
  execFileSync('mkimage', [...args, output], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Uint8Array(fs.readFileSync(output));
}

describe('legacy uImages written by mkimage', () => {
  for (const compression of ['none', 'gzip', 'bzip2', 'lzma', 'lzo', 'lz4', 'lz4-legacy', 'zstd']) {
    test(`a ${compression} kernel image unpacks to the kernel, named after the image`, () => {
      const flag = compression === 'lz4-legacy' ? 'lz4' : compression;
      const image = mkimage(['-A', 'arm', '-O', 'linux', '-T', 'kernel', '-C', flag, '-a', '0x80008000', '-e', '0x80008040', '-n', 'Linux-5.10 / test', '-d', compressed(compression)], path.join(work, `${compression}.uimg`));
      assert.ok(uimage.detect(image, 0));
      const result = uimage.unpack(image, 0, limits());
      assert.deepEqual(result.problems, []);
      assert.deepEqual(
        result.entries.map((entry) => [entry.path, entry.type]),
        [['Linux-5.10_test.bin', 'file']],
      );
      assert.ok(Buffer.from(result.entries[0]!.data!).equals(kernel));
      assert.equal(result.length, image.length);
    });
  }

  test('the summary agrees with mkimage -l', () => {
    const file = path.join(work, 'summary.uimg');
    const image = mkimage(['-A', 'arm64', '-O', 'linux', '-T', 'ramdisk', '-C', 'gzip', '-a', '0x40000000', '-e', '0x40000000', '-n', 'rootfs', '-d', compressed('gzip')], file);
    const listing = execFileSync('mkimage', ['-l', file], { encoding: 'utf8' });
    const summary = describeUimage(image, 0);
    assert.equal(summary?.format, 'legacy');
    if (summary?.format !== 'legacy') return;
    assert.equal(summary.name, /Image Name:\s+(.*)/.exec(listing)?.[1]);
    assert.equal(summary.loadAddress, parseInt(/Load Address:\s+(\w+)/.exec(listing)?.[1] ?? '', 16));
    assert.equal(summary.entryPoint, parseInt(/Entry Point:\s+(\w+)/.exec(listing)?.[1] ?? '', 16));
    assert.match(listing, /AArch64 Linux RAMDisk Image \(gzip compressed\)/);
    assert.deepEqual([summary.os, summary.architecture, summary.type, summary.compression], ['linux', 'arm64', 'ramdisk', 'gzip']);
    assert.equal(summary.headerCrcValid, true);
  });

  test('a multi-file image is split into its parts', () => {
    const image = mkimage(['-A', 'mips', '-O', 'linux', '-T', 'multi', '-C', 'none', '-n', 'multi', '-d', `${kernelFile}:${path.join(work, 'ramdisk')}:${path.join(work, 'dtb')}`], path.join(work, 'multi.uimg'));
    const result = uimage.unpack(image, 0, limits());
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.entries.map((entry) => entry.path),
      ['multi-0.bin', 'multi-1.bin', 'multi-2.bin'],
    );
    assert.ok(Buffer.from(result.entries[0]!.data!).equals(kernel));
    assert.ok(Buffer.from(result.entries[1]!.data!).equals(ramdisk));
    assert.ok(Buffer.from(result.entries[2]!.data!).equals(dtb));
  });

  test('a damaged header or payload is reported by its CRC, and the payload still given', () => {
    const image = mkimage(['-A', 'arm', '-O', 'linux', '-T', 'kernel', '-C', 'none', '-n', 'crc', '-d', kernelFile], path.join(work, 'crc.uimg'));
    const badHeader = image.slice();
    badHeader[33]! ^= 1;
    assert.match(uimage.unpack(badHeader, 0, limits()).problems[0]?.message ?? '', /header CRC32 does not match/);
    const badData = image.slice();
    badData[1000]! ^= 1;
    const result = uimage.unpack(badData, 0, limits());
    assert.match(result.problems[0]?.message ?? '', /data CRC32 does not match/);
    assert.equal(result.entries[0]?.data?.length, kernel.length);
  });

  test('a payload that does not decompress is given as stored, with a problem', () => {
    const image = mkimage(['-A', 'arm', '-O', 'linux', '-T', 'kernel', '-C', 'gzip', '-n', 'wrong', '-d', kernelFile], path.join(work, 'wrong.uimg'));
    const result = uimage.unpack(image, 0, limits());
    assert.match(result.problems[0]?.message ?? '', /gzip payload does not decompress/);
    assert.ok(Buffer.from(result.entries[0]!.data!).equals(kernel));
  });

  test('a decompression bomb stops at the file limit', () => {
    const zeros = path.join(work, 'zeros');
    fs.writeFileSync(zeros, Buffer.alloc(20 * 1024 * 1024));
    const image = mkimage(['-A', 'arm', '-O', 'linux', '-T', 'kernel', '-C', 'gzip', '-n', 'bomb', '-d', compressed('gzip', zeros)], path.join(work, 'bomb.uimg'));
    const result = uimage.unpack(image, 0, limits({ maxFileBytes: 1024 * 1024 }));
    assert.match(result.problems[0]?.message ?? '', /output would exceed 1048576 bytes|longer than/);
  });

  test('a cut-short or bit-flipped image yields problems, never an exception', () => {
    const images = ['gzip', 'lzo', 'lz4', 'lzma', 'bzip2', 'zstd'].map((compression) =>
      mkimage(['-A', 'arm', '-O', 'linux', '-T', 'kernel', '-C', compression, '-n', 'fuzz', '-d', compressed(compression)], path.join(work, `fuzz-${compression}.uimg`)),
    );
    for (const image of images) {
      for (let cut = 0; cut < image.length; cut += Math.ceil(image.length / 25)) {
        const result = uimage.unpack(image.subarray(0, cut), 0, limits());
        assert.ok(result.problems.length > 0, `cut at ${cut}`);
      }
    }
    fc.assert(
      fc.property(fc.nat(images.length - 1), fc.array(fc.tuple(fc.nat(1 << 30), fc.nat(7)), { minLength: 1, maxLength: 6 }), (which, flips) => {
        const damaged = images[which]!.slice();
        // Flips land in the header and the first part of the payload, where decoders look hardest.
        for (const [at, bit] of flips) damaged[at % Math.min(damaged.length, 4096)]! ^= 1 << bit;
        uimage.unpack(damaged, 0, limits({ maxFileBytes: 4 * 1024 * 1024 }));
      }),
      { numRuns: 150 },
    );
  });
});

/** A FIT source with one image per compression, each with hashes mkimage fills in. */
function fitSource(): string {
  const images = [
    ['kernel', 'kernel', compressed('gzip'), 'gzip'],
    ['fdt-1', 'flat_dt', path.join(work, 'dtb'), 'none'],
    ['ramdisk', 'ramdisk', compressed('lzma', path.join(work, 'ramdisk')), 'lzma'],
    ['firmware-lz4', 'firmware', compressed('lz4'), 'lz4'],
    ['firmware-lzo', 'firmware', compressed('lzo'), 'lzo'],
    ['firmware-bzip2', 'firmware', compressed('bzip2'), 'bzip2'],
    ['firmware-zstd', 'firmware', compressed('zstd'), 'zstd'],
  ];
  const nodes = images.map(
    ([name, type, file, compression]) => `
    ${name} {
      description = "${name} image";
      data = /incbin/("${file}");
      type = "${type}";
      arch = "arm";
      os = "linux";
      compression = "${compression}";
      load = <0x80008000>;
      entry = <0x80008000>;
      hash-1 { algo = "crc32"; };
      hash-2 { algo = "sha1"; };
      hash-3 { algo = "sha256"; };
      hash-4 { algo = "md5"; };
    };`,
  );
  return `/dts-v1/;
/ {
  description = "test FIT";
  #address-cells = <1>;
  images {${nodes.join('')}
  };
  configurations {
    default = "conf-1";
    conf-1 { kernel = "kernel"; fdt = "fdt-1"; ramdisk = "ramdisk"; };
  };
};
`;
}

describe('FIT images written by mkimage', () => {
  const its = path.join(work, 'image.its');
  fs.writeFileSync(its, fitSource());
  const expectations: [string, Buffer][] = [
    ['fit/kernel', kernel],
    ['fit/fdt-1', dtb],
    ['fit/ramdisk', ramdisk],
    ['fit/firmware-lz4', kernel],
    ['fit/firmware-lzo', kernel],
    ['fit/firmware-bzip2', kernel],
    ['fit/firmware-zstd', kernel],
  ];

  for (const [label, options] of [
    ['embedded', []],
    ['external', ['-E']],
  ] as const) {
    test(`every image of a FIT with ${label} data unpacks, decompressed, its hashes checked`, () => {
      const image = mkimage(['-f', its, ...options], path.join(work, `${label}.itb`));
      assert.ok(uimage.detect(image, 0));
      const result = uimage.unpack(image, 0, limits());
      assert.deepEqual(result.problems, []);
      assert.deepEqual(
        result.entries.map((entry) => entry.path),
        expectations.map(([name]) => name),
      );
      for (const [name, data] of expectations) assert.ok(Buffer.from(result.entries.find((entry) => entry.path === name)!.data!).equals(data), name);
      assert.equal(result.length, image.length);
    });
  }

  test('the summary lists the images with their type, compression and load address', () => {
    const image = mkimage(['-f', its], path.join(work, 'summary.itb'));
    const summary = describeUimage(image, 0);
    assert.equal(summary?.format, 'fit');
    if (summary?.format !== 'fit') return;
    assert.equal(summary.description, 'test FIT');
    assert.equal(summary.defaultConfiguration, 'conf-1');
    assert.deepEqual(summary.images[0], { name: 'kernel', description: 'kernel image', type: 'kernel', os: 'linux', architecture: 'arm', compression: 'gzip', loadAddress: 0x80008000, entryPoint: 0x80008000 });
    assert.equal(summary.images.length, 7);
  });

  test('data that does not match its hashes is reported', () => {
    const image = mkimage(['-f', its, '-E'], path.join(work, 'hash.itb'));
    const at = Buffer.from(image).indexOf(dtb.subarray(0, 64));
    image[at + 100]! ^= 0xff;
    const problems = uimage.unpack(image, 0, limits()).problems;
    assert.deepEqual(
      problems.map((problem) => [problem.path, problem.message]),
      ['crc32', 'sha1', 'sha256', 'md5'].map((algorithm) => ['fit/fdt-1', `the ${algorithm} hash does not match the data`]),
    );
  });

  test('images whose external data overlap are refused after the first', () => {
    // What a hostile writer (not mkimage) would make: many images naming the same bytes.
    const dts = path.join(work, 'overlap.dts');
    const nodes = Array.from({ length: 20 }, (_, i) => `img-${i} { data-position = <0x1000>; data-size = <0x800>; compression = "none"; };`).join(' ');
    fs.writeFileSync(dts, `/dts-v1/;\n/ { images { ${nodes} }; };\n`);
    const tree = execFileSync('dtc', ['-I', 'dts', '-O', 'dtb', dts], { stdio: ['ignore', 'pipe', 'ignore'] });
    assert.ok(tree.length < 0x1000);
    const image = Buffer.concat([tree, Buffer.alloc(0x1000 - tree.length), dtb.subarray(0, 0x800)]);
    const result = uimage.unpack(image, 0, limits());
    assert.deepEqual(
      result.entries.map((entry) => entry.path),
      ['fit/img-0'],
    );
    assert.equal(result.problems.filter((problem) => /overlaps that of another image/.test(problem.message)).length, 19);
    assert.equal(result.length, 0x1800);
  });

  test('a plain device tree (no /images) is not taken for a FIT', () => {
    const dts = path.join(work, 'plain.dts');
    fs.writeFileSync(dts, '/dts-v1/;\n/ { model = "board"; chosen { bootargs = "console=ttyS0"; }; };\n');
    const blob = new Uint8Array(execFileSync('dtc', ['-I', 'dts', '-O', 'dtb', dts], { stdio: ['ignore', 'pipe', 'ignore'] }));
    assert.equal(uimage.detect(blob, 0), false);
    assert.equal(describeUimage(blob, 0), null);
  });

  test('a cut-short or bit-flipped FIT yields problems, never an exception', () => {
    const embedded = mkimage(['-f', its], path.join(work, 'fuzz.itb'));
    const external = mkimage(['-f', its, '-E'], path.join(work, 'fuzz-external.itb'));
    for (const image of [embedded, external]) {
      for (let cut = 0; cut < image.length; cut += Math.ceil(image.length / 30)) {
        const result = uimage.unpack(image.subarray(0, cut), 0, limits());
        assert.ok(result.problems.length > 0, `cut at ${cut}`);
      }
    }
    const structureEnd = 4096; // the tree of the external image, where the structure is
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(fc.nat(1 << 30), fc.nat(7)), { minLength: 1, maxLength: 6 }), (useExternal, flips) => {
        const damaged = (useExternal ? external : embedded).slice();
        for (const [at, bit] of flips) damaged[at % Math.min(damaged.length, structureEnd)]! ^= 1 << bit;
        uimage.unpack(damaged, 0, limits({ maxFileBytes: 4 * 1024 * 1024 }));
        describeUimage(damaged, 0);
      }),
      { numRuns: 100 },
    );
  });
});
