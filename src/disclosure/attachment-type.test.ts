import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { safeFileName, sniffMediaType, type SniffedType } from './attachment-type.ts';

/** Bytes from numbers and latin-1 strings, so each header below reads like its specification. */
function bytes(...parts: (number | number[] | string)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') out.push(part);
    else if (typeof part === 'string') out.push(...Array.from(part, (c) => c.charCodeAt(0)));
    else out.push(...part);
  }
  return Uint8Array.from(out);
}
const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function refusal(type: SniffedType): string {
  assert.ok('refused' in type, `expected a refusal, got ${JSON.stringify(type)}`);
  return type.refused;
}

// Minimal but real headers of each accepted kind.
const png = bytes([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13], 'IHDR', [0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
const jpeg = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
const elf = bytes([0x7f], 'ELF', [2, 1, 1, 0], zeros(8), [2, 0, 0x3e, 0], [1, 0, 0, 0]);
// MZ stub whose e_lfanew (offset 0x3c) points at the "PE\0\0" signature.
const pe = bytes('MZ', [0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff], zeros(0x3c - 14), [0x40, 0, 0, 0], 'PE', [0, 0, 0x64, 0x86]);

const accepted: [string, Uint8Array, string, string][] = [
  ['PNG', png, 'image/png', 'png'],
  ['JPEG (JFIF)', jpeg, 'image/jpeg', 'jpg'],
  ['JPEG (Exif, as phones write it)', bytes([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x16], 'Exif', [0, 0]), 'image/jpeg', 'jpg'],
  ['GIF 89a', bytes('GIF89a', [1, 0, 1, 0, 0x80, 0, 0]), 'image/gif', 'gif'],
  ['GIF 87a', bytes('GIF87a', [1, 0, 1, 0, 0, 0, 0]), 'image/gif', 'gif'],
  ['WebP', bytes('RIFF', [0x1a, 0, 0, 0], 'WEBP', 'VP8 ', [0x0e, 0, 0, 0]), 'image/webp', 'webp'],
  ['PDF', bytes('%PDF-1.7\n%', [0xe2, 0xe3, 0xcf, 0xd3], '\n1 0 obj\n'), 'application/pdf', 'pdf'],
  ['ZIP', bytes('PK', [3, 4, 0x14, 0, 0, 0, 8, 0], zeros(18), [8, 0, 0, 0], 'poc.py'), 'application/zip', 'zip'],
  ['an empty ZIP', bytes('PK', [5, 6], zeros(18)), 'application/zip', 'zip'],
  ['a Word document (a ZIP inside)', bytes('PK', [3, 4, 0x14, 0, 6, 0, 8, 0], zeros(18), [19, 0, 0, 0], '[Content_Types].xml'), 'application/zip', 'zip'],
  ['gzip (a .tar.gz)', bytes([0x1f, 0x8b, 0x08, 0x00], zeros(4), [0, 3]), 'application/gzip', 'gz'],
  ['7z', bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04], zeros(24)), 'application/x-7z-compressed', '7z'],
  ['pcap, little-endian', bytes([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0], zeros(8), [0xff, 0xff, 0, 0, 1, 0, 0, 0]), 'application/vnd.tcpdump.pcap', 'pcap'],
  ['pcap, big-endian', bytes([0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4], zeros(8), [0, 0, 0xff, 0xff, 0, 0, 0, 1]), 'application/vnd.tcpdump.pcap', 'pcap'],
  ['pcap, nanosecond timestamps', bytes([0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0], zeros(16)), 'application/vnd.tcpdump.pcap', 'pcap'],
  ['pcapng', bytes([0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1c, 0, 0, 0]), 'application/x-pcapng', 'pcapng'],
  ['MP4', bytes([0, 0, 0, 0x18], 'ftyp', 'isom', [0, 0, 2, 0], 'isom', 'mp41'), 'video/mp4', 'mp4'],
  ['QuickTime', bytes([0, 0, 0, 0x14], 'ftyp', 'qt  ', [0, 0, 2, 0], 'qt  '), 'video/quicktime', 'mov'],
  ['a phone photo (HEIF)', bytes([0, 0, 0, 0x18], 'ftyp', 'heic', [0, 0, 0, 0], 'mif1', 'heic'), 'image/heic', 'heic'],
  ['WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 1, 0x42, 0xf7, 0x81, 1, 0x42, 0x82, 0x84], 'webm', [0x42, 0x87, 0x81, 4]), 'video/webm', 'webm'],
  ['Matroska', bytes([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x86, 0x81, 1, 0x42, 0x82, 0x88], 'matroska', [0x42, 0x87, 0x81, 4]), 'video/x-matroska', 'mkv'],
  ['a Python proof of concept', utf8('#!/usr/bin/env python3\nimport socket\ns = socket.create_connection(("192.0.2.1", 23))\n'), 'text/plain', 'txt'],
  ['a shell script (served as a download, never run)', utf8('#!/bin/sh\ncurl -F file=@evil.bin http://hub/upgrade\n'), 'text/plain', 'txt'],
  ['C source', utf8('#include <stdio.h>\nint main(void) { return 0; }\n'), 'text/plain', 'txt'],
  ['JSON', utf8('{"device": "GD-1", "firmware": "2.4.1"}\n'), 'text/plain', 'txt'],
  ['Markdown', utf8('# Finding\n\n*Root* login over **telnet**.\n'), 'text/plain', 'txt'],
  ['a log with ANSI colours and CRLF', utf8('\x1b[31mERROR\x1b[0m login failed\r\n\tretrying\r\n'), 'text/plain', 'txt'],
  ['UTF-8 text with a byte-order mark', utf8('\uFEFFPasswort: geheim — Gerät Nr. 7 ✓\n'), 'text/plain', 'txt'],
  ['a Python script that quotes an XSS payload', utf8('payload = "<script>alert(1)</script>"\nrequests.post(url, data=payload)\n'), 'text/plain', 'txt'],
  ['text about HTML that does not begin as a page', utf8('The admin page reflects the parameter:\n<html><script>alert(document.domain)</script>\n'), 'text/plain', 'txt'],
  ['XML that is neither HTML nor SVG', utf8('<?xml version="1.0"?>\n<!-- exported -->\n<config><user name="admin" password="admin"/></config>\n'), 'text/plain', 'txt'],
];

describe('accepted files are recognised from their bytes', () => {
  for (const [what, content, mediaType, extension] of accepted) {
    test(`${what} is ${mediaType}`, () => {
      assert.deepEqual(sniffMediaType(content, 'upload'), { mediaType, extension });
    });
  }
});

describe('refused files say what they are and what to do instead', () => {
  test('an ELF executable is refused, with the advice to send it in a password-protected ZIP', () => {
    assert.equal(refusal(sniffMediaType(elf, 'exploit')), 'Executables (ELF) are not accepted; put the file in a password-protected ZIP if it is the proof of concept.');
  });

  test('a Windows executable (MZ / PE) is refused', () => {
    assert.match(refusal(sniffMediaType(pe, 'setup.exe')), /^Executables \(Windows PE\/MZ\) are not accepted; put the file in a password-protected ZIP/);
  });

  test('Mach-O, Java class and WebAssembly binaries are refused as executables', () => {
    assert.match(refusal(sniffMediaType(bytes([0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]), 'a.out')), /Executables \(Mach-O\)/);
    assert.match(refusal(sniffMediaType(bytes([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x41]), 'Poc.class')), /Java class/);
    assert.match(refusal(sniffMediaType(bytes([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), 'x.wasm')), /WebAssembly/);
  });

  test('HTML is refused as it could run script when opened, whatever it begins with', () => {
    for (const page of [
      '<!DOCTYPE html>\n<html><body>hi</body></html>',
      '<html><script>alert(1)</script></html>',
      '   \n<SCRIPT>alert(1)</SCRIPT>',
      '\uFEFF<!-- a saved page -->\n<div onclick="x()">',
      '<p>Proof of concept</p>',
      '<iframe src="http://192.0.2.1/"></iframe>',
    ]) {
      const reason = refusal(sniffMediaType(utf8(page), 'poc.txt'));
      assert.match(reason, /^HTML is not accepted, as it could run script when opened; put it inside a ZIP, or paste the relevant part into the report text/, page);
      assert.match(reason, /renaming it to \.txt does not help/);
    }
  });

  test('SVG, XHTML and XML with a stylesheet are refused as they could run script when opened', () => {
    assert.match(refusal(sniffMediaType(utf8('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'logo.svg')), /^SVG images are not accepted, as they could run script/);
    assert.match(refusal(sniffMediaType(utf8('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg/>'), 'a')), /^SVG images/);
    assert.match(refusal(sniffMediaType(utf8('<?xml version="1.0"?><data><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script></data>'), 'a.xml')), /^XML with XHTML in it/);
    assert.match(refusal(sniffMediaType(utf8('<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="x.xsl"?>\n<data/>'), 'a.xml')), /^XML with a stylesheet/);
  });

  test('RTF, shortcuts, UTF-16 text, RAR and plain tar are refused with what to send instead', () => {
    assert.match(refusal(sniffMediaType(utf8('{\\rtf1\\ansi hello}'), 'report.rtf')), /RTF.*save it as PDF or plain text/);
    assert.match(refusal(sniffMediaType(utf8('[InternetShortcut]\r\nURL=file://192.0.2.1/share\r\n'), 'a.url')), /Shortcuts/);
    assert.match(refusal(sniffMediaType(bytes([0xff, 0xfe], 'h', [0], 'i', [0]), 'log.txt')), /UTF-16.*save it as UTF-8/);
    assert.match(refusal(sniffMediaType(bytes('Rar!', [0x1a, 7, 1, 0]), 'a.rar')), /RAR archives are not accepted; use ZIP, 7z or gzip/);
    assert.match(refusal(sniffMediaType(bytes('poc.py', zeros(251), 'ustar', [0], '00'), 'a.tar')), /gzip it \(\.tar\.gz\)/);
  });

  test('bytes that are neither a known kind nor text are refused, listing what is accepted', () => {
    assert.match(refusal(sniffMediaType(bytes(Array.from({ length: 256 }, (_, i) => i)), 'blob.bin')), /not recognised from its contents\)\. Accepted: PNG, JPEG/);
    assert.match(refusal(sniffMediaType(bytes('hello', [0], 'world'), 'a.txt')), /not recognised/, 'a NUL is not text');
    assert.match(refusal(sniffMediaType(bytes('ab', [1, 2, 3, 4, 5, 6, 7, 8], 'cd'), 'a.txt')), /not recognised/, 'many control characters are not text');
    assert.match(refusal(sniffMediaType(bytes([0xc3, 0x28], 'abc'), 'a.txt')), /not recognised/, 'invalid UTF-8 is not text');
  });

  test('an empty file is refused', () => {
    assert.match(refusal(sniffMediaType(new Uint8Array(0), 'a.png')), /The file is empty/);
  });

  test('printable magic numbers only count when the file is not text', () => {
    assert.deepEqual(sniffMediaType(utf8('MZ stands for Mark Zbikowski.\n'), 'notes.txt'), { mediaType: 'text/plain', extension: 'txt' });
    assert.deepEqual(sniffMediaType(utf8('BM-42 firmware notes\n'), 'notes.txt'), { mediaType: 'text/plain', extension: 'txt' });
  });
});

describe('the name never decides', () => {
  test('a PNG named evil.exe is image/png', () => {
    assert.deepEqual(sniffMediaType(png, 'evil.exe'), { mediaType: 'image/png', extension: 'png' });
  });

  test('an ELF named x.png is refused, and the refusal says the name does not count', () => {
    const reason = refusal(sniffMediaType(elf, 'x.png'));
    assert.match(reason, /^Executables \(ELF\) are not accepted/);
    assert.match(reason, /Its name ends in \.png, but files are judged by their contents, not their names\./);
  });

  test('HTML named poc.txt is still HTML', () => {
    assert.match(refusal(sniffMediaType(utf8('<!doctype html><script>alert(1)</script>'), 'poc.txt')), /^HTML is not accepted/);
  });

  test('for any bytes, the decision is the same whatever the name, and sniffing never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.string(), fc.string(), (content, a, b) => {
        const first = sniffMediaType(content, a);
        const second = sniffMediaType(content, b);
        assert.equal('refused' in first, 'refused' in second);
        if (!('refused' in first) && !('refused' in second)) assert.deepEqual(first, second);
      }),
    );
  });
});

describe('safe file names', () => {
  const cases: [string, string, string][] = [
    ['directories are stripped (POSIX)', '../../etc/passwd', 'passwd'],
    ['directories are stripped (Windows)', 'C:\\Users\\me\\poc.py', 'poc.py'],
    ['control characters are removed', 'a\u0000b\r\nc\u007f.txt', 'abc.txt'],
    ['quotes are removed', `say "hi" 'there'.txt`, 'say hi there.txt'],
    ['a right-to-left override cannot disguise an extension', 'invoice\u202Egnp.exe', 'invoicegnp.exe'],
    ['characters Windows refuses become underscores', 'con:file?.txt', 'con_file_.txt'],
    ['trailing dots and spaces are dropped', 'report.pdf. . ', 'report.pdf'],
    ['letters of any script are kept', 'Gerät über Prüfung 日本.pdf', 'Gerät über Prüfung 日本.pdf'],
    ['nothing left gives "attachment"', '', 'attachment'],
    ['"." and ".." are not names', '..', 'attachment'],
    ['a path ending in a slash names nothing', 'dir/', 'attachment'],
    ['only invisible characters names nothing', '\u200b\u202e\t', 'attachment'],
  ];
  for (const [what, input, expected] of cases) {
    test(what, () => assert.equal(safeFileName(input), expected));
  }

  test('a long name is cut to 255 bytes of UTF-8 on a character boundary, keeping its extension', () => {
    const name = safeFileName(`${'é'.repeat(300)}.pcap`);
    assert.ok(Buffer.byteLength(name, 'utf8') <= 255);
    assert.ok(name.endsWith('.pcap'));
    assert.match(name, /^é+\.pcap$/);
  });

  test('any name becomes a non-empty name of at most 255 bytes with no path, quote or control character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (input) => {
        const name = safeFileName(input);
        assert.ok(name.length > 0);
        assert.ok(Buffer.byteLength(name, 'utf8') <= 255);
        assert.doesNotMatch(name, /[/\\"'`\p{Cc}\p{Cf}]/u);
        assert.equal(safeFileName(name), name, 'a safe name stays as it is');
      }),
    );
  });
});
