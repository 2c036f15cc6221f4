// What the user asked the probe to look at, turned into addresses before anything is sent: the
// set of addresses is the probe's whole scope, and nothing outside it is ever contacted.
import dns from 'node:dns/promises';
import net from 'node:net';
import { ConnectableError } from '../errors.ts';
import { serviceKinds, type ServiceKind } from './types.ts';

/** A host to probe, with the port (and service) the user named, if any. */
export interface Target {
  /** As the user wrote it, for the report. */
  given: string;
  /** IP literal; IPv6 without brackets, in its canonical compressed form. */
  host: string;
  port?: number;
  service?: ServiceKind;
}

/** A target the user must correct: exit 2 from the CLI, 400 from the API. */
function targetError(message: string): ConnectableError {
  return new ConnectableError('CONNECTABLE_ERR_INVALID_INPUT', message);
}

/** The most addresses one run may expand to, unless the caller raises it (a /20 of IPv4). */
export const DEFAULT_MAX_HOSTS = 4096;

/**
 * Parses one target: an IPv4 or IPv6 address, a host name, a CIDR range, any of them with a port
 * (`host:port`, `[v6]:port`) and optionally a service (`rtsp://host:port`, `telnet://host`).
 */
export function parseTarget(raw: string): { kind: 'address' | 'name' | 'cidr'; text: string; prefix?: number; port?: number; service?: ServiceKind } {
  let text = raw.trim();
  if (text === '') throw targetError('An empty target was given. Give an address, a host name, a CIDR range or host:port.');
  let service: ServiceKind | undefined;
  const scheme = /^([a-z]+):\/\//i.exec(text);
  if (scheme) {
    const name = (scheme[1] ?? '').toLowerCase();
    if (!(serviceKinds as readonly string[]).includes(name)) {
      throw targetError(`"${raw}": unknown service "${name}". Use one of ${serviceKinds.join(', ')}, or leave the service out.`);
    }
    service = name as ServiceKind;
    text = text.slice(scheme[0].length).replace(/\/+$/, '');
  }
  let port: number | undefined;
  const portOf = (p: string): number => {
    const n = Number(p);
    if (!/^\d{1,5}$/.test(p) || n < 1 || n > 65535) throw targetError(`"${raw}": port "${p}" is not a number from 1 to 65535.`);
    return n;
  };
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(text);
  if (bracketed) {
    text = bracketed[1] ?? '';
    if (bracketed[2] !== undefined) port = portOf(bracketed[2]);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const at = text.lastIndexOf(':');
    port = portOf(text.slice(at + 1));
    text = text.slice(0, at);
  }
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const address = text.slice(0, slash);
    const bits = text.slice(slash + 1);
    const family = net.isIP(address);
    if (family === 0) throw targetError(`"${raw}": a CIDR range needs an IP address before the "/", e.g. 192.168.1.0/24.`);
    const max = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) throw targetError(`"${raw}": the prefix length must be a number from 0 to ${max}.`);
    return { kind: 'cidr', text: address, prefix: Number(bits), ...(port === undefined ? {} : { port }), ...(service ? { service } : {}) };
  }
  if (net.isIP(text)) return { kind: 'address', text: canonical(text), ...(port === undefined ? {} : { port }), ...(service ? { service } : {}) };
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(text)) {
    throw targetError(`"${raw}" is not an address, host name, CIDR range or host:port. Examples: 192.168.1.20, camera.local, 10.0.0.0/28, [fe80::1]:8080, rtsp://192.168.1.20:554.`);
  }
  return { kind: 'name', text, ...(port === undefined ? {} : { port }), ...(service ? { service } : {}) };
}

/** The canonical text of an IP address (IPv6 compressed, lower case; IPv4-mapped kept as given). */
export function canonical(address: string): string {
  if (net.isIP(address) !== 6) return address;
  const words = expand6(address);
  // Longest run of zero words (at least two) becomes '::'.
  let best = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

function expand6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = (dotted[1] ?? '').split('.').map(Number);
    text = text.slice(0, -(dotted[1] ?? '').length) + `${(((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16)}:${(((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((h) => parseInt(h, 16));
}

/** Every address of a CIDR range, refusing ranges larger than `max` before listing any. */
export function expandCidr(address: string, prefix: number, max: number): string[] {
  const family = net.isIP(address);
  const hostBits = (family === 4 ? 32 : 128) - prefix;
  if (hostBits > 30 || 2 ** hostBits > max) {
    throw targetError(
      `${address}/${prefix} holds ${hostBits > 52 ? `2^${hostBits}` : (2 ** hostBits).toLocaleString('en-GB')} addresses, more than the ${max.toLocaleString('en-GB')} allowed. Give a narrower range, or raise the limit with --max-hosts.`,
    );
  }
  const count = 2 ** hostBits;
  if (family === 4) {
    const base = address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
    const start = base - (base % count);
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const n = start + i;
      out.push([24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.'));
    }
    return out;
  }
  const words = expand6(address);
  let value = words.reduce((n, w) => (n << 16n) | BigInt(w), 0n);
  value -= value % BigInt(count);
  const out: string[] = [];
  for (let i = 0n; i < BigInt(count); i++) {
    const n = value + i;
    const parts: string[] = [];
    for (let w = 7; w >= 0; w--) parts.push(((n >> BigInt(w * 16)) & 0xffffn).toString(16));
    out.push(canonical(parts.join(':')));
  }
  return out;
}

/**
 * Resolves every target to addresses. A name stands for all the addresses it resolves to; a
 * name that resolves to nothing is an error, so a typo never turns into a silent clean result.
 */
export async function resolveTargets(
  raws: readonly string[],
  options: { maxHosts?: number; lookup?: (name: string) => Promise<string[]> } = {},
): Promise<Target[]> {
  const max = options.maxHosts ?? DEFAULT_MAX_HOSTS;
  const lookup =
    options.lookup ??
    (async (name: string) => {
      const found = await dns.lookup(name, { all: true, verbatim: true });
      return found.map((a) => a.address);
    });
  const out: Target[] = [];
  const seen = new Set<string>();
  const hosts = new Set<string>();
  const add = (t: Target): void => {
    const key = `${t.host}|${t.port ?? ''}|${t.service ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(t);
    hosts.add(t.host);
    if (hosts.size > max) {
      throw targetError(`The targets expand to more than ${max.toLocaleString('en-GB')} addresses. Give fewer, or raise the limit with --max-hosts.`);
    }
  };
  for (const raw of raws) {
    const parsed = parseTarget(raw);
    const extra = { ...(parsed.port === undefined ? {} : { port: parsed.port }), ...(parsed.service ? { service: parsed.service } : {}) };
    if (parsed.kind === 'address') add({ given: raw, host: parsed.text, ...extra });
    else if (parsed.kind === 'cidr') for (const host of expandCidr(parsed.text, parsed.prefix ?? 32, max)) add({ given: raw, host, ...extra });
    else {
      let addresses: string[];
      try {
        addresses = await lookup(parsed.text);
      } catch (error) {
        throw targetError(`"${raw}": the name does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Check the spelling, or give the address.`);
      }
      if (addresses.length === 0) throw targetError(`"${raw}": the name resolves to no address. Give the address instead.`);
      for (const host of addresses) add({ given: raw, host: canonical(host), ...extra });
    }
  }
  return out;
}
