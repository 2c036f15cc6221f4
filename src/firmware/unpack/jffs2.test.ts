import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { carve } from '../carve.ts';
import { signatures } from './index.ts';
import { decodeRtime, jffs2, jffs2Crc } from './jffs2.ts';
import { assertSameTree, assertSurvivesFlippedBits, assertSurvivesRandomTail, ESCAPE, limits, noise, quickUnpacker, readTree, repeated, workDirectory, writeUnixTree } from '../../../test/support/unpack-fixtures.ts';

// Images are built at test time by mtd-utils' mkfs.jffs2 from a fixture tree, and every entry
// the reader returns is compared with the tree itself. What mkfs.jffs2 cannot write (LZMA nodes,
// superseded versions, deletions, cycles) is built node by node with the writer at the bottom.

const work = workDirectory('jffs2');

const DEEP = 60;
const WIDE = 200;

/** Every kind of file JFFS2 holds: sizes around a page and past 64 KiB, links, devices, odd names. */
function buildTree(root: string): void {
  writeUnixTree(root, {
    // Past 64 KiB, partly compressible and partly not, with a tail that is not a whole page.
    busybox: Buffer.concat([repeated(70000, 'busybox '), noise(9000, 7), repeated(1234, 'tail')]),
    unit: 'page',
    longestName: 255,
    deep: DEEP,
    wide: WIDE,
    extra: (write) => write('zeros', Buffer.alloc(200_000)),
  });
}

function mkfsJffs2(source: string, image: string, options: string[]): Uint8Array {
  execFileSync('mkfs.jffs2', ['-r', source, '-o', image, ...options], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Uint8Array(fs.readFileSync(image));
}

interface NodeSummary {
  at: number;
  type: number;
  totlen: number;
  compression?: number;
}

/** The nodes of an image in order, walked by their lengths (what the tests know about the layout). */
function nodesOf(image: Uint8Array, little: boolean): NodeSummary[] {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const nodes: NodeSummary[] = [];
  for (let at = 0; at + 12 <= image.length; ) {
    if (view.getUint16(at, little) !== 0x1985) {
      at += 4;
      continue;
    }
    const type = view.getUint16(at + 2, little);
    const totlen = view.getUint32(at + 4, little);
    nodes.push({ at, type, totlen, ...(type === 0xe002 ? { compression: image[at + 56]! } : {}) });
    at += (totlen + 3) & ~3;
  }
  return nodes;
}

const tree = path.join(work, 'tree');
buildTree(tree);
const treeEntries = readTree(tree);

describe('JFFS2 images written by mkfs.jffs2', () => {
  const variants: { name: string; options: string[]; little: boolean; compression: number }[] = [
    { name: 'a little-endian zlib image', options: ['-l'], little: true, compression: 6 },
    { name: 'a big-endian zlib image', options: ['-b'], little: false, compression: 6 },
    { name: 'an lzo image', options: ['-l', '-X', 'lzo', '-x', 'zlib'], little: true, compression: 7 },
    { name: 'an rtime image', options: ['-l', '-x', 'zlib'], little: true, compression: 2 },
    { name: 'a big-endian rtime image', options: ['-b', '-x', 'zlib'], little: false, compression: 2 },
    { name: 'an uncompressed image', options: ['-l', '-x', 'zlib', '-x', 'rtime'], little: true, compression: 0 },
  ];
  for (const { name, options, little, compression } of variants) {
    test(`${name} reads back as the tree it was made from, byte for byte`, () => {
      const image = mkfsJffs2(tree, path.join(work, 'variant.jffs2'), ['-e', '0x10000', ...options]);
      const used = new Set(nodesOf(image, little).flatMap((node) => (node.compression === undefined ? [] : [node.compression])));
      assert.ok(used.has(compression), `the image holds data nodes of compression ${compression} (it holds ${[...used].join(', ')})`);
      assert.ok(jffs2.detect(image, 0));
      const result = jffs2.unpack(image, 0, limits());
      assert.deepEqual(
        result.problems.map((problem) => ({ path: problem.path, message: problem.message })),
        [{ path: 'escape', message: ESCAPE }],
        'the one symlink that climbs above the root is the only problem, and it is recorded anyway',
      );
      assertSameTree(result.entries, treeEntries);
      assert.equal(result.length, image.length);
    });
  }

  test('larger pages and erase blocks, padding to the end of the erase block and no cleanmarkers read the same', () => {
    for (const options of [['-s', '8192', '-e', '0x20000'], ['-e', '0x10000', '-p'], ['-e', '0x10000', '-n'], ['-e', '0x10000', '-m', 'size']]) {
      const image = mkfsJffs2(tree, path.join(work, 'layout.jffs2'), ['-l', ...options]);
      const result = jffs2.unpack(image, 0, limits());
      assert.deepEqual(
        result.problems.map((problem) => problem.path),
        ['escape'],
        `only the escaping symlink is a problem with ${options.join(' ')}`,
      );
      assertSameTree(result.entries, treeEntries);
      assert.equal(result.length, image.length, 'the erased flash padding the last erase block belongs to the image');
    }
  });

  test('a second name for an inode is a hard link to the first, holding no second copy', () => {
    const image = mkfsJffs2(tree, path.join(work, 'links.jffs2'), ['-l']);
    const entries = jffs2.unpack(image, 0, limits()).entries;
    const busybox = entries.find((entry) => entry.path === 'bin/busybox');
    const init = entries.find((entry) => entry.path === 'sbin/init');
    assert.equal(busybox?.type, 'file');
    assert.deepEqual({ type: init?.type, target: init?.target, data: init?.data }, { type: 'hardlink', target: 'bin/busybox', data: undefined });
  });

  test('owners come from the inode nodes, and -q makes them all root', () => {
    const entries = jffs2.unpack(mkfsJffs2(tree, path.join(work, 'owners.jffs2'), ['-l']), 0, limits()).entries;
    assert.deepEqual(
      entries.filter((entry) => entry.uid !== 0 || entry.gid !== 0).map((entry) => [entry.path, entry.uid, entry.gid]),
      [['owned', 1000, 100]],
    );
    const squashed = jffs2.unpack(mkfsJffs2(tree, path.join(work, 'squashed.jffs2'), ['-l', '-q']), 0, limits()).entries;
    assert.ok(squashed.every((entry) => entry.uid === 0 && entry.gid === 0));
  });

  test('an image inside a larger buffer is read at its offset, and its length ends before what follows', () => {
    const image = mkfsJffs2(tree, path.join(work, 'embedded.jffs2'), ['-l', '-e', '0x10000', '-p']);
    const buffer = new Uint8Array(Buffer.concat([noise(1000, 3), image, noise(300_000, 4)]));
    assert.equal(jffs2.detect(buffer, 1000), true);
    assert.equal(jffs2.detect(buffer, 1004), false);
    const result = jffs2.unpack(buffer, 1000, limits());
    assertSameTree(result.entries, treeEntries);
    assert.deepEqual(
      result.problems.map((problem) => problem.path),
      ['escape'],
      'what follows the image is not taken for damage in it',
    );
    assert.equal(result.length, image.length);
  });

  test('carving finds the image by its magic number and does not look inside it again', () => {
    const small = path.join(work, 'carve-tree');
    fs.mkdirSync(path.join(small, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(small, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    const image = mkfsJffs2(small, path.join(work, 'carve.jffs2'), ['-b', '-e', '0x10000', '-p']);
    const blob = new Uint8Array(Buffer.concat([noise(4096, 5), image, noise(4096, 6)]));
    const { found } = carve(blob, signatures, limits());
    const jffs2Found = found.filter((item) => item.unpacker === 'jffs2');
    assert.equal(jffs2Found.length, 1);
    assert.equal(jffs2Found[0]?.offset, 4096);
    assert.equal(jffs2Found[0]?.length, image.length);
    assert.deepEqual(
      jffs2Found[0]?.result.entries.map((entry) => entry.path),
      ['etc', 'etc/passwd'],
    );
  });
});

// A writer of single nodes, for what mkfs.jffs2 never writes. Little-endian unless told.
interface InodeSpec {
  ino: number;
  version: number;
  mode: number;
  isize: number;
  offset?: number;
  data?: Uint8Array;
  dsize?: number;
  compression?: number;
}

function header(view: DataView, type: number, totlen: number, little: boolean): void {
  view.setUint16(0, 0x1985, little);
  view.setUint16(2, type, little);
  view.setUint32(4, totlen, little);
  view.setUint32(8, jffs2Crc(new Uint8Array(view.buffer, view.byteOffset, 8)), little);
}

function padded(node: Uint8Array): Uint8Array {
  const out = new Uint8Array((node.length + 3) & ~3).fill(0xff);
  out.set(node);
  return out;
}

function direntNode(parent: number, version: number, ino: number, name: string, type: number, little = true): Uint8Array {
  const nameBytes = Buffer.from(name);
  const node = new Uint8Array(40 + nameBytes.length);
  const view = new DataView(node.buffer);
  header(view, 0xe001, node.length, little);
  view.setUint32(12, parent, little);
  view.setUint32(16, version, little);
  view.setUint32(20, ino, little);
  node[28] = nameBytes.length;
  node[29] = type;
  view.setUint32(32, jffs2Crc(node.subarray(0, 32)), little);
  view.setUint32(36, jffs2Crc(nameBytes), little);
  node.set(nameBytes, 40);
  return padded(node);
}

function inodeNode(spec: InodeSpec, little = true): Uint8Array {
  const data = spec.data ?? new Uint8Array(0);
  const node = new Uint8Array(68 + data.length);
  const view = new DataView(node.buffer);
  header(view, 0xe002, node.length, little);
  view.setUint32(12, spec.ino, little);
  view.setUint32(16, spec.version, little);
  view.setUint32(20, spec.mode, little);
  view.setUint32(28, spec.isize, little);
  view.setUint32(44, spec.offset ?? 0, little);
  view.setUint32(48, data.length, little);
  view.setUint32(52, spec.dsize ?? data.length, little);
  node[56] = spec.compression ?? 0;
  view.setUint32(60, jffs2Crc(data), little);
  view.setUint32(64, jffs2Crc(node.subarray(0, 60)), little);
  node.set(data, 68);
  return padded(node);
}

const DT_DIR = 4;
const DT_REG = 8;
const DIRECTORY = 0o040755;
const FILE = 0o100644;

function image(...nodes: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(nodes));
}

function rawLzma(data: Uint8Array, options: string): Uint8Array {
  return new Uint8Array(execFileSync('xz', ['--format=raw', `--lzma1=${options}`, '-c'], { input: data }));
}

describe('JFFS2 semantics beyond what mkfs.jffs2 writes', () => {
  test('the highest version of a name wins, and a dirent for inode 0 deletes the name', () => {
    const result = jffs2.unpack(
      image(
        direntNode(1, 1, 2, 'renamed-away', DT_REG),
        direntNode(1, 2, 0, 'renamed-away', DT_REG),
        direntNode(1, 3, 2, 'kept', DT_REG),
        direntNode(1, 5, 3, 'replaced', DT_REG),
        direntNode(1, 4, 2, 'replaced', DT_REG),
        inodeNode({ ino: 2, version: 1, mode: FILE, isize: 3, data: Buffer.from('two') }),
        inodeNode({ ino: 3, version: 1, mode: FILE, isize: 5, data: Buffer.from('three') }),
      ),
      0,
      limits(),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.entries.map((entry) => [entry.path, entry.type, Buffer.from(entry.data ?? []).toString()]),
      [
        ['kept', 'file', 'two'],
        ['replaced', 'file', 'three'],
      ],
    );
  });

  test('data nodes apply in version order, the latest node gives mode and size, and holes are zeros', () => {
    const result = jffs2.unpack(
      image(
        direntNode(1, 1, 2, 'log', DT_REG),
        // Written out of order on purpose: version, not position, decides.
        inodeNode({ ino: 2, version: 3, mode: 0o100600, isize: 12, offset: 4, data: Buffer.from('NEW') }),
        inodeNode({ ino: 2, version: 1, mode: FILE, isize: 10, data: Buffer.from('0123456789') }),
        inodeNode({ ino: 2, version: 4, mode: 0o100600, isize: 12, offset: 10, dsize: 2, compression: 1 }),
      ),
      0,
      limits(),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.entries.map((entry) => [entry.path, entry.mode, Buffer.from(entry.data ?? []).toString('latin1')]), [['log', 0o100600, '0123NEW789\0\0']]);
  });

  test('LZMA data nodes are read: OpenWrt\'s fixed properties (8) and properties in front (0x15)', () => {
    const content = Buffer.concat([repeated(3000, 'lzma in jffs2 '), noise(1096, 9)]);
    const withProperties = Buffer.concat([Buffer.from([0x5d, 0x00, 0x20, 0x00, 0x00]), rawLzma(content, 'lc=3,lp=0,pb=2,dict=8KiB')]);
    const result = jffs2.unpack(
      image(
        direntNode(1, 1, 2, 'openwrt', DT_REG),
        direntNode(1, 2, 3, 'mtd-utils', DT_REG),
        inodeNode({ ino: 2, version: 1, mode: FILE, isize: content.length, data: rawLzma(content, 'lc=0,lp=0,pb=0,dict=8KiB'), dsize: content.length, compression: 8 }),
        inodeNode({ ino: 3, version: 1, mode: FILE, isize: content.length, data: withProperties, dsize: content.length, compression: 0x15 }),
      ),
      0,
      limits(),
    );
    assert.deepEqual(result.problems, []);
    for (const entry of result.entries) assert.ok(Buffer.from(entry.data ?? []).equals(content), `contents of ${entry.path}`);
  });

  test('rtime decodes literal runs and repeats that overlap what they write', () => {
    // Pairs of (byte, repeat): 'a', 'b', then 'a' repeating 3 bytes from after the previous 'a',
    // the last of which is one the repeat itself has just written.
    assert.equal(Buffer.from(decodeRtime(Uint8Array.from([0x61, 0, 0x62, 0, 0x61, 3]), 6)).toString(), 'ababab');
    assert.throws(() => decodeRtime(Uint8Array.from([0x61, 200]), 10), /runs past/);
    assert.throws(() => decodeRtime(Uint8Array.from([0x61]), 10), /cut short/);
  });

  test('rubin-compressed data is reported as unsupported and left as zeros', () => {
    const result = jffs2.unpack(
      image(direntNode(1, 1, 2, 'old', DT_REG), inodeNode({ ino: 2, version: 1, mode: FILE, isize: 8, data: Uint8Array.from([1, 2, 3]), dsize: 8, compression: 5 })),
      0,
      limits(),
    );
    assert.deepEqual(result.problems, [{ path: 'old', offset: 44, message: 'a data node is unreadable (left as zeros): compression dynrubin is not supported' }]);
    assert.deepEqual(result.entries[0]?.data, new Uint8Array(8));
  });

  test('a big-endian image built node by node reads like a little-endian one', () => {
    const result = jffs2.unpack(
      image(direntNode(1, 1, 2, 'etc', DT_DIR, false), inodeNode({ ino: 2, version: 1, mode: DIRECTORY, isize: 0 }, false), direntNode(2, 1, 3, 'passwd', DT_REG, false), inodeNode({ ino: 3, version: 1, mode: FILE, isize: 2, data: Buffer.from('ok') }, false)),
      0,
      limits(),
    );
    assert.deepEqual(result.problems, []);
    assert.deepEqual(
      result.entries.map((entry) => entry.path),
      ['etc', 'etc/passwd'],
    );
  });
});

describe('JFFS2 images that are damaged or hostile', () => {
  const small = path.join(work, 'small');
  fs.mkdirSync(path.join(small, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(small, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  fs.writeFileSync(path.join(small, 'big'), Buffer.concat([noise(10000, 9), repeated(20000, 'abc')]));
  fs.symlinkSync('etc/passwd', path.join(small, 'link'));
  const smallImage = mkfsJffs2(small, path.join(work, 'small.jffs2'), ['-l', '-e', '0x4000']);
  const smallPaths = new Set(jffs2.unpack(smallImage, 0, limits()).entries.map((entry) => entry.path));

  const unpackQuickly = quickUnpacker(jffs2);

  test('an image cut short inside a node says it is truncated, and what comes before is still read', () => {
    const nodes = nodesOf(smallImage, true);
    for (let cut = 0; cut < smallImage.length; cut += 5) {
      const result = unpackQuickly(smallImage.subarray(0, cut));
      for (const entry of result.entries) assert.ok(smallPaths.has(entry.path), `${entry.path} is a path of the whole image`);
      const inside = nodes.find((node) => node.at < cut && cut < node.at + node.totlen);
      if (inside && cut >= inside.at + 12) assert.ok(result.problems.some((problem) => /truncated/.test(problem.message)), `a cut at ${cut} inside the node at ${inside.at} is reported`);
    }
  });

  test('flipped bits never make the reader throw or hang', () => {
    assertSurvivesFlippedBits(smallImage, unpackQuickly, { numRuns: 300 });
  });

  test('random bytes after a valid first node never make the reader throw or hang', () => {
    const first = smallImage.subarray(0, nodesOf(smallImage, true)[0]!.totlen);
    assertSurvivesRandomTail(padded(first), 4096, unpackQuickly, 200);
  });

  test('a flipped bit in a data node is caught by its CRC and reported with the file it belongs to', () => {
    const damaged = smallImage.slice();
    const bigNode = nodesOf(damaged, true).find((node) => node.type === 0xe002 && node.totlen > 1000)!;
    damaged[bigNode.at + 100]! ^= 0x10;
    const result = unpackQuickly(damaged);
    assert.deepEqual(
      result.problems.map((problem) => [problem.path, problem.message]),
      [['big', 'a data node is unreadable (left as zeros): a data node fails its CRC']],
    );
  });

  test('a node whose header is damaged is skipped and reported when good nodes follow it', () => {
    const damaged = smallImage.slice();
    const dirent = nodesOf(damaged, true).find((node) => node.type === 0xe001)!;
    damaged[dirent.at + 5]! ^= 0x01;
    const result = unpackQuickly(damaged);
    assert.deepEqual(
      result.problems.map((problem) => problem.message),
      [`a node was skipped (the header fails its CRC), at byte ${dirent.at}`],
    );
    assert.equal(result.entries.length, smallPaths.size - 1, 'the name it held is missing, and nothing else');
  });

  test('a directory that lists its own ancestor is reported as a cycle and not followed', () => {
    const result = unpackQuickly(
      image(
        direntNode(1, 1, 2, 'a', DT_DIR),
        inodeNode({ ino: 2, version: 1, mode: DIRECTORY, isize: 0 }),
        direntNode(2, 1, 3, 'b', DT_DIR),
        inodeNode({ ino: 3, version: 1, mode: DIRECTORY, isize: 0 }),
        direntNode(3, 2, 2, 'back-to-a', DT_DIR),
        direntNode(3, 3, 1, 'back-to-root', DT_DIR),
        inodeNode({ ino: 1, version: 1, mode: DIRECTORY, isize: 0 }),
        // Two directories that contain each other and hang off nothing.
        direntNode(4, 1, 5, 'x', DT_DIR),
        direntNode(5, 1, 4, 'y', DT_DIR),
        inodeNode({ ino: 4, version: 1, mode: DIRECTORY, isize: 0 }),
        inodeNode({ ino: 5, version: 1, mode: DIRECTORY, isize: 0 }),
      ),
    );
    assert.deepEqual(
      result.entries.map((entry) => entry.path),
      ['a', 'a/b'],
    );
    assert.deepEqual(
      result.problems.map((problem) => [problem.path, problem.message]),
      [
        ['a/b/back-to-a', 'the directory refers back to directory inode 2 (a cycle); not followed'],
        ['a/b/back-to-root', 'the directory refers back to directory inode 1 (a cycle); not followed'],
        [undefined, '2 names are in directories that cannot be reached from the root; not listed'],
      ],
    );
  });

  test('names that would leave their directory are skipped with a problem', () => {
    const result = unpackQuickly(
      image(direntNode(1, 1, 2, '..', DT_REG), direntNode(1, 1, 2, 'a/b', DT_REG), direntNode(1, 1, 2, 'fine', DT_REG), inodeNode({ ino: 2, version: 1, mode: FILE, isize: 1, data: Buffer.from('x') })),
    );
    assert.deepEqual(
      result.entries.map((entry) => entry.path),
      ['fine'],
    );
    assert.equal(result.problems.filter((problem) => /not a plain file name/.test(problem.message)).length, 2);
  });

  test('absurd sizes are problems, and the rest is still read', () => {
    const result = unpackQuickly(
      image(
        direntNode(1, 1, 2, 'huge', DT_REG),
        direntNode(1, 1, 3, 'bomb', DT_REG),
        direntNode(1, 1, 4, 'fine', DT_REG),
        inodeNode({ ino: 2, version: 1, mode: FILE, isize: 0xfffffff0 }),
        inodeNode({ ino: 3, version: 1, mode: FILE, isize: 1 << 20, data: new Uint8Array(16), dsize: 1 << 20, compression: 1 }),
        inodeNode({ ino: 4, version: 1, mode: FILE, isize: 2, data: Buffer.from('ok') }),
      ),
      { maxFileBytes: 4 * 1024 * 1024 },
    );
    assert.deepEqual(
      result.problems.map((problem) => [problem.path, problem.message]),
      [
        ['bomb', 'a data node is unreadable (left as zeros): a data node claims 1048576 bytes, more than a page can hold'],
        ['huge', 'the file claims 4294967280 bytes, over the limit of 4194304; its contents are not read'],
      ],
    );
    assert.equal(Buffer.from(result.entries.find((entry) => entry.path === 'fine')?.data ?? []).toString(), 'ok');
  });

  test('a name whose inode has no inode node is listed by its dirent type, with a problem', () => {
    const result = unpackQuickly(image(direntNode(1, 1, 7, 'ghost', DT_REG)));
    assert.deepEqual(result.entries, [{ path: 'ghost', type: 'file', mode: 0o100000 }]);
    assert.match(result.problems[0]?.message ?? '', /inode 7 has no readable inode node/);
  });

  test('bytes that are no JFFS2 at all are not detected, and unpacking them is a problem', () => {
    assert.equal(jffs2.detect(noise(4096, 11), 0), false);
    const fake = Buffer.concat([Buffer.from([0x85, 0x19, 0x01, 0xe0]), noise(60, 12)]);
    assert.equal(jffs2.detect(fake, 0), false);
    assert.deepEqual(
      unpackQuickly(new Uint8Array(fake)).problems.map((problem) => problem.message),
      ['no readable JFFS2 node here'],
    );
  });

  test('the limits stop unpacking with a problem that names the limit', () => {
    const fewEntries = jffs2.unpack(smallImage, 0, limits({ maxEntries: 2 }));
    assert.equal(fewEntries.entries.length, 2);
    assert.match(fewEntries.problems.at(-1)?.message ?? '', /more than 2 entries/);
    const fewBytes = jffs2.unpack(smallImage, 0, limits({ maxTotalBytes: 100 }));
    assert.match(fewBytes.problems.at(-1)?.message ?? '', /more than 100 bytes in total/);
    const noTime = jffs2.unpack(smallImage, 0, limits({ deadline: Date.now() - 1 }));
    assert.match(noTime.problems.at(-1)?.message ?? '', /time allowed/);
  });
});
