import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { carve } from '../carve.ts';
import { cramfs, readCramfsSuperblock } from './cramfs.ts';
import { crc32 } from './crc32.ts';
import { signatures } from './index.ts';
import { assertSameTree, assertSurvivesFlippedBits, ESCAPE, limits, noise, quickUnpacker, readTree, repeated, workDirectory, writeUnixTree, type Expected } from '../../../test/support/unpack-fixtures.ts';

// Images are built at test time by util-linux's mkfs.cramfs from a fixture tree, and every entry
// the reader returns is compared with the tree itself, as far as CramFS can keep it: owners are
// cut to 16-bit uids and 8-bit gids, and hard links become files with the same bytes.

const work = workDirectory('cramfs');

const DEEP = 60;
const WIDE = 200;

/** Every kind of file CramFS holds: sizes around a page and past 64 KiB, links, devices, odd names. */
function buildTree(root: string): void {
  writeUnixTree(root, {
    busybox: Buffer.concat([repeated(70000, 'busybox '), noise(9000, 7), repeated(1234, 'tail')]),
    unit: 'page',
    // CramFS keeps a name's length in 4-byte units in six bits: 252 bytes at most.
    longestName: 252,
    deep: DEEP,
    wide: WIDE,
    extra: (write, root) => {
      // Whole pages of zeros between data: holes when the image is made with -z.
      write('sparse', Buffer.concat([repeated(5000, 'start '), Buffer.alloc(3 * 16384), repeated(100, 'end ')]));
      fs.mkdirSync(path.join(root, 'var/also-empty'), { recursive: true });
    },
  });
}

/** The tree as CramFS can hold it: uids keep their low 16 bits, gids their low 8, and a hard link is one more file. */
function cramfsTree(root: string): Map<string, Expected> {
  return new Map([...readTree(root)].map(([where, entry]) => [where, { ...entry, uid: entry.uid & 0xffff, gid: entry.gid & 0xff }]));
}

function mkfsCramfs(source: string, image: string, options: string[]): Uint8Array {
  execFileSync('mkfs.cramfs', [...options, source, image], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Uint8Array(fs.readFileSync(image));
}

const tree = path.join(work, 'tree');
buildTree(tree);
const treeEntries = cramfsTree(tree);

describe('CramFS images written by mkfs.cramfs', () => {
  const variants: { name: string; options: string[] }[] = [
    { name: 'a little-endian image', options: ['-N', 'little'] },
    { name: 'a big-endian image', options: ['-N', 'big'] },
    { name: 'an image padded for boot code', options: ['-N', 'little', '-p'] },
    { name: 'a big-endian padded image', options: ['-N', 'big', '-p'] },
    { name: 'an image with holes', options: ['-N', 'little', '-z'] },
    { name: 'an image of 16 KiB pages', options: ['-N', 'little', '-b', '16384'] },
  ];
  for (const { name, options } of variants) {
    test(`${name} reads back as the tree it was made from, byte for byte`, () => {
      const image = mkfsCramfs(tree, path.join(work, 'variant.cramfs'), options);
      assert.ok(cramfs.detect(image, 0));
      const result = cramfs.unpack(image, 0, limits());
      assert.deepEqual(
        result.problems.map((problem) => ({ path: problem.path, message: problem.message })),
        [{ path: 'escape', message: ESCAPE }],
        'the one symlink that climbs above the root is the only problem, and it is recorded anyway',
      );
      assertSameTree(result.entries, treeEntries, { hardlinks: false });
      assert.equal(result.length, image.length);
    });
  }

  test('pages of zeros that mkfs.cramfs -z stores as holes (empty blocks) read as zeros', () => {
    const image = mkfsCramfs(tree, path.join(work, 'holes.cramfs'), ['-N', 'little', '-z']);
    const view = new DataView(image.buffer, image.byteOffset, image.length);
    const sparse = Buffer.from(image.buffer, image.byteOffset, image.length).indexOf(Buffer.from('sparse\0')) - 12;
    const table = (view.getUint32(sparse + 8, true) >>> 6) * 4;
    const pointers = Array.from({ length: Math.ceil(view.getUint32(sparse + 4, true) / 4096) }, (_, i) => view.getUint32(table + i * 4, true));
    const holes = pointers.filter((pointer, i) => i > 0 && pointer === pointers[i - 1]).length;
    assert.ok(holes >= 10, `the image stores ${holes} holes`);
    const entry = cramfs.unpack(image, 0, limits()).entries.find((item) => item.path === 'sparse');
    assert.ok(entry?.data && Buffer.from(entry.data).equals(treeEntries.get('sparse')!.data!));
  });

  test('the superblock summary tells byte order, padding, size and counts', () => {
    const plain = mkfsCramfs(tree, path.join(work, 'summary.cramfs'), ['-N', 'big', '-n', 'rootfs']);
    const superblock = readCramfsSuperblock(plain, 0);
    assert.ok(superblock);
    assert.deepEqual(
      { byteOrder: superblock.byteOrder, superblockAt: superblock.superblockAt, base: superblock.base, size: superblock.size, name: superblock.name },
      { byteOrder: 'big-endian', superblockAt: 0, base: 0, size: plain.length, name: 'rootfs' },
    );
    // mkfs.cramfs counts every inode, the root included.
    assert.equal(superblock.files, treeEntries.size + 1);
    const padded = mkfsCramfs(tree, path.join(work, 'summary-padded.cramfs'), ['-p']);
    assert.deepEqual(
      [readCramfsSuperblock(padded, 0)?.superblockAt, readCramfsSuperblock(padded, 0)?.base, readCramfsSuperblock(padded, 512)?.base],
      [512, 0, 0],
      'a padded image is found from its start or from its superblock, and counts from its start',
    );
  });

  test('a hard link and identical files are files with the same bytes, decompressed once', () => {
    const entries = cramfs.unpack(mkfsCramfs(tree, path.join(work, 'links.cramfs'), []), 0, limits()).entries;
    const busybox = entries.find((entry) => entry.path === 'bin/busybox');
    const init = entries.find((entry) => entry.path === 'sbin/init');
    assert.equal(init?.type, 'file');
    assert.equal(init?.data, busybox?.data, 'the same bytes, held once');
  });

  test('an image inside a larger buffer is read at its offset, and its length lets carving skip it', () => {
    const image = mkfsCramfs(tree, path.join(work, 'embedded.cramfs'), []);
    const buffer = new Uint8Array(Buffer.concat([noise(1000, 3), image, noise(5000, 4)]));
    assert.equal(cramfs.detect(buffer, 1000), true);
    assert.equal(cramfs.detect(buffer, 996), false);
    const result = cramfs.unpack(buffer, 1000, limits());
    assertSameTree(result.entries, treeEntries, { hardlinks: false });
    assert.deepEqual(
      result.problems.map((problem) => problem.path),
      ['escape'],
      'what follows the image is not taken for damage in it',
    );
    assert.equal(result.length, image.length);
  });

  test('carving finds a padded image by its superblock and claims it to its end', () => {
    const small = path.join(work, 'carve-tree');
    fs.mkdirSync(path.join(small, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(small, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    for (const endian of ['little', 'big']) {
      const image = mkfsCramfs(small, path.join(work, `carve-${endian}.cramfs`), ['-p', '-N', endian]);
      const blob = new Uint8Array(Buffer.concat([noise(4096, 5), image, noise(4096, 6)]));
      const { found } = carve(blob, signatures, limits());
      const cramfsFound = found.filter((item) => item.unpacker === 'cramfs');
      assert.equal(cramfsFound.length, 1, endian);
      assert.equal(cramfsFound[0]?.offset, 4096 + 512, 'found where its superblock is');
      assert.equal(cramfsFound[0]!.offset + cramfsFound[0]!.length!, 4096 + image.length, 'claimed to the end of the image');
      assert.deepEqual(
        cramfsFound[0]?.result.entries.map((entry) => entry.path),
        ['etc', 'etc/passwd'],
      );
      assert.equal(found.length, 1, 'the zlib blocks inside are not carved again');
    }
  });
});

describe('CramFS images that are damaged or hostile', () => {
  const small = path.join(work, 'small');
  fs.mkdirSync(path.join(small, 'etc/sub'), { recursive: true });
  fs.writeFileSync(path.join(small, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  fs.writeFileSync(path.join(small, 'etc/sub/deeper'), 'deeper\n');
  fs.writeFileSync(path.join(small, 'big'), Buffer.concat([noise(10000, 9), repeated(20000, 'abc')]));
  fs.symlinkSync('etc/passwd', path.join(small, 'link'));
  const smallImage = mkfsCramfs(small, path.join(work, 'small.cramfs'), []);

  const unpackQuickly = quickUnpacker(cramfs);

  /** Where the 12-byte inode of `name` is: just before its NUL-padded name. */
  function inodeOf(image: Uint8Array, name: string): number {
    const at = Buffer.from(image.buffer, image.byteOffset, image.length).indexOf(Buffer.from(`${name}\0`));
    assert.ok(at > 0, `found ${name}`);
    return at - 12;
  }

  test('an image cut short at any point yields problems, never an exception', () => {
    for (let cut = 0; cut < smallImage.length; cut += 7) {
      const result = unpackQuickly(smallImage.subarray(0, cut));
      assert.ok(result.problems.length > 0, `a cut at ${cut} is reported`);
    }
  });

  test('flipped bits never make the reader throw or hang', () => {
    assertSurvivesFlippedBits(smallImage, unpackQuickly, { numRuns: 300 });
  });

  test('flipped bits in the inodes and directories are survived too', () => {
    const metadataEnd = inodeOf(smallImage, 'deeper') + 20;
    assertSurvivesFlippedBits(smallImage, unpackQuickly, { numRuns: 300, at: fc.integer({ min: 64, max: metadataEnd }), most: 3 });
  });

  test('a flipped bit anywhere is caught by the image CRC, and a damaged block is reported with its file', () => {
    const damaged = smallImage.slice();
    const view = new DataView(damaged.buffer);
    const big = inodeOf(damaged, 'big');
    const table = (view.getUint32(big + 8, true) >>> 6) * 4;
    // Block 1 of 'big' starts where block 0's pointer says block 0 ends.
    damaged[view.getUint32(table, true) + 10]! ^= 0x40;
    const result = unpackQuickly(damaged);
    assert.match(result.problems[0]?.message ?? '', /^the image's CRC does not match/);
    assert.equal(result.problems[1]?.path, 'big');
    assert.match(result.problems[1]?.message ?? '', /^a block is unreadable \(left as zeros\): block 1: zlib: /);
    assert.equal(Buffer.from(result.entries.find((entry) => entry.path === 'etc/passwd')?.data ?? []).toString(), 'root:x:0:0::/root:/bin/sh\n');
  });

  test('a name longer than CramFS can hold ends its directory, as in the kernel, and the names before it are read', () => {
    const source = path.join(work, 'long-name');
    fs.mkdirSync(source);
    for (const name of ['a', 'n'.repeat(255), 'z']) fs.writeFileSync(path.join(source, name), name);
    const result = unpackQuickly(mkfsCramfs(source, path.join(work, 'long-name.cramfs'), []));
    assert.deepEqual(
      result.entries.map((entry) => entry.path),
      ['a'],
    );
    assert.deepEqual(
      result.problems.map((problem) => [problem.path, problem.message]),
      [['/', 'the directory is unreadable after its first 1 names: a directory entry has no name length (a name longer than CramFS can hold?)']],
    );
  });

  test('a directory that lists its own ancestor is reported as a cycle and not followed', () => {
    const damaged = smallImage.slice();
    const view = new DataView(damaged.buffer);
    const etc = inodeOf(damaged, 'etc');
    const sub = inodeOf(damaged, 'sub');
    // 'etc/sub' now has the listing of 'etc' (same offset and size): etc/sub/sub/sub/…
    view.setUint32(sub + 4, view.getUint32(etc + 4, true), true);
    view.setUint32(sub + 8, (view.getUint32(etc + 8, true) & ~0x3f) | (view.getUint32(sub + 8, true) & 0x3f), true);
    const result = unpackQuickly(damaged);
    assert.deepEqual(
      result.entries.map((entry) => entry.path).filter((where) => where.startsWith('etc')),
      ['etc', 'etc/passwd'],
    );
    assert.deepEqual(
      result.problems.slice(1).map((problem) => [problem.path, problem.message]),
      [['etc/sub', `the directory's listing at ${(view.getUint32(etc + 8, true) >>> 6) * 4} was already read (a cycle); not followed`]],
    );
  });

  test('a directory listing that runs past the image, and absurd sizes, are problems; the rest is still read', () => {
    const damaged = smallImage.slice();
    const view = new DataView(damaged.buffer);
    const etc = inodeOf(damaged, 'etc');
    view.setUint32(etc + 4, 0xffffff, true);
    const big = inodeOf(damaged, 'big');
    view.setUint32(big + 4, 0xfffff0, true);
    const result = unpackQuickly(damaged, { maxFileBytes: 1024 * 1024 });
    assert.deepEqual(
      result.problems.slice(1).map((problem) => [problem.path, problem.message]),
      [
        ['big', 'the file claims 16777200 bytes, over the limit of 1048576; its contents are not read'],
        ['etc', `the directory is unreadable: a directory listing at ${(view.getUint32(etc + 8, true) >>> 6) * 4} (16777215 bytes) lies outside the image`],
      ],
    );
    assert.equal(Buffer.from(result.entries.find((entry) => entry.path === 'link')?.target ?? '').toString(), 'etc/passwd');
  });

  test('a file whose block pointers point backwards or outside has its blocks reported, not read', () => {
    const damaged = smallImage.slice();
    const view = new DataView(damaged.buffer);
    const table = (view.getUint32(inodeOf(damaged, 'big') + 8, true) >>> 6) * 4;
    view.setUint32(table, 3, true);
    view.setUint32(table + 4, 0x3ffffff0, true);
    const result = unpackQuickly(damaged);
    const big = result.problems.find((problem) => problem.path === 'big');
    assert.match(big?.message ?? '', /^\d+ of 8 blocks are unreadable \(left as zeros\): block 0: a block pointer \(3\) points before the block's start/);
  });

  test('with the extension flag, a block pointer may point straight at an uncompressed page (mkcramfs-xip)', () => {
    const patched = smallImage.slice();
    const view = new DataView(patched.buffer);
    const passwd = inodeOf(patched, 'passwd');
    const table = (view.getUint32(passwd + 8, true) >>> 6) * 4;
    const content = Buffer.from('root:x:0:0::/root:/bin/sh\n');
    // The file's one compressed block (after its one pointer) is replaced by the page itself.
    patched.set(content, table + 4);
    view.setUint32(table, 0x80000000 | 0x40000000 | ((table + 4) / 4), true);
    view.setUint32(8, view.getUint32(8, true) | 0x800, true);
    view.setUint32(32, 0, true);
    view.setUint32(32, crc32(patched), true);
    const result = unpackQuickly(patched);
    assert.deepEqual(result.problems, []);
    assert.equal(Buffer.from(result.entries.find((entry) => entry.path === 'etc/passwd')?.data ?? []).toString(), content.toString());
  });

  test('bytes that are not CramFS are not detected, and unpacking them is a problem', () => {
    assert.equal(cramfs.detect(noise(4096, 11), 0), false);
    const wrongRoot = smallImage.slice();
    wrongRoot[64 + 1] = 0x81; // the root's mode becomes a regular file
    assert.equal(cramfs.detect(wrongRoot, 0), false);
    assert.match(cramfs.unpack(wrongRoot, 0, limits()).problems[0]?.message ?? '', /no CramFS superblock here/);
  });

  test('the limits stop unpacking with a problem that names the limit', () => {
    const fewEntries = cramfs.unpack(smallImage, 0, limits({ maxEntries: 2 }));
    assert.equal(fewEntries.entries.length, 2);
    assert.match(fewEntries.problems.at(-1)?.message ?? '', /more than 2 entries/);
    const fewBytes = cramfs.unpack(smallImage, 0, limits({ maxTotalBytes: 100 }));
    assert.match(fewBytes.problems.at(-1)?.message ?? '', /more than 100 bytes in total/);
    const noTime = cramfs.unpack(smallImage, 0, limits({ deadline: Date.now() - 1 }));
    assert.match(noTime.problems.at(-1)?.message ?? '', /time allowed/);
  });
});
