import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { conflict, invalidInput, notFound } from '../errors.ts';
import { one, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';
import { hashPassword } from './password-hash.ts';
import { passwordProblem } from './password-policy.ts';
import { roles, type Role } from './roles.ts';

export interface User {
  id: string;
  organisationId: string;
  email: string;
  displayName: string;
  role: Role;
  totpEnabled: boolean;
}

const userColumns = `id, organisation_id AS "organisationId", email, display_name AS "displayName", role,
  (totp_secret IS NOT NULL) AS "totpEnabled"`;

export const emailField = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'Use at most 254 characters.')
  .pipe(z.email({ error: 'Enter an e-mail address such as name@example.com.' }));

export const newAccountInput = z.object({
  displayName: z.string().trim().min(1, 'Enter your name.').max(200, 'Use at most 200 characters.'),
  email: emailField,
  password: z.string(),
});

/** Validates a new account's fields, password policy included, naming each bad field. */
export function parseNewAccount(input: unknown): z.infer<typeof newAccountInput> {
  const account = parseInput(newAccountInput, input, 'The account');
  const problem = passwordProblem(account.password, { email: account.email, name: account.displayName });
  if (problem) throw invalidInput(`The password is not acceptable: ${problem}`, { password: problem });
  return account;
}

export async function insertUser(
  q: Queryable,
  account: { displayName: string; email: string; password: string },
  organisationId: string,
  role: Role,
): Promise<User> {
  const existing = await one(q, 'SELECT 1 FROM users WHERE email = $1', [account.email]);
  if (existing) throw invalidInput('An account with this e-mail address exists already; sign in instead.', { email: 'This e-mail address has an account already.' });
  const row = await one<User & Record<string, unknown>>(
    q,
    `INSERT INTO users (organisation_id, email, display_name, role, password_hash)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${userColumns}`,
    [organisationId, account.email, account.displayName, role, await hashPassword(account.password)],
  );
  if (!row) throw new Error('INSERT … RETURNING gave no row');
  return row;
}

export async function getUser(q: Queryable, id: string): Promise<User | undefined> {
  return one(q, `SELECT ${userColumns} FROM users WHERE id = $1`, [id]);
}

export async function listMembers(q: Queryable, organisationId: string): Promise<User[]> {
  return q.query(`SELECT ${userColumns} FROM users WHERE organisation_id = $1 ORDER BY created_at, email`, [organisationId]);
}

export const roleInput = z.object({ role: z.enum(roles, { error: 'Choose one of the roles listed.' }) });

/** Changes a member's role; an organisation always keeps at least one owner. */
export async function changeRole(q: Queryable, actor: Actor & { organisationId: string }, userId: string, input: unknown): Promise<User> {
  const { role } = parseInput(roleInput, input);
  const member = await one<User & Record<string, unknown>>(q, `SELECT ${userColumns} FROM users WHERE id = $1 AND organisation_id = $2 FOR UPDATE`, [
    userId,
    actor.organisationId,
  ]);
  if (!member) throw notFound('That member');
  if (member.role === role) return member;
  if (member.role === 'owner') {
    const owners = await one<{ n: number }>(q, `SELECT count(*)::int AS n FROM users WHERE organisation_id = $1 AND role = 'owner'`, [actor.organisationId]);
    if ((owners?.n ?? 0) <= 1) throw conflict('This is the only owner; make another member an owner first, so the organisation is never left without one.');
  }
  await q.query('UPDATE users SET role = $1 WHERE id = $2', [role, userId]);
  await recordAudit(q, actor, 'member.role_changed', { target: member.email, details: { from: member.role, to: role } });
  return { ...member, role };
}
