import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { decompress, DecompressionError, sniffCompression, type CompressionKind } from './compression.ts';
import { configText, noise } from '../../../test/support/unpack-fixtures.ts';
import { decoderSamples, decompressionError, runTool, sameBytes } from '../../../test/support/decoder-fixtures.ts';

// Streams are made at test time by the real tools (Debian's gzip, bzip2, zstd and xz-utils; zlib
// and raw deflate by node's own zlib). LZMA, .xz and LZO have their own test files; here they are
// reached through decompress() to show the one door leads to each.

/** How each kind is made: by its real tool where there is one. */
const compressors: Record<Exclude<CompressionKind, 'lzma-raw' | 'lzo'>, (input: Buffer) => Buffer> = {
  gzip: (input) => runTool('gzip', ['-c', '-6'], input),
  zlib: (input) => zlib.deflateSync(input),
  deflate: (input) => zlib.deflateRawSync(input),
  zstd: (input) => runTool('zstd', ['-c', '-q', '-3'], input),
  bzip2: (input) => runTool('bzip2', ['-c', '-9'], input),
  xz: (input) => runTool('xz', ['-c', '-1'], input),
  lzma: (input) => runTool('xz', ['-c', '--format=lzma', '-1'], input),
};
const kinds = Object.keys(compressors) as (keyof typeof compressors)[];

const samples = decoderSamples();

for (const kind of kinds) {
  test(`${kind}: every sample decodes to the original bytes`, () => {
    for (const [name, sample] of Object.entries(samples)) {
      assert.ok(sameBytes(decompress(kind, compressors[kind](sample), sample.length), sample), name);
    }
  });
}

test('lzma-raw: headerless LZMA1 decodes with the properties its container gives', () => {
  const sample = samples['100 KiB of text']!;
  const compressed = runTool('xz', ['-c', '--format=raw', '--lzma1=lc=2,lp=1,pb=0,dict=256KiB'], sample);
  const output = decompress('lzma-raw', compressed, sample.length, { lzmaProperties: { lc: 2, lp: 1, pb: 0, dictSize: 256 * 1024 } });
  assert.ok(sameBytes(output, sample));
  assert.match(decompressionError(() => decompress('lzma-raw', compressed, sample.length)).message, /did not give the LZMA properties/);
});

test('lzo: an LZO1X stream decodes through the same entry point', () => {
  // Three literals, an 8-byte match 3 back (instruction 0xe8), the end marker.
  const stream = Uint8Array.from([20, 0x61, 0x62, 0x63, 0xe8, 0x00, 0x11, 0x00, 0x00]);
  assert.equal(Buffer.from(decompress('lzo', stream, 100)).toString(), 'abcabcabcab');
});

test('bzip2: levels 1 and 9, and concatenated streams, decode to the original bytes', () => {
  const first = samples['3 MiB of mixed text and noise']!;
  const second = samples['100 KiB of text']!;
  assert.ok(sameBytes(decompress('bzip2', runTool('bzip2', ['-c', '-1'], first), first.length), first));
  const both = Buffer.concat([runTool('bzip2', ['-c'], first), runTool('bzip2', ['-c'], second)]);
  assert.ok(sameBytes(decompress('bzip2', both, first.length + second.length), Buffer.concat([first, second])));
});

test('gzip: concatenated members (as `cat a.gz b.gz` makes) decode to the concatenated data', () => {
  const first = samples['100 KiB of text']!;
  const second = samples['100 KiB of noise']!;
  const both = Buffer.concat([compressors.gzip(first), runTool('gzip', ['-c', '-n', '-9'], second)]);
  assert.ok(sameBytes(decompress('gzip', both, 1 << 20), Buffer.concat([first, second])));
});

test('gzip: header fields (name, comment, extra, header CRC) are skipped', () => {
  const sample = Buffer.from('hello firmware');
  const body = zlib.deflateRawSync(sample);
  const name = Buffer.from('rootfs.img\0');
  const comment = Buffer.from('made by hand\0');
  const extra = Buffer.from([4, 0, 0x41, 0x42, 0x43, 0x44]);
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlib.crc32(sample), 0);
  trailer.writeUInt32LE(sample.length, 4);
  const member = Buffer.concat([header, extra, name, comment, Buffer.from([0xaa, 0xbb]), body, trailer]);
  assert.equal(Buffer.from(decompress('gzip', member, 100)).toString(), 'hello firmware');
  trailer[0]! ^= 1;
  assert.match(decompressionError(() => decompress('gzip', Buffer.concat([header, extra, name, comment, Buffer.from([0xaa, 0xbb]), body, trailer]), 100)).message, /CRC-32 mismatch/);
});

test('zstd: several frames, with and without checksums, decode to the concatenated data', () => {
  const first = samples['100 KiB of text']!;
  const second = samples['100 KiB of noise']!;
  const both = Buffer.concat([runTool('zstd', ['-c', '-q', '-19'], first), runTool('zstd', ['-c', '-q', '--no-check', '-1'], second)]);
  assert.ok(sameBytes(decompress('zstd', both, 1 << 20), Buffer.concat([first, second])));
});

for (const kind of ['gzip', 'zlib', 'deflate', 'zstd', 'bzip2', 'xz', 'lzma'] as const) {
  test(`${kind}: bytes after the end of the stream (the rest of an image) are ignored`, () => {
    const sample = samples['100 KiB of text']!;
    const carved = Buffer.concat([compressors[kind](sample), Buffer.from('UBI#\x01\x00\x00\x00 the next partition'), noise(100, 9)]);
    assert.ok(sameBytes(decompress(kind, carved, sample.length), sample));
  });
}

// Bounds.

const tenMegabytesOfZeros = Buffer.alloc(10 * 1024 * 1024);

for (const kind of kinds) {
  test(`${kind}: 10 MiB of zeros decoded with a 1 MiB bound fails quickly with a DecompressionError`, () => {
    const bomb = compressors[kind](tenMegabytesOfZeros);
    const started = performance.now();
    assert.match(decompressionError(() => decompress(kind, bomb, 1 << 20)).message, new RegExp(`^${kind}: output would exceed 1048576 bytes$`));
    assert.ok(performance.now() - started < 2000, `took ${performance.now() - started} ms`);
  });
}

for (const kind of kinds) {
  test(`${kind}: the expected size is checked exactly, and one larger than the bound is refused up front`, () => {
    const sample = samples['100 KiB of text']!;
    const compressed = compressors[kind](sample);
    assert.ok(sameBytes(decompress(kind, compressed, 1 << 20, { expectedSize: sample.length }), sample));
    decompressionError(() => decompress(kind, compressed, 1 << 20, { expectedSize: sample.length - 1 }));
    assert.match(decompressionError(() => decompress(kind, compressed, 1 << 20, { expectedSize: sample.length + 1 })).message, /expected/);
    assert.match(decompressionError(() => decompress(kind, compressed, 1000, { expectedSize: 2000 })).message, /would exceed 1000 bytes/);
  });
}

test('a bound of zero allows only empty output', () => {
  for (const kind of kinds) {
    assert.equal(decompress(kind, compressors[kind](Buffer.alloc(0)), 0).length, 0, kind);
    decompressionError(() => decompress(kind, compressors[kind](Buffer.from('x')), 0));
  }
});

// Untrusted input: cut or corrupted streams fail with a DecompressionError, and nothing else.

for (const kind of kinds) {
  const small = compressors[kind](configText(3000, 5));

  test(`${kind}: a stream cut at any position fails with a DecompressionError`, () => {
    for (let cut = 0; cut < small.length; cut++) decompressionError(() => decompress(kind, small.subarray(0, cut), 8192));
  });

  test(`${kind}: a stream with flipped bits or replaced bytes decodes or fails with a DecompressionError`, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(small.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (changes) => {
        const corrupt = Buffer.from(small);
        for (const [at, mask] of changes) corrupt[at]! ^= mask;
        try {
          assert.ok(decompress(kind, corrupt, 8192).length <= 8192);
        } catch (error) {
          assert.ok(error instanceof DecompressionError, String(error));
        }
      }),
      { numRuns: 200 },
    );
  });
}

test('bzip2: arbitrary bytes after a stream signature decode or fail with a DecompressionError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 9 }), (tail, level) => {
      const input = Buffer.concat([Buffer.from(`BZh${level}1AY&SY`), tail]);
      try {
        assert.ok(decompress('bzip2', input, 4096).length <= 4096);
      } catch (error) {
        assert.ok(error instanceof DecompressionError, String(error));
      }
    }),
    { numRuns: 500 },
  );
});

// Sniffing.

test('sniffCompression recognises each tool’s output by its magic bytes, also inside an image', () => {
  const sample = samples['100 KiB of text']!;
  const expected: Record<string, CompressionKind> = { gzip: 'gzip', zlib: 'zlib', zstd: 'zstd', bzip2: 'bzip2', xz: 'xz', lzma: 'lzma' };
  for (const [kind, sniffed] of Object.entries(expected)) {
    const stream = compressors[kind as keyof typeof compressors](sample);
    assert.equal(sniffCompression(stream, 0), sniffed, kind);
    const image = Buffer.concat([Buffer.alloc(512, 0xff), stream]);
    assert.equal(sniffCompression(image, 512), sniffed, `${kind} at offset 512`);
    assert.equal(sniffCompression(image, 511), null, `${kind} one byte early`);
  }
});

test('sniffCompression recognises an empty bzip2 stream and .lzma files of every xz preset', () => {
  assert.equal(sniffCompression(compressors.bzip2(Buffer.alloc(0)), 0), 'bzip2');
  for (const preset of ['-0', '-6', '-9e']) assert.equal(sniffCompression(runTool('xz', ['-c', '--format=lzma', preset], Buffer.from('x')), 0), 'lzma', preset);
});

test('sniffCompression returns null for formats without magic, short input and offsets outside the bytes', () => {
  const sample = samples['100 KiB of text']!;
  assert.equal(sniffCompression(compressors.deflate(sample), 0), null);
  assert.equal(sniffCompression(sample, 0), null);
  assert.equal(sniffCompression(Buffer.from([0x1f, 0x8b]), 0), null);
  assert.equal(sniffCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a]), 0), null);
  assert.equal(sniffCompression(sample, -1), null);
  assert.equal(sniffCompression(sample, sample.length), null);
});

test('sniffCompression finds no .lzma header in 1 MiB of noise', () => {
  const image = noise(1 << 20, 11);
  let hits = 0;
  for (let offset = 0; offset < image.length; offset++) if (sniffCompression(image, offset) === 'lzma') hits++;
  assert.equal(hits, 0);
});
