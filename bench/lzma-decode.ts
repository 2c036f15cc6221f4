// Decoding speed of our pure-TypeScript LZMA2/.xz decoder against xz-utils' `xz -d` on the same
// 32 MiB file (made with `xz -6` from generated, semi-compressible data: firmware-like text and
// tables with random runs between). xz-utils is the reference the SquashFS budget is set against.
// Run: npx node --import tsx bench/lzma-decode.ts [MiB]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeXz } from '../src/firmware/unpack/xz.ts';

const mebibytes = Number(process.argv[2] ?? 32);
const size = mebibytes * 1024 * 1024;
const runs = 3;

/** A small deterministic generator (xorshift32), so every run measures the same bytes. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

function semiCompressible(length: number): Uint8Array {
  const next = generator(0x5eed);
  const words = ['root', 'admin', 'password', 'config', 'option', 'interface', 'lan', 'wan', 'dhcp', 'firewall', 'uhttpd', 'dropbear', '0.0.0.0', 'enabled', 'list', '/etc/init.d/', 'busybox', 'libc.so.6', 'GLIBC_2.4', '\n', '\t', '=', ' '];
  const out = new Uint8Array(length);
  let at = 0;
  while (at < length) {
    const pick = next() % 100;
    if (pick < 80) {
      for (const char of words[next() % words.length]!) if (at < length) out[at++] = char.charCodeAt(0);
    } else if (pick < 99) {
      const value = String(next() % 65536);
      for (const char of value) if (at < length) out[at++] = char.charCodeAt(0);
    } else {
      // Random runs stand for code and already-compressed resources.
      const run = 16 + (next() % 48);
      for (let k = 0; k < run && at < length; k++) out[at++] = next() & 0xff;
    }
  }
  return out;
}

const directory = mkdtempSync(join(tmpdir(), 'lzma-bench-'));
try {
  const original = semiCompressible(size);
  const rawPath = join(directory, 'data.bin');
  writeFileSync(rawPath, original);
  execFileSync('xz', ['-6', '-T1', '-k', rawPath]);
  const compressed = readFileSync(`${rawPath}.xz`);
  console.log(`input: ${mebibytes} MiB → ${(compressed.length / 1024 / 1024).toFixed(1)} MiB with xz -6`);

  const timeXz = (): number => {
    const sink = openSync('/dev/null', 'w');
    try {
      const started = process.hrtime.bigint();
      const result = spawnSync('xz', ['-d', '-c', '-T1', `${rawPath}.xz`], { stdio: ['ignore', sink, 'inherit'] });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (result.status !== 0) throw new Error('xz -d failed');
      return seconds;
    } finally {
      closeSync(sink);
    }
  };
  const timeOurs = (): number => {
    const started = process.hrtime.bigint();
    const output = decodeXz(compressed, size);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (output.length !== original.length || Buffer.compare(output, original) !== 0) throw new Error('our decoder produced different bytes');
    return seconds;
  };

  // Best of a few runs each: the first of ours also pays for compiling the hot loop.
  const theirs = Math.min(...Array.from({ length: runs }, timeXz));
  const ours = Math.min(...Array.from({ length: runs }, timeOurs));
  console.log(`xz -d (xz-utils): ${theirs.toFixed(3)} s (${(mebibytes / theirs).toFixed(0)} MiB/s)`);
  console.log(`ours (TypeScript): ${ours.toFixed(3)} s (${(mebibytes / ours).toFixed(0)} MiB/s)`);
  console.log(`ratio: ours takes ${(ours / theirs).toFixed(2)}× the time of xz -d`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
