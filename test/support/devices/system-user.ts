// The one system account the SSH and FTP tests log in to. Real sshd and vsftpd only check
// passwords of real accounts, so the tests need one: a system account whose home is "/" (vsftpd
// refuses a login whose home it cannot enter, even with local_root set, and "/" is not writable
// by it) and a fixed test password. Nothing here reads or changes any other account.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEST_USER = 'cnt-probe-test';
export const TEST_PASSWORD = 'Zte521test!';

/** Why the account cannot be set up here, or undefined when it can (root, with the shadow tools). */
export function testUserUnavailable(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'needs root: creating the test account and running sshd/vsftpd as their own servers';
  }
  return undefined;
}

/**
 * Creates the account when missing and sets its password, every run: another test file may be
 * doing the same at the same moment, so "already exists" and a busy shadow lock are waited out.
 */
export async function ensureTestUser(): Promise<void> {
  const exists = await run('id', ['-u', TEST_USER]).then(
    () => true,
    () => false,
  );
  if (!exists) {
    try {
      await run('useradd', ['--system', '--no-create-home', '--home-dir', '/', '--shell', '/bin/sh', TEST_USER]);
    } catch (error) {
      // Exit status 9: created meanwhile by a test file running beside this one.
      if ((error as { code?: unknown }).code !== 9) throw error;
    }
  }
  const entry = (await run('getent', ['passwd', TEST_USER])).stdout.trim().split(':');
  // An account made by an earlier version of this helper, with a home that does not exist.
  if (entry[5] !== '/') await run('usermod', ['--home', '/', TEST_USER]);
  for (let attempt = 1; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        const child = execFile('chpasswd', (error) => (error ? reject(error) : resolve()));
        child.stdin?.end(`${TEST_USER}:${TEST_PASSWORD}\n`);
      });
      return;
    } catch (error) {
      if (attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
