// A configurable telnet device for the telnet probe's tests: the login dialogues, quirks and
// hostile behaviours of real embedded telnetds, each switchable, on a loopback address.
import crypto from 'node:crypto';
import net from 'node:net';
import { listenOnFreePort } from './ports.ts';

const IAC = 255;
const SB = 250;
const SE = 240;
const WILL = 251;
const DO = 253;

export interface TelnetDeviceOptions {
  host: string;
  /** Opens with IAC requests like BusyBox telnetd's (DO ECHO, DO NAWS, WILL ECHO, WILL SGA, DO TTYPE + a subnegotiation). Default true. */
  negotiate?: boolean;
  /** Bytes written as they are right after the negotiation (IAC IAC, stray NULs…). */
  rawPrefix?: Buffer;
  /** Text before the first prompt; several pieces are written `pieceDelayMs` apart. */
  banner?: string | string[];
  pieceDelayMs?: number;
  /** null: the device asks for a password only. Default 'login: '. */
  loginPrompt?: string | null;
  passwordPrompt?: string;
  /** How the device ends its lines. Default '\r\n'. */
  lineEnd?: '\r\n' | '\r\0' | '\n';
  /** The pair that logs in; 'any' accepts every password (for `afterLogin` to show what follows). */
  accept?: { username: string; password: string } | 'any';
  /** 'shell': a small POSIX-ish shell; 'cli': a vendor CLI (Huawei VRP style); 'echo-prompt': a prompt that only repeats what is typed; 'close': hangs up. */
  afterLogin?: 'shell' | 'cli' | 'echo-prompt' | 'close';
  /** Text printed on login, before the prompt. */
  motd?: string;
  prompt?: string;
  /** Only the quote-removal proof works: `$((…))` is printed as typed, like shells built without arithmetic. */
  noArithmetic?: boolean;
  failureText?: string;
  failureDelayMs?: number;
  triesPerConnection?: number;
  /** Failed logins (over all connections) after which the device locks. */
  lockAfter?: number;
  lockText?: string;
  echoPassword?: boolean;
  /** Takes CR and LF as two separate line ends, as some embedded telnetds do. */
  crlfAsTwoLines?: boolean;
  /** A shell straight away, no login. */
  openShell?: boolean;
  behaviour?: 'normal' | 'echo-all' | 'garbage' | 'hang' | 'iac-flood';
}

export interface TelnetDevice {
  host: string;
  port: number;
  /** Counters over the device's life, to check what the probe made it do. */
  readonly stats: { connections: number; failures: number; logins: number; linesReceived: string[]; negotiation: string[] };
  close(): Promise<void>;
}

type Phase = 'banner' | 'login' | 'password' | 'shell' | 'cli' | 'echo-prompt' | 'waiting' | 'done';

export async function startTelnetDevice(options: TelnetDeviceOptions): Promise<TelnetDevice> {
  const o = {
    negotiate: true,
    pieceDelayMs: 30,
    loginPrompt: 'login: ' as string | null,
    passwordPrompt: 'Password: ',
    lineEnd: '\r\n',
    accept: { username: 'admin', password: 'admin' } as TelnetDeviceOptions['accept'],
    afterLogin: 'shell' as NonNullable<TelnetDeviceOptions['afterLogin']>,
    motd: '',
    prompt: '# ',
    failureText: 'Login incorrect',
    failureDelayMs: 0,
    triesPerConnection: 3,
    lockText: 'Too many failed login attempts. Try again later.',
    behaviour: 'normal' as NonNullable<TelnetDeviceOptions['behaviour']>,
    ...options,
  };
  const stats = { connections: 0, failures: 0, logins: 0, linesReceived: [] as string[], negotiation: [] as string[] };
  const verbs: Record<number, string> = { 251: 'WILL', 252: 'WONT', 253: 'DO', 254: 'DONT' };
  const lines = (text: string): string => text.replace(/\r?\n/g, o.lineEnd);
  const locked = (): boolean => o.lockAfter !== undefined && stats.failures >= o.lockAfter;

  const server = net.createServer((socket) => {
    stats.connections++;
    const timers = new Set<NodeJS.Timeout>();
    socket.on('close', () => {
      for (const t of timers) clearTimeout(t);
    });
    socket.on('error', () => undefined);
    const later = (ms: number, fn: () => void): void => {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!socket.destroyed) fn();
      }, ms);
      timers.add(t);
    };
    const write = (text: string): void => {
      if (!socket.destroyed) socket.write(Buffer.from(lines(text), 'utf8'));
    };

    if (o.behaviour === 'hang') return;
    if (o.behaviour === 'garbage' || o.behaviour === 'iac-flood') {
      let option = 0;
      const next = (): Buffer => {
        if (o.behaviour === 'garbage') return crypto.randomBytes(4096);
        const out: number[] = [];
        for (let i = 0; i < 1024; i++) out.push(IAC, i % 2 === 0 ? DO : WILL, option++ % 256);
        return Buffer.from(out);
      };
      const pump = (): void => {
        while (!socket.destroyed && socket.write(next()));
        if (!socket.destroyed) socket.once('drain', pump);
      };
      pump();
      return;
    }

    let phase: Phase = 'banner';
    let username = '';
    let tries = 0;
    let line = '';
    let lastCr = false;
    let iac: 'none' | 'cmd' | 'option' | 'sb' | 'sb-iac' = 'none';
    let verb = 0;

    const showPrompt = (): void => {
      if (o.openShell) {
        phase = o.afterLogin === 'close' ? 'shell' : o.afterLogin;
        write(o.prompt);
      } else if (o.loginPrompt === null) {
        phase = 'password';
        write(o.passwordPrompt);
      } else {
        phase = 'login';
        write(o.loginPrompt);
      }
    };

    const fail = (): void => {
      stats.failures++;
      phase = 'waiting';
      later(o.failureDelayMs, () => {
        if (locked()) {
          write(`\n${o.lockText}\n`);
          phase = 'done';
          socket.end();
          return;
        }
        write(`\n${o.failureText}\n`);
        if (++tries >= o.triesPerConnection) {
          phase = 'done';
          socket.end();
        } else showPrompt();
      });
    };

    const loggedIn = (): void => {
      stats.logins++;
      write(`\n${o.motd}`);
      if (o.afterLogin === 'close') {
        phase = 'done';
        socket.end();
        return;
      }
      phase = o.afterLogin;
      write(o.prompt);
    };

    const shellLine = (input: string): string => {
      const command = input.trim();
      if (command === '') return '';
      const echo = /^echo (.*)$/.exec(command);
      if (!echo) return `sh: ${command.split(' ')[0] ?? ''}: not found\n`;
      let args = echo[1] ?? '';
      if (!o.noArithmetic) {
        args = args.replace(/\$\(\((\d+)\s*([+*])\s*(\d+)\)\)/g, (_m, x: string, op: string, y: string) =>
          String(op === '+' ? Number(x) + Number(y) : Number(x) * Number(y)),
        );
      }
      return `${args.replace(/'/g, '')}\n`;
    };

    const onLine = (input: string): void => {
      stats.linesReceived.push(input);
      switch (phase) {
        case 'login':
          username = input;
          phase = 'password';
          write(o.passwordPrompt);
          break;
        case 'password': {
          if (o.echoPassword) write(`${input}\n`);
          else write('\n');
          const ok =
            o.accept === 'any' ||
            (o.accept !== undefined && (o.loginPrompt === null || username === o.accept.username) && input === o.accept.password);
          if (ok && !locked()) loggedIn();
          else fail();
          break;
        }
        case 'shell':
          write(`${shellLine(input)}${o.prompt}`);
          break;
        case 'cli':
          write(input.trim() === '' ? o.prompt : `Error: Unrecognized command found at '^' position.\n${o.prompt}`);
          break;
        case 'echo-prompt':
          write(o.prompt);
          break;
        default:
          break; // typed ahead while the device is busy: dropped, like a device flushing input
      }
    };

    const echoes = (): boolean => phase === 'login' || phase === 'shell' || phase === 'cli' || phase === 'echo-prompt';
    socket.on('data', (chunk: Buffer) => {
      if (o.behaviour === 'echo-all') {
        socket.write(chunk);
        return;
      }
      for (const b of chunk) {
        if (iac === 'cmd') {
          verb = b;
          iac = b === SB ? 'sb' : b >= WILL && b <= 254 ? 'option' : 'none';
          continue;
        }
        if (iac === 'option') {
          stats.negotiation.push(`${verbs[verb] ?? verb} ${b}`);
          iac = 'none';
          continue;
        }
        if (iac === 'sb') {
          if (b === IAC) iac = 'sb-iac';
          continue;
        }
        if (iac === 'sb-iac') {
          iac = b === SE ? 'none' : 'sb';
          continue;
        }
        if (b === IAC) {
          iac = 'cmd';
          continue;
        }
        const wasCr = lastCr;
        lastCr = b === 13;
        if (b === 0) continue;
        if (b === 10 && wasCr && !o.crlfAsTwoLines) continue;
        if (b === 13 || b === 10) {
          if (echoes()) write('\n');
          const input = line;
          line = '';
          onLine(input);
          continue;
        }
        line += String.fromCharCode(b);
        if (echoes()) socket.write(Buffer.from([b]));
      }
    });

    if (o.negotiate) {
      socket.write(Buffer.from([IAC, DO, 1, IAC, DO, 31, IAC, WILL, 1, IAC, WILL, 3, IAC, DO, 24, IAC, SB, 24, 1, IAC, SE]));
    }
    if (o.rawPrefix) socket.write(o.rawPrefix);
    if (o.behaviour === 'echo-all') {
      write(o.loginPrompt ?? o.passwordPrompt);
      return;
    }
    if (locked()) {
      write(`${o.lockText}\n`);
      socket.end();
      return;
    }
    const pieces = o.banner === undefined ? [] : typeof o.banner === 'string' ? [o.banner] : o.banner;
    pieces.forEach((piece, i) => later(i * o.pieceDelayMs, () => write(piece)));
    later(pieces.length * o.pieceDelayMs, showPrompt);
  });

  const { port, stop } = await listenOnFreePort(server, o.host);
  return { host: o.host, port, stats, close: stop };
}
