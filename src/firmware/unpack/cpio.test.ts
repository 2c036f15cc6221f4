import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { assertSameTree, type Expected, limits, noise, readTree, write } from '../../../test/support/unpack-fixtures.ts';
import { cpio } from './cpio.ts';

// Archives are written at test time by GNU cpio from a fixture tree; every entry read back is
// compared with the tree itself.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-cpio-'));
const tree = path.join(work, 'tree');
const isRoot = process.getuid?.() === 0;
let socketServer: net.Server | undefined;

let expected = new Map<string, Expected>();

/** GNU cpio's archive of the tree in one format, names as `find .` lists them. */
function archive(format: string): Uint8Array {
  const names = execFileSync('find', ['.', '-print0'], { cwd: tree });
  return new Uint8Array(execFileSync('cpio', ['-o', '-0', '-H', format, '--quiet'], { cwd: tree, input: names, maxBuffer: 64 * 1024 * 1024 }));
}

before(async () => {
  write(tree, 'empty', '');
  write(tree, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  write(tree, 'etc/shadow', 'root:$6$salt$hash:19000:0:99999:7:::\n', 0o600);
  write(tree, 'bin/busybox', Buffer.concat([noise(200_000, 5), Buffer.from('end')]), 0o4755);
  fs.mkdirSync(path.join(tree, 'sbin'));
  fs.linkSync(path.join(tree, 'bin/busybox'), path.join(tree, 'sbin/init'));
  fs.linkSync(path.join(tree, 'bin/busybox'), path.join(tree, 'sbin/halt'));
  fs.symlinkSync('busybox', path.join(tree, 'bin/sh'));
  fs.symlinkSync('../../../etc/shadow', path.join(tree, 'escape'));
  fs.symlinkSync('/etc/passwd', path.join(tree, 'etc/passwd-link'));
  write(tree, `names/${'n'.repeat(255)}`, 'a name of 255 bytes');
  write(tree, 'names/ünïcødé-名前.txt', 'UTF-8 name');
  write(tree, `${Array.from({ length: 100 }, (_, i) => `level${i}`).join('/')}/leaf`, 'deep');
  fs.mkdirSync(path.join(tree, 'var/empty'), { recursive: true });
  execFileSync('mkfifo', [path.join(tree, 'var/fifo')]);
  if (isRoot) {
    fs.mkdirSync(path.join(tree, 'dev'));
    execFileSync('mknod', ['-m', '600', path.join(tree, 'dev/console'), 'c', '5', '1']);
    execFileSync('mknod', ['-m', '660', path.join(tree, 'dev/sda'), 'b', '8', '0']);
  }
  // A socket exists only while something listens on it (node removes it on close).
  socketServer = net.createServer();
  await new Promise<void>((resolve) => socketServer!.listen(path.join(tree, 'var/socket'), resolve));
  expected = readTree(tree);
});

after(async () => {
  await new Promise<void>((resolve) => (socketServer ? socketServer.close(() => resolve()) : resolve()));
  fs.rmSync(work, { recursive: true, force: true });
});

/** Swaps every 16-bit header word of a little-endian binary archive: the same archive as a big-endian machine writes it. */
function toBigEndian(archiveBytes: Uint8Array): Uint8Array {
  const out = archiveBytes.slice();
  let at = 0;
  while (at + 26 <= out.length && out[at] === 0xc7 && out[at + 1] === 0x71) {
    const word = (index: number): number => archiveBytes[at + index * 2]! | (archiveBytes[at + index * 2 + 1]! << 8);
    const nameSize = word(10);
    const fileSize = word(11) * 0x10000 + word(12);
    const name = Buffer.from(archiveBytes.subarray(at + 26, at + 26 + nameSize - 1)).toString();
    for (let index = 0; index < 13; index++) {
      out[at + index * 2] = archiveBytes[at + index * 2 + 1]!;
      out[at + index * 2 + 1] = archiveBytes[at + index * 2]!;
    }
    const dataStart = at + 26 + nameSize + ((26 + nameSize) % 2);
    at = dataStart + fileSize + (fileSize % 2);
    if (name === 'TRAILER!!!') break;
  }
  return out;
}

describe('cpio archives written by GNU cpio', () => {
  for (const format of ['newc', 'crc', 'odc', 'bin']) {
    test(`a ${format} archive reads back as the tree it was made from`, () => {
      const bytes = archive(format);
      assert.ok(cpio.detect(bytes, 0));
      const result = cpio.unpack(bytes, 0, limits());
      assert.deepEqual(
        result.problems.map((problem) => [problem.path, problem.message]),
        [['escape', 'the symlink points outside the archive (../../../etc/shadow); recorded, not followed']],
      );
      assertSameTree(result.entries, expected);
    });
  }

  test('a big-endian binary archive reads like the little-endian one', () => {
    const bytes = toBigEndian(archive('bin'));
    assert.ok(cpio.detect(bytes, 0));
    const result = cpio.unpack(bytes, 0, limits());
    assert.equal(result.problems.length, 1);
    assertSameTree(result.entries, expected);
  });

  test('newc hard links: the data comes with one name, the others are hard links to it', () => {
    const entries = cpio.unpack(archive('newc'), 0, limits()).entries;
    const names = ['bin/busybox', 'sbin/halt', 'sbin/init'].map((name) => entries.find((entry) => entry.path === name)!);
    const carriers = names.filter((entry) => entry.type === 'file');
    assert.equal(carriers.length, 1);
    assert.equal(carriers[0]!.data!.length, 200_003);
    for (const link of names.filter((entry) => entry.type === 'hardlink')) assert.equal(link.target, carriers[0]!.path);
  });

  test('a crc archive whose data was altered reports the checksum mismatch and still returns the data', () => {
    const bytes = archive('crc');
    const at = Buffer.from(bytes).indexOf('root:x:0:0');
    bytes[at] = 'R'.charCodeAt(0);
    const result = cpio.unpack(bytes, 0, limits());
    const problem = result.problems.find((p) => p.path === 'etc/passwd');
    assert.match(problem?.message ?? '', /does not match its checksum/);
    assert.equal(Buffer.from(result.entries.find((entry) => entry.path === 'etc/passwd')!.data!).toString(), 'Root:x:0:0:root:/root:/bin/sh\n');
  });

  test('length ends at the trailer, so the next of two concatenated archives is found after it', () => {
    const first = archive('newc');
    const both = Buffer.concat([first, archive('odc')]);
    const result = cpio.unpack(both, 0, limits());
    assert.equal(result.entries.length, expected.size);
    const length = result.length!;
    assert.ok(length <= first.length);
    assert.ok(both.subarray(length, first.length).every((byte) => byte === 0), 'only padding lies between');
    assert.equal(cpio.detect(both, first.length), true);
    assert.equal(cpio.unpack(both, first.length, limits()).entries.length, expected.size);
  });
});

/** A newc header and name for hand-made archives. */
function newc(name: string, mode: number, data: string | Buffer = ''): Buffer {
  const body = Buffer.from(data);
  const nameBytes = Buffer.from(`${name}\0`);
  const fields = [1, mode, 0, 0, 1, 0, body.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map((value) => value.toString(16).padStart(8, '0')).join('')}`);
  const pad = (length: number): Buffer => Buffer.alloc((4 - (length % 4)) % 4);
  return Buffer.concat([header, nameBytes, pad(header.length + nameBytes.length), body, pad(body.length)]);
}

describe('cpio archives that are damaged or hostile', () => {
  test('names that climb out or are absolute are kept inside and reported', () => {
    const bytes = Buffer.concat([
      newc('../../etc/passwd', 0o100644, 'climbed'),
      newc('/etc/shadow', 0o100600, 'absolute'),
      newc('..', 0o040755),
      newc('.', 0o040755),
      newc('TRAILER!!!', 0),
    ]);
    const result = cpio.unpack(bytes, 0, limits());
    assert.deepEqual(
      result.entries.map((entry) => [entry.path, entry.type]),
      [
        ['etc/passwd', 'file'],
        ['etc/shadow', 'file'],
      ],
    );
    assert.deepEqual(
      result.problems.map((problem) => problem.message),
      [
        `the stored path "../../etc/passwd" climbs out of the archive with '..'; kept inside`,
        'the stored path "/etc/shadow" is absolute; read as relative to the archive',
        `the stored path ".." climbs out of the archive with '..'; skipped`,
      ],
    );
    assert.equal(result.length, bytes.length);
  });

  test('a size larger than the archive is a problem, not an allocation', () => {
    const bytes = Buffer.concat([newc('big', 0o100644, 'x'), newc('TRAILER!!!', 0)]);
    bytes.write('ffffffff', 6 + 6 * 8);
    const result = cpio.unpack(bytes, 0, limits());
    assert.deepEqual(result.entries, []);
    assert.match(result.problems[0]?.message ?? '', /4294967295 bytes\) runs past the end/);
  });

  test('an archive cut short anywhere yields what came before and a problem', () => {
    const bytes = archive('newc');
    for (let cut = 0; cut < bytes.length; cut += 331) {
      const result = cpio.unpack(bytes.subarray(0, cut), 0, limits());
      assert.ok(result.problems.length > 0, `cut at ${cut}`);
    }
  });

  test('flipped bits never make the reader throw', () => {
    const formats = ['newc', 'crc', 'odc', 'bin'].map(archive);
    fc.assert(
      fc.property(fc.nat(3), fc.array(fc.tuple(fc.nat(1 << 30), fc.nat(7)), { minLength: 1, maxLength: 8 }), (which, flips) => {
        const damaged = formats[which]!.slice();
        for (const [at, bit] of flips) damaged[at % damaged.length]! ^= 1 << bit;
        cpio.unpack(damaged, 0, limits({ maxFileBytes: 1024 * 1024 }));
      }),
      { numRuns: 300 },
    );
  });

  test('the limits stop unpacking with a problem that names the limit', () => {
    const bytes = archive('newc');
    const few = cpio.unpack(bytes, 0, limits({ maxEntries: 3 }));
    assert.equal(few.entries.length, 3);
    assert.match(few.problems.at(-1)?.message ?? '', /unpacking stopped: the image holds more than 3 entries/);
    const small = cpio.unpack(bytes, 0, limits({ maxFileBytes: 1000 }));
    assert.match(small.problems.at(-1)?.message ?? '', /over the limit of 1000/);
  });

  test('detect wants the magic, digits and a terminated name', () => {
    assert.equal(cpio.detect(Buffer.from('070701zzzz'), 0), false);
    assert.equal(cpio.detect(newc('a', 0o100644), 0), true);
    const unterminated = newc('ab', 0o100644);
    unterminated[110 + 2] = 0x41;
    assert.equal(cpio.detect(unterminated, 0), false);
  });
});
