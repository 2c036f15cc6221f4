import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordProblem } from './password-policy.ts';

test('a long passphrase of unrelated words is accepted', () => {
  assert.equal(passwordProblem('violet tractor museum pebble'), undefined);
});

test('anything shorter than 12 characters is refused, saying how long it must be', () => {
  assert.match(passwordProblem('Xk9!mQ2#') ?? '', /at least 12 characters/);
});

test('a common password is refused even when long enough', () => {
  assert.match(passwordProblem('password1234') ?? '', /commonly used/);
  assert.match(passwordProblem('qwertyuiop123') ?? '', /commonly used/);
});

test('a common word dressed up with digits and symbols is still common', () => {
  assert.match(passwordProblem('!!Password2024!!') ?? '', /commonly used/);
  assert.match(passwordProblem('123456Sunshine789') ?? '', /commonly used/);
});

test('repetitions and sequences are refused as easy to guess', () => {
  assert.match(passwordProblem('aaaaaaaaaaaaaa') ?? '', /easy to guess/);
  assert.match(passwordProblem('abcdefghijklmn') ?? '', /easy to guess|commonly used/);
});

test('a password built from the e-mail address or the name is refused', () => {
  assert.match(passwordProblem('margaret.hamilton-1969', { email: 'margaret.hamilton@example.com' }) ?? '', /your name or e-mail address/);
  assert.match(passwordProblem('GraceHopper!Cobol59', { name: 'Grace Hopper' }) ?? '', /your name or e-mail address/);
});

test('absurdly long input is refused before it can cost a hash', () => {
  assert.match(passwordProblem('x'.repeat(10_000)) ?? '', /at most 256/);
});
