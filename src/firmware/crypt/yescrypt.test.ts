import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { scryptSync } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  MAX_V_BYTES,
  scryptChecker,
  scryptCrypt,
  scryptProblem,
  yescrypt,
  yescryptChecker,
  YESCRYPT_DEFAULTS,
  yescryptKdf,
  yescryptProblem,
  YESCRYPT_WORM,
  type YescryptParams,
} from './yescrypt.ts';

// The live comparisons need mkpasswd (Debian package whois) over libxcrypt; the fixed vectors and
// the reference's known answers below run without it.
const HAVE_MKPASSWD = spawnSync('mkpasswd', ['--version']).status === 0;
const needsMkpasswd = HAVE_MKPASSWD ? {} : { skip: 'mkpasswd (Debian package whois) is not installed' };
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** crypt() through mkpasswd; the password goes in argv (after "--"), which -s would trim. null when crypt() refuses. */
function mkpasswd(method: 'yescrypt' | 'scrypt', password: string, opts: { setting?: string; cost?: number }): string | null {
  const args = ['-m', method];
  if (opts.setting !== undefined) args.push('-S', opts.setting);
  if (opts.cost !== undefined) args.push('-R', String(opts.cost));
  const run = spawnSync('mkpasswd', [...args, '--', password], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : null;
}

// Strings written by mkpasswd (libxcrypt 4.4.33), so these run anywhere.
const fixed: [hash: string, password: string, what: string][] = [
  ['$y$j9T$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73', 'password', "Debian's default cost (N = 4096, r = 32)"],
  ['$y$j9T$a87M9AnP99JwAFu01FAo80$qu252XmqL4D3LWUNmyh/0St0xYc5V8/2jXi0Y.arK.D', 'hello', 'default cost, salt from crypt_gensalt'],
  ['$y$j75$rh39jUl0CfHgWRGFRnLTF.$TSl3R6Yld1DFbgJ3aub0c47VGAUv.AYYlgsLz9vO791', 'hello', 'cost 1 (N = 1024, r = 8)'],
  ['$y$j85$X6bjmtUjXOtL3ikcB2hJE1$eWvsb8a603OXGG0QYGRN91jhqVFVIP5gz3Ek81DhNS/', '密码🔑 café', 'cost 2, non-ASCII password'],
  ['$y$j7T$1cdjqPVDvAZVdC87u/JXr1$wMNJjCjnPoG/gNb4S3D2a6afbfe8K1uHMriGPQxluoD', 'admin', 'cost 3 (N = 1024, r = 32)'],
  ['$y$j75$abcdefgh$dnXG1KuMBmwYrnuKh9nriQRakI62k6mwFrGgxhxYD/2', '', 'empty password'],
  ['$y$j75$CZRh2PhwP3tB3WJKmn6Cd/$A5PneDzev0g18ITny.Ds5jNJCWdW/w0.RPn5PMefIi3', 'x'.repeat(511), 'the longest password crypt() takes'],
  ['$y$j9T/.$abcdefgh$C7H7GNtiCKKgPTMhlpLVB791.2XSvBbsqaoBuB1XPv5', 'password', 't = 1'],
  ['$y$j9T..$abcdefgh$d12Pc8qfdhBmM2YrQwAy6VtbEiL5DJfoJOhrqc7/3bB', 'password', 'p = 2 (two S-box lanes, V in two chunks)'],
  ['$y$j7k.$abcdefgh$G6xaQoHTwvQIlt3jVLSnSu/SxBKMkiWKNNTjhg5q4L1', 'password', 'r = 49, a two-character parameter'],
  ['$y$/9T$abcdefgh$9djuklDgS8vtKmiiWbKw6JXjLqIKZXwNeHkG8pML2C9', 'password', 'YESCRYPT_WORM flavor'],
  ['$y$.9T$abcdefgh$a2sca/8UEO2BrRJPDTTSYWBVbWXIgGS9suJoTkSeR20', 'password', 'classic scrypt flavor'],
];
const fixedScrypt: [hash: string, password: string, what: string][] = [
  ['$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D', 'pleaseletmein', "libxcrypt's own test setting (N = 16384, r = 8)"],
  ['$7$CU..../....S5dInl/DDbgSNitk9UJCB0$JRQWgte7AONYdWS/ZBcSKe4Yncnv9ss6fJM5ncyhHt0', 'hello', 'default cost 7 (N = 16384, r = 32)'],
  ['$7$BU..../....mqNZjdTxqgglsDPVTCs1v/$9CJ8/TpC15wE3Uw0nQFt9D.z1bmYSX5klaYd9z.B8GB', 'root', 'cost 6'],
  ['$7$06..../....SodiumChloride$ENlyo6fGw4PCcDBOFepfSZjFUnVatHzCcW55.ZGz3B0', 'pleaseletmein', 'N = 4'],
  ['$7$E/..../....somesalt$uttq9VG.s2yDE2A0wn1dCZWZ6oqfG4AlWLv047fVai7', 'password', 'r = 1 with N = 65536, which OpenSSL refuses'],
];

test('reproduces yescrypt hashes written by libxcrypt, across costs, flavors and parameters', () => {
  for (const [hash, password, what] of fixed) {
    assert.equal(yescrypt(password, hash), hash, what);
    assert.equal(yescryptChecker(hash)?.(password), true, what);
  }
});

test('a checker rejects every other password', () => {
  const [hash, password] = fixed[2]!;
  const check = yescryptChecker(hash)!;
  for (const wrong of ['', `${password}!`, password.toUpperCase(), ` ${password}`, password.slice(1)]) assert.equal(check(wrong), false, wrong);
  assert.equal(check(password), true);
});

test('reproduces scrypt ($7$) hashes written by libxcrypt', () => {
  for (const [hash, password, what] of fixedScrypt) {
    assert.equal(scryptCrypt(password, hash), hash, what);
    const check = scryptChecker(hash);
    assert.ok(check, what);
    assert.equal(check(password), true, what);
    assert.equal(check(password.toUpperCase() + '1'), false, what);
  }
});

test('a setting without a hash gets the hash appended; a full hash as setting is recomputed', () => {
  const [hash, password] = fixed[5]!;
  const setting = hash.slice(0, hash.lastIndexOf('$'));
  assert.equal(setting, '$y$j75$abcdefgh');
  assert.equal(yescrypt(password, setting), hash);
  assert.equal(yescrypt(password, `${setting}$`), hash);
  assert.equal(yescrypt(new TextEncoder().encode(password), hash), hash);
});

// yescrypt's TESTS-OK (openwall/yescrypt, the output of its tests.c), as transcribed into
// RustCrypto's yescrypt crate tests: yescrypt_kdf(passwd, salt, flags, N, r, p, t, g = 0, dkLen).
// Lengths below and above 32 bytes exercise where the "Client Key" step lands.
const kats: [pw: string, salt: string, flags: number, N: number, r: number, p: number, t: number, hex: string][] = [
  ['', '', 0, 16, 1, 1, 0, '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906'],
  ['', '', 0, 16, 1, 1, 0, '77d6576238657b20'],
  ['', '', 0, 4, 1, 1, 0, 'efad0c23314cb572bc3cfb1543da42f8a8b073004c866b64ab5055a4f09fa5f571142ebfe7e05a3b92c432f31dea95ad5f9c854b6456462f4bd0f732b7cdc549'],
  ['', '', 1, 4, 1, 1, 0, '85dda48c9ec9de2f7f1ae8b4dfeda51f8b6d56f3081be1a7c0833ba2719a36ab02885dae36557d342686b17ba75f2c217792de0970ab1d07a9c750936d31426f'],
  ['', '', 1, 4, 1, 1, 0, '85dda48c9ec9de2f'],
  ['', '', 1, 4, 1, 1, 1, '4baa8cd8608ba91f3e3439d9ec4fae8f9fc092d9ca22b7377e31ae5b9ad7877c1168691162dd0e5ef049e570650cbed4384ad60534fb0cbed19ff3f033c94b0c'],
  ['', '', 1, 4, 1, 1, 2, 'e6e8bba09b6412ffb0b3cc35e37d0b782a47fbaadc57a076d7c6cc2e70919a1b8d4738c4f83355690742d9bed71c3b8fb0d7eb086ab134c5e55707c2c13c75ef'],
  ['', '', 1, 4, 1, 1, 3, 'acd9a4201cf4a476ecf7baa6113d86fb65cd07102b4004e4f9d99cd34255a108997d70ae0a64bf0a4d96c173abf88279c1a94ad9bdf168edfbbd90f66ed5c80d'],
  ['', '', 1, 4, 1, 1, 3, 'acd9a4201cf4a476ecf7baa6113d86fb65cd07102b4004e4f9d99cd34255a10899'],
  ['', '', 1, 4, 1, 1, 3, 'acd9a4201cf4a476ecf7baa6113d86fb65cd07102b4004e4f9d99cd34255a108'],
  ['', '', 1, 4, 1, 1, 3, 'acd9a4201cf4a476ecf7baa6113d86fb65cd07102b4004e4f9d99cd34255a1'],
  ['', '', 1, 4, 1, 1, 3, 'ac'],
  ['', '', 182, 4, 1, 1, 0, '0cd5af76eb241df8119a9a122ae36920bcc7f414b9c0d58f45008060dade46b0c80922bdcc16a3ab5d201d4c6140c671be1f75272ca904739d5ad1ff672b0c21'],
  ['', '', 182, 4, 1, 1, 0, '0cd5af76'],
  ['', '', 182, 4, 1, 1, 1, '23b6adf0b60c9a997f58583d80cda48c638cdc2f289edf93a70807725a0d35c468ca362c5557cc04b6811e2e730841f526d8f4f7acfbfa9e06fe1f383a71155e'],
  ['', '', 182, 4, 1, 1, 1, '23b6adf0b60c9a997f58583d80cda48c638cdc2f289edf93a70807725a0d35c468'],
  ['', '', 182, 4, 1, 1, 1, '23b6adf0b60c9a997f58583d80cda48c638cdc2f289edf93a70807725a0d35c4'],
  ['', '', 182, 4, 1, 1, 1, '23b6adf0b60c9a997f58583d80cda48c638cdc2f289edf93a70807725a0d35'],
  ['', '', 182, 4, 1, 1, 1, '23'],
  ['p', 's', 182, 16, 8, 1, 10, 'e1f981733a94052fcd7acb1405df0bbde8e499b6a1331b775909b48c2f516c40dcc8301635b7237b'],
  ['p', 's', 1, 16, 8, 1, 10, '9e7a4097644284cf3b73b60450ff230cdcb6b1b19b1509eeb482f696c4f1c705c00f740216183a12'],
  ['p', 's', 182, 16, 8, 1, 0, 'c8c7ff1122b0b291c3f2608948782cd689cc45579017aaa5ff8baa74a632ec99c3d66930fb2023bb'],
  ['p', 's', 1, 16, 8, 1, 0, '9dd636c2d0bb92345286efdaf8a68cfc1b4ffdc4b1adaccc7d864b9a6787b85d6ae0f5280da8889f'],
  ['p', 's', 182, 16, 8, 1, 0, 'c8c7ff1122b0b291c3f2608948782cd689cc45579017aaa5ff8baa74a632ec99'],
  ['p', 's', 182, 16, 8, 1, 0, 'c8c7ff1122b0b291'],
];

test("yescryptKdf gives the reference implementation's known answers (scrypt, WORM, RW; t from 0 to 10)", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  for (const [pw, salt, flags, N, r, p, t, hex] of kats) {
    const params: YescryptParams = { flags, N, r, p, t, g: 0, NROM: 0 };
    assert.equal(Buffer.from(yescryptKdf(bytes(pw), bytes(salt), params, hex.length / 2)).toString('hex'), hex, JSON.stringify(params));
  }
  assert.equal(YESCRYPT_DEFAULTS, 182);
  assert.equal(YESCRYPT_WORM, 1);
});

test('yescryptKdf with no flags is classic scrypt: it equals node:crypto.scryptSync', () => {
  const cases: [string, string, number, number, number][] = [
    ['password', 'NaCl', 1024, 8, 16],
    ['pleaseletmein', 'SodiumChloride', 16384, 8, 1],
    ['', 'x', 2, 1, 3],
    ['long'.repeat(40), 'salt', 256, 3, 2],
  ];
  for (const [pw, salt, N, r, p] of cases) {
    const ours = yescryptKdf(Buffer.from(pw), Buffer.from(salt), { flags: 0, N, r, p, t: 0, g: 0, NROM: 0 }, 64);
    assert.deepEqual(Buffer.from(ours), scryptSync(pw, salt, 64, { N, r, p, maxmem: 64 * 1024 * 1024 }), `N=${N} r=${r} p=${p}`);
  }
});

test('yescryptKdf refuses what yescrypt_kdf refuses and what is above the bounds', () => {
  const base: YescryptParams = { flags: YESCRYPT_DEFAULTS, N: 16, r: 8, p: 1, t: 0, g: 0, NROM: 0 };
  const empty = new Uint8Array(0);
  const refused: [Partial<YescryptParams>, RegExp][] = [
    [{ g: 1 }, /hash upgrades/],
    [{ NROM: 1024 }, /ROM/],
    [{ flags: 0x0b2 }, /flavor/],
    [{ flags: 3 }, /mode/],
    [{ flags: 0, t: 1 }, /classic scrypt/],
    [{ N: 24 }, /power of two/],
    [{ N: 1 }, /power of two/],
    [{ r: 0 }, /at least 1/],
    [{ p: 16 }, /N\/p/],
    [{ N: 2 ** 20, r: 8 }, /1 GiB of memory/],
    [{ t: 2 ** 20 }, /block mixing/],
  ];
  for (const [change, message] of refused) {
    assert.throws(() => yescryptKdf(empty, empty, { ...base, ...change }, 32), { name: 'RangeError', message }, JSON.stringify(change));
  }
});

test('equals mkpasswd -m yescrypt at costs 1 to 5 and 7 (salts from crypt_gensalt)', needsMkpasswd, () => {
  const passwords = ['', 'root', 'pässwörd', '密码 🔑', 'a b\tc', '-dash', 'x'.repeat(200)];
  const costs = [1, 2, 3, 4, 5, 7];
  for (const [i, cost] of costs.entries()) {
    for (const password of i < 2 ? passwords : passwords.slice(i, i + 2)) {
      const made = mkpasswd('yescrypt', password, { cost });
      assert.ok(made, `mkpasswd -R ${cost}`);
      assert.equal(yescrypt(password, made), made, `cost ${cost}, password ${JSON.stringify(password)}`);
    }
  }
});

test('equals mkpasswd on parameters beyond crypt_gensalt: p, t, both, multi-character fields, WORM', needsMkpasswd, () => {
  const settings = [
    '$y$j9T.0$', // p = 4
    '$y$j9T//$', // t = 2
    '$y$j9T0..$', // p = 2, t = 1
    '$y$j8T/0$', // N = 2048, t = 3
    '$y$j9k.$', // N = 4096 with r = 49, above the pre-hash threshold
    '$y$/8T/.$', // WORM with t = 1
    '$y$.4.$', // classic scrypt, N = 128, r = 1
    '$y$j/.$', // the smallest N YESCRYPT_RW takes with p = 1: N = 4, r = 1
  ];
  for (const prefix of settings) {
    const setting = `${prefix}Vr9A1tZbJ3/PB.kw`;
    const made = mkpasswd('yescrypt', 'default', { setting });
    assert.ok(made, setting);
    assert.equal(yescrypt('default', setting), made, setting);
  }
});

test('decodes salts as crypt() does: accepts and refuses the same salt strings', needsMkpasswd, () => {
  // At N = 128, r = 1 a hash is cheap enough to try many salts; lengths cover every final group
  // size (a lone character is refused, two or three need their spare bits clear) and the 64-byte limit.
  const salt = fc.string({ unit: fc.constantFrom(...ITOA64), minLength: 0, maxLength: 90 });
  fc.assert(
    fc.property(salt, (s) => {
      const setting = `$y$j4.$${s}`;
      const made = mkpasswd('yescrypt', 'pw', { setting });
      if (made === null) {
        assert.throws(() => yescrypt('pw', setting), RangeError, setting);
      } else {
        assert.equal(yescrypt('pw', setting), made);
      }
    }),
    { numRuns: 60, examples: [[''], ['a'], ['ab'], ['.a'], ['..'], ['abc'], ['ab.'], ['z'.repeat(85)], ['z'.repeat(86)], ['z'.repeat(87)], ['z'.repeat(88)]] },
  );
});

test('equals mkpasswd on arbitrary passwords (UTF-8, whitespace, symbols)', needsMkpasswd, () => {
  const password = fc.string({ unit: 'binary', maxLength: 40 }).filter((p) => !p.includes('\0'));
  fc.assert(
    fc.property(password, (pw) => {
      const setting = '$y$j6.$lCEEhk0OKFNYo8C1cRyUh/';
      assert.equal(yescrypt(pw, setting), mkpasswd('yescrypt', pw, { setting }));
    }),
    { numRuns: 40 },
  );
});

test('passwords are the bytes crypt() receives: a Uint8Array is taken as is', needsMkpasswd, () => {
  // Latin-1 "pén", not valid UTF-8: only stdin can carry it to mkpasswd.
  const bytes = Uint8Array.from([0x70, 0xe9, 0x6e]);
  const setting = '$y$j75$abcdefgh';
  const made = execFileSync('mkpasswd', ['-m', 'yescrypt', '-S', setting, '-s'], { input: Buffer.concat([bytes, Buffer.from('\n')]), encoding: 'utf8' }).trim();
  assert.equal(yescrypt(bytes, setting), made);
  assert.notEqual(yescrypt('pén', setting), made);
});

test('equals mkpasswd -m scrypt at costs 6 and 7, and on r = 1 settings OpenSSL refuses', needsMkpasswd, () => {
  for (const cost of [6, 7]) {
    for (const password of ['', 'admin', 'ümlaut €']) {
      const made = mkpasswd('scrypt', password, { cost });
      assert.ok(made);
      assert.equal(scryptCrypt(password, made), made);
    }
  }
  for (const setting of ['$7$E/..../....r1salt', '$7$1/..../....tiny', '$7$6/....0....p2']) {
    assert.equal(scryptCrypt('x', setting), mkpasswd('scrypt', 'x', { setting }), setting);
  }
});

test('hashes above the memory bound are refused with the reason, not computed', () => {
  assert.equal(MAX_V_BYTES, 256 * 1024 * 1024);
  // From mkpasswd -R 11 (N = 262144, r = 32 for both: 1 GiB of V); fixed, as making them takes
  // libxcrypt a second and 1 GiB each.
  const y = '$y$jFT$kNS1gZE7ZfXlPs2Z4T2eT.$ph6KsZbOPeofk3WA6NEhJX/hbRaoPAGA2NzTrQL70W2';
  const s = '$7$GU..../....WbIg55FgND8mtKeZ/VLOk/$ZxPqOR1uxLpxFbVLYUK.LyNh5mSYPI6TEl6JYgKnTy5';
  assert.equal(yescryptChecker(y), null);
  assert.equal(scryptChecker(s), null);
  assert.match(yescryptProblem(y) ?? '', /1 GiB of memory/);
  assert.match(scryptProblem(s) ?? '', /1 GiB of memory/);
  assert.throws(() => yescrypt('root', y), RangeError);
  assert.throws(() => scryptCrypt('root', s), RangeError);
});

test('the largest accepted cost (9: 256 MiB) is accepted', () => {
  assert.equal(yescryptProblem('$y$jDT$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73'), undefined);
  assert.equal(scryptProblem('$7$EU..../....abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73'), undefined);
  assert.match(yescryptProblem('$y$jET$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73') ?? '', /512 MiB/);
});

test('malformed and unsupported strings give no checker, and say why', () => {
  const hash = fixed[0]![0];
  const refused: [string, RegExp][] = [
    ['$1$abcdefgh$79JhsKZwfY/UU2qrk3Qcff', /not a "\$y\$"/],
    ['$y$j9T$abcdefgh', /hash part/], // a setting, no hash to compare with
    [hash.slice(0, -1), /hash part/],
    [`${hash}x`, /hash part/],
    [hash.slice(0, -1) + 'z', /hash part/], // last character with spare bits set: crypt() never writes it
    ['$y$j9T$abc!efgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73', /salt/],
    ['$y$j9T$a$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73', /salt/],
    ['$y$j9T$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu7!', /hash part/],
    ['$y$k.9T$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73', /flavor/],
    ['$y$i9T$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73', /flavor/],
    ['$y$j9T1.$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73', /hash upgrades/], // have = 4: g
    ['$y$j9T5.$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73', /ROM/], // have = 8: NROM
    ['$y$j9T.$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73', /malformed/], // says p follows, has none
    ['$y$j9T$', /hash part/],
    ['$y$jz', /malformed/],
    ['$y$j9', /malformed/],
    ['$y$', /malformed/],
  ];
  for (const [text, reason] of refused) {
    assert.equal(yescryptChecker(text), null, text);
    assert.match(yescryptProblem(text) ?? '', reason, text);
  }
  assert.equal(yescryptProblem(hash), undefined);

  const scryptRefused: [string, RegExp][] = [
    ['$7$.U..../....salt$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D', /N/], // N = 2^0
    ['$7$C...../....salt$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D', /at least 1/], // r = 0
    ['$7$CU...!/....salt$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D', /r or p/],
    ['$7$C6..../....Sod!um$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D', /salt/],
    ['$7$C6..../....SodiumChloride$kBGj9fHz', /hash part/],
    ['$y$j9T$abcdefgh$79JhsKZwfY/UU2qrk3QcffpHl7EyEEJK0pA5pD1wu73', /not a "\$7\$"/],
  ];
  for (const [text, reason] of scryptRefused) {
    assert.equal(scryptChecker(text), null, text);
    assert.match(scryptProblem(text) ?? '', reason, text);
  }
});

test('passwords crypt() could not be given never match and are refused when hashing', () => {
  const [hash] = fixed[2]!;
  const check = yescryptChecker(hash)!;
  assert.equal(check('hel\0lo'), false);
  assert.equal(check('x'.repeat(512)), false);
  assert.equal(check('\ud800'), false);
  assert.throws(() => yescrypt('a\0b', hash), /NUL/);
  assert.throws(() => yescrypt('x'.repeat(512), hash), /at most 511/);
  assert.throws(() => scryptCrypt(Uint8Array.of(97, 0), fixedScrypt[3]![0]), /NUL/);
});

test('checkers with the same parameters share memory without mixing up their answers', () => {
  const [a, aPassword] = fixed[0]!;
  const [b, bPassword] = fixed[1]!;
  const checkA = yescryptChecker(a)!;
  const checkB = yescryptChecker(b)!;
  assert.equal(checkA(bPassword), false);
  assert.equal(checkB(bPassword), true);
  assert.equal(checkA(aPassword), true);
  assert.equal(checkB(aPassword), false);
  assert.equal(checkA(aPassword), true);
});
