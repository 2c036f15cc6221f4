import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { assertSameTree, configText, limits, noise, readTree, repeated, writer, type Expected } from '../../../test/support/unpack-fixtures.ts';
import { blockPoolReady, blockPoolSettings, blockPoolStatistics } from './block-pool.ts';
import { readSquashfsSuperblock, squashfs } from './squashfs.ts';
import type { Limits } from './types.ts';

// Images are built at test time by Debian's mksquashfs (squashfs-tools) from a fixture tree, and
// every entry the reader returns is compared with the tree itself.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-squashfs-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

const DEEP = 300;
const WIDE = 600;

/** The tree every compression is tested against: each kind of file SquashFS can hold. */
function buildTree(root: string): void {
  const write = writer(root);
  write('empty', '');
  write('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  write('etc/shadow', 'root:$6$salt$hash:19000:0:99999:7:::\n', 0o600);
  // Two full 128 KiB blocks (one compressible, one not) and a tail that lands in a fragment.
  write('bin/busybox', Buffer.concat([repeated(131072, 'busybox '), noise(131072, 7), repeated(1000, 'tail')]), 0o4755);
  fs.mkdirSync(path.join(root, 'sbin'));
  fs.linkSync(path.join(root, 'bin/busybox'), path.join(root, 'sbin/init'));
  fs.symlinkSync('busybox', path.join(root, 'bin/sh'));
  fs.symlinkSync('../../../etc/shadow', path.join(root, 'escape'));
  fs.symlinkSync('/etc/passwd', path.join(root, 'etc/passwd-link'));
  write('exact-block', repeated(131072, 'exactly one block '));
  write('fragment-sized', repeated(5000, 'fragment '));
  write('same-as-fragment-sized', repeated(5000, 'fragment '));
  // Sparse: 3 MiB of which only a little in the middle is written.
  const sparse = path.join(root, 'sparse');
  fs.writeFileSync(sparse, '');
  fs.truncateSync(sparse, 3 * 1024 * 1024);
  const fd = fs.openSync(sparse, 'r+');
  fs.writeSync(fd, Buffer.from('in the middle of nowhere'), 0, 24, 1536 * 1024);
  fs.closeSync(fd);
  write(`names/${'n'.repeat(255)}`, 'a name of 255 bytes');
  write('names/ünïcødé-名前.txt', 'UTF-8 name');
  fs.mkdirSync(path.join(root, 'var/empty'), { recursive: true });
  fs.chmodSync(path.join(root, 'var/empty'), 0o700);
  // Wide enough for several directory headers, an extended directory inode with an index and
  // inodes that straddle metadata blocks.
  for (let i = 0; i < WIDE; i++) write(`wide/a-rather-long-file-name-${String(i).padStart(4, '0')}`, `file ${i}\n`);
  write(`${Array.from({ length: DEEP }, () => 'd').join('/')}/leaf.txt`, 'at the bottom');
}

function mksquashfs(source: string, image: string, options: string[]): Uint8Array {
  execFileSync('mksquashfs', [source, image, '-noappend', '-no-progress', '-quiet', '-no-xattrs', ...options], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Uint8Array(fs.readFileSync(image));
}

const tree = path.join(work, 'tree');
buildTree(tree);
const treeEntries = readTree(tree);

// Nodes that need root to create on disk are added as mksquashfs pseudo files.
const PSEUDO = ['dev d 755 0 0', 'dev/console c 600 0 5 5 1', 'dev/sda b 660 0 6 8 0', 'dev/initctl i 600 0 0 f', 'dev/log i 666 0 0 s'];
const pseudoEntries: [string, Expected][] = [
  ['dev', { type: 'directory', mode: 0o040755, uid: 0, gid: 0, inode: -1 }],
  ['dev/console', { type: 'device', mode: 0o020600, uid: 0, gid: 5, inode: -2 }],
  ['dev/sda', { type: 'device', mode: 0o060660, uid: 0, gid: 6, inode: -3 }],
  ['dev/initctl', { type: 'fifo', mode: 0o010600, uid: 0, gid: 0, inode: -4 }],
  ['dev/log', { type: 'socket', mode: 0o140666, uid: 0, gid: 0, inode: -5 }],
];

describe('SquashFS images written by mksquashfs', () => {
  for (const compression of ['gzip', 'lzo', 'xz', 'lzma', 'zstd', 'lz4']) {
    test(`a ${compression} image reads back as the tree it was made from, byte for byte`, () => {
      const image = mksquashfs(tree, path.join(work, `${compression}.sqsh`), ['-comp', compression, ...PSEUDO.flatMap((p) => ['-p', p])]);
      assert.ok(squashfs.detect(image, 0));
      const result = squashfs.unpack(image, 0, limits());
      assert.deepEqual(result.problems.filter((p) => !p.message.includes('outside the image (../../../etc/shadow)')), []);
      assert.deepEqual(
        result.problems.map((p) => p.path),
        ['escape'],
        'the one symlink that climbs above the root is reported, and recorded anyway',
      );
      assertSameTree(result.entries, new Map([...treeEntries, ...pseudoEntries]));
    });
  }

  test('small blocks, uncompressed tables and uncompressed data read the same', () => {
    for (const options of [['-b', '4096'], ['-noI', '-noD', '-noF', '-noId'], ['-b', '1M', '-always-use-fragments']]) {
      const image = mksquashfs(tree, path.join(work, 'variant.sqsh'), options);
      const result = squashfs.unpack(image, 0, limits());
      assert.equal(result.problems.length, 1, `only the escaping symlink is a problem with ${options.join(' ')}`);
      assertSameTree(result.entries, treeEntries);
    }
  });

  test('images written with compressor options (BCJ filters, LZO and LZ4 variants, gzip window) read the same', () => {
    for (const options of [
      ['-comp', 'xz', '-Xbcj', 'x86,arm,armthumb'],
      ['-comp', 'lzo', '-Xalgorithm', 'lzo1x_1'],
      ['-comp', 'lz4', '-Xhc'],
      ['-comp', 'gzip', '-Xwindow-size', '9', '-Xstrategy', 'filtered'],
      ['-comp', 'zstd', '-Xcompression-level', '22'],
    ]) {
      const image = mksquashfs(tree, path.join(work, 'options.sqsh'), options);
      const result = squashfs.unpack(image, 0, limits());
      assert.equal(result.problems.length, 1, `only the escaping symlink is a problem with ${options.join(' ')}`);
      assertSameTree(result.entries, treeEntries);
    }
  });

  test('owners come from the id table', () => {
    const image = mksquashfs(tree, path.join(work, 'owners.sqsh'), ['-force-uid', '1000', '-force-gid', '1001']);
    const entries = squashfs.unpack(image, 0, limits()).entries;
    assert.ok(entries.every((entry) => entry.uid === 1000 && entry.gid === 1001));
    const root = mksquashfs(tree, path.join(work, 'root.sqsh'), ['-all-root']);
    assert.ok(squashfs.unpack(root, 0, limits()).entries.every((entry) => entry.uid === 0 && entry.gid === 0));
  });

  test('a second name for an inode is a hard link to the first, holding no second copy', () => {
    const image = mksquashfs(tree, path.join(work, 'links.sqsh'), []);
    const entries = squashfs.unpack(image, 0, limits()).entries;
    const busybox = entries.find((entry) => entry.path === 'bin/busybox');
    const init = entries.find((entry) => entry.path === 'sbin/init');
    assert.equal(busybox?.type, 'file');
    assert.deepEqual({ type: init?.type, target: init?.target, data: init?.data }, { type: 'hardlink', target: 'bin/busybox', data: undefined });
  });

  test('the superblock summary agrees with unsquashfs -s, and length is the bytes used', () => {
    const file = path.join(work, 'summary.sqsh');
    const image = mksquashfs(tree, file, ['-comp', 'xz', '-b', '64K']);
    const stat = execFileSync('unsquashfs', ['-s', file], { encoding: 'utf8' });
    const superblock = readSquashfsSuperblock(image, 0);
    assert.ok(superblock);
    assert.equal(superblock.compression, 'xz');
    assert.equal(superblock.blockSize, 65536);
    assert.equal(superblock.byteOrder, 'little-endian');
    assert.equal(superblock.bytesUsed, Number(/Filesystem size (\d+) bytes/.exec(stat)?.[1]));
    assert.equal(superblock.inodeCount, Number(/Number of inodes (\d+)/.exec(stat)?.[1]));
    assert.equal(squashfs.unpack(image, 0, limits()).length, superblock.bytesUsed);
  });

  test('an image inside a larger buffer is read at its offset and its length lets carving skip it', () => {
    const image = mksquashfs(tree, path.join(work, 'embedded.sqsh'), []);
    const buffer = Buffer.concat([noise(1000, 3), image, noise(5000, 4)]);
    assert.equal(squashfs.detect(buffer, 1000), true);
    assert.equal(squashfs.detect(buffer, 999), false);
    const result = squashfs.unpack(buffer, 1000, limits());
    assertSameTree(result.entries, treeEntries);
    assert.equal(result.length, readSquashfsSuperblock(buffer, 1000)?.bytesUsed);
  });
});

describe('SquashFS images that are damaged or hostile', () => {
  const small = path.join(work, 'small');
  fs.mkdirSync(path.join(small, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(small, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  fs.writeFileSync(path.join(small, 'big'), Buffer.concat([noise(10000, 9), repeated(20000, 'abc')]));
  fs.symlinkSync('etc/passwd', path.join(small, 'link'));
  const smallImage = mksquashfs(small, path.join(work, 'small.sqsh'), ['-b', '4096']);

  function unpackQuickly(image: Uint8Array, overrides: Partial<Limits> = {}): ReturnType<typeof squashfs.unpack> {
    const started = Date.now();
    const result = squashfs.unpack(image, 0, limits({ maxFileBytes: 8 * 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024, ...overrides }));
    assert.ok(Date.now() - started < 2000, 'a damaged image is given up on quickly');
    return result;
  }

  test('an image cut short at any point yields problems, never an exception', () => {
    const bytesUsed = readSquashfsSuperblock(smallImage, 0)!.bytesUsed;
    for (let cut = 0; cut < bytesUsed; cut += 7) {
      const result = unpackQuickly(smallImage.subarray(0, cut));
      assert.ok(result.problems.length > 0, `a cut at ${cut} is reported`);
    }
  });

  test('flipped bits never make the reader throw or hang', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(smallImage.length - 1), fc.nat(7)), { minLength: 1, maxLength: 4 }), (flips) => {
        const damaged = smallImage.slice();
        for (const [at, bit] of flips) damaged[at]! ^= 1 << bit;
        unpackQuickly(damaged);
      }),
      { numRuns: 300 },
    );
  });

  test('flipped bits in the metadata of an image with uncompressed tables are survived too', () => {
    const plain = mksquashfs(small, path.join(work, 'plain.sqsh'), ['-noI', '-noD', '-noF', '-noId']);
    const inodeTable = readSquashfsSuperblock(plain, 0)!.inodeTableStart;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: inodeTable, max: plain.length - 1 }), fc.nat(7)), { minLength: 1, maxLength: 3 }), (flips) => {
        const damaged = plain.slice();
        for (const [at, bit] of flips) damaged[at]! ^= 1 << bit;
        unpackQuickly(damaged);
      }),
      { numRuns: 300 },
    );
  });

  // With uncompressed tables the directory listing can be patched in place. A directory header is
  // 12 bytes (count-1, inode block, base inode number), an entry 8 bytes (offset, inode number
  // delta, type, name size-1) before its name.
  function loopImage(): { image: Uint8Array; parentEntry: number; loopEntry: number } {
    const source = path.join(work, 'loop');
    fs.mkdirSync(path.join(source, 'parentdir/loopback'), { recursive: true });
    const image = mksquashfs(source, path.join(work, 'loop.sqsh'), ['-noI', '-noD', '-noF', '-noId']);
    const buffer = Buffer.from(image.buffer, image.byteOffset, image.length);
    return { image, parentEntry: buffer.indexOf('parentdir') - 8, loopEntry: buffer.indexOf('loopback') - 8 };
  }

  test('a directory that lists its own parent is reported as a cycle and not followed', () => {
    const { image, parentEntry, loopEntry } = loopImage();
    const view = new DataView(image.buffer, image.byteOffset, image.length);
    const parentHeader = parentEntry - 12;
    const loopHeader = loopEntry - 12;
    const parentNumber = view.getUint32(parentHeader + 8, true) + view.getInt16(parentEntry + 2, true);
    view.setUint32(loopHeader + 4, view.getUint32(parentHeader + 4, true), true);
    view.setUint32(loopHeader + 8, parentNumber, true);
    view.setUint16(loopEntry, view.getUint16(parentEntry, true), true);
    view.setInt16(loopEntry + 2, 0, true);
    const result = unpackQuickly(image);
    assert.deepEqual(
      result.entries.map((entry) => entry.path),
      ['parentdir'],
    );
    assert.match(result.problems[0]?.message ?? '', /cycle/);
    assert.equal(result.problems[0]?.path, 'parentdir/loopback');
  });

  test('a directory header claiming four billion entries is a problem', () => {
    const { image, loopEntry } = loopImage();
    new DataView(image.buffer, image.byteOffset).setUint32(loopEntry - 12, 0xfffffffe, true);
    const result = unpackQuickly(image);
    assert.ok(result.problems.some((problem) => /claims 4294967295 entries/.test(problem.message)));
    assert.ok(result.entries.some((entry) => entry.path === 'parentdir'));
  });

  test('absurd inode counts and file sizes are problems, and the rest is still read', () => {
    const plain = mksquashfs(small, path.join(work, 'absurd.sqsh'), ['-noI', '-noD', '-noF', '-noId']);
    const view = new DataView(plain.buffer, plain.byteOffset, plain.length);
    view.setUint32(4, 0xffffffff, true); // inode count
    const inodeTable = readSquashfsSuperblock(plain, 0)!.inodeTableStart;
    // The basic file inode of 'big' (30000 bytes): its size sits 28 bytes after the inode type 2.
    let sizeAt = -1;
    for (let at = inodeTable + 2; at + 4 <= plain.length; at++) {
      if (view.getUint32(at, true) === 30000 && view.getUint16(at - 28, true) === 2) sizeAt = at;
    }
    assert.ok(sizeAt > 0, 'found the inode of big');
    view.setUint32(sizeAt, 0xfffffff0, true);
    const result = unpackQuickly(plain, { maxFileBytes: 1024 * 1024 });
    assert.ok(result.problems.some((problem) => /claims 4294967295 inodes/.test(problem.message)));
    assert.ok(result.problems.some((problem) => problem.path === 'big' && /claims 4294967280 bytes, over the limit/.test(problem.message)));
    assert.equal(Buffer.from(result.entries.find((entry) => entry.path === 'etc/passwd')?.data ?? []).toString(), 'root:x:0:0::/root:/bin/sh\n');
  });

  test('a superblock claiming more bytes than there are says the image is truncated', () => {
    const damaged = smallImage.slice();
    new DataView(damaged.buffer).setUint32(40, 0x7fffffff, true);
    assert.ok(unpackQuickly(damaged).problems.some((problem) => /truncated/.test(problem.message)));
  });

  test('big-endian and pre-4.0 images are detected and reported as unsupported', () => {
    const bigEndian = new Uint8Array(4096);
    bigEndian.set(Buffer.from('sqsh'));
    bigEndian[29] = 4;
    assert.equal(squashfs.detect(bigEndian, 0), true);
    assert.match(squashfs.unpack(bigEndian, 0, limits()).problems[0]?.message ?? '', /big-endian SquashFS image is not supported/);
    const version3 = smallImage.slice();
    version3[28] = 3;
    assert.equal(squashfs.detect(version3, 0), true);
    assert.match(squashfs.unpack(version3, 0, limits()).problems[0]?.message ?? '', /version other than 4 is not supported/);
  });

  test('the limits stop unpacking with a problem that names the limit', () => {
    const fewEntries = squashfs.unpack(smallImage, 0, limits({ maxEntries: 2 }));
    assert.equal(fewEntries.entries.length, 2);
    assert.match(fewEntries.problems.at(-1)?.message ?? '', /more than 2 entries/);
    const fewBytes = squashfs.unpack(smallImage, 0, limits({ maxTotalBytes: 100 }));
    assert.match(fewBytes.problems.at(-1)?.message ?? '', /more than 100 bytes in total/);
    const noTime = squashfs.unpack(smallImage, 0, limits({ deadline: Date.now() - 1 }));
    assert.match(noTime.problems.at(-1)?.message ?? '', /time allowed/);
  });
});

describe('large images, decoded on worker threads as well as this one', () => {
  // Above the pool's threshold (4 MiB of compressed blocks) once compressed: half of every 4 KiB
  // is noise, so the blocks compress but not by much, as binaries do.
  const large = path.join(work, 'large');
  const text = configText(1 << 20, 11);
  const random = noise(1 << 20, 12);
  const mixed = (length: number, seed: number): Buffer => {
    const pieces: Buffer[] = [];
    for (let at = 0; at < length; at += 4096) {
      const from = (seed * 7919 + at * 3) % (random.length - 2048);
      pieces.push(random.subarray(from, from + 2048), text.subarray(from, from + 2048));
    }
    return Buffer.concat(pieces).subarray(0, length);
  };
  const write = writer(large);
  for (let i = 0; i < 48; i++) write(`usr/lib/lib${i}.so`, mixed(200_000 + i * 7_001, i + 1), 0o755);
  for (let i = 0; i < 200; i++) write(`etc/conf${i % 9}/file${i}.conf`, mixed(500 + i * 29, 1000 + i));
  write('usr/lib/copy-of-lib3.so', mixed(200_000 + 3 * 7_001, 4));
  fs.linkSync(path.join(large, 'usr/lib/lib7.so'), path.join(large, 'usr/lib/lib7.so.1'));
  // All holes: sparse blocks, which nothing decodes.
  write('holes', '');
  fs.truncateSync(path.join(large, 'holes'), 1024 * 1024);
  const largeEntries = readTree(large);
  const parallelism = blockPoolSettings.workers > 0 ? {} : { skip: 'one core: there is nothing to decode in parallel with' };

  function onThisThreadOnly<T>(read: () => T): T {
    const workers = blockPoolSettings.workers;
    blockPoolSettings.workers = 0;
    try {
      return read();
    } finally {
      blockPoolSettings.workers = workers;
    }
  }

  const images = new Map<string, Uint8Array>();
  const image = (compression: 'xz' | 'gzip'): Uint8Array => {
    let built = images.get(compression);
    if (!built) {
      built = mksquashfs(large, path.join(work, `large-${compression}.sqsh`), ['-comp', compression]);
      images.set(compression, built);
    }
    return built;
  };

  test('a small image is decoded as it is read, never by the workers', () => {
    const before = { ...blockPoolStatistics };
    const result = squashfs.unpack(mksquashfs(tree, path.join(work, 'small-xz.sqsh'), ['-comp', 'xz']), 0, limits());
    assertSameTree(result.entries, treeEntries);
    assert.deepEqual(blockPoolStatistics, before, 'no block went through the pool');
  });

  for (const compression of ['xz', 'gzip'] as const) {
    test(`a large ${compression} image reads the same, byte for byte, as on this thread alone`, parallelism, async () => {
      assert.ok(await blockPoolReady(), 'the workers load');
      const before = blockPoolStatistics.byWorkers;
      const parallel = squashfs.unpack(image(compression), 0, limits());
      assert.ok(blockPoolStatistics.byWorkers > before, 'workers decoded some of the blocks');
      assert.deepEqual(parallel.problems, []);
      assertSameTree(parallel.entries, largeEntries);
      assert.deepEqual(parallel, onThisThreadOnly(() => squashfs.unpack(image(compression), 0, limits())));
    });
  }

  test('corrupt blocks are reported as on this thread alone, in the same order, and the rest is read', parallelism, async () => {
    assert.ok(await blockPoolReady());
    const damaged = image('xz').slice();
    const dataEnd = readSquashfsSuperblock(damaged, 0)!.inodeTableStart;
    for (let k = 0; k < 24; k++) damaged[96 + Math.floor(((dataEnd - 96) * (k + 0.5)) / 24)]! ^= 0x10;
    const before = { ...blockPoolStatistics };
    const parallel = squashfs.unpack(damaged, 0, limits());
    assert.ok(blockPoolStatistics.retriedHere > before.retriedHere, 'a worker met a corrupt block and handed it back');
    assert.ok(parallel.problems.filter((problem) => /unreadable \(left as zeros\)/.test(problem.message)).length >= 12, 'the damaged blocks are reported');
    assert.deepEqual(parallel, onThisThreadOnly(() => squashfs.unpack(damaged, 0, limits())));
    assert.equal(parallel.entries.length, largeEntries.size, 'every entry is still listed');
  });

  test('a deadline that passes while blocks are being decoded stops unpacking promptly, keeping only whole files', parallelism, async () => {
    assert.ok(await blockPoolReady());
    const xz = image('xz');
    const started = Date.now();
    const whole = squashfs.unpack(xz, 0, limits());
    // A third of a whole read: past the walk over the tables, well before the last block.
    const deadline = Date.now() + Math.max(10, (Date.now() - started) / 3);
    const result = squashfs.unpack(xz, 0, limits({ deadline }));
    assert.ok(Date.now() - deadline < 1000, 'it gives up soon after the deadline');
    assert.match(result.problems.at(-1)?.message ?? '', /time allowed for unpacking ran out/);
    assert.ok(result.entries.length < whole.entries.length);
    assert.deepEqual(result.entries, whole.entries.slice(0, result.entries.length), 'what is returned is the start of the listing, every file complete');
  });
});
