import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isConnectableError } from '../errors.ts';
import type { PlatformDatabase } from '../store/index.ts';
import { openTestDatabase } from '../../test/support/database.ts';
import { inbox, submitReport } from './reports.ts';
import { ratingOf, scoreVector, setSeverity } from './severity.ts';

test('CVSS 3.1 and 4.0 base vectors are scored and rated on FIRST’s scale', () => {
  assert.deepEqual(scoreVector('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'), { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, severity: 'critical' });
  assert.equal((scoreVector('CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N') as { score: number }).score, 3.5);
  assert.deepEqual(scoreVector('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), {
    version: '4.0',
    vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
    score: 9.3,
    severity: 'critical',
  });
  assert.match((scoreVector('CVSS:3.1/AV:N') as { error: string }).error, /complete CVSS 3\.1 or 4\.0 base vector/);
  assert.deepEqual([0, 0.1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(ratingOf), ['none', 'low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
});

let db: PlatformDatabase;
let actor: { label: string; organisationId: string };
before(async () => {
  db = await openTestDatabase();
  actor = { label: 'sr@sev.test', organisationId: (await db.query<{ id: string }>(`INSERT INTO organisations (slug, name, kind) VALUES ('sev', 'Sev Ltd', 'maker') RETURNING id`))[0]?.id ?? '' };
});
after(async () => db.close());

test('a severity starts the fix clock the policy promises for it, and the inbox counts it', async () => {
  const { reference } = await submitReport(db, { id: actor.organisationId, name: 'Sev Ltd' }, { productText: 'Hub', title: 'Hard-coded root password', description: 'A description long enough to be accepted.', steps: 'Step one, step two.', aiUse: 'none' }, 'http://s.test');
  const id = (await db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [reference]))[0]?.id ?? '';
  await setSeverity(db, actor, id, { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cwe: '798' });
  const row = (await inbox(db, actor.organisationId)).find((r) => r.reference === reference);
  assert.equal(row?.severity, 'critical');
  assert.equal(row?.cwe, 'CWE-798');
  assert.equal(Math.round(((row?.fixDue?.getTime() ?? 0) - (row?.receivedAt.getTime() ?? 0)) / 86_400_000), 30, 'critical: 30 days by the default policy');
  await assert.rejects(setSeverity(db, actor, id, { vector: 'high', cwe: '' }), (e: unknown) => isConnectableError(e) && Boolean(e.fields?.['vector']));
  await assert.rejects(setSeverity(db, actor, id, { vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cwe: 'sql injection' }), /CWE id such as CWE-798/);
});
