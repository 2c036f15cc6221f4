// Misbehaving TCP peers for the probe's tests: each stands for a device (or something that is no
// device at all) a probe must leave in bounded time, and counts the connections it got so a test
// can assert one was never made.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { listenOnFreePort } from './ports.ts';

export type Behaviour =
  /** Accepts and never sends a byte. */
  | 'silent'
  /** Sends random bytes as fast as the client reads them, forever. */
  | 'garbage'
  /** Closes each connection as soon as it is accepted. */
  | 'close'
  /** Sends the same line again and again, never a complete answer. */
  | 'endless-lines'
  /** Sends `line` one byte every 100 ms, never reaching its end: only an overall bound stops it. */
  | 'drip';

export interface TestServer {
  host: string;
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Lines received from clients, in order (for scripted servers). */
  readonly received: readonly string[];
  stop(): Promise<void>;
}

async function listen(host: string, onConnection: (socket: net.Socket, server: { received: string[] }) => void): Promise<TestServer> {
  const state = { connections: 0, received: [] as string[] };
  const server = net.createServer((socket) => {
    state.connections++;
    // The client going away mid-write is what these tests provoke; it is not a server fault.
    socket.on('error', () => socket.destroy());
    onConnection(socket, state);
  });
  const { port, stop } = await listenOnFreePort(server, host);
  return {
    host,
    port,
    get connections() {
      return state.connections;
    },
    get received() {
      return state.received;
    },
    stop,
  };
}

export function startHostileServer(host: string, behaviour: Behaviour, line = '220-still greeting you\r\n'): Promise<TestServer> {
  return listen(host, (socket) => {
    switch (behaviour) {
      case 'silent':
        socket.resume();
        return;
      case 'close':
        socket.destroy();
        return;
      case 'garbage':
      case 'endless-lines': {
        socket.resume();
        const chunk = behaviour === 'garbage' ? randomBytes(16 * 1024) : Buffer.from(line.repeat(Math.ceil(16 * 1024 / line.length)));
        const pump = (): void => {
          while (!socket.destroyed && socket.write(chunk));
        };
        socket.on('drain', pump);
        pump();
        return;
      }
      case 'drip': {
        socket.resume();
        let at = 0;
        const timer = setInterval(() => {
          if (socket.destroyed) return;
          // Never the last byte: the line stays incomplete however long the client waits.
          socket.write(line.slice(at % (line.length - 1), (at % (line.length - 1)) + 1));
          at++;
        }, 100);
        socket.on('close', () => clearInterval(timer));
        return;
      }
    }
  });
}

/**
 * A line-based server playing a script: sends `greeting`, then answers each line the client
 * sends with `answer(line)` (undefined: say nothing; 'close': hang up).
 */
export function startScriptedServer(host: string, greeting: string, answer: (line: string) => string | 'close' | undefined): Promise<TestServer> {
  return listen(host, (socket, state) => {
    socket.write(greeting);
    let pending = '';
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      pending += text;
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end).replace(/\r$/, '');
        pending = pending.slice(end + 1);
        state.received.push(line);
        const reply = answer(line);
        if (reply === 'close') {
          socket.destroy();
          return;
        }
        if (reply !== undefined) socket.write(reply);
      }
    });
  });
}
