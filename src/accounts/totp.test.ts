import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret } from 'otpauth';
import { hashRecoveryCode, matchTotp, newRecoveryCodes, totpCode } from './totp.ts';

// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890"; our 6-digit codes are the last six
// digits of the RFC's 8-digit values.
const rfcSecret = Secret.fromLatin1('12345678901234567890').base32;
const vectors: [number, string][] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
];

test('codes match the RFC 6238 test vectors', () => {
  for (const [seconds, code] of vectors) assert.equal(totpCode(rfcSecret, seconds * 1000), code, `T=${seconds}`);
});

test('a code is accepted within one step of clock drift and not beyond', () => {
  const t = 1111111109 * 1000;
  assert.notEqual(matchTotp(rfcSecret, '081804', null, t + 30_000), undefined);
  assert.notEqual(matchTotp(rfcSecret, '081804', null, t - 30_000), undefined);
  assert.equal(matchTotp(rfcSecret, '081804', null, t + 95_000), undefined);
});

test('a code cannot be used again once its step is recorded', () => {
  const t = 1234567890 * 1000;
  const step = matchTotp(rfcSecret, '005924', null, t);
  assert.ok(step !== undefined);
  assert.equal(matchTotp(rfcSecret, '005924', step, t), undefined);
});

test('malformed codes are rejected without throwing', () => {
  for (const bad of ['', '12345', '1234567', 'abcdef', '12 456']) assert.equal(matchTotp(rfcSecret, bad, null), undefined);
});

test('recovery codes are ten distinct 12-character codes, hashed without regard to case or dashes', () => {
  const codes = newRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const c of codes) assert.match(c, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
  const first = codes[0] ?? '';
  assert.equal(hashRecoveryCode(first), hashRecoveryCode(first.toUpperCase().replace(/-/g, ' ')));
});
