import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli.ts';
import { scanPath, type ScanReport } from '../../src/firmware/scan-image.ts';
import { ImageBuilder } from '../support/firmware-images.ts';
import { cleanTree, plantedTree, type Planted } from './fixtures.ts';

// The scanner end to end, on images built at test time with the tools a firmware build uses:
// every planted credential is found whatever the container and however deep it is nested, and a
// compliant image gives nothing at all.

let images: ImageBuilder;
let planted: Planted[];
let plantedRoot: string;
let cleanRoot: string;

before(() => {
  images = new ImageBuilder();
  const p = plantedTree();
  planted = p.planted;
  plantedRoot = images.tree(p.tree);
  cleanRoot = images.tree(cleanTree());
});
after(() => images.remove());

function assertFindsEveryPlant(report: ScanReport, where: RegExp): void {
  for (const plant of planted) {
    const hit = report.findings.find((f) => f.rule === plant.rule && f.path === plant.path);
    assert.ok(hit, `${plant.rule} in ${plant.path} was found (found: ${report.findings.map((f) => `${f.rule}@${f.path}`).join(', ')})`);
    assert.match(hit.location, where);
  }
  assert.equal(report.summary.meetsPasswordDuty, false);
  assert.match(report.summary.verdict, /^FAIL/);
}

function assertClean(report: ScanReport): void {
  assert.deepEqual(report.findings, []);
  assert.deepEqual(report.problems, []);
  assert.equal(report.summary.meetsPasswordDuty, true);
}

describe('every container, every compression', () => {
  for (const compression of ['gzip', 'xz', 'lzma', 'lzo', 'zstd', 'lz4'] as const) {
    test(`SquashFS with ${compression}: every planted credential found; the clean image gives nothing`, async () => {
      assertFindsEveryPlant(await scanPath(images.squashfs(plantedRoot, compression)), /^squashfs@0x0$/);
      assertClean(await scanPath(images.squashfs(cleanRoot, compression)));
    });
  }

  test('cpio (newc and odc), gzip- and bzip2-compressed, and tar in xz and zstd', async () => {
    assertFindsEveryPlant(await scanPath(images.compress(images.cpio(plantedRoot, 'newc'), 'gzip')), /^gzip@0x0\/[^/]+\/cpio@0x0$/);
    assertFindsEveryPlant(await scanPath(images.compress(images.cpio(plantedRoot, 'odc'), 'bzip2')), /^bzip2@0x0\/decompressed\/cpio@0x0$/);
    assertFindsEveryPlant(await scanPath(images.compress(images.tar(plantedRoot), 'xz')), /^xz@0x0\/decompressed\/tar@0x0$/);
    assertFindsEveryPlant(await scanPath(images.compress(images.tar(plantedRoot), 'zstd')), /^zstd@0x0\/decompressed\/tar@0x0$/);
    assertClean(await scanPath(images.compress(images.cpio(cleanRoot), 'gzip')));
  });

  test('an extracted directory is scanned as it is', async () => {
    assertFindsEveryPlant(await scanPath(plantedRoot), /^\(directory\)$/);
    assertClean(await scanPath(cleanRoot));
  });
});

describe('progress', () => {
  test('moves through one large SquashFS by the inodes its superblock announces, then names what it inspects', async () => {
    const seen: { fraction: number; phase: string }[] = [];
    await scanPath(images.squashfs(plantedRoot, 'gzip'), { onProgress: (p) => seen.push({ fraction: p.fraction, phase: p.phase }) });
    const unpacking = seen.filter((p) => p.phase === 'unpacking').map((p) => p.fraction);
    assert.ok(unpacking.some((f) => f > 0 && f < 1), `a fraction between 0 and 1 while unpacking: ${unpacking.slice(0, 20).join(', ')}`);
    assert.ok(unpacking.every((f, i) => i === 0 || f >= (unpacking[i - 1] ?? 0) - 1e-9), 'the bar never moves back');
    assert.ok(seen.some((p) => p.phase === 'inspecting'));
  });
});

describe('images inside images', () => {
  test('two deep: a uImage holding a gzip-compressed cpio ramdisk', async () => {
    const ramdisk = images.compress(images.cpio(plantedRoot), 'gzip');
    const report = await scanPath(images.uimage(ramdisk, 'gzip', 'ramdisk'));
    assertFindsEveryPlant(report, /^uimage@0x0\/[^/]+\/cpio@0x0$/);
  });

  test('three deep: a flash dump with a bootloader, then a uImage, then an xz SquashFS', async () => {
    const rootfs = images.squashfs(plantedRoot, 'xz');
    const flash = images.padded(images.uimage(images.compress(rootfs, 'gzip'), 'gzip'), 64 * 1024, 4096);
    const report = await scanPath(flash);
    assertFindsEveryPlant(report, /^uimage@0x10000\/[^/]+\/squashfs@0x0$/);
    assert.ok(report.containers.some((c) => c.location === 'uimage@0x10000'));
  });

  test('four deep: an xz tarball holding a gzip-compressed SquashFS; a clean one holds nothing', async () => {
    const bundle = images.tree({ 'rootfs.sqfs.gz': fs.readFileSync(images.compress(images.squashfs(plantedRoot, 'gzip'), 'gzip')).toString('latin1') });
    // The tree writer takes text; rewrite the file as bytes.
    fs.writeFileSync(`${bundle}/rootfs.sqfs.gz`, fs.readFileSync(images.compress(images.squashfs(plantedRoot, 'gzip'), 'gzip')));
    const report = await scanPath(images.compress(images.tar(bundle), 'xz'));
    assertFindsEveryPlant(report, /^xz@0x0\/decompressed\/tar@0x0\/rootfs\.sqfs\.gz\/gzip@0x0\/[^/]+\/squashfs@0x0$/);
  });
});

describe('broken and hostile images', () => {
  test('a symlink pointing out of the image is reported and never followed, in an image or a directory', async () => {
    const root = images.tree({ ...cleanTree(), 'lib/escape': { symlink: '../../../../etc/shadow' } });
    const inImage = await scanPath(images.squashfs(root, 'gzip'));
    assert.deepEqual(inImage.findings, [], "the scanning machine's /etc/shadow is never read");
    assert.match(inImage.problems.map((p) => `${p.path}: ${p.message}`).join('\n'), /lib\/escape: the symlink points outside the image/);
    assert.deepEqual((await scanPath(root)).findings, []);
  });

  test('a truncated image reports what it could not read', async () => {
    const whole = fs.readFileSync(images.squashfs(plantedRoot, 'gzip'));
    const cut = `${images.dir}/cut.sqfs`;
    // mksquashfs pads to 4 KiB; the tables at the end of the used bytes are what goes missing.
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.readUInt32LE(40) * 0.6)));
    const report = await scanPath(cut);
    assert.ok(report.problems.length > 0, 'the missing part is reported');
  });

  test('random bytes are inspected as one file, with a problem saying nothing could be unpacked', async () => {
    const noise = `${images.dir}/noise.bin`;
    fs.writeFileSync(noise, Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => (i * 2654435761) >>> 24)));
    const report = await scanPath(noise);
    assert.match(report.problems.map((p) => p.message).join('\n'), /no known file system/);
    assert.deepEqual(report.findings, []);
  });
});

describe('connectable scan', () => {
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const code = await main(['scan', ...args], { out: (t) => out.push(t), err: () => undefined, env: { CI: '1' } });
    return { code, out: out.join('\n') };
  };

  test('exits 1 when an image breaks the password duty and 0 when it does not; --fail-on chooses', async () => {
    const bad = images.squashfs(plantedRoot, 'xz');
    const good = images.squashfs(cleanRoot, 'xz');
    assert.equal((await run(bad)).code, 1);
    assert.equal((await run(good)).code, 0);
    assert.equal((await run(bad, '--fail-on', 'never')).code, 0);
    assert.equal((await run(good, bad)).code, 1, 'several images: any failure fails');
    assert.equal((await run('/no/such/image')).code, 2);
    assert.equal((await run(bad, '--fail-on', 'sometimes')).code, 2);
    assert.equal((await run(bad, '--timeout', 'soon')).code, 2);
    assert.equal((await run(bad, '--format', 'xml')).code, 2);
    assert.equal((await run()).code, 2, 'no image at all is a usage error');
  });

  test('secrets are masked unless --show-secrets; JSON and SARIF carry the law ids', async () => {
    const image = images.squashfs(plantedRoot, 'gzip');
    const text = await run(image);
    assert.doesNotMatch(text.out, /SuperSecret123|factory-wifi-key-2024/);
    assert.match(text.out, /psti\.s1\.1/);
    assert.match((await run(image, '--show-secrets')).out, /SuperSecret123/);
    const json = JSON.parse((await run(image, '--json')).out) as { findings: { secret?: string; lawIds: string[] }[] }[];
    assert.ok(json[0]?.findings.every((f) => f.secret === undefined && f.lawIds.length > 0));
    const sarif = JSON.parse((await run(image, '--format', 'sarif')).out) as { version: string; runs: { results: { ruleId: string; level: string }[]; tool: { driver: { rules: { id: string }[] } } }[] };
    assert.equal(sarif.version, '2.1.0');
    const results = sarif.runs[0]?.results ?? [];
    assert.ok(results.length >= planted.length);
    const ruleIds = new Set(sarif.runs[0]?.tool.driver.rules.map((r) => r.id));
    assert.ok(results.every((r) => ruleIds.has(r.ruleId)));
  });
});
