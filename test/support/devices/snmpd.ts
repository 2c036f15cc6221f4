// A real Net-SNMP agent (Debian's /usr/sbin/snmpd) for the SNMP probe's tests: our own process,
// with only our configuration (-C: not /etc/snmp), its persistent state in a temporary directory
// (not /var/lib/snmp), in the foreground, listening only on the address the test owns.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freeUdpPort } from './ports.ts';
import { inTempDir, startServerProcess } from './process.ts';

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

export function startSnmpd(options: SnmpdOptions): Promise<Snmpd> {
  return inTempDir('cn-snmpd-', async (dir) => {
    const persistent = path.join(dir, 'persist');
    const port = await freeUdpPort(options.host);
    const config = path.join(dir, 'snmpd.conf');
    await writeFile(
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
    const agent = await startServerProcess({
      file: '/usr/sbin/snmpd',
      args: ['-f', '-Le', '-C', '-c', config],
      dir,
      // MIBS empty: the agent needs no MIB files to answer, and loading them only slows it down.
      env: { ...process.env, SNMP_PERSISTENT_DIR: persistent, MIBS: '' },
      // Printed once the agent has read its configuration and opened its port.
      ready: { output: /NET-SNMP version/ },
    });
    return { host: options.host, port, log: agent.output, stop: agent.stop };
  });
}
