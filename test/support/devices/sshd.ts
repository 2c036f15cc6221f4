// A real OpenSSH server for the SSH probe's tests: Debian's /usr/sbin/sshd run in the foreground
// with a configuration, host key and address of the test's own, so the probe meets the same
// protocol, PAM delays and disconnect messages a device running OpenSSH would give it.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './ports.ts';
import { inTempDir, runTool, startServerProcess } from './process.ts';
import { TEST_USER } from './system-user.ts';

const SSHD = '/usr/sbin/sshd';

export interface SshdOptions {
  host: string;
  /** 'password': the plain password method (no PAM). 'keyboard-interactive': PAM prompts only. */
  method: 'password' | 'keyboard-interactive';
  maxAuthTries?: number;
}

export interface RunningSshd {
  host: string;
  port: number;
  /** As `ssh-keygen -l` prints it: "SHA256:…". */
  hostKeyFingerprint: string;
  hostKeyType: string;
  /** What sshd logged so far (LogLevel VERBOSE, on stderr through -e). */
  log(): string;
  stop(): Promise<void>;
}

export async function startSshd(options: SshdOptions): Promise<RunningSshd> {
  // sshd refuses to start without its privilege-separation directory; containers often lack it.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  return inTempDir('cnt-sshd-', async (dir) => {
    const hostKey = path.join(dir, 'host_ed25519');
    await runTool('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'connectable-test', '-f', hostKey]);
    const listed = (await runTool('ssh-keygen', ['-l', '-f', `${hostKey}.pub`])).trim();
    const fingerprint = listed.split(' ')[1] ?? '';
    const keyType = (await readFile(`${hostKey}.pub`, 'utf8')).split(' ')[0] ?? '';
    const port = await freePort(options.host);
    const password = options.method === 'password';
    const config = [
      `ListenAddress ${options.host}:${port}`,
      `HostKey ${hostKey}`,
      'PidFile none',
      // Without PAM, sshd checks /etc/shadow itself and fails fast; keyboard-interactive needs PAM
      // (and brings pam_unix's ~2 s delay on each failure, as on a real device).
      `UsePAM ${password ? 'no' : 'yes'}`,
      `PasswordAuthentication ${password ? 'yes' : 'no'}`,
      `KbdInteractiveAuthentication ${password ? 'no' : 'yes'}`,
      'PubkeyAuthentication yes',
      'AuthorizedKeysFile none',
      'PermitRootLogin no',
      'PermitEmptyPasswords no',
      `AllowUsers ${TEST_USER}`,
      `MaxAuthTries ${options.maxAuthTries ?? 3}`,
      'LoginGraceTime 20',
      'StrictModes no',
      'UseDNS no',
      'PrintMotd no',
      'LogLevel VERBOSE',
      '',
    ].join('\n');
    const configFile = path.join(dir, 'sshd_config');
    await writeFile(configFile, config);

    const sshd = await startServerProcess({
      file: SSHD,
      args: ['-D', '-e', '-f', configFile],
      dir,
      ready: { output: `Server listening on ${options.host} port ${port}` },
    });
    return { host: options.host, port, hostKeyFingerprint: fingerprint, hostKeyType: keyType, log: sshd.output, stop: sshd.stop };
  });
}
