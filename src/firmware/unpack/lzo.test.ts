import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecompressionError } from './compression.ts';
import { decodeLzo1x } from './lzo.ts';
import { configText } from '../../../test/support/unpack-fixtures.ts';
import { decoderSamples, decompressionError } from '../../../test/support/decoder-fixtures.ts';

// LZO1X data is made at test time by lzop (Debian's lzop), whose files wrap LZO1X blocks of up to
// 256 KiB: levels 1–6 write LZO1X-1, levels 7–9 LZO1X-999, and one decoder reads both.

const haveLzop = spawnSync('lzop', ['--version']).status === 0;
const skip = haveLzop ? false : 'lzop is not installed (Debian package lzop)';

interface LzopBlock {
  /** The block as stored: LZO1X data, or the bytes themselves when compression did not help. */
  stored: Buffer;
  size: number;
}

/** The blocks of an lzop file (lzop 1.04's format: just enough of its header to skip it). */
function lzopBlocks(file: Buffer): LzopBlock[] {
  let at = 9; // magic
  const version = file.readUInt16BE(at);
  at += 4; // version, library version
  if (version >= 0x0940) at += 2; // version needed to extract
  at += version >= 0x0940 ? 2 : 1; // method, level
  const flags = file.readUInt32BE(at);
  at += 4;
  if (flags & 0x800) at += 4; // filter
  at += version >= 0x0940 ? 12 : 8; // mode, mtime
  at += 1 + file[at]!; // name
  at += 4; // header checksum
  if (flags & 0x40) at += 4 + file.readUInt32BE(at) + 4; // extra field
  const blocks: LzopBlock[] = [];
  for (;;) {
    const size = file.readUInt32BE(at);
    at += 4;
    if (size === 0) return blocks;
    const storedSize = file.readUInt32BE(at);
    at += 4;
    if (flags & 0x001) at += 4; // Adler-32 of the data
    if (flags & 0x100) at += 4; // CRC-32 of the data
    if (storedSize < size && flags & 0x002) at += 4; // Adler-32 of the compressed block
    if (storedSize < size && flags & 0x200) at += 4; // CRC-32 of the compressed block
    blocks.push({ stored: file.subarray(at, at + storedSize), size });
    at += storedSize;
  }
}

function lzop(level: number, input: Buffer): LzopBlock[] {
  return lzopBlocks(execFileSync('lzop', [`-${level}`, '-c'], { input, maxBuffer: 256 * 1024 * 1024 }));
}

/** Decodes every compressed block (stored ones are copied) and joins them. */
function decodeBlocks(blocks: LzopBlock[]): Buffer {
  return Buffer.concat(blocks.map(({ stored, size }) => (stored.length === size ? stored : decodeLzo1x(stored, size))));
}

const samples = decoderSamples({ withEmpty: false });

for (const level of [1, 3, 9]) {
  for (const [name, sample] of Object.entries(samples)) {
    test(`lzop -${level} blocks of ${name} decode to the original bytes`, { skip }, () => {
      assert.ok(decodeBlocks(lzop(level, sample)).equals(sample));
    });
  }
}

test('lzop of empty input has no blocks to decode', { skip }, () => {
  assert.deepEqual(lzop(3, Buffer.alloc(0)), []);
});

test('with the expected size, the output buffer is exactly that size and must be filled', { skip }, () => {
  const sample = configText(50_000, 7);
  const [block] = lzop(3, sample);
  const decoded = decodeLzo1x(block!.stored, 1 << 20, sample.length);
  assert.equal(decoded.buffer.byteLength, sample.length);
  assert.ok(Buffer.from(decoded).equals(sample));
  assert.match(decompressionError(() => decodeLzo1x(block!.stored, 1 << 20, sample.length - 1)).message, /longer than the expected/);
});

// A hand-made stream: one literal zero, a match of distance 1 whose length is continued in
// 41 120 zero bytes (10 MiB in all), then the end marker.
function zeroBomb(): Uint8Array {
  const lengthZeros = 41_120;
  const bomb = new Uint8Array(2 + 1 + lengthZeros + 1 + 2 + 3);
  bomb.set([18, 0, 0x20]);
  let at = 3 + lengthZeros;
  bomb[at++] = 200;
  bomb[at++] = 0;
  bomb[at++] = 0;
  bomb.set([0x11, 0, 0], at);
  return bomb;
}

test('the hand-made stream decodes to 10 MiB of zeros when the bound allows it', () => {
  const decoded = decodeLzo1x(zeroBomb(), 16 << 20);
  assert.equal(decoded.length, 1 + 31 + 255 * 41_120 + 200 + 2);
  assert.ok(decoded.every((byte) => byte === 0));
});

test('10 MiB of zeros decoded with a 1 MiB bound fails quickly with a DecompressionError', () => {
  const started = performance.now();
  assert.match(decompressionError(() => decodeLzo1x(zeroBomb(), 1 << 20)).message, /^lzo: output would exceed 1048576 bytes$/);
  assert.ok(performance.now() - started < 1000);
});

test('a match reaching before the start of the output is refused', () => {
  // A literal, then a 2-byte match 5 bytes back where only 1 byte exists.
  assert.match(decompressionError(() => decodeLzo1x(Uint8Array.from([18, 0x61, 0x10, 0x01, 0x11, 0, 0]), 100)).message, /before the start/);
});

test('bytes after the end marker are refused, as lzo1x_decompress_safe does', () => {
  assert.match(decompressionError(() => decodeLzo1x(Uint8Array.from([18, 0x61, 0x11, 0, 0, 0]), 100)).message, /follow the end marker/);
});

// Untrusted input: cut or corrupted streams fail with a DecompressionError, and nothing else.

test('an LZO1X stream cut at any position fails with a DecompressionError', { skip }, () => {
  const [block] = lzop(3, configText(3000, 5));
  assert.ok(block!.stored.length < block!.size, 'the block is compressed');
  for (let cut = 0; cut < block!.stored.length; cut++) decompressionError(() => decodeLzo1x(block!.stored.subarray(0, cut), 8192));
});

test('an LZO1X stream with flipped bits or replaced bytes decodes or fails with a DecompressionError', { skip }, () => {
  const [block] = lzop(9, configText(3000, 6));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(block!.stored.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (changes) => {
      const corrupt = Buffer.from(block!.stored);
      for (const [at, mask] of changes) corrupt[at]! ^= mask;
      try {
        assert.ok(decodeLzo1x(corrupt, 8192).length <= 8192);
      } catch (error) {
        assert.ok(error instanceof DecompressionError, String(error));
      }
    }),
    { numRuns: 500 },
  );
});

test('arbitrary bytes as LZO1X decode or fail with a DecompressionError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        assert.ok(decodeLzo1x(bytes, 4096).length <= 4096);
      } catch (error) {
        assert.ok(error instanceof DecompressionError, String(error));
      }
    }),
    { numRuns: 1000 },
  );
});
