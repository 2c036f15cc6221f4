import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { main } from './cli.ts';

const run = promisify(execFile);
// These tests are about the embedded database, so a DATABASE_URL from the CI run is left out.
const { DATABASE_URL: _postgres, ...embeddedEnv } = process.env;
const cli = new URL('./cli.ts', import.meta.url).pathname;

function capture(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: { PATH: process.env['PATH'], ...env } }, out, err };
}

function freshDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cn-cli-'));
}

describe('connectable', () => {
  test('--help lists every command and exits 0; no command is a usage error', async () => {
    const c = capture();
    assert.equal(await main(['--help'], c.io), 0);
    for (const name of ['serve', 'migrate', 'setup-link', 'organisations', 'audit']) assert.match(c.out.join(''), new RegExp(`\\b${name}\\b`));
    assert.equal(await main([], capture().io), 2);
  });

  test('every command answers --help with its usage and exit code 0', async () => {
    for (const name of ['serve', 'migrate', 'setup-link', 'organisations', 'audit']) {
      const c = capture();
      assert.equal(await main([name, '--help'], c.io), 0, name);
      assert.match(c.out.join(''), new RegExp(`connectable ${name}`));
    }
  });

  test('an unknown command or option exits 2 and says what was wrong', async () => {
    const unknown = capture();
    assert.equal(await main(['frobnicate'], unknown.io), 2);
    assert.match(unknown.err.join(''), /unknown command "frobnicate"/);
    const option = capture();
    assert.equal(await main(['migrate', '--colour'], option.io), 2);
    assert.match(option.err.join(''), /--colour/);
  });

  test('organisations --add creates one and prints its setup link; --json lists them', async () => {
    const dir = freshDataDir();
    try {
      const added = capture({ DATA_DIR: dir });
      assert.equal(await main(['organisations', '--add', 'Retail Chain plc', '--kind', 'retailer'], added.io), 0);
      assert.match(added.out.join(''), /\/setup\/[A-Za-z0-9_-]{43}/);
      const listed = capture({ DATA_DIR: dir });
      assert.equal(await main(['organisations', '--json'], listed.io), 0);
      const { organisations } = JSON.parse(listed.out.join('')) as { organisations: { slug: string; kind: string; members: number }[] };
      assert.deepEqual(organisations.map((o) => [o.slug, o.kind, o.members]), [['retail-chain-plc', 'retailer', 0]]);
      const bad = capture({ DATA_DIR: dir });
      assert.equal(await main(['organisations', '--add', 'X Co', '--kind', 'wholesaler', '--json'], bad.io), 2);
      assert.match(bad.err.join(''), /kind: Choose maker, retailer or regulator/);
      assert.equal((JSON.parse(bad.out.join('')) as { error: { code: string } }).error.code, 'CONNECTABLE_ERR_INVALID_INPUT');
      const audit = capture({ DATA_DIR: dir });
      assert.equal(await main(['audit', '--organisation', 'retail-chain-plc', '--json'], audit.io), 0);
      const { events } = JSON.parse(audit.out.join('')) as { events: { action: string }[] };
      assert.deepEqual(events.map((e) => e.action).sort(), ['organisation.created', 'setup_link.issued']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a DATABASE_URL that cannot be reached stops the command with exit 2, naming the variable and address', async () => {
    const c = capture({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    assert.equal(await main(['migrate'], c.io), 2);
    assert.match(c.err.join(''), /DATABASE_URL/);
    assert.match(c.err.join(''), /127\.0\.0\.1:1/);
  });

  test('a malformed environment variable is named', async () => {
    const c = capture({ PORT: 'eighty' });
    assert.equal(await main(['migrate'], c.io), 2);
    assert.match(c.err.join(''), /PORT/);
  });

  test('serve on a fresh data directory prints a one-time setup link, never a password, and a second serve on it fails clearly', async () => {
    const dir = freshDataDir();
    const first = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--demo', '--port', '0'], {
      env: { ...embeddedEnv, DATA_DIR: dir, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let banner = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner: ${banner}`)), 60_000);
        first.stderr.on('data', (d: Buffer) => {
          banner += d.toString();
          if (banner.includes('Press Ctrl+C')) {
            clearTimeout(timer);
            resolve();
          }
        });
        first.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${banner}`)));
      });
      const link = /(http:\/\/localhost:\d+)\/setup\/[A-Za-z0-9_-]{43}/.exec(banner);
      assert.ok(link, banner);
      assert.doesNotMatch(banner, /password:/i);
      const base = link[1] ?? '';
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 200);
      const setup = await fetch(link[0], { headers: { accept: 'text/html' } });
      assert.match(await setup.text(), /Create the first owner of Demo Maker Ltd/);

      const second = await run(process.execPath, ['--import', 'tsx', cli, 'migrate'], { env: { ...embeddedEnv, DATA_DIR: dir } }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      assert.equal(second.code, 2);
      assert.match(second.stderr, /already using the embedded database/);
    } finally {
      first.kill('SIGTERM');
      await new Promise((r) => first.on('exit', r));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
