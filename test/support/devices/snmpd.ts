// A real Net-SNMP agent (Debian's /usr/sbin/snmpd) for the SNMP probe's tests: our own process,
// with only our configuration (-C: not /etc/snmp), its persistent state in a temporary directory
// (not /var/lib/snmp), in the foreground, listening only on the address the test owns.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface SnmpdOptions {
  host: string;
  /** Read-only communities, each allowed from 127.0.0.0/8. */
  communities: readonly string[];
  sysDescr: string;
}

export interface Snmpd {
  host: string;
  port: number;
  /** What the agent logged, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

/** A UDP port free on `host` at the time of asking. */
export function freeUdpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

export async function startSnmpd(options: SnmpdOptions): Promise<Snmpd> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cn-snmpd-'));
  const persistent = path.join(dir, 'persist');
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
    const port = await freeUdpPort(options.host);
    const config = path.join(dir, 'snmpd.conf');
    await fs.writeFile(
      config,
      [
        // Where the agent keeps its state (engine boots, certificate indexes) and rewrites
        // snmpd.conf on exit; said here as well as in SNMP_PERSISTENT_DIR.
        `[snmp] persistentDir ${persistent}`,
        ...options.communities.map((c) => `rocommunity ${c} 127.0.0.0/8`),
        `sysDescr ${options.sysDescr}`,
        // The only listening address. snmpd opens this and any given on its command line as well,
        // so naming the same one in both fails with "Error opening specified endpoint".
        `agentaddress udp:${options.host}:${port}`,
        '',
      ].join('\n'),
    );
    const started = spawn('/usr/sbin/snmpd', ['-f', '-Le', '-C', '-c', config], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      // MIBS empty: the agent needs no MIB files to answer, and loading them only slows it down.
      env: { ...process.env, SNMP_PERSISTENT_DIR: persistent, MIBS: '' },
    });
    child = started;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`snmpd did not start within 10 s:\n${output}`)), 10_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
        // Printed once the agent has read its configuration and opened its port.
        if (/NET-SNMP version/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      started.stdout?.on('data', onData);
      started.stderr?.on('data', onData);
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`snmpd exited with ${code}:\n${output}`));
      });
    });
    return { host: options.host, port, log: () => output, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
