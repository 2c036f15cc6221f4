import type { Signature } from '../carve.ts';
import { cpio } from './cpio.ts';
import { ext } from './ext.ts';
import { cramfs } from './cramfs.ts';
import { jffs2 } from './jffs2.ts';
import { squashfs } from './squashfs.ts';
import { bzip2Stream, gzipStream, lz4Stream, lzmaStream, xzStream, zlibStream, zstdStream } from './streams.ts';
import { tar } from './tar.ts';
import { ubi } from './ubi.ts';
import { ubifs } from './ubifs.ts';
import { uimage } from './uimage.ts';
import { zip } from './zip.ts';

// Every format the scanner carves for, with the magic bytes that start it. Adding a format is a
// new file in this folder and a line here.

const ascii = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

export const signatures: readonly Signature[] = [
  { unpacker: squashfs, magics: [ascii('hsqs'), ascii('sqsh')] },
  { unpacker: cramfs, magics: [bytes(0x45, 0x3d, 0xcd, 0x28), bytes(0x28, 0xcd, 0x3d, 0x45)] },
  { unpacker: jffs2, magics: [bytes(0x85, 0x19), bytes(0x19, 0x85)] },
  { unpacker: ubi, magics: [ascii('UBI#')] },
  // Every UBIFS node starts with the same magic number; only the superblock node is 4096 bytes
  // long and of type 6, which the common header stores 16 bytes in: searching for that keeps a
  // large UBIFS from producing a candidate per node.
  { unpacker: ubifs, magics: [bytes(0x00, 0x10, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00)], magicOffset: 16 },
  { unpacker: uimage, magics: [bytes(0x27, 0x05, 0x19, 0x56), bytes(0xd0, 0x0d, 0xfe, 0xed)] },
  { unpacker: cpio, magics: [ascii('070701'), ascii('070702'), ascii('070707')] },
  { unpacker: tar, magics: [ascii('ustar')], magicOffset: 257 },
  { unpacker: ext, magics: [Uint8Array.of(0x53, 0xef)], magicOffset: 1080 },
  { unpacker: zip, magics: [bytes(0x50, 0x4b, 0x03, 0x04)] },
  { unpacker: gzipStream, magics: [bytes(0x1f, 0x8b, 0x08)] },
  { unpacker: xzStream, magics: [bytes(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)] },
  { unpacker: lzmaStream, magics: [bytes(0x5d, 0x00, 0x00)] },
  { unpacker: bzip2Stream, magics: [ascii('BZh')] },
  { unpacker: zstdStream, magics: [bytes(0x28, 0xb5, 0x2f, 0xfd)] },
  { unpacker: lz4Stream, magics: [bytes(0x04, 0x22, 0x4d, 0x18)] },
  { unpacker: zlibStream, magics: [bytes(0x78, 0x01), bytes(0x78, 0x5e), bytes(0x78, 0x9c), bytes(0x78, 0xda)] },
];

export { defaultLimits, type Entry, type Limits, type Problem } from './types.ts';
