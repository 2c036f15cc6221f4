// Telnet (RFC 854/855): finds the login prompt, types one credential and proves what it gave.
//
// Success is claimed only on proof, never on the absence of a failure message (the mistake that
// makes peer tools report any password on some devices as working):
//  - a POSIX shell is proven by arithmetic it must evaluate: we send `echo CNT$((a+b))X` with
//    random a and b and require `CNT<sum>X` back, which no echo of our own line can contain;
//    shells without arithmetic get a second chance with quote removal (`echo QR'S'T<n>` must
//    come back as `QRST<n>`);
//  - a CLI that is not a shell (Huawei VRP, Cisco IOS, MikroTik, ZTE) is accepted only when,
//    after the password, no failure text appeared, its prompt (ending in #, > or $) answered
//    our command line with output of its own (not merely our line echoed back), and the very
//    same prompt came back after an empty line. A peer that accepts any password and shows a
//    prompt that only repeats what is typed (medusa #33) fails the second condition.
// The same proofs make detect() report auth 'none' for a prompt offered without any login.
// Refusals are read from what the device says (failure and lock-out texts, the login or
// password prompt coming back, a hang-up); silence is a timeout, never a success.
// Anything before the password is never taken as a prompt to succeed on, and a prompt is only
// read from the unterminated last line once the peer has fallen quiet, so banners full of '#'
// and '>' cannot pass for one.
import { randomInt } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { connectTcp, printable, Reader, where } from '../net.ts';
import {
  ProbeFailure,
  type AttemptResult,
  type Credential,
  type Detection,
  type Endpoint,
  type ProbeContext,
  type ProtocolProbe,
} from '../types.ts';
import { asProbeFailure } from './contained.ts';
import { matchTelnetFingerprint } from './telnet-fingerprints.ts';

const IAC = 255;
const DONT = 254;
const DO = 253;
const WONT = 252;
const WILL = 251;
const SB = 250;
const SE = 240;
const OPT_ECHO = 1;
const OPT_SGA = 3;

/** Raw bytes one connection may send: a login exchange is a few KiB; beyond this it is a flood. */
export const MAX_TELNET_BYTES = 256 * 1024;
/** Decoded text kept per connection; prompts and verdicts are in the recent part. */
const MAX_TEXT = 32 * 1024;
/** Negotiation replies per connection: RFC 1143's loop guard, against a peer flooding requests. */
const MAX_REPLIES = 64;
/** Presses of Enter for "press any key" screens and `--More--` pagers, per step. */
const MAX_CONTINUES = 3;
/** Longest line taken for a prompt; longer ones are output, not prompts. */
const MAX_PROMPT = 120;

type LineEnd = '\r\n' | '\r\0';

/** What detect() learned that the attempts use; mutable: an attempt that learns the device's line end keeps it for the next. */
export interface TelnetState {
  protocol: 'telnet';
  login: 'user-and-password' | 'password-only' | 'none' | 'unknown';
  lineEnd: LineEnd;
  /** Device behaviour worth a line in the report: line ends, prompts, echo of the password. */
  quirks: string[];
}

function telnetState(detection: Detection): TelnetState | undefined {
  const s = detection.state;
  if (typeof s !== 'object' || s === null || !('protocol' in s) || s.protocol !== 'telnet') return undefined;
  return s as TelnetState;
}

// --- Reading the screen -------------------------------------------------------------------------

// Prompt words of login programs: Linux/BusyBox, Cisco, Huawei, ZTE, MikroTik, PuTTY-style
// "login as", and the localized forms seen on consumer devices. A prompt ends in ':' (any width)
// or, for the bare keyword, in '>'.
const LOGIN_WORDS =
  "log ?in(?: as| name| id)?|user ?name|user(?: ?id)?|benutzer(?:name|kennung)?|nom d'utilisateur|utilisateur|identifiant|usuario|utente|nome utente|account|用户名|用户|帐号|账号|ユーザー名";
const PASSWORD_WORDS = 'pass ?word|passwd|pass ?phrase|passwort|kennwort|mot de passe|contrase[ñn]a|senha|密码|口令|パスワード';
const loginPrompt = new RegExp(`(?:^|[^\\p{L}])(?:${LOGIN_WORDS})\\s*(?:\\([^)]{0,40}\\))?\\s*(?:[:：]|>)\\s*$`, 'iu');
const passwordPrompt = new RegExp(`(?:${PASSWORD_WORDS})(?:[^:：\\n]{0,40}[:：]|\\s*>)\\s*$`, 'iu');
const continuePrompt = /press (?:any key|<?enter>?|<?return>?)|hit (?:any key|<?enter>?)|-+ ?more ?-+|<more>/i;
const promptEnd = /[#$>%]\s*$/;

// Said by devices after a wrong credential. Lines of a welcome text that merely report past
// failures ("Last failed login: …") are left out before these are looked for. Lock-out words
// need their context ("account locked", "too many attempts"): a lock-out stops the whole run,
// so "Disk quota exceeded" in a welcome text must not read as one.
const failureText =
  /\b(?:incorrect|invalid|denied|fail(?:ed|ure|s)?|wrong|bad (?:password|passwords|login|user(?:name)?)|unknown (?:user|login)|no such user|not (?:authori[sz]ed|allowed|permitted)|(?:password|login|user(?:name)?|authentication) error|refused)\b|\bfalsch|ungültig|incorrect[oa]|échec|erróne[oa]|错误|失败|拒绝/iu;
const lockoutText =
  /too many (?:failed|failures|attempts?|tries|retries|logins?|authentication|bad|wrong|invalid|connections|sessions|users)|lock(?:ed)?[- ]?out|\b(?:account|user|login|access|password|ip|address|host|you|device|console|terminal)\b[^\n]{0,40}\b(?:locked|blocked|suspended)\b|\b(?:locked|blocked|suspended) (?:for|until)\b|try again later|temporarily (?:disabled|locked|unavailable|blocked)|\b(?:attempts?|retries|tries|logins?|limit)\b[^\n]{0,30}\bexceeded|\bexceeded\b[^\n]{0,30}\b(?:attempts?|retries|tries|logins?)\b|retry (?:after|later|in)\b|wait \d+ ?(?:s|secs?|seconds?|mins?|minutes?)\b|锁定/iu;
const benignLine = /last (?:failed )?login|failed (?:login|password)? ?attempts? since|attempts? since (?:the |your )?last/i;
const foreignGreeting = /^(?:SSH-\d|HTTP\/\d|RTSP\/\d|\* OK|\+OK|220[ -]|AMQP|<\?xml)/;

type ScreenKind = 'login' | 'password' | 'prompt' | 'continue';

/** How long a login or password prompt must stand before it is answered. */
const LOGIN_PROMPT_SETTLE_MS = 40;

/** The text after the last line break: where a prompt sits. */
function tailOf(text: string): string {
  return text.slice(text.lastIndexOf('\n') + 1);
}

function lastLine(text: string): string {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]?.trim() ?? '';
    if (line !== '') return line;
  }
  return '';
}

/** What the screen asks for, judged on its unterminated last line only. */
function classify(text: string): ScreenKind | undefined {
  const raw = tailOf(text);
  const tail = raw.slice(-MAX_PROMPT - 40).trimEnd();
  if (tail === '') {
    // A few devices end their prompt with a line break; only the login words count then.
    const line = lastLine(text.slice(-400));
    if (line.length <= MAX_PROMPT && /[:：]$/.test(line)) {
      if (passwordPrompt.test(line)) return 'password';
      if (loginPrompt.test(line)) return 'login';
    }
    return undefined;
  }
  if (passwordPrompt.test(tail)) return 'password';
  if (loginPrompt.test(tail)) return 'login';
  if (continuePrompt.test(tail)) return 'continue';
  if (tail.trim().length <= MAX_PROMPT && promptEnd.test(tail)) return 'prompt';
  return undefined;
}

function significant(text: string): string {
  return text
    .split('\n')
    .filter((line) => !benignLine.test(line))
    .join('\n');
}

/** The line of `text` that says the login failed or was locked out, if any. */
function verdictLine(text: string, pattern: RegExp): string | undefined {
  const lines = significant(text).split('\n');
  const line = lines.find((l) => pattern.test(l));
  return line === undefined ? undefined : printable(line, 160);
}

// ANSI escapes (colours, cursor moves, terminal queries) and control characters other than the
// line break, which the decoder has already made the only line end.
// eslint-disable-next-line no-control-regex
const escapes = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]{0,256}(?:\x07|\x1b\\)?|[@-Z\\-_])|[\x00-\x08\x0b-\x1f\x7f]/g;

interface Screen {
  /** What ended the wait: a screen asking for something, a condition of the caller, the peer closing, or time. */
  end: ScreenKind | 'stop' | 'closed' | 'timeout';
  /** Cleaned text since the mark. */
  text: string;
  /** The last line, as it stood (prompt with its spacing). */
  tail: string;
}

/**
 * One telnet connection: decodes the NVT stream into text, answers option negotiation, and
 * waits for screens. Every wait is bounded by a deadline; every byte is counted.
 */
class TelnetSession {
  readonly reader: Reader;
  private readonly endpoint: Endpoint;
  private readonly decoder = new StringDecoder('utf8');
  private text = '';
  private dropped = 0;
  private rawBytes = 0;
  private mode: 'data' | 'iac' | 'option' | 'sb' | 'sb-iac' = 'data';
  private verb = 0;
  private afterCr = false;
  private readonly serverOptions = new Set<number>();
  private readonly answered = new Set<number>();
  private replies = 0;
  private reset = false;
  /** The peer negotiated at least one option: it speaks telnet, whatever it printed. */
  negotiated = false;
  lineEnd: LineEnd = '\r\n';
  readonly quirks = new Set<string>();
  readonly settleMs: number;

  private constructor(reader: Reader, endpoint: Endpoint, ctx: ProbeContext) {
    this.reader = reader;
    this.endpoint = endpoint;
    // Long enough for the rest of a banner to follow a chunk ending in '#', short enough to keep
    // an attempt quick; a slow device's later text is caught by the next step anyway.
    this.settleMs = Math.min(400, Math.max(100, Math.round(ctx.timeoutMs / 8)));
  }

  static async open(endpoint: Endpoint, ctx: ProbeContext): Promise<TelnetSession> {
    const socket = await connectTcp(endpoint, ctx);
    return new TelnetSession(new Reader(socket, endpoint, ctx), endpoint, ctx);
  }

  /** A position in the decoded text, to read what came after it. */
  get position(): number {
    return this.dropped + this.text.length;
  }

  since(mark: number): string {
    return this.text.slice(Math.max(0, mark - this.dropped)).replace(escapes, '');
  }

  private reply(verb: number, option: number): void {
    if (this.replies >= MAX_REPLIES || this.reader.closed || !this.reader.socket.writable) return;
    this.replies++;
    this.reader.socket.write(Buffer.from([IAC, verb, option]));
  }

  /** RFC 855 with RFC 1143's rule: answer only requests that change an option's state. */
  private negotiate(verb: number, option: number): void {
    this.negotiated = true;
    if (verb === WILL) {
      // The server echoing and dropping go-aheads is what a login needs; nothing else is taken.
      const wanted = option === OPT_ECHO || option === OPT_SGA;
      if (wanted && !this.serverOptions.has(option)) {
        this.serverOptions.add(option);
        this.reply(DO, option);
      } else if (!wanted && !this.answered.has(WILL * 256 + option)) {
        this.answered.add(WILL * 256 + option);
        this.reply(DONT, option);
      }
    } else if (verb === WONT) {
      if (this.serverOptions.delete(option)) this.reply(DONT, option);
    } else if (verb === DO) {
      // We enable nothing on our side (no terminal type, window size, environment, echo).
      if (!this.answered.has(DO * 256 + option)) {
        this.answered.add(DO * 256 + option);
        this.reply(WONT, option);
      }
    }
    // DONT: every option of ours is already off; acknowledging would invite a loop.
  }

  /** Moves what the reader holds through the NVT decoder into the text. */
  private pump(): void {
    const raw = this.reader.take();
    if (raw.length === 0) return;
    this.rawBytes += raw.length;
    const out = Buffer.allocUnsafe(raw.length);
    let n = 0;
    for (const b of raw) {
      switch (this.mode) {
        case 'data':
          if (this.afterCr) {
            this.afterCr = false;
            if (b === 10) {
              this.quirks.add('CR LF line ends');
              continue;
            }
            if (b === 0) {
              this.quirks.add('CR NUL line ends');
              continue;
            }
          }
          if (b === IAC) this.mode = 'iac';
          else if (b === 13) {
            // CR LF, CR NUL and a bare CR all end the line as far as a prompt is concerned.
            out[n++] = 10;
            this.afterCr = true;
          } else if (b === 10) {
            this.quirks.add('bare LF line ends');
            out[n++] = 10;
          } else if (b !== 0) out[n++] = b;
          break;
        case 'iac':
          if (b === IAC) {
            out[n++] = IAC;
            this.mode = 'data';
          } else if (b === WILL || b === WONT || b === DO || b === DONT) {
            this.verb = b;
            this.mode = 'option';
          } else if (b === SB) this.mode = 'sb';
          else this.mode = 'data'; // NOP, GA, AYT, DM…: nothing to do for a login
          break;
        case 'option':
          this.negotiate(this.verb, b);
          this.mode = 'data';
          break;
        case 'sb':
          // Subnegotiation content is never kept: we agreed to no option that needs it.
          if (b === IAC) this.mode = 'sb-iac';
          break;
        case 'sb-iac':
          this.mode = b === SE ? 'data' : 'sb';
          break;
      }
    }
    if (n === 0) return;
    this.text += this.decoder.write(out.subarray(0, n));
    if (this.text.length > MAX_TEXT) {
      const cut = this.text.length - MAX_TEXT;
      this.text = this.text.slice(cut);
      this.dropped += cut;
    }
  }

  /** Waits until `done` holds; resolves with how the wait ended. */
  async waitFor(done: () => boolean, deadline: number): Promise<'met' | 'closed' | 'timeout'> {
    let met: boolean;
    try {
      met = await this.reader.until(() => {
        this.pump();
        return this.rawBytes > MAX_TELNET_BYTES || done();
      }, Math.max(0, deadline - Date.now()));
    } catch (e) {
      // A reset is how some devices hang up after a wrong password: it ends the exchange like a
      // close does, and the caller judges what was said before it.
      if (e instanceof ProbeFailure && e.kind === 'reset') {
        this.reset = true;
        return 'closed';
      }
      throw e;
    }
    if (this.rawBytes > MAX_TELNET_BYTES) {
      throw new ProbeFailure(
        'protocol',
        `${where(this.endpoint)} sent over ${MAX_TELNET_BYTES / 1024} KiB without a usable prompt; last: "${printable(tailOf(this.since(this.position - 200)), 80)}"`,
      );
    }
    if (met) return 'met';
    return this.reader.closed || this.reset ? 'closed' : 'timeout';
  }

  /** Whether the peer stays silent for `ms` (or until the deadline). */
  async quiet(ms: number, deadline: number): Promise<boolean> {
    const before = this.rawBytes;
    const end = await this.waitFor(() => this.rawBytes > before, Math.min(deadline, Date.now() + ms));
    return end !== 'met';
  }

  /**
   * Reads until the screen asks for something (login, password, a prompt) or `stop` holds, and
   * the peer has then fallen quiet; presses Enter on "press any key" screens. With `nudgeAt`,
   * sends one empty line at that time if nothing printable has come yet (devices that wait for
   * a key before their banner).
   */
  async read(
    mark: number,
    deadline: number,
    options: { stop?: (text: string) => boolean; stopAtOnce?: boolean; nudgeAt?: number } = {},
  ): Promise<Screen> {
    let continues = 0;
    let nudgeAt = options.nudgeAt;
    const screen = (end: Screen['end']): Screen => {
      const text = this.since(mark);
      return { end, text, tail: tailOf(text) };
    };
    const decisive = (): ScreenKind | 'stop' | undefined => {
      const text = this.since(mark);
      return classify(text) ?? (options.stop?.(text) ? 'stop' : undefined);
    };
    for (;;) {
      const until = nudgeAt !== undefined ? Math.min(deadline, nudgeAt) : deadline;
      const end = await this.waitFor(() => decisive() !== undefined, until);
      if (end === 'closed') return screen('closed');
      if (end === 'timeout') {
        if (nudgeAt !== undefined && Date.now() < deadline) {
          nudgeAt = undefined;
          if (this.since(mark).trim() === '') await this.sendLine('');
          continue;
        }
        return screen('timeout');
      }
      if (options.stopAtOnce && options.stop?.(this.since(mark))) return screen('stop');
      // A login or password prompt is unambiguous text: a short pause catches the rest of its
      // burst. A shell-like prompt ('#', '>') may be a banner line, so it must be followed by a
      // real silence before it counts.
      const seen = decisive();
      const settle = seen === 'login' || seen === 'password' ? Math.min(this.settleMs, LOGIN_PROMPT_SETTLE_MS) : this.settleMs;
      if (!(await this.quiet(settle, deadline)) && Date.now() < deadline) continue;
      const kind = decisive();
      if (kind === undefined) {
        if (Date.now() >= deadline) return screen('timeout');
        continue;
      }
      if (kind === 'continue' && continues < MAX_CONTINUES) {
        continues++;
        await this.sendLine('');
        continue;
      }
      return screen(kind);
    }
  }

  /** Types a line: UTF-8, IAC doubled, a bare CR sent as CR NUL (RFC 854), then the line end. */
  async sendLine(line: string): Promise<void> {
    const bytes: number[] = [];
    for (const b of Buffer.from(line, 'utf8')) {
      if (b === IAC) bytes.push(IAC, IAC);
      else if (b === 13) bytes.push(13, 0);
      else bytes.push(b);
    }
    for (const c of this.lineEnd) bytes.push(c.charCodeAt(0));
    if (this.reader.closed || !this.reader.socket.writable) return;
    try {
      await this.reader.write(Buffer.from(bytes));
    } catch (e) {
      if (e instanceof ProbeFailure && e.kind === 'reset') this.reset = true;
      else throw e;
    }
  }

  close(): void {
    this.reader.close();
  }
}

// --- Proof of access ----------------------------------------------------------------------------

type Proof = { proven: true; evidence: string } | { proven: false; why: string };

/** Removes the peer's echo of a line we typed from the start of its answer. */
function stripEcho(text: string, typed: string): { text: string; echoed: 'plain' | 'masked' | undefined } {
  if (typed === '') return { text, echoed: undefined };
  const lead = /^[\n ]*/.exec(text)?.[0].length ?? 0;
  const rest = text.slice(lead);
  if (rest.startsWith(typed)) return { text: rest.slice(typed.length), echoed: 'plain' };
  const masked = /^\*{2,}/.exec(rest);
  if (masked && Math.abs(masked[0].length - [...typed].length) <= 1) return { text: rest.slice(masked[0].length), echoed: 'masked' };
  return { text, echoed: undefined };
}

/** What the peer printed in answer to a command: its echo of the line and the next prompt removed. */
function answerTo(text: string, command: string): string {
  // Every line holding our command goes, so a peer echoing it twice (or after a fake prompt)
  // still has said nothing of its own.
  const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
  return lines
    .filter((line) => !line.includes(command))
    .join('\n')
    .trim();
}

/**
 * Proves that `prompt` (the last line, the peer quiet) belongs to a shell or CLI that obeys us,
 * as described at the top of this file. Returns at the latest after three step timeouts.
 */
async function proveAccess(session: TelnetSession, prompt: string, timeoutMs: number, accept: { cli: boolean }): Promise<Proof> {
  const shown = printable(prompt, 60);
  const a = randomInt(1000, 50_000);
  const b = randomInt(1000, 50_000);
  const command = `echo CNT$((${a}+${b}))X`;
  const expected = `CNT${a + b}X`;
  let mark = session.position;
  await session.sendLine(command);
  let screen = await session.read(mark, Date.now() + timeoutMs, { stop: (t) => t.includes(expected), stopAtOnce: true });
  if (screen.text.includes(expected)) {
    return { proven: true, evidence: `the shell at prompt "${shown}" answered "${command}" with "${expected}"` };
  }
  const firstAnswer = answerTo(screen.text, command);
  if (screen.end === 'login' || screen.end === 'password') return { proven: false, why: `"${shown}" was followed by a ${screen.end} prompt` };
  if (screen.end !== 'prompt') return { proven: false, why: `no answer to "${command}" at "${shown}"` };

  // Shells built without arithmetic (old BusyBox msh, some hush builds) still remove quotes.
  const n = randomInt(100_000, 1_000_000);
  const quoted = `echo QR'S'T${n}`;
  const unquoted = `QRST${n}`;
  mark = session.position;
  await session.sendLine(quoted);
  screen = await session.read(mark, Date.now() + timeoutMs, { stop: (t) => t.includes(unquoted), stopAtOnce: true });
  if (screen.text.includes(unquoted)) {
    return { proven: true, evidence: `the shell at prompt "${shown}" answered "${quoted}" with "${unquoted}" (quote removal)` };
  }
  if (screen.end !== 'prompt') return { proven: false, why: `no prompt after "${quoted}" at "${shown}"` };

  // Not a shell: a vendor CLI must answer a line with words of its own and give its prompt back.
  if (!accept.cli) return { proven: false, why: `the prompt "${shown}" is no shell` };
  if (firstAnswer === '') {
    return { proven: false, why: `the prompt "${shown}" gave back nothing but our own line; no shell or CLI behind it` };
  }
  if (loginPrompt.test(firstAnswer) || passwordPrompt.test(firstAnswer)) {
    return { proven: false, why: `"${shown}" answered with a login prompt` };
  }
  mark = session.position;
  await session.sendLine('');
  screen = await session.read(mark, Date.now() + timeoutMs);
  if (screen.end !== 'prompt' || screen.tail.trim() !== prompt.trim()) {
    return { proven: false, why: `after an empty line "${printable(screen.tail, 60)}" came instead of the prompt "${shown}"` };
  }
  return {
    proven: true,
    evidence: `a command-line interface (not a POSIX shell) at prompt "${shown}" answered "${command}" with "${printable(firstAnswer, 80)}" and showed its prompt again after an empty line`,
  };
}

// --- detect and attempt -------------------------------------------------------------------------

function promptQuirks(session: TelnetSession, screen: Screen): void {
  if (screen.tail !== '' && !/\s$/.test(screen.tail)) session.quirks.add('prompt without trailing space');
  if (screen.tail === '' && (screen.end === 'login' || screen.end === 'password')) session.quirks.add('prompt followed by a line break');
}

function quirkNote(session: TelnetSession): string {
  const notable = [...session.quirks].filter((q) => q !== 'CR LF line ends');
  return notable.length === 0 ? '' : ` [device: ${notable.join('; ')}]`;
}

async function runDetect(session: TelnetSession, endpoint: Endpoint, ctx: ProbeContext): Promise<Detection> {
  const start = Date.now();
  const screen = await session.read(0, start + ctx.timeoutMs, { nudgeAt: start + Math.round(ctx.timeoutMs / 2) });
  const text = screen.text;
  const banner = printable(text, 300);
  const state: TelnetState = { protocol: 'telnet', login: 'unknown', lineEnd: '\r\n', quirks: [] };
  const result = (auth: Detection['auth'], extra: Partial<Detection> = {}): Detection => {
    state.quirks = [...session.quirks];
    const found = matchTelnetFingerprint(text);
    const detection: Detection = { speaks: true, auth, state, ...extra };
    if (banner !== '') detection.banner = banner;
    if (found) {
      detection.fingerprint = {
        vendor: found.vendor,
        ...(found.product === undefined ? {} : { product: found.product }),
        evidence: `telnet banner "${printable(found.line, 100)}"`,
      };
    }
    return detection;
  };

  if (!session.negotiated && foreignGreeting.test(text.trimStart())) {
    return { speaks: false, auth: 'unknown', banner };
  }
  switch (screen.end) {
    case 'login':
    case 'password':
      promptQuirks(session, screen);
      state.login = screen.end === 'login' ? 'user-and-password' : 'password-only';
      return result('required');
    case 'prompt': {
      const proof = await proveAccess(session, screen.tail, ctx.timeoutMs, { cli: true });
      if (proof.proven) {
        state.login = 'none';
        return result('none', { openAccessEvidence: `no credentials asked: ${proof.evidence}` });
      }
      // What looked like a prompt was banner text; the login prompt may have followed it.
      const after = classify(session.since(0));
      if (after === 'login' || after === 'password') {
        state.login = after === 'login' ? 'user-and-password' : 'password-only';
        return result('required');
      }
      return result('unknown');
    }
    case 'closed':
    case 'timeout':
    case 'continue':
    case 'stop':
      if (text.trim() === '' && !session.negotiated) {
        if (screen.end === 'timeout') throw new ProbeFailure('timeout', `${where(endpoint)} sent nothing within ${ctx.timeoutMs} ms`);
        throw new ProbeFailure('protocol', `${where(endpoint)} closed the connection without sending anything`);
      }
      // Binary that is not telnet: bytes that decode to nothing printable, no negotiation.
      if (!session.negotiated && (text.slice(0, 256).match(/\ufffd/g)?.length ?? 0) > 8) {
        return { speaks: false, auth: 'unknown', banner };
      }
      return result('unknown');
  }
}

async function runAttempt(session: TelnetSession, detection: Detection, credential: Credential, ctx: ProbeContext): Promise<AttemptResult> {
  const state = telnetState(detection);
  if (state) session.lineEnd = state.lineEnd;
  const step = (): number => Date.now() + ctx.timeoutMs;
  const say = (text: string): string => printable(text, 160);
  const note = (): string => quirkNote(session);
  const lockedOrRejected = (text: string): AttemptResult | undefined => {
    const locked = verdictLine(text, lockoutText);
    if (locked !== undefined) return { outcome: 'locked-out', detail: `the device said "${locked}"` };
    const failed = verdictLine(text, failureText);
    if (failed !== undefined) return { outcome: 'rejected', detail: `the device said "${failed}"` };
    return undefined;
  };

  if (/[\r\n]/.test(credential.username + credential.password)) {
    return { outcome: 'error', detail: 'a user name or password with a line break cannot be typed at a telnet prompt' };
  }

  const start = Date.now();
  const first = step();
  let screen = await session.read(0, first, { nudgeAt: start + Math.round(ctx.timeoutMs / 2) });
  // A banner line ending in '#' or '>' that pauses longer than we wait for quiet looks like a
  // prompt; when detection saw a login here, keep reading for it until the step's time is up.
  const expectsLogin = state?.login === 'user-and-password' || state?.login === 'password-only';
  while (screen.end === 'prompt' && expectsLogin && Date.now() < first) {
    const before = session.position;
    if ((await session.waitFor(() => session.position > before, first)) !== 'met') break;
    screen = await session.read(0, first);
  }
  if (screen.end === 'timeout') return { outcome: 'timeout', detail: `no login prompt within ${ctx.timeoutMs} ms: "${say(screen.text)}"` };
  if (screen.end === 'closed') {
    return lockedOrRejected(screen.text) ?? { outcome: 'error', detail: `the device closed the connection before any login prompt: "${say(screen.text)}"` };
  }
  if (screen.end === 'prompt' || screen.end === 'continue' || screen.end === 'stop') {
    return { outcome: 'error', detail: `no login prompt: the device showed "${say(screen.tail)}" without asking for credentials (see detection)` };
  }

  // Verdicts are read with our own typing taken out: a password "denied" echoed back is no refusal.
  const verdictIn = (typed: string) => (t: string): boolean => {
    const rest = stripEcho(t, typed).text;
    return verdictLine(rest, failureText) !== undefined || verdictLine(rest, lockoutText) !== undefined;
  };
  const usage: string[] = [];
  /** What the device printed after our last line, its echo of that line removed. */
  let said = '';
  if (screen.end === 'login') {
    let retried = false;
    for (;;) {
      const mark = session.position;
      await session.sendLine(credential.username);
      screen = await session.read(mark, step(), { stop: verdictIn(credential.username) });
      said = stripEcho(screen.text, credential.username).text;
      // A device reading CR and LF as two line ends takes the LF as an empty password: it asks
      // for the password and fails at once. Typing CR NUL instead (RFC 854's bare CR) avoids it.
      const splitLine = screen.end !== 'password' && /(?:^|\n)[^\n]*(?:password|passwd)[^\n]*[:：]/i.test(said);
      if (splitLine && !retried && session.lineEnd === '\r\n') {
        retried = true;
        session.lineEnd = '\r\0';
        session.quirks.add('reads CR LF as two line ends (CR NUL used)');
        if (state) state.lineEnd = '\r\0';
        if (screen.end === 'login') continue;
      }
      break;
    }
    if (screen.end === 'prompt') usage.push('no password was asked after the user name');
    else if (screen.end !== 'password') {
      const verdict = lockedOrRejected(said);
      if (verdict) return { ...verdict, detail: `${verdict.detail} after the user name${note()}` };
      if (screen.end === 'login') return { outcome: 'rejected', detail: `the device asked for the user name again${note()}` };
      if (screen.end === 'closed') return { outcome: 'rejected', detail: `the device closed the connection after the user name: "${say(said)}"` };
      return { outcome: 'timeout', detail: `no password prompt within ${ctx.timeoutMs} ms after the user name: "${say(said)}"` };
    }
  } else if (credential.username !== '') {
    usage.push('only a password was asked; the user name was not used');
  }

  if (screen.end === 'password') {
    promptQuirks(session, screen);
    const mark = session.position;
    await session.sendLine(credential.password);
    screen = await session.read(mark, step(), { stop: verdictIn(credential.password) });
    const { text, echoed } = stripEcho(screen.text, credential.password);
    said = text;
    if (echoed === 'plain') session.quirks.add('echoes the password as typed');
    if (echoed === 'masked') session.quirks.add('echoes the password as asterisks');
    if (screen.end !== 'prompt') {
      const verdict = lockedOrRejected(said);
      if (verdict) return { ...verdict, detail: `${verdict.detail}${note()}` };
      if (screen.end === 'login') return { outcome: 'rejected', detail: `the device asked for the user name again${note()}` };
      if (screen.end === 'password') return { outcome: 'rejected', detail: `the device asked for the password again${note()}` };
      if (screen.end === 'closed') {
        return { outcome: 'rejected', detail: `the device closed the connection after the password without giving a shell: "${say(said)}"${note()}` };
      }
      return { outcome: 'timeout', detail: `nothing decisive within ${ctx.timeoutMs} ms after the password: "${say(said)}"${note()}` };
    }
  }

  // A prompt. A lock-out message stops us typing anything more; after a failure message only a
  // shell's arithmetic can still prove a login (a welcome text may use the word "failed"), the
  // weaker CLI evidence is not enough.
  const locked = verdictLine(said, lockoutText);
  if (locked !== undefined) return { outcome: 'locked-out', detail: `the device said "${locked}"${note()}` };
  const failed = verdictLine(said, failureText);
  const proof = await proveAccess(session, screen.tail, ctx.timeoutMs, { cli: failed === undefined });
  if (!proof.proven) {
    if (failed !== undefined) return { outcome: 'rejected', detail: `the device said "${failed}"${note()}` };
    return { outcome: 'error', detail: `not counted as a login: ${proof.why}${note()}` };
  }
  if (failed !== undefined) usage.push(`proven although the device also printed "${failed}"`);
  const how = usage.length === 0 ? '' : ` (${usage.join('; ')})`;
  return { outcome: 'success', detail: `${proof.evidence}${how}${note()}` };
}

export const telnetProbe: ProtocolProbe = {
  service: 'telnet',
  transport: 'tcp',
  defaultPorts: [23, 2323],

  async detect(endpoint, ctx) {
    const session = await TelnetSession.open(endpoint, ctx);
    try {
      return await runDetect(session, endpoint, ctx);
    } catch (e) {
      throw asProbeFailure(e, (reason) => `${where(endpoint)}: ${reason}`);
    } finally {
      session.close();
    }
  },

  async attempt(endpoint, detection, credential, ctx) {
    const session = await TelnetSession.open(endpoint, ctx);
    try {
      return await runAttempt(session, detection, credential, ctx);
    } catch (e) {
      throw asProbeFailure(e, (reason) => `${where(endpoint)}: ${reason}`);
    } finally {
      session.close();
    }
  },
};
