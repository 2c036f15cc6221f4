import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { ConnectableError, invalidInput, notFound } from '../errors.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';
import { getOrganisation, type Organisation } from './organisations.ts';
import { roles, type Role } from './roles.ts';
import { hashToken, randomToken } from './secrets.ts';
import { createSession } from './sessions.ts';
import { emailField, insertUser, parseNewAccount, type User } from './users.ts';

const INVITATION_DAYS = 7;

export const invitationInput = z.object({
  email: emailField,
  role: z.enum(roles, { error: 'Choose one of the roles listed.' }),
});

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  createdAt: Date;
  expiresAt: Date;
}

/** Invites a colleague; returns the one-time token for the link, shown to the owner once. */
export async function invite(db: Database, actor: Actor & { organisationId: string }, input: unknown): Promise<{ invitation: Invitation; token: string }> {
  const { email, role } = parseInput(invitationInput, input, 'The invitation');
  return db.transaction(async (tx) => {
    if (await one(tx, 'SELECT 1 FROM users WHERE email = $1', [email])) {
      throw invalidInput('That person has an account already.', { email: 'This e-mail address has an account already.' });
    }
    // A new invitation to the same address replaces the old one, whose link then stops working.
    await tx.query('UPDATE invitations SET revoked_at = now() WHERE organisation_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL', [
      actor.organisationId,
      email,
    ]);
    const token = randomToken();
    const invitation = await one<Invitation & Record<string, unknown>>(
      tx,
      `INSERT INTO invitations (organisation_id, email, role, token_hash, invited_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6))
       RETURNING id, email, role, created_at AS "createdAt", expires_at AS "expiresAt"`,
      [actor.organisationId, email, role, hashToken(token), actor.userId ?? null, INVITATION_DAYS],
    );
    if (!invitation) throw new Error('INSERT … RETURNING gave no row');
    await recordAudit(tx, actor, 'member.invited', { target: email, details: { role } });
    return { invitation, token };
  });
}

export async function listOpenInvitations(q: Queryable, organisationId: string): Promise<Invitation[]> {
  return q.query(
    `SELECT id, email, role, created_at AS "createdAt", expires_at AS "expiresAt" FROM invitations
      WHERE organisation_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
      ORDER BY created_at DESC`,
    [organisationId],
  );
}

export async function revokeInvitation(q: Queryable, actor: Actor & { organisationId: string }, invitationId: string): Promise<void> {
  const rows = await q.query<{ email: string }>(
    'UPDATE invitations SET revoked_at = now() WHERE id = $1 AND organisation_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL RETURNING email',
    [invitationId, actor.organisationId],
  );
  if (!rows[0]) throw notFound('That invitation');
  await recordAudit(q, actor, 'member.invitation_revoked', { target: rows[0].email });
}

const INVALID_INVITATION = 'This invitation link is not valid: it was used, revoked, replaced by a newer one, or has expired. Ask an owner of the organisation to invite you again.';

export async function describeInvitation(q: Queryable, token: string): Promise<{ email: string; role: Role; organisation: Organisation }> {
  const row = await one<{ email: string; role: Role; organisation_id: string }>(
    q,
    'SELECT email, role, organisation_id FROM invitations WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()',
    [hashToken(token)],
  );
  const organisation = row && (await getOrganisation(q, row.organisation_id));
  if (!row || !organisation) throw new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', INVALID_INVITATION);
  return { email: row.email, role: row.role, organisation };
}

/** Accepts an invitation: the account takes the invited e-mail and role, and is signed in. */
export async function acceptInvitation(
  db: Database,
  token: string,
  input: Record<string, unknown>,
  ip: string,
): Promise<{ user: User; sessionToken: string; csrfSecret: string }> {
  return db.transaction(async (tx) => {
    const row = await one<{ id: string; email: string; role: Role; organisation_id: string }>(
      tx,
      `UPDATE invitations SET accepted_at = now()
        WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
        RETURNING id, email, role, organisation_id`,
      [hashToken(token)],
    );
    if (!row) throw new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', INVALID_INVITATION);
    const account = parseNewAccount({ ...input, email: row.email });
    const user = await insertUser(tx, account, row.organisation_id, row.role);
    await recordAudit(tx, { userId: user.id, organisationId: row.organisation_id, label: user.email, ip }, 'member.joined', {
      target: user.email,
      details: { role: row.role },
    });
    const session = await createSession(tx, user.id, ip);
    return { user, sessionToken: session.token, csrfSecret: session.csrfSecret };
  });
}
