import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import { freePort } from '../../../test/support/devices/ports.ts';
import { hostilePeers } from '../../../test/support/devices/hostile-cases.ts';
import { startHostileServer } from '../../../test/support/devices/silent-server.ts';
import { startSshd, type RunningSshd } from '../../../test/support/devices/sshd.ts';
import { ensureTestUser, TEST_PASSWORD, TEST_USER, testUserUnavailable } from '../../../test/support/devices/system-user.ts';
import { contextFor } from '../net.ts';
import { ProbeFailure, type Credential, type Detection, type Endpoint } from '../types.ts';
import { PROOF_ANSWER, PROOF_COMMAND, sshProbe, type SshState } from './ssh.ts';

// This file's addresses: 127.0.2.1–127.0.2.19.
const PASSWORD_HOST = '127.0.2.1';
const KEYBOARD_HOST = '127.0.2.2';
const CAPPED_HOST = '127.0.2.3';
const FAKE_HOST = '127.0.2.4';
const HOSTILE_HOST = '127.0.2.5';

const ctx = contextFor({ timeoutMs: 4000 });
const quick = contextFor({ timeoutMs: 800 });
const endpointOf = (server: { host: string; port: number }): Endpoint => ({ host: server.host, port: server.port, service: 'ssh' });
const cred = (username: string, password: string): Credential => ({ username, password, source: 'test' });
/** The scheduler's control attempt: the right user with a password nobody could have set. */
const control = (): Credential => cred(TEST_USER, randomBytes(12).toString('base64url'));
const root = testUserUnavailable();

const accepted = (log: string): number => log.split('\n').filter((line) => line.startsWith('Accepted ')).length;

describe('SSH probe against OpenSSH with password logins', { skip: root ?? false }, () => {
  let sshd: RunningSshd;
  let detection: Detection;
  before(async () => {
    await ensureTestUser();
    sshd = await startSshd({ host: PASSWORD_HOST, method: 'password' });
    detection = await sshProbe.detect(endpointOf(sshd), ctx);
  });
  after(async () => {
    await sshd?.stop();
  });

  test('detect names the server, its host key as ssh-keygen prints it, and the methods it offers', () => {
    assert.equal(detection.speaks, true);
    assert.match(detection.banner ?? '', /^SSH-2\.0-OpenSSH_9\.\dp\d /);
    assert.ok(detection.banner?.includes(`host key ${sshd.hostKeyType} ${sshd.hostKeyFingerprint}`), detection.banner);
    assert.equal(detection.fingerprint?.vendor, 'OpenSSH');
    assert.equal(detection.auth, 'required');
    const state = detection.state as SshState;
    assert.deepEqual(state.hostKey, { type: 'ssh-ed25519', sha256: sshd.hostKeyFingerprint });
    assert.deepEqual(state.methods, ['publickey', 'password']);
  });

  test('the right pair succeeds, proven by exec running the proof command', async () => {
    const result = await sshProbe.attempt(endpointOf(sshd), detection, cred(TEST_USER, TEST_PASSWORD), ctx);
    assert.equal(result.outcome, 'success', result.detail);
    assert.match(result.detail, /password method/);
    assert.ok(result.detail.includes(`(exec-command): exec ran "${PROOF_COMMAND}", which answered ${PROOF_ANSWER}`), result.detail);
  });

  test('among a list of defaults only the right pair succeeds; the rest are rejected', async () => {
    const list = [cred('admin', 'admin'), cred('root', 'root'), cred(TEST_USER, 'admin'), cred(TEST_USER, TEST_PASSWORD), cred('root', TEST_PASSWORD), cred(TEST_USER, '')];
    const results = await Promise.all(list.map((c) => sshProbe.attempt(endpointOf(sshd), detection, c, ctx)));
    const succeeded = list.filter((_, i) => results[i]?.outcome === 'success');
    assert.deepEqual(succeeded, [cred(TEST_USER, TEST_PASSWORD)]);
    for (const result of results.filter((r) => r.outcome !== 'success')) {
      assert.equal(result.outcome, 'rejected', result.detail);
      assert.match(result.detail, /^password refused for "/);
    }
  });

  test('the control attempt, a password nobody set, is rejected and sshd let nobody in for it', async () => {
    const before = accepted(sshd.log());
    const result = await sshProbe.attempt(endpointOf(sshd), detection, control(), ctx);
    assert.equal(result.outcome, 'rejected', result.detail);
    assert.equal(accepted(sshd.log()), before);
  });
});

describe('SSH probe against OpenSSH offering keyboard-interactive only', { skip: root ?? false }, () => {
  let sshd: RunningSshd;
  let detection: Detection;
  before(async () => {
    await ensureTestUser();
    sshd = await startSshd({ host: KEYBOARD_HOST, method: 'keyboard-interactive' });
    detection = await sshProbe.detect(endpointOf(sshd), ctx);
  });
  after(async () => {
    await sshd?.stop();
  });

  test('detect sees keyboard-interactive and no password method', () => {
    assert.deepEqual((detection.state as SshState).methods, ['publickey', 'keyboard-interactive']);
  });

  test('the right pair succeeds by answering the PAM prompt with the password', async () => {
    const result = await sshProbe.attempt(endpointOf(sshd), detection, cred(TEST_USER, TEST_PASSWORD), ctx);
    assert.equal(result.outcome, 'success', result.detail);
    assert.match(result.detail, /keyboard-interactive method\); proof \(exec-command\)/);
  });

  test('a wrong password and the control attempt are rejected', async () => {
    const results = await Promise.all([
      sshProbe.attempt(endpointOf(sshd), detection, cred(TEST_USER, 'admin'), ctx),
      sshProbe.attempt(endpointOf(sshd), detection, control(), ctx),
    ]);
    for (const result of results) assert.equal(result.outcome, 'rejected', result.detail);
  });
});

describe('SSH probe against OpenSSH allowing one failure per connection', { skip: root ?? false }, () => {
  let sshd: RunningSshd;
  let detection: Detection;
  before(async () => {
    await ensureTestUser();
    sshd = await startSshd({ host: CAPPED_HOST, method: 'password', maxAuthTries: 1 });
    detection = await sshProbe.detect(endpointOf(sshd), ctx);
  });
  after(async () => {
    await sshd?.stop();
  });

  test('"Too many authentication failures" after our password is a rejection, not a lock-out', async () => {
    const result = await sshProbe.attempt(endpointOf(sshd), detection, cred(TEST_USER, 'admin'), ctx);
    assert.equal(result.outcome, 'rejected', result.detail);
    assert.match(result.detail, /Too many authentication failures/);
  });

  test('and the right pair still gets in', async () => {
    const result = await sshProbe.attempt(endpointOf(sshd), detection, cred(TEST_USER, TEST_PASSWORD), ctx);
    assert.equal(result.outcome, 'success', result.detail);
  });
});

interface FakeDevice {
  host: string;
  port: number;
  readonly connections: number;
  stop(): Promise<void>;
}

interface FakeDeviceOptions {
  /** After "SSH-2.0-". */
  ident?: string;
  /** Sent as the user-auth banner. */
  banner?: string;
  /** Which passwords get in; 'none' lets anyone in without one. */
  accepts: (username: string, password: string) => boolean;
  acceptsNone?: boolean;
  /** 'sh': answers the proof command as a POSIX shell would; 'refuse': no exec. */
  exec: 'sh' | 'refuse';
  /** 'cli': a router CLI that echoes and evaluates nothing; 'login': asks for a login again. */
  shell: 'cli' | 'login' | 'refuse';
  /** keyboard-interactive instructions from the second connection on (the first is detect). */
  lockNotice?: string;
}

/** An SSH device played by ssh2's server: the cases real OpenSSH cannot be made to show. */
async function startFakeDevice(options: FakeDeviceOptions): Promise<FakeDevice> {
  // Node's own key generator: ssh2's generateKeyPairSync('ed25519') now and then writes a key
  // its own parser then calls malformed.
  const hostKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'sec1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  const connections = new Set<Connection>();
  let count = 0;
  const server = new ssh2.Server({ hostKeys: [hostKey], ...(options.ident ? { ident: options.ident } : {}), ...(options.banner ? { banner: options.banner } : {}) }, (client) => {
    count++;
    const number = count;
    connections.add(client);
    client.on('close', () => connections.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (auth) => {
      if (auth.method === 'none' && options.acceptsNone) auth.accept();
      else if (auth.method === 'password' && !options.lockNotice) {
        if (options.accepts(auth.username, auth.password)) auth.accept();
        else auth.reject(['password']);
      } else if (auth.method === 'keyboard-interactive' && options.lockNotice) {
        const instructions = number > 1 ? options.lockNotice : '';
        auth.prompt([{ prompt: 'Password: ', echo: false }], 'Login', instructions, () => auth.reject(['keyboard-interactive']));
      } else auth.reject([options.lockNotice ? 'keyboard-interactive' : 'password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (ok) => ok?.());
        session.on('exec', (ok, refuse, info) => {
          if (options.exec === 'refuse') return refuse?.();
          const stream = ok();
          if (info.command === PROOF_COMMAND) stream.write(`${PROOF_ANSWER}\n`);
          stream.exit(0);
          stream.end();
        });
        session.on('shell', (ok, refuse) => {
          if (options.shell === 'refuse') return refuse?.();
          const stream: ServerChannel = ok();
          if (options.shell === 'cli') {
            stream.write('\r\n  MikroTik RouterOS 6.49.10 (c) 1999-2023\r\n\r\n[admin@MikroTik] > ');
            stream.on('data', (data: Buffer) => stream.write(data));
          } else {
            stream.write('\r\nlogin: ');
            stream.on('data', () => stream.write('\r\nPassword: '));
          }
        });
      });
    });
  });
  const port = await freePort(FAKE_HOST);
  await new Promise<void>((resolve) => server.listen(port, FAKE_HOST, resolve));
  return {
    host: FAKE_HOST,
    port,
    get connections() {
      return count;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of connections) client.end();
        server.close(() => resolve());
      }),
  };
}

describe('SSH probe against devices that are not OpenSSH', () => {
  const devices: FakeDevice[] = [];
  const start = async (options: FakeDeviceOptions): Promise<FakeDevice> => {
    const device = await startFakeDevice(options);
    devices.push(device);
    return device;
  };
  after(async () => {
    await Promise.all(devices.map((d) => d.stop()));
  });

  test('a router that refuses exec: its shell opening is the proof, the wrong password is rejected, its standing notice is no lock-out', async () => {
    const router = await start({
      ident: 'ROSSSH',
      banner: 'Unauthorised access will be blocked and logged.',
      accepts: (user, password) => user === 'admin' && password === 'admin',
      exec: 'refuse',
      shell: 'cli',
    });
    const detection = await sshProbe.detect(endpointOf(router), quick);
    assert.equal(detection.fingerprint?.vendor, 'MikroTik');
    assert.match(detection.banner ?? '', /notice "Unauthorised access will be blocked and logged\."/);
    const right = await sshProbe.attempt(endpointOf(router), detection, cred('admin', 'admin'), quick);
    assert.equal(right.outcome, 'success', right.detail);
    assert.match(right.detail, /proof \(shell-channel\): exec refused .*a shell opened and stayed open, printing ".*\[admin@MikroTik\] >/);
    const wrong = await sshProbe.attempt(endpointOf(router), detection, cred('admin', 'wrong'), quick);
    assert.equal(wrong.outcome, 'rejected', wrong.detail);
  });

  test('a device that takes any password, then asks for a login inside the session, is no success', async () => {
    const device = await start({ accepts: () => true, exec: 'refuse', shell: 'login' });
    const detection = await sshProbe.detect(endpointOf(device), quick);
    for (const credential of [cred('admin', 'admin'), control()]) {
      const result = await sshProbe.attempt(endpointOf(device), detection, credential, quick);
      assert.equal(result.outcome, 'error', result.detail);
      assert.match(result.detail, /asks for a login of its own/);
    }
  });

  test('a login that opens no session channel at all is no success', async () => {
    const device = await start({ accepts: () => true, exec: 'refuse', shell: 'refuse' });
    const detection = await sshProbe.detect(endpointOf(device), quick);
    const result = await sshProbe.attempt(endpointOf(device), detection, cred('admin', 'admin'), quick);
    assert.equal(result.outcome, 'error', result.detail);
    assert.match(result.detail, /no session opened/);
  });

  test('a device that lets root in with no password at all is reported as open, with the command as proof', async () => {
    const device = await start({ ident: 'dropbear_2019.78', accepts: () => false, acceptsNone: true, exec: 'sh', shell: 'refuse' });
    const detection = await sshProbe.detect(endpointOf(device), quick);
    assert.equal(detection.auth, 'none');
    assert.equal(detection.fingerprint?.vendor, 'Dropbear');
    assert.equal(detection.fingerprint?.product, 'embedded Linux dropbear 2019.78');
    assert.match(detection.openAccessEvidence ?? '', /^user "root" was let in with no password .* answered CNT42X$/);
  });

  test('a device that starts telling us the account is locked is reported as locking us out', async () => {
    const device = await start({ accepts: () => false, exec: 'refuse', shell: 'refuse', lockNotice: 'Account locked after 3 failed logins; try again in 10 minutes.' });
    const detection = await sshProbe.detect(endpointOf(device), quick);
    assert.equal(detection.auth, 'required');
    const result = await sshProbe.attempt(endpointOf(device), detection, cred('admin', 'admin'), quick);
    assert.equal(result.outcome, 'locked-out', result.detail);
    assert.match(result.detail, /Account locked after 3 failed logins/);
  });
});

describe('SSH probe against peers that misbehave', () => {
  const peers = hostilePeers(sshProbe, HOSTILE_HOST, quick);

  test('a peer that accepts and never speaks fails detect with a timeout, in time', async () => {
    const { error, ms } = await peers.detect('silent');
    assert.ok(error instanceof ProbeFailure && error.kind === 'timeout', String(error));
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  test('a peer sending garbage forever is found not to speak SSH', async () => {
    const { result, error, ms } = await peers.detect('garbage');
    assert.equal(result?.speaks, false, String(error));
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  test('endless lines before an identification that never comes are cut off', async () => {
    const { result, error, ms } = await peers.detect('endless-lines');
    assert.equal(result?.speaks, false, String(error));
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  test('an identification dribbled a byte at a time ends in a timeout at the overall bound', async () => {
    const { error, ms } = await peers.detect('drip', 'SSH-2.0-OpenSSH_1.0 slowly\r\n');
    assert.ok(error instanceof ProbeFailure && error.kind === 'timeout', String(error));
    assert.ok(ms < 4 * 800 + 1000, `took ${ms} ms`);
  });

  test('a peer that closes at once fails detect as a reset', async () => {
    const { error } = await peers.detect('close');
    assert.ok(error instanceof ProbeFailure && error.kind === 'reset', String(error));
  });

  test('once it answered detect, a service that drops every connection is reported as locking us out', async () => {
    const server = await peers.start(startHostileServer(HOSTILE_HOST, 'close'));
    const spoke: Detection = { speaks: true, auth: 'required' };
    const result = await sshProbe.attempt(endpointOf(server), spoke, cred('admin', 'admin'), quick);
    assert.equal(result.outcome, 'locked-out', result.detail);
  });

  test('a host outside the targets is never connected to', async () => {
    const server = await peers.start(startHostileServer(HOSTILE_HOST, 'silent'));
    const scoped = contextFor({ hosts: ['127.0.2.19'] });
    const spoke: Detection = { speaks: true, auth: 'required' };
    await assert.rejects(sshProbe.detect(endpointOf(server), scoped), (e: unknown) => e instanceof ProbeFailure && e.kind === 'out-of-scope');
    await assert.rejects(sshProbe.attempt(endpointOf(server), spoke, cred('admin', 'admin'), scoped), (e: unknown) => e instanceof ProbeFailure && e.kind === 'out-of-scope');
    assert.equal(server.connections, 0);
  });
});
