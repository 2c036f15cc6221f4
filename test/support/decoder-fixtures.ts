// What every decoder test (compression, LZMA, xz, LZO) needs: the same sample inputs, the real
// tool to make streams from them, a byte-exact comparison and a check that damage is refused
// with the decoders' own error.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { DecompressionError } from '../../src/firmware/unpack/compression.ts';
import { configText, noise } from './unpack-fixtures.ts';

/** Inputs from empty to 3 MiB: noise (incompressible), text, a mix, and one byte repeated (a bomb's shape). */
export function decoderSamples(options: { withEmpty?: boolean } = {}): Record<string, Buffer> {
  return {
    ...(options.withEmpty === false ? {} : { 'empty input': Buffer.alloc(0) }),
    'one byte': Buffer.from('x'),
    '100 KiB of noise': noise(100 * 1024, 1),
    '100 KiB of text': configText(100 * 1024, 2),
    '3 MiB of mixed text and noise': Buffer.concat([configText(2 * 1024 * 1024, 3), noise(1024 * 1024, 4)]),
    '2 MiB of one repeated byte': Buffer.alloc(2 * 1024 * 1024, 0x41),
  };
}

/** Runs a compressor (gzip, xz, zstd, …) over input and returns what it wrote. */
export function runTool(tool: string, args: string[], input: Buffer): Buffer {
  return execFileSync(tool, args, { input, maxBuffer: 256 * 1024 * 1024 });
}

/** Byte for byte the same. */
export function sameBytes(actual: Uint8Array, expected: Buffer): boolean {
  return actual.length === expected.length && Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected);
}

/** Runs fn and returns what it threw (failing when it returns or throws something else). */
export function decompressionError(fn: () => unknown): DecompressionError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DecompressionError, `expected a DecompressionError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a DecompressionError, but it decoded');
}
