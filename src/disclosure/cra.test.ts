import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isConnectableError } from '../errors.ts';
import type { PlatformDatabase } from '../store/index.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { craClocks, markCraEvent, recordCraSubmission } from './cra.ts';
import { submitReport } from './reports.ts';

let db: PlatformDatabase;
let actor: { label: string; organisationId: string };
const report = { productText: 'Hub', title: 'Exploited in the wild', description: 'A description long enough to be accepted.', steps: 'Step one, step two.', aiUse: 'none' };

before(async () => {
  db = await openTestDatabase();
  actor = { label: 'sr@cra.test', organisationId: (await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('cra', 'CRA Ltd', 'maker') RETURNING id`))[0]?.id ?? '' };
});
after(async () => db.close());

const idOf = async (reference: string) => (await db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [reference]))[0]?.id ?? '';

test('actively exploited starts the 24 h and 72 h clocks; a fix starts the 14-day clock; each runs from the first mark', async () => {
  const id = await idOf((await submitReport(db, { id: actor.organisationId, name: 'CRA Ltd' }, report, 'http://c.test')).reference);
  const idle = await craClocks(db, actor.organisationId, id);
  assert.ok(idle.every((c) => c.dueAt === undefined), 'no clock runs before anything is marked');
  await assert.rejects(markCraEvent(db, actor, id, { event: 'fix_available' }), /mark it actively exploited first/);
  await markCraEvent(db, actor, id, { event: 'actively_exploited' });
  const marked = (await db.query<{ at: Date }>('SELECT actively_exploited_at AS at FROM vulnerability_reports WHERE id = $1', [id]))[0]?.at ?? new Date(0);
  const [early, notification, final] = await craClocks(db, actor.organisationId, id);
  assert.equal(early?.dueAt?.getTime(), marked.getTime() + 24 * 3_600_000);
  assert.equal(notification?.dueAt?.getTime(), marked.getTime() + 72 * 3_600_000);
  assert.equal(final?.dueAt, undefined);
  assert.match(early?.draft ?? '', /Our reference: VR-/);
  await assert.rejects(markCraEvent(db, actor, id, { event: 'actively_exploited' }), /marked actively exploited already/);
  await markCraEvent(db, actor, id, { event: 'fix_available' });
  const fixedAt = (await db.query<{ at: Date }>('SELECT fix_available_at AS at FROM vulnerability_reports WHERE id = $1', [id]))[0]?.at ?? new Date(0);
  assert.equal((await craClocks(db, actor.organisationId, id))[2]?.dueAt?.getTime(), fixedAt.getTime() + 14 * 86_400_000);
  const later = new Date(marked.getTime() + 30 * 3_600_000);
  assert.equal((await craClocks(db, actor.organisationId, id, later))[0]?.overdue, true, 'the early warning is overdue after 24 hours');
});

test('what was sent is recorded once and for all', async () => {
  const id = await idOf((await submitReport(db, { id: actor.organisationId, name: 'CRA Ltd' }, report, 'http://c.test')).reference);
  await assert.rejects(recordCraSubmission(db, actor, id, { stage: 'early_warning', body: 'x' }), (e: unknown) => isConnectableError(e) && /actively exploited first/.test(e.message));
  await markCraEvent(db, actor, id, { event: 'actively_exploited' });
  await recordCraSubmission(db, actor, id, { stage: 'early_warning', body: 'Early warning: exploited, GB and DE.' });
  const [early] = await craClocks(db, actor.organisationId, id);
  assert.ok(early?.sentAt instanceof Date);
  assert.equal(early?.overdue, false);
  await assert.rejects(db.query('UPDATE cra_submissions SET body = $1', ['rewritten']), /append-only/);
  await assert.rejects(db.query('DELETE FROM cra_submissions'), /append-only/);
});
