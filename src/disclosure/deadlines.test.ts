import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PlatformDatabase } from '../store/index.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { promiseRecord, ringDeadlines } from './deadlines.ts';
import { submitReport } from './reports.ts';

let db: PlatformDatabase;
let organisationId: string;
const report = { productText: 'Hub', title: 'A finding here', description: 'A description long enough to be accepted.', steps: 'Step one, step two.', aiUse: 'none' };

before(async () => {
  db = await openTestDatabase();
  organisationId = (await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('clocks', 'Clocks Ltd', 'maker') RETURNING id`))[0]?.id ?? '';
  await db.query(
    `INSERT INTO users (organisation_id, email, display_name, role, password_hash) VALUES ($1, 'owner@clocks.test', 'O', 'owner', 'x'), ($1, 'sr@clocks.test', 'S', 'security_responder', 'x'), ($1, 'viewer@clocks.test', 'V', 'viewer', 'x')`,
    [organisationId],
  );
});
after(async () => db.close());

const mailsTo = async (subjectLike: string) => db.query<{ recipient: string; body: string }>('SELECT recipient, body FROM outbound_emails WHERE subject LIKE $1 ORDER BY id', [subjectLike]);

test('an unopened report, a deadline within a day and a missed deadline each ring once, to the right people, without details', async () => {
  const { reference } = await submitReport(db, { id: organisationId, name: 'Clocks Ltd' }, report, 'http://c.test');
  const now = new Date(Date.now() + 6.5 * 86_400_000);
  assert.ok((await ringDeadlines(db, 'http://c.test', now)) > 0);
  const unopened = await mailsTo(`Nobody has opened report ${reference}%`);
  assert.deepEqual(unopened.map((m) => m.recipient).sort(), ['owner@clocks.test', 'sr@clocks.test']);
  assert.equal((await mailsTo(`Due within 24 hours: the assessment of ${reference}%`)).length, 2);
  assert.equal(await ringDeadlines(db, 'http://c.test', now), 0, 'each alert rings once');
  const late = new Date(Date.now() + 8 * 86_400_000);
  await ringDeadlines(db, 'http://c.test', late);
  const escalations = await mailsTo(`OVERDUE:%${reference}%`);
  assert.deepEqual(escalations.map((m) => m.recipient), ['owner@clocks.test'], 'escalation goes to owners');
  for (const m of [...unopened, ...escalations]) assert.ok(!m.body.includes('description long enough'), 'no details in alerts');
  assert.ok(!(await db.query('SELECT 1 FROM outbound_emails WHERE recipient = $1', ['viewer@clocks.test'])).length, 'viewers are not told of undisclosed reports');
});

test('the promise record counts kept and missed assessments and the time to acknowledge', async () => {
  const a = await submitReport(db, { id: organisationId, name: 'Clocks Ltd' }, report, 'http://c.test');
  await db.query(`UPDATE vulnerability_reports SET triaged_at = received_at + interval '2 hours', state = 'valid' WHERE reference = $1`, [a.reference]);
  const record = await promiseRecord(db, organisationId, new Date(Date.now() + 8 * 86_400_000));
  assert.equal(record.reports, 2);
  assert.equal(record.triage.kept, 1);
  assert.equal(record.triage.missed, 1, 'the first report was never assessed and is now past its promise');
  assert.equal(record.triage.medianHours, 2);
  assert.ok((record.acknowledge.worstMinutes ?? 1) < 1, 'acknowledged in the same moment as received');
});

test('the promise record counts fixes made within the time promised for their severity, and those late', async () => {
  const onTime = await submitReport(db, { id: organisationId, name: 'Clocks Ltd' }, report, 'http://c.test');
  const late = await submitReport(db, { id: organisationId, name: 'Clocks Ltd' }, report, 'http://c.test');
  const pending = await submitReport(db, { id: organisationId, name: 'Clocks Ltd' }, report, 'http://c.test');
  await db.query(`UPDATE vulnerability_reports SET fix_due = received_at + interval '30 days', fix_available_at = received_at + interval '10 days' WHERE reference = $1`, [onTime.reference]);
  await db.query(`UPDATE vulnerability_reports SET fix_due = received_at + interval '30 days', fix_available_at = received_at + interval '40 days' WHERE reference = $1`, [late.reference]);
  await db.query(`UPDATE vulnerability_reports SET fix_due = received_at + interval '60 days' WHERE reference = $1`, [pending.reference]);
  const record = await promiseRecord(db, organisationId, new Date(Date.now() + 45 * 86_400_000));
  assert.deepEqual(record.fix, { kept: 1, missed: 1, open: 1, medianDays: 25, worstDays: 40 });
});
