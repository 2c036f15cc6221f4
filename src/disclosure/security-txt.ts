// RFC 9116 security.txt: the file a researcher fetches to learn where to report a vulnerability.
// For a maker it is the machine-readable half of the PSTI point of contact (psti.s1.2.1), so this
// module reads it the way a careful reader would and says, line by line, what to write instead.
// Pure: text or bytes in, findings out. Fetching and reading files belong to the CLI and the web.

import { invalidInput } from '../errors.ts';

export type SecurityTxtSeverity = 'error' | 'warning';

export interface SecurityTxtProblem {
  /** 1-based line of the file; 0 when the problem is about the file as a whole (a missing field, its size). */
  line: number;
  severity: SecurityTxtSeverity;
  /** A stable id naming the clause it is about, e.g. 'rfc9116.2.5.5-expires-once'. */
  rule: string;
  message: string;
}

export interface SecurityTxtField {
  /** The registered spelling for known fields (Contact, Expires, CSAF, …); as written for extensions. */
  name: string;
  value: string;
  line: number;
}

export interface ParsedSecurityTxt {
  fields: SecurityTxtField[];
  /** The file is framed as an OpenPGP cleartext-signed message (the signature itself is not verified). */
  signed: boolean;
  problems: SecurityTxtProblem[];
}

export interface SecurityTxtValidation extends ParsedSecurityTxt {
  errors: number;
  warnings: number;
  /** No errors; warnings are allowed. */
  valid: boolean;
}

export interface ValidateSecurityTxtOptions {
  /** The moment Expires is judged against; defaults to the current time. */
  now?: Date;
  /** The address the file was fetched from, which Canonical should list. */
  url?: string;
}

export interface SecurityTxtInput {
  contacts: string[];
  expires: Date;
  policy?: string | undefined;
  preferredLanguages?: string[] | undefined;
  canonical?: string[] | undefined;
  encryption?: string[] | undefined;
  acknowledgments?: string | undefined;
  csaf?: string | undefined;
  hiring?: string | undefined;
}

export const SECURITY_TXT_PATH = '/.well-known/security.txt';
/** RFC 9116 §5.4: readers may refuse files larger than this, with more lines, or longer fields. */
export const SECURITY_TXT_SIZE_LIMIT = 32 * 1024;
const LINE_COUNT_LIMIT = 1000;
const FIELD_LENGTH_LIMIT = 2048;
/** A new file expires this long after it is written: under the year RFC 9116 §2.5.5 recommends, with room to spare. */
export const EXPIRY_DAYS = 360;
/** Renew this long before Expires, so a failed renewal is noticed and fixed before readers see a stale file. */
export const RENEW_DAYS_BEFORE_EXPIRY = 30;

const DAY_MS = 86_400_000;
// A hostile file can hold a million broken lines; past this the rest would only bury the first ones.
const MAX_PROBLEMS = 1000;

const BEGIN_SIGNED = '-----BEGIN PGP SIGNED MESSAGE-----';
const BEGIN_SIGNATURE = '-----BEGIN PGP SIGNATURE-----';
const END_SIGNATURE = '-----END PGP SIGNATURE-----';

type FieldKind = 'uri' | 'date-time' | 'language-tags';

interface FieldSpec {
  name: string;
  /** Prefix of every rule id about this field: the clause that defines it. */
  rule: string;
  kind: FieldKind;
  once: boolean;
  /** Where the clause lives, for messages. */
  clause: string;
}

// Insertion order is RFC 9116 §2.5 order (then CSAF, registered later), which the generator follows.
// A Map, not an object: field names come from untrusted text, and "constructor" is not a field.
const FIELD_SPECS: ReadonlyMap<string, FieldSpec> = new Map<string, FieldSpec>([
  ['acknowledgments', { name: 'Acknowledgments', rule: 'rfc9116.2.5.1-acknowledgments', kind: 'uri', once: false, clause: 'RFC 9116 §2.5.1' }],
  ['canonical', { name: 'Canonical', rule: 'rfc9116.2.5.2-canonical', kind: 'uri', once: false, clause: 'RFC 9116 §2.5.2' }],
  ['contact', { name: 'Contact', rule: 'rfc9116.2.5.3-contact', kind: 'uri', once: false, clause: 'RFC 9116 §2.5.3' }],
  ['encryption', { name: 'Encryption', rule: 'rfc9116.2.5.4-encryption', kind: 'uri', once: false, clause: 'RFC 9116 §2.5.4' }],
  ['expires', { name: 'Expires', rule: 'rfc9116.2.5.5-expires', kind: 'date-time', once: true, clause: 'RFC 9116 §2.5.5' }],
  ['hiring', { name: 'Hiring', rule: 'rfc9116.2.5.6-hiring', kind: 'uri', once: false, clause: 'RFC 9116 §2.5.6' }],
  ['policy', { name: 'Policy', rule: 'rfc9116.2.5.7-policy', kind: 'uri', once: false, clause: 'RFC 9116 §2.5.7' }],
  ['preferred-languages', { name: 'Preferred-Languages', rule: 'rfc9116.2.5.8-preferred-languages', kind: 'language-tags', once: true, clause: 'RFC 9116 §2.5.8' }],
  ['csaf', { name: 'CSAF', rule: 'csaf2.0.7.1.8-csaf', kind: 'uri', once: false, clause: 'CSAF 2.0 §7.1.8' }],
]);

function spec(key: string): FieldSpec {
  const found = FIELD_SPECS.get(key);
  if (!found) throw new Error(`security-txt: no field spec for ${key}`);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Problems

interface ProblemSink {
  add(line: number, severity: SecurityTxtSeverity, rule: string, message: string): void;
  list(): SecurityTxtProblem[];
}

function problemSink(): ProblemSink {
  const problems: SecurityTxtProblem[] = [];
  let dropped = 0;
  return {
    add(line, severity, rule, message) {
      if (problems.length >= MAX_PROBLEMS) dropped++;
      else problems.push({ line, severity, rule, message });
    },
    list() {
      const sorted = [...problems].sort((a, b) => a.line - b.line);
      if (dropped) {
        sorted.unshift({ line: 0, severity: 'warning', rule: 'connectable.problem-limit', message: `${dropped} more problems are not listed; fix the ones shown and check again.` });
      }
      return sorted;
    },
  };
}

/** Untrusted text shown back to a terminal: short, and with control and bidi characters escaped. */
function shown(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 77)}…` : value;
  return cut.replace(/[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---------------------------------------------------------------------------------------------
// Reading: bytes, lines, signature framing, fields

interface SourceLine {
  number: number;
  text: string;
  ending: '\r\n' | '\n' | '\r' | '';
}

interface BodyLine {
  number: number;
  text: string;
}

/** Lines split the way an editor shows them, so a bare CR still starts a new numbered line. */
function splitLines(text: string): SourceLine[] {
  const lines: SourceLine[] = [];
  const breaks = /\r\n|\n|\r/g;
  let start = 0;
  for (let m = breaks.exec(text); m !== null; m = breaks.exec(text)) {
    lines.push({ number: lines.length + 1, text: text.slice(start, m.index), ending: m[0] as SourceLine['ending'] });
    start = m.index + m[0].length;
  }
  if (start < text.length) lines.push({ number: lines.length + 1, text: text.slice(start), ending: '' });
  return lines;
}

/** Numbers of the lines holding bytes that are not UTF-8, counted as splitLines counts them. */
function invalidUtf8Lines(bytes: Uint8Array): number[] {
  const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const bad: number[] = [];
  let line = 1;
  let start = 0;
  const check = (end: number): void => {
    try {
      fatal.decode(bytes.subarray(start, end));
    } catch {
      bad.push(line);
    }
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x0a && b !== 0x0d) continue;
    check(i);
    if (b === 0x0d && bytes[i + 1] === 0x0a) i++;
    line++;
    start = i + 1;
  }
  if (start < bytes.length) check(bytes.length);
  return bad;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function decode(input: string | Uint8Array, sink: ProblemSink): { text: string; byteLength: number } {
  const utf8 = 'rfc9116.4-utf8';
  if (typeof input !== 'string') {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
    } catch {
      for (const line of invalidUtf8Lines(input)) {
        sink.add(line, 'error', utf8, `Line ${line} holds bytes that are not UTF-8; RFC 9116 §4 requires UTF-8. Save the file as UTF-8 (in most editors: "Save with encoding", UTF-8 without BOM).`);
      }
      text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(input);
    }
    return { text, byteLength: input.byteLength };
  }
  // A string has already been decoded by someone: a lone surrogate cannot be written as UTF-8 at
  // all, and U+FFFD is what a lenient decoder leaves where the bytes were not UTF-8.
  const lines = splitLines(input);
  for (const line of lines) {
    if (LONE_SURROGATE.test(line.text)) {
      sink.add(line.number, 'error', utf8, `Line ${line.number} holds a broken character (an unpaired UTF-16 surrogate) that UTF-8 cannot encode; retype the line.`);
    } else if (line.text.includes('\uFFFD')) {
      sink.add(line.number, 'warning', utf8, `Line ${line.number} holds U+FFFD (�), which usually means the file was not UTF-8 when it was read; save it as UTF-8 and check the line.`);
    }
  }
  return { text: input, byteLength: new TextEncoder().encode(input).byteLength };
}

const isBlank = (text: string): boolean => /^[ \t]*$/.test(text);
const armorText = (text: string): string => text.replace(/[ \t]+$/, '');
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

function checkLines(lines: SourceLine[], byteLength: number, sink: ProblemSink): void {
  if (byteLength > SECURITY_TXT_SIZE_LIMIT) {
    sink.add(0, 'warning', 'rfc9116.5.4-size', `The file is ${byteLength.toLocaleString('en-GB')} bytes; readers may refuse files over 32 KiB (RFC 9116 §5.4). Keep only the fields and move prose to the Policy page.`);
  }
  if (lines.length > LINE_COUNT_LIMIT) {
    sink.add(0, 'warning', 'rfc9116.5.4-line-count', `The file has ${lines.length} lines; readers may refuse files over ${LINE_COUNT_LIMIT} lines (RFC 9116 §5.4). Move prose to the Policy page.`);
  }
  for (const line of lines) {
    if (line.ending === '\r') {
      sink.add(line.number, 'error', 'rfc9116.2.2-line-separator', `Line ${line.number} ends with a bare carriage return; end every line with LF or CRLF (RFC 9116 §2.2).`);
    }
    if (line.ending === '' && !isBlank(line.text)) {
      sink.add(line.number, 'error', 'rfc9116.2.2-final-newline', `The last line (${line.number}) has no line break after it; every line must end with LF or CRLF (RFC 9116 §2.2). Add a newline at the end of the file.`);
    }
    const control = CONTROL.exec(line.text);
    if (control) {
      const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      sink.add(line.number, 'error', 'rfc9116.4-control-character', `Line ${line.number} holds the control character ${code} at column ${control.index + 1}; security.txt allows only tabs, spaces and printable text (RFC 9116 §4). Delete it.`);
    }
    if (line.text.length > FIELD_LENGTH_LIMIT) {
      sink.add(line.number, 'warning', 'rfc9116.5.4-field-length', `Line ${line.number} is ${line.text.length} characters long; readers may ignore fields over ${FIELD_LENGTH_LIMIT} characters (RFC 9116 §5.4). Shorten it, e.g. link to a page instead.`);
    }
  }
}

/** The lines that carry fields: all of an unsigned file, or the dash-unescaped signed text. */
function bodyOf(lines: SourceLine[], sink: ProblemSink): { body: BodyLine[]; signed: boolean } {
  const start = lines.findIndex((l) => armorText(l.text) === BEGIN_SIGNED);
  if (start === -1) return { body: unsignedBody(lines, sink), signed: false };
  const beginLine = lines[start]?.number ?? 1;

  const before = lines.slice(0, start).filter((l) => !isBlank(l.text));
  const firstBefore = before[0];
  if (firstBefore) {
    // Not parsed as fields: a reader that verifies the signature never sees them, and anyone
    // who can write to the server could have prepended them.
    sink.add(firstBefore.number, 'error', 'rfc9116.2.3-outside-signature', `Lines ${firstBefore.number}–${beginLine - 1} come before "${BEGIN_SIGNED}", outside the signed text, so readers that verify the signature ignore them. Move them into the signed text and sign again, or delete them.`);
  }

  let i = start + 1;
  let hashHeaders = 0;
  let blankMissing = false;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (!line || isBlank(line.text)) break;
    const header = /^([A-Za-z][A-Za-z0-9-]*): ?(.*)$/.exec(armorText(line.text));
    const name = header?.[1];
    if (header && name?.toLowerCase() === 'hash') {
      hashHeaders++;
      checkHashHeader(header[2] ?? '', line.number, sink);
      continue;
    }
    if (header && name && !FIELD_SPECS.has(name.toLowerCase())) {
      sink.add(line.number, 'error', 'rfc4880.7-armor-header', `"${shown(name)}:" cannot stand here: only "Hash:" headers may follow "${BEGIN_SIGNED}" (RFC 4880 §7). Remove it, or add the empty line that ends the headers before it.`);
      continue;
    }
    // A field or a comment where the headers should have ended.
    sink.add(line.number, 'error', 'rfc4880.7-empty-line', `Add an empty line before line ${line.number}: the signed text starts after the "Hash:" header and exactly one empty line (RFC 4880 §7). Sign with gpg --clearsign rather than assembling the file by hand.`);
    blankMissing = true;
    break;
  }
  if (!hashHeaders) {
    sink.add(beginLine, 'warning', 'rfc4880.7-hash-header', `Add a "Hash:" header (e.g. "Hash: SHA512") on the line after "${BEGIN_SIGNED}"; RFC 9116 signs with RFC 4880 cleartext signatures, which name the hash there, and gpg --clearsign writes it.`);
  }
  if (!blankMissing) i++;

  const body: BodyLine[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (!line) break;
    if (armorText(line.text) === BEGIN_SIGNATURE) break;
    if (line.text.startsWith('- ')) {
      body.push({ number: line.number, text: line.text.slice(2) });
    } else if (line.text.startsWith('-')) {
      sink.add(line.number, 'error', 'rfc4880.7-dash-escape', `Line ${line.number} starts with "-" inside the signed text; a cleartext signature writes such lines with "- " in front (dash-escaping, RFC 4880 §7.1). Sign with gpg --clearsign instead of editing the signed file.`);
    } else {
      body.push({ number: line.number, text: line.text });
    }
  }

  const last = lines[lines.length - 1]?.number ?? beginLine;
  if (i >= lines.length) {
    sink.add(last, 'error', 'rfc4880.7-signature-missing', `The signed message has no "${BEGIN_SIGNATURE}" block after the text. Sign the file with gpg --clearsign, or remove the "${BEGIN_SIGNED}" header to publish it unsigned.`);
    return { body, signed: true };
  }
  signatureBlock(lines, i, sink);
  return { body, signed: true };
}

const HASHES = new Set(['SHA256', 'SHA384', 'SHA512', 'SHA224', 'SHA3-256', 'SHA3-512']);
const WEAK_HASHES = new Set(['MD5', 'SHA1', 'RIPEMD160']);

function checkHashHeader(value: string, line: number, sink: ProblemSink): void {
  for (const raw of value.split(',')) {
    const algorithm = raw.trim().toUpperCase();
    if (WEAK_HASHES.has(algorithm)) {
      sink.add(line, 'warning', 'rfc4880.7-hash-weak', `The signature uses ${algorithm}, which is broken or obsolete; sign again with SHA256 or stronger (gpg --clearsign --digest-algo SHA512).`);
    } else if (!HASHES.has(algorithm)) {
      sink.add(line, 'warning', 'rfc4880.7-hash-header', `"${shown(raw.trim())}" is not an OpenPGP hash algorithm; the header reads e.g. "Hash: SHA512". Sign with gpg --clearsign, which writes it.`);
    }
  }
}

/** From "-----BEGIN PGP SIGNATURE-----" to its end: armor headers, an empty line, base64, the tail. */
function signatureBlock(lines: SourceLine[], start: number, sink: ProblemSink): void {
  const beginLine = lines[start]?.number ?? 0;
  let inHeaders = true;
  let dataLines = 0;
  let badData = false;
  let ended = false;
  let i = start + 1;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (!line) break;
    const text = armorText(line.text);
    if (text === END_SIGNATURE) {
      ended = true;
      i++;
      break;
    }
    if (inHeaders) {
      if (isBlank(text)) {
        inHeaders = false;
        continue;
      }
      if (/^[A-Za-z][A-Za-z0-9-]*: /.test(text)) continue;
      sink.add(line.number, 'error', 'rfc4880.6.2-armor', `Add an empty line before line ${line.number}: the signature data starts after "${BEGIN_SIGNATURE}", its headers (e.g. "Version:") and one empty line (RFC 4880 §6.2).`);
      inHeaders = false;
    }
    if (isBlank(text)) continue;
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) || /^=[A-Za-z0-9+/]{4}$/.test(text)) {
      dataLines++;
    } else if (!badData) {
      badData = true;
      sink.add(line.number, 'error', 'rfc4880.6.2-armor', `Line ${line.number} is not base64 signature data; paste the signature block exactly as gpg wrote it.`);
    }
  }
  const last = lines[lines.length - 1]?.number ?? beginLine;
  if (!ended) {
    sink.add(last, 'error', 'rfc4880.6.2-armor', `The signature block that starts on line ${beginLine} never ends; the file must finish with "${END_SIGNATURE}". Paste the whole block gpg wrote.`);
  } else if (!dataLines && !badData) {
    sink.add(beginLine, 'error', 'rfc4880.6.2-armor', `The signature block on line ${beginLine} holds no signature; sign the file with gpg --clearsign.`);
  }
  const after = lines.slice(i).find((l) => !isBlank(l.text));
  if (ended && after) {
    sink.add(after.number, 'error', 'rfc9116.2.3-outside-signature', `Line ${after.number} and anything after it come after "${END_SIGNATURE}", outside the signed text, so readers that verify the signature ignore them. Move them into the signed text and sign again, or delete them.`);
  }
}

/** An unsigned file, less any PGP armor block pasted into it (each reported once). */
function unsignedBody(lines: SourceLine[], sink: ProblemSink): BodyLine[] {
  const body: BodyLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) break;
    const begin = /^-----BEGIN PGP ([A-Z0-9 ,]+)-----$/.exec(armorText(line.text));
    if (!begin) {
      body.push({ number: line.number, text: line.text });
      continue;
    }
    const kind = begin[1] ?? '';
    if (kind === 'SIGNATURE') {
      sink.add(line.number, 'error', 'rfc4880.7-signed-message-header', `A PGP signature starts on line ${line.number}, but the file does not start with "${BEGIN_SIGNED}", so nothing is signed. Sign the whole file with gpg --clearsign, or remove the signature.`);
    } else if (kind === 'PUBLIC KEY BLOCK') {
      sink.add(line.number, 'error', 'rfc9116.2.5.4-encryption-key-inline', `A PGP key is pasted into the file at line ${line.number}; keys must not appear in security.txt (RFC 9116 §2.5.4). Publish the key, e.g. at https://example.com/pgp-key.txt, and point "Encryption:" at it.`);
    } else {
      sink.add(line.number, 'error', 'rfc9116.4-line-syntax', `A PGP ${shown(kind)} block starts on line ${line.number}; it does not belong in security.txt. Remove it.`);
    }
    const end = `-----END PGP ${kind}-----`;
    const close = lines.findIndex((l, j) => j > i && armorText(l.text) === end);
    if (close !== -1) i = close;
  }
  return body;
}

const FIELD_LINE = /^([\x21-\x39\x3B-\x7E]+):(.*)$/s;
const INDENTED_FIELD_LINE = /^[ \t]+([\x21-\x39\x3B-\x7E]+):(.*)$/s;

function fieldsOf(body: BodyLine[], sink: ProblemSink): SecurityTxtField[] {
  const fields: SecurityTxtField[] = [];
  for (const { number, text } of body) {
    if (isBlank(text) || text.trimStart().startsWith('#')) continue;
    let match = FIELD_LINE.exec(text);
    if (!match) {
      match = INDENTED_FIELD_LINE.exec(text);
      if (match) {
        sink.add(number, 'error', 'rfc9116.4-line-syntax', `Line ${number} starts with spaces; remove them, so the line starts with the field name ("${shown(match[1] ?? '')}: …"). Some readers take an indented line as part of the line before.`);
      }
    }
    if (!match) {
      sink.add(number, 'error', 'rfc9116.4-line-syntax', lineSyntaxMessage(number, text));
      continue;
    }
    const rawName = match[1] ?? '';
    const rest = match[2] ?? '';
    const known = FIELD_SPECS.get(rawName.toLowerCase());
    const name = known?.name ?? rawName;
    const value = rest.replace(/^[ \t]+|[ \t]+$/g, '');
    if (!value) {
      sink.add(number, 'error', 'rfc9116.2-field-value', `"${shown(name)}" on line ${number} has no value; write "${shown(name)}: value", or delete the line.`);
      continue;
    }
    if (!rest.startsWith(' ')) {
      sink.add(number, 'error', 'rfc9116.4-field-separator', `Write one space after the colon on line ${number}: "${shown(name)}: ${shown(value)}" (RFC 9116 §4).`);
    } else if (/^ [ \t]/.test(rest)) {
      sink.add(number, 'warning', 'rfc9116.4-field-separator', `Line ${number} has more than one space after the colon; write exactly one: "${shown(name)}: ${shown(value)}".`);
    }
    fields.push({ name, value, line: number });
  }
  return fields;
}

function lineSyntaxMessage(number: number, text: string): string {
  const colon = text.indexOf(':');
  if (colon > 0) {
    const suggestion = nearestFieldName(text.slice(0, colon).trim());
    if (suggestion) return `Line ${number} is not a "Name: value" field: a field name is ASCII letters, digits and hyphens, with no spaces. Write "${suggestion}: ${shown(text.slice(colon + 1).trim())}".`;
  }
  return `Line ${number} is neither a field ("Name: value"), a comment ("# …") nor empty (RFC 9116 §4). Start it with "# " if it is a note, or write it as "Name: value".`;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The registered field a misspelt name most likely meant ("Acknowledgements", "Preferred Languages"). */
function nearestFieldName(name: string): string | undefined {
  const wanted = name.toLowerCase().replace(/[\s_]+/g, '-');
  const exact = FIELD_SPECS.get(wanted);
  if (exact) return exact.name;
  let best: string | undefined;
  let bestDistance = 3;
  for (const [key, field] of FIELD_SPECS) {
    if (Math.abs(key.length - wanted.length) >= bestDistance) continue;
    const d = levenshtein(key, wanted);
    if (d < bestDistance) {
      bestDistance = d;
      best = field.name;
    }
  }
  return best;
}

function parseInto(input: string | Uint8Array, sink: ProblemSink): { fields: SecurityTxtField[]; signed: boolean } {
  const decoded = decode(input, sink);
  let text = decoded.text;
  if (text.startsWith('\uFEFF')) {
    sink.add(1, 'warning', 'rfc9116.4-bom', 'The file starts with a byte order mark (BOM), which some readers take as part of the first field name; save it as UTF-8 without BOM.');
    text = text.slice(1);
  }
  const lines = splitLines(text);
  checkLines(lines, decoded.byteLength, sink);
  const { body, signed } = bodyOf(lines, sink);
  return { fields: fieldsOf(body, sink), signed };
}

/**
 * Reads a security.txt file: its fields (with their lines) and whether it is cleartext-signed,
 * plus every problem of form — encoding, line endings, signature framing, lines that are not
 * fields. Give the raw bytes when you have them, so an encoding that is not UTF-8 is caught
 * exactly. Never throws.
 */
export function parseSecurityTxt(input: string | Uint8Array): ParsedSecurityTxt {
  const sink = problemSink();
  const parsed = parseInto(input, sink);
  return { ...parsed, problems: sink.list() };
}

// ---------------------------------------------------------------------------------------------
// Field values

interface ValueProblem {
  severity: SecurityTxtSeverity;
  rule: string;
  message: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const NOT_URI_CHARACTER = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/;

function noSchemeAdvice(name: string, value: string): string {
  if (/^[^\s@:/]+@[^\s@:/]+\.[^\s@:/]+$/.test(value)) return `${name}: "${shown(value)}" is an e-mail address, not a URI; write "${name}: mailto:${shown(value)}".`;
  if (/^\+?[0-9][0-9 ().-]{5,}$/.test(value)) return `${name}: "${shown(value)}" is a telephone number, not a URI; write it as a tel: URI in international form, e.g. "${name}: tel:+44-20-7946-0000".`;
  if (/^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+(\/\S*)?$/i.test(value)) return `${name}: "${shown(value)}" has no scheme; write "${name}: https://${shown(value)}".`;
  return `${name}: "${shown(value)}" is not a URI; start it with a scheme such as https://, mailto: or tel:.`;
}

function uriSyntaxProblem(name: string, value: string): string | undefined {
  if (!SCHEME.test(value)) return noSchemeAdvice(name, value);
  if (/[ \t]/.test(value)) return `${name}: "${shown(value)}" holds a space, which a URI cannot; give one URI per ${name} line, and write a space inside a URI as %20.`;
  if (/[^\x00-\x7F]/.test(value)) return `${name}: "${shown(value)}" holds non-ASCII characters, which a URI cannot; percent-encode them (é as %C3%A9) and write the domain in its ASCII (xn--) form.`;
  const bad = NOT_URI_CHARACTER.exec(value);
  if (bad) return `${name}: "${shown(value)}" holds "${shown(bad[0])}", which a URI cannot hold as it is; percent-encode it (as %${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}).`;
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) return `${name}: "${shown(value)}" has a "%" that is not followed by two hexadecimal digits; write a literal % as %25.`;
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function uriProblems(field: FieldSpec, value: string): ValueProblem[] {
  const { name, rule, clause } = field;
  if (name === 'Encryption' && value.startsWith('-----BEGIN PGP')) {
    return [{ severity: 'error', rule: 'rfc9116.2.5.4-encryption-key-inline', message: `Keys must not appear in security.txt (${clause}); publish the key, e.g. at https://example.com/pgp-key.txt, and write "Encryption: https://example.com/pgp-key.txt".` }];
  }
  const syntax = uriSyntaxProblem(name, value);
  if (syntax) return [{ severity: 'error', rule: `${rule}-uri`, message: syntax }];
  const scheme = (SCHEME.exec(value)?.[1] ?? '').toLowerCase();
  const rest = value.slice(scheme.length + 1);
  if (scheme === 'http') {
    return [{ severity: 'error', rule: `${rule}-https`, message: `${name} must use https:// when it is a web address (${clause}); write "${name}: https:${shown(rest)}" and serve that page over HTTPS.` }];
  }
  if (scheme === 'https' && (!/^\/\/[^/?#]/.test(rest) || !URL.canParse(value))) {
    return [{ severity: 'error', rule: `${rule}-uri`, message: `${name}: "${shown(value)}" is not a usable web address; write it like "${name}: https://example.com/security".` }];
  }
  const problems: ValueProblem[] = [];
  if (name === 'Contact') {
    if (scheme === 'mailto') {
      const addresses = safeDecode(rest.split('?')[0] ?? '').split(',');
      if (!addresses.every((a) => /^[^@\s]+@[^@\s]+$/.test(a.trim()))) {
        problems.push({ severity: 'error', rule: `${rule}-uri`, message: `Contact: "${shown(value)}" holds no usable e-mail address; write e.g. "Contact: mailto:security@example.com".` });
      }
    } else if (scheme === 'tel') {
      const number = rest.split(';')[0] ?? '';
      if (!/^\+[0-9().-]*[0-9][0-9().-]*$/.test(number) && !/;phone-context=/i.test(rest)) {
        problems.push({ severity: 'error', rule: `${rule}-uri`, message: `Contact: "${shown(value)}" is not a telephone URI a researcher abroad can dial; write the number in international form, e.g. "Contact: tel:+44-20-7946-0000".` });
      }
    } else if (scheme !== 'https') {
      problems.push({ severity: 'warning', rule: `${rule}-scheme`, message: `Contact: "${shown(value)}" uses "${shown(scheme)}:", which researchers' tools may not understand; give a mailto:, tel: or https: contact as well, listed first.` });
    }
  }
  if (name === 'Encryption' && scheme === 'openpgp4fpr' && !/^([0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/.test(rest)) {
    problems.push({ severity: 'warning', rule: `${rule}-fingerprint`, message: `Encryption: "${shown(rest)}" is not an OpenPGP fingerprint; write the 40 hexadecimal digits (64 for a v6 key) without spaces, e.g. "Encryption: openpgp4fpr:5f2de5521c63a801ab59ccb603d49de44b29100f".` });
  }
  if (name === 'CSAF' && scheme === 'https' && !/\/provider-metadata\.json$/i.test(URL.parse(value)?.pathname ?? '')) {
    problems.push({ severity: 'warning', rule: `${rule}-provider-metadata`, message: `CSAF should point at your provider-metadata.json (${clause}), e.g. "CSAF: https://example.com/.well-known/csaf/provider-metadata.json".` });
  }
  return problems;
}

// RFC 5646 §2.1 Language-Tag, well-formedness only (the IANA registry is not consulted).
const LANGUAGE_TAG = new RegExp(
  '^(?:' +
    '(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})' + // language, extlang
    '(?:-[a-z]{4})?' + // script
    '(?:-(?:[a-z]{2}|[0-9]{3}))?' + // region
    '(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*' + // variants
    '(?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*' + // extensions
    '(?:-x(?:-[a-z0-9]{1,8})+)?' + // private use
    '|x(?:-[a-z0-9]{1,8})+' +
    '|en-gb-oed|i-(?:ami|bnn|default|enochian|hak|klingon|lux|mingo|navajo|pwn|tao|tay|tsu)|sgn-(?:be-fr|be-nl|ch-de)' +
    ')$',
  'i',
);

function isLanguageTag(tag: string): boolean {
  return tag.length <= 100 && LANGUAGE_TAG.test(tag);
}

function languageProblems(field: FieldSpec, value: string): ValueProblem[] {
  const problems: ValueProblem[] = [];
  const rule = `${field.rule}-language-tag`;
  const entries = value.split(',').map((e) => e.replace(/^[ \t]+|[ \t]+$/g, ''));
  if (entries.some((e) => !e)) {
    problems.push({ severity: 'error', rule, message: `Preferred-Languages has an empty entry; list language tags separated by single commas, e.g. "Preferred-Languages: en, de".` });
  }
  for (const tag of entries.filter(Boolean)) {
    if (!isLanguageTag(tag)) {
      const fixed = tag.replace(/_/g, '-');
      const hint = fixed !== tag && isLanguageTag(fixed) ? `write "${shown(fixed)}"` : 'use tags such as en, de or fr-CA';
      problems.push({ severity: 'error', rule, message: `Preferred-Languages: "${shown(tag)}" is not a language tag (RFC 5646); ${hint}, separated by commas.` });
    } else if (/^[a-z]{4,8}(-|$)/i.test(tag)) {
      problems.push({ severity: 'warning', rule, message: `Preferred-Languages: "${shown(tag)}" is not a language code; use the two- or three-letter ISO 639 code, e.g. "en" for English.` });
    }
  }
  return problems;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/** RFC 3339 §5.6 date-time, with its ranges checked (no 31 April, no month 13). */
export function parseRfc3339DateTime(value: string): Date | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const zone = m[8] ?? 'Z';
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, fraction);
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

function addYear(date: Date): Date {
  const later = new Date(date.getTime());
  later.setUTCFullYear(later.getUTCFullYear() + 1);
  return later;
}

function expiresProblems(field: FieldSpec, value: string, now: Date | undefined): ValueProblem[] {
  const example = (now ? nextExpiry(now) : new Date(Date.UTC(2027, 10, 26))).toISOString();
  const date = parseRfc3339DateTime(value);
  if (!date) {
    let advice = `write an RFC 3339 date-time with a time zone, e.g. "Expires: ${example}".`;
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      // Suggest the same day only when that day would itself pass the checks that follow.
      const sameDay = parseRfc3339DateTime(`${value}T00:00:00.000Z`);
      const usable = sameDay !== undefined && (!now || (sameDay > now && sameDay <= addYear(now)));
      advice = `add a time and a time zone: "Expires: ${usable ? `${value}T00:00:00.000Z` : example}".`;
    }
    else if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(value)) advice = `put a "T" between the date and the time: "Expires: ${shown(value.replace(' ', 'T'))}" (with a time zone such as Z).`;
    else if (/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) advice = `add the time zone: "Expires: ${shown(value)}${value.length === 16 ? ':00' : ''}Z" for UTC.`;
    else if (DATE_TIME.test(value)) advice = `no such date or time exists (check the month, day and hours); write e.g. "Expires: ${example}".`;
    return [{ severity: 'error', rule: `${field.rule}-format`, message: `Expires: "${shown(value)}" is not an RFC 3339 date-time (${field.clause}); ${advice}` }];
  }
  if (!now) return [];
  if (date.getTime() <= now.getTime()) {
    return [{ severity: 'error', rule: `${field.rule}-past`, message: `Expires ${value} has passed, so readers treat the whole file as stale (RFC 9116 §5.3); check the contacts are still right and set "Expires: ${example}".` }];
  }
  if (date.getTime() > addYear(now).getTime()) {
    return [{ severity: 'warning', rule: `${field.rule}-within-a-year`, message: `Expires ${value} is more than a year ahead; RFC 9116 §2.5.5 recommends less than a year, so stale contacts do not linger. Set e.g. "Expires: ${example}" and renew it before then.` }];
  }
  return [];
}

function valueProblems(field: FieldSpec, value: string, now: Date | undefined): ValueProblem[] {
  if (field.kind === 'uri') return uriProblems(field, value);
  if (field.kind === 'language-tags') return languageProblems(field, value);
  return expiresProblems(field, value, now);
}

function sameAddress(a: string, b: string): boolean {
  const x = URL.parse(a);
  const y = URL.parse(b);
  return x !== null && y !== null && x.href === y.href;
}

function checkFields(fields: SecurityTxtField[], signed: boolean, options: ValidateSecurityTxtOptions, sink: ProblemSink): void {
  const now = options.now ?? new Date();
  const firstLine = new Map<string, number>();
  for (const field of fields) {
    const key = field.name.toLowerCase();
    const known = FIELD_SPECS.get(key);
    if (!known) {
      const suggestion = nearestFieldName(field.name);
      sink.add(field.line, 'warning', 'rfc9116.2.4-unknown-field', suggestion
        ? `"${shown(field.name)}" is not a registered field, so readers ignore it; did you mean "${suggestion}"?`
        : `"${shown(field.name)}" is not a registered field, so readers ignore it (RFC 9116 §2.4). Keep it only if a tool you rely on reads it.`);
      continue;
    }
    const first = firstLine.get(key);
    if (first === undefined) firstLine.set(key, field.line);
    else if (known.once) {
      sink.add(field.line, 'error', `${known.rule}-once`, `${known.name} appears again on line ${field.line} (first on line ${first}); it may appear only once (${known.clause}). Keep one ${known.name} line.`);
    }
    for (const p of valueProblems(known, field.value, now)) sink.add(field.line, p.severity, p.rule, p.message);
  }

  const named = (key: string): SecurityTxtField[] => fields.filter((f) => f.name.toLowerCase() === key);
  const contacts = named('contact');
  if (!contacts.length) {
    sink.add(0, 'error', 'rfc9116.2.5.3-contact-required', 'There is no Contact field, and it is required (RFC 9116 §2.5.3; it is the PSTI point of contact, psti.s1.2.1). Add e.g. "Contact: mailto:security@example.com", most preferred first.');
  }
  if (!named('expires').length) {
    sink.add(0, 'error', 'rfc9116.2.5.5-expires-required', `There is no Expires field, and it is required (RFC 9116 §2.5.5). Add e.g. "Expires: ${nextExpiry(now).toISOString()}" (less than a year ahead).`);
  }
  const canonical = named('canonical');
  if (signed && !canonical.length) {
    sink.add(0, 'warning', 'rfc9116.2.3-canonical', 'The file is signed but has no Canonical field; add "Canonical: https://<your domain>/.well-known/security.txt" so the signature also vouches for where the file belongs (RFC 9116 §2.3).');
  }
  const firstCanonical = canonical[0];
  if (options.url !== undefined && firstCanonical && !canonical.some((f) => sameAddress(f.value, options.url ?? ''))) {
    sink.add(firstCanonical.line, 'warning', 'rfc9116.2.5.2-canonical-url', `The file was fetched from ${shown(options.url)}, which no Canonical field lists, so readers should not trust it (RFC 9116 §2.5.2). Add "Canonical: ${shown(options.url)}", or serve the file from the listed address.`);
  }
  if (!named('policy').length) {
    sink.add(0, 'warning', 'rfc9116.3.1-policy', 'There is no Policy field; add "Policy: https://…" linking your vulnerability disclosure policy, which should say when reporters get an acknowledgement and status updates (PSTI requires publishing both: psti.s1.2.2, psti.s1.2.3).');
  }
  const mailto = contacts.find((f) => /^mailto:/i.test(f.value));
  if (mailto && !named('encryption').length) {
    sink.add(mailto.line, 'warning', 'rfc9116.2.5.3-contact-encryption', 'Contact gives an e-mail address but there is no Encryption field; RFC 9116 §2.5.3 recommends one so reports can be sent encrypted. Add e.g. "Encryption: https://example.com/pgp-key.txt" or an openpgp4fpr: fingerprint.');
  }
}

/**
 * Everything parseSecurityTxt reports, plus every rule about the fields: Contact present and a
 * URI, Expires once, well-formed, not passed and under a year ahead, Preferred-Languages once
 * and well-formed, every link a URI over HTTPS, Canonical listing `url`, unknown names. Problems
 * come sorted by line. Never throws.
 */
export function validateSecurityTxt(input: string | Uint8Array, options: ValidateSecurityTxtOptions = {}): SecurityTxtValidation {
  const sink = problemSink();
  const { fields, signed } = parseInto(input, sink);
  checkFields(fields, signed, options, sink);
  const problems = sink.list();
  const errors = problems.filter((p) => p.severity === 'error').length;
  return { fields, signed, problems, errors, warnings: problems.length - errors, valid: errors === 0 };
}

// ---------------------------------------------------------------------------------------------
// Writing

function validDate(date: Date, what: string): number {
  const time = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(time)) throw invalidInput(`${what} is not a valid date.`);
  return time;
}

/**
 * A security.txt that validates with no errors: a header comment, the fields in RFC 9116 §2.5
 * order (then CSAF), LF line endings and a final newline. Values are trimmed and empty ones
 * dropped (as a web form sends them); any value that would break a rule is refused with
 * CONNECTABLE_ERR_INVALID_INPUT naming it, so nothing invalid, and no injected line, is written.
 */
export function generateSecurityTxt(input: SecurityTxtInput): string {
  const expiresTime = validDate(input.expires, 'expires');
  const expires = new Date(expiresTime);
  if (expires.getUTCFullYear() < 0 || expires.getUTCFullYear() > 9999) throw invalidInput('expires must fall between the years 0000 and 9999, which RFC 3339 can write.');

  const list = (values: readonly string[] | undefined): string[] => (values ?? []).map((v) => v.trim()).filter(Boolean);
  const one = (value: string | undefined): string[] => list(value === undefined ? [] : [value]);
  const languages = list(input.preferredLanguages);
  // [field, the input's name for it in error messages, whether the input is a list, values]
  const entries: Array<[string, string, boolean, string[]]> = [
    ['acknowledgments', 'acknowledgments', false, one(input.acknowledgments)],
    ['canonical', 'canonical', true, list(input.canonical)],
    ['contact', 'contacts', true, list(input.contacts)],
    ['encryption', 'encryption', true, list(input.encryption)],
    ['expires', 'expires', false, [expires.toISOString()]],
    ['hiring', 'hiring', false, one(input.hiring)],
    ['policy', 'policy', false, one(input.policy)],
    ['preferred-languages', 'preferredLanguages', true, languages],
    ['csaf', 'csaf', false, one(input.csaf)],
  ];

  const fieldErrors: Record<string, string> = {};
  if (!list(input.contacts).length) fieldErrors['contacts'] = 'Give at least one contact, e.g. mailto:security@example.com (it is the PSTI point of contact).';
  for (const [key, inputName, isList, values] of entries) {
    const field = spec(key);
    values.forEach((value, i) => {
      const where = isList ? `${inputName}[${i}]` : inputName;
      if (key === 'preferred-languages' && value.includes(',')) {
        fieldErrors[where] = `Give one language tag per entry, not "${shown(value)}".`;
        return;
      }
      // Time-relative checks (passed, over a year ahead) are the caller's: the generator has no clock.
      const error = valueProblems(field, value, undefined).find((p) => p.severity === 'error');
      if (error) fieldErrors[where] = error.message;
    });
  }
  const refused = Object.entries(fieldErrors);
  if (refused.length) {
    throw invalidInput(`The security.txt cannot be written. ${refused.map(([k, m]) => `${k}: ${m}`).join(' ')}`, fieldErrors);
  }

  const lines = ['# Where to report a security vulnerability (RFC 9116). Generated by Connectable.'];
  for (const [key, , , values] of entries) {
    if (!values.length) continue;
    const { name } = spec(key);
    if (key === 'preferred-languages') lines.push(`${name}: ${values.join(', ')}`);
    else for (const value of values) lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The Expires to write into a file generated now: EXPIRY_DAYS ahead, under RFC 9116's year. */
export function nextExpiry(now: Date): Date {
  return new Date(validDate(now, 'now') + EXPIRY_DAYS * DAY_MS);
}

/**
 * When the server should regenerate (and re-sign) the file: RENEW_DAYS_BEFORE_EXPIRY before it
 * lapses, or now if that moment has already come.
 */
export function renewalDate(expires: Date, now: Date): Date {
  const due = validDate(expires, 'expires') - RENEW_DAYS_BEFORE_EXPIRY * DAY_MS;
  return new Date(Math.max(due, validDate(now, 'now')));
}
