import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { carve } from '../carve.ts';
import { ext, readExtSuperblock } from './ext.ts';
import { signatures } from './index.ts';
import { type Entry } from './types.ts';
import { assertSameTree as assertSameTreeShared, assertSurvivesFlippedBits, type Expected, limits, noise, quickUnpacker, readTree, writer } from '../../../test/support/unpack-fixtures.ts';

// Images are built at test time by e2fsprogs (mkfs.ext2/3/4 -d populates from a fixture tree,
// debugfs adds device nodes and patches bytes, e2fsck -D turns big directories into hash trees),
// and every entry the reader returns is compared with the tree itself.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-ext-'));
const servers: net.Server[] = [];
after(() => {
  for (const server of servers) server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Writes pieces of data into a sparse file of `size` bytes; everything else stays a hole. */
function sparseFile(file: string, size: number, pieces: [at: number, data: Buffer][]): void {
  fs.writeFileSync(file, '');
  fs.truncateSync(file, size);
  const fd = fs.openSync(file, 'r+');
  for (const [at, data] of pieces) fs.writeSync(fd, data, 0, data.length, at);
  fs.closeSync(fd);
}

const DEEP = 100;
const WIDE = 500;
const MiB = 1024 * 1024;

/** The tree every variant is tested against: each kind of file ext can hold, and each way it stores one. */
async function buildTree(root: string): Promise<void> {
  const write = writer(root);
  write('empty', '');
  write('one-byte', 'x');
  write('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  write('etc/shadow', 'root:$6$salt$hash:19000:0:99999:7:::\n', 0o600);
  write('exact-1k', noise(1024, 1));
  write('exact-4k', noise(4096, 2));
  write('exact-64k', noise(65536, 3));
  // More than the twelve direct pointers of a 1 KiB block map (single indirect)…
  write('many-blocks', noise(20000, 4));
  // …and more than 12 + 256 (double indirect).
  write('bin/busybox', Buffer.concat([noise(290000, 5), Buffer.from('the end of busybox')]), 0o4755);
  fs.mkdirSync(path.join(root, 'sbin'));
  fs.linkSync(path.join(root, 'bin/busybox'), path.join(root, 'sbin/init'));
  // 70 MiB, nearly all holes: at 1 KiB blocks its end is reached through the triple indirect block.
  sparseFile(path.join(root, 'sparse'), 70 * MiB, [
    [0, Buffer.from('at the start')],
    [MiB + 512, noise(3000, 6)],
    [66 * MiB + 100, noise(5000, 7)],
    [70 * MiB - 5, Buffer.from('end!\n')],
  ]);
  fs.symlinkSync('busybox', path.join(root, 'bin/sh'));
  fs.symlinkSync('/etc/passwd', path.join(root, 'etc/passwd-link'));
  fs.symlinkSync('../../../etc/shadow', path.join(root, 'escape'));
  // 59 bytes is the longest target kept inside the inode; 60 needs a block of its own.
  fs.mkdirSync(path.join(root, 'links'));
  fs.symlinkSync(`${'x/'.repeat(29)}y`, path.join(root, 'links/fast-59'));
  fs.symlinkSync(`${'x/'.repeat(29)}yz`, path.join(root, 'links/slow-60'));
  fs.symlinkSync('long/'.repeat(200), path.join(root, 'links/long-1000'));
  write(`names/${'n'.repeat(255)}`, 'a name of 255 bytes');
  write('names/ünïcødé-名前.txt', 'UTF-8 name');
  fs.mkdirSync(path.join(root, 'var/empty'), { recursive: true });
  fs.chmodSync(path.join(root, 'var/empty'), 0o700);
  // Enough names for several directory blocks, which e2fsck -D turns into a hash tree.
  for (let i = 0; i < WIDE; i++) write(`wide/a-rather-long-file-name-${String(i).padStart(4, '0')}`, `file ${i}\n`);
  write(`deep/${Array.from({ length: DEEP }, () => 'd').join('/')}/leaf.txt`, 'at the bottom');
  fs.mkdirSync(path.join(root, 'run'));
  execFileSync('mkfifo', [path.join(root, 'run/initctl')]);
  // A listening socket leaves its node in the tree until the server closes (after the tests).
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path.join(root, 'run/log'), resolve));
  // Device nodes need root to create on disk; debugfs adds them to each image instead (see DEVICES).
  fs.mkdirSync(path.join(root, 'dev'));
}

/** The shared comparison, and for a hard link also: its data is reached through the first name, never copied. */
function assertSameTree(entries: Entry[], expected: Map<string, Expected>): void {
  assertSameTreeShared(entries, expected);
  const byPath = new Map(entries.map((entry) => [entry.path, entry]));
  for (const [where, want] of expected) {
    const got = byPath.get(where)!;
    if (got.type !== 'hardlink') continue;
    const first = byPath.get(got.target!)!;
    assert.ok(first.data && Buffer.from(first.data).equals(want.data!), `the data reached through ${where}`);
    assert.equal(got.data, undefined, `${where} holds no second copy`);
  }
}

type Mkfs = 'mkfs.ext2' | 'mkfs.ext3' | 'mkfs.ext4';

function mkfs(command: Mkfs, source: string, image: string, options: string[], size = '16M'): void {
  fs.rmSync(image, { force: true });
  execFileSync(command, ['-q', '-F', '-d', source, ...options, image, size], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Runs debugfs commands against an image (-w to write); returns what they print. */
function debugfs(image: string, commands: string[], writable = false): string {
  return execFileSync('debugfs', [...(writable ? ['-w'] : []), '-f', '-', image], { input: `${commands.join('\n')}\n`, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Rebuilds every directory of more than one block as a hash tree (mkfs -d writes them linear). */
function indexDirectories(image: string): void {
  const { status, stderr } = spawnSync('e2fsck', ['-fyD', image], { encoding: 'utf8' });
  assert.ok(status === 0 || status === 1, `e2fsck -fyD failed: ${stderr}`);
}

function load(image: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(image));
}

const tree = path.join(work, 'tree');
await buildTree(tree);
const treeEntries = readTree(tree);

// Added by debugfs, which writes the permission bits after the node; owned by root.
const DEVICES = ['cd dev', 'mknod console c 5 1', 'sif console mode 020600', 'mknod sda b 8 0', 'sif sda mode 060660'];
const deviceEntries: [string, Expected][] = [
  ['dev/console', { type: 'device', mode: 0o020600, uid: 0, gid: 0, inode: -1 }],
  ['dev/sda', { type: 'device', mode: 0o060660, uid: 0, gid: 0, inode: -2 }],
];

/** The image of the whole tree in one variant, with devices and hash-tree directories. */
function treeImage(command: Mkfs, options: string[], size?: string): { image: Uint8Array; file: string; expected: Map<string, Expected> } {
  const file = path.join(work, 'tree.img');
  mkfs(command, tree, file, options, size);
  debugfs(file, DEVICES, true);
  indexDirectories(file);
  const lostAndFound = /^\s*(\d+)\s+(\d+)\s+\(\d+\)\s+(\d+)\s+(\d+)/m.exec(debugfs(file, ['ls -l lost+found']))!;
  const expected = new Map<string, Expected>([
    ...treeEntries,
    ...deviceEntries,
    ['lost+found', { type: 'directory', mode: Number.parseInt(lostAndFound[2]!, 8), uid: Number(lostAndFound[3]), gid: Number(lostAndFound[4]), inode: -3 }],
  ]);
  return { image: load(file), file, expected };
}

const VARIANTS: { name: string; command: Mkfs; options: string[]; size?: string }[] = [
  { name: 'ext2 with 1 KiB blocks (block maps down to the triple indirect block, several groups)', command: 'mkfs.ext2', options: ['-b', '1024', '-g', '2048'] },
  { name: 'ext2 with 4 KiB blocks', command: 'mkfs.ext2', options: ['-b', '4096'] },
  { name: 'ext2 revision 0 (no features: 16-bit name lengths, a superblock copy in every group)', command: 'mkfs.ext2', options: ['-r', '0', '-b', '1024', '-g', '2048'] },
  { name: 'ext3 with 1 KiB blocks (a journal)', command: 'mkfs.ext3', options: ['-b', '1024'] },
  { name: 'ext3 with 4 KiB blocks', command: 'mkfs.ext3', options: ['-b', '4096'] },
  { name: 'ext4 with 1 KiB blocks (extents, flex_bg, metadata_csum, several groups)', command: 'mkfs.ext4', options: ['-b', '1024', '-g', '2048'] },
  { name: 'ext4 with 2 KiB blocks', command: 'mkfs.ext4', options: ['-b', '2048'] },
  { name: 'ext4 with 4 KiB blocks', command: 'mkfs.ext4', options: ['-b', '4096'] },
  { name: 'ext4 without extents (block maps)', command: 'mkfs.ext4', options: ['-b', '1024', '-O', '^extent,^64bit'] },
  { name: 'ext4 with 64-bit group descriptors', command: 'mkfs.ext4', options: ['-b', '1024', '-O', '64bit'] },
  { name: 'ext4 with 32-bit group descriptors', command: 'mkfs.ext4', options: ['-b', '1024', '-O', '^64bit'] },
  { name: 'ext4 with 128-byte inodes', command: 'mkfs.ext4', options: ['-I', '128'] },
  { name: 'ext4 with 256-byte inodes', command: 'mkfs.ext4', options: ['-I', '256'] },
  { name: 'ext4 with inline data (small files and directories inside their inodes)', command: 'mkfs.ext4', options: ['-O', 'inline_data'] },
  { name: 'ext4 with meta_bg (group descriptors spread over the groups)', command: 'mkfs.ext4', options: ['-b', '1024', '-g', '256', '-N', '2048', '-O', 'meta_bg,^resize_inode'] },
  { name: 'ext4 with bigalloc (16 KiB clusters of 1 KiB blocks, group 0 starting at block 0)', command: 'mkfs.ext4', options: ['-b', '1024', '-O', 'bigalloc', '-C', '16384'], size: '64M' },
  { name: 'ext4 with bigalloc (64 KiB clusters of 4 KiB blocks)', command: 'mkfs.ext4', options: ['-b', '4096', '-O', 'bigalloc', '-C', '65536'], size: '64M' },
  { name: 'ext4 with 64 KiB blocks', command: 'mkfs.ext4', options: ['-b', '65536'], size: '64M' },
];

describe('ext2, ext3 and ext4 images written by mke2fs', () => {
  for (const variant of VARIANTS) {
    test(`${variant.name} reads back as the tree it was made from, byte for byte`, () => {
      const { image, expected } = treeImage(variant.command, variant.options, variant.size);
      assert.ok(ext.detect(image, 0));
      const result = ext.unpack(image, 0, limits());
      assert.deepEqual(
        result.problems,
        [{ path: 'escape', message: 'the symlink points outside the image (../../../etc/shadow); recorded, not followed' }],
        'the one symlink that climbs above the root is reported, and recorded anyway',
      );
      assertSameTree(result.entries, expected);
      assert.equal(result.length, image.length);
    });
  }

  test('the variants really store what they are named for', () => {
    const stat = (command: Mkfs, options: string[], name: string): string => {
      const file = path.join(work, 'tree.img');
      mkfs(command, tree, file, options);
      indexDirectories(file);
      return debugfs(file, [`stat ${name}`]);
    };
    const flags = (text: string): number => Number.parseInt(/Flags: (0x[0-9a-f]+)/.exec(text)?.[1] ?? 'NaN', 16);
    assert.equal(flags(stat('mkfs.ext4', ['-b', '1024'], 'wide')) & 0x1000, 0x1000, 'wide is a hash-tree directory');
    assert.equal(flags(stat('mkfs.ext4', ['-b', '1024'], 'bin/busybox')) & 0x80000, 0x80000, 'ext4 files use extents');
    assert.equal(flags(stat('mkfs.ext4', ['-b', '1024', '-O', '^extent,^64bit'], 'bin/busybox')) & 0x80000, 0, 'without extents they use block maps');
    assert.match(stat('mkfs.ext2', ['-b', '1024'], 'sparse'), /TIND/, 'the sparse file reaches the triple indirect block');
    assert.equal(flags(stat('mkfs.ext4', ['-O', 'inline_data'], 'etc/passwd')) & 0x10000000, 0x10000000, 'small files are inline');
    assert.equal(flags(stat('mkfs.ext4', ['-O', 'inline_data'], 'links/long-1000')) & 0x10000000, 0, 'a long link is not');
  });

  test('the superblock summary agrees with dumpe2fs, and length is the filesystem size', () => {
    for (const [command, version] of [['mkfs.ext2', 'ext2'], ['mkfs.ext3', 'ext3'], ['mkfs.ext4', 'ext4']] as const) {
      const file = path.join(work, 'summary.img');
      mkfs(command, tree, file, ['-b', '2048', '-L', 'rootfs', '-U', '0b7ea9a2-75c6-4bfc-8d9d-4a8d1e4bd3a7'], '12M');
      const image = load(file);
      const dump = execFileSync('dumpe2fs', ['-h', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const field = (name: string): string => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(dump)?.[1] ?? '';
      const superblock = readExtSuperblock(image, 0);
      assert.ok(superblock);
      assert.equal(superblock.version, version);
      assert.equal(superblock.blockSize, Number(field('Block size')));
      assert.equal(superblock.blockCount, Number(field('Block count')));
      assert.equal(superblock.inodeCount, Number(field('Inode count')));
      assert.equal(superblock.inodesPerGroup, Number(field('Inodes per group')));
      assert.equal(superblock.inodeSize, Number(field('Inode size')));
      assert.equal(superblock.volumeName, 'rootfs');
      assert.equal(superblock.uuid, field('Filesystem UUID'));
      assert.equal(ext.unpack(image, 0, limits()).length, 12 * MiB);
    }
  });

  test('a file over 4 GiB takes its size from i_size_high and is held to the file limit', () => {
    const source = path.join(work, 'huge');
    fs.mkdirSync(source);
    sparseFile(path.join(source, 'disk.img'), 5 * 1024 * MiB, [[4 * 1024 * MiB + 7, Buffer.from('past 4 GiB')]]);
    fs.writeFileSync(path.join(source, 'small'), 'still read');
    for (const command of ['mkfs.ext2', 'mkfs.ext4'] as const) {
      const file = path.join(work, 'huge.img');
      mkfs(command, source, file, ['-b', '4096'], '8M');
      const result = ext.unpack(load(file), 0, limits());
      assert.deepEqual(result.problems, [{ path: 'disk.img', message: `the file claims ${5 * 1024 * MiB} bytes, over the limit of ${512 * MiB}; its contents are not read` }]);
      assert.deepEqual(
        result.entries.filter((entry) => entry.type === 'file').map((entry) => [entry.path, entry.data && Buffer.from(entry.data).toString()]),
        [['disk.img', undefined], ['small', 'still read']],
      );
    }
  });

  test('an image inside a larger buffer is read at its offset, and carving finds it by the magic at byte 1080', () => {
    const { image, expected } = treeImage('mkfs.ext4', ['-b', '1024'], '8M');
    const buffer = new Uint8Array(Buffer.concat([noise(3000, 8), image, noise(5000, 9)]));
    assert.equal(ext.detect(buffer, 3000), true);
    assert.equal(ext.detect(buffer, 2999), false);
    assertSameTree(ext.unpack(buffer, 3000, limits()).entries, expected);
    const { found } = carve(buffer, signatures, limits());
    const carved = found.find((item) => item.unpacker === 'ext');
    assert.equal(carved?.offset, 3000);
    assert.equal(carved.length, image.length);
    assertSameTree(carved.result.entries, expected);
  });
});

describe('ext images that are damaged or hostile', () => {
  const small = path.join(work, 'small');
  const write = writer(small);
  write('etc/passwd', 'root:x:0:0::/root:/bin/sh\n');
  write('big', noise(30000, 10));
  fs.symlinkSync('etc/passwd', path.join(small, 'link'));
  fs.symlinkSync('x'.repeat(100), path.join(small, 'long-link'));
  fs.mkdirSync(path.join(small, 'parentdir/loopback'), { recursive: true });
  write('parentdir/loopback/file', 'inside');

  function smallImage(command: Mkfs, options: string[] = []): { image: Uint8Array; file: string } {
    const file = path.join(work, `small-${command}.img`);
    mkfs(command, small, file, ['-b', '1024', '-N', '64', ...options], '256K');
    return { image: load(file), file };
  }
  const ext2 = smallImage('mkfs.ext2');
  const ext4 = smallImage('mkfs.ext4');

  const unpackQuickly = quickUnpacker(ext);

  /** Where an inode's 128 or more bytes sit in the image, as debugfs finds them. */
  function inodeAt(file: string, name: string): number {
    const found = /located at block (\d+), offset (0x[0-9a-f]+)/.exec(debugfs(file, [`imap ${name}`]))!;
    return Number(found[1]) * 1024 + Number.parseInt(found[2]!, 16);
  }

  function inodeNumber(file: string, name: string): number {
    return Number(/Inode: (\d+)/.exec(debugfs(file, [`stat ${name}`]))![1]);
  }

  test('the small images read cleanly before they are damaged', () => {
    for (const { image } of [ext2, ext4]) {
      const result = unpackQuickly(image);
      assert.deepEqual(result.problems, []);
      assert.deepEqual(result.entries.map((entry) => entry.path).sort(), ['big', 'etc', 'etc/passwd', 'link', 'long-link', 'lost+found', 'parentdir', 'parentdir/loopback', 'parentdir/loopback/file']);
    }
  });

  test('an image cut short at any point yields problems, never an exception', () => {
    for (const { image } of [ext2, ext4]) {
      for (let cut = 0; cut < image.length; cut += 1021) {
        const result = unpackQuickly(image.subarray(0, cut));
        assert.ok(result.problems.length > 0, `a cut at ${cut} is reported`);
        if (cut >= 2048) assert.match(result.problems[0]!.message, /truncated/);
      }
    }
  });

  test('flipped bits never make the reader throw or hang', () => {
    for (const { image } of [ext2, ext4]) {
      // Most of a small image is zeros; flipping where something is written is what finds faults.
      const written = [...image.keys()].filter((at) => image[at] !== 0);
      assertSurvivesFlippedBits(image, unpackQuickly, { numRuns: 300, at: fc.constantFrom(...written) });
    }
  });

  test('random bytes over the superblock and descriptors never make the reader throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.integer({ min: 1024, max: 4096 - 64 }), (junk, at) => {
        const damaged = ext4.image.slice();
        damaged.set(junk, at);
        unpackQuickly(damaged);
      }),
      { numRuns: 300 },
    );
  });

  test('a directory that lists its own parent is reported as a cycle and not followed', () => {
    for (const command of ['mkfs.ext2', 'mkfs.ext4'] as const) {
      const { file } = smallImage(command);
      const image = load(file);
      const buffer = Buffer.from(image.buffer, image.byteOffset, image.length);
      // A directory entry: inode (4 bytes), record length (2), name length (1), type (1), name.
      const loopEntry = buffer.indexOf('loopback') - 8;
      assert.equal(image[loopEntry + 6], 'loopback'.length);
      buffer.writeUInt32LE(inodeNumber(file, 'parentdir'), loopEntry);
      const result = unpackQuickly(image);
      assert.deepEqual(
        result.entries.filter((entry) => entry.path.startsWith('parentdir')).map((entry) => entry.path),
        ['parentdir'],
      );
      assert.deepEqual(result.problems, [{ path: 'parentdir/loopback', message: `the entry refers back to directory inode ${inodeNumber(file, 'parentdir')} (a cycle); not followed` }]);
    }
  });

  test('a name with a slash in it (debugfs writes one when asked) is skipped with a problem', () => {
    const file = path.join(work, 'slash.img');
    fs.copyFileSync(ext2.file, file);
    debugfs(file, ['mknod parentdir/evil p'], true);
    const result = unpackQuickly(load(file));
    assert.deepEqual(result.problems, [{ path: 'parentdir/evil', message: 'a directory entry named "parentdir/evil" is not a plain file name; skipped' }]);
    assert.ok(!result.entries.some((entry) => entry.type === 'fifo'));
  });

  test('an entry pointing at the root, or at an inode that does not exist, is a problem and the rest is read', () => {
    const image = ext4.image.slice();
    const buffer = Buffer.from(image.buffer);
    buffer.writeUInt32LE(2, buffer.indexOf('loopback') - 8);
    buffer.writeUInt32LE(0x7fffffff, buffer.indexOf('long-link') - 8);
    const result = unpackQuickly(image);
    assert.deepEqual(
      result.problems.map((problem) => [problem.path, problem.message]),
      [
        ['long-link', 'the inode is unreadable: inode 2147483647 is outside the 64 inodes'],
        ['parentdir/loopback', 'the entry refers back to directory inode 2 (a cycle); not followed'],
      ],
    );
    assert.equal(Buffer.from(result.entries.find((entry) => entry.path === 'etc/passwd')?.data ?? []).toString(), 'root:x:0:0::/root:/bin/sh\n');
  });

  test('block pointers beyond the filesystem are problems, and the file reads as zeros there', () => {
    const image = ext2.image.slice();
    const view = new DataView(image.buffer);
    const big = inodeAt(ext2.file, 'big');
    view.setUint32(big + 0x28 + 4 * 3, 0xfffffff0, true); // the fourth direct block
    view.setUint32(big + 0x28 + 4 * 12, 0x00fffff0, true); // the single indirect block
    const result = unpackQuickly(image);
    assert.deepEqual(result.problems, [{ path: 'big', message: '2 block pointers of the file point outside the filesystem (the first to block 4294967280); read as zeros' }]);
    const expected = noise(30000, 10);
    expected.fill(0, 3 * 1024, 4 * 1024);
    expected.fill(0, 12 * 1024);
    assert.ok(Buffer.from(result.entries.find((entry) => entry.path === 'big')!.data!).equals(expected));
  });

  test('an extent tree that leads back to itself is reported and not followed', () => {
    const image = ext4.image.slice();
    const view = new DataView(image.buffer);
    const big = inodeAt(ext4.file, 'big');
    const free = Number(/Free blocks found: (\d+)/.exec(debugfs(ext4.file, ['ffb 1 100']))![1]);
    const header = (at: number, depth: number): void => {
      view.setUint16(at, 0xf30a, true);
      view.setUint16(at + 2, 1, true); // entries
      view.setUint16(at + 4, 1, true); // room for
      view.setUint16(at + 6, depth, true);
    };
    const index = (at: number, child: number): void => {
      view.setUint32(at, 0, true); // first logical block
      view.setUint32(at + 4, child, true);
      view.setUint16(at + 8, 0, true);
    };
    // The inode's root (depth 2) points at a node of depth 1 that points at itself.
    header(big + 0x28, 2);
    index(big + 0x28 + 12, free);
    header(free * 1024, 1);
    index(free * 1024 + 12, free);
    const result = unpackQuickly(image);
    assert.deepEqual(result.problems, [{ path: 'big', message: `extent tree block ${free} is referred to twice; what it maps is read as zeros` }]);
    assert.ok(result.entries.find((entry) => entry.path === 'big')!.data!.every((byte) => byte === 0));
  });

  test('a corrupt extent header or an absurd file size is a problem, and the rest is still read', () => {
    const image = ext4.image.slice();
    const view = new DataView(image.buffer);
    const big = inodeAt(ext4.file, 'big');
    const extents = view.getUint16(big + 0x28 + 2, true);
    view.setUint16(big + 0x28 + 4, 900, true); // room for 900 extents in a 60-byte root
    const passwd = inodeAt(ext4.file, 'etc/passwd');
    view.setUint32(passwd + 0x6c, 0x7fff, true); // i_size_high
    const result = unpackQuickly(image);
    assert.deepEqual(
      result.problems.map((problem) => [problem.path, problem.message]),
      [
        ['big', `an extent tree node claims ${extents} of 900 entries, more than it can hold; what it maps is read as zeros`],
        ['etc/passwd', `the file claims ${0x7fff * 2 ** 32 + 26} bytes, over the limit of ${8 * MiB}; its contents are not read`],
      ],
    );
    assert.equal(Buffer.from(result.entries.find((entry) => entry.path === 'parentdir/loopback/file')?.data ?? []).toString(), 'inside');
  });

  test('features the reader cannot honour are refused with a problem that names them', () => {
    const withIncompat = (bits: number): Uint8Array => {
      const image = ext4.image.slice();
      const view = new DataView(image.buffer);
      view.setUint32(1024 + 0x60, view.getUint32(1024 + 0x60, true) | bits, true);
      return image;
    };
    const refused = (image: Uint8Array): string => {
      const result = unpackQuickly(image);
      assert.deepEqual(result.entries, []);
      return result.problems.map((problem) => problem.message).join('\n');
    };
    assert.match(refused(withIncompat(0x1)), /e2compr compression, which is not supported/);
    assert.match(refused(withIncompat(0x8)), /external journal device, which holds no files/);
    assert.match(refused(withIncompat(0x4000000)), /incompatible features this reader does not know \(0x4000000\)/);
    // A journal that needs replaying is read as it stands, with a warning.
    const recovering = unpackQuickly(withIncompat(0x4));
    assert.match(recovering.problems[0]?.message ?? '', /journal holds changes never applied/);
    assert.equal(recovering.entries.length, 9);
  });

  test('encrypted files and directories are reported, not read', () => {
    const image = ext4.image.slice();
    const view = new DataView(image.buffer);
    for (const name of ['big', 'parentdir']) {
      const at = inodeAt(ext4.file, name);
      view.setUint32(at + 0x20, view.getUint32(at + 0x20, true) | 0x800, true);
    }
    const result = unpackQuickly(image);
    assert.deepEqual(
      result.problems.map((problem) => [problem.path, problem.message]),
      [
        ['big', 'the file is encrypted; its contents are not read'],
        ['parentdir', 'the directory is encrypted; its entries are not listed'],
      ],
    );
    assert.equal(result.entries.find((entry) => entry.path === 'big')?.data, undefined);
  });

  test('detection wants the magic number and a geometry that adds up', () => {
    assert.equal(ext.detect(ext2.image, 0), true);
    assert.equal(ext.detect(ext2.image.subarray(0, 2047), 0), false, 'the whole superblock must be there');
    const magicOnly = new Uint8Array(4096);
    magicOnly.set([0x53, 0xef], 1080);
    assert.equal(ext.detect(magicOnly, 0), false);
    const wrongCount = ext2.image.slice();
    new DataView(wrongCount.buffer).setUint32(1024, 65, true); // inodes: not a whole number of groups
    assert.equal(ext.detect(wrongCount, 0), false);
    assert.match(ext.unpack(wrongCount, 0, limits()).problems[0]?.message ?? '', /65 inodes is not 1 groups of 64/);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2048, maxLength: 2048 }), (random) => {
        random.set([0x53, 0xef], 1080);
        return ext.detect(random, 0) === false;
      }),
      { numRuns: 200 },
    );
  });

  test('the limits stop unpacking with a problem that names the limit', () => {
    const fewEntries = ext.unpack(ext2.image, 0, limits({ maxEntries: 2 }));
    assert.equal(fewEntries.entries.length, 2);
    assert.match(fewEntries.problems.at(-1)?.message ?? '', /more than 2 entries/);
    const fewBytes = ext.unpack(ext2.image, 0, limits({ maxTotalBytes: 100 }));
    assert.match(fewBytes.problems.at(-1)?.message ?? '', /more than 100 bytes in total/);
    const noTime = ext.unpack(ext2.image, 0, limits({ deadline: Date.now() - 1 }));
    assert.match(noTime.problems.at(-1)?.message ?? '', /time allowed/);
  });
});
