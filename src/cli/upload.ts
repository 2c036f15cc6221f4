// `--upload`: sends a tool's JSON report to the platform as compliance evidence for a product,
// with an API token from the environment (never a command-line argument, which `ps` shows).
import { ConnectableError } from '../errors.ts';
import type { EvidenceKind } from '../compliance/index.ts';
import { evidenceEnvelope } from '../compliance/index.ts';
import { usageError, type Io } from './command.ts';

export const uploadOptions = {
  upload: { type: 'boolean', default: false },
  product: { type: 'string' },
  'firmware-version': { type: 'string' },
  revision: { type: 'string' },
} as const;

export const uploadUsage = `  --upload                   send the report to the platform as evidence for a product (needs
                             CONNECTABLE_URL and CONNECTABLE_TOKEN, a token with evidence.write)
  --product ID|SLUG          the product it is evidence for (with --upload)
  --firmware-version V       the firmware version examined (with --upload)
  --revision R               the hardware revision, when the evidence is for one only`;

export interface UploadTarget {
  url: string;
  token: string;
  product: string;
  firmwareVersion: string | undefined;
  revision: string | undefined;
}

/** Checks the upload options before the (possibly long) run, so a typo fails at once. */
export function uploadTarget(values: Record<string, string | boolean | undefined>, io: Io): UploadTarget | undefined {
  if (!values['upload']) {
    for (const o of ['product', 'firmware-version', 'revision']) if (values[o] !== undefined) throw usageError(`--${o} goes with --upload.`);
    return undefined;
  }
  const url = io.env['CONNECTABLE_URL'];
  const token = io.env['CONNECTABLE_TOKEN'];
  if (!url || !token) throw usageError('--upload needs CONNECTABLE_URL (e.g. https://connectable.example.com) and CONNECTABLE_TOKEN (an API token with the evidence.write scope, from Console → API tokens) in the environment.');
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw usageError(`CONNECTABLE_URL must be an http(s) address, e.g. https://connectable.example.com; got "${url}".`);
  if (!/^cnt_[A-Za-z0-9_-]+$/.test(token)) throw usageError('CONNECTABLE_TOKEN is not a Connectable API token (they start with cnt_).');
  const product = values['product'];
  if (typeof product !== 'string' || product.trim() === '') throw usageError('--upload needs --product ID|SLUG: the product this is evidence for.');
  const firmwareVersion = typeof values['firmware-version'] === 'string' ? values['firmware-version'] : undefined;
  const revision = typeof values['revision'] === 'string' ? values['revision'] : undefined;
  return { url: url.replace(/\/+$/, ''), token, product: product.trim(), firmwareVersion, revision };
}

interface UploadAnswer {
  evidence?: { id: string; passes: boolean; verdict: string };
  duties?: { duty: string; rag: string; reason: string; nextAction: string | null }[];
  error?: { detail?: string; title?: string; code?: string };
  detail?: string;
}

/** Uploads; returns the lines to print. Throws a ConnectableError the CLI maps to exit 2. */
export async function uploadEvidence(target: UploadTarget, kind: EvidenceKind, toolName: string, version: string, report: unknown): Promise<string[]> {
  const query = new URLSearchParams({ kind });
  if (target.firmwareVersion) query.set('firmwareVersion', target.firmwareVersion);
  if (target.revision) query.set('hardwareRevision', target.revision);
  const address = `${target.url}/api/v1/products/${encodeURIComponent(target.product)}/evidence?${query.toString()}`;
  let response: Response;
  try {
    response = await fetch(address, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: evidenceEnvelope(kind, toolName, version, report),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `The upload to ${target.url} failed: ${(error as Error).message}. Check CONNECTABLE_URL and that the platform is running.`);
  }
  const text = await response.text();
  let answer: UploadAnswer = {};
  try {
    answer = JSON.parse(text) as UploadAnswer;
  } catch {
    // not JSON: reported below with the status
  }
  if (!response.ok) {
    const detail = answer.detail ?? answer.error?.detail ?? text.slice(0, 300);
    throw new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', `The platform refused the upload (HTTP ${response.status}): ${detail}`);
  }
  const lines = [`Uploaded to ${target.url} as ${kind} evidence for ${target.product}${target.firmwareVersion ? ` (firmware ${target.firmwareVersion})` : ''}: ${answer.evidence?.passes ? 'passes' : 'fails'}.`];
  for (const d of answer.duties ?? []) lines.push(`  ${d.duty}: ${d.rag.toUpperCase()} — ${d.reason}${d.nextAction ? ` Next: ${d.nextAction}` : ''}`);
  return lines;
}
