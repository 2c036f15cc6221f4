import type { Queryable } from '../store/index.ts';

/** Who did something: a person, an API token, the system, or an anonymous visitor. */
export interface Actor {
  userId?: string | undefined;
  organisationId?: string | undefined;
  /** The e-mail, `token:<name>`, `system` or `anonymous`. */
  label: string;
  ip?: string | undefined;
}

export const systemActor: Actor = { label: 'system' };

export interface AuditEvent {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/**
 * Appends one event. Pass the transaction that made the change, so the change and its record
 * commit or roll back together. Details must never carry passwords, tokens or report contents.
 */
export async function recordAudit(
  q: Queryable,
  actor: Actor,
  action: string,
  options: { organisationId?: string | undefined; target?: string; details?: Record<string, unknown> } = {},
): Promise<void> {
  await q.query(
    `INSERT INTO audit_events (organisation_id, actor_user_id, actor, action, target, ip, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      options.organisationId ?? actor.organisationId ?? null,
      actor.userId ?? null,
      actor.label,
      action,
      options.target ?? null,
      actor.ip ?? null,
      JSON.stringify(options.details ?? {}),
    ],
  );
}

/** An organisation's events, newest first, a page at a time (before = the last id seen). */
export async function listAudit(q: Queryable, organisationId: string, page: { limit?: number; before?: number } = {}): Promise<AuditEvent[]> {
  const limit = Math.min(Math.max(page.limit ?? 100, 1), 500);
  return q.query<AuditEvent & Record<string, unknown>>(
    `SELECT id, at, actor, action, target, ip, details FROM audit_events
      WHERE organisation_id = $1 AND ($2::bigint IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [organisationId, page.before ?? null, limit],
  );
}
