// An IP camera's RTSP server, in process, for the RTSP probe's tests: RTSP/1.0 OPTIONS and
// DESCRIBE, a stream description for the paths it has, Basic and/or Digest authentication with
// one configured pair (checked here independently of src/probe/protocols/digest.ts), an open
// mode, and hostile modes a probe must survive within its bounds.
import crypto from 'node:crypto';
import net from 'node:net';
import { listenOnFreePort } from './ports.ts';

export type RtspHostility =
  /** Starts an answer and then sends header lines for ever. */
  | 'endless-headers'
  /** Answers OPTIONS properly, then DESCRIBE with random bytes. */
  | 'garbage'
  /** Reads requests and never answers. */
  | 'hang'
  /** Announces a 50 MB stream description. */
  | 'huge-body'
  /** Answers with another request's CSeq. */
  | 'wrong-cseq'
  /** Is not RTSP at all: answers like a web server. */
  | 'not-rtsp';

export interface RtspCameraOptions {
  host: string;
  /** The Server header, if any. */
  server?: string;
  /** Paths (with query) that have a stream; DESCRIBE of any other path is 404 once past the login. */
  streams: readonly string[];
  /** The login, or 'open' for a stream anyone may describe. */
  auth: 'open' | { schemes: readonly ('basic' | 'digest')[]; username: string; password: string; realm: string; qop?: boolean };
  hostile?: RtspHostility;
  /** Close the connection after every answer, as some cameras do after a 401. */
  closeAfterEachAnswer?: boolean;
  /** A Content-Base to announce instead of the request URL. */
  contentBase?: string;
}

export interface RtspRequest {
  method: string;
  uri: string;
  headers: Map<string, string>;
}

export interface RtspCamera {
  host: string;
  port: number;
  /** Every request received, in order. */
  requests: RtspRequest[];
  /** TCP connections accepted. */
  connections(): number;
  stop(): Promise<void>;
}

const md5 = (s: string): string => crypto.createHash('md5').update(s, 'utf8').digest('hex');

function authParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const m of value.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params.set((m[1] ?? '').toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  return params;
}

export async function startRtspCamera(options: RtspCameraOptions): Promise<RtspCamera> {
  const requests: RtspRequest[] = [];
  const nonces = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;

  function sdp(): string {
    return ['v=0', `o=- 1 1 IN IP4 ${options.host}`, 's=Bench camera', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=control:trackID=1', ''].join('\r\n');
  }

  function authorised(request: RtspRequest): boolean {
    const auth = options.auth;
    if (auth === 'open') return true;
    const given = request.headers.get('authorization') ?? '';
    if (given.startsWith('Basic ') && auth.schemes.includes('basic')) {
      return Buffer.from(given.slice(6), 'base64').toString('utf8') === `${auth.username}:${auth.password}`;
    }
    if (given.startsWith('Digest ') && auth.schemes.includes('digest')) {
      const p = authParams(given.slice(7));
      const nonce = p.get('nonce') ?? '';
      if (p.get('username') !== auth.username || p.get('realm') !== auth.realm || !nonces.has(nonce) || p.get('uri') !== request.uri) return false;
      const ha1 = md5(`${auth.username}:${auth.realm}:${auth.password}`);
      const ha2 = md5(`${request.method}:${request.uri}`);
      const expected = auth.qop
        ? p.get('qop') === 'auth' ? md5(`${ha1}:${nonce}:${p.get('nc') ?? ''}:${p.get('cnonce') ?? ''}:auth:${ha2}`) : undefined
        : md5(`${ha1}:${nonce}:${ha2}`);
      return expected !== undefined && p.get('response') === expected;
    }
    return false;
  }

  function challenges(): string[] {
    const auth = options.auth;
    if (auth === 'open') return [];
    return auth.schemes.map((scheme) => {
      if (scheme === 'basic') return `WWW-Authenticate: Basic realm="${auth.realm}"`;
      const nonce = crypto.randomBytes(16).toString('hex');
      nonces.add(nonce);
      return `WWW-Authenticate: Digest realm="${auth.realm}", nonce="${nonce}"${auth.qop ? ', qop="auth"' : ''}`;
    });
  }

  function answer(socket: net.Socket, request: RtspRequest): void {
    const cseq = request.headers.get('cseq') ?? '0';
    const send = (status: string, headers: string[], body = ''): void => {
      const seq = options.hostile === 'wrong-cseq' ? String(Number(cseq) + 7) : cseq;
      const lines = [`RTSP/1.0 ${status}`, `CSeq: ${seq}`, ...(options.server ? [`Server: ${options.server}`] : []), ...headers];
      if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
      if (options.closeAfterEachAnswer) socket.end();
    };
    switch (options.hostile) {
      case 'hang':
        return;
      case 'not-rtsp':
        socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
        return;
      case 'endless-headers': {
        socket.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\n`);
        const line = `X-Filler: ${'a'.repeat(1000)}\r\n`.repeat(4);
        const timer = setInterval(() => {
          if (socket.destroyed) {
            clearInterval(timer);
            timers.delete(timer);
          } else socket.write(line);
        }, 2);
        timers.add(timer);
        return;
      }
      case 'garbage':
        if (request.method === 'DESCRIBE') {
          socket.write(crypto.randomBytes(2048));
          return;
        }
        break;
      case 'huge-body':
        if (request.method === 'DESCRIBE') {
          socket.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nContent-Type: application/sdp\r\nContent-Length: 50000000\r\n\r\nv=0\r\n`);
          return;
        }
        break;
      default:
        break;
    }
    if (request.method === 'OPTIONS') {
      send('200 OK', ['Public: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE']);
      return;
    }
    if (request.method !== 'DESCRIBE') {
      send('405 Method Not Allowed', ['Allow: OPTIONS, DESCRIBE']);
      return;
    }
    // Like most cameras: the login first, whatever the path, then whether the path exists.
    if (!authorised(request)) {
      send('401 Unauthorized', challenges());
      return;
    }
    const prefix = `rtsp://${options.host}:${port}`;
    const path = request.uri.startsWith(prefix) ? request.uri.slice(prefix.length) || '/' : '';
    if (!options.streams.includes(path)) {
      send('404 Stream Not Found', []);
      return;
    }
    send('200 OK', ['Content-Type: application/sdp', `Content-Base: ${options.contentBase ?? `${request.uri}/`}`], sdp());
  }

  const server = net.createServer((socket) => {
    accepted++;
    socket.on('error', () => socket.destroy());
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      if (pending.length > 16 * 1024) {
        socket.destroy();
        return;
      }
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const [first = '', ...rest] = pending.slice(0, end).split('\r\n');
        pending = pending.slice(end + 4);
        const [method = '', uri = ''] = first.split(' ');
        const headers = new Map<string, string>();
        for (const line of rest) {
          const colon = line.indexOf(':');
          if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        }
        const request = { method, uri, headers };
        requests.push(request);
        if (!socket.destroyed && socket.writable) answer(socket, request);
      }
    });
  });
  const { port, stop } = await listenOnFreePort(server, options.host);
  return {
    host: options.host,
    port,
    requests,
    connections: () => accepted,
    stop: () => {
      for (const timer of timers) clearInterval(timer);
      return stop();
    },
  };
}
