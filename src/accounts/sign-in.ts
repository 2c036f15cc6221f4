import { z } from 'zod';
import { recordAudit } from '../audit/index.ts';
import { ConnectableError } from '../errors.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';
import { verifyAgainstDecoy, verifyPassword } from './password-hash.ts';
import { hashToken, randomToken } from './secrets.ts';
import { createSession } from './sessions.ts';
import { hashRecoveryCode, matchTotp, normaliseRecoveryCode } from './totp.ts';

// Lockout counts failures in a sliding window, per account (guessing one password) and per
// address (spraying many accounts). Both answer alike, so a lockout says nothing about whether
// the account exists.
export const lockout = { windowMinutes: 15, perAccount: 5, perAddress: 30 } as const;
const PENDING_MINUTES = 5;
const SECOND_FACTOR_ATTEMPTS = 5;

const WRONG = 'The e-mail address or password is not right. Check both and try again.';

export const signInInput = z.object({
  email: z.string().trim().toLowerCase().min(1, 'Enter your e-mail address.').max(254, 'Use at most 254 characters.'),
  password: z.string().min(1, 'Enter your password.').max(1024, 'That is longer than any password we accept.'),
});

export type SignInResult =
  | { kind: 'signed-in'; userId: string; sessionToken: string; csrfSecret: string }
  | { kind: 'second-factor'; pendingToken: string };

async function assertNotLockedOut(q: Queryable, email: string, ip: string): Promise<void> {
  const row = await one<{ account: number; address: number }>(
    q,
    `SELECT count(*) FILTER (WHERE email = $1)::int AS account, count(*) FILTER (WHERE ip = $2)::int AS address
       FROM sign_in_failures WHERE at > now() - make_interval(mins => $3) AND (email = $1 OR ip = $2)`,
    [email, ip, lockout.windowMinutes],
  );
  if ((row?.account ?? 0) >= lockout.perAccount || (row?.address ?? 0) >= lockout.perAddress) {
    throw new ConnectableError(
      'CONNECTABLE_ERR_LOCKED_OUT',
      `Too many failed sign-ins for this account or from your address. Wait ${lockout.windowMinutes} minutes and try again, or ask an owner to help.`,
    );
  }
}

async function recordFailure(db: Database, email: string, ip: string, organisationId: string | undefined, reason: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO sign_in_failures (email, ip) VALUES ($1, $2)', [email, ip]);
    await recordAudit(tx, { label: email, ip, organisationId }, 'sign_in.failed', { details: { reason } });
  });
}

async function openSession(db: Database, user: { id: string; organisation_id: string; email: string }, ip: string, method: string): Promise<SignInResult> {
  return db.transaction(async (tx) => {
    await tx.query('DELETE FROM sign_in_failures WHERE email = $1', [user.email]);
    const { token, csrfSecret } = await createSession(tx, user.id, ip);
    await recordAudit(tx, { userId: user.id, organisationId: user.organisation_id, label: user.email, ip }, 'sign_in.succeeded', { details: { method } });
    return { kind: 'signed-in', userId: user.id, sessionToken: token, csrfSecret };
  });
}

/** First step: e-mail and password. An account with TOTP gets a short-lived pending token. */
export async function signIn(db: Database, input: unknown, ip: string): Promise<SignInResult> {
  const { email, password } = parseInput(signInInput, input, 'The sign-in form');
  await assertNotLockedOut(db, email, ip);
  const user = await one<{ id: string; organisation_id: string; email: string; password_hash: string; totp_secret: string | null }>(
    db,
    'SELECT id, organisation_id, email, password_hash, totp_secret FROM users WHERE email = $1',
    [email],
  );
  const ok = user ? await verifyPassword(user.password_hash, password) : await verifyAgainstDecoy(password);
  if (!user || !ok) {
    await recordFailure(db, email, ip, user?.organisation_id, user ? 'wrong password' : 'unknown e-mail');
    throw new ConnectableError('CONNECTABLE_ERR_SIGN_IN_FAILED', WRONG, { fields: { email: WRONG } });
  }
  if (user.totp_secret) {
    const pendingToken = randomToken();
    await db.query(
      `INSERT INTO pending_sign_ins (id_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(mins => $3))`,
      [hashToken(pendingToken), user.id, PENDING_MINUTES],
    );
    return { kind: 'second-factor', pendingToken };
  }
  return openSession(db, user, ip, 'password');
}

export const secondFactorInput = z.object({
  code: z.string().trim().min(1, 'Enter the 6-digit code from your authenticator app, or a recovery code.').max(40, 'That is not a code we issue.'),
});

const SECOND_FACTOR_EXPIRED = 'This sign-in has expired or was tried too often. Start again with your e-mail and password.';

/** Second step: a TOTP code (each usable once) or one of the recovery codes. */
export async function completeSecondFactor(db: Database, pendingToken: string, input: unknown, ip: string): Promise<SignInResult> {
  const { code } = parseInput(secondFactorInput, input, 'The code');
  const pending = await one<{ user_id: string; attempts: number; email: string; organisation_id: string; totp_secret: string | null; totp_last_step: number | null }>(
    db,
    `SELECT p.user_id, p.attempts, u.email, u.organisation_id, u.totp_secret, u.totp_last_step
       FROM pending_sign_ins p JOIN users u ON u.id = p.user_id
      WHERE p.id_hash = $1 AND p.expires_at > now()`,
    [hashToken(pendingToken)],
  );
  if (!pending || pending.attempts >= SECOND_FACTOR_ATTEMPTS || !pending.totp_secret) {
    throw new ConnectableError('CONNECTABLE_ERR_SIGN_IN_FAILED', SECOND_FACTOR_EXPIRED);
  }
  await assertNotLockedOut(db, pending.email, ip);
  const user = { id: pending.user_id, organisation_id: pending.organisation_id, email: pending.email };
  const digits = code.replace(/\s+/g, '');
  const step = matchTotp(pending.totp_secret, digits, pending.totp_last_step);
  let method: string | undefined;
  if (step !== undefined) {
    // The conditional update makes a code single-use even when two requests race with it.
    const claimed = await db.query('UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1) RETURNING id', [step, user.id]);
    if (claimed.length) method = 'totp';
  } else if (normaliseRecoveryCode(code).length === 12) {
    const used = await db.query('UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING user_id', [
      user.id,
      hashRecoveryCode(code),
    ]);
    if (used.length) method = 'recovery code';
  }
  if (!method) {
    await db.query('UPDATE pending_sign_ins SET attempts = attempts + 1 WHERE id_hash = $1', [hashToken(pendingToken)]);
    await recordFailure(db, user.email, ip, user.organisation_id, 'wrong second factor');
    const message = 'That code is not right, or was used already. Enter the current code from your authenticator app, or a recovery code you have not used.';
    throw new ConnectableError('CONNECTABLE_ERR_SIGN_IN_FAILED', message, { fields: { code: message } });
  }
  await db.query('DELETE FROM pending_sign_ins WHERE id_hash = $1', [hashToken(pendingToken)]);
  if (method === 'recovery code') {
    await recordAudit(db, { userId: user.id, organisationId: user.organisation_id, label: user.email, ip }, 'recovery_code.used');
  }
  return openSession(db, user, ip, method);
}
