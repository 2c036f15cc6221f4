import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { accountCandidates, crackCandidates, crackHashes } from './crack.ts';

// Needs openssl (Debian package openssl) and mkpasswd (Debian package whois).
function openssl(flag: '-1' | '-6', password: string, salt = 'fixture1'): string {
  return execFileSync('openssl', ['passwd', flag, '-salt', salt, '--', password], { encoding: 'utf8' }).trim();
}
const STRONG = 'q7Vd#2mPx!9Lr$Wk';
const far = (): number => Date.now() + 120_000;

test('the bundled list starts with the Mirai defaults, case kept, and holds each word once', () => {
  const list = crackCandidates();
  assert.deepEqual(list.slice(0, 3), ['xc3511', 'vizxv', 'admin']);
  assert.ok(list.includes('7ujMko0vizxv'));
  assert.ok(list.includes('password'));
  assert.equal(new Set(list).size, list.length);
});

test('an account is first tried with no password, its own name, the name reversed, and its listed defaults', () => {
  const words = accountCandidates('support');
  assert.deepEqual(words.slice(0, 3), ['', 'support', 'troppus']);
  assert.ok(words.includes('support123'));
  assert.ok(accountCandidates('root').includes('xc3511'), 'Mirai pairs for root come with root');
});

test('cracks default and account-derived passwords, stops at the first match, and reports results in input order', async () => {
  const results = await crackHashes(
    [
      { account: 'admin', hash: openssl('-1', 'admin') },
      { account: 'root', hash: openssl('-6', 'xc3511') },
      { account: 'operator', hash: openssl('-1', 'rotarepo') },
      { account: 'guest', hash: openssl('-1', '') },
    ],
    crackCandidates(),
    { deadline: far(), workers: 0 },
  );
  assert.deepEqual(
    results.map((r) => [r.account, r.password, r.outcome, r.scheme]),
    [
      ['admin', 'admin', 'cracked', 'md5crypt'],
      ['root', 'xc3511', 'cracked', 'sha512crypt'],
      ['operator', 'rotarepo', 'cracked', 'md5crypt'],
      ['guest', '', 'cracked', 'md5crypt'],
    ],
  );
  // '' then 'admin': the second guess; the empty password is the first.
  assert.equal(results[0]?.tried, 2);
  assert.equal(results[3]?.tried, 1);
});

test('a strong password is not cracked: every candidate is tried once and the result says so', async () => {
  const [result] = await crackHashes([{ account: 'svc', hash: openssl('-1', STRONG) }], crackCandidates(), { deadline: far(), workers: 0 });
  assert.equal(result?.password, null);
  assert.equal(result?.outcome, 'exhausted');
  // Account guesses plus the shared list, less the words both hold.
  const both = new Set([...accountCandidates('svc'), ...crackCandidates()]).size;
  assert.equal(result?.tried, both);
  assert.match(result?.reason ?? '', /no match among/);
});

test('worker threads find the same passwords as one thread', async () => {
  const targets = [
    { account: 'root', hash: openssl('-6', '7ujMko0vizxv') },
    { account: 'admin', hash: openssl('-1', '1234') },
    { account: 'svc', hash: openssl('-1', STRONG) },
  ];
  const inline = await crackHashes(targets, crackCandidates(), { deadline: far(), workers: 0 });
  const threaded = await crackHashes(targets, crackCandidates(), { deadline: far(), workers: 2 });
  assert.deepEqual(
    threaded.map((r) => [r.password, r.outcome]),
    inline.map((r) => [r.password, r.outcome]),
  );
  assert.equal(threaded[0]?.password, '7ujMko0vizxv');
  assert.equal(threaded[2]?.tried, inline[2]?.tried, 'the threads split the list without trying a word twice or skipping one');
});

test('the deadline bounds the work, and an unfinished hash says the time ran out', async () => {
  const started = Date.now();
  const [result] = await crackHashes([{ account: 'svc', hash: openssl('-6', STRONG) }], crackCandidates(), { deadline: Date.now() + 300, workers: 0 });
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.equal(result?.outcome, 'deadline');
  assert.equal(result?.password, null);
  assert.ok((result?.tried ?? 0) > 0 && (result?.tried ?? 0) < 2000);
});

test('maxCandidatesPerHash caps the guesses per hash', async () => {
  const [result] = await crackHashes([{ account: 'svc', hash: openssl('-1', STRONG) }], crackCandidates(), { deadline: far(), maxCandidatesPerHash: 50, workers: 0 });
  assert.equal(result?.outcome, 'capped');
  assert.ok((result?.tried ?? 0) <= 50);
});

test('a yescrypt hash (Debian 11+ images) is cracked from the lists', async () => {
  const hash = execFileSync('mkpasswd', ['-m', 'yescrypt', '-s'], { input: 'root\n', encoding: 'utf8' }).trim();
  const [result] = await crackHashes([{ account: 'root', hash }], ['admin', 'password', 'root'], { deadline: far(), workers: 0 });
  assert.equal(result?.scheme, 'yescrypt');
  assert.equal(result?.outcome, 'cracked');
  assert.equal(result?.password, 'root');
});

test('a yescrypt hash too costly to check is reported as not checkable, with the reason, and costs no guesses', async () => {
  const hash = execFileSync('mkpasswd', ['-m', 'yescrypt', '-R', '11', '-s'], { input: 'root\n', encoding: 'utf8' }).trim();
  const [result] = await crackHashes([{ account: 'root', hash }], crackCandidates(), { deadline: far() });
  assert.equal(result?.scheme, 'yescrypt');
  assert.equal(result?.outcome, 'not-checkable');
  assert.equal(result?.tried, 0);
  assert.match(result?.reason ?? '', /cannot be checked here/);
});

test('one hash shared by two accounts is cracked once and reported for both', async () => {
  const hash = openssl('-1', 'support');
  const results = await crackHashes(
    [
      { account: 'support', hash },
      { account: 'tech', hash },
    ],
    crackCandidates(),
    { deadline: far(), workers: 0 },
  );
  assert.deepEqual(
    results.map((r) => [r.account, r.password]),
    [
      ['support', 'support'],
      ['tech', 'support'],
    ],
  );
});
