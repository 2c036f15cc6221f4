// A real OpenSSH server for the SSH probe's tests: Debian's /usr/sbin/sshd run in the foreground
// with a configuration, host key and address of the test's own, so the probe meets the same
// protocol, PAM delays and disconnect messages a device running OpenSSH would give it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';
import { TEST_USER } from './system-user.ts';

const run = promisify(execFile);
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
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cnt-sshd-'));
  const hostKey = path.join(dir, 'host_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'connectable-test', '-f', hostKey]);
  const listed = (await run('ssh-keygen', ['-l', '-f', `${hostKey}.pub`])).stdout.trim();
  const fingerprint = listed.split(' ')[1] ?? '';
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

  // Its own process group, so stop() also ends the per-connection children sshd forks.
  const child = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    log += text;
  });
  try {
    await waitFor(child, () => log.includes(`Server listening on ${options.host} port ${port}`), () => log);
  } catch (error) {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const keyType = (await readFile(`${hostKey}.pub`, 'utf8')).split(' ')[0] ?? '';
  return {
    host: options.host,
    port,
    hostKeyFingerprint: fingerprint,
    hostKeyType: keyType,
    log: () => log,
    async stop() {
      await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function waitFor(child: ChildProcess, ready: () => boolean, output: () => string, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = (): void => {
      if (ready()) {
        clearInterval(timer);
        child.off('exit', onExit);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        child.off('exit', onExit);
        reject(new Error(`${child.spawnfile} did not come up within ${timeoutMs} ms:\n${output()}`));
      }
    };
    const onExit = (code: number | null): void => {
      clearInterval(timer);
      reject(new Error(`${child.spawnfile} exited (${code}) before it was ready:\n${output()}`));
    };
    const timer = setInterval(check, 25);
    child.once('exit', onExit);
  });
}

/** Ends the child's process group (the server and what it forked) and waits for the server. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
  const timer = setTimeout(() => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 2000);
  await exited;
  clearTimeout(timer);
}
