// SNMP agents (UDP 161), SNMPv2c and SNMPv1 with net-snmp. A community string is the only
// credential, and SNMP's only answer to a wrong one is silence: an agent drops the request. So a
// GetResponse carrying sysDescr.0 is the proof of a community, and no answer is all a rejection
// ever looks like. Silence cannot tell a wrong community from no agent at all, and the reports
// say "no answer" rather than pretend otherwise.
//
// Each question is asked in SNMPv2c and SNMPv1 at once, on two sockets: old agents (printers,
// early cameras) speak only v1 and drop v2c silently, and asking one after the other would double
// the wait for every wrong community. The v2c answer is preferred when both come.
//
// net-snmp opens its own UDP socket and sends wherever its session points; it is given instead a
// socket already connected to the endpoint, so the kernel delivers only datagrams from that host
// and port, and reports an ICMP "port unreachable" (a closed port) as ECONNREFUSED, which
// net-snmp itself would have swallowed.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { printable, where } from '../net.ts';
import {
  ProbeFailure,
  type AttemptResult,
  type Credential,
  type Detection,
  type Endpoint,
  type Fingerprint,
  type ProbeContext,
  type ProtocolProbe,
} from '../types.ts';
import { containedStep } from './contained.ts';

// net-snmp is plain JavaScript without declarations: what this module uses is described here.
interface Varbind {
  oid: string;
  type: number;
  value: unknown;
}
interface SnmpSession {
  get(oids: string[], callback: (error: Error | null, varbinds?: Varbind[]) => void): void;
  close(): void;
  on(event: 'error' | 'close', listener: (error?: unknown) => void): void;
}
interface NetSnmp {
  Version1: number;
  Version2c: number;
  ObjectType: { OctetString: number; OID: number };
  createSession(
    target: string,
    community: string,
    options: { port: number; version: number; timeout: number; retries: number; transport: string; reportOidMismatchErrors: boolean; dgramModule: { createSocket(type: string): unknown } },
  ): SnmpSession;
  isVarbindError(varbind: Varbind): boolean;
  varbindError(varbind: Varbind): string;
}
const snmp = createRequire(import.meta.url)('net-snmp') as NetSnmp;

export const SYS_DESCR = '1.3.6.1.2.1.1.1.0';
export const SYS_OBJECT_ID = '1.3.6.1.2.1.1.2.0';

/** What an agent said to one GET. */
export type GetOutcome =
  | { kind: 'answer'; version: 'v2c' | 'v1'; sysDescr?: string; sysObjectId?: string; problems: string[] }
  | { kind: 'silent' }
  | { kind: 'refused' };

/**
 * A UDP socket connected to one endpoint, shaped like the dgram socket net-snmp drives: it sends
 * only there whatever address net-snmp passes, and keeps socket errors for the probe.
 */
class ConnectedSocket extends EventEmitter {
  private closed = false;
  private readonly socket: dgram.Socket;

  constructor(socket: dgram.Socket, onError: (error: NodeJS.ErrnoException) => void) {
    super();
    this.socket = socket;
    socket.on('message', (message: Buffer, rinfo: dgram.RemoteInfo) => this.emit('message', message, rinfo));
    socket.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
    // Not passed on: net-snmp re-emits a socket error under an event named by the error object,
    // which nothing hears.
    socket.on('error', onError);
  }

  send(buffer: Buffer, offset: number, length: number, _port: number, _address: string, callback: (error: Error | null) => void): void {
    if (this.closed) {
      callback(new Error('socket closed'));
      return;
    }
    this.socket.send(buffer, offset, length, (error) => callback(error ?? null));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }

  ref(): this {
    this.socket.ref();
    return this;
  }

  unref(): this {
    this.socket.unref();
    return this;
  }
}

function connectUdp(endpoint: Endpoint): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(endpoint.host.includes(':') ? 'udp6' : 'udp4');
    const onError = (e: NodeJS.ErrnoException): void => {
      socket.close();
      reject(new ProbeFailure('unreachable', `${where(endpoint)} cannot be reached over UDP (${e.code ?? e.message})`, { cause: e }));
    };
    socket.once('error', onError);
    socket.connect(endpoint.port, endpoint.host, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function textOf(value: unknown): string | undefined {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'string') return value;
  return undefined;
}

/** One GET of sysDescr.0 and sysObjectID.0 in one SNMP version; `stop` ends it early. */
async function getSystem(endpoint: Endpoint, ctx: ProbeContext, community: string, version: 'v2c' | 'v1', stop: AbortSignal): Promise<GetOutcome | 'stopped'> {
  const socket = await connectUdp(endpoint);
  return new Promise((resolve, reject) => {
    let settled = false;
    const adapter = new ConnectedSocket(socket, (error) => {
      // ICMP port unreachable: nothing listens on that UDP port.
      if (error.code === 'ECONNREFUSED') finish({ kind: 'refused' });
      else finish(new ProbeFailure('unreachable', `${where(endpoint)}: ${error.code ?? error.message}`, { cause: error }));
    });
    const session = snmp.createSession(endpoint.host, community, {
      port: endpoint.port,
      version: version === 'v2c' ? snmp.Version2c : snmp.Version1,
      timeout: ctx.timeoutMs,
      retries: 1,
      transport: endpoint.host.includes(':') ? 'udp6' : 'udp4',
      reportOidMismatchErrors: true,
      dgramModule: { createSocket: () => adapter },
    });
    // A datagram that does not decode as SNMP: not an answer, and not worth failing over.
    session.on('error', () => undefined);
    const onStop = (): void => finish('stopped');
    stop.addEventListener('abort', onStop, { once: true });
    ctx.signal.addEventListener('abort', onStop, { once: true });
    function finish(outcome: GetOutcome | 'stopped' | ProbeFailure): void {
      if (settled) return;
      settled = true;
      stop.removeEventListener('abort', onStop);
      ctx.signal.removeEventListener('abort', onStop);
      // Closing cancels the request, which calls back once more: `settled` ignores it.
      session.close();
      if (outcome instanceof ProbeFailure) reject(outcome);
      else resolve(outcome);
    }
    if (stop.aborted || ctx.signal.aborted) {
      finish('stopped');
      return;
    }
    session.get([SYS_DESCR, SYS_OBJECT_ID], (error, varbinds) => {
      if (error) {
        if (error.name === 'RequestTimedOutError') finish({ kind: 'silent' });
        // An error status in a GetResponse is still the agent answering this community; a
        // response net-snmp found invalid (other OIDs, another version) is an answer it cannot use.
        else if (error.name === 'RequestFailedError' || error.name === 'ResponseInvalidError') finish({ kind: 'answer', version, problems: [printable(error.message, 100)] });
        else finish(new ProbeFailure('protocol', `SNMP${version} GET to ${where(endpoint)} failed: ${printable(error.message, 100)}`, { cause: error }));
        return;
      }
      const answer: Extract<GetOutcome, { kind: 'answer' }> = { kind: 'answer', version, problems: [] };
      for (const varbind of varbinds ?? []) {
        if (snmp.isVarbindError(varbind)) {
          answer.problems.push(snmp.varbindError(varbind));
          continue;
        }
        const text = textOf(varbind.value);
        if (varbind.oid === SYS_DESCR && varbind.type === snmp.ObjectType.OctetString && text !== undefined) answer.sysDescr = printable(text, 200);
        if (varbind.oid === SYS_OBJECT_ID && varbind.type === snmp.ObjectType.OID && text !== undefined) answer.sysObjectId = printable(text, 100);
      }
      finish(answer);
    });
  });
}

/** Asks in v2c and v1 at once; the first answer ends both (v2c's preferred if both are in). */
export async function querySystem(endpoint: Endpoint, ctx: ProbeContext, community: string): Promise<GetOutcome> {
  if (!ctx.inScope(endpoint.host)) throw new ProbeFailure('out-of-scope', `${endpoint.host} is not among the targets given; not contacted`);
  if (ctx.signal.aborted) throw new ProbeFailure('aborted', 'the probe was stopped');
  const stop = new AbortController();
  const asks = (['v2c', 'v1'] as const).map((version) =>
    getSystem(endpoint, ctx, community, version, stop.signal).then((outcome) => {
      if (outcome !== 'stopped' && outcome.kind === 'answer') stop.abort();
      return outcome;
    }),
  );
  // Both are awaited, so neither socket outlives the question.
  const results = await Promise.allSettled(asks);
  if (ctx.signal.aborted) throw new ProbeFailure('aborted', 'the probe was stopped');
  const outcomes = results.flatMap((r) => (r.status === 'fulfilled' && r.value !== 'stopped' ? [r.value] : []));
  const answer = outcomes.find((o) => o.kind === 'answer');
  if (answer) return answer;
  if (outcomes.some((o) => o.kind === 'refused')) return { kind: 'refused' };
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { kind: 'silent' };
}

// IANA private enterprise numbers of makers whose agents name themselves in sysObjectID.
const enterprises: Record<string, string> = {
  '9': 'Cisco',
  '11': 'HP',
  '171': 'D-Link',
  '311': 'Microsoft',
  '318': 'APC',
  '368': 'Axis',
  '2636': 'Juniper',
  '4526': 'Netgear',
  '6574': 'Synology',
  '8072': 'Net-SNMP (agent software)',
  '11863': 'TP-Link',
  '14988': 'MikroTik',
  '24681': 'QNAP',
  '39165': 'Hikvision',
  '41112': 'Ubiquiti',
};

function fingerprintOf(answer: Extract<GetOutcome, { kind: 'answer' }>): Fingerprint | undefined {
  const enterprise = /^1\.3\.6\.1\.4\.1\.(\d+)/.exec(answer.sysObjectId ?? '')?.[1];
  const vendor = enterprise === undefined ? undefined : enterprises[enterprise];
  if (!vendor) return undefined;
  return { vendor, ...(answer.sysDescr ? { product: printable(answer.sysDescr, 80) } : {}), evidence: `sysObjectID ${answer.sysObjectId ?? ''} (enterprise ${enterprise ?? ''})` };
}

function randomCommunity(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(16), (b) => alphabet[b % alphabet.length]).join('');
}

function refused(endpoint: Endpoint): ProbeFailure {
  return new ProbeFailure('refused', `${where(endpoint)} answered with ICMP port unreachable: nothing listens on that UDP port`);
}

function describeAnswer(answer: Extract<GetOutcome, { kind: 'answer' }>): string {
  const parts = [`SNMP${answer.version} GetResponse`];
  if (answer.sysDescr !== undefined) parts.push(`sysDescr "${answer.sysDescr}"`);
  if (answer.sysObjectId !== undefined) parts.push(`sysObjectID ${answer.sysObjectId}`);
  if (answer.problems.length) parts.push(`(${answer.problems.join('; ')})`);
  return parts.join(', ');
}

async function detect(endpoint: Endpoint, ctx: ProbeContext): Promise<Detection> {
  const community = randomCommunity();
  const outcome = await querySystem(endpoint, ctx, community);
  if (outcome.kind === 'refused') throw refused(endpoint);
  if (outcome.kind === 'silent') {
    return {
      speaks: true,
      auth: 'unknown',
      banner: 'no answer to a GET with a random community (an SNMP agent stays silent for a community it does not accept, so this cannot tell an agent from no agent)',
    };
  }
  const fingerprint = fingerprintOf(outcome);
  if (outcome.sysDescr === undefined) {
    return {
      speaks: true,
      auth: 'unknown',
      banner: `answered a GET with a random community, but without sysDescr: ${describeAnswer(outcome)}`,
      ...(fingerprint ? { fingerprint } : {}),
    };
  }
  return {
    speaks: true,
    auth: 'none',
    banner: outcome.sysDescr,
    ...(fingerprint ? { fingerprint } : {}),
    openAccessEvidence: `any community accepted: a GET with the random community "${community}" got ${describeAnswer(outcome)}`,
  };
}

async function attempt(endpoint: Endpoint, detection: Detection, credential: Credential, ctx: ProbeContext): Promise<AttemptResult> {
  if (detection.auth === 'none') {
    return { outcome: 'error', detail: 'the agent answers any community, so an answer to this one proves nothing' };
  }
  const outcome = await querySystem(endpoint, ctx, credential.password);
  if (outcome.kind === 'refused') throw refused(endpoint);
  if (outcome.kind === 'silent') return { outcome: 'rejected', detail: 'no answer for this community' };
  if (outcome.sysDescr === undefined) {
    return { outcome: 'error', detail: `answered this community, but without sysDescr to prove it: ${describeAnswer(outcome)}` };
  }
  return { outcome: 'success', detail: describeAnswer(outcome) };
}

export const snmpProbe: ProtocolProbe = {
  service: 'snmp',
  transport: 'udp',
  defaultPorts: [161],
  detect: containedStep('SNMP exchange failed', detect),
  attempt: containedStep('SNMP exchange failed', attempt),
};
