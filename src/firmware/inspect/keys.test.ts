import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Entry } from '../unpack/types.ts';
import { createContext, SHARED_SECRET_LAW } from './finding.ts';
import { inspect } from './keys.ts';

// Needs openssl (Debian package openssl) and ssh-keygen (Debian package openssh-client).
const file = (path: string, content: string | Uint8Array): Entry => ({ path, type: 'file', mode: 0o600, data: typeof content === 'string' ? Buffer.from(content) : content });
const context = () => createContext({ workers: 0 });

// Keys and certificates made fresh for each run, in a scratch folder removed afterwards.
function material(): Record<string, Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'keys-test-'));
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, stdio: 'pipe' });
  try {
    run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'server.key']);
    run('openssl', ['req', '-x509', '-key', 'server.key', '-subj', '/CN=camera.local', '-days', '30', '-out', 'server.crt']);
    // genpkey writes an EC key in DER as SEC1; pkcs8 -topk8 rewrites it as PKCS#8.
    run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-outform', 'DER', '-out', 'ec-sec1.der']);
    run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-inform', 'DER', '-in', 'ec-sec1.der', '-outform', 'DER', '-out', 'ec.der']);
    run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', 'rsa1.pem']);
    run('openssl', ['rsa', '-in', 'rsa1.pem', '-traditional', '-outform', 'DER', '-out', 'rsa1.der']);
    run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-aes-128-cbc', '-pass', 'pass:vendor', '-out', 'enc.key']);
    run('openssl', ['req', '-x509', '-newkey', 'rsa:1024', '-nodes', '-keyout', 'other.key', '-subj', '/CN=other', '-days', '1', '-out', 'other.crt']);
    run('openssl', ['pkey', '-in', 'other.key', '-pubout', '-out', 'other.pub']);
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', 'id_ed25519']);
    const names = ['server.key', 'server.crt', 'ec.der', 'ec-sec1.der', 'rsa1.der', 'enc.key', 'other.crt', 'other.pub', 'id_ed25519', 'id_ed25519.pub'];
    const fingerprint = run('ssh-keygen', ['-l', '-f', 'id_ed25519.pub']);
    return { ...Object.fromEntries(names.map((n) => [n, readFileSync(join(dir, n))])), 'ssh-keygen -l': fingerprint };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const m = material();
const inBinary = (blob: Buffer): Buffer => Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01\0', 'latin1'), randomBytes(333), blob, randomBytes(200)]);

test('certificates, public keys and plain binaries alone report nothing', async () => {
  const entries = [file('etc/ssl/certs/other.crt', m['other.crt'] ?? ''), file('etc/ssl/other.pub', m['other.pub'] ?? ''), file('root/.ssh/authorized_keys', m['id_ed25519.pub'] ?? ''), file('usr/bin/app', randomBytes(4096))];
  assert.deepEqual(await inspect(entries, context()), []);
});

test('each private key is reported once; one that matches a certificate in the image is critical', async () => {
  const entries = [
    file('etc/ssl/private/server.key', m['server.key'] ?? ''),
    file('etc/ssl/certs/server.crt', m['server.crt'] ?? ''),
    file('usr/bin/cloudd', inBinary(m['ec.der'] ?? Buffer.alloc(0))),
    file('etc/keys/device.der', m['rsa1.der'] ?? ''),
    file('etc/keys/ec-sec1.der', m['ec-sec1.der'] ?? ''),
    file('etc/keys/enc.key', m['enc.key'] ?? ''),
    file('etc/ssh/ssh_host_ed25519_key', m['id_ed25519'] ?? ''),
  ];
  const findings = await inspect(entries, context());
  assert.deepEqual(
    findings.map((f) => [f.path, f.severity, f.rule]).sort(),
    [
      ['etc/keys/device.der', 'high', 'private-key'],
      ['etc/keys/ec-sec1.der', 'high', 'private-key'],
      ['etc/keys/enc.key', 'high', 'private-key'],
      ['etc/ssh/ssh_host_ed25519_key', 'high', 'private-key'],
      ['etc/ssl/private/server.key', 'critical', 'private-key'],
      ['usr/bin/cloudd', 'high', 'private-key'],
    ].sort(),
  );
  const at = (path: string) => findings.find((f) => f.path === path);
  assert.match(at('etc/ssl/private/server.key')?.title ?? '', /certificate "CN=camera.local"/);
  assert.match(at('etc/ssl/private/server.key')?.evidence ?? '', /matches the certificate in etc\/ssl\/certs\/server.crt/);
  assert.equal(at('etc/ssl/private/server.key')?.line, 1);
  assert.match(at('usr/bin/cloudd')?.evidence ?? '', /EC private key \(DER PKCS#8\)/);
  assert.match(at('etc/keys/device.der')?.evidence ?? '', /RSA private key \(DER PKCS#1 RSA\)/);
  assert.match(at('etc/keys/ec-sec1.der')?.evidence ?? '', /EC private key \(DER SEC1 EC\)/);
  assert.match(at('etc/keys/enc.key')?.title ?? '', /encrypted/);
  // ssh-keygen's own fingerprint of the public half.
  const sshFingerprint = m['ssh-keygen -l']?.toString().split(' ')[1];
  assert.match(at('etc/ssh/ssh_host_ed25519_key')?.evidence ?? '', new RegExp(`OpenSSH private key, public key ${(sshFingerprint ?? 'none').replace(/[+/]/g, '\\$&')}`));
  for (const f of findings) {
    assert.deepEqual(f.lawIds, SHARED_SECRET_LAW);
    assert.equal(f.universal, false, 'keys are not passwords for the PSTI duty');
  }
});

test('API tokens and cloud keys are reported masked; low-entropy values are not', async () => {
  const entries = [
    file('etc/cloud.json', '{\n  "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",\n  "maps": "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",\n  "api_key": "9fQ2xL7vR4kT1mZ8wB3nC6hJ"\n}\n'),
    file('usr/bin/notifier', inBinary(Buffer.from('\0token=xoxb-2048-abcdefghij1234\0ghp_0123456789abcdefghijABCDEFGHIJ012345\0'))),
    file('etc/app.conf', 'api_key=changeme_changeme_changeme\napi_key=aaaaaaaaaaaaaaaaaaaa\n'),
  ];
  const findings = await inspect(entries, context());
  assert.deepEqual(
    findings.map((f) => [f.path, f.line, f.evidence]).sort(),
    [
      ['etc/cloud.json', 2, 'AWS access key id: A…E'],
      ['etc/cloud.json', 3, 'Google API key: A…Q'],
      ['etc/cloud.json', 4, 'api_key value: 9…J'],
      ['usr/bin/notifier', undefined, 'Slack token: x…4'],
      ['usr/bin/notifier', undefined, 'GitHub token: g…5'],
    ].sort(),
  );
  for (const f of findings) assert.deepEqual([f.rule, f.severity, f.universal], ['api-token', 'high', false]);
});
