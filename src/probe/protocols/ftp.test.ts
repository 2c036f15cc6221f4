import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { hostilePeers } from '../../../test/support/devices/hostile-cases.ts';
import { startHostileServer, startScriptedServer } from '../../../test/support/devices/silent-server.ts';
import { ensureTestUser, TEST_PASSWORD, TEST_USER, testUserUnavailable } from '../../../test/support/devices/system-user.ts';
import { startVsftpd, type RunningVsftpd } from '../../../test/support/devices/vsftpd.ts';
import { contextFor } from '../net.ts';
import { ProbeFailure, type Credential, type Detection, type Endpoint } from '../types.ts';
import { ftpProbe, parseReply } from './ftp.ts';

// This file's addresses: 127.0.2.20–127.0.2.39.
const VSFTPD_HOST = '127.0.2.20';
const ANON_HOST = '127.0.2.21';
const FAKE_HOST = '127.0.2.22';

const ctx = contextFor({ timeoutMs: 4000 });
const quick = contextFor({ timeoutMs: 800 });
const endpointOf = (server: { host: string; port: number }): Endpoint => ({ host: server.host, port: server.port, service: 'ftp' });
const cred = (username: string, password: string): Credential => ({ username, password, source: 'test' });
const spoke: Detection = { speaks: true, auth: 'required' };

describe('FTP replies', () => {
  test('a multi-line reply runs to the line that repeats its code with a space', () => {
    const parsed = parseReply('230-Welcome\r\n230-to the box\r\n230 Login successful.\r\n257 "/"\r\n');
    assert.notEqual(typeof parsed, 'string');
    if (typeof parsed === 'string') return;
    assert.equal(parsed.reply.code, 230);
    assert.equal(parsed.reply.text, '230-Welcome\n230-to the box\n230 Login successful.');
    assert.equal(parsed.length, '230-Welcome\r\n230-to the box\r\n230 Login successful.\r\n'.length);
  });

  test('a reply is incomplete until its last line has ended', () => {
    assert.equal(parseReply('22'), 'incomplete');
    assert.equal(parseReply('220 ready'), 'incomplete');
    assert.equal(parseReply('220-hello\r\n220 rea'), 'incomplete');
  });

  test('what cannot begin a reply code is not FTP', () => {
    assert.equal(parseReply('SSH-2.0-OpenSSH_9.2\r\n'), 'not-ftp');
    assert.equal(parseReply('HTTP/1.1 400'), 'not-ftp');
    assert.equal(parseReply('2x'), 'not-ftp');
  });
});

describe('FTP probe against vsftpd with local logins', { skip: testUserUnavailable() ?? false }, () => {
  let server: RunningVsftpd;
  let detection: Detection;

  before(async () => {
    await ensureTestUser();
    server = await startVsftpd({ host: VSFTPD_HOST, anonymous: false });
    detection = await ftpProbe.detect(endpointOf(server), ctx);
  });
  after(async () => {
    await server?.stop();
  });

  test('detect reads the greeting, names vsftpd and finds a login required', () => {
    assert.equal(detection.speaks, true);
    assert.equal(detection.banner, '220 (vsFTPd 3.0.3)');
    assert.equal(detection.fingerprint?.vendor, 'vsftpd');
    assert.equal(detection.fingerprint?.product, 'vsftpd 3.0.3');
    assert.equal(detection.auth, 'required');
  });

  test('the right pair succeeds, proven by PWD answering 257 with the login directory', async () => {
    const result = await ftpProbe.attempt(endpointOf(server), detection, cred(TEST_USER, TEST_PASSWORD), ctx);
    assert.equal(result.outcome, 'success', result.detail);
    assert.match(result.detail, /PASS answered "230 Login successful\."/);
    assert.ok(result.detail.includes(`257 "${server.localRoot}"`), result.detail);
  });

  test('among a list of defaults only the right pair succeeds; the rest, and the control attempt, are rejected', async () => {
    const control = cred(TEST_USER, randomBytes(12).toString('base64url'));
    const list = [cred('admin', 'admin'), cred('root', 'root'), cred(TEST_USER, 'admin'), cred(TEST_USER, TEST_PASSWORD), cred('admin', TEST_PASSWORD), control];
    const results = await Promise.all(list.map((c) => ftpProbe.attempt(endpointOf(server), detection, c, ctx)));
    const succeeded = list.filter((_, i) => results[i]?.outcome === 'success');
    assert.deepEqual(succeeded, [cred(TEST_USER, TEST_PASSWORD)]);
    for (const result of results.filter((r) => r.outcome !== 'success')) {
      assert.equal(result.outcome, 'rejected', result.detail);
      assert.match(result.detail, /530 Login incorrect/);
    }
  });

  test('only the login is proven: no data connection, no listing, nothing but USER, PASS, PWD and QUIT', async () => {
    await ftpProbe.attempt(endpointOf(server), detection, cred(TEST_USER, TEST_PASSWORD), ctx);
    const commands = [...(await server.log()).matchAll(/FTP command: Client "[^"]+", "(\w+)/g)].map((m) => m[1]);
    assert.ok(commands.length > 0, 'vsftpd logged the commands it received');
    assert.deepEqual([...new Set(commands)].sort(), ['PASS', 'PWD', 'QUIT', 'USER']);
  });
});

describe('FTP probe against vsftpd with anonymous logins', { skip: testUserUnavailable() ?? false }, () => {
  let server: RunningVsftpd;
  before(async () => {
    server = await startVsftpd({ host: ANON_HOST, anonymous: true });
  });
  after(async () => {
    await server?.stop();
  });

  test('detect reports open access, with the PWD answer as proof', async () => {
    const detection = await ftpProbe.detect(endpointOf(server), ctx);
    assert.equal(detection.auth, 'none');
    assert.match(detection.openAccessEvidence ?? '', /^anonymous login: PASS answered "230 Login successful\."; PWD answered "257 "\/" is the current directory"$/);
  });
});

describe('FTP probe against devices that misbehave', () => {
  const peers = hostilePeers(ftpProbe, FAKE_HOST, quick);

  test('a peer that accepts and never speaks fails detect with a timeout, in time', async () => {
    const { error, ms } = await peers.detect('silent');
    assert.ok(error instanceof ProbeFailure && error.kind === 'timeout', String(error));
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  test('a peer sending garbage forever is found not to speak FTP', async () => {
    const { result, ms } = await peers.detect('garbage');
    assert.equal(result?.speaks, false);
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  test('a greeting that never ends is cut off at its size limit', async () => {
    const { result, ms } = await peers.detect('endless-lines');
    assert.equal(result?.speaks, false);
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  test('a greeting dribbled a byte at a time still ends in a timeout', async () => {
    const { error, ms } = await peers.detect('drip');
    assert.ok(error instanceof ProbeFailure && error.kind === 'timeout', String(error));
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  test('a peer that closes at once fails detect as a reset', async () => {
    const { error } = await peers.detect('close');
    assert.ok(error instanceof ProbeFailure && error.kind === 'reset', String(error));
  });

  test('once it answered detect, a service that drops every connection is reported as locking us out', async () => {
    const server = await peers.start(startHostileServer(FAKE_HOST, 'close'));
    const result = await ftpProbe.attempt(endpointOf(server), spoke, cred('admin', 'admin'), quick);
    assert.equal(result.outcome, 'locked-out', result.detail);
  });

  test('230 that PWD then contradicts is no success', async () => {
    const server = await peers.start(
      startScriptedServer(FAKE_HOST, '220 liar\r\n', (line) => {
        if (line.startsWith('USER')) return '331 Password please\r\n';
        if (line.startsWith('PASS')) return '230 Sure\r\n';
        if (line === 'PWD') return '530 Please login with USER and PASS.\r\n';
        return '221 Bye\r\n';
      }),
    );
    const result = await ftpProbe.attempt(endpointOf(server), spoke, cred('admin', 'admin'), quick);
    assert.equal(result.outcome, 'rejected', result.detail);
  });

  test('230 with PWD unanswerable and no other proof is no success either', async () => {
    const server = await peers.start(
      startScriptedServer(FAKE_HOST, '220 odd\r\n', (line) => {
        if (line.startsWith('USER')) return '230 Come in\r\n';
        if (line === 'PWD' || line.startsWith('CWD')) return '502 Not implemented\r\n';
        return '221 Bye\r\n';
      }),
    );
    const result = await ftpProbe.attempt(endpointOf(server), spoke, cred('admin', 'admin'), quick);
    assert.equal(result.outcome, 'error', result.detail);
  });

  test('421 "too many" and a 530 saying the account is locked are lock-outs, not rejections', async () => {
    const tooMany = await peers.start(startScriptedServer(FAKE_HOST, '421 Too many login failures from your address, try later\r\n', () => undefined));
    const locked = await peers.start(
      startScriptedServer(FAKE_HOST, '220 ready\r\n', (line) =>
        line.startsWith('USER') ? '331 Password please\r\n' : line.startsWith('PASS') ? '530 User account locked after 5 failures\r\n' : undefined,
      ),
    );
    for (const server of [tooMany, locked]) {
      const result = await ftpProbe.attempt(endpointOf(server), spoke, cred('admin', 'admin'), quick);
      assert.equal(result.outcome, 'locked-out', result.detail);
    }
  });

  test('a server that wants TLS before any login has not judged the password: no rejection', async () => {
    const server = await peers.start(
      startScriptedServer(FAKE_HOST, '220 ready\r\n', (line) =>
        line.startsWith('USER') ? '530 Non-anonymous sessions must use encryption.\r\n' : undefined,
      ),
    );
    const result = await ftpProbe.attempt(endpointOf(server), spoke, cred('admin', 'admin'), quick);
    assert.equal(result.outcome, 'error', result.detail);
    assert.match(result.detail, /wants TLS/);
  });

  test('a credential carrying a line break is never sent', async () => {
    const server = await peers.start(startScriptedServer(FAKE_HOST, '220 ready\r\n', () => '331 Password please\r\n'));
    const result = await ftpProbe.attempt(endpointOf(server), spoke, cred('admin', 'x\r\nDELE important'), quick);
    assert.equal(result.outcome, 'error');
    assert.equal(server.connections, 0);
  });

  test('a host outside the targets is never connected to', async () => {
    const server = await peers.start(startScriptedServer(FAKE_HOST, '220 ready\r\n', () => '230 ok\r\n'));
    const scoped = contextFor({ hosts: ['127.0.2.39'] });
    await assert.rejects(ftpProbe.detect(endpointOf(server), scoped), (e: unknown) => e instanceof ProbeFailure && e.kind === 'out-of-scope');
    await assert.rejects(ftpProbe.attempt(endpointOf(server), spoke, cred('admin', 'admin'), scoped), (e: unknown) => e instanceof ProbeFailure && e.kind === 'out-of-scope');
    assert.equal(server.connections, 0);
  });
});
