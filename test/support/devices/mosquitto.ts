// A real Eclipse Mosquitto broker (Debian's /usr/sbin/mosquitto) for the MQTT probe's tests: our
// own process, with its configuration, password file and certificate in a temporary directory,
// listening only on the address the test owns. The system's broker on 127.0.0.1:1883 is never
// touched.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './ports.ts';
import { inTempDir, runTool, startServerProcess } from './process.ts';

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

export function startMosquitto(options: MosquittoOptions): Promise<Mosquitto> {
  return inTempDir('cn-mosquitto-', async (dir) => {
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
        await runTool('/usr/bin/mosquitto_passwd', ['-b', ...(i === 0 ? ['-c'] : []), file, user.username, user.password], dir);
      }
      lines.push(`password_file ${file}`);
    }
    if (options.tls) {
      await runTool(
        '/usr/bin/openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=bench-broker'],
        dir,
      );
      lines.push(`certfile ${path.join(dir, 'cert.pem')}`, `keyfile ${path.join(dir, 'key.pem')}`);
    }
    const config = path.join(dir, 'mosquitto.conf');
    await writeFile(config, `${lines.join('\n')}\n`);

    const broker = await startServerProcess({ file: '/usr/sbin/mosquitto', args: ['-c', config], dir, ready: { output: /mosquitto version \S+ running/ } });
    return { host: options.host, port, log: broker.output, stop: broker.stop };
  });
}
