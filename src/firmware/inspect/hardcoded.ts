// Credentials written into code: shell and CGI scripts, the web UI (HTML, JS, Lua, PHP) and the
// printable strings of binaries. A login the firmware itself performs or accepts with a fixed
// user and password is the same on every unit.
import type { Entry } from '../unpack/types.ts';
import { commonPasswords, defaultCredentials } from '../../passwords/index.ts';
import {
  basename,
  files,
  GUESSABLE_PASSWORD_LAW,
  isPlaceholder,
  looksLikeText,
  mask,
  numberedLines,
  textOf,
  UNIVERSAL_PASSWORD_LAW,
  uniqueFindings,
  type Finding,
  type InspectContext,
} from './finding.ts';

// Config files the services inspector reads line by line; reporting them here too would count
// one credential twice.
const SERVICE_CONFIG = /(^|\/)(etc\/config\/[^/]+|[^/]*\.htpasswd|htpasswd|httpd\.conf|[^/]*hostapd[^/]*\.conf|[^/]*wpa_supplicant[^/]*\.conf|snmpd\.conf|[^/]*mosquitto[^/]*|sshd_config|shadow-?|passwd-?|[^/]*(rtsp|onvif)[^/]*)$/;
const CODE = /\.(sh|ash|bash|lua|php|js|mjs|html?|asp|cgi|py|pl|rb|json|conf|cfg|ini|xml|txt)$/i;

const MIN_STRING = 6;
// Pairs of the default list are looked for among shorter strings too: "root" and "xc3511" are
// exactly what a Mirai-era binary carries.
const MIN_PAIR_STRING = 4;
const MAX_STRINGS_PER_FILE = 200_000;

/** Printable ASCII runs of at least `min` bytes, with their offsets, bounded by `maxBytes`. */
export function printableStrings(data: Uint8Array, min: number, maxBytes: number): { offset: number; text: string }[] {
  const out: { offset: number; text: string }[] = [];
  const end = Math.min(data.length, maxBytes);
  let start = -1;
  for (let i = 0; i <= end; i++) {
    const b = i < end ? (data[i] ?? 0) : 0;
    const printable = (b >= 0x20 && b < 0x7f) || b === 0x09;
    if (printable) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= min) {
        out.push({ offset: start, text: Buffer.from(data.buffer, data.byteOffset + start, i - start).toString('latin1') });
        if (out.length >= MAX_STRINGS_PER_FILE) break;
      }
      start = -1;
    }
  }
  return out;
}

interface Hit {
  user: string;
  password: string;
  how: string;
}

const BASIC = /\bBasic\s+([A-Za-z0-9+/]{6,}={0,2})/g;
const CURL = /\b(?:curl|wget)\b[^\n]*?(?:\s-u\s*|\s--user[=\s])['"]?([^\s:'"]+):([^\s'"]+)/g;
const WGET = /\bwget\b[^\n]*?--(?:http-)?user=['"]?([^\s'"]+)['"]?[^\n]*?--(?:http-)?password=['"]?([^\s'"]+)/g;
const URL_CREDS = /\b(?:https?|ftp|rtsp|mqtt|telnet):\/\/([^\s:/@'"]+):([^\s@/'"]+)@/g;
const LOGIN_CALL = /\b(\w*(?:login|auth|check_?pass\w*|verify\w*|set_?pass\w*))\s*\(\s*["']([^"'\n]{1,64})["']\s*,\s*["']([^"'\n]{1,64})["']/gi;
const ASSIGNMENT = /\b([\w.]*(?:pass(?:word)?|passwd|pwd))\b["']?\s*(?:[:=]|==|===)\s*["']([^"'\n$`{}<>]{3,64})["']/gi;
const USER_NEAR = /\b[\w.]*(?:user(?:name)?|login|account)\b["']?\s*[:=]\s*["']([^"'\n]{1,64})["']/i;

function basicHits(text: string): Hit[] {
  const hits: Hit[] = [];
  for (const m of text.matchAll(BASIC)) {
    const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
    const at = decoded.indexOf(':');
    // Only a clean "user:password" decode counts; random base64 rarely decodes to that.
    if (at > 0 && /^[\x20-\x7e]+$/.test(decoded)) hits.push({ user: decoded.slice(0, at), password: decoded.slice(at + 1), how: 'HTTP Basic authorization header' });
  }
  return hits;
}

// `context` is the text just before (the previous lines), where a user name set beside a
// password assignment is looked for.
function codeHits(text: string, context = ''): Hit[] {
  const hits = basicHits(text);
  for (const m of text.matchAll(CURL)) hits.push({ user: m[1] ?? '', password: m[2] ?? '', how: 'curl/wget login' });
  for (const m of text.matchAll(WGET)) hits.push({ user: m[1] ?? '', password: m[2] ?? '', how: 'wget login' });
  for (const m of text.matchAll(URL_CREDS)) hits.push({ user: m[1] ?? '', password: m[2] ?? '', how: 'credentials in a URL' });
  for (const m of text.matchAll(LOGIN_CALL)) hits.push({ user: m[2] ?? '', password: m[3] ?? '', how: `${m[1]}() call with literal credentials` });
  for (const m of text.matchAll(ASSIGNMENT)) {
    const before = context + text.slice(Math.max(0, (m.index ?? 0) - 200), m.index);
    const user = USER_NEAR.exec(before)?.[1] ?? '';
    hits.push({ user, password: m[2] ?? '', how: `${m[1]} set to a literal` });
  }
  return hits.filter((h) => !isPlaceholder(h.password) && !/^\$\(|^%[sd]$/.test(h.password));
}

let pairs: Map<string, Set<string>> | undefined;

// user name → passwords it ships with, from the bundled list; pairs with an empty or one-letter
// password say nothing when found in a binary.
function defaultPairs(): Map<string, Set<string>> {
  if (pairs) return pairs;
  pairs = new Map();
  for (const row of defaultCredentials()) {
    if (row.username.length < MIN_PAIR_STRING || row.password.length < MIN_PAIR_STRING) continue;
    const set = pairs.get(row.username) ?? new Set<string>();
    set.add(row.password);
    pairs.set(row.username, set);
  }
  return pairs;
}

// A default user and its password as two nearby strings of a binary (the way a hard-coded
// backdoor or a bot's table stores them).
function pairHits(strings: { offset: number; text: string }[]): { hit: Hit; offset: number }[] {
  const table = defaultPairs();
  const out: { hit: Hit; offset: number }[] = [];
  for (let i = 0; i < strings.length; i++) {
    const user = strings[i];
    const passwords = user ? table.get(user.text) : undefined;
    if (!user || !passwords) continue;
    for (let j = Math.max(0, i - 3); j <= Math.min(strings.length - 1, i + 3); j++) {
      const other = strings[j];
      if (j !== i && other && passwords.has(other.text)) out.push({ hit: { user: user.text, password: other.text, how: 'a bundled default user/password pair stored side by side' }, offset: user.offset });
    }
  }
  return out;
}

function isKnown(hit: Hit): boolean {
  return defaultPairs().get(hit.user)?.has(hit.password) === true || commonPasswords().has(hit.password.toLowerCase());
}

function toFinding(path: string, line: number | undefined, hit: Hit, ctx: InspectContext): Finding {
  const known = isKnown(hit);
  const shown = `${hit.user ? `${hit.user}:` : ''}${mask(hit.password, ctx.showSecrets)}`;
  return {
    rule: 'hardcoded-credential',
    severity: known ? 'critical' : 'high',
    path,
    ...(line === undefined ? {} : { line }),
    title: `A credential is hard-coded in ${basename(path)}${known ? ' (a known default or common password)' : ''}`,
    evidence: `${hit.how}: ${shown}`,
    secret: hit.password,
    lawIds: known ? GUESSABLE_PASSWORD_LAW : UNIVERSAL_PASSWORD_LAW,
    universal: true,
  };
}

/** Reports credentials hard-coded in scripts, web files and binaries. */
export async function inspect(entries: Entry[], ctx: InspectContext): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const entry of files(entries)) {
    if (SERVICE_CONFIG.test(entry.path) || Date.now() > ctx.deadline) continue;
    const text = looksLikeText(entry.data);
    if (text) {
      const content = textOf(entry.data);
      const isScript = CODE.test(entry.path) || content.startsWith('#!');
      if (!isScript || entry.data.length > 4 * 1024 * 1024) continue;
      const lines = numberedLines(content);
      lines.forEach(({ line, text: lineText }, i) => {
        if (lineText.length > 4000) return;
        const before = lines
          .slice(Math.max(0, i - 3), i)
          .map((l) => l.text)
          .join('\n');
        for (const hit of codeHits(lineText, before)) findings.push(toFinding(entry.path, line, hit, ctx));
      });
    } else {
      const strings = printableStrings(entry.data, MIN_PAIR_STRING, ctx.maxStringScanBytes);
      for (const { text: s } of strings) {
        if (s.length < MIN_STRING) continue;
        for (const hit of codeHits(s)) findings.push(toFinding(entry.path, undefined, hit, ctx));
      }
      for (const { hit } of pairHits(strings)) findings.push(toFinding(entry.path, undefined, hit, ctx));
    }
  }
  return uniqueFindings(findings);
}
