import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import type { Entry } from '../unpack/types.ts';
import { inspect, loginOf } from './accounts.ts';
import { createContext, GUESSABLE_PASSWORD_LAW, UNIVERSAL_PASSWORD_LAW } from './finding.ts';

// Needs openssl (Debian package openssl) and mkpasswd (Debian package whois).
const file = (path: string, content: string): Entry => ({ path, type: 'file', mode: 0o644, data: Buffer.from(content) });
const openssl = (flag: string, password: string): string => execFileSync('openssl', ['passwd', flag, '-salt', 'fixture1', '--', password], { encoding: 'utf8' }).trim();
const mkpasswd = (method: string, password: string): string => execFileSync('mkpasswd', ['-m', method, '-s'], { input: `${password}\n`, encoding: 'utf8' }).trim();
// A password no list holds: it must be reported as fixed but never cracked.
const STRONG = 'Tz8#vQ2!mL5$pR9w';
// The cap keeps the uncrackable sha512crypt short; the defaults come first, within it.
const context = () => createContext({ maxCandidatesPerHash: 150, workers: 0 });

test('a tree whose accounts are all locked or disabled reports nothing', async () => {
  const entries = [
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534::/:/bin/false\n'),
    file('etc/shadow', 'root:*:19000:0:99999:7:::\ndaemon:!:19000::::::\nnobody:!!:19000::::::\nold:!$6$abc$lockedhashlockedhash:19000::::::\n'),
    file('etc/group', 'root:x:0:\n'),
  ];
  assert.deepEqual(await inspect(entries, context()), []);
});

test('what a password field means: placeholders and "!"/"*" forms are no login', () => {
  assert.deepEqual(loginOf('', 'shadow'), { kind: 'empty' });
  assert.deepEqual(loginOf('x', 'passwd'), { kind: 'elsewhere' });
  for (const locked of ['*', '!', '!!', '*LK*', '!$6$salt$hash', 'x']) assert.equal(loginOf(locked, 'shadow').kind, 'locked', locked);
  assert.deepEqual(loginOf('$1$abc$def', 'shadow'), { kind: 'hash', hash: '$1$abc$def' });
});

test('every account that can log in is one universal finding, cracked where the lists allow', async () => {
  const root = openssl('-6', 'root');
  const entries = [
    file(
      'etc/passwd',
      [
        'root:x:0:0:root:/root:/bin/sh',
        'admin:x:1000:1000::/home/admin:/bin/sh',
        'svc:x:1001:1001::/home/svc:/bin/ash',
        'guest:x:1002:1002::/tmp:/bin/sh',
        'ftp:x:21:21::/srv/ftp:/sbin/nologin',
        'legacy:ab6TRGT20sY26:1003:1003::/:/bin/sh',
        'modern:x:1004:1004::/:/bin/bash',
        'daemon:x:1:1::/:/usr/sbin/nologin',
      ].join('\n'),
    ),
    file(
      'etc/shadow',
      [
        `root:${root}:19000:0:99999:7:::`,
        `admin:${mkpasswd('md5crypt', 'admin')}:19000::::::`,
        `svc:${openssl('-6', STRONG)}:19000::::::`,
        'guest::19000::::::',
        `ftp:${openssl('-1', 'ftp')}:19000::::::`,
        `modern:${mkpasswd('yescrypt', 'modern')}:19000::::::`,
        'daemon:!:19000::::::',
      ].join('\n'),
    ),
    // The backup repeats root's line: still one finding, at etc/shadow.
    file('etc/shadow-', `root:${root}:19000:0:99999:7:::\n`),
  ];
  const findings = await inspect(entries, context());
  const byAccount = new Map(findings.map((f) => [/Account (\S+)/.exec(f.title)?.[1], f]));
  assert.equal(findings.length, 7, findings.map((f) => f.title).join('\n'));

  const rootFinding = byAccount.get('root');
  assert.deepEqual(
    rootFinding && { rule: rootFinding.rule, severity: rootFinding.severity, path: rootFinding.path, line: rootFinding.line, secret: rootFinding.secret, lawIds: rootFinding.lawIds, universal: rootFinding.universal },
    { rule: 'account-known-password', severity: 'critical', path: 'etc/shadow', line: 1, secret: 'root', lawIds: GUESSABLE_PASSWORD_LAW, universal: true },
  );
  assert.match(rootFinding?.evidence ?? '', /"r…t"/);

  const admin = byAccount.get('admin');
  assert.equal(admin?.rule, 'account-known-password');
  assert.equal(admin?.severity, 'critical');
  assert.equal(admin?.secret, 'admin');
  assert.match(admin?.evidence ?? '', /md5crypt hash matches "a…n"/);

  const svc = byAccount.get('svc');
  assert.equal(svc?.rule, 'account-password');
  assert.equal(svc?.severity, 'high');
  assert.equal(svc?.secret, undefined, 'no plaintext is known');
  assert.deepEqual(svc?.lawIds, UNIVERSAL_PASSWORD_LAW);
  assert.equal(svc?.universal, true);

  const guest = byAccount.get('guest');
  assert.deepEqual([guest?.rule, guest?.severity, guest?.line], ['account-empty-password', 'critical', 4]);

  // A nologin shell lowers the severity by one step.
  const ftp = byAccount.get('ftp');
  assert.deepEqual([ftp?.rule, ftp?.severity], ['account-known-password', 'high']);
  assert.match(ftp?.evidence ?? '', /no interactive login/);

  // A DES hash in passwd's own second field, BusyBox style.
  const legacy = byAccount.get('legacy');
  assert.deepEqual([legacy?.rule, legacy?.path, legacy?.line, legacy?.secret], ['account-known-password', 'etc/passwd', 6, 'root']);

  // yescrypt (Debian 11+ images) is cracked too: this one is the account's own name.
  const modern = byAccount.get('modern');
  assert.deepEqual([modern?.rule, modern?.secret], ['account-known-password', 'modern']);
  assert.match(modern?.evidence ?? '', /yescrypt/);

  for (const f of findings) {
    if (f.secret) assert.ok(!f.evidence.includes(`"${f.secret}"`) || f.secret.length < 4, `evidence masks the secret: ${f.evidence}`);
  }
});

test('--show-secrets puts the plaintext in the evidence', async () => {
  const entries = [file('etc/shadow', `root:${openssl('-1', 'vizxv')}:19000:0:99999:7:::\n`), file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n')];
  const [finding] = await inspect(entries, createContext({ showSecrets: true, workers: 0 }));
  assert.match(finding?.evidence ?? '', /"vizxv"/);
});

test('a root-equivalent account (uid 0) with an uncracked password is critical', async () => {
  const entries = [file('etc/passwd', 'toor:x:0:0::/root:/bin/sh\n'), file('etc/shadow', `toor:${openssl('-1', STRONG)}:19000::::::\n`)];
  const [finding] = await inspect(entries, createContext({ maxCandidatesPerHash: 20, workers: 0 }));
  assert.deepEqual([finding?.rule, finding?.severity], ['account-password', 'critical']);
});
