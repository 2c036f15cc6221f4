import type { Limits, Problem, Unpacker, UnpackResult } from './unpack/types.ts';

// Signature carving, as binwalk does: find every place in a blob where a known container or
// compressed stream starts, by its magic bytes, and let the unpackers read from there. Magic
// bytes are searched with Buffer.indexOf (native, fast) rather than by calling every detector at
// every offset; detectors then check the header properly before anything is unpacked.

export interface Signature {
  unpacker: Unpacker;
  /** Byte sequences a container of this kind starts with; the detector confirms. */
  magics: Uint8Array[];
  /** Where the magic stands from the container's start (tar's 'ustar' is at 257). */
  magicOffset?: number;
}

export interface Carved {
  unpacker: string;
  offset: number;
  /** Bytes the container spans when the unpacker knows. */
  length: number | undefined;
  result: UnpackResult;
}

/** Most candidate offsets looked at in one blob: random data is full of two-byte magics. */
const MAX_CANDIDATES = 100_000;

/** `onOffset` hears how far through the blob carving has got, for a progress display. */
export function carve(blob: Uint8Array, signatures: readonly Signature[], limits: Limits, onOffset?: (offset: number) => void): { found: Carved[]; problems: Problem[] } {
  const buffer = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const candidates: { offset: number; signature: Signature }[] = [];
  const problems: Problem[] = [];
  for (const signature of signatures) {
    for (const magic of signature.magics) {
      const shift = signature.magicOffset ?? 0;
      for (let at = buffer.indexOf(magic, shift); at !== -1; at = buffer.indexOf(magic, at + 1)) {
        candidates.push({ offset: at - shift, signature });
        if (candidates.length > MAX_CANDIDATES) {
          problems.push({ message: `more than ${MAX_CANDIDATES} possible container starts; only the first were examined` });
          break;
        }
      }
    }
  }
  candidates.sort((a, b) => a.offset - b.offset);
  const found: Carved[] = [];
  // A container claims its bytes: candidates inside it are its own contents, read by recursion.
  let claimedUntil = -1;
  for (const { offset, signature } of candidates) {
    if (offset < claimedUntil) continue;
    onOffset?.(offset);
    if (Date.now() > limits.deadline) {
      problems.push({ offset, message: 'the time allowed for unpacking ran out; the rest of the image was not examined' });
      break;
    }
    let detected = false;
    try {
      detected = signature.unpacker.detect(blob, offset);
    } catch {
      detected = false;
    }
    if (!detected) continue;
    let result: UnpackResult & { length?: number };
    try {
      result = signature.unpacker.unpack(blob, offset, limits);
    } catch (e) {
      // Unpackers report problems rather than throw; anything thrown is still not allowed to end the scan.
      result = { entries: [], problems: [{ offset, message: `${signature.unpacker.name}: ${e instanceof Error ? e.message : String(e)}` }] };
    }
    // A false start (magic bytes by chance inside other data) yields nothing: not worth a problem
    // unless it is at the very start, where the whole blob was expected to be this container.
    if (result.entries.length === 0 && offset !== 0) continue;
    found.push({ unpacker: signature.unpacker.name, offset, length: result.length, result });
    if (result.length !== undefined && result.length > 0) claimedUntil = offset + result.length;
  }
  onOffset?.(blob.byteLength);
  return { found, problems };
}
