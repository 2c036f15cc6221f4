import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerError } from 'smtp-server';
import { ConnectableError, isConnectableError } from '../errors.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { attachmentLimits, checkUpload } from './attachments.ts';
import { postReporterMessageByEmail, submitReport } from './reports.ts';

// Mail sent to a maker's security address becomes a vulnerability report, and a reply that names
// a report's reference becomes a message on it. Many researchers (and security.txt's Contact
// field) still work by e-mail, so this is the same intake as the web form, reached another way.
//
// The listener is an MX-style receiver for the security addresses hosted here, not a relay: it
// takes mail for those addresses only, needs no login, and answers every refusal inside the SMTP
// conversation, so the sender's own mail server tells them why and we never send a bounce (which
// could be aimed at an innocent, forged sender).

export type InboundOutcome = { kind: 'report'; reference: string } | { kind: 'reply'; reference: string } | { kind: 'ignored'; reason: string };

/** A whole message, attachments and encoding included; mail servers commonly cap around here. */
export const MAX_INBOUND_MESSAGE_BYTES = 15 * 1024 * 1024;

// The final hop adds a Return-Path line to what the sender sent; that must not tip a message that
// fitted the advertised SIZE over the limit.
const TRACE_HEADER_ROOM = 1024;

// What the report and message fields hold (reports.ts). The e-mail body fills description and
// steps alike, so the smaller limit (description's) is the one a body must fit.
const MAX_BODY_CHARS = 20_000;
const MIN_DESCRIPTION_CHARS = 20;
const MAX_TITLE_CHARS = 200;
const MAX_NAME_CHARS = 100;
const PRODUCT_NOT_STATED = 'Not stated (sent by e-mail)';

/**
 * Why a message is refused, with the SMTP reply code the sender's mail server passes back:
 * 552 when it is too big for us, 550 when it cannot be taken as it is. It is still an
 * InvalidInput to anything that does not speak SMTP.
 */
export class InboundMailRefused extends ConnectableError {
  readonly smtpCode: 550 | 552;

  constructor(smtpCode: 550 | 552, message: string, options: { cause?: unknown } = {}) {
    super('CONNECTABLE_ERR_INVALID_INPUT', message, options);
    this.name = 'InboundMailRefused';
    this.smtpCode = smtpCode;
  }
}

const REFERENCE = /(?<![A-Za-z0-9])VR-(\d{4})-([ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8})(?![A-Za-z0-9])/i;

/** The report reference a subject names, e.g. 'Re: [VR-2026-ABCD2345] …' gives 'VR-2026-ABCD2345'. */
export function referenceInSubject(subject: string): string | null {
  const m = REFERENCE.exec(subject);
  return m ? `VR-${m[1]}-${(m[2] ?? '').toUpperCase()}` : null;
}

// Where the quoted history of a reply begins. Mail clients wrap a long attribution, so "On …" and
// "… wrote:" may be on two lines; German and French clients are common enough among researchers.
const ATTRIBUTION_ONE_LINE = /^(On\s.*\swrote|Am\s.*\sschrieb.*|Le\s.*\sa écrit\s?):\s*$/i;
const ATTRIBUTION_START = /^(On|Am|Le)\s/i;
const ATTRIBUTION_END = /(wrote|schrieb.*|a écrit\s?):\s*$/i;
// Outlook quotes nothing with ">": it puts the history under a divider line.
const OUTLOOK_DIVIDER = /^-{2,}\s*Original Message\s*-{2,}$/i;
// RFC 3676 §4.3: "-- " alone on a line starts the signature; many clients drop the trailing space.
const SIGNATURE = /^-- ?$/;

/**
 * Only what the reporter newly wrote in a reply: quoted lines, the quoted history under "On …
 * wrote:" and the signature are left out, so the report's thread does not repeat itself.
 */
export function replyText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (SIGNATURE.test(line) || OUTLOOK_DIVIDER.test(trimmed) || ATTRIBUTION_ONE_LINE.test(trimmed)) break;
    if (ATTRIBUTION_START.test(trimmed) && !ATTRIBUTION_END.test(trimmed) && ATTRIBUTION_END.test((lines[i + 1] ?? '').trim())) break;
    if (line.startsWith('>')) continue;
    kept.push(line.trimEnd());
  }
  return kept.join('\n').replace(/\n{3,}/g, '\n\n').trim();
}

interface Maker {
  id: string;
  name: string;
}

async function makerFor(q: Queryable, address: string): Promise<Maker | undefined> {
  return one<Maker>(
    q,
    `SELECT o.id, o.name FROM disclosure_policies p JOIN organisations o ON o.id = p.organisation_id
      WHERE p.inbound_address = $1 AND o.kind = 'maker'`,
    [address.trim().toLowerCase()],
  );
}

/** The first recipient that is a maker's security address here, and whose it is. */
async function firstMaker(q: Queryable, recipients: readonly string[]): Promise<Maker | undefined> {
  // A message has few recipients; the SMTP listener lets through one security address per message.
  for (const address of recipients.slice(0, 20)) {
    const maker = await makerFor(q, address);
    if (maker) return maker;
  }
  return undefined;
}

function headerText(mail: ParsedMail, name: string): string {
  const v = mail.headers.get(name);
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'value' in v && typeof v.value === 'string') return v.value;
  return '';
}

/**
 * Why a message was sent by a machine, if it was (RFC 3834 and the usual vendor headers). Answering
 * those, even with an acknowledgement, is how mail loops start; they are dropped without a reply.
 */
function automatedReason(mail: ParsedMail, from: string | undefined): string | null {
  const autoSubmitted = headerText(mail, 'auto-submitted').trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return `it was sent automatically (Auto-Submitted: ${autoSubmitted})`;
  const precedence = headerText(mail, 'precedence').trim().toLowerCase();
  if (['bulk', 'junk', 'list'].includes(precedence)) return `it is bulk mail (Precedence: ${precedence})`;
  if (mail.headers.has('x-autoreply') || mail.headers.has('x-autorespond')) return 'it is an auto-reply';
  // The topmost Return-Path is the envelope sender as the final hop saw it; "<>" marks a bounce.
  const returnPath = mail.headerLines.find((h) => h.key === 'return-path');
  if (returnPath && returnPath.line.slice(returnPath.line.indexOf(':') + 1).trim() === '<>') return 'it is a delivery notification (empty Return-Path)';
  if (from && /^mailer-daemon@/i.test(from)) return 'it is a delivery notification (from MAILER-DAEMON)';
  if (headerText(mail, 'content-type').trim().toLowerCase() === 'multipart/report') return 'it is a delivery or read report (multipart/report)';
  return null;
}

/** A report needs a title of 5 to 200 characters; a subject is taken as it is when it fits. */
function titleFrom(subject: string): string {
  const s = subject.replace(/\s+/g, ' ').trim();
  if (!s) return 'Report by e-mail (no subject)';
  const title = s.length < 5 ? `Report by e-mail: ${s}` : s;
  return title.length > MAX_TITLE_CHARS ? `${title.slice(0, MAX_TITLE_CHARS - 1)}…` : title;
}

function tooLong(what: string, chars: number): InboundMailRefused {
  return new InboundMailRefused(
    552,
    `The ${what} is ${chars.toLocaleString('en-GB')} characters long; at most ${MAX_BODY_CHARS.toLocaleString('en-GB')} fit. Put the details in an attached file (a text file or PDF) and send it again.`,
  );
}

function attachedFiles(mail: ParsedMail) {
  // An empty part (some clients leave one behind) carries nothing to keep.
  const files = mail.attachments.filter((a) => a.content.length > 0).map((a, i) => ({ fileName: a.filename?.trim() || `attachment-${i + 1}`, bytes: new Uint8Array(a.content) }));
  if (files.length === 0) return [];
  try {
    return checkUpload(files);
  } catch (e) {
    if (!isConnectableError(e)) throw e;
    // The whole message is refused rather than stored without the file: the reporter believes
    // they sent it, and a report missing its proof of concept is worse than a clear refusal.
    const tooMuch = files.length > attachmentLimits.maxFilesPerUpload || files.some((f) => f.bytes.length > attachmentLimits.maxFileBytes);
    throw new InboundMailRefused(tooMuch ? 552 : 550, `${e.message} Nothing was stored; change or leave out the files as described and send the message again.`, { cause: e });
  }
}

/**
 * Takes one message that arrived for `recipients`: a reply to a report the sender filed, a new
 * report, or nothing (a machine's message). Throws InboundMailRefused, or the InvalidInput of the
 * report's own checks, when the message cannot be taken; then nothing is stored.
 */
export async function receiveInboundMail(db: Database, raw: Buffer, recipients: string[], publicUrl: string): Promise<InboundOutcome> {
  if (raw.byteLength > MAX_INBOUND_MESSAGE_BYTES + TRACE_HEADER_ROOM) {
    throw new InboundMailRefused(552, `The message is larger than ${MAX_INBOUND_MESSAGE_BYTES / 1024 / 1024} MiB. Send large files as a link, or split them over several replies.`);
  }
  const maker = await firstMaker(db, recipients);
  if (!maker) throw new InboundMailRefused(550, 'No recipient of this message is a security address here. Check the address in the maker’s security.txt.');
  const mail = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true }).catch((e: unknown) => {
    throw new InboundMailRefused(550, 'The message could not be read as e-mail (its MIME structure is broken). Send it again from an ordinary mail program.', { cause: e });
  });
  const sender = mail.from?.value.find((a) => a.address);
  const from = sender?.address?.trim().toLowerCase();
  const automated = automatedReason(mail, from);
  if (automated) return { kind: 'ignored', reason: `Not stored: ${automated}.` };
  if (!from) throw new InboundMailRefused(550, 'The message has no From address. Send it from the address you want to hear back at.');
  // Plain text only, ever: for HTML-only mail mailparser gives the text it converted from the HTML.
  const text = (mail.text ?? '').replace(/\r\n?/g, '\n').trim();
  if (!text && mail.textConversionError) throw new InboundMailRefused(550, 'The HTML of the message could not be turned into text. Send it again as plain text.', { cause: mail.textConversionError });
  const subject = mail.subject ?? '';
  const files = attachedFiles(mail);

  const reference = referenceInSubject(subject);
  if (reference) {
    const body = replyText(text);
    if (body.length > MAX_BODY_CHARS) throw tooLong('new text of the reply', body.length);
    // Only the address the report came from can add to it; anyone else starts a new report.
    const joined = await postReporterMessageByEmail(db, maker.id, reference, from, { body }, files, publicUrl).catch((e: unknown) => {
      // With no new text and no file, "write a message" is all the report can have said.
      if (!body && !files.length && isConnectableError(e) && e.code === 'CONNECTABLE_ERR_INVALID_INPUT') {
        throw new InboundMailRefused(550, 'The reply has no new text (quoted text is left out) and no file. Write your message above the quoted text and send it again.', { cause: e });
      }
      throw e;
    });
    if (joined) return { kind: 'reply', reference };
  }

  if (text.length > MAX_BODY_CHARS) throw tooLong('message body', text.length);
  let description = text;
  if (description.length < MIN_DESCRIPTION_CHARS) {
    if (!files.length) {
      throw new InboundMailRefused(550, `The message is too short to be a report (at least ${MIN_DESCRIPTION_CHARS} characters). Describe the problem, the affected product and how to reproduce it, and send it again.`);
    }
    // A report that is all in an attached file (a PDF write-up, say) is still a report.
    description = `${description ? `${description}\n\n` : ''}The details are in the attached file${files.length === 1 ? '' : 's'}: ${files.map((f) => f.fileName).join(', ')}.`;
  }
  const submitted = await submitReport(
    db,
    maker,
    {
      title: titleFrom(subject),
      description,
      // A mail is one free text; the form's separate "steps to reproduce" are somewhere in it, so
      // the body stands for both and the responder reads it once.
      steps: description,
      productText: PRODUCT_NOT_STATED,
      reporterEmail: from,
      reporterName: (sender?.name ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_CHARS),
    },
    publicUrl,
    { channel: 'email', attachments: files },
  );
  return { kind: 'report', reference: submitted.reference };
}

export interface InboundMailLogger {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
}

export interface InboundMailServerOptions {
  db: Database;
  publicUrl: string;
  /** 0 lets the system choose; the bound port is returned. */
  port: number;
  /** Where the MTA in front relays to; loopback unless it runs elsewhere. */
  host?: string;
  maxMessageBytes?: number;
  logger?: InboundMailLogger;
}

export interface InboundMailServer {
  port: number;
  close(): Promise<void>;
}

const quiet: InboundMailLogger = { info: () => {}, warn: () => {} };

function smtpReply(code: number, text: string): SMTPServerError {
  // A reply is one line of ASCII (RFC 5321 §4.2, §4.5.3.1.5); user-facing messages may hold
  // typographic quotes and run long.
  const line = text
    .replace(/[’‘]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/…/g, '...')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 400);
  return Object.assign(new Error(line), { responseCode: code });
}

const temporaryFailure = (): SMTPServerError => smtpReply(451, '4.3.0 The report could not be stored just now; your mail server will try again.');

/** The SMTP answer to a message that could not be taken: permanent for what the sender can fix. */
function refusalReply(e: unknown): SMTPServerError | undefined {
  if (e instanceof InboundMailRefused) return smtpReply(e.smtpCode, `${e.smtpCode === 552 ? '5.3.4' : '5.7.1'} ${e.message}`);
  if (isConnectableError(e) && ['CONNECTABLE_ERR_INVALID_INPUT', 'CONNECTABLE_ERR_CONFLICT', 'CONNECTABLE_ERR_NOT_FOUND'].includes(e.code)) return smtpReply(550, `5.7.1 ${e.message}`);
  return undefined;
}

/**
 * Listens for mail to the security addresses hosted here. It is the last hop: in production an
 * MTA in front (Postfix, a cloud mail gateway) receives from the internet, terminates TLS, checks
 * SPF/DKIM/DMARC and relays to this port, so this listener speaks plain SMTP and no AUTH.
 */
export async function startInboundMailServer(opts: InboundMailServerOptions): Promise<InboundMailServer> {
  const { db, publicUrl } = opts;
  const logger = opts.logger ?? quiet;
  const maxMessageBytes = Math.min(opts.maxMessageBytes ?? MAX_INBOUND_MESSAGE_BYTES, MAX_INBOUND_MESSAGE_BYTES);
  const server = new SMTPServer({
    secure: false,
    // No AUTH: it is a receiver for its own addresses, not a relay anyone may log in to. No
    // STARTTLS: TLS is terminated by the MTA in front, and a certificate here would be a second
    // one to keep.
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    banner: 'Connectable security report intake',
    // SIZE is advertised, so a well-behaved client does not send what we would refuse.
    size: maxMessageBytes,
    maxClients: 50,
    maxRecipients: 10,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    // A reverse lookup per connection costs time and tells us nothing we act on.
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, session, callback) {
      const wanted = address.address.trim().toLowerCase();
      makerFor(db, wanted).then(
        (maker) => {
          if (!maker) return callback(smtpReply(550, '5.1.1 No such security address here'));
          // One security address per message, so each maker's report is its own transaction; 452
          // makes the sending server deliver to the others again, separately (RFC 5321 §4.5.3.1.10).
          if (session.envelope.rcptTo.some((r) => r.address.trim().toLowerCase() !== wanted)) {
            return callback(smtpReply(452, '4.5.3 One security address per message; this one will be tried again on its own.'));
          }
          callback(null);
        },
        (e: unknown) => {
          logger.warn({ err: e }, 'inbound mail: the security address could not be looked up');
          callback(temporaryFailure());
        },
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let answered = false;
      const answer: typeof callback = (err, message) => {
        if (answered) return;
        answered = true;
        callback(err, message);
      };
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        // Past the cap the rest is read and dropped, so the conversation can end with a 552.
        if (bytes <= maxMessageBytes) chunks.push(chunk);
      });
      stream.on('error', (e: Error) => {
        logger.warn({ err: e, session: session.id }, 'inbound mail: reading the message failed');
        answer(temporaryFailure());
      });
      stream.on('end', () => {
        if (stream.sizeExceeded || bytes > maxMessageBytes) {
          logger.info({ session: session.id, bytes }, 'inbound mail: refused, too large');
          answer(smtpReply(552, `5.3.4 The message is larger than ${maxMessageBytes.toLocaleString('en-GB')} bytes. Send large files as a link, or split them over several messages.`));
          return;
        }
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        // We are the final hop, so we add Return-Path (RFC 5321 §4.4): an empty envelope sender is
        // how a bounce is known, and receiveInboundMail reads it from the message.
        const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address.replace(/[\r\n<>]/g, '') : '';
        const raw = Buffer.concat([Buffer.from(`Return-Path: <${sender}>\r\n`), ...chunks]);
        receiveInboundMail(db, raw, recipients, publicUrl).then(
          (outcome) => {
            // Never the contents: the log says what happened, not what was reported.
            logger.info({ session: session.id, remoteAddress: session.remoteAddress, outcome }, 'inbound mail: received');
            if (outcome.kind === 'ignored') answer(null, `OK: ${outcome.reason}`);
            else answer(null, outcome.kind === 'report' ? `OK: report ${outcome.reference} received` : `OK: added to report ${outcome.reference}`);
          },
          (e: unknown) => {
            const refusal = refusalReply(e);
            if (refusal) {
              logger.info({ session: session.id, remoteAddress: session.remoteAddress, refused: refusal.responseCode }, 'inbound mail: refused');
              answer(refusal);
              return;
            }
            logger.warn({ err: e, session: session.id }, 'inbound mail: the message could not be stored');
            answer(temporaryFailure());
          },
        );
      });
    },
  });
  server.on('error', (e: Error) => logger.warn({ err: e }, 'inbound mail: connection error'));
  const listener = server.listen(opts.port, opts.host ?? '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    listener.once('listening', resolve);
    listener.once('error', reject);
  });
  const address = listener.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  logger.info({ port }, 'inbound mail: listening');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
