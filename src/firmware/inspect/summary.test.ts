import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GUESSABLE_PASSWORD_LAW, SHARED_SECRET_LAW, UNIVERSAL_PASSWORD_LAW, type Finding } from './finding.ts';
import { summarise } from './summary.ts';

const finding = (over: Partial<Finding>): Finding => ({
  rule: 'account-password',
  severity: 'high',
  path: 'etc/shadow',
  line: 1,
  title: 't',
  evidence: 'e',
  lawIds: UNIVERSAL_PASSWORD_LAW,
  universal: true,
  ...over,
});

test('an image with no findings meets the password duty', () => {
  const summary = summarise([]);
  assert.equal(summary.meetsPasswordDuty, true);
  assert.equal(summary.universalCredentials, 0);
  assert.deepEqual(summary.bySeverity, { critical: 0, high: 0, medium: 0, low: 0, info: 0 });
  assert.match(summary.verdict, /^PASS/);
});

test('one universal credential fails the duty, and the verdict cites PSTI Schedule 1 paragraph 1 and ETSI 5.1-1', () => {
  const summary = summarise([
    finding({ severity: 'critical', rule: 'account-known-password', lawIds: GUESSABLE_PASSWORD_LAW }),
    finding({ path: 'etc/config/wireless', rule: 'wifi-psk' }),
    finding({ rule: 'insecure-service', severity: 'medium', universal: false, lawIds: ['etsi.5.5-1'] }),
  ]);
  assert.equal(summary.meetsPasswordDuty, false);
  assert.equal(summary.universalCredentials, 2);
  assert.deepEqual(summary.bySeverity, { critical: 1, high: 1, medium: 1, low: 0, info: 0 });
  assert.match(summary.verdict, /^FAIL — 2 universal credentials \(in etc\/shadow, etc\/config\/wireless\)/);
  assert.match(summary.verdict, /PSTI Schedule 1 paragraph 1 requires \(psti\.s1\.1\.2a; ETSI EN 303 645 5\.1-1\)/);
  assert.match(summary.verdict, /1 of them is also a known default or common password.*psti\.s1\.1\.3d; ETSI 5\.1-2/);
});

test('shared private keys are named in the verdict but do not decide the password duty', () => {
  const summary = summarise([finding({ rule: 'private-key', universal: false, lawIds: SHARED_SECRET_LAW })]);
  assert.equal(summary.meetsPasswordDuty, true);
  assert.match(summary.verdict, /^PASS/);
  assert.match(summary.verdict, /1 private key or secret is the same in every unit \(ETSI 5\.4-3\)/);
});
