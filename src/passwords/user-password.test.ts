import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkUserPassword } from './user-password.ts';

test('a long passphrase is acceptable and its estimated strength is given', () => {
  const v = checkUserPassword('violet tractor museum pebble');
  assert.equal(v.ok, true);
  assert.deepEqual(v.reasons, []);
  assert.ok(v.estimatedBits > 40);
});

test('a known device default is refused as such, before anything else', () => {
  const v = checkUserPassword('7ujMko0admin');
  assert.equal(v.ok, false);
  assert.match(v.reasons[0] ?? '', /known default password of connected devices/);
});

test("the device's identifiers may not be the password or part of it", () => {
  const mac = '3C:5A:B4:00:12:6E';
  for (const pw of ['3c5ab400126e-home', 'myrouter-00126e', 'HC2200004711!x']) {
    const v = checkUserPassword(pw, { identifiers: [mac, 'HC2200004711', 'HC-220'] });
    assert.equal(v.ok, false, pw);
    assert.match(v.reasons.join(' '), /serial number, MAC address or model/);
  }
});

test('too short is refused with the length to reach', () => {
  assert.match(checkUserPassword('Zq8#mV2p').reasons[0] ?? '', /at least 12 characters/);
  assert.match(checkUserPassword('Zq8#mV2p', { minLength: 8 }).reasons.join(' '), /^$|easy to guess/);
});

test('keyboard patterns and l33t words are caught by the strength estimate', () => {
  const v = checkUserPassword('qwertyuiop[]');
  assert.equal(v.ok, false);
  const l33t = checkUserPassword('P@ssw0rd2024!');
  assert.equal(l33t.ok, false);
});
