// `connectable probe` end to end: devices on loopback addresses of this test's own, the command as
// a user runs it, and what it reports, exits with and never touches.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli.ts';
import { startRtspCamera, type RtspCamera } from '../support/devices/rtsp-camera.ts';
import { startTelnetDevice, type TelnetDevice } from '../support/devices/telnet-device.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: { PATH: process.env['PATH'], CI: '1' } }, out, err };
}

/** A listener that only counts who connects: the probe must never reach it. */
async function bystander(host: string, port: number): Promise<{ connections: number; close: () => Promise<void> }> {
  const state = { connections: 0 };
  const server = net.createServer((s) => {
    state.connections++;
    s.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    get connections() {
      return state.connections;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('connectable probe', () => {
  let camera: TelnetDevice;
  let clean: TelnetDevice;
  let stream: RtspCamera;
  let neighbour: { connections: number; close: () => Promise<void> };
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cn-probe-'));
    // A camera that still takes Mirai's root/xc3511 on telnet, and its stream behind admin/12345.
    camera = await startTelnetDevice({ host: '127.0.6.2', banner: 'HiSilicon IPC\r\n', accept: { username: 'root', password: 'xc3511' }, afterLogin: 'shell' });
    stream = await startRtspCamera({ host: '127.0.6.2', server: 'Hikvision-Webs', streams: ['/Streaming/Channels/101'], auth: { schemes: ['digest'], username: 'admin', password: '12345', realm: 'IP Camera', qop: true } });
    // A device that was set up properly: unique password, nothing on the lists.
    clean = await startTelnetDevice({ host: '127.0.6.4', accept: { username: 'admin', password: 'q8Vd-7mKp-Wz3x' }, afterLogin: 'shell' });
    // Another device on the same network, on the same port as the camera, never named as a target.
    neighbour = await bystander('127.0.6.3', camera.port);
  });

  after(async () => {
    await Promise.all([camera.close(), clean.close(), stream.stop(), neighbour.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('finds the default login, masks it, cites the law and exits 1 — and never touches a host it was not given', async () => {
    const c = capture();
    const code = await main(['probe', '127.0.6.2', '--ports', `telnet=${camera.port} rtsp=${stream.port}`, '--services', 'telnet,rtsp', '--delay', '0'], c.io);
    const text = c.out.join('\n');
    assert.equal(code, 1, text);
    assert.match(text, /telnet on 127\.0\.6\.2:\d+ accepts a default credential/);
    assert.match(text, /user "root" with password x…1 \(mirai\)/);
    assert.doesNotMatch(text, /xc3511/);
    assert.match(text, /rtsp on 127\.0\.6\.2:\d+ accepts a default credential/);
    assert.match(text, /psti\.s1\.1, psti\.s1\.1\.2a, psti\.s1\.1\.3d, etsi\.5\.1-1, etsi\.5\.1-2/);
    assert.match(text, /Breaks the password duty/);
    assert.equal(neighbour.connections, 0, 'the neighbour on 127.0.6.3 was contacted');
  });

  test('says a clean device is clean only after trying the whole list, with a control attempt first', async () => {
    const c = capture();
    const code = await main(['probe', `telnet://127.0.6.4:${clean.port}`, '--delay', '0', '--json'], c.io);
    assert.equal(code, 0, c.out.join('\n'));
    const report = JSON.parse(c.out.join('\n')) as {
      services: { state: string; stop: string; attempts: { control?: boolean; outcome: string; credential: { password: string } }[] }[];
      summary: { meetsPasswordDuty: boolean; complete: boolean; verdict: string };
    };
    const service = report.services[0];
    assert.equal(service?.state, 'tested');
    assert.equal(service?.stop, 'list-exhausted');
    assert.equal(service?.attempts[0]?.control, true);
    assert.ok(service?.attempts.every((a) => a.outcome === 'rejected'));
    assert.ok(
      service?.attempts.every((a) => a.credential.password === '(empty)' || a.credential.password.length <= 3),
      'passwords are masked in JSON',
    );
    assert.equal(report.summary.meetsPasswordDuty, true);
    assert.equal(report.summary.complete, true);
    assert.match(report.summary.verdict, /No default credential logged in on 1 service/);
  });

  test('tries the maker’s own list first and shows the secret when asked', async () => {
    const list = path.join(dir, 'ours.txt');
    fs.writeFileSync(list, '# factory engineering login\nadmin:q8Vd-7mKp-Wz3x\n');
    const c = capture();
    const code = await main(['probe', `telnet://127.0.6.4:${clean.port}`, '--credentials', list, '--only-credentials', '--show-secrets', '--format', 'sarif', '--delay', '0'], c.io);
    assert.equal(code, 1);
    const sarif = JSON.parse(c.out.join('\n')) as { version: string; runs: { results: { ruleId: string; message: { text: string }; locations: unknown[] }[] }[] };
    assert.equal(sarif.version, '2.1.0');
    const result = sarif.runs[0]?.results[0];
    assert.equal(result?.ruleId, 'default-credential-accepted');
    assert.match(result?.message.text ?? '', /q8Vd-7mKp-Wz3x \(maker list\)/);
    assert.ok((result?.locations.length ?? 0) > 0);
  });

  test('a dry run prints the plan and sends nothing', async () => {
    const before = neighbour.connections;
    const c = capture();
    const code = await main(['probe', `127.0.6.3:${camera.port}`, '--dry-run'], c.io);
    assert.equal(code, 0);
    assert.match(c.out.join('\n'), /Dry run: nothing is sent\. 1 address in scope/);
    assert.equal(neighbour.connections, before);
  });

  test('bad input is refused with what to write instead (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['probe'], /Give at least one target/],
      [['probe', 'gopher://127.0.6.2'], /unknown service "gopher"/],
      [['probe', '127.0.6.2:99999'], /port "99999"/],
      [['probe', '10.0.0.0/8'], /16,777,216 addresses/],
      [['probe', '127.0.6.2', '--services', 'telnet,smtp'], /--services takes/],
      [['probe', '127.0.6.2', '--ports', 'telnet:23'], /--ports: "telnet:23"/],
      [['probe', '127.0.6.2', '--credentials', path.join(os.tmpdir(), 'no-such-list.txt')], /Cannot read the credential file/],
      [['probe', '127.0.6.2', '--only-credentials'], /needs --credentials FILE/],
      [['probe', '127.0.6.2', '--max-attempts', '0'], /--max-attempts must be at least 1/],
    ];
    for (const [argv, message] of cases) {
      const c = capture();
      const code = await main(argv, c.io);
      assert.equal(code, 2, argv.join(' '));
      assert.match([...c.out, ...c.err].join('\n'), message, argv.join(' '));
    }
  });
});
