import fs from 'node:fs';
import { readDirectory } from './directory-source.ts';
import { inspect as inspectAccounts } from './inspect/accounts.ts';
import { createContext, uniqueFindings, type Finding } from './inspect/finding.ts';
import { inspect as inspectHardcoded } from './inspect/hardcoded.ts';
import { inspect as inspectKeys } from './inspect/keys.ts';
import { inspect as inspectServices } from './inspect/services.ts';
import { summarise, type ScanSummary } from './inspect/summary.ts';
import { scanBlob, type ContainerFound, type ScanProgress } from './scan.ts';
import { signatures } from './unpack/index.ts';
import { defaultLimits, type Entry, type Limits, type Problem } from './unpack/types.ts';

// One image (or extracted directory) from path to verdict: unpack within the stated limits,
// inspect every file system found, and summarise against the password duty.

export interface ScanOptions {
  showSecrets?: boolean;
  /** Seconds the whole scan may take (unpacking and cracking). */
  timeoutSeconds?: number;
  maxDepth?: number;
  limits?: Partial<Omit<Limits, 'used' | 'deadline'>>;
  onProgress?: (progress: ScanProgress) => void;
}

export interface ReportedFinding extends Finding {
  /** Where the file system holding the file was found, e.g. 'uimage@0x0/decompressed/squashfs@0x0'. */
  location: string;
}

export interface ScanReport {
  target: string;
  kind: 'image' | 'directory';
  size: number;
  sha256: string | null;
  containers: ContainerFound[];
  findings: ReportedFinding[];
  problems: (Problem & { location: string })[];
  summary: ScanSummary;
  limits: { maxFileBytes: number; maxTotalBytes: number; maxEntries: number; timeoutSeconds: number; maxDepth: number };
  durationMs: number;
}

export const DEFAULT_TIMEOUT_SECONDS = 600;
export const DEFAULT_MAX_DEPTH = 6;

const inspectors = [inspectAccounts, inspectServices, inspectHardcoded, inspectKeys];

export async function scanPath(target: string, options: ScanOptions = {}): Promise<ScanReport> {
  const started = Date.now();
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const limits: Limits = { ...defaultLimits(started), ...options.limits, deadline: started + timeoutSeconds * 1000, used: { bytes: 0, entries: 0 } };
  const context = createContext({ showSecrets: options.showSecrets ?? false, deadline: limits.deadline });
  const inspect = async (entries: Entry[]): Promise<Finding[]> => uniqueFindings((await Promise.all(inspectors.map((i) => i(entries, context)))).flat());

  const stat = fs.statSync(target);
  let blob: Uint8Array;
  let entries: Entry[] | undefined;
  const problems: (Problem & { location: string })[] = [];
  if (stat.isDirectory()) {
    const read = readDirectory(target, limits);
    entries = read.entries;
    for (const p of read.problems) problems.push({ ...p, location: '(directory)' });
    blob = new Uint8Array(0);
  } else {
    blob = fs.readFileSync(target);
  }
  const scanned = await scanBlob(blob, {
    signatures,
    limits,
    maxDepth,
    inspect,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(entries ? { entries } : {}),
  });
  const findings = scanned.findings.map(({ location, item }) => ({ ...item, location }));
  for (const { location, item } of scanned.problems) problems.push({ ...item, location });
  return {
    target,
    kind: entries ? 'directory' : 'image',
    size: entries ? entries.reduce((n, e) => n + (e.data?.byteLength ?? 0), 0) : blob.byteLength,
    sha256: entries ? null : scanned.sha256,
    containers: scanned.containers,
    findings,
    problems,
    summary: summarise(findings),
    limits: { maxFileBytes: limits.maxFileBytes, maxTotalBytes: limits.maxTotalBytes, maxEntries: limits.maxEntries, timeoutSeconds, maxDepth },
    durationMs: Date.now() - started,
  };
}
