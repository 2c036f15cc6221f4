// RTSP cameras (554, 8554), spoken by hand on connectTcp + Reader: there is no maintained RTSP
// client on npm, and the probe needs only OPTIONS and DESCRIBE. A DESCRIBE answered 200 with a
// stream description (SDP) is access to the camera's video; a 401 asks for a login, which is then
// tried with Basic or Digest (digest.ts). The probe never sends SETUP or PLAY: the SDP is proof
// enough, and no video is pulled off a device.
import { connectTcp, printable, Reader, where } from '../net.ts';
import {
  ProbeFailure,
  type AttemptResult,
  type Credential,
  type Detection,
  type Endpoint,
  type Fingerprint,
  type ProbeContext,
  type ProtocolProbe,
} from '../types.ts';
import { containedStep } from './contained.ts';
import { basicAuthorization, basicRealm, digestAuthorization, digestChallenge, type DigestChallenge } from './digest.ts';
import { pathsFor, rtspFingerprints } from './rtsp-paths.ts';

/** Most bytes of a response's status line and headers read. */
export const RTSP_MAX_HEADER_BYTES = 16 * 1024;
/** Most bytes of a response body read (an SDP is a few hundred). */
export const RTSP_MAX_BODY_BYTES = 64 * 1024;
const USER_AGENT = 'connectable-probe';

/** What attempts need from detection: the paths that asked for a login, best first. */
export interface RtspState {
  paths: string[];
  /** The schemes the camera offered in its 401: Digest is used when offered. */
  schemes: ('digest' | 'basic')[];
  realm: string;
}

export interface RtspResponse {
  status: number;
  reason: string;
  /** Header values by lower-cased name, repeated headers kept in order. */
  headers: Map<string, string[]>;
  body: Buffer;
}

function header(response: RtspResponse, name: string): string | undefined {
  return response.headers.get(name)?.[0];
}

/** All WWW-Authenticate headers as one value: cameras send Digest and Basic as separate headers. */
function authenticate(response: RtspResponse): string {
  return (response.headers.get('www-authenticate') ?? []).join(', ');
}

type Answer = { kind: 'response'; response: RtspResponse } | { kind: 'not-rtsp'; bytes: Buffer };

function headerEnd(bytes: Buffer): { at: number; length: number } | undefined {
  const window = bytes.subarray(0, RTSP_MAX_HEADER_BYTES + 4);
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return undefined;
}

const RTSP_PREFIX = Buffer.from('RTSP/');

function looksLikeRtsp(bytes: Buffer): boolean {
  const n = Math.min(bytes.length, RTSP_PREFIX.length);
  return bytes.subarray(0, n).equals(RTSP_PREFIX.subarray(0, n));
}

/**
 * One RTSP conversation with an endpoint: requests in turn, CSeq numbered and checked, a new
 * connection opened when the camera closed the last one (many close after every 401).
 */
class RtspConnection {
  private reader: Reader | undefined;
  private cseq = 0;
  /** How many TCP connections this conversation has opened. */
  connections = 0;
  private readonly endpoint: Endpoint;
  private readonly ctx: ProbeContext;

  constructor(endpoint: Endpoint, ctx: ProbeContext) {
    this.endpoint = endpoint;
    this.ctx = ctx;
  }

  close(): void {
    this.reader?.close();
    this.reader = undefined;
  }

  async request(method: string, url: string, headers: Record<string, string> = {}): Promise<Answer> {
    const reused = this.reader !== undefined && !this.reader.closed;
    try {
      return await this.once(method, url, headers);
    } catch (e) {
      // A camera that closes after each answer may have done so while this request was on its
      // way: on a reused connection, a reset is retried once on a new one (OPTIONS and DESCRIBE
      // change nothing on the camera, so asking twice is harmless).
      if (!(reused && e instanceof ProbeFailure && e.kind === 'reset')) throw e;
      return await this.once(method, url, headers);
    }
  }

  private async once(method: string, url: string, headers: Record<string, string>): Promise<Answer> {
    if (!this.reader || this.reader.closed) {
      this.reader?.close();
      this.reader = new Reader(await connectTcp(this.endpoint, this.ctx), this.endpoint, this.ctx, RTSP_MAX_HEADER_BYTES + RTSP_MAX_BODY_BYTES + 4096);
      this.connections++;
    }
    const reader = this.reader;
    const cseq = ++this.cseq;
    const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${cseq}`, `User-Agent: ${USER_AGENT}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    reader.take();
    await reader.write(`${lines.join('\r\n')}\r\n\r\n`);

    const whereTo = `${method} ${printable(url, 120)}`;
    const gotHead = await reader.until((b) => !looksLikeRtsp(b) || headerEnd(b) !== undefined || b.length > RTSP_MAX_HEADER_BYTES);
    const received = reader.buffered;
    if (received.length > 0 && !looksLikeRtsp(received)) {
      this.close();
      return { kind: 'not-rtsp', bytes: received.subarray(0, 256) };
    }
    const end = headerEnd(received);
    if (!end) {
      this.close();
      if (received.length > RTSP_MAX_HEADER_BYTES) throw new ProbeFailure('protocol', `${where(this.endpoint)} sent over ${RTSP_MAX_HEADER_BYTES / 1024} KiB of headers without ending them (${whereTo})`);
      if (!gotHead && !reader.closed) throw new ProbeFailure('timeout', `${where(this.endpoint)} did not finish answering ${whereTo} within ${this.ctx.timeoutMs} ms`);
      if (received.length === 0) throw new ProbeFailure('reset', `${where(this.endpoint)} closed the connection without answering ${whereTo}`);
      throw new ProbeFailure('protocol', `${where(this.endpoint)} closed the connection in the middle of its answer to ${whereTo}`);
    }
    const response = parseHead(received.subarray(0, end.at).toString('latin1'));
    if (!response) {
      this.close();
      return { kind: 'not-rtsp', bytes: received.subarray(0, 256) };
    }
    const answeredSeq = header(response, 'cseq');
    if (answeredSeq?.trim() !== String(cseq)) {
      this.close();
      throw new ProbeFailure('protocol', `${where(this.endpoint)} answered ${whereTo} (CSeq ${cseq}) with CSeq ${answeredSeq === undefined ? '(none)' : printable(answeredSeq, 20)}`);
    }
    const lengthText = header(response, 'content-length');
    const length = lengthText === undefined ? 0 : Number.parseInt(lengthText, 10);
    if (!Number.isSafeInteger(length) || length < 0) {
      this.close();
      throw new ProbeFailure('protocol', `${where(this.endpoint)} sent an unreadable Content-Length "${printable(lengthText ?? '', 20)}"`);
    }
    if (length > RTSP_MAX_BODY_BYTES) {
      this.close();
      throw new ProbeFailure('protocol', `${where(this.endpoint)} announced a ${length}-byte body for ${whereTo}, over the ${RTSP_MAX_BODY_BYTES / 1024} KiB read`);
    }
    const bodyStart = end.at + end.length;
    if (length > 0 && !(await reader.until((b) => b.length >= bodyStart + length))) {
      const closed = reader.closed;
      this.close();
      throw new ProbeFailure(closed ? 'protocol' : 'timeout', `${where(this.endpoint)} sent less than the ${length}-byte body it announced for ${whereTo}`);
    }
    response.body = Buffer.from(reader.buffered.subarray(bodyStart, bodyStart + length));
    reader.take();
    if ((header(response, 'connection') ?? '').toLowerCase().includes('close')) this.close();
    return { kind: 'response', response };
  }
}

function parseHead(text: string): RtspResponse | undefined {
  const lines = text.split(/\r?\n/);
  const status = /^RTSP\/\d\.\d (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!status) return undefined;
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(name, values);
  }
  return { status: Number(status[1]), reason: status[2] ?? '', headers, body: Buffer.alloc(0) };
}

function urlFor(endpoint: Endpoint, path: string): string {
  return `rtsp://${where(endpoint)}${path}`;
}

/** The stream description a 200 carries, when it is one. */
function sdpOf(response: RtspResponse): string | undefined {
  if (response.status !== 200) return undefined;
  if (!/^application\/sdp\b/i.test(header(response, 'content-type') ?? '')) return undefined;
  const text = response.body.toString('latin1');
  return /^\s*v=/.test(text) ? text : undefined;
}

function firstMediaLine(sdp: string): string {
  const media = /^m=[^\r\n]*/m.exec(sdp);
  return printable(media ? media[0] : (sdp.split(/\r?\n/)[0] ?? ''), 120);
}

/** Content-Base names where SETUP would go; the probe never follows it, and says so when it points away. */
function contentBaseNote(response: RtspResponse, ctx: ProbeContext): string {
  const base = header(response, 'content-base');
  if (!base) return '';
  let host: string;
  try {
    host = new URL(base).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
  return host && !ctx.inScope(host) ? `; its Content-Base points to ${printable(host, 60)}, outside the targets, and was not followed` : '';
}

function fingerprintOf(server: string | undefined, realm: string | undefined): Fingerprint | undefined {
  const sources: [string, string | undefined][] = [
    ['RTSP Server header', server],
    ['WWW-Authenticate realm', realm],
  ];
  for (const [what, text] of sources) {
    if (!text) continue;
    for (const rule of rtspFingerprints) {
      const match = rule.pattern.exec(text);
      if (!match) continue;
      const detail = rule.detailGroup === undefined ? undefined : match[rule.detailGroup];
      const product = [rule.product, detail].filter(Boolean).join(' ');
      return { vendor: rule.vendor, ...(product ? { product } : {}), evidence: `${what} "${printable(text, 120)}"` };
    }
  }
  return undefined;
}

function schemesOf(challenge: string): RtspState['schemes'] {
  const schemes: RtspState['schemes'] = [];
  if (digestChallenge(challenge)) schemes.push('digest');
  if (basicRealm(challenge) !== undefined) schemes.push('basic');
  return schemes;
}

async function detect(endpoint: Endpoint, ctx: ProbeContext): Promise<Detection> {
  const conn = new RtspConnection(endpoint, ctx);
  try {
    const options = await conn.request('OPTIONS', urlFor(endpoint, '/'));
    if (options.kind === 'not-rtsp') {
      return { speaks: false, auth: 'unknown', banner: `answered OPTIONS with "${printable(options.bytes, 120)}"` };
    }
    const server = header(options.response, 'server');
    const statusLine = `RTSP ${options.response.status} ${printable(options.response.reason, 60)} to OPTIONS`.trim();
    const banner = server ? printable(server, 200) : statusLine;
    let fingerprint = fingerprintOf(server, undefined);

    const protectedPaths: string[] = [];
    let challenge: string | undefined;
    const seen: string[] = [];
    for (const path of pathsFor(fingerprint?.vendor)) {
      const answer = await conn.request('DESCRIBE', urlFor(endpoint, path), { Accept: 'application/sdp' });
      if (answer.kind === 'not-rtsp') {
        throw new ProbeFailure('protocol', `${where(endpoint)} answered DESCRIBE ${printable(path, 80)} with "${printable(answer.bytes, 80)}", not RTSP`);
      }
      const response = answer.response;
      const sdp = sdpOf(response);
      if (sdp !== undefined) {
        return {
          speaks: true,
          auth: 'none',
          banner,
          ...(fingerprint ? { fingerprint } : {}),
          openAccessEvidence: `DESCRIBE ${urlFor(endpoint, path)} without credentials answered 200 with a stream description: "${firstMediaLine(sdp)}"${contentBaseNote(response, ctx)}`,
          state: { openPath: path },
        };
      }
      if (response.status === 401) {
        const offered = authenticate(response);
        protectedPaths.push(path);
        challenge ??= offered;
      } else seen.push(`${printable(path, 60)} ${response.status}`);
    }

    if (protectedPaths.length > 0 && challenge !== undefined) {
      const realm = digestChallenge(challenge)?.realm ?? basicRealm(challenge) ?? '';
      fingerprint ??= fingerprintOf(undefined, realm);
      const schemes = schemesOf(challenge);
      const state: RtspState = { paths: protectedPaths, schemes, realm };
      return {
        speaks: true,
        // A login nobody can answer (a scheme other than Basic or Digest) still asks for credentials.
        auth: 'required',
        banner: schemes.length ? banner : `${banner}; 401 offers neither Basic nor Digest: "${printable(challenge, 100)}"`,
        ...(fingerprint ? { fingerprint } : {}),
        state,
      };
    }
    return {
      speaks: true,
      auth: 'unknown',
      noLogin: `no stream at any of the ${seen.length} paths asked`,
      banner: `${banner}; no stream at the ${seen.length} paths asked (${printable(seen.join(', '), 200)})`,
      ...(fingerprint ? { fingerprint } : {}),
    };
  } finally {
    conn.close();
  }
}

function isRtspState(state: unknown): state is RtspState {
  if (typeof state !== 'object' || state === null) return false;
  const s = state as Record<string, unknown>;
  return Array.isArray(s['paths']) && s['paths'].every((p) => typeof p === 'string' && p.startsWith('/')) && Array.isArray(s['schemes']) && typeof s['realm'] === 'string';
}

function authorizationFor(challenge: string, credential: Credential, url: string): { value: string; scheme: string; digest?: DigestChallenge } | undefined {
  const digest = digestChallenge(challenge);
  if (digest) {
    return { value: digestAuthorization(digest, { method: 'DESCRIBE', uri: url, username: credential.username, password: credential.password }), scheme: 'Digest', digest };
  }
  if (basicRealm(challenge) !== undefined) return { value: basicAuthorization(credential.username, credential.password), scheme: 'Basic' };
  return undefined;
}

async function attempt(endpoint: Endpoint, detection: Detection, credential: Credential, ctx: ProbeContext): Promise<AttemptResult> {
  const state = detection.state;
  if (detection.auth !== 'required' || !isRtspState(state)) {
    return { outcome: 'error', detail: 'no stream path asked for a login, so a credential cannot be proven here' };
  }
  const conn = new RtspConnection(endpoint, ctx);
  const notRefused: string[] = [];
  try {
    for (const path of state.paths) {
      const url = urlFor(endpoint, path);
      // Each attempt asks first without credentials: that 401 is the control its 200 is set
      // against, and it brings a fresh Digest nonce for this connection.
      const control = await conn.request('DESCRIBE', url, { Accept: 'application/sdp' });
      if (control.kind === 'not-rtsp') return { outcome: 'error', detail: `DESCRIBE ${path} was answered with "${printable(control.bytes, 80)}"` };
      if (control.response.status !== 401) {
        notRefused.push(`${path} answered ${control.response.status} without credentials`);
        continue;
      }
      let challenge = authenticate(control.response);
      let answer: Answer | undefined;
      let authorization: ReturnType<typeof authorizationFor>;
      // A second round only for Digest: a stale nonce, or a camera that closed the connection
      // and so forgot the nonce it gave.
      for (let round = 0; round < 2; round++) {
        authorization = authorizationFor(challenge, credential, url);
        if (!authorization) return { outcome: 'error', detail: `the 401 offers neither Basic nor Digest: "${printable(challenge, 100)}"` };
        const before = conn.connections;
        answer = await conn.request('DESCRIBE', url, { Accept: 'application/sdp', Authorization: authorization.value });
        if (answer.kind !== 'response' || answer.response.status !== 401 || !authorization.digest) break;
        const again = digestChallenge(authenticate(answer.response));
        if (!again || (!again.stale && conn.connections === before)) break;
        challenge = authenticate(answer.response);
      }
      if (!answer || !authorization) continue;
      if (answer.kind === 'not-rtsp') return { outcome: 'error', detail: `DESCRIBE ${path} with credentials was answered with "${printable(answer.bytes, 80)}"` };
      const response = answer.response;
      const sdp = sdpOf(response);
      if (sdp !== undefined) {
        return {
          outcome: 'success',
          detail: `DESCRIBE ${url} with ${authorization.scheme} credentials answered 200 with a stream description ("${firstMediaLine(sdp)}"), where the same request without credentials got 401${contentBaseNote(response, ctx)}`,
        };
      }
      if (response.status === 401 || response.status === 403) {
        return { outcome: 'rejected', detail: `${response.status} ${printable(response.reason, 80)} to ${authorization.scheme} credentials on ${printable(path, 80)}`.trim() };
      }
      // The login was not refused but this path has no stream: the next protected path may.
      notRefused.push(`${path} answered ${response.status} ${printable(response.reason, 40)}`.trim());
    }
  } finally {
    conn.close();
  }
  return {
    outcome: 'error',
    detail: printable(`not proven: no path answered this credential with a stream description, and none refused it (${notRefused.join('; ')})`, 400),
  };
}

export const rtspProbe: ProtocolProbe = {
  service: 'rtsp',
  transport: 'tcp',
  defaultPorts: [554, 8554],
  detect: containedStep('RTSP exchange failed', detect),
  attempt: containedStep('RTSP exchange failed', attempt),
};
