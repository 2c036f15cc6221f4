// Which protocol listens on a port the user named without saying: protocols whose server speaks
// first (SSH, FTP, telnet) are told by their first bytes; a silent server is one that waits for
// the client (HTTP, RTSP, MQTT, TLS), tried in that order.
import { connectTcp, Reader } from './net.ts';
import { ProbeFailure, type Endpoint, type ProbeContext, type ServiceKind } from './types.ts';

const SERVER_FIRST: readonly ServiceKind[] = ['ssh', 'ftp', 'telnet'];
const CLIENT_FIRST: readonly ServiceKind[] = ['http', 'rtsp', 'mqtt', 'https'];

/** What the first bytes of a server that spoke first say it is. */
export function serviceOfGreeting(bytes: Uint8Array): ServiceKind | undefined {
  const text = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (text.startsWith('SSH-')) return 'ssh';
  if (/^220[ -]/.test(text)) return 'ftp';
  if (bytes[0] === 0xff || /[a-z]/i.test(text)) return 'telnet';
  return undefined;
}

/**
 * Orders the candidate services for an unnamed port by what the server says in its first
 * moments; the scheduler then runs detection in that order. `waitMs` is kept short: a server
 * that speaks first does so at once.
 */
export async function orderByGreeting(endpoint: Pick<Endpoint, 'host' | 'port'>, candidates: readonly ServiceKind[], ctx: ProbeContext, waitMs = 1500): Promise<ServiceKind[]> {
  let greeting: ServiceKind | undefined;
  let silent = false;
  try {
    const socket = await connectTcp(endpoint, ctx);
    const reader = new Reader(socket, endpoint, ctx, 4096);
    try {
      silent = !(await reader.until((b) => b.length > 0, Math.min(waitMs, ctx.timeoutMs)));
      if (!silent) greeting = serviceOfGreeting(reader.buffered);
    } finally {
      reader.close();
    }
  } catch (error) {
    if (error instanceof ProbeFailure) return [...candidates]; // detection will report it properly
    throw error;
  }
  const rank = (s: ServiceKind): number => {
    if (s === greeting) return 0;
    if (silent) return CLIENT_FIRST.includes(s) ? 1 + CLIENT_FIRST.indexOf(s) : 10;
    return SERVER_FIRST.includes(s) ? 1 + SERVER_FIRST.indexOf(s) : 10;
  };
  return [...candidates].sort((a, b) => rank(a) - rank(b)).filter((s) => s !== 'snmp');
}
