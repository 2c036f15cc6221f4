import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openTestDatabase } from '../../test/support/database.ts';
import type { PlatformDatabase } from '../store/index.ts';
import { listAudit, recordAudit } from './log.ts';

let db: PlatformDatabase;
let organisationId: string;

before(async () => {
  db = await openTestDatabase();
  const rows = await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('audited', 'Audited', 'maker') RETURNING id`);
  organisationId = rows[0]?.id ?? '';
});
after(async () => db.close());

test('events record who, what, when and from where, newest first', async () => {
  await recordAudit(db, { label: 'alice@example.test', organisationId, ip: '192.0.2.1' }, 'member.invited', { target: 'bob@example.test', details: { role: 'viewer' } });
  await recordAudit(db, { label: 'alice@example.test', organisationId, ip: '192.0.2.1' }, 'api_token.created', { target: 'ci' });
  const events = await listAudit(db, organisationId);
  assert.deepEqual(
    events.map((e) => [e.action, e.actor, e.target, e.ip]),
    [
      ['api_token.created', 'alice@example.test', 'ci', '192.0.2.1'],
      ['member.invited', 'alice@example.test', 'bob@example.test', '192.0.2.1'],
    ],
  );
  assert.ok(events[0]?.at instanceof Date);
  assert.deepEqual(events[1]?.details, { role: 'viewer' });
});

test('the log is append-only: updates, deletes and truncation are refused by the database', async () => {
  await recordAudit(db, { label: 'system', organisationId }, 'setup_link.issued');
  await assert.rejects(db.query(`UPDATE audit_events SET actor = 'mallory'`), /append-only/);
  await assert.rejects(db.query('DELETE FROM audit_events'), /append-only/);
  await assert.rejects(db.query('TRUNCATE audit_events'), /append-only/);
  assert.ok((await listAudit(db, organisationId)).length >= 1);
});

test("one organisation's events are not listed for another", async () => {
  const other = await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('other-org', 'Other', 'retailer') RETURNING id`);
  assert.deepEqual(await listAudit(db, other[0]?.id ?? ''), []);
});
