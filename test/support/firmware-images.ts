import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Firmware images for the tests, built from fixture trees with the real tools a firmware build
// uses (mksquashfs, cpio, tar, gzip, xz, mkimage). Nothing binary is committed: every image is
// made at test time in a temporary directory and removed after.

export type Tree = Record<string, string | { symlink: string } | { mode: number; content: string }>;

export class ImageBuilder {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-fw-'));
  private n = 0;

  /** Writes a tree of files under a fresh directory and returns its path. */
  tree(files: Tree): string {
    const root = path.join(this.dir, `tree-${this.n++}`);
    for (const [name, spec] of Object.entries(files)) {
      const full = path.join(root, name);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      if (typeof spec === 'string') fs.writeFileSync(full, spec);
      else if ('symlink' in spec) fs.symlinkSync(spec.symlink, full);
      else {
        fs.writeFileSync(full, spec.content);
        fs.chmodSync(full, spec.mode);
      }
    }
    return root;
  }

  private out(ext: string): string {
    return path.join(this.dir, `image-${this.n++}.${ext}`);
  }

  squashfs(root: string, compression: 'gzip' | 'xz' | 'lzma' | 'lzo' | 'zstd' | 'lz4'): string {
    const out = this.out('sqfs');
    execFileSync('mksquashfs', [root, out, '-comp', compression, '-noappend', '-no-progress', '-quiet', '-all-root'], { stdio: 'ignore' });
    return out;
  }

  cpio(root: string, format: 'newc' | 'odc' = 'newc'): string {
    const out = this.out('cpio');
    const names = execFileSync('find', ['.', '-mindepth', '1'], { cwd: root }).toString();
    execFileSync('cpio', ['-o', '-H', format, '--quiet', '-O', out], { cwd: root, input: names });
    return out;
  }

  tar(root: string): string {
    const out = this.out('tar');
    execFileSync('tar', ['--format=ustar', '-cf', out, '-C', root, '.']);
    return out;
  }

  /** A whole file compressed with gzip, xz, lzma, bzip2 or zstd. */
  compress(file: string, tool: 'gzip' | 'xz' | 'lzma' | 'bzip2' | 'zstd'): string {
    const out = `${file}.${tool}`;
    const args: Record<typeof tool, string[]> = { gzip: ['gzip', '-c'], xz: ['xz', '-c'], lzma: ['xz', '--format=lzma', '-c'], bzip2: ['bzip2', '-c'], zstd: ['zstd', '-q', '-c'] };
    const [cmd, ...rest] = args[tool];
    fs.writeFileSync(out, execFileSync(cmd ?? '', [...rest, file], { maxBuffer: 1 << 30 }));
    return out;
  }

  /** A U-Boot legacy uImage around a payload (already compressed as `compression` says). */
  uimage(payload: string, compression: 'none' | 'gzip' | 'lzma' = 'none', type: 'ramdisk' | 'filesystem' | 'kernel' = 'filesystem'): string {
    const out = this.out('uimg');
    execFileSync('mkimage', ['-A', 'arm', '-O', 'linux', '-T', type, '-C', compression, '-n', 'test image', '-d', payload, out], { stdio: 'ignore' });
    return out;
  }

  /** Bytes put before and after a file, as a flash dump has a bootloader before the rootfs. */
  padded(file: string, before: number, after: number): string {
    const out = this.out('bin');
    fs.writeFileSync(out, Buffer.concat([Buffer.alloc(before, 0xff), fs.readFileSync(file), Buffer.alloc(after, 0xff)]));
    return out;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function opensslPasswd(scheme: '-1' | '-5' | '-6' | '-apr1', password: string, salt: string): string {
  return execFileSync('openssl', ['passwd', scheme, '-salt', salt, password]).toString().trim();
}

export function opensslKey(): { privateKey: string; certificate: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-key-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-subj', '/CN=device.local', '-days', '3650'], { stdio: 'ignore' });
    return { privateKey: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), certificate: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
