import type { Database } from '../store/index.ts';

/**
 * Removes what has expired and can never be used again: sessions, pending second factors,
 * unused setup links and invitations, and old sign-in failures (kept a day for lockouts and
 * investigation; the audit log keeps the record). Records the run with its job id, so a run
 * counted twice would show.
 */
export async function runHousekeeping(db: Database, jobId: string): Promise<Record<string, number>> {
  return db.transaction(async (tx) => {
    const count = async (sql: string): Promise<number> => (await tx.query(sql)).length;
    const removed = {
      sessions: await count('DELETE FROM sessions WHERE expires_at < now() RETURNING 1'),
      pendingSignIns: await count('DELETE FROM pending_sign_ins WHERE expires_at < now() RETURNING 1'),
      setupLinks: await count('DELETE FROM setup_tokens WHERE used_at IS NULL AND expires_at < now() RETURNING 1'),
      invitations: await count(`DELETE FROM invitations WHERE accepted_at IS NULL AND expires_at < now() - interval '30 days' RETURNING 1`),
      signInFailures: await count(`DELETE FROM sign_in_failures WHERE at < now() - interval '1 day' RETURNING 1`),
      spentProofsOfWork: await count('DELETE FROM proof_of_work_spent WHERE expires_at < now() RETURNING 1'),
    };
    await tx.query('INSERT INTO housekeeping_runs (job_id, removed) VALUES ($1, $2)', [jobId, JSON.stringify(removed)]);
    return removed;
  });
}
