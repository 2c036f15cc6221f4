import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { ConnectableError, invalidInput } from '../errors.ts';
import { one, type Database } from '../store/index.ts';
import { parseInput } from '../validation.ts';
import { verifyPassword } from './password-hash.ts';
import { hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret } from './totp.ts';

// Enrolment keeps the new secret in a pending column until the person proves their app has it
// by entering a code; only then does sign-in start asking for codes.

export async function startTotpEnrolment(db: Database, userId: string): Promise<string> {
  const secret = newTotpSecret();
  await db.query('UPDATE users SET totp_pending_secret = $1 WHERE id = $2 AND totp_secret IS NULL', [secret, userId]);
  return secret;
}

export async function pendingTotpSecret(db: Database, userId: string): Promise<string | undefined> {
  const row = await one<{ totp_pending_secret: string | null }>(db, 'SELECT totp_pending_secret FROM users WHERE id = $1 AND totp_secret IS NULL', [userId]);
  return row?.totp_pending_secret ?? undefined;
}

const codeInput = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'Enter the 6-digit code your authenticator app shows.') });

/** Confirms enrolment with a current code; returns the recovery codes, shown once. */
export async function confirmTotpEnrolment(db: Database, actor: Actor & { userId: string }, input: unknown): Promise<string[]> {
  const { code } = parseInput(codeInput, input, 'The code');
  return db.transaction(async (tx) => {
    const row = await one<{ totp_pending_secret: string | null }>(tx, 'SELECT totp_pending_secret FROM users WHERE id = $1 AND totp_secret IS NULL FOR UPDATE', [actor.userId]);
    if (!row?.totp_pending_secret) throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'Start the set-up again: there is no authenticator waiting to be confirmed.');
    const step = matchTotp(row.totp_pending_secret, code, null);
    if (step === undefined) throw invalidInput('That code is not right. Check the time on your phone and enter the code shown now.', { code: 'That code is not right.' });
    await tx.query('UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_last_step = $1 WHERE id = $2', [step, actor.userId]);
    await tx.query('DELETE FROM recovery_codes WHERE user_id = $1', [actor.userId]);
    const codes = newRecoveryCodes();
    for (const c of codes) await tx.query('INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)', [actor.userId, hashRecoveryCode(c)]);
    await recordAudit(tx, actor, 'second_factor.enabled', { target: actor.label });
    return codes;
  });
}

const passwordInput = z.object({ password: z.string().min(1, 'Enter your password to confirm.').max(1024) });

/** Turns TOTP off; needs the password, so a session left open is not enough. */
export async function disableTotp(db: Database, actor: Actor & { userId: string }, input: unknown): Promise<void> {
  const { password } = parseInput(passwordInput, input, 'The form');
  const row = await one<{ password_hash: string }>(db, 'SELECT password_hash FROM users WHERE id = $1', [actor.userId]);
  if (!row || !(await verifyPassword(row.password_hash, password))) {
    throw invalidInput('That password is not right.', { password: 'That password is not right.' });
  }
  await db.transaction(async (tx) => {
    await tx.query('UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_last_step = NULL WHERE id = $1', [actor.userId]);
    await tx.query('DELETE FROM recovery_codes WHERE user_id = $1', [actor.userId]);
    await recordAudit(tx, actor, 'second_factor.disabled', { target: actor.label });
  });
}

export async function unusedRecoveryCodes(db: Database, userId: string): Promise<number> {
  const row = await one<{ n: number }>(db, 'SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL', [userId]);
  return row?.n ?? 0;
}
