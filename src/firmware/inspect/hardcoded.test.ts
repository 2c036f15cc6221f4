import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Entry } from '../unpack/types.ts';
import { createContext, GUESSABLE_PASSWORD_LAW, UNIVERSAL_PASSWORD_LAW } from './finding.ts';
import { inspect, printableStrings } from './hardcoded.ts';

const file = (path: string, content: string | Uint8Array): Entry => ({ path, type: 'file', mode: 0o755, data: typeof content === 'string' ? Buffer.from(content) : content });
// A binary: an ELF header, then random bytes with NUL-terminated strings placed among them.
function binary(...strings: string[]): Uint8Array {
  const parts: Uint8Array[] = [Buffer.from('\x7fELF\x01\x01\x01\0', 'latin1')];
  for (const s of strings) parts.push(randomBytes(64).map((b) => (b < 0x20 || b > 0x7e ? b : 0)), Buffer.from(`\0${s}\0`, 'latin1'));
  return Buffer.concat(parts);
}
const context = () => createContext({ workers: 0 });

test('scripts that take credentials from the user or the environment, and plain binaries, report nothing', async () => {
  const entries = [
    file('usr/sbin/setpass.sh', '#!/bin/sh\nread -s password\npassword="$1"\ncurl -u "$USER:$PASS" http://127.0.0.1/\n'),
    file('www/login.js', 'function login(u, p) { return post("/auth", { username: u, password: p }); }\nconst password = "";\n'),
    file('usr/bin/app', binary('usage: app [-v]', 'password=%s', 'Enter password:')),
  ];
  assert.deepEqual(await inspect(entries, context()), []);
});

test('hard-coded logins in scripts, web files and binaries are each reported once, masked', async () => {
  const entries = [
    file('usr/sbin/cloud-sync.sh', '#!/bin/sh\ncurl -s -u uploader:Upl0adKey77 https://example.invalid/put\n'),
    file('www/js/app.js', 'const H = { "Authorization": "Basic YWRtaW46c2VjcmV0UGFzcw==" };\nif (login("admin","admin")) go();\n'),
    file('usr/lib/lua/luci/controller/dev.lua', 'local username = "factory"\nlocal password = "Fact0ryMode!"\n'),
    file('usr/bin/backdoor', binary('root', 'xc3511', 'GET / HTTP/1.0')),
    file('usr/bin/uploader', binary('Authorization: Basic ZGV2aWNlOmQzdmljM1Bhc3M=')),
  ];
  const findings = await inspect(entries, context());
  const rows = findings.map((f) => [f.path, f.line, f.severity, f.secret, f.evidence]);
  assert.deepEqual(
    rows.map((r) => JSON.stringify(r)).sort(),
    [
      ['usr/sbin/cloud-sync.sh', 2, 'high', 'Upl0adKey77', 'curl/wget login: uploader:U…7'],
      ['www/js/app.js', 1, 'high', 'secretPass', 'HTTP Basic authorization header: admin:s…s'],
      ['www/js/app.js', 2, 'critical', 'admin', 'login() call with literal credentials: admin:a…n'],
      ['usr/lib/lua/luci/controller/dev.lua', 2, 'high', 'Fact0ryMode!', 'password set to a literal: factory:F…!'],
      ['usr/bin/backdoor', undefined, 'critical', 'xc3511', 'a bundled default user/password pair stored side by side: root:x…1'],
      ['usr/bin/uploader', undefined, 'high', 'd3vic3Pass', 'HTTP Basic authorization header: device:d…s'],
    ]
      .map((r) => JSON.stringify(r))
      .sort(),
  );
  for (const f of findings) {
    assert.equal(f.rule, 'hardcoded-credential');
    assert.equal(f.universal, true);
    assert.deepEqual(f.lawIds, f.severity === 'critical' ? GUESSABLE_PASSWORD_LAW : UNIVERSAL_PASSWORD_LAW);
  }
});

test('printable strings are cut at the byte budget', () => {
  const data = Buffer.from('abcdefgh\0ijklmnop\0qrstuvwx', 'latin1');
  assert.deepEqual(printableStrings(data, 6, 1024).map((s) => s.text), ['abcdefgh', 'ijklmnop', 'qrstuvwx']);
  assert.deepEqual(printableStrings(data, 6, 12).map((s) => s.text), ['abcdefgh']);
});
