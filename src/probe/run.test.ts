// The scheduler's decisions, pinned with scripted protocol modules: what it tries, in what order,
// when it stops, and what it says. The protocols themselves are tested against real servers in
// src/probe/protocols/*.test.ts.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { runProbe, type ProbeOptions } from './run.ts';
import { probeFindings, probeSummary } from './report.ts';
import { orderByGreeting } from './sniff.ts';
import { contextFor } from './net.ts';
import { ProbeFailure, type AttemptResult, type Credential, type Detection, type Endpoint, type ProtocolProbe } from './types.ts';

interface Script {
  detect?: (e: Endpoint) => Detection | ProbeFailure;
  attempt: (c: Credential, n: number) => AttemptResult | ProbeFailure;
}

function scripted(script: Script, seen: { endpoint: Endpoint; credential?: Credential; at: number }[] = []): ProtocolProbe {
  let n = 0;
  return {
    service: 'telnet',
    transport: 'tcp',
    defaultPorts: [23],
    async detect(endpoint) {
      seen.push({ endpoint, at: Date.now() });
      const d = script.detect?.(endpoint) ?? { speaks: true, auth: 'required' };
      if (d instanceof ProbeFailure) throw d;
      return d;
    },
    async attempt(endpoint, _detection, credential) {
      seen.push({ endpoint, credential, at: Date.now() });
      const r = script.attempt(credential, n++);
      if (r instanceof ProbeFailure) throw r;
      return r;
    },
  };
}

const target = (host = '192.0.2.1'): ProbeOptions['targets'][number] => ({ given: host, host });
const options = (protocol: ProtocolProbe, extra: Partial<ProbeOptions> = {}): ProbeOptions => ({
  targets: [target()],
  services: ['telnet'],
  protocols: { telnet: protocol },
  limits: { delayMs: 0 },
  ...extra,
});
const rejected: AttemptResult = { outcome: 'rejected', detail: 'Login incorrect' };

describe('probe scheduler', () => {
  it('makes a random control attempt first, then stops at the first default that logs in', async () => {
    const seen: { endpoint: Endpoint; credential?: Credential; at: number }[] = [];
    const protocol = scripted({ attempt: (c) => (c.username === 'root' && c.password === 'xc3511' ? { outcome: 'success', detail: 'shell answered 35579' } : rejected) }, seen);
    const run = await runProbe(options(protocol));
    const service = run.services[0];
    assert.ok(service);
    assert.equal(service.state, 'tested');
    assert.equal(service.stop, 'login-found');
    assert.equal(service.attempts[0]?.control, true);
    assert.match(service.attempts[0]?.credential.username ?? '', /^cnt-/);
    assert.equal(service.logins.length, 1);
    assert.equal(service.logins[0]?.credential.password, 'xc3511');
    assert.equal(service.attempts.at(-1)?.credential.password, 'xc3511', 'nothing is tried after the login that worked');
    const findings = probeFindings(run);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.rule, 'default-credential-accepted');
    assert.doesNotMatch(findings[0]?.evidence ?? '', /xc3511/, 'the password is masked');
    assert.match(findings[0]?.evidence ?? '', /x…1 \(mirai\)/);
    assert.deepEqual(findings[0]?.lawIds, ['psti.s1.1', 'psti.s1.1.2a', 'psti.s1.1.3d', 'etsi.5.1-1', 'etsi.5.1-2']);
    assert.equal(probeSummary(run, findings).meetsPasswordDuty, false);
  });

  it('reports a service that accepts the random control credential, and tries nothing else', async () => {
    const run = await runProbe(options(scripted({ attempt: () => ({ outcome: 'success', detail: 'prompt' }) })));
    assert.equal(run.services[0]?.stop, 'accepts-any-credential');
    assert.equal(run.services[0]?.attempts.length, 1);
    assert.equal(probeFindings(run)[0]?.rule, 'any-credential-accepted');
  });

  it('reports open access without trying a credential', async () => {
    const run = await runProbe(options(scripted({ detect: () => ({ speaks: true, auth: 'none', openAccessEvidence: 'echo answered 35579' }), attempt: () => rejected })));
    assert.equal(run.services[0]?.state, 'open-access');
    assert.equal(run.services[0]?.attempts.length, 0);
    const findings = probeFindings(run);
    assert.equal(findings[0]?.rule, 'no-authentication');
    assert.equal(findings[0]?.severity, 'critical');
    assert.deepEqual(findings[0]?.lawIds, ['etsi.5.5-5']);
  });

  it('stops on a lock-out sign and says the result is incomplete', async () => {
    const run = await runProbe(options(scripted({ attempt: (_c, n) => (n === 3 ? { outcome: 'locked-out', detail: 'Too many failures' } : rejected) })));
    const s = run.services[0];
    assert.equal(s?.stop, 'locked-out');
    assert.equal(s?.attempts.length, 4);
    assert.match(s?.problems[0] ?? '', /lock-out after 4 attempts \(Too many failures\)/);
    const summary = probeSummary(run, probeFindings(run));
    assert.equal(summary.complete, false);
    assert.match(summary.verdict, /incomplete/);
  });

  it('gives up on a service after three failures in a row without an answer', async () => {
    const run = await runProbe(options(scripted({ attempt: (_c, n) => (n < 2 ? rejected : new ProbeFailure('timeout', 'no answer within 5000 ms')) })));
    assert.equal(run.services[0]?.stop, 'unresponsive');
    assert.equal(run.services[0]?.attempts.length, 5);
  });

  it('treats a service that starts refusing connections as locked out', async () => {
    const run = await runProbe(options(scripted({ attempt: (_c, n) => (n < 5 ? rejected : new ProbeFailure('refused', 'refused the connection')) })));
    assert.equal(run.services[0]?.stop, 'locked-out');
    assert.match(run.services[0]?.problems[0] ?? '', /began refusing connections/);
  });

  it('keeps to the caps per service and per host', async () => {
    const perService = await runProbe(options(scripted({ attempt: () => rejected }), { limits: { delayMs: 0, attemptsPerService: 7 } }));
    assert.equal(perService.services[0]?.attempts.length, 7);
    assert.equal(perService.services[0]?.stop, 'service-cap');

    const perHost = await runProbe({
      ...options(scripted({ attempt: () => rejected }), { limits: { delayMs: 0, attemptsPerHost: 10 } }),
      ports: { telnet: [23, 2323] },
    });
    const total = perHost.services.reduce((n, s) => n + s.attempts.length, 0);
    assert.equal(total, 10);
    assert.ok(perHost.services.some((s) => s.stop === 'host-cap'));
  });

  it('waits between attempts on one service', async () => {
    const seen: { endpoint: Endpoint; credential?: Credential; at: number }[] = [];
    await runProbe(options(scripted({ attempt: () => rejected }, seen), { limits: { delayMs: 40, attemptsPerService: 4 } }));
    const times = seen.filter((s) => s.credential).map((s) => s.at);
    for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) - (times[i - 1] ?? 0) >= 35, `attempt ${i} came ${(times[i] ?? 0) - (times[i - 1] ?? 0)} ms after the one before`);
  });

  it('never has more exchanges in flight than the concurrency limit', async () => {
    let inFlight = 0;
    let most = 0;
    const protocol: ProtocolProbe = {
      service: 'telnet',
      transport: 'tcp',
      defaultPorts: [23],
      async detect() {
        return { speaks: true, auth: 'required' };
      },
      async attempt() {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return rejected;
      },
    };
    const targets = Array.from({ length: 20 }, (_, i) => target(`192.0.2.${i + 1}`));
    await runProbe({ ...options(protocol), targets, limits: { delayMs: 0, concurrency: 3, attemptsPerService: 4 } });
    assert.equal(most, 3);
  });

  it('records closed ports, other services and silent hosts without trying credentials', async () => {
    const protocol = scripted({
      detect: (e) => (e.port === 23 ? new ProbeFailure('refused', 'closed') : e.port === 2323 ? { speaks: false, auth: 'unknown', banner: 'HTTP/1.1 400' } : new ProbeFailure('timeout', 'no answer within 5000 ms')),
      attempt: () => rejected,
    });
    const run = await runProbe({ ...options(protocol), ports: { telnet: [23, 2323, 9999] } });
    assert.deepEqual(
      run.services.map((s) => [s.endpoint.port, s.state, s.attempts.length]),
      [
        [23, 'closed', 0],
        [2323, 'other-service', 0],
        [9999, 'no-answer', 0],
      ],
    );
    assert.match(probeSummary(run, []).verdict, /Nothing to judge/);
  });

  it('stops everything at the time limit and says so', async () => {
    const protocol = scripted({ attempt: () => rejected });
    const slow: ProtocolProbe = { ...protocol, attempt: async (e, d, c, ctx) => { await new Promise((r) => setTimeout(r, 30)); return protocol.attempt(e, d, c, ctx); } };
    const run = await runProbe(options(slow, { limits: { delayMs: 0, timeLimitMs: 100 } }));
    assert.equal(run.interrupted, true);
    assert.equal(run.services[0]?.stop, 'time-limit');
    assert.equal(probeSummary(run, []).complete, false);
  });

  it('lets protocols contact only the targets given', async () => {
    let scopeSeen: ((host: string) => boolean) | undefined;
    const protocol: ProtocolProbe = {
      ...scripted({ attempt: () => rejected }),
      async detect(_e, ctx) {
        scopeSeen = ctx.inScope;
        return { speaks: true, auth: 'none' };
      },
    };
    await runProbe({ ...options(protocol), targets: [target('192.0.2.1'), target('2001:db8::1')] });
    assert.equal(scopeSeen?.('192.0.2.1'), true);
    assert.equal(scopeSeen?.('2001:db8::1'), true);
    assert.equal(scopeSeen?.('192.0.2.2'), false);
    assert.equal(scopeSeen?.('127.0.0.1'), false);
  });

  it('tries the maker’s list first, only on the services it names', async () => {
    const seen: { endpoint: Endpoint; credential?: Credential; at: number }[] = [];
    await runProbe(
      options(scripted({ attempt: () => rejected }, seen), {
        limits: { delayMs: 0, attemptsPerService: 3 },
        maker: { credentials: [{ username: 'ssh-only', password: 'x', source: 'maker list' }, { username: 'eng', password: 'Factory#1', source: 'maker list' }], services: ['ssh', undefined] },
      }),
    );
    const tried = seen.filter((s) => s.credential).map((s) => s.credential?.username);
    assert.equal(tried[1], 'eng');
    assert.ok(!tried.includes('ssh-only'));
  });
});

describe('recognising the service on a port the user named', () => {
  it('puts SSH first when the server greets with an SSH ident, and client-first protocols first when it stays silent', async () => {
    const greeting = net.createServer((s) => s.end('SSH-2.0-dropbear_2019.78\r\n'));
    const silent = net.createServer(() => undefined);
    await Promise.all([new Promise<void>((r) => greeting.listen(0, '127.0.0.1', r)), new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))]);
    try {
      const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;
      const ctx = contextFor();
      assert.equal((await orderByGreeting({ host: '127.0.0.1', port: portOf(greeting) }, ['telnet', 'http', 'ssh', 'ftp'], ctx))[0], 'ssh');
      assert.deepEqual(await orderByGreeting({ host: '127.0.0.1', port: portOf(silent) }, ['telnet', 'ssh', 'https', 'http', 'mqtt', 'snmp'], ctx, 200), ['http', 'mqtt', 'https', 'telnet', 'ssh']);
    } finally {
      greeting.close();
      silent.close();
      for (const s of [greeting, silent]) (s as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    }
  });
});
