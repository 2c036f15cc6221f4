import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { freeUdpPort } from '../../../test/support/devices/ports.ts';
import { startSnmpd, type Snmpd } from '../../../test/support/devices/snmpd.ts';
import { contextFor } from '../net.ts';
import { ProbeFailure, type Credential, type Endpoint } from '../types.ts';
import { snmpProbe } from './snmp.ts';

// Each silent community costs the timeout twice (one retry): kept short so the file stays quick.
const ctx = contextFor({ timeoutMs: 400 });
const community = (password: string): Credential => ({ username: '', password, source: 'test' });

async function rejectsWith(promise: Promise<unknown>, kind: ProbeFailure['kind']): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof ProbeFailure && e.kind === kind);
}

describe('SNMP probe against a Net-SNMP agent with one read-only community', () => {
  let agent: Snmpd;
  let endpoint: Endpoint;
  before(async () => {
    agent = await startSnmpd({ host: '127.0.4.31', communities: ['s3cretComm'], sysDescr: 'Connectable test camera' });
    endpoint = { host: agent.host, port: agent.port, service: 'snmp' };
  });
  after(() => agent?.stop());

  it('cannot tell from silence whether a community is needed, and says "no answer" rather than guess', async () => {
    const detection = await snmpProbe.detect(endpoint, ctx);
    assert.equal(detection.speaks, true);
    assert.equal(detection.auth, 'unknown');
    assert.match(detection.banner ?? '', /^no answer to a GET with a random community/);
    assert.equal(detection.openAccessEvidence, undefined);
  });

  it('finds the community and proves it with the sysDescr the agent returns', async () => {
    const detection = await snmpProbe.detect(endpoint, ctx);
    const result = await snmpProbe.attempt(endpoint, detection, community('s3cretComm'), ctx);
    assert.deepEqual(result, {
      outcome: 'success',
      detail: 'SNMPv2c GetResponse, sysDescr "Connectable test camera", sysObjectID 1.3.6.1.4.1.8072.3.2.10',
    });
  });

  it('reports "public" and "private" as rejected: the agent does not answer them', async () => {
    const detection = await snmpProbe.detect(endpoint, ctx);
    for (const guess of ['public', 'private']) {
      assert.deepEqual(await snmpProbe.attempt(endpoint, detection, community(guess), ctx), { outcome: 'rejected', detail: 'no answer for this community' });
    }
  });
});

// snmpd has no community that accepts every community, so an agent that does is made with
// net-snmp's own agent, authorisation turned off. Typed here: net-snmp has no declarations.
interface SnmpAgentModule {
  createAgent(options: { port: number; address: string; disableAuthorization: boolean }, callback: (error: unknown) => void): {
    getMib(): { registerProvider(p: object): void; setScalarValue(name: string, value: unknown): void };
    close(callback?: () => void): void;
  };
  MibProviderType: { Scalar: unknown };
  ObjectType: { OctetString: unknown; OID: unknown };
  MaxAccess: { 'read-only': unknown };
}
const snmpModule = createRequire(import.meta.url)('net-snmp') as SnmpAgentModule;

describe('SNMP probe against an agent that answers any community', () => {
  const host = '127.0.4.32';
  let agent: ReturnType<SnmpAgentModule['createAgent']>;
  let endpoint: Endpoint;
  before(async () => {
    const port = await freeUdpPort(host);
    agent = snmpModule.createAgent({ port, address: host, disableAuthorization: true }, () => undefined);
    const mib = agent.getMib();
    mib.registerProvider({ name: 'sysDescr', type: snmpModule.MibProviderType.Scalar, oid: '1.3.6.1.2.1.1.1', scalarType: snmpModule.ObjectType.OctetString, maxAccess: snmpModule.MaxAccess['read-only'] });
    mib.registerProvider({ name: 'sysObjectID', type: snmpModule.MibProviderType.Scalar, oid: '1.3.6.1.2.1.1.2', scalarType: snmpModule.ObjectType.OID, maxAccess: snmpModule.MaxAccess['read-only'] });
    mib.setScalarValue('sysDescr', 'Open bench camera');
    mib.setScalarValue('sysObjectID', '1.3.6.1.4.1.39165.1.1');
    endpoint = { host, port, service: 'snmp' };
  });
  after(() => new Promise<void>((resolve) => (agent ? agent.close(() => resolve()) : resolve())));

  it('reports open access: a random community got sysDescr', async () => {
    const detection = await snmpProbe.detect(endpoint, ctx);
    assert.equal(detection.auth, 'none');
    assert.equal(detection.banner, 'Open bench camera');
    assert.match(
      detection.openAccessEvidence ?? '',
      /^any community accepted: a GET with the random community "[A-Za-z0-9]{16}" got SNMPv2c GetResponse, sysDescr "Open bench camera", sysObjectID 1\.3\.6\.1\.4\.1\.39165\.1\.1$/,
    );
    assert.deepEqual(detection.fingerprint, { vendor: 'Hikvision', product: 'Open bench camera', evidence: 'sysObjectID 1.3.6.1.4.1.39165.1.1 (enterprise 39165)' });
  });

  it('claims nothing for a community where any would do', async () => {
    const detection = await snmpProbe.detect(endpoint, ctx);
    assert.equal((await snmpProbe.attempt(endpoint, detection, community('public'), ctx)).outcome, 'error');
  });
});

describe('SNMP probe where no agent is', () => {
  const host = '127.0.4.33';

  it('fails with "refused" when the port answers ICMP port unreachable, well before the timeout', async () => {
    const port = await freeUdpPort(host);
    const started = Date.now();
    await rejectsWith(snmpProbe.detect({ host, port, service: 'snmp' }, contextFor({ timeoutMs: 2000 })), 'refused');
    await rejectsWith(snmpProbe.attempt({ host, port, service: 'snmp' }, { speaks: true, auth: 'unknown' }, community('public'), contextFor({ timeoutMs: 2000 })), 'refused');
    assert.ok(Date.now() - started < 1000);
  });

  it('sends nothing to a host outside the targets', async () => {
    await rejectsWith(snmpProbe.detect({ host, port: 161, service: 'snmp' }, contextFor({ hosts: ['127.0.4.34'] })), 'out-of-scope');
  });
});
