// The simulated devices for bench/probe-sweep.ts, in a process of their own so that what the
// devices spend on CPU is not counted inside the probe's (or hydra's) process.
// Run: npx node --import tsx bench/probe-devices.ts [devices=250] [credential-file] [--fail-delay MS] [--telnet-ttype] [--lifetime S]
// Prints one JSON line when every device listens: [{service, host, port, accepts}], where
// accepts is the pair from the credential file that logs in, or null. Stays up until stdin
// closes, SIGTERM/SIGINT, or the lifetime (default 600 s) runs out.
//
// The mix: 40 % telnet (BusyBox-like telnetd and shell), 25 % HTTP Basic, 15 % FTP, 10 % RTSP
// (Basic), 10 % SSH (password only). Every 10th device accepts one pair of the list, at positions
// that vary (the first, the last, the middle…); the others accept only a strong random password.
// --fail-delay MS makes telnet, HTTP, FTP and SSH answer a wrong credential after MS, as real
// login programs do (BusyBox login waits 3 s, vsftpd 1 s); the RTSP simulator has no such option.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import { freePort } from '../test/support/devices/ports.ts';
import { startRtspCamera } from '../test/support/devices/rtsp-camera.ts';
import { startTelnetDevice } from '../test/support/devices/telnet-device.ts';

export type DeviceService = 'telnet' | 'http' | 'ftp' | 'rtsp' | 'ssh';

export interface Pair {
  username: string;
  password: string;
}

export interface DeviceInfo {
  service: DeviceService;
  host: string;
  port: number;
  /** The pair of the shared list that logs in; null when only a strong random password does. */
  accepts: Pair | null;
}

const MIX: readonly [DeviceService, number][] = [
  ['telnet', 0.4],
  ['http', 0.25],
  ['ftp', 0.15],
  ['rtsp', 0.1],
  ['ssh', 0.1],
];

/** 127.0.7.1 … 127.0.7.254, then 127.0.8.1 …: .0 and .255 are left out as a real subnet would. */
function addressOf(index: number): string {
  return `127.0.${7 + Math.floor(index / 254)}.${(index % 254) + 1}`;
}

/** Reads `user:password` lines (hydra's -C format); a line without ':' is a bare password. */
function readPairs(file: string): Pair[] {
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const colon = l.indexOf(':');
      return colon < 0 ? { username: '', password: l } : { username: l.slice(0, colon), password: l.slice(colon + 1) };
    });
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Which service each device runs and which pair (by list position) it accepts. Deterministic, so
 * two runs of the same size meet the same network. The vulnerable devices take the services in
 * turn, so even a small sweep has a finding on every service; the rest are shuffled.
 */
function plan(count: number, listLength: number, usable: (position: number) => boolean): { service: DeviceService; position: number | null }[] {
  const quota = new Map<DeviceService, number>();
  let given = 0;
  for (const [service, share] of MIX) {
    const n = Math.round(count * share);
    quota.set(service, n);
    given += n;
  }
  // Rounding leftovers go to (or come from) telnet, the largest share.
  quota.set('telnet', (quota.get('telnet') ?? 0) + count - given);

  const vulnerable = (i: number): boolean => i % 10 === 9;
  const rotation: DeviceService[] = ['telnet', 'http', 'ftp', 'rtsp', 'ssh'];
  // First, last, and spread through the middle, so finding a pair takes a varying number of tries.
  const wanted = [0, listLength - 1, 3, Math.floor(listLength / 2), 7, listLength - 4, 12, 20, 1, 25];
  const positions = wanted.map((p) => {
    for (let q = Math.max(0, Math.min(listLength - 1, p)); q < listLength; q++) if (usable(q)) return q;
    for (let q = p; q >= 0; q--) if (usable(q)) return q;
    return 0;
  });

  const out: { service: DeviceService; position: number | null }[] = new Array(count);
  let k = 0;
  for (let i = 0; i < count; i++) {
    if (!vulnerable(i)) continue;
    let service = rotation[k % rotation.length] ?? 'telnet';
    for (let tries = 0; (quota.get(service) ?? 0) === 0 && tries < rotation.length; tries++) service = rotation[(k + tries + 1) % rotation.length] ?? 'telnet';
    quota.set(service, (quota.get(service) ?? 0) - 1);
    // Stepped so that each service meets several positions, not the same one every round.
    out[i] = { service, position: positions[(k + Math.floor(k / rotation.length)) % positions.length] ?? 0 };
    k++;
  }
  const rest: DeviceService[] = [];
  for (const [service] of MIX) for (let n = quota.get(service) ?? 0; n > 0; n--) rest.push(service);
  const random = mulberry32(20_240_607);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rest[i], rest[j]] = [rest[j] as DeviceService, rest[i] as DeviceService];
  }
  for (let i = 0, r = 0; i < count; i++) if (!out[i]) out[i] = { service: rest[r++] ?? 'telnet', position: null };
  return out;
}

function strongPassword(): string {
  return crypto.randomBytes(15).toString('base64url');
}

const later = (ms: number): Promise<void> => new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));

interface Running {
  port: number;
  close(): Promise<void>;
}

async function listen(server: net.Server, host: string): Promise<number> {
  const port = await freePort(host);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
  return port;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** A router's web interface behind HTTP Basic authentication, as lighttpd/GoAhead-based ones are. */
async function startBasicWeb(host: string, accept: Pair, failDelayMs: number): Promise<Running> {
  const realm = 'Broadband Router';
  const expected = `Basic ${Buffer.from(`${accept.username}:${accept.password}`, 'utf8').toString('base64')}`;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    req.resume();
    const given = req.headers.authorization;
    if (given === expected) {
      res.writeHead(200, { 'Content-Type': 'text/html', Server: 'httpd' });
      res.end('<html><head><title>Broadband Router</title></head><body><h1>Status</h1><p>WAN: connected</p></body></html>\n');
      return;
    }
    const refuse = (): void => {
      if (res.destroyed) return;
      res.writeHead(401, { 'Content-Type': 'text/html', 'WWW-Authenticate': `Basic realm="${realm}"`, Server: 'httpd' });
      res.end('<html><head><title>401 Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>\n');
    };
    // Only a request that carried a wrong credential is made to wait, as a login check would.
    if (given !== undefined && failDelayMs > 0) setTimeout(refuse, failDelayMs);
    else refuse();
  });
  server.keepAliveTimeout = 5000;
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  const port = await listen(server, host);
  return { port, close: closer(server, sockets) };
}

/**
 * An FTP server's control connection as vsftpd answers it: USER → 331, PASS → 230 or 530, PWD
 * needs the login, QUIT → 221; three failed logins and the connection is closed. No data
 * connection is ever offered.
 */
async function startFtp(host: string, accept: Pair, failDelayMs: number): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setTimeout(60_000, () => socket.end('421 Timeout.\r\n'));
    let user: string | undefined;
    let loggedIn = false;
    let failures = 0;
    let busy = false;
    let pending = '';
    const queue: string[] = [];
    const reply = (line: string): void => {
      if (!socket.destroyed && socket.writable) socket.write(`${line}\r\n`);
    };
    const handle = async (line: string): Promise<void> => {
      const space = line.indexOf(' ');
      const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
      const arg = space < 0 ? '' : line.slice(space + 1);
      switch (verb) {
        case 'USER':
          user = arg;
          loggedIn = false;
          reply('331 Please specify the password.');
          return;
        case 'PASS':
          if (user === undefined) {
            reply('503 Login with USER first.');
            return;
          }
          if (user === accept.username && arg === accept.password) {
            loggedIn = true;
            reply('230 Login successful.');
            return;
          }
          user = undefined;
          failures++;
          await later(failDelayMs);
          reply('530 Login incorrect.');
          if (failures >= 3) socket.end();
          return;
        case 'QUIT':
          reply('221 Goodbye.');
          socket.end();
          return;
        case 'PWD':
        case 'XPWD':
          reply(loggedIn ? '257 "/" is the current directory' : '530 Please login with USER and PASS.');
          return;
        case 'SYST':
          reply('215 UNIX Type: L8');
          return;
        case 'FEAT':
          reply('211-Features:\r\n EPRT\r\n EPSV\r\n PASV\r\n SIZE\r\n UTF8\r\n211 End');
          return;
        case 'NOOP':
          reply('200 NOOP ok.');
          return;
        case 'TYPE':
          reply(loggedIn ? '200 Switching to Binary mode.' : '530 Please login with USER and PASS.');
          return;
        default:
          reply(loggedIn ? '502 Command not implemented.' : '530 Please login with USER and PASS.');
      }
    };
    // Commands are answered one at a time, in order, even while a failure delay runs.
    const drain = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      while (queue.length > 0 && !socket.destroyed) await handle(queue.shift() ?? '');
      busy = false;
    };
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      if (pending.length > 4096) {
        socket.destroy();
        return;
      }
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        queue.push(pending.slice(0, end).replace(/\r$/, ''));
        pending = pending.slice(end + 1);
      }
      void drain();
    });
    reply('220 FTP server ready.');
  });
  const port = await listen(server, host);
  return { port, close: closer(server, sockets) };
}

/** What a BusyBox ash answers to the few commands a login checker types. */
function shellAnswer(command: string): string {
  const c = command.trim();
  if (c === '') return '';
  const echo = /^echo (.*)$/.exec(c);
  if (!echo) return `sh: ${c.split(' ')[0] ?? ''}: not found\n`;
  const evaluated = (echo[1] ?? '').replace(/\$\(\((\d+)\s*([+*])\s*(\d+)\)\)/g, (_m, x: string, op: string, y: string) =>
    String(op === '+' ? Number(x) + Number(y) : Number(x) * Number(y)),
  );
  return `${evaluated.replace(/['"]/g, '')}\n`;
}

/**
 * An embedded SSH server (Dropbear's identification, password authentication only, ten failures
 * per connection), its shell answering exec and interactive commands like ash.
 */
async function startSsh(host: string, accept: Pair, hostKey: Buffer, failDelayMs: number): Promise<Running> {
  const clients = new Set<Connection>();
  const server = new ssh2.Server({ hostKeys: [hostKey], ident: 'dropbear_2019.78' }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    let failures = 0;
    client.on('authentication', (auth) => {
      if (auth.method === 'password' && auth.username === accept.username && auth.password === accept.password) {
        auth.accept();
        return;
      }
      if (auth.method !== 'password') {
        auth.reject(['password']);
        return;
      }
      failures++;
      setTimeout(() => {
        auth.reject(['password']);
        if (failures >= 10) client.end();
      }, failDelayMs);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (ok) => ok?.());
        session.on('env', (ok) => ok?.());
        session.on('exec', (ok, _refuse, info) => {
          const stream = ok();
          stream.write(shellAnswer(info.command));
          stream.exit(0);
          stream.end();
        });
        session.on('shell', (ok) => {
          const stream: ServerChannel = ok();
          let line = '';
          stream.write('\r\n\r\nBusyBox v1.31.1 built-in shell (ash)\r\n\r\n# ');
          stream.on('data', (data: Buffer) => {
            for (const ch of data.toString('latin1')) {
              if (ch === '\r' || ch === '\n') {
                const command = line;
                line = '';
                if (command.trim() === 'exit') {
                  stream.exit(0);
                  stream.end();
                  return;
                }
                stream.write(`\r\n${shellAnswer(command).replace(/\n/g, '\r\n')}# `);
              } else if (line.length < 1024) {
                line += ch;
                stream.write(ch);
              }
            }
          });
        });
      });
    });
  });
  // Dropbear and OpenSSH write each packet whole, with TCP_NODELAY; ssh2 writes a packet's
  // length and body apart, which under Nagle and delayed ACKs would stall every reply by 40 ms.
  // So the TCP side is ours, with Nagle off, and ssh2 is handed each connection.
  const sockets = new Set<net.Socket>();
  const listener = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    server.injectSocket(socket);
  });
  const port = await listen(listener, host);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        for (const s of sockets) s.destroy();
        listener.close(() => resolve());
      }),
  };
}

const STREAMS = ['/live', '/stream1', '/Streaming/Channels/101', '/h264', '/live/ch00_0'];
// BusyBox telnetd's opening, byte for byte (telnetd.c iacs_to_send): IAC DO ECHO, IAC DO NAWS,
// IAC WILL ECHO, IAC WILL SGA. The simulator's own default adds DO TTYPE and an unsolicited
// TTYPE subnegotiation, which is netkit-like rather than BusyBox.
const BUSYBOX_IACS = Buffer.from([255, 253, 1, 255, 253, 31, 255, 251, 1, 255, 251, 3]);
const MOTD = "\n\nBusyBox v1.31.1 (2020-04-08 10:12:31 CST) built-in shell (ash)\nEnter 'help' for a list of built-in commands.\n\n";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const value = args[i + 1];
    args.splice(i, 2);
    return value;
  };
  const failDelayMs = Number(option('--fail-delay') ?? 0);
  const ttypeAt = args.indexOf('--telnet-ttype');
  // The telnet simulator's own opening (DO TTYPE and a TTYPE subnegotiation), for comparison.
  const ttype = ttypeAt >= 0;
  if (ttype) args.splice(ttypeAt, 1);
  const lifetimeS = Number(option('--lifetime') ?? 600);
  const count = Number(args[0] ?? 250);
  if (!Number.isInteger(count) || count < 1 || count > 254 * 240) throw new Error(`device count must be 1…${254 * 240}; got ${args[0]}`);
  if (!Number.isFinite(failDelayMs) || failDelayMs < 0 || !Number.isFinite(lifetimeS) || lifetimeS <= 0) throw new Error('--fail-delay and --lifetime take positive numbers');

  // However the parent goes, this process goes too, and never outlives its lifetime.
  const lifetime = setTimeout(() => {
    process.stderr.write(`probe-devices: lifetime of ${lifetimeS} s over, exiting\n`);
    process.exit(0);
  }, lifetimeS * 1000);
  lifetime.unref();
  let stopping = false;
  const closers: (() => Promise<void>)[] = [];
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // Closing is best effort and bounded: exit follows within a second whatever the servers do.
    setTimeout(() => process.exit(0), 1000).unref();
    void Promise.allSettled(closers.map((c) => c())).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();

  const listFile = args[1];
  const pairs = listFile ? readPairs(listFile) : [{ username: 'admin', password: 'admin' }];
  // An empty password cannot be told from "no password" by every simulator alike: not chosen.
  const layout = plan(count, pairs.length, (q) => (pairs[q]?.password ?? '') !== '' && (pairs[q]?.username ?? '') !== '');

  let hostKey: Buffer | undefined;
  if (layout.some((d) => d.service === 'ssh')) {
    // One key for every SSH device, as on a product line whose firmware ships the same key.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-devices-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench', '-f', path.join(dir, 'key')], { stdio: 'ignore', timeout: 10_000 });
      hostKey = fs.readFileSync(path.join(dir, 'key'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  const devices: DeviceInfo[] = [];
  const start = async (i: number): Promise<void> => {
    const slot = layout[i];
    if (!slot) return;
    const host = addressOf(i);
    const accepts = slot.position === null ? null : (pairs[slot.position] ?? null);
    const pair: Pair = accepts ?? { username: i % 2 === 0 ? 'admin' : 'root', password: strongPassword() };
    let running: Running;
    switch (slot.service) {
      case 'telnet': {
        const d = await startTelnetDevice({ host, ...(ttype ? {} : { negotiate: false, rawPrefix: BUSYBOX_IACS }), accept: pair, afterLogin: 'shell', motd: MOTD, failureDelayMs: failDelayMs });
        running = { port: d.port, close: () => d.close() };
        break;
      }
      case 'http':
        running = await startBasicWeb(host, pair, failDelayMs);
        break;
      case 'ftp':
        running = await startFtp(host, pair, failDelayMs);
        break;
      case 'rtsp': {
        const camera = await startRtspCamera({ host, streams: [STREAMS[i % STREAMS.length] ?? '/live'], auth: { schemes: ['basic'], username: pair.username, password: pair.password, realm: 'IP Camera' } });
        running = { port: camera.port, close: () => camera.stop() };
        break;
      }
      case 'ssh':
        running = await startSsh(host, pair, hostKey ?? Buffer.alloc(0), failDelayMs);
        break;
    }
    closers.push(running.close);
    devices[i] = { service: slot.service, host, port: running.port, accepts };
  };
  // In batches, so that start-up (and the SSH key parse on each) comes in bounded bursts.
  for (let i = 0; i < count; i += 25) await Promise.all(Array.from({ length: Math.min(25, count - i) }, (_, j) => start(i + j)));
  if (stopping) return;
  process.stdout.write(`${JSON.stringify(devices)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`probe-devices: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
