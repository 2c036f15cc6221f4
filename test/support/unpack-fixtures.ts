import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { defaultLimits, type Entry, type Limits } from '../../src/firmware/unpack/types.ts';

// Scaffolding shared by the unpacker tests (src/firmware/unpack/*.test.ts): reproducible bytes,
// fixture trees written to disk, the entries such a tree should unpack to, and fresh limits.

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
}

/** Every expected path is there with its type, mode, owner, bytes and link target, and nothing else. */
export function assertSameTree(entries: Entry[], want: Map<string, Expected>, options: SameTreeOptions = {}): void {
  const { modes = true, data = true } = options;
  const byPath = new Map(entries.map((entry) => [entry.path, entry]));
  assert.equal(byPath.size, entries.length, 'no path is reported twice');
  assert.deepEqual([...byPath.keys()].sort(), [...want.keys()].sort());
  for (const [where, expectation] of want) {
    const got = byPath.get(where)!;
    if (modes) assert.equal(got.mode, expectation.mode, `mode of ${where}`);
    assert.equal(got.uid, expectation.uid, `uid of ${where}`);
    assert.equal(got.gid, expectation.gid, `gid of ${where}`);
    if (got.type === 'hardlink') {
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
