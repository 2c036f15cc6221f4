import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import fc from 'fast-check';
import { defaultLimits, type Entry, type Limits, type UnpackResult, type Unpacker } from '../../src/firmware/unpack/types.ts';

// Scaffolding shared by the unpacker tests (src/firmware/unpack/*.test.ts): reproducible bytes,
// fixture trees written to disk, the entries such a tree should unpack to, fresh limits, and the
// properties every reader of damaged images must keep.

/** A fresh directory for one test file's trees and images, removed when its tests are done. */
export function workDirectory(name: string): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `cn-${name}-`));
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  return work;
}

/** Reproducible bytes that do not compress (a xorshift stream). */
export function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Writes one file of a fixture tree under root, making its directories, with the given mode. */
export function write(root: string, relative: string, data: Buffer | string, mode = 0o644): void {
  const file = path.join(root, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  fs.chmodSync(file, mode);
}

/** `write` bound to one tree root. */
export function writer(root: string): (relative: string, data: Buffer | string, mode?: number) => void {
  return (relative, data, mode = 0o644) => write(root, relative, data, mode);
}

export interface UnixTreeOptions {
  /** bin/busybox, hard-linked as sbin/init: sized to cross the format's blocks or nodes. */
  busybox: Buffer;
  /** What the format reads data in: files called so of 4 KiB and of 4 KiB and a byte. */
  unit: 'page' | 'block';
  /** The longest file name the format keeps. */
  longestName: number;
  /** How many directories nest in one another, and how many files share one directory. */
  deep: number;
  wide: number;
  /** What the format needs beyond the common files (holes, runs of zeros, an empty directory). */
  extra?: (write: ReturnType<typeof writer>, root: string) => void;
}

/**
 * Writes the tree the Unix filesystem tests make their images from: every kind of file such a
 * filesystem holds (a hard link, symlinks of which one climbs out, a setuid file, odd names and
 * owners, deep and wide directories, devices and a fifo).
 */
export function writeUnixTree(root: string, options: UnixTreeOptions): void {
  const { unit, longestName } = options;
  const write = writer(root);
  write('empty', '');
  write('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  write('etc/shadow', 'root:$6$salt$hash:19000:0:99999:7:::\n', 0o600);
  write('bin/busybox', options.busybox, 0o4755);
  fs.mkdirSync(path.join(root, 'sbin'));
  fs.linkSync(path.join(root, 'bin/busybox'), path.join(root, 'sbin/init'));
  fs.symlinkSync('busybox', path.join(root, 'bin/sh'));
  fs.symlinkSync('../../../etc/shadow', path.join(root, 'escape'));
  fs.symlinkSync('/etc/passwd', path.join(root, 'etc/passwd-link'));
  write(unit, repeated(4096, `one ${unit} `));
  write(`${unit}-and-a-byte`, repeated(4097, `one ${unit} and a byte `));
  options.extra?.(write, root);
  write('owned', 'not root\n');
  fs.chownSync(path.join(root, 'owned'), 1000, 100);
  write(`names/${'n'.repeat(longestName)}`, `a name of ${longestName} bytes`);
  write('names/ünïcødé-名前.txt', 'UTF-8 name');
  fs.mkdirSync(path.join(root, 'var/empty'), { recursive: true });
  fs.chmodSync(path.join(root, 'var/empty'), 0o700);
  for (let i = 0; i < options.wide; i++) write(`wide/file-${String(i).padStart(4, '0')}`, `file ${i}\n`);
  write(`${Array.from({ length: options.deep }, () => 'd').join('/')}/leaf.txt`, 'at the bottom');
  fs.mkdirSync(path.join(root, 'dev'));
  execFileSync('mknod', ['-m', '600', path.join(root, 'dev/console'), 'c', '5', '1']);
  execFileSync('mknod', ['-m', '660', path.join(root, 'dev/sda'), 'b', '8', '0']);
  execFileSync('mkfifo', ['-m', '600', path.join(root, 'dev/initctl')]);
}

/** The one Problem an image of writeUnixTree's tree has: its 'escape' link climbs above the root. */
export const ESCAPE = 'the symlink points outside the image (../../../etc/shadow); recorded, not followed';

/** What an unpacker should report for one path of a fixture tree. */
export interface Expected {
  type: Entry['type'];
  mode: number;
  uid: number;
  gid: number;
  inode: number;
  data?: Buffer;
  target?: string;
}

/** Walks a directory into the entries it should unpack to, keyed by path relative to root. */
export function readTree(root: string): Map<string, Expected> {
  const found = new Map<string, Expected>();
  const walk = (directory: string, prefix: string): void => {
    for (const name of fs.readdirSync(directory)) {
      const full = path.join(directory, name);
      const relative = prefix ? `${prefix}/${name}` : name;
      const stat = fs.lstatSync(full);
      const common = { mode: stat.mode, uid: stat.uid, gid: stat.gid, inode: stat.ino };
      if (stat.isDirectory()) {
        found.set(relative, { type: 'directory', ...common });
        walk(full, relative);
      } else if (stat.isSymbolicLink()) found.set(relative, { type: 'symlink', ...common, target: fs.readlinkSync(full) });
      else if (stat.isFile()) found.set(relative, { type: 'file', ...common, data: fs.readFileSync(full) });
      else if (stat.isFIFO()) found.set(relative, { type: 'fifo', ...common });
      else if (stat.isSocket()) found.set(relative, { type: 'socket', ...common });
      else found.set(relative, { type: 'device', ...common });
    }
  };
  walk(root, '');
  return found;
}

export interface SameTreeOptions {
  /** Compare modes (default true); off for formats that do not keep them all. */
  modes?: boolean;
  /** Compare contents and link targets (default true); off when only the listing matters. */
  data?: boolean;
  /** Take further names of an inode as 'hardlink' entries (default true); off for formats without hard links, where one is a failure. */
  hardlinks?: boolean;
}

/** Every expected path is there with its type, mode, owner, bytes and link target, and nothing else. */
export function assertSameTree(entries: Entry[], want: Map<string, Expected>, options: SameTreeOptions = {}): void {
  const { modes = true, data = true, hardlinks = true } = options;
  const byPath = new Map(entries.map((entry) => [entry.path, entry]));
  assert.equal(byPath.size, entries.length, 'no path is reported twice');
  assert.deepEqual([...byPath.keys()].sort(), [...want.keys()].sort());
  for (const [where, expectation] of want) {
    const got = byPath.get(where)!;
    if (modes) assert.equal(got.mode, expectation.mode, `mode of ${where}`);
    assert.equal(got.uid, expectation.uid, `uid of ${where}`);
    assert.equal(got.gid, expectation.gid, `gid of ${where}`);
    if (got.type === 'hardlink' && hardlinks) {
      // A further name of an inode points at the name that carries the data.
      assert.equal(expectation.type, 'file', `${where} is a hard link to a file`);
      assert.equal(byPath.get(got.target!)?.type, 'file', `${where} links to a file entry`);
      assert.equal(want.get(got.target!)?.inode, expectation.inode, `${where} links to the same inode`);
      continue;
    }
    assert.equal(got.type, expectation.type, `type of ${where}`);
    if (!data) continue;
    if (expectation.data) assert.ok(got.data && Buffer.from(got.data).equals(expectation.data), `contents of ${where}`);
    else assert.equal(got.data, undefined, `${where} has no data`);
    assert.equal(got.target, expectation.target, `target of ${where}`);
  }
}

/** Default limits with overrides, and nothing used yet. */
export function limits(overrides: Partial<Limits> = {}): Limits {
  return { ...defaultLimits(), ...overrides, used: { bytes: 0, entries: 0 } };
}

/** Text that reads like a config file, seeded: compresses as firmware configs do. */
export function configText(length: number, seed: number): Buffer {
  const words = ['option', 'config', 'interface', 'lan', 'wan', 'root', 'admin', '/etc/passwd', 'enabled', '0.0.0.0', 'dropbear'];
  const random = noise(length, seed);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < length; i++) {
    const part = `${words[random[i % length]! % words.length]} ${random[(i * 7) % length]}${i % 5 === 0 ? '\n' : ' '}`;
    parts.push(part);
    size += part.length;
  }
  return Buffer.from(parts.join('').slice(0, length));
}

/** A word repeated to the length: highly compressible text. */
export function repeated(length: number, word: string): Buffer {
  return Buffer.from(word.repeat(Math.ceil(length / word.length)).slice(0, length));
}

/** An unpacking's problems as lines, each led by its path when it has one. */
export function problemsOf(result: UnpackResult): string[] {
  return result.problems.map((problem) => (problem.path ? `${problem.path}: ${problem.message}` : problem.message));
}

export interface QuickOptions {
  /** Also fail when the bytes or entries used end past their limits. */
  limitsHold?: boolean;
}

/**
 * How the tests of damaged images unpack: at offset 0, with room for a small image's files
 * unless overridden, failing when the reader takes two seconds or more, which is how a hang or
 * a blow-up shows inside a property test.
 */
export function quickUnpacker(unpacker: Unpacker, options: QuickOptions = {}): (bytes: Uint8Array, overrides?: Partial<Limits>) => ReturnType<Unpacker['unpack']> {
  return (bytes, overrides = {}) => {
    const started = Date.now();
    const bounds = limits({ maxFileBytes: 8 * 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024, ...overrides });
    const result = unpacker.unpack(bytes, 0, bounds);
    assert.ok(Date.now() - started < 2000, 'a damaged image is given up on quickly');
    if (options.limitsHold) assert.ok(bounds.used.bytes <= bounds.maxTotalBytes && bounds.used.entries <= bounds.maxEntries, 'the limits hold');
    return result;
  };
}

export interface FlipOptions {
  numRuns: number;
  /** Where bits may be flipped (default: anywhere in the image). */
  at?: fc.Arbitrary<number>;
  /** How many bits at most (default 4). */
  most?: number;
}

/** The property that an image with a few bits flipped is read without an exception escaping. */
export function assertSurvivesFlippedBits(image: Uint8Array, unpack: (bytes: Uint8Array) => unknown, options: FlipOptions): void {
  fc.assert(
    fc.property(fc.array(fc.tuple(options.at ?? fc.nat(image.length - 1), fc.nat(7)), { minLength: 1, maxLength: options.most ?? 4 }), (flips) => {
      const damaged = image.slice();
      for (const [at, bit] of flips) damaged[at]! ^= 1 << bit;
      unpack(damaged);
    }),
    { numRuns: options.numRuns },
  );
}

/** The property that a valid start followed by up to maxLength random bytes is read without an exception escaping. */
export function assertSurvivesRandomTail(head: Uint8Array, maxLength: number, unpack: (bytes: Uint8Array) => unknown, numRuns: number): void {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength }), (tail) => {
      unpack(new Uint8Array(Buffer.concat([head, tail])));
    }),
    { numRuns },
  );
}
