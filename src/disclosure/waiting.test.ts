import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PlatformDatabase } from '../store/index.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { compareVersions, describeRange, inRange, listAffected, setAffected } from './affected.ts';
import { addDays } from './business-days.ts';
import { closeSilentReports, ringDeadlines } from './deadlines.ts';
import { savePolicy } from './policy.ts';
import { postReporterMessage, reporterView, setWaitingOnReporter, submitReport } from './reports.ts';
import { setSeverity } from './severity.ts';

// Clocks that pause while the maker waits on the reporter, business days, and the affected
// versions of a report linked to the registry.

let db: PlatformDatabase;
let organisationId: string;
let productId: string;
const maker = () => ({ id: organisationId, name: 'Waiting Ltd' });
const responder = () => ({ label: 'sr@waiting.test', organisationId });
const report = { productText: 'Hub', title: 'A finding here', description: 'A description long enough to be accepted.', steps: 'Step one, step two.', aiUse: 'none' };
const DAY = 86_400_000;

before(async () => {
  db = await openTestDatabase();
  organisationId = (await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('waiting', 'Waiting Ltd', 'maker') RETURNING id`))[0]?.id ?? '';
  await db.query(`INSERT INTO users (organisation_id, email, display_name, role, password_hash) VALUES ($1, 'owner@waiting.test', 'O', 'owner', 'x')`, [organisationId]);
  productId =
    (
      await db.query<{ id: string }>(
        `INSERT INTO products (organisation_id, slug, brand, name, model_number, category, firmware_versions) VALUES ($1, 'hub', 'Waiting', 'Hub', 'WH-1', 'hub', '{1.0.0,1.2.0,1.9.0,1.10.0,2.0.0}') RETURNING id`,
        [organisationId],
      )
    )[0]?.id ?? '';
});
after(async () => db.close());

const policy = (extra: Record<string, string> = {}) => ({
  acknowledgeHours: '72',
  triageDays: '5',
  updateIntervalDays: '10',
  fixDaysCritical: '30',
  fixDaysHigh: '60',
  fixDaysMedium: '90',
  fixDaysLow: '180',
  languages: 'en',
  ...extra,
});

test('with a UK calendar, promised days are business days: the triage clock skips weekends and bank holidays', async () => {
  await db.transaction((tx) => savePolicy(tx, responder(), policy({ dayBasis: 'england-and-wales' })));
  const before = new Date();
  const submitted = await submitReport(db, maker(), report, 'http://w.test');
  const expected = addDays(before, 5, 'england-and-wales');
  assert.ok(Math.abs(submitted.triageDue.getTime() - expected.getTime()) < 5_000, `${submitted.triageDue.toISOString()} ≈ ${expected.toISOString()}`);
  assert.ok(submitted.triageDue.getTime() - before.getTime() >= 5 * DAY, 'five business days are never shorter than five days');
  const { id } = (await db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [submitted.reference]))[0] ?? { id: '' };
  await setSeverity(db, responder(), id, { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cwe: 'CWE-798', cve: 'CVE-2026-12345' });
  const row = (await db.query<{ fix_due: Date; received_at: Date; cve: string }>('SELECT fix_due, received_at, cve FROM vulnerability_reports WHERE id = $1', [id]))[0];
  assert.equal(row?.fix_due.getTime(), addDays(row?.received_at ?? new Date(), 30, 'england-and-wales').getTime());
  assert.equal(row?.cve, 'CVE-2026-12345');
  await assert.rejects(setSeverity(db, responder(), id, { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cwe: 'CWE-99999' }), /not in the CWE list/);
  await db.transaction((tx) => savePolicy(tx, responder(), policy({ waitingCloseDays: '14', inboundAddress: 'security@waiting.test' })));
  const other = (await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('copycat', 'Copycat', 'maker') RETURNING id`))[0]?.id ?? '';
  await assert.rejects(
    db.transaction((tx) => savePolicy(tx, { label: 'x', organisationId: other }, policy({ inboundAddress: 'Security@Waiting.test' }))),
    /Another maker on this platform already receives reports at that address/,
  );
});

test('waiting on the reporter pauses the clocks; the answer resumes them, later by the time waited', async () => {
  const submitted = await submitReport(db, maker(), { ...report, reporterEmail: 'finder@example.test' }, 'http://w.test');
  const id = (await db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [submitted.reference]))[0]?.id ?? '';
  await assert.rejects(setWaitingOnReporter(db, responder(), id, { waiting: 'true', body: '' }), /what you need/);
  await setWaitingOnReporter(db, responder(), id, { waiting: 'true', body: 'Which firmware version runs on your hub?' });
  await assert.rejects(setWaitingOnReporter(db, responder(), id, { waiting: 'true', body: 'again' }), /already waiting/);
  const asked = await db.query<{ subject: string; body: string }>(`SELECT subject, body FROM outbound_emails WHERE recipient = 'finder@example.test' AND subject LIKE '%need information%'`);
  assert.equal(asked.length, 1);
  assert.match(asked[0]?.body ?? '', /within 14 days/);
  // Pretend three days passed while waiting.
  await db.query(`UPDATE vulnerability_reports SET waiting_since = waiting_since - interval '3 days' WHERE id = $1`, [id]);
  const beforeAnswer = (await db.query<{ triage_due: Date }>('SELECT triage_due FROM vulnerability_reports WHERE id = $1', [id]))[0]?.triage_due ?? new Date();
  assert.equal(await ringDeadlines(db, 'http://w.test', new Date(Date.now() + 30 * DAY)) >= 0, true);
  const rung = await db.query(`SELECT 1 FROM report_events WHERE report_id = $1 AND event LIKE 'escalation:%'`, [id]);
  assert.equal(rung.length, 0, 'no alarms ring while waiting on the reporter');
  const view = await reporterView(db, submitted.trackingToken);
  assert.ok(view.waitingSince, 'the reporter sees that an answer is awaited');
  await postReporterMessage(db, submitted.trackingToken, { body: 'It runs 1.2.0.' }, 'http://w.test');
  const after = (await db.query<{ triage_due: Date; waiting_since: Date | null }>('SELECT triage_due, waiting_since FROM vulnerability_reports WHERE id = $1', [id]))[0];
  assert.equal(after?.waiting_since, null);
  const shift = (after?.triage_due.getTime() ?? 0) - beforeAnswer.getTime();
  assert.ok(Math.abs(shift - 3 * DAY) < 60_000, `the clock moved on by the three days waited (${shift / DAY} days)`);
  const events = (await db.query<{ event: string }>('SELECT event FROM report_events WHERE report_id = $1 ORDER BY id', [id])).map((e) => e.event);
  assert.ok(events.includes('waiting_started') && events.includes('waiting_ended'));
});

test('a reporter who never answers is reminded a week before, then the report closes as no_response', async () => {
  const submitted = await submitReport(db, maker(), { ...report, reporterEmail: 'silent@example.test' }, 'http://w.test');
  const id = (await db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [submitted.reference]))[0]?.id ?? '';
  await setWaitingOnReporter(db, responder(), id, { waiting: 'on', body: 'Can you send the request you used?' });
  assert.equal(await closeSilentReports(db, new Date(Date.now() + 8 * DAY)), 0, 'not yet');
  assert.equal((await db.query(`SELECT 1 FROM outbound_emails WHERE recipient = 'silent@example.test' AND subject LIKE '%still waiting%'`)).length, 1);
  await closeSilentReports(db, new Date(Date.now() + 9 * DAY));
  assert.equal((await db.query(`SELECT 1 FROM outbound_emails WHERE recipient = 'silent@example.test' AND subject LIKE '%still waiting%'`)).length, 1, 'reminded once');
  assert.equal(await closeSilentReports(db, new Date(Date.now() + 15 * DAY)), 1);
  const row = (await db.query<{ state: string; close_reason: string }>('SELECT state, close_reason FROM vulnerability_reports WHERE id = $1', [id]))[0];
  assert.deepEqual(row, { state: 'closed', close_reason: 'no_response' });
  const view = await reporterView(db, submitted.trackingToken);
  assert.match(view.messages.at(-1)?.body ?? '', /had no answer/);
  await assert.rejects(postReporterMessage(db, submitted.trackingToken, { body: 'Sorry, here it is.' }, 'http://w.test'), /closed/);
});

test('versions order by their numbers, and a range names the released versions it covers', async () => {
  assert.deepEqual(['1.10.0', '1.9.0', '1.2.0', 'v2.0.0', '1.0.0-rc1', '1.0.0'].sort(compareVersions), ['1.0.0-rc1', '1.0.0', '1.2.0', '1.9.0', '1.10.0', 'v2.0.0']);
  assert.ok(inRange('1.9.0', '1.2.0', '1.10.0'));
  assert.ok(!inRange('1.10.0', '1.2.0', '1.10.0'), 'the fixed version is not affected');
  assert.ok(inRange('0.1', '', '1.0'));
  assert.equal(describeRange('1.2.0', ''), '1.2.0 and later (no fix yet)');
  const submitted = await submitReport(db, maker(), report, 'http://w.test');
  const id = (await db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [submitted.reference]))[0]?.id ?? '';
  await setAffected(db, responder(), id, { productId, introduced: '1.2.0', fixed: '1.10.0' });
  const [affected] = await listAffected(db, id);
  assert.deepEqual(affected?.affectedReleases, ['1.2.0', '1.9.0']);
  await assert.rejects(setAffected(db, responder(), id, { productId, introduced: '2.0', fixed: '1.0' }), /must come after/);
  const stranger = (await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('stranger', 'Stranger', 'maker') RETURNING id`))[0]?.id ?? '';
  const theirs = (await db.query<{ id: string }>(`INSERT INTO products (organisation_id, slug, brand, name, model_number, category) VALUES ($1, 'cam', 'S', 'Cam', 'SC-1', 'camera') RETURNING id`, [stranger]))[0]?.id ?? '';
  await assert.rejects(setAffected(db, responder(), id, { productId: theirs }), /not in your registry/);
});
