import { one, type Queryable } from '../store/index.ts';
import { randomToken, hashToken } from './secrets.ts';
import type { User } from './users.ts';

export const SESSION_HOURS = 12;

export interface Session {
  user: User;
  csrfSecret: string;
}

/** A new session; the cookie gets the token, the database only its hash. */
export async function createSession(q: Queryable, userId: string, ip: string | undefined): Promise<{ token: string; csrfSecret: string }> {
  const token = randomToken();
  const csrfSecret = randomToken();
  await q.query(
    `INSERT INTO sessions (id_hash, user_id, csrf_secret, expires_at, ip)
     VALUES ($1, $2, $3, now() + make_interval(hours => $4), $5)`,
    [hashToken(token), userId, csrfSecret, SESSION_HOURS, ip ?? null],
  );
  return { token, csrfSecret };
}

export async function findSession(q: Queryable, token: string): Promise<Session | undefined> {
  const row = await one<{ csrfSecret: string } & User & Record<string, unknown>>(
    q,
    `SELECT s.csrf_secret AS "csrfSecret", u.id, u.organisation_id AS "organisationId", u.email,
            u.display_name AS "displayName", u.role, (u.totp_secret IS NOT NULL) AS "totpEnabled"
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id_hash = $1 AND s.expires_at > now()`,
    [hashToken(token)],
  );
  if (!row) return undefined;
  const { csrfSecret, ...user } = row;
  return { user, csrfSecret };
}

export async function endSession(q: Queryable, token: string): Promise<void> {
  await q.query('DELETE FROM sessions WHERE id_hash = $1', [hashToken(token)]);
}

export async function endAllSessions(q: Queryable, userId: string): Promise<void> {
  await q.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
}
