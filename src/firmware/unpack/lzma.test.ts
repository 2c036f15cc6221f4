import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DecompressionError } from './compression.ts';
import { decodeLzma2, decodeLzmaAlone, decodeLzmaRaw, LzmaDecoder, parseLzmaPropertiesByte } from './lzma.ts';
import { configText, noise } from '../../../test/support/unpack-fixtures.ts';
import { decoderSamples, decompressionError, runTool, sameBytes } from '../../../test/support/decoder-fixtures.ts';

// Every stream here is made at test time by xz-utils (Debian's xz-utils): `xz --format=lzma` for
// LZMA-alone files, `--format=raw` for headerless LZMA1 and LZMA2.

const xz = (args: string[], input: Buffer): Buffer => runTool('xz', ['-c', ...args], input);

const samples = decoderSamples();

for (const [name, sample] of Object.entries(samples)) {
  test(`an .lzma file of ${name} decodes to the original bytes`, () => {
    assert.ok(sameBytes(decodeLzmaAlone(xz(['--format=lzma', '-1'], sample), sample.length), sample));
  });
}

const mixed = Buffer.concat([configText(200 * 1024, 6), noise(50 * 1024, 7), configText(50 * 1024, 8)]);

for (const options of ['preset=0', 'preset=9e', 'lc=0,lp=0,pb=0', 'lc=4,lp=0,pb=0', 'lc=0,lp=4,pb=4', 'lc=4,lp=0,pb=4,dict=64KiB', 'mode=fast,nice=273']) {
  test(`an .lzma file made with --lzma1=${options} decodes to the original bytes`, () => {
    const sample = mixed;
    assert.ok(sameBytes(decodeLzmaAlone(xz(['--format=lzma', `--lzma1=${options}`], sample), sample.length), sample));
  });
}

test('raw LZMA1 (no header, properties from the container) decodes with those properties', () => {
  const sample = samples['100 KiB of text']!;
  const compressed = xz(['--format=raw', '--lzma1=lc=1,lp=2,pb=1,dict=1MiB'], sample);
  assert.ok(sameBytes(decodeLzmaRaw(compressed, { lc: 1, lp: 2, pb: 1, dictSize: 1 << 20 }, sample.length), sample));
});

test('raw LZMA1 decoded with the wrong properties fails with a DecompressionError', () => {
  const compressed = xz(['--format=raw', '--lzma1=lc=1,lp=2,pb=1'], samples['100 KiB of text']!);
  decompressionError(() => decodeLzmaRaw(compressed, { lc: 3, lp: 0, pb: 2, dictSize: 1 << 20 }, 1 << 20));
});

test('an .lzma header with the real size decodes with the end marker xz still writes after it', () => {
  const sample = samples['100 KiB of text']!;
  const compressed = Buffer.from(xz(['--format=lzma'], sample));
  compressed.writeBigUInt64LE(BigInt(sample.length), 5);
  assert.ok(sameBytes(decodeLzmaAlone(compressed, sample.length), sample));
});

/** An LZMA-alone file built from a one-chunk LZMA2 stream: known size, and no end marker. */
function lzmaAloneWithoutEndMarker(sample: Buffer): Buffer {
  const raw = xz(['--format=raw', '--lzma2=preset=6,dict=1MiB'], sample);
  const control = raw[0]!;
  assert.ok(control >= 0xe0, 'the LZMA2 stream starts with a chunk that sets properties');
  const unpacked = (control & 0x1f) * 0x10000 + raw.readUInt16BE(1) + 1;
  const packed = raw.readUInt16BE(3) + 1;
  assert.equal(unpacked, sample.length, 'one chunk holds the whole sample');
  assert.equal(raw[6 + packed], 0x00, 'and the stream ends after it');
  const header = Buffer.alloc(13);
  header[0] = raw[5]!;
  header.writeUInt32LE(1 << 20, 1);
  header.writeBigUInt64LE(BigInt(unpacked), 5);
  return Buffer.concat([header, raw.subarray(6, 6 + packed)]);
}

test('an .lzma file with a known size and no end marker (as the LZMA SDK writes) decodes exactly', () => {
  const sample = configText(20_000, 9);
  assert.ok(sameBytes(decodeLzmaAlone(lzmaAloneWithoutEndMarker(sample), sample.length), sample));
});

test('bytes after the end of an .lzma stream are ignored', () => {
  const sample = samples['100 KiB of text']!;
  const compressed = Buffer.concat([xz(['--format=lzma'], sample), Buffer.from('trailing image bytes')]);
  assert.ok(sameBytes(decodeLzmaAlone(compressed, sample.length), sample));
});

test('a bare LZMA2 stream decodes, chunk by chunk, including stored chunks for noise', () => {
  const sample = Buffer.concat([mixed, noise(100 * 1024, 10), mixed]);
  assert.ok(sameBytes(decodeLzma2(xz(['--format=raw', '--lzma2=preset=1,dict=8MiB'], sample), 8 << 20, sample.length), sample));
});

test('the properties byte splits into lc, lp and pb, and values past 224 are refused', () => {
  assert.deepEqual(parseLzmaPropertiesByte(0x5d), { lc: 3, lp: 0, pb: 2 });
  assert.deepEqual(parseLzmaPropertiesByte(224), { lc: 8, lp: 4, pb: 4 });
  assert.equal(parseLzmaPropertiesByte(225), null);
});

// Bounds: a decompression bomb stops at the bound, before the buffer grows past it.

const tenMegabytesOfZeros = Buffer.alloc(10 * 1024 * 1024);
const zerosAlone = xz(['--format=lzma', '-9'], tenMegabytesOfZeros);

test('10 MiB of zeros decoded with a 1 MiB bound fails quickly without growing its buffer past the bound', () => {
  const decoder = new LzmaDecoder('lzma', 1 << 20, 4096);
  decoder.setProperties(3, 0, 2);
  decoder.setDictionarySize(1 << 26);
  decoder.resetState();
  const started = performance.now();
  const error = decompressionError(() => decoder.decodeStream(zerosAlone, 13, zerosAlone.length, -1));
  assert.match(error.message, /^lzma: output would exceed 1048576 bytes$/);
  assert.ok(decoder.out.length <= 1 << 20, `the buffer grew to ${decoder.out.length} bytes`);
  assert.ok(performance.now() - started < 1000);
});

test('an .lzma header declaring more than the bound is refused before decoding', () => {
  const compressed = Buffer.from(zerosAlone);
  compressed.writeBigUInt64LE(BigInt(tenMegabytesOfZeros.length), 5);
  assert.match(decompressionError(() => decodeLzmaAlone(compressed, 1 << 20)).message, /would exceed 1048576 bytes/);
});

test('output exactly at the bound is allowed, one byte less is not', () => {
  const sample = samples['100 KiB of text']!;
  const compressed = xz(['--format=lzma'], sample);
  assert.equal(decodeLzmaAlone(compressed, sample.length).length, sample.length);
  decompressionError(() => decodeLzmaAlone(compressed, sample.length - 1));
});

// Untrusted input: cut or corrupted streams fail with a DecompressionError, and nothing else.

const small = configText(3000, 5);
const smallAlone = xz(['--format=lzma'], small);
const smallKnownSize = lzmaAloneWithoutEndMarker(small);

test('an .lzma stream cut at any position fails with a DecompressionError', () => {
  for (const compressed of [smallAlone, smallKnownSize]) {
    for (let cut = 0; cut < compressed.length; cut++) decompressionError(() => decodeLzmaAlone(compressed.subarray(0, cut), 8192));
  }
});

test('an .lzma stream with flipped bits or replaced bytes decodes or fails with a DecompressionError', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(smallAlone.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (changes) => {
      const corrupt = Buffer.from(smallAlone);
      for (const [at, mask] of changes) corrupt[at]! ^= mask;
      try {
        assert.ok(decodeLzmaAlone(corrupt, 64 * 1024).length <= 64 * 1024);
      } catch (error) {
        assert.ok(error instanceof DecompressionError, String(error));
      }
    }),
    { numRuns: 300 },
  );
});

test('arbitrary bytes as raw LZMA1 or LZMA2 decode or fail with a DecompressionError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.nat(224), (bytes, propsByte) => {
      const props = parseLzmaPropertiesByte(propsByte)!;
      for (const decode of [() => decodeLzmaRaw(bytes, { ...props, dictSize: 4096 }, 4096), () => decodeLzma2(bytes, 4096, 4096)]) {
        try {
          assert.ok(decode().length <= 4096);
        } catch (error) {
          assert.ok(error instanceof DecompressionError, String(error));
        }
      }
    }),
    { numRuns: 500 },
  );
});
