import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../cli.ts';
import { generateSecurityTxt, nextExpiry } from '../disclosure/security-txt.ts';
import { ConnectableError } from '../errors.ts';
import { fetchSecurityTxt, securityTxtAddress } from './securitytxt-commands.ts';

// The command as a maker's CI job runs it: against files, and against a real HTTP server that
// only ever listens on 127.0.0.1.

const clean = generateSecurityTxt({
  contacts: ['mailto:security@example.com', 'https://example.com/report'],
  expires: nextExpiry(new Date()),
  encryption: ['https://example.com/pgp-key.txt'],
  policy: 'https://example.com/disclosure-policy',
  preferredLanguages: ['en'],
});

const broken = ['Contact: security@example.com', 'Expires: 2020-01-01', 'Expires: 2020-02-01T00:00:00Z', 'Email us!', ''].join('\n');

let dir: string;
let server: http.Server;
let base: string;
let slowRequests = 0;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-securitytxt-'));
  server = http.createServer((req, res) => {
    const send = (status: number, type: string | undefined, body: string): void => {
      res.writeHead(status, type ? { 'content-type': type } : {});
      res.end(body);
    };
    switch (req.url) {
      case '/.well-known/security.txt':
        return send(200, 'text/plain; charset=utf-8', clean);
      case '/html/security.txt':
        return send(200, 'text/html; charset=utf-8', clean);
      case '/no-charset/security.txt':
        return send(200, 'text/plain', clean);
      case '/latin1/security.txt':
        return send(200, 'text/plain; charset=iso-8859-1', clean);
      case '/broken/security.txt':
        return send(200, 'text/plain; charset=utf-8', broken);
      case '/security.txt':
        res.writeHead(301, { location: '/.well-known/security.txt' });
        return res.end();
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        return res.end();
      case '/huge':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        // Streamed without a length, so only the running count can stop it.
        for (let i = 0; i < 40; i++) res.write(`# ${'x'.repeat(64 * 1024)}\n`);
        return res.end();
      case '/slow':
        slowRequests++;
        return; // never answers
      default:
        return send(404, 'text/html', '<h1>Not found</h1>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['securitytxt', 'check', ...args], { out: (t) => out.push(t), err: (t) => err.push(t), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('connectable securitytxt check FILE', () => {
  test('a file with errors exits 1 and lists each problem with its line', async () => {
    const { code, out } = await run(write('broken.txt', broken));
    assert.equal(code, 1);
    assert.match(out, /^line 1: error rfc9116\.2\.5\.3-contact-uri — .*mailto:security@example\.com/m);
    assert.match(out, /^line 2: error rfc9116\.2\.5\.5-expires-format — /m);
    assert.match(out, /^line 3: error rfc9116\.2\.5\.5-expires-once — /m);
    assert.match(out, /^line 3: error rfc9116\.2\.5\.5-expires-past — /m);
    assert.match(out, /^line 4: error rfc9116\.4-line-syntax — /m);
    assert.match(out, /^file: warning rfc9116\.3\.1-policy — /m);
    assert.match(out, /^Verdict: fail \(5 errors, \d+ warnings?\)/m);
  });

  test('a clean generated file exits 0', async () => {
    const { code, out } = await run(write('clean.txt', clean));
    assert.equal(code, 0, out);
    assert.match(out, /^Verdict: pass \(0 errors, 0 warnings\)\.$/m);
    assert.match(out, /Not signed; 6 fields\./);
  });

  test('--json gives the whole result, fields and problems with lines', async () => {
    const { code, out } = await run(write('broken.txt', broken), '--json');
    assert.equal(code, 1);
    const report = JSON.parse(out) as { verdict: string; errors: number; problems: Array<{ line: number; rule: string }>; fields: Array<{ name: string; line: number }> };
    assert.equal(report.verdict, 'fail');
    assert.equal(report.errors, 5);
    assert.deepEqual(report.problems.filter((p) => p.line === 4).map((p) => p.rule), ['rfc9116.4-line-syntax']);
    assert.deepEqual(report.fields.map((f) => [f.name, f.line]), [['Contact', 1], ['Expires', 2], ['Expires', 3]]);
  });

  test('--url checks Canonical against the address the file will be served from', async () => {
    const file = write('canonical.txt', clean.replace('Contact:', 'Canonical: https://example.com/.well-known/security.txt\nContact:'));
    assert.doesNotMatch((await run(file, '--url', 'https://example.com/.well-known/security.txt')).out, /canonical-url/);
    const moved = await run(file, '--url', 'https://www.example.com/.well-known/security.txt');
    assert.equal(moved.code, 0, 'a Canonical mismatch is a warning');
    assert.match(moved.out, /^line 2: warning rfc9116\.2\.5\.2-canonical-url — /m);
  });

  test('bytes that are not UTF-8 are reported on their line', async () => {
    const { code, out } = await run(write('latin1.txt', Buffer.from(`${clean}# Sécurité\n`, 'latin1')));
    assert.equal(code, 1);
    assert.match(out, /^line 8: error rfc9116\.4-utf8 — /m);
  });

  test('a missing file, a directory or a file over 1 MiB is a usage error (exit 2)', async () => {
    const missing = await run(path.join(dir, 'nope.txt'));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /Cannot read .*nope\.txt: no such file/);
    assert.match((await run('example.com')).err, /give its address: https:\/\/example\.com/);
    assert.equal((await run(dir)).code, 2);
    const big = await run(write('big.txt', Buffer.alloc(1024 * 1024 + 1, 0x23)));
    assert.equal(big.code, 2);
    assert.match(big.err, /larger than 1 MiB/);
  });

  test('no argument, two arguments or another scheme are usage errors', async () => {
    assert.equal((await run()).code, 2);
    assert.equal((await run('a', 'b')).code, 2);
    const ftp = await run('ftp://127.0.0.1/security.txt');
    assert.equal(ftp.code, 2);
    assert.match(ftp.err, /not an http:\/\/ or https:\/\/ address/);
  });

  test('the command is listed in the overview and has its own help', async () => {
    const out: string[] = [];
    await main(['--help'], { out: (t) => out.push(t), err: () => undefined, env: {} });
    assert.match(out.join('\n'), /securitytxt check\s+Check a security\.txt/);
    const help = await run('--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /connectable securitytxt check URL\|FILE/);
  });
});

describe('connectable securitytxt check URL', () => {
  test('an address without a path means its /.well-known/security.txt', () => {
    assert.equal(securityTxtAddress('https://example.com'), 'https://example.com/.well-known/security.txt');
    assert.equal(securityTxtAddress('https://example.com/'), 'https://example.com/.well-known/security.txt');
    assert.equal(securityTxtAddress('https://example.com/security.txt'), 'https://example.com/security.txt');
    assert.equal(securityTxtAddress('https://example.com/?x=1'), 'https://example.com/?x=1');
  });

  test('a clean file served as text/plain; charset=utf-8 passes; plain HTTP on loopback is only a warning', async () => {
    const { code, out } = await run(base);
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`^Fetched ${base}/\\.well-known/security\\.txt: HTTP 200, Content-Type text/plain; charset=utf-8, not over HTTPS\\.$`, 'm'));
    assert.match(out, /^http: warning rfc9116\.3-https — /m);
    assert.match(out, /^Verdict: pass/m);
  });

  test('the wrong Content-Type is reported and fails the check', async () => {
    const { code, out } = await run(`${base}/html/security.txt`);
    assert.equal(code, 1);
    assert.match(out, /^http: error rfc9116\.3-content-type — The file was served as "text\/html; charset=utf-8"; RFC 9116 §3 requires "text\/plain; charset=utf-8"/m);
  });

  test('a missing charset is a warning; another charset is an error', async () => {
    const none = await run(`${base}/no-charset/security.txt`);
    assert.equal(none.code, 0);
    assert.match(none.out, /^http: warning rfc9116\.3-charset — /m);
    const latin1 = await run(`${base}/latin1/security.txt`);
    assert.equal(latin1.code, 1);
    assert.match(latin1.out, /^http: error rfc9116\.3-charset — .*charset=iso-8859-1/m);
  });

  test("the file's own problems are listed with their lines, and JSON says how it was served", async () => {
    const { code, out } = await run(`${base}/broken/security.txt`, '--json');
    assert.equal(code, 1);
    const report = JSON.parse(out) as { http: { status: number; https: boolean; contentType: string; problems: Array<{ rule: string }> }; problems: Array<{ line: number; rule: string }> };
    assert.equal(report.http.status, 200);
    assert.equal(report.http.https, false);
    assert.equal(report.http.contentType, 'text/plain; charset=utf-8');
    assert.ok(report.http.problems.some((p) => p.rule === 'rfc9116.3-location'));
    assert.ok(report.problems.some((p) => p.line === 1 && p.rule === 'rfc9116.2.5.3-contact-uri'));
  });

  test('redirects are followed and shown', async () => {
    const { code, out } = await run(`${base}/security.txt`);
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`redirected ${base}/security\\.txt → ${base}/\\.well-known/security\\.txt\\.`));
  });

  test('more than 3 redirects is a usage error naming the address', async () => {
    const { code, err } = await run(`${base}/loop`);
    assert.equal(code, 2);
    assert.match(err, new RegExp(`${base}/loop redirects more than 3 times`));
  });

  test('a 404 is a finding about the site (exit 1), not a failure to check', async () => {
    const { code, out } = await run(`${base}/missing/security.txt`);
    assert.equal(code, 1);
    assert.match(out, /^http: error rfc9116\.3-http-status — .*answered HTTP 404/m);
  });

  test('an answer over 1 MiB is not read (exit 2)', async () => {
    const { code, err } = await run(`${base}/huge`);
    assert.equal(code, 2);
    assert.match(err, /sent more than 1 MiB/);
  });

  test('an unreachable address exits 2 and names the address tried', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { code, err } = await run(`http://127.0.0.1:${port}`);
    assert.equal(code, 2);
    assert.match(err, new RegExp(`Could not fetch http://127\\.0\\.0\\.1:${port}/\\.well-known/security\\.txt: ECONNREFUSED`));
  });

  test('a server that never answers is given up on at the deadline', async () => {
    const started = Date.now();
    await assert.rejects(fetchSecurityTxt(`${base}/slow`, { timeoutMs: 300, maxBytes: 1024, maxRedirects: 3 }), (e: unknown) => {
      assert.ok(e instanceof ConnectableError);
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /no complete answer within 0\.3 s/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
    assert.equal(slowRequests, 1);
  });
});
