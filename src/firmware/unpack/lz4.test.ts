import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { noise } from '../../../test/support/unpack-fixtures.ts';
import { DecompressionError } from './compression.ts';
import { decodeLz4Block, decompressLz4Frame } from './lz4.ts';

// Streams are made by the real lz4 tool (Debian's lz4). Raw blocks, as SquashFS stores them, are
// exercised through mksquashfs images in squashfs.test.ts.

// Repetitive text (long matches, overlapping copies), noise (literal runs) and a long zero run.
const sample = Buffer.concat([Buffer.from('abcabcabcabc hello hello hello '.repeat(20_000)), noise(300_000, 3), Buffer.alloc(200_000), Buffer.from('end')]);

function lz4(args: string[], input: Buffer): Uint8Array {
  return new Uint8Array(execFileSync('lz4', ['-q', '-c', ...args], { input, maxBuffer: 64 * 1024 * 1024 }));
}

for (const [label, args] of [
  ['default frame', []],
  ['frame of linked 64 KiB blocks with checksums and content size', ['-BD', '-B4', '--content-size', '-BX']],
  ['high-compression frame', ['-9']],
  ['legacy frame (the kernel\'s lz4 -l)', ['-l']],
] as const) {
  test(`a ${label} decodes to the original bytes`, () => {
    const decoded = decompressLz4Frame(lz4([...args], sample), sample.length);
    assert.ok(Buffer.from(decoded).equals(sample));
  });
}

test('concatenated frames decode to the concatenation', () => {
  const both = Buffer.concat([lz4([], Buffer.from('first ')), lz4(['-l'], Buffer.from('second'))]);
  assert.equal(Buffer.from(decompressLz4Frame(both, 100)).toString(), 'first second');
});

test('output past the bound is refused, not produced', () => {
  assert.throws(() => decompressLz4Frame(lz4([], sample), 1000), DecompressionError);
  assert.throws(() => decompressLz4Frame(lz4(['-l'], sample), 1000), DecompressionError);
});

test('a raw block refuses matches before its start and input cut short', () => {
  // Token: 1 literal then a match; offset 5 reaches before the single byte of output.
  assert.throws(() => decodeLz4Block(new Uint8Array([0x10, 0x41, 0x05, 0x00]), 100), /before the start/);
  assert.throws(() => decodeLz4Block(new Uint8Array([0xf0]), 100), /ends inside/);
  assert.equal(Buffer.from(decodeLz4Block(new Uint8Array([0x30, 0x61, 0x62, 0x63]), 100)).toString(), 'abc');
});

test('damaged streams fail with a DecompressionError and nothing else', () => {
  const frames = [lz4([], sample.subarray(0, 100_000)), lz4(['-l'], sample.subarray(0, 100_000)), lz4(['-BD', '-B4'], sample.subarray(0, 100_000))];
  fc.assert(
    fc.property(fc.nat(2), fc.array(fc.tuple(fc.nat(1 << 30), fc.nat(7)), { minLength: 1, maxLength: 5 }), fc.nat(1 << 30), (which, flips, cut) => {
      const damaged = frames[which]!.slice(0, 1 + (cut % frames[which]!.length));
      for (const [at, bit] of flips) damaged[at % damaged.length]! ^= 1 << bit;
      try {
        decompressLz4Frame(damaged, 200_000);
      } catch (error) {
        assert.ok(error instanceof DecompressionError, String(error));
      }
    }),
    { numRuns: 500 },
  );
});
