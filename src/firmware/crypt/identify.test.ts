import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { checkerFor, HashNotCheckable, identifyHash, verifyPassword, type HashScheme } from './identify.ts';

// Needs openssl (Debian package openssl) and mkpasswd (Debian package whois).
function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8' }).trim();
}
function mkpasswd(method: string, password: string): string {
  return execFileSync('mkpasswd', ['-m', method, '-s'], { input: `${password}\n`, encoding: 'utf8' }).trim();
}

test('each scheme a firmware image can hold is named, and verifyPassword checks it against real tools\' output', () => {
  const sha1 = execFileSync('sh', ['-c', 'printf %s admin | openssl dgst -sha1 -binary | openssl base64'], { encoding: 'utf8' }).trim();
  const cases: [HashScheme, string][] = [
    ['md5crypt', openssl(['passwd', '-1', '-salt', 'aB3dE6gH', 'admin'])],
    ['apr1', openssl(['passwd', '-apr1', '-salt', 'aB3dE6gH', 'admin'])],
    ['sha256crypt', openssl(['passwd', '-5', '-salt', 'aB3dE6gH', 'admin'])],
    ['sha512crypt', openssl(['passwd', '-6', '-salt', 'aB3dE6gH', 'admin'])],
    ['sha512crypt', mkpasswd('sha-512', 'admin')],
    ['descrypt', mkpasswd('descrypt', 'admin')],
    ['bcrypt', execFileSync('mkpasswd', ['-m', 'bcrypt', '-R', '5', '-s'], { input: 'admin\n', encoding: 'utf8' }).trim()],
    ['apache-sha1', `{SHA}${sha1}`],
  ];
  for (const [scheme, hash] of cases) {
    const identity = identifyHash(hash);
    assert.equal(identity.scheme, scheme, hash);
    assert.equal(identity.checkable, true, hash);
    assert.equal(verifyPassword(hash, 'admin'), true, hash);
    assert.equal(verifyPassword(hash, 'Admin'), false, hash);
  }
});

test('rounds and costs are read from the string', () => {
  assert.equal(identifyHash(openssl(['passwd', '-6', '-salt', 'rounds=2000$abc', 'x'])).cost, 2000);
  assert.equal(identifyHash(openssl(['passwd', '-6', '-salt', 'abc', 'x'])).label, 'sha512crypt, 5000 rounds');
  assert.equal(identifyHash('$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW').cost, 5);
});

test('yescrypt and scrypt are checked like the other schemes', () => {
  const hash = mkpasswd('yescrypt', 'root');
  const identity = identifyHash(hash);
  assert.equal(identity.scheme, 'yescrypt');
  assert.equal(identity.checkable, true);
  assert.match(identity.label, /^yescrypt, \d+ MiB mixed per candidate$/);
  assert.equal(verifyPassword(hash, 'root'), true);
  assert.equal(verifyPassword(hash, 'toor'), false);
  const scrypt = mkpasswd('scrypt', 'admin');
  assert.equal(identifyHash(scrypt).scheme, 'scrypt');
  assert.equal(verifyPassword(scrypt, 'admin'), true);
});

test('a yescrypt hash too costly to check here says why, and is never "no match"', () => {
  const costly = execFileSync('mkpasswd', ['-m', 'yescrypt', '-R', '11', '-s'], { input: 'root\n', encoding: 'utf8' }).trim();
  const identity = identifyHash(costly);
  assert.equal(identity.scheme, 'yescrypt');
  assert.equal(identity.checkable, false);
  assert.match(identity.reason ?? '', /cannot be checked here: .*256 MiB/);
  assert.throws(() => verifyPassword(costly, 'root'), HashNotCheckable);
});

test('other schemes are named but not checked; placeholders and junk are unknown', () => {
  for (const [hash, label] of [
    ['$gy$j9T$abc$def', 'gost-yescrypt'],
    ['$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'bcrypt $2x$ (crypt_blowfish 8-bit-bug compatibility)'],
    ['_J9..CCCCXBrJUJV154M', 'BSDi extended DES'],
  ] as const) {
    const identity = identifyHash(hash);
    assert.equal(identity.scheme, 'unknown');
    assert.equal(identity.label, label);
    assert.equal(identity.checkable, false);
  }
  for (const hash of ['x', '*', '!', '!!', '', 'hello world', '$1$abc$tooShort', '$6$abc$tooShort']) {
    const identity = identifyHash(hash);
    assert.equal(identity.scheme, 'unknown', hash);
    assert.throws(() => verifyPassword(hash, 'x'), HashNotCheckable, hash);
  }
});
