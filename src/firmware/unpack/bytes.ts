// Little-endian field readers for the formats that store their headers that way (SquashFS, ext,
// ZIP, LZ4). The caller has checked the bounds; a read past the end would be a bug, not input.

export function u16(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

export function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/** A 64-bit field as a number; values past 2^53 (never legitimate) become Infinity and fail every bound. */
export function u64(bytes: Uint8Array, at: number): number {
  const high = u32(bytes, at + 4);
  return high >= 0x200000 ? Number.POSITIVE_INFINITY : high * 0x1_0000_0000 + u32(bytes, at);
}
