import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { main } from '../cli.ts';
import { badBatches, toCsv } from '../../test/support/batches.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-pw-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content?: string): string => {
  const p = path.join(dir, name);
  if (content !== undefined) fs.writeFileSync(p, content);
  return p;
};

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('connectable passwords generate', () => {
  test('makes a unique password per unit and states the entropy', async () => {
    const target = file('batch.csv');
    const r = await cli(['passwords', 'generate', '--count', '500', '--serial-pattern', 'CAM-{000000}', '--output', target]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Generated 500 credentials: random, 12 characters from an alphabet of 56 \(69\.7 bits each/);
    const rows = fs.readFileSync(target, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'serial,password');
    assert.equal(rows.length, 501);
    assert.equal(new Set(rows.map((r) => r.split(',')[1])).size, 501);
    assert.equal(fs.statSync(target).mode & 0o077, 0, 'credentials are readable by their owner only');
    const audit = await cli(['passwords', 'audit', target]);
    assert.equal(audit.code, 0, audit.out);
    assert.match(audit.out, /Overall: PASS/);
  });

  test('keyed: the same key file and serials give the same passwords again', async () => {
    const key = file('device.key', `${'a1b2c3d4'.repeat(8)}\n`);
    const units = file('units.csv', 'serial,mac\nS-1,00:11:22:33:44:55\nS-2,00:11:22:33:44:57\n');
    const first = file('k1.csv');
    const second = file('k2.jsonl');
    assert.equal((await cli(['passwords', 'generate', '--input', units, '--method', 'keyed', '--key-file', key, '--output', first])).code, 0);
    assert.equal((await cli(['passwords', 'generate', '--input', units, '--method', 'keyed', '--key-file', key, '--format', 'jsonl', '--output', second])).code, 0);
    const a = fs.readFileSync(first, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[2]);
    const b = fs.readFileSync(second, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { password: string }).password);
    assert.deepEqual(a, b);
    assert.ok(!fs.readFileSync(first, 'utf8').includes('a1b2c3d4'), 'the key is never written out');
  });

  test('the key is refused on the command line, and a short key is refused', async () => {
    const onLine = await cli(['passwords', 'generate', '--count', '2', '--method', 'keyed', '--key', 'secret']);
    assert.equal(onLine.code, 2);
    assert.match(onLine.err, /never taken on the command line/);
    const short = await cli(['passwords', 'generate', '--count', '2', '--method', 'keyed', '--key-env', 'K'], { K: 'too-short' });
    assert.equal(short.code, 2);
    assert.match(short.err, /at least 32 random bytes/);
  });

  test('a malformed unit row is skipped and reported with its line', async () => {
    const units = file('bad-units.csv', 'serial,mac\nS-1,aa\nS-2,bb,extra\nS-3,cc\n');
    const r = await cli(['passwords', 'generate', '--input', units, '--output', file('out.csv')]);
    assert.equal(r.code, 0);
    assert.match(r.out, /Generated 2 credentials/);
    assert.match(r.out, /Skipped line 3: the row has 3 fields but the header has 2/);
  });

  test('a weak method and yescrypt are usage errors that say what to do instead', async () => {
    const weak = await cli(['passwords', 'generate', '--count', '2', '--alphabet', 'digits', '--length', '6']);
    assert.equal(weak.code, 2);
    assert.match(weak.err, /use at least 40/);
    const yes = await cli(['passwords', 'generate', '--count', '2', '--hash', 'yescrypt']);
    assert.equal(yes.code, 2);
    assert.match(yes.err, /use --hash sha512crypt/);
  });
});

describe('connectable passwords audit', () => {
  test('a failing batch exits 1; --json and SARIF carry the law ids', async () => {
    const bad = file('mac-derived.csv', toCsv(badBatches.find((b) => b.name === 'the last 8 hex digits of the MAC')?.batch() ?? []));
    const text = await cli(['passwords', 'audit', bad]);
    assert.equal(text.code, 1);
    assert.match(text.out, /FAIL {7}psti\.s1\.1\.3c/);
    const json = await cli(['passwords', 'audit', bad, '--json']);
    assert.equal((JSON.parse(json.out) as { verdict: string }).verdict, 'fail');
    const sarif = await cli(['passwords', 'audit', bad, '--format', 'sarif']);
    assert.equal(sarif.code, 1);
    const doc = JSON.parse(sarif.out) as { runs: { results: { ruleId: string }[] }[] };
    assert.ok(doc.runs[0]?.results.some((r) => r.ruleId === 'psti.s1.1.3c'));
  });

  test('a file without passwords, an empty file and a missing file are usage errors (exit 2)', async () => {
    const noPasswords = await cli(['passwords', 'audit', file('ids.csv', 'serial,mac\nS1,aa\n')]);
    assert.equal(noPasswords.code, 2);
    assert.match(noPasswords.err, /No password column found\. The file has: serial, mac/);
    const empty = await cli(['passwords', 'audit', file('empty.csv', '')]);
    assert.equal(empty.code, 2);
    assert.match(empty.err, /The file is empty/);
    const missing = await cli(['passwords', 'audit', path.join(dir, 'nope.csv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no such file/);
    const wrongColumn = await cli(['passwords', 'audit', file('ok.csv', 'serial,password\nS1,Kq7mXr2tPw9d\n'), '--password-column', 'psk']);
    assert.equal(wrongColumn.code, 2);
    assert.match(wrongColumn.err, /There is no password column "psk"\. The file has: serial, password/);
  });

  test('"passwords --help" lists the subcommands', async () => {
    const r = await cli(['passwords', '--help']);
    assert.equal(r.code, 0);
    for (const sub of ['generate', 'audit', 'check']) assert.match(r.out, new RegExp(`passwords ${sub}`));
  });
});

test('connectable passwords check reads the password from standard input', async () => {
  const run = promisify(execFile);
  const cliPath = new URL('../cli.ts', import.meta.url).pathname;
  const child = run(process.execPath, ['--import', 'tsx', cliPath, 'passwords', 'check', '--identifier', 'HC2200004711', '--json']);
  child.child.stdin?.end('HC2200004711-home\n');
  const result = await child.then(
    () => ({ code: 0, stdout: '' }),
    (e: { code: number; stdout: string }) => e,
  );
  assert.equal(result.code, 1);
  assert.match((JSON.parse(result.stdout) as { reasons: string[] }).reasons.join(' '), /serial number/);
});
