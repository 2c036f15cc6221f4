import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectableError } from '../errors.ts';
import { canonical, expandCidr, parseTarget, resolveTargets } from './targets.ts';

const refused = (fn: () => unknown, pattern: RegExp): void => {
  assert.throws(fn, (e: unknown) => e instanceof ConnectableError && e.code === 'CONNECTABLE_ERR_INVALID_INPUT' && pattern.test(e.message));
};

describe('probe targets', () => {
  it('reads addresses, names, ranges, ports and services', () => {
    assert.deepEqual(parseTarget('192.168.1.20'), { kind: 'address', text: '192.168.1.20' });
    assert.deepEqual(parseTarget('192.168.1.20:2323'), { kind: 'address', text: '192.168.1.20', port: 2323 });
    assert.deepEqual(parseTarget('[fe80::1]:8080'), { kind: 'address', text: 'fe80::1', port: 8080 });
    assert.deepEqual(parseTarget('fe80:0:0::1'), { kind: 'address', text: 'fe80::1' });
    assert.deepEqual(parseTarget('10.0.0.0/28'), { kind: 'cidr', text: '10.0.0.0', prefix: 28 });
    assert.deepEqual(parseTarget('rtsp://192.168.1.20:8554/'), { kind: 'address', text: '192.168.1.20', port: 8554, service: 'rtsp' });
    assert.deepEqual(parseTarget('camera.local'), { kind: 'name', text: 'camera.local' });
    assert.deepEqual(parseTarget('telnet://camera.local'), { kind: 'name', text: 'camera.local', service: 'telnet' });
  });

  it('refuses what it cannot read, saying how to write it', () => {
    refused(() => parseTarget(''), /empty target/);
    refused(() => parseTarget('10.0.0.1:70000'), /port "70000"/);
    refused(() => parseTarget('gopher://10.0.0.1'), /unknown service "gopher"/);
    refused(() => parseTarget('10.0.0.0/33'), /prefix length/);
    refused(() => parseTarget('camera/24'), /CIDR range needs an IP address/);
    refused(() => parseTarget('not a host!'), /Examples/);
  });

  it('expands ranges to every address, aligned to the prefix', () => {
    assert.deepEqual(expandCidr('127.0.0.5', 30, 4096), ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7']);
    assert.equal(expandCidr('10.1.2.3', 24, 4096).length, 256);
    assert.deepEqual(expandCidr('fd00::7', 126, 4096), ['fd00::4', 'fd00::5', 'fd00::6', 'fd00::7']);
  });

  it('refuses a range larger than the limit before listing it', () => {
    refused(() => expandCidr('10.0.0.0', 8, 4096), /16,777,216 addresses.*--max-hosts/);
    refused(() => expandCidr('fd00::', 64, 4096), /2\^64 addresses/);
  });

  it('writes IPv6 addresses one way, so scope checks compare like with like', () => {
    assert.equal(canonical('FE80:0000:0000:0000:0000:0000:0000:0001'), 'fe80::1');
    assert.equal(canonical('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(canonical('::ffff:127.0.0.1'), '::ffff:7f00:1');
    assert.equal(canonical('127.0.0.1'), '127.0.0.1');
  });

  it('resolves names to all their addresses and refuses names that resolve to nothing', async () => {
    const lookup = async (name: string): Promise<string[]> => {
      if (name === 'bench-camera') return ['127.0.0.2', '::1'];
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    };
    const targets = await resolveTargets(['bench-camera:554', '127.0.0.2:554'], { lookup });
    assert.deepEqual(
      targets.map((t) => [t.host, t.port]),
      [
        ['127.0.0.2', 554],
        ['::1', 554],
      ],
    );
    await assert.rejects(resolveTargets(['no-such-device'], { lookup }), /does not resolve \(ENOTFOUND\)/);
  });

  it('resolves localhost through the system resolver', async () => {
    const targets = await resolveTargets(['localhost']);
    assert.ok(targets.some((t) => t.host === '127.0.0.1' || t.host === '::1'));
  });

  it('caps the number of addresses over all targets', async () => {
    await assert.rejects(resolveTargets(['10.0.0.0/24', '10.0.1.0/24'], { maxHosts: 300 }), /more than 300 addresses/);
  });
});
