import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, listenOnFreePort, type Listening } from '../../../test/support/devices/ports.ts';
import { startMosquitto, type Mosquitto } from '../../../test/support/devices/mosquitto.ts';
import { startHostileServer } from '../../../test/support/devices/silent-server.ts';
import { contextFor } from '../net.ts';
import { ProbeFailure, type Credential, type Endpoint } from '../types.ts';
import { mqttProbe, type MqttState } from './mqtt.ts';

const ctx = contextFor({ timeoutMs: 2000 });
const right: Credential = { username: 'admin', password: 'Bench-Broker-1', source: 'test' };
const wrongPassword: Credential = { username: 'admin', password: 'admin', source: 'test' };
const unknownUser: Credential = { username: 'guest', password: 'guest', source: 'test' };

function endpointOf(broker: { host: string; port: number }): Endpoint {
  return { host: broker.host, port: broker.port, service: 'mqtt' };
}

function publishRetained(broker: Mosquitto, topic: string, message: string, user?: Credential): Promise<void> {
  const login = user ? ['-u', user.username, '-P', user.password] : [];
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/mosquitto_pub', ['-h', broker.host, '-p', String(broker.port), ...login, '-t', topic, '-m', message, '-r', '-q', '1'], { timeout: 10_000 }, (error, _o, stderr) =>
      error ? reject(new Error(`mosquitto_pub failed: ${stderr || error.message}`)) : resolve(),
    );
  });
}

async function rejectsWith(promise: Promise<unknown>, kind: ProbeFailure['kind']): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof ProbeFailure && e.kind === kind);
}

describe('MQTT probe against a Mosquitto broker that refuses anonymous clients', () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await startMosquitto({ host: '127.0.4.11', allowAnonymous: false, users: [right] });
  });
  after(() => broker?.stop());

  it('sees that the broker asks for credentials: CONNACK 5 to a CONNECT without any', async () => {
    const detection = await mqttProbe.detect(endpointOf(broker), ctx);
    assert.equal(detection.speaks, true);
    assert.equal(detection.auth, 'required');
    assert.match(detection.banner ?? '', /MQTT 3\.1\.1 broker: CONNACK 5 \(not authorised\) without credentials/);
    assert.deepEqual(detection.state, { tls: false, level: 4, anonymousCode: 5 } satisfies MqttState);
  });

  it('proves the right pair with CONNACK 0, set against the refusal without credentials', async () => {
    const detection = await mqttProbe.detect(endpointOf(broker), ctx);
    const result = await mqttProbe.attempt(endpointOf(broker), detection, right, ctx);
    assert.equal(result.outcome, 'success');
    assert.match(result.detail, /^CONNACK 0 \(connection accepted\) for this user name and password over MQTT 3\.1\.1, where a CONNECT without credentials got CONNACK 5/);
  });

  it('reports a wrong password and an unknown user as rejected, in the broker’s words', async () => {
    const detection = await mqttProbe.detect(endpointOf(broker), ctx);
    for (const credential of [wrongPassword, unknownUser]) {
      const result = await mqttProbe.attempt(endpointOf(broker), detection, credential, ctx);
      assert.equal(result.outcome, 'rejected', `${credential.username}/${credential.password}`);
      assert.match(result.detail, /^CONNACK [45] \(/);
    }
  });
});

describe('MQTT probe against a Mosquitto broker open to anyone', () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await startMosquitto({ host: '127.0.4.12', allowAnonymous: true });
    await publishRetained(broker, 'bench/kitchen/temperature', '21.5');
  });
  after(() => broker?.stop());

  it('reports open access with CONNACK 0 and what a subscriber is handed, without publishing', async () => {
    const detection = await mqttProbe.detect(endpointOf(broker), ctx);
    assert.equal(detection.speaks, true);
    assert.equal(detection.auth, 'none');
    const evidence = detection.openAccessEvidence ?? '';
    assert.match(evidence, /^CONNACK 0 \(connection accepted\) to a CONNECT without credentials over MQTT 3\.1\.1 at 127\.0\.4\.12:\d+/);
    assert.match(evidence, /subscription granted to \$SYS\/broker\/version and #/);
    assert.match(evidence, /\$SYS\/broker\/version = "mosquitto version 2\.\d+\.\d+"/);
    assert.match(evidence, /bench\/kitchen\/temperature = "21\.5"/);
    assert.match(detection.banner ?? '', /^mosquitto version 2\./);
    assert.equal(detection.fingerprint?.vendor, 'Eclipse Mosquitto');
    // The retained message is still the one the test published: the probe wrote nothing.
    assert.doesNotMatch(broker.log(), /Received PUBLISH from cnp-/);
  });

  it('claims nothing for a credential where none was needed', async () => {
    const detection = await mqttProbe.detect(endpointOf(broker), ctx);
    const result = await mqttProbe.attempt(endpointOf(broker), detection, right, ctx);
    assert.equal(result.outcome, 'error');
    assert.match(result.detail, /would prove nothing/);
  });
});

describe('MQTT probe against a Mosquitto broker that speaks only TLS, on an unusual port', () => {
  let broker: Mosquitto;
  before(async () => {
    broker = await startMosquitto({ host: '127.0.4.13', allowAnonymous: false, users: [right], tls: true });
  });
  after(() => broker?.stop());

  it('falls back to TLS when plain MQTT gets no CONNACK, and keeps to TLS for the attempts', async () => {
    const detection = await mqttProbe.detect(endpointOf(broker), ctx);
    assert.equal(detection.auth, 'required');
    assert.match(detection.banner ?? '', /^MQTT 3\.1\.1 over TLS broker: CONNACK 5/);
    assert.equal((detection.state as MqttState).tls, true);
    const success = await mqttProbe.attempt(endpointOf(broker), detection, right, ctx);
    assert.equal(success.outcome, 'success');
    assert.match(success.detail, /over MQTT 3\.1\.1 over TLS/);
    assert.equal((await mqttProbe.attempt(endpointOf(broker), detection, wrongPassword, ctx)).outcome, 'rejected');
  });
});

/**
 * A broker that speaks only MQTT 5 (Mosquitto speaks every level, so it cannot show this): it
 * refuses other levels with 3.1.1's code 1, and answers MQTT 5 with reason codes and a reason string.
 */
function startV5OnlyBroker(host: string): Promise<Listening> {
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', (connect: Buffer) => {
      // Small CONNECTs only: one byte of remaining length, protocol name "MQTT".
      const level = connect.readUInt8(8);
      if (level !== 5) {
        socket.end(Buffer.from([0x20, 0x02, 0x00, 0x01]));
        return;
      }
      const flags = connect.readUInt8(9);
      let at = 13; // after the keep-alive and an empty property block
      const field = (): string => {
        const length = connect.readUInt16BE(at);
        const value = connect.subarray(at + 2, at + 2 + length).toString('utf8');
        at += 2 + length;
        return value;
      };
      field(); // client id
      const username = flags & 0x80 ? field() : undefined;
      const password = flags & 0x40 ? field() : undefined;
      const reply = (code: number, reason: string): void => {
        const text = Buffer.from(reason, 'utf8');
        const properties = reason ? Buffer.concat([Buffer.from([0x1f, text.length >> 8, text.length & 0xff]), text]) : Buffer.alloc(0);
        const body = Buffer.concat([Buffer.from([0x00, code, properties.length]), properties]);
        socket.write(Buffer.concat([Buffer.from([0x20, body.length]), body]));
        if (code !== 0) socket.end();
      };
      if (username === undefined) reply(0x87, 'anonymous access is disabled');
      else if (username === right.username && password === right.password) reply(0x00, '');
      else reply(0x86, 'try again');
    });
  });
  return listenOnFreePort(server, host);
}

describe('MQTT probe against a broker that speaks only MQTT 5', () => {
  const host = '127.0.4.14';
  let broker: Listening;
  before(async () => {
    broker = await startV5OnlyBroker(host);
  });
  after(() => broker?.stop());

  it('asks again in MQTT 5 after "unacceptable protocol version", and reads 0x87 as credentials required', async () => {
    const detection = await mqttProbe.detect({ host, port: broker.port, service: 'mqtt' }, ctx);
    assert.equal(detection.auth, 'required');
    assert.equal(detection.banner, 'MQTT 5 broker: CONNACK 0x87 (not authorized: "anonymous access is disabled") without credentials');
    assert.deepEqual(detection.state, { tls: false, level: 5, anonymousCode: 0x87 } satisfies MqttState);
  });

  it('reads 0x86 as a rejected credential and 0x00 as a proven one', async () => {
    const endpoint: Endpoint = { host, port: broker.port, service: 'mqtt' };
    const detection = await mqttProbe.detect(endpoint, ctx);
    assert.deepEqual(await mqttProbe.attempt(endpoint, detection, wrongPassword, ctx), {
      outcome: 'rejected',
      detail: 'CONNACK 0x86 (bad user name or password: "try again")',
    });
    const success = await mqttProbe.attempt(endpoint, detection, right, ctx);
    assert.equal(success.outcome, 'success');
    assert.match(success.detail, /^CONNACK 0x00 \(success\) .* over MQTT 5, where a CONNECT without credentials got CONNACK 0x87/);
  });
});

describe('MQTT probe where no broker is', () => {
  const host = '127.0.4.15';

  it('reports a service that answers CONNECT with something else as not MQTT', async () => {
    const server = await listenOnFreePort(
      net.createServer((socket) => {
        socket.on('error', () => socket.destroy());
        socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'));
      }),
      host,
    );
    try {
      const detection = await mqttProbe.detect({ host, port: server.port, service: 'mqtt' }, ctx);
      assert.equal(detection.speaks, false);
      assert.match(detection.banner ?? '', /^answered CONNECT with "HTTP\/1\.1 400 Bad Request/);
    } finally {
      await server.stop();
    }
  });

  it('fails with "timeout" where a port accepts connections and stays silent, with or without TLS', async () => {
    const server = await startHostileServer(host, 'silent');
    try {
      const started = Date.now();
      await rejectsWith(mqttProbe.detect({ host, port: server.port, service: 'mqtt' }, contextFor({ timeoutMs: 300 })), 'timeout');
      assert.ok(Date.now() - started < 1500);
    } finally {
      await server.stop();
    }
  });

  it('fails with "refused" on a closed port, and never connects outside the targets', async () => {
    const port = await freePort(host);
    await rejectsWith(mqttProbe.detect({ host, port, service: 'mqtt' }, ctx), 'refused');
    await rejectsWith(mqttProbe.detect({ host, port, service: 'mqtt' }, contextFor({ hosts: ['127.0.4.16'] })), 'out-of-scope');
  });
});
