// MQTT brokers (1883, and 8883 over TLS). The CONNECT/CONNACK exchange is written by hand on
// connectTcp + Reader rather than with the mqtt package's client: that client reads the socket
// itself with a parser that buffers whatever packet length the peer announces (up to 256 MB),
// runs its own keep-alive and connect timers, and turns CONNACK codes into error strings. Here
// every byte goes through a bounded Reader and the broker's return code is kept as it sent it,
// which is the whole proof. The packets needed are few: CONNECT, CONNACK, SUBSCRIBE, SUBACK,
// PUBLISH (only read, never sent) and DISCONNECT, in MQTT 3.1, 3.1.1 and 5.
//
// A probe never publishes: with open access it only subscribes, briefly, to see what the broker
// hands to anyone.
import crypto from 'node:crypto';
import type net from 'node:net';
import { connectTcp, failureOf, printable, Reader, startTls, where } from '../net.ts';
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

/** 3: MQTT 3.1 ("MQIsdp"), 4: MQTT 3.1.1, 5: MQTT 5. */
export type MqttLevel = 3 | 4 | 5;

/** What attempts need from detection: how to reach the broker, and what it said to no credentials. */
export interface MqttState {
  tls: boolean;
  level: MqttLevel;
  /** The CONNACK code the broker gave a CONNECT without credentials. */
  anonymousCode: number;
}

/** Nothing a broker legitimately sends us before we subscribe is larger than this. */
const MAX_CONTROL_BODY = 4096;
/** A message seen while observing open access: larger ones end the observation unread. */
const MAX_MESSAGE_BODY = 64 * 1024;
/** How long, and for how many messages, an open broker is watched. */
const OBSERVE_MS = 1000;
const OBSERVE_MESSAGES = 5;
/** `#` does not match `$SYS/…` topics, so the broker's own version topic is asked for by name. */
const OBSERVED_TOPICS = ['$SYS/broker/version', '#'] as const;

const levelNames: Record<MqttLevel, string> = { 3: 'MQTT 3.1', 4: 'MQTT 3.1.1', 5: 'MQTT 5' };

// MQTT 3.1/3.1.1 CONNACK return codes (3.1.1 section 3.2.2.3).
const v3Codes: Record<number, string> = {
  0: 'connection accepted',
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorised',
};

// MQTT 5 CONNACK reason codes (5.0 section 3.2.2.2).
const v5Codes: Record<number, string> = {
  0x00: 'success',
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x83: 'implementation specific error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8c: 'bad authentication method',
  0x90: 'topic name invalid',
  0x95: 'packet too large',
  0x97: 'quota exceeded',
  0x99: 'payload format invalid',
  0x9a: 'retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'use another server',
  0x9d: 'server moved',
  0x9f: 'connection rate exceeded',
};

type CodeClass = 'accepted' | 'credentials' | 'version' | 'refused-client' | 'other';

function classify(level: MqttLevel, code: number): CodeClass {
  if (code === 0) return 'accepted';
  if (level === 5) {
    if (code === 0x86 || code === 0x87) return 'credentials';
    if (code === 0x84) return 'version';
    // The broker has stopped taking this client: the scheduler must stop, not go on guessing.
    if (code === 0x8a || code === 0x9f) return 'refused-client';
    // A broker that speaks only 3.1/3.1.1 answers an MQTT 5 CONNECT in its own format.
    if (code === 1) return 'version';
    return 'other';
  }
  if (code === 4 || code === 5) return 'credentials';
  if (code === 1) return 'version';
  return 'other';
}

function describeCode(level: MqttLevel, code: number, reason?: string): string {
  const meaning = (level === 5 ? v5Codes[code] : undefined) ?? v3Codes[code] ?? 'unknown code';
  const hex = level === 5 ? `0x${code.toString(16).padStart(2, '0')}` : String(code);
  return `CONNACK ${hex} (${meaning}${reason ? `: "${printable(reason, 120)}"` : ''})`;
}

// ---------------------------------------------------------------------------------------------
// Encoding

function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

function lengthPrefixed(data: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(data.length);
  return Buffer.concat([length, data]);
}

function packet(header: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([header]), remainingLength(body.length), body]);
}

/** A random client id: 3.1 allows at most 23 characters. */
function clientId(): string {
  return `cnp-${crypto.randomBytes(8).toString('hex')}`;
}

/** CONNECT with a clean session, no will, and the credential when one is given. */
export function connectPacket(level: MqttLevel, id: string, credential?: Pick<Credential, 'username' | 'password'>): Buffer {
  let flags = 0x02;
  const payload = [lengthPrefixed(Buffer.from(id, 'utf8'))];
  if (credential) {
    // 3.1.1 allows a password only with a user name: a password-only credential sends an empty one.
    flags |= 0x80 | 0x40;
    payload.push(lengthPrefixed(Buffer.from(credential.username, 'utf8')), lengthPrefixed(Buffer.from(credential.password, 'utf8')));
  }
  const keepAliveSeconds = 30;
  const variable = Buffer.concat([
    lengthPrefixed(Buffer.from(level === 3 ? 'MQIsdp' : 'MQTT', 'ascii')),
    Buffer.from([level, flags, keepAliveSeconds >> 8, keepAliveSeconds & 0xff]),
    ...(level === 5 ? [Buffer.from([0])] : []),
  ]);
  return packet(0x10, Buffer.concat([variable, ...payload]));
}

function subscribePacket(level: MqttLevel, packetId: number, topics: readonly string[]): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(packetId);
  const filters = topics.map((t) => Buffer.concat([lengthPrefixed(Buffer.from(t, 'utf8')), Buffer.from([0])]));
  return packet(0x82, Buffer.concat([id, ...(level === 5 ? [Buffer.from([0])] : []), ...filters]));
}

const disconnectPacket = Buffer.from([0xe0, 0x00]);

// ---------------------------------------------------------------------------------------------
// Decoding

interface Packet {
  type: number;
  flags: number;
  body: Buffer;
}

type Parsed = { kind: 'packet'; packet: Packet; length: number } | { kind: 'incomplete' } | { kind: 'malformed' } | { kind: 'oversize'; type: number; size: number };

function parsePacket(buffer: Buffer, maxBody: number): Parsed {
  if (buffer.length < 2) return { kind: 'incomplete' };
  const first = buffer.readUInt8(0);
  let size = 0;
  let multiplier = 1;
  let at = 1;
  for (;;) {
    if (at >= buffer.length) return { kind: 'incomplete' };
    const byte = buffer.readUInt8(at++);
    size += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    if (at === 5) return { kind: 'malformed' };
    multiplier *= 128;
  }
  if (size > maxBody) return { kind: 'oversize', type: first >> 4, size };
  if (buffer.length < at + size) return { kind: 'incomplete' };
  return { kind: 'packet', packet: { type: first >> 4, flags: first & 0x0f, body: buffer.subarray(at, at + size) }, length: at + size };
}

/** An MQTT 5 variable byte integer at `at`: its value and where the next field starts. */
function varInt(buffer: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    const byte = buffer.readUInt8(at + i);
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { value, next: at + i + 1 };
    multiplier *= 128;
  }
  throw new RangeError('variable byte integer longer than 4 bytes');
}

// MQTT 5 property identifiers by the shape of their value (5.0 section 2.2.2.2).
const propertyShapes: Record<number, 'byte' | 'u16' | 'u32' | 'varint' | 'string' | 'pair'> = {
  0x01: 'byte', 0x17: 'byte', 0x19: 'byte', 0x24: 'byte', 0x25: 'byte', 0x28: 'byte', 0x29: 'byte', 0x2a: 'byte',
  0x13: 'u16', 0x21: 'u16', 0x22: 'u16', 0x23: 'u16',
  0x02: 'u32', 0x11: 'u32', 0x18: 'u32', 0x27: 'u32',
  0x0b: 'varint',
  0x03: 'string', 0x08: 'string', 0x09: 'string', 0x12: 'string', 0x15: 'string', 0x16: 'string', 0x1a: 'string', 0x1c: 'string', 0x1f: 'string',
  0x26: 'pair',
};
const REASON_STRING = 0x1f;

/** The Reason String among MQTT 5 properties, if the peer gave one and the block is well formed. */
function reasonString(properties: Buffer): string | undefined {
  try {
    let at = 0;
    while (at < properties.length) {
      const id = properties.readUInt8(at++);
      const shape = propertyShapes[id];
      if (shape === undefined) return undefined;
      if (shape === 'byte') at += 1;
      else if (shape === 'u16') at += 2;
      else if (shape === 'u32') at += 4;
      else if (shape === 'varint') at = varInt(properties, at).next;
      else {
        const strings = shape === 'pair' ? 2 : 1;
        for (let i = 0; i < strings; i++) {
          const length = properties.readUInt16BE(at);
          if (id === REASON_STRING) return properties.subarray(at + 2, at + 2 + length).toString('utf8');
          at += 2 + length;
        }
      }
    }
  } catch {
    // A truncated property block: the code alone still says what the broker decided.
  }
  return undefined;
}

interface Connack {
  code: number;
  reason?: string;
}

function parseConnack(level: MqttLevel, body: Buffer): Connack | undefined {
  if (body.length < 2) return undefined;
  const code = body.readUInt8(1);
  if (level !== 5 || body.length < 3) return { code };
  try {
    const { value, next } = varInt(body, 2);
    const reason = reasonString(body.subarray(next, next + value));
    return reason === undefined ? { code } : { code, reason };
  } catch {
    return { code };
  }
}

interface Message {
  topic: string;
  payload: Buffer;
}

function parsePublish(level: MqttLevel, p: Packet): Message | undefined {
  try {
    const topicLength = p.body.readUInt16BE(0);
    const topic = p.body.subarray(2, 2 + topicLength).toString('utf8');
    let at = 2 + topicLength;
    if (((p.flags >> 1) & 3) > 0) at += 2;
    if (level === 5) {
      const { value, next } = varInt(p.body, at);
      at = next + value;
    }
    return { topic, payload: p.body.subarray(Math.min(at, p.body.length)) };
  } catch {
    return undefined;
  }
}

function parseSuback(level: MqttLevel, body: Buffer): number[] | undefined {
  try {
    let at = 2;
    if (level === 5) {
      const { value, next } = varInt(body, at);
      at = next + value;
    }
    return [...body.subarray(at)];
  } catch {
    return undefined;
  }
}

type End = { end: 'closed' | 'timeout' | 'malformed' | 'oversize'; bytes: Buffer; size?: number };

/** Whole MQTT packets out of a Reader, each wait bounded by a deadline. */
class PacketStream {
  private pending = Buffer.alloc(0);
  /** Everything received before the first whole packet, to show when the peer is not a broker. */
  private firstBytes = Buffer.alloc(0);
  private readonly reader: Reader;

  constructor(reader: Reader) {
    this.reader = reader;
  }

  get received(): Buffer {
    return this.firstBytes;
  }

  async next(deadline: number, maxBody: number): Promise<Packet | End> {
    for (;;) {
      const parsed = parsePacket(this.pending, maxBody);
      if (parsed.kind === 'packet') {
        this.pending = this.pending.subarray(parsed.length);
        return parsed.packet;
      }
      if (parsed.kind === 'malformed') return { end: 'malformed', bytes: this.pending };
      if (parsed.kind === 'oversize') return { end: 'oversize', bytes: this.pending, size: parsed.size };
      const left = deadline - Date.now();
      if (left <= 0) return { end: 'timeout', bytes: this.pending };
      const got = await this.reader.until((b) => b.length > 0, left);
      if (!got) return { end: this.reader.closed ? 'closed' : 'timeout', bytes: this.pending };
      const chunk = this.reader.take();
      this.pending = Buffer.concat([this.pending, chunk]);
      if (this.firstBytes.length < 256) this.firstBytes = Buffer.concat([this.firstBytes, chunk]).subarray(0, 256);
    }
  }
}

function isEnd(x: Packet | End): x is End {
  return 'end' in x;
}

// ---------------------------------------------------------------------------------------------
// Connections

/** A handshake error: a socket failure as such, anything else as the peer not speaking TLS. */
function tlsFailure(error: NodeJS.ErrnoException, endpoint: Endpoint): ProbeFailure {
  const failure = failureOf(error, endpoint);
  return failure.kind === 'protocol' ? new ProbeFailure('tls', `${where(endpoint)}: no TLS handshake (${error.message})`, { cause: error }) : failure;
}

type Handshake =
  | { kind: 'connack'; level: MqttLevel; connack: Connack; reader: Reader; packets: PacketStream }
  | { kind: 'no-connack'; end: End['end'] | 'other-packet' | 'reset' | 'no-tls'; bytes: Buffer; why?: string };

/**
 * Opens a connection, sends CONNECT and waits for the CONNACK; the reader stays open on a CONNACK.
 * A TCP connection that cannot be made is the endpoint's failure and is thrown; a TLS handshake
 * that fails, or a reset after CONNECT, only says the broker is not reached this way.
 */
async function handshake(endpoint: Endpoint, ctx: ProbeContext, useTls: boolean, level: MqttLevel, credential?: Credential): Promise<Handshake> {
  const socket = await connectTcp(endpoint, ctx);
  let stream: net.Socket = socket;
  if (useTls) {
    try {
      stream = await startTls(socket, endpoint, ctx, { failure: (e) => tlsFailure(e, endpoint) });
    } catch (e) {
      if (e instanceof ProbeFailure && e.kind !== 'aborted') return { kind: 'no-connack', end: e.kind === 'timeout' ? 'timeout' : 'no-tls', bytes: Buffer.alloc(0), why: e.message };
      throw e;
    }
  }
  // Keep a few packets' worth: a flood on `#` is cut off, not accumulated.
  const reader = new Reader(stream, endpoint, ctx, 4 * MAX_MESSAGE_BODY);
  const packets = new PacketStream(reader);
  let keep = false;
  try {
    await reader.write(connectPacket(level, clientId(), credential));
    const got = await packets.next(Date.now() + ctx.timeoutMs, MAX_CONTROL_BODY);
    if (isEnd(got)) return { kind: 'no-connack', end: got.end, bytes: packets.received };
    const connack = got.type === 2 ? parseConnack(level, got.body) : undefined;
    if (!connack) return { kind: 'no-connack', end: 'other-packet', bytes: packets.received };
    keep = true;
    return { kind: 'connack', level, connack, reader, packets };
  } catch (e) {
    if (e instanceof ProbeFailure && e.kind === 'reset') return { kind: 'no-connack', end: 'reset', bytes: packets.received, why: e.message };
    throw e;
  } finally {
    if (!keep) reader.close();
  }
}

/**
 * CONNECT at 3.1.1 first (what nearly every broker speaks), then 5, then 3.1, each only when the
 * broker said it does not speak the previous one.
 */
async function handshakeAnyLevel(endpoint: Endpoint, ctx: ProbeContext, useTls: boolean): Promise<Handshake> {
  let last: Handshake | undefined;
  for (const level of [4, 5, 3] as const) {
    if (last?.kind === 'connack') last.reader.close();
    last = await handshake(endpoint, ctx, useTls, level);
    if (last.kind !== 'connack' || classify(level, last.connack.code) !== 'version') return last;
  }
  if (!last) throw new ProbeFailure('protocol', 'no protocol level was tried');
  return last;
}

async function goodbye(reader: Reader): Promise<void> {
  try {
    await reader.write(disconnectPacket);
  } catch {
    // The broker may already have gone; the connection is closed either way.
  }
  reader.close();
}

// ---------------------------------------------------------------------------------------------
// Open access: what does the broker give anyone?

interface Observation {
  granted: string[];
  denied: string[];
  messages: Message[];
  note?: string;
}

async function observe(reader: Reader, packets: PacketStream, level: MqttLevel): Promise<Observation> {
  const observation: Observation = { granted: [], denied: [], messages: [] };
  await reader.write(subscribePacket(level, 1, OBSERVED_TOPICS));
  const deadline = Date.now() + OBSERVE_MS;
  let subacked = false;
  while (observation.messages.length < OBSERVE_MESSAGES) {
    const got = await packets.next(deadline, MAX_MESSAGE_BODY);
    if (isEnd(got)) {
      if (got.end === 'oversize') observation.note = `a message of ${got.size ?? '?'} bytes ended the observation unread`;
      else if (got.end === 'malformed') observation.note = 'a malformed packet ended the observation';
      else if (got.end === 'closed') observation.note = 'the broker closed the connection';
      break;
    }
    if (got.type === 9 && !subacked) {
      subacked = true;
      const codes = parseSuback(level, got.body) ?? [];
      OBSERVED_TOPICS.forEach((topic, i) => {
        const code = codes[i];
        (code !== undefined && code < 0x80 ? observation.granted : observation.denied).push(topic);
      });
    } else if (got.type === 3) {
      const message = parsePublish(level, got);
      if (message) observation.messages.push(message);
    }
  }
  if (!subacked && observation.note === undefined) observation.note = `no SUBACK within ${OBSERVE_MS} ms`;
  return observation;
}

function describeObservation(o: Observation): string {
  const parts: string[] = [];
  if (o.granted.length) parts.push(`subscription granted to ${o.granted.join(' and ')}`);
  if (o.denied.length) parts.push(`refused for ${o.denied.join(' and ')}`);
  if (o.messages.length) {
    const shown = o.messages.map((m) => `${printable(m.topic, 60)} = "${printable(m.payload, 60)}"`);
    parts.push(`${o.messages.length} message${o.messages.length === 1 ? '' : 's'} within ${OBSERVE_MS} ms: ${shown.join('; ')}`);
  } else parts.push(`no message within ${OBSERVE_MS} ms`);
  if (o.note) parts.push(o.note);
  return parts.join('; ');
}

function fingerprintOf(o: Observation): { banner: string; fingerprint?: Fingerprint } | undefined {
  const version = o.messages.find((m) => m.topic === '$SYS/broker/version');
  if (!version) return undefined;
  const text = printable(version.payload, 120);
  const mosquitto = /mosquitto version (\d+(?:\.\d+){1,3})/i.exec(text);
  return {
    banner: text,
    ...(mosquitto ? { fingerprint: { vendor: 'Eclipse Mosquitto', product: `Mosquitto ${mosquitto[1] ?? ''}`.trim(), evidence: `$SYS/broker/version "${text}"` } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The probe

function transportName(useTls: boolean, level: MqttLevel): string {
  return `${levelNames[level]}${useTls ? ' over TLS' : ''}`;
}

async function detect(endpoint: Endpoint, ctx: ProbeContext): Promise<Detection> {
  // 8883 is MQTT over TLS by convention; elsewhere plain first. The other is tried only when the
  // first way got no CONNACK, so a TLS broker on an unusual port is still found.
  const order = endpoint.port === 8883 ? [true, false] : [false, true];
  const misses: { useTls: boolean; end: string; why: string; bytes: Buffer }[] = [];
  for (const useTls of order) {
    const result = await handshakeAnyLevel(endpoint, ctx, useTls);
    if (result.kind === 'no-connack') {
      misses.push({ useTls, end: result.end, why: result.why ?? result.end, bytes: result.bytes });
      continue;
    }
    return await classifyAnonymous(endpoint, useTls, result);
  }
  const withBytes = misses.find((m) => m.bytes.length > 0);
  if (withBytes) {
    return { speaks: false, auth: 'unknown', banner: `answered CONNECT${withBytes.useTls ? ' over TLS' : ''} with "${printable(withBytes.bytes, 120)}", not a CONNACK` };
  }
  if (misses.every((m) => m.end === 'timeout')) {
    throw new ProbeFailure('timeout', `${where(endpoint)} accepted a connection but sent no CONNACK within ${ctx.timeoutMs} ms, with or without TLS`);
  }
  return { speaks: false, auth: 'unknown', banner: `no CONNACK, with or without TLS (${misses.map((m) => `${m.useTls ? 'TLS' : 'plain'}: ${m.why}`).join('; ')})` };
}

async function classifyAnonymous(endpoint: Endpoint, useTls: boolean, result: Extract<Handshake, { kind: 'connack' }>): Promise<Detection> {
  const { level, connack, reader, packets } = result;
  const state: MqttState = { tls: useTls, level, anonymousCode: connack.code };
  const said = describeCode(level, connack.code, connack.reason);
  try {
    const kind = classify(level, connack.code);
    if (kind === 'accepted') {
      const observation = await observe(reader, packets, level);
      const identity = fingerprintOf(observation);
      return {
        speaks: true,
        auth: 'none',
        banner: identity?.banner ?? `${transportName(useTls, level)} broker`,
        ...(identity?.fingerprint ? { fingerprint: identity.fingerprint } : {}),
        openAccessEvidence: printable(`${said} to a CONNECT without credentials over ${transportName(useTls, level)} at ${where(endpoint)}; ${describeObservation(observation)}`, 600),
        state,
      };
    }
    return {
      speaks: true,
      auth: kind === 'credentials' ? 'required' : 'unknown',
      banner: `${transportName(useTls, level)} broker: ${said} without credentials`,
      state,
    };
  } finally {
    await goodbye(reader);
  }
}

function isMqttState(state: unknown): state is MqttState {
  if (typeof state !== 'object' || state === null) return false;
  const s = state as Record<string, unknown>;
  return typeof s['tls'] === 'boolean' && (s['level'] === 3 || s['level'] === 4 || s['level'] === 5) && typeof s['anonymousCode'] === 'number';
}

async function attempt(endpoint: Endpoint, detection: Detection, credential: Credential, ctx: ProbeContext): Promise<AttemptResult> {
  const state = detection.state;
  if (detection.auth !== 'required' || !isMqttState(state)) {
    // CONNACK 0 proves a credential only where the broker refused a CONNECT without one.
    return { outcome: 'error', detail: 'the broker did not refuse a connection without credentials, so accepting one would prove nothing' };
  }
  if (Buffer.byteLength(credential.username) > 0xffff || Buffer.byteLength(credential.password) > 0xffff) {
    return { outcome: 'error', detail: 'user name or password longer than MQTT allows (65535 bytes)' };
  }
  const result = await handshake(endpoint, ctx, state.tls, state.level, credential);
  if (result.kind === 'no-connack') {
    if (result.end === 'timeout') return { outcome: 'timeout', detail: `no CONNACK within ${ctx.timeoutMs} ms` };
    const said = result.bytes.length ? `: "${printable(result.bytes, 80)}"` : '';
    return { outcome: 'error', detail: `no CONNACK (${result.why ?? result.end})${said}` };
  }
  const { level, connack, reader } = result;
  await goodbye(reader);
  const said = describeCode(level, connack.code, connack.reason);
  switch (classify(level, connack.code)) {
    case 'accepted':
      return {
        outcome: 'success',
        detail: `${said} for this user name and password over ${transportName(state.tls, level)}, where a CONNECT without credentials got ${describeCode(level, state.anonymousCode)}`,
      };
    case 'credentials':
      return { outcome: 'rejected', detail: said };
    case 'refused-client':
      return { outcome: 'locked-out', detail: said };
    default:
      return { outcome: 'error', detail: said };
  }
}

export const mqttProbe: ProtocolProbe = {
  service: 'mqtt',
  transport: 'tcp',
  defaultPorts: [1883, 8883],
  detect: containedStep('MQTT exchange failed', detect),
  attempt: containedStep('MQTT exchange failed', attempt),
};
