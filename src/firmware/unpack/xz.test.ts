import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { DecompressionError } from './compression.ts';
import { crc64, decodeXz, readXz } from './xz.ts';
import { configText, noise } from '../../../test/support/unpack-fixtures.ts';
import { decoderSamples, decompressionError, runTool, sameBytes } from '../../../test/support/decoder-fixtures.ts';

// Every .xz file here is made at test time by xz-utils (Debian's xz-utils).

const xz = (args: string[], input: Buffer): Buffer => runTool('xz', ['-c', ...args], input);

const samples = decoderSamples();

for (const [name, sample] of Object.entries(samples)) {
  test(`an .xz file of ${name} decodes to the original bytes`, () => {
    assert.ok(sameBytes(decodeXz(xz(['-1'], sample), sample.length), sample));
  });
}

for (const check of ['none', 'crc32', 'crc64', 'sha256']) {
  for (const name of ['empty input', '100 KiB of text']) {
    test(`an .xz file of ${name} with a ${check} check decodes to the original bytes`, () => {
      const sample = samples[name]!;
      assert.ok(sameBytes(decodeXz(xz([`--check=${check}`], sample), sample.length), sample));
    });
  }
}

// Branch converters: real machine code where we have it (this machine's own binaries are x86-64),
// and noise, in which every converter finds "instructions" to convert.
const executable = readFileSync(process.execPath).subarray(0, 512 * 1024);
const binary = Buffer.concat([executable, noise(256 * 1024, 5)]);

for (const filter of ['--x86', '--x86=start=4096', '--powerpc', '--ia64', '--arm', '--armthumb', '--arm64', '--sparc', '--delta=dist=1', '--delta=dist=4', '--delta=dist=256']) {
  test(`an .xz file with the ${filter} filter before LZMA2 decodes to the original bytes`, () => {
    assert.ok(sameBytes(decodeXz(xz([filter, '--lzma2=preset=1'], binary), binary.length), binary));
  });
}

test('an .xz file with a chain of three filters (delta, x86, then LZMA2) decodes to the original bytes', () => {
  assert.ok(sameBytes(decodeXz(xz(['--delta=dist=2', '--x86', '--lzma2=preset=1'], binary), binary.length), binary));
});

test('a filter this decoder does not know is reported as unsupported, by name', () => {
  // The x86 filter's id (0x04) patched to RISC-V's (0x0B, xz 5.6), header CRC recomputed.
  const file = Buffer.from(xz(['--x86', '--lzma2=preset=0'], Buffer.from('hello')));
  const headerSize = (file[12]! + 1) * 4;
  assert.equal(file[14], 0x04);
  file[14] = 0x0b;
  file.writeUInt32LE(zlib.crc32(file.subarray(12, 12 + headerSize - 4)), 12 + headerSize - 4);
  assert.match(decompressionError(() => decodeXz(file, 100)).message, /filter RISC-V BCJ is not supported/);
});

test('a multi-block .xz file (sizes in each block header) decodes to the original bytes', () => {
  const sample = samples['3 MiB of mixed text and noise']!;
  assert.ok(sameBytes(decodeXz(xz(['--block-size=256KiB', '-1'], sample), sample.length), sample));
});

test('a multi-threaded .xz file decodes to the original bytes', () => {
  const sample = samples['3 MiB of mixed text and noise']!;
  assert.ok(sameBytes(decodeXz(xz(['-T2', '--block-size=1MiB', '-0'], sample), sample.length), sample));
});

test('concatenated streams, with stream padding between them, decode to the concatenated data', () => {
  const first = samples['100 KiB of text']!;
  const second = samples['100 KiB of noise']!;
  const file = Buffer.concat([xz(['--check=crc32'], first), Buffer.alloc(8), xz(['--check=sha256'], second), xz([], Buffer.alloc(0))]);
  assert.ok(sameBytes(decodeXz(file, first.length + second.length), Buffer.concat([first, second])));
});

test('bytes after the last stream are not read, and the length says where the .xz data ends', () => {
  const sample = samples['100 KiB of text']!;
  const stream = xz([], sample);
  const result = readXz(Buffer.concat([stream, Buffer.alloc(12), Buffer.from('rest of the image')]), sample.length);
  assert.ok(sameBytes(result.data, sample));
  assert.equal(result.length, stream.length + 12);
});

test('our CRC-64 is the one xz uses (CRC-64/XZ check value)', () => {
  assert.equal(Buffer.from(crc64(Buffer.from('123456789'))).toString('hex'), 'fa3919dfbbc95d99');
});

/** Where the check field of the single block of a one-stream file starts. */
function checkFieldOffset(file: Buffer, checkSize: number): number {
  const indexSize = (file.readUInt32LE(file.length - 8) + 1) * 4;
  return file.length - 12 - indexSize - checkSize;
}

for (const [check, size] of [['crc32', 4], ['crc64', 8], ['sha256', 32]] as const) {
  test(`a block whose ${check} check does not match its data is refused`, () => {
    const file = Buffer.from(xz([`--check=${check}`], samples['100 KiB of text']!));
    file[checkFieldOffset(file, size)]! ^= 1;
    assert.match(decompressionError(() => decodeXz(file, 1 << 20)).message, /check mismatch/);
  });
}

// Bounds: a decompression bomb stops at the bound.

const tenMegabytesOfZeros = Buffer.alloc(10 * 1024 * 1024);

test('10 MiB of zeros decoded with a 1 MiB bound fails quickly with a DecompressionError', () => {
  for (const args of [['-9'], ['--block-size=4MiB']]) {
    const file = xz(args, tenMegabytesOfZeros);
    const started = performance.now();
    assert.match(decompressionError(() => decodeXz(file, 1 << 20)).message, /^xz: output would exceed 1048576 bytes$/);
    assert.ok(performance.now() - started < 1000);
  }
});

// Untrusted input: cut or corrupted files fail with a DecompressionError, and nothing else.

const small = xz(['--check=crc64', '--x86', '--lzma2'], configText(3000, 6));

test('an .xz file cut at any position fails with a DecompressionError', () => {
  for (let cut = 0; cut < small.length; cut++) decompressionError(() => decodeXz(small.subarray(0, cut), 8192));
});

test('an .xz file with flipped bits or replaced bytes fails with a DecompressionError', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(small.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (changes) => {
      const corrupt = Buffer.from(small);
      for (const [at, mask] of changes) corrupt[at]! ^= mask;
      try {
        // Every byte is covered by a CRC, a size or a magic number; a change can at most hide
        // behind a corrupted footer magic (the stream then ends early), never yield wrong bytes.
        const result = readXz(corrupt, 8192);
        assert.ok(result.data.length <= 8192);
      } catch (error) {
        assert.ok(error instanceof DecompressionError, String(error));
      }
    }),
    { numRuns: 300 },
  );
});

test('arbitrary bytes after an .xz magic fail with a DecompressionError', () => {
  const magic = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, 0xe6, 0xd6, 0xb4, 0x46]);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
      decompressionError(() => decodeXz(Buffer.concat([magic, tail]), 4096));
    }),
    { numRuns: 500 },
  );
});
