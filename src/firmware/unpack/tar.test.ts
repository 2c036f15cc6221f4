import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { assertSameTree, limits, noise, readTree, writer } from '../../../test/support/unpack-fixtures.ts';
import { tar } from './tar.ts';

// Archives are written at test time by GNU tar from fixture trees; every entry read back is
// compared with the tree itself.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-tar-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

/** What every dialect can hold: files, directories, links, a fifo, devices when we may make them. */
function buildShortTree(root: string): void {
  const write = writer(root);
  write('empty', '');
  write('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  write('etc/shadow', 'root:$6$salt$hash:19000:0:99999:7:::\n', 0o600);
  write('bin/busybox', Buffer.concat([noise(100_000, 5), Buffer.from('end')]), 0o4755);
  fs.mkdirSync(path.join(root, 'sbin'));
  fs.linkSync(path.join(root, 'bin/busybox'), path.join(root, 'sbin/init'));
  fs.symlinkSync('busybox', path.join(root, 'bin/sh'));
  fs.symlinkSync('../../../etc/shadow', path.join(root, 'escape'));
  fs.symlinkSync('/etc/passwd', path.join(root, 'etc/passwd-link'));
  // Between 100 and 255 bytes: ustar splits it into prefix and name.
  write(`${'p'.repeat(90)}/${'q'.repeat(60)}/file`, 'split between prefix and name');
  write('names/ünïcødé-名前.txt', 'UTF-8 name');
  fs.mkdirSync(path.join(root, 'var/empty'), { recursive: true });
  fs.chmodSync(path.join(root, 'var/empty'), 0o700);
  execFileSync('mkfifo', [path.join(root, 'var/fifo')]);
  if (isRoot) {
    fs.mkdirSync(path.join(root, 'dev'));
    execFileSync('mknod', ['-m', '600', path.join(root, 'dev/console'), 'c', '5', '1']);
    execFileSync('mknod', ['-m', '660', path.join(root, 'dev/sda'), 'b', '8', '0']);
  }
}

/** Adds what only GNU and pax can hold: names and link targets longer than ustar allows. */
function buildLongTree(root: string): void {
  buildShortTree(root);
  const write = writer(root);
  write(`names/${'n'.repeat(255)}`, 'a name of 255 bytes');
  write(`${Array.from({ length: 100 }, (_, i) => `level${i}`).join('/')}/leaf`, 'deep');
  fs.symlinkSync('t'.repeat(300), path.join(root, 'long-target'));
  fs.linkSync(path.join(root, `names/${'n'.repeat(255)}`), path.join(root, 'link-to-long-name'));
}

function gnuTar(root: string, options: string[]): Uint8Array {
  return new Uint8Array(execFileSync('tar', ['-c', '-f', '-', '-C', root, ...options, '.'], { maxBuffer: 256 * 1024 * 1024 }));
}

const shortTree = path.join(work, 'short');
buildShortTree(shortTree);
const longTree = path.join(work, 'long');
buildLongTree(longTree);
const shortExpected = readTree(shortTree);
const longExpected = readTree(longTree);
const ESCAPE_PROBLEM = [['escape', 'the symlink points outside the archive (../../../etc/shadow); recorded, not followed']];

describe('tar archives written by GNU tar', () => {
  for (const format of ['gnu', 'pax', 'posix', 'oldgnu']) {
    test(`a ${format} archive with long names and link targets reads back as its tree`, () => {
      const bytes = gnuTar(longTree, [`--format=${format}`]);
      assert.ok(tar.detect(bytes, 0));
      const result = tar.unpack(bytes, 0, limits());
      assert.deepEqual(
        result.problems.map((problem) => [problem.path, problem.message]),
        ESCAPE_PROBLEM,
      );
      assertSameTree(result.entries, longExpected);
    });
  }

  test('a ustar archive splits long names into prefix and name and reads back as its tree', () => {
    const result = tar.unpack(gnuTar(shortTree, ['--format=ustar']), 0, limits());
    assert.deepEqual(
      result.problems.map((problem) => [problem.path, problem.message]),
      ESCAPE_PROBLEM,
    );
    assertSameTree(result.entries, shortExpected);
  });

  test('a v7 archive (no magic, no owner names) is found by its checksum and read', () => {
    const v7 = path.join(work, 'v7');
    writer(v7)('etc/passwd', 'root::0:0::/:/bin/sh\n');
    fs.symlinkSync('passwd', path.join(v7, 'etc/link'));
    const bytes = gnuTar(v7, ['--format=v7']);
    assert.ok(tar.detect(bytes, 0));
    const result = tar.unpack(bytes, 0, limits());
    assert.deepEqual(result.problems, []);
    // v7 has no type for directories other than a trailing slash on a regular entry; GNU tar
    // writes type '5' anyway, so the tree reads back the same.
    assertSameTree(result.entries, readTree(v7));
  });

  for (const [format, options] of [
    ['old GNU sparse', ['--format=gnu']],
    ['pax sparse 0.0', ['--format=pax', '--sparse-version=0.0']],
    ['pax sparse 0.1', ['--format=pax', '--sparse-version=0.1']],
    ['pax sparse 1.0', ['--format=pax', '--sparse-version=1.0']],
  ] as const) {
    test(`a sparse file in ${format} format expands to its real bytes`, () => {
      const root = path.join(work, `sparse-${format.replace(/\W/g, '-')}`);
      fs.mkdirSync(root);
      const file = path.join(root, 'sparse');
      fs.writeFileSync(file, '');
      fs.truncateSync(file, 4 * 1024 * 1024);
      const fd = fs.openSync(file, 'r+');
      // Many holes, so the old GNU map needs extension blocks.
      for (let i = 0; i < 40; i++) fs.writeSync(fd, Buffer.from(`segment ${String(i).padStart(2, '0')}`), 0, 10, i * 100_000);
      fs.writeSync(fd, Buffer.from('the very end'), 0, 12, 4 * 1024 * 1024 - 12);
      fs.closeSync(fd);
      const result = tar.unpack(gnuTar(root, ['--sparse', ...options]), 0, limits());
      assert.deepEqual(result.problems, []);
      assertSameTree(result.entries, readTree(root));
    });
  }

  test('owners too large for octal fields are read from base-256 numbers', () => {
    const result = tar.unpack(gnuTar(shortTree, ['--format=gnu', '--owner=0:2200000', '--group=0:3300000']), 0, limits());
    assert.ok(result.entries.every((entry) => entry.uid === 2200000 && entry.gid === 3300000));
  });

  test('pax headers carry owners too large for octal', () => {
    const result = tar.unpack(gnuTar(shortTree, ['--format=pax', '--owner=0:2200000']), 0, limits());
    assert.ok(result.entries.every((entry) => entry.uid === 2200000));
  });

  test('length ends after the end-of-archive blocks, so what follows can be carved', () => {
    const bytes = gnuTar(shortTree, ['--format=gnu']);
    const withTail = Buffer.concat([noise(3, 1), bytes, Buffer.from('TRAILING DATA')]);
    const result = tar.unpack(withTail, 3, limits());
    assert.equal(result.entries.length, shortExpected.size);
    const length = result.length!;
    assert.ok(withTail.subarray(3 + length, 3 + bytes.length).every((byte) => byte === 0), 'only record padding lies beyond');
    assert.ok(length < bytes.length);
  });
});

/** A ustar header (and data) for hand-made archives. */
function header(name: string, options: { type?: string; size?: number; data?: string; linkname?: string } = {}): Buffer {
  const block = Buffer.alloc(512);
  const data = Buffer.from(options.data ?? '');
  block.write(name, 0);
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${(options.size ?? data.length).toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write(options.type ?? '0', 156);
  block.write(options.linkname ?? '', 157);
  block.write('ustar\x0000', 257);
  block.write('        ', 148);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([block, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

const END = Buffer.alloc(1024);

/** A pax record: its length counts itself, the space, key, '=', value and newline. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length > length) length++;
  return `${length}${body}`;
}

describe('tar archives that are damaged or hostile', () => {
  test('names and hard link targets that climb out or are absolute are kept inside and reported', () => {
    const bytes = Buffer.concat([
      header('../../etc/passwd', { data: 'climbed' }),
      header('/etc/shadow', { data: 'absolute' }),
      header('link', { type: '1', linkname: '../../../etc/passwd' }),
      header('..', { type: '5' }),
      END,
    ]);
    const result = tar.unpack(bytes, 0, limits());
    assert.deepEqual(
      result.entries.map((entry) => [entry.path, entry.type, entry.target]),
      [
        ['etc/passwd', 'file', undefined],
        ['etc/shadow', 'file', undefined],
        ['link', 'hardlink', 'etc/passwd'],
      ],
    );
    assert.deepEqual(
      result.problems.map((problem) => problem.message),
      [
        `the stored path "../../etc/passwd" climbs out of the archive with '..'; kept inside`,
        'the stored path "/etc/shadow" is absolute; read as relative to the archive',
        `the stored path "../../../etc/passwd" climbs out of the archive with '..'; kept inside`,
        `the stored path ".." climbs out of the archive with '..'; skipped`,
      ],
    );
    assert.equal(result.length, bytes.length);
  });

  test('a pax size or a header size beyond the archive is a problem, not an allocation', () => {
    const forged = Buffer.concat([header('x', { type: 'x', data: paxRecord('size', '999999999999') }), header('big', { data: 'x' }), END]);
    const result = tar.unpack(forged, 0, limits());
    assert.match(result.problems.at(-1)?.message ?? '', /claims 999999999999 bytes of data, past the end/);
    const huge = header('big', { size: 0o77777777777 });
    assert.match(tar.unpack(Buffer.concat([huge, END]), 0, limits()).problems[0]?.message ?? '', /past the end/);
  });

  test('a global pax header applies to every later entry, a local one only to the next', () => {
    const bytes = Buffer.concat([
      header('g', { type: 'g', data: paxRecord('uid', '4242') }),
      header('x', { type: 'x', data: paxRecord('path', 'a/name/from/pax') + paxRecord('gid', '77') }),
      header('short', { data: 'one' }),
      header('second', { data: 'two' }),
      END,
    ]);
    const result = tar.unpack(bytes, 0, limits());
    assert.deepEqual(
      result.entries.map((entry) => [entry.path, entry.uid, entry.gid]),
      [
        ['a/name/from/pax', 4242, 77],
        ['second', 4242, 0],
      ],
    );
  });

  test('a malformed pax record is reported and the entry still read', () => {
    const bytes = Buffer.concat([header('x', { type: 'x', data: '99 path=nowhere\n' }), header('file', { data: 'kept' }), END]);
    const result = tar.unpack(bytes, 0, limits());
    assert.deepEqual(
      result.entries.map((entry) => entry.path),
      ['file'],
    );
    assert.match(result.problems[0]?.message ?? '', /pax extended header record at byte 0 is malformed/);
  });

  test('a header that fails its checksum ends the archive with a problem; what came before is kept', () => {
    const bytes = Buffer.concat([header('first', { data: 'one' }), header('second', { data: 'two' }), END]);
    bytes[1024 + 10] = 0x41;
    const result = tar.unpack(bytes, 0, limits());
    assert.deepEqual(
      result.entries.map((entry) => entry.path),
      ['first'],
    );
    assert.match(result.problems[0]?.message ?? '', /fails its checksum/);
    assert.equal(tar.detect(bytes, 1024), false);
  });

  test('an archive cut short anywhere yields what came before and a problem', () => {
    const bytes = gnuTar(longTree, ['--format=pax']);
    const end = bytes.length - 10240; // the record padding may be cut without loss
    for (let cut = 0; cut < end; cut += 313) {
      const result = tar.unpack(bytes.subarray(0, cut), 0, limits());
      assert.ok(
        result.problems.some((problem) => problem.path !== 'escape'),
        `cut at ${cut}`,
      );
    }
  });

  test('flipped bits never make the reader throw', () => {
    const archives = [['--format=gnu', '--sparse'], ['--format=pax', '--sparse'], ['--format=ustar']].map((options) => gnuTar(shortTree, options));
    fc.assert(
      fc.property(fc.nat(2), fc.array(fc.tuple(fc.nat(1 << 30), fc.nat(7)), { minLength: 1, maxLength: 8 }), (which, flips) => {
        const damaged = archives[which]!.slice();
        for (const [at, bit] of flips) damaged[at % Math.min(damaged.length, 8192)]! ^= 1 << bit;
        tar.unpack(damaged, 0, limits({ maxFileBytes: 1024 * 1024 }));
      }),
      { numRuns: 500 },
    );
  });

  test('a forged GNU sparse map larger than the limit is reported, not expanded', () => {
    const root = path.join(work, 'forged-sparse');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'sparse'), '');
    fs.truncateSync(path.join(root, 'sparse'), 8 * 1024 * 1024);
    const result = tar.unpack(gnuTar(root, ['--sparse', '--format=pax']), 0, limits({ maxFileBytes: 1024 * 1024 }));
    assert.match(result.problems[0]?.message ?? '', /expands to 8388608 bytes, over the limit of 1048576/);
  });

  test('the limits stop unpacking with a problem that names the limit', () => {
    const bytes = gnuTar(shortTree, ['--format=gnu']);
    const few = tar.unpack(bytes, 0, limits({ maxEntries: 3 }));
    assert.equal(few.entries.length, 3);
    assert.match(few.problems.at(-1)?.message ?? '', /unpacking stopped: the image holds more than 3 entries/);
    const small = tar.unpack(bytes, 0, limits({ maxTotalBytes: 1000 }));
    assert.match(small.problems.at(-1)?.message ?? '', /more than 1000 bytes in total/);
  });

  test('detect wants a header whose checksum matches', () => {
    assert.equal(tar.detect(header('a', { data: 'x' }), 0), true);
    assert.equal(tar.detect(Buffer.alloc(512), 0), false);
    assert.equal(tar.detect(noise(512, 3), 0), false);
  });
});
