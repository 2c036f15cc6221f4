// The FTP probe: reads the greeting, checks whether anonymous login is open, and tries one
// USER/PASS per connection. A login counts only when the server answers 230 and then a command
// that needs a login (PWD) is answered as by a logged-in session; no data connection is ever
// opened, so nothing is listed, fetched or written.
//
// The control exchange is written by hand on connectTcp and Reader rather than with basic-ftp:
// basic-ftp opens its own socket (so connectTcp's scope check and connect bound would have to be
// bypassed, or its internals fed our socket), its timeout is an idle timer that a server dribbling
// one byte at a time never trips, and its access() goes on to FEAT/TYPE/OPTS after the login. What
// the probe needs is four commands (USER, PASS, PWD, QUIT) and a reply parser, each wait bounded.
import { connectTcp, printable, Reader, where } from '../net.ts';
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
import { asProbeFailure } from './contained.ts';

/** A control reply longer than this is not one a real server sends: the peer is not FTP. */
const MAX_REPLY_CHARS = 16 * 1024;
/** Most bytes kept from one connection: a few replies, never a listing. */
const MAX_CONNECTION_BYTES = 64 * 1024;
/** RFC 1635 asks for an e-mail address as the anonymous password; some servers check its shape. */
const ANONYMOUS_PASSWORD = 'probe@example.com';

export interface FtpReply {
  code: number;
  /** All lines of the reply, as the server wrote them (codes included), joined by "\n". */
  text: string;
}

/**
 * Reads one complete reply from the start of `received` (RFC 959 4.2: "ddd text", or "ddd-text"
 * lines up to one starting "ddd " with the same code). 'incomplete' when more bytes are needed,
 * 'not-ftp' when the first line cannot begin an FTP reply.
 */
export function parseReply(received: string): { reply: FtpReply; length: number } | 'incomplete' | 'not-ftp' {
  const firstEnd = received.indexOf('\n');
  if (firstEnd < 0) {
    // Even a partial first line shows whether it can begin a reply: three digits, then " " or "-".
    const fits = received.length < 4 ? /^\d*$/.test(received) : /^\d{3}[ -]/.test(received);
    return fits ? 'incomplete' : 'not-ftp';
  }
  const first = received.slice(0, firstEnd).replace(/\r$/, '');
  const head = /^(\d{3})([ -]|$)/.exec(first);
  if (!head?.[1]) return 'not-ftp';
  const code = Number(head[1]);
  if (head[2] !== '-') return { reply: { code, text: first }, length: firstEnd + 1 };
  const lines = [first];
  let at = firstEnd + 1;
  for (;;) {
    const end = received.indexOf('\n', at);
    if (end < 0) return 'incomplete';
    const line = received.slice(at, end).replace(/\r$/, '');
    lines.push(line);
    at = end + 1;
    if (line.startsWith(`${head[1]} `) || line === head[1]) return { reply: { code, text: lines.join('\n') }, length: at };
  }
}

/** The peer answered with something that is not an FTP reply. */
class NotFtp extends Error {
  readonly received: string;
  constructor(received: string) {
    super('not an FTP reply');
    this.received = received;
  }
}

/** One control connection: replies read in order, each wait bounded by ctx.timeoutMs. */
class Control {
  private pending = '';
  private readonly reader: Reader;
  private readonly endpoint: Endpoint;
  private readonly ctx: ProbeContext;

  constructor(reader: Reader, endpoint: Endpoint, ctx: ProbeContext) {
    this.reader = reader;
    this.endpoint = endpoint;
    this.ctx = ctx;
  }

  /** The next reply; a ProbeFailure when the peer closes or stays silent, NotFtp for garbage. */
  async reply(waitingFor: string): Promise<FtpReply> {
    // One deadline for the whole reply: a peer dribbling a byte at a time cannot stretch it.
    const deadline = Date.now() + this.ctx.timeoutMs;
    for (;;) {
      const parsed = parseReply(this.pending);
      if (parsed === 'not-ftp') throw new NotFtp(this.pending);
      if (parsed !== 'incomplete') {
        this.pending = this.pending.slice(parsed.length);
        return parsed.reply;
      }
      if (this.pending.length > MAX_REPLY_CHARS) throw new NotFtp(this.pending);
      const left = deadline - Date.now();
      const got = left > 0 && (await this.reader.until((received) => received.length > 0, left));
      if (!got) {
        const at = where(this.endpoint);
        if (this.reader.closed) throw new ProbeFailure('reset', `${at} closed the connection while we waited for ${waitingFor}`);
        throw new ProbeFailure('timeout', `${at} did not answer ${waitingFor} within ${this.ctx.timeoutMs} ms`);
      }
      this.pending += this.reader.take().toString('latin1');
    }
  }

  send(command: string): Promise<void> {
    return this.reader.write(`${command}\r\n`);
  }

  /** Says goodbye without waiting long for the answer, then closes. */
  async quit(): Promise<void> {
    try {
      if (!this.reader.closed) {
        await this.send('QUIT');
        await this.reader.until((received) => received.length > 0, Math.min(this.ctx.timeoutMs, 500));
      }
    } catch {
      // The session's outcome is already known; a peer that drops QUIT changes nothing.
    } finally {
      this.reader.close();
    }
  }
}

async function open(endpoint: Endpoint, ctx: ProbeContext): Promise<{ control: Control; greeting: FtpReply }> {
  const socket = await connectTcp(endpoint, ctx);
  const control = new Control(new Reader(socket, endpoint, ctx, MAX_CONNECTION_BYTES), endpoint, ctx);
  try {
    let greeting = await control.reply('the greeting');
    // 120 "service ready in nnn minutes" comes before the real greeting; a few are tolerated.
    for (let i = 0; i < 3 && greeting.code >= 100 && greeting.code < 200; i++) greeting = await control.reply('the greeting after 120');
    return { control, greeting };
  } catch (error) {
    await control.quit();
    throw error;
  }
}

function words(reply: FtpReply): string {
  return printable(reply.text);
}

/** A refusal that is about the connection not being encrypted, not about the credential. */
const TLS_FIRST = /\b(?:TLS|SSL|encrypt(?:ed|ion)?|AUTH TLS)\b/i;
/** What servers say when they stop listening to a client for a while. */
const LOCK_OUT = /too many|locked|lock-?out|try (?:again )?later|temporarily|blocked|banned|penalt/i;

type LoginResult =
  | { kind: 'logged-in'; proof: string }
  | { kind: 'rejected'; detail: string }
  | { kind: 'locked-out'; detail: string }
  | { kind: 'not-proven'; detail: string }
  | { kind: 'not-ftp'; detail: string };

/** USER/PASS, then PWD (or CWD where PWD is not implemented) to prove the session. */
async function login(control: Control, username: string, password: string): Promise<LoginResult> {
  const refused = (step: string, reply: FtpReply): LoginResult => {
    if ((reply.code === 421 || reply.code === 530) && LOCK_OUT.test(reply.text)) {
      return { kind: 'locked-out', detail: `the server answered ${step} with "${words(reply)}"` };
    }
    // vsftpd's force_local_logins_ssl and the like refuse before looking at the password.
    if (TLS_FIRST.test(reply.text) || reply.code === 534) {
      return { kind: 'not-proven', detail: `${step} answered "${words(reply)}": the server wants TLS (AUTH TLS) first, so the password was not checked` };
    }
    if (reply.code === 530) return { kind: 'rejected', detail: `${step} answered "${words(reply)}"` };
    if (reply.code === 332) return { kind: 'not-proven', detail: `${step} answered "${words(reply)}": the server wants an account (ACCT), which the probe does not send` };
    return { kind: 'not-proven', detail: `${step} answered "${words(reply)}"` };
  };
  await control.send(`USER ${username}`);
  const user = await control.reply('USER');
  let accepted: FtpReply;
  if (user.code === 230) accepted = user;
  else if (user.code === 331) {
    await control.send(`PASS ${password}`);
    const pass = await control.reply('PASS');
    if (pass.code !== 230 && pass.code !== 202) return refused('PASS', pass);
    accepted = pass;
  } else if (user.code === 500 || user.code === 502) {
    return { kind: 'not-ftp', detail: `USER answered "${words(user)}"` };
  } else return refused('USER', user);

  // A 230 alone is only the server's word; a command that needs a session proves it.
  await control.send('PWD');
  const pwd = await control.reply('PWD');
  const said = `${accepted === user ? 'USER' : 'PASS'} answered "${words(accepted)}"`;
  if (pwd.code === 257) return { kind: 'logged-in', proof: `${said}; PWD answered "${words(pwd)}"` };
  if (pwd.code === 500 || pwd.code === 502) {
    await control.send('CWD /');
    const cwd = await control.reply('CWD');
    if (cwd.code === 250) return { kind: 'logged-in', proof: `${said}; PWD is not implemented, CWD / answered "${words(cwd)}"` };
    return { kind: 'not-proven', detail: `${said}, but PWD answered "${words(pwd)}" and CWD / "${words(cwd)}": no session shown` };
  }
  if (pwd.code === 530) return { kind: 'rejected', detail: `${said}, but PWD answered "${words(pwd)}": not logged in after all` };
  return { kind: 'not-proven', detail: `${said}, but PWD answered "${words(pwd)}": no session shown` };
}

interface FingerprintRule {
  pattern: RegExp;
  vendor: string;
  product?: string;
  /** Capture group holding a version or model to add to the product. */
  detailGroup?: number;
}

// FTP greetings that name the software or the device. Written from the servers' own default
// greetings (as their documentation and sources show them); the first match wins, devices first.
const ftpFingerprints: readonly FingerprintRule[] = [
  { pattern: /MikroTik FTP server \(MikroTik ([\d.]+)\)/i, vendor: 'MikroTik', product: 'RouterOS', detailGroup: 1 },
  { pattern: /\bFRITZ!Box\s?(\w*)/i, vendor: 'AVM', product: 'FRITZ!Box', detailGroup: 1 },
  { pattern: /\bDiskStation\b/i, vendor: 'Synology', product: 'DiskStation' },
  { pattern: /\bNASFTPD\b|\bQNAP\b/i, vendor: 'QNAP' },
  { pattern: /\bReadyNAS\b|\bNETGEAR\b/i, vendor: 'NETGEAR' },
  { pattern: /\bTP-?LINK\b/i, vendor: 'TP-Link' },
  { pattern: /\bHikvision\b/i, vendor: 'Hikvision' },
  { pattern: /\(vsFTPd ([\w.]+)\)/i, vendor: 'vsftpd', product: 'vsftpd', detailGroup: 1 },
  { pattern: /ProFTPD(?: ([\w.]+))?/i, vendor: 'ProFTPD', product: 'ProFTPD', detailGroup: 1 },
  { pattern: /Pure-FTPd/i, vendor: 'Pure-FTPd', product: 'Pure-FTPd' },
  { pattern: /FileZilla Server(?: version)?(?: ([\w.]+))?/i, vendor: 'FileZilla', product: 'FileZilla Server', detailGroup: 1 },
  { pattern: /Microsoft FTP Service/i, vendor: 'Microsoft', product: 'IIS FTP' },
  { pattern: /GNU inetutils ([\w.]+)/i, vendor: 'GNU inetutils', product: 'ftpd', detailGroup: 1 },
  // BusyBox ftpd greets with its generic success line and nothing else.
  { pattern: /^220 Operation successful$/m, vendor: 'BusyBox', product: 'ftpd (embedded Linux)' },
];

export function fingerprintFtp(greeting: string): Fingerprint | undefined {
  for (const rule of ftpFingerprints) {
    const m = rule.pattern.exec(greeting);
    if (!m) continue;
    const detail = rule.detailGroup === undefined ? undefined : m[rule.detailGroup];
    const product = [rule.product, detail].filter(Boolean).join(' ');
    return { vendor: rule.vendor, ...(product ? { product } : {}), evidence: `FTP greeting "${printable(greeting, 120)}"` };
  }
  return undefined;
}

/** Whether a failure means the probe should stop (scope, abort) rather than report on the service. */
function mustStop(error: unknown): boolean {
  return error instanceof ProbeFailure && (error.kind === 'out-of-scope' || error.kind === 'aborted');
}

function unsafe(text: string): boolean {
  // A CR or LF would end the command early and let the rest run as another one.
  return /[\r\n\0]/.test(text);
}

export const ftpProbe: ProtocolProbe = {
  service: 'ftp',
  transport: 'tcp',
  defaultPorts: [21],

  async detect(endpoint: Endpoint, ctx: ProbeContext): Promise<Detection> {
    let opened: { control: Control; greeting: FtpReply };
    try {
      opened = await open(endpoint, ctx);
    } catch (error) {
      if (error instanceof NotFtp) return { speaks: false, banner: printable(error.received), auth: 'unknown' };
      throw asProbeFailure(error, () => `FTP exchange with ${where(endpoint)} failed`);
    }
    const { control, greeting } = opened;
    try {
      const banner = words(greeting);
      if (greeting.code === 421) throw new ProbeFailure('refused', `${where(endpoint)} turned the connection away: "${banner}"`);
      if (greeting.code !== 220) return { speaks: false, banner, auth: 'unknown' };
      const fingerprint = fingerprintFtp(greeting.text);
      const base = { speaks: true, banner, ...(fingerprint ? { fingerprint } : {}) };
      let anonymous: LoginResult;
      try {
        anonymous = await login(control, 'anonymous', ANONYMOUS_PASSWORD);
      } catch (error) {
        if (!(error instanceof ProbeFailure) || mustStop(error)) throw error;
        // It greeted as FTP; only the anonymous check could not be finished.
        return { ...base, auth: 'unknown', state: { anonymous: error.message } };
      }
      switch (anonymous.kind) {
        case 'logged-in':
          return { ...base, auth: 'none', openAccessEvidence: `anonymous login: ${anonymous.proof}` };
        case 'not-ftp':
          // An SMTP server greets with 220 too, then does not know USER.
          return { speaks: false, banner, auth: 'unknown' };
        default:
          return { ...base, auth: 'required', state: { anonymous: anonymous.detail } };
      }
    } catch (error) {
      if (error instanceof NotFtp) return { speaks: false, banner: printable(error.received), auth: 'unknown' };
      throw asProbeFailure(error, () => `FTP exchange with ${where(endpoint)} failed`);
    } finally {
      await control.quit();
    }
  },

  async attempt(endpoint: Endpoint, detection: Detection, credential: Credential, ctx: ProbeContext): Promise<AttemptResult> {
    if (unsafe(credential.username) || unsafe(credential.password)) {
      return { outcome: 'error', detail: 'the credential contains a line break or NUL, which FTP cannot carry; not sent' };
    }
    if (credential.username === '') return { outcome: 'error', detail: 'FTP needs a user name; a password-only credential was not tried' };
    let opened: { control: Control; greeting: FtpReply };
    try {
      opened = await open(endpoint, ctx);
    } catch (error) {
      if (mustStop(error)) throw error;
      if (error instanceof NotFtp) return { outcome: 'error', detail: `the server no longer speaks FTP: "${printable(error.received)}"` };
      if (error instanceof ProbeFailure) {
        // A service that answered detect but now refuses or drops connections is shutting us out.
        if (detection.speaks && (error.kind === 'refused' || error.kind === 'reset')) {
          return { outcome: 'locked-out', detail: `${error.message}, after answering before: the server may have blocked us` };
        }
        if (error.kind === 'timeout') return { outcome: 'timeout', detail: error.message };
        throw error;
      }
      throw new ProbeFailure('protocol', `FTP exchange with ${where(endpoint)} failed`, { cause: error });
    }
    const { control, greeting } = opened;
    try {
      if (greeting.code === 421) {
        return LOCK_OUT.test(greeting.text)
          ? { outcome: 'locked-out', detail: `the server turned the connection away: "${words(greeting)}"` }
          : { outcome: 'error', detail: `the server turned the connection away: "${words(greeting)}"` };
      }
      if (greeting.code !== 220) return { outcome: 'error', detail: `unexpected greeting "${words(greeting)}"` };
      const result = await login(control, credential.username, credential.password);
      switch (result.kind) {
        case 'logged-in':
          return { outcome: 'success', detail: result.proof };
        case 'rejected':
          return { outcome: 'rejected', detail: result.detail };
        case 'locked-out':
          return { outcome: 'locked-out', detail: result.detail };
        case 'not-proven':
        case 'not-ftp':
          return { outcome: 'error', detail: result.detail };
      }
    } catch (error) {
      if (mustStop(error)) throw error;
      if (error instanceof NotFtp) return { outcome: 'error', detail: `the server answered with something that is not FTP: "${printable(error.received)}"` };
      if (error instanceof ProbeFailure) {
        if (error.kind === 'timeout') return { outcome: 'timeout', detail: error.message };
        return { outcome: 'error', detail: error.message };
      }
      throw new ProbeFailure('protocol', `FTP exchange with ${where(endpoint)} failed`, { cause: error });
    } finally {
      await control.quit();
    }
  },
};
