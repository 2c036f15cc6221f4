// Private keys and API tokens shipped in the image. A private key in the image is in every unit:
// anyone with one device (or the firmware download) can impersonate all of them, decrypt their
// TLS, or sign as them. That breaks ETSI EN 303 645 5.4-3 (no hard-coded critical security parameters); keys
// and API keys are not "passwords" for PSTI Schedule 1 paragraph 1 (psti.s1.1.4), so these
// findings are not counted against the password duty.
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { Entry } from '../unpack/types.ts';
import { printableStrings } from './hardcoded.ts';
import { basename, entropyPerChar, files, looksLikeText, mask, SHARED_SECRET_LAW, uniqueFindings, type Finding, type InspectContext } from './finding.ts';

const PEM_KEY = /-----BEGIN ((?:RSA |EC |DSA |ENCRYPTED |OPENSSH )?PRIVATE KEY)-----([A-Za-z0-9+/=\s:,\-]*?)-----END \1-----/g;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----/g;
const MAX_SCAN_BYTES = 64 * 1024 * 1024;

/** SHA-256 of the SubjectPublicKeyInfo, as "SHA256:<base64>" (the form ssh-keygen and pinning use). */
function fingerprint(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(spki).digest('base64').replace(/=+$/, '')}`;
}

interface Certificate {
  path: string;
  subject: string;
  ca: boolean;
  fingerprint: string;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function latin1(data: Uint8Array, max = MAX_SCAN_BYTES): string {
  return Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, max)).toString('latin1');
}

// DER certificates: SEQUENCE { SEQUENCE (tbs) { [0] { INTEGER 2 } ... } } — the v3 marker right
// after two long-form SEQUENCE headers.
function derCertificates(data: Buffer): X509Certificate[] {
  const out: X509Certificate[] = [];
  const marker = Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02]);
  for (let at = data.indexOf(marker); at >= 8 && out.length < 1000; at = data.indexOf(marker, at + 1)) {
    if (data[at - 8] !== 0x30 || data[at - 7] !== 0x82 || data[at - 4] !== 0x30 || data[at - 3] !== 0x82) continue;
    const length = 4 + (((data[at - 6] ?? 0) << 8) | (data[at - 5] ?? 0));
    try {
      out.push(new X509Certificate(data.subarray(at - 8, at - 8 + length)));
    } catch {
      // Not a certificate after all.
    }
  }
  return out;
}

const RSA_OID = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]);
const EC_OID = Buffer.from([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);

// DER private keys: a SEQUENCE whose first element is INTEGER 0 (PKCS#8 and PKCS#1) or 1 (SEC1
// EC), followed by an RSA or EC algorithm identifier (PKCS#8), a large INTEGER (PKCS#1) or an
// OCTET STRING (SEC1). Each candidate is confirmed by letting OpenSSL parse it.
function derPrivateKeys(data: Buffer): { offset: number; key: KeyObject; format: string }[] {
  const out: { offset: number; key: KeyObject; format: string }[] = [];
  const version = Buffer.from([0x02, 0x01]);
  for (let at = data.indexOf(version); at >= 2 && out.length < 100; at = data.indexOf(version, at + 1)) {
    const v = data[at + 2];
    let start = -1;
    let length = 0;
    if (data[at - 4] === 0x30 && data[at - 3] === 0x82) {
      start = at - 4;
      length = 4 + (((data[at - 2] ?? 0) << 8) | (data[at - 1] ?? 0));
    } else if (data[at - 3] === 0x30 && data[at - 2] === 0x81) {
      start = at - 3;
      length = 3 + (data[at - 1] ?? 0);
    } else if (data[at - 2] === 0x30 && (data[at - 1] ?? 0) < 0x80) {
      start = at - 2;
      length = 2 + (data[at - 1] ?? 0);
    }
    if (start < 0 || start + length > data.length || length < 40) continue;
    const next = data.subarray(at + 3, at + 3 + 20);
    let types: ('pkcs8' | 'pkcs1' | 'sec1')[] = [];
    if (v === 0 && (next.subarray(2).indexOf(RSA_OID) === 0 || next.subarray(2).indexOf(EC_OID) === 0)) types = ['pkcs8'];
    else if (v === 0 && next[0] === 0x02) types = ['pkcs1'];
    else if (v === 1 && next[0] === 0x04) types = ['sec1'];
    for (const type of types) {
      try {
        const key = createPrivateKey({ key: data.subarray(start, start + length), format: 'der', type });
        out.push({ offset: start, key, format: type === 'pkcs8' ? 'PKCS#8' : type === 'pkcs1' ? 'PKCS#1 RSA' : 'SEC1 EC' });
        at = start + length - 1;
        break;
      } catch {
        // Not a key after all.
      }
    }
  }
  return out;
}

// The public key an OpenSSH private key file carries in clear ("openssh-key-v1"), fingerprinted
// as ssh-keygen -l does, even when the private part is encrypted.
function opensshFingerprint(body: string): string | null {
  const blob = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (blob.subarray(0, magic.length).toString('latin1') !== magic) return null;
  let at = magic.length;
  const readString = (): Buffer | null => {
    if (at + 4 > blob.length) return null;
    const n = blob.readUInt32BE(at);
    if (at + 4 + n > blob.length) return null;
    const s = blob.subarray(at + 4, at + 4 + n);
    at += 4 + n;
    return s;
  };
  const cipher = readString();
  readString();
  readString();
  at += 4;
  const publicKey = readString();
  if (!cipher || !publicKey) return null;
  return `SHA256:${createHash('sha256').update(publicKey).digest('base64').replace(/=+$/, '')}`;
}

interface KeyHit {
  path: string;
  line?: number;
  kind: string;
  fingerprint: string | null;
  encrypted: boolean;
}

const TOKEN_PATTERNS: [RegExp, string][] = [
  [/\b((?:AKIA|ASIA)[0-9A-Z]{16})\b/g, 'AWS access key id'],
  [/\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g, 'Google API key'],
  [/\b(xox[abprs]-[0-9A-Za-z-]{10,72})\b/g, 'Slack token'],
  [/\b(gh[pousr]_[0-9A-Za-z]{36})\b/g, 'GitHub token'],
  [/\b(sk_live_[0-9A-Za-z]{24,})\b/g, 'Stripe secret key'],
];
const GENERIC_TOKEN = /\b(api[_-]?key|apikey|api[_-]?secret|access[_-]?token|auth[_-]?token|secret[_-]?key|client[_-]?secret|aws_secret_access_key)\b["']?\s*[:=]\s*["']?([A-Za-z0-9_\-+/=.]{16,200})/gi;

function tokenFindings(path: string, text: string, lineOf: ((index: number) => number) | null, ctx: InspectContext): Finding[] {
  const out: Finding[] = [];
  const add = (token: string, what: string, index: number): void => {
    out.push({
      rule: 'api-token',
      severity: 'high',
      path,
      ...(lineOf ? { line: lineOf(index) } : {}),
      title: `A ${what} is baked into the image`,
      evidence: `${what}: ${mask(token, ctx.showSecrets)}`,
      secret: token,
      lawIds: SHARED_SECRET_LAW,
      universal: false,
    });
  };
  for (const [pattern, what] of TOKEN_PATTERNS) for (const m of text.matchAll(pattern)) add(m[1] ?? '', what, m.index ?? 0);
  for (const m of text.matchAll(GENERIC_TOKEN)) {
    const token = m[2] ?? '';
    // A real key looks random: several character classes and high entropy; a word, a variable
    // name or a repeated placeholder does not.
    const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((r) => r.test(token)).length;
    if (classes >= 2 && entropyPerChar(token) >= 3.5 && !/^(true|false|null)$/i.test(token) && !TOKEN_PATTERNS.some(([p]) => new RegExp(p.source).test(token))) add(token, `${m[1]} value`, m.index ?? 0);
  }
  return out;
}

/** Reports private keys (PEM, DER, OpenSSH, dropbear) and API tokens in the image. */
export async function inspect(entries: Entry[], ctx: InspectContext): Promise<Finding[]> {
  const certificates: Certificate[] = [];
  const keys: KeyHit[] = [];
  const findings: Finding[] = [];
  for (const entry of files(entries)) {
    if (Date.now() > ctx.deadline) break;
    const data = Buffer.from(entry.data.buffer, entry.data.byteOffset, Math.min(entry.data.byteLength, MAX_SCAN_BYTES));
    const text = latin1(entry.data);
    const isText = looksLikeText(entry.data);
    const lineOf = isText ? (index: number): number => lineAt(text, index) : null;

    for (const m of text.matchAll(PEM_CERT)) {
      try {
        const cert = new X509Certificate(m[0]);
        certificates.push({ path: entry.path, subject: cert.subject.replace(/\n/g, ', '), ca: cert.ca, fingerprint: fingerprint(cert.publicKey) });
      } catch {
        // A damaged block: nothing to match against.
      }
    }
    if (!isText) {
      for (const cert of derCertificates(data)) certificates.push({ path: entry.path, subject: cert.subject.replace(/\n/g, ', '), ca: cert.ca, fingerprint: fingerprint(cert.publicKey) });
    }

    for (const m of text.matchAll(PEM_KEY)) {
      const label = m[1] ?? '';
      const body = m[2] ?? '';
      const line = lineOf ? lineOf(m.index ?? 0) : undefined;
      const base = { path: entry.path, ...(line === undefined ? {} : { line }) };
      if (label === 'OPENSSH PRIVATE KEY') {
        const fp = opensshFingerprint(body);
        const blob = Buffer.from(body.replace(/\s+/g, ''), 'base64');
        keys.push({ ...base, kind: 'OpenSSH private key', fingerprint: fp, encrypted: !blob.includes(Buffer.from('\0\0\0\x04none')) });
        continue;
      }
      if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(body)) {
        keys.push({ ...base, kind: `${label.replace(' PRIVATE KEY', '') || 'PKCS#8'} private key (encrypted)`, fingerprint: null, encrypted: true });
        continue;
      }
      try {
        const key = createPrivateKey(m[0]);
        keys.push({ ...base, kind: `${(key.asymmetricKeyType ?? '').toUpperCase()} private key (PEM ${label})`, fingerprint: fingerprint(createPublicKey(key)), encrypted: false });
      } catch {
        keys.push({ ...base, kind: `PEM ${label} (unparseable)`, fingerprint: null, encrypted: false });
      }
    }

    if (!isText) {
      for (const { key, format } of derPrivateKeys(data)) {
        keys.push({ path: entry.path, kind: `${(key.asymmetricKeyType ?? '').toUpperCase()} private key (DER ${format})`, fingerprint: fingerprint(createPublicKey(key)), encrypted: false });
      }
      // Dropbear keeps its host keys in its own binary format: string "ssh-rsa" etc., then the
      // key's numbers.
      if (/dropbear_\w+_host_key$/.test(entry.path) && /^\0\0\0[\x07\x0b\x13](ssh-|ecdsa-)/.test(text.slice(0, 30))) {
        keys.push({ path: entry.path, kind: `dropbear ${text.slice(4, 4 + (data[3] ?? 0))} host key`, fingerprint: `SHA256:${createHash('sha256').update(data).digest('base64').replace(/=+$/, '')} (of the key file)`, encrypted: false });
      }
    }

    if (isText) findings.push(...tokenFindings(entry.path, text, lineOf, ctx));
    else {
      for (const s of printableStrings(entry.data, 16, ctx.maxStringScanBytes)) findings.push(...tokenFindings(entry.path, s.text, null, ctx));
    }
  }

  for (const key of keys) {
    const matching = key.fingerprint === null ? [] : certificates.filter((c) => c.fingerprint === key.fingerprint);
    const cert = matching[0];
    findings.push({
      rule: 'private-key',
      severity: cert ? 'critical' : 'high',
      path: key.path,
      ...(key.line === undefined ? {} : { line: key.line }),
      title: cert
        ? `The private key of ${cert.ca ? 'CA ' : ''}certificate "${cert.subject}" is in every unit`
        : `A ${key.kind} is in every unit${key.encrypted ? ' (encrypted, but the passphrase that unlocks it ships too)' : ''}`,
      evidence: `${key.kind}${key.fingerprint ? `, public key ${key.fingerprint}` : ''}${cert ? `; matches the certificate in ${cert.path}${matching.length > 1 ? ` and ${matching.length - 1} more` : ''}` : ''} (${basename(key.path)})`,
      lawIds: SHARED_SECRET_LAW,
      universal: false,
    });
  }
  return uniqueFindings(findings);
}
