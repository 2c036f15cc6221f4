import assert from 'node:assert/strict';
import { execFileSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { assertSameTree, limits, noise, readTree, write } from '../../../test/support/unpack-fixtures.ts';
import { zip } from './zip.ts';

// Archives are written at test time by Info-ZIP's zip from a fixture tree, and every entry read
// back is compared with the tree; methods zip does not write (LZMA, zstd) and hostile layouts are
// assembled by hand around data compressed by the real xz and zstd.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-zip-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));
const tree = path.join(work, 'tree');

write(tree, 'empty', '');
write(tree, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
write(tree, 'etc/shadow', 'root:$6$salt$hash:19000:0:99999:7:::\n', 0o600);
write(tree, 'bin/busybox', Buffer.concat([Buffer.from('busybox '.repeat(20_000)), noise(100_000, 5)]), 0o4755);
write(tree, 'firmware.bin', noise(70_000, 6));
fs.symlinkSync('busybox', path.join(tree, 'bin/sh'));
fs.symlinkSync('../../../etc/shadow', path.join(tree, 'escape'));
fs.symlinkSync('/etc/passwd', path.join(tree, 'etc/passwd-link'));
write(tree, `names/${'n'.repeat(255)}`, 'a name of 255 bytes');
write(tree, 'names/ünïcødé-名前.txt', 'UTF-8 name');
write(tree, `${Array.from({ length: 60 }, (_, i) => `level${i}`).join('/')}/leaf`, 'deep');
fs.mkdirSync(path.join(tree, 'var/empty'), { recursive: true });
fs.chmodSync(path.join(tree, 'var/empty'), 0o700);

const expected = readTree(tree);

/** Info-ZIP's archive of the tree (symlinks stored as links), with extra options. */
function infoZip(options: string[]): Uint8Array {
  const file = path.join(work, `${options.join('').replace(/\W/g, '') || 'plain'}.zip`);
  fs.rmSync(file, { force: true });
  execFileSync('zip', ['-q', '-r', '-y', ...options, file, '.'], { cwd: tree });
  return new Uint8Array(fs.readFileSync(file));
}

// zip cannot stream symlinks to a pipe (and following them would archive the host's files), so
// the streamed archive is made from the tree without its links.
const plainTree = path.join(work, 'plain');
fs.cpSync(tree, plainTree, { recursive: true, filter: (source) => !fs.lstatSync(source).isSymbolicLink() });
const plainExpected = readTree(plainTree);

/** zip writing to a pipe, as a build script streaming an archive does: sizes go in data descriptors. */
function streamed(): Uint8Array {
  return new Uint8Array(execSync('zip -q -r - . | cat', { cwd: plainTree, maxBuffer: 64 * 1024 * 1024 }));
}

const ESCAPE_PROBLEM = [['escape', 'the symlink points outside the archive (../../../etc/shadow); recorded, not followed']];

describe('zip archives written by Info-ZIP zip', () => {
  for (const [label, options] of [
    ['deflate', []],
    ['stored', ['-0']],
    ['bzip2', ['-Z', 'bzip2']],
    ['ZIP64', ['-fz']],
  ] as const) {
    test(`a ${label} archive reads back as the tree, with modes and owners`, () => {
      const bytes = infoZip([...options]);
      assert.ok(zip.detect(bytes, 0));
      const result = zip.unpack(bytes, 0, limits());
      assert.deepEqual(
        result.problems.map((problem) => [problem.path, problem.message]),
        ESCAPE_PROBLEM,
      );
      assertSameTree(result.entries, expected);
      assert.equal(result.length, bytes.length);
    });
  }

  test('a streamed archive (data descriptors) reads the same, and without its central directory too', () => {
    const bytes = streamed();
    assert.ok(Buffer.from(bytes).includes(Buffer.from([0x50, 0x4b, 0x07, 0x08])), 'zip wrote data descriptors');
    const result = zip.unpack(bytes, 0, limits());
    assert.deepEqual(result.problems, []);
    assertSameTree(result.entries, plainExpected);
    // Cut just before the central directory: the local headers and descriptors still give every
    // entry, though without the modes and owners only the central directory holds.
    const directory = Buffer.from(bytes).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const cut = zip.unpack(bytes.subarray(0, directory), 0, limits());
    assert.match(cut.problems[0]?.message ?? '', /no end of central directory found/);
    const files = [...plainExpected].filter(([, want]) => want.type === 'file');
    for (const [where, want] of files) assert.ok(Buffer.from(cut.entries.find((entry) => entry.path === where)?.data ?? []).equals(want.data!), where);
  });

  test('encrypted entries are reported and not read', () => {
    const bytes = infoZip(['-P', 'secret']);
    const result = zip.unpack(bytes, 0, limits());
    const encrypted = result.problems.filter((problem) => problem.message === 'the entry is encrypted; not read');
    assert.equal(encrypted.length, [...expected.values()].filter((want) => want.type !== 'directory').length);
    assert.ok(result.entries.every((entry) => entry.data === undefined));
  });

  test('an archive inside a larger buffer is read at its offset, and its length ends at the end record', () => {
    const bytes = infoZip([]);
    const buffer = Buffer.concat([noise(777, 1), bytes, noise(5000, 2)]);
    const result = zip.unpack(buffer, 777, limits());
    assertSameTree(result.entries, expected);
    assert.equal(result.length, bytes.length);
  });
});

interface HandEntry {
  name: string;
  method: number;
  stored: Buffer;
  data: Buffer;
  flags?: number;
  /** Point the central record at another entry's local header. */
  sameLocalAs?: number;
  size?: number;
  crc?: number;
}

/** A zip assembled by hand, one local header per entry, then the central directory and end record. */
function handZip(entries: HandEntry[]): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const crc = entry.crc ?? zlib.crc32(entry.data);
    const size = entry.size ?? entry.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(63, 4);
    local.writeUInt16LE(entry.flags ?? 0, 6);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(entry.stored.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const localOffset = entry.sameLocalAs === undefined ? offset : offsets[entry.sameLocalAs]!;
    offsets.push(offset);
    if (entry.sameLocalAs === undefined) {
      parts.push(local, name, entry.stored);
      offset += 30 + name.length + entry.stored.length;
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(63, 4);
    central.writeUInt16LE(63, 6);
    central.writeUInt16LE(entry.flags ?? 0, 8);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(entry.stored.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(localOffset, 42);
    centrals.push(central, name);
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

const passwd = Buffer.from('root:x:0:0:root:/root:/bin/sh\n'.repeat(100));

describe('zip archives assembled by hand', () => {
  test('LZMA (method 14) and zstd (method 93) entries decompress', () => {
    const source = path.join(work, 'passwd');
    fs.writeFileSync(source, passwd);
    const raw = execFileSync('xz', ['--format=raw', '--lzma1=preset=6,dict=1MiB,lc=3,lp=0,pb=2', '-c', source]);
    // The LZMA SDK version (2 bytes), the properties size (5), the properties byte and dictionary size.
    const header = Buffer.from([9, 20, 5, 0, 3 + 9 * (0 + 5 * 2), 0, 0, 0x10, 0]);
    const zstd = execFileSync('zstd', ['-q', '-c', source]);
    const bytes = handZip([
      { name: 'lzma', method: 14, stored: Buffer.concat([header, raw]), data: passwd, flags: 2 },
      { name: 'zstd', method: 93, stored: zstd, data: passwd },
    ]);
    const result = zip.unpack(bytes, 0, limits());
    assert.deepEqual(result.problems, []);
    for (const entry of result.entries) assert.ok(Buffer.from(entry.data!).equals(passwd), entry.path);
  });

  test('entries that share their data with another (an overlapping zip bomb) are refused', () => {
    const deflated = zlib.deflateRawSync(Buffer.alloc(1024 * 1024));
    const bomb = handZip([
      { name: 'kernel', method: 8, stored: deflated, data: Buffer.alloc(1024 * 1024) },
      ...Array.from({ length: 50 }, (_, i) => ({ name: `copy-${i}`, method: 8, stored: deflated, data: Buffer.alloc(1024 * 1024), sameLocalAs: 0 })),
    ]);
    const result = zip.unpack(bomb, 0, limits());
    assert.equal(result.entries.filter((entry) => entry.data).length, 1);
    assert.equal(result.problems.filter((problem) => /overlaps the data of another/.test(problem.message)).length, 50);
  });

  test('names that climb out or are absolute are kept inside and reported', () => {
    const bytes = handZip([
      { name: '../../etc/passwd', method: 0, stored: passwd, data: passwd },
      { name: '/etc/shadow', method: 0, stored: passwd, data: passwd },
      { name: 'C:\\Windows\\system.ini', method: 0, stored: passwd, data: passwd },
    ]);
    const result = zip.unpack(bytes, 0, limits());
    assert.deepEqual(
      result.entries.map((entry) => entry.path),
      ['etc/passwd', 'etc/shadow', 'C:/Windows/system.ini'],
    );
    assert.deepEqual(
      result.problems.map((problem) => problem.message),
      [
        `the stored path "../../etc/passwd" climbs out of the archive with '..'; kept inside`,
        'the stored path "/etc/shadow" is absolute; read as relative to the archive',
        'the stored path "C:\\\\Windows\\\\system.ini" is absolute; read as relative to the archive',
      ],
    );
  });

  test('a wrong CRC, an absurd size and an unknown method are problems; the other entries are read', () => {
    const deflated = zlib.deflateRawSync(passwd);
    const bytes = handZip([
      { name: 'crc', method: 0, stored: passwd, data: passwd, crc: 0x12345678 },
      { name: 'huge', method: 8, stored: deflated, data: passwd, size: 0xfffffff0 },
      { name: 'deflate64', method: 9, stored: deflated, data: passwd },
      { name: 'good', method: 8, stored: deflated, data: passwd },
    ]);
    const result = zip.unpack(bytes, 0, limits({ maxFileBytes: 1024 * 1024 }));
    assert.deepEqual(
      result.problems.map((problem) => [problem.path, problem.message.replace(/\(.*\)/, '(…)')]),
      [
        ['crc', 'the data does not match its CRC32 (…)'],
        ['huge', 'the entry claims 4294967280 bytes, over the limit of 1048576; not read'],
        ['deflate64', 'the entry is unreadable: compression method 9 is not supported; not read'],
      ],
    );
    assert.ok(Buffer.from(result.entries.find((entry) => entry.path === 'good')!.data!).equals(passwd));
  });

  test('an archive cut short anywhere yields problems, never an exception', () => {
    const bytes = infoZip([]);
    for (let cut = 0; cut < bytes.length; cut += 977) {
      const result = zip.unpack(bytes.subarray(0, cut), 0, limits());
      assert.ok(result.problems.length > 0, `cut at ${cut}`);
    }
  });

  test('flipped bits never make the reader throw', () => {
    const archives = [infoZip([]), infoZip(['-fz']), streamed()];
    fc.assert(
      fc.property(fc.nat(archives.length - 1), fc.array(fc.tuple(fc.nat(1 << 30), fc.nat(7), fc.boolean()), { minLength: 1, maxLength: 6 }), (which, flips) => {
        const damaged = archives[which]!.slice();
        // Half the flips land in the central directory and end record, the rest anywhere.
        for (const [at, bit, nearEnd] of flips) damaged[nearEnd ? damaged.length - 1 - (at % 8000) : at % damaged.length]! ^= 1 << bit;
        zip.unpack(damaged, 0, limits({ maxFileBytes: 1024 * 1024 }));
      }),
      { numRuns: 400 },
    );
  });

  test('the limits stop unpacking with a problem that names the limit', () => {
    const bytes = infoZip([]);
    const few = zip.unpack(bytes, 0, limits({ maxEntries: 3 }));
    assert.equal(few.entries.length, 3);
    assert.match(few.problems.at(-1)?.message ?? '', /unpacking stopped: the image holds more than 3 entries/);
  });
});
