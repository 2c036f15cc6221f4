import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { bcryptCost, verifyBcrypt } from './bcrypt.ts';

// Needs mkpasswd (Debian package whois), which writes bcrypt through libxcrypt.
function mkpasswd(method: 'bcrypt' | 'bcrypt-a', password: string): string {
  return execFileSync('mkpasswd', ['-m', method, '-R', '5', '-s'], { input: `${password}\n`, encoding: 'utf8' }).trim();
}

test('verifies $2b$ and $2a$ hashes made by libxcrypt, and the same hash written as PHP\'s $2y$', () => {
  const b = mkpasswd('bcrypt', 'admin');
  assert.match(b, /^\$2b\$05\$/);
  assert.equal(verifyBcrypt('admin', b), true);
  assert.equal(verifyBcrypt('admin1', b), false);
  assert.equal(verifyBcrypt('admin', b.replace('$2b$', '$2y$')), true);
  const a = mkpasswd('bcrypt-a', 'password');
  assert.match(a, /^\$2a\$05\$/);
  assert.equal(verifyBcrypt('password', a), true);
});

test('a published vector: OpenBSD\'s "U*U" test hash', () => {
  assert.equal(verifyBcrypt('U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'), true);
});

test('only well-formed hashes have a cost; malformed ones verify false without throwing', () => {
  assert.equal(bcryptCost('$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'), 5);
  for (const bad of ['', '$2a$05$', '$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', '$2a$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW']) {
    assert.equal(bcryptCost(bad), null, bad);
    assert.equal(verifyBcrypt('U*U', bad), false, bad);
  }
});
