import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.ts';
import { conflict } from '../errors.ts';
import { one, type Queryable } from '../store/index.ts';
import { parseInput } from '../validation.ts';

export const organisationKinds = ['maker', 'retailer', 'regulator'] as const;
export type OrganisationKind = (typeof organisationKinds)[number];

export interface Organisation {
  id: string;
  slug: string;
  name: string;
  kind: OrganisationKind;
}

export const organisationInput = z.object({
  name: z.string().trim().min(1, 'Give the organisation a name.').max(200, 'Use at most 200 characters.'),
  kind: z.enum(organisationKinds, { error: 'Choose maker, retailer or regulator.' }),
});

export function slugFor(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return base.length >= 2 ? base : `org-${base}`.replace(/-$/, '');
}

export async function createOrganisation(q: Queryable, actor: Actor, input: unknown): Promise<Organisation> {
  const { name, kind } = parseInput(organisationInput, input, 'The organisation');
  const base = slugFor(name);
  for (let n = 1; n < 50; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    const row = await one<Organisation & Record<string, unknown>>(
      q,
      `INSERT INTO organisations (slug, name, kind) VALUES ($1, $2, $3)
       ON CONFLICT (slug) DO NOTHING RETURNING id, slug, name, kind`,
      [slug, name, kind],
    );
    if (row) {
      await recordAudit(q, actor, 'organisation.created', { organisationId: row.id, target: row.slug, details: { name, kind } });
      return row;
    }
  }
  throw conflict(`Too many organisations are named like "${name}"; choose a more distinctive name.`);
}

export async function getOrganisation(q: Queryable, id: string): Promise<Organisation | undefined> {
  return one(q, 'SELECT id, slug, name, kind FROM organisations WHERE id = $1', [id]);
}

export async function findOrganisationBySlug(q: Queryable, slug: string): Promise<Organisation | undefined> {
  return one(q, 'SELECT id, slug, name, kind FROM organisations WHERE slug = $1', [slug]);
}

export async function listOrganisations(q: Queryable): Promise<(Organisation & { members: number })[]> {
  return q.query(
    `SELECT o.id, o.slug, o.name, o.kind, count(u.id)::int AS members
       FROM organisations o LEFT JOIN users u ON u.organisation_id = o.id
      GROUP BY o.id ORDER BY o.created_at, o.slug`,
  );
}
