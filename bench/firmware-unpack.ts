// Unpacking speed: every file of a 64 MiB SquashFS image read by our reader, against
// `unsquashfs` writing the same files to a RAM disk (/dev/shm), for xz and gzip, side by side in
// one run; then the whole scan (unpack, inspect, crack with the bundled lists) of the same image.
// Our reader decodes large images on worker threads too (block-pool.ts); its time on this thread
// alone is shown beside it. The first image read also pays for starting the workers, and the
// one-thread read, coming second, skips the ~50 ms a first read spends paging in its buffers.
// Each timed read starts from a collected heap: none pays for the 100 MB the one before left.
// Run: npx node --import tsx bench/firmware-unpack.ts [MiB of image, default 64]
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { scanPath } from '../src/firmware/scan-image.ts';
import { blockPoolSettings } from '../src/firmware/unpack/block-pool.ts';
import { squashfs } from '../src/firmware/unpack/squashfs.ts';
import { defaultLimits } from '../src/firmware/unpack/types.ts';
import { plantedTree } from '../test/firmware/fixtures.ts';
import { ImageBuilder } from '../test/support/firmware-images.ts';

const targetMiB = Number(process.argv[2] ?? 64);
const images = new ImageBuilder();
const ram = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/cn-unsquash-') : fs.mkdtempSync(path.join(os.tmpdir(), 'cn-unsquash-'));

/** A root file system of roughly the target size once compressed: binaries (incompressible) and text. */
function fillTree(root: string): void {
  const words = ['config', 'device', 'network', 'firmware', 'update', 'service', 'daemon', 'interface', 'password', 'kernel', 'module', 'option'];
  let n = 0;
  const randomBytes = Math.round(targetMiB * 0.8 * 2 ** 20);
  for (let made = 0; made < randomBytes; n++) {
    const size = 16 * 1024 + crypto.randomInt(512 * 1024);
    fs.mkdirSync(path.join(root, `usr/lib/mod${n % 40}`), { recursive: true });
    fs.writeFileSync(path.join(root, `usr/lib/mod${n % 40}/lib${n}.so`), crypto.randomBytes(size));
    made += size;
  }
  const textBytes = Math.round(targetMiB * 0.8 * 2 ** 20);
  for (let made = 0, i = 0; made < textBytes; i++) {
    const lines = Array.from({ length: 2000 }, (_, j) => `${words[(i + j) % words.length]} ${words[(i * 7 + j) % words.length]}=${(i * 31 + j * 17) % 100000} # ${crypto.randomBytes(6).toString('hex')}`);
    const text = `${lines.join('\n')}\n`;
    fs.mkdirSync(path.join(root, `etc/conf${i % 30}`), { recursive: true });
    fs.writeFileSync(path.join(root, `etc/conf${i % 30}/file${i}.conf`), text);
    made += text.length;
  }
}

const root = images.tree(plantedTree().tree);
fillTree(root);

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const seconds = (f: () => void): number => {
  collectGarbage();
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e9;
};

for (const compression of ['xz', 'gzip'] as const) {
  const image = images.squashfs(root, compression);
  const bytes = fs.readFileSync(image);
  let files = 0;
  let total = 0;
  const ours = seconds(() => {
    const result = squashfs.unpack(bytes, 0, defaultLimits());
    for (const e of result.entries) if (e.type === 'file') {
      files++;
      total += e.data?.byteLength ?? 0;
    }
    if (result.problems.length) console.log(`  problems: ${result.problems.slice(0, 3).map((p) => p.message).join('; ')}`);
  });
  const workers = blockPoolSettings.workers;
  blockPoolSettings.workers = 0;
  const alone = seconds(() => squashfs.unpack(bytes, 0, defaultLimits()));
  blockPoolSettings.workers = workers;
  const out = path.join(ram, compression);
  const theirs = seconds(() => execFileSync('unsquashfs', ['-d', out, '-f', '-no-progress', '-quiet', image], { stdio: 'ignore' }));
  fs.rmSync(out, { recursive: true, force: true });
  console.log(
    `squashfs ${compression}: image ${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${files} files, ${(total / 2 ** 20).toFixed(1)} MiB — ` +
      `connectable ${ours.toFixed(2)} s (${alone.toFixed(2)} s on one thread), unsquashfs (to RAM disk, ${os.cpus().length} threads) ${theirs.toFixed(2)} s, ratio ${(ours / theirs).toFixed(2)}× (target ≤ 2×)`,
  );
}

const image = images.squashfs(root, 'xz');
const started = Date.now();
const report = await scanPath(image);
console.log(
  `whole scan of the ${(fs.statSync(image).size / 2 ** 20).toFixed(1)} MiB xz image: ${((Date.now() - started) / 1000).toFixed(1)} s (target < 30 s), ` +
    `${report.findings.length} findings, verdict ${report.summary.meetsPasswordDuty ? 'PASS' : 'FAIL'}`,
);
fs.rmSync(ram, { recursive: true, force: true });
images.remove();
