import nodemailer from 'nodemailer';
import type { Queryable } from '../store/index.ts';

export interface OutboundEmail {
  organisationId?: string | undefined;
  to: string;
  subject: string;
  /** Plain text: it reads everywhere, and carries no tracking. */
  text: string;
  /** Where the recipient's answer should go, e.g. the maker's security address. */
  replyTo?: string | undefined;
}

/** Queues a message in the caller's transaction; the mail job sends it after commit. */
export async function enqueueEmail(q: Queryable, mail: OutboundEmail): Promise<void> {
  await q.query('INSERT INTO outbound_emails (organisation_id, recipient, subject, body, reply_to) VALUES ($1, $2, $3, $4, $5)', [
    mail.organisationId ?? null,
    mail.to,
    mail.subject.slice(0, 300),
    mail.text,
    mail.replyTo ?? null,
  ]);
}

export interface SendResult {
  sent: number;
  failed: number;
}

const MAX_ATTEMPTS = 8;

/**
 * Sends what is waiting, oldest first, through SMTP. A failure is recorded on the message and it
 * is tried again by the next run, up to a limit; nothing is lost while the mail server is down.
 */
export async function sendPendingEmails(q: Queryable, smtpUrl: string, from: string, limit = 100): Promise<SendResult> {
  const transport = nodemailer.createTransport(smtpUrl);
  const pending = await q.query<{ id: number; recipient: string; subject: string; body: string; reply_to: string | null }>(
    'SELECT id, recipient, subject, body, reply_to FROM outbound_emails WHERE sent_at IS NULL AND attempts < $1 ORDER BY id LIMIT $2',
    [MAX_ATTEMPTS, limit],
  );
  let sent = 0;
  let failed = 0;
  try {
    for (const m of pending) {
      try {
        await transport.sendMail({ from, to: m.recipient, subject: m.subject, text: m.body, ...(m.reply_to ? { replyTo: m.reply_to } : {}) });
        await q.query('UPDATE outbound_emails SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1', [m.id]);
        sent++;
      } catch (e) {
        await q.query('UPDATE outbound_emails SET attempts = attempts + 1, last_error = $2 WHERE id = $1', [m.id, e instanceof Error ? e.message.slice(0, 500) : String(e)]);
        failed++;
      }
    }
  } finally {
    transport.close();
  }
  return { sent, failed };
}
