import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { conditionTitles, mask, pushLine, type Check, type ConditionId, type ConditionResult, type Evidence, type UnitView } from './types.ts';

// psti.s1.1.3b and psti.s1.1.3c: passwords derived from what is printed on the box, broadcast over
// the air or otherwise public. Each unit's password is tested against the transformations makers
// have actually shipped (Belkin's MAC digits, Thomson's SHA-1 of the serial, …). Cheap ones run on
// every unit; unkeyed hashes run on a sample first, and every hash that explains a sampled unit
// is then run on every later unit, so the share it reports is exact for those units.

export interface IdentifierColumn {
  name: string;
  /** Unique identifiers (serial, MAC, IMEI) fall under 3c; shared public facts (model, SSID) under 3b. */
  condition: Extract<ConditionId, 'psti.s1.1.3b' | 'psti.s1.1.3c'>;
}

const UNIQUE_IDENTIFIER = /^(serial|serial_?n(o|umber)?|sn|s_n|mac|mac_?address|wan_?mac|lan_?mac|wlan_?mac|eth_?mac|bssid|imei|meid|eui|eui64|dev_?eui|uuid|device_?id|iccid|unit_?id)$/;

export function classifyIdentifier(column: string): IdentifierColumn {
  return { name: column, condition: UNIQUE_IDENTIFIER.test(column) ? 'psti.s1.1.3c' : 'psti.s1.1.3b' };
}

const separators = /[\s:.\-_]/g;
const norm = (s: string): string => s.toLowerCase().replace(separators, '');
const reverse = (s: string): string => [...s].reverse().join('');

function base32(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** The cheap transformations: substrings, case, separators, reversal, MAC ± k, number encodings. */
function cheapMatch(pw: string, pwNorm: string, id: string, idNorm: string): string | undefined {
  if (!idNorm || !pwNorm) return undefined;
  if (pwNorm === idNorm) return 'the identifier itself (ignoring case and separators)';
  if (pwNorm.length >= 4 && pwNorm.length < idNorm.length) {
    if (idNorm.endsWith(pwNorm)) return `the last ${pwNorm.length} characters of the identifier`;
    if (idNorm.startsWith(pwNorm)) return `the first ${pwNorm.length} characters of the identifier`;
    if (pwNorm.length >= 6 && idNorm.includes(pwNorm)) return `${pwNorm.length} characters from the middle of the identifier`;
  }
  if (pwNorm.length >= 4) {
    const rev = reverse(pwNorm);
    if (rev === idNorm || (rev.length >= 6 && idNorm.includes(rev))) return 'the identifier, or part of it, reversed';
  }
  if (idNorm.length >= 4 && pwNorm.length > idNorm.length && pwNorm.includes(idNorm)) return 'the identifier with other text around it (such as the model name)';
  for (let n = Math.min(idNorm.length - 1, pwNorm.length); n >= 6; n--) {
    if (pwNorm.includes(idNorm.slice(-n))) return `the last ${n} characters of the identifier, with other text`;
  }
  if (/^[0-9a-f]{12}$/.test(idNorm) && /^[0-9a-f]{4,12}$/.test(pwNorm)) {
    const width = pwNorm.length;
    const modulus = 16 ** width;
    const low = Number.parseInt(idNorm.slice(12 - width), 16);
    const value = Number.parseInt(pwNorm, 16);
    for (let k = -4; k <= 4; k++) {
      if (k !== 0 && (((low + k) % modulus) + modulus) % modulus === value) return `the last ${width} hex digits of the MAC address ${k > 0 ? '+' : '−'} ${Math.abs(k)}`;
    }
  }
  const run = /(\d{1,15})(?!.*\d)/.exec(id)?.[1];
  if (run !== undefined && pwNorm.length >= 4) {
    // "HC2200004711": the serial's number may be the whole run or its tail after a model code.
    for (let k = 0; k <= Math.min(4, run.length - 1); k++) {
      const n = Number(run.slice(k));
      if (n.toString(16) === pwNorm || n.toString(16).padStart(pwNorm.length, '0') === pwNorm) return 'the serial number written in hexadecimal';
      if (n.toString(36) === pwNorm) return 'the serial number written in base 36';
      if (n.toString(32) === pwNorm) return 'the serial number written in base 32';
    }
  }
  if (pw.length >= 6) {
    // Only the identifier's first bytes can reach the password's length once encoded.
    const bytes = Buffer.from(id);
    if (base32(bytes.subarray(0, Math.ceil((pw.length * 5) / 8) + 1)).startsWith(pw.toLowerCase().replace(/=+$/, ''))) return 'the identifier encoded in Base32';
    if (bytes.subarray(0, Math.ceil((pw.length * 3) / 4) + 3).toString('base64').replace(/=+$/, '').startsWith(pw)) return 'the identifier encoded in Base64';
  }
  return undefined;
}

interface HashTransform {
  name: string;
  input: (id: string, model: string) => string | undefined;
  digest: (input: string) => Buffer;
}

const digests: [string, (s: string) => Buffer][] = [
  ['MD5', (s) => crypto.hash('md5', s, 'buffer')],
  ['SHA-1', (s) => crypto.hash('sha1', s, 'buffer')],
  ['SHA-256', (s) => crypto.hash('sha256', s, 'buffer')],
  [
    'CRC32',
    (s) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(zlib.crc32(s));
      return b;
    },
  ],
];

const inputs: [string, (id: string, model: string) => string | undefined][] = [
  ['the identifier', (id) => id],
  ['the identifier without separators, lower case', (id) => norm(id)],
  ['the identifier without separators, upper case', (id) => norm(id).toUpperCase()],
  ['the model name followed by the identifier', (id, model) => (model ? model + id : undefined)],
  ['the identifier followed by the model name', (id, model) => (model ? id + model : undefined)],
];

const hashTransforms: HashTransform[] = digests.flatMap(([dname, digest]) => inputs.map(([iname, input]) => ({ name: `${dname} of ${iname}`, input, digest })));

/** A truncated unkeyed hash, in the encodings firmware uses. */
function hashExplains(pw: string, digest: Buffer): string | undefined {
  if (pw.length < 6) return undefined;
  const hex = digest.toString('hex');
  const lower = pw.toLowerCase();
  if (hex.startsWith(lower)) return 'first hex digits';
  if (hex.endsWith(lower)) return 'last hex digits';
  if (digest.toString('base64').startsWith(pw)) return 'Base64, truncated';
  if (base32(digest).startsWith(lower)) return 'Base32, truncated';
  return undefined;
}

const SAMPLE_ALL = 10_000;
const SAMPLE_EVERY = 100;
// A transformation must explain this many units, or 1% of those tested, to fail the batch: rare
// chance matches of short passwords are reported but do not condemn a batch.
const MIN_UNITS = 3;
const MIN_SHARE = 0.01;

interface Tally {
  column: IdentifierColumn;
  transform: string;
  matched: number;
  tested: number;
  lines: number[];
  examples: string[];
}

export class DerivationCheck implements Check {
  private readonly columns: IdentifierColumn[];
  private readonly modelColumn: string | undefined;
  private readonly showSecrets: boolean;
  private readonly tallies = new Map<string, Tally>();
  /** Hash transforms found in the sample, per column; from then on run on every unit. */
  private readonly activeHashes = new Map<string, Set<HashTransform>>();
  private readonly cheapTested = new Map<string, number>();
  private units = 0;

  constructor(columns: IdentifierColumn[], modelColumn: string | undefined, showSecrets: boolean) {
    this.columns = columns;
    this.modelColumn = modelColumn;
    this.showSecrets = showSecrets;
    for (const c of columns) this.activeHashes.set(c.name, new Set());
  }

  get transformCount(): number {
    return 12 + hashTransforms.length * 4;
  }

  private tally(column: IdentifierColumn, transform: string, unit: UnitView, tested: number): void {
    const key = `${column.name}\u0000${transform}`;
    let t = this.tallies.get(key);
    if (!t) {
      t = { column, transform, matched: 0, tested, lines: [], examples: [] };
      this.tallies.set(key, t);
    }
    t.matched++;
    pushLine(t.lines, unit.line);
    if (t.examples.length < 3) t.examples.push(`${mask(unit.password, this.showSecrets)} ← ${column.name} ${unit.values[column.name] ?? ''}`);
  }

  observe(unit: UnitView): void {
    this.units++;
    const sampled = unit.index < SAMPLE_ALL || unit.index % SAMPLE_EVERY === 0;
    const pw = unit.password;
    const pwNorm = norm(pw);
    const model = this.modelColumn ? (unit.values[this.modelColumn] ?? '') : '';
    for (const column of this.columns) {
      const id = unit.values[column.name] ?? '';
      if (!id) continue;
      this.cheapTested.set(column.name, (this.cheapTested.get(column.name) ?? 0) + 1);
      const cheap = cheapMatch(pw, pwNorm, id, norm(id));
      if (cheap) {
        this.tally(column, cheap, unit, 0);
        continue;
      }
      const active = this.activeHashes.get(column.name) ?? new Set<HashTransform>();
      const candidates = sampled ? hashTransforms : [...active];
      for (const h of candidates) {
        const input = h.input(id, model);
        if (input === undefined) continue;
        const how = hashExplains(pw, h.digest(input));
        if (!how) continue;
        if (!active.has(h)) {
          active.add(h);
          this.activeHashes.set(column.name, active);
        }
        this.tally(column, `${h.name} (${how})`, unit, 0);
        break;
      }
    }
  }

  results(units: number): ConditionResult[] {
    const out: ConditionResult[] = [];
    for (const condition of ['psti.s1.1.3b', 'psti.s1.1.3c'] as const) {
      const columns = this.columns.filter((c) => c.condition === condition);
      const tallies = [...this.tallies.values()].filter((t) => t.column.condition === condition).sort((a, b) => b.matched - a.matched);
      const failing = tallies.filter((t) => {
        const tested = this.cheapTested.get(t.column.name) ?? units;
        return t.matched >= MIN_UNITS || t.matched / Math.max(tested, 1) >= MIN_SHARE;
      });
      const evidence: Evidence[] = tallies.slice(0, 20).map((t) => {
        const tested = this.cheapTested.get(t.column.name) ?? units;
        return {
          finding: `${t.matched} of ${tested} passwords (${((100 * t.matched) / Math.max(tested, 1)).toFixed(2)}%) are ${t.transform} (${t.column.name})${failing.includes(t) ? '' : ' — too few to be more than chance, reported for review'}.`,
          units: t.matched,
          exampleLines: t.lines,
          examples: t.examples,
        };
      });
      const affected = Math.min(units, failing.reduce((s, t) => s + t.matched, 0));
      const names = columns.map((c) => c.name).join(', ');
      out.push({
        id: condition,
        title: conditionTitles[condition],
        verdict: columns.length === 0 ? 'not-tested' : failing.length ? 'fail' : 'pass',
        unitsAffected: affected,
        share: units ? affected / units : 0,
        summary:
          columns.length === 0
            ? `Not tested: the batch has no ${condition === 'psti.s1.1.3c' ? 'unique identifier (serial, MAC, IMEI…)' : 'public information (model, SSID…)'} column.`
            : failing.length
              ? `Passwords are derived from ${[...new Set(failing.map((t) => t.column.name))].join(', ')} (${failing.length} transformation${failing.length > 1 ? 's' : ''}).`
              : `No derivation found from ${names} among ${this.transformCount} transformations.`,
        evidence,
        limits:
          condition === 'psti.s1.1.3c'
            ? 'A keyed hash (HMAC) or encryption with a secret key is allowed and cannot be told apart from random here; a pass means no unkeyed derivation among the transformations tried, not proof of compliance. Unkeyed hashes are tried on the first 10,000 units and every 100th after, and on every unit once one has matched.'
            : 'Tests the public columns given (model, SSID, …); information not in the file, such as a date on the label, is not seen.',
        related: ['etsi.5.1-2'],
      });
    }
    return out;
  }
}
