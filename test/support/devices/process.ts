// Real servers (sshd, vsftpd, lighttpd, mosquitto, snmpd, busybox telnetd) run as our own child
// processes, each in a temporary directory holding its configuration. Every test file starts its
// own, on its own address, and must leave nothing behind: not the directory, not a process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Output kept from one server: a failing test shows it, a chatty server must not fill memory. */
const MAX_OUTPUT_CHARS = 4 * 1024 * 1024;
/** Only a broken set-up waits this out; a loaded machine may take seconds to start a server. */
const READY_WITHIN_MS = 10_000;
/** SIGTERM first, so the server can clean up; SIGKILL for one that ignores it. */
const KILL_AFTER_MS = 3000;

export interface ServerProcess {
  /** What the server printed on stdout and stderr so far (the first MAX_OUTPUT_CHARS). */
  output(): string;
  /** Ends the server's process group (the server and what it forked), waits, removes its directory. */
  stop(): Promise<void>;
}

export interface ServerSpec {
  file: string;
  args: readonly string[];
  /** Its directory: the working directory, removed by stop(). */
  dir: string;
  env?: NodeJS.ProcessEnv;
  /**
   * When it is ready: a line it prints once it serves, or, for a server that prints nothing then,
   * every one of these TCP ports accepting a connection.
   */
  ready: { output: RegExp | string } | { tcp: { host: string; ports: readonly number[] } };
}

/** A fresh temporary directory for `start`, removed again when `start` fails. */
export async function inTempDir<T>(prefix: string, start: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  try {
    return await start(dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Runs a set-up tool (openssl, ssh-keygen, …) to its end: its stdout, or an error with its stderr. */
export function runTool(file: string, args: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 15_000, ...(cwd === undefined ? {} : { cwd }) }, (error, stdout, stderr) =>
      error ? reject(new Error(`${file} failed: ${String(stderr) || error.message}`)) : resolve(String(stdout)),
    );
  });
}

/** Starts a server and waits until it is ready; one that is not is stopped and its output thrown. */
export async function startServerProcess(spec: ServerSpec): Promise<ServerProcess> {
  const name = path.basename(spec.file);
  // Its own process group, so stop() also ends the children a server forks per connection.
  const child = spawn(spec.file, [...spec.args], { cwd: spec.dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...(spec.env ? { env: spec.env } : {}) });
  let output = '';
  const collect = (text: string): void => {
    if (output.length < MAX_OUTPUT_CHARS) output += text.slice(0, MAX_OUTPUT_CHARS - output.length);
  };
  child.stdout.setEncoding('utf8').on('data', collect);
  child.stderr.setEncoding('utf8').on('data', collect);
  let failedToStart: Error | undefined;
  child.once('error', (error) => {
    failedToStart = error;
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const pid = child.pid;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      signalGroup(child, pid, 'SIGTERM');
      const forced = setTimeout(() => signalGroup(child, pid, 'SIGKILL'), KILL_AFTER_MS);
      await exited;
      clearTimeout(forced);
    }
    await rm(spec.dir, { recursive: true, force: true });
  };

  const ready = spec.ready;
  const isReady = async (): Promise<boolean> => {
    if ('output' in ready) return typeof ready.output === 'string' ? output.includes(ready.output) : ready.output.test(output);
    const up = await Promise.all(ready.tcp.ports.map((port) => accepts(ready.tcp.host, port)));
    return up.every(Boolean);
  };
  const deadline = Date.now() + READY_WITHIN_MS;
  try {
    for (;;) {
      if (failedToStart) throw new Error(`${name} could not be started: ${failedToStart.message}`);
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`);
      if (await isReady()) break;
      if (Date.now() > deadline) throw new Error(`${name} was not ready within ${READY_WITHIN_MS} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { output: () => output, stop };
}

function signalGroup(child: ChildProcess, pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // No such group any more; the server itself may still need telling.
    child.kill(signal);
  }
}

/** Whether a TCP connection to host:port is accepted now. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
