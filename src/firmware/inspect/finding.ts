// What an inspector reports, and the few things every inspector needs: the context it runs in
// (cracking, whether secrets may be shown), masking, and reading an entry as text.
import type { Entry } from '../unpack/types.ts';
import { crackCandidates, crackHashes, type CrackResult, type CrackTarget } from '../crypt/crack.ts';

export const findingRules = [
  'account-password',
  'account-empty-password',
  'account-known-password',
  'service-default-credential',
  'service-no-authentication',
  'insecure-service',
  'hardcoded-credential',
  'private-key',
  'api-token',
  'snmp-community',
  'wifi-psk',
] as const;
export type FindingRule = (typeof findingRules)[number];

export const severities = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof severities)[number];

export interface Finding {
  rule: FindingRule;
  severity: Severity;
  /** Where in the image, as the unpacker normalised it (no leading '/'). */
  path: string;
  /** 1-based line for text files. */
  line?: number;
  title: string;
  /** What was seen, with any secret masked (see mask()) unless secrets were asked for. */
  evidence: string;
  /** The secret itself, kept apart so `--show-secrets` can print it and nothing else does. */
  secret?: string;
  /** The rules of law this breaks (ids of shared/reference/law.md). */
  lawIds: string[];
  /**
   * The same credential on every unit made from this image: it breaks the password duty.
   * Cryptographic keys and API keys are not "passwords" for that duty (psti.s1.1.4), so their
   * findings say false here even though they too are the same on every unit; they cite
   * etsi.5.4-3 instead.
   */
  universal: boolean;
}

// The ids findings cite. A universal password breaks "unique per product or defined by the user"
// (PSTI Schedule 1 paragraph 1(2), met through ETSI EN 303 645 5.1-1); one from a list of
// defaults or common passwords is also guessable (paragraph 1(3)(d), ETSI 5.1-2).
export const UNIVERSAL_PASSWORD_LAW = ['psti.s1.1', 'psti.s1.1.2a', 'etsi.5.1-1'];
export const GUESSABLE_PASSWORD_LAW = [...UNIVERSAL_PASSWORD_LAW, 'psti.s1.1.3d', 'etsi.5.1-2'];
// A secret (key, token) baked identically into every unit's software.
export const SHARED_SECRET_LAW = ['etsi.5.4-3'];
// Cleartext or unauthenticated network services (ETSI 5.5-1 communicate securely; 5.6-2 minimise
// unauthenticated disclosure in the initial state).
export const CLEARTEXT_SERVICE_LAW = ['etsi.5.5-1'];
export const UNAUTHENTICATED_SERVICE_LAW = ['etsi.5.6-2'];

export interface InspectContext {
  /** Cracks hashes with the bundled lists; memoised per hash across inspectors. */
  crack(targets: CrackTarget[]): Promise<CrackResult[]>;
  /** Put secrets in evidence unmasked (the CLI's --show-secrets). */
  showSecrets: boolean;
  /** Epoch milliseconds after which inspectors stop doing optional work. */
  deadline: number;
  /** Most bytes of one binary scanned for printable strings. */
  maxStringScanBytes: number;
}

export interface ContextOptions {
  showSecrets?: boolean;
  deadline?: number;
  maxCandidatesPerHash?: number;
  workers?: number;
  maxStringScanBytes?: number;
  /** The word list; the bundled one by default. */
  candidates?: readonly string[];
}

/** A context with a cracker bounded by the deadline and remembering what it already cracked. */
export function createContext(options: ContextOptions = {}): InspectContext {
  const deadline = options.deadline ?? Date.now() + 5 * 60 * 1000;
  const known = new Map<string, Promise<CrackResult>>();
  const candidates = options.candidates ?? crackCandidates();
  return {
    showSecrets: options.showSecrets ?? false,
    deadline,
    maxStringScanBytes: options.maxStringScanBytes ?? 32 * 1024 * 1024,
    async crack(targets) {
      const fresh = targets.filter((t) => !known.has(`${t.account}\n${t.hash}`));
      if (fresh.length > 0) {
        const run = crackHashes(fresh, candidates, {
          deadline,
          ...(options.maxCandidatesPerHash === undefined ? {} : { maxCandidatesPerHash: options.maxCandidatesPerHash }),
          ...(options.workers === undefined ? {} : { workers: options.workers }),
        });
        fresh.forEach((t, i) =>
          known.set(
            `${t.account}\n${t.hash}`,
            run.then((all) => all[i] ?? Promise.reject(new Error('the cracker returned fewer results than hashes'))),
          ),
        );
      }
      return Promise.all(targets.map((t) => known.get(`${t.account}\n${t.hash}`) ?? Promise.reject(new Error('unreachable'))));
    },
  };
}

export { mask } from '../../output/mask.ts';

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function dirname(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

/** Regular files with data, the only entries an inspector reads. */
export function files(entries: readonly Entry[]): (Entry & { data: Uint8Array })[] {
  return entries.filter((e): e is Entry & { data: Uint8Array } => e.type === 'file' && e.data !== undefined);
}

/** Whether the first bytes look like text (no NULs, few control bytes): scripts, configs, web pages. */
export function looksLikeText(data: Uint8Array): boolean {
  const n = Math.min(data.length, 4096);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = data[i] ?? 0;
    if (b === 0) return false;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return control <= n / 50;
}

/** An entry's bytes as text (UTF-8, undecodable bytes replaced). */
export function textOf(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
}

/** The text's lines with 1-based numbers. */
export function numberedLines(text: string): { line: number; text: string }[] {
  return text.split(/\r?\n/).map((t, i) => ({ line: i + 1, text: t }));
}

/** A shell or config comment line. */
export function isComment(line: string): boolean {
  return /^\s*(#|;|\/\/)/.test(line);
}

/** Shannon entropy in bits per character, for telling a real token from a placeholder. */
export function entropyPerChar(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  const n = [...s].length;
  for (const count of counts.values()) bits -= (count / n) * Math.log2(count / n);
  return bits;
}

/** Values that stand for "no secret here" in configs and templates. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  return (
    v === '' ||
    /^\*+$/.test(v) ||
    /^x+$/i.test(v) ||
    /^(none|null|nil|undefined|disabled?|your[_-]?\w*|<[^>]*>|\$\{?\w+\}?|%\w+%?|\{\{.*\}\}|@\w+@|changeit_on_first_boot)$/i.test(v)
  );
}

/** Keeps the first of several findings that describe the same thing. */
export function uniqueFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}\n${f.path}\n${f.line ?? ''}\n${f.secret ?? f.evidence}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One step more or less severe, within the scale. */
export function shiftSeverity(severity: Severity, steps: number): Severity {
  const i = Math.min(severities.length - 1, Math.max(0, severities.indexOf(severity) - steps));
  return severities[i] ?? severity;
}
