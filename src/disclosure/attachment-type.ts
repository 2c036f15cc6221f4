// What kind of file a reporter attached, judged from its bytes alone. The name and the browser's
// Content-Type are chosen by whoever uploads, so an executable called screenshot.png must still be
// seen as an executable. We accept an allowlist of what reporters really send (screenshots, photos
// and videos of a device, PDFs, archives, packet captures, logs and scripts) and refuse the rest
// with a reason that says what the file was found to be and what to do instead.
//
// Every accepted file is only ever served as a download (application/octet-stream, nosniff, a
// sandboxing CSP), so the type matters for what a responder's own machine does when they open it,
// not for what our origin renders.

export interface AcceptedType {
  mediaType: string;
  /** The usual extension for that type, without the dot. */
  extension: string;
}

export interface RefusedType {
  /** A sentence a reporter can act on. */
  refused: string;
}

export type SniffedType = AcceptedType | RefusedType;

type Bytes = Uint8Array;

function startsWith(bytes: Bytes, magic: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + magic.length) return false;
  return magic.every((b, i) => bytes[offset + i] === b);
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

function asciiAt(bytes: Bytes, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

const EXECUTABLE_ADVICE = 'put the file in a password-protected ZIP if it is the proof of concept';
const ARCHIVE_ADVICE = 'use ZIP, 7z or gzip instead';
const IMAGE_ADVICE = 'convert it to PNG or JPEG, or put it in a ZIP';

// ISO base media files (MP4 and its relatives) all start with an "ftyp" box; its major brand says
// which relative. Anything not listed is reported as MP4, which is what players treat it as.
function isoMediaType(bytes: Bytes): AcceptedType {
  const brand = asciiAt(bytes, 8, 4);
  if (brand === 'qt  ') return { mediaType: 'video/quicktime', extension: 'mov' };
  if (brand === 'avif' || brand === 'avis') return { mediaType: 'image/avif', extension: 'avif' };
  // Phone cameras save photos (of a device's board, say) as HEIF.
  if (['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return { mediaType: 'image/heic', extension: 'heic' };
  if (brand === 'M4A ') return { mediaType: 'audio/mp4', extension: 'm4a' };
  return { mediaType: 'video/mp4', extension: 'mp4' };
}

// Matroska and WebM share the EBML header; its DocType element (id 0x4282) names which. It sits in
// the first few dozen bytes, so the search is bounded.
function matroskaType(bytes: Bytes): AcceptedType {
  const end = Math.min(bytes.length - 3, 64);
  for (let i = 4; i < end; i++) {
    if (bytes[i] !== 0x42 || bytes[i + 1] !== 0x82) continue;
    const sizeByte = bytes[i + 2] ?? 0;
    const length = sizeByte & 0x80 ? sizeByte & 0x7f : 0;
    if (asciiAt(bytes, i + 3, length) === 'webm') return { mediaType: 'video/webm', extension: 'webm' };
    break;
  }
  return { mediaType: 'video/x-matroska', extension: 'mkv' };
}

interface BinarySignature {
  test: (bytes: Bytes) => boolean;
  type: (bytes: Bytes) => SniffedType;
}

const accept =
  (mediaType: string, extension: string) =>
  (): AcceptedType => ({ mediaType, extension });
const refuse =
  (refused: string) =>
  (): RefusedType => ({ refused });

/** Signatures that cannot be mistaken for text: checked first, in this order. */
const binarySignatures: readonly BinarySignature[] = [
  { test: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), type: accept('image/png', 'png') },
  { test: (b) => startsWith(b, [0xff, 0xd8, 0xff]), type: accept('image/jpeg', 'jpg') },
  { test: (b) => startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a')), type: accept('image/gif', 'gif') },
  { test: (b) => startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8), type: accept('image/webp', 'webp') },
  { test: (b) => startsWith(b, ascii('%PDF-')), type: accept('application/pdf', 'pdf') },
  // Local file header, empty archive, spanned archive. Office documents (.docx, .xlsx), .odt and
  // .jar are ZIPs too and are reported as such: we only ever hand them back as downloads.
  { test: (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06]) || startsWith(b, [0x50, 0x4b, 0x07, 0x08]), type: accept('application/zip', 'zip') },
  { test: (b) => startsWith(b, [0x1f, 0x8b, 0x08]), type: accept('application/gzip', 'gz') },
  { test: (b) => startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]), type: accept('application/x-7z-compressed', '7z') },
  // pcap in either byte order, with micro- or nanosecond timestamps.
  {
    test: (b) => [[0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4], [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d]].some((m) => startsWith(b, m)),
    type: accept('application/vnd.tcpdump.pcap', 'pcap'),
  },
  // A pcapng Section Header Block; its type (\n\r\r\n) could begin a text file, so the byte-order
  // magic at offset 8 must follow too.
  {
    test: (b) => startsWith(b, [0x0a, 0x0d, 0x0d, 0x0a]) && (startsWith(b, [0x1a, 0x2b, 0x3c, 0x4d], 8) || startsWith(b, [0x4d, 0x3c, 0x2b, 0x1a], 8)),
    type: accept('application/x-pcapng', 'pcapng'),
  },
  { test: (b) => startsWith(b, ascii('ftyp'), 4), type: isoMediaType },
  { test: (b) => startsWith(b, [0x1a, 0x45, 0xdf, 0xa3]), type: matroskaType },

  { test: (b) => startsWith(b, [0x7f, 0x45, 0x4c, 0x46]), type: refuse(`Executables (ELF) are not accepted; ${EXECUTABLE_ADVICE}.`) },
  {
    test: (b) => [[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe]].some((m) => startsWith(b, m)),
    type: refuse(`Executables (Mach-O) are not accepted; ${EXECUTABLE_ADVICE}.`),
  },
  { test: (b) => startsWith(b, [0xca, 0xfe, 0xba, 0xbe]), type: refuse(`Executables (Mach-O universal binary or Java class) are not accepted; ${EXECUTABLE_ADVICE}.`) },
  { test: (b) => startsWith(b, [0x00, 0x61, 0x73, 0x6d]), type: refuse(`Executables (WebAssembly) are not accepted; ${EXECUTABLE_ADVICE}.`) },
  { test: (b) => startsWith(b, [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00]), type: refuse('Windows shortcuts (.lnk) are not accepted, as opening one runs a command; describe the target in the report instead.') },
  {
    test: (b) => startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
    type: refuse('Legacy Office documents and installers (OLE2: .doc, .xls, .ppt, .msi) are not accepted, as they can carry macros; save it as PDF or put it in a ZIP.'),
  },
  { test: (b) => startsWith(b, ascii('Rar!\x1a\x07')), type: refuse(`RAR archives are not accepted; ${ARCHIVE_ADVICE}.`) },
  { test: (b) => startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), type: refuse(`xz archives are not accepted; ${ARCHIVE_ADVICE}.`) },
  { test: (b) => startsWith(b, [0x28, 0xb5, 0x2f, 0xfd]), type: refuse(`Zstandard archives are not accepted; ${ARCHIVE_ADVICE}.`) },
  { test: (b) => startsWith(b, ascii('ustar'), 257), type: refuse('Uncompressed tar archives are not accepted; gzip it (.tar.gz) or use ZIP or 7z.') },
  { test: (b) => startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]), type: refuse(`TIFF images are not accepted; ${IMAGE_ADVICE}.`) },
  { test: (b) => startsWith(b, [0xff, 0xfe]) || startsWith(b, [0xfe, 0xff]), type: refuse('Text in UTF-16 is not accepted; save it as UTF-8, or put it in a ZIP.') },
];

/** Signatures short or printable enough to begin a text file: only believed when the file is not text. */
const weakSignatures: readonly { magic: string; refused: string }[] = [
  { magic: 'MZ', refused: `Executables (Windows PE/MZ) are not accepted; ${EXECUTABLE_ADVICE}.` },
  { magic: 'BZh', refused: `bzip2 archives are not accepted; ${ARCHIVE_ADVICE}.` },
  { magic: 'BM', refused: `BMP images are not accepted; ${IMAGE_ADVICE}.` },
];

const UNRECOGNISED =
  'This kind of file is not accepted (it was not recognised from its contents). Accepted: PNG, JPEG, GIF, WebP, PDF, ZIP, 7z, gzip, pcap, pcapng, ' +
  'MP4, QuickTime, WebM, Matroska and plain text in UTF-8; put anything else in a ZIP.';

// A text file may hold a few stray control characters (a backspace in a terminal capture); a
// binary file that happens to be valid UTF-8 holds many. ESC is allowed for coloured logs.
const MAX_CONTROL_SHARE = 0.01;

function isAllowedControl(code: number): boolean {
  return code === 0x09 || code === 0x0a || code === 0x0b || code === 0x0c || code === 0x0d || code === 0x1b;
}

/** The text, when the bytes are UTF-8 without NULs and with few control characters. */
function asText(bytes: Bytes): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return undefined;
    if ((code < 0x20 && !isAllowedControl(code)) || (code >= 0x7f && code <= 0x9f)) controls++;
  }
  return controls > text.length * MAX_CONTROL_SHARE ? undefined : text;
}

// The tags WHATWG's MIME sniffing standard takes as the start of an HTML document: a browser that
// opened such a file would render it and run its script.
const htmlStartTags = new Set(['html', 'head', 'script', 'iframe', 'h1', 'div', 'font', 'table', 'a', 'style', 'title', 'b', 'body', 'br', 'p']);

// Only the beginning is examined, as browsers do: an HTML payload quoted inside a log or a Python
// proof of concept is text about HTML, not a page, and XSS reports carry plenty of those.
const MARKUP_SCAN_CHARS = 64 * 1024;
const MAX_PROLOG_ITEMS = 50;

type Markup = 'HTML' | 'SVG' | 'XHTML' | 'XML with a stylesheet';

function markupOf(whole: string): Markup | undefined {
  const text = whole.slice(0, MARKUP_SCAN_CHARS);
  let i = 0;
  // Compared slice by slice: lower-casing the whole text could change its length and so the indices.
  const at = (prefix: string): boolean => text.slice(i, i + prefix.length).toLowerCase() === prefix;
  // Step over the XML declaration, processing instructions, comments and the doctype.
  for (let items = 0; items < MAX_PROLOG_ITEMS; items++) {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
    if (at('<?xml-stylesheet')) return 'XML with a stylesheet';
    if (at('<?')) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
    } else if (at('<!--')) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) return undefined;
      i = end + 3;
    } else if (at('<!doctype')) {
      const name = /^<!doctype\s+([^\s>[]+)/i.exec(text.slice(i, i + 100))?.[1]?.toLowerCase();
      if (name === 'html') return 'HTML';
      if (name === 'svg') return 'SVG';
      // An internal subset ([ ... ]) may itself hold ">".
      const close = text.indexOf('>', i);
      const subset = text.indexOf('[', i);
      const from = subset >= 0 && subset < close ? text.indexOf(']', subset) : i;
      const end = from < 0 ? -1 : text.indexOf('>', from);
      if (end < 0) return undefined;
      i = end + 1;
    } else {
      break;
    }
  }
  const root = /^<([a-z_][\w.-]*:)?([a-z_][\w.-]*)(?=[\s/>]|$)/i.exec(text.slice(i, i + 200));
  if (!root) return undefined;
  const name = (root[2] ?? '').toLowerCase();
  if (name === 'svg') return 'SVG';
  if (htmlStartTags.has(name)) return 'HTML';
  // Any XML document opened in a browser runs elements in the XHTML namespace, wherever they are.
  const lower = text.toLowerCase();
  if (lower.includes('http://www.w3.org/1999/xhtml')) return 'XHTML';
  if (lower.includes('http://www.w3.org/2000/svg')) return 'SVG';
  return undefined;
}

const markupRefusal: Record<Markup, string> = {
  HTML: 'HTML is not accepted, as it could run script when opened',
  SVG: 'SVG images are not accepted, as they could run script when opened',
  XHTML: 'XML with XHTML in it is not accepted, as it could run script when opened',
  'XML with a stylesheet': 'XML with a stylesheet is not accepted, as it could run script when opened',
};

// Files are judged by their contents, so renaming one to .txt does not get it through; a ZIP or
// pasting the relevant part into the report does.
const MARKUP_ADVICE = 'put it inside a ZIP, or paste the relevant part into the report text (renaming it to .txt does not help: files are judged by their contents)';

function textRefusal(text: string): string | undefined {
  const markup = markupOf(text);
  if (markup) return `${markupRefusal[markup]}; ${MARKUP_ADVICE}.`;
  const start = text.replace(/^\uFEFF/, '').trimStart().slice(0, 32);
  if (start.startsWith('{\\rtf')) return 'Rich Text (RTF) documents are not accepted, as they are a common carrier of exploits; save it as PDF or plain text, or put it in a ZIP.';
  if (/^\[(InternetShortcut|Desktop Entry)\]/i.test(start)) return 'Shortcuts (.url, .desktop) are not accepted, as opening one goes to a location or runs a command; paste the address into the report instead.';
  return undefined;
}

// Extensions a reporter may expect to be enough; named in a refusal so "but it is a .png" is answered.
const acceptedExtensions = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'pdf', 'zip', 'gz', 'tgz', '7z', 'pcap', 'pcapng', 'mp4', 'mov', 'webm', 'mkv', 'txt', 'log']);

function withNameNote(refused: string, fileName: string): RefusedType {
  const extension = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase();
  if (!extension || !acceptedExtensions.has(extension)) return { refused };
  return { refused: `${refused} Its name ends in .${extension}, but files are judged by their contents, not their names.` };
}

/**
 * The media type of an attachment, decided from its bytes only. fileName never changes the
 * decision; it is used only to word a refusal. Shell and other scripts are text and are accepted
 * as text/plain: they are proofs of concept, and a download never runs them.
 */
export function sniffMediaType(bytes: Uint8Array, fileName: string): SniffedType {
  if (bytes.length === 0) return { refused: 'The file is empty; choose the file again, or leave it out.' };
  for (const signature of binarySignatures) {
    if (!signature.test(bytes)) continue;
    const type = signature.type(bytes);
    return 'refused' in type ? withNameNote(type.refused, fileName) : type;
  }
  const text = asText(bytes);
  if (text !== undefined) {
    const refused = textRefusal(text);
    return refused ? withNameNote(refused, fileName) : { mediaType: 'text/plain', extension: 'txt' };
  }
  const weak = weakSignatures.find((s) => startsWith(bytes, ascii(s.magic)));
  return withNameNote(weak?.refused ?? UNRECOGNISED, fileName);
}

export function isRefused(type: SniffedType): type is RefusedType {
  return 'refused' in type;
}

const MAX_NAME_BYTES = 255;
const FALLBACK_NAME = 'attachment';
const encoder = new TextEncoder();

function truncateToBytes(s: string, maxBytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (used + size > maxBytes) break;
    out += ch;
    used += size;
  }
  return out;
}

/**
 * A file name safe to store and to offer in a download: no directories (a name is not a path), no
 * control or invisible formatting characters (a right-to-left override turns "gnp.exe" into what
 * reads as "exe.png"), no quotes (they end the quoted filename in Content-Disposition), none of the
 * characters Windows refuses in a name, at most 255 bytes of UTF-8 (the common filesystem limit)
 * with the extension kept, and "attachment" when nothing is left.
 */
export function safeFileName(name: string): string {
  const base = name.normalize('NFC').split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .replace(/["'`]/g, '')
    .replace(/[<>:|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    // Windows drops trailing dots and spaces; "." and ".." are not names.
    .replace(/[. ]+$/, '');
  if (!cleaned || /^\.+$/.test(cleaned)) return FALLBACK_NAME;
  if (encoder.encode(cleaned).length <= MAX_NAME_BYTES) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && encoder.encode(cleaned.slice(dot)).length <= 32 ? cleaned.slice(dot) : '';
  const stem = extension ? cleaned.slice(0, dot) : cleaned;
  const kept = truncateToBytes(stem, MAX_NAME_BYTES - encoder.encode(extension).length);
  // The cut may leave a trailing space or dot, which Windows would drop again.
  const cut = `${kept.trimEnd()}${extension}`.replace(/[. ]+$/, '');
  return cut && !/^\.+$/.test(cut) ? cut : FALLBACK_NAME;
}
