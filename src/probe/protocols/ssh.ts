// The SSH probe. detect() identifies the server (its identification line and host key: the same
// host key on every unit is a universal secret in its own right) and asks which authentication
// methods it offers, through the 'none' method, which also finds accounts open without a
// password. attempt() tries one password, by the password method and by keyboard-interactive,
// on a fresh connection. A login counts only when the server accepts it AND a session is shown
// to work: a command run through exec (or, where exec is refused, through a shell) answering
// what only an executing shell can answer, or at least a session channel that opens and does
// not ask for a login of its own.
//
// ssh2 gets the socket from connectTcp (scope, connect bound). ssh2's readyTimeout is one
// deadline for the whole login, so the login also runs under an idle bound (ctx.timeoutMs
// without a byte from the peer: a silent step fails after one step's time) and an overall one
// (LOGIN_BUDGET_STEPS steps: a peer dribbling bytes to keep the idle bound quiet still ends).
import { createHash, getCiphers, getHashes } from 'node:crypto';
import type net from 'node:net';
import ssh2, { type Algorithms, type AuthenticationType, type Client as SshClient, type ClientChannel, type NextAuthHandler, type Prompt } from 'ssh2';
import { connectTcp, failureOf, printable, where } from '../net.ts';
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

/** Only a shell that evaluates arithmetic prints the answer; an echoing CLI or a pty echo does not. */
export const PROOF_COMMAND = 'echo CNT$((7*6))X';
export const PROOF_ANSWER = 'CNT42X';
/** The account detect() asks about: where an embedded system is open without a password, it is root's. */
const DETECT_USER = 'root';
/** Identification line and anything a server prints before it (RFC 4253 4.2 allows lines before). */
const MAX_HEAD_BYTES = 8192;
/** Kept from a session channel's output: enough for a prompt or an error message. */
const MAX_CHANNEL_CHARS = 4096;
/** Keyboard-interactive rounds answered before a server asking on and on is given up on. */
const MAX_PROMPT_ROUNDS = 4;
/** The whole login (handshake and authentication) in units of ctx.timeoutMs. */
const LOGIN_BUDGET_STEPS = 4;

/** Lines a server sends when it stops listening to us for a while, rather than refusing a password. */
const LOCK_OUT = /\block(?:ed|ing)?\b|lock-?out|try (?:again )?later|temporarily (?:blocked|disabled|banned|unavailable)|\bblocked\b|\bbanned\b|penalt/i;
/** The per-connection cap on failures (OpenSSH MaxAuthTries, dropbear's "Max auth tries reached"). */
const TOO_MANY = /too many (?:authentication |auth |login )?(?:failures|attempts|tries)|max(?:imum)? (?:auth(?:entication)?|login) (?:tries|attempts)|no[ _]more[ _]auth/i;
/** A session that asks for credentials of its own: the SSH login was not the real one. */
const LOGIN_PROMPT = /(?:login|user ?name|password)\s*:\s*$/i;
/** A keyboard-interactive prompt that only asks for the user name or password. */
const PLAIN_PROMPT = /^[\w ]{0,24}(?:password|passcode|user ?name|login)(?: for [^:]{0,80})?:?\s*$/i;
/** A session channel that opened only to say no. */
const REFUSAL = /not available|not allowed|permission denied|access denied|disabled|login incorrect|authentication failed/i;

export interface SshHostKey {
  /** As named in the key blob: 'ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', … */
  type: string;
  /** As OpenSSH prints it: "SHA256:" and unpadded base64. */
  sha256: string;
}

/** Detection.state of an SSH service. */
export interface SshState {
  hostKey?: SshHostKey;
  /** What the server offered after refusing 'none' for `username`. */
  methods?: string[];
  username: string;
  /** User-auth banners shown before any password was tried: the server's standing notice. */
  banners?: string[];
  /** Why detection could not tell more, when it could not. */
  problem?: string;
}

function sshStateOf(detection: Detection): SshState | undefined {
  const state = detection.state;
  return typeof state === 'object' && state !== null && 'username' in state ? (state as SshState) : undefined;
}

/** The host key as ssh2 hands it over (the raw public key blob): its type and fingerprint. */
export function describeHostKey(blob: Buffer): SshHostKey {
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const type = length > 0 && length <= 64 && blob.length >= 4 + length ? blob.subarray(4, 4 + length).toString('latin1') : 'unknown';
  const sha256 = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  return { type: printable(type, 64), sha256 };
}

interface FingerprintRule {
  pattern: RegExp;
  vendor: string;
  product?: string;
  /** Capture group holding a version to add to the product. */
  detailGroup?: number;
}

// Identification lines that name the product. Written from what these servers send by default
// (their documentation and sources); matched against the whole line, the first match wins.
const sshFingerprints: readonly FingerprintRule[] = [
  { pattern: /^SSH-[\d.]+-ROSSSH/, vendor: 'MikroTik', product: 'RouterOS' },
  { pattern: /^SSH-[\d.]+-Cisco-([\d.]+)/i, vendor: 'Cisco', product: 'IOS SSH', detailGroup: 1 },
  { pattern: /^SSH-[\d.]+-(?:HUAWEI|VRP)-([\d.]+)/i, vendor: 'Huawei', product: 'VRP SSH', detailGroup: 1 },
  { pattern: /^SSH-[\d.]+-ZTE/i, vendor: 'ZTE' },
  { pattern: /^SSH-[\d.]+-Comware-([\d.]+)/i, vendor: 'H3C/HPE', product: 'Comware', detailGroup: 1 },
  { pattern: /^SSH-[\d.]+-Zyxel/i, vendor: 'Zyxel' },
  { pattern: /^SSH-[\d.]+-lancom/i, vendor: 'LANCOM' },
  { pattern: /^SSH-[\d.]+-NetScreen/i, vendor: 'Juniper', product: 'ScreenOS' },
  { pattern: /^SSH-[\d.]+-mpSSH_/i, vendor: 'HPE', product: 'iLO' },
  // Allegro's embedded SSH server, licensed into printers, UPS cards and switches.
  { pattern: /^SSH-[\d.]+-RomSShell_([\w.]+)/i, vendor: 'Allegro RomSShell (embedded)', product: 'RomSShell', detailGroup: 1 },
  { pattern: /^SSH-[\d.]+-dropbear_?([\w.]*)/i, vendor: 'Dropbear', product: 'embedded Linux dropbear', detailGroup: 1 },
  { pattern: /^SSH-[\d.]+-OpenSSH_([\w.]+) Raspbian/i, vendor: 'Raspberry Pi', product: 'Raspbian OpenSSH', detailGroup: 1 },
  { pattern: /^SSH-[\d.]+-OpenSSH_([\w.]+)/, vendor: 'OpenSSH', product: 'OpenSSH', detailGroup: 1 },
  { pattern: /^SSH-[\d.]+-libssh[_-]([\w.]+)/i, vendor: 'libssh', product: 'libssh server', detailGroup: 1 },
];

export function fingerprintSsh(ident: string): Fingerprint | undefined {
  for (const rule of sshFingerprints) {
    const m = rule.pattern.exec(ident);
    if (!m) continue;
    const detail = rule.detailGroup === undefined ? undefined : m[rule.detailGroup];
    const product = [rule.product, detail].filter(Boolean).join(' ');
    return { vendor: rule.vendor, ...(product ? { product } : {}), evidence: `SSH identification "${printable(ident, 120)}"` };
  }
  return undefined;
}

/**
 * ssh2's defaults and the older algorithms embedded servers still insist on (old dropbear:
 * group1/group14-sha1, ssh-dss, CBC ciphers, hmac-md5). Probing reads nothing secret, so weak
 * transport algorithms cost nothing; failing to talk to the device would.
 */
function legacyAlgorithms(): Algorithms {
  const ciphers = new Set(getCiphers());
  const hashes = new Set(getHashes());
  const cipher = (
    [
      ['aes128-cbc', 'aes-128-cbc'],
      ['aes192-cbc', 'aes-192-cbc'],
      ['aes256-cbc', 'aes-256-cbc'],
      ['3des-cbc', 'des-ede3-cbc'],
    ] as const
  )
    .filter(([, openssl]) => ciphers.has(openssl))
    .map(([name]) => name);
  const hmac = (
    [
      ['hmac-sha1-96', 'sha1'],
      ['hmac-md5', 'md5'],
      ['hmac-md5-96', 'md5'],
    ] as const
  )
    .filter(([, openssl]) => hashes.has(openssl))
    .map(([name]) => name);
  return {
    kex: { append: ['diffie-hellman-group-exchange-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group1-sha1'], prepend: [], remove: [] },
    serverHostKey: { append: ['ssh-dss'], prepend: [], remove: [] },
    cipher: { append: cipher, prepend: [], remove: [] },
    hmac: { append: hmac, prepend: [], remove: [] },
  };
}

/** What the server showed of itself and said during one login. */
interface Observed {
  /** Bytes before (and including) the identification line, capped. */
  head: Buffer;
  ident?: string;
  hostKey?: SshHostKey;
  /** Methods offered when 'none' was refused. */
  methods?: AuthenticationType[];
  /** Methods that carried our password to the server, answered or not. */
  sent: AuthenticationType[];
  /** Of those, the ones the server answered with a failure while still offering them: the password was refused. */
  refused: AuthenticationType[];
  /** A method the server accepted as one step of several (the password was right, more is wanted). */
  partial?: AuthenticationType;
  /** The method that logged in. */
  acceptedBy?: AuthenticationType;
  /** User-auth banners, as sent. */
  banners: string[];
  /** Keyboard-interactive names, instructions and prompts other than plain password prompts. */
  said: string[];
}

type LoginEnd =
  | { kind: 'ready' }
  | { kind: 'auth-failed' }
  | { kind: 'disconnected'; message: string }
  | { kind: 'closed' }
  | { kind: 'timeout'; message: string }
  | { kind: 'socket'; failure: ProbeFailure }
  | { kind: 'protocol'; message: string }
  | { kind: 'password-change'; prompt: string }
  | { kind: 'aborted' };

interface Login {
  observed: Observed;
  end: LoginEnd;
  client: SshClient;
  /** Ends the SSH connection (politely, then by force). */
  close(): void;
}

function shut(client: SshClient, socket: net.Socket): void {
  try {
    client.end();
  } catch {
    // Already closed.
  }
  // end() waits for the peer to close its side; a device that never does must not keep the socket.
  const timer = setTimeout(() => socket.destroy(), 1000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Keeps what a server says bounded: a hostile one may send banner after banner. */
function note(list: string[], text: string): void {
  if (list.length < 16 && text.trim() !== '') list.push(text.slice(0, 1000));
}

function asksForUserName(prompt: string): boolean {
  return /\b(?:user ?name|login|user)\s*:?\s*$/i.test(prompt) && !/pass/i.test(prompt);
}

/**
 * Connects and authenticates as `username`: 'none' first (free on OpenSSH, and it tells the
 * methods offered for this user), then, with a password, the password method and
 * keyboard-interactive where offered. Resolves when the login ends, however it ends.
 */
async function login(endpoint: Endpoint, ctx: ProbeContext, username: string, password: string | undefined): Promise<Login> {
  const socket = await connectTcp(endpoint, ctx);
  const client = new ssh2.Client();
  const observed: Observed = { head: Buffer.alloc(0), sent: [], refused: [], banners: [], said: [] };
  const at = where(endpoint);
  const budget = ctx.timeoutMs * LOGIN_BUDGET_STEPS;

  const end = await new Promise<LoginEnd>((resolve) => {
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const settle = (ended: LoginEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      clearTimeout(overall);
      ctx.signal.removeEventListener('abort', onAbort);
      socket.off('data', onBytes);
      resolve(ended);
    };
    const stalled = (): string => {
      if (observed.ident === undefined) return `${at} sent no SSH identification within ${ctx.timeoutMs} ms`;
      if (observed.hostKey === undefined) return `${at} stopped answering during the key exchange (${ctx.timeoutMs} ms)`;
      return `${at} stopped answering during authentication (${ctx.timeoutMs} ms)`;
    };
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => settle({ kind: 'timeout', message: stalled() }), ctx.timeoutMs);
    };
    const overall = setTimeout(() => settle({ kind: 'timeout', message: `${at} did not complete the SSH login within ${budget} ms` }), budget);
    const onAbort = (): void => settle({ kind: 'aborted' });
    const onBytes = (chunk: Buffer): void => {
      armIdle();
      if (observed.ident !== undefined || observed.head.length >= MAX_HEAD_BYTES) return;
      observed.head = Buffer.concat([observed.head, chunk]).subarray(0, MAX_HEAD_BYTES);
      const line = /^(SSH-[^\r\n]*)\r?\n/m.exec(observed.head.toString('latin1'));
      if (line?.[1] !== undefined) observed.ident = line[1];
    };
    if (ctx.signal.aborted) {
      settle({ kind: 'aborted' });
      return;
    }
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    // prependListener, unlike on(), does not set the socket flowing before ssh2 is listening too:
    // both see every byte, from the first.
    socket.prependListener('data', onBytes);
    armIdle();

    let current: AuthenticationType | undefined;
    let rounds = 0;
    const tried = new Set<AuthenticationType>();
    // Returning false (the types only know next()) tells ssh2 there is nothing more to try.
    const authHandler = (methodsLeft: AuthenticationType[] | null, partial: boolean | null, next: NextAuthHandler): false | undefined => {
      if (methodsLeft !== null) {
        observed.methods ??= [...methodsLeft];
        if (partial === true && current !== undefined) observed.partial = current;
        else if (current !== undefined && current !== 'none' && methodsLeft.includes(current)) observed.refused.push(current);
      }
      const offered = methodsLeft ?? [];
      if (current === undefined) current = 'none';
      else if (password !== undefined && offered.includes('password') && !tried.has('password')) current = 'password';
      else if (password !== undefined && offered.includes('keyboard-interactive') && !tried.has('keyboard-interactive')) current = 'keyboard-interactive';
      else return false;
      tried.add(current);
      if (current !== 'none') observed.sent.push(current);
      if (current === 'none') next({ type: 'none', username });
      else if (current === 'password') next({ type: 'password', username, password: password ?? '' });
      else {
        next({
          type: 'keyboard-interactive',
          username,
          prompt: (name: string, instructions: string, _lang: string, prompts: Prompt[], finish: (answers: string[]) => void) => {
            // Plain "Password:" prompts say nothing; other prompts and instructions may ("locked").
            const told = [name, instructions, ...prompts.map((p) => p.prompt).filter((prompt) => !PLAIN_PROMPT.test(prompt))];
            for (const text of told) note(observed.said, text);
            if (++rounds > MAX_PROMPT_ROUNDS) {
              settle({ kind: 'protocol', message: `${at} kept asking keyboard-interactive questions (${rounds} rounds)` });
              return;
            }
            finish(prompts.map((p) => (asksForUserName(p.prompt) ? username : (password ?? ''))));
          },
        });
      }
      return undefined;
    };

    client.on('ready', () => {
      if (current) observed.acceptedBy = current;
      settle({ kind: 'ready' });
    });
    client.on('banner', (message: string) => note(observed.banners, message));
    // The server says the password is right but expired: there is no session to prove.
    client.on('change password', (prompt: string) => settle({ kind: 'password-change', prompt }));
    client.on('close', () => settle({ kind: 'closed' }));
    client.on('error', (error: Error & { level?: string; code?: unknown }) => {
      if (error.level === 'client-authentication') settle({ kind: 'auth-failed' });
      else if (error.level === 'client-timeout') settle({ kind: 'timeout', message: stalled() });
      else if (error.level === 'client-socket') settle({ kind: 'socket', failure: failureOf(error as NodeJS.ErrnoException, endpoint) });
      // ssh2 reports an SSH_MSG_DISCONNECT as an error whose code is the reason number.
      else if (typeof error.code === 'number') settle({ kind: 'disconnected', message: error.message });
      else if (error.message === 'Connection lost before handshake') settle({ kind: 'closed' });
      else settle({ kind: 'protocol', message: error.message });
    });
    try {
      client.connect({
        sock: socket,
        username,
        hostVerifier: (key: Buffer): boolean => {
          observed.hostKey = describeHostKey(key);
          return true;
        },
        authHandler,
        algorithms: legacyAlgorithms(),
        readyTimeout: budget + 1000,
        keepaliveInterval: 0,
      });
    } catch (error) {
      settle({ kind: 'protocol', message: error instanceof Error ? error.message : String(error) });
    }
  });

  const close = (): void => shut(client, socket);
  if (end.kind !== 'ready') close();
  return { observed, end, client, close };
}

interface Proof {
  kind: 'exec-command' | 'shell-command' | 'exec-channel' | 'shell-channel';
  text: string;
}

type Channel = { opened: true; channel: ClientChannel } | { opened: false; reason: string };

/** Opens a session channel (exec or shell), waiting at most ctx.timeoutMs for the server's answer. */
function openChannel(client: SshClient, ctx: ProbeContext, kind: 'exec' | 'shell'): Promise<Channel> {
  return new Promise((resolve) => {
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      resolve({ opened: false, reason: `no answer to the ${kind} request within ${ctx.timeoutMs} ms` });
    }, ctx.timeoutMs);
    const callback = (error: Error | undefined, channel: ClientChannel): void => {
      if (answered) {
        channel?.close();
        return;
      }
      answered = true;
      clearTimeout(timer);
      if (error) resolve({ opened: false, reason: error.message });
      else {
        channel.on('error', () => undefined);
        resolve({ opened: true, channel });
      }
    };
    try {
      if (kind === 'exec') client.exec(PROOF_COMMAND, callback);
      else client.shell({ term: 'dumb', cols: 80, rows: 24 }, callback);
    } catch (error) {
      answered = true;
      clearTimeout(timer);
      resolve({ opened: false, reason: error instanceof Error ? error.message : String(error) });
    }
  });
}

/** Collects a channel's output (stdout and stderr) until `done` holds, it closes, or the step times out. */
function collect(channel: ClientChannel, ctx: ProbeContext, done: (text: string) => boolean): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    let finished = false;
    const finish = (closed: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      channel.off('data', onData);
      channel.stderr.off('data', onData);
      resolve({ text, closed });
    };
    const onData = (chunk: Buffer): void => {
      text = (text + chunk.toString('latin1')).slice(-MAX_CHANNEL_CHARS);
      if (done(text)) finish(false);
    };
    const onAbort = (): void => finish(false);
    const timer = setTimeout(() => finish(false), ctx.timeoutMs);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    channel.on('data', onData);
    channel.stderr.on('data', onData);
    channel.once('close', () => finish(true));
  });
}

function quoted(text: string): string {
  const shown = printable(text, 120);
  return shown === '' ? 'nothing' : `"${shown}"`;
}

/**
 * Shows that an accepted login gave a working session: exec running the proof command; else a
 * shell running it; else, for CLIs that are no POSIX shell, a session channel that opened and
 * neither refused nor asked for a login of its own.
 */
async function proveSession(client: SshClient, ctx: ProbeContext): Promise<{ proof: Proof } | { problem: string }> {
  const answered = (text: string): boolean => text.includes(PROOF_ANSWER);
  const exec = await openChannel(client, ctx, 'exec');
  let execSaid = '';
  if (exec.opened) {
    const output = await collect(exec.channel, ctx, answered);
    if (!output.closed) exec.channel.close();
    if (answered(output.text)) return { proof: { kind: 'exec-command', text: `exec ran "${PROOF_COMMAND}", which answered ${PROOF_ANSWER}` } };
    execSaid = output.text;
    const said = printable(output.text);
    if (said !== '' && !REFUSAL.test(said) && !LOGIN_PROMPT.test(said)) {
      return { proof: { kind: 'exec-channel', text: `exec ran "${PROOF_COMMAND}", which this CLI answered with ${quoted(output.text)}` } };
    }
  }
  if (ctx.signal.aborted) throw new ProbeFailure('aborted', 'the probe was stopped');
  const execAnswer = exec.opened ? `exec answered ${quoted(execSaid)}` : `exec refused (${exec.reason})`;
  const shell = await openChannel(client, ctx, 'shell');
  if (!shell.opened) return { problem: `the login was accepted, but no session opened: ${execAnswer}, shell refused (${shell.reason})` };
  shell.channel.write(`${PROOF_COMMAND}\n`);
  const output = await collect(shell.channel, ctx, answered);
  if (!output.closed) shell.channel.close();
  if (ctx.signal.aborted) throw new ProbeFailure('aborted', 'the probe was stopped');
  if (answered(output.text)) return { proof: { kind: 'shell-command', text: `${execAnswer}; a shell ran "${PROOF_COMMAND}", which answered ${PROOF_ANSWER}` } };
  const said = printable(output.text);
  if (LOGIN_PROMPT.test(said)) return { problem: `the SSH login was accepted, but the session asks for a login of its own: ${quoted(output.text)}` };
  if (REFUSAL.test(said)) return { problem: `the SSH login was accepted, but the session refused: ${quoted(output.text)}` };
  if (output.closed) return { problem: `the SSH login was accepted, but the shell closed at once after ${quoted(output.text)}` };
  return { proof: { kind: 'shell-channel', text: `${execAnswer}; a shell opened and stayed open, printing ${quoted(output.text)}` } };
}

function bannerOf(observed: Observed): string {
  const parts = [printable(observed.ident ?? '')];
  if (observed.hostKey) parts.push(`host key ${observed.hostKey.type} ${observed.hostKey.sha256}`);
  if (observed.methods) parts.push(`offers ${observed.methods.join(', ') || 'no method'}`);
  const notice = observed.banners.map((b) => printable(b, 120)).find(Boolean);
  if (notice) parts.push(`notice "${notice}"`);
  return parts.join('; ');
}

/**
 * What the server told us during a login, for a report and for lock-out signs. A banner it also
 * showed at detect, before any failure, is its standing notice ("unauthorised access will be
 * blocked") and no sign of anything.
 */
function serverWords(observed: Observed, end: LoginEnd, standing: readonly string[] = []): string {
  const words = [...observed.banners.filter((b) => !standing.includes(b)), ...observed.said];
  if (end.kind === 'disconnected') words.push(end.message);
  return words.map((w) => printable(w, 160)).filter(Boolean).join(' | ');
}

function mustStop(error: unknown): boolean {
  return error instanceof ProbeFailure && (error.kind === 'out-of-scope' || error.kind === 'aborted' || error.kind === 'unreachable');
}

export const sshProbe: ProtocolProbe = {
  service: 'ssh',
  transport: 'tcp',
  defaultPorts: [22, 2222],

  async detect(endpoint: Endpoint, ctx: ProbeContext): Promise<Detection> {
    const at = where(endpoint);
    let session: Login;
    try {
      session = await login(endpoint, ctx, DETECT_USER, undefined);
    } catch (error) {
      throw asProbeFailure(error, () => `SSH exchange with ${at} failed`);
    }
    const { observed, end } = session;
    try {
      if (end.kind === 'aborted') throw new ProbeFailure('aborted', 'the probe was stopped');
      if (observed.ident === undefined) {
        switch (end.kind) {
          case 'timeout':
            throw new ProbeFailure('timeout', end.message);
          case 'socket':
            throw end.failure;
          case 'closed':
          case 'disconnected':
            throw new ProbeFailure('reset', `${at} closed the connection before identifying itself${observed.head.length ? ` after ${quoted(observed.head.toString('latin1'))}` : ''}`);
          default:
            return { speaks: false, banner: printable(observed.head), auth: 'unknown' };
        }
      }
      const fingerprint = fingerprintSsh(observed.ident);
      const state: SshState = {
        username: DETECT_USER,
        ...(observed.banners.length ? { banners: [...observed.banners] } : {}),
        ...(observed.hostKey ? { hostKey: observed.hostKey } : {}),
        ...(observed.methods ? { methods: [...observed.methods] } : {}),
      };
      const base = { speaks: true, banner: bannerOf(observed), ...(fingerprint ? { fingerprint } : {}) };
      if (end.kind === 'ready') {
        const shown = await proveSession(session.client, ctx);
        if ('proof' in shown) {
          return { ...base, auth: 'none', openAccessEvidence: `user "${DETECT_USER}" was let in with no password ('none' authentication); ${shown.proof.text}`, state };
        }
        return { ...base, auth: 'required', state: { ...state, problem: shown.problem } };
      }
      if (end.kind === 'auth-failed' && observed.methods) return { ...base, auth: 'required', state };
      const problem =
        end.kind === 'timeout' || end.kind === 'protocol' || end.kind === 'disconnected'
          ? end.message
          : end.kind === 'socket'
            ? end.failure.message
            : `the login ended (${end.kind}) before the server said which methods it offers`;
      return { ...base, auth: 'unknown', state: { ...state, problem } };
    } finally {
      session.close();
    }
  },

  async attempt(endpoint: Endpoint, detection: Detection, credential: Credential, ctx: ProbeContext): Promise<AttemptResult> {
    const at = where(endpoint);
    const user = `"${printable(credential.username, 64)}"`;
    let session: Login;
    try {
      session = await login(endpoint, ctx, credential.username, credential.password);
    } catch (error) {
      if (mustStop(error)) throw error;
      if (error instanceof ProbeFailure) {
        // It answered detect; refusing connections now is what a lock-out looks like from here.
        if (detection.speaks && (error.kind === 'refused' || error.kind === 'reset')) {
          return { outcome: 'locked-out', detail: `${error.message}, though it answered before: the server may have blocked us after failures` };
        }
        if (error.kind === 'timeout') return { outcome: 'timeout', detail: error.message };
        return { outcome: 'error', detail: error.message };
      }
      throw new ProbeFailure('protocol', `SSH exchange with ${at} failed`, { cause: error });
    }
    const { observed, end } = session;
    try {
      const words = serverWords(observed, end, sshStateOf(detection)?.banners);
      const saying = words ? `; the server said: ${words}` : '';
      const refused = observed.refused.length > 0;
      const heard = observed.sent.length > 0;
      if (end.kind === 'aborted') throw new ProbeFailure('aborted', 'the probe was stopped');
      if (end.kind === 'ready') {
        const shown = await proveSession(session.client, ctx);
        const how = observed.acceptedBy === 'none' ? `user ${user} was let in without a password ('none' authentication)` : `the password was accepted for ${user} (${observed.acceptedBy ?? 'unknown'} method)`;
        if ('proof' in shown) return { outcome: 'success', detail: `${how}; proof (${shown.proof.kind}): ${shown.proof.text}` };
        return { outcome: 'error', detail: `${how}, but no working session was shown: ${shown.problem}` };
      }
      if (LOCK_OUT.test(words)) return { outcome: 'locked-out', detail: `the server says it is keeping us out${saying}` };

      switch (end.kind) {
        case 'auth-failed':
          if (observed.partial) {
            return { outcome: 'error', detail: `the server accepted ${observed.partial} for ${user} as one step and wants another factor; no session${saying}` };
          }
          if (!refused) {
            return { outcome: 'rejected', detail: `no password can log in as ${user}: the server offers only ${observed.methods?.join(', ') || 'no method'}${saying}` };
          }
          return { outcome: 'rejected', detail: `${observed.refused.join(' and ')} refused for ${user}${saying}` };
        case 'disconnected':
          // A cap on failures per connection reached by our password (OpenSSH disconnects instead
          // of answering the failure that reaches MaxAuthTries) is an ordinary rejection; the same
          // words before our password was even sent mean we are kept out.
          if (TOO_MANY.test(end.message)) {
            return heard
              ? { outcome: 'rejected', detail: `${observed.sent.join(' and ')} for ${user} ended the server's allowance of failures${saying}` }
              : { outcome: 'locked-out', detail: `the server cut the connection before hearing the password${saying}` };
          }
          if (refused) return { outcome: 'rejected', detail: `${observed.refused.join(' and ')} refused for ${user}, then the server disconnected${saying}` };
          return { outcome: 'error', detail: `the server disconnected during the login${saying}` };
        case 'closed':
        case 'socket':
          if (observed.ident === undefined && detection.speaks) {
            return { outcome: 'locked-out', detail: `${at} now closes connections before identifying itself, though it answered before: the server may have blocked us after failures` };
          }
          if (refused) return { outcome: 'rejected', detail: `${observed.refused.join(' and ')} refused for ${user}, then the connection closed${saying}` };
          return { outcome: 'error', detail: `${end.kind === 'socket' ? end.failure.message : `${at} closed the connection`} during the login${saying}` };
        case 'timeout':
          return { outcome: 'timeout', detail: end.message };
        case 'password-change':
          return {
            outcome: 'error',
            detail: `the server accepted the password for ${user} but demands a new one before any session ("${printable(end.prompt, 120)}"): the credential is right, no session was opened`,
          };
        case 'protocol':
          return { outcome: 'error', detail: `${end.message}${saying}` };
      }
    } finally {
      session.close();
    }
  },
};
