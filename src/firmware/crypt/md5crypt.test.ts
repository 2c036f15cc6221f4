import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { apr1, md5crypt, md5CryptChecker, Md5CryptEngine, md5CryptPairChecker, parseMd5Crypt, verifyMd5Crypt } from './md5crypt.ts';

// Needs openssl (Debian package openssl) and mkpasswd (Debian package whois).
const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function openssl(flag: '-1' | '-apr1', password: string, salt: string): string {
  return execFileSync('openssl', ['passwd', flag, '-salt', salt, '--', password], { encoding: 'utf8' }).trim();
}

// John the Ripper's md5crypt and apr1 self-test vectors, each also confirmed with glibc crypt().
const published: [string, string][] = [
  ['$1$12345678$aIccj83HRDBo6ux1bVx7D1', '0123456789ABCDE'],
  ['$1$12345678$f8QoJuo0DpBRfQSD0vglc1', '12345678'],
  ['$1$$qRPK7m23GJusamGpoGLby/', ''],
  ['$apr1$Q6ZYh...$RV6ft2bZ8j.NGrxLYaJt9.', 'test'],
];

test('published md5crypt and apr1 vectors are reproduced and verify', () => {
  for (const [hash, password] of published) {
    const [, magic, salt] = /^(\$1\$|\$apr1\$)([^$]*)\$/.exec(hash) ?? [];
    assert.equal(md5crypt(password, salt ?? '', magic === '$1$' ? '$1$' : '$apr1$'), hash);
    assert.equal(verifyMd5Crypt(password, hash), true, hash);
    assert.equal(verifyMd5Crypt(`${password}x`, hash), false, hash);
  }
});

const salt = fc.string({ unit: fc.constantFrom(...CRYPT_ALPHABET), minLength: 1, maxLength: 10 });
// openssl takes the password from argv, which cannot carry a NUL; lengths cross the one- and
// two-block boundaries of the round messages.
const password = fc.string({ unit: 'binary', minLength: 1, maxLength: 70 }).filter((p) => !p.includes('\0'));

test('equals `openssl passwd -1` and `openssl passwd -apr1` on arbitrary Unicode passwords', () => {
  fc.assert(
    fc.property(fc.constantFrom<'-1' | '-apr1'>('-1', '-apr1'), password, salt, (flag, pw, s) => {
      const ours = flag === '-1' ? md5crypt(pw, s) : apr1(pw, s);
      assert.equal(ours, openssl(flag, pw, s));
    }),
    { numRuns: 40 },
  );
});

test('equals openssl for every password length from 1 to 80 bytes (block and 16-byte boundaries)', () => {
  for (let length = 1; length <= 80; length++) {
    const pw = 'abcdefghij'.repeat(8).slice(0, length);
    assert.equal(md5crypt(pw, 'Zz9./aB'), openssl('-1', pw, 'Zz9./aB'), `length ${length}`);
  }
});

test('equals mkpasswd -m md5crypt', () => {
  const made = execFileSync('mkpasswd', ['-m', 'md5crypt', '-S', 'k9Qx2mPz', '-s'], { input: 'admin\n', encoding: 'utf8' }).trim();
  assert.equal(md5crypt('admin', 'k9Qx2mPz'), made);
  assert.equal(verifyMd5Crypt('admin', made), true);
});

test('salts are cut to 8 characters and randomly drawn when left out', () => {
  assert.equal(md5crypt('x', 'abcdefghijk'), md5crypt('x', 'abcdefgh'));
  const drawn = md5crypt('x');
  assert.match(drawn, /^\$1\$[./0-9A-Za-z]{8}\$[./0-9A-Za-z]{22}$/);
  assert.equal(verifyMd5Crypt('x', drawn), true);
  assert.notEqual(md5crypt('x'), drawn);
});

test('salts that would break the hash or a shadow line, and passwords crypt() could not take, are refused', () => {
  for (const bad of ['a$b', 'a:b', 'a\nb']) assert.throws(() => md5crypt('x', bad), RangeError);
  assert.throws(() => md5crypt('a\0b', 'salt'), RangeError);
  assert.throws(() => md5crypt('\ud800', 'salt'), RangeError);
  assert.throws(() => md5crypt('a'.repeat(4097), 'salt'), RangeError);
});

test('a checker built once answers for many candidates, and only the right one matches', () => {
  const hash = md5crypt('7ujMko0admin', 'vendorSL');
  const check = md5CryptChecker(hash);
  assert.ok(check);
  const answers = ['admin', '7ujMko0admin', '', '7ujMko0admi', 'x'.repeat(200), '7ujMko0admin'].map(check);
  assert.deepEqual(answers, [false, true, false, false, false, true]);
});

test('verifyMd5Crypt says false, never throws, for malformed strings', () => {
  const good = '$1$12345678$aIccj83HRDBo6ux1bVx7D1';
  for (const hash of ['', '$1$', '$1$12345678$', good.slice(0, -1), `${good}x`, good.replace('$1$', '$2$'), '$1$123456789$aIccj83HRDBo6ux1bVx7D1', good.replace(/1$/, 'z')]) {
    assert.equal(verifyMd5Crypt('0123456789ABCDE', hash), false, hash);
  }
  fc.assert(fc.property(fc.string(), fc.string(), (pw, hash) => typeof verifyMd5Crypt(pw, `$1$${hash}`) === 'boolean'));
});

test('two candidates hashed together equal openssl, across the one-block limit and mixed lengths', () => {
  // With an 8-character salt the round messages of passwords up to 15 bytes are one block and the
  // two are interleaved; 16 and more take the general path, alone or next to a short one.
  const cases: [string, string][] = [
    ['admin', 'password'],
    ['', 'x'],
    ['abcdefghijklmno', 'abcdefghijklmnop'],
    ['abcdefghijklmnop', 'ab'],
    ['a'.repeat(70), 'b'.repeat(15)],
    ['héllo wörld €', 'ü'],
  ];
  for (const [magic, flag] of [['$1$', '-1'], ['$apr1$', '-apr1']] as const) {
    for (const saltText of ['k9Qx2mPz', 'ab', '']) {
      const engine = new Md5CryptEngine(magic, saltText);
      for (const [first, second] of cases) {
        const [x, y] = engine.digestPair(first, second);
        assert.deepEqual(x, parseMd5Crypt(openssl(flag, first, saltText))?.digest, `${magic}${saltText}$ ${first}`);
        assert.deepEqual(y, parseMd5Crypt(openssl(flag, second, saltText))?.digest, `${magic}${saltText}$ ${second}`);
      }
    }
  }
});

test('a pair checker answers with the first of the two that matches', () => {
  const hash = md5crypt('7ujMko0admin', 'vendorSL');
  const pair = md5CryptPairChecker(hash);
  assert.ok(pair);
  assert.equal(pair('7ujMko0admin', 'admin'), 0);
  assert.equal(pair('admin', '7ujMko0admin'), 1);
  assert.equal(pair('7ujMko0admin', '7ujMko0admin'), 0);
  assert.equal(pair('admin', 'root'), -1);
  assert.equal(pair('x'.repeat(200), '7ujMko0admin'), 1);
  // A candidate crypt() could not take never matches, and does not stop its partner matching.
  assert.equal(pair('a\0b', '7ujMko0admin'), 1);
  assert.equal(pair('7ujMko0admin', '\ud800'), 0);
  assert.equal(md5CryptPairChecker('$6$salt$x'), null);
  const apr = apr1('test', 'Q6ZYh...');
  assert.equal(md5CryptPairChecker(apr)?.('tset', 'test'), 1);
});
