// HTTP and HTTPS: find a device's web login and prove whether a credential opens it.
//
// Peers' false positives come from believing an answer instead of comparing it: a 200 from a
// page that needed no login, a 200 that is the login page again, a redirect taken as a welcome.
// Here a success is claimed only when the device is seen to refuse the same thing without the
// credential and grant it with it:
//
// - Basic / Digest: the request answers 401 without credentials and 2xx (or a redirect to an
//   in-scope page that is not a login page) with them. Digest fetches its challenge with the
//   same request, so the 401 is seen in every attempt; Basic repeats the request without
//   credentials after a 2xx. A stale nonce is retried once.
// - A known device's form (http-fingerprints.ts): after posting the recipe's fields, a page
//   fetched with the session shows no login (no password field, no 401, no redirect to a login
//   page, the recipe's success marker if it names one) while the same page fetched without the
//   session shows the login. Login CGIs ('response' recipes) must carry the success marker with
//   the credential and not without it.
// - A form nobody described (generic): all of the above, and the login answer must set a session
//   cookie (a new name or a new value) and the page reached with it must differ from the login
//   page. Anything short of that is 'rejected' with "not proven": the scheduler's control attempt
//   with a random password, which must be refused, is compared against the same rules.
//
// Every request goes through connectTcp (scope checked, connect bounded) on a fresh connection,
// reads at most 16 KiB of headers and 64 KiB of body within ctx.timeoutMs for the headers and
// again for the body. Redirects (Location, meta refresh) are followed by hand, at most three,
// only to address literals in scope; one that points elsewhere is reported, never fetched.
import http from 'node:http';
import net from 'node:net';
import type tls from 'node:tls';
import { connectTcp, failureOf, printable, startTls, where } from '../net.ts';
import { ProbeFailure, type AttemptResult, type Credential, type Detection, type Endpoint, type ProbeContext, type ProtocolProbe } from '../types.ts';
import { containedStep } from './contained.ts';
import { basicAuthorization, digestAuthorization, digestChallenge, parseAuthenticate, type DigestChallenge } from './digest.ts';
import { fingerprintProbePaths, matchFingerprint, type DeviceWebUi, type FingerprintMatch, type FormRecipe, type HttpObservation } from './http-fingerprints.ts';

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_HEADER_BYTES = 16 * 1024;
export const MAX_REDIRECTS = 3;
/** Probe paths asked for when `/` identifies nothing: enough for the table, bounded for hostile peers. */
const MAX_PROBE_PATHS = 4;
const USER_AGENT = 'connectable-probe (default-credential test; EN 303 645 5.1-1)';

export interface Certificate {
  subject: string;
  /** SHA-256 of the DER certificate, colon-separated hex as openssl prints it. */
  sha256: string;
}

export type LoginPlan =
  | { kind: 'basic' | 'digest'; path: string; realm: string }
  | {
      kind: 'form';
      recipe: FormRecipe;
      /** No fingerprint named this form's fields: the stricter generic rule applies. */
      generic: boolean;
      loginPage: string;
      /** A page that led to the login without a session: where a session is proven. */
      protectedPath: string;
    }
  | { kind: 'none'; reason: string };

/** What detect() leaves in Detection.state for attempt(). */
export interface HttpState {
  probe: 'http';
  login: LoginPlan;
  certificate?: Certificate;
  /** A redirect that pointed outside the targets (not followed). */
  offScope?: string;
}

export function isHttpState(value: unknown): value is HttpState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { probe?: unknown; login?: { kind?: unknown } };
  return v.probe === 'http' && typeof v.login === 'object' && v.login !== null && typeof v.login.kind === 'string';
}

function makeProbe(service: 'http' | 'https', defaultPorts: readonly number[]): ProtocolProbe {
  const secure = service === 'https';
  return {
    service,
    transport: 'tcp',
    defaultPorts,
    detect: containedStep('HTTP probe', (endpoint, ctx) => detect(endpoint, ctx, secure)),
    attempt: containedStep('HTTP probe', (endpoint, detection, credential, ctx) => attempt(endpoint, detection, credential, ctx, secure)),
  };
}

export const httpProbe: ProtocolProbe = makeProbe('http', [80, 8080, 8000, 8081]);
export const httpsProbe: ProtocolProbe = makeProbe('https', [443, 8443]);

// ---------------------------------------------------------------------------------------------
// One bounded request on a fresh connection

interface Answer {
  url: URL;
  status: number;
  headers: http.IncomingHttpHeaders;
  /** latin1, so every byte survives for matching; at most MAX_BODY_BYTES, the rest unread. */
  body: string;
  certificate?: Certificate;
}

interface Ask {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  jar?: CookieJar;
}

/** The peer answered, but not in HTTP: detect() reports it as another service. */
class NotHttpFailure extends ProbeFailure {
  readonly firstBytes: Buffer;
  constructor(message: string, firstBytes: Buffer) {
    super('protocol', message);
    this.firstBytes = firstBytes;
  }
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

function portOf(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

/** Why a URL may not be fetched, or undefined when it may. */
function outOfReach(url: URL, ctx: ProbeContext): string | undefined {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} is not HTTP`;
  const host = hostOf(url);
  if (net.isIP(host) === 0) return `${host} is a name: names are not resolved by the probe`;
  if (!ctx.inScope(host)) return `${host} is not among the targets`;
  return undefined;
}

async function ask(url: URL, ctx: ProbeContext, init: Ask = {}): Promise<Answer> {
  const reason = outOfReach(url, ctx);
  if (reason) throw new ProbeFailure('out-of-scope', `${url.href} not contacted: ${reason}`);
  const endpoint = { host: hostOf(url), port: portOf(url) };
  const raw = await connectTcp(endpoint, ctx);
  let socket: net.Socket = raw;
  try {
    let certificate: Certificate | undefined;
    if (url.protocol === 'https:') {
      const secure = await tlsHandshake(raw, endpoint, ctx);
      socket = secure;
      certificate = certificateOf(secure);
    }
    const answer = await exchange(socket, url, endpoint, ctx, init);
    return certificate ? { ...answer, certificate } : answer;
  } finally {
    socket.destroy();
    raw.destroy();
  }
}

/**
 * Devices ship self-signed certificates and old protocol versions: the floor is low, because the
 * point is to reach the login, not to trust the channel.
 */
function tlsHandshake(raw: net.Socket, endpoint: { host: string; port: number }, ctx: ProbeContext): Promise<tls.TLSSocket> {
  return startTls(raw, endpoint, ctx, {
    tls: { minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' },
    failure: (e) =>
      e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.code === 'ETIMEDOUT'
        ? failureOf(e, endpoint)
        : new ProbeFailure('tls', `TLS handshake with ${where(endpoint)} failed: ${e.message}`, { cause: e }),
  });
}

function certificateOf(secure: tls.TLSSocket): Certificate | undefined {
  const cert = secure.getPeerCertificate();
  if (!cert || typeof cert.fingerprint256 !== 'string') return undefined;
  const subject = Object.entries(cert.subject ?? {})
    .map(([k, v]: [string, unknown]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');
  return { subject: printable(subject, 200), sha256: cert.fingerprint256 };
}

function exchange(socket: net.Socket, url: URL, endpoint: { host: string; port: number }, ctx: ProbeContext, init: Ask): Promise<Answer> {
  const method = init.method ?? 'GET';
  const path = `${url.pathname}${url.search}`;
  const what = `${method} ${printable(path, 80)} on ${where(endpoint)}`;
  return new Promise<Answer>((resolve, reject) => {
    const headers: Record<string, string> = { Host: url.host, 'User-Agent': USER_AGENT, Accept: '*/*', Connection: 'close', ...init.headers };
    const cookie = init.jar?.header();
    if (cookie) headers['Cookie'] = cookie;
    if (init.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(init.body));

    // The first bytes, to show what answered when it is not HTTP.
    const first: Buffer[] = [];
    let firstSize = 0;
    const onData = (chunk: Buffer): void => {
      if (firstSize >= 256) return;
      first.push(chunk.subarray(0, 256 - firstSize));
      firstSize += Math.min(chunk.length, 256 - firstSize);
    };
    socket.on('data', onData);

    let settled = false;
    let timer = setTimeout(() => fail(new ProbeFailure('timeout', `${what}: no answer within ${ctx.timeoutMs} ms`)), ctx.timeoutMs);
    const onAbort = (): void => fail(new ProbeFailure('aborted', 'the probe was stopped'));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      request.destroy();
      socket.destroy();
    };
    const fail = (error: ProbeFailure): void => {
      if (settled) return;
      finish();
      reject(error);
    };

    const request = http.request({
      method,
      path,
      headers,
      createConnection: () => socket,
      maxHeaderSize: MAX_HEADER_BYTES,
    });
    request.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'HPE_HEADER_OVERFLOW') fail(new ProbeFailure('protocol', `${what}: headers larger than ${MAX_HEADER_BYTES} bytes`, { cause: e }));
      else if (e.code?.startsWith('HPE_')) fail(new NotHttpFailure(`${what}: the answer is not HTTP (${e.code})`, Buffer.concat(first)));
      else if (e.code === 'ECONNRESET' && firstSize > 0) fail(new NotHttpFailure(`${what}: the peer closed the connection without an HTTP answer`, Buffer.concat(first)));
      else if (e.code === 'ECONNRESET') fail(new ProbeFailure('reset', `${what}: the connection was closed without an answer`, { cause: e }));
      else fail(failureOf(e, endpoint));
    });
    request.on('response', (response: http.IncomingMessage) => {
      clearTimeout(timer);
      timer = setTimeout(() => fail(new ProbeFailure('timeout', `${what}: the body did not end within ${ctx.timeoutMs} ms`)), ctx.timeoutMs);
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        if (settled) return;
        const body = Buffer.concat(chunks).toString('latin1');
        finish();
        init.jar?.take(response.headers['set-cookie']);
        resolve({ url, status: response.statusCode ?? 0, headers: response.headers, body });
      };
      response.on('data', (chunk: Buffer) => {
        const room = MAX_BODY_BYTES - size;
        chunks.push(chunk.subarray(0, room));
        size += Math.min(room, chunk.length);
        // Enough to recognise a page; a body without end must not keep the probe.
        if (size >= MAX_BODY_BYTES) done();
      });
      response.on('end', () => done());
      response.on('error', (e: NodeJS.ErrnoException) => fail(failureOf(e, endpoint)));
      response.on('close', () => {
        if (!response.complete) fail(new ProbeFailure('reset', `${what}: the connection closed before the body ended`));
      });
    });
    request.end(init.body);
  });
}

// ---------------------------------------------------------------------------------------------
// Cookies: one device, one session; scope and expiry attributes do not matter here.

class CookieJar {
  private readonly values = new Map<string, string>();

  take(setCookie: string[] | undefined): void {
    for (const line of (setCookie ?? []).slice(0, 50)) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim().slice(0, 4096);
      const expired = /;\s*max-age\s*=\s*0\b/i.test(line) || /;\s*expires\s*=\s*[^;]*19[0-9]{2}\b/i.test(line);
      if (value === '' || expired) this.values.delete(name);
      else if (this.values.size < 50 || this.values.has(name)) this.values.set(name, value);
    }
  }

  header(): string | undefined {
    return this.values.size === 0 ? undefined : [...this.values].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  snapshot(): Map<string, string> {
    return new Map(this.values);
  }

  /** Names of cookies that are new or changed since a snapshot. */
  changedSince(before: Map<string, string>): string[] {
    return [...this.values].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
  }
}

// ---------------------------------------------------------------------------------------------
// Following redirects by hand

interface Followed {
  first: Answer;
  last: Answer;
  /** Every URL fetched, in order. */
  trail: URL[];
  /** A redirect led to a login page. */
  viaLogin: boolean;
  /** A redirect that was not followed because it leaves the targets, with why. */
  offScope?: string;
}

async function follow(url: URL, ctx: ProbeContext, jar?: CookieJar): Promise<Followed> {
  const first = await ask(url, ctx, jar ? { jar } : {});
  let last = first;
  const trail = [url];
  let viaLogin = false;
  for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
    const next = redirectOf(last);
    if (!next) break;
    const reason = outOfReach(next, ctx);
    if (reason) return { first, last, trail, viaLogin, offScope: `${printable(next.href, 200)} (${reason}: not followed)` };
    if (trail.some((u) => u.href === next.href)) break;
    if (isLoginUrl(next)) viaLogin = true;
    trail.push(next);
    last = await ask(next, ctx, jar ? { jar } : {});
  }
  return { first, last, trail, viaLogin };
}

/** Where an answer sends the client: a Location on a 3xx, or a meta refresh on a page. */
function redirectOf(answer: Answer): URL | undefined {
  let target: string | undefined;
  if (answer.status >= 300 && answer.status < 400) target = answer.headers.location;
  else if (answer.status >= 200 && answer.status < 300) {
    const meta = /<meta\b[^<>]*http-equiv\s*=\s*["']?refresh["']?[^<>]*>/i.exec(answer.body);
    const content = meta ? attributes(meta[0]).get('content') : undefined;
    const m = content ? /url\s*=\s*['"]?([^'"]+)['"]?/i.exec(content) : undefined;
    target = m?.[1]?.trim();
  }
  if (target === undefined || target === '') return undefined;
  try {
    return new URL(target, answer.url);
  } catch {
    return undefined;
  }
}

const LOGIN_PATH = /(?:^|[^a-z])(?:log-?in|log-?on|sign-?in|auth)(?![a-z])/i;

function isLoginUrl(url: URL): boolean {
  return LOGIN_PATH.test(url.pathname);
}

// ---------------------------------------------------------------------------------------------
// Reading pages

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (_, e: string) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos' || l === '#39') return "'";
    const code = l.startsWith('#x') ? parseInt(l.slice(2), 16) : parseInt(l.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
  });
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  const inner = tag.replace(/^<\s*[\w-]+/, '').replace(/\/?>$/, '');
  for (const m of inner.matchAll(/([^\s=>"'/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g)) {
    const name = (m[1] ?? '').toLowerCase();
    if (!out.has(name)) out.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return out;
}

function titleOf(body: string): string | undefined {
  const m = /<title[^<>]*>([^<]{0,500})<\/title>/i.exec(body);
  return m ? printable(decodeEntities(m[1] ?? ''), 120) : undefined;
}

/** What a user would read: no markup, scripts, styles or comments. */
function visibleText(body: string): string {
  const bare = cut(cut(cut(body, '<!--', '-->'), '<script', '</script'), '<style', '</style');
  return decodeEntities(bare.replace(/<[^<>]*>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The text without what lies between `open` and `close` (case-insensitive), in one pass: a
 * backtracking regex would take quadratic time on a page full of unclosed openings.
 */
function cut(text: string, open: string, close: string): string {
  const lower = text.toLowerCase();
  let out = '';
  let at = 0;
  for (;;) {
    const start = lower.indexOf(open, at);
    if (start < 0) break;
    out += `${text.slice(at, start)} `;
    const end = lower.indexOf(close, start + open.length);
    at = end < 0 ? text.length : end + close.length;
  }
  return out + text.slice(at);
}

// Tags are read with [^<>]* so a page of unclosed tags costs linear time, not quadratic.
const PASSWORD_INPUT = /<input\b[^<>]*\btype\s*=\s*["']?password\b/i;

interface Input {
  tag: 'input' | 'button';
  name: string;
  type: string;
  value: string;
}

interface LoginForm {
  action: string;
  method: 'GET' | 'POST';
  usernameField?: string;
  passwordField: string;
  /** Hidden fields (CSRF tokens among them) and a named submit button, sent back as they are. */
  carried: [string, string][];
}

function formsOf(body: string): { attrs: Map<string, string>; inputs: Input[] }[] {
  const forms: { attrs: Map<string, string>; inputs: Input[] }[] = [];
  for (const m of body.matchAll(/(<form\b[^<>]*>)([\s\S]*?)(?:<\/form\s*>|$)/gi)) {
    const inputs: Input[] = [];
    for (const t of (m[2] ?? '').matchAll(/<(input|button)\b[^<>]*>/gi)) {
      const a = attributes(t[0]);
      const tag = (t[1] ?? '').toLowerCase() === 'button' ? 'button' : 'input';
      inputs.push({ tag, name: a.get('name') ?? '', type: (a.get('type') ?? (tag === 'button' ? 'submit' : 'text')).toLowerCase(), value: a.get('value') ?? '' });
    }
    forms.push({ attrs: attributes(m[1] ?? ''), inputs });
  }
  return forms;
}

/** The form with a password field (the recipe's, when it names one), and what to send back. */
function loginFormOf(body: string, recipe?: FormRecipe): LoginForm | undefined {
  for (const form of formsOf(body)) {
    const password = form.inputs.find((i) => i.tag === 'input' && i.type === 'password' && i.name !== '' && (recipe?.passwordField === undefined || i.name === recipe.passwordField));
    if (!password) continue;
    const textual = form.inputs.filter((i) => i.tag === 'input' && ['text', 'email', 'tel', ''].includes(i.type) && i.name !== '');
    const before = textual.filter((i) => form.inputs.indexOf(i) < form.inputs.indexOf(password));
    const user = textual.find((i) => /user|login|name|account|email|usr/i.test(i.name)) ?? before.at(-1);
    const carried: [string, string][] = form.inputs.filter((i) => i.tag === 'input' && i.type === 'hidden' && i.name !== '').map((i) => [i.name, i.value]);
    const submit = form.inputs.find((i) => i.type === 'submit' && i.name !== '');
    if (submit) carried.push([submit.name, submit.value]);
    return {
      action: form.attrs.get('action') ?? '',
      method: (form.attrs.get('method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET',
      ...(user ? { usernameField: user.name } : {}),
      passwordField: password.name,
      carried,
    };
  }
  return undefined;
}

/** A page compared with the login page, tokens and counters left out. */
function shape(body: string): string {
  return body
    .replace(/<input\b[^<>]*>/gi, (tag) => tag.replace(/\bvalue\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, ''))
    .replace(/[0-9a-f]{8,}/gi, '#')
    .replace(/\d+/g, '0')
    .replace(/\s+/g, ' ')
    .trim();
}

function hasMarker(body: string, markers: readonly string[] | undefined): string | undefined {
  if (!markers) return undefined;
  const lower = body.toLowerCase();
  return markers.find((m) => lower.includes(m.toLowerCase()));
}

// A warning such as "the account will be locked after 5 failures" is not a lock-out.
const LOCK_TEXT = new RegExp(
  [
    String.raw`too many (?:failed |invalid |unsuccessful |wrong |incorrect |login |log-in |sign-in )*(?:attempts|tries|logins|requests|failures|errors)`,
    String.raw`\b(?:account|user|login|ip|address|device|access)s? (?:is |has been |was |are |have been )?(?:temporarily |now )?(?:locked|blocked)\b(?! after| if| when)`,
    String.raw`\blocked out\b`,
    String.raw`try again (?:in \d+[^.!]{0,20}|later)`,
  ].join('|'),
  'i',
);

/** Why an answer means the device stopped accepting logins, if it does. */
function lockedOut(answer: Answer, readText: boolean): string | undefined {
  if (answer.status === 429) return `${answer.status} Too Many Requests`;
  if (answer.status === 423) return `${answer.status} Locked`;
  const retry = answer.headers['retry-after'];
  if (retry !== undefined) return `${answer.status} with Retry-After: ${printable(retry, 40)}`;
  if (!readText) return undefined;
  const m = LOCK_TEXT.exec(visibleText(answer.body));
  return m ? `the device says "${printable(m[0], 80)}"` : undefined;
}

function describe(answer: Answer): string {
  const title = titleOf(answer.body);
  const text = title ?? printable(visibleText(answer.body), 60);
  return `${answer.status}${text ? ` "${text}"` : ''}`;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function pathOf(url: URL): string {
  return `${url.pathname}${url.search}`;
}

// ---------------------------------------------------------------------------------------------
// detect()

function baseUrl(endpoint: Endpoint, secure: boolean): URL {
  return new URL(`${secure ? 'https' : 'http'}://${where(endpoint)}/`);
}

function challengeOf(answer: Answer): { kind: 'basic' | 'digest'; realm: string } | undefined {
  const header = answer.headers['www-authenticate'];
  if (header === undefined) return undefined;
  // Servers list their preferred scheme first; both are tried the same way.
  for (const c of parseAuthenticate(header)) {
    const scheme = c.scheme.toLowerCase();
    if (scheme === 'digest' && c.params['nonce'] !== undefined) return { kind: 'digest', realm: c.params['realm'] ?? '' };
    if (scheme === 'basic') return { kind: 'basic', realm: c.params['realm'] ?? '' };
  }
  return undefined;
}

function realmOf(answer: Answer): string | undefined {
  const header = answer.headers['www-authenticate'];
  if (header === undefined) return undefined;
  const c = parseAuthenticate(header).find((x) => x.params['realm'] !== undefined);
  return c?.params['realm'];
}

function observe(path: string, followed: Followed): HttpObservation {
  const last = followed.last;
  const server = headerText(last.headers.server) ?? headerText(followed.first.headers.server);
  const title = titleOf(last.body);
  const realm = realmOf(last) ?? realmOf(followed.first);
  return { path, body: last.body, ...(title === undefined ? {} : { title }), ...(server === undefined ? {} : { server }), ...(realm === undefined ? {} : { realm }) };
}

async function detect(endpoint: Endpoint, ctx: ProbeContext, secure: boolean): Promise<Detection> {
  const base = baseUrl(endpoint, secure);
  let root: Followed;
  try {
    root = await follow(new URL('/', base), ctx);
  } catch (error) {
    if (error instanceof NotHttpFailure) {
      const said = printable(error.firstBytes);
      return { speaks: false, auth: 'unknown', banner: said === '' ? 'closed the connection without an HTTP answer' : said };
    }
    throw error;
  }
  const certificate = root.first.certificate;
  const notes: string[] = [];
  if (root.offScope) notes.push(`redirects to ${root.offScope}`);

  let match = matchFingerprint(observe('/', root));
  let matchedPage = root;
  if (!match && root.last.status !== 401 && !root.offScope) {
    for (const path of fingerprintProbePaths().slice(0, MAX_PROBE_PATHS)) {
      let page: Followed;
      try {
        page = await follow(new URL(path, base), ctx);
      } catch (error) {
        // `/` answered, so the device is there: a probe path that fails only ends the search.
        if (error instanceof ProbeFailure && (error.kind === 'aborted' || error.kind === 'out-of-scope')) throw error;
        break;
      }
      match = matchFingerprint(observe(path, page));
      if (match) {
        matchedPage = page;
        break;
      }
    }
  }

  const banner = (extra: string[] = []): string => {
    const o = observe('/', root);
    const parts = [
      ...(o.server === undefined ? [] : [`Server: ${printable(o.server, 80)}`]),
      ...(o.title === undefined || o.title === '' ? [] : [`title "${o.title}"`]),
      ...(o.realm === undefined ? [] : [`realm "${printable(o.realm, 80)}"`]),
      `GET / → ${root.trail.length > 1 ? `${pathOf(root.last.url)} ` : ''}${root.last.status}`,
      ...notes,
      ...extra,
      ...(certificate ? [`TLS certificate ${certificate.subject || '(empty subject)'}, SHA-256 ${certificate.sha256}`] : []),
    ];
    return printable(parts.join('; '), 700);
  };
  const stateOf = (login: LoginPlan): HttpState => ({
    probe: 'http',
    login,
    ...(certificate ? { certificate } : {}),
    ...(root.offScope ? { offScope: root.offScope } : {}),
  });
  const fingerprint = match ? { fingerprint: match.fingerprint } : {};
  const required = (login: LoginPlan, extra: string[] = []): Detection => ({ speaks: true, auth: 'required', banner: banner(extra), ...fingerprint, state: stateOf(login) });
  const unknown = (reason: string): Detection => ({ speaks: true, auth: 'unknown', noLogin: reason, banner: banner([reason]), ...fingerprint, state: stateOf({ kind: 'none', reason }) });

  if (root.last.status === 401) {
    const challenge = challengeOf(root.last);
    if (challenge) return required({ ...challenge, path: pathOf(root.last.url) }, [`${challenge.kind === 'basic' ? 'Basic' : 'Digest'} authentication on ${pathOf(root.last.url)}`]);
    notes.push('401 without a Basic or Digest challenge');
  }

  if (match) {
    const open = openAccess(match.entry, [root, matchedPage]);
    if (open) return { speaks: true, auth: 'none', banner: banner(), ...fingerprint, openAccessEvidence: open, state: stateOf({ kind: 'none', reason: 'no login: open admin page' }) };
    let plan: Awaited<ReturnType<typeof planFromRecipe>>;
    try {
      plan = await planFromRecipe(match, base, ctx, root, matchedPage);
    } catch (error) {
      // `/` answered: a recipe path that fails leaves the generic search to do.
      if (!(error instanceof ProbeFailure) || error.kind === 'aborted') throw error;
      notes.push(`the ${match.entry.vendor} login path failed: ${error.message}`);
    }
    if (plan) return required(plan.login, [plan.note]);
    notes.push(`the ${match.entry.vendor} login recipe did not fit; looked for a login form instead`);
  }

  for (const page of match && matchedPage !== root ? [matchedPage, root] : [root]) {
    const form = loginFormOf(page.last.body);
    if (!form) continue;
    const action = new URL(form.action || pathOf(page.last.url), page.last.url);
    const reason = outOfReach(action, ctx);
    if (reason) return unknown(`the login form posts to ${printable(action.href, 120)} (${reason}): not tried`);
    const recipe: FormRecipe = {
      kind: 'form',
      loginPage: pathOf(page.last.url),
      method: form.method,
      proof: 'session',
      ...(form.usernameField === undefined ? {} : { usernameField: form.usernameField }),
      passwordField: form.passwordField,
    };
    return required(
      { kind: 'form', recipe, generic: true, loginPage: recipe.loginPage, protectedPath: pathOf(page.trail[0] ?? page.last.url) },
      [`login form on ${recipe.loginPage} (fields ${form.usernameField ?? '(no user name)'}, ${form.passwordField})`],
    );
  }
  if (PASSWORD_INPUT.test(root.last.body)) return unknown('a password field outside any form (a script-driven login): not supported');
  return unknown('no login found');
}

/** Evidence that the admin UI is open, only where a fingerprint says what its admin page shows. */
function openAccess(entry: DeviceWebUi, pages: Followed[]): string | undefined {
  for (const page of pages) {
    const a = page.last;
    if (a.status < 200 || a.status >= 300 || PASSWORD_INPUT.test(a.body)) continue;
    const marker = hasMarker(a.body, entry.openAccessMarkers);
    if (marker) return `GET ${pathOf(page.trail[0] ?? a.url)} answered ${a.status} with the ${entry.vendor} ${entry.product} admin page, which says "${marker}", without any credential`;
  }
  return undefined;
}

async function planFromRecipe(match: FingerprintMatch, base: URL, ctx: ProbeContext, root: Followed, matchedPage: Followed): Promise<{ login: LoginPlan; note: string } | undefined> {
  const recipe = match.entry.login;
  if (recipe.kind !== 'form') {
    const answer = await ask(new URL(recipe.path, base), ctx);
    const challenge = answer.status === 401 ? challengeOf(answer) : undefined;
    if (!challenge) return undefined;
    return { login: { ...challenge, path: recipe.path }, note: `${challenge.kind === 'basic' ? 'Basic' : 'Digest'} authentication on ${recipe.path}` };
  }
  const protectedPath = root.viaLogin ? '/' : (recipe.authenticatedPath ?? '/');
  if (recipe.proof === 'response' && recipe.action !== undefined && recipe.passwordField !== undefined) {
    return { login: { kind: 'form', recipe, generic: false, loginPage: recipe.loginPage, protectedPath }, note: `login by ${recipe.method} ${recipe.action}` };
  }
  const page = [matchedPage, root].find((p) => pathOf(p.last.url) === recipe.loginPage || pathOf(p.trail[0] ?? p.last.url) === recipe.loginPage) ?? (await follow(new URL(recipe.loginPage, base), ctx));
  const form = loginFormOf(page.last.body, recipe);
  if (!form) return undefined;
  // A recipe that leaves the fields to the page knows the product, not the form: strict rule.
  const generic = recipe.passwordField === undefined;
  return {
    login: { kind: 'form', recipe, generic, loginPage: recipe.loginPage, protectedPath },
    note: `login form on ${recipe.loginPage} (fields ${recipe.usernameField ?? form.usernameField ?? '(no user name)'}, ${form.passwordField})`,
  };
}

// ---------------------------------------------------------------------------------------------
// attempt()

async function attempt(endpoint: Endpoint, detection: Detection, credential: Credential, ctx: ProbeContext, secure: boolean): Promise<AttemptResult> {
  if (!isHttpState(detection.state)) throw new ProbeFailure('protocol', 'the detection carries no HTTP login state: detect() must run first');
  const base = baseUrl(endpoint, secure);
  const login = detection.state.login;
  switch (login.kind) {
    case 'none':
      return { outcome: 'rejected', detail: `nothing sent: detection found no login to try (${login.reason})` };
    case 'basic':
    case 'digest':
      return challengeAttempt(base, login, credential, ctx);
    case 'form':
      return login.recipe.proof === 'response' ? responseAttempt(base, login.recipe, credential, ctx) : sessionAttempt(base, login, credential, ctx);
  }
}

function rejected(detail: string): AttemptResult {
  return { outcome: 'rejected', detail: printable(detail, 300) };
}

/** A redirect after a login: an in-scope page that is not a login page, or why it is not one. */
function redirectVerdict(answer: Answer, ctx: ProbeContext): { ok: true; to: URL } | { ok: false; why: string } {
  const to = redirectOf(answer);
  if (!to) return { ok: false, why: `${answer.status} without a usable Location` };
  const reason = outOfReach(to, ctx);
  if (reason) return { ok: false, why: `redirected to ${printable(to.href, 120)} (${reason}: not followed, not proven)` };
  if (isLoginUrl(to)) return { ok: false, why: `redirected to the login page ${printable(pathOf(to), 80)}` };
  return { ok: true, to };
}

async function challengeAttempt(base: URL, login: Extract<LoginPlan, { kind: 'basic' | 'digest' }>, credential: Credential, ctx: ProbeContext): Promise<AttemptResult> {
  const url = new URL(login.path, base);
  const scheme = login.kind === 'basic' ? 'Basic' : 'Digest';
  let answer: Answer;
  if (login.kind === 'basic') {
    if (credential.username.includes(':')) return rejected('nothing sent: Basic cannot carry a user name containing ":"');
    answer = await ask(url, ctx, { headers: { Authorization: basicAuthorization(credential.username, credential.password) } });
  } else {
    // The challenge comes from the same request without credentials: the 401 half of the proof.
    const bare = await ask(url, ctx);
    if (bare.status !== 401) return { outcome: 'error', detail: `GET ${login.path} answered ${describe(bare)} without credentials: it no longer asks for a login` };
    let challenge = digestChallenge(bare.headers['www-authenticate'] ?? '');
    if (!challenge) return { outcome: 'error', detail: `GET ${login.path} answered 401 without a Digest challenge` };
    answer = await digestRequest(url, challenge, credential, ctx);
    const again = answer.status === 401 ? digestChallenge(answer.headers['www-authenticate'] ?? '') : undefined;
    if (again?.stale) {
      challenge = again;
      answer = await digestRequest(url, challenge, credential, ctx);
    }
  }
  const lock = lockedOut(answer, answer.status >= 400);
  if (lock) return { outcome: 'locked-out', detail: `GET ${login.path} with ${scheme} credentials: ${lock}` };
  if (answer.status === 401 || answer.status === 403) return rejected(`GET ${login.path} answered ${describe(answer)} with these ${scheme} credentials`);
  let granted: string;
  if (answer.status >= 200 && answer.status < 300) granted = describe(answer);
  else if (answer.status >= 300 && answer.status < 400) {
    const verdict = redirectVerdict(answer, ctx);
    if (!verdict.ok) return rejected(`GET ${login.path} with ${scheme} credentials: ${verdict.why}`);
    granted = `${answer.status} to ${printable(pathOf(verdict.to), 80)}`;
  } else return { outcome: 'error', detail: `GET ${login.path} with ${scheme} credentials answered ${describe(answer)}` };

  if (login.kind === 'basic') {
    // Proof that the credential made the difference: the same request without it is refused.
    const bare = await ask(url, ctx);
    if (bare.status !== 401) return rejected(`not proven: GET ${login.path} answered ${granted} with credentials but ${describe(bare)} without them`);
  }
  return { outcome: 'success', detail: `GET ${login.path} answered 401 without credentials and ${granted} with these (${scheme}, realm "${printable(login.realm, 80)}")` };
}

function digestRequest(url: URL, challenge: DigestChallenge, credential: Credential, ctx: ProbeContext): Promise<Answer> {
  const authorization = digestAuthorization(challenge, { method: 'GET', uri: pathOf(url), username: credential.username, password: credential.password });
  return ask(url, ctx, { headers: { Authorization: authorization } });
}

interface Submission {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

function encodePassword(recipe: FormRecipe, password: string): string {
  return recipe.passwordEncoding === 'base64' ? Buffer.from(password, 'utf8').toString('base64') : password;
}

function submission(recipe: FormRecipe, action: URL, method: 'GET' | 'POST', fields: [string, string][], headers: Record<string, string>): Submission {
  if (method === 'GET') {
    const url = new URL(action);
    for (const [k, v] of fields) url.searchParams.set(k, v);
    return { url, method, headers };
  }
  if (recipe.encoding === 'json') {
    return { url: action, method, headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(Object.fromEntries(fields)) };
  }
  return { url: action, method, headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}

function send(s: Submission, ctx: ProbeContext, jar?: CookieJar): Promise<Answer> {
  return ask(s.url, ctx, { method: s.method, headers: s.headers, ...(s.body === undefined ? {} : { body: s.body }), ...(jar ? { jar } : {}) });
}

/** A login CGI: its answer says whether the credential was right. */
async function responseAttempt(base: URL, recipe: FormRecipe, credential: Credential, ctx: ProbeContext): Promise<AttemptResult> {
  const action = new URL(recipe.action ?? recipe.loginPage, base);
  const extra = Object.entries(recipe.extraFields ?? {});
  const credentials: [string, string][] = [
    ...(recipe.usernameField === undefined ? [] : [[recipe.usernameField, credential.username] as [string, string]]),
    [recipe.passwordField ?? 'password', encodePassword(recipe, credential.password)],
  ];
  const answer = await send(submission(recipe, action, recipe.method, [...extra, ...credentials], {}), ctx);
  const what = `${recipe.method} ${action.pathname}`;
  const lock = lockedOut(answer, true);
  if (lock) return { outcome: 'locked-out', detail: `${what}: ${lock}` };
  const failure = hasMarker(answer.body, recipe.failureMarkers);
  if (failure) return rejected(`${what} answered "${failure}"`);
  const success = hasMarker(answer.body, recipe.successMarkers);
  if (!success || answer.status < 200 || answer.status >= 300) return rejected(`not proven: ${what} answered ${describe(answer)} without the success marker`);
  const bare = await send(submission(recipe, action, recipe.method, extra, {}), ctx);
  if (hasMarker(bare.body, recipe.successMarkers)) return rejected(`not proven: ${what} answers "${success}" without credentials too`);
  return { outcome: 'success', detail: `${what} answered "${success}" with these credentials and ${describe(bare)} without them` };
}

/** Whether an answer is the login again: refused, sent to a login page, or showing a password field. */
function loginAgain(page: Followed, recipe: FormRecipe): string | undefined {
  const a = page.last;
  if (a.status === 401 || a.status === 403) return `${pathOf(a.url)} answered ${describe(a)}`;
  if (page.viaLogin) return `redirected to the login page ${pathOf(a.url)}`;
  const pending = redirectOf(a);
  if (pending && isLoginUrl(pending)) return `redirected to the login page ${printable(pathOf(pending), 80)}`;
  if (PASSWORD_INPUT.test(a.body)) return `${pathOf(a.url)} shows a password field`;
  const failure = hasMarker(a.body, recipe.failureMarkers);
  if (failure) return `${pathOf(a.url)} says "${failure}"`;
  return undefined;
}

async function sessionAttempt(base: URL, login: Extract<LoginPlan, { kind: 'form' }>, credential: Credential, ctx: ProbeContext): Promise<AttemptResult> {
  const recipe = login.recipe;
  const jar = new CookieJar();
  const page = await follow(new URL(login.loginPage, base), ctx, jar);
  if (page.offScope) return rejected(`nothing sent: the login page redirects to ${page.offScope}`);
  const early = lockedOut(page.last, true);
  if (early) return { outcome: 'locked-out', detail: `${login.loginPage}: ${early}` };
  const form = loginFormOf(page.last.body, recipe);
  if (!form && (recipe.passwordField === undefined || recipe.action === undefined)) return { outcome: 'error', detail: `${login.loginPage} answered ${describe(page.last)} without the login form seen at detection` };

  const action = new URL(recipe.action ?? (form?.action || pathOf(page.last.url)), page.last.url);
  const unreachable = outOfReach(action, ctx);
  if (unreachable) return rejected(`nothing sent: the form posts to ${action.href} (${unreachable})`);
  const method = recipe.action !== undefined ? recipe.method : (form?.method ?? recipe.method);
  const usernameField = recipe.usernameField ?? form?.usernameField;
  const passwordField = recipe.passwordField ?? form?.passwordField ?? 'password';
  const fields: [string, string][] = [...(form?.carried ?? []), ...Object.entries(recipe.extraFields ?? {})];
  const headers: Record<string, string> = { Referer: page.last.url.href, Origin: base.origin };
  if (recipe.csrf) {
    const token = recipe.csrf.from === 'cookie' ? jar.get(recipe.csrf.name) : metaContent(page.last.body, recipe.csrf.name);
    if (token !== undefined) {
      if (recipe.csrf.field !== undefined) fields.push([recipe.csrf.field, token]);
      if (recipe.csrf.header !== undefined) headers[recipe.csrf.header] = token;
    }
  }
  const own = new Set([usernameField, passwordField]);
  const sent: [string, string][] = [...fields.filter(([k]) => !own.has(k)), ...(usernameField === undefined ? [] : [[usernameField, credential.username] as [string, string]]), [passwordField, encodePassword(recipe, credential.password)]];

  const before = jar.snapshot();
  const answer = await send(submission(recipe, action, method, sent, headers), ctx, jar);
  const what = `${method} ${printable(action.pathname, 80)}`;
  const hardLock = lockedOut(answer, false);
  if (hardLock) return { outcome: 'locked-out', detail: `${what}: ${hardLock}` };
  // Not a success: a lock-out if the device says so (here or on the page it showed), else a refusal.
  const no = (why: string, shown?: Answer): AttemptResult => {
    const lock = lockedOut(answer, true) ?? (shown ? lockedOut(shown, true) : undefined);
    return lock ? { outcome: 'locked-out', detail: `${what}: ${lock}` } : rejected(`${what}: ${why}`);
  };
  const refusal = refusedAnswer(answer, recipe, ctx);
  if (refusal) return no(refusal);
  const newCookies = jar.changedSince(before);

  // Proof: a page that shows the login without the session shows something else with it.
  let proofUrl: URL;
  if (recipe.authenticatedPath !== undefined) proofUrl = new URL(recipe.authenticatedPath, base);
  else if (answer.status >= 300 && answer.status < 400) {
    const verdict = redirectVerdict(answer, ctx);
    if (!verdict.ok) return no(verdict.why);
    proofUrl = verdict.to;
  } else proofUrl = new URL(login.protectedPath, base);

  if (login.generic && newCookies.length === 0) return no(`not proven: answered ${describe(answer)} and set no session cookie`);
  const inside = await follow(proofUrl, ctx, jar);
  const proofPath = pathOf(proofUrl);
  if (inside.offScope) return no(`not proven: ${proofPath} redirects to ${inside.offScope}`);
  const again = loginAgain(inside, recipe);
  if (again) return no(`then GET ${proofPath}: ${again}`, inside.last);
  if (inside.last.status < 200 || inside.last.status >= 300) return no(`not proven: GET ${proofPath} with the session answered ${describe(inside.last)}`);
  if (recipe.successMarkers && !hasMarker(inside.last.body, recipe.successMarkers) && !hasMarker(answer.body, recipe.successMarkers)) {
    return no(`not proven: GET ${proofPath} answered ${describe(inside.last)} without the expected marker`);
  }
  if (login.generic && shape(inside.last.body) === shape(page.last.body)) return no(`not proven: GET ${proofPath} with the session shows the same page as the login`);

  const outside = await follow(proofUrl, ctx, new CookieJar());
  const outsideLogin = outside.offScope ? undefined : loginAgain(outside, recipe);
  if (!outsideLogin) return no(`not proven: GET ${proofPath} answers ${describe(outside.last)} without a session too`);
  const cookieNote = newCookies.length > 0 ? `, set cookie ${printable(newCookies.join(', '), 60)}` : '';
  return {
    outcome: 'success',
    detail: `${what} accepted these credentials${cookieNote}; GET ${proofPath} then answered ${describe(inside.last)} with the session, and without it ${outsideLogin}`,
  };
}

/** Why the answer to a login post is a refusal, or undefined when it may be a success. */
function refusedAnswer(answer: Answer, recipe: FormRecipe, ctx: ProbeContext): string | undefined {
  const failure = hasMarker(answer.body, recipe.failureMarkers);
  if (failure) return `answered ${answer.status} "${failure}"`;
  if (answer.status === 401 || answer.status === 403) return `answered ${describe(answer)}`;
  if (answer.status >= 300 && answer.status < 400) {
    const to = redirectOf(answer);
    if (to && !outOfReach(to, ctx) && isLoginUrl(to)) return `redirected to the login page ${printable(pathOf(to), 80)}`;
    return undefined;
  }
  if (answer.status >= 400) return `answered ${describe(answer)}`;
  if (PASSWORD_INPUT.test(answer.body)) {
    const said = /(?:invalid|incorrect|wrong|failed|error)[^<.!]{0,60}/i.exec(visibleText(answer.body));
    return `showed the login form again${said ? ` ("${printable(said[0], 80)}")` : ''}`;
  }
  return undefined;
}

function metaContent(body: string, name: string): string | undefined {
  for (const m of body.matchAll(/<meta\b[^<>]*>/gi)) {
    const a = attributes(m[0]);
    if (a.get('name') === name) return a.get('content');
  }
  return undefined;
}
