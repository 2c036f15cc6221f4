import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { encrypt } from 'unixcrypt';
import { sha256crypt, sha512crypt, shaCrypt, verifyShaCrypt, type ShaCryptAlgorithm, type ShaCryptOptions } from './sha-crypt.ts';

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// A glibc crypt() setting ("$6$rounds=N$salt") as the options our API takes.
function fromSetting(setting: string): { algorithm: ShaCryptAlgorithm; options: ShaCryptOptions } {
  const match = /^\$([56])\$(?:rounds=(\d+)\$)?(.*)$/.exec(setting);
  assert.ok(match, `not a setting: ${setting}`);
  const [, id, rounds, salt = ''] = match;
  return {
    algorithm: id === '5' ? 'sha256' : 'sha512',
    options: rounds === undefined ? { salt } : { salt, rounds: Number(rounds) },
  };
}

// The test vectors of Drepper's specification, verbatim: [setting, password, crypt() result].
// The "morethan" is the specification's own (two C literals joined without a space).
const drepperVectors: [string, string, string][] = [
  ['$5$saltstring', 'Hello world!', '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
  [
    '$5$rounds=10000$saltstringsaltstring',
    'Hello world!',
    '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA',
  ],
  [
    '$5$rounds=5000$toolongsaltstring',
    'This is just a test',
    '$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5',
  ],
  [
    '$5$rounds=1400$anotherlongsaltstring',
    'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12oP84Bnq1',
  ],
  [
    '$5$rounds=77777$short',
    'we have a short salt string but not a short password',
    '$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/',
  ],
  [
    '$5$rounds=123456$asaltof16chars..',
    'a short string',
    '$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/cZKmF/wJvD',
  ],
  [
    '$5$rounds=10$roundstoolow',
    'the minimum number is still observed',
    '$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC',
  ],
  [
    '$6$saltstring',
    'Hello world!',
    '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1',
  ],
  [
    '$6$rounds=10000$saltstringsaltstring',
    'Hello world!',
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  ],
  [
    '$6$rounds=5000$toolongsaltstring',
    'This is just a test',
    '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0',
  ],
  [
    '$6$rounds=1400$anotherlongsaltstring',
    'a very much longer text to encrypt.  This one even stretches over morethan one line.',
    '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1',
  ],
  [
    '$6$rounds=77777$short',
    'we have a short salt string but not a short password',
    '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0',
  ],
  [
    '$6$rounds=123456$asaltof16chars..',
    'a short string',
    '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1',
  ],
  [
    '$6$rounds=10$roundstoolow',
    'the minimum number is still observed',
    '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.',
  ],
];

test("Drepper's test vectors are reproduced exactly, and verify", () => {
  for (const [setting, password, expected] of drepperVectors) {
    const { algorithm, options } = fromSetting(setting);
    assert.equal(shaCrypt(algorithm, password, options), expected, setting);
    assert.equal(verifyShaCrypt(password, expected), true, `verify ${setting}`);
  }
});

test('rounds below 1000 are raised to 1000, and the result says so', () => {
  const result = sha256crypt('the minimum number is still observed', { salt: 'roundstoolow', rounds: 10 });
  assert.equal(result, '$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC');
  assert.equal(sha512crypt('x', { salt: 's', rounds: -5 }), sha512crypt('x', { salt: 's', rounds: 1000 }));
});

test('salts are cut to 16 characters', () => {
  assert.equal(
    sha512crypt('Hello world!', { salt: 'saltstringsaltstring', rounds: 10000 }),
    '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
  );
});

test('the default of 5000 rounds is left out of the result; a requested count is written, as glibc does', () => {
  const implicit = sha512crypt('Hello world!', { salt: 'saltstring' });
  const explicit = sha512crypt('Hello world!', { salt: 'saltstring', rounds: 5000 });
  assert.match(implicit, /^\$6\$saltstring\$[./0-9A-Za-z]{86}$/);
  assert.equal(explicit, implicit.replace('$6$', '$6$rounds=5000$'));
});

test('without a salt, 16 random characters of the crypt alphabet are drawn', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const result = sha256crypt('password', { rounds: 1000 });
    const match = /^\$5\$rounds=1000\$([./0-9A-Za-z]{16})\$[./0-9A-Za-z]{43}$/.exec(result);
    assert.ok(match, result);
    seen.add(match[1] ?? '');
    assert.equal(verifyShaCrypt('password', result), true);
  }
  assert.equal(seen.size, 20);
  assert.match(sha512crypt('password'), /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
});

test('salts that would break the hash string or the /etc/shadow line are refused', () => {
  for (const salt of ['ab$cd', 'ab:cd', 'ab\ncd', 'ab\0cd', 'ab\rcd', 'sälz', 'rounds=1000']) {
    assert.throws(() => sha512crypt('password', { salt }), RangeError, JSON.stringify(salt));
  }
  // Only the salt that is used is 16 characters long; the whole given string is checked.
  assert.throws(() => sha512crypt('password', { salt: 'sixteencharacter$' }), /must not contain "\$", ":" or a newline/);
});

test('passwords are limited to 4096 bytes of UTF-8, not 4096 characters', () => {
  assert.match(sha512crypt('a'.repeat(4096), { salt: 'salt', rounds: 1000 }), /^\$6\$rounds=1000\$salt\$/);
  assert.throws(() => sha512crypt('a'.repeat(4097), { salt: 'salt' }), { name: 'RangeError', message: /4097 bytes/ });
  assert.throws(() => sha512crypt('€'.repeat(1366), { salt: 'salt' }), { name: 'RangeError', message: /4098 bytes/ });
});

test('passwords no C crypt() could reproduce, and malformed rounds, are refused', () => {
  assert.throws(() => sha512crypt('pass\0word', { salt: 'salt' }), RangeError);
  assert.throws(() => sha512crypt('lone \ud800 surrogate', { salt: 'salt' }), RangeError);
  for (const rounds of [1000.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => sha512crypt('password', { salt: 'salt', rounds }), RangeError, String(rounds));
  }
});

test('the password is hashed as its UTF-8 bytes, without Unicode normalisation', () => {
  const composed = sha512crypt('caf\u00e9', { salt: 'salt', rounds: 1000 });
  assert.equal(verifyShaCrypt('caf\u00e9', composed), true);
  assert.equal(verifyShaCrypt('cafe\u0301', composed), false);
});

function openssl(algorithm: ShaCryptAlgorithm, password: string, salt: string, rounds?: number): string {
  const saltArgument = rounds === undefined ? salt : `rounds=${rounds}$${salt}`;
  const flag = algorithm === 'sha256' ? '-5' : '-6';
  return execFileSync('openssl', ['passwd', flag, '-salt', saltArgument, '--', password], { encoding: 'utf8' }).trim();
}

const cryptSalt = fc.string({ unit: fc.constantFrom(...CRYPT_ALPHABET), minLength: 1, maxLength: 20 });
// openssl takes the password from argv, which cannot carry a NUL, and prints "<NULL>" for "".
const argvPassword = fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).filter((p) => !p.includes('\0'));

test('equals `openssl passwd -5` and `openssl passwd -6`', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<ShaCryptAlgorithm>('sha256', 'sha512'),
      argvPassword,
      cryptSalt,
      fc.option(fc.integer({ min: 1000, max: 3000 }), { nil: undefined }),
      (algorithm, password, salt, rounds) => {
        const options = rounds === undefined ? { salt } : { salt, rounds };
        assert.equal(shaCrypt(algorithm, password, options), openssl(algorithm, password, salt, rounds));
      },
    ),
    { numRuns: 12 },
  );
});

test('equals openssl for passwords on either side of the digest-length boundaries (steps 9-10 and 16)', () => {
  for (const length of [0, 1, 31, 32, 33, 63, 64, 65, 96, 127, 128, 129]) {
    const password = 'p'.repeat(length);
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const ours = shaCrypt(algorithm, password, { salt: 'boundary' });
      if (length > 0) assert.equal(ours, openssl(algorithm, password, 'boundary'), `${algorithm} ${length}`);
      assert.equal(verifyShaCrypt(password, ours), true);
    }
  }
});

// unixcrypt 3.0.4 drops a copy of digest B (step 10) and leaves P zeroed (step 16) when the
// password's byte length is a non-zero multiple of the digest length, disagreeing with glibc and
// openssl there (checked just above), so those lengths are kept out of this comparison.
function unixcryptAgrees(algorithm: ShaCryptAlgorithm, password: string): boolean {
  const length = Buffer.byteLength(password, 'utf8');
  return length === 0 || length % (algorithm === 'sha256' ? 32 : 64) !== 0;
}

test('equals the unixcrypt package on arbitrary Unicode passwords and valid salts', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<ShaCryptAlgorithm>('sha256', 'sha512'),
      fc.string({ unit: 'binary', maxLength: 100 }).filter((p) => !p.includes('\0')),
      fc.string({ unit: fc.constantFrom(...CRYPT_ALPHABET), maxLength: 20 }),
      fc.option(fc.integer({ min: 1000, max: 2000 }), { nil: undefined }),
      (algorithm, password, salt, rounds) => {
        fc.pre(unixcryptAgrees(algorithm, password));
        const id = algorithm === 'sha256' ? '5' : '6';
        const setting = rounds === undefined ? `$${id}$${salt}` : `$${id}$rounds=${rounds}$${salt}`;
        const options = rounds === undefined ? { salt } : { salt, rounds };
        assert.equal(shaCrypt(algorithm, password, options), encrypt(password, setting));
      },
    ),
    { numRuns: 50 },
  );
});

test('verifyShaCrypt accepts the right password and rejects a wrong one', () => {
  const stored = sha512crypt('correct horse battery staple', { rounds: 1000 });
  assert.equal(verifyShaCrypt('correct horse battery staple', stored), true);
  assert.equal(verifyShaCrypt('correct horse battery stapler', stored), false);
  assert.equal(verifyShaCrypt('', stored), false);
  const stored256 = sha256crypt('', { salt: 'empty' });
  assert.equal(verifyShaCrypt('', stored256), true);
  assert.equal(verifyShaCrypt(' ', stored256), false);
});

test('verifyShaCrypt rejects malformed strings, and forms crypt() would rewrite, with false', () => {
  const good = '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1';
  const encoded = good.slice('$6$saltstring$'.length);
  const password = 'Hello world!';
  const malformed = [
    '',
    '$6$',
    '$6$saltstring',
    '$6$saltstring$',
    good.slice(0, -1),
    `${good}.`,
    `${good}$`,
    good.replace('$6$', '$5$'),
    good.replace('$6$', '$7$'),
    good.replace('$6$', '$1$'),
    good.replace('$6$', '6$'),
    `$6$saltstringsaltstring$${encoded}`, // glibc would answer with the salt cut to 16
    `$6$rounds=10$saltstring$${encoded}`, // glibc would answer with rounds=1000
    `$6$rounds=05000$saltstring$${encoded}`,
    `$6$rounds=1000000000$saltstring$${encoded}`,
    `$6$rounds=$saltstring$${encoded}`,
    `$6$salt:string$${encoded}`,
    `$6$salt\nstring$${encoded}`,
    `${good}\n`,
    ` ${good}`,
    good.replace('svn8', 'svn!'),
  ];
  for (const hash of malformed) assert.equal(verifyShaCrypt(password, hash), false, JSON.stringify(hash));
  assert.equal(verifyShaCrypt(password, good), true);
  // Naming the default count changes the string, not the digest, and crypt() answers in kind.
  assert.equal(verifyShaCrypt(password, `$6$rounds=5000$saltstring$${encoded}`), true);
  assert.equal(verifyShaCrypt('a'.repeat(4097), good), false);
  assert.equal(verifyShaCrypt('\ud800', good), false);
});

// Any UTF-16 code unit, lone surrogates included.
const codeUnitString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength: 40 });
// Strings close enough to a real hash that parsing gets past the first checks.
const nearHash = fc
  .tuple(
    fc.constantFrom('$5$', '$6$', '$1$', '$', ''),
    fc.option(
      fc.oneof(
        fc.integer({ min: 0, max: 3000 }).map(String),
        codeUnitString,
      ),
      { nil: undefined },
    ),
    fc.oneof(fc.string({ unit: fc.constantFrom(...CRYPT_ALPHABET), maxLength: 20 }), codeUnitString),
    fc.oneof(
      fc.constantFrom(43, 86).chain((n) => fc.string({ unit: fc.constantFrom(...CRYPT_ALPHABET), minLength: n, maxLength: n })),
      codeUnitString,
    ),
  )
  .map(([prefix, rounds, salt, encoded]) => `${prefix}${rounds === undefined ? '' : `rounds=${rounds}$`}${salt}$${encoded}`);

test('verifyShaCrypt never throws, whatever the password and the hash', () => {
  fc.assert(
    fc.property(fc.oneof(codeUnitString, fc.string({ unit: 'binary' })), fc.oneof(nearHash, codeUnitString), (password, hash) => {
      assert.equal(typeof verifyShaCrypt(password, hash), 'boolean');
    }),
    { numRuns: 300 },
  );
});
