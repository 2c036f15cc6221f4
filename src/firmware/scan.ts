import crypto from 'node:crypto';
import { carve, type Signature } from './carve.ts';
import type { Entry, Limits, Problem } from './unpack/types.ts';

// Ties unpacking and inspection together: carve the image, unpack what was found, look inside
// every extracted file for further images (two and three deep is common: a uImage holding a
// gzip holding a cpio), and inspect each file system found. Everything stays in memory; what
// could not be read is reported with where it was.

export interface Located<T> {
  /** Where in the image: 'squashfs@0x40000', or 'uimage@0x0/kernel.bin/cpio@0x0' when nested. */
  location: string;
  item: T;
}

export interface ContainerFound {
  location: string;
  unpacker: string;
  offset: number;
  length: number | undefined;
  entries: number;
  files: number;
}

export interface ScanProgress {
  bytes: number;
  entries: number;
  containers: number;
  /** How far through the image (its own bytes, not what they unpack to) carving has got, 0–1. */
  fraction: number;
  /** What is being done: unpacking the image, or inspecting a file system found in it. */
  phase: 'unpacking' | 'inspecting';
  /** The container being read or inspected. */
  location: string;
}

export interface ScanOptions<F> {
  signatures: readonly Signature[];
  limits: Limits;
  /** How many containers deep to look (an image in a file in an image …). */
  maxDepth: number;
  /** Inspects one file system's entries; paths are relative to that file system. */
  inspect: (entries: Entry[], location: string) => Promise<F[]>;
  onProgress?: (progress: ScanProgress) => void;
  /** Scan these entries (a directory already extracted) instead of carving the blob. */
  entries?: Entry[];
}

export interface ScanResult<F> {
  sha256: string;
  size: number;
  containers: ContainerFound[];
  findings: Located<F>[];
  problems: Located<Problem>[];
}

const MIN_NESTED_BYTES = 32;

/** Unpacks an image (or a blob found inside one) recursively and inspects what it holds. */
export async function scanBlob<F>(blob: Uint8Array, options: ScanOptions<F>): Promise<ScanResult<F>> {
  const result: ScanResult<F> = { sha256: crypto.createHash('sha256').update(blob).digest('hex'), size: blob.byteLength, containers: [], findings: [], problems: [] };
  let fraction = 0;
  let phase: ScanProgress['phase'] = 'unpacking';
  let current = '(image)';
  // Within one top-level container, progress is the share of the entries its header announced.
  let container: { start: number; entriesBefore: number; expected?: number; span?: number } | undefined;
  const progress = (): void => {
    if (!options.onProgress) return;
    let shown = fraction;
    if (container?.expected && container.span && phase === 'unpacking') {
      const inner = Math.min(1, (options.limits.used.entries - container.entriesBefore) / container.expected);
      shown = Math.min(1, (container.start + container.span * inner) / Math.max(1, blob.byteLength));
    }
    options.onProgress({ bytes: options.limits.used.bytes, entries: options.limits.used.entries, containers: result.containers.length, fraction: shown, phase, location: current });
  };
  // Unpackers are synchronous: the display is refreshed from inside them, on every charge.
  const previousOnSpend = options.limits.onSpend;
  const previousOnContainer = options.limits.onContainer;
  if (options.onProgress) {
    options.limits.onSpend = progress;
    options.limits.onContainer = (expected) => {
      if (container && container.expected === undefined) {
        container.expected = expected.entries;
        if (expected.span !== undefined) container.span = expected.span;
      }
    };
  }

  const explore = async (bytes: Uint8Array, location: string, depth: number): Promise<number> => {
    phase = 'unpacking';
    current = location || '(image)';
    const { found, problems } = carve(
      bytes,
      options.signatures,
      options.limits,
      depth === 1
        ? (offset) => {
            fraction = bytes.byteLength ? offset / bytes.byteLength : 1;
            container = { start: offset, entriesBefore: options.limits.used.entries };
            progress();
          }
        : undefined,
    );
    for (const p of problems) result.problems.push({ location: location || '(image)', item: p });
    for (const c of found) {
      const here = `${location ? `${location}/` : ''}${c.unpacker}@0x${c.offset.toString(16)}`;
      result.containers.push({
        location: here,
        unpacker: c.unpacker,
        offset: c.offset,
        length: c.length,
        entries: c.result.entries.length,
        files: c.result.entries.filter((e) => e.type === 'file').length,
      });
      for (const p of c.result.problems) result.problems.push({ location: here, item: p });
      progress();
      await visit(c.result.entries, here, depth);
    }
    return found.length;
  };

  /** Inspects one file system, then looks for images inside its files. */
  const visit = async (entries: Entry[], here: string, depth: number): Promise<void> => {
    phase = 'inspecting';
    current = here;
    progress();
    for (const finding of await options.inspect(entries, here)) result.findings.push({ location: here, item: finding });
    const files = entries.filter((e) => e.type === 'file' && (e.data?.byteLength ?? 0) >= MIN_NESTED_BYTES);
    if (depth >= options.maxDepth) {
      if (files.length) result.problems.push({ location: here, item: { message: `not looked into: files more than ${options.maxDepth} containers deep` } });
      return;
    }
    for (const file of files) if (file.data) await explore(file.data, `${here}/${file.path}`, depth + 1);
  };

  try {
    if (options.entries) {
      // An already-extracted tree: it is the file system; images inside it are still unpacked.
      fraction = 1;
      await visit(options.entries, '(directory)', 1);
      return result;
    }
    const containers = await explore(blob, '', 1);
    if (containers === 0) {
      // Nothing we can unpack: still a file whose strings may hold credentials.
      result.problems.push({ location: '(image)', item: { message: 'no known file system, archive or compressed stream was found; the image was inspected as one file' } });
      for (const finding of await options.inspect([{ path: 'image.bin', type: 'file', mode: 0o644, data: blob }], '(image)')) result.findings.push({ location: '(image)', item: finding });
    }
    return result;
  } finally {
    if (options.onProgress) {
      if (previousOnSpend) options.limits.onSpend = previousOnSpend;
      else delete options.limits.onSpend;
      if (previousOnContainer) options.limits.onContainer = previousOnContainer;
      else delete options.limits.onContainer;
    }
  }
}
