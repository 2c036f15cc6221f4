// A real Eclipse Mosquitto broker (Debian's /usr/sbin/mosquitto) for the MQTT probe's tests: our
// own process, with its configuration, password file and certificate in a temporary directory,
// listening only on the address the test owns. The system's broker on 127.0.0.1:1883 is never
// touched.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';

export interface MosquittoOptions {
  host: string;
  allowAnonymous: boolean;
  users?: readonly { username: string; password: string }[];
  /** Serve MQTT over TLS (a fresh self-signed certificate) instead of plain MQTT. */
  tls?: boolean;
}

export interface Mosquitto {
  host: string;
  port: number;
  /** What the broker logged, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

function run(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 15_000 }, (error, _stdout, stderr) => (error ? reject(new Error(`${file} failed: ${stderr || error.message}`)) : resolve()));
  });
}

export async function startMosquitto(options: MosquittoOptions): Promise<Mosquitto> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cn-mosquitto-'));
  let child: ChildProcess | undefined;
  let output = '';
  const stop = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const running = child;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGTERM');
      const forced = setTimeout(() => running.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(forced);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort(options.host);
    const lines = [
      `listener ${port} ${options.host}`,
      `allow_anonymous ${options.allowAnonymous ? 'true' : 'false'}`,
      // Run as root, mosquitto would switch to the `mosquitto` user, which cannot read a
      // temporary directory only root may enter; `root` keeps it as it is.
      'user root',
      'persistence false',
      // stderr, because mosquitto buffers stdout when it is a pipe and the "running" line would wait.
      'log_dest stderr',
      'log_type all',
    ];
    const users = options.users ?? [];
    if (users.length) {
      const file = path.join(dir, 'passwords');
      for (const [i, user] of users.entries()) {
        await run('/usr/bin/mosquitto_passwd', ['-b', ...(i === 0 ? ['-c'] : []), file, user.username, user.password], dir);
      }
      lines.push(`password_file ${file}`);
    }
    if (options.tls) {
      await run(
        '/usr/bin/openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=bench-broker'],
        dir,
      );
      lines.push(`certfile ${path.join(dir, 'cert.pem')}`, `keyfile ${path.join(dir, 'key.pem')}`);
    }
    const config = path.join(dir, 'mosquitto.conf');
    await fs.writeFile(config, `${lines.join('\n')}\n`);

    const started = spawn('/usr/sbin/mosquitto', ['-c', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mosquitto did not start within 10 s:\n${output}`)), 10_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        if (/mosquitto version \S+ running/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      started.stdout?.on('data', onData);
      started.stderr?.on('data', onData);
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mosquitto exited with ${code}:\n${output}`));
      });
    });
    return { host: options.host, port, log: () => output, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
