// Which credentials the probe tries on a service, in which order: the maker's own list, then the
// defaults of the product the fingerprint names, then the generic defaults of the service, then
// Mirai's table where Mirai used it (telnet, SSH), then other vendors' defaults. Stopping at the
// first success and capping attempts makes the order the difference between finding a default
// and giving up before it.
import fs from 'node:fs';
import { ConnectableError } from '../errors.ts';
import { bundledCsv, defaultCredentials } from '../passwords/index.ts';
import type { Credential, Fingerprint, ServiceKind } from './types.ts';

interface ProbeCredentialRow {
  service: string;
  vendor: string;
  product: string;
  username: string;
  password: string;
  source: string;
}

let probeRows: ProbeCredentialRow[] | undefined;

function bundledProbeRows(): ProbeCredentialRow[] {
  probeRows ??= bundledCsv('probe-credentials.csv').map((r) => ({
    service: r['service'] ?? '',
    vendor: r['vendor'] ?? '',
    product: r['product'] ?? '',
    username: r['username'] ?? '',
    password: r['password'] ?? '',
    source: r['source'] ?? '',
  }));
  return probeRows;
}

/** Mirai's table (data/default-credentials.csv), the pairs every exposed telnet sees first. */
export function miraiCredentials(): Credential[] {
  return defaultCredentials()
    .filter((c) => c.vendor === 'various (Mirai)')
    .map((c) => ({ username: c.username, password: c.password, source: 'mirai' }));
}

const sameVendor = (a: string, b: string): boolean => {
  const x = a.trim().toLowerCase();
  const y = b.trim().toLowerCase();
  return x !== '' && y !== '' && (x === y || x.startsWith(`${y} `) || y.startsWith(`${x} `));
};

export interface CredentialChoice {
  service: ServiceKind;
  fingerprint?: Fingerprint;
  /** The maker's own list (`--credentials FILE`), tried first. */
  maker?: readonly Credential[];
  /** Only the maker's list: for a maker testing its own known pairs, nothing else. */
  makerOnly?: boolean;
  /** Pairs the protocol module knows for the fingerprinted product (e.g. a web UI's recipe). */
  fingerprintPairs?: readonly Credential[];
}

/** The ordered, de-duplicated list of credentials to try on one service. */
export function credentialsFor(choice: CredentialChoice): Credential[] {
  const out: Credential[] = [];
  const seen = new Set<string>();
  const add = (c: Credential): void => {
    const key = `${c.username}\u0000${c.password}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(c);
  };
  const snmp = choice.service === 'snmp';
  for (const c of choice.maker ?? []) if (!snmp || c.username === '') add(c);
  if (choice.makerOnly) return out;

  const rows = bundledProbeRows().filter((r) => (snmp ? r.service === 'snmp' : r.service === choice.service || r.service === 'any'));
  const vendor = choice.fingerprint?.vendor ?? '';
  const fromRow = (r: ProbeCredentialRow): Credential => ({
    username: r.username,
    password: r.password,
    source: r.vendor ? `vendor:${r.vendor}${r.product ? ` (${r.product})` : ''}: ${r.source}` : r.source,
  });

  for (const c of choice.fingerprintPairs ?? []) add(c);
  for (const r of rows) if (sameVendor(r.vendor, vendor)) add(fromRow(r));
  if (!snmp && vendor) {
    // The long vendor table (SecLists' default-passwords) knows many older products.
    for (const c of defaultCredentials()) {
      if (!sameVendor(c.vendor, vendor) || c.username === '') continue;
      if (c.protocol && c.protocol !== choice.service) continue;
      add({ username: c.username, password: c.password, source: `vendor:${c.vendor}${c.product ? ` (${c.product})` : ''}: ${c.source}` });
    }
  }
  for (const r of rows) if (r.vendor === '') add(fromRow(r));
  if (choice.service === 'telnet' || choice.service === 'ssh') for (const c of miraiCredentials()) add(c);
  for (const r of rows) if (r.vendor !== '') add(fromRow(r));
  return out;
}

/**
 * Reads a maker's credential file: one `user:password` per line (hydra's -C format, so existing
 * files work), or CSV with a header naming `username` and `password` (and optionally `service`).
 * A line without ':' is a password alone (an SNMP community, a password-only telnet login).
 * Blank lines and lines starting with '#' are skipped.
 */
export function readCredentialFile(path: string): { credentials: Credential[]; services: (ServiceKind | undefined)[] } {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `Cannot read the credential file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  return parseCredentialList(text, path);
}

export function parseCredentialList(text: string, name = 'the credential list'): { credentials: Credential[]; services: (ServiceKind | undefined)[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const credentials: Credential[] = [];
  const services: (ServiceKind | undefined)[] = [];
  const source = 'maker list';
  const first = (lines.find((l) => l.trim() && !l.startsWith('#')) ?? '').toLowerCase();
  const csv = /(^|,)\s*username\s*(,|$)/.test(first) && /(^|,)\s*password\s*(,|$)/.test(first);
  if (csv) {
    const header = first.split(',').map((h) => h.trim());
    const at = { user: header.indexOf('username'), pass: header.indexOf('password'), service: header.indexOf('service') };
    let headerSeen = false;
    lines.forEach((line, i) => {
      if (!line.trim() || line.startsWith('#')) return;
      if (!headerSeen) {
        headerSeen = true;
        return;
      }
      const fields = line.split(',');
      if (fields.length < header.length) {
        throw new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `${name}, line ${i + 1}: expected ${header.length} comma-separated fields (${header.join(', ')}), found ${fields.length}.`);
      }
      const service = at.service >= 0 ? (fields[at.service] ?? '').trim().toLowerCase() : '';
      if (service && !['telnet', 'ssh', 'http', 'https', 'ftp', 'mqtt', 'rtsp', 'snmp'].includes(service)) {
        throw new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `${name}, line ${i + 1}: unknown service "${service}"; use telnet, ssh, http, https, ftp, mqtt, rtsp, snmp, or leave it empty for all.`);
      }
      credentials.push({ username: fields[at.user] ?? '', password: fields[at.pass] ?? '', source });
      services.push(service ? (service as ServiceKind) : undefined);
    });
  } else {
    lines.forEach((line) => {
      if (!line.trim() || line.startsWith('#')) return;
      const colon = line.indexOf(':');
      credentials.push(colon < 0 ? { username: '', password: line, source } : { username: line.slice(0, colon), password: line.slice(colon + 1), source });
      services.push(undefined);
    });
  }
  if (credentials.length === 0) {
    throw new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `${name} holds no credentials. Write one user:password per line, or CSV with username,password columns.`);
  }
  if (credentials.length > 100_000) {
    throw new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `${name} holds ${credentials.length.toLocaleString('en-GB')} credentials; the probe tries defaults, not a dictionary. Keep it under 100,000.`);
  }
  return { credentials, services };
}
