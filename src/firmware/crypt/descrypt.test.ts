import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { descrypt, desCryptChecker, isDesCrypt, verifyDesCrypt } from './descrypt.ts';

// Needs mkpasswd (Debian package whois).
const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function mkpasswd(password: string, salt: string): string {
  return execFileSync('mkpasswd', ['-m', 'descrypt', '-S', salt, '-s'], { input: `${password}\n`, encoding: 'utf8' }).trim();
}

// John the Ripper's DES self-test vectors, each confirmed with glibc crypt().
test('published DES crypt vectors are reproduced and verify', () => {
  for (const [hash, password] of [
    ['CCNf8Sbh3HDfQ', 'U*U*U*U*'],
    ['XXxzOu6maQKqQ', '*U*U*U*U'],
    ['SDbsugeBiC58A', ''],
    ['ab6TRGT20sY26', 'root'],
  ] as const) {
    assert.equal(descrypt(password, hash.slice(0, 2)), hash);
    assert.equal(verifyDesCrypt(password, hash), true);
  }
});

test('equals mkpasswd -m descrypt for every salt character and printable-ASCII passwords', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(...CRYPT_ALPHABET), minLength: 2, maxLength: 2 }),
      fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 12 }),
      (salt, password) => assert.equal(descrypt(password, salt), mkpasswd(password, salt)),
    ),
    { numRuns: 60 },
  );
});

test('only the first eight characters count, as in every crypt(3)', () => {
  const hash = descrypt('password', 'ab');
  assert.equal(verifyDesCrypt('password123', hash), true);
  assert.equal(verifyDesCrypt('passwor', hash), false);
});

test('isDesCrypt accepts 13-character crypt strings only when the padding bits are zero', () => {
  assert.equal(isDesCrypt('ab6TRGT20sY26'), true);
  // The last character of a real hash is one of the 16 with its low two bits clear.
  assert.equal(isDesCrypt('ab6TRGT20sY27'), false);
  assert.equal(isDesCrypt('abcdefghijklm'), false);
  assert.equal(isDesCrypt('ab6TRGT20sY2'), false);
  assert.equal(isDesCrypt('ab6TRGT20sY2$'), false);
});

test('bad salts and NULs are refused; a checker answers many candidates', () => {
  assert.throws(() => descrypt('x', 'a'), RangeError);
  assert.throws(() => descrypt('x', 'a$'), RangeError);
  assert.throws(() => descrypt('a\0b', 'ab'), RangeError);
  const check = desCryptChecker(descrypt('xc3511', 'Qx'));
  assert.ok(check);
  assert.deepEqual(['root', 'xc3511', 'vizxv', 'xc3511'].map(check), [false, true, false, true]);
  assert.match(descrypt('x'), /^[./0-9A-Za-z]{13}$/);
});
