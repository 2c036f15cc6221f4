import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { notFound } from '../errors.ts';
import { one, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';
import { getOrganisation, type Organisation } from './organisations.ts';
import { tokenScopes, type TokenScope } from './roles.ts';
import { hashToken, randomToken } from './secrets.ts';

// "cnt_" makes a leaked token easy to spot in logs and for secret scanners to match.
export const API_TOKEN_PREFIX = 'cnt_';

export const apiTokenInput = z.object({
  name: z.string().trim().min(1, 'Name the token after where it will be used, such as "CI firmware gate".').max(100, 'Use at most 100 characters.'),
  scopes: z
    .preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(tokenScopes, { error: 'Unknown scope.' })))
    .refine((s) => s.length > 0, 'Choose at least one scope.'),
});

export interface ApiToken {
  id: string;
  name: string;
  scopes: TokenScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const columns = `id, name, scopes, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

/** Creates a token; the secret is returned once and only its hash is kept. */
export async function createApiToken(q: Queryable, actor: Actor & { organisationId: string }, input: unknown): Promise<{ token: ApiToken; secret: string }> {
  const { name, scopes } = parseInput(apiTokenInput, input, 'The token');
  const secret = randomToken(API_TOKEN_PREFIX);
  const token = await one<ApiToken & Record<string, unknown>>(
    q,
    `INSERT INTO api_tokens (organisation_id, name, scopes, secret_hash, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${columns}`,
    [actor.organisationId, name, [...new Set(scopes)], hashToken(secret), actor.userId ?? null],
  );
  if (!token) throw new Error('INSERT … RETURNING gave no row');
  await recordAudit(q, actor, 'api_token.created', { target: name, details: { scopes: token.scopes } });
  return { token, secret };
}

export async function listApiTokens(q: Queryable, organisationId: string): Promise<ApiToken[]> {
  return q.query(`SELECT ${columns} FROM api_tokens WHERE organisation_id = $1 ORDER BY created_at DESC`, [organisationId]);
}

export async function revokeApiToken(q: Queryable, actor: Actor & { organisationId: string }, tokenId: string): Promise<void> {
  const rows = await q.query<{ name: string }>(
    'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND organisation_id = $2 AND revoked_at IS NULL RETURNING name',
    [tokenId, actor.organisationId],
  );
  if (!rows[0]) throw notFound('That token');
  await recordAudit(q, actor, 'api_token.revoked', { target: rows[0].name });
}

/** The organisation and scopes behind a presented token, or undefined if unknown or revoked. */
export async function authenticateApiToken(q: Queryable, secret: string): Promise<{ organisation: Organisation; token: ApiToken } | undefined> {
  if (!secret.startsWith(API_TOKEN_PREFIX) || secret.length > 200) return undefined;
  const row = await one<ApiToken & { organisationId: string } & Record<string, unknown>>(
    q,
    `UPDATE api_tokens SET last_used_at = now() WHERE secret_hash = $1 AND revoked_at IS NULL
     RETURNING ${columns}, organisation_id AS "organisationId"`,
    [hashToken(secret)],
  );
  if (!row) return undefined;
  const organisation = await getOrganisation(q, row.organisationId);
  if (!organisation) return undefined;
  const { organisationId: _ignored, ...token } = row;
  return { organisation, token };
}
