import crypto from 'node:crypto';
import { z } from 'zod';
import { instanceSecret } from '../accounts/index.ts';
import { recordAudit, type Actor } from '../audit/index.ts';
import { ConnectableError, notFound } from '../errors.ts';
import { one, type Database, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';
import { cleartextSign, decryptWith, detachedSign, generateOrganisationKey, importOrganisationKey, type OrganisationKey } from './openpgp.ts';

// One OpenPGP key per maker. The platform keeps the private half only when it signs for the maker
// (security.txt, advisories), protected by a passphrase derived from the instance secret, so a copy
// of the key table alone signs nothing. A public key alone still lets reporters encrypt.

export interface StoredKey {
  fingerprint: string;
  publicKey: string;
  canSign: boolean;
  expiresAt: Date | null;
  createdAt: Date;
}

async function passphraseFor(db: Queryable, organisationId: string): Promise<string> {
  const secret = await instanceSecret(db, 'openpgp');
  return crypto.createHmac('sha256', secret).update(`organisation-key:${organisationId}`).digest('base64url');
}

export async function getOrganisationKey(q: Queryable, organisationId: string): Promise<StoredKey | undefined> {
  return one<StoredKey>(
    q,
    `SELECT fingerprint, public_key AS "publicKey", private_key IS NOT NULL AS "canSign", expires_at AS "expiresAt", created_at AS "createdAt"
       FROM organisation_openpgp_keys WHERE organisation_id = $1`,
    [organisationId],
  );
}

async function store(db: Database, actor: Actor & { organisationId: string }, key: OrganisationKey, how: string): Promise<StoredKey> {
  await db.query(
    `INSERT INTO organisation_openpgp_keys (organisation_id, fingerprint, public_key, private_key, expires_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (organisation_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, public_key = EXCLUDED.public_key, private_key = EXCLUDED.private_key,
       expires_at = EXCLUDED.expires_at, created_at = now()`,
    [actor.organisationId, key.fingerprint, key.publicKey, key.privateKey, key.expiresAt],
  );
  await recordAudit(db, actor, `openpgp_key.${how}`, { target: key.fingerprint, details: { canSign: key.privateKey !== null, expiresAt: key.expiresAt?.toISOString() ?? null } });
  const stored = await getOrganisationKey(db, actor.organisationId);
  if (!stored) throw new Error('key vanished after it was stored');
  return stored;
}

export const generateKeyInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email({ error: 'Give the address reports reach, e.g. security@example.com.' })),
  validDays: z.coerce.number({ error: 'Enter a number of days.' }).int().min(30, 'At least 30 days.').max(1825, 'At most 5 years (1825 days).').default(730),
});

/** A new key made here: Ed25519 signing, Cv25519 encryption, two years by default. */
export async function generateKeyForOrganisation(db: Database, actor: Actor & { organisationId: string }, input: unknown): Promise<StoredKey> {
  const g = parseInput(generateKeyInput, input, 'The key');
  const org = await one<{ name: string }>(db, 'SELECT name FROM organisations WHERE id = $1', [actor.organisationId]);
  if (!org) throw notFound('That organisation');
  const key = await generateOrganisationKey({ name: `${org.name} Product Security`, email: g.email, validDays: g.validDays, passphrase: await passphraseFor(db, actor.organisationId) });
  return store(db, actor, key, 'generated');
}

export const importKeyInput = z.object({
  armored: z.string().trim().min(1, 'Paste an armored OpenPGP key (-----BEGIN PGP …).').max(100_000, 'That is larger than any key (100 kB).'),
  currentPassphrase: z.string().max(1000).optional().transform((v) => (v ? v : undefined)),
});

/** A key the maker already has: a public key (encryption only) or a private key (also signing). */
export async function importKeyForOrganisation(db: Database, actor: Actor & { organisationId: string }, input: unknown): Promise<StoredKey> {
  const i = parseInput(importKeyInput, input, 'The key');
  const key = await importOrganisationKey(i.armored, await passphraseFor(db, actor.organisationId), i.currentPassphrase);
  return store(db, actor, key, 'imported');
}

export async function removeOrganisationKey(db: Database, actor: Actor & { organisationId: string }): Promise<void> {
  const removed = await db.query<{ fingerprint: string }>('DELETE FROM organisation_openpgp_keys WHERE organisation_id = $1 RETURNING fingerprint', [actor.organisationId]);
  if (!removed[0]) throw notFound('A key');
  await recordAudit(db, actor, 'openpgp_key.removed', { target: removed[0].fingerprint });
}

async function privateKeyOf(db: Queryable, organisationId: string, now: Date): Promise<{ privateKey: string; fingerprint: string } | null> {
  const row = await one<{ private_key: string | null; expires_at: Date | null; fingerprint: string }>(
    db,
    'SELECT private_key, expires_at, fingerprint FROM organisation_openpgp_keys WHERE organisation_id = $1',
    [organisationId],
  );
  if (!row?.private_key) return null;
  if (row.expires_at && row.expires_at <= now) return null;
  return { privateKey: row.private_key, fingerprint: row.fingerprint };
}

// Signing security.txt on every request would decrypt the key each time; the signed text is
// kept per organisation, key and content, so a change of either (or a new Expires) re-signs it.
const signedCache = new Map<string, { digest: string; signed: string }>();

/** Cleartext-signs a security.txt, or returns null when the maker has no usable signing key. */
export async function signSecurityTxt(db: Database, organisationId: string, text: string): Promise<string | null> {
  const key = await privateKeyOf(db, organisationId, new Date());
  if (!key) return null;
  const digest = crypto.createHash('sha256').update(`${key.fingerprint}\n${text}`).digest('hex');
  const cached = signedCache.get(organisationId);
  if (cached?.digest === digest) return cached.signed;
  const signed = await cleartextSign(text, key.privateKey, await passphraseFor(db, organisationId));
  if (signedCache.size > 1000) signedCache.clear();
  signedCache.set(organisationId, { digest, signed });
  return signed;
}

/**
 * A detached signature for a published file (CSAF .asc), or null without a usable key. Takes the
 * caller's transaction: on PGlite a second connection would wait for it for ever.
 */
export async function signDetached(db: Queryable, organisationId: string, data: string | Uint8Array): Promise<string | null> {
  const key = await privateKeyOf(db, organisationId, new Date());
  if (!key) return null;
  return detachedSign(data, key.privateKey, await passphraseFor(db, organisationId));
}

export function keyProblem(key: StoredKey | undefined, now = new Date()): string | null {
  if (!key) return null;
  if (key.expiresAt && key.expiresAt <= now) return `The key ${key.fingerprint} expired on ${key.expiresAt.toISOString().slice(0, 10)}; generate or import a new one.`;
  if (key.expiresAt && key.expiresAt.getTime() - now.getTime() < 30 * 86_400_000) return `The key ${key.fingerprint} expires on ${key.expiresAt.toISOString().slice(0, 10)}; security.txt's Expires is cut short to match. Replace the key soon.`;
  return null;
}


/**
 * Reads a report the reporter encrypted in their browser, when the platform holds the maker's
 * private key. The plain text is shown to the responder and never stored.
 */
export async function decryptForOrganisation(db: Database, organisationId: string, armoredMessage: string): Promise<string> {
  const row = await one<{ private_key: string | null }>(db, 'SELECT private_key FROM organisation_openpgp_keys WHERE organisation_id = $1', [organisationId]);
  if (!row?.private_key) {
    throw new ConnectableError('CONNECTABLE_ERR_CONFLICT', 'This platform does not hold your private key, so it cannot decrypt the report. Decrypt the text with your own key (gpg --decrypt).');
  }
  return decryptWith(armoredMessage, row.private_key, await passphraseFor(db, organisationId));
}
