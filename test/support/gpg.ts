import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

// Signatures are checked with the gpg a researcher or an aggregator has, not with our own code:
// each check runs the real binary in a throwaway home, in English, and returns its verdict.

export interface GpgRun {
  code: number;
  stderr: string;
}

function run(home: string, args: string[]): Promise<GpgRun> {
  return new Promise((resolve) => {
    execFile('/usr/bin/gpg', ['--homedir', home, '--batch', '--no-tty', '--no-auto-key-retrieve', ...args], { timeout: 30_000, env: { ...process.env, LC_ALL: 'C', LANGUAGE: 'C' } }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
    });
  });
}

async function withHome<T>(publicKey: string, fn: (home: string) => Promise<T>): Promise<T> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'cn-gpg-'));
  await fs.chmod(home, 0o700);
  try {
    await fs.writeFile(path.join(home, 'key.asc'), publicKey);
    const imported = await run(home, ['--import', path.join(home, 'key.asc')]);
    if (imported.code !== 0) throw new Error(`gpg could not import the key: ${imported.stderr}`);
    return await fn(home);
  } finally {
    // gpg may have started an agent for this home; stop it before its socket directory goes.
    await new Promise<void>((resolve) => execFile('/usr/bin/gpgconf', ['--homedir', home, '--kill', 'all'], { timeout: 10_000 }, () => resolve()));
    await fs.rm(home, { recursive: true, force: true });
  }
}

/** `gpg --verify` of a cleartext-signed text (a signed security.txt). */
export async function gpgVerifyCleartext(publicKey: string, signed: string): Promise<GpgRun> {
  return withHome(publicKey, async (home) => {
    const file = path.join(home, 'signed.txt');
    await fs.writeFile(file, signed);
    return run(home, ['--verify', file]);
  });
}

/** `gpg --verify file.asc file` of a detached signature (a CSAF document's .asc). */
export async function gpgVerifyDetached(publicKey: string, data: string | Uint8Array, signature: string): Promise<GpgRun> {
  return withHome(publicKey, async (home) => {
    const file = path.join(home, 'document');
    await fs.writeFile(file, data);
    await fs.writeFile(`${file}.asc`, signature);
    return run(home, ['--verify', `${file}.asc`, file]);
  });
}
