import { recordAudit } from '../audit/index.ts';
import { ConnectableError } from '../errors.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { createOrganisation, getOrganisation, type Organisation } from './organisations.ts';
import { hashToken, randomToken } from './secrets.ts';
import { createSession } from './sessions.ts';
import { insertUser, parseNewAccount, type User } from './users.ts';

// There is no default administrator. The first owner of an organisation is made through a
// one-time link that only the person who started the platform (or ran the CLI) sees.
const SETUP_HOURS = 24;

/**
 * A fresh setup link for an organisation that has no owner yet (or, with no organisation, for
 * the first one). Earlier unused links for it stop working, so only the newest printed one counts.
 */
export async function issueSetupToken(db: Database, organisationId: string | undefined): Promise<string> {
  return db.transaction(async (tx) => {
    if (organisationId) {
      const owner = await one(tx, `SELECT 1 FROM users WHERE organisation_id = $1 AND role = 'owner'`, [organisationId]);
      if (owner) throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'This organisation has an owner already; owners invite colleagues from the console.');
    }
    await tx.query('DELETE FROM setup_tokens WHERE used_at IS NULL AND organisation_id IS NOT DISTINCT FROM $1', [organisationId ?? null]);
    const token = randomToken();
    await tx.query(`INSERT INTO setup_tokens (token_hash, organisation_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))`, [
      hashToken(token),
      organisationId ?? null,
      SETUP_HOURS,
    ]);
    await recordAudit(tx, { label: 'system' }, 'setup_link.issued', { organisationId });
    return token;
  });
}

export async function hasAnyUser(q: Queryable): Promise<boolean> {
  return Boolean(await one(q, 'SELECT 1 FROM users LIMIT 1'));
}

export interface SetupTarget {
  organisation: Organisation | undefined;
}

const INVALID_LINK = 'This setup link is not valid: it was used already, replaced by a newer one, or has expired. Run `connectable setup-link` for a new one.';

async function findSetupToken(q: Queryable, token: string): Promise<{ token_hash: string; organisation_id: string | null } | undefined> {
  return one(q, 'SELECT token_hash, organisation_id FROM setup_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()', [hashToken(token)]);
}

export async function describeSetupToken(q: Queryable, token: string): Promise<SetupTarget> {
  const row = await findSetupToken(q, token);
  if (!row) throw new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', INVALID_LINK);
  return { organisation: row.organisation_id ? await getOrganisation(q, row.organisation_id) : undefined };
}

/** Uses a setup link: creates the owner (and the organisation, if the link has none) and signs in. */
export async function completeSetup(
  db: Database,
  token: string,
  input: Record<string, unknown>,
  ip: string,
): Promise<{ user: User; sessionToken: string; csrfSecret: string }> {
  const account = parseNewAccount(input);
  return db.transaction(async (tx) => {
    const row = await one<{ organisation_id: string | null }>(
      tx,
      'UPDATE setup_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING organisation_id',
      [hashToken(token)],
    );
    if (!row) throw new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', INVALID_LINK);
    const organisation = row.organisation_id
      ? await getOrganisation(tx, row.organisation_id)
      : await createOrganisation(tx, { label: account.email, ip }, { name: input['organisationName'], kind: input['organisationKind'] });
    if (!organisation) throw new ConnectableError('CONNECTABLE_ERR_NOT_FOUND', INVALID_LINK);
    const owner = await one(tx, `SELECT 1 FROM users WHERE organisation_id = $1 AND role = 'owner'`, [organisation.id]);
    if (owner) throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'This organisation has an owner already; ask them to invite you.');
    const user = await insertUser(tx, account, organisation.id, 'owner');
    await recordAudit(tx, { userId: user.id, organisationId: organisation.id, label: user.email, ip }, 'setup.completed', {
      target: user.email,
      details: { role: 'owner' },
    });
    const session = await createSession(tx, user.id, ip);
    return { user, sessionToken: session.token, csrfSecret: session.csrfSecret };
  });
}
