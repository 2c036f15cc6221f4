import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startTelnetDevice, type TelnetDevice, type TelnetDeviceOptions } from '../../../test/support/devices/telnet-device.ts';
import { freePort, listenOnFreePort } from '../../../test/support/devices/ports.ts';
import { inTempDir, startServerProcess } from '../../../test/support/devices/process.ts';
import { contextFor } from '../net.ts';
import { ProbeFailure, type AttemptResult, type Credential, type Detection, type Endpoint } from '../types.ts';
import { matchTelnetFingerprint } from './telnet-fingerprints.ts';
import { telnetProbe, type TelnetState } from './telnet.ts';

const SIM_HOST = '127.0.1.21';
const BUSYBOX_HOST = '127.0.1.22';
const ctx = contextFor({ timeoutMs: 800 });
// For devices that make the probe wait out a step: the bound is what is tested, not its size.
const quick = contextFor({ timeoutMs: 500 });

function cred(username: string, password: string): Credential {
  return { username, password, source: 'test' };
}

function endpointOf(device: { host: string; port: number }): Endpoint {
  return { host: device.host, port: device.port, service: 'telnet' };
}

async function withDevice(options: Omit<TelnetDeviceOptions, 'host'>, run: (device: TelnetDevice, endpoint: Endpoint) => Promise<void>): Promise<void> {
  const device = await startTelnetDevice({ host: SIM_HOST, ...options });
  try {
    await run(device, endpointOf(device));
  } finally {
    await device.close();
  }
}

async function tryPair(endpoint: Endpoint, username: string, password: string, detection?: Detection): Promise<AttemptResult> {
  return telnetProbe.attempt(endpoint, detection ?? (await telnetProbe.detect(endpoint, ctx)), cred(username, password), ctx);
}

/** Runs `step`, which must fail with a ProbeFailure of one of `kinds`, within `withinMs`. */
async function failsWithin(step: () => Promise<unknown>, kinds: readonly string[], withinMs: number): Promise<ProbeFailure> {
  const started = Date.now();
  const error = await step().then(
    (value) => assert.fail(`expected a ProbeFailure, got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ProbeFailure, `only ProbeFailure is thrown, got ${String(error)}`);
  assert.ok(kinds.includes(error.kind), `kind ${error.kind}: ${error.message}`);
  assert.ok(Date.now() - started < withinMs, `ended after ${Date.now() - started} ms`);
  return error;
}

// --- Simulated devices ----------------------------------------------------------------------------

test('a BusyBox-style device: detected as needing a login, the right pair proven by shell arithmetic, a wrong one rejected', async () => {
  await withDevice({ banner: 'BusyBox v1.31.1 (2020-03-05) built-in shell\n', accept: { username: 'root', password: 'xc3511' } }, async (device, endpoint) => {
    const detection = await telnetProbe.detect(endpoint, ctx);
    assert.equal(detection.speaks, true);
    assert.equal(detection.auth, 'required');
    assert.equal(detection.fingerprint?.vendor, 'BusyBox');
    assert.equal((detection.state as TelnetState).login, 'user-and-password');

    const right = await telnetProbe.attempt(endpoint, detection, cred('root', 'xc3511'), ctx);
    assert.equal(right.outcome, 'success', right.detail);
    assert.match(right.detail, /answered "echo CNT\$\(\(\d+\+\d+\)\)X" with "CNT\d+X"/);

    const wrong = await telnetProbe.attempt(endpoint, detection, cred('root', 'wrong'), ctx);
    assert.deepEqual(wrong.outcome, 'rejected');
    assert.match(wrong.detail, /Login incorrect/);
    assert.equal(device.stats.logins, 1);
  });
});

test('a banner full of #, > and $ arriving in pieces is never taken for a prompt (hydra #838/#1078)', async () => {
  const banner = [
    '#####################################\n# Authorized access only #\n',
    '> Router configuration portal <\nCost: $0.00 $\nrouter#',
    ' ready >',
    '\n$ ',
  ];
  await withDevice({ banner, accept: { username: 'admin', password: 'admin' } }, async (device, endpoint) => {
    const detection = await telnetProbe.detect(endpoint, ctx);
    assert.equal(detection.auth, 'required');
    assert.match(detection.banner ?? '', /Authorized access only/);
    assert.deepEqual(device.stats.linesReceived, [], 'detect typed nothing at the banner');

    assert.equal((await tryPair(endpoint, 'admin', 'nimda', detection)).outcome, 'rejected');
    assert.equal((await tryPair(endpoint, 'admin', 'admin', detection)).outcome, 'success');
    assert.deepEqual(device.stats.linesReceived.slice(0, 2), ['admin', 'nimda'], 'the first words typed were the credential');
  });
});

test('a banner line ending in # that pauses before the login prompt still leads to the login', async () => {
  await withDevice({ banner: ['Welcome\nrouter#'], pieceDelayMs: 300, accept: { username: 'admin', password: 'admin' } }, async (_device, endpoint) => {
    const detection = await telnetProbe.detect(endpoint, ctx);
    assert.equal(detection.auth, 'required');
    assert.equal(detection.openAccessEvidence, undefined);
    assert.equal((await telnetProbe.attempt(endpoint, detection, cred('admin', 'admin'), ctx)).outcome, 'success');
    assert.equal((await telnetProbe.attempt(endpoint, detection, cred('admin', 'root'), ctx)).outcome, 'rejected');
  });
});

test('option negotiation: ECHO and SUPPRESS-GO-AHEAD accepted from the server, all else refused; IAC IAC is a data byte', async () => {
  // IAC IAC right before the prompt: read as a command, it would swallow the "l" of "login".
  await withDevice({ rawPrefix: Buffer.from([0xff, 0xff]), accept: { username: 'admin', password: 'admin' } }, async (device, endpoint) => {
    const detection = await telnetProbe.detect(endpoint, ctx);
    assert.equal(detection.auth, 'required');
    // The device asked: DO ECHO, DO NAWS, WILL ECHO, WILL SGA, DO TTYPE (and sent a TTYPE subnegotiation).
    assert.deepEqual(device.stats.negotiation, ['WONT 1', 'WONT 31', 'DO 1', 'DO 3', 'WONT 24']);
  });
});

test('a password-only device (Moxa NPort style) is fingerprinted and its password proven', async () => {
  const banner = 'Model name       : NPort 5110\nMAC address      : 00:90:E8:00:00:01\nFirmware version : 2.10\n\n';
  await withDevice(
    { banner, loginPrompt: null, passwordPrompt: 'Please keyin your password : ', accept: { username: '', password: 'moxa' } },
    async (_device, endpoint) => {
      const detection = await telnetProbe.detect(endpoint, ctx);
      assert.equal(detection.auth, 'required');
      assert.equal((detection.state as TelnetState).login, 'password-only');
      assert.deepEqual(detection.fingerprint?.vendor, 'Moxa');
      assert.equal(detection.fingerprint?.product, 'NPort NPort 5110');

      const right = await telnetProbe.attempt(endpoint, detection, cred('', 'moxa'), ctx);
      assert.equal(right.outcome, 'success', right.detail);
      const named = await telnetProbe.attempt(endpoint, detection, cred('admin', 'moxa'), ctx);
      assert.equal(named.outcome, 'success');
      assert.match(named.detail, /only a password was asked/);
      assert.equal((await telnetProbe.attempt(endpoint, detection, cred('', 'root'), ctx)).outcome, 'rejected');
    },
  );
});

test('a vendor CLI that is no shell counts only when it answers a command and its prompt repeats (Huawei VRP style)', async () => {
  await withDevice(
    {
      banner: 'Huawei Versatile Routing Platform\n',
      loginPrompt: 'Username:',
      passwordPrompt: 'Password:',
      accept: { username: 'admin', password: 'admin@huawei.com' },
      failureText: 'Error: Username or password error.',
      afterLogin: 'cli',
      motd: 'Info: The max number of VTY users is 5.\n',
      prompt: '<Huawei>',
    },
    async (_device, endpoint) => {
      const detection = await telnetProbe.detect(endpoint, ctx);
      assert.equal(detection.fingerprint?.vendor, 'Huawei');
      const right = await telnetProbe.attempt(endpoint, detection, cred('admin', 'admin@huawei.com'), ctx);
      assert.equal(right.outcome, 'success', right.detail);
      assert.match(right.detail, /command-line interface \(not a POSIX shell\) at prompt "<Huawei>" answered .* "Error: Unrecognized command/);
      assert.match(right.detail, /prompt without trailing space/);
      const wrong = await telnetProbe.attempt(endpoint, detection, cred('admin', 'admin'), ctx);
      assert.equal(wrong.outcome, 'rejected');
      assert.match(wrong.detail, /Username or password error/);
    },
  );
});

test('failure words after the password: a shell still proves the login, a CLI does not, our own echo never counts', async () => {
  const motd = 'Last failed login: Mon Jan 1 00:00 from 10.0.0.2\nWarning: NTP sync failed\n';
  await withDevice({ motd, accept: { username: 'root', password: 'denied' }, echoPassword: true }, async (_device, endpoint) => {
    const result = await tryPair(endpoint, 'root', 'denied');
    assert.equal(result.outcome, 'success', result.detail);
    assert.match(result.detail, /proven although the device also printed "Warning: NTP sync failed"/);
  });
  await withDevice({ accept: 'any', motd: 'Access denied\n', afterLogin: 'cli', prompt: '> ' }, async (_device, endpoint) => {
    const result = await tryPair(endpoint, 'admin', 'admin');
    assert.equal(result.outcome, 'rejected', result.detail);
    assert.match(result.detail, /Access denied/);
  });
});

test('a shell without arithmetic is proven by quote removal instead', async () => {
  await withDevice({ noArithmetic: true, accept: { username: 'root', password: 'vizxv' } }, async (_device, endpoint) => {
    const result = await tryPair(endpoint, 'root', 'vizxv');
    assert.equal(result.outcome, 'success', result.detail);
    assert.match(result.detail, /answered "echo QR'S'T\d+" with "QRST\d+" \(quote removal\)/);
  });
});

test('a device that takes any password but gives no shell is never a success (medusa #33)', async () => {
  await withDevice({ accept: 'any', afterLogin: 'echo-prompt', motd: 'HP JetDirect\n', prompt: '> ' }, async (device, endpoint) => {
    for (const password of ['0P3N', 'anything']) {
      const result = await tryPair(endpoint, '–', password);
      assert.notEqual(result.outcome, 'success', result.detail);
      assert.equal(result.outcome, 'error');
      assert.match(result.detail, /nothing but our own line/);
    }
    assert.ok(device.stats.logins >= 2);
  });
});

test('a device that says nothing for long after the password is a timeout, not a success', async () => {
  await withDevice({ accept: { username: 'admin', password: 'admin' }, failureDelayMs: 3000 }, async (_device, endpoint) => {
    const started = Date.now();
    const result = await telnetProbe.attempt(endpoint, { speaks: true, auth: 'required' }, cred('admin', 'guess'), quick);
    assert.equal(result.outcome, 'timeout');
    assert.ok(Date.now() - started < 4 * quick.timeoutMs);
  });
});

test('a device that hangs up after the password without a shell has rejected the pair', async () => {
  await withDevice({ accept: 'any', afterLogin: 'close', motd: '# Goodbye >\n' }, async (_device, endpoint) => {
    const result = await tryPair(endpoint, 'admin', 'admin');
    assert.equal(result.outcome, 'rejected');
    assert.match(result.detail, /closed the connection after the password/);
  });
});

test('lock-out texts end in locked-out, on the failing attempt and on the next connection', async () => {
  await withDevice({ accept: { username: 'admin', password: '1234' }, lockAfter: 2, triesPerConnection: 1 }, async (_device, endpoint) => {
    const detection = await telnetProbe.detect(endpoint, ctx);
    assert.equal((await telnetProbe.attempt(endpoint, detection, cred('admin', 'a'), ctx)).outcome, 'rejected');
    const second = await telnetProbe.attempt(endpoint, detection, cred('admin', 'b'), ctx);
    assert.equal(second.outcome, 'locked-out');
    assert.match(second.detail, /Too many failed login attempts/);
    const third = await telnetProbe.attempt(endpoint, detection, cred('admin', '1234'), ctx);
    assert.equal(third.outcome, 'locked-out', 'a locked device is not a success even for the right pair');
  });
});

test('device quirks: CR NUL line ends, prompts without a space, an echoed password with # and > in it', async () => {
  await withDevice(
    { lineEnd: '\r\0', banner: 'IPCamera\n', loginPrompt: '(none) login:', passwordPrompt: 'Password:', echoPassword: true, accept: { username: 'root', password: 'pa#ss>' } },
    async (_device, endpoint) => {
      const detection = await telnetProbe.detect(endpoint, ctx);
      assert.equal(detection.fingerprint?.vendor, 'generic embedded Linux');
      const quirks = (detection.state as TelnetState).quirks;
      assert.ok(quirks.includes('CR NUL line ends'), quirks.join());
      assert.ok(quirks.includes('prompt without trailing space'), quirks.join());

      const right = await telnetProbe.attempt(endpoint, detection, cred('root', 'pa#ss>'), ctx);
      assert.equal(right.outcome, 'success', right.detail);
      assert.match(right.detail, /echoes the password as typed/);
      const wrong = await telnetProbe.attempt(endpoint, detection, cred('root', 'x#>'), ctx);
      assert.equal(wrong.outcome, 'rejected', wrong.detail);
    },
  );
});

test('a device reading CR LF as two line ends is spoken to with CR NUL, and detection keeps it for later attempts', async () => {
  await withDevice({ crlfAsTwoLines: true, accept: { username: 'admin', password: 'Zte521' } }, async (device, endpoint) => {
    const detection = await telnetProbe.detect(endpoint, ctx);
    const right = await telnetProbe.attempt(endpoint, detection, cred('admin', 'Zte521'), ctx);
    assert.equal(right.outcome, 'success', right.detail);
    assert.match(right.detail, /reads CR LF as two line ends/);
    assert.equal((detection.state as TelnetState).lineEnd, '\r\0');
    const failuresBefore = device.stats.failures;
    assert.equal((await telnetProbe.attempt(endpoint, detection, cred('admin', 'bad'), ctx)).outcome, 'rejected');
    assert.equal(device.stats.failures, failuresBefore + 1, 'one failure per wrong pair once the line end is known');
  });
});

test('an open shell is reported as auth none only with proof; a prompt that merely echoes is not', async () => {
  await withDevice({ openShell: true, prompt: '~ # ' }, async (_device, endpoint) => {
    const detection = await telnetProbe.detect(endpoint, ctx);
    assert.equal(detection.auth, 'none');
    assert.match(detection.openAccessEvidence ?? '', /no credentials asked: the shell at prompt "~ #" answered/);
  });
  await withDevice({ openShell: true, afterLogin: 'echo-prompt', prompt: '# ' }, async (_device, endpoint) => {
    const detection = await telnetProbe.detect(endpoint, ctx);
    assert.notEqual(detection.auth, 'none');
    assert.equal(detection.openAccessEvidence, undefined);
  });
});

test('hostile devices end in a bounded ProbeFailure or a non-success outcome', async () => {
  await withDevice({ behaviour: 'hang' }, async (_device, endpoint) => {
    await failsWithin(() => telnetProbe.detect(endpoint, quick), ['timeout'], 2 * quick.timeoutMs);
    const started = Date.now();
    const result = await telnetProbe.attempt(endpoint, { speaks: true, auth: 'required' }, cred('admin', 'admin'), quick);
    assert.equal(result.outcome, 'timeout');
    assert.ok(Date.now() - started < 2 * quick.timeoutMs);
  });
  await withDevice({ behaviour: 'garbage' }, async (_device, endpoint) => {
    await failsWithin(() => telnetProbe.detect(endpoint, ctx), ['protocol'], 2 * ctx.timeoutMs);
    await failsWithin(() => tryPair(endpoint, 'admin', 'admin', { speaks: true, auth: 'required' }), ['protocol'], 2 * ctx.timeoutMs);
  });
  await withDevice({ behaviour: 'iac-flood' }, async (_device, endpoint) => {
    const error = await failsWithin(() => telnetProbe.detect(endpoint, ctx), ['protocol'], 2 * ctx.timeoutMs);
    assert.match(error.message, /KiB without a usable prompt/);
  });
  await withDevice({ behaviour: 'echo-all' }, async (_device, endpoint) => {
    const result = await telnetProbe.attempt(endpoint, { speaks: true, auth: 'required' }, cred('admin', 'admin# >'), quick);
    assert.notEqual(result.outcome, 'success', result.detail);
  });
});

test('only the given endpoint is contacted, and other services are not taken for telnet', async () => {
  const outside = contextFor({ timeoutMs: 1000, hosts: ['127.0.1.99'] });
  await failsWithin(() => telnetProbe.detect({ host: SIM_HOST, port: 23, service: 'telnet' }, outside), ['out-of-scope'], 500);

  const ssh = await listenOnFreePort(
    net.createServer((socket) => socket.end('SSH-2.0-dropbear_2019.78\r\n')),
    SIM_HOST,
  );
  try {
    const detection = await telnetProbe.detect({ host: SIM_HOST, port: ssh.port, service: 'telnet' }, ctx);
    assert.equal(detection.speaks, false);
    assert.match(detection.banner ?? '', /^SSH-2\.0-dropbear/);
  } finally {
    await ssh.stop();
  }
});

test('the fingerprint table names the vendors of well-known banners', () => {
  const cases: [string, string, string | undefined][] = [
    ['MikroTik v6.49.7 (stable)\nLogin: ', 'MikroTik', 'RouterOS 6.49.7'],
    ['ZXHN F660\nLogin:', 'ZTE', 'ZXHN F660'],
    ['Welcome Visiting Huawei Home Gateway\nCopyright by Huawei Technologies Co., Ltd.\nLogin:', 'Huawei', undefined],
    ['hi3518 login: ', 'HiSilicon-based DVR/camera', 'hi3518'],
    ['\nUser Access Verification\n\nUsername: ', 'Cisco', 'IOS'],
    ['BUFFALO TeraStation\nlogin: ', 'Buffalo', 'TeraStation'],
    ['Welcome to EdgeOS\nubnt login: ', 'Ubiquiti', 'EdgeOS'],
  ];
  for (const [banner, vendor, product] of cases) {
    const found = matchTelnetFingerprint(banner);
    assert.equal(found?.vendor, vendor, banner);
    assert.equal(found?.product, product, banner);
  }
  assert.equal(matchTelnetFingerprint('login: '), undefined);
});

// --- Real BusyBox telnetd ---------------------------------------------------------------------------

const asRoot = process.getuid?.() === 0;
const noRoot = asRoot ? false : 'BusyBox telnetd needs root to allocate its ptys; run as root (CI does)';

// A login program for telnetd's -l: prompts like login(1), three tries, then BusyBox's own shell.
const loginScript = `#!/bin/sh
tries=0
while [ "$tries" -lt 3 ]; do
  printf 'login: '
  IFS= read -r user || exit 1
  printf 'Password: '
  stty -echo 2>/dev/null
  IFS= read -r pass || exit 1
  stty echo 2>/dev/null
  printf '\\n'
  if [ "$user" = admin ] && [ "$pass" = Zte521 ]; then
    PS1='# ' exec busybox sh -i
  fi
  sleep 0.2
  echo 'Login incorrect'
  tries=$((tries + 1))
done
exit 1
`;

async function withBusyBox(program: string, issue: string, run: (endpoint: Endpoint) => Promise<void>): Promise<void> {
  const telnetd = await inTempDir('telnet-probe-', async (dir) => {
    const issueFile = path.join(dir, 'issue');
    await fs.writeFile(issueFile, issue);
    const port = await freePort(BUSYBOX_HOST);
    const args = ['telnetd', '-F', '-p', String(port), '-b', BUSYBOX_HOST, '-l', program, '-f', issueFile];
    const server = await startServerProcess({ file: 'busybox', args, dir, ready: { tcp: { host: BUSYBOX_HOST, ports: [port] } } });
    return { port, stop: server.stop };
  });
  try {
    await run({ host: BUSYBOX_HOST, port: telnetd.port, service: 'telnet' });
  } finally {
    await telnetd.stop();
  }
}

async function withLoginScript(issue: string, run: (endpoint: Endpoint) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'telnet-login-'));
  try {
    const program = path.join(dir, 'login.sh');
    await fs.writeFile(program, loginScript, { mode: 0o755 });
    await withBusyBox(program, issue, run);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

test('real BusyBox telnetd with a login program: right pair proven, wrong pair rejected', { skip: noRoot }, async () => {
  await withLoginScript('hi3518 IPCamera #1 >\n', async (endpoint) => {
    const detection = await telnetProbe.detect(endpoint, ctx);
    assert.equal(detection.auth, 'required');
    assert.equal(detection.fingerprint?.vendor, 'HiSilicon-based DVR/camera');

    const wrong = await telnetProbe.attempt(endpoint, detection, cred('admin', 'admin'), ctx);
    assert.equal(wrong.outcome, 'rejected', wrong.detail);
    assert.match(wrong.detail, /Login incorrect/);

    const right = await telnetProbe.attempt(endpoint, detection, cred('admin', 'Zte521'), ctx);
    assert.equal(right.outcome, 'success', right.detail);
    assert.match(right.detail, /the shell at prompt "#" answered "echo CNT/);
  });
});

test('real BusyBox telnetd giving /bin/sh without login: auth none, proven', { skip: noRoot }, async () => {
  await withBusyBox('/bin/sh', 'Welcome # > $\n', async (endpoint) => {
    const detection = await telnetProbe.detect(endpoint, ctx);
    assert.equal(detection.auth, 'none');
    assert.match(detection.openAccessEvidence ?? '', /answered "echo CNT\$\(\(\d+\+\d+\)\)X" with "CNT\d+X"/);
  });
});
