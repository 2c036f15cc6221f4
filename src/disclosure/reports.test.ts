import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../test/support/client.ts';
import { proofOfWorkFor } from '../../test/support/proof-of-work.ts';
import { memberOf, ownerOf, startTestPlatform, type TestPlatform } from '../../test/support/platform.ts';

let platform: TestPlatform;
let owner: Client;
let organisationId: string;

before(async () => {
  platform = await startTestPlatform();
  ({ client: owner, organisationId } = await ownerOf(platform, 'Vuln Makers', 'owner@vuln.test'));
});
after(async () => platform.close());

const report = {
  productText: 'Garage door hub GD-1',
  version: '2.4.1',
  title: 'Unauthenticated firmware upload',
  description: 'POST /upgrade accepts a firmware image without authentication or signature.',
  steps: 'curl -F file=@evil.bin http://hub/upgrade',
  impact: 'Remote code execution',
  aiUse: 'none',
};

async function file(fields: Record<string, string>, ip = '198.51.100.30'): Promise<{ reference: string; link: string }> {
  const reporter = new Client(platform.app, ip);
  await reporter.get('/disclose/vuln-makers');
  const r = await reporter.post('/disclose/vuln-makers', fields);
  assert.equal(r.statusCode, 200, r.body.slice(0, 400));
  const reference = /Your report (VR-\d{4}-[A-Z2-9]{8}) was received and acknowledged/.exec(r.body)?.[1] ?? '';
  const link = /id="tracking-link" readonly value="([^"]+)"/.exec(r.body)?.[1] ?? '';
  return { reference, link: new URL(link).pathname };
}

describe('reporting without an account', () => {
  test('a report is acknowledged at once, with a private link and an e-mail that carries only the link', async () => {
    const { reference, link } = await file({ ...report, reporterEmail: 'finder@example.test' });
    assert.match(reference, /^VR-/);
    const row = await platform.db.query<{ received_at: Date; acknowledged_at: Date; state: string }>('SELECT received_at, acknowledged_at, state FROM vulnerability_reports WHERE reference = $1', [reference]);
    assert.equal(row[0]?.state, 'received');
    assert.ok(row[0]?.acknowledged_at, 'the time of acknowledgement is recorded as evidence');
    const mails = await platform.db.query<{ recipient: string; body: string }>('SELECT recipient, body FROM outbound_emails ORDER BY id');
    const toReporter = mails.find((m) => m.recipient === 'finder@example.test');
    assert.ok(toReporter?.body.includes(link), 'the reporter gets the private link');
    const toResponder = mails.find((m) => m.recipient === 'owner@vuln.test');
    assert.ok(toResponder, 'responders are told');
    assert.ok(!toResponder.body.includes('firmware') && !toResponder.body.includes('curl'), 'the notification carries no details');
    const status = await new Client(platform.app).get(link);
    assert.match(status.body, /id="report-status">Received</);
    assert.match(status.body, /was received and acknowledged/);
  });

  test('missing or malformed fields are named, and nothing is stored', async () => {
    const before = await platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM vulnerability_reports');
    const reporter = new Client(platform.app, '198.51.100.31');
    await reporter.get('/disclose/vuln-makers');
    const r = await reporter.post('/disclose/vuln-makers', { title: 'x', description: 'short', steps: '', reporterEmail: 'not-an-address', aiUse: '' });
    assert.equal(r.statusCode, 400);
    for (const message of [/Say which product is affected|Give the report a short title/, /at least 20 characters/, /steps to reproduce/, /Enter an e-mail address/, /AI tools/]) assert.match(r.body, message);
    const afterCount = await platform.db.query<{ n: number }>('SELECT count(*)::int AS n FROM vulnerability_reports');
    assert.deepEqual(afterCount, before);
  });

  test('tools can report through the JSON API without a session', async () => {
    const withoutProof = await platform.app.inject({ method: 'POST', url: '/api/v1/public/makers/vuln-makers/reports', payload: report, remoteAddress: '198.51.100.32' });
    assert.equal(withoutProof.statusCode, 400);
    assert.match(withoutProof.body, /proof of work is missing/);
    const r = await platform.app.inject({ method: 'POST', url: '/api/v1/public/makers/vuln-makers/reports', payload: { ...report, proofOfWork: await proofOfWorkFor(platform.app) }, remoteAddress: '198.51.100.32' });
    assert.equal(r.statusCode, 201);
    const body = r.json() as { reference: string; trackingUrl: string };
    assert.match(body.trackingUrl, /\/disclose\/track\//);
  });

  test('a flood from one address is slowed, other addresses are not', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const proofOfWork = await proofOfWorkFor(platform.app);
      codes.push((await platform.app.inject({ method: 'POST', url: '/api/v1/public/makers/vuln-makers/reports', payload: { ...report, proofOfWork }, remoteAddress: '198.51.100.33' })).statusCode);
    }
    assert.deepEqual(codes, [201, 201, 201, 201, 201, 429]);
    const proofOfWork = await proofOfWorkFor(platform.app);
    assert.equal((await platform.app.inject({ method: 'POST', url: '/api/v1/public/makers/vuln-makers/reports', payload: { ...report, proofOfWork }, remoteAddress: '198.51.100.34' })).statusCode, 201);
  });
});

test('the security.txt for the maker is valid RFC 9116 and points at the report page and policy', async () => {
  const { validateSecurityTxt } = await import('./security-txt.ts');
  const plain = await platform.app.inject('/disclose/vuln-makers/security.txt');
  assert.equal(plain.statusCode, 409, 'not over http://');
  assert.match(plain.body, /set PUBLIC_URL to the https/);
  const tls = await startTestPlatform({ PUBLIC_URL: 'https://connectable.test' });
  await ownerOf(tls, 'Vuln Makers', 'owner@vuln.test');
  const r = await tls.app.inject('/disclose/vuln-makers/security.txt');
  await tls.close();
  assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  const result = validateSecurityTxt(r.body, { url: 'https://connectable.test/disclose/vuln-makers/security.txt' });
  assert.deepEqual(result.problems.filter((p) => p.severity === 'error'), []);
  assert.match(r.body, /^Contact: https:\/\/connectable\.test\/disclose\/vuln-makers$/m);
  assert.match(r.body, /^Policy: https:\/\/connectable\.test\/disclose\/vuln-makers\/policy$/m);
  const expires = /^Expires: (.+)$/m.exec(r.body)?.[1] ?? '';
  const days = (Date.parse(expires) - Date.now()) / 86_400_000;
  assert.ok(days > 300 && days <= 366, `Expires ${expires} is renewed to nearly a year ahead`);
});

describe('triage and the conversation', () => {
  test('a responder triages and writes; internal notes never reach the reporter; the reporter replies', async () => {
    const { reference, link } = await file(report, '198.51.100.40');
    const id = (await platform.db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [reference]))[0]?.id ?? '';
    const inbox = await owner.get('/console/reports');
    assert.match(inbox.body, new RegExp(`${reference}</a> <strong class="badge">not opened yet</strong>`));
    await owner.get(`/console/reports/${id}`);
    assert.equal((await owner.post(`/console/reports/${id}/state`, { to: 'accepted' })).statusCode, 409, 'received cannot jump to accepted');
    assert.equal((await owner.post(`/console/reports/${id}/state`, { to: 'valid' })).statusCode, 303);
    assert.equal((await owner.post(`/console/reports/${id}/messages`, { body: 'Reproduced. Fix in progress.', visibility: 'reporter' })).statusCode, 303);
    assert.equal((await owner.post(`/console/reports/${id}/messages`, { body: 'SECRET: blame the vendor SDK', visibility: 'internal' })).statusCode, 303);
    const reporter = new Client(platform.app, '198.51.100.41');
    const status = await reporter.get(link);
    assert.match(status.body, /Confirmed as a security issue/);
    assert.match(status.body, /Reproduced\. Fix in progress\./);
    assert.doesNotMatch(status.body, /SECRET/);
    assert.doesNotMatch(status.body, /owner@vuln\.test/, 'who triaged is not shown');
    assert.equal((await reporter.post(link, { body: 'Also affects 2.4.2.' })).statusCode, 303);
    const detail = await owner.get(`/console/reports/${id}`);
    assert.match(detail.body, /Also affects 2\.4\.2\./);
    assert.match(detail.body, /SECRET: blame the vendor SDK/);
    assert.equal((await owner.post(`/console/reports/${id}/state`, { to: 'accepted' })).statusCode, 303);
    const noReason = await owner.post(`/console/reports/${id}/state`, { to: 'closed' });
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /Say why the report is closed/);
    assert.equal((await owner.post(`/console/reports/${id}/state`, { to: 'closed', closeReason: 'fixed' })).statusCode, 303);
    const events = await platform.db.query<{ event: string }>('SELECT event FROM report_events WHERE report_id = $1 ORDER BY id', [id]);
    assert.deepEqual(
      events.map((e) => e.event),
      ['received', 'acknowledged', 'first_opened', 'state:valid', 'update_sent', 'reporter_replied', 'state:accepted', 'state:closed'],
    );
  });

  test('marking a report actively exploited shows the CRA clocks with prefilled text, and records what was sent', async () => {
    const { reference } = await file({ ...report, title: 'Exploited now' }, '198.51.100.43');
    const id = (await platform.db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [reference]))[0]?.id ?? '';
    const page = await owner.get(`/console/reports/${id}`);
    assert.match(page.body, /Mark as actively exploited/);
    assert.equal((await owner.post(`/console/reports/${id}/cra`, { event: 'actively_exploited' })).statusCode, 303);
    const clocks = await owner.get(`/console/reports/${id}`);
    assert.match(clocks.body, /Early warning \(24 hours\)<\/td><td>[^<]+UTC \(in (23|24) hours\)/);
    assert.match(clocks.body, /Vulnerability notification \(72 hours\)/);
    assert.match(clocks.body, new RegExp(`Our reference: ${reference}`));
    assert.equal((await owner.post(`/console/reports/${id}/cra-submissions`, { stage: 'early_warning', body: 'Sent to the CSIRT.' })).statusCode, 303);
    assert.match((await owner.get(`/console/reports/${id}`)).body, /Early warning \(24 hours\)<\/td><td>[^<]+\(done\)/);
  });

  test('a rejection needs a second person', async () => {
    const { reference } = await file({ ...report, title: 'Probably spam' }, '198.51.100.44');
    const id = (await platform.db.query<{ id: string }>('SELECT id FROM vulnerability_reports WHERE reference = $1', [reference]))[0]?.id ?? '';
    const state = async () => (await platform.db.query<{ state: string }>('SELECT state FROM vulnerability_reports WHERE id = $1', [id]))[0]?.state;
    await owner.get(`/console/reports/${id}`);
    assert.equal((await owner.post(`/console/reports/${id}/state`, { to: 'invalid' })).statusCode, 303);
    assert.equal(await state(), 'received', 'only proposed');
    assert.match((await owner.get(`/console/reports/${id}`)).body, /proposed to reject this report/);
    const again = await owner.post(`/console/reports/${id}/state`, { to: 'invalid' });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /a second person/);
    const second = await memberOf(platform, organisationId, 'security_responder', 'second@vuln.test');
    await second.get(`/console/reports/${id}`);
    assert.equal((await second.post(`/console/reports/${id}/state`, { to: 'invalid' })).statusCode, 303);
    assert.equal(await state(), 'invalid');
  });

  test('the inbox puts what is overdue first, marked', async () => {
    const { reference } = await file({ ...report, title: 'Overdue one' }, '198.51.100.42');
    await platform.db.query(`UPDATE vulnerability_reports SET triage_due = now() - interval '2 days' WHERE reference = $1`, [reference]);
    const inbox = await owner.get('/console/reports');
    const firstRow = /<tbody><tr([^>]*)><td><a href="\/console\/reports\/[^"]+">(VR-[^<]+)</.exec(inbox.body);
    assert.equal(firstRow?.[2], reference);
    assert.match(firstRow?.[1] ?? '', /overdue/);
    assert.match(inbox.body, /assessment 2 days overdue/);
  });

  test('a viewer cannot see reports; the policy a responder publishes shows on the public pages', async () => {
    const viewer = await memberOf(platform, organisationId, 'viewer', 'viewer@vuln.test');
    assert.equal((await viewer.get('/console/reports')).statusCode, 403);
    const responder = await memberOf(platform, organisationId, 'security_responder', 'sr@vuln.test');
    await responder.get('/console/disclosure');
    const saved = await responder.post('/console/disclosure', {
      acknowledgeHours: '24',
      triageDays: '5',
      updateIntervalDays: '7',
      fixDaysCritical: '14',
      fixDaysHigh: '30',
      fixDaysMedium: '60',
      fixDaysLow: '120',
      languages: 'en, de',
      scope: 'All GD-series hubs',
    });
    assert.equal(saved.statusCode, 303);
    const policy = await new Client(platform.app).get('/disclose/vuln-makers/policy');
    assert.match(policy.body, /within 24 hours/);
    assert.match(policy.body, /at least every 7 days/);
    assert.match(policy.body, /All GD-series hubs/);
    const bad = await responder.post('/console/disclosure', { acknowledgeHours: '0', triageDays: 'soon', updateIntervalDays: '7', fixDaysCritical: '14', fixDaysHigh: '30', fixDaysMedium: '60', fixDaysLow: '120', languages: 'english!' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /At least 1 hour/);
  });
});
