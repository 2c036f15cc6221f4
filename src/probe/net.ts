// Sockets for protocol modules: every connection a probe opens goes through connectTcp, which
// checks scope first and bounds the wait, and startTls bounds a handshake on it the same way;
// every read of a peer's bytes goes through a Reader, which bounds how much is kept and how long
// it waits. A hostile device can make a step fail, never make the probe hang or grow without limit.
import net from 'node:net';
import tls from 'node:tls';
import { ProbeFailure, type Endpoint, type ProbeContext } from './types.ts';

/** Most bytes kept from one peer within one connection. */
export const MAX_PEER_BYTES = 256 * 1024;

/** Opens a TCP connection to the endpoint, refusing one outside the probe's scope. */
export function connectTcp(endpoint: Pick<Endpoint, 'host' | 'port'>, ctx: ProbeContext): Promise<net.Socket> {
  if (!ctx.inScope(endpoint.host)) {
    return Promise.reject(new ProbeFailure('out-of-scope', `${endpoint.host} is not among the targets given; not contacted`));
  }
  if (ctx.signal.aborted) return Promise.reject(new ProbeFailure('aborted', 'the probe was stopped'));
  const socket = net.connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
  return settle(socket, 'connect', ctx, {
    failure: (e) => failureOf(e, endpoint),
    timeout: `no TCP connection to ${where(endpoint)} within ${ctx.timeoutMs} ms`,
  });
}

/**
 * Wraps a connected socket in TLS, the handshake bounded like a connection. `failure` says what a
 * handshake error means for the protocol at hand. On failure both sockets are destroyed.
 */
export function startTls(
  socket: net.Socket,
  endpoint: Pick<Endpoint, 'host' | 'port'>,
  ctx: ProbeContext,
  options: { tls?: Omit<tls.ConnectionOptions, 'socket'>; failure: (error: NodeJS.ErrnoException) => ProbeFailure },
): Promise<tls.TLSSocket> {
  // A device's certificate is self-signed or names something else; whether it is valid is a
  // different finding from whether a default password opens the device.
  const secure = tls.connect({ ...options.tls, socket, rejectUnauthorized: false });
  return settle(secure, 'secureConnect', ctx, {
    failure: options.failure,
    timeout: `no TLS handshake with ${where(endpoint)} within ${ctx.timeoutMs} ms`,
    beneath: socket,
  });
}

/**
 * Waits for a socket being set up to emit `ready`, at most ctx.timeoutMs and only until the probe
 * is stopped. A socket that fails is destroyed, with the one `beneath` it.
 */
function settle<S extends net.Socket>(
  socket: S,
  ready: 'connect' | 'secureConnect',
  ctx: ProbeContext,
  on: { failure: (error: NodeJS.ErrnoException) => ProbeFailure; timeout: string; beneath?: net.Socket },
): Promise<S> {
  return new Promise((resolve, reject) => {
    const done = (error?: ProbeFailure): void => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      socket.off(ready, onReady);
      socket.off('error', onError);
      if (error) {
        socket.destroy();
        on.beneath?.destroy();
        reject(error);
      } else resolve(socket);
    };
    const onReady = (): void => done();
    const onError = (e: NodeJS.ErrnoException): void => done(on.failure(e));
    const onAbort = (): void => done(new ProbeFailure('aborted', 'the probe was stopped'));
    const timer = setTimeout(() => done(new ProbeFailure('timeout', on.timeout)), ctx.timeoutMs);
    socket.once(ready, onReady);
    socket.once('error', onError);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** host:port with IPv6 in brackets. */
export function where(endpoint: Pick<Endpoint, 'host' | 'port'>): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

/** A socket error as a probe failure a user can read. */
export function failureOf(error: NodeJS.ErrnoException, endpoint: Pick<Endpoint, 'host' | 'port'>): ProbeFailure {
  const at = where(endpoint);
  switch (error.code) {
    case 'ECONNREFUSED':
      return new ProbeFailure('refused', `${at} refused the connection (port closed)`, { cause: error });
    case 'ECONNRESET':
    case 'EPIPE':
      return new ProbeFailure('reset', `${at} closed the connection abruptly`, { cause: error });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new ProbeFailure('unreachable', `${at} cannot be reached (${error.code})`, { cause: error });
    case 'ETIMEDOUT':
      return new ProbeFailure('timeout', `${at} did not answer (${error.code})`, { cause: error });
    default:
      return new ProbeFailure('protocol', `${at}: ${error.message}`, { cause: error });
  }
}

/**
 * Collects what a peer sends and lets a protocol wait for a condition on it, each wait bounded
 * in time; bytes beyond MAX_PEER_BYTES are dropped from the front (a prompt is at the end).
 */
export class Reader {
  private chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  private error: ProbeFailure | undefined;
  private wake: (() => void) | undefined;
  /** Everything received since the last take(), capped. */
  get buffered(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  readonly socket: net.Socket;
  private readonly endpoint: Pick<Endpoint, 'host' | 'port'>;
  private readonly ctx: ProbeContext;
  private readonly maxBytes: number;

  constructor(socket: net.Socket, endpoint: Pick<Endpoint, 'host' | 'port'>, ctx: ProbeContext, maxBytes = MAX_PEER_BYTES) {
    this.socket = socket;
    this.endpoint = endpoint;
    this.ctx = ctx;
    this.maxBytes = maxBytes;
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      if (this.size > this.maxBytes) {
        const all = Buffer.concat(this.chunks);
        this.chunks = [all.subarray(all.length - this.maxBytes)];
        this.size = this.maxBytes;
      }
      this.wake?.();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.error = failureOf(e, endpoint);
      this.wake?.();
    });
  }

  /** Removes and returns what was received so far. */
  take(): Buffer {
    const all = this.buffered;
    this.chunks = [];
    this.size = 0;
    return all;
  }

  /** Whether the peer has closed its side. */
  get closed(): boolean {
    return this.ended;
  }

  /**
   * Waits until `done` holds for the bytes received, the peer closes, or the step times out.
   * Resolves with whether the condition held; a socket error or abort rejects with a ProbeFailure.
   */
  async until(done: (received: Buffer) => boolean, timeoutMs = this.ctx.timeoutMs): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.error) throw this.error;
      if (this.ctx.signal.aborted) throw new ProbeFailure('aborted', 'the probe was stopped');
      if (done(this.buffered)) return true;
      if (this.ended) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const signal = this.ctx.signal;
        const finish = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', finish);
          resolve();
        };
        const timer = setTimeout(finish, left);
        signal.addEventListener('abort', finish, { once: true });
        this.wake = finish;
      });
      this.wake = undefined;
    }
  }

  /** Writes and waits for the bytes to be handed to the kernel. */
  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(data, (e) => (e ? reject(failureOf(e as NodeJS.ErrnoException, this.endpoint)) : resolve()));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Bytes from a peer as printable text for a report: control characters dropped, length capped. */
export function printable(bytes: Uint8Array | string, max = 200): string {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '').replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** A context for tests and one-off calls: everything in scope except what `hosts` leaves out. */
export function contextFor(options: { timeoutMs?: number; hosts?: readonly string[]; signal?: AbortSignal } = {}): ProbeContext {
  const hosts = options.hosts ? new Set(options.hosts) : undefined;
  return {
    timeoutMs: options.timeoutMs ?? 3000,
    signal: options.signal ?? new AbortController().signal,
    inScope: (host) => hosts === undefined || hosts.has(host),
  };
}
