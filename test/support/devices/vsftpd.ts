// A real vsftpd for the FTP probe's tests: Debian's /usr/sbin/vsftpd in the foreground with a
// configuration file of the test's own, local logins through PAM (service "vsftpd") for the
// test account, and optionally anonymous logins.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './ports.ts';
import { inTempDir, startServerProcess } from './process.ts';

const VSFTPD = '/usr/sbin/vsftpd';

export interface VsftpdOptions {
  host: string;
  anonymous: boolean;
}

export interface RunningVsftpd {
  host: string;
  port: number;
  /** The directory a local login lands in (what PWD answers). */
  localRoot: string;
  /** vsftpd's own protocol log, plus anything it printed. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export function startVsftpd(options: VsftpdOptions): Promise<RunningVsftpd> {
  return inTempDir('cnt-vsftpd-', async (dir) => {
    // mkdtemp makes the directory 0700; the logged-in user must be able to enter what lies below.
    await chmod(dir, 0o755);
    const empty = path.join(dir, 'empty');
    const localRoot = path.join(dir, 'home');
    const anonRoot = path.join(dir, 'anon');
    for (const d of [empty, localRoot, anonRoot]) await mkdir(d, { mode: 0o755 });
    const logFile = path.join(dir, 'vsftpd.log');
    const port = await freePort(options.host);
    const config = [
      'listen=YES',
      'listen_ipv6=NO',
      `listen_address=${options.host}`,
      `listen_port=${port}`,
      'background=NO',
      `anonymous_enable=${options.anonymous ? 'YES' : 'NO'}`,
      'no_anon_password=NO',
      `anon_root=${anonRoot}`,
      'local_enable=YES',
      // The test account has no home directory; vsftpd would refuse the login ("500 OOPS: cannot
      // change directory") after accepting the password, so it lands here instead.
      `local_root=${localRoot}`,
      'write_enable=NO',
      'pam_service_name=vsftpd',
      'userlist_enable=NO',
      `secure_chroot_dir=${empty}`,
      // Namespaces and the seccomp filter are not available to a server inside this container.
      'seccomp_sandbox=NO',
      'isolate=NO',
      'isolate_network=NO',
      // vsftpd's own extra pause after a failed login; PAM's still applies.
      'delay_failed_login=0',
      'max_login_fails=3',
      // vsftpd writes its own log (commands and replies) only with the transfer log switched on.
      'xferlog_enable=YES',
      'xferlog_std_format=NO',
      'log_ftp_protocol=YES',
      `vsftpd_log_file=${logFile}`,
      '',
    ].join('\n');
    const configFile = path.join(dir, 'vsftpd.conf');
    await writeFile(configFile, config);
    // vsftpd refuses a configuration file not owned by its user (root here) or writable by others.
    await chmod(configFile, 0o600);

    // vsftpd prints nothing when it is listening: knocking is the only way to know.
    const vsftpd = await startServerProcess({ file: VSFTPD, args: [configFile], dir, ready: { tcp: { host: options.host, ports: [port] } } });
    return {
      host: options.host,
      port,
      localRoot,
      log: async () => `${vsftpd.output()}${await readFile(logFile, 'utf8').catch(() => '')}`,
      stop: vsftpd.stop,
    };
  });
}
