import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { scanPath } from '../scan-image.ts';
import { carve } from '../carve.ts';
import { signatures } from './index.ts';
import { ubi } from './ubi.ts';
import { ubifs, ubifsCrc } from './ubifs.ts';
import { assertSameTree, assertSurvivesFlippedBits, assertSurvivesRandomTail, ESCAPE, limits, noise, problemsOf, quickUnpacker, readTree, repeated, workDirectory, writer, writeUnixTree } from '../../../test/support/unpack-fixtures.ts';
import { ImageBuilder } from '../../../test/support/firmware-images.ts';
import { plantedTree } from '../../../test/firmware/fixtures.ts';

// Images are built at test time by mtd-utils' mkfs.ubifs (and ubinize, for a UBI image around
// one) from a fixture tree, and every entry the reader returns is compared with the tree itself.
// What mkfs.ubifs never writes (a journal with changes since the last commit, a damaged index)
// is written node by node into such an image with the writer further down.

const work = workDirectory('ubifs');

// A 128 KiB-erase-block NAND with 2 KiB pages, as mkfs.ubifs's manual uses: 126976-byte LEBs.
const NAND = ['-m', '2048', '-e', '126976', '-c', '100'];
const LEB = 126976;
const DEEP = 40;
const WIDE = 150;

/** Every kind of file UBIFS holds: more than a LEB, holes, links, devices, odd names. */
function buildTree(root: string): void {
  writeUnixTree(root, {
    // More than a LEB, partly compressible, partly not, ending inside a 4 KiB block.
    busybox: Buffer.concat([repeated(90000, 'busybox '), noise(150000, 7), repeated(1234, 'tail')]),
    unit: 'block',
    longestName: 255,
    deep: DEEP,
    wide: WIDE,
    extra: (write, root) => {
      // Sparse: 3 MiB of which only a little in the middle is written.
      const sparse = path.join(root, 'sparse');
      fs.writeFileSync(sparse, '');
      fs.truncateSync(sparse, 3 * 1024 * 1024);
      const fd = fs.openSync(sparse, 'r+');
      fs.writeSync(fd, Buffer.from('in the middle of nowhere'), 0, 24, 1536 * 1024 + 100);
      fs.closeSync(fd);
      write('zeros', Buffer.alloc(100_000));
    },
  });
}

function mkfsUbifs(source: string, image: string, options: string[]): Uint8Array {
  execFileSync('mkfs.ubifs', ['-r', source, '-o', image, ...options], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Uint8Array(fs.readFileSync(image));
}

/** A UBI image holding one UBIFS image as the dynamic volume 'rootfs'. */
function ubinize(ubifsImage: string, image: string): Uint8Array {
  const config = `${image}.cfg`;
  fs.writeFileSync(config, `[rootfs]\nmode=ubi\nimage=${ubifsImage}\nvol_id=0\nvol_type=dynamic\nvol_name=rootfs\nvol_flags=autoresize\n`);
  execFileSync('ubinize', ['-o', image, '-m', '2048', '-p', '128KiB', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Uint8Array(fs.readFileSync(image));
}

interface NodeSummary {
  at: number;
  type: number;
  len: number;
  sqnum: bigint;
}

/** Every node of an image, LEB by LEB (what the tests know of the layout, independent of the reader). */
function nodesOf(image: Uint8Array, lebSize: number): NodeSummary[] {
  const buffer = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  const nodes: NodeSummary[] = [];
  for (let leb = 0; leb < image.length; leb += lebSize) {
    for (let at = leb; at + 24 <= Math.min(leb + lebSize, image.length); ) {
      if (buffer.readUInt32LE(at) !== 0x06101831) {
        at += 8;
        continue;
      }
      const len = buffer.readUInt32LE(at + 16);
      nodes.push({ at, type: buffer[at + 20]!, len, sqnum: buffer.readBigUInt64LE(at + 8) });
      at += Math.max(8, Math.ceil(len / 8) * 8);
    }
  }
  return nodes;
}

/** Recomputes the CRC of the node at `at` after a test has changed it. */
function reseal(image: Uint8Array, at: number): void {
  const buffer = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  buffer.writeUInt32LE(ubifsCrc(image.subarray(at + 8, at + buffer.readUInt32LE(at + 16))), at + 4);
}

const tree = path.join(work, 'tree');
buildTree(tree);
const treeEntries = readTree(tree);

describe('UBIFS images written by mkfs.ubifs', () => {
  const compressions: [string, number][] = [
    ['lzo', 1],
    ['zlib', 2],
    ['zstd', 3],
    ['none', 0],
  ];
  for (const [compression, type] of compressions) {
    test(`a ${compression} image reads back as the tree it was made from, byte for byte`, () => {
      const image = mkfsUbifs(tree, path.join(work, `${compression}.ubifs`), [...NAND, '-x', compression]);
      const buffer = Buffer.from(image);
      const used = new Set(nodesOf(image, LEB).filter((node) => node.type === 1).map((node) => buffer.readUInt16LE(node.at + 44)));
      assert.ok(used.has(type), `the image holds data nodes of compression ${type} (it holds ${[...used].join(', ')})`);
      assert.ok(ubifs.detect(image, 0));
      const result = ubifs.unpack(image, 0, limits());
      assert.deepEqual(problemsOf(result), [`escape: ${ESCAPE}`], 'the one symlink that climbs above the root is the only problem, and it is recorded anyway');
      assertSameTree(result.entries, treeEntries);
      assert.equal(result.length, image.length);
    });
  }

  test('a second name for an inode is a hard link to the first, holding no second copy', () => {
    const image = mkfsUbifs(tree, path.join(work, 'links.ubifs'), NAND);
    const entries = ubifs.unpack(image, 0, limits()).entries;
    const init = entries.find((entry) => entry.path === 'sbin/init');
    assert.equal(entries.find((entry) => entry.path === 'bin/busybox')?.type, 'file');
    assert.deepEqual({ type: init?.type, target: init?.target, data: init?.data }, { type: 'hardlink', target: 'bin/busybox', data: undefined });
  });

  test('smaller erase blocks, a larger fanout, the test key hash, mixed compressors and squashed owners read the same', () => {
    const variants = [['-m', '512', '-e', '15360', '-c', '2000'], ['-f', '32', ...NAND], ['-k', 'test', ...NAND], ['-x', 'favor_lzo', '-X', '5', ...NAND]];
    for (const options of variants) {
      const result = ubifs.unpack(mkfsUbifs(tree, path.join(work, 'layout.ubifs'), options), 0, limits());
      assert.deepEqual(problemsOf(result), [`escape: ${ESCAPE}`], `only the escaping symlink is a problem with ${options.join(' ')}`);
      assertSameTree(result.entries, treeEntries);
    }
    const squashed = ubifs.unpack(mkfsUbifs(tree, path.join(work, 'squashed.ubifs'), ['-U', ...NAND]), 0, limits()).entries;
    assert.ok(squashed.every((entry) => entry.uid === 0 && entry.gid === 0));
  });

  test('an image inside a larger buffer is read at its offset, and carving finds it by its superblock', () => {
    const image = mkfsUbifs(tree, path.join(work, 'embedded.ubifs'), NAND);
    const buffer = new Uint8Array(Buffer.concat([noise(5000, 3), image, noise(70_000, 4)]));
    assert.equal(ubifs.detect(buffer, 5000), true);
    assert.equal(ubifs.detect(buffer, 5008), false);
    const result = ubifs.unpack(buffer, 5000, limits());
    assertSameTree(result.entries, treeEntries);
    assert.equal(result.length, image.length);
    const found = carve(buffer, signatures, limits()).found.filter((item) => item.unpacker === 'ubifs');
    assert.deepEqual(
      found.map((item) => [item.offset, item.length]),
      [[5000, image.length]],
      'one UBIFS, found once: its other nodes are not candidates of their own',
    );
  });

  test('inside a UBI image: the volume UBI unpacks is the UBIFS, and it reads as the tree', () => {
    const source = path.join(work, 'in-ubi.ubifs');
    mkfsUbifs(tree, source, NAND);
    const image = ubinize(source, path.join(work, 'in-ubi.ubi'));
    const volumes = ubi.unpack(image, 0, limits());
    assert.deepEqual(volumes.problems, []);
    const volume = volumes.entries.find((entry) => entry.path === 'rootfs.ubivol')?.data;
    assert.ok(volume && ubifs.detect(volume, 0));
    assertSameTree(ubifs.unpack(volume, 0, limits()).entries, treeEntries);
  });

  test('the scanner finds a credential planted in /etc/shadow of a UBIFS inside a UBI image', async () => {
    const images = new ImageBuilder();
    try {
      const root = images.tree(plantedTree().tree);
      const source = path.join(images.dir, 'rootfs.ubifs');
      mkfsUbifs(root, source, NAND);
      const flash = path.join(images.dir, 'rootfs.ubi');
      ubinize(source, flash);
      const report = await scanPath(flash);
      const shadow = report.findings.find((finding) => finding.rule === 'account-known-password' && finding.path === 'etc/shadow');
      assert.ok(shadow, `the weak root password in etc/shadow is found (found: ${report.findings.map((f) => `${f.rule}@${f.path}`).join(', ')})`);
      assert.equal(shadow.location, 'ubi@0x0/rootfs.ubivol/ubifs@0x0');
      assert.equal(report.summary.meetsPasswordDuty, false);
    } finally {
      images.remove();
    }
  });

  test('encrypted files are reported, not read: their names are ciphertext', () => {
    const key = path.join(work, 'fscrypt.key');
    fs.writeFileSync(key, noise(64, 21));
    const image = mkfsUbifs(tree, path.join(work, 'encrypted.ubifs'), [...NAND, '-K', key, '-b', '0123456789abcdef', '-C', 'AES-256-XTS']);
    const result = ubifs.unpack(image, 0, limits());
    assert.deepEqual(result.entries, []);
    assert.deepEqual(problemsOf(result), ['the root directory is encrypted; its entries are not listed']);
  });

  test('an authenticated image is read, with a problem saying its signatures were not checked', () => {
    const keyFile = path.join(work, 'auth.pem');
    const certificate = path.join(work, 'auth.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certificate, '-subj', '/CN=ubifs', '-days', '10'], { stdio: 'ignore' });
    const image = mkfsUbifs(tree, path.join(work, 'authenticated.ubifs'), [...NAND, '--hash-algo=sha256', `--auth-key=${keyFile}`, `--auth-cert=${certificate}`]);
    const result = ubifs.unpack(image, 0, limits());
    assert.deepEqual(problemsOf(result), ['the filesystem is authenticated; its HMACs and hashes are not checked', `escape: ${ESCAPE}`]);
    assertSameTree(result.entries, treeEntries);
  });
});

// A writer of single nodes, for what mkfs.ubifs never writes.
const INO = 0;
const DATA = 1;
const DENT = 2;
const TRUN = 4;
const REF = 8;
const ITYPE_REG = 0;
const ITYPE_DIR = 1;

function node(type: number, length: number, sqnum: bigint, fill: (node: Buffer) => void): Buffer {
  const out = Buffer.alloc(length);
  out.writeUInt32LE(0x06101831, 0);
  out.writeBigUInt64LE(sqnum, 8);
  out.writeUInt32LE(length, 16);
  out[20] = type;
  fill(out);
  out.writeUInt32LE(ubifsCrc(out.subarray(8)), 4);
  return out;
}

function inoNode(sqnum: bigint, spec: { ino: number; size: number; mode: number; nlink?: number; uid?: number }): Buffer {
  return node(INO, 160, sqnum, (n) => {
    n.writeUInt32LE(spec.ino, 24);
    n.writeBigUInt64LE(BigInt(spec.size), 48);
    n.writeUInt32LE(spec.nlink ?? 1, 92);
    n.writeUInt32LE(spec.uid ?? 0, 96);
    n.writeUInt32LE(spec.mode, 104);
  });
}

function dataNode(sqnum: bigint, ino: number, block: number, content: Uint8Array): Buffer {
  return node(DATA, 48 + content.length, sqnum, (n) => {
    n.writeUInt32LE(ino, 24);
    n.writeUInt32LE(((DATA << 29) | block) >>> 0, 28);
    n.writeUInt32LE(content.length, 40);
    n.set(content, 48);
  });
}

function dentNode(sqnum: bigint, parent: number, name: string, inum: number, type: number): Buffer {
  const bytes = Buffer.from(name);
  return node(DENT, 56 + bytes.length + 1, sqnum, (n) => {
    n.writeUInt32LE(parent, 24);
    // The name hash only orders the index, which these nodes never enter.
    n.writeUInt32LE(((DENT << 29) | 12345) >>> 0, 28);
    n.writeBigUInt64LE(BigInt(inum), 40);
    n[49] = type;
    n.writeUInt16LE(bytes.length, 50);
    bytes.copy(n, 56);
  });
}

function trunNode(sqnum: bigint, ino: number, oldSize: number, newSize: number): Buffer {
  return node(TRUN, 56, sqnum, (n) => {
    n.writeUInt32LE(ino, 24);
    n.writeBigUInt64LE(BigInt(oldSize), 40);
    n.writeBigUInt64LE(BigInt(newSize), 48);
  });
}

function refNode(sqnum: bigint, lnum: number, offs: number): Buffer {
  return node(REF, 64, sqnum, (n) => {
    n.writeUInt32LE(lnum, 24);
    n.writeUInt32LE(offs, 28);
    n.writeUInt32LE(1, 32);
  });
}

/** Nodes one after another at 8-byte boundaries, as UBIFS writes them. */
function packed(nodes: Buffer[]): Buffer {
  return Buffer.concat(nodes.map((n) => Buffer.concat([n, Buffer.alloc((8 - (n.length % 8)) % 8, 0xce)])));
}

const SMALL = ['-m', '512', '-e', '15360', '-c', '64'];
const SMALL_LEB = 15360;

/**
 * An mkfs.ubifs image with a journal written after its commit: the log gets a reference to one
 * new LEB appended to the image (the superblock counts it), which holds the nodes given.
 */
function withJournal(image: Uint8Array, nodes: (sqnum: (n: number) => bigint) => Buffer[], tail: Buffer = Buffer.alloc(0)): Uint8Array {
  const old = Buffer.from(image);
  const lebCount = old.readUInt32LE(40);
  const log = old.readUInt32LE(SMALL_LEB + 44);
  const newest = nodesOf(image, SMALL_LEB).reduce((max, n) => (n.sqnum > max ? n.sqnum : max), 0n);
  const sqnum = (n: number): bigint => newest + 1n + BigInt(n);
  const out = Buffer.concat([old, Buffer.alloc(SMALL_LEB, 0xff)]);
  out.writeUInt32LE(lebCount + 1, 40);
  reseal(out, 0);
  // The log's free space starts after its last node: everything from there on is erased.
  const logStart = log * SMALL_LEB;
  let free = SMALL_LEB;
  while (free > 0 && out[logStart + free - 1] === 0xff) free--;
  free = Math.ceil(free / 8) * 8;
  refNode(sqnum(0), lebCount, 0).copy(out, logStart + free);
  const bud = Buffer.concat([packed(nodes((n) => sqnum(n + 1))), tail]);
  bud.copy(out, lebCount * SMALL_LEB);
  return new Uint8Array(out);
}

describe('UBIFS semantics beyond what mkfs.ubifs writes', () => {
  const source = path.join(work, 'journal');
  const write = writer(source);
  write('etc/passwd', 'root:x:0:0::/root:/bin/sh\n');
  write('etc/shadow', 'root:$1$salt$hash:19000::::::\n', 0o600);
  write('notes.txt', repeated(10000, 'notes '));
  const original = noise(20000, 5);
  write('big.bin', original);
  const image = mkfsUbifs(source, path.join(work, 'journal.ubifs'), [...SMALL, '-x', 'zlib']);
  // Inode numbers as mkfs.ubifs gave them, read from its directory entries.
  const buffer = Buffer.from(image);
  const inum = new Map(nodesOf(image, SMALL_LEB).filter((n) => n.type === DENT).map((n) => [buffer.toString('utf8', n.at + 56, n.at + 56 + buffer.readUInt16LE(n.at + 50)), Number(buffer.readBigUInt64LE(n.at + 40))]));
  const ino = (name: string): number => inum.get(name)!;

  test('the journal is replayed over the index: rewritten, deleted, created and truncated files read as after the changes', () => {
    const fresh = Math.max(...inum.values()) + 1;
    const journaled = withJournal(image, (s) => [
      dataNode(s(0), ino('notes.txt'), 0, Buffer.from('rewritten\n')),
      inoNode(s(1), { ino: ino('notes.txt'), size: 10, mode: 0o100644 }),
      dentNode(s(2), ino('etc'), 'shadow', 0, ITYPE_REG),
      inoNode(s(3), { ino: ino('shadow'), size: 0, mode: 0o100600, nlink: 0 }),
      inoNode(s(4), { ino: fresh, size: 5, mode: 0o100600, uid: 7 }),
      dataNode(s(5), fresh, 0, Buffer.from('fresh')),
      dentNode(s(6), 1, 'fresh.txt', fresh, ITYPE_REG),
      // Cut to 5000 bytes (the block holding the cut rewritten short), then grown to 12000: the
      // bytes after the cut are a hole now, not the old data.
      trunNode(s(7), ino('big.bin'), 20000, 5000),
      inoNode(s(8), { ino: ino('big.bin'), size: 5000, mode: 0o100644 }),
      dataNode(s(9), ino('big.bin'), 1, original.subarray(4096, 5000)),
      inoNode(s(10), { ino: ino('big.bin'), size: 12000, mode: 0o100644 }),
    ]);
    const result = ubifs.unpack(journaled, 0, limits());
    assert.deepEqual(problemsOf(result), []);
    const contents = new Map(result.entries.map((entry) => [entry.path, entry.data ? Buffer.from(entry.data) : undefined]));
    assert.deepEqual([...contents.keys()], ['big.bin', 'etc', 'fresh.txt', 'notes.txt', 'etc/passwd']);
    assert.equal(contents.get('notes.txt')?.toString(), 'rewritten\n');
    assert.equal(contents.get('fresh.txt')?.toString(), 'fresh');
    assert.deepEqual(result.entries.find((entry) => entry.path === 'fresh.txt')?.uid, 7);
    assert.deepEqual(contents.get('big.bin'), Buffer.concat([original.subarray(0, 5000), Buffer.alloc(7000)]));
  });

  test('a directory that names its own ancestor is reported as a cycle and not followed', () => {
    const journaled = withJournal(image, (s) => [dentNode(s(0), ino('etc'), 'loop', 1, ITYPE_DIR)]);
    const result = ubifs.unpack(journaled, 0, limits());
    assert.deepEqual(problemsOf(result), ['etc/loop: the directory refers back to directory inode 1 (a cycle); not followed']);
    assert.equal(result.entries.length, 5);
  });

  test('damage after the last node of a journal LEB is reported, and what comes before is replayed', () => {
    const journaled = withJournal(image, (s) => [dataNode(s(0), ino('notes.txt'), 0, Buffer.from('rewritten\n')), inoNode(s(1), { ino: ino('notes.txt'), size: 10, mode: 0o100644 })], noise(100, 8));
    const result = ubifs.unpack(journaled, 0, limits());
    assert.equal(Buffer.from(result.entries.find((entry) => entry.path === 'notes.txt')?.data ?? []).toString(), 'rewritten\n');
    assert.deepEqual(
      result.problems.map((problem) => problem.message.replace(/ \(once, at byte \d+\)$/, '')),
      ['a journal LEB holds damaged data after its last readable node (neither a node nor padding); the rest of that LEB is not replayed'],
    );
  });
});

describe('UBIFS images that are damaged or hostile', () => {
  const small = path.join(work, 'small');
  const write = writer(small);
  write('etc/passwd', 'root:x:0:0::/root:/bin/sh\n');
  write('big', Buffer.concat([noise(20000, 9), repeated(30000, 'abc')]));
  for (let i = 0; i < 40; i++) write(`wide/${i}`, `file ${i}\n`);
  fs.symlinkSync('etc/passwd', path.join(small, 'link'));
  const smallImage = mkfsUbifs(small, path.join(work, 'small.ubifs'), SMALL);
  const smallTree = readTree(small);
  const smallPaths = new Set(smallTree.keys());
  const smallNodes = nodesOf(smallImage, SMALL_LEB);

  const unpackQuickly = quickUnpacker(ubifs, { limitsHold: true });

  /** The master node in LEB 1 and where it says the index root is. */
  function root(image: Uint8Array): { at: number; master: number } {
    const view = Buffer.from(image);
    const master = SMALL_LEB;
    return { at: view.readUInt32LE(master + 48) * SMALL_LEB + view.readUInt32LE(master + 52), master };
  }

  test('an image cut short at any point yields problems, never an exception, and only paths it holds', () => {
    for (let cut = 0; cut < smallImage.length; cut += 1531) {
      const result = unpackQuickly(smallImage.subarray(0, cut));
      assert.ok(result.problems.length > 0, `a cut at ${cut} is reported`);
      for (const entry of result.entries) assert.ok(smallPaths.has(entry.path), `${entry.path} is a path of the whole image`);
    }
  });

  test('flipped bits never make the reader throw, hang or pass its limits', () => {
    assertSurvivesFlippedBits(smallImage, unpackQuickly, { numRuns: 200 });
  });

  test('nodes changed and resealed with a valid CRC never make the reader throw, hang or pass its limits', () => {
    // Past the CRC the reader meets what a buggy or hostile writer would give it: any field of
    // any node (index branches, sizes, name lengths, key types) set to anything.
    fc.assert(
      fc.property(fc.nat(smallNodes.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }), (which, changes) => {
        const damaged = smallImage.slice();
        const target = smallNodes[which]!;
        for (const [at, value] of changes) damaged[target.at + 8 + (at % (target.len - 8))] = value;
        reseal(damaged, target.at);
        unpackQuickly(damaged, { maxFileBytes: 1024 * 1024, maxTotalBytes: 4 * 1024 * 1024 });
      }),
      { numRuns: 300 },
    );
  });

  test('random bytes after a valid superblock never make the reader throw or hang', () => {
    assertSurvivesRandomTail(smallImage.subarray(0, 4096), 3 * SMALL_LEB, unpackQuickly, 100);
  });

  test('a flipped bit in a data node is caught by its CRC and reported with the file it belongs to', () => {
    const damaged = smallImage.slice();
    const dataNode = smallNodes.find((n) => n.type === DATA && n.len > 1000)!;
    damaged[dataNode.at + 100]! ^= 0x10;
    const result = unpackQuickly(damaged);
    assert.deepEqual(
      result.problems.map((problem) => [problem.path, problem.message]),
      [['big', `a data node is unreadable (left as zeros): a data node fails its CRC at LEB ${Math.floor(dataNode.at / SMALL_LEB)}:${dataNode.at % SMALL_LEB}`]],
    );
    assert.deepEqual(new Set(result.entries.map((entry) => entry.path)), smallPaths);
  });

  test('with one master node damaged the other is used; with both, every LEB is scanned and the tree still read', () => {
    const masters = smallNodes.filter((n) => n.type === 7);
    assert.equal(masters.length, 2);
    const one = smallImage.slice();
    one[masters[0]!.at + 100]! ^= 1;
    const withOne = unpackQuickly(one);
    assert.deepEqual(problemsOf(withOne), ['the master area in LEB 1 is damaged (a master node fails its CRC)', 'LEB 1 holds no readable master node; the other copy is used']);
    assertSameTree(withOne.entries, smallTree);
    const both = one.slice();
    both[masters[1]!.at + 100]! ^= 1;
    const withBoth = unpackQuickly(both);
    assert.deepEqual(problemsOf(withBoth), [
      'the master area in LEB 1 is damaged (a master node fails its CRC)',
      'the master area in LEB 2 is damaged (a master node fails its CRC)',
      'no master node is readable; every LEB was scanned for nodes instead, so files deleted long ago may reappear',
    ]);
    assertSameTree(withBoth.entries, smallTree);
  });

  test('an unreadable index root makes the reader scan every LEB instead', () => {
    const damaged = smallImage.slice();
    damaged[root(damaged).at + 30]! ^= 1;
    const result = unpackQuickly(damaged);
    const { at } = root(damaged);
    assert.deepEqual(problemsOf(result), [
      `the index root is unreadable (an index node fails its CRC at LEB ${Math.floor(at / SMALL_LEB)}:${at % SMALL_LEB}); every LEB was scanned for nodes instead, so files deleted long ago may reappear`,
      `a LEB holds damaged data (an index node fails its CRC); skipped to the next node (once, at byte ${at})`,
    ]);
    assertSameTree(result.entries, smallTree);
  });

  test('an index branch that points back at the root, or at a node of another kind, is reported and the rest read', () => {
    const view = (image: Uint8Array): Buffer => Buffer.from(image.buffer, image.byteOffset, image.byteLength);
    const original = root(smallImage);
    assert.ok(view(smallImage).readUInt16LE(original.at + 26) > 0, 'the root is above the leaves');
    // The last branch: the first ones index the root directory, which the rest cannot do without.
    const pointBack = smallImage.slice();
    const rootLength = view(pointBack).readUInt32LE(original.at + 16);
    const lastBranch = original.at + 28 + (view(pointBack).readUInt16LE(original.at + 24) - 1) * 20;
    view(pointBack).writeUInt32LE(Math.floor(original.at / SMALL_LEB), lastBranch);
    view(pointBack).writeUInt32LE(original.at % SMALL_LEB, lastBranch + 4);
    view(pointBack).writeUInt32LE(rootLength, lastBranch + 8);
    reseal(pointBack, original.at);
    const back = unpackQuickly(pointBack);
    assert.match(problemsOf(back).join('\n'), /an index node is referred to twice; read once/);
    assert.ok(back.entries.length > 0, 'what the other branches index is still read');
    for (const entry of back.entries) assert.ok(smallPaths.has(entry.path));

    const pointAtMaster = smallImage.slice();
    view(pointAtMaster).writeUInt32LE(1, original.at + 28);
    view(pointAtMaster).writeUInt32LE(0, original.at + 32);
    view(pointAtMaster).writeUInt32LE(512, original.at + 36);
    reseal(pointAtMaster, original.at);
    assert.match(problemsOf(unpackQuickly(pointAtMaster)).join('\n'), /an index node is unreadable, and what it indexes is missing: an index node was expected, a master node is there/);
  });

  test('a blob of many superblocks, each a filesystem of nothing, is given up on quickly', () => {
    const blob = new Uint8Array(Buffer.concat(Array.from({ length: 400 }, () => smallImage.subarray(0, SMALL_LEB))));
    const started = Date.now();
    const { found } = carve(blob, signatures, limits());
    assert.deepEqual(found.map((item) => [item.unpacker, item.offset, item.result.entries.length]), [['ubifs', 0, 0]]);
    assert.ok(Date.now() - started < 3000, `carving took ${Date.now() - started} ms`);
  });

  test('bytes that are no UBIFS are not detected, and unpacking them is a problem', () => {
    assert.equal(ubifs.detect(noise(8192, 11), 0), false);
    const badCrc = smallImage.slice(0, 8192);
    badCrc[200]! ^= 1;
    assert.equal(ubifs.detect(badCrc, 0), false);
    assert.deepEqual(problemsOf(unpackQuickly(badCrc)), ['no valid UBIFS superblock here']);
  });

  test('the limits stop unpacking with a problem that names the limit', () => {
    const fewEntries = ubifs.unpack(smallImage, 0, limits({ maxEntries: 2 }));
    assert.equal(fewEntries.entries.length, 2);
    assert.match(fewEntries.problems.at(-1)?.message ?? '', /more than 2 entries/);
    const fewBytes = ubifs.unpack(smallImage, 0, limits({ maxTotalBytes: 100 }));
    assert.match(fewBytes.problems.at(-1)?.message ?? '', /more than 100 bytes in total/);
    const noTime = ubifs.unpack(smallImage, 0, limits({ deadline: Date.now() - 1 }));
    assert.match(noTime.problems.at(-1)?.message ?? '', /time allowed/);
    const smallFiles = ubifs.unpack(smallImage, 0, limits({ maxFileBytes: 1000 }));
    assert.deepEqual(
      smallFiles.problems.map((problem) => [problem.path, problem.message]),
      [['big', 'the file claims 50000 bytes, over the limit of 1000; its contents are not read']],
    );
    assert.equal(smallFiles.entries.find((entry) => entry.path === 'big')?.data, undefined);
  });
});
