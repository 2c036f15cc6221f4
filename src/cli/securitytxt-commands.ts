import fs from 'node:fs';
import { isConnectableError } from '../errors.ts';
import { SECURITY_TXT_PATH, validateSecurityTxt, type SecurityTxtField, type SecurityTxtProblem } from '../disclosure/index.ts';
import { EXIT, json, usageError, type Command, type Io } from './command.ts';

// The edge of the security.txt check: reading a file or fetching an address, within bounds,
// and how it was served (RFC 9116 §3). What the file says is judged by disclosure/security-txt.ts.

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

/** A security.txt is a few hundred bytes; these bounds only stop a hostile or broken server. */
export const FETCH_LIMITS: FetchLimits = { timeoutMs: 10_000, maxBytes: 1024 * 1024, maxRedirects: 3 };

export interface FetchedSecurityTxt {
  /** The address asked for first. */
  requested: string;
  /** The address the body came from, after redirects. */
  url: string;
  redirects: string[];
  status: number;
  contentType: string | undefined;
  body: Uint8Array;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Untrusted text from a server or a path, shown on a terminal: control characters escaped. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A site's address means its well-known security.txt; an address with a path is taken as it is. */
export function securityTxtAddress(target: string): string {
  const url = URL.parse(target);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw usageError(`"${printable(target)}" is not an http:// or https:// address.`);
  if (url.pathname === '/' && !url.search && !url.hash) url.pathname = SECURITY_TXT_PATH;
  return url.href;
}

function unreachable(address: string, e: unknown, limits: FetchLimits): Error {
  const error = e as Error & { cause?: { code?: string; message?: string } };
  const reason =
    error.name === 'TimeoutError' || error.name === 'AbortError'
      ? `no complete answer within ${limits.timeoutMs / 1000} s`
      : (error.cause?.code ?? error.cause?.message ?? error.message);
  return usageError(`Could not fetch ${printable(address)}: ${printable(String(reason))}. Check the address and that the server is up.`);
}

async function readBody(response: Response, address: string, limits: FetchLimits): Promise<Uint8Array> {
  const tooBig = (): Error => usageError(`${printable(address)} sent more than ${limits.maxBytes / 1024 / 1024} MiB, so it was not read; a security.txt is a few hundred bytes.`);
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limits.maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Fetches a security.txt within bounds: one deadline for the whole exchange, a size cap, and
 * redirects followed by hand so each hop is recorded (RFC 9116 §5.2 asks readers to look at them).
 * Network failures throw CONNECTABLE_ERR_INVALID_INPUT naming the address tried; an answer of
 * any HTTP status is returned, since a 404 is a finding about the site, not a failure to check.
 */
export async function fetchSecurityTxt(address: string, limits: FetchLimits = FETCH_LIMITS): Promise<FetchedSecurityTxt> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const redirects: string[] = [];
  let current = address;
  for (;;) {
    let response: Response;
    try {
      response = await fetch(current, { redirect: 'manual', signal, headers: { accept: 'text/plain' } });
    } catch (e) {
      throw unreachable(current, e, limits);
    }
    if (REDIRECTS.has(response.status)) {
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location');
      const next = location === null ? null : URL.parse(location, current);
      if (!next || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
        throw usageError(`${printable(current)} answered ${response.status} but gave no http(s) address to go to (Location: ${printable(location ?? 'none')}).`);
      }
      if (redirects.length >= limits.maxRedirects) {
        throw usageError(`${printable(address)} redirects more than ${limits.maxRedirects} times (next: ${next.href}); serve the file at one address, or check the final one directly.`);
      }
      redirects.push(next.href);
      current = next.href;
      continue;
    }
    try {
      const body = await readBody(response, current, limits);
      return { requested: address, url: current, redirects, status: response.status, contentType: response.headers.get('content-type') ?? undefined, body };
    } catch (e) {
      if (isConnectableError(e)) throw e;
      throw unreachable(current, e, limits);
    }
  }
}

function isLoopback(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

/** What RFC 9116 §3 asks of the serving, as problems about the exchange rather than a line. */
export function servingProblems(fetched: FetchedSecurityTxt): SecurityTxtProblem[] {
  const problems: SecurityTxtProblem[] = [];
  const add = (severity: SecurityTxtProblem['severity'], rule: string, message: string): void => {
    problems.push({ line: 0, severity, rule, message });
  };
  const url = new URL(fetched.url);
  if (fetched.status < 200 || fetched.status > 299) {
    add('error', 'rfc9116.3-http-status', `${fetched.url} answered HTTP ${fetched.status}, so researchers find no security.txt there; publish the file at ${url.origin}${SECURITY_TXT_PATH}.`);
    return problems;
  }
  if (url.protocol !== 'https:') {
    // RFC 9116 §5.7 accepts that localhost cannot be served over HTTPS; anywhere else it is a MUST.
    add(isLoopback(url) ? 'warning' : 'error', 'rfc9116.3-https', `The file was served over plain HTTP; RFC 9116 §3 requires https://. Serve ${url.host}${url.pathname} over HTTPS (and redirect http:// to it).`);
  }
  const [mediaType = '', ...parameters] = (fetched.contentType ?? '').split(';');
  const media = mediaType.trim().toLowerCase();
  const charset = parameters.map((p) => p.trim()).find((p) => /^charset=/i.test(p))?.slice('charset='.length).replace(/^"|"$/g, '').toLowerCase();
  if (media !== 'text/plain') {
    add('error', 'rfc9116.3-content-type', `The file was served as ${fetched.contentType ? `"${printable(fetched.contentType)}"` : 'no Content-Type'}; RFC 9116 §3 requires "text/plain; charset=utf-8". Configure the web server for this path (nginx: default_type text/plain; charset utf-8;).`);
  } else if (charset === undefined) {
    add('warning', 'rfc9116.3-charset', 'The file was served as text/plain without a charset; send "Content-Type: text/plain; charset=utf-8" (RFC 9116 §3) so non-ASCII text reads right.');
  } else if (charset !== 'utf-8' && charset !== 'utf8') {
    add('error', 'rfc9116.3-charset', `The file was served with charset=${printable(charset)}; RFC 9116 §3 requires "text/plain; charset=utf-8".`);
  }
  if (url.pathname !== SECURITY_TXT_PATH) {
    add('warning', 'rfc9116.3-location', `The file was read from ${url.pathname}; web services must publish it at ${SECURITY_TXT_PATH} (RFC 9116 §3), where researchers and tools look.`);
  }
  for (const hop of fetched.redirects) {
    const to = new URL(hop);
    if (to.origin !== new URL(fetched.requested).origin) {
      add('warning', 'rfc9116.5.2-redirect', `The request was redirected to another site, ${to.origin}; make sure it is yours, or serve the file directly, since researchers treat such redirects with suspicion (RFC 9116 §5.2).`);
      break;
    }
  }
  return problems;
}

function readFile(file: string, maxBytes: number): Uint8Array {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const hint = /^[\w.-]+\.[a-z]{2,}$/i.test(file) ? ` To check a web site, give its address: https://${file}` : '';
    throw usageError(`Cannot read ${printable(file)}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}.${hint}`);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw usageError(`${printable(file)} is not a file; give a security.txt file or an https:// address.`);
    // Read one byte past the limit rather than trusting the size, which can change under us.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) throw usageError(`${printable(file)} is larger than ${maxBytes / 1024 / 1024} MiB, so it was not read; a security.txt is a few hundred bytes.`);
    return buffer.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}

interface CheckReport {
  source: string;
  http?: { requested: string; url: string; redirects: string[]; status: number; contentType: string | null; https: boolean; problems: SecurityTxtProblem[] };
  signed: boolean;
  verdict: 'pass' | 'fail';
  errors: number;
  warnings: number;
  problems: SecurityTxtProblem[];
  fields: SecurityTxtField[];
}

function problemLine(where: string, p: SecurityTxtProblem): string {
  return `${where}: ${p.severity} ${p.rule} — ${p.message}`;
}

function printReport(report: CheckReport, io: Io): void {
  const { http } = report;
  if (http) {
    const hops = http.redirects.length ? `, redirected ${[http.requested, ...http.redirects].map(printable).join(' → ')}` : '';
    io.out(`Fetched ${printable(http.url)}: HTTP ${http.status}, Content-Type ${http.contentType === null ? 'none' : printable(http.contentType)}, ${http.https ? 'over HTTPS' : 'not over HTTPS'}${hops}.`);
    for (const p of http.problems) io.out(problemLine('http', p));
  } else {
    io.out(`Read ${printable(report.source)}.`);
  }
  if (!http || http.status < 300) io.out(`${report.signed ? 'OpenPGP cleartext-signed (the signature is not verified here)' : 'Not signed'}; ${report.fields.length} field${report.fields.length === 1 ? '' : 's'}.`);
  for (const p of report.problems) io.out(problemLine(p.line === 0 ? 'file' : `line ${p.line}`, p));
  const counts = `${report.errors} error${report.errors === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}`;
  io.out(report.verdict === 'pass' ? `Verdict: pass (${counts}).` : `Verdict: fail (${counts}). Fix the errors above and check again.`);
}

const checkUsage = `connectable securitytxt check URL|FILE [--url URL] [--json]

Checks a security.txt against RFC 9116 (the public point of contact for vulnerability reports,
psti.s1.2.1) and lists every problem with its line, and what to write instead.

  URL          https://example.com checks https://example.com${SECURITY_TXT_PATH}; an address
               with a path is fetched as it is (${FETCH_LIMITS.timeoutMs / 1000} s, ${FETCH_LIMITS.maxBytes / 1024 / 1024} MiB, at most ${FETCH_LIMITS.maxRedirects} redirects).
               How it is served is checked too: HTTPS, Content-Type text/plain; charset=utf-8.
  FILE         a local file (at most ${FETCH_LIMITS.maxBytes / 1024 / 1024} MiB), e.g. before you publish it
  --url URL    for a FILE: the address it will be served from, which Canonical should list
  --json       print the result as JSON

Exit code 0 when there are no errors (warnings are allowed), 1 when there are, 2 when the file
cannot be read or the address cannot be fetched. OpenPGP signatures are framed, not verified.`;

export const securityTxtCommands: Record<string, Command> = {
  'securitytxt check': {
    summary: 'Check a security.txt (file or web address) against RFC 9116',
    usage: checkUsage,
    positionals: 'URL|FILE',
    options: { url: { type: 'string' }, ...json },
    async run(values, io, positionals) {
      const [target, ...extra] = positionals;
      if (!target || extra.length) throw usageError(`Give one web address or one file.\n\n${checkUsage}`);
      const now = new Date();
      let report: CheckReport;
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
        if (values['url'] !== undefined) throw usageError('--url is for a FILE; for an address, Canonical is checked against the address fetched.');
        const fetched = await fetchSecurityTxt(securityTxtAddress(target));
        const served = servingProblems(fetched);
        const ok = fetched.status >= 200 && fetched.status <= 299;
        const checked = ok ? validateSecurityTxt(fetched.body, { now, url: fetched.url }) : { fields: [], signed: false, problems: [], errors: 0, warnings: 0 };
        const servedErrors = served.filter((p) => p.severity === 'error').length;
        const errors = checked.errors + servedErrors;
        report = {
          source: target,
          http: { requested: fetched.requested, url: fetched.url, redirects: fetched.redirects, status: fetched.status, contentType: fetched.contentType ?? null, https: new URL(fetched.url).protocol === 'https:', problems: served },
          signed: checked.signed,
          verdict: errors ? 'fail' : 'pass',
          errors,
          warnings: checked.warnings + served.length - servedErrors,
          problems: checked.problems,
          fields: checked.fields,
        };
      } else {
        const url = values['url'];
        if (typeof url === 'string' && !URL.canParse(url)) throw usageError(`--url takes the address the file will be served from, e.g. https://example.com${SECURITY_TXT_PATH}; got "${printable(url)}".`);
        const checked = validateSecurityTxt(readFile(target, FETCH_LIMITS.maxBytes), typeof url === 'string' ? { now, url } : { now });
        report = { source: target, signed: checked.signed, verdict: checked.valid ? 'pass' : 'fail', errors: checked.errors, warnings: checked.warnings, problems: checked.problems, fields: checked.fields };
      }
      if (values['json']) io.out(JSON.stringify(report, null, 2));
      else printReport(report, io);
      return report.errors ? EXIT.findings : EXIT.ok;
    },
  },
};
